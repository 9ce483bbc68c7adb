import { Agent, request as httpRequest } from 'node:http';
import { afterEach, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { parseConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { keepAliveLoad } from './keep-alive-load.js';
import { listeningUrl, spawnServer, type ServerProcess } from './spawn-server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One GET on the given agent; rejects on any socket error, which is what a failed request means. */
function get(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

const spawned: ServerProcess[] = [];
const started: RunningServer[] = [];
afterEach(async () => {
  for (const server of spawned.splice(0)) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  await Promise.all(started.splice(0).map((server) => server.shutdown('test over')));
});

function spawnTracked(env: Record<string, string>): ServerProcess {
  const server = spawnServer({ HOST: '127.0.0.1', PORT: '0', ...env });
  spawned.push(server);
  return server;
}

describe('startServer in-process', () => {
  test('listens on the port the OS chose, answers, and drains a running request on shutdown', async () => {
    const running = await startServer({
      config: parseConfig({ HOST: '127.0.0.1', PORT: '0', DEMO_APP_TEST_ROUTES: '1', APP_VERSION: '3.1.0' }),
      logger: pino({ level: 'silent' }),
    });
    started.push(running);
    expect(running.url).toBe(`http://127.0.0.1:${running.port}`);
    const agent = new Agent({ keepAlive: true });
    const version = await get(`${running.url}/version`, agent);
    expect(JSON.parse(version.body)).toMatchObject({ version: '3.1.0' });

    const held = get(`${running.url}/__test/hold`, agent);
    await new Promise<void>((resolve) => running.server.once('request', () => resolve()));
    const outcome = running.shutdown('test');
    expect(running.lifecycle.draining).toBe(true);
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    expect(await outcome).toMatchObject({ clean: true, inFlightAtStart: 1 });
    // Shutdown is idempotent, and nothing listens any more.
    expect(await running.shutdown('again')).toBe(await outcome);
    await expect(get(`${running.url}/health`, new Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    agent.destroy();
  });
});

describe('the server process', () => {
  test.each(['abc', '70000'])('PORT=%s exits 1 with one line naming PORT', async (port) => {
    const server = spawnTracked({ PORT: port });
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.lines).toEqual([]);
    const stderr = server.stderr().trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toBe(`Invalid configuration: PORT must be a whole number from 0 to 65535, got "${port}"`);
  });

  test('SIGTERM with 120 requests in flight: every one succeeds, then the process exits 0', async () => {
    const inFlight = 120;
    const server = spawnTracked({ DEMO_APP_TEST_ROUTES: '1', LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '15000' });
    const url = await listeningUrl(server);
    // One socket per request, kept alive the way a load balancer keeps its connections.
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    const requests = Array.from({ length: inFlight }, () => get(`${url}/__test/hold?timeoutMs=20000`, agent));
    const settled = Promise.allSettled(requests);
    await server.waitForLine((line) => line.msg === 'request held' && line.held === inFlight, 'all requests held');

    server.child.kill('SIGTERM');
    const results = await settled;
    const { code, signal } = await server.exited;

    const failures = results.filter((result) => result.status === 'rejected');
    expect(failures).toEqual([]);
    const answers = results.map((result) => (result as PromiseFulfilledResult<Answer>).value);
    expect(answers.map((answer) => answer.status)).toEqual(Array(inFlight).fill(200));
    // Released by the drain itself: each request was still running when the signal arrived.
    expect(answers.every((answer) => JSON.parse(answer.body).releasedBy === 'draining')).toBe(true);
    expect(answers.every((answer) => answer.headers.connection === 'close')).toBe(true);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(server.lines.find((line) => line.msg === 'draining')).toMatchObject({ reason: 'SIGTERM', inFlight });
    expect(server.lines.find((line) => line.msg === 'stopped')).toMatchObject({ clean: true });
    expect(server.lines.filter((line) => line.msg === 'request completed')).toHaveLength(inFlight);
    agent.destroy();
  });

  test('SIGINT on an idle server exits 0, closing its idle keep-alive sockets', async () => {
    const server = spawnTracked({});
    const url = await listeningUrl(server);
    const agent = new Agent({ keepAlive: true });
    expect((await get(`${url}/health`, agent)).status).toBe(200);
    // The agent now holds an idle keep-alive socket; it must not keep the server alive.
    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.lines.find((line) => line.msg === 'stopped')).toMatchObject({ clean: true });
    agent.destroy();
  });

  test('a request outlasting SHUTDOWN_GRACE_MS is cut and the process exits 1', async () => {
    const server = spawnTracked({ DEMO_APP_TEST_ROUTES: '1', SHUTDOWN_GRACE_MS: '200' });
    const url = await listeningUrl(server);
    const stuck = get(`${url}/__test/hold?ignoreDraining=1&timeoutMs=60000`, new Agent());
    await server.waitForLine((line) => line.msg === 'request held', 'the held request');
    server.child.kill('SIGTERM');
    await expect(stuck).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await server.exited).code).toBe(1);
    expect(
      server.lines.find((line) => line.msg === 'grace period expired; closing remaining connections'),
    ).toBeDefined();
    expect(server.lines.find((line) => line.msg === 'stopped')).toMatchObject({ clean: false });
  });
  test('a second signal while draining exits 1 at once', async () => {
    const server = spawnTracked({ DEMO_APP_TEST_ROUTES: '1', SHUTDOWN_GRACE_MS: '20000' });
    const url = await listeningUrl(server);
    // Settled as soon as the process dies; caught now so the rejection is not left unhandled.
    const stuck = get(`${url}/__test/hold?ignoreDraining=1&timeoutMs=60000`, new Agent()).catch(
      (error: Error) => error,
    );
    await server.waitForLine((line) => line.msg === 'request held', 'the held request');
    server.child.kill('SIGTERM');
    await server.waitForLine((line) => line.msg === 'draining', 'draining');
    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(await stuck).toMatchObject({ code: 'ECONNRESET' });
    expect(server.lines.find((line) => line.msg === 'second signal; exiting without waiting')).toMatchObject({
      signal: 'SIGINT',
    });
  });
});

describe('shutdown under steady keep-alive load', () => {
  test('SIGTERM while 100 clients send back to back: no request fails, the process exits 0', async () => {
    const server = spawnTracked({ LOG_LEVEL: 'info' });
    const url = await listeningUrl(server);
    const load = keepAliveLoad({ url: `${url}/health`, connections: 100 });
    // Every client has a reused keep-alive socket by then: steady state, not connection set-up.
    await load.completed(500);
    load.markSignal();
    server.child.kill('SIGTERM');
    const [result, exit] = await Promise.all([load.done, server.exited]);
    expect(result.failures).toEqual({});
    expect(result.failed).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.completedBeforeSignal).toBeGreaterThanOrEqual(500);
    // Every client was told to close (or, idle at the wrong moment, found the port shut): the load
    // ended because the server stopped, not because requests broke.
    expect(result.closed + result.refused).toBe(100);
    expect(result.closed).toBeGreaterThanOrEqual(80);
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
