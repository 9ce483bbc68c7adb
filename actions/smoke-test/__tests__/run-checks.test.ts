import type { RequestListener } from 'node:http';
import { afterEach, describe, expect, test } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { deadlineIn } from '@shipyard/shared/poll';
import { parseChecks } from '../src/checks.js';
import { checkUrl, mapWithConcurrency, runChecks, type CheckRunOptions } from '../src/run-checks.js';
import { listenOnLoopback, type Listening } from '@shipyard/harness/listen';
import { demoApp, withDelay } from './servers.js';

const checks = (yaml: string) => parseChecks(parseYaml(yaml), 'inline');

let running: Listening[] = [];
afterEach(async () => {
  await Promise.all(running.map((server) => server.close()));
  running = [];
});

async function serve(handler: RequestListener) {
  const server = await listenOnLoopback(handler);
  running.push(server);
  return server;
}

function options(url: string, overrides: Partial<CheckRunOptions> = {}): CheckRunOptions {
  return {
    baseUrl: new URL(url),
    headers: {},
    samples: 1,
    requestTimeoutMs: 2000,
    intervalMs: 20,
    followRedirects: true,
    concurrency: 4,
    deadline: deadlineIn(5000),
    ...overrides,
  };
}

/** Answers `status` to the first `count` requests, then hands over to the demo app. */
function failingFirst(count: number, status: number): RequestListener {
  const app = demoApp();
  let seen = 0;
  return (req, res) => {
    seen += 1;
    if (seen <= count) res.writeHead(status).end('not yet');
    else app(req, res);
  };
}

describe('checkUrl', () => {
  test.each([
    ['https://x.test', '/health', 'https://x.test/health'],
    ['https://x.test/', '/health', 'https://x.test/health'],
    ['https://x.test/app', '/health', 'https://x.test/app/health'],
    ['https://x.test/app/', '/health?deep=1', 'https://x.test/app/health?deep=1'],
    ['http://127.0.0.1:8080', '/', 'http://127.0.0.1:8080/'],
  ])('%s + %s', (base, path, url) => {
    expect(checkUrl(new URL(base), path)).toBe(url);
  });
});

