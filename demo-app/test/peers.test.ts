/**
 * The benchmark compares the demo app with the same service written on Express 5 (helmet,
 * pino-http) and on Fastify 5 (@fastify/helmet, its built-in logger): bench/demo-app/*-server.mjs.
 * The comparison is only fair if they do the same work, so this holds every peer to the app's
 * answers: the same status, JSON and headers on every route and error path, request ids echoed or
 * made the same way, one access-log line per request with the same fields, and the same SIGTERM
 * handling (drain, exit 0). Nothing here is timed.
 */
import { Agent, request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { listeningUrl, repoRoot, spawnServer, type ServerProcess } from './spawn-server.js';

const ENV = {
  HOST: '127.0.0.1',
  PORT: '0',
  APP_VERSION: '2.5.0',
  GIT_SHA: '0123456789abcdef0123456789abcdef01234567',
  DEPLOY_ENV: 'staging',
  BUILT_AT: '2026-11-27T14:00:00Z',
};

const PEERS = ['express', 'fastify'] as const;
type Name = 'app' | (typeof PEERS)[number];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agent = new Agent({ keepAlive: true });

function send(url: string, method: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolvePromise, reject) => {
    const outgoing = httpRequest(url, { method, headers, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** What must match: the status, the body, and every header but the date and the generated id. */
function comparable(answer: Answer) {
  const headers = Object.fromEntries(
    Object.entries(answer.headers).filter(([name]) => !['date', 'x-request-id'].includes(name)),
  );
  return { status: answer.status, headers, body: answer.body };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const servers = {} as Record<Name, { process: ServerProcess; url: string }>;

beforeAll(async () => {
  const start = async (name: Name) => {
    const args = name === 'app' ? undefined : [resolve(repoRoot, `bench/demo-app/${name}-server.mjs`)];
    const spawned = spawnServer(ENV, 20_000, args);
    servers[name] = { process: spawned, url: await listeningUrl(spawned) };
  };
  await Promise.all((['app', ...PEERS] as const).map(start));
});

afterAll(() => {
  agent.destroy();
  for (const { process } of Object.values(servers)) if (process.child.exitCode === null) process.child.kill('SIGKILL');
});

// [method, path, extra request headers]
const CASES: [string, string, Record<string, string>][] = [
  ['GET', '/', { 'x-request-id': 'parity-1' }],
  ['GET', '/health', { 'x-request-id': 'parity-2' }],
  ['GET', '/ready', { 'x-request-id': 'parity-3' }],
  ['GET', '/version', { 'x-request-id': 'Root=1-5f84c7a1-abcdef012345678912345678' }],
  ['GET', '/version?verbose=1', { 'x-request-id': 'parity-4' }],
  ['HEAD', '/health', { 'x-request-id': 'parity-5' }],
  ['GET', '/nope', { 'x-request-id': 'parity-6' }],
  ['GET', '/health/extra', { 'x-request-id': 'parity-7' }],
  ['POST', '/health', { 'x-request-id': 'parity-8' }],
  ['DELETE', '/', { 'x-request-id': 'parity-9' }],
  ['PUT', '/version', { 'x-request-id': 'parity-10' }],
  ['OPTIONS', '/version', { 'x-request-id': 'parity-11' }],
  ['PROPFIND', '/health', { 'x-request-id': 'parity-12' }],
];

describe.each(PEERS)('the %s peer', (peer) => {
  test.each(CASES)('%s %s answers as the demo app does', async (method, path, headers) => {
    const [expected, actual] = await Promise.all([
      send(`${servers.app.url}${path}`, method, headers),
      send(`${servers[peer].url}${path}`, method, headers),
    ]);
    expect(comparable(actual)).toEqual(comparable(expected));
    expect(actual.headers['x-request-id']).toBe(headers['x-request-id']);
  });

  test.each([
    ['no id', {}],
    ['an id with a space', { 'x-request-id': 'not plain' }],
    ['an id too long', { 'x-request-id': 'x'.repeat(129) }],
  ])('a request with %s gets a new UUID, as from the demo app', async (_label, headers) => {
    const [expected, actual] = await Promise.all([
      send(`${servers.app.url}/health`, 'GET', headers),
      send(`${servers[peer].url}/health`, 'GET', headers),
    ]);
    expect(expected.headers['x-request-id']).toMatch(UUID);
    expect(actual.headers['x-request-id']).toMatch(UUID);
    expect(comparable(actual)).toEqual(comparable(expected));
  });

  test('logs one access line per request, with the fields the demo app logs', async () => {
    const id = `log-${peer}`;
    for (const { url } of [servers.app, servers[peer]]) {
      await send(`${url}/version?x=1`, 'GET', { 'x-request-id': id });
    }
    const lineOf = async (name: Name) => {
      const line = await servers[name].process.waitForLine((entry) => entry.reqId === id, `the access line of ${id}`);
      return { ...line, time: 0, pid: 0, responseTime: typeof line.responseTime };
    };
    const [expected, actual] = await Promise.all([lineOf('app'), lineOf(peer)]);
    expect(actual).toEqual(expected);
    expect(actual).toEqual({
      level: 30,
      time: 0,
      pid: 0,
      reqId: id,
      req: { method: 'GET', url: '/version?x=1' },
      res: { statusCode: 200 },
      responseTime: 'number',
      msg: 'request completed',
    });
    const count = (name: Name) => servers[name].process.lines.filter((entry) => entry.reqId === id).length;
    expect(count(peer)).toBe(1);
  });
});

describe('SIGTERM', () => {
  test.each(['app', ...PEERS] as const)(
    '%s: /ready turns 503 with Connection: close, and the process exits 0',
    async (name) => {
      const { process, url } = servers[name];
      // A request in flight on a keep-alive socket when the signal lands is not needed here: the app's
      // own tests cover that. What must match is what a load balancer sees and the exit code.
      const ready = await send(`${url}/ready`, 'GET');
      expect(ready.status).toBe(200);
      process.child.kill('SIGTERM');
      await process.waitForLine((line) => line.msg === 'draining', 'draining');
      expect(await process.exited).toEqual({ code: 0, signal: null });
    },
  );
});
