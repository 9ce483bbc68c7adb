/**
 * The demo app under load, beside a ladder of baselines measured in the same run, each adding one
 * thing to the one before: a bare node:http server answering the same JSON (the ceiling on this
 * machine); the same server also sending every header the app sends; Koa sending them from one
 * middleware; Koa with @koa/router routing as the app does (the floor of the app's own stack, which
 * the app is held to: at least 0.85× of it). The demo app adds its access log, request ids, error
 * handling and draining. Then its peers, the same service as a user would build it on another
 * framework (the same routes, headers, ids, JSON errors, access log and SIGTERM handling, held to
 * the app's answers by demo-app/test/peers.test.ts): Express 5 with helmet and pino-http (the app
 * should be ahead of it) and Fastify 5 with @fastify/helmet and its built-in logger (the ratio is
 * reported, whatever it is). Last, the seed's stack, reported and not aimed at: Flask under gunicorn
 * with one worker per core. Also the app's memory, and a SIGTERM in the middle of a steady
 * keep-alive load, counting failed requests (must be 0).
 *
 * Every server is a child process with its logs going to a file, so the load generator (autocannon,
 * in this process) shares the CPU with nothing but the server it measures.
 *
 * Knobs: BENCH_DURATION_S (default 10) per measurement, BENCH_WARMUP_S (default 3), BENCH_RUNS
 * (default 3, interleaved across servers; the table shows the median and the range).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { keepAliveLoad, type LoadResult } from '@shipyard/demo-app/test/keep-alive-load';
import { unusedPort } from '@shipyard/harness/listen';
import { temporaryFolder } from '@shipyard/harness/temp';
import { median, notMeasured, ratio, spread, type BenchSection } from './lib.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');

const positive = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const DURATION_S = positive('BENCH_DURATION_S', 10);
const WARMUP_S = positive('BENCH_WARMUP_S', 3);
const RUNS = Math.round(positive('BENCH_RUNS', 3));
const CONNECTIONS = 100;
const ROUTES = ['/health', '/version'] as const;
type Route = (typeof ROUTES)[number];

const KOA_NAME = "Koa + the app's headers";
const KOA_ROUTER_NAME = "Koa + @koa/router + the app's headers";
const EXPRESS_NAME = 'Express 5 + helmet + pino-http';
const FASTIFY_NAME = 'Fastify 5 + @fastify/helmet + pino';
/** The demo app's aim against the floor of its own stack, the Koa + @koa/router rung. */
const ROUTER_AIM = 0.85;
/**
 * Why the demo app and Fastify differ, from CPU profiles of both under this load (`node --cpu-prof`,
 * demo-app/README.md), whichever is ahead in a run.
 */
const FASTIFY_AHEAD =
  "Fastify is ahead in this run although it does more per request than the app for the same output (helmet per request, per-request serialisation, pino's generic path; see the other case's note in demo-app.bench.ts): what it saves is in its own request path (a radix-tree router instead of a regular expression per route, no context object with delegated getters, callbacks instead of a promise per middleware), where a CPU profile of the app shows Koa, koa-compose and @koa/router. Profile both under load (demo-app/README.md, Performance) before reading more into it.";
const APP_AHEAD =
  "Where Fastify's extra CPU goes, from a CPU profile of it under this load: for the same output it does more per request. @fastify/helmet runs helmet's middleware on every request (6% of its main thread) where the app sets headers computed once at start-up; each answer is serialised per request where the app sends bytes serialised once; its access line goes through pino's generic serialiser and sonic-boom's thread-pool writes (about 15% of its main thread, plus the pool's own work) where the app concatenates the line and writes each event-loop turn's lines at once";

const BENCH_ENV = { APP_VERSION: '1.0.0-bench', GIT_SHA: '0123456789abcdef0123456789abcdef01234567' };

