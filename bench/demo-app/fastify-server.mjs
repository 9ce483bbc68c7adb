// A peer for the demo-app benchmark: the demo app as a Fastify 5 user would write it, with
// `@fastify/helmet` and Fastify's built-in pino logger. Same routes, JSON, headers, request ids,
// JSON errors, access log and SIGTERM handling as the app (peer-common.mjs;
// demo-app/test/peers.test.ts compares the answers). Fastify logs two lines per request by default
// (received, completed); like the app, this one logs one, when the answer is complete.
// Prints the same `{"msg":"listening","url":...}` line as the demo app.
import helmet from '@fastify/helmet';
import Fastify, { LogController } from 'fastify';
import { pino } from 'pino';
import {
  ALLOW,
  API_HELMET_OPTIONS,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  ROUTES,
  accessLogSerializers,
  answers,
  errorBody,
  requestIdFrom,
  statusOf,
  wrongMethod,
} from './peer-common.mjs';

let draining = false;

const fastify = Fastify({
  logger: {
    level: 'info',
    base: { pid: process.pid },
    serializers: accessLogSerializers,
    stream: pino.destination({ dest: 1, sync: false }),
  },
  logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
  requestIdHeader: false,
  genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
  keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  http: { headersTimeout: HEADERS_TIMEOUT_MS },
});

await fastify.register(helmet, API_HELMET_OPTIONS);

fastify.addHook('onRequest', (request, reply, done) => {
  reply.header('X-Request-Id', request.id);
  reply.header('Cache-Control', 'no-store');
  if (draining) reply.header('Connection', 'close');
  done();
});
fastify.addHook('onResponse', (request, reply, done) => {
  const failed = reply.statusCode >= 500;
  request.log[failed ? 'error' : 'info'](
    { req: request, res: reply, responseTime: Math.round(reply.elapsedTime * 1000) / 1000 },
    failed ? 'request failed' : 'request completed',
  );
  done();
});

fastify.get('/', async () => answers.about);
fastify.get('/health', async () => answers.health);
fastify.get('/ready', async (_request, reply) => {
  if (!draining) return answers.ready;
  reply.code(503);
  return answers.draining;
});
fastify.get('/version', async () => answers.version);

const known = new Set(ROUTES);
fastify.setNotFoundHandler((request, reply) => {
  if (!known.has(request.url.split('?')[0])) return reply.code(404).send(errorBody(404, request.id));
  const { status } = wrongMethod(request.method);
  reply.header('Allow', ALLOW);
  // As @koa/router answers OPTIONS: 200, an empty text body.
  if (status === 200) return reply.code(200).type('text/plain; charset=utf-8').send('');
  return reply.code(status).send(errorBody(status, request.id));
});
fastify.setErrorHandler((error, request, reply) => {
  const status = statusOf(error);
  if (status >= 500) request.log.error({ err: error }, 'unhandled error');
  const message = status < 500 && error?.expose === true ? error.message : undefined;
  reply.code(status).send(message ? { error: message, requestId: request.id } : errorBody(status, request.id));
});

const url = await fastify.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
fastify.log.info({ url, port: fastify.server.address().port }, 'listening');

process.once('SIGTERM', async () => {
  draining = true;
  fastify.log.info('draining');
  // Fastify answers what arrives while it closes with 503 and closes idle connections itself.
  await fastify.close();
  fastify.log.info('stopped');
  process.exit(0);
});
