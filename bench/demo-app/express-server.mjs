// A peer for the demo-app benchmark: the demo app as an Express 5 user would write it, with
// `helmet` and `pino-http`. Same routes, JSON, headers, request ids, JSON errors, access log and
// SIGTERM handling as the app (peer-common.mjs; demo-app/test/peers.test.ts compares the answers).
// Prints the same `{"msg":"listening","url":...}` line as the demo app.
import { createServer } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import {
  ALLOW,
  API_HELMET_OPTIONS,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  ROUTES,
  accessLogSerializers,
  answers,
  errorBody,
  peerLogger,
  requestIdFrom,
  statusOf,
  wrongMethod,
} from './peer-common.mjs';

const logger = peerLogger();
let draining = false;

const app = express();
app.disable('x-powered-by');
// The app sends no ETag: its answers must never be served from a cache (Cache-Control: no-store).
app.set('etag', false);

app.use(
  pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdFrom(req.headers['x-request-id']);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    quietReqLogger: true,
    serializers: accessLogSerializers,
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  }),
);
app.use(helmet(API_HELMET_OPTIONS));
app.use((_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  if (draining) res.setHeader('Connection', 'close');
  next();
});

app.get('/', (_req, res) => res.json(answers.about));
app.get('/health', (_req, res) => res.json(answers.health));
app.get('/ready', (_req, res) => (draining ? res.status(503).json(answers.draining) : res.json(answers.ready)));
app.get('/version', (_req, res) => res.json(answers.version));
app.all(ROUTES, (req, res) => {
  const { status } = wrongMethod(req.method);
  res.setHeader('Allow', ALLOW);
  // As @koa/router answers OPTIONS: 200, an empty text body.
  if (status === 200) res.status(200).type('text/plain').send('');
  else res.status(status).json(errorBody(status, req.id));
});
app.use((req, res) => res.status(404).json(errorBody(404, req.id)));
app.use((error, req, res, _next) => {
  const status = statusOf(error);
  if (status >= 500) req.log.error({ err: error }, 'unhandled error');
  const message = status < 500 && error?.expose === true ? error.message : undefined;
  res.status(status).json(message ? { error: message, requestId: req.id } : errorBody(status, req.id));
});

const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, app);
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address();
  logger.info({ url: `http://127.0.0.1:${port}`, port }, 'listening');
});

process.once('SIGTERM', () => {
  draining = true;
  logger.info('draining');
  server.close(() => {
    logger.info('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
});
