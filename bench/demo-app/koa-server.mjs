// Two rungs of the demo-app benchmark's cost ladder, between "node:http + the app's headers" and the
// demo app: Koa answering the demo app's JSON with the app's headers from one middleware, and with
// KOA_ROUTER=1 the same answers routed by @koa/router (routes() and allowedMethods(), as the app
// mounts them). No access log, no error handling, no draining: what the framework and the router
// cost on their own. Prints the same `{"msg":"listening","url":...}` line as the demo app.
import Router from '@koa/router';
import Koa from 'koa';
import { requestIdFrom, staticResponseHeaders } from '../../demo-app/dist/app.js';
import { bodies } from './answers.mjs';

const staticHeaders = staticResponseHeaders();

const app = new Koa();
app.use((ctx, next) => {
  const res = ctx.res;
  res.setHeader('X-Request-Id', requestIdFrom(ctx.req.headers['x-request-id']));
  for (const [name, value] of staticHeaders) res.setHeader(name, value);
  return next();
});
const send = (ctx, body) => {
  ctx.res.setHeader('Content-Type', 'application/json; charset=utf-8');
  ctx.body = body;
};
if (process.env.KOA_ROUTER === '1') {
  const router = new Router();
  for (const [path, body] of Object.entries(bodies)) router.get(path, (ctx) => send(ctx, body));
  app.use(router.routes());
  app.use(router.allowedMethods());
} else {
  app.use((ctx) => {
    const body = ctx.method === 'GET' ? bodies[ctx.path] : undefined;
    if (body !== undefined) send(ctx, body);
  });
}

const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}`, port }));
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