interface Target {
  name: string;
  url: string;
  pids: () => number[];
  stop: () => Promise<void>;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU time (user + system, all its processes) per request, in microseconds. */
  cpuMicros: number;
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Resident set size in MiB of the given processes, from /proc (Linux). */
function rssMiB(pids: number[]): number {
  let kib = 0;
  for (const pid of pids) {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    kib += match ? Number(match[1]) : 0;
  }
  return kib / 1024;
}

let clockTicks = 100;

/** CPU time (user + system) the given processes have used so far, in microseconds, from /proc. */
function cpuMicros(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks / clockTicks) * 1e6;
}

function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (listed) children.push(...listed.split(/\s+/).map(Number));
  }
  return children;
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Starts a node program that prints `{"msg":"listening","url":...}`, its stdout going to a file. */
async function startNodeServer(name: string, script: string, env: Record<string, string>, logDir: string) {
  const logFile = join(logDir, `${name.replace(/\W+/g, '-')}.log`);
  const out = openSync(logFile, 'w');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env };
  delete childEnv.NODE_OPTIONS;
  const child = spawn(process.execPath, [script], { cwd: repoRoot, env: childEnv, stdio: ['ignore', out, 'inherit'] });
  closeSync(out);
  const url = await waitFor(`${name} to listen`, 15_000, async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const line = readFileSync(logFile, 'utf8')
      .split('\n')
      .find((text) => text.includes('"listening"'));
    return line ? (JSON.parse(line) as { url: string }).url : undefined;
  });
  return { child, url, logFile };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function ensureFlask(): Promise<{ available: true; note: string } | { available: false; reason: string }> {
  const check = () =>
    run('python3', ['-c', 'import importlib.metadata as m; import flask; print(m.version("flask"))']).then(
      async ({ stdout }) => {
        const gunicorn = await run('gunicorn', ['--version']);
        return `Flask ${stdout.trim()}, ${gunicorn.stdout.trim() || gunicorn.stderr.trim()}`;
      },
    );
  try {
    return { available: true, note: await check() };
  } catch {
    // Installing is part of the benchmark's contract: say so, and say why when it cannot.
  }
  if (process.getuid?.() !== 0) return { available: false, reason: 'python3-flask/gunicorn missing and not root' };
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-qq'], { env });
    await run(
      'apt-get',
      ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=120', '--no-install-recommends', 'python3-flask', 'gunicorn'],
      { env },
    );
    return { available: true, note: `${await check()} (installed now with apt-get)` };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { available: false, reason: `apt-get install python3-flask gunicorn failed: ${message}` };
  }
}

async function startFlask(workers: number): Promise<Target> {
  const port = await unusedPort();
  const child = spawn(
    'gunicorn',
    ['--workers', String(workers), '--bind', `127.0.0.1:${port}`, '--chdir', join(here, 'demo-app'), 'flask_app:app'],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('gunicorn to answer', 20_000, async () => {
    if (child.exitCode !== null) throw new Error(`gunicorn exited with ${child.exitCode}`);
    const response = await fetch(`${url}/health`);
    // Every worker must have booted, or the first run measures fewer of them.
    return response.ok && childPids(child.pid!).length >= workers ? true : undefined;
  });
  return {
    name: `Flask + gunicorn (${workers} workers)`,
    url,
    pids: () => [child.pid!, ...childPids(child.pid!)],
    stop: () => stopChild(child),
  };
}

async function measure(target: Target, route: Route, durationS: number): Promise<Sample> {
  const cpuBefore = cpuMicros(target.pids());
  const result = await autocannon({ url: `${target.url}${route}`, connections: CONNECTIONS, duration: durationS });
  const cpuUsed = cpuMicros(target.pids()) - cpuBefore;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuMicros: result.requests.total > 0 ? cpuUsed / result.requests.total : Number.NaN,
  };
}

const STALLED_CLIENTS = 50;

/**
 * SIGTERM while clients hold connections with half a request sent (and one idle keep-alive
 * socket): how long the process takes to exit, and with which code, against its 25 s grace period.
 */
