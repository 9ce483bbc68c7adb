import { describe, expect, test } from '@jest/globals';
import {
  checkFailureLine,
  checkLogLine,
  failureLines,
  passed,
  renderSummary,
  resultsJson,
  type SmokeTestOutcome,
} from '../src/report.js';
import type { CheckResult } from '../src/run-checks.js';

const ok: CheckResult = {
  name: 'GET /health',
  method: 'GET',
  path: '/health',
  passed: true,
  status: 200,
  attempts: 1,
  samples: 1,
  latencyMs: { min: 2.1, p50: 2.1, p95: 2.1, max: 2.1 },
  mismatches: [],
};

const wrongJson: CheckResult = {
  name: 'version | json',
  method: 'GET',
  path: '/version',
  passed: false,
  status: 200,
  attempts: 1,
  samples: 1,
  latencyMs: { min: 3, p50: 3, p95: 3, max: 3 },
  mismatches: [{ kind: 'json', expected: 'JSON version = "2.0.0"', actual: '"1.0.0"' }],
  failure: 'expected JSON version = "2.0.0", got "1.0.0"',
  bodyExcerpt: '{"version":"1.0.0","note":"`ticks`"}',
};

const neverUp: CheckResult = {
  name: 'GET /ready',
  method: 'GET',
  path: '/ready',
  passed: false,
  attempts: 7,
  samples: 0,
  mismatches: [{ kind: 'request', expected: 'a response', actual: 'connection refused (ECONNREFUSED)' }],
  failure: 'expected a response, got connection refused (ECONNREFUSED)',
};

const outcome = (overrides: Partial<SmokeTestOutcome> = {}): SmokeTestOutcome => ({
  url: 'https://staging.example.com/',
  versionUrl: 'https://staging.example.com/version',
  versionField: 'commit',
  expectVersion: 'abc1234',
  gate: { live: true, reported: 'abc1234', lastSeen: 'reports commit "abc1234"', attempts: 3, waitedMs: 10_500 },
  reportedVersion: 'abc1234',
  results: [ok],
  timeoutMs: 300_000,
  durationMs: 11_200,
  ...overrides,
});

describe('passed', () => {
  test.each([
    ['every check passed', outcome(), true],
    ['no version expected, checks passed', outcome({ gate: undefined, expectVersion: undefined }), true],
    ['a check failed', outcome({ results: [ok, wrongJson] }), false],
    [
      'the version never went live',
      outcome({ gate: { live: false, lastSeen: 'x', attempts: 2, waitedMs: 1 }, results: undefined }),
      false,
    ],
  ])('%s', (_, given, expected) => {
    expect(passed(given)).toBe(expected);
  });
});

describe('failure lines', () => {
  test('one per failing check, with expected, actual, status and the body', () => {
    expect(failureLines(outcome({ results: [ok, wrongJson, neverUp] }))).toEqual([
      'version | json: expected JSON version = "2.0.0", got "1.0.0" [HTTP 200]; body: {"version":"1.0.0","note":"`ticks`"}',
      'GET /ready: expected a response, got connection refused (ECONNREFUSED) (after 7 attempts)',
    ]);
  });

  test('a status mismatch does not repeat the status', () => {
    const line = checkFailureLine({
      ...ok,
      passed: false,
      status: 404,
      mismatches: [{ kind: 'status', expected: 'status 2xx', actual: '404' }],
      failure: 'expected status 2xx, got 404',
    });
    expect(line).toBe('GET /health: expected status 2xx, got 404');
  });

  test('the version gate: what was expected, where, and the last version seen', () => {
    const lines = failureLines(
      outcome({
        timeoutMs: 2000,
        gate: {
          live: false,
          reported: '0ld0ld0',
          lastSeen: 'HTTP 503: Service Unavailable',
          attempts: 11,
          waitedMs: 2003,
        },
        reportedVersion: '0ld0ld0',
        results: undefined,
      }),
    );
    expect(lines).toEqual([
      'Version gate: expected commit "abc1234" at https://staging.example.com/version within 2 s; ' +
        'last seen: HTTP 503: Service Unavailable (last version reported: "0ld0ld0") after 11 attempts',
    ]);
  });

  test('nothing when all passed', () => {
    expect(failureLines(outcome())).toEqual([]);
  });
});

describe('renderSummary', () => {
  test('a passing run: the facts and one row per check', () => {
    expect(renderSummary(outcome())).toBe(
      [
        '### Smoke test passed ✅',
        '',
        '|  |  |',
        '| --- | --- |',
        '| URL | https://staging.example.com/ |',
        '| Expected version | `abc1234` |',
        '| Reported version | `abc1234` |',
        '| Version gate | live after 3 attempts (10.5 s) |',
        '| Checks | 1 of 1 passed |',
        '| Duration | 11.2 s |',
        '',
        '| Check | Result | Status | Attempts | Min | p50 | p95 | Max | Details |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        '| `GET /health` | ✅ passed | 200 | 1 | 2.1 ms | 2.1 ms | 2.1 ms | 2.1 ms |  |',
      ].join('\n'),
    );
  });

  test('a failing run keeps every check, escapes pipes and shows the body excerpt', () => {
    const report = renderSummary(outcome({ results: [ok, wrongJson, neverUp] }));
    expect(report).toContain('### Smoke test failed ❌');
    expect(report).toContain('| Checks | 1 of 3 passed |');
    expect(report).toContain(
      '| `version \\| json` | ❌ failed | 200 | 1 | 3 ms | 3 ms | 3 ms | 3 ms | expected JSON version = "2.0.0", got "1.0.0"<br>body: `{"version":"1.0.0","note":"\'ticks\'"}` |',
    );
    expect(report).toContain(
      '| `GET /ready` | ❌ failed | – | 7 | – | – | – | – | expected a response, got connection refused (ECONNREFUSED) |',
    );
  });

  test('without an expected version there is no gate row', () => {
    const report = renderSummary(outcome({ gate: undefined, expectVersion: undefined, reportedVersion: undefined }));
    expect(report).not.toContain('Expected version');
    expect(report).not.toContain('Version gate');
    expect(report).toContain('| Reported version | not reported |');
  });

  test('a version that never went live: the gate says why and the checks did not run', () => {
    const report = renderSummary(
      outcome({
        timeoutMs: 5000,
        gate: { live: false, reported: '0ld0ld0', lastSeen: 'reports commit "0ld0ld0"', attempts: 6, waitedMs: 5010 },
        reportedVersion: '0ld0ld0',
        results: undefined,
      }),
    );
    expect(report).toContain('| Version gate | not live within 5 s: reports commit "0ld0ld0" |');
    expect(report).toContain('| Checks | not run: the expected version never went live |');
    expect(report).not.toContain('| Check | Result');
  });
});

test('resultsJson is the per-check list, empty when checks did not run', () => {
  expect(JSON.parse(resultsJson([ok]))).toEqual([ok]);
  expect(resultsJson(undefined)).toBe('[]');
});

test.each([
  [ok, '✓ GET /health: 200, p50 2.1 ms'],
  [wrongJson, '✗ version | json: 200, p50 3 ms, expected JSON version = "2.0.0", got "1.0.0"'],
  [neverUp, '✗ GET /ready: no response, expected a response, got connection refused (ECONNREFUSED)'],
])('checkLogLine %#', (result, line) => {
  expect(checkLogLine(result)).toBe(line);
});
