/**
 * Latency figures for a check's samples. Percentiles use the nearest-rank method: the p-th
 * percentile is a latency that was actually measured (the smallest one with at least p% of the
 * samples at or below it), so with few samples p95 is simply the slowest, never an interpolation
 * between two requests that nobody saw.
 */

export interface LatencySummary {
  min: number;
  p50: number;
  p95: number;
  max: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1];
}

/** Milliseconds rounded to a tenth: finer is noise, coarser hides a fast endpoint's spread. */
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function summariseLatency(values: readonly number[]): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  return {
    min: round(Math.min(...values)),
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    max: round(Math.max(...values)),
  };
}
