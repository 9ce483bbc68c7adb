/**
 * Listening and stopping. `startServer` binds the app and returns a handle whose `shutdown()`
 * drains the way ECS expects a task to stop; run as a program (`node dist/server.js`) it reads the
 * environment, listens, and turns SIGTERM/SIGINT into that shutdown.
 *
 * The first log line after binding is `{"msg":"listening","url":...,"port":...}`, which a parent
 * process (a test, the benchmark, a smoke check) reads to learn the port when PORT=0.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import { createApp } from './app.js';
import { ConfigError, parseConfig, type Config } from './config.js';
import { isEntryPoint } from './entry.js';
import { Lifecycle } from './lifecycle.js';

export interface StartOptions {
  config: Config;
  /** Defaults to JSON lines on stdout at `config.logLevel`. */
  logger?: Logger;
}

export interface ShutdownOutcome {
  /** False when the grace period ran out and connections with requests still running were cut. */
  clean: boolean;
  /** Requests that were running when shutdown began. */
  inFlightAtStart: number;
  durationMs: number;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  lifecycle: Lifecycle;
  logger: Logger;
  /** Idempotent: every call returns the same outcome. */
  shutdown(reason?: string): Promise<ShutdownOutcome>;
}

/**
 * How long after SIGTERM the listener keeps accepting and idle keep-alive sockets stay open, so
 * that connections and requests already on the wire are answered rather than reset. Short next to
 * ECS's 30 s stop timeout; skipped when nothing is connected.
 */
export const IDLE_SOCKET_GRACE_MS = 500;

function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 1 : count)));
}

/**
 * JSON lines on stdout, written asynchronously: under load, lines logged while a write is in
 * progress go out together in the next one, which cut the app's CPU per request by roughly 10-20%
 * in paired benchmark runs. pino flushes synchronously on exit; a SIGKILL can lose the last lines.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: false }));
}

function urlOf(address: AddressInfo): string {
  const unspecified = address.address === '::' || address.address === '0.0.0.0';
  const host = unspecified ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config);
  const lifecycle = new Lifecycle();
  const app = createApp({
    version: config.version,
    commit: config.commit,
    environment: config.environment,
    builtAt: config.builtAt,
    logger,
    lifecycle,
    testRoutes: config.testRoutes,
  });

  const server = createServer(app.callback());
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  // Node requires the header timeout to exceed the keep-alive timeout, or a slow first request on
  // a reused socket is cut at the wrong moment.
  server.headersTimeout = config.keepAliveTimeoutMs + 1_000;

  let inFlight = 0;
  server.on('request', (_request, response) => {
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
    });
  });

  server.listen(config.port, config.host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const url = urlOf(address);
  logger.info(
    { url, port: address.port, version: config.version, commit: config.commit, environment: config.environment },
    'listening',
  );

  let outcome: Promise<ShutdownOutcome> | undefined;
  const shutdown = (reason = 'shutdown requested'): Promise<ShutdownOutcome> => {
    outcome ??= drain(reason);
    return outcome;
  };

  async function drain(reason: string): Promise<ShutdownOutcome> {
    const started = performance.now();
    const inFlightAtStart = inFlight;
    // Readiness fails first, and every response written from now on carries `Connection: close`.
    lifecycle.beginDraining();
    logger.info({ reason, inFlight, graceMs: config.shutdownGraceMs }, 'draining');
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    // For a moment the listener keeps accepting and keep-alive sockets stay open, every answer now
    // saying `Connection: close`. Closing at once would reset connections the kernel has queued
    // but Node has not accepted yet, and sockets that look idle but already carry the client's
    // next request, unread; either way a request that reached us would fail with ECONNRESET.
    if ((await connectionCount(server)) > 0) await sleep(Math.min(IDLE_SOCKET_GRACE_MS, config.shutdownGraceMs));
    // Stop accepting and close the sockets still idle; busy ones close after their response.
    server.close();
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), Math.max(0, started + config.shutdownGraceMs - performance.now()));
    });
    const result = await Promise.race([closed.then(() => 'drained' as const), expired]);
    clearTimeout(timer);
    if (result === 'expired') {
      logger.warn({ inFlight, graceMs: config.shutdownGraceMs }, 'grace period expired; closing remaining connections');
      server.closeAllConnections();
      await closed;
    }
    const durationMs = Math.round(performance.now() - started);
    logger.info({ clean: result === 'drained', durationMs }, 'stopped');
    return { clean: result === 'drained', inFlightAtStart, durationMs };
  }

  return { server, url, port: address.port, lifecycle, logger, shutdown };
}

/** The program: parse the environment, listen, stop on SIGTERM/SIGINT. Resolves with the exit code. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: Config;
  try {
    config = parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Invalid configuration: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const logger = createLogger(config);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection');
    process.exit(1);
  });

  const running = await startServer({ config, logger });
  const stopped = new Promise<ShutdownOutcome>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals === 1) {
        running.shutdown(signal).then(resolve, (error: unknown) => {
          logger.fatal({ err: error }, 'shutdown failed');
          process.exit(1);
        });
        return;
      }
      // A second signal (Ctrl-C twice) means "now": drop whatever is still running.
      logger.warn({ signal }, 'second signal; exiting without waiting');
      process.exit(1);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  const outcome = await stopped;
  return outcome.clean ? 0 : 1;
}

if (isEntryPoint(import.meta.url)) {
  process.exit(await main());
}
