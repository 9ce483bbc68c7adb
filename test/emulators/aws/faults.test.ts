import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { FaultInjector } from './faults.js';
import { startAwsEmulator, type AwsEmulator } from './index.js';
import { resolveScenario } from './scenario.js';

// The faults beside throttle/server-error/lost-answer: a throttling burst and a slow answer. Like
// the others they are decided per operation call number, so a scenario repeats exactly.

const kinds = (injector: FaultInjector, calls: number, operation = 'DescribeServices') =>
  Array.from({ length: calls }, () => injector.decide('ecs', operation).fault?.kind ?? 'ok');

describe('FaultInjector', () => {
  test.each([
    [{ calls: 3 }, ['throttle-burst', 'throttle-burst', 'throttle-burst', 'ok', 'ok', 'ok']],
    [{ from: 2, calls: 2 }, ['ok', 'throttle-burst', 'throttle-burst', 'ok', 'ok', 'ok']],
    [{ from: 6, calls: 10 }, ['ok', 'ok', 'ok', 'ok', 'ok', 'throttle-burst']],
  ])('throttleBurst %j', (throttleBurst, expected) => {
    expect(kinds(new FaultInjector(1, { throttleBurst }), 6)).toEqual(expected);
  });

  test('a burst counts calls per operation: other operations are not throttled', () => {
    const injector = new FaultInjector(1, { operations: { DescribeServices: { throttleBurst: { calls: 2 } } } });
    expect(kinds(injector, 2, 'UpdateService')).toEqual(['ok', 'ok']);
    expect(kinds(injector, 3)).toEqual(['throttle-burst', 'throttle-burst', 'ok']);
  });

  test('slowAnswerCalls holds the listed calls for slowAnswerMs (default 60 s)', () => {
    const held = new FaultInjector(1, { slowAnswerCalls: [2] });
    expect([1, 2, 3].map(() => held.decide('ecr', 'PutImage').fault)).toEqual([
      undefined,
      { kind: 'slow-answer', holdMs: 60_000 },
      undefined,
    ]);
    expect(new FaultInjector(1, { slowAnswerCalls: [1], slowAnswerMs: 5 }).decide('ecr', 'PutImage').fault).toEqual({
      kind: 'slow-answer',
      holdMs: 5,
    });
  });

  test('slowAnswerRate is seeded: the same seed slows the same calls, another seed others', () => {
    const run = (seed: number) => kinds(new FaultInjector(seed, { slowAnswerRate: 0.3 }), 40).join(',');
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
    const slowed = run(7)
      .split(',')
      .filter((kind) => kind === 'slow-answer').length;
    expect(slowed).toBeGreaterThan(3);
    expect(slowed).toBeLessThan(25);
  });

  test.each([
    [{ throttleBurst: { calls: 0 } }, /throttleBurst/],
    [{ throttleBurst: { from: 0, calls: 1 } }, /throttleBurst/],
    [{ slowAnswerCalls: [0] }, /slowAnswerCalls/],
    [{ slowAnswerMs: -1 }, /slowAnswerMs/],
    [{ slowAnswerRate: 0.6, throttleRate: 0.6 }, /add up to more than 1/],
  ])('scenario faults %j are refused', (faults, message) => {
    expect(() => resolveScenario({ faults })).toThrow(message);
  });

  test.each([
    [{ timeScale: 0 }, /timeScale/],
    [{ timeScale: -1 }, /timeScale/],
    [{ ecs: { durations: { pullSecs: 1 } } }, /not a duration/],
    [{ ecs: { durations: { pullSeconds: -1 } } }, /pullSeconds/],
    [{ ecs: { taskStartDelay: 5 } }, /not a setting/],
  ])('scenario %j is refused', (input, message) => {
    expect(() => resolveScenario(input as never)).toThrow(message);
  });
});

describe('a slow answer at the wire', () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    emulator = await startAwsEmulator();
  });
  afterAll(() => emulator.close());

  test('is applied, then held: a client that waits long enough gets it, one that times out gets nothing', async () => {
    emulator.setScenario({
      faults: { operations: { DescribeRepositories: { slowAnswerCalls: [1, 2], slowAnswerMs: 400 } } },
    });
    emulator.reset();
    const patient = new ECRClient({ ...emulator.clientConfig(), maxAttempts: 1 });
    const hasty = new ECRClient({
      ...emulator.clientConfig(),
      maxAttempts: 1,
      requestHandler: { requestTimeout: 50, throwOnRequestTimeout: true },
    });
    try {
      const answer = await patient.send(new DescribeRepositoriesCommand({}));
      expect(answer.repositories).toEqual([]);
      await expect(hasty.send(new DescribeRepositoriesCommand({}))).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(emulator.calls({ operation: 'DescribeRepositories' }).map((call) => call.fault)).toEqual([
        'slow-answer',
        'slow-answer',
      ]);
    } finally {
      patient.destroy();
      hasty.destroy();
    }
  });
});
