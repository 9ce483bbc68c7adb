import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createApp, type AppOptions } from '@shipyard/demo-app/app';
import { listenOnLoopback, unusedPort, type Listening } from '@shipyard/harness/listen';

/**
 * Servers for the smoke-test suites, all on 127.0.0.1 with a port the OS picks. The deploy
 * scenarios run the real demo app: a front server hands each request to one demo-app instance or
 * another (Koa's `app.callback()`), which is what a load balancer does during a rollout.
 */

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export function demoApp(overrides: Partial<AppOptions> = {}): RequestListener {
  return createApp({
    version: '1.0.0',
    commit: 'aaaaaaa',
    environment: 'test',
    logger: false,
    ...overrides,
  }).callback();
}

/** Every request is recorded before the handler sees it, so a test can prove none was sent. */
export async function recordingServer(handler: RequestListener = demoApp()) {
  const requests: RecordedRequest[] = [];
  const running = await listenOnLoopback((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  return { ...running, requests };
}

/**
 * A rollout: the old version answers until the new one has been asked for its version
 * `switchAfter` times, then the new version answers everything. Counting requests rather than
 * seconds keeps the scenario the same on a fast or a loaded machine.
 */
export async function switchingDeploy({
  before,
  after,
  switchAfter,
}: {
  before: RequestListener;
  after: RequestListener;
  switchAfter: number;
}) {
  let versionRequests = 0;
  const running = await recordingServer((req, res) => {
    if (req.url?.startsWith('/version')) versionRequests += 1;
    (versionRequests > switchAfter ? after : before)(req, res);
  });
  return { ...running, versionRequests: () => versionRequests };
}

/** Wraps a handler so chosen paths answer only after a delay, as a slow dependency would. */
export function withDelay(handler: RequestListener, delays: Record<string, number>): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const delay = delays[req.url ?? ''];
    if (delay === undefined) handler(req, res);
    else setTimeout(() => handler(req, res), delay);
  };
}

/**
 * A port that refuses connections until `listen()` is called: reserved by binding it once, then
 * released, so a client meets ECONNREFUSED (nobody else binds it in the meantime on a test box).
 */
export async function refusingPort() {
  const port = await unusedPort();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    listen: (handler: RequestListener): Promise<Listening> => listenOnLoopback(handler, { port }),
  };
}
