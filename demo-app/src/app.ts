/**
 * The demo app as a value: `createApp(options)` builds a Koa application and starts nothing, so
 * tests drive `app.callback()` with supertest and `server.ts` decides how to listen.
 */
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse, STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import helmet from 'koa-helmet';
import type { Logger } from 'pino';
import { pinoAccessLog, type AccessLog } from './access-log.js';
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
  /**
   * How the access log line reaches `logger`; through pino's API unless given (`server.ts` gives
   * `plainAccessLog` for the logger it makes).
   */
  accessLog?: AccessLog;
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

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

function jsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function sendJson(ctx: Koa.Context, body: Buffer): void {
  // Set before the body, so Koa keeps it rather than calling the Buffer application/octet-stream.
  ctx.res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  ctx.body = body;
}

type HeaderList = readonly (readonly [string, string | number | readonly string[]])[];

/**
 * Runs koa-helmet's middleware once, at startup, on a response that is never sent, and returns the
 * headers it set. With a static configuration (no per-request CSP nonces, which this app does not
 * use) helmet sets the same headers on every response, so applying this list is what running it per
 * request would do, minus its promise and closures. Helmet sets them synchronously before calling
 * back; if a future version did not, the list would be empty, and that stops the app here.
 */
export function captureSecurityHeaders(middleware: Koa.Middleware): HeaderList {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  void Promise.resolve(middleware({ req, res } as unknown as Koa.Context, async () => {})).catch(() => {});
  const headers = Object.entries(res.getHeaders()).filter(
    (entry): entry is [string, string | number | string[]] => entry[1] !== undefined,
  );
  if (headers.length === 0) throw new Error('koa-helmet set no headers synchronously; cannot precompute them');
  return headers;
}

/**
 * koa-helmet configured for a JSON API rather than for HTML pages, following OWASP's REST security
 * guidance. Kept: the headers that protect a JSON answer (nosniff, so a browser never runs it as a
 * script; a CSP that allows nothing and no framing, for when one is opened as a document;
 * same-origin CORP, so other sites cannot load it cross-origin; HSTS). Dropped: helmet's defaults
 * that only act on HTML documents or on retired clients (DNS prefetch, IE8 downloads, Flash's
 * cross-domain policies, the XSS auditor, referrer and opener policies, origin-keyed agent
 * clusters); on a JSON answer they do nothing but add some 300 bytes to every response.
 */
export const API_HELMET_OPTIONS = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: { policy: 'same-origin' },
  originAgentCluster: false,
  referrerPolicy: false,
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  xContentTypeOptions: true,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: { action: 'deny' },
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} as const satisfies Parameters<typeof helmet>[0];

/**
 * Every header the app adds to every answer apart from X-Request-Id: koa-helmet's, and
 * `Cache-Control: no-store`, because a cached /health or /version would tell a load balancer or the
 * smoke test about a task that is gone, or about the version before a deploy.
 */
export function staticResponseHeaders(): HeaderList {
  return [...captureSecurityHeaders(helmet(API_HELMET_OPTIONS)), ['Cache-Control', 'no-store']];
}

export function createApp(options: AppOptions): Koa<AppState> {
  const name = options.name ?? DEFAULT_APP_NAME;
  const logger = options.logger || undefined;
  const accessLog = logger && (options.accessLog ?? pinoAccessLog(logger));
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const app = new Koa<AppState>();
  // Errors are answered and logged by our own middleware; Koa's default handler would print
  // stacks to stderr a second time.
  app.silent = true;

  const staticHeaders = staticResponseHeaders();

  // One outermost middleware for what every answer needs, so each request pays for one async frame
  // instead of three: the request id, the static headers, turning errors and unanswered statuses into
  // JSON, `Connection: close` while draining, and the access log line, which sees the final status.
  app.use(async (ctx, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(ctx.req.headers['x-request-id']);
    ctx.state.requestId = requestId;
    const res = ctx.res;
    res.setHeader('X-Request-Id', requestId);
    for (let index = 0; index < staticHeaders.length; index += 1) {
      res.setHeader(staticHeaders[index][0], staticHeaders[index][1]);
    }
    try {
      await next();
      if (ctx.body == null && ctx.status >= 400) {
        const status = ctx.status;
        ctx.body = { error: STATUS_CODES[status] ?? 'Error', requestId };
        // Koa turns its implicit 404 into 200 when a body is assigned; pin the status.
        ctx.status = status;
      }
    } catch (error) {
      const status = statusOf(error);
      const httpError = error as HttpLikeError;
      ctx.status = status;
      if (httpError?.headers) ctx.set(httpError.headers);
      const exposed = status < 500 && httpError?.expose === true && typeof httpError.message === 'string';
      ctx.body = { error: exposed ? httpError.message : (STATUS_CODES[status] ?? 'Error'), requestId };
      if (status >= 500) logger?.error({ reqId: requestId, err: error }, 'unhandled error');
    }
    // A response that finishes while draining tells keep-alive clients not to reuse the socket,
    // which Node then closes once the response is written.
    if (lifecycle.draining) res.setHeader('Connection', 'close');
    accessLog?.({
      reqId: requestId,
      method: ctx.req.method!,
      url: ctx.req.url!,
      statusCode: res.statusCode,
      responseTime: Math.round((performance.now() - started) * 1000) / 1000,
    });
  });

  const router = new Router<AppState>();

  // The answers that never change are serialised once; each request sends the same bytes.
  const about = jsonBody({ name, version: options.version, commit: options.commit, environment: options.environment });
  const healthy = jsonBody({ status: 'ok' });
  const ready = jsonBody({ status: 'ready' });
  const draining = jsonBody({ status: 'draining' });
  const version = jsonBody({ version: options.version, commit: options.commit, builtAt: options.builtAt ?? null });

  router.get('/', (ctx) => sendJson(ctx, about));
  router.get('/health', (ctx) => sendJson(ctx, healthy));
  router.get('/ready', (ctx) => {
    if (lifecycle.draining) {
      ctx.status = 503;
      sendJson(ctx, draining);
    } else {
      sendJson(ctx, ready);
    }
  });
  router.get('/version', (ctx) => sendJson(ctx, version));

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
  // the whole timeout, to outlast the grace period; `until=idleClosed` holds until the server has
  // closed its connections with no request running, so the request is still in flight then.
  router.get('/__test/hold', async (ctx) => {
    const requested = Number(ctx.query.timeoutMs ?? 10_000);
    const timeoutMs = Number.isFinite(requested) ? Math.min(Math.max(requested, 0), MAX_HOLD_MS) : 10_000;
    const untilIdleClosed = ctx.query.until === 'idleClosed';
    const untilDraining = ctx.query.ignoreDraining !== '1' && !untilIdleClosed;
    held += 1;
    logger?.info({ reqId: ctx.state.requestId, held }, 'request held');
    let timer: NodeJS.Timeout | undefined;
    const releasedBy = await Promise.race([
      ...(untilDraining ? [lifecycle.drainingStarted.then(() => 'draining' as const)] : []),
      ...(untilIdleClosed ? [lifecycle.idleClosed.then(() => 'idleClosed' as const)] : []),
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
