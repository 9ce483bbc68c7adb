import { Agent, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { relay } from './http-relay.js';

/**
 * An ELBv2 listener as a loopback HTTP front door: each request is matched against the listener's
 * rules as an Application Load Balancer matches them (lowest priority number first, the default
 * rule last; every condition of a rule must match, any value of a condition may), and the matching
 * rule's action is carried out: `fixed-response` answers as configured, `forward` sends the request
 * to one of the target group's members (the ECS services whose `loadBalancers` name the group), each
 * through its service's own local load balancer (ecs/load-balancer.ts), which picks a healthy task,
 * keeps draining tasks out and counts in-flight requests so a stopping task finishes them first.
 * The rules are read at each request, so a rule created, modified or deleted takes effect at once.
 */

type Json = Record<string, unknown>;

/** A listener rule as the router needs it (elbv2.ts's record). */
export interface RoutingRule {
  arn: string;
  priority: number | 'default';
  conditions: Json[];
  actions: Json[];
}

/** One member of a target group: an ECS service and its local load balancer. */
export interface TargetGroupMember {
  cluster: string;
  serviceName: string;
  /** The service's local load balancer (`aws.ecs.serviceUrl`). */
  url: string;
  /** How many of its tasks are healthy targets now. */
  healthy: number;
}

export interface RoutedListenerRequest {
  method: string;
  host: string;
  path: string;
  /** The rule that matched (its ARN; the default rule's too). */
  ruleArn: string;
  /** `forward` or `fixed-response`. */
  action: string;
  targetGroupArn?: string;
  /** `cluster/service` the request went to. */
  service?: string;
  /** The task that served it (the service balancer's `x-shipyard-task`). */
  taskId?: string;
  status: number;
}

/** How many routed requests `routed()` remembers (the newest). */
export const LISTENER_LOG_LIMIT = 10_000;

/**
 * ELBv2's wildcard match: `*` is any run of characters (none included), `?` exactly one; every other
 * character literally. Host conditions compare case-insensitively, path patterns case-sensitively.
 */
export function wildcardMatch(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  // Iterative glob with backtracking to the last `*` (linear in practice, no regular expression).
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === v[vi]))) {
      pi += 1;
      vi += 1;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi;
      mark = vi;
      pi += 1;
    } else if (star >= 0) {
      pi = star + 1;
      mark += 1;
      vi = mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi += 1;
  return pi === p.length;
}

/** The host name of a Host header, without its port (`[::1]:80` keeps the brackets' content). */
export function hostName(header: string | undefined): string {
  const value = (header ?? '').trim();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end > 0 ? value.slice(1, end) : value;
  }
  const colon = value.lastIndexOf(':');
  return colon >= 0 ? value.slice(0, colon) : value;
}

/** The path of a request target, without its query string. */
export function pathOf(target: string | undefined): string {
  const value = target ?? '/';
  const query = value.indexOf('?');
  return query >= 0 ? value.slice(0, query) : value;
}

function conditionValues(condition: Json): string[] {
  const config = (condition.HostHeaderConfig ?? condition.PathPatternConfig) as Json | undefined;
  return ((config?.Values ?? condition.Values) as string[] | undefined) ?? [];
}

/** Whether a rule's conditions all match the request (a rule without conditions, the default, always does). */
export function ruleMatches(conditions: Json[], request: { host: string; path: string }): boolean {
  return conditions.every((condition) => {
    const values = conditionValues(condition);
    if (condition.Field === 'host-header') {
      return values.some((pattern) => wildcardMatch(pattern, request.host, true));
    }
    if (condition.Field === 'path-pattern') {
      return values.some((pattern) => wildcardMatch(pattern, request.path, false));
    }
    // A condition the emulator does not model never matches (elbv2.ts refuses them anyway).
    return false;
  });
}

/** The rule that applies: non-default rules by ascending priority, then the default rule. */
export function matchRule(rules: RoutingRule[], request: { host: string; path: string }): RoutingRule | undefined {
  const ordered = [...rules].sort((a, b) =>
    a.priority === 'default' ? 1 : b.priority === 'default' ? -1 : a.priority - b.priority,
  );
  return ordered.find((rule) => rule.priority === 'default' || ruleMatches(rule.conditions, request));
}

/** The action that answers: the first forward or fixed-response in `Order` (an ALB's terminal action). */
export function terminalAction(actions: Json[]): Json | undefined {
  const ordered = actions
    .map((action, index) => ({ action, index }))
    .sort(
      (a, b) =>
        ((a.action.Order as number | undefined) ?? a.index) - ((b.action.Order as number | undefined) ?? b.index),
    );
  return ordered.find(({ action }) => action.Type === 'forward' || action.Type === 'fixed-response')?.action;
}

/** A forward action's target groups with their weights. */
export function forwardTargets(action: Json): { arn: string; weight: number }[] {
  const tuples = ((action.ForwardConfig as Json | undefined)?.TargetGroups as Json[] | undefined) ?? [];
  if (tuples.length > 0) {
    return tuples.map((tuple) => ({
      arn: tuple.TargetGroupArn as string,
      weight: typeof tuple.Weight === 'number' ? tuple.Weight : 1,
    }));
  }
  return action.TargetGroupArn ? [{ arn: action.TargetGroupArn as string, weight: 1 }] : [];
}

