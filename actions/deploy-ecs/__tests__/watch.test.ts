import { describe, expect, test } from '@jest/globals';
import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { explainAwsError } from '@shipyard/shared/aws-errors';
import { watchRollout } from '../src/service-deployments.js';
import { assess, failureThreshold, newEvents } from '../src/watch.js';

const ID = 'ecs-svc/1111111111111111111';
const OLD = 'ecs-svc/2222222222222222222';
const ROLLBACK = 'ecs-svc/3333333333333333333';

function deployment(overrides: Partial<Deployment>): Deployment {
  return {
    id: ID,
    status: 'PRIMARY',
    desiredCount: 2,
    runningCount: 0,
    pendingCount: 0,
    failedTasks: 0,
    rolloutState: 'IN_PROGRESS',
    ...overrides,
  };
}

function service(
  deployments: Deployment[],
  breaker = { enable: false, rollback: false },
  events: Service['events'] = [],
): Service {
  return { deployments, deploymentConfiguration: { deploymentCircuitBreaker: breaker }, events };
}

const breakerOn = { enable: true, rollback: true };

describe('assess', () => {
  test.each([
    [
      'in progress',
      service([deployment({ runningCount: 1, pendingCount: 1 }), deployment({ id: OLD, status: 'ACTIVE' })]),
      { done: false, reason: '1/2 tasks running, 1 pending, rollout IN_PROGRESS' },
    ],
    [
      'COMPLETED',
      service([deployment({ rolloutState: 'COMPLETED', rolloutStateReason: 'done.' })]),
      { done: true, outcome: 'COMPLETED', reason: 'done.' },
    ],
    [
      'FAILED without rollback',
      service([deployment({ rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start.' })], {
        enable: true,
        rollback: false,
      }),
      { done: true, outcome: 'FAILED', reason: 'tasks failed to start.' },
    ],
    [
      'FAILED while ECS rolls back',
      service(
        [
          deployment({
            id: ROLLBACK,
            rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId x.',
          }),
          deployment({ status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: 'failed.' }),
        ],
        breakerOn,
      ),
      { done: true, outcome: 'ROLLED_BACK_BY_ECS', reason: 'failed.', rollbackDeploymentId: ROLLBACK },
    ],
    [
      'gone after ECS rolled back',
      service([deployment({ id: ROLLBACK, rolloutState: 'COMPLETED' })], breakerOn, [
        { id: 'e', message: `(service web) (deployment ${ID}) deployment failed: tasks failed to start.` },
      ]),
      {
        done: true,
        outcome: 'ROLLED_BACK_BY_ECS',
        reason: 'ECS rolled it back: deployment failed: tasks failed to start.',
        rollbackDeploymentId: ROLLBACK,
      },
    ],
    [
      'gone without a breaker',
      service([deployment({ id: OLD })]),
      { done: true, outcome: 'SUPERSEDED', reason: `deployment ${ID} is no longer on the service` },
    ],
    [
      'replaced by another deployment',
      service([deployment({ id: OLD }), deployment({ status: 'ACTIVE' })], breakerOn),
      { done: true, outcome: 'SUPERSEDED', reason: `deployment ${OLD} replaced ${ID}` },
    ],
    [
      'crash loop at the threshold, no breaker',
      service([deployment({ failedTasks: 3 }), deployment({ id: OLD, status: 'ACTIVE' })]),
      { done: true, outcome: 'FAILED' },
    ],
    [
      'crash loop below the threshold, no breaker',
      service([deployment({ failedTasks: 2 }), deployment({ id: OLD, status: 'ACTIVE' })]),
      { done: false },
    ],
    [
      'failed tasks with a breaker are left to ECS',
      service([deployment({ failedTasks: 5 })], breakerOn),
      { done: false },
    ],
    [
      'the only deployment with all tasks running, no breaker',
      service([deployment({ runningCount: 2, rolloutState: undefined })]),
      { done: true, outcome: 'COMPLETED' },
    ],
    [
      'all running but old tasks still there, no breaker',
      service([deployment({ runningCount: 2 }), deployment({ id: OLD, status: 'ACTIVE' })]),
      { done: false },
    ],
  ])('%s', (_name, snapshot, expected) => {
    expect(assess(snapshot, ID)).toMatchObject(expected);
  });

  test.each([
    [1, 3],
    [6, 3],
    [7, 4],
    [100, 50],
    [1000, 200],
  ])('the circuit breaker threshold for %i tasks is %i', (desired, threshold) => {
    expect(failureThreshold(desired)).toBe(threshold);
  });
});

describe('newEvents', () => {
  test('returns unseen events oldest first, once', () => {
    const seen = new Set(['a']);
    const snapshot = service([], undefined, [
      { id: 'c', message: 'third' },
      { id: 'b', message: 'second' },
      { id: 'a', message: 'first' },
    ]);
    expect(newEvents(snapshot, seen).map((e) => e.message)).toEqual(['second', 'third']);
    expect(newEvents(snapshot, seen)).toEqual([]);
  });
});

describe('watchRollout through DescribeServices alone (no service deployment API)', () => {
  function fakeTime() {
    let now = 0;
    const waits: number[] = [];
    return {
      now: () => now,
      wait: async (ms: number) => {
        waits.push(ms);
        now += ms;
      },
      waits,
    };
  }

  test('polls at the fixed interval, prints events once and keeps a timeline', async () => {
    const time = fakeTime();
    const snapshots = [
      service([deployment({ pendingCount: 2 })], breakerOn, [{ id: '1', message: 'started 2 tasks' }]),
      service([deployment({ runningCount: 2 })], breakerOn, [{ id: '1', message: 'started 2 tasks' }]),
      service([deployment({ runningCount: 2 })], breakerOn, [{ id: '1', message: 'started 2 tasks' }]),
      service([deployment({ runningCount: 2, rolloutState: 'COMPLETED' })], breakerOn, [
        { id: '2', message: 'steady state' },
        { id: '1', message: 'started 2 tasks' },
      ]),
    ];
    const printed: string[] = [];
    const result = await watchRollout({
      describeService: async () => snapshots.shift() as Service,
      facts: { strategy: 'ROLLING', stages: [], alarmsFired: [] },
      mode: 'rollout',
      deploymentId: ID,
      intervalMs: 5000,
      timeoutMs: 60_000,
      seenEvents: new Set(),
      onEvent: (event) => printed.push(event.message),
      onLog: () => undefined,
      onTransientError: () => undefined,
      ...time,
    });
    expect(result).toMatchObject({ outcome: 'COMPLETED', polls: 4 });
    expect(time.waits).toEqual([5000, 5000, 5000]);
    expect(printed).toEqual(['started 2 tasks', 'steady state']);
    expect(result.timeline.map((entry) => [entry.atMs, entry.state, entry.running, entry.pending])).toEqual([
      [0, 'PRIMARY IN_PROGRESS', 0, 2],
      [5000, 'PRIMARY IN_PROGRESS', 2, 0],
      [15000, 'PRIMARY COMPLETED', 2, 0],
    ]);
  });

  test('a transient error is polled through; the deadline cuts the last wait short', async () => {
    const time = fakeTime();
    const warnings: string[] = [];
    let calls = 0;
    const result = await watchRollout({
      describeService: async () => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        return service([deployment({})]);
      },
      facts: { strategy: 'ROLLING', stages: [], alarmsFired: [] },
      mode: 'rollout',
      deploymentId: ID,
      intervalMs: 4000,
      timeoutMs: 10_000,
      seenEvents: new Set(),
      onEvent: () => undefined,
      onLog: () => undefined,
      onTransientError: (text) => warnings.push(text),
      ...time,
    });
    expect(warnings).toEqual(['DescribeServices failed (Rate exceeded); polling again']);
    expect(time.waits).toEqual([4000, 4000, 2000]);
    expect(result).toMatchObject({
      outcome: 'TIMED_OUT',
      reason: 'timed out after 10 s: 0/2 tasks running, rollout IN_PROGRESS',
    });
  });

  test('a permissions error ends the watch at once', async () => {
    const time = fakeTime();
    const denied = explainAwsError(
      Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }),
      'ecs',
      'DescribeServices',
    );
    await expect(
      watchRollout({
        describeService: async () => {
          throw denied;
        },
        facts: { strategy: 'ROLLING', stages: [], alarmsFired: [] },
        mode: 'rollout',
        deploymentId: ID,
        intervalMs: 1000,
        timeoutMs: 60_000,
        seenEvents: new Set(),
        onEvent: () => undefined,
        onLog: () => undefined,
        onTransientError: () => undefined,
        ...time,
      }),
    ).rejects.toThrow(/^Permission denied for ecs:DescribeServices: not authorized/);
    expect(time.waits).toEqual([]);
  });
});
