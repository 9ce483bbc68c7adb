import { createServer, Server as HttpServer, type RequestListener } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';

/**
 * A server on loopback with a port the OS picked, its URL, and a `close()` that waits until it is
 * closed. Every listener this module opened and nobody closed is closed after each test file
 * (test/harness/jest-setup.ts calls `closeListeners`), so a failing test cannot leave one behind.
 */
export interface Listening<S extends NetServer = HttpServer> {
  server: S;
  port: number;
  /** `http://127.0.0.1:<port>` (the host given, when not 127.0.0.1). */
  url: string;
  /** Drops open connections (HTTP keep-alive ones too) and resolves once the server is closed. */
  close(): Promise<void>;
}

const open = new Set<Listening<NetServer>>();

/**
 * Start listening: `target` is a request handler (an HTTP server is made for it) or a server made
 * by the caller (node:http, node:net, or anything built on them). `port` 0 lets the OS choose.
 */
export function listenOnLoopback(
  target: RequestListener,
  options?: { port?: number; host?: string },
): Promise<Listening>;
export function listenOnLoopback<S extends NetServer>(
  target: S,
  options?: { port?: number; host?: string },
): Promise<Listening<S>>;
export function listenOnLoopback(
  target: RequestListener | NetServer,
  { port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {},
): Promise<Listening<NetServer>> {
  const server = typeof target === 'function' ? createServer(target) : target;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      const listening: Listening<NetServer> = {
        server,
        port: actual,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
        close: () => {
          open.delete(listening);
          if (server instanceof HttpServer) server.closeAllConnections();
          return new Promise<void>((done) => {
            if (!server.listening) done();
            else server.close(() => done());
          });
        },
      };
      open.add(listening);
      resolve(listening);
    });
  });
}

/**
 * A loopback port nothing listens on right now: bound once by the OS and released, so a client
 * meets a refused connection there until somebody listens on it (nobody else does on a test box).
 */
export async function unusedPort(): Promise<number> {
  const probe = await listenOnLoopback(createNetServer());
  await probe.close();
  return probe.port;
}

/** Close every listener still open (jest's setup file calls this after each test file). */
export async function closeListeners(): Promise<void> {
  await Promise.all([...open].map((listening) => listening.close()));
}