/** ALB's own error page (it answers 502, 503 and 504 with such a body and `server: awselb/2.0`). */
function albErrorPage(status: number, reason: string): string {
  const title = `${status} ${reason}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
}

export interface ListenerFrontDoorOptions {
  /** The server (already listening on loopback) whose requests this listener answers from now on. */
  server: Server;
  /** The listener's modelled port and protocol (for X-Forwarded-Port and -Proto). */
  port: number;
  protocol: string;
  /** The listener's rules now (read at every request). */
  rules(): RoutingRule[];
  /** The members of a target group now. */
  members(targetGroupArn: string): TargetGroupMember[];
}

export class ListenerFrontDoor {
  readonly url: string;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly log: RoutedListenerRequest[] = [];
  private next = 0;
  private weighted = 0;

  constructor(private readonly options: ListenerFrontDoorOptions) {
    const address = options.server.address();
    if (!address || typeof address === 'string') throw new Error('the listener has no port');
    this.url = `http://127.0.0.1:${address.port}`;
    options.server.on('request', (request: IncomingMessage, response: ServerResponse) => this.route(request, response));
  }

  /** The requests routed so far (the newest LISTENER_LOG_LIMIT), oldest first. */
  routed(): RoutedListenerRequest[] {
    return [...this.log];
  }

  private record(entry: RoutedListenerRequest): void {
    this.log.push(entry);
    if (this.log.length > LISTENER_LOG_LIMIT) this.log.splice(0, this.log.length - LISTENER_LOG_LIMIT);
  }

  private answer(
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    headers: OutgoingHttpHeaders,
    body: string,
  ): void {
    request.resume();
    response.writeHead(status, { server: 'awselb/2.0', 'content-length': Buffer.byteLength(body), ...headers });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  /** No rule, or no healthy target: the ALB's own 503 page. */
  private unavailable(
    request: IncomingMessage,
    response: ServerResponse,
    entry: Omit<RoutedListenerRequest, 'status'>,
  ): void {
    this.record({ ...entry, status: 503 });
    this.answer(
      request,
      response,
      503,
      { 'content-type': 'text/html' },
      albErrorPage(503, 'Service Temporarily Unavailable'),
    );
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    const host = hostName(request.headers.host);
    const path = pathOf(request.url);
    const base = { method: request.method ?? 'GET', host, path };
    const rule = matchRule(this.options.rules(), { host, path });
    const action = rule ? terminalAction(rule.actions) : undefined;
    if (!rule || !action) {
      this.unavailable(request, response, { ...base, ruleArn: rule?.arn ?? '', action: 'none' });
      return;
    }
    if (action.Type === 'fixed-response') {
      const config = (action.FixedResponseConfig as Json | undefined) ?? {};
      const status = Number(config.StatusCode ?? 200);
      this.record({ ...base, ruleArn: rule.arn, action: 'fixed-response', status });
      this.answer(
        request,
        response,
        status,
        { 'content-type': String(config.ContentType ?? 'text/plain') },
        String(config.MessageBody ?? ''),
      );
      return;
    }
    const targetGroupArn = this.pickTargetGroup(forwardTargets(action));
    const members = targetGroupArn ? this.options.members(targetGroupArn).filter((member) => member.healthy > 0) : [];
    const total = members.reduce((sum, member) => sum + member.healthy, 0);
    if (!targetGroupArn || total === 0) {
      this.unavailable(request, response, { ...base, ruleArn: rule.arn, action: 'forward', targetGroupArn });
      return;
    }
    // Round robin over the group's healthy tasks: a service with more of them gets more requests.
    let slot = this.next % total;
    this.next = (this.next + 1) % total;
    let member = members[0];
    for (const candidate of members) {
      if (slot < candidate.healthy) {
        member = candidate;
        break;
      }
      slot -= candidate.healthy;
    }
    this.forward(request, response, member, { ...base, ruleArn: rule.arn, action: 'forward', targetGroupArn });
  }

  /** A weighted choice among a forward action's target groups (a rotating counter: deterministic). */
  private pickTargetGroup(groups: { arn: string; weight: number }[]): string | undefined {
    const live = groups.filter((group) => group.weight > 0);
    if (live.length <= 1) return live[0]?.arn ?? groups[0]?.arn;
    const total = live.reduce((sum, group) => sum + group.weight, 0);
    let slot = this.weighted % total;
    this.weighted = (this.weighted + 1) % total;
    for (const group of live) {
      if (slot < group.weight) return group.arn;
      slot -= group.weight;
    }
    return live[0].arn;
  }

  private forward(
    request: IncomingMessage,
    response: ServerResponse,
    member: TargetGroupMember,
    entry: Omit<RoutedListenerRequest, 'status'>,
  ): void {
    const target = new URL(member.url);
    const service = `${member.cluster}/${member.serviceName}`;
    const forwardedFor = [request.headers['x-forwarded-for'], request.socket.remoteAddress ?? '127.0.0.1']
      .filter(Boolean)
      .join(', ');
    const badGateway = albErrorPage(502, 'Bad Gateway');
    relay(request, response, {
      host: target.hostname,
      port: Number(target.port),
      headers: {
        ...request.headers,
        'x-forwarded-for': forwardedFor,
        'x-forwarded-proto': this.options.protocol.toLowerCase(),
        'x-forwarded-port': String(this.options.port),
      },
      agent: this.agent,
      answerHeaders: (answer) => answer.headers,
      badGateway: {
        headers: { server: 'awselb/2.0', 'content-type': 'text/html', 'content-length': Buffer.byteLength(badGateway) },
        body: badGateway,
      },
      finish: (status, answer) => {
        const taskId = answer?.headers['x-shipyard-task'] as string | undefined;
        this.record({ ...entry, service, ...(taskId ? { taskId } : {}), status });
      },
    });
  }

  async close(): Promise<void> {
    this.options.server.closeAllConnections();
    await new Promise<void>((resolve) => this.options.server.close(() => resolve()));
    this.agent.destroy();
  }
}
