import { describe, expect, test } from '@jest/globals';
import type { ProbeOutcome } from '../src/probe.js';
import { readVersion, versionMatches } from '../src/version.js';

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
