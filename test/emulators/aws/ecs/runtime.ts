import { unusedPort } from '@shipyard/harness/listen';
import type { Json, TaskRecord } from './model.js';

/**
 * Where an ECS task's containers really run, when they do. The engine (engine.ts) decides which
 * tasks exist and when they start and stop; with a real runtime each task it starts becomes real
 * containers (docker: runtime-docker.ts) or local processes (process: runtime-process.ts), and the
 * task's RUNNING, HEALTHY/UNHEALTHY and STOPPED (with the real exit code) follow them.
 *
 * This file holds what both runtimes share: the task's plan (environment, secrets, command, a free
 * host port, health check, awslogs destination), the health-check loop, and the controller that
 * runs a task's containers and tells the engine what happened.
 */

export type TaskRuntimeKind = 'simulated' | 'docker' | 'process';

export interface TaskRuntimeOptions {
  /** `simulated` (default): the time model only. `docker`: real containers. `process`: local processes. */
  runtime?: TaskRuntimeKind;
  /**
   * Secret values a container definition's `secrets[].valueFrom` can name (a Secrets Manager secret
   * or SSM parameter ARN, or a parameter name). A `valueFrom` not held here fails the task with
   * ECS's ResourceInitializationError.
   */
  secrets?: Record<string, string>;
}

/** A Docker image configuration (`docker image inspect`'s `.Config`, or an image config blob's `config`). */
export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string> | null;
  /** Durations in nanoseconds; 0 or absent means Docker's default. */
  Healthcheck?: { Test?: string[] | null; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
}

/** An image reference after the emulator looked it up. */
export interface ResolvedImage {
  /** As the task definition gives it. */
  reference: string;
  /** Set when the image lives in the emulated ECR: its host (as given), repository and manifest digest. */
  ecr?: { host: string; repository: string; digest: string };
}

export interface HealthCheckSpec {
  /** `["CMD-SHELL", "cmd"]` or `["CMD", "exe", "arg", ...]`. */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

/** One container of a task, ready to run. */
export interface ContainerPlan {
  taskId: string;
  taskArn: string;
  name: string;
  essential: boolean;
  image: ResolvedImage;
  imageConfig: ImageConfig;
  /** The definition's `environment` and resolved `secrets`, and `PORT`. */
  env: Record<string, string>;
  entryPoint?: string[];
  command?: string[];
  workingDirectory?: string;
  user?: string;
  /** The port the OS picked for this container; the app is told with `PORT`. */
  hostPort: number;
  /** The definition's first `containerPort`, if any (reported beside the host port). */
  containerPort?: number;
  stopTimeoutSeconds: number;
  healthCheck?: HealthCheckSpec;
}

export interface StartedContainer {
  /** Resolves with the exit code (128 + the signal's number when a signal ended it) once its output is read. */
  exited: Promise<number>;
  /** Run a health check command in (docker) or beside (process) the container: true when it exits 0 in time. */
  check(test: string[], timeoutMs: number): Promise<boolean>;
  /** SIGTERM, then SIGKILL after the timeout. */
  stop(timeoutSeconds: number): Promise<void>;
  kill(): Promise<void>;
}

export interface ContainerDriver {
  readonly kind: 'docker' | 'process';
  /** Check what the runtime needs before the emulator answers (throws with the reason). */
  init?(): Promise<void>;
  /** Pull (docker) or read (process) the image; throws `TaskStartFailure` (CannotPullContainerError). */
  prepare(image: ResolvedImage): Promise<ImageConfig>;
  /** Start it; output lines go to `onLine`. Throws `TaskStartFailure` (CannotStartContainerError). */
  start(plan: ContainerPlan, onLine: (line: string, timestamp: number) => void): Promise<StartedContainer>;
  close(): Promise<void>;
}

/** Why a task never ran, worded as ECS words it (the task's stoppedReason and the container's reason). */
export class TaskStartFailure extends Error {
  constructor(
    readonly stoppedReason: string,
    readonly containerReason?: string,
    readonly container?: string,
  ) {
    super(stoppedReason);
  }
}

/** What the runtime tells the engine; each call happens at the real moment it is about. */
export interface RuntimeEvents {
  /** Every container started. `healthChecked`: the containers that have a health check (the definition's or the image's). */
  running(task: TaskRecord, info: { ports: Record<string, number>; healthChecked: string[] }): void;
  health(task: TaskRecord, container: string, status: 'HEALTHY' | 'UNHEALTHY'): void;
  /** A container exited on its own (not stopped by the emulator). */
  exited(task: TaskRecord, container: string, exitCode: number, essential: boolean): void;
  /** Every container is gone after `stop` or `kill`; the exit codes of those that ran. */
  stopped(task: TaskRecord, exitCodes: Record<string, number>): void;
  failedToStart(task: TaskRecord, failure: TaskStartFailure): void;
}

/** Where container output goes: any log store with `put` (logs.ts's LogStore). */
export interface LogSink {
  put(group: string, stream: string, events: { timestamp: number; message: string }[]): void;
}

export interface RuntimeDependencies {
  driver: ContainerDriver;
  events: RuntimeEvents;
  logs: LogSink;
  secrets: Map<string, string>;
  resolveImage(image: string): Promise<ResolvedImage>;
}

/** A port the OS says is free now, and not one this emulator handed out to a live task. */
export async function freePort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await unusedPort();
    if (!taken.has(port)) return port;
  }
  throw new Error('no free port found');
}

