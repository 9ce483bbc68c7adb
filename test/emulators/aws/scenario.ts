/**
 * A scenario is what makes one emulator run differ from another: how long ECS takes to start and
 * stop tasks, which images crash and how, and which faults the API injects. It is plain JSON so it
 * can live in a file (`npm run emulator -- aws --scenario FILE`) or be sent with
 * `PUT /_emulator/scenario`. The format is documented in test/emulators/README.md.
 */

export interface FailingImage {
  /** A substring of the image reference, or a regular expression written as `/.../`. */
  pattern: string;
  /** The essential container's exit code; absent for tasks that fail before the container runs. */
  exitCode?: number;
  /** The container's `reason` (e.g. `CannotPullContainerError: ...`); absent when it simply exited. */
  reason?: string;
  /** The task's `stoppedReason`; defaults to ECS's `Essential container in task exited`. */
  stoppedReason?: string;
  /** The task's `stopCode`; defaults to `EssentialContainerExited` (or `TaskFailedToStart` with a reason and no exit code). */
  stopCode?: string;
  /** How long the task runs before it stops, in ms on the emulator clock (not scaled); defaults to the time model's crash time. */
  afterMs?: number;
  /**
   * The container starts and keeps running but fails its health check (needs a `healthCheck` in
   * the task definition): UNHEALTHY after its retries, and stopped by the scheduler once the
   * service's `healthCheckGracePeriodSeconds` has passed since it started.
   */
  unhealthy?: boolean;
  /**
   * The container's last log lines (`Error: listen EADDRINUSE :::3000`), written to its awslogs stream
   * (`<awslogs-stream-prefix>/<container>/<task id>`) when it stops, if its logConfiguration uses awslogs.
   */
  logLines?: string[];
}

/** ServiceDeploymentLifecycleStage names (kept here so the scenario has no import cycle). */
export type ScenarioStage =
  | 'RECONCILE_SERVICE'
  | 'PRE_SCALE_UP'
  | 'SCALE_UP'
  | 'POST_SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'POST_TEST_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'POST_PRODUCTION_TRAFFIC_SHIFT'
  | 'BAKE_TIME'
  | 'CLEAN_UP';

/**
 * A CloudWatch alarm going into ALARM during a deployment. ECS reports it (triggeredAlarmNames) and
 * acts on it only when the alarm is among the service's deploymentConfiguration.alarms.alarmNames.
 */
export interface AlarmTrigger {
  alarmName: string;
  /** Only deployments whose target revision has an image matching this (substring or /regex/). */
  image?: string;
  /** When the deployment enters this lifecycle stage (blue/green, linear, canary); absent: when the deployment starts. */
  stage?: ScenarioStage;
  /** Milliseconds on the emulator clock after that moment (not scaled); default 0. */
  afterMs?: number;
}

/** What a lifecycle hook (a Lambda function) answers: the first matching rule wins; no rule: SUCCEEDED. */
export interface HookResult {
  status: 'SUCCEEDED' | 'FAILED';
  /** The hook stage (DeploymentLifecycleHookStage) it answers at; absent: every stage. */
  stage?: string;
  /** A substring or /regex/ of the hook's hookTargetArn. */
  hookTargetArn?: string;
  /** Only deployments whose target revision has an image matching this. */
  image?: string;
  /** How long the hook takes, ms on the emulator clock (not scaled); default the time model's hookSeconds. */
  afterMs?: number;
}

/** How a one-off task (RunTask) ends: the first rule matching its command or image wins; none: exit 0. */
export interface OneOffTaskRule {
  /** A substring or /regex/ of the essential container's command (override or definition), joined by spaces. */
  command?: string;
  /** A substring or /regex/ of the essential container's image. */
  image?: string;
  exitCode: number;
  /** Lines the container writes to its awslogs stream while it runs. */
  logLines?: string[];
  /** How long it runs, ms on the emulator clock (not scaled); default the time model's oneOffRunSeconds. */
  runMs?: number;
}

/**
 * How long each phase of an ECS task takes in AWS, in seconds at time-scale 1. Every value is
 * multiplied by the scenario's `timeScale` (0.001: a 5-minute rollout in 0.3 s). The sources are in
 * test/emulators/README.md ("Time").
 */
