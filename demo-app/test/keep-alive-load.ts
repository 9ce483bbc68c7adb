/**
 * Steady load the way a load balancer applies it: `connections` clients, each on its own keep-alive
 * socket, sending GETs back to back. Used by the shutdown test and the benchmark to count what
 * happens to requests around SIGTERM.
 *
 * After `markSignal()` the clients behave like an ALB whose target is deregistering: they keep
 * using the connections they have, and a client stops once an answer says `Connection: close`
 * (CLOSED), since a balancer would open its next connection to another task.
 *
 * A request that was sent and got no complete answer is FAILED, the figure that must be 0. A new
 * connection refused because the server stopped listening is REFUSED: it never reached the app.
 * A client also stops at its first refusal or failure, so the load ends once the server is gone.
 */
import { Agent, request } from 'node:http';

export interface LoadResult {
  completedBeforeSignal: number;
  completedAfterSignal: number;
  failed: number;
  /** Error codes of failed requests, e.g. { ECONNRESET: 2 }. */
  failures: Record<string, number>;
  refused: number;
  /** Clients that stopped because the server asked them to close after the signal. */
  closed: number;
  non2xx: number;
}

export interface KeepAliveLoad {
  /** Call when the signal is sent, to split the counts before and after. */
  markSignal(): void;
  /** Resolves once `count` requests have completed; rejects if the load ends first. */
  completed(count: number): Promise<void>;
  /** Resolves when every client has stopped. */
  done: Promise<LoadResult>;
}

export function keepAliveLoad(options: { url: string; connections: number }): KeepAliveLoad {
  const result: LoadResult = {
    completedBeforeSignal: 0,
    completedAfterSignal: 0,
    failed: 0,
    failures: {},
    refused: 0,
    closed: 0,
    non2xx: 0,
  };
  let signalled = false;
  const waiters: { count: number; resolve: () => void }[] = [];

  const onCompleted = (status: number) => {
    if (signalled) result.completedAfterSignal += 1;
    else result.completedBeforeSignal += 1;
    if (status < 200 || status > 299) result.non2xx += 1;
    const total = result.completedBeforeSignal + result.completedAfterSignal;
    for (const waiter of [...waiters]) {
      if (total >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  const once = (agent: Agent): Promise<'again' | 'stop'> =>
    new Promise((resolve) => {
      const outgoing = request(options.url, { agent }, (response) => {
        response.resume();
        response.on('end', () => {
          onCompleted(response.statusCode ?? 0);
          if (signalled && response.headers.connection === 'close') {
            result.closed += 1;
            resolve('stop');
          } else {
            resolve('again');
          }
        });
        response.on('error', (error: NodeJS.ErrnoException) => fail(error));
      });
      const fail = (error: NodeJS.ErrnoException) => {
        const code = error.code ?? error.message;
        if (code === 'ECONNREFUSED') {
          result.refused += 1;
        } else {
          result.failed += 1;
          result.failures[code] = (result.failures[code] ?? 0) + 1;
        }
        resolve('stop');
      };
      outgoing.on('error', fail);
      outgoing.end();
    });

  const client = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while ((await once(agent)) === 'again');
    } finally {
      agent.destroy();
    }
  };

  const done = Promise.all(Array.from({ length: options.connections }, client)).then(() => result);
  return {
    markSignal: () => {
      signalled = true;
    },
    completed: (count) =>
      new Promise<void>((resolve, reject) => {
        if (result.completedBeforeSignal + result.completedAfterSignal >= count) return resolve();
        waiters.push({ count, resolve });
        void done.then((final) => reject(new Error(`load ended before ${count} requests: ${JSON.stringify(final)}`)));
      }),
    done,
  };
}
