import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { inputEnv } from '@shipyard/harness/inputs';
import { temporaryFolder } from '@shipyard/harness/temp';
import { defaultCheck } from '../src/checks.js';
import { getInputs, secretsOf } from '../src/inputs.js';

describe('getInputs', () => {
  test('defaults: one GET /health check, 300 s every 5 s, 10 s per request', () => {
    const inputs = getInputs(inputEnv({ url: 'https://app.example.com' }));
    expect(inputs).toEqual({
      baseUrl: new URL('https://app.example.com'),
      expectVersion: undefined,
      versionPath: '/version',
      versionField: ['commit'],
      versionFieldText: 'commit',
      timeoutMs: 300_000,
      intervalMs: 5_000,
      requestTimeoutMs: 10_000,
      checks: [defaultCheck()],
      samples: 1,
      latencyP95Ms: undefined,
      concurrency: 4,
      followRedirects: true,
      forwardHeadersOnRedirect: false,
      headers: {},
      secrets: [],
    });
  });

  test('every input given', () => {
    const inputs = getInputs(
      inputEnv({
        url: 'http://127.0.0.1:8080/app/',
        'expect-version': ' 3f78685 ',
        'version-path': '/meta/version',
        'version-field': 'build.commit',
        'timeout-seconds': '1.5',
        'interval-seconds': '0.1',
        'request-timeout-seconds': '0.25',
        checks: '- path: /health\n- path: /ready',
        samples: '20',
        'latency-p95-ms': '250.5',
        concurrency: '8',
        'follow-redirects': 'false',
        headers: 'Authorization: Bearer abc.def\n# a comment\nX-Env: staging: blue\n',
      }),
    );
    expect(inputs).toMatchObject({
      expectVersion: '3f78685',
      versionPath: '/meta/version',
      versionField: ['build', 'commit'],
      timeoutMs: 1500,
      intervalMs: 100,
      requestTimeoutMs: 250,
      samples: 20,
      latencyP95Ms: 250.5,
      concurrency: 8,
      followRedirects: false,
      headers: { Authorization: 'Bearer abc.def', 'X-Env': 'staging: blue' },
    });
    expect(inputs.checks.map((check) => check.path)).toEqual(['/health', '/ready']);
    expect(inputs.baseUrl.href).toBe('http://127.0.0.1:8080/app/');
  });

  test('every headers value is a secret, and so is the credential after its scheme', () => {
    const inputs = getInputs(
      inputEnv({ url: 'https://x.test', headers: 'Authorization: Bearer abc.def\nX-Env: staging' }),
    );
    expect(inputs.secrets).toEqual(['Bearer abc.def', 'abc.def', 'staging']);
  });

  test("credential-like headers in a check's own headers are secrets too, others are not", () => {
    const inputs = getInputs(
      inputEnv({
        url: 'https://x.test',
        checks: '- path: /\n  headers: { X-Api-Key: k-123, Accept: text/html, Cookie: "session=s1" }',
      }),
    );
    expect(inputs.secrets).toEqual(['k-123', 'session=s1']);
  });

  test('checks from a YAML file in the workspace', () => {
    const workspace = temporaryFolder('smoke-inputs-');
    writeFileSync(join(workspace, 'smoke.yml'), '- path: /from-file\n  expect-status: 204\n');
    const inputs = getInputs(inputEnv({ url: 'https://x.test', checks: 'smoke.yml' }, { GITHUB_WORKSPACE: workspace }));
    expect(inputs.checks[0]).toMatchObject({ path: '/from-file', expectStatus: { codes: [204] } });
  });

  test.each([
    [{ url: '' }, /Input 'url' is required/],
    [{ url: 'app.example.com' }, /Input 'url' is not a valid URL: 'app.example.com'. Give a full URL with its scheme/],
    [{ url: 'ftp://app.example.com' }, /Input 'url' must be an http or https URL/],
    [{ url: 'https://user:pw@app.example.com' }, /Input 'url' must not hold credentials/],
    [{ url: 'https://app.example.com/?env=blue' }, /Input 'url' must not have a query or fragment, got '\?env=blue'/],
    [{ 'version-path': 'version' }, /Input 'version-path' must start with \//],
    [{ 'version-field': 'build..sha' }, /Input 'version-field' 'build..sha' has an empty segment/],
    [{ 'timeout-seconds': '-1' }, /Input 'timeout-seconds' must be at least 0, got -1/],
    [{ 'timeout-seconds': 'soon' }, /Input 'timeout-seconds' must be a number, got 'soon'/],
    [{ 'timeout-seconds': '99999' }, /Input 'timeout-seconds' must be at most 21600/],
    [{ 'interval-seconds': '0' }, /Input 'interval-seconds' must be at least 0.01, got 0/],
    [{ 'interval-seconds': '-5' }, /Input 'interval-seconds' must be at least 0.01/],
    [{ 'request-timeout-seconds': '-0.5' }, /Input 'request-timeout-seconds' must be at least 0.01/],
    [{ 'request-timeout-seconds': '601' }, /Input 'request-timeout-seconds' must be at most 600/],
    [{ samples: '0' }, /Input 'samples' must be at least 1/],
    [{ samples: '2.5' }, /Input 'samples' must be a whole number/],
    [{ concurrency: '65' }, /Input 'concurrency' must be at most 64/],
    [{ 'latency-p95-ms': '-3' }, /Input 'latency-p95-ms' must be at least 0.001/],
    [{ 'follow-redirects': 'maybe' }, /Input 'follow-redirects' must be true or false/],
    [{ headers: 'Authorization Bearer abc' }, /Input 'headers' has a line that is not "Name: value"/],
    [{ headers: 'Bad Name: x' }, /Input 'headers' has an invalid name in header 1 \(its text is not shown/],
    [{ checks: '- path: /\n  bogus: 1' }, /Input 'checks' check 1: unknown key 'bogus'/],
    [{ checks: '- path: [' }, /Input 'checks' is not valid JSON or YAML \(inline\)/],
    [{ checks: 'missing.yml' }, /Input 'checks' names a file that cannot be read: .*missing.yml \(ENOENT\)/],
  ])('%j: %s', (given, message) => {
    expect(() => getInputs(inputEnv({ url: 'https://x.test', ...given }))).toThrow(message);
  });

  test.each([
    [
      'every headers value',
      { headers: { 'X-Deploy-Env': 'staging', Authorization: 'Bearer abcdef' } },
      ['staging', 'Bearer abcdef', 'abcdef'],
    ],
    [
      'not the values of headers that describe the request',
      { headers: { Accept: 'application/json', 'User-Agent': 'smoke/1' } },
      [],
    ],
    [
      'a credential-like name even when public-looking or short',
      { headers: { 'X-Api-Key': 'k1', Cookie: 'a=b' } },
      ['k1', 'a=b'],
    ],
    ['not a short value under an ordinary name', { headers: { 'X-Tenant': '42' } }, []],
    [
      'Basic: the value, the base64, the decoded user:password and the password',
      { headers: { Authorization: `Basic ${Buffer.from('deployer:hunter22').toString('base64')}` } },
      [`Basic ZGVwbG95ZXI6aHVudGVyMjI=`, 'ZGVwbG95ZXI6aHVudGVyMjI=', 'deployer:hunter22', 'hunter22'],
    ],
  ])('secrets: %s', (_, { headers }, expected) => {
    expect(secretsOf([headers])).toEqual(expected);
  });

  test('secrets come from the headers input and from every check', () => {
    const inputs = getInputs(
      inputEnv({
        url: 'https://x.test',
        headers: 'X-Session: sess-123456',
        checks: '- { path: /a, headers: { X-Request-Tag: smoke-run } }\n- { path: /b, headers: { Accept: text/html } }',
      }),
    );
    expect(inputs.secrets).toEqual(['sess-123456', 'smoke-run']);
  });

  test('a header line that is wrong is not echoed: it may hold a token', () => {
    expect(() => getInputs(inputEnv({ url: 'https://x.test', headers: 'Authorization Bearer s3cr3t' }))).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cr3t') }),
    );
  });
});