export interface EcsDurations {
  /** PROVISIONING: Fargate finds capacity and attaches the task's network interface. */
  provisioningSeconds: number;
  /** PENDING: the image is pulled. */
  pullSeconds: number;
  /** PENDING to RUNNING: the containers are created and started. */
  startSeconds: number;
  /**
   * A container health check's interval when the task definition gives none (ECS's default 30 s);
   * a container turns HEALTHY after its first interval and UNHEALTHY after `retries` failed ones.
   */
  healthCheckIntervalSeconds: number;
  /** ECS's default container health-check retries. */
  healthCheckRetries: number;
  /** A load-balanced task is ready once its target passes `targetHealthyThreshold` checks this far apart (ELB default 30 s). */
  targetHealthCheckIntervalSeconds: number;
  /** ELB's default healthy threshold count (5). */
  targetHealthyThreshold: number;
  /** DEACTIVATING for a load-balanced task: the target group's deregistration delay (ELB default 300 s). */
  deregistrationDelaySeconds: number;
  /** STOPPING: SIGTERM until the containers exit (ECS waits at most the stopTimeout, 30 s by default). */
  stoppingSeconds: number;
  /** How long a crashing container runs before it exits (a failing image without `afterMs`). */
  crashSeconds: number;
  /** The scheduler's wait before it replaces a failed task; it doubles as failures repeat, up to 32 times. */
  restartSeconds: number;
  /** The last old task STOPPED to the deployment COMPLETED and the steady-state event. */
  steadyStateSeconds: number;
  /** A listener rule modified to move test or production traffic (one step of a blue/green, linear or canary shift). */
  trafficShiftSeconds: number;
  /** A lifecycle hook (Lambda function) answering, when the scenario's hookResults give no afterMs. */
  hookSeconds: number;
  /** A one-off task's essential container running (RunTask), when its oneOffTasks rule gives no runMs. */
  oneOffRunSeconds: number;
}

export interface EcsScenario {
  /** Real durations in seconds, scaled by `timeScale`. */
  durations: EcsDurations;
  /**
   * Fixed overrides, in milliseconds on the emulator clock and NOT scaled (the format before the
   * time model; tests that step a ManualClock through exact instants use them). When set, each
   * replaces the scaled phases it covers.
   */
  /** PROVISIONING to RUNNING (replaces provisioning + pull + start). */
  taskStartDelayMs?: number;
  /** RUNNING to HEALTHY (replaces the health-check interval and the target's checks). */
  taskHealthyDelayMs?: number;
  /** Stop requested to STOPPED (replaces deregistration delay + stopping). */
  taskStopDelayMs?: number;
  /** RUNNING to STOPPED for a crashing image (replaces crashSeconds). */
  taskFailDelayMs?: number;
  /** Replaces restartSeconds. */
  taskRestartDelayMs?: number;
  /** Replaces steadyStateSeconds. */
  steadyStateDelayMs?: number;
  failingImages: FailingImage[];
  /** Images whose tasks take longer to start (a slow pull, a long boot): for timeout tests. */
  slowImages: { pattern: string; startDelayMs: number }[];
  /** CloudWatch alarms going into ALARM during deployments. */
  alarmTriggers: AlarmTrigger[];
  /** What lifecycle hooks answer. */
  hookResults: HookResult[];
  /** How one-off tasks (RunTask) end and what they log. */
  oneOffTasks: OneOffTaskRule[];
}

export const LEGACY_DELAY_KEYS = [
  'taskStartDelayMs',
  'taskHealthyDelayMs',
  'taskStopDelayMs',
  'taskFailDelayMs',
  'taskRestartDelayMs',
  'steadyStateDelayMs',
] as const;

export interface FaultRates {
  /** Share of calls, 0 to 1, answered with 400 ThrottlingException. */
  throttleRate?: number;
  /** Share of calls, 0 to 1, answered with a 500 server error. */
  serverErrorRate?: number;
  /**
   * Share of calls, 0 to 1, that are applied and then lose their answer: the emulator does what
   * was asked, records the call, and resets the connection (TCP RST) without writing a byte back,
   * as when a connection drops after AWS committed a change. Drawn after the throttle and server
   * error shares, from the same seeded number.
   */
  lostAnswerRate?: number;
  /** The calls of the operation, counted from 1, that lose their answer as `lostAnswerRate` describes (`[1]`: the first). */
  lostAnswerCalls?: number[];
  /**
   * Calls of the operation wait until this many have arrived, then all go on in the order they
   * came (a barrier, for tests of concurrent callers: two deploys that both looked before either
   * registered). A group that does not fill within 10 seconds goes on anyway.
   */
  barrier?: number;
  /** Added before each answer, in milliseconds. */
  latencyMs?: number;
  /**
   * Calls of the operation, counted from 1, whose answer is held for `slowAnswerMs` after the call
   * was applied: slower than a client's request timeout, the client gives up and retries. A held
   * answer is written if the client still waits.
   */
  slowAnswerCalls?: number[];
  /** Share of calls, 0 to 1, held as `slowAnswerCalls` describes (drawn after the other shares). */
  slowAnswerRate?: number;
  /** How long a slow answer is held, in real milliseconds (default 60000). */
  slowAnswerMs?: number;
  /**
   * A throttling burst: `calls` consecutive calls of the operation, starting with call number
   * `from` (default 1), get 400 ThrottlingException; the calls after it are answered normally.
   */
  throttleBurst?: { from?: number; calls: number };
  /** Answer every call with 400 AccessDeniedException naming the IAM action, as a missing permission does. */
  accessDenied?: boolean;
}