async function shutdownWithStalledClients(logDir: string): Promise<{ exitCode: number | null; exitMs: number }> {
  const { child, url } = await startNodeServer(
    'demo app (stalled clients)',
    'demo-app/dist/server.js',
    BENCH_ENV,
    logDir,
  );
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(
    Array.from({ length: STALLED_CLIENTS }, async () => {
      const socket = connect(Number(port), hostname);
      socket.on('error', () => {});
      await once(socket, 'connect');
      await new Promise<void>((resolveWrite) =>
        socket.write('GET /health HTTP/1.1\r\nHost: bench\r\nX-Half: ', () => resolveWrite()),
      );
      return socket;
    }),
  );
  try {
    const exited = once(child, 'exit');
    const signalled = performance.now();
    child.kill('SIGTERM');
    const [code] = await exited;
    return { exitCode: code as number | null, exitMs: performance.now() - signalled };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

async function shutdownUnderLoad(
  logDir: string,
): Promise<{ result: LoadResult; exitCode: number | null; exitMs: number }> {
  const { child, url } = await startNodeServer('demo app (shutdown)', 'demo-app/dist/server.js', BENCH_ENV, logDir);
  const load = keepAliveLoad({ url: `${url}/health`, connections: CONNECTIONS });
  await sleep(Math.min(3, DURATION_S) * 1000);
  const exited = once(child, 'exit');
  const signalled = performance.now();
  load.markSignal();
  child.kill('SIGTERM');
  const [[code]] = await Promise.all([exited, load.done]);
  return { result: await load.done, exitCode: code as number | null, exitMs: performance.now() - signalled };
}

export default async function demoAppBench(): Promise<BenchSection> {
  const notes: string[] = [];
  const logDir = temporaryFolder('demo-app-bench-');
  const cores = availableParallelism();
  const targets: Target[] = [];
  const rss: Record<string, { start: number; end?: number }> = {};
  try {
    await run('npm', ['run', 'build', '--workspace', 'demo-app'], { cwd: repoRoot });
    clockTicks = Number((await run('getconf', ['CLK_TCK']).catch(() => ({ stdout: '100' }))).stdout.trim()) || 100;

    const demo = await startNodeServer('demo app', 'demo-app/dist/server.js', BENCH_ENV, logDir);
    targets.push({
      name: 'demo app (Koa)',
      url: demo.url,
      pids: () => [demo.child.pid!],
      stop: () => stopChild(demo.child),
    });
    const bare = await startNodeServer('bare node:http', 'bench/demo-app/bare-server.mjs', BENCH_ENV, logDir);
    targets.push({
      name: 'bare node:http',
      url: bare.url,
      pids: () => [bare.child.pid!],
      stop: () => stopChild(bare.child),
    });
    const bareHeaders = await startNodeServer(
      "node:http + the app's headers",
      'bench/demo-app/bare-server.mjs',
      { ...BENCH_ENV, BARE_APP_HEADERS: '1' },
      logDir,
    );
    targets.push({
      name: "node:http + the app's headers",
      url: bareHeaders.url,
      pids: () => [bareHeaders.child.pid!],
      stop: () => stopChild(bareHeaders.child),
    });
    for (const [name, script, env] of [
      [KOA_NAME, 'bench/demo-app/koa-server.mjs', {}],
      [KOA_ROUTER_NAME, 'bench/demo-app/koa-server.mjs', { KOA_ROUTER: '1' }],
      [EXPRESS_NAME, 'bench/demo-app/express-server.mjs', {}],
      [FASTIFY_NAME, 'bench/demo-app/fastify-server.mjs', {}],
    ] as const) {
      const node = await startNodeServer(name, script, { ...BENCH_ENV, ...env }, logDir);
      targets.push({ name, url: node.url, pids: () => [node.child.pid!], stop: () => stopChild(node.child) });
    }

    const flask = await ensureFlask();
    let flaskReason: string | undefined;
    if (flask.available) {
      try {
        targets.push(await startFlask(cores));
        notes.push(`Seed's stack: ${flask.note}, sync workers, one per core (${cores}).`);
      } catch (error) {
        flaskReason = `gunicorn did not start: ${error instanceof Error ? error.message : String(error)}`;
      }
    } else {
      flaskReason = flask.reason;
    }

    for (const target of targets) rss[target.name] = { start: rssMiB(target.pids()) };

    const samples = new Map<string, Sample[]>();
    for (const target of targets) for (const route of ROUTES) await measure(target, route, WARMUP_S);
    for (let round = 0; round < RUNS; round += 1) {
      for (const target of targets) {
        for (const route of ROUTES) {
          const key = `${target.name} ${route}`;
          samples.set(key, [...(samples.get(key) ?? []), await measure(target, route, DURATION_S)]);
        }
      }
    }
    for (const target of targets) rss[target.name].end = rssMiB(target.pids());
    await Promise.all(targets.splice(0).map((target) => target.stop()));

    const shutdown = await shutdownUnderLoad(logDir);
    const stalled = await shutdownWithStalledClients(logDir);

    const [demoName, bareName, bareHeadersName] = ['demo app (Koa)', 'bare node:http', "node:http + the app's headers"];
    const flaskName = `Flask + gunicorn (${cores} workers)`;
    // The cost ladder, one thing added per rung, then the seed's stack.
    const columns = [
      bareName,
      bareHeadersName,
      KOA_NAME,
      KOA_ROUTER_NAME,
      demoName,
      EXPRESS_NAME,
      FASTIFY_NAME,
      flaskName,
    ];
    const ratioColumns = [KOA_ROUTER_NAME, EXPRESS_NAME, FASTIFY_NAME, flaskName];
    const of = (name: string, route: Route) => samples.get(`${name} ${route}`) ?? [];
    const cell = (name: string, route: Route, pick: (sample: Sample) => number, decimals = 0) => {
      if (name === flaskName && flaskReason) return notMeasured(flaskReason);
      return spread(of(name, route).map(pick), decimals);
    };
    const rpsRatio = (route: Route, baseline: string) =>
      baseline === flaskName && flaskReason
        ? notMeasured(flaskReason)
        : ratio(median(of(demoName, route).map((s) => s.rps)), median(of(baseline, route).map((s) => s.rps)));

    // How much more work per request the demo app does; were the server, not the load generator,
    // the bottleneck, the throughput ratio would be the inverse.
    const cpuRatio = (route: Route, baseline: string) =>
      baseline === flaskName && flaskReason
        ? notMeasured(flaskReason)
        : ratio(
            median(of(demoName, route).map((s) => s.cpuMicros)),
            median(of(baseline, route).map((s) => s.cpuMicros)),
          );

    const blank = ratioColumns.map(() => '');
    const rows: (string | number)[][] = [];
    for (const route of ROUTES) {
      rows.push([
        `GET ${route} req/s`,
        ...columns.map((name) => cell(name, route, (s) => s.rps)),
        ...ratioColumns.map((name) => rpsRatio(route, name)),
      ]);
      rows.push([
        `GET ${route} p50 latency ms`,
        ...columns.map((name) => cell(name, route, (s) => s.p50, 1)),
        ...blank,
      ]);
      rows.push([
        `GET ${route} p99 latency ms`,
        ...columns.map((name) => cell(name, route, (s) => s.p99, 1)),
        ...blank,
      ]);
      rows.push([
        `GET ${route} server CPU µs per request`,
        ...columns.map((name) => cell(name, route, (s) => s.cpuMicros, 1)),
        ...ratioColumns.map((name) => cpuRatio(route, name)),
      ]);
    }
    rows.push([
      'errors + timeouts + non-2xx (all runs)',
      ...columns.map((name) =>
        name === flaskName && flaskReason
          ? notMeasured(flaskReason)
          : ROUTES.flatMap((route) => of(name, route)).reduce((sum, s) => sum + s.errors, 0),
      ),
      ...blank,
    ]);
    const memory = (name: string, phase: 'start' | 'end') =>
      name === flaskName && flaskReason ? notMeasured(flaskReason) : (rss[name]?.[phase]?.toFixed(1) ?? 'n/a');
    rows.push(['RSS after start MiB', ...columns.map((name) => memory(name, 'start')), ...blank]);
    rows.push(['RSS after load MiB', ...columns.map((name) => memory(name, 'end')), ...blank]);
    rows.push([
      'SIGTERM under load: requests failed (must be 0)',
      ...columns.map((name) => (name === demoName ? shutdown.result.failed : 'n/a')),
      ...blank,
    ]);

    const rpsOf = (name: string, route: Route) => median(of(name, route).map((s) => s.rps));
    const cpuOf = (name: string, route: Route) => median(of(name, route).map((s) => s.cpuMicros));
    const describe = (ratios: number[], aim: number) => {
      if (!ratios.every(Number.isFinite)) return 'n/a';
      const met = ratios.every((value) => value >= aim);
      return `${met ? 'met' : 'NOT met'} (${ratios.map((value) => `${value.toFixed(2)}×`).join(', ')} on ${ROUTES.join(', ')})`;
    };
    const verdict = (baseline: string, aim: number) =>
      baseline === flaskName && flaskReason
        ? notMeasured(flaskReason)
        : describe(
            ROUTES.map((route) => rpsOf(demoName, route) / rpsOf(baseline, route)),
            aim,
          );
    // The same aim read from CPU per request: the throughput each server would reach if it, not the
    // load generator, were the bottleneck.
    const cpuVerdict = (baseline: string, aim: number) =>
      baseline === flaskName && flaskReason
        ? notMeasured(flaskReason)
        : describe(
            ROUTES.map((route) => cpuOf(baseline, route) / cpuOf(demoName, route)),
            aim,
          );
    const share = (name: string) =>
      ROUTES.map((route) => `${(cpuOf(name, route) / cpuOf(demoName, route)).toFixed(2)}`).join(', ');
    const shown = (ratios: number[]) => ratios.map((value) => `${value.toFixed(2)}×`).join(', ');
    const rpsRatios = (baseline: string) => ROUTES.map((route) => rpsOf(demoName, route) / rpsOf(baseline, route));
    const cpuRatios = (baseline: string) => ROUTES.map((route) => cpuOf(baseline, route) / cpuOf(demoName, route));
    const withErrors = (name: string) => ROUTES.flatMap((route) => of(name, route)).some((sample) => sample.errors > 0);
    const judged = (baseline: string, text: string) =>
      withErrors(baseline) || withErrors(demoName)
        ? `${text} (but a server answered with errors in this run, so it cannot be judged)`
        : text;
    const fastifyBehind = [...rpsRatios(FASTIFY_NAME), ...cpuRatios(FASTIFY_NAME)].every((value) => value < 1);
    notes.push(
      `${RUNS} run(s) of ${DURATION_S} s per server and route after a ${WARMUP_S} s warm-up, ${CONNECTIONS} connections, autocannon in the benchmark's process; cells are median (min–max) across runs. In the ratio columns the req/s rows read "the demo app serves N× the baseline's req/s" and the CPU rows "the demo app does N× the baseline's work per request".`,
      judged(
        KOA_ROUTER_NAME,
        `Aim ≥ ${ROUTER_AIM}× the Koa + @koa/router rung (the floor of the app's own stack: Koa, the router and the app's headers and ids, without its access log, error handling or draining): by req/s ${verdict(KOA_ROUTER_NAME, ROUTER_AIM)}; by CPU per request (rung µs ÷ demo µs) ${cpuVerdict(KOA_ROUTER_NAME, ROUTER_AIM)}.`,
      ),
      judged(
        EXPRESS_NAME,
        `Aim ahead of ${EXPRESS_NAME} (≥ 1×): by req/s ${verdict(EXPRESS_NAME, 1)}; by CPU per request ${cpuVerdict(EXPRESS_NAME, 1)}.`,
      ),
      judged(
        FASTIFY_NAME,
        `${FASTIFY_NAME} (reported, no aim): the demo app serves ${shown(rpsRatios(FASTIFY_NAME))} of its req/s and needs ${shown(cpuRatios(FASTIFY_NAME))} of its CPU per request read as throughput (${ROUTES.join(', ')}). ${fastifyBehind ? FASTIFY_AHEAD : APP_AHEAD}`,
      ),
      flaskReason
        ? `Flask under gunicorn (the seed's stack, reported, not aimed at): ${notMeasured(flaskReason)}.`
        : `Flask under gunicorn (the seed's stack, reported, not aimed at): the demo app serves ${shown(rpsRatios(flaskName))} its req/s, and does ${shown(cpuRatios(flaskName).map((value) => 1 / value))} of its work per request.`,
      `The cost ladder, one thing added per rung (req/s as a ratio to the bare server on ${ROUTES.join(', ')}): ${columns
        .filter((name) => name !== flaskName)
        .map((name) => `${name} ${shown(ROUTES.map((route) => rpsOf(name, route) / rpsOf(bareName, route)))}`)
        .join('; ')}. Share of the demo app's CPU per request already spent by each rung: ${[
        bareName,
        bareHeadersName,
        KOA_NAME,
        KOA_ROUTER_NAME,
      ]
        .map((name) => `${name} ${share(name)}`)
        .join('; ')}.`,
      "Every Node server runs as in production, its log on stdout (to a file here): the demo app compiled, with its access log, koa-helmet's headers and request ids; Express and Fastify with the same routes, headers, ids, JSON errors and one access line per request, through pino's asynchronous destination as pino recommends; the bare servers and the Koa rungs log nothing. All send Content-Length (not chunked) over the same keep-alive connections.",
      `Shutdown: ${CONNECTIONS} keep-alive clients on GET /health for ${Math.min(3, DURATION_S)} s, then SIGTERM. Completed before the signal ${shutdown.result.completedBeforeSignal}, after it ${shutdown.result.completedAfterSignal}; failed ${shutdown.result.failed}${shutdown.result.failed ? ` ${JSON.stringify(shutdown.result.failures)}` : ''}; clients told to close ${shutdown.result.closed}, refused on reconnecting ${shutdown.result.refused}; exit code ${shutdown.exitCode} after ${shutdown.exitMs.toFixed(0)} ms.`,
      `Shutdown with ${STALLED_CLIENTS} clients stalled half-way through a request: exit code ${stalled.exitCode} after ${stalled.exitMs.toFixed(0)} ms, against a grace period of 25000 ms (before the fix they held the stop until it ran out, and the exit code was 1).`,
      "gunicorn's sync workers serve one connection at a time without keep-alive, so with 100 connections most wait in its accept queue: that is where Flask's latency and autocannon's timeouts come from.",
      `This machine has ${cores} cores shared with the load generator (and, on a shared machine, with whatever else runs): node serves from one, gunicorn's workers from all of them. Req/s depends on which saturates first, the server or autocannon; "server CPU µs per request" (from /proc, all of a server's threads and processes) is the steadier measure of a server's own cost.`,
    );
    if (flaskReason) notes.push(`Flask + gunicorn: ${notMeasured(flaskReason)}.`);

    return {
      title: 'Demo app: throughput, latency, memory, graceful shutdown',
      headers: ['Figure', ...columns, 'demo ÷ router rung', 'demo ÷ Express', 'demo ÷ Fastify', 'demo ÷ Flask'],
      rows,
      notes,
    };
  } finally {
    await Promise.all(targets.map((target) => target.stop()));
    rmSync(logDir, { recursive: true, force: true });
  }
}
