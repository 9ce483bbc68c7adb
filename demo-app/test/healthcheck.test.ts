import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { parseConfig } from '../src/config.js';
import { checkHealth, healthUrl } from '../src/healthcheck.js';
import { startServer, type RunningServer } from '../src/server.js';
import { repoRoot } from './spawn-server.js';

let app: RunningServer;
const others: Server[] = [];

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  others.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
}

beforeAll(async () => {
  app = await startServer({
    config: parseConfig({ HOST: '127.0.0.1', PORT: '0' }),
    logger: pino({ level: 'silent' }),
  });
});

afterAll(async () => {
  await app.shutdown('test over');
  for (const server of others) {
    server.closeAllConnections();
    server.close();
  }
});

describe('healthUrl', () => {
  test.each([
    [{ port: 3000 }, 'http://127.0.0.1:3000/health'],
    [{ port: 3000, host: '0.0.0.0' }, 'http://127.0.0.1:3000/health'],
    [{ port: 3000, host: '::' }, 'http://127.0.0.1:3000/health'],
    [{ port: 8080, host: '10.0.0.5' }, 'http://10.0.0.5:8080/health'],
    [{ port: 8080, host: '::1' }, 'http://[::1]:8080/health'],
  ])('%j -> %s', (config, url) => {
    expect(healthUrl(config)).toBe(url);
  });
});

describe('checkHealth', () => {
  test('a running demo app is healthy', async () => {
    expect(await checkHealth(healthUrl({ port: app.port }), 1_000)).toEqual({
      healthy: true,
      detail: `GET http://127.0.0.1:${app.port}/health answered 200`,
    });
  });

  test('a non-200 answer is unhealthy', async () => {
    const url = await listen((_request, response) => response.writeHead(503).end());
    expect(await checkHealth(url, 1_000)).toEqual({ healthy: false, detail: `GET ${url} answered 503` });
  });

  test('a server that never answers is unhealthy after the timeout', async () => {
    const url = await listen(() => undefined);
    expect(await checkHealth(url, 50)).toEqual({ healthy: false, detail: `GET ${url} failed: no answer within 50 ms` });
  });

  test('nothing listening is unhealthy', async () => {
    const url = await listen(() => undefined);
    const closed = others.pop()!;
    closed.close();
    await once(closed, 'close');
    const verdict = await checkHealth(url, 1_000);
    expect(verdict.healthy).toBe(false);
    expect(verdict.detail).toMatch(/ECONNREFUSED/);
  });
});

describe('the healthcheck program', () => {
  const run = promisify(execFile);
  const program = (env: Record<string, string>) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.NODE_OPTIONS;
    return run(process.execPath, ['--import', 'tsx', resolve(repoRoot, 'demo-app/src/healthcheck.ts')], {
      cwd: repoRoot,
      env: childEnv,
    }).then(
      ({ stdout }) => ({ code: 0, output: stdout.trim() }),
      (error: { code: number; stderr: string }) => ({ code: error.code, output: error.stderr.trim() }),
    );
  };

  test('exits 0 against the running app and 1 on a bad PORT', async () => {
    const [healthy, misconfigured] = await Promise.all([program({ PORT: String(app.port) }), program({ PORT: 'abc' })]);
    expect(healthy).toEqual({ code: 0, output: `healthy: GET http://127.0.0.1:${app.port}/health answered 200` });
    expect(misconfigured.code).toBe(1);
    expect(misconfigured.output).toBe('unhealthy: PORT must be a whole number from 0 to 65535, got "abc"');
  });
});
