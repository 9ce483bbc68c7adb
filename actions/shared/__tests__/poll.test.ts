import { describe, expect, test } from '@jest/globals';
import { pollUntil } from '../src/poll.js';

describe('pollUntil', () => {
  test('returns as soon as the check is done', async () => {
    const result = await pollUntil({
      intervalMs: 1,
      timeoutMs: 10_000,
      check: async (attempt) => (attempt === 3 ? { done: true, value: 'ok' } : { done: false, waitingFor: 'three' }),
    });
    expect(result).toEqual({ done: true, value: 'ok', attempts: 3 });
  });
  test('stops at the deadline with what it was waiting for', async () => {
    let clock = 0;
    const result = await pollUntil({
      intervalMs: 1,
      timeoutMs: 5,
      now: () => clock,
      check: async () => {
        clock += 2;
        return { done: false, waitingFor: `clock at ${clock}` };
      },
    });
    expect(result).toEqual({ done: false, waitingFor: 'clock at 6', attempts: 3 });
  });
  test.each([
    ['a longer retry-after stretches the wait', 1, 10_000, 80, 75, 1_000],
    ['a shorter retry-after does not shorten the interval', 80, 10_000, 1, 75, 1_000],
    ['a retry-after past the deadline is cut at the deadline', 1, 100, 60_000, 90, 1_000],
  ])('%s', async (_, intervalMs, timeoutMs, retryAfterMs, atLeast, below) => {
    const started = Date.now();
    const result = await pollUntil({
      intervalMs,
      timeoutMs,
      check: async (attempt) =>
        attempt === 2 ? { done: true, value: 'ok' } : { done: false, waitingFor: 'busy', retryAfterMs },
    });
    const elapsed = Date.now() - started;
    expect(result).toEqual({ done: true, value: 'ok', attempts: 2 });
    expect(elapsed).toBeGreaterThanOrEqual(atLeast);
    expect(elapsed).toBeLessThan(below);
  });
});