// ---- secrets ------------------------------------------------------------------------------

/**
 * The value of a `secrets[].valueFrom`, from what the emulator holds: the exact string, a Secrets
 * Manager ARN with a JSON key (`arn:...:secret:name:key::`), or an SSM parameter by ARN or name.
 */
export function resolveSecret(valueFrom: string, held: ReadonlyMap<string, string>): string | undefined {
  const exact = held.get(valueFrom);
  if (exact !== undefined) return exact;
  const asm = /^(arn:aws[a-z-]*:secretsmanager:[^:]*:\d{12}:secret:[^:]+)(?::([^:]*):([^:]*):([^:]*))?$/.exec(
    valueFrom,
  );
  if (asm) {
    const whole = held.get(asm[1]);
    if (whole === undefined || !asm[2]) return whole;
    try {
      const value = (JSON.parse(whole) as Record<string, unknown>)[asm[2]];
      return value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
    } catch {
      return undefined;
    }
  }
  const ssmArn = /^arn:aws[a-z-]*:ssm:[^:]*:\d{12}:parameter(\/.*)$/.exec(valueFrom);
  if (ssmArn) return held.get(ssmArn[1]) ?? held.get(ssmArn[1].slice(1));
  for (const [key, value] of held) {
    const parameter = /^arn:aws[a-z-]*:ssm:[^:]*:\d{12}:parameter(\/.*)$/.exec(key);
    if (parameter && (parameter[1] === valueFrom || parameter[1] === `/${valueFrom}`)) return value;
  }
  return undefined;
}

/** ECS's stopped reason when a task's secret cannot be read (Fargate platform 1.4 wording). */
export function secretFailure(valueFrom: string): string {
  const prefix =
    'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed:';
  if (valueFrom.includes(':secretsmanager:')) {
    return `${prefix} unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${valueFrom} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`;
  }
  return `${prefix} unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: ${valueFrom}`;
}

// ---- health checks ------------------------------------------------------------------------

const SECOND = 1000;
const NANOSECONDS_PER_MS = 1_000_000;

/** The definition's healthCheck (seconds, ECS's defaults), else the image's HEALTHCHECK (nanoseconds, Docker's). */
export function healthCheckSpec(container: Json, image: ImageConfig): HealthCheckSpec | undefined {
  const own = container.healthCheck as Json | undefined;
  if (own && Array.isArray(own.command) && own.command.length > 0) {
    const seconds = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback) * SECOND;
    return {
      test: normaliseTest(own.command as string[]),
      intervalMs: seconds(own.interval, 30),
      timeoutMs: seconds(own.timeout, 5),
      retries: typeof own.retries === 'number' ? own.retries : 3,
      startPeriodMs: seconds(own.startPeriod, 0),
    };
  }
  const check = image.Healthcheck;
  if (!check?.Test || check.Test.length === 0 || check.Test[0] === 'NONE') return undefined;
  const ms = (value: number | undefined, fallback: number) => (value ? value / NANOSECONDS_PER_MS : fallback);
  return {
    test: normaliseTest(check.Test),
    intervalMs: ms(check.Interval, 30 * SECOND),
    timeoutMs: ms(check.Timeout, 30 * SECOND),
    retries: check.Retries || 3,
    startPeriodMs: ms(check.StartPeriod, 0),
  };
}

