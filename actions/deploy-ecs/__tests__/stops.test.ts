import { describe, expect, test } from '@jest/globals';
import { firstPermanentFailure, permanentReason, type StoppedTaskFacts } from '../src/stops.js';

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
