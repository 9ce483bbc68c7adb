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
  /** How long the task runs before it stops; defaults to the scenario's `ecs.taskFailDelayMs`. */
  afterMs?: number;
}

export interface EcsScenario {
  /** PROVISIONING to RUNNING. */
  taskStartDelayMs: number;
  /** RUNNING to HEALTHY (tasks whose containers have a health check; others count once RUNNING). */
  taskHealthyDelayMs: number;
  /** Stop requested to STOPPED, for tasks the scheduler drains. */
  taskStopDelayMs: number;
  /** RUNNING to STOPPED for tasks whose image matches a failing pattern, unless the pattern says otherwise. */
  taskFailDelayMs: number;
  /** A failed task is replaced after this long (ECS's scheduler retrying). */
  taskRestartDelayMs: number;
  /** Old tasks drained to the deployment being COMPLETED and the steady-state event. */
  steadyStateDelayMs: number;
  failingImages: FailingImage[];
  /** Images whose tasks take longer to start (a slow pull, a long boot): for timeout tests. */
  slowImages: { pattern: string; startDelayMs: number }[];
}

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
  /** Answer every call with 400 AccessDeniedException naming the IAM action, as a missing permission does. */
  accessDenied?: boolean;
}

export interface FaultScenario extends FaultRates {
  /** Rates for single operations, keyed `Operation` or `service:Operation`; they replace the global rates. */
  operations?: Record<string, FaultRates>;
}

export interface Scenario {
  seed: number;
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
  ecs?: Partial<EcsScenario>;
  faults?: FaultScenario;
};

export const DEFAULT_SCENARIO: Scenario = {
  seed: 1,
  accountId: '123456789012',
  region: 'us-east-1',
  ecs: {
    taskStartDelayMs: 100,
    taskHealthyDelayMs: 50,
    taskStopDelayMs: 50,
    taskFailDelayMs: 50,
    taskRestartDelayMs: 50,
    steadyStateDelayMs: 50,
    failingImages: [],
    slowImages: [],
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
    ecs: { ...DEFAULT_SCENARIO.ecs, ...(input.ecs ?? {}) },
    faults: { ...(input.faults ?? {}) },
  } as Scenario;
  for (const [key, value] of Object.entries(scenario.ecs)) {
    if (key === 'failingImages' || key === 'slowImages') continue;
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
  checkRates('faults', scenario.faults);
  for (const [operation, rates] of Object.entries(scenario.faults.operations ?? {})) {
    checkRates(`faults.operations.${operation}`, rates);
  }
  if (!Number.isInteger(scenario.seed)) throw new Error('seed must be an integer');
  if (!/^\d{12}$/.test(scenario.accountId)) throw new Error('accountId must be 12 digits');
  return scenario;
}

function checkRates(where: string, rates: FaultRates): void {
  for (const key of ['throttleRate', 'serverErrorRate', 'lostAnswerRate'] as const) {
    const value = rates[key];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
      throw new Error(`${where}.${key} must be between 0 and 1`);
    }
  }
  const shares = (rates.throttleRate ?? 0) + (rates.serverErrorRate ?? 0) + (rates.lostAnswerRate ?? 0);
  if (shares > 1) throw new Error(`${where}: throttleRate, serverErrorRate and lostAnswerRate add up to more than 1`);
  if (
    rates.lostAnswerCalls !== undefined &&
    !(Array.isArray(rates.lostAnswerCalls) && rates.lostAnswerCalls.every((n) => Number.isInteger(n) && n >= 1))
  ) {
    throw new Error(`${where}.lostAnswerCalls must be a list of call numbers counted from 1`);
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