export interface FaultScenario extends FaultRates {
  /** Rates for single operations, keyed `Operation` or `service:Operation`; they replace the global rates. */
  operations?: Record<string, FaultRates>;
}

export interface Scenario {
  seed: number;
  /**
   * Multiplies every duration of the time model (`ecs.durations`): 1 is real time (the rehearsal),
   * 0.001 (the default) runs a rollout of minutes in a fraction of a second for tests.
   */
  timeScale: number;
  accountId: string;
  region: string;
  ecs: EcsScenario;
  faults: FaultScenario;
  /**
   * When set, requests must be signed with one of these key pairs and the SigV4 signature is
   * verified; otherwise any well-formed SigV4 Authorization header is accepted.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string }[];
  /** Anything other services (ECR) keep in the scenario, under their own key. */
  [service: string]: unknown;
}

export type ScenarioInput = Partial<Omit<Scenario, 'ecs' | 'faults'>> & {
  ecs?: Partial<Omit<EcsScenario, 'durations'>> & { durations?: Partial<EcsDurations> };
  faults?: FaultScenario;
};

export const DEFAULT_SCENARIO: Scenario = {
  seed: 1,
  timeScale: 0.001,
  accountId: '123456789012',
  region: 'us-east-1',
  ecs: {
    durations: {
      provisioningSeconds: 20,
      pullSeconds: 15,
      startSeconds: 5,
      healthCheckIntervalSeconds: 30,
      healthCheckRetries: 3,
      targetHealthCheckIntervalSeconds: 30,
      targetHealthyThreshold: 5,
      deregistrationDelaySeconds: 300,
      stoppingSeconds: 5,
      crashSeconds: 5,
      restartSeconds: 15,
      steadyStateSeconds: 15,
      trafficShiftSeconds: 10,
      hookSeconds: 10,
      oneOffRunSeconds: 30,
    },
    failingImages: [],
    slowImages: [],
    alarmTriggers: [],
    hookResults: [],
    oneOffTasks: [],
  },
  faults: {},
};

