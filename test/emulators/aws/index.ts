import type { Server } from 'node:http';
import { RealClock, type Clock } from './clock.js';
import { createEcrService } from './ecr.js';
import { createEcsService } from './ecs/index.js';
import type { TaskRuntimeOptions } from './ecs/runtime.js';
import { createElbv2Service } from './elbv2.js';
import { createLogsService, LogStore } from './logs.js';
import { FaultInjector, IdSource } from './faults.js';
import { resolveScenario, type Scenario, type ScenarioInput } from './scenario.js';
import { createAwsServer, serverUrl, type AwsModelProblem } from './server.js';
import type { AwsEmulatorEnvironment, AwsService, RecordedCall } from './types.js';

export { ManualClock, RealClock, type Clock } from './clock.js';
export type { Scenario, ScenarioInput, FailingImage } from './scenario.js';
export type { RecordedCall } from './types.js';
export type { TaskRuntimeKind, TaskRuntimeOptions } from './ecs/runtime.js';
export { LogStore, type StoredLogEvent } from './logs.js';
export type { AwsModelProblem } from './server.js';

interface WatchedEmulator {
  takeProblems(): AwsModelProblem[];
  closed: boolean;
}

/**
 * Every emulator started in this process (a test file, under Jest) that has not been closed or
 * drained, so the harness can fail a test whose emulator answered against AWS's model
 * (test/harness/jest-setup.ts).
 */
export const openEmulatorProblems: Set<WatchedEmulator> =
  ((globalThis as Record<symbol, unknown>)[Symbol.for('shipyard.aws-emulator.problems')] as
    Set<WatchedEmulator> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[Symbol.for('shipyard.aws-emulator.problems')] = new Set<WatchedEmulator>());

/**
 * The AWS services this emulator speaks, in ONE place: each is built from the shared environment
 * and routed by its X-Amz-Target prefix and SigV4 credential scope. Adding a service is one line.
 */
function createServices(
  environment: AwsEmulatorEnvironment,
  ownUrl: () => string,
  options: Pick<AwsEmulatorOptions, 'registryHosts' | 'hostsFile' | 'tasks'> = {},
) {
  const logStore = new LogStore(() => environment.clock.now());
  const ecr = createEcrService(environment, {
    proxyEndpoint: ownUrl,
    registryHosts: options.registryHosts,
    hostsFile: options.hostsFile,
  });
  const ecs = createEcsService(environment, {
    tasks: options.tasks,
    logs: logStore,
    ecr: {
      registry: () => ecr.registry(),
      registryHost: (region) => ecr.registryHost(region),
      issueRegistryPassword: (now) => ecr.issueRegistryPassword(now),
      ownUrl,
    },
  });
  return {
    ecs,
    ecr,
    logs: createLogsService(environment, logStore, () => ecs.settle()),
    // A listener's forward action reaches the ECS services whose loadBalancers name the target group.
    elbv2: createElbv2Service(environment, { targets: (targetGroupArn) => ecs.targetGroupMembers(targetGroupArn) }),
  } satisfies Record<string, AwsService>;
}

export type AwsServices = ReturnType<typeof createServices>;

export interface AwsEmulatorOptions {
  port?: number;
  host?: string;
  scenario?: ScenarioInput;
  /** Overrides the scenario's seed (faults and ids). */
  seed?: number;
  /** A `ManualClock` lets a test step through rollouts; the default follows real time. */
  clock?: Clock;
  /**
   * ECR's registry host: `auto` (default) names it `<account>.dkr.ecr.<region>.amazonaws.com:PORT`
   * when the hosts file points that name at loopback, else `127.0.0.1:PORT`; `loopback` always the latter.
   */
  registryHosts?: 'auto' | 'loopback';
  /** The hosts file `auto` reads (default /etc/hosts). */
  hostsFile?: string;
  /**
   * Where ECS tasks run: `simulated` (default; the time model), `docker` (real containers of the
   * task definition's image, pulled from the emulated ECR) or `process` (local processes); and the
   * secrets tasks can read. See test/emulators/README.md ("Task runtimes").
   */
  tasks?: TaskRuntimeOptions;
}

