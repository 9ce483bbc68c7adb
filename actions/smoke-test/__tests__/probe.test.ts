import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { describeFetchError, probe, retryAfterMs, type ProbeOutcome, type ProbeRequest } from '../src/probe.js';
import { listen, refusingPort, type RunningServer } from './servers.js';

const request = (url: string, overrides: Partial<ProbeRequest> = {}): ProbeRequest => ({
  url,
  method: 'GET',
  headers: {},
  timeoutMs: 2000,
  followRedirects: true,
  ...overrides,
});

describe('probe', () => {
  let server: RunningServer;
  const seen: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = await listen((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url === '/moved') {
          res.writeHead(302, { location: '/target' }).end('moved');
        } else if (req.url === '/reset') {
          req.socket.destroy();
        } else if (req.url === '/hang') {
          // Never answers: the request timeout must end it.
        } else {
          res.writeHead(200, { 'content-type': 'text/plain', 'x-served': req.url ?? '' }).end(`hello ${req.url}`);
        }
      });
    });
  });
  afterAll(() => server.close());

  test('a response: status, headers, the whole body and its latency', async () => {
    const outcome = await probe(request(`${server.url}/plain`));
    expect(outcome).toMatchObject({
      kind: 'response',
      status: 200,
      body: 'hello /plain',
      finalUrl: `${server.url}/plain`,
    });
    expect(outcome.kind === 'response' && outcome.headers.get('x-served')).toBe('/plain');
    expect(outcome.latencyMs).toBeGreaterThan(0);
  });

  test('sends the method, headers and body', async () => {
    await probe(request(`${server.url}/echo`, { method: 'POST', headers: { 'x-token': 't' }, body: '{"a":1}' }));
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/echo', body: '{"a":1}', headers: { 'x-token': 't' } });
  });

  test('follows redirects by default', async () => {
    const outcome = await probe(request(`${server.url}/moved`));
    expect(outcome).toMatchObject({
      kind: 'response',
      status: 200,
      body: 'hello /target',
      finalUrl: `${server.url}/target`,
    });
  });

  test('without following, the 3xx itself is the answer', async () => {
    const outcome = await probe(request(`${server.url}/moved`, { followRedirects: false }));
    expect(outcome).toMatchObject({ kind: 'response', status: 302, body: 'moved' });
    expect(outcome.kind === 'response' && outcome.headers.get('location')).toBe('/target');
  });

  test('a connection the server drops is a transient error', async () => {
    expect(await probe(request(`${server.url}/reset`))).toMatchObject({
      kind: 'error',
      reason: expect.stringMatching(/connection (closed by the server|reset)/),
      transient: true,
    });
  });

  test('no answer within the request timeout is a transient error, ended on time', async () => {
    const outcome = await probe(request(`${server.url}/hang`, { timeoutMs: 150 }));
    expect(outcome).toMatchObject({ kind: 'error', reason: 'no response within 150 ms', transient: true });
    expect(outcome.latencyMs).toBeLessThan(1500);
  });

  test('a refused connection is a transient error', async () => {
    const closed = await refusingPort();
    expect(await probe(request(`${closed.url}/health`))).toMatchObject({
      kind: 'error',
      reason: 'connection refused (ECONNREFUSED)',
      transient: true,
    });
  });
});

describe('describeFetchError', () => {
  const fetchFailed = (code: string, message = `${code} happened`) =>
    Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(message), { code }) });

  test.each([
    [fetchFailed('ECONNRESET'), 'connection reset (ECONNRESET)', true],
    [fetchFailed('ENOTFOUND'), 'host name not found (ENOTFOUND)', true],
    [fetchFailed('UND_ERR_CONNECT_TIMEOUT'), 'connection timed out (UND_ERR_CONNECT_TIMEOUT)', true],
    [fetchFailed('CERT_HAS_EXPIRED', 'certificate has expired'), 'certificate has expired (CERT_HAS_EXPIRED)', false],
    [new TypeError('fetch failed'), 'fetch failed', false],
    [Object.assign(new Error('aborted'), { name: 'TimeoutError' }), 'no response within 2 s', true],
  ])('%#: %s', (error, reason, transient) => {
    expect(describeFetchError(error, 2000)).toEqual({ reason, transient });
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  const answer = (headers: Record<string, string>): ProbeOutcome => ({
    kind: 'response',
    status: 503,
    headers: new Headers(headers),
    body: '',
    latencyMs: 1,
    finalUrl: 'http://app/',
  });

  test.each([
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': ' 0 ' }, 0],
    [{ 'retry-after': 'Fri, 27 Nov 2026 12:00:10 GMT' }, 10_000],
    [{ 'retry-after': 'Fri, 27 Nov 2026 11:59:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after': '-5' }, undefined],
    [{}, undefined],
  ])('%j -> %p', (headers, ms) => {
    expect(retryAfterMs(answer(headers), now)).toBe(ms);
  });

  test('an error has no retry-after', () => {
    expect(retryAfterMs({ kind: 'error', reason: 'x', transient: true, latencyMs: 1 }, now)).toBeUndefined();
  });
});