/** Fill in defaults and reject what would make the emulator misbehave silently. */
export function resolveScenario(input: ScenarioInput = {}): Scenario {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('a scenario must be a JSON object');
  }
  const scenario: Scenario = {
    ...DEFAULT_SCENARIO,
    ...input,
    ecs: {
      ...DEFAULT_SCENARIO.ecs,
      ...(input.ecs ?? {}),
      durations: { ...DEFAULT_SCENARIO.ecs.durations, ...(input.ecs?.durations ?? {}) },
    },
    faults: { ...(input.faults ?? {}) },
  } as Scenario;
  if (typeof scenario.timeScale !== 'number' || !(scenario.timeScale > 0) || !Number.isFinite(scenario.timeScale)) {
    throw new Error('timeScale must be a number > 0 (1: real time; 0.001: a thousand times faster)');
  }
  if (typeof scenario.ecs.durations !== 'object' || scenario.ecs.durations === null) {
    throw new Error('ecs.durations must be an object of seconds');
  }
  for (const [key, value] of Object.entries(scenario.ecs.durations)) {
    if (!(key in DEFAULT_SCENARIO.ecs.durations))
      throw new Error(`ecs.durations.${key} is not a duration this emulator knows`);
    if (typeof value !== 'number' || !(value >= 0)) throw new Error(`ecs.durations.${key} must be a number >= 0`);
  }
  for (const [key, value] of Object.entries(scenario.ecs)) {
    if (['failingImages', 'slowImages', 'durations', 'alarmTriggers', 'hookResults', 'oneOffTasks'].includes(key))
      continue;
    if (!(LEGACY_DELAY_KEYS as readonly string[]).includes(key))
      throw new Error(`ecs.${key} is not a setting this emulator knows`);
    if (typeof value !== 'number' || !(value >= 0)) throw new Error(`ecs.${key} must be a number of milliseconds >= 0`);
  }
  if (!Array.isArray(scenario.ecs.failingImages)) throw new Error('ecs.failingImages must be an array');
  for (const failing of scenario.ecs.failingImages) {
    if (typeof failing?.pattern !== 'string' || failing.pattern === '') {
      throw new Error('every ecs.failingImages entry needs a non-empty pattern');
    }
    imageMatcher(failing.pattern);
  }
  if (!Array.isArray(scenario.ecs.slowImages)) throw new Error('ecs.slowImages must be an array');
  for (const slow of scenario.ecs.slowImages) {
    if (typeof slow?.pattern !== 'string' || slow.pattern === '' || !(slow.startDelayMs >= 0)) {
      throw new Error('every ecs.slowImages entry needs a pattern and a startDelayMs >= 0');
    }
    imageMatcher(slow.pattern);
  }
  checkList(scenario.ecs.alarmTriggers, 'ecs.alarmTriggers', (entry) => {
    if (typeof entry.alarmName !== 'string' || entry.alarmName === '') return 'needs an alarmName';
    if (entry.stage !== undefined && !STAGES.includes(entry.stage)) return `stage must be one of ${STAGES.join(', ')}`;
    return checkCommon(entry);
  });
  checkList(scenario.ecs.hookResults, 'ecs.hookResults', (entry) => {
    if (entry.status !== 'SUCCEEDED' && entry.status !== 'FAILED') return 'status must be SUCCEEDED or FAILED';
    if (entry.hookTargetArn !== undefined) imageMatcher(entry.hookTargetArn);
    return checkCommon(entry);
  });
  checkList(scenario.ecs.oneOffTasks, 'ecs.oneOffTasks', (entry) => {
    if (!Number.isInteger(entry.exitCode)) return 'needs an integer exitCode';
    if (entry.command !== undefined) imageMatcher(entry.command);
    if (
      entry.logLines !== undefined &&
      !(Array.isArray(entry.logLines) && entry.logLines.every((l) => typeof l === 'string'))
    )
      return 'logLines must be a list of strings';
    if (entry.runMs !== undefined && !(typeof entry.runMs === 'number' && entry.runMs >= 0))
      return 'runMs must be >= 0';
    return checkCommon(entry);
  });
  checkRates('faults', scenario.faults);
  for (const [operation, rates] of Object.entries(scenario.faults.operations ?? {})) {
    checkRates(`faults.operations.${operation}`, rates);
  }
  if (!Number.isInteger(scenario.seed)) throw new Error('seed must be an integer');
  if (!/^\d{12}$/.test(scenario.accountId)) throw new Error('accountId must be 12 digits');
  return scenario;
}

const STAGES: readonly string[] = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
];

function checkCommon(entry: { image?: string; afterMs?: number }): string | undefined {
  if (entry.image !== undefined) imageMatcher(entry.image);
  if (entry.afterMs !== undefined && !(typeof entry.afterMs === 'number' && entry.afterMs >= 0))
    return 'afterMs must be a number of milliseconds >= 0';
  return undefined;
}

function checkList<T>(list: T[], where: string, check: (entry: T) => string | undefined): void {
  if (!Array.isArray(list)) throw new Error(`${where} must be an array`);
  list.forEach((entry, index) => {
    if (typeof entry !== 'object' || entry === null) throw new Error(`${where}[${index}] must be an object`);
    const problem = check(entry);
    if (problem) throw new Error(`${where}[${index}] ${problem}`);
  });
}

function checkRates(where: string, rates: FaultRates): void {
  for (const key of ['throttleRate', 'serverErrorRate', 'lostAnswerRate', 'slowAnswerRate'] as const) {
    const value = rates[key];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
      throw new Error(`${where}.${key} must be between 0 and 1`);
    }
  }
  const shares =
    (rates.throttleRate ?? 0) +
    (rates.serverErrorRate ?? 0) +
    (rates.lostAnswerRate ?? 0) +
    (rates.slowAnswerRate ?? 0);
  if (shares > 1) {
    throw new Error(`${where}: throttleRate, serverErrorRate, lostAnswerRate and slowAnswerRate add up to more than 1`);
  }
  for (const key of ['lostAnswerCalls', 'slowAnswerCalls'] as const) {
    const calls = rates[key];
    if (calls !== undefined && !(Array.isArray(calls) && calls.every((n) => Number.isInteger(n) && n >= 1))) {
      throw new Error(`${where}.${key} must be a list of call numbers counted from 1`);
    }
  }
  if (rates.slowAnswerMs !== undefined && !(typeof rates.slowAnswerMs === 'number' && rates.slowAnswerMs >= 0)) {
    throw new Error(`${where}.slowAnswerMs must be a number of milliseconds >= 0`);
  }
  if (rates.throttleBurst !== undefined) {
    const burst = rates.throttleBurst;
    if (
      typeof burst !== 'object' ||
      burst === null ||
      !(Number.isInteger(burst.calls) && burst.calls >= 1) ||
      !(burst.from === undefined || (Number.isInteger(burst.from) && burst.from >= 1))
    ) {
      throw new Error(`${where}.throttleBurst must be {"calls": n >= 1, "from": call number >= 1 (default 1)}`);
    }
  }
  if (rates.barrier !== undefined && !(Number.isInteger(rates.barrier) && rates.barrier >= 1)) {
    throw new Error(`${where}.barrier must be a whole number of calls >= 1`);
  }
  if (rates.latencyMs !== undefined && !(typeof rates.latencyMs === 'number' && rates.latencyMs >= 0)) {
    throw new Error(`${where}.latencyMs must be a number >= 0`);
  }
}

