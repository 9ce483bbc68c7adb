import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Redactor } from '@shipyard/shared/redact';
import { parse as parseYaml } from 'yaml';
import { deadlineIn } from '@shipyard/shared/poll';
import { parseChecks } from '../src/checks.js';
import { BODY_LIMIT_BYTES, probe, type ProbeRequest } from '../src/probe.js';
import { runChecks } from '../src/run-checks.js';
import { listen, type RunningServer } from './servers.js';

/**
 * What probe() does at the wire with what the user trusted it with: headers only to the origin
 * they were meant for, every wait bounded by the request timeout, what the app echoes redacted.
 */

const TOKEN = 'tok_3f9a8c7e6d5b4a3928171605f4e3d2c1';
const userHeaders = { authorization: `Bearer ${TOKEN}`, 'x-api-key': 'key-0123456789', 'x-tenant': 'acme-prod' };

const request = (url: string, overrides: Partial<ProbeRequest> = {}): ProbeRequest => ({
  url,
  method: 'GET',
  headers: userHeaders,
  timeoutMs: 3000,
  followRedirects: true,
  ...overrides,
});

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('redirects', () => {
  let app: RunningServer;
  let other: RunningServer;
  const atApp: Seen[] = [];
  const atOther: Seen[] = [];

  beforeAll(async () => {
    other = await listen((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        atOther.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url === '/back') res.writeHead(302, { location: `${app.url}/landing` }).end();
        else res.writeHead(200).end('elsewhere');
      });
    });
    app = await listen((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        atApp.push({ method: req.method, url: req.url, headers: req.headers, body });
        const redirect = /^\/(30[12378])\/(same|other|bounce)$/.exec(req.url ?? '');
        if (redirect) {
          const target = { same: '/landing', other: `${other.url}/landing`, bounce: `${other.url}/back` }[redirect[2]];
          res.writeHead(Number(redirect[1]), { location: target }).end();
        } else if (req.url?.startsWith('/loop')) {
          res.writeHead(302, { location: `/loop${Number(req.url.slice(5) || 0) + 1}` }).end();
        } else if (req.url === '/ftp') {
          res.writeHead(302, { location: 'ftp://files.example.com/x' }).end();
        } else {
          res.writeHead(200).end('landed');
        }
      });
    });
  });
  afterAll(async () => {
    await app.close();
    await other.close();
  });

  const sentHeaders = (seen: Seen) => Object.keys(userHeaders).filter((name) => seen.headers[name] !== undefined);

  test.each([302, 301, 303, 307, 308])('%i to another origin: followed, with none of the headers', async (status) => {
    atOther.length = 0;
    const outcome = await probe(request(`${app.url}/${status}/other`));
    expect(outcome).toMatchObject({
      kind: 'response',
      status: 200,
      body: 'elsewhere',
      finalUrl: `${other.url}/landing`,
    });
    expect(atOther).toHaveLength(1);
    expect(sentHeaders(atOther[0])).toEqual([]);
  });

  test.each([302, 307])('%i on the same origin: the headers are kept', async (status) => {
    atApp.length = 0;
    const outcome = await probe(request(`${app.url}/${status}/same`));
    expect(outcome).toMatchObject({ kind: 'response', status: 200, body: 'landed' });
    expect(atApp.map((seen) => [seen.url, sentHeaders(seen)])).toEqual([
      [`/${status}/same`, Object.keys(userHeaders)],
      ['/landing', Object.keys(userHeaders)],
    ]);
  });

  test('with forwardHeadersOnRedirect the other origin gets them too', async () => {
    atOther.length = 0;
    await probe(request(`${app.url}/302/other`, { forwardHeadersOnRedirect: true }));
    expect(sentHeaders(atOther[0])).toEqual(Object.keys(userHeaders));
  });

  test('back on the first origin after a detour, the headers are sent there again, never to the detour', async () => {
    atApp.length = 0;
    atOther.length = 0;
    const outcome = await probe(request(`${app.url}/302/bounce`));
    expect(outcome).toMatchObject({ kind: 'response', status: 200, finalUrl: `${app.url}/landing` });
    expect(sentHeaders(atOther[0])).toEqual([]);
    expect(atApp.map((seen) => [seen.url, sentHeaders(seen).length])).toEqual([
      ['/302/bounce', 3],
      ['/landing', 3],
    ]);
  });

  test.each([
    [303, 'POST', 'GET', ''],
    [302, 'POST', 'GET', ''],
    [307, 'POST', 'POST', '{"a":1}'],
    [308, 'PUT', 'PUT', '{"a":1}'],
  ])('%i after %s continues as %s', async (status, method, then, body) => {
    atApp.length = 0;
    await probe(
      request(`${app.url}/${status}/same`, {
        method,
        body: '{"a":1}',
        headers: { ...userHeaders, 'content-type': 'application/json' },
      }),
    );
    expect(atApp[1]).toMatchObject({ method: then, url: '/landing', body });
    expect(atApp[1].headers['content-type'] === 'application/json').toBe(body !== '');
  });

  test('without followRedirects the 3xx itself comes back, nothing else is asked', async () => {
    atOther.length = 0;
    const outcome = await probe(request(`${app.url}/302/other`, { followRedirects: false }));
    expect(outcome).toMatchObject({ kind: 'response', status: 302 });
    expect(atOther).toHaveLength(0);
  });

  test('more than 20 redirects fail the request, not retried', async () => {
    const outcome = await probe(request(`${app.url}/loop`));
    expect(outcome).toMatchObject({ kind: 'error', reason: 'more than 20 redirects', transient: false });
  });

  test('a redirect to a scheme other than http(s) is not followed', async () => {
    const outcome = await probe(request(`${app.url}/ftp`));
    expect(outcome).toMatchObject({ kind: 'error', reason: 'HTTP 302 redirect to a ftp: URL, which is not followed' });
  });
});

