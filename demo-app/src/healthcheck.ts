/**
 * `node dist/healthcheck.js`: exits 0 when the server in this container answers GET /health with
 * 200, 1 otherwise. Docker's HEALTHCHECK and an ECS container health check run it, since slim and
 * alpine images have no curl. It reads the same PORT and HOST the server does.
 */
import { request } from 'node:http';
import { parseConfig } from './config.js';
import { isEntryPoint } from './entry.js';

const UNSPECIFIED_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

export function healthUrl(config: { port: number; host?: string }): string {
  const host = config.host === undefined || UNSPECIFIED_ADDRESSES.has(config.host) ? '127.0.0.1' : config.host;
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${bracketed}:${config.port}/health`;
}

/** Resolves with a one-line verdict; never rejects. */
export function checkHealth(url: string, timeoutMs: number): Promise<{ healthy: boolean; detail: string }> {
  return new Promise((resolve) => {
    const probe = request(url, { method: 'GET', timeout: timeoutMs, headers: { 'x-request-id': 'healthcheck' } });
    probe.on('response', (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      resolve({ healthy: status === 200, detail: `GET ${url} answered ${status}` });
    });
    probe.on('timeout', () => probe.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    probe.on('error', (error) => resolve({ healthy: false, detail: `GET ${url} failed: ${error.message}` }));
    probe.end();
  });
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let url: string;
  try {
    url = healthUrl(parseConfig(env));
  } catch (error) {
    console.error(`unhealthy: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const timeoutMs = Number(env.HEALTHCHECK_TIMEOUT_MS ?? '') || 3_000;
  const { healthy, detail } = await checkHealth(url, timeoutMs);
  (healthy ? console.log : console.error)(`${healthy ? 'healthy' : 'unhealthy'}: ${detail}`);
  return healthy ? 0 : 1;
}

if (isEntryPoint(import.meta.url)) {
  process.exit(await main());
}
