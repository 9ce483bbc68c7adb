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
});