/** ECS and Docker accept a bare command as CMD-SHELL's. */
function normaliseTest(test: string[]): string[] {
  if (test[0] === 'CMD' || test[0] === 'CMD-SHELL') return test;
  return ['CMD-SHELL', test.join(' ')];
}

/** How often checks run while a container has not yet passed one within its start period (Docker 25's start interval). */
export const START_INTERVAL_MS = 250;

/**
 * Docker's health-check rules, run by the emulator: a check every `interval` (the first one an
 * interval after the start); inside the start period a check every START_INTERVAL_MS instead, and
 * failures there do not count; `retries` consecutive failures make the container UNHEALTHY, a
 * pass makes it HEALTHY. Reports each change of status.
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  private status: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' = 'UNKNOWN';
  private readonly startedAt = Date.now();

  constructor(
    private readonly spec: HealthCheckSpec,
    private readonly run: (test: string[], timeoutMs: number) => Promise<boolean>,
    private readonly report: (status: 'HEALTHY' | 'UNHEALTHY') => void,
  ) {
    this.schedule();
  }

  private inStartPeriod(): boolean {
    return this.status !== 'HEALTHY' && Date.now() - this.startedAt < this.spec.startPeriodMs;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.inStartPeriod() ? Math.min(START_INTERVAL_MS, this.spec.intervalMs) : this.spec.intervalMs;
    this.timer = setTimeout(() => void this.once(), delay);
    this.timer.unref();
  }

  private async once(): Promise<void> {
    const counted = !this.inStartPeriod();
    const passed = await this.run(this.spec.test, this.spec.timeoutMs).catch(() => false);
    if (this.stopped) return;
    if (passed) {
      this.failures = 0;
      this.set('HEALTHY');
    } else if (counted) {
      this.failures += 1;
      if (this.failures >= this.spec.retries) this.set('UNHEALTHY');
    }
    this.schedule();
  }

  private set(status: 'HEALTHY' | 'UNHEALTHY'): void {
    if (this.status === status) return;
    this.status = status;
    this.report(status);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

// ---- the controller -------------------------------------------------------------------------

/** Where the awslogs driver sends a container's output: group and `<prefix>/<container>/<task-id>`. */
export function awslogsDestination(container: Json, taskId: string): { group: string; stream: string } | undefined {
  const configuration = container.logConfiguration as Json | undefined;
  if (configuration?.logDriver !== 'awslogs') return undefined;
  const options = (configuration.options as Record<string, string> | undefined) ?? {};
  const group = options['awslogs-group'];
  if (!group) return undefined;
  const prefix = options['awslogs-stream-prefix'];
  return { group, stream: prefix ? `${prefix}/${String(container.name)}/${taskId}` : taskId };
}

interface RunningContainerState {
  plan: ContainerPlan;
  started: StartedContainer;
  checker?: HealthChecker;
  exitCode?: number;
}

interface TaskState {
  task: TaskRecord;
  containers: Map<string, RunningContainerState>;
  /** Set once the emulator asked the task to stop or be killed, or a container exited: exits are then expected. */
  stopping: boolean;
  /** Set when the engine asked (stop or kill): the engine then waits for `stopped`. */
  stopRequested: boolean;
  /** Resolves when the start sequence is over (started, failed, or given up because of a stop). */
  starting: Promise<void>;
  ports: Set<number>;
  /** The port the load balancer sends requests to (the first container with a port mapping, else the first essential one). */
  endpointPort?: number;
  finished: boolean;
  /** Set once `running` was told. */
  reported: boolean;
}

export class TaskRuntimeController {
  private readonly tasks = new Map<string, TaskState>();
  private readonly portsInUse = new Set<number>();
  private closed = false;

  constructor(private readonly deps: RuntimeDependencies) {}

  get kind(): 'docker' | 'process' {
    return this.deps.driver.kind;
  }

  init(): Promise<void> {
    return this.deps.driver.init?.() ?? Promise.resolve();
  }

  /** Whether the runtime holds the task (it started it and it has not finished). */
  has(taskArn: string): boolean {
    return this.tasks.has(taskArn);
  }

