import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  checkQueryShape,
  errorXml,
  parseQuery,
  queryServiceModel,
  responseXml,
  type QueryServiceModel,
} from './model/query.js';
import { ListenerPool } from './ecs/load-balancer.js';
import { ListenerFrontDoor, type TargetGroupMember } from './elbv2-routing.js';
import { verifySignature } from './sigv4.js';
import { AwsServiceError, type AwsEmulatorEnvironment, type AwsRequestContext, type AwsService } from './types.js';
import { readBody } from './read-body.js';

/**
 * Elastic Load Balancing v2 as much as preview environments need: load balancers and listeners
 * (seeded: the staging load balancer exists before any workflow runs), target groups, listener rules
 * with host-header conditions and forward actions, and tags. It speaks the query protocol (a form
 * body with `Action=…`, XML answers), judged by botocore's `elbv2` model (model/query.ts). Requests
 * reach it through the core's plain-HTTP hook (`routeHttp`): a form-encoded POST signed for
 * `elasticloadbalancing`. Errors are worded and coded as ELBv2 words them (`PriorityInUse`,
 * `TargetGroupNotFound`, `ResourceInUse`, `ValidationError`).
 */

const SERVICE = 'elasticloadbalancing';
const API_VERSION = '2015-12-01';

type Json = Record<string, unknown>;
type Tag = { Key: string; Value?: string };

interface LoadBalancerRecord {
  arn: string;
  name: string;
  id: string;
  dnsName: string;
  vpcId: string;
  createdAt: number;
}

interface ListenerRecord {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  defaultActions: Json[];
}

interface TargetGroupRecord {
  arn: string;
  name: string;
  fields: Json;
}

interface RuleRecord {
  arn: string;
  listenerArn: string;
  priority: number | 'default';
  conditions: Json[];
  actions: Json[];
}

const MUTATING = new Set([
  'CreateTargetGroup',
  'DeleteTargetGroup',
  'CreateRule',
  'DeleteRule',
  'ModifyRule',
  'SetRulePriorities',
  'AddTags',
  'RemoveTags',
]);

export interface SeedLoadBalancerOptions {
  name: string;
  vpcId?: string;
  /** One listener each; the default action forwards to `defaultTargetGroupArn` or answers 404. */
  listeners?: { port: number; protocol?: 'HTTP' | 'HTTPS'; defaultTargetGroupArn?: string }[];
}

export interface SeedTargetGroupOptions {
  name: string;
  port?: number;
  protocol?: string;
  vpcId?: string;
  targetType?: string;
  healthCheckPath?: string;
  tags?: Tag[];
}

export interface Elbv2Options {
  /**
   * The members of a target group now: the ECS services whose `loadBalancers` name it, each with
   * its local load balancer (index.ts wires ECS in). Without it every target group is empty.
   */
  targets?: (targetGroupArn: string) => TargetGroupMember[];
}

export interface Elbv2Service extends AwsService {
  /** Bind the spare listener the first `listenerUrl` takes (so the URL is handed out at once). */
  prepare(): Promise<void>;
  /**
   * The listener's loopback front door: `http://127.0.0.1:PORT` (OS-chosen, the same for the
   * listener's life) that evaluates the listener's rules as ELBv2 does and forwards to the matching
   * target group's ECS services (elbv2-routing.ts). Throws when the listener does not exist.
   */
  listenerUrl(listenerArn: string): string;
  /** The front door itself (what it routed), once `listenerUrl` made it. */
  listenerFrontDoor(listenerArn: string): ListenerFrontDoor | undefined;
  seedLoadBalancer(options: SeedLoadBalancerOptions): { loadBalancerArn: string; listenerArns: string[] };
  seedTargetGroup(options: SeedTargetGroupOptions): string;
  /** Add a rule as someone else would (for tests of what the action must leave alone). */
  seedRule(options: {
    listenerArn: string;
    priority: number;
    hosts: string[];
    targetGroupArn: string;
    tags?: Tag[];
  }): string;
  targetGroups(): TargetGroupRecord[];
  rules(listenerArn?: string): RuleRecord[];
  tagsOf(arn: string): Tag[];
}

