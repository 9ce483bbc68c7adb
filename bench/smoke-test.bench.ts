// smoke-test: 20 checks against the demo app with concurrency 1 and 8, side by side.
//
// The demo app runs in its own process (as it would on ECS), so the client's event loop and the
// server's do not take turns. Two ways to reach it: straight over loopback, where each request
// costs well under a millisecond and the client's own work dominates; and behind a 20 ms delay,
// which stands in for a network round trip and a real handler, where concurrency is meant to pay.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { deadlineIn } from '@shipyard/shared/poll';
import { parseChecks } from '@shipyard/smoke-test/checks';
import { runChecks } from '@shipyard/smoke-test/run-checks';
import { runAction } from '@shipyard/harness/run-action';
import { median, ratio, spread, timeRuns, type BenchSection } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHECK_COUNT = 20;
const DELAY_MS = 20;
const RUNS = 7;
const ACTION_RUNS = 5;

/** Twenty checks over the demo app's four routes, with the kinds of expectation users write. */
const CHECKS_YAML = Array.from({ length: CHECK_COUNT }, (_, i) => {
  const kind = i % 4;
  if (kind === 0) return `- { name: health ${i}, path: "/health?i=${i}", expect-json: { status: ok } }`;
  if (kind === 1) return `- { name: ready ${i}, path: "/ready?i=${i}", expect-body-contains: ready }`;
  if (kind === 2) {
    return `- { name: version ${i}, path: "/version?i=${i}", expect-json: { version: 1.0.0, commit: "/^[0-9a-f]+$/" } }`;
  }
  return `- { name: home ${i}, path: "/?i=${i}", expect-header: { content-type: "/^application\\\\/json/" } }`;
}).join('\n');

// The child: two listeners on one demo app, one answering after DELAY_MS. It prints its ports.
const SERVER_SCRIPT = `
import { createApp } from '@shipyard/demo-app/app';
import { listenOnLoopback } from '@shipyard/harness/listen';
const app = createApp({ version: '1.0.0', commit: 'abc1234', environment: 'bench', logger: false }).callback();
const { port: direct } = await listenOnLoopback(app);
const { port: delayed } = await listenOnLoopback((req, res) => setTimeout(() => app(req, res), ${DELAY_MS}));
console.log(JSON.stringify({ direct, delayed }));
`;

async function startDemoApp(): Promise<{ child: ChildProcess; direct: string; delayed: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SERVER_SCRIPT], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const ports = JSON.parse(chunk.toString('utf8')) as { direct: number; delayed: number };
  return { child, direct: `http://127.0.0.1:${ports.direct}`, delayed: `http://127.0.0.1:${ports.delayed}` };
}

async function timeRunner(url: string, concurrency: number): Promise<number[]> {
  const checks = parseChecks(parseYaml(CHECKS_YAML), 'inline');
  const once = async () => {
    const results = await runChecks(checks, {
      baseUrl: new URL(url),
      headers: {},
      samples: 1,
      requestTimeoutMs: 10_000,
      intervalMs: 100,
      followRedirects: true,
      concurrency,
      deadline: deadlineIn(10_000),
    });
    const failed = results.filter((result) => !result.passed);
    if (failed.length > 0) throw new Error(`bench checks failed: ${failed.map((r) => r.failure).join('; ')}`);
  };
  await once(); // warm-up: connections, JIT
  return timeRuns(RUNS, once);
}

async function timeAction(url: string, concurrency: number): Promise<number[]> {
  return timeRuns(ACTION_RUNS, async () => {
    const run = await runAction('smoke-test', { inputs: { url, checks: CHECKS_YAML, concurrency } });
    if (run.exitCode !== 0) throw new Error(`action failed: ${run.errors.join('; ')}`);
  });
}

function row(scenario: string, requests: number, one: number[], eight: number[]): (string | number)[] {
  const perSecond = (times: number[]) => (requests / (median(times) / 1000)).toFixed(0);
  return [
    scenario,
    spread(one, 1),
    perSecond(one),
    spread(eight, 1),
    perSecond(eight),
    ratio(median(one), median(eight)),
  ];
}

export default async function smokeTestBench(): Promise<BenchSection> {
  const app = await startDemoApp();
  try {
    const rows = [
      row(
        `runner, loopback (${CHECK_COUNT} checks × 1 sample)`,
        CHECK_COUNT,
        await timeRunner(app.direct, 1),
        await timeRunner(app.direct, 8),
      ),
      row(
        `runner, ${DELAY_MS} ms per request (${CHECK_COUNT} checks)`,
        CHECK_COUNT,
        await timeRunner(app.delayed, 1),
        await timeRunner(app.delayed, 8),
      ),
      row(
        `whole action via harness, loopback (${CHECK_COUNT} checks + version read)`,
        CHECK_COUNT + 1,
        await timeAction(app.direct, 1),
        await timeAction(app.direct, 8),
      ),
    ];
    return {
      title: 'smoke-test: 20 checks, concurrency 1 vs 8',
      headers: ['Scenario', 'c=1 ms', 'c=1 req/s', 'c=8 ms', 'c=8 req/s', 'speed-up (c=1 / c=8 time)'],
      rows,
      notes: [
        `Times are the median (min–max) of ${RUNS} runs after one warm-up (${ACTION_RUNS} runs for the whole action); req/s is requests over the median time.`,
        'The demo app runs in a child process; "runner" is runChecks in this process, the whole action is `node dist/index.js` spawned by the test harness (Node start-up included).',
        `The ${DELAY_MS} ms row delays each answer in the server, standing in for a network round trip: 20 checks at concurrency 8 are 3 waves, so the ceiling is 20 / 3 ≈ 6.7×.`,
        'On loopback each request is sub-millisecond, so the client and server CPU on a shared 2-core machine bound the gain.',
      ],
    };
  } finally {
    app.child.kill();
  }
}