export type AwsEmulator = AwsServices & {
  url: string;
  port: number;
  clock: Clock;
  services: AwsServices;
  close(): Promise<void>;
  /** Every API call so far, oldest first (a copy). */
  calls(filter?: { service?: string; operation?: string; mutating?: boolean }): RecordedCall[];
  /** Empty every service's state, the call log and the fault counters; the scenario stays. */
  reset(): void;
  /**
   * Answers of the emulator's own that AWS's service model forbids (each was answered with a 500):
   * a test expects []. The harness checks it after every test.
   */
  problems(): AwsModelProblem[];
  /**
   * Once, when a call that `matches` arrives, hold it (after its signature and any fault barrier,
   * before it is applied) until `run` has finished; calls made meanwhile, `run`'s own included, go
   * on. For tests of concurrent callers that need one exact interleaving: "another caller did all
   * of this just before that call". Cleared by `reset()`.
   */
  pauseBefore(matches: (call: PausedCall) => boolean, run: () => Promise<unknown>): void;
  /** The problems so far, and forget them (a test that provokes one on purpose). */
  takeProblems(): AwsModelProblem[];
  scenario(): Scenario;
  setScenario(input: ScenarioInput): Scenario;
  /**
   * The environment an SDK client or a spawned action needs to reach this emulator: endpoint,
   * region and fake credentials.
   */
  clientEnv(): Record<string, string>;
  /** The same, as an AWS SDK client's configuration: `new ECRClient(emulator.clientConfig())`. */
  clientConfig(): AwsClientConfig;
};

/** A call `pauseBefore` may hold: its service (`ecs`, `elbv2`), operation and parsed request. */
export interface PausedCall {
  service: string;
  operation: string;
  request: Record<string, unknown>;
}

interface PauseHook {
  matches(call: PausedCall): boolean;
  run(): Promise<unknown>;
}

export interface AwsClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export async function startAwsEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const clock = options.clock ?? new RealClock();
  let scenario = resolveScenario({
    ...(options.scenario ?? {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  let faults = new FaultInjector(scenario.seed, scenario.faults);
  let callLog: RecordedCall[] = [];
  let problems: AwsModelProblem[] = [];
  let pauses: PauseHook[] = [];
  const environment: AwsEmulatorEnvironment = {
    async beforeCall(service, operation, request) {
      const hook = pauses.find((candidate) => candidate.matches({ service, operation, request }));
      if (!hook) return;
      pauses = pauses.filter((candidate) => candidate !== hook);
      await hook.run();
    },
    clock,
    scenario: () => scenario,
    ids: new IdSource(scenario.seed),
    recordCall: (call) => {
      callLog.push({ sequence: callLog.length + 1, ...call });
    },
    recordProblem: (problem) => problems.push(problem),
  };
  // ECR hands out the emulator's own address as its registry endpoint, known once it listens.
  let url = '';
  const services = createServices(environment, () => url, options);
  const serviceList: AwsService[] = Object.values(services);

  const reset = () => {
    for (const service of serviceList) service.reset();
    callLog = [];
    pauses = [];
    faults = new FaultInjector(scenario.seed, scenario.faults);
    environment.ids = new IdSource(scenario.seed);
  };
  const setScenario = (input: ScenarioInput) => {
    scenario = resolveScenario(input);
    faults = new FaultInjector(scenario.seed, scenario.faults);
    return scenario;
  };

  const server: Server = createAwsServer({
    services: serviceList,
    environment,
    getScenario: () => scenario,
    setScenario,
    reset,
    calls: () => [...callLog],
    faults: () => faults,
    recordProblem: (problem) => problems.push(problem),
  });
  await services.ecs.prepare();
  await services.elbv2.prepare();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  url = serverUrl(server, host);
  // Scenario credentials, when it lists any, are the ones the emulator accepts; the first signs here.
  const clientConfig = (): AwsClientConfig => ({
    endpoint: url,
    region: scenario.region,
    credentials: {
      accessKeyId: scenario.credentials?.[0]?.accessKeyId ?? 'AKIAEMULATOR00000000',
      secretAccessKey: scenario.credentials?.[0]?.secretAccessKey ?? 'emulator-secret-access-key',
    },
  });

  const takeProblems = () => {
    const taken = problems;
    problems = [];
    return taken;
  };
  const watched: WatchedEmulator = { takeProblems, closed: false };
  openEmulatorProblems.add(watched);

  return {
    ...services,
    services,
    problems: () => [...problems],
    takeProblems,
    pauseBefore: (matches, run) => {
      pauses.push({ matches, run });
    },
    url,
    port: Number(new URL(url).port),
    clock,
    async close() {
      await Promise.all(serviceList.map((service) => service.close?.()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Problems found before the close are still read by the harness after the test.
      watched.closed = true;
      if (problems.length === 0) openEmulatorProblems.delete(watched);
    },
    calls(filter = {}) {
      return callLog.filter(
        (call) =>
          (filter.service === undefined || call.service === filter.service) &&
          (filter.operation === undefined || call.operation === filter.operation) &&
          (filter.mutating === undefined || call.mutating === filter.mutating),
      );
    },
    reset,
    scenario: () => scenario,
    setScenario,
    clientEnv: () => {
      const { endpoint, region, credentials } = clientConfig();
      return {
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      };
    },
    clientConfig,
  };
}
