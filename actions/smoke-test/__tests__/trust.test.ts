import { afterEach, describe, expect, test } from '@jest/globals';
import { runAction, type ActionRun, type RunActionOptions } from '../../../test/harness/run-action.js';
import type { CheckResult } from '../src/run-checks.js';
import { recordingServer } from './servers.js';

/**
 * The bundle, run as the runner runs it, against servers written to break it: a body a
 * backtracking regular expression would never finish, a body that never ends, and a redirect to
 * another origin that would collect the user's headers.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function server(...args: Parameters<typeof recordingServer>) {
  const running = await recordingServer(...args);
  cleanups.push(() => running.close());
  return running;
}

function smokeTest(inputs: RunActionOptions['inputs']) {
  return runAction('smoke-test', {
    // Far beyond what these runs need; a run the harness has to kill reports exit code null.
    timeoutMs: 30_000,
    inputs: { 'interval-seconds': 0.1, 'timeout-seconds': 0, 'request-timeout-seconds': 5, ...inputs },
  });
}

const results = (run: ActionRun) => JSON.parse(run.outputs.results) as CheckResult[];

describe('a catastrophic pattern cannot hang the action', () => {
  test('^(a+)+$ against 50,000 a and a ! in a JSON value and a header: the check fails, a matching one passes', async () => {
    const evil = `${'a'.repeat(50_000)}!`;
    const app = await server((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-name': evil.slice(-8000) });
      res.end(JSON.stringify({ name: evil }));
    });
    const run = await smokeTest({
      url: app.url,
      checks: [
        '- name: catastrophic',
        '  path: /',
        '  expect-json: { name: "/^(a+)+$/" }',
        '  expect-header: { x-name: "/^(a|aa)+$/" }',
        '- name: matching',
        '  path: /',
        '  expect-json: { name: "/^(a+)+!$/" }',
        '  expect-header: { x-name: "/^(a|aa)+!$/" }',
      ].join('\n'),
    });
    expect(run.exitCode).toBe(1);
    expect(
      results(run).map((result) => [result.name, result.passed, result.mismatches.map((m) => m.expected)]),
    ).toEqual([
      ['catastrophic', false, ['JSON name = matching /^(a+)+$/', 'header x-name matching /^(a|aa)+$/']],
      ['matching', true, []],
    ]);
    expect(run.errors[0]).toMatch(
      /^catastrophic: expected JSON name = matching \/\^\(a\+\)\+\$\/, got "a+… \(\d+ more characters not shown\)/,
    );
  });
});

describe('every network wait is bounded by the action’s timeouts', () => {
  test('headers, then a body that trickles forever: the check fails at request-timeout-seconds', async () => {
    const app = await server((req, res) => {
      if (req.url !== '/trickle') return res.end('{}');
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const run = await smokeTest({ url: app.url, checks: '- path: /trickle', 'request-timeout-seconds': 0.5 });
    expect(run.exitCode).toBe(1);
    expect(results(run)[0]).toMatchObject({
      passed: false,
      failure: 'expected a response, got no response within 500 ms',
    });
  });
});

describe('headers never follow a redirect to another origin unless asked to', () => {
  const TOKEN = 'tok_5c1f0e9d8b7a6f5e4d3c2b1a';

  async function redirectToOther() {
    const other = await server((_, res) => res.end('ok'));
    const app = await server((req, res) => {
      if (req.url === '/start') res.writeHead(307, { location: '/moved' }).end();
      else if (req.url === '/moved') res.writeHead(302, { location: `${other.url}/landing` }).end();
      else res.writeHead(404).end();
    });
    return { app, other };
  }

  test.each([
    ['not given (default false)', undefined, false],
    ['false', 'false', false],
    ['true', 'true', true],
  ])('forward-headers-on-redirect %s', async (_, forward, expected) => {
    const { app, other } = await redirectToOther();
    const run = await smokeTest({
      url: app.url,
      headers: `Authorization: Bearer ${TOKEN}\nX-Api-Key: key-1234567890`,
      checks: '- { path: /start, headers: { X-Custom-Secret: custom-0987654321 } }',
      'forward-headers-on-redirect': forward,
    });
    expect(run.exitCode).toBe(0);
    // The first origin had every header on both hops.
    expect(app.requests.map((request) => request.url)).toEqual(['/start', '/moved', '/version']);
    for (const request of app.requests.slice(0, 2)) {
      expect(request.headers).toMatchObject({ 'x-api-key': 'key-1234567890', 'x-custom-secret': 'custom-0987654321' });
    }
    const landing = other.requests.filter((request) => request.url === '/landing');
    expect(landing).toHaveLength(1);
    const carried = ['authorization', 'x-api-key', 'x-custom-secret'].filter((name) => landing[0].headers[name]);
    expect(carried).toEqual(expected ? ['authorization', 'x-api-key', 'x-custom-secret'] : []);
  });
});
