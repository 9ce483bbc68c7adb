/**
 * Listening and stopping. `startServer` binds the app and returns a handle whose `shutdown()`
 * drains the way ECS expects a task to stop; run as a program (`node dist/server.js`) it reads the
 * environment, listens, and turns SIGTERM/SIGINT into that shutdown.
 *
 * The first log line after binding is `{"msg":"listening","url":...,"port":...}`, which a parent
 * process (a test, the benchmark, a smoke check) reads to learn the port when PORT=0.
 */
import { once } from 'node:events';
import { createServer, STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import { createApp } from './app.js';
import { ConfigError, parseConfig, type Config } from './config.js';
import { isEntryPoint } from './entry.js';
import { Lifecycle } from './lifecycle.js';
import { stdoutLineWriter } from './log-destination.js';
import { pinoAccessLog, plainAccessLog, type AccessLog } from './access-log.js';

export interface StartOptions {
  config: Config;
  /** Defaults to JSON lines on stdout at `config.logLevel` (`createLogging`). */
  logger?: Logger;
  /** Defaults to pino's API on `logger` when one is given. */
  accessLog?: AccessLog;
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

export interface Logging {
  logger: Logger;
  /** The access log for `logger`. */
  accessLog: AccessLog;
}

/**
 * JSON lines on stdout, the lines of each turn of the event loop written together at its end
 * (`log-destination.ts` says why), and the access log concatenated straight into the same writer
 * (`access-log.ts`). Written on exit too; a SIGKILL can lose the last few.
 */
export function createLogging(config: Pick<Config, 'logLevel'>): Logging {
  const writer = stdoutLineWriter();
  const logger = pino({ level: config.logLevel, base: { pid: process.pid } }, writer);
  return { logger, accessLog: plainAccessLog(logger, writer) };
}

function urlOf(address: AddressInfo): string {
  const unspecified = address.address === '::' || address.address === '0.0.0.0';
  const host = unspecified ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** A socket whose response is still being written: Node's http server sets it per response. */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * True while a request on this socket is being answered. Node's http server attaches the response
 * to its socket for exactly that span (from the request's arrival until the response is flushed),
 * so reading it costs nothing per request, where a listener per response would. The shutdown
 * tests fail if a Node version ever stops doing so (a running request would be cut).
 */
function isAnswering(socket: Socket): boolean {
  return (socket as HttpSocket)._httpMessage != null;
}

/**
 * How often Node checks for requests whose headers are overdue (its default is every 30 s, which
 * would let a 10 s header timeout run to 40 s): a fifth of the timeout, at most once a second.
 */
export function connectionsCheckingInterval(headersTimeoutMs: number): number {
  return Math.max(10, Math.min(1_000, Math.floor(headersTimeoutMs / 5)));
}

/** A client that broke the protocol or ran out of time gets this instead of its request. */
const CLIENT_ERROR_STATUS: Record<string, number> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADER_OVERFLOW: 431,
};

/** Connections refused at the cap are logged at most this often, with the count since the last line. */
const DROP_LOG_INTERVAL_MS = 10_000;

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config } = options;
  const { logger, accessLog } = options.logger
    ? { logger: options.logger, accessLog: options.accessLog ?? pinoAccessLog(options.logger) }
    : createLogging(config);
  const lifecycle = new Lifecycle();
  const app = createApp({
    version: config.version,
    commit: config.commit,
    environment: config.environment,
    builtAt: config.builtAt,
    logger,
    accessLog,
    lifecycle,
    testRoutes: config.testRoutes,
  });

  // The header timeout runs from a request's first byte (from connecting, on a new connection), not
  // from the end of the previous response, so it need not outlast the keep-alive timeout: an idle
  // keep-alive socket is governed by keepAliveTimeout alone (a test holds that).
  const server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingInterval(config.headersTimeoutMs),
      keepAliveTimeout: config.keepAliveTimeoutMs,
    },
    app.callback(),
  );
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  // Past the cap Node closes each new connection as soon as it accepts it, and emits 'drop'.
  server.maxConnections = config.maxConnections;

  // Every open connection, so the drain can close at once those with no request running.
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  const answering = () => {
    let count = 0;
    for (const socket of connections) if (isAnswering(socket)) count += 1;
    return count;
  };

  let dropped = 0;
  let lastDropLog = Number.NEGATIVE_INFINITY;
  server.on('drop', () => {
    dropped += 1;
    const now = performance.now();
    if (now - lastDropLog < DROP_LOG_INTERVAL_MS) return;
    lastDropLog = now;
    logger.warn({ maxConnections: config.maxConnections, dropped }, 'connection limit reached; new connections closed');
    dropped = 0;
  });

  // What Node does without a listener (a status line, then close), plus a log line naming why, so
  // slow or broken clients show up in the logs.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const code = error.code ?? 'unknown';
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      logger.debug({ code }, 'client connection reset');
    } else {
      const status = CLIENT_ERROR_STATUS[code] ?? 400;
      logger.warn({ code, status, remoteAddress: socket.remoteAddress }, 'client error; connection closed');
      const response = (socket as HttpSocket)._httpMessage;
      if (socket.writable && !response?.headersSent) {
        socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      }
    }
    socket.destroy();
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
    const inFlightAtStart = answering();
    // Readiness fails first, and every response written from now on carries `Connection: close`.
    lifecycle.beginDraining();
    logger.info(
      { reason, inFlight: inFlightAtStart, connections: connections.size, graceMs: config.shutdownGraceMs },
      'draining',
    );
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    // For a moment the listener keeps accepting and keep-alive sockets stay open, every answer now
    // saying `Connection: close`. Closing at once would reset connections the kernel has queued
    // but Node has not accepted yet, and sockets that look idle but already carry the client's
    // next request, unread; either way a request that reached us would fail with ECONNRESET.
    if (connections.size > 0) await sleep(Math.min(IDLE_SOCKET_GRACE_MS, config.shutdownGraceMs));
    // Stop accepting, and close every connection with no request running: idle keep-alive sockets,
    // and those whose client sent part of a request and stalled (which Node's closeIdleConnections
    // keeps, so one such client held the stop until the grace period ran out). A connection still
    // answering is closed as soon as its response is out, whatever that response said.
    server.close();
    let idleClosed = 0;
    for (const socket of connections) {
      const response = (socket as HttpSocket)._httpMessage;
      if (response == null) {
        socket.destroy();
        idleClosed += 1;
      } else {
        response.once('finish', () => {
          if (!isAnswering(socket)) socket.destroy();
        });
      }
    }
    logger.info(
      { closed: idleClosed, inFlight: answering() },
      'stopped accepting; closed connections with no request running',
    );
    lifecycle.markIdleClosed();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), Math.max(0, started + config.shutdownGraceMs - performance.now()));
    });
    const result = await Promise.race([closed.then(() => 'drained' as const), expired]);
    clearTimeout(timer);
    if (result === 'expired') {
      logger.warn(
        { inFlight: answering(), graceMs: config.shutdownGraceMs },
        'grace period expired; closing remaining connections',
      );
      server.closeAllConnections();
      for (const socket of connections) socket.destroy();
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
  const { logger, accessLog } = createLogging(config);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection');
    process.exit(1);
  });

  const running = await startServer({ config, logger, accessLog });
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
