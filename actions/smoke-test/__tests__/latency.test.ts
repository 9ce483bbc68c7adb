import { describe, expect, test } from '@jest/globals';
import { percentile, summariseLatency } from '../src/latency.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose

  const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  test.each([
    { label: '[5]', values: [5], p: 50, expected: 5 },
    { label: '[5]', values: [5], p: 95, expected: 5 },
    { label: '[3, 1, 2]', values: [3, 1, 2], p: 50, expected: 2 },
    { label: '[1, 2, 3, 4]', values: [1, 2, 3, 4], p: 50, expected: 2 },
    { label: '[1, 2, 3, 4]', values: [1, 2, 3, 4], p: 95, expected: 4 },
    { label: '[10, 20]', values: [10, 20], p: 95, expected: 20 },
    { label: '100..1', values: hundred, p: 95, expected: 95 },
    { label: '100..1', values: hundred, p: 50, expected: 50 },
    { label: '100..1', values: hundred, p: 100, expected: 100 },
    { label: '100..1', values: hundred, p: 1, expected: 1 },
    { label: '1..20', values: oneTo(20), p: 95, expected: 19 },
    { label: '1..21', values: oneTo(21), p: 95, expected: 20 },
  ])('$label at p$p is $expected', ({ values, p, expected }) => {
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
