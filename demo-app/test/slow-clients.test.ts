/**
 * Clients that do not play along: ones that send part of a request and stall when SIGTERM arrives,
 * a slowloris that trickles header lines, and more connections than the server takes. Every wait is
 * on an event (a socket closing, a log line, a server event); the only timer is the slowloris's
 * own trickle.
 */
import { once } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { parseConfig } from '../src/config.js';
import { connectionsCheckingInterval, startServer, type RunningServer } from '../src/server.js';
import { listeningUrl, spawnServer, type ServerProcess } from './spawn-server.js';

const spawned: ServerProcess[] = [];
const started: RunningServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of spawned.splice(0)) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  await Promise.all(started.splice(0).map((server) => server.shutdown('test over')));
});

/** A raw TCP client that records what it receives and settles when the server closes it. */
interface RawClient {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
}

async function rawClient(url: string, firstBytes?: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  // A reset counts as closed too: what matters is that the server let go.
  socket.on('error', () => {});
  const closed = once(socket, 'close').then(() => undefined);
  await once(socket, 'connect');
  if (firstBytes !== undefined) await new Promise<void>((resolve) => socket.write(firstBytes, () => resolve()));
  return { socket, received: () => received, closed };
}

/** A request line and a header, but never the blank line that would end the headers. */
const HALF_SENT = 'GET /health HTTP/1.1\r\nHost: demo\r\nX-Request-Id: half-sent\r\n';

