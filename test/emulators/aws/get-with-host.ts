import { request } from 'node:http';

export interface HostAnswer {
  status: number;
  /** The task that served it (the ECS load balancer's `x-shipyard-task`). */
  task?: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A GET to `url` with the Host header a browser would send for `host` (fetch cannot set Host):
 * how the tests reach a listener's front door for a preview's host name.
 */
export function getWithHost(url: string, host: string, path = '/'): Promise<HostAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const sent = request({ host: target.hostname, port: target.port, path, headers: { host } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          task: response.headers['x-shipyard-task'] as string | undefined,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: response.headers,
        }),
      );
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end();
  });
}
