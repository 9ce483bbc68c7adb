// The ceiling for the demo-app benchmark: node:http answering the demo app's JSON with nothing in
// between (no framework, no headers beyond the JSON's, no logging). Prints the same
// `{"msg":"listening","url":...}` line as the demo app so the benchmark starts both alike.
import { createServer } from 'node:http';

const bodies = {
  '/health': JSON.stringify({ status: 'ok' }),
  '/version': JSON.stringify({
    version: process.env.APP_VERSION ?? '0.0.0-dev',
    commit: process.env.GIT_SHA ?? 'unknown',
    builtAt: null,
  }),
};

const server = createServer((request, response) => {
  const body = request.method === 'GET' ? bodies[request.url] : undefined;
  if (body === undefined) {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not Found"}');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}`, port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