function get(url: string, agent: Agent) {
  return new Promise<{ status: number; connection?: string; body: string; reused: boolean }>((resolve, reject) => {
    const outgoing = httpRequest(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          connection: response.headers.connection,
          body,
          reused: outgoing.reusedSocket,
        }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** A pino logger writing into an array. */
function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

async function startInProcess(env: Record<string, string>) {
  const { logger, lines } = memoryLogger();
  const running = await startServer({ config: parseConfig({ HOST: '127.0.0.1', PORT: '0', ...env }), logger });
  started.push(running);
  return { running, lines };
}

describe('SIGTERM with clients that stalled half-way through a request', () => {
  test('the stalled connections are closed at once, the running request completes, the process exits 0', async () => {
    const halfSentCount = 3;
    // A grace period far longer than the test may run: were the stalled clients waited for, the
    // process would still be running (or exit 1 when it ran out), and the test would fail.
    const server = spawnServer({
      HOST: '127.0.0.1',
      PORT: '0',
      DEMO_APP_TEST_ROUTES: '1',
      SHUTDOWN_GRACE_MS: '600000',
    });
    spawned.push(server);
    const url = await listeningUrl(server);

    const halfSent = await Promise.all(Array.from({ length: halfSentCount }, () => rawClient(url, HALF_SENT)));
    // An idle keep-alive socket beside them, which must not hold the stop either.
    const idleAgent = new Agent({ keepAlive: true });
    expect((await get(`${url}/health`, idleAgent)).status).toBe(200);
    // In flight until the server has closed the connections with no request running.
    const slowAgent = new Agent({ keepAlive: true });
    const slow = get(`${url}/__test/hold?until=idleClosed&timeoutMs=60000`, slowAgent);
    await server.waitForLine((line) => line.msg === 'request held', 'the slow request held');

    server.child.kill('SIGTERM');
    await Promise.all(halfSent.map((client) => client.closed));
    const answer = await slow;
    const exit = await server.exited;

    expect(halfSent.map((client) => client.received())).toEqual(Array(halfSentCount).fill(''));
    expect(answer).toMatchObject({ status: 200, connection: 'close' });
    expect(JSON.parse(answer.body)).toEqual({ releasedBy: 'idleClosed' });
    expect(exit).toEqual({ code: 0, signal: null });

    const messages = server.lines.map((line) => line.msg);
    expect(server.lines.find((line) => line.msg === 'draining')).toMatchObject({
      reason: 'SIGTERM',
      inFlight: 1,
      connections: halfSentCount + 2,
    });
    // The stalled and the idle connections went first, while the slow request was still running;
    // its completion came after, and the stop was clean, without waiting out the grace period.
    expect(server.lines.find((line) => line.msg?.startsWith('stopped accepting'))).toMatchObject({
      closed: halfSentCount + 1,
      inFlight: 1,
    });
    const cut = messages.findIndex((msg) => msg?.startsWith('stopped accepting'));
    const slowDone = server.lines.findIndex(
      (line) => line.msg === 'request completed' && (line.req as { url?: string })?.url?.startsWith('/__test/hold'),
    );
    expect(cut).toBeGreaterThan(-1);
    expect(slowDone).toBeGreaterThan(cut);
    expect(messages).not.toContain('grace period expired; closing remaining connections');
    expect(server.lines.find((line) => line.msg === 'stopped')).toMatchObject({ clean: true });
    idleAgent.destroy();
    slowAgent.destroy();
  });
});

describe('header timeout', () => {
  test('a slowloris client trickling header lines is answered 408 and cut off; an idle keep-alive socket is not', async () => {
    const headersTimeoutMs = 300;
    const { running, lines } = await startInProcess({ HEADERS_TIMEOUT_MS: String(headersTimeoutMs) });
    // A keep-alive socket that finished a request and then sits idle: it is governed by the
    // keep-alive timeout (65 s), not by the header timeout.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(`${running.url}/health`, agent)).status).toBe(200);

    const slowloris = await rawClient(running.url, 'GET /health HTTP/1.1\r\nHost: demo\r\n');
    let trickled = 0;
    const trickle = setInterval(() => {
      if (!slowloris.socket.writable) return;
      trickled += 1;
      slowloris.socket.write(`X-Slow-${trickled}: still sending\r\n`);
    }, headersTimeoutMs / 6);
    await slowloris.closed;
    clearInterval(trickle);

    expect(slowloris.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    // It kept sending all along: the timeout bounds the headers as a whole, not the pauses.
    expect(trickled).toBeGreaterThan(1);
    expect(lines.find((line) => line.msg === 'client error; connection closed')).toMatchObject({
      code: 'ERR_HTTP_REQUEST_TIMEOUT',
      status: 408,
    });
    // The idle socket outlived the slowloris (which outlived the header timeout) and still serves.
    const again = await get(`${running.url}/health`, agent);
    expect(again).toMatchObject({ status: 200, reused: true });
    agent.destroy();
  });

  test('a connection that sends nothing is closed at the header timeout too', async () => {
    const { running } = await startInProcess({ HEADERS_TIMEOUT_MS: '200' });
    const silent = await rawClient(running.url);
    await silent.closed;
    expect(silent.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  test.each([
    [10_000, 1_000],
    [300, 60],
    [1, 10],
  ])('a %i ms header timeout is checked every %i ms', (timeout, interval) => {
    expect(connectionsCheckingInterval(timeout)).toBe(interval);
  });
});

describe('connection cap', () => {
  test('past MAX_CONNECTIONS a new connection is closed unanswered; once one closes, the next is served', async () => {
    const { running, lines } = await startInProcess({ MAX_CONNECTIONS: '2' });
    const accepted: Socket[] = [];
    running.server.on('connection', (socket: Socket) => accepted.push(socket));
    const request = 'GET /health HTTP/1.1\r\nHost: demo\r\n\r\n';

    const first = await rawClient(running.url, request);
    const second = await rawClient(running.url, request);
    // Both are served (and kept alive).
    await Promise.all([first, second].map((client) => once(client.socket, 'data')));
    expect(first.received()).toMatch(/^HTTP\/1\.1 200 /);

    const dropped = once(running.server, 'drop');
    const third = await rawClient(running.url, request);
    await Promise.all([third.closed, dropped]);
    expect(third.received()).toBe('');
    expect(lines.find((line) => line.msg === 'connection limit reached; new connections closed')).toMatchObject({
      maxConnections: 2,
      dropped: 1,
    });

    // Closing one frees its place.
    const serverSide = accepted[0];
    first.socket.end();
    await once(serverSide, 'close');
    const fourth = await rawClient(running.url, request);
    await once(fourth.socket, 'data');
    expect(fourth.received()).toMatch(/^HTTP\/1\.1 200 /);
  });
});
