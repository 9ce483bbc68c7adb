import { Writable } from 'node:stream';
import { describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import request from 'supertest';
import Koa from 'koa';
import helmet from 'koa-helmet';
import {
  API_HELMET_OPTIONS,
  captureSecurityHeaders,
  createApp,
  DEFAULT_APP_NAME,
  requestIdFrom,
  staticResponseHeaders,
  type AppOptions,
} from '../src/app.js';
import { Lifecycle } from '../src/lifecycle.js';

const baseOptions: AppOptions = { version: '1.4.2', commit: '0123abc', environment: 'staging' };

/** A pino logger whose JSON lines land in an array, so tests read exactly what would be shipped. */
function memoryLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

function server(options: Partial<AppOptions> = {}) {
  return createApp({ ...baseOptions, ...options }).callback();
}

describe('routes', () => {
  test('GET / describes the running app', async () => {
    const response = await request(server({ name: 'storefront' }))
      .get('/')
      .expect(200);
    expect(response.type).toBe('application/json');
    expect(response.body).toEqual({ name: 'storefront', version: '1.4.2', commit: '0123abc', environment: 'staging' });
  });

  test('GET / falls back to the default name', async () => {
    const response = await request(server()).get('/').expect(200);
    expect(response.body.name).toBe(DEFAULT_APP_NAME);
  });

  test('GET /health answers 200 whatever the readiness', async () => {
    const lifecycle = new Lifecycle();
    lifecycle.beginDraining();
    const response = await request(server({ lifecycle })).get('/health').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  test('GET /ready answers 200 until draining begins, then 503', async () => {
    const lifecycle = new Lifecycle();
    const app = server({ lifecycle });
    expect((await request(app).get('/ready').expect(200)).body).toEqual({ status: 'ready' });
    lifecycle.beginDraining();
    const draining = await request(app).get('/ready').expect(503);
    expect(draining.body).toEqual({ status: 'draining' });
    // Keep-alive clients are told not to reuse the connection once the process is going away.
    expect(draining.headers.connection).toBe('close');
  });

  test.each([
    ['with a build time', { builtAt: '2026-11-27T14:00:00Z' }, '2026-11-27T14:00:00Z'],
    ['without a build time', {}, null],
  ])('GET /version %s', async (_label, extra, builtAt) => {
    const response = await request(server(extra)).get('/version').expect(200);
    expect(response.body).toEqual({ version: '1.4.2', commit: '0123abc', builtAt });
  });

  test('HEAD is answered for GET routes without a body', async () => {
    const response = await request(server()).head('/health').expect(200);
    expect(response.text).toBeUndefined();
  });
});

describe('error paths', () => {
  test.each(['/nope', '/health/extra', '/__test/hold'])('unknown path %s is a JSON 404', async (path) => {
    const response = await request(server()).get(path).expect(404);
    expect(response.type).toBe('application/json');
    expect(response.body).toEqual({ error: 'Not Found', requestId: response.headers['x-request-id'] });
  });

  test.each([
    ['post', '/health'],
    ['put', '/version'],
    ['delete', '/'],
    ['patch', '/ready'],
  ] as const)('%s %s is a JSON 405 with Allow', async (method, path) => {
    const response = await request(server())[method](path).expect(405);
    expect(response.headers.allow).toBe('HEAD, GET');
    expect(response.body).toEqual({ error: 'Method Not Allowed', requestId: response.headers['x-request-id'] });
  });

  test('a method nobody implements is a JSON 501', async () => {
    const response = await request(server()).propfind('/health').expect(501);
    expect(response.body.error).toBe('Not Implemented');
  });

  test('OPTIONS lists the allowed methods', async () => {
    const response = await request(server()).options('/version').expect(200);
    expect(response.headers.allow).toBe('HEAD, GET');
  });

  test('a thrown error is a JSON 500 without the message or stack, and is logged with the stack', async () => {
    const { logger, lines } = memoryLogger();
    const response = await request(server({ logger, testRoutes: true }))
      .get('/__test/error')
      .set('X-Request-Id', 'trace-500')
      .expect(500);
    expect(response.body).toEqual({ error: 'Internal Server Error', requestId: 'trace-500' });
    expect(response.text).not.toMatch(/deliberate|at .*\.ts/);
    const logged = lines.find((line) => line.msg === 'unhandled error') as { err: { stack: string }; reqId: string };
    expect(logged.reqId).toBe('trace-500');
    expect(logged.err.stack).toContain('deliberate failure');
  });

  test.each([
    ['an exposed 4xx keeps its message', { status: 422, expose: true, message: 'bad thing' }, 422, 'bad thing'],
    ['an unexposed 4xx gets the status text', { status: 409, expose: false, message: 'secret' }, 409, 'Conflict'],
    ['a 5xx never exposes its message', { status: 503, expose: true, message: 'db down' }, 503, 'Service Unavailable'],
    ['an out-of-range status is a 500', { status: 200, message: 'odd' }, 500, 'Internal Server Error'],
    ['a thrown string is a 500', 'plain string', 500, 'Internal Server Error'],
  ])('%s', async (_label, thrown, status, message) => {
    const app = createApp(baseOptions);
    app.use(() => {
      throw typeof thrown === 'string' ? thrown : Object.assign(new Error(thrown.message), thrown);
    });
    const response = await request(app.callback()).get('/anything').expect(status);
    expect(response.body.error).toBe(message);
  });
});

describe('headers and logs', () => {
  test('the security headers for a JSON API come on every answer, errors included', async () => {
    for (const path of ['/health', '/nope', '/__test/error']) {
      const response = await request(server({ testRoutes: true })).get(path);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  test.each([
    'x-dns-prefetch-control',
    'x-download-options',
    'x-permitted-cross-domain-policies',
    'x-xss-protection',
    'referrer-policy',
    'cross-origin-opener-policy',
    'origin-agent-cluster',
  ])("helmet's HTML-only default %s is not sent", async (name) => {
    const response = await request(server()).get('/health');
    expect(response.headers).not.toHaveProperty(name);
  });

  test('the precomputed security headers are exactly what koa-helmet sets per request with the same options', async () => {
    // The app applies a list captured from koa-helmet at startup; a plain app running koa-helmet on
    // every request must answer with the same headers, or the shortcut has changed behaviour.
    const reference = new Koa();
    reference.use(helmet(API_HELMET_OPTIONS));
    reference.use((ctx) => {
      ctx.body = 'x';
    });
    const expected = (await request(reference.callback()).get('/')).headers;
    const actual = (await request(server()).get('/health')).headers;
    const helmetNames = Object.keys(expected).filter(
      (name) => !['content-type', 'content-length', 'date', 'connection', 'keep-alive'].includes(name),
    );
    expect(helmetNames).toHaveLength(5);
    for (const name of helmetNames) expect([name, actual[name]]).toEqual([name, expected[name]]);
    expect(staticResponseHeaders().map(([name]) => name.toLowerCase())).toEqual([...helmetNames, 'cache-control']);
  });

  test('a middleware that sets no headers synchronously is refused at startup', () => {
    expect(() => captureSecurityHeaders(async () => {})).toThrow(/no headers/);
  });

  test('an incoming x-request-id is echoed and logged', async () => {
    const { logger, lines } = memoryLogger();
    const response = await request(server({ logger })).get('/version').set('X-Request-Id', 'abc-123').expect(200);
    expect(response.headers['x-request-id']).toBe('abc-123');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      reqId: 'abc-123',
      req: { method: 'GET', url: '/version' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0].responseTime).toBe('number');
  });

  test('a missing x-request-id is generated, and differs per request', async () => {
    const app = server();
    const first = (await request(app).get('/health')).headers['x-request-id'];
    const second = (await request(app).get('/health')).headers['x-request-id'];
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
  });

  test('a failed request is logged at error level with its final status', async () => {
    const { logger, lines } = memoryLogger();
    await request(server({ logger, testRoutes: true }))
      .get('/__test/error')
      .expect(500);
    expect(lines.find((line) => line.msg === 'request failed')).toMatchObject({ level: 50, res: { statusCode: 500 } });
  });

  test('logger: false logs nothing and still answers', async () => {
    await request(server({ logger: false }))
      .get('/health')
      .expect(200);
  });

  test.each([
    ['a plain id', 'req-42', 'req-42'],
    ['an AWS trace id', 'Root=1-5759e988-bd862e3fe1be46a994272793', 'Root=1-5759e988-bd862e3fe1be46a994272793'],
    ['the first of repeated headers', ['one', 'two'], 'one'],
  ])('requestIdFrom keeps %s', (_label, header, expected) => {
    expect(requestIdFrom(header)).toBe(expected);
  });

  test.each([
    ['absent', undefined],
    ['empty', ''],
    ['with a newline', 'a\nb'],
    ['with spaces', 'a b'],
    ['too long', 'x'.repeat(129)],
  ])('requestIdFrom replaces an id that is %s', (_label, header) => {
    expect(requestIdFrom(header)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('test routes', () => {
  test('/__test/hold is released when draining begins', async () => {
    const lifecycle = new Lifecycle();
    const { logger, lines } = memoryLogger();
    const app = server({ lifecycle, logger, testRoutes: true });
    const pending = request(app).get('/__test/hold');
    const answered = pending.then((response) => response);
    // The handler logs its arrival; wait for that event instead of sleeping.
    await new Promise<void>((resolve) => {
      const check = () => (lines.some((line) => line.msg === 'request held') ? resolve() : setImmediate(check));
      check();
    });
    lifecycle.beginDraining();
    const response = await answered;
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ releasedBy: 'draining' });
    expect(response.headers.connection).toBe('close');
  });

  test('/__test/hold gives up after timeoutMs', async () => {
    const response = await request(server({ testRoutes: true }))
      .get('/__test/hold?timeoutMs=1')
      .expect(200);
    expect(response.body).toEqual({ releasedBy: 'timeout' });
  });
});
