// What the benchmark's peer servers (Express, Fastify) share, so that they do what the demo app
// does: the same routes and JSON, helmet with the app's JSON-API options, Cache-Control, request
// ids checked the same way, JSON errors (404; 405 with Allow; 501; 500 without the message), one
// access-log line per request with the same fields, /ready answering 503 and `Connection: close`
// on every answer once SIGTERM has arrived. Written here rather than imported from the app, so the
// peers run without a build; demo-app/test/peers.test.ts holds them to the app's answers.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { pino } from 'pino';

/** The demo app's API_HELMET_OPTIONS (demo-app/src/app.ts). */
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
};

const ACCEPTABLE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function requestIdFrom(header) {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && ACCEPTABLE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}

const version = process.env.APP_VERSION || '0.0.0-dev';
const commit = process.env.GIT_SHA || 'unknown';

/** The answers of the app's four routes, as objects (each framework serialises them its own way). */
export const answers = {
  about: {
    name: 'shipyard-demo-app',
    version,
    commit,
    environment: process.env.DEPLOY_ENV || 'development',
  },
  health: { status: 'ok' },
  ready: { status: 'ready' },
  draining: { status: 'draining' },
  version: { version, commit, builtAt: process.env.BUILT_AT || null },
};

export const ROUTES = ['/', '/health', '/ready', '/version'];
/** What the app's routes allow, in @koa/router's order. */
export const ALLOW = 'HEAD, GET';
/** The methods @koa/router implements: any other on a known path is a 501, these a 405. */
export const IMPLEMENTED = new Set(['HEAD', 'OPTIONS', 'GET', 'PUT', 'PATCH', 'POST', 'DELETE']);

/** How a request for a known path with a method it does not allow is answered, as the app does. */
export function wrongMethod(method) {
  if (method === 'OPTIONS') return { status: 200 };
  return { status: IMPLEMENTED.has(method) ? 405 : 501 };
}

export function errorBody(status, requestId) {
  return { error: STATUS_CODES[status] ?? 'Error', requestId };
}

/** The status for a thrown error, as the app picks it. */
export function statusOf(error) {
  const candidate = error?.status ?? error?.statusCode;
  return typeof candidate === 'number' && candidate >= 400 && candidate <= 599 ? candidate : 500;
}

/**
 * pino as pino's own documentation recommends it for speed: asynchronous writes to stdout
 * (sonic-boom), with the app's `base: { pid }`.
 */
export function peerLogger() {
  return pino({ level: 'info', base: { pid: process.pid } }, pino.destination({ dest: 1, sync: false }));
}

export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const HEADERS_TIMEOUT_MS = 10_000;

/** The access-log fields the app logs, from a request's method and url and the final status. */
export const accessLogSerializers = {
  req: (req) => ({ method: req.method, url: req.url }),
  res: (res) => ({ statusCode: res.statusCode }),
};
