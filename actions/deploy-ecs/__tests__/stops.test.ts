import { describe, expect, test } from '@jest/globals';
import { firstPermanentFailure, permanentReason, type StoppedTaskFacts } from '../src/stops.js';
import {
  deploy,
  emulatorForSuite,
  FAST_ECS,
  awslogsDefinition,
  seedWebService,
  TIME_SCALE,
  WEB_DEPLOY_INPUTS,
  workspaceWith,
} from './helpers.js';

let clock = Date.parse('2026-01-01T00:00:00Z');
const task = (fields: Partial<StoppedTaskFacts>, runMs = 5_000): StoppedTaskFacts => {
  clock += 60_000;
  return {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/default/${clock.toString(16)}`,
    startedAt: new Date(clock),
    stoppedAt: new Date(clock + runMs),
    containers: [],
    ...fields,
  };
};
const pull = (message: string) =>
  task({ stopCode: 'TaskFailedToStart', stoppedReason: `CannotPullContainerError: ${message}` });
const secret = (message: string) =>
  task({
    stopCode: 'TaskFailedToStart',
    stoppedReason: `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: ${message}`,
  });
const crash = (exitCode: number, reason = '', runMs = 5_000) =>
  task(
    {
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'app', exitCode, reason: reason || undefined }],
    },
    runMs,
  );

describe('permanentReason: one stop is enough', () => {
  test.each([
    ['image not found', pull('failed to resolve ref docker.io/library/web:nope: not found'), 'image'],
    ['ECR manifest unknown', pull('pull image manifest has been retried 5 time(s): manifest unknown'), 'image'],
    ['no access to the repository', pull('pull access denied for web, repository does not exist'), 'image'],
    ['secret missing', secret("ResourceNotFoundException: Secrets Manager can't find the specified secret."), 'secret'],
    [
      'secret refused',
      secret('AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue'),
      'secret',
    ],
    [
      'command missing from the image',
      task({
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          'CannotStartContainerError: Error response from daemon: exec: "serve": executable file not found in $PATH',
      }),
      'start',
    ],
  ])('%s', (_name, stopped, kind) => {
    expect(permanentReason(stopped)?.kind).toBe(kind);
  });

  test.each([
    ['a pull that timed out', pull('failed to do request: Head "https://registry/v2/": dial tcp: i/o timeout')],
    ['a throttled pull', pull('toomanyrequests: You have reached your pull rate limit')],
    ['secrets behind a missing NAT', secret('failed to fetch secret: RequestError: send request failed: i/o timeout')],
    [
      'a task stopped by a scale-in',
      task({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity' }),
    ],
    ['a crash (needs a second attempt)', crash(1, 'Error: Cannot find module')],
  ])('not for %s', (_name, stopped) => {
    expect(permanentReason(stopped)).toBeUndefined();
  });

  test('a container-level reason counts too', () => {
    const stopped = task({
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'Task failed to start',
      containers: [{ name: 'app', reason: 'CannotPullContainerError: ref web:nope: not found' }],
    });
    expect(permanentReason(stopped)?.kind).toBe('image');
  });
});

describe('firstPermanentFailure', () => {
  test('the same start-up exit on two attempts fails fast, naming both tasks', () => {
    const first = crash(1, 'Error: Cannot find module');
    const second = crash(1, 'Error: Cannot find module');
    const verdict = firstPermanentFailure([second, first]);
    expect(verdict?.kind).toBe('crash');
    expect(verdict?.taskArns).toEqual([first.taskArn, second.taskArn]);
    expect(verdict?.why).toContain('exit code 1');
  });

  test.each([
    ['one crash', () => [crash(1)]],
    ['two crashes with different exit codes', () => [crash(1), crash(137)]],
    ['two crashes with different reasons', () => [crash(1, 'a'), crash(1, 'b')]],
    ['two exits long after start-up', () => [crash(1, '', 600_000), crash(1, '', 600_000)]],
    ['nothing stopped', () => []],
  ])('not for %s', (_name, tasks) => {
    expect(firstPermanentFailure(tasks())).toBeUndefined();
  });

  test('a permanent stop is found among others, the oldest first', () => {
    const scaled = task({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity' });
    const missing = pull('ref web:nope: not found');
    const verdict = firstPermanentFailure([missing, scaled, crash(1)]);
    expect(verdict).toMatchObject({ kind: 'image', taskArns: [missing.taskArn] });
  });
});

// Fail fast through the bundle: the step ends at the first stop no retry fixes and rolls back.
describe('fail-fast at the wire', () => {
  const emulator = emulatorForSuite();
  const failingImages = [
    {
      pattern: ':nope',
      reason:
        'CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref docker.io/library/nginx:nope: not found',
    },
    {
      pattern: ':nosecret',
      reason:
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    },
    {
      pattern: ':crash',
      exitCode: 1,
      reason: 'Error: listen EADDRINUSE',
      logLines: ['starting', 'Error: listen EADDRINUSE :::3000'],
    },
  ];

  // One task, replaced 2 s after it fails (then 4 s): ECS's threshold of 3 failures is 6 s away, a poll is 1 s.
  function seed() {
    return seedWebService(emulator(), {
      circuitBreaker: { enable: true, rollback: true },
      scenario: {
        timeScale: TIME_SCALE,
        ecs: { ...FAST_ECS, failingImages, taskStartDelayMs: 300, taskFailDelayMs: 100, taskRestartDelayMs: 2000 },
      } as never,
      service: { desiredCount: 1 },
    });
  }

  test.each([
    ['an image that is not there', 'nginx:nope', 'the image cannot be pulled'],
    ['a secret that cannot be read', 'nginx:nosecret', 'a secret cannot be read'],
    [
      'the same start-up crash on two tasks',
      'nginx:crash',
      'essential container app exited during start-up with the same error on two attempts',
    ],
  ])('%s: fails before the circuit breaker, rolls back with StopServiceDeployment', async (_name, image, why) => {
    const previous = seed();
    const run = await deploy(
      emulator(),
      { ...WEB_DEPLOY_INPUTS, image },
      { workspace: workspaceWith({ 'task-definition.json': JSON.stringify(awslogsDefinition()) }) },
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(`FAILED: no retry can fix this stop: ${why}`);
    expect(run.warnings.join('\n')).toMatch(/Failing fast: .* poll\(s\) after the first failed task/);
    expect(run.summary).toContain('### Failed fast');
    expect(run.outputs).toMatchObject({ 'rollout-state': 'FAILED', 'rolled-back': 'true' });
    // Before ECS's own threshold (3 failed tasks): the breaker never tripped, the action asked for the rollback.
    const [deployment] = emulator().ecs.serviceDeployments('web');
    expect(deployment.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(deployment.breaker.triggered).toBe(false);
    expect(emulator().calls({ operation: 'StopServiceDeployment' })).toHaveLength(1);
    expect(emulator().ecs.service('web')?.taskDefinition).toBe(previous.arn);
  });

  test("a crash is explained with the container's exit code, reason and last log lines", async () => {
    seed();
    const run = await deploy(
      emulator(),
      { ...WEB_DEPLOY_INPUTS, image: 'nginx:crash' },
      { workspace: workspaceWith({ 'task-definition.json': JSON.stringify(awslogsDefinition()) }) },
    );
    expect(run.stdout).toContain('  container app: exit code 1, Error: listen EADDRINUSE');
    expect(run.stdout).toMatch(
      /Last log lines of app \(\/ecs\/web ecs\/app\/[0-9a-f]{32}\):\n {2}\| starting\n {2}\| Error: listen EADDRINUSE :::3000/,
    );
    expect(run.summary).toContain('### Last log lines of stopped tasks');
  });

  test('fail-fast: false waits for the circuit breaker instead', async () => {
    seed();
    const run = await deploy(emulator(), { ...WEB_DEPLOY_INPUTS, image: 'nginx:nope', 'fail-fast': false });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toContain('ROLLED_BACK_BY_ECS');
    expect(run.errors[0]).not.toContain('no retry can fix');
    expect(emulator().calls({ operation: 'StopServiceDeployment' })).toEqual([]);
    expect(emulator().ecs.serviceDeployments('web')[0].breaker.failureCount).toBeGreaterThanOrEqual(3);
  });

  test('a bad fail-fast is refused before any call', async () => {
    seed();
    const run = await deploy(emulator(), { ...WEB_DEPLOY_INPUTS, 'fail-fast': 'sometimes' });
    expect(run.errors).toEqual([expect.stringMatching(/^Input 'fail-fast' must be true or false/)]);
    expect(emulator().calls()).toEqual([]);
  });
});
