/**
 * The demo app as a value: `createApp(options)` builds a Koa application and starts nothing, so
 * tests drive `app.callback()` with supertest and `server.ts` decides how to listen.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import helmet from 'koa-helmet';
import type { Logger } from 'pino';
import { Lifecycle } from './lifecycle.js';

export interface AppOptions {
  /** Reported by `GET /`. */
  name?: string;
  version: string;
  commit: string;
  environment: string;
  /** ISO 8601 time the image was built; `/version` reports null when unknown. */
  builtAt?: string;
  /** Where request logs go; `false` (or omitted) logs nothing. */
  logger?: Logger | false;
  /** Shared with the server, which begins draining on SIGTERM; a fresh one is never draining. */
  lifecycle?: Lifecycle;
  /**
   * Mount `/__test/*` routes used by the shutdown test and the benchmark (a request that is held
   * until draining begins, a route that throws). Never enable in production.
   */
  testRoutes?: boolean;
}

export const DEFAULT_APP_NAME = 'shipyard-demo-app';

/** An incoming id is echoed only when it is short and plain, so it cannot forge log structure. */
const ACCEPTABLE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && ACCEPTABLE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
  headers?: Record<string, string>;
}

function statusOf(error: unknown): number {
  const candidate = (error as HttpLikeError | null)?.status ?? (error as HttpLikeError | null)?.statusCode;
  return typeof candidate === 'number' && candidate >= 400 && candidate <= 599 ? candidate : 500;
}

export interface AppState {
  requestId: string;
}

export function createApp(options: AppOptions): Koa<AppState> {
  const name = options.name ?? DEFAULT_APP_NAME;
  const logger = options.logger || undefined;
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const app = new Koa<AppState>();
  // Errors are answered and logged by our own middleware; Koa's default handler would print
  // stacks to stderr a second time.
  app.silent = true;

  // Request id and access log wrap everything else, so they see the final status of every answer,
  // including the ones the error middleware writes.
  app.use(async (ctx, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(ctx.req.headers['x-request-id']);
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      // A response that finishes while draining tells keep-alive clients not to reuse the socket,
      // which Node then closes once the response is written.
      if (lifecycle.draining) ctx.set('Connection', 'close');
      if (logger) {
        const status = ctx.status;
        const fields = {
          reqId: requestId,
          req: { method: ctx.method, url: ctx.url },
          res: { statusCode: status },
          responseTime: Math.round((performance.now() - started) * 1000) / 1000,
        };
        if (status >= 500) logger.error(fields, 'request failed');
        else logger.info(fields, 'request completed');
      }
    }
  });

  app.use(helmet());

  // One error middleware: every thrown error and every unanswered status becomes a JSON body.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const status = statusOf(error);
      const httpError = error as HttpLikeError;
      ctx.status = status;
      if (httpError?.headers) ctx.set(httpError.headers);
      const exposed = status < 500 && httpError?.expose === true && typeof httpError.message === 'string';
      ctx.body = {
        error: exposed ? httpError.message : (STATUS_CODES[status] ?? 'Error'),
        requestId: ctx.state.requestId,
      };
      if (status >= 500) logger?.error({ reqId: ctx.state.requestId, err: error }, 'unhandled error');
      return;
    }
    if (ctx.body == null && ctx.status >= 400) {
      const status = ctx.status;
      ctx.body = { error: STATUS_CODES[status] ?? 'Error', requestId: ctx.state.requestId };
      // Koa turns its implicit 404 into 200 when a body is assigned; pin the status.
      ctx.status = status;
    }
  });

  const router = new Router<AppState>();

  router.get('/', (ctx) => {
    ctx.body = { name, version: options.version, commit: options.commit, environment: options.environment };
  });

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/ready', (ctx) => {
    if (lifecycle.draining) {
      ctx.status = 503;
      ctx.body = { status: 'draining' };
    } else {
      ctx.body = { status: 'ready' };
    }
  });

  router.get('/version', (ctx) => {
    ctx.body = { version: options.version, commit: options.commit, builtAt: options.builtAt ?? null };
  });

  if (options.testRoutes) mountTestRoutes(router, lifecycle, logger);

  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

const MAX_HOLD_MS = 60_000;

function mountTestRoutes(router: Router<AppState>, lifecycle: Lifecycle, logger: Logger | undefined): void {
  let held = 0;

  // Held until draining begins (or `timeoutMs` passes), so a test can have requests provably in
  // flight when SIGTERM arrives. Each arrival is logged with the count, which a parent process
  // reads to know when all its requests have reached the handler. `ignoreDraining=1` holds for
  // the whole timeout, to outlast the grace period.
  router.get('/__test/hold', async (ctx) => {
    const requested = Number(ctx.query.timeoutMs ?? 10_000);
    const timeoutMs = Number.isFinite(requested) ? Math.min(Math.max(requested, 0), MAX_HOLD_MS) : 10_000;
    const untilDraining = ctx.query.ignoreDraining !== '1';
    held += 1;
    logger?.info({ reqId: ctx.state.requestId, held }, 'request held');
    let timer: NodeJS.Timeout | undefined;
    const releasedBy = await Promise.race([
      ...(untilDraining ? [lifecycle.drainingStarted.then(() => 'draining' as const)] : []),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    held -= 1;
    ctx.body = { releasedBy };
  });

  router.get('/__test/error', () => {
    throw new Error('deliberate failure from /__test/error');
  });
}
