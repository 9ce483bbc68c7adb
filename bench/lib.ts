/**
 * What every benchmark under bench/ shares. A benchmark is a file `bench/<area>.bench.ts` whose
 * default export resolves to one `BenchSection`; `npm run bench` runs them all and prints one
 * markdown table per area. Each figure stands beside a baseline measured in the same run, since
 * these machines are shared and noisy: report ratios, medians of several runs, min and max.
 */

import { spawnSync } from 'node:child_process';

export interface BenchSection {
  title: string;
  headers: string[];
  rows: (string | number)[][];
  /** What the figures mean, the aim, and anything that could not be measured and why. */
  notes?: string[];
}

export type Benchmark = () => Promise<BenchSection>;

/** The text printed for a figure this machine cannot measure; never leave a figure out silently. */
export function notMeasured(reason: string): string {
  return `not measured (${reason})`;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `median (min–max)` with a fixed number of decimals. */
export function spread(values: readonly number[], decimals = 0): string {
  if (values.length === 0) return 'n/a';
  const fixed = (value: number) => value.toFixed(decimals);
  return `${fixed(median(values))} (${fixed(Math.min(...values))}–${fixed(Math.max(...values))})`;
}

export function ratio(value: number, baseline: number, decimals = 2): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return 'n/a';
  return `${(value / baseline).toFixed(decimals)}×`;
}

export function renderSection(section: BenchSection): string {
  const line = (cells: readonly (string | number)[]) =>
    `| ${cells.map((cell) => String(cell).replace(/\|/g, '\\|')).join(' | ')} |`;
  const lines = [
    `## ${section.title}`,
    '',
    line(section.headers),
    line(section.headers.map(() => '---')),
    ...section.rows.map(line),
  ];
  if (section.notes?.length) lines.push('', ...section.notes.map((note) => `- ${note}`));
  return lines.join('\n');
}

/** Time `runs` executions of `task`, in milliseconds each. */
export async function timeRuns(runs: number, task: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint();
    await task();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times;
}

/** Milliseconds from spawning `node <args>` to its exit: start-up figures. */
export function timeNode(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}