  /** The host port requests for the task go to, once it runs. */
  endpoint(taskArn: string): number | undefined {
    const state = this.tasks.get(taskArn);
    return state && !state.finished && !state.stopping ? state.endpointPort : undefined;
  }

  /** Run the task's containers; what happens is told to the engine through the events. */
  start(task: TaskRecord, definition: Json): void {
    if (this.closed) return;
    const state: TaskState = {
      task,
      containers: new Map(),
      stopping: false,
      stopRequested: false,
      starting: Promise.resolve(),
      ports: new Set(),
      finished: false,
      reported: false,
    };
    this.tasks.set(task.taskArn, state);
    state.starting = this.startTask(state, definition).catch(async (error: unknown) => {
      const failure =
        error instanceof TaskStartFailure
          ? error
          : new TaskStartFailure(
              `CannotStartContainerError: ${error instanceof Error ? error.message : String(error)}`,
            );
      const requested = state.stopRequested;
      state.stopping = true;
      await this.endAll(state, (container) => container.started.kill());
      if (requested) return this.finish(state);
      state.finished = true;
      this.release(state);
      this.deps.events.failedToStart(task, failure);
    });
  }

  private async startTask(state: TaskState, definition: Json): Promise<void> {
    const { task } = state;
    const containers = (definition.containerDefinitions as Json[] | undefined) ?? [];
    // Secrets first: ECS's agent fetches them before it pulls anything.
    const secretValues = new Map<string, Record<string, string>>();
    for (const container of containers) {
      const values: Record<string, string> = {};
      for (const secret of (container.secrets as { name: string; valueFrom: string }[] | undefined) ?? []) {
        const value = resolveSecret(secret.valueFrom, this.deps.secrets);
        if (value === undefined) {
          throw new TaskStartFailure(secretFailure(secret.valueFrom), undefined, String(container.name));
        }
        values[secret.name] = value;
      }
      secretValues.set(String(container.name), values);
    }
    const plans: ContainerPlan[] = [];
    for (const container of containers) {
      const name = String(container.name);
      let image: ResolvedImage;
      let imageConfig: ImageConfig;
      try {
        image = await this.deps.resolveImage(String(container.image));
        if (state.stopping) return;
        imageConfig = await this.deps.driver.prepare(image);
      } catch (error) {
        throw withContainer(error, name);
      }
      if (state.stopping) return;
      const hostPort = await freePort(this.portsInUse);
      this.portsInUse.add(hostPort);
      state.ports.add(hostPort);
      const mappings = (container.portMappings as Json[] | undefined) ?? [];
      const environment: Record<string, string> = {};
      for (const pair of (container.environment as { name: string; value: string }[] | undefined) ?? []) {
        environment[pair.name] = pair.value;
      }
      plans.push({
        taskId: task.taskId,
        taskArn: task.taskArn,
        name,
        essential: container.essential !== false,
        image,
        imageConfig,
        env: { ...environment, ...secretValues.get(name), PORT: String(hostPort) },
        entryPoint: container.entryPoint as string[] | undefined,
        command: container.command as string[] | undefined,
        workingDirectory: container.workingDirectory as string | undefined,
        user: container.user as string | undefined,
        hostPort,
        containerPort:
          typeof mappings[0]?.containerPort === 'number' ? (mappings[0].containerPort as number) : undefined,
        stopTimeoutSeconds: typeof container.stopTimeout === 'number' ? container.stopTimeout : 30,
        healthCheck: healthCheckSpec(container, imageConfig),
      });
    }
    const mapped = containers.findIndex(
      (container) => ((container.portMappings as unknown[] | undefined) ?? []).length > 0,
    );
    const web =
      mapped >= 0
        ? mapped
        : Math.max(
            0,
            containers.findIndex((container) => container.essential !== false),
          );
    state.endpointPort = plans[web]?.hostPort;

    for (const [index, plan] of plans.entries()) {
      const destination = awslogsDestination(containers[index], task.taskId);
      const onLine = (line: string, timestamp: number) => {
        if (destination) this.deps.logs.put(destination.group, destination.stream, [{ timestamp, message: line }]);
      };
      let started: StartedContainer;
      try {
        started = await this.deps.driver.start(plan, onLine);
      } catch (error) {
        throw withContainer(error, plan.name);
      }
      const running: RunningContainerState = { plan, started };
      state.containers.set(plan.name, running);
      void started.exited.then((exitCode) => this.containerExited(state, running, exitCode));
      if (state.stopping) return;
    }
    if (state.stopping) return;
    state.reported = true;
    this.deps.events.running(task, {
      ports: Object.fromEntries(plans.map((plan) => [plan.name, plan.hostPort])),
      healthChecked: plans.filter((plan) => plan.healthCheck).map((plan) => plan.name),
    });
    for (const running of state.containers.values()) {
      const spec = running.plan.healthCheck;
      if (!spec || running.exitCode !== undefined) continue;
      running.checker = new HealthChecker(
        spec,
        (test, timeoutMs) => running.started.check(test, timeoutMs),
        (status) => {
          if (!state.stopping && running.exitCode === undefined) {
            this.deps.events.health(task, running.plan.name, status);
          }
        },
      );
    }
  }

