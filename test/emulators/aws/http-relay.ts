import {
  request as httpRequest,
  type Agent,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';

/**
 * One request passed on to a loopback upstream and its answer streamed back: the proxying both the
 * ECS service's load balancer (ecs/load-balancer.ts) and an ELBv2 listener's front door
 * (elbv2-routing.ts) do. `finish` is told once how the exchange ended: the status the client got,
 * and the upstream's answer when it came (not when the client went away or the upstream could not
 * be reached, which is a 502 in the caller's own words).
 */

export interface RelayOptions {
  host: string;
  port: number;
  headers: OutgoingHttpHeaders;
  agent?: Agent;
  /** The headers the client gets with the upstream's answer. */
  answerHeaders(answer: IncomingMessage): OutgoingHttpHeaders;
  /** What the client gets when the upstream cannot be reached before anything was sent. */
  badGateway: { headers: OutgoingHttpHeaders; body: string };
  finish(status: number, answer?: IncomingMessage): void;
}

export function relay(request: IncomingMessage, response: ServerResponse, options: RelayOptions): void {
  let done = false;
  const finish = (status: number, answer?: IncomingMessage) => {
    if (done) return;
    done = true;
    options.finish(status, answer);
  };
  const upstream = httpRequest(
    {
      host: options.host,
      port: options.port,
      method: request.method,
      path: request.url,
      headers: options.headers,
      ...(options.agent ? { agent: options.agent } : {}),
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, options.answerHeaders(answer));
      answer.pipe(response);
      answer.once('end', () => finish(answer.statusCode ?? 502, answer));
      answer.once('error', () => finish(502, answer));
    },
  );
  upstream.once('error', () => {
    if (!response.headersSent) {
      response.writeHead(502, options.badGateway.headers);
      response.end(options.badGateway.body);
    } else {
      response.destroy();
    }
    finish(502);
  });
  response.once('close', () => {
    if (!done) upstream.destroy();
    finish(response.statusCode);
  });
  request.pipe(upstream);
}
