// deploy-ecs: how soon after the rollout ends the step ends, and what the bundle weighs and costs
// to start. The rollout figures run the bundled action through the harness against the AWS
// emulator (real clock): the emulator records when the deployment became COMPLETED or FAILED, the
// harness when the action's process exited. Start-up is spawn to the first input error, interleaved
// with bare `node -e 0` so a noisy neighbour slows both alike.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { repoRoot, runAction } from '@shipyard/harness/run-action';
import { fargateTaskDefinition } from '@shipyard/harness/task-definition';
import { temporaryFolder } from '@shipyard/harness/temp';
import { median, notMeasured, ratio, spread, timeNode, type BenchSection } from './lib.js';

const ROLLOUT_RUNS = Number(process.env.BENCH_ROLLOUT_RUNS ?? 5);
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);
const POLL_INTERVAL_SECONDS = 1;
const OFFICIAL_BYTES = 2.63e6;
const OFFICIAL_STARTUP_RATIO = 2.95;

const EXIT_ALLOWANCE_MS = 250;

const BASE_SCENARIO = {
  ecs: {
    taskStartDelayMs: 150,
    taskHealthyDelayMs: 50,
    taskStopDelayMs: 100,
    taskFailDelayMs: 100,
    taskRestartDelayMs: 50,
    steadyStateDelayMs: 50,
    failingImages: [{ pattern: ':crash', exitCode: 1, reason: 'crashed on start' }],
  },
};

const definition = (image: string) => fargateTaskDefinition({ image });

/** One deployment to its end; returns ms from the rollout's end (emulator) to the process exit. */
async function exitLatency(emulator: AwsEmulator, outcome: 'COMPLETED' | 'FAILED', run: number): Promise<number> {
  // A different task start-up time each run puts the rollout's end at a different point of the
  // poll interval, so the runs cover the whole range from "just polled" to "poll just missed".
  const phase = (run * POLL_INTERVAL_SECONDS * 1000) / ROLLOUT_RUNS;
  emulator.setScenario({ ...BASE_SCENARIO, ecs: { ...BASE_SCENARIO.ecs, taskStartDelayMs: 150 + phase } });
  emulator.reset();
  emulator.ecs.seedCluster('default');
  const previous = emulator.ecs.seedTaskDefinition(definition('nginx:1'));
  emulator.ecs.seedService({
    serviceName: 'web',
    taskDefinition: previous.arn,
    desiredCount: 2,
    circuitBreaker: outcome === 'FAILED' ? { enable: true, rollback: false } : undefined,
  });
  const workspace = temporaryFolder('bench-deploy-ecs-');
  writeFileSync(join(workspace, 'td.json'), JSON.stringify(definition('nginx:1')));
  const result = await runAction('deploy-ecs', {
    inputs: {
      'task-definition': 'td.json',
      'container-name': 'app',
      image: outcome === 'FAILED' ? `nginx:crash-${run}` : `nginx:${run + 2}`,
      service: 'web',
      'poll-interval-seconds': POLL_INTERVAL_SECONDS,
      'rollback-on-failure': false,
    },
    env: emulator.clientEnv(),
    workspace,
    timeoutMs: 120_000,
  });
  const exitedAt = Date.now();
  const expectedExit = outcome === 'COMPLETED' ? 0 : 1;
  if (result.exitCode !== expectedExit) {
    throw new Error(`deploy-ecs exited ${result.exitCode} in a ${outcome} run: ${result.errors.join('; ')}`);
  }
  const deployment = emulator.ecs
    .service('web')
    ?.deployments.find((candidate) => candidate.id === result.outputs['deployment-id']);
  if (!deployment || deployment.rolloutState !== outcome) {
    throw new Error(`the emulator's deployment is ${deployment?.rolloutState ?? 'missing'}, expected ${outcome}`);
  }
  return exitedAt - deployment.rolloutStateChangedAt;
}