describe('runChecks', () => {
  test('retries 503 while the app is not ready, then judges the answer', async () => {
    const server = await serve(failingFirst(3, 503));
    const [result] = await runChecks(checks('- path: /health'), options(server.url));
    expect(result).toMatchObject({ passed: true, status: 200, attempts: 4, samples: 1 });
  });

  test('429 with Retry-After: waits as long as the server asks before trying again', async () => {
    const app = demoApp();
    const arrivals: number[] = [];
    const server = await serve((req, res) => {
      arrivals.push(Date.now());
      if (arrivals.length === 1) res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      else app(req, res);
    });
    const [result] = await runChecks(checks('- path: /health'), options(server.url, { intervalMs: 10 }));
    expect(result).toMatchObject({ passed: true, attempts: 2 });
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(950);
  });

  test('a 500 is an answer, not "not yet": it fails at once', async () => {
    const server = await serve(failingFirst(10, 500));
    const [result] = await runChecks(checks('- path: /health'), options(server.url, { intervalMs: 1000 }));
    expect(result).toMatchObject({ passed: false, status: 500, attempts: 1, failure: 'expected status 2xx, got 500' });
    expect(result.bodyExcerpt).toBe('not yet');
  });

  test('a 503 that the check expects is not retried', async () => {
    const server = await serve(failingFirst(10, 503));
    const [result] = await runChecks(checks('- { path: /health, expect-status: 503 }'), options(server.url));
    expect(result).toMatchObject({ passed: true, status: 503, attempts: 1 });
  });

  test('stops retrying at the deadline and reports the last answer', async () => {
    const server = await serve(failingFirst(Infinity, 503));
    const [result] = await runChecks(
      checks('- path: /health'),
      options(server.url, { deadline: deadlineIn(200), intervalMs: 30 }),
    );
    expect(result).toMatchObject({ passed: false, status: 503, failure: 'expected status 2xx, got 503' });
    expect(result.attempts).toBeGreaterThan(1);
  });

  test('an app that never became ready is not sampled again', async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests += 1;
      res.writeHead(503).end('draining');
    });
    const [result] = await runChecks(
      checks('- path: /health'),
      options(server.url, { deadline: deadlineIn(150), intervalMs: 30, samples: 5 }),
    );
    expect(result).toMatchObject({ passed: false, status: 503, samples: 1 });
    expect(result.attempts).toBe(requests);
  });

  test('samples: one request each, all judged, latency figures over all of them', async () => {
    const server = await serve(demoApp());
    const [result] = await runChecks(checks('- path: /health'), options(server.url, { samples: 5 }));
    expect(result).toMatchObject({ passed: true, attempts: 5, samples: 5 });
    const { min, p50, p95, max } = result.latencyMs!;
    expect(min).toBeLessThanOrEqual(p50);
    expect(p50).toBeLessThanOrEqual(p95);
    expect(p95).toBeLessThanOrEqual(max);
  });

  test('a sample that fails after the first fails the check, and says which sample', async () => {
    const app = demoApp();
    let seen = 0;
    const server = await serve((req, res) => {
      seen += 1;
      if (seen === 3) res.writeHead(500).end('boom');
      else app(req, res);
    });
    const [result] = await runChecks(checks('- path: /health'), options(server.url, { samples: 4 }));
    expect(result).toMatchObject({
      passed: false,
      status: 500,
      attempts: 4,
      failure: 'sample 3 of 4: expected status 2xx, got 500',
      bodyExcerpt: 'boom',
    });
  });

  test('max-latency-ms and latency-p95-ms fail a slow check with the measured figure', async () => {
    const server = await serve(withDelay(demoApp(), { '/health': 80 }));
    const [result] = await runChecks(
      checks('- { path: /health, max-latency-ms: 20 }'),
      options(server.url, { samples: 2, latencyP95Ms: 30 }),
    );
    expect(result.passed).toBe(false);
    expect(result.mismatches).toEqual([
      { kind: 'latency', expected: 'latency at most 20 ms', actual: expect.stringMatching(/^\d+ ms$/) },
      {
        kind: 'latency',
        expected: 'p95 latency at most 30 ms over 2 samples',
        actual: expect.stringMatching(/^\d+ ms$/),
      },
    ]);
    expect(Number.parseInt(result.mismatches[0].actual, 10)).toBeGreaterThanOrEqual(80);
    expect(result.latencyMs!.min).toBeGreaterThanOrEqual(80);
  });

  test('global headers go with every request; a check header of the same name wins', async () => {
    const received: Record<string, unknown>[] = [];
    const app = demoApp();
    const server = await serve((req, res) => {
      received.push(req.headers);
      app(req, res);
    });
    await runChecks(
      checks('- path: /health\n- { path: /ready, headers: { x-env: blue } }'),
      options(server.url, { headers: { 'x-env': 'green', authorization: 'Bearer t' }, concurrency: 1 }),
    );
    expect(received.map((headers) => [headers['x-env'], headers.authorization])).toEqual([
      ['green', 'Bearer t'],
      ['blue', 'Bearer t'],
    ]);
  });

  test.each([1, 3, 8])('concurrency %d: never more checks in flight, results in the given order', async (limit) => {
    const total = 8;
    let started = 0;
    let inFlight = 0;
    let most = 0;
    let held: (() => void)[] = [];
    const app = demoApp();
    // Requests are held until `limit` of them (or all that are left) have arrived, so the figure
    // does not depend on how fast this machine opens connections.
    const server = await serve((req, res) => {
      started += 1;
      inFlight += 1;
      most = Math.max(most, inFlight);
      res.on('finish', () => (inFlight -= 1));
      held.push(() => app(req, res));
      if (held.length === limit || started === total) {
        const release = held;
        held = [];
        for (const answer of release) answer();
      }
    });
    const paths = Array.from({ length: total }, (_, i) => `- { path: "/health?n=${i}" }`).join('\n');
    const results = await runChecks(checks(paths), options(server.url, { concurrency: limit }));
    expect(results.map((result) => result.path)).toEqual(Array.from({ length: total }, (_, i) => `/health?n=${i}`));
    expect(results.every((result) => result.passed)).toBe(true);
    expect(most).toBe(limit);
  });
});

describe('mapWithConcurrency', () => {
  test('an empty list needs no worker', async () => {
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
  });
});
