import { describe, expect, test } from '@jest/globals';
import { listenOnLoopback } from '@shipyard/harness/listen';
import { parseJsonPath, type JsonPath } from '../src/json-path.js';
import type { ProbeOutcome } from '../src/probe.js';
import { readCurrentVersion, readVersion, versionMatches, waitForVersion } from '../src/version.js';

describe('versionMatches', () => {
  const sha = '3f786850e387550fdab836ed7e6dc881de23001b';
  test.each([
    ['1.2.3', '1.2.3', true],
    ['1.2.3', '1.2.30', false],
    ['v1.2.3', '1.2.3', false],
    [sha, sha, true],
    [sha, sha.slice(0, 7), true],
    [sha.slice(0, 7), sha, true],
    [sha.slice(0, 12), sha.slice(0, 8), false], // neither is a full SHA: no way to know they are one commit
    ['12345678', '1234567', false], // build numbers, not abbreviations
    ['a'.repeat(64), 'a'.repeat(10), true], // SHA-256 repositories
    [sha.toUpperCase(), sha.slice(0, 7), true],
    [sha, '3f78685', true],
    [sha, '3f78686', false],
    [sha, '3f7868', false], // six characters is too short to stand for a commit
    ['3f786850', '3f786850-dirty', false],
    ['', sha, false],
  ])('expected %j, reported %j: %s', (expected, reported, live) => {
    expect(versionMatches(expected, reported)).toBe(live);
  });
});

describe('readVersion', () => {
  const response = (status: number, body: string): ProbeOutcome => ({
    kind: 'response',
    status,
    body,
    headers: new Headers(),
    latencyMs: 1,
    finalUrl: 'http://app/version',
  });

  test.each([
    [response(200, '{"commit":"abc1234"}'), ['commit'], { version: 'abc1234' }],
    [response(200, '{"build":{"number":42}}'), ['build', 'number'], { version: '42' }],
    [response(200, '{"releases":[{"tag":"v2"}]}'), ['releases', '0', 'tag'], { version: 'v2' }],
    [response(503, 'Service Unavailable'), ['commit'], { problem: 'HTTP 503: Service Unavailable' }],
    [response(404, ''), ['commit'], { problem: 'HTTP 404' }],
    [response(200, '<html>hi</html>'), ['commit'], { problem: 'the body is not JSON: <html>hi</html>' }],
    [response(200, '{"version":"1"}'), ['commit'], { problem: `no 'commit' in {"version":"1"}` }],
    [response(200, '{"commit":null}'), ['commit'], { problem: `'commit' is null, not a string` }],
    [
      { kind: 'error', reason: 'connection refused (ECONNREFUSED)', transient: true, latencyMs: 1 } as ProbeOutcome,
      ['commit'],
      { problem: 'connection refused (ECONNREFUSED)' },
    ],
  ])('answer %#', (outcome, field, reading) => {
    expect(readVersion(outcome, field, field.join('.'))).toEqual(reading);
  });
});

describe('the version gate against a server', () => {
  const field = (parseJsonPath('commit') as { path: JsonPath }).path;
  const source = (url: string) => ({
    url: `${url}/version`,
    field,
    fieldText: 'commit',
    headers: {},
    requestTimeoutMs: 2000,
    followRedirects: true,
  });
  /** The old commit for the first `switchAfter` answers, then the new one. */
  const rollout = (switchAfter: number) => {
    let answers = 0;
    return listenOnLoopback((_, res) => {
      answers += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ commit: answers > switchAfter ? 'new1234' : 'old1234' }));
    });
  };

  test('waits until the app reports the expected version, counting attempts and logging each one', async () => {
    const app = await rollout(2);
    const lines: string[] = [];
    const result = await waitForVersion({
      ...source(app.url),
      expected: 'new1234',
      intervalMs: 10,
      timeoutMs: 10_000,
      log: (line) => lines.push(line),
    });
    expect(result).toMatchObject({
      live: true,
      reported: 'new1234',
      lastSeen: 'reports commit "new1234"',
      attempts: 3,
    });
    expect(lines).toEqual([
      'Attempt 1: reports commit "old1234"; waiting for "new1234"',
      'Attempt 2: reports commit "old1234"; waiting for "new1234"',
    ]);
  });

  test('a version that never comes: not live, with the last answer and version seen', async () => {
    const app = await rollout(Number.POSITIVE_INFINITY);
    const result = await waitForVersion({ ...source(app.url), expected: 'new1234', intervalMs: 10, timeoutMs: 50 });
    expect(result).toMatchObject({ live: false, reported: 'old1234', lastSeen: 'reports commit "old1234"' });
    expect(result.attempts).toBeGreaterThanOrEqual(2);
  });

  test('readCurrentVersion asks once: the version, or why there is none', async () => {
    const app = await rollout(0);
    expect(await readCurrentVersion(source(app.url))).toEqual({ version: 'new1234' });
    const empty = await listenOnLoopback((_, res) => res.writeHead(404).end('gone'));
    expect(await readCurrentVersion(source(empty.url))).toEqual({ problem: 'HTTP 404: gone' });
  });
});
