import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * The rehearsal's stand-in for DNS: a forward proxy on loopback. The preview URLs the workflows
 * test (`http://pr-<N>.<preview domain>/`) name hosts no resolver here knows; every process of a
 * job is given `env` (HTTP_PROXY and the rest, NODE_USE_ENV_PROXY=1 for Node's own fetch and http),
 * so its requests for those names come here, and `route` says which loopback address serves each
 * (the staging load balancer listener's front door, which routes by the Host header as an ALB
 * does). Hosts `route` does not know are refused with 502: nothing leaves the machine.
 *
 * Both ways a client talks to a proxy are served: CONNECT (undici, Node's fetch, tunnels through
 * it, for http targets too) and absolute-form requests (`GET http://host/path`: Node's http with
 * NODE_USE_ENV_PROXY, curl, Python's and Go's clients for http targets), which go on with the
 * original Host header and the path only. NO_PROXY keeps the emulators (all on 127.0.0.1) direct.
 */

export interface ForwardProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** What a process needs to send its requests here: HTTP(S)_PROXY, NO_PROXY (both cases), NODE_USE_ENV_PROXY. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface ProxyTarget {
  host: string;
  port: number;
}

export type ProxyRoute = (host: string, port: number) => Promise<ProxyTarget | undefined> | ProxyTarget | undefined;

/** What a host with no route is told (the body of the 502). */
export function unroutedMessage(host: string): string {
  return `the rehearsal has no network beyond loopback: ${host} is not one of its names`;
}

/** Headers that describe one connection, not the request: never forwarded (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !named.has(name)),
  ) as IncomingHttpHeaders;
}

/** `host:port` of a CONNECT request (`[::1]:443` for IPv6); undefined when it is not one. */
export function parseAuthority(authority: string): ProxyTarget | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(authority);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: (match[1] ?? match[2]).toLowerCase(), port };
}

function describeError(error: unknown): string {
  // By shape, not instanceof: errors of Node's own modules may come from another realm (jest's).
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  return typeof message === 'string' ? message : String(error);
}

export interface ForwardProxyOptions {
  /**
   * More names clients reach directly, after 127.0.0.1, localhost and ::1 in NO_PROXY: names the
   * hosts file points at loopback, such as the emulated ECR registry's
   * (`123456789012.dkr.ecr.us-east-1.amazonaws.com`, see aws.ecr.registryHost(), without its port).
   * Without them, a client with `env` sends those names here, where `route` must know them.
   */
  direct?: string[];
}

export async function startForwardProxy(route: ProxyRoute, options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  // Its own agent without keep-alive: no upstream connection outlives its request, and close()
  // leaves nothing open behind it.
  const agent = new Agent({ keepAlive: false });

  const resolveRoute = async (host: string, port: number): Promise<ProxyTarget | undefined> => {
    try {
      return await route(host, port);
    } catch {
      return undefined;
    }
  };

  const refuse = (response: ServerResponse, message: string, status = 502) => {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(message),
      connection: 'close',
    });
    response.end(message);
  };

  /** An absolute-form request (`GET http://host/path HTTP/1.1`): forwarded with its Host header, path only. */
  const forward = async (request: IncomingMessage, response: ServerResponse) => {
    let target: URL;
    try {
      target = new URL(request.url ?? '');
    } catch {
      target = new URL('invalid:');
    }
    if (target.protocol !== 'http:' || !target.hostname) {
      request.resume();
      refuse(
        response,
        'the rehearsal forward proxy takes absolute-form http:// requests and CONNECT, not ' +
          `'${(request.url ?? '').slice(0, 80)}'`,
        400,
      );
      return;
    }
    const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = Number(target.port || 80);
    const to = await resolveRoute(host, port);
    if (!to) {
      request.resume();
      refuse(response, unroutedMessage(host));
      return;
    }
    const headers = endToEnd(request.headers);
    headers.host = request.headers.host ?? target.host;
    const upstream = httpRequest({
      host: to.host,
      port: to.port,
      method: request.method,
      path: `${target.pathname}${target.search}`,
      headers,
      agent,
    });
    upstream.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
      answer.pipe(response);
      answer.on('error', () => response.destroy());
    });
    upstream.on('error', (error) => {
      refuse(
        response,
        `the rehearsal forward proxy could not reach ${host}:${port} (${to.host}:${to.port}): ${describeError(error)}`,
      );
    });
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  };

  const server = createServer((request, response) => {
    void forward(request, response).catch(() => refuse(response, 'the rehearsal forward proxy failed'));
  });
  server.on('connection', track);

  /**
   * A CONNECT refused (a host with no route, or a route nobody answers at). undici tunnels plain
   * http:// requests too, and shows a refused CONNECT only as `fetch failed` (`Proxy response (502)
   * !== 200 when HTTP Tunneling`, two causes deep), so for a port other than 443 the tunnel is
   * opened and the request inside it answered with the 502 and the reason, which fetch then returns
   * as the response (smoke-test prints it). For 443 (TLS inside, which this proxy cannot answer)
   * the CONNECT itself is refused with them.
   */
  const refuseInTunnel = (client: Duplex, head: Buffer, port: number, message: string) => {
    const response = `HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n\r\n${message}`;
    if (client.destroyed) return;
    if (port === 443) {
      client.end(response);
      return;
    }
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    let received = head;
    const read = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // A TLS ClientHello (record type 22) cannot be answered in plain text: close the tunnel.
      if (received[0] === 0x16) {
        client.destroy();
        return;
      }
      // Answer once the request's head is in (a body, if any, is not waited for).
      if (received.includes('\r\n\r\n') || received.length > 65_536) {
        client.off('data', read);
        client.end(response);
      }
    };
    client.on('data', read);
    if (head.length > 0) read(Buffer.alloc(0));
  };

  /** CONNECT host:port: a tunnel to where `route` says, bytes piped both ways until either side ends. */
  server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => {
    const answer = (status: string, message: string) => {
      if (client.destroyed) return;
      client.end(
        `HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n\r\n${message}`,
      );
    };
    client.on('error', () => client.destroy());
    const wanted = parseAuthority(request.url ?? '');
    if (!wanted) {
      answer('400 Bad Request', `CONNECT wants host:port, not '${(request.url ?? '').slice(0, 80)}'`);
      return;
    }
    void resolveRoute(wanted.host, wanted.port).then((to) => {
      if (client.destroyed) return;
      if (!to) {
        refuseInTunnel(client, head, wanted.port, unroutedMessage(wanted.host));
        return;
      }
      const upstream: Socket = connect({ host: to.host, port: to.port });
      track(upstream);
      let established = false;
      upstream.once('connect', () => {
        established = true;
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', (error) => {
        if (!established)
          refuseInTunnel(
            client,
            head,
            wanted.port,
            `the rehearsal forward proxy could not reach ${wanted.host}:${wanted.port} (${to.host}:${to.port}): ${describeError(error)}`,
          );
        else client.destroy();
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => {
        if (established) client.end();
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const direct = ['127.0.0.1', 'localhost', '::1', ...(options.direct ?? [])].join(',');
  return {
    url,
    env: {
      HTTP_PROXY: url,
      http_proxy: url,
      HTTPS_PROXY: url,
      https_proxy: url,
      NO_PROXY: direct,
      no_proxy: direct,
      NODE_USE_ENV_PROXY: '1',
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
