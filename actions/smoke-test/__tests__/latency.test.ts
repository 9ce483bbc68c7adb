import { describe, expect, test } from '@jest/globals';
import { percentile, summariseLatency } from '../src/latency.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose

  test.each([
    [[5], 50, 5],
    [[5], 95, 5],
    [[3, 1, 2], 50, 2],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 95, 4],
    [[10, 20], 95, 20],
    [hundred, 95, 95],
    [hundred, 50, 50],
    [hundred, 100, 100],
    [hundred, 1, 1],
    [Array.from({ length: 20 }, (_, i) => i + 1), 95, 19],
    [Array.from({ length: 21 }, (_, i) => i + 1), 95, 20],
  ])('%j at p%d is %d', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  test('leaves its input unsorted', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  test.each([
    [[], 50],
    [[1], 0],
    [[1], 101],
  ])('%j at p%d is a range error', (values, p) => {
    expect(() => percentile(values, p)).toThrow(RangeError);
  });
});

describe('summariseLatency', () => {
  test('min, p50, p95 and max rounded to a tenth of a millisecond', () => {
    expect(summariseLatency([1.234, 5.678, 2.25, 9.99])).toEqual({ min: 1.2, p50: 2.3, p95: 10, max: 10 });
  });
  test('nothing measured is no summary', () => {
    expect(summariseLatency([])).toBeUndefined();
  });
});