export function imageMatcher(pattern: string): (image: string) => boolean {
  const regex = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  if (regex) {
    const compiled = new RegExp(regex[1], regex[2]);
    return (image) => compiled.test(image);
  }
  return (image) => image.includes(pattern);
}

/** Milliseconds on the emulator clock for each phase: the legacy fixed overrides, else the scaled real durations. */
export interface EcsPhaseTimes {
  /** PROVISIONING to PENDING; 0 with a `taskStartDelayMs` override (the task stays PROVISIONING until RUNNING). */
  provisioningMs: number;
  /** PENDING to RUNNING (pull and start), or the whole start with a `taskStartDelayMs` override. */
  pendingMs: number;
  /** Running to HEALTHY for a container health check with this interval (seconds; undefined: the default). */
  containerHealthyMs(intervalSeconds?: number): number;
  /** Running to UNHEALTHY for a failing container health check. */
  containerUnhealthyMs(intervalSeconds?: number, retries?: number, startPeriodSeconds?: number): number;
  /** Running to the load balancer's target healthy (0 with a `taskHealthyDelayMs` override). */
  targetHealthyMs: number;
  /** DEACTIVATING for a load-balanced task (the deregistration delay). */
  deregistrationMs: number;
  /** STOPPING to STOPPED. */
  stoppingMs: number;
  /** A fixed `taskStopDelayMs` is in force. */
  fixedStop: boolean;
  crashMs: number;
  restartMs: number;
  steadyStateMs: number;
  trafficShiftMs: number;
  hookMs: number;
  oneOffRunMs: number;
  /** Seconds on the service's own clock (health-check grace period) to emulator milliseconds. */
  seconds(value: number): number;
}

export function ecsPhaseTimes(scenario: Scenario): EcsPhaseTimes {
  const { ecs, timeScale } = scenario;
  const d = ecs.durations;
  const seconds = (value: number) => value * 1000 * timeScale;
  return {
    provisioningMs: ecs.taskStartDelayMs !== undefined ? 0 : seconds(d.provisioningSeconds),
    pendingMs: ecs.taskStartDelayMs ?? seconds(d.pullSeconds + d.startSeconds),
    containerHealthyMs: (interval) => ecs.taskHealthyDelayMs ?? seconds(interval ?? d.healthCheckIntervalSeconds),
    containerUnhealthyMs: (interval, retries, startPeriod) =>
      ecs.taskHealthyDelayMs ??
      seconds((startPeriod ?? 0) + (interval ?? d.healthCheckIntervalSeconds) * (retries ?? d.healthCheckRetries)),
    targetHealthyMs: ecs.taskHealthyDelayMs ?? seconds(d.targetHealthCheckIntervalSeconds * d.targetHealthyThreshold),
    deregistrationMs: ecs.taskStopDelayMs !== undefined ? 0 : seconds(d.deregistrationDelaySeconds),
    stoppingMs: ecs.taskStopDelayMs ?? seconds(d.stoppingSeconds),
    fixedStop: ecs.taskStopDelayMs !== undefined,
    crashMs: ecs.taskFailDelayMs ?? seconds(d.crashSeconds),
    restartMs: ecs.taskRestartDelayMs ?? seconds(d.restartSeconds),
    steadyStateMs: ecs.steadyStateDelayMs ?? seconds(d.steadyStateSeconds),
    trafficShiftMs: seconds(d.trafficShiftSeconds),
    hookMs: seconds(d.hookSeconds),
    oneOffRunMs: seconds(d.oneOffRunSeconds),
    seconds,
  };
}
