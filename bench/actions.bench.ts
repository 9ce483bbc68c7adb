// Bundle weight and start-up of every action: the size of dist/index.js, and the time from
// `node dist/index.js` to its first input error, as a ratio to bare `node -e 0` measured in the
// same run (interleaved, so a noisy neighbour slows both alike).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { repoRoot } from '@shipyard/harness/run-action';
import { median, ratio, spread, timeNode, type BenchSection } from './lib.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);

/** No INPUT_ variables at all: each action stops at its first required input. */
function bareEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME };
}

export default async function actionsBenchmark(): Promise<BenchSection> {
  const actions = readdirSync(join(repoRoot, 'actions')).filter((name) =>
    existsSync(join(repoRoot, 'actions', name, 'dist', 'index.js')),
  );
  const baseline: number[] = [];
  const startup = new Map<string, number[]>(actions.map((name) => [name, []]));
  for (let run = 0; run < RUNS; run += 1) {
    baseline.push(timeNode(['-e', '0'], bareEnv()));
    for (const action of actions) {
      const entry = join(repoRoot, 'actions', action, 'dist', 'index.js');
      startup.get(action)?.push(timeNode([entry], bareEnv()));
    }
  }
  const rows = actions.map((action) => {
    const dist = join(repoRoot, 'actions', action, 'dist');
    const files = readdirSync(dist).filter((file) => file.endsWith('.js'));
    const bytes = files.reduce((sum, file) => sum + statSync(join(dist, file)).size, 0);
    const gzipped = files.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file))).length, 0);
    const times = startup.get(action) ?? [];
    return [
      action,
      `${(bytes / 1e6).toFixed(2)} MB`,
      `${(gzipped / 1e3).toFixed(0)} kB`,
      `${spread(times)} ms`,
      ratio(median(times), median(baseline)),
    ];
  });
  rows.push(['bare `node -e 0` (baseline)', '', '', `${spread(baseline)} ms`, '1.00×']);
  rows.push(['official amazon-ecs-deploy-task-definition (reference)', '2.63 MB', '', '', '2.95×']);
  return {
    title: 'Actions: bundle size and start-up to the first input error',
    headers: ['action', 'dist/*.js', 'gzipped', 'start-up ms, median (min–max)', 'vs bare node'],
    rows,
    notes: [
      `${RUNS} interleaved runs each (BENCH_STARTUP_RUNS to change); start-up is spawn to exit with no inputs set.`,
      'The reference row is the figure measured for the official deploy action on this kind of machine (issue 3).',
    ],
  };
}