/** Errors any query operation may answer whatever its model lists. */
const COMMON_QUERY_ERRORS = new Set([
  'ValidationError',
  'InvalidAction',
  'MissingAction',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'Throttling',
  'ServiceUnavailable',
  'InternalFailure',
]);

const validation = (message: string) => new AwsServiceError('ValidationError', message);

export function createElbv2Service(environment: AwsEmulatorEnvironment, options: Elbv2Options = {}): Elbv2Service {
  const loadBalancers = new Map<string, LoadBalancerRecord>();
  const frontDoors = new Map<string, ListenerFrontDoor>();
  const spareServers = new ListenerPool(1);
  const listeners = new Map<string, ListenerRecord>();
  const targetGroups = new Map<string, TargetGroupRecord>();
  const rules = new Map<string, RuleRecord>();
  const tags = new Map<string, Tag[]>();
  let model: QueryServiceModel | undefined;
  const getModel = () => (model ??= queryServiceModel('elbv2', API_VERSION));

  const scenario = () => environment.scenario();
  const prefix = (context?: AwsRequestContext) =>
    `arn:aws:elasticloadbalancing:${context?.region ?? scenario().region}:${context?.accountId ?? scenario().accountId}`;
  const hexId = () => environment.ids.hex(16);

  // ---- shapes as ELBv2 answers them ----

  function describeLoadBalancer(record: LoadBalancerRecord): Json {
    return {
      LoadBalancerArn: record.arn,
      DNSName: record.dnsName,
      CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
      CreatedTime: record.createdAt / 1000,
      LoadBalancerName: record.name,
      Scheme: 'internet-facing',
      VpcId: record.vpcId,
      State: { Code: 'active' },
      Type: 'application',
      AvailabilityZones: [],
      SecurityGroups: [],
      IpAddressType: 'ipv4',
    };
  }

  function describeListener(record: ListenerRecord): Json {
    return {
      ListenerArn: record.arn,
      LoadBalancerArn: record.loadBalancerArn,
      Port: record.port,
      Protocol: record.protocol,
      DefaultActions: record.defaultActions,
    };
  }

  /** The load balancers a target group is used by: through a listener's default action or a rule. */
  function loadBalancersOf(targetGroupArn: string): string[] {
    const found = new Set<string>();
    for (const listener of listeners.values()) {
      if (forwardsTo(listener.defaultActions, targetGroupArn)) found.add(listener.loadBalancerArn);
    }
    for (const rule of rules.values()) {
      if (forwardsTo(rule.actions, targetGroupArn)) found.add(listeners.get(rule.listenerArn)!.loadBalancerArn);
    }
    return [...found];
  }

  function describeTargetGroup(record: TargetGroupRecord): Json {
    return {
      TargetGroupArn: record.arn,
      TargetGroupName: record.name,
      ...record.fields,
      LoadBalancerArns: loadBalancersOf(record.arn),
    };
  }

  function describeRule(record: RuleRecord): Json {
    return {
      RuleArn: record.arn,
      Priority: String(record.priority),
      Conditions: record.conditions,
      Actions: record.actions,
      IsDefault: record.priority === 'default',
    };
  }

  // ---- checks ----

  function forwardsTo(actions: Json[], targetGroupArn: string): boolean {
    return actions.some(
      (action) =>
        action.TargetGroupArn === targetGroupArn ||
        ((action.ForwardConfig as Json | undefined)?.TargetGroups as Json[] | undefined)?.some(
          (tuple) => tuple.TargetGroupArn === targetGroupArn,
        ),
    );
  }

  function checkActions(actions: Json[]): Json[] {
    if (actions.length === 0) throw validation('A rule must have at least one action');
    return actions.map((action, index) => {
      const type = action.Type as string;
      if (type === 'forward') {
        const tuples = ((action.ForwardConfig as Json | undefined)?.TargetGroups as Json[] | undefined) ?? [];
        // Each group's weight as given (the router splits traffic by it), 1 when none is.
        const weights = new Map<string, number>();
        if (action.TargetGroupArn) weights.set(action.TargetGroupArn as string, 1);
        for (const tuple of tuples) {
          weights.set(tuple.TargetGroupArn as string, typeof tuple.Weight === 'number' ? tuple.Weight : 1);
        }
        const arns = [...weights.keys()];
        if (arns.length === 0) throw validation(`A target group ARN must be specified for action ${index + 1}`);
        for (const arn of arns) {
          if (!targetGroups.has(arn)) {
            throw new AwsServiceError('TargetGroupNotFound', `Target group '${arn}' not found`);
          }
        }
        return {
          Type: 'forward',
          ...(action.TargetGroupArn ? { TargetGroupArn: action.TargetGroupArn } : {}),
          ForwardConfig: {
            TargetGroups: arns.map((arn) => ({ TargetGroupArn: arn, Weight: weights.get(arn) ?? 1 })),
            TargetGroupStickinessConfig: { Enabled: false },
          },
          ...(action.Order !== undefined ? { Order: action.Order } : {}),
        };
      }
      if (type === 'fixed-response') return action;
      throw validation(`The emulator supports forward and fixed-response actions, not '${type}'`);
    });
  }

  const HOST = /^[A-Za-z0-9*?.-]{1,128}$/;

  function checkConditions(conditions: Json[]): Json[] {
    if (conditions.length === 0) throw validation('A rule must have at least one condition');
    return conditions.map((condition) => {
      const field = condition.Field as string | undefined;
      if (field !== 'host-header' && field !== 'path-pattern') {
        throw validation(`The emulator supports host-header and path-pattern conditions, not '${String(field)}'`);
      }
      const config = (field === 'host-header' ? condition.HostHeaderConfig : condition.PathPatternConfig) as
        Json | undefined;
      const values = ((config?.Values ?? condition.Values) as string[] | undefined) ?? [];
      if (config?.Values && condition.Values) {
        throw validation(
          `You cannot specify both 'Values' and '${field === 'host-header' ? 'HostHeaderConfig' : 'PathPatternConfig'}'`,
        );
      }
      if (values.length === 0) throw validation(`A '${field}' condition must have at least one value`);
      if (values.length > 5) throw validation(`A '${field}' condition can have at most 5 values`);
      if (field === 'host-header') {
        for (const host of values) {
          if (!HOST.test(host) || !host.includes('.') || !/\.[A-Za-z*?]+$/.test(host)) {
            throw validation(`Condition value '${host.slice(0, 128)}' is not a valid host header`);
          }
        }
      }
      return field === 'host-header'
        ? { Field: field, Values: values, HostHeaderConfig: { Values: values } }
        : { Field: field, Values: values, PathPatternConfig: { Values: values } };
    });
  }

  function checkTags(list: Tag[] | undefined): Tag[] {
    const given = list ?? [];
    const keys = new Set<string>();
    for (const tag of given) {
      if (tag.Key.startsWith('aws:')) throw validation("Tag keys starting with 'aws:' are reserved");
      if (keys.has(tag.Key)) throw new AwsServiceError('DuplicateTagKeys', `Tag key '${tag.Key}' is duplicated`);
      keys.add(tag.Key);
    }
    return given.map((tag) => ({ Key: tag.Key, Value: tag.Value ?? '' }));
  }

  function page<T>(items: T[], body: Json): { items: T[]; next?: string } {
    const size = (body.PageSize as number | undefined) ?? 400;
    const start = body.Marker ? Number(Buffer.from(String(body.Marker), 'base64').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) throw validation('Invalid marker');
    const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
    return { items: items.slice(start, start + size), next };
  }

  function resourceKind(arn: string): 'loadbalancer' | 'targetgroup' | 'listener' | 'listener-rule' | undefined {
    const resource = arn.split(':')[5] ?? '';
    const kind = resource.split('/')[0];
    return kind === 'loadbalancer' || kind === 'targetgroup' || kind === 'listener' || kind === 'listener-rule'
      ? kind
      : undefined;
  }

  function requireResource(arn: string): void {
    const kind = resourceKind(arn);
    const exists =
      (kind === 'loadbalancer' && loadBalancers.has(arn)) ||
      (kind === 'targetgroup' && targetGroups.has(arn)) ||
      (kind === 'listener' && listeners.has(arn)) ||
      (kind === 'listener-rule' && rules.has(arn));
    if (exists) return;
    if (kind === 'targetgroup') throw new AwsServiceError('TargetGroupNotFound', `Target group '${arn}' not found`);
    if (kind === 'listener') throw new AwsServiceError('ListenerNotFound', `Listener '${arn}' not found`);
    if (kind === 'listener-rule') throw new AwsServiceError('RuleNotFound', `One or more rules not found`);
    if (kind === 'loadbalancer') throw new AwsServiceError('LoadBalancerNotFound', `Load balancer '${arn}' not found`);
    throw validation(`'${arn}' is not a valid load balancer, target group, listener or rule ARN`);
  }

  // ---- operations ----

  const TARGET_GROUP_NAME = /^(?!-)[A-Za-z0-9-]{1,32}(?<!-)$/;

  function createTargetGroup(body: Json, context: AwsRequestContext): Json {
    const name = body.Name as string;
    if (!TARGET_GROUP_NAME.test(name) || name.startsWith('internal-')) {
      throw validation(
        `Target group name '${name.slice(0, 64)}' can have a maximum of 32 characters, can contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen`,
      );
    }
    const targetType = (body.TargetType as string | undefined) ?? 'instance';
    if (targetType !== 'lambda') {
      if (!body.Protocol) throw validation('A protocol must be specified');
      if (body.Port === undefined) throw validation('A port must be specified');
      if (!body.VpcId) throw validation('A VPC ID must be specified');
    }
    const fields: Json = {
      Protocol: body.Protocol,
      Port: body.Port,
      VpcId: body.VpcId,
      HealthCheckProtocol: body.HealthCheckProtocol ?? body.Protocol,
      HealthCheckPort: body.HealthCheckPort ?? 'traffic-port',
      HealthCheckEnabled: body.HealthCheckEnabled ?? true,
      HealthCheckIntervalSeconds: body.HealthCheckIntervalSeconds ?? 30,
      HealthCheckTimeoutSeconds: body.HealthCheckTimeoutSeconds ?? 5,
      HealthyThresholdCount: body.HealthyThresholdCount ?? 5,
      UnhealthyThresholdCount: body.UnhealthyThresholdCount ?? 2,
      HealthCheckPath: body.HealthCheckPath ?? '/',
      Matcher: body.Matcher ?? { HttpCode: '200' },
      TargetType: targetType,
      ProtocolVersion: body.ProtocolVersion ?? 'HTTP1',
      IpAddressType: body.IpAddressType ?? 'ipv4',
    };
    const existing = [...targetGroups.values()].find((record) => record.name === name);
    if (existing) {
      // As ELBv2 does: the same name with the same settings returns the existing group.
      const same = ['Protocol', 'Port', 'VpcId', 'TargetType'].every((key) => existing.fields[key] === fields[key]);
      if (!same)
        throw new AwsServiceError(
          'DuplicateTargetGroupName',
          'A target group with the same name exists, but with different settings',
        );
      return { TargetGroups: [describeTargetGroup(existing)] };
    }
    const record: TargetGroupRecord = { arn: `${prefix(context)}:targetgroup/${name}/${hexId()}`, name, fields };
    targetGroups.set(record.arn, record);
    tags.set(record.arn, checkTags(body.Tags as Tag[] | undefined));
    return { TargetGroups: [describeTargetGroup(record)] };
  }

  function describeTargetGroups(body: Json): Json {
    let found = [...targetGroups.values()];
    const names = body.Names as string[] | undefined;
    const arns = body.TargetGroupArns as string[] | undefined;
    if (names && arns)
      throw validation('Target group names and target group ARNs cannot be specified at the same time');
    if (names) {
      found = names.map((name) => {
        const record = found.find((candidate) => candidate.name === name);
        if (!record) throw new AwsServiceError('TargetGroupNotFound', `One or more target groups not found`);
        return record;
      });
    }
    if (arns) {
      found = arns.map((arn) => {
        const record = targetGroups.get(arn);
        if (!record) throw new AwsServiceError('TargetGroupNotFound', `One or more target groups not found`);
        return record;
      });
    }
    if (body.LoadBalancerArn) {
      if (!loadBalancers.has(body.LoadBalancerArn as string)) {
        throw new AwsServiceError('LoadBalancerNotFound', `Load balancer '${String(body.LoadBalancerArn)}' not found`);
      }
      found = found.filter((record) => loadBalancersOf(record.arn).includes(body.LoadBalancerArn as string));
    }
    const { items, next } = page(found, body);
    return { TargetGroups: items.map(describeTargetGroup), ...(next ? { NextMarker: next } : {}) };
  }

  function deleteTargetGroup(body: Json): Json {
    const arn = body.TargetGroupArn as string;
    if (!targetGroups.has(arn)) return {};
    if (loadBalancersOf(arn).length > 0) {
      throw new AwsServiceError('ResourceInUse', `Target group '${arn}' is currently in use by a listener or a rule`);
    }
    targetGroups.delete(arn);
    tags.delete(arn);
    return {};
  }

  function listenerOf(arn: string): ListenerRecord {
    const listener = listeners.get(arn);
    if (!listener) throw new AwsServiceError('ListenerNotFound', `Listener '${arn}' not found`);
    return listener;
  }

  function createRule(body: Json, context: AwsRequestContext): Json {
    const listener = listenerOf(body.ListenerArn as string);
    const priority = body.Priority as number;
    const conditions = checkConditions(body.Conditions as Json[]);
    const actions = checkActions(body.Actions as Json[]);
    if ([...rules.values()].some((rule) => rule.listenerArn === listener.arn && rule.priority === priority)) {
      throw new AwsServiceError('PriorityInUse', `Priority '${priority}' is currently in use`);
    }
    const tail = listener.arn.split(':listener/')[1];
    const record: RuleRecord = {
      arn: `${prefix(context)}:listener-rule/${tail}/${hexId()}`,
      listenerArn: listener.arn,
      priority,
      conditions,
      actions,
    };
    const ruleTags = checkTags(body.Tags as Tag[] | undefined);
    rules.set(record.arn, record);
    tags.set(record.arn, ruleTags);
    return { Rules: [describeRule(record)] };
  }

  function describeRules(body: Json): Json {
    const arns = body.RuleArns as string[] | undefined;
    let found: RuleRecord[];
    if (arns) {
      found = arns.map((arn) => {
        const record = rules.get(arn);
        if (!record) throw new AwsServiceError('RuleNotFound', 'One or more rules not found');
        return record;
      });
    } else if (body.ListenerArn) {
      const listener = listenerOf(body.ListenerArn as string);
      found = [...rules.values()]
        .filter((rule) => rule.listenerArn === listener.arn)
        .sort((a, b) => (a.priority === 'default' ? 1 : b.priority === 'default' ? -1 : a.priority - b.priority));
    } else {
      throw validation('A listener ARN or a set of rule ARNs must be specified');
    }
    const { items, next } = page(found, body);
    return { Rules: items.map(describeRule), ...(next ? { NextMarker: next } : {}) };
  }

  function ruleOf(arn: string): RuleRecord {
    const rule = rules.get(arn);
    if (!rule) throw new AwsServiceError('RuleNotFound', 'One or more rules not found');
    return rule;
  }

  function deleteRule(body: Json): Json {
    const rule = ruleOf(body.RuleArn as string);
    if (rule.priority === 'default')
      throw new AwsServiceError('OperationNotPermitted', 'Default rule cannot be deleted');
    rules.delete(rule.arn);
    tags.delete(rule.arn);
    return {};
  }

  function modifyRule(body: Json): Json {
    const rule = ruleOf(body.RuleArn as string);
    const conditions = body.Conditions ? checkConditions(body.Conditions as Json[]) : rule.conditions;
    const actions = body.Actions ? checkActions(body.Actions as Json[]) : rule.actions;
    if (rule.priority === 'default' && body.Conditions) {
      throw new AwsServiceError('OperationNotPermitted', 'Conditions cannot be modified for a default rule');
    }
    rule.conditions = conditions;
    rule.actions = actions;
    return { Rules: [describeRule(rule)] };
  }

  function describeListeners(body: Json): Json {
    const arns = body.ListenerArns as string[] | undefined;
    let found: ListenerRecord[];
    if (arns) found = arns.map(listenerOf);
    else if (body.LoadBalancerArn) {
      if (!loadBalancers.has(body.LoadBalancerArn as string)) {
        throw new AwsServiceError('LoadBalancerNotFound', `Load balancer '${String(body.LoadBalancerArn)}' not found`);
      }
      found = [...listeners.values()].filter((listener) => listener.loadBalancerArn === body.LoadBalancerArn);
    } else throw validation('A load balancer ARN or a set of listener ARNs must be specified');
    const { items, next } = page(found, body);
    return { Listeners: items.map(describeListener), ...(next ? { NextMarker: next } : {}) };
  }

  function describeLoadBalancers(body: Json): Json {
    let found = [...loadBalancers.values()];
    const names = body.Names as string[] | undefined;
    const arns = body.LoadBalancerArns as string[] | undefined;
    if (names || arns) {
      found = found.filter((record) => names?.includes(record.name) || arns?.includes(record.arn));
      if (found.length < (names?.length ?? 0) + (arns?.length ?? 0)) {
        throw new AwsServiceError('LoadBalancerNotFound', 'One or more load balancers not found');
      }
    }
    const { items, next } = page(found, body);
    return { LoadBalancers: items.map(describeLoadBalancer), ...(next ? { NextMarker: next } : {}) };
  }

  function addTags(body: Json): Json {
    const arns = body.ResourceArns as string[];
    for (const arn of arns) requireResource(arn);
    const given = checkTags(body.Tags as Tag[]);
    for (const arn of arns) {
      const current = tags.get(arn) ?? [];
      const merged = [...current.filter((tag) => !given.some((g) => g.Key === tag.Key)), ...given];
      if (merged.length > 50) throw new AwsServiceError('TooManyTags', 'A resource can have at most 50 tags');
      tags.set(arn, merged);
    }
    return {};
  }

  function removeTags(body: Json): Json {
    const arns = body.ResourceArns as string[];
    for (const arn of arns) requireResource(arn);
    const keys = body.TagKeys as string[];
    for (const arn of arns)
      tags.set(
        arn,
        (tags.get(arn) ?? []).filter((tag) => !keys.includes(tag.Key)),
      );
    return {};
  }

  function describeTags(body: Json): Json {
    const arns = body.ResourceArns as string[];
    if (arns.length > 20) throw validation('ResourceArns can have at most 20 items');
    for (const arn of arns) requireResource(arn);
    // An untagged resource is described without a Tags member (the model's TagList has at least one).
    return {
      TagDescriptions: arns.map((arn) => {
        const list = tags.get(arn) ?? [];
        return list.length > 0 ? { ResourceArn: arn, Tags: list } : { ResourceArn: arn };
      }),
    };
  }

  const operations: Record<string, (body: Json, context: AwsRequestContext) => Json> = {
    CreateTargetGroup: createTargetGroup,
    DescribeTargetGroups: describeTargetGroups,
    DeleteTargetGroup: deleteTargetGroup,
    CreateRule: createRule,
    DescribeRules: describeRules,
    DeleteRule: deleteRule,
    ModifyRule: modifyRule,
    DescribeListeners: describeListeners,
    DescribeLoadBalancers: describeLoadBalancers,
    AddTags: addTags,
    RemoveTags: removeTags,
    DescribeTags: describeTags,
  };

  // ---- the wire ----

  function isQueryRequest(request: IncomingMessage): boolean {
    const type = String(request.headers['content-type'] ?? '');
    const auth = String(request.headers.authorization ?? '');
    return (
      request.method === 'POST' &&
      type.startsWith('application/x-www-form-urlencoded') &&
      auth.includes(`/${SERVICE}/aws4_request`)
    );
  }

  function send(response: ServerResponse, status: number, xml: string, requestId: string): void {
    response.writeHead(status, {
      'content-type': 'text/xml',
      'content-length': Buffer.byteLength(xml),
      'x-amzn-requestid': requestId,
    });
    response.end(xml);
  }

  /** Whether the model lets this operation answer this error code. */
  function declared(operation: string, code: string): boolean {
    if (COMMON_QUERY_ERRORS.has(code)) return true;
    const errors = getModel().operations.get(operation)?.errors ?? new Set<string>();
    return [...errors].some((shape) => getModel().errorCodes.get(shape) === code);
  }

  async function routeHttp(
    request: IncomingMessage,
    response: ServerResponse,
    context: AwsRequestContext,
  ): Promise<boolean> {
    if (!isQueryRequest(request)) return false;
    const started = Date.now();
    const arrivedAt = environment.clock.now();
    const requestId = randomUUID();
    const body = await readBody(request);
    const params = new URLSearchParams(body.toString('utf8'));
    const operation = params.get('Action') ?? '';
    const current = getModel();
    let parsed: Json = {};
    const log = (status: number, extra: Json = {}) =>
      environment.recordCall({
        service: 'elbv2',
        operation,
        mutating: MUTATING.has(operation),
        status,
        time: new Date(arrivedAt).toISOString(),
        timeMs: arrivedAt,
        durationMs: Date.now() - started,
        request: parsed,
        ...extra,
      });
    const fail = (error: AwsServiceError, extra: Json = {}) => {
      log(error.status, { errorType: error.type, ...extra });
      send(response, error.status, errorXml(current, error.type, error.message, requestId), requestId);
      return true;
    };

    const auth = verifySignature(request, body, scenario().credentials);
    if (!auth.ok) {
      const code = auth.error.type.replace(/Exception$/, '');
      return fail(
        new AwsServiceError(code === 'UnrecognizedClient' ? 'InvalidClientTokenId' : code, auth.error.message, 403),
      );
    }
    const operationModel = current.operations.get(operation);
    const handler = operations[operation];
    if (!operationModel || !handler) {
      return fail(
        new AwsServiceError(
          'InvalidAction',
          `Could not find operation ${operation.slice(0, 64)} for version ${API_VERSION}`,
        ),
      );
    }
    if (params.get('Version') !== API_VERSION) {
      return fail(validation(`Version '${String(params.get('Version')).slice(0, 32)}' is not ${API_VERSION}`));
    }
    const query = parseQuery(current, operationModel.input!, params);
    parsed = query.value;
    const violations = [
      ...query.unknown.map((key) => `${key}: not a parameter of ${operation}`),
      ...query.malformed.map((key) => `${key}: not a valid value`),
      ...checkQueryShape(current, operationModel.input!, parsed, 'request').map((v) => `${v.path}: ${v.message}`),
    ];
    if (violations.length > 0) {
      return fail(validation(violations[0]), { modelViolations: violations });
    }

    await environment.beforeCall?.('elbv2', operation, parsed);
    const requestContext: AwsRequestContext = {
      region: auth.scope.region,
      accountId: context.accountId,
      now: context.now,
    };
    let result: Json;
    try {
      result = handler(parsed, requestContext);
    } catch (error) {
      if (error instanceof AwsServiceError) {
        if (!declared(operation, error.type)) {
          const problem = `${operation} answered ${error.type}, which the elbv2 model does not list for it`;
          environment.recordProblem?.({ service: 'elbv2', operation, message: problem });
          return fail(new AwsServiceError('InternalFailure', problem, 500), { problems: [problem] });
        }
        return fail(error);
      }
      const message = `emulator error in ${operation}: ${error instanceof Error ? error.message : String(error)}`;
      environment.recordProblem?.({ service: 'elbv2', operation, message });
      return fail(new AwsServiceError('InternalFailure', message, 500), { problems: [message] });
    }
    const broken = operationModel.output
      ? checkQueryShape(current, operationModel.output, result, 'response').map((v) => `${v.path}: ${v.message}`)
      : [];
    if (broken.length > 0) {
      environment.recordProblem?.({ service: 'elbv2', operation, message: broken.join('; ') });
      return fail(new AwsServiceError('InternalFailure', `emulator answer breaks the elbv2 model: ${broken[0]}`, 500), {
        problems: broken,
      });
    }
    log(200);
    send(response, 200, responseXml(current, operation, result, requestId), requestId);
    return true;
  }

  return {
    targetPrefix: 'ElasticLoadBalancing_v10',
    name: 'elbv2',
    mutatingOperations: MUTATING,
    handle(operation) {
      // Query-protocol requests never arrive as JSON 1.1 (routeHttp answers them).
      throw new AwsServiceError('UnknownOperationException', `elbv2 speaks the query protocol, not JSON: ${operation}`);
    },
    routeHttp,
    prepare: () => spareServers.fill(),
    async close() {
      await Promise.all([...frontDoors.values()].map((door) => door.close()));
      frontDoors.clear();
      await spareServers.close();
    },
    listenerUrl(listenerArn) {
      const listener = listeners.get(listenerArn);
      if (!listener) throw new Error(`listenerUrl: no listener '${listenerArn}'`);
      let door = frontDoors.get(listenerArn);
      if (!door) {
        door = new ListenerFrontDoor({
          server: spareServers.take(),
          port: listener.port,
          protocol: listener.protocol,
          // Read at every request: rules created, modified or deleted apply to the next one.
          rules: () => [...rules.values()].filter((rule) => rule.listenerArn === listenerArn),
          members: (targetGroupArn) =>
            targetGroups.has(targetGroupArn) ? (options.targets?.(targetGroupArn) ?? []) : [],
        });
        frontDoors.set(listenerArn, door);
      }
      return door.url;
    },
    listenerFrontDoor: (listenerArn) => frontDoors.get(listenerArn),
    reset() {
      for (const door of frontDoors.values()) void door.close();
      frontDoors.clear();
      loadBalancers.clear();
      listeners.clear();
      targetGroups.clear();
      rules.clear();
      tags.clear();
    },
    seedLoadBalancer({ name, vpcId = 'vpc-0a1b2c3d4e5f60718', listeners: wanted = [{ port: 80 }] }) {
      const id = hexId();
      const record: LoadBalancerRecord = {
        arn: `${prefix()}:loadbalancer/app/${name}/${id}`,
        name,
        id,
        dnsName: `${name}-${id.slice(0, 10)}.${scenario().region}.elb.amazonaws.com`,
        vpcId,
        createdAt: environment.clock.now(),
      };
      loadBalancers.set(record.arn, record);
      tags.set(record.arn, []);
      const listenerArns = wanted.map((spec) => {
        const listener: ListenerRecord = {
          arn: `${prefix()}:listener/app/${name}/${id}/${hexId()}`,
          loadBalancerArn: record.arn,
          port: spec.port,
          protocol: spec.protocol ?? 'HTTP',
          defaultActions: spec.defaultTargetGroupArn
            ? checkActions([{ Type: 'forward', TargetGroupArn: spec.defaultTargetGroupArn }])
            : [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' } }],
        };
        listeners.set(listener.arn, listener);
        tags.set(listener.arn, []);
        const rule: RuleRecord = {
          arn: `${prefix()}:listener-rule/app/${name}/${id}/${listener.arn.split('/').pop()}/${hexId()}`,
          listenerArn: listener.arn,
          priority: 'default',
          conditions: [],
          actions: listener.defaultActions,
        };
        rules.set(rule.arn, rule);
        tags.set(rule.arn, []);
        return listener.arn;
      });
      return { loadBalancerArn: record.arn, listenerArns };
    },
    seedTargetGroup({
      name,
      port = 3000,
      protocol = 'HTTP',
      vpcId = 'vpc-0a1b2c3d4e5f60718',
      targetType = 'ip',
      healthCheckPath = '/health',
      tags: seeded,
    }) {
      const context = {
        region: scenario().region,
        accountId: scenario().accountId,
        now: () => environment.clock.now(),
      };
      const result = createTargetGroup(
        {
          Name: name,
          Port: port,
          Protocol: protocol,
          VpcId: vpcId,
          TargetType: targetType,
          HealthCheckPath: healthCheckPath,
          Tags: seeded,
        },
        context,
      );
      return (result.TargetGroups as Json[])[0].TargetGroupArn as string;
    },
    seedRule({ listenerArn, priority, hosts, targetGroupArn, tags: seeded }) {
      const context = {
        region: scenario().region,
        accountId: scenario().accountId,
        now: () => environment.clock.now(),
      };
      const result = createRule(
        {
          ListenerArn: listenerArn,
          Priority: priority,
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: hosts } }],
          Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
          Tags: seeded,
        },
        context,
      );
      return (result.Rules as Json[])[0].RuleArn as string;
    },
    targetGroups: () => [...targetGroups.values()],
    rules: (listenerArn) => [...rules.values()].filter((rule) => !listenerArn || rule.listenerArn === listenerArn),
    tagsOf: (arn) => tags.get(arn) ?? [],
  };
}
