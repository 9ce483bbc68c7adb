// deploy-ecs fail-fast (issue 15): from the first failed task of a rollout to the red step, in
// polls, with fail-fast on and off. The bundled action runs through the harness against the AWS
// emulator (real clock): the emulator records when the first task of the new revision stopped, the
// harness when the action's process exited; the action itself says at which poll it failed fast.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { runAction } from '@shipyard/harness/run-action';
import { median, notMeasured, spread, type BenchSection } from './lib.js';

const RUNS = Number(process.env.BENCH_FAIL_FAST_RUNS ?? 3);
const POLL_INTERVAL_SECONDS = 1;

// One task, replaced 2 s after it fails, then 4 s, 8 s (ECS backs off): the circuit breaker's
// threshold of 3 failures is about 6 s after the first.
const SCENARIO = {
  ecs: {
    taskStartDelayMs: 300,
    taskFailDelayMs: 100,
    taskStopDelayMs: 100,
    taskRestartDelayMs: 2000,
    steadyStateDelayMs: 50,
    failingImages: [
      {
        pattern: ':nope',
        reason: 'CannotPullContainerError: failed to resolve ref docker.io/library/web:nope: not found',
      },
      { pattern: ':crash', exitCode: 1, reason: 'Error: Cannot find module /app/server.js' },
    ],
  },
};

const definition = (image: string) => ({
  family: 'web',
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 3000 }] }],
});

interface Figure {
  /** Wall time from the first failed task to the process exit, in poll intervals. */
  polls: number;
  /** The action's own count: polls from the one that first showed a failed task to the one that failed fast. */
  reported?: number;
}

async function once(emulator: AwsEmulator, image: string, failFast: boolean): Promise<Figure> {
  emulator.setScenario(SCENARIO);
  emulator.reset();
  emulator.ecs.seedCluster('default');
  const previous = emulator.ecs.seedTaskDefinition(definition('web:1'));
  emulator.ecs.seedService({
    serviceName: 'web',
    taskDefinition: previous.arn,
    desiredCount: 1,
    circuitBreaker: { enable: true, rollback: true },
  });
  const workspace = mkdtempSync(join(tmpdir(), 'bench-fail-fast-'));
  try {
    writeFileSync(join(workspace, 'td.json'), JSON.stringify(definition('web:1')));
    const result = await runAction('deploy-ecs', {
      inputs: {
        'task-definition': 'td.json',
        'container-name': 'app',
        image,
        service: 'web',
        'poll-interval-seconds': POLL_INTERVAL_SECONDS,
        'fail-fast': failFast,
      },
      env: emulator.clientEnv(),
      workspace,
      timeoutMs: 120_000,
    });
    const exitedAt = Date.now();
    if (result.exitCode !== 1) throw new Error(`deploy-ecs exited ${result.exitCode}, expected a red step`);
    const firstStop = Math.min(
      ...emulator.ecs
        .tasks({ serviceName: 'web' })
        .filter((task) => task.taskDefinitionArn.endsWith(':2') && task.stoppedAt !== undefined)
        .map((task) => task.stoppedAt as number),
    );
    if (!Number.isFinite(firstStop)) throw new Error('no task of the new revision stopped');
    const reported = /Failing fast: .*, (\d+) poll\(s\) after the first failed task/.exec(
      result.warnings.join('\n'),
    )?.[1];
    return {
      polls: (exitedAt - firstStop) / (POLL_INTERVAL_SECONDS * 1000),
      reported: reported === undefined ? undefined : Number(reported),
    };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

export default async function deployEcsFailFastBenchmark(): Promise<BenchSection> {
  const rows: (string | number)[][] = [];
  const emulator = await startAwsEmulator({ scenario: SCENARIO });
  try {
    for (const [label, image] of [
      ['image not found', 'web:nope'],
      ['same start-up crash', 'web:crash'],
    ] as const) {
      for (const failFast of [true, false]) {
        try {
          const figures: Figure[] = [];
          for (let run = 0; run < RUNS; run += 1) figures.push(await once(emulator, image, failFast));
          const polls = figures.map((figure) => figure.polls);
          const reported = figures.flatMap((figure) => (figure.reported === undefined ? [] : [figure.reported]));
          rows.push([
            `${label}, fail-fast ${failFast}`,
            `${spread(polls, 1)} polls`,
            reported.length > 0 ? `${median(reported)} (${Math.min(...reported)}–${Math.max(...reported)})` : '—',
          ]);
        } catch (error) {
          rows.push([
            `${label}, fail-fast ${failFast}`,
            notMeasured(error instanceof Error ? error.message : String(error)),
            '',
          ]);
        }
      }
    }
  } finally {
    await emulator.close();
  }
  return {
    title: 'deploy-ecs fail-fast: from the first failed task to a red step',
    headers: ['rollout', 'first failed task to process exit, median (min–max)', 'polls the action counted after it'],
    rows,
    notes: [
      `${RUNS} runs each (BENCH_FAIL_FAST_RUNS), poll-interval-seconds ${POLL_INTERVAL_SECONDS}, one desired task, circuit breaker with rollback. Wall time from the emulator's first STOPPED task of the new revision to the action's exit, divided by the poll interval; it includes the rollback the step waits for (StopServiceDeployment with fail-fast, ECS's own rollback without).`,
      'ECS replaces a failed task 2 s after it fails, then 4 s, 8 s: without fail-fast the step waits for the third failure (the threshold). An image that is not there fails fast at the first failed task; a crash needs the same exit on a second task.',
    ],
  };
}
