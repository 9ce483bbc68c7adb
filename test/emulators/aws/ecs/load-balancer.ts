import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { relay } from '../http-relay.js';

/**
 * A service's local load balancer: an HTTP server on loopback (port chosen by the OS) that sends
 * each request to the next of the service's healthy running tasks (round robin), as an ALB sends
 * to its healthy targets. A task that starts draining or stopping gets no new request; the
 * requests it is serving finish, and `drained(task)` resolves when none is left, so the runtime
 * stops the task only then. With no healthy task it answers 503, as an ALB with no healthy target
 * does; a task that cannot be reached is a 502. Each answer names the task that served it in
 * `x-shipyard-task` (its id).
 */

/**
 * HTTP servers already listening on 127.0.0.1 (OS-chosen ports), so a load balancer's URL can be
 * handed out synchronously (binding to an address is asynchronous in Node). Taking one starts
 * binding a replacement; if several are taken within one tick and none is left, the next is bound
 * to every interface (which binds at once) and refuses any connection not from loopback.
 */
export class ListenerPool {
  private readonly spares: Server[] = [];
  private refilling: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly size = 2) {}

  /** Bind spares until there are `size` of them. */
  fill(): Promise<void> {
    this.refilling ??= (async () => {
      while (!this.closed && this.spares.length < this.size) {
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        // A spare (and the load balancer it becomes) never keeps the process alive by itself.
        server.unref();
        if (this.closed) server.close();
        else this.spares.push(server);
      }
    })().finally(() => {
      this.refilling = undefined;
    });
    return this.refilling;
  }

  take(): Server {
    const spare = this.spares.shift();
    void this.fill().catch(() => undefined);
    if (spare) return spare;
    const server = createServer();
    server.on('connection', (socket) => {
      const remote = socket.remoteAddress ?? '';
      if (!(remote.startsWith('127.') || remote === '::1' || remote.startsWith('::ffff:127.'))) socket.destroy();
    });
    server.listen(0);
    server.unref();
    return server;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.refilling?.catch(() => undefined);
    await Promise.all(
      this.spares.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }
}

/** How many routed requests `routed()` remembers (the newest). */
export const ROUTED_LOG_LIMIT = 10_000;

export interface LoadBalancerTarget {
  taskId: string;
  port: number;
}

export interface RoutedRequest {
  taskId: string;
  method: string;
  path: string;
  status: number;
}

export class ServiceLoadBalancer {
  private readonly server: Server;
  private next = 0;
  private readonly inFlight = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly log: RoutedRequest[] = [];
  readonly url: string;

  /** `server`: one already listening on loopback (from a `ListenerPool`); its requests come here from now on. */
  /** `onChange`: told whenever a request to a task begins or ends (so waits on `inFlightTo` need no polling). */
  constructor(
    server: Server,
    private readonly targets: () => LoadBalancerTarget[],
    private readonly onChange: () => void = () => undefined,
  ) {
    this.server = server;
    this.server.on('request', (request: IncomingMessage, response: ServerResponse) => this.route(request, response));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('the load balancer has no port');
    this.url = `http://127.0.0.1:${address.port}`;
  }

  /** The tasks that would be sent a request now (healthy, running, not draining). */
  healthyTargets(): LoadBalancerTarget[] {
    return this.targets();
  }

  /** The requests routed so far (the newest ROUTED_LOG_LIMIT), oldest first: which task served each, and its status. */
  routed(): RoutedRequest[] {
    return [...this.log];
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    const healthy = this.targets();
    if (healthy.length === 0) {
      request.resume();
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      response.end('503 Service Temporarily Unavailable: no healthy task\n');
      return;
    }
    const target = healthy[this.next % healthy.length];
    this.next = (this.next + 1) % Math.max(1, healthy.length);
    this.begin(target.taskId);
    const headers = { ...request.headers, 'x-forwarded-for': request.socket.remoteAddress ?? '127.0.0.1' };
    relay(request, response, {
      host: '127.0.0.1',
      port: target.port,
      headers,
      answerHeaders: (answer) => ({ ...answer.headers, 'x-shipyard-task': target.taskId }),
      badGateway: {
        headers: { 'content-type': 'text/plain; charset=utf-8', 'x-shipyard-task': target.taskId },
        body: '502 Bad Gateway: the task did not answer\n',
      },
      finish: (status) => {
        this.log.push({ taskId: target.taskId, method: request.method ?? 'GET', path: request.url ?? '/', status });
        // A load test through it must not grow the log without bound: the newest entries are kept.
        if (this.log.length > ROUTED_LOG_LIMIT) this.log.splice(0, this.log.length - ROUTED_LOG_LIMIT);
        this.end(target.taskId);
      },
    });
  }

  private begin(taskId: string): void {
    this.inFlight.set(taskId, (this.inFlight.get(taskId) ?? 0) + 1);
    this.onChange();
  }

  private end(taskId: string): void {
    const left = (this.inFlight.get(taskId) ?? 1) - 1;
    if (left > 0) {
      this.inFlight.set(taskId, left);
      this.onChange();
      return;
    }
    this.inFlight.delete(taskId);
    for (const resolve of this.waiters.get(taskId) ?? []) resolve();
    this.waiters.delete(taskId);
    this.onChange();
  }

  /** Requests being served by a task now. */
  inFlightTo(taskId: string): number {
    return this.inFlight.get(taskId) ?? 0;
  }

  /** Resolves once the task serves no request (at once when it serves none), or after `timeoutMs`. */
  drained(taskId: string, timeoutMs: number): Promise<void> {
    if (!this.inFlight.has(taskId)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      const list = this.waiters.get(taskId) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.waiters.set(taskId, list);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const list of this.waiters.values()) for (const resolve of list) resolve();
    this.waiters.clear();
  }
}
