import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestListener } from 'node:http';
import { afterEach, describe, expect, test } from '@jest/globals';
import { repoRoot, runAction, type ActionRun, type RunActionOptions } from '../../../test/harness/run-action.js';
import type { CheckResult } from '../src/run-checks.js';
import { demoApp, recordingServer, refusingPort, switchingDeploy, withDelay } from './servers.js';

/**
 * The bundled action (dist/index.js) run as the runner runs it, against the real demo app on a
 * port the OS picked. Intervals are a tenth of a second so waiting scenarios stay short.
 */

const OLD_COMMIT = '0ld0ld0';
const NEW_COMMIT = '3f786850e387550fdab836ed7e6dc881de23001b';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function track<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const running = await server;
  cleanups.push(() => running.close());
  return running;
}

const fast = { 'interval-seconds': 0.1, 'timeout-seconds': 10, 'request-timeout-seconds': 2 };

function smokeTest(inputs: RunActionOptions['inputs'], options: Omit<RunActionOptions, 'inputs'> = {}) {
  return runAction('smoke-test', { timeoutMs: 20_000, ...options, inputs: { ...fast, ...inputs } });
}

const results = (run: ActionRun) => JSON.parse(run.outputs.results) as CheckResult[];

describe('smoke-test against the demo app', () => {
  test('without checks: waits for nothing, runs GET /health, then reads the version for the output', async () => {
    const app = await track(recordingServer(demoApp({ commit: NEW_COMMIT })));
    const run = await smokeTest({ url: app.url });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', version: NEW_COMMIT });
    expect(results(run)).toEqual([
      expect.objectContaining({ name: 'GET /health', passed: true, status: 200, attempts: 1, samples: 1 }),
    ]);
    expect(Number(run.outputs['duration-ms'])).toBeGreaterThanOrEqual(0);
    expect(run.outputs.report).toContain('### Smoke test passed ✅');
    expect(run.summary.trim()).toBe(run.outputs.report.trim());
    expect(app.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /health', 'GET /version']);
  });

  test('a deploy that switches version: waits for the new commit, then checks it', async () => {
    const deploy = await track(
      switchingDeploy({
        before: demoApp({ version: '1.0.0', commit: OLD_COMMIT }),
        after: demoApp({ version: '2.0.0', commit: NEW_COMMIT }),
        switchAfter: 3,
      }),
    );
    const run = await smokeTest({
      url: deploy.url,
      'expect-version': NEW_COMMIT.slice(0, 7),
      checks: '- { path: /version, expect-json: { version: "2.0.0" } }\n- path: /ready',
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', version: NEW_COMMIT });
    expect(run.stdout).toContain(`reports commit "${OLD_COMMIT}"`);
    expect(run.summary).toContain('| Version gate | live after 4 attempts');
    // The checks only started once the new version answered the gate.
    const order = deploy.requests.map((r) => r.url);
    expect(order.slice(0, 4)).toEqual(['/version', '/version', '/version', '/version']);
    expect(order.slice(4).sort()).toEqual(['/ready', '/version']);
    expect(results(run).every((result) => result.passed)).toBe(true);
  });

  test('mid-rollout answers (a 503, a dropped connection, a hung request) are "not yet" for the gate', async () => {
    const old = demoApp({ commit: OLD_COMMIT });
    let versionRequests = 0;
    const turbulent: RequestListener = (req, res) => {
      versionRequests += 1;
      if (versionRequests === 1) res.writeHead(503, { 'content-type': 'text/plain' }).end('draining');
      else if (versionRequests === 2) req.socket.destroy();
      else if (versionRequests !== 3) old(req, res); // the third is never answered: the request timeout ends it
    };
    const deploy = await track(
      switchingDeploy({ before: turbulent, after: demoApp({ commit: NEW_COMMIT }), switchAfter: 4 }),
    );
    const run = await smokeTest({ url: deploy.url, 'expect-version': NEW_COMMIT, 'request-timeout-seconds': 0.3 });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Attempt 1: HTTP 503: draining');
    expect(run.stdout).toMatch(/Attempt 2: connection (closed by the server|reset)/);
    expect(run.stdout).toContain('Attempt 3: no response within 300 ms');
    expect(run.stdout).toContain(`Attempt 4: reports commit "${OLD_COMMIT}"`);
    expect(run.outputs).toMatchObject({ passed: 'true', version: NEW_COMMIT });
  });

  test('a version that never arrives fails at the timeout with the last version seen, and runs no check', async () => {
    const app = await track(recordingServer(demoApp({ commit: OLD_COMMIT })));
    const run = await smokeTest({ url: app.url, 'expect-version': NEW_COMMIT, 'timeout-seconds': 0.5 });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ passed: 'false', version: OLD_COMMIT, results: '[]' });
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^Version gate: expected commit "${NEW_COMMIT}" at ${app.url}/version within 500 ms; ` +
          `last seen: reports commit "${OLD_COMMIT}" after \\d+ attempts$`,
      ),
    );
    expect(run.errors[1]).toBe(`Smoke test failed: ${app.url}/ never reported commit "${NEW_COMMIT}"`);
    expect(run.errors).toHaveLength(2);
    expect(run.summary).toContain('| Checks | not run: the expected version never went live |');
    expect(new Set(app.requests.map((r) => r.url))).toEqual(new Set(['/version']));
    expect(app.requests.length).toBeGreaterThan(2);
  });

  test.each([
    ['the version gate', { 'expect-version': NEW_COMMIT }],
    ['a check, without a version to wait for', {}],
  ])('an app that refuses connections for the first seconds: %s waits for it', async (_, inputs) => {
    const port = await refusingPort();
    // Refusals cannot be counted by a server that is not there, so this one scenario uses time:
    // long enough for the action to start and be refused, short enough to keep the suite fast.
    const late = setTimeout(() => void track(port.listen(demoApp({ commit: NEW_COMMIT }))), 2000);
    cleanups.push(async () => clearTimeout(late));
    const run = await smokeTest({ url: port.url, ...inputs });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('connection refused (ECONNREFUSED)');
    expect(run.outputs.passed).toBe('true');
    expect(run.outputs.version).toBe(NEW_COMMIT);
    if (!('expect-version' in inputs)) expect(results(run)[0].attempts).toBeGreaterThan(1);
  });

  test('checks that fail on body, JSON, header and latency: one error line each with expected and actual', async () => {
    const app = await track(recordingServer(withDelay(demoApp({ version: '1.0.0' }), { '/ready': 150 })));
    const run = await smokeTest({
      url: app.url,
      checks: [
        '- name: health body',
        '  path: /health',
        '  expect-body-contains: degraded',
        '- name: version json',
        '  path: /version',
        '  expect-json: { version: "2.0.0", builtAt: null }',
        '- name: home header',
        '  path: /',
        '  expect-header: { content-type: "/^text\\\\/html/" }',
        '- name: ready latency',
        '  path: /ready',
        '  max-latency-ms: 50',
        '- name: ready json',
        '  path: /ready',
        '  expect-json: { status: ready }',
        '  expect-header: { x-request-id: "/^[0-9a-f-]{36}$/", x-powered-by: null }',
      ].join('\n'),
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.passed).toBe('false');
    expect(run.errors).toEqual([
      'health body: expected body containing "degraded", got not found [HTTP 200]; body: {"status":"ok"}',
      'version json: expected JSON version = "2.0.0", got "1.0.0" [HTTP 200]; body: {"version":"1.0.0","commit":"aaaaaaa","builtAt":null}',
      expect.stringMatching(
        /^home header: expected header content-type matching \/\^text\\\/html\/, got "application\/json; charset=utf-8" \[HTTP 200\]; body: \{"name":"shipyard-demo-app",/,
      ),
      expect.stringMatching(/^ready latency: expected latency at most 50 ms, got \d+ ms \[HTTP 200\]$/),
      `Smoke test failed: 4 of 5 checks failed against ${app.url}/`,
    ]);
    const byName = Object.fromEntries(results(run).map((result) => [result.name, result]));
    expect(byName['ready json']).toMatchObject({ passed: true, status: 200 });
    expect(byName['version json'].mismatches).toEqual([
      { kind: 'json', expected: 'JSON version = "2.0.0"', actual: '"1.0.0"' },
    ]);
    expect(byName['ready latency'].latencyMs!.max).toBeGreaterThanOrEqual(150);
    // The job summary holds every check, passing ones included.
    for (const name of Object.keys(byName)) expect(run.summary).toContain(`| \`${name}\` |`);
    expect(run.summary).toContain('| Checks | 1 of 5 passed |');
  });

  test('samples and latency-p95-ms: every sample is sent and the p95 is judged', async () => {
    // The slow route is always over the threshold (its delay is longer); the threshold is high so
    // that a loaded machine (the full suite on two cores) cannot push the fast route over it too.
    const app = await track(recordingServer(withDelay(demoApp(), { '/ready': 1100 })));
    const run = await smokeTest({
      url: app.url,
      checks: '- path: /health\n- path: /ready',
      samples: 3,
      'latency-p95-ms': 1000,
      concurrency: 2,
    });
    expect(run.exitCode).toBe(1);
    const [health, ready] = results(run);
    expect(health).toMatchObject({ passed: true, attempts: 3, samples: 3 });
    expect(ready).toMatchObject({ passed: false, attempts: 3, samples: 3 });
    expect(ready.failure).toMatch(/^expected p95 latency at most 1000 ms over 3 samples, got \d+ ms$/);
    expect(ready.latencyMs!.min).toBeGreaterThanOrEqual(1100);
    expect(app.requests.filter((r) => r.url === '/ready')).toHaveLength(3);
  });

  test('checks from a file in the workspace, with methods, bodies and redirects', async () => {
    const app = demoApp();
    const server = await track(
      recordingServer((req, res) => {
        if (req.url === '/old-home') res.writeHead(301, { location: '/' }).end();
        else app(req, res);
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'smoke-workspace-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, '.github'));
    writeFileSync(
      join(dir, '.github', 'smoke.yml'),
      [
        '- name: redirect kept',
        '  path: /old-home',
        '  follow-redirects: false',
        '  expect-status: 301',
        '  expect-header: { location: / }',
        '- name: redirect followed',
        '  path: /old-home',
        '  expect-json: { name: shipyard-demo-app }',
        '- name: post not allowed',
        '  path: /health',
        '  method: POST',
        '  body: { probe: true }',
        '  expect-status: [404, 405]',
      ].join('\n'),
    );
    const run = await smokeTest({ url: server.url, checks: '.github/smoke.yml' }, { workspace: dir });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(results(run).map((result) => [result.name, result.status])).toEqual([
      ['redirect kept', 301],
      ['redirect followed', 200],
      ['post not allowed', 405],
    ]);
    const post = server.requests.find((r) => r.method === 'POST');
    expect(post?.headers['content-type']).toBe('application/json');
  });

  test("the repository's own .github/smoke/checks.yml passes against the demo app, as the workflows run it", async () => {
    const app = await track(recordingServer(demoApp({ commit: NEW_COMMIT })));
    const run = await smokeTest(
      { url: app.url, 'expect-version': NEW_COMMIT, checks: '.github/smoke/checks.yml', samples: 3 },
      { workspace: repoRoot },
    );
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(results(run).length).toBeGreaterThan(0);
    expect(results(run).every((result) => result.passed && result.samples === 3)).toBe(true);
  });

  test('headers go with every request and their values are masked before anything is logged', async () => {
    const app = await track(recordingServer(demoApp()));
    const token = 'tok-3f786850e387550f';
    const run = await smokeTest({
      url: app.url,
      'expect-version': 'aaaaaaa',
      headers: `Authorization: Bearer ${token}\nX-Deploy-Env: staging`,
    });
    expect(run.exitCode).toBe(0);
    expect(run.masked).toEqual(expect.arrayContaining([`Bearer ${token}`, token, 'staging']));
    const firstMask = run.stdout.indexOf('::add-mask::');
    expect(firstMask).toBeGreaterThanOrEqual(0);
    expect(run.stdout.indexOf('::group::')).toBeGreaterThan(firstMask);
    expect(run.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(token);
    expect(app.requests.length).toBeGreaterThan(0);
    for (const request of app.requests) {
      expect(request.headers).toMatchObject({ authorization: `Bearer ${token}`, 'x-deploy-env': 'staging' });
    }
  });
});

describe('bad input fails before any request is sent', () => {
  test.each([
    ['a URL without scheme', { url: 'staging.example.com' }, "Input 'url' is not a valid URL: 'staging.example.com'"],
    ['invalid YAML', { checks: '- path: /health\n  expect-status: [200' }, "Input 'checks' is not valid JSON or YAML"],
    ['an unknown check key', { checks: '- path: /health\n  expect_status: 200' }, "unknown key 'expect_status'"],
    ['an expect-status that is not a code', { checks: '- { path: /, expect-status: okay }' }, 'expect-status "okay"'],
    ['a negative timeout', { 'timeout-seconds': -1 }, "Input 'timeout-seconds' must be at least 0, got -1"],
    [
      'a negative request timeout',
      { 'request-timeout-seconds': -2 },
      "Input 'request-timeout-seconds' must be at least",
    ],
    ['a negative interval', { 'interval-seconds': -0.5 }, "Input 'interval-seconds' must be at least 0.01"],
    ['a check path without slash', { checks: '- path: health' }, "path 'health' must start with /"],
    [
      'a checks file that is missing',
      { checks: 'smoke/missing.yml' },
      "Input 'checks' names a file that cannot be read",
    ],
    ['zero samples', { samples: 0 }, "Input 'samples' must be at least 1, got 0"],
    ['a header line without colon', { headers: 'Authorization Bearer x' }, "Input 'headers' has a line"],
  ])('%s', async (_, inputs, message) => {
    const app = await track(recordingServer(demoApp()));
    const run = await smokeTest({ url: app.url, 'expect-version': 'aaaaaaa', ...inputs });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(message);
    expect(run.outputs).toEqual({});
    expect(app.requests).toEqual([]);
  });
});