describe('every wait is bounded by the request timeout', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await listen((req, res) => {
      if (req.url === '/trickle') {
        // Headers at once, then one byte every 20 ms, forever: the socket is never idle.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('.'), 20);
        res.on('close', () => clearInterval(timer));
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(1024 * 1024, 'b');
        for (let i = 0; i < 5; i += 1) res.write(chunk);
        res.end('end');
      } else {
        res.end('ok');
      }
    });
  });
  afterAll(() => server.close());

  test('a body that trickles forever ends in a timeout', async () => {
    const outcome = await probe(request(`${server.url}/trickle`, { timeoutMs: 400 }));
    expect(outcome).toMatchObject({ kind: 'error', reason: 'no response within 400 ms', transient: true });
  });

  test(`a body over ${BODY_LIMIT_BYTES} bytes is read to the end and cut`, async () => {
    const outcome = await probe(request(`${server.url}/big`));
    expect(outcome.kind === 'response' && [outcome.body.length, outcome.bodyBytesDropped]).toEqual([
      BODY_LIMIT_BYTES,
      5 * 1024 * 1024 + 3 - BODY_LIMIT_BYTES,
    ]);
  });

  test('a body expectation that fails on a cut body says the body was cut', async () => {
    const checks = parseChecks(parseYaml('- { path: /big, expect-body-contains: end }'), 'inline');
    const [result] = await runChecks(checks, {
      baseUrl: new URL(server.url),
      headers: {},
      samples: 1,
      requestTimeoutMs: 3000,
      intervalMs: 100,
      followRedirects: true,
      concurrency: 1,
      deadline: deadlineIn(0),
    });
    expect(result.failure).toBe(
      `expected body containing "end", got not found (the body was judged on its first ${BODY_LIMIT_BYTES} bytes; ${
        5 * 1024 * 1024 + 3 - BODY_LIMIT_BYTES
      } more were read but not kept)`,
    );
  });
});

describe('what the app echoes is redacted before anyone sees it', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await listen((req, res) => {
      const auth = String(req.headers.authorization ?? '');
      res.writeHead(500, {
        'x-echo-raw': auth,
        'x-echo-url': encodeURIComponent(auth),
        'x-echo-b64': Buffer.from(auth).toString('base64'),
        location: `/login?token=${encodeURIComponent(auth)}`,
      });
      res.end(`debug: headers=${JSON.stringify(req.headers)} b64=${Buffer.from(`x${auth}`).toString('base64')}`);
    });
  });
  afterAll(() => server.close());

  test('body, header values and the final URL', async () => {
    const redactor = new Redactor().add(userHeaders.authorization).add(TOKEN);
    const outcome = await probe(request(`${server.url}/debug`, { redact: (text) => redactor.redact(text) }));
    if (outcome.kind !== 'response') throw new Error(outcome.reason);
    const seen = [outcome.body, ...[...outcome.headers].map(([, value]) => value), outcome.finalUrl].join('\n');
    expect(redactor.finds(seen)).toBe(false);
    expect(seen).not.toContain(TOKEN.slice(4));
    expect(outcome.headers.get('x-echo-raw')).toBe('***');
    expect(outcome.body).toContain('"authorization":"***"');
  });
});