export default async function deployEcsBenchmark(): Promise<BenchSection> {
  const rows: (string | number)[][] = [];
  const emulator = await startAwsEmulator({ scenario: BASE_SCENARIO });
  try {
    for (const outcome of ['COMPLETED', 'FAILED'] as const) {
      const latencies: number[] = [];
      // Start each run at a different phase of the poll interval, so the figure covers the spread.
      for (let run = 0; run < ROLLOUT_RUNS; run += 1) latencies.push(await exitLatency(emulator, outcome, run));
      rows.push([
        `exit after rollout ${outcome}`,
        `${spread(latencies)} ms`,
        ratio(median(latencies), POLL_INTERVAL_SECONDS * 1000),
        `< 1 poll interval (${POLL_INTERVAL_SECONDS * 1000} ms)`,
        Math.max(...latencies) < POLL_INTERVAL_SECONDS * 1000 + EXIT_ALLOWANCE_MS ? 'yes' : 'no',
      ]);
    }
  } catch (error) {
    rows.push(['exit after rollout', notMeasured(error instanceof Error ? error.message : String(error)), '', '', '']);
  } finally {
    await emulator.close();
  }

  const dist = join(repoRoot, 'actions', 'deploy-ecs', 'dist');
  const files = readdirSync(dist).filter((file) => file.endsWith('.js'));
  const bytes = files.reduce((sum, file) => sum + statSync(join(dist, file)).size, 0);
  const gzipped = files.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file))).length, 0);
  rows.push([
    'bundle size (dist/*.js)',
    `${(bytes / 1e6).toFixed(2)} MB (${(gzipped / 1e3).toFixed(0)} kB gzipped)`,
    ratio(bytes, OFFICIAL_BYTES),
    `< official ${(OFFICIAL_BYTES / 1e6).toFixed(2)} MB`,
    bytes < OFFICIAL_BYTES ? 'yes' : 'no',
  ]);

  // A region and one bad input: the action stops at validation, before the SDK is evaluated.
  const badInputEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_REGION: 'us-east-1',
    'INPUT_TASK-DEFINITION-FAMILY': 'not a family',
  };
  const baseline: number[] = [];
  const startup: number[] = [];
  for (let run = 0; run < STARTUP_RUNS; run += 1) {
    baseline.push(timeNode(['-e', '0'], badInputEnv));
    startup.push(timeNode([join(dist, 'index.js')], badInputEnv));
  }
  const startupRatio = median(startup) / median(baseline);
  rows.push([
    'start-up to the first input error',
    `${spread(startup)} ms (bare node ${spread(baseline)} ms)`,
    ratio(median(startup), median(baseline)),
    `< official ${OFFICIAL_STARTUP_RATIO.toFixed(2)}× bare node`,
    startupRatio < OFFICIAL_STARTUP_RATIO ? 'yes' : 'no',
  ]);

  return {
    title: 'deploy-ecs: time to exit after the rollout, bundle size, start-up',
    headers: ['figure', 'median (min–max)', 'ratio', 'aim', 'met'],
    rows,
    notes: [
      `Rollout rows: ${ROLLOUT_RUNS} runs each (BENCH_ROLLOUT_RUNS), poll-interval-seconds ${POLL_INTERVAL_SECONDS}; from the moment the emulator's deployment became COMPLETED or FAILED (circuit breaker, no rollback) to the action's process exit. The ratio is to the poll interval; "met" allows the slowest run the interval plus ${EXIT_ALLOWANCE_MS} ms for the last DescribeServices and the process exit. Task start-up varies by run so the rollout ends at a different point of the interval each time.`,
      'The FAILED row includes listing the stopped tasks (ListTasks + DescribeTasks) before the step exits.',
      `Bundle ratio is to the official amazon-ecs-deploy-task-definition's 2.63 MB; start-up: ${STARTUP_RUNS} interleaved runs (BENCH_STARTUP_RUNS), ratio to bare \`node -e 0\` in the same run, compared with the official action's ${OFFICIAL_STARTUP_RATIO}× measured on this kind of machine (issue 3).`,
    ],
  };
}