  private containerExited(state: TaskState, running: RunningContainerState, exitCode: number): void {
    running.exitCode = exitCode;
    running.checker?.stop();
    // A container that exits while the others still start: the task is RUNNING first, then it stops.
    if (!state.reported && !state.stopping && !state.finished) {
      void state.starting.then(() => this.containerExited(state, running, exitCode));
      return;
    }
    if (!state.stopping && !state.finished) {
      this.deps.events.exited(state.task, running.plan.name, exitCode, running.plan.essential);
      if (!running.plan.essential) return;
      // An essential container's exit stops the task: the others get SIGTERM, as ECS sends it.
      state.stopping = true;
      void this.endAll(state, (container) => container.started.stop(container.plan.stopTimeoutSeconds));
    }
    if (state.containers.size > 0 && [...state.containers.values()].every((c) => c.exitCode !== undefined)) {
      void state.starting.then(() => this.finish(state));
    }
  }

  private release(state: TaskState): void {
    for (const port of state.ports) this.portsInUse.delete(port);
    this.tasks.delete(state.task.taskArn);
  }

  private finish(state: TaskState): void {
    if (state.finished) return;
    state.finished = true;
    this.release(state);
    const exitCodes: Record<string, number> = {};
    for (const [name, container] of state.containers) {
      if (container.exitCode !== undefined) exitCodes[name] = container.exitCode;
    }
    this.deps.events.stopped(state.task, exitCodes);
  }

  /** Stop every container still running the given way, and wait until each has exited. */
  private async endAll(state: TaskState, how: (container: RunningContainerState) => Promise<void>): Promise<void> {
    for (const container of state.containers.values()) container.checker?.stop();
    const live = [...state.containers.values()].filter((container) => container.exitCode === undefined);
    await Promise.all(live.map((container) => how(container).catch(() => undefined)));
    await Promise.all(live.map((container) => container.started.exited.catch(() => 0)));
  }

  /**
   * Stop a task as ECS does: once `drained` resolves (the load balancer's in-flight requests to
   * it), SIGTERM to each container, SIGKILL after its stopTimeout. `stopped` follows once every
   * container is gone.
   */
  async stop(taskArn: string, drained?: Promise<void>): Promise<void> {
    const state = this.tasks.get(taskArn);
    if (!state || state.stopRequested) return;
    state.stopRequested = true;
    state.stopping = true;
    for (const container of state.containers.values()) container.checker?.stop();
    if (drained) await drained;
    await state.starting;
    if (state.finished) return;
    await this.endAll(state, (container) => container.started.stop(container.plan.stopTimeoutSeconds));
    this.finish(state);
  }

  /** Kill a task's containers at once (a task the scheduler failed, a reset, the close). */
  async kill(taskArn: string): Promise<void> {
    const state = this.tasks.get(taskArn);
    if (!state) return;
    state.stopRequested = true;
    state.stopping = true;
    for (const container of state.containers.values()) container.checker?.stop();
    await state.starting;
    if (state.finished) return;
    await this.endAll(state, (container) => container.started.kill());
    this.finish(state);
  }

  /** Kill every task (a reset). */
  async killAll(): Promise<void> {
    await Promise.all([...this.tasks.keys()].map((arn) => this.kill(arn)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.killAll();
    await this.deps.driver.close();
  }
}

function withContainer(error: unknown, container: string): unknown {
  if (!(error instanceof TaskStartFailure)) return error;
  return new TaskStartFailure(error.stoppedReason, error.containerReason ?? error.stoppedReason, container);
}
