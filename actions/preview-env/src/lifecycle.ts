import { REGISTERABLE_TASK_DEFINITION_FIELDS } from '@shipyard/shared/task-definition';
import type {
  CreateServiceCommandInput,
  RegisterTaskDefinitionCommandInput,
  Service,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import { shown } from '@shipyard/shared/text';
import type { PreviewEcs } from './ecs.js';
import { ruleHosts, ruleTargets, type PreviewElb } from './elb.js';
import {
  isPreview,
  previewFamily,
  previewNames,
  previewNumber,
  previewTags,
  type PreviewIdentity,
  type PreviewScope,
} from './naming.js';

/**
 * A preview's life: `up` makes sure every piece exists (target group, host-header rule, a revision
 * of the staging task definition with the pull request's image, the service), `down` removes every
 * piece it finds that carries this preview's tags, `livePreviews` finds the previews there are.
 * Each step looks before it changes anything, so a rerun (or a run after a half-finished one)
 * picks up where the last stopped. Nothing without the preview's tags is changed or deleted.
 */

export interface Clients {
  ecs: PreviewEcs;
  elb: PreviewElb;
  log(message: string): void;
  warn(message: string): void;
}

export interface UpRequest {
  identity: PreviewIdentity;
  cluster: string;
  listenerArn: string;
  domain: string;
  scheme: 'https' | 'http';
  image: string;
  containerName?: string;
  /** Set in the container's environment. */
  environment?: ReadonlyMap<string, string>;
  desiredCount: number;
  maxPreviews: number;
  priorities: { from: number; to: number };
  /**
   * Asked once everything exists: a reason the pull request no longer wants a preview (it was
   * closed while this run worked), or undefined. With a reason, what this run created is removed.
   */
  stillWanted?: () => Promise<string | undefined>;
}

export interface UpResult {
  url: string;
  service: string;
  targetGroupArn: string;
  ruleArn: string;
  taskDefinitionArn: string;
  /** Whether this run created the service (its first deployment already runs the new revision). */
  created: boolean;
  /** The pull requests with a live preview, this one included. */
  previews: number[];
}

/** What registering this definition again would send. */
export function registerable(definition: TaskDefinition): RegisterTaskDefinitionCommandInput {
  const input: Record<string, unknown> = {};
  for (const key of REGISTERABLE_TASK_DEFINITION_FIELDS) {
    const value = (definition as Record<string, unknown>)[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) input[key] = value;
  }
  return input as unknown as RegisterTaskDefinitionCommandInput;
}

/** The staging definition as the preview's: its family, and the image in the one container. */
export function previewDefinition(
  staging: TaskDefinition,
  {
    family,
    container,
    image,
    environment = new Map(),
  }: { family: string; container: string; image: string; environment?: ReadonlyMap<string, string> },
): RegisterTaskDefinitionCommandInput {
  const input = registerable(staging) as unknown as Record<string, unknown>;
  input.family = family;
  input.containerDefinitions = (staging.containerDefinitions ?? []).map((definition) => {
    if (definition.name !== container) return definition;
    const merged = new Map((definition.environment ?? []).map(({ name, value }) => [name ?? '', value ?? '']));
    for (const [name, value] of environment) merged.set(name, value);
    return {
      ...definition,
      image,
      ...(merged.size > 0 ? { environment: [...merged].map(([name, value]) => ({ name, value })) } : {}),
    };
  });
  return input as unknown as RegisterTaskDefinitionCommandInput;
}

/** Two definitions that register the same thing (key order and empty lists aside). */
export function sameDefinition(a: RegisterTaskDefinitionCommandInput, b: RegisterTaskDefinitionCommandInput): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (Array.isArray(item) && item.length === 0) return undefined;
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      return Object.fromEntries(
        Object.entries(item as Record<string, unknown>)
          .filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
          .sort(([x], [y]) => (x < y ? -1 : 1)),
      );
    }
    return item;
  });
}

/** The lowest priority in the range that no rule of the listener holds. */
export function freePriority(rules: readonly Rule[], range: { from: number; to: number }): number | undefined {
  const taken = new Set(rules.map((rule) => Number(rule.Priority)));
  for (let priority = range.from; priority <= range.to; priority += 1) if (!taken.has(priority)) return priority;
  return undefined;
}

function refuseForeign(what: string, name: string): never {
  throw new ActionFailure(
    `${what} ${shown(name)} exists but does not carry this preview's tags, so preview-env will not use or change it. ` +
      'Rename or remove it, or give the staging service a name whose previews do not collide with it',
  );
}

export async function up(clients: Clients, request: UpRequest): Promise<UpResult> {
  const { ecs, elb, log } = clients;
  const { identity, cluster } = request;

  // ---- read everything first: nothing changes until all of it checks out ----
  const staging = await ecs.describeService(cluster, identity.service);
  if (!staging) {
    throw new ActionFailure(`The staging service ${shown(identity.service)} is not in cluster ${shown(cluster)}`);
  }
  const balanced = staging.service.loadBalancers?.find((entry) => entry.targetGroupArn);
  if (!balanced?.targetGroupArn) {
    throw new ActionFailure(
      `The staging service ${shown(identity.service)} has no load balancer target group; previews copy it and route through its load balancer`,
    );
  }
  const container = request.containerName ?? balanced.containerName;
  if (!container || balanced.containerPort === undefined) {
    throw new ActionFailure('The staging service does not say which container and port its load balancer reaches');
  }
  const stagingDefinition = await ecs.describeTaskDefinition(staging.service.taskDefinition ?? '');
  if (!stagingDefinition)
    throw new ActionFailure(`Cannot read the staging task definition ${shown(staging.service.taskDefinition ?? '')}`);
  const containers = (stagingDefinition.definition.containerDefinitions ?? []).map((c) => c.name);
  if (!containers.includes(container)) {
    throw new ActionFailure(
      `The staging task definition has no container ${shown(container)} (it has ${containers.map((c) => shown(c ?? '')).join(', ')})`,
    );
  }
  const listener = await elb.listener(request.listenerArn);
  if (!listener) throw new ActionFailure(`The listener ${shown(request.listenerArn)} does not exist`);
  const stagingGroup = await elb.targetGroup(balanced.targetGroupArn);
  if (!stagingGroup)
    throw new ActionFailure(`The staging target group ${shown(balanced.targetGroupArn)} does not exist`);
  if (!(stagingGroup.LoadBalancerArns ?? []).includes(listener.LoadBalancerArn ?? '')) {
    throw new ActionFailure(
      `The listener ${shown(request.listenerArn)} is not on the staging service's load balancer; give a listener of the load balancer that routes to the staging target group`,
    );
  }

  const names = previewNames(identity, request.domain);
  const host = names.host!;
  const family = previewFamily(stagingDefinition.definition.family ?? '', identity.pr);
  if (family.length > 255)
    throw new ActionFailure(`The preview task definition family would be longer than 255 characters`);

  const existingService = await ecs.describeService(cluster, names.service);
  if (existingService && !isPreview(existingService.tags, identity)) refuseForeign('The ECS service', names.service);
  if (existingService?.service.status === 'DRAINING') {
    throw new ActionFailure(
      `The preview service ${names.service} is still being deleted (DRAINING, until its tasks have stopped); rerun the job in a few minutes`,
    );
  }
  const existingGroup = await elb.targetGroupNamed(names.targetGroup);
  if (existingGroup) {
    const tags = (await elb.tags([existingGroup.TargetGroupArn ?? ''])).get(existingGroup.TargetGroupArn ?? '');
    if (!tags || !isPreview(tags, identity)) refuseForeign('The target group', names.targetGroup);
  }
  let rules = await elb.rules(request.listenerArn);
  const foreign = rules.find(({ rule, tags }) => !isPreview(tags, identity) && ruleHosts(rule).includes(host));
  if (foreign) {
    throw new ActionFailure(
      `Another rule of the listener (priority ${foreign.rule.Priority}) already routes ${shown(host)}; preview-env will not take it over`,
    );
  }

  // A preview with a service is live: a push to it is never refused. Any other is new, and counts
  // against max-previews: first here, then again once its service (its claim) exists.
  const scope = { scope: identity, cluster, listenerArn: request.listenerArn };
  const isNew = !existingService;
  const live = (await previewCensus(clients, scope)).live;
  if (isNew) refuseOverCap(request, [...live.keys()]);

  // ---- then make sure each piece exists ----
  const tags = previewTags(identity);
  const made: Made = {};
  let groupArn = existingGroup?.TargetGroupArn;
  if (groupArn) log(`Target group ${names.targetGroup} exists: ${groupArn}`);
  else {
    groupArn =
      (await elb.createTargetGroup({ name: names.targetGroup, like: stagingGroup, tags })).TargetGroupArn ?? '';
    made.targetGroup = groupArn;
    log(`Created target group ${names.targetGroup}: ${groupArn}`);
  }

  let ruleArn = rules.find(({ tags: ruleTags }) => isPreview(ruleTags, identity))?.rule.RuleArn;
  const ours = rules.find(({ rule }) => rule.RuleArn === ruleArn)?.rule;
  if (ours && ruleArn) {
    if (ruleHosts(ours).join() !== host || [...new Set(ruleTargets(ours))].join() !== groupArn) {
      await elb.pointRule(ruleArn, host, groupArn);
      log(`Pointed rule ${ruleArn} at ${host} -> ${names.targetGroup}`);
    } else log(`Rule for ${host} exists (priority ${ours.Priority})`);
  }
  // Another preview's run may take the priority between the look and the create: look again, a few times.
  for (let attempt = 0; !ruleArn && attempt < 5; attempt += 1) {
    const priority = freePriority(
      rules.map(({ rule }) => rule),
      request.priorities,
    );
    if (priority === undefined) {
      throw new ActionFailure(
        `Every listener rule priority in rule-priorities ${request.priorities.from}-${request.priorities.to} is taken; widen the range`,
      );
    }
    const created = await elb.createRule({
      listenerArn: request.listenerArn,
      priority,
      host,
      targetGroupArn: groupArn,
      tags,
    });
    if (created === 'priority-in-use') {
      log(`Priority ${priority} was taken meanwhile; looking again`);
      rules = await elb.rules(request.listenerArn);
      continue;
    }
    ruleArn = created.RuleArn ?? '';
    made.rule = ruleArn;
    log(`Created rule ${ruleArn}: ${host} -> ${names.targetGroup} (priority ${priority})`);
  }
  if (!ruleArn) throw new ActionFailure('Could not find a free listener rule priority after 5 attempts; rerun the job');

  const wanted = previewDefinition(stagingDefinition.definition, {
    family,
    container,
    image: request.image,
    environment: request.environment,
  });
  const latest = await ecs.describeTaskDefinition(family);
  let taskDefinitionArn: string;
  if (
    latest &&
    latest.definition.status === 'ACTIVE' &&
    isPreview(latest.tags, identity) &&
    sameDefinition(registerable(latest.definition), wanted)
  ) {
    taskDefinitionArn = latest.definition.taskDefinitionArn ?? '';
    log(`Task definition unchanged: ${taskDefinitionArn}`);
  } else {
    taskDefinitionArn = await ecs.registerTaskDefinition(wanted, tags);
    made.revision = taskDefinitionArn;
    log(`Registered ${taskDefinitionArn} with ${request.image}`);
  }

  let created = false;
  let previews = [...new Set([...live.keys(), identity.pr])];
  if (existingService) {
    log(`Service ${names.service} exists; deploy the new revision to it (deploy-ecs)`);
  } else {
    const service = await ecs.createService(
      serviceLike(staging.service, {
        cluster,
        name: names.service,
        taskDefinitionArn,
        targetGroupArn: groupArn,
        container,
        port: balanced.containerPort,
        desiredCount: request.desiredCount,
      }),
      tags,
    );
    created = true;
    made.service = names.service;
    log(`Created service ${names.service}`);
    previews = await holdsUnderCap(clients, request, { claimedAt: service.createdAt, made });
  }
  // Closed while this run worked: a removal that ran meanwhile (sweep's) cannot have seen what this
  // run made after it, so this run takes it away again itself.
  const unwanted = await request.stillWanted?.();
  if (unwanted) {
    await backOut(clients, request, made);
    throw new ActionFailure(`${unwanted}; what this run had created for its preview was removed again`);
  }

  return {
    url: `${request.scheme}://${host}`,
    service: names.service,
    targetGroupArn: groupArn,
    ruleArn,
    taskDefinitionArn,
    created,
    previews: previews.sort((a, b) => a - b),
  };
}

/** What this run of `up` created: all a run that lost the race for the cap removes again. */
interface Made {
  targetGroup?: string;
  rule?: string;
  revision?: string;
  service?: string;
}

function refuseOverCap(request: UpRequest, live: readonly number[]): void {
  const failure = capFailure(request, live);
  if (failure) throw failure;
}

/** `up` refused by the cap: the pull request is told so (main.ts), the step fails with the message. */
export class CapReached extends ActionFailure {}

/** The cap's refusal when `live` (this preview left out) fills it, naming the live previews. */
function capFailure(request: UpRequest, live: readonly number[]): CapReached | undefined {
  const others = live.filter((pr) => pr !== request.identity.pr).sort((a, b) => a - b);
  if (others.length < request.maxPreviews) return undefined;
  return new CapReached(
    `max-previews is ${request.maxPreviews} and ${others.length} previews are live (${others.map((n) => `#${n}`).join(', ')}): no preview for #${request.identity.pr}. ` +
      'Close or merge one of those pull requests (its preview is removed), or raise max-previews',
  );
}

/** The order of claims on a place under the cap: the service's creation time, then the pull request. */
export function claimsBefore(a: { at: number; pr: number }, b: { at: number; pr: number }): boolean {
  return a.at < b.at || (a.at === b.at && a.pr < b.pr);
}

/**
 * The cap under concurrency, with no lock: two runs may both pass the first count. Each new
 * preview's claim is its service, whose `createdAt` ECS's own clock sets; once it exists, the
 * previews with a service are counted again and ordered by claim. A run with `max-previews` or
 * more claims before its own lost: it removes what it created, and only that, and fails with the
 * cap's message. Of two racing runs the later one always sees the earlier one's service (it was
 * created before its own), so the two agree and exactly one loses when one place is left.
 */
async function holdsUnderCap(
  clients: Clients,
  request: UpRequest,
  { claimedAt, made }: { claimedAt: Date | undefined; made: Made },
): Promise<number[]> {
  const { identity } = request;
  const census = await previewCensus(clients, {
    scope: identity,
    cluster: request.cluster,
    listenerArn: request.listenerArn,
  });
  const own = { pr: identity.pr, at: claimedAt?.getTime() ?? census.claims.get(identity.pr) ?? Infinity };
  const ahead = [...census.claims]
    .filter(([pr, at]) => pr !== identity.pr && claimsBefore({ pr, at }, own))
    .map(([pr]) => pr);
  const previews = [...new Set([...census.live.keys(), identity.pr])];
  if (ahead.length < request.maxPreviews) return previews;
  clients.warn(
    `Another preview claimed the last place under max-previews ${request.maxPreviews} first (${ahead.map((n) => `#${n}`).join(', ')} before #${identity.pr}); removing what this run created`,
  );
  await backOut(clients, request, made);
  // Every claim ahead is a live preview, so the cap's message names at least max-previews of them.
  throw capFailure(request, [...new Set([...previews, ...ahead])])!;
}

/** Remove what this run created (newest first); tolerant of a resource already gone. */
async function backOut(clients: Clients, request: UpRequest, made: Made): Promise<void> {
  const { ecs, elb, log } = clients;
  if (made.service) {
    await ecs.scaleToZero(request.cluster, made.service);
    await ecs.deleteService(request.cluster, made.service);
    log(`Deleted service ${made.service}`);
  }
  if (made.rule) {
    await elb.deleteRule(made.rule);
    log(`Deleted listener rule ${made.rule}`);
  }
  if (made.targetGroup) {
    await elb.deleteTargetGroup(made.targetGroup);
    log(`Deleted target group ${made.targetGroup}`);
  }
  if (made.revision) {
    await ecs.deregisterTaskDefinition(made.revision);
    log(`Deregistered ${made.revision}`);
  }
}

/** CreateService for the preview, from the staging service's settings. */
export function serviceLike(
  staging: Service,
  preview: {
    cluster: string;
    name: string;
    taskDefinitionArn: string;
    targetGroupArn: string;
    container: string;
    port: number;
    desiredCount: number;
  },
): CreateServiceCommandInput {
  const configuration = staging.deploymentConfiguration;
  return {
    cluster: preview.cluster,
    serviceName: preview.name,
    taskDefinition: preview.taskDefinitionArn,
    desiredCount: preview.desiredCount,
    loadBalancers: [
      { targetGroupArn: preview.targetGroupArn, containerName: preview.container, containerPort: preview.port },
    ],
    ...(staging.networkConfiguration ? { networkConfiguration: staging.networkConfiguration } : {}),
    ...(staging.capacityProviderStrategy?.length
      ? { capacityProviderStrategy: staging.capacityProviderStrategy }
      : staging.launchType
        ? { launchType: staging.launchType }
        : {}),
    ...(staging.platformVersion ? { platformVersion: staging.platformVersion } : {}),
    deploymentConfiguration: {
      ...(configuration?.deploymentCircuitBreaker
        ? { deploymentCircuitBreaker: configuration.deploymentCircuitBreaker }
        : {}),
      ...(configuration?.maximumPercent !== undefined ? { maximumPercent: configuration.maximumPercent } : {}),
      ...(configuration?.minimumHealthyPercent !== undefined
        ? { minimumHealthyPercent: configuration.minimumHealthyPercent }
        : {}),
    },
    ...(staging.healthCheckGracePeriodSeconds !== undefined
      ? { healthCheckGracePeriodSeconds: staging.healthCheckGracePeriodSeconds }
      : {}),
    ...(staging.enableExecuteCommand !== undefined ? { enableExecuteCommand: staging.enableExecuteCommand } : {}),
    enableECSManagedTags: staging.enableECSManagedTags ?? false,
    propagateTags: 'SERVICE',
  };
}

export interface DownRequest {
  identity: PreviewIdentity;
  cluster: string;
  listenerArn: string;
}

export interface DownResult {
  /** What was removed, one line each. */
  removed: string[];
  /** What was found under the preview's names but left alone (no preview tags), one line each. */
  leftAlone: string[];
}

export async function down(clients: Clients, request: DownRequest): Promise<DownResult> {
  const { ecs, elb, log, warn } = clients;
  const { identity, cluster } = request;
  const names = previewNames(identity);
  const removed: string[] = [];
  const leftAlone: string[] = [];
  const leave = (line: string) => {
    leftAlone.push(line);
    warn(`Left alone: ${line}`);
  };

  // The family: from the preview service's revision, else from the staging service's.
  let family: string | undefined;
  const service = await ecs.describeService(cluster, names.service);
  if (service && isPreview(service.tags, identity)) {
    family = familyOf(service.service.taskDefinition);
    if (service.service.status === 'DRAINING') {
      log(`Service ${names.service} is already being deleted (DRAINING)`);
    } else {
      // Another run removing the same preview (the close event's and sweep's) may get there first:
      // a service already DRAINING or gone is removed, not an error.
      const scaled = (service.service.desiredCount ?? 0) > 0 ? await ecs.scaleToZero(cluster, names.service) : true;
      if (scaled && (service.service.desiredCount ?? 0) > 0) log(`Scaled service ${names.service} to 0`);
      if (scaled && (await ecs.deleteService(cluster, names.service))) {
        removed.push(`service ${names.service}`);
        log(`Deleted service ${names.service}`);
      } else log(`Service ${names.service} was deleted meanwhile (by another run)`);
    }
  } else if (service) leave(`service ${names.service} (no preview tags)`);
  if (!family) {
    const staging = await ecs.describeService(cluster, identity.service);
    const stagingFamily = familyOf(staging?.service.taskDefinition);
    if (stagingFamily) family = previewFamily(stagingFamily, identity.pr);
  }

  for (const { rule, tags } of await elb.rules(request.listenerArn)) {
    if (!isPreview(tags, identity) || !rule.RuleArn) continue;
    await elb.deleteRule(rule.RuleArn);
    removed.push(`listener rule ${rule.RuleArn}`);
    log(`Deleted listener rule ${rule.RuleArn}`);
  }

  const group = await elb.targetGroupNamed(names.targetGroup);
  if (group?.TargetGroupArn) {
    const tags = (await elb.tags([group.TargetGroupArn])).get(group.TargetGroupArn);
    if (tags && isPreview(tags, identity)) {
      try {
        await elb.deleteTargetGroup(group.TargetGroupArn);
        removed.push(`target group ${names.targetGroup}`);
        log(`Deleted target group ${names.targetGroup}`);
      } catch (error) {
        if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
        leave(
          `target group ${names.targetGroup} (still used by a rule that is not this preview's: ${errorMessage(error)})`,
        );
      }
    } else leave(`target group ${names.targetGroup} (no preview tags)`);
  }

  if (family) {
    for (const arn of await ecs.activeRevisions(family)) {
      const revision = await ecs.describeTaskDefinition(arn);
      // Deregistered (or deleted) since it was listed: another run removing this preview did it.
      if (!revision || revision.definition.status !== 'ACTIVE') continue;
      if (!isPreview(revision.tags, identity)) {
        leave(`task definition ${arn} (no preview tags)`);
        continue;
      }
      await ecs.deregisterTaskDefinition(arn);
      removed.push(`task definition ${arn}`);
      log(`Deregistered ${arn}`);
    }
  } else
    warn('Could not tell the preview task definition family (no preview or staging service): revisions not looked for');
  return { removed, leftAlone };
}

function familyOf(taskDefinitionArn: string | undefined): string | undefined {
  return /task-definition\/([^:]+):\d+$/.exec(taskDefinitionArn ?? '')?.[1];
}

export interface CensusRequest {
  scope: PreviewScope;
  cluster: string;
  listenerArn: string;
}

/** The previews of `scope` there are, by pull request, with where each was seen. */
export async function livePreviews(clients: Clients, request: CensusRequest): Promise<Map<number, string[]>> {
  return (await previewCensus(clients, request)).live;
}

/**
 * The previews there are (any piece of one: rule, service, target group), and the claims: the
 * previews with a service that is not being deleted, with its `createdAt` in milliseconds.
 */
export async function previewCensus(
  { ecs, elb }: Clients,
  { scope, cluster, listenerArn }: CensusRequest,
): Promise<{ live: Map<number, string[]>; claims: Map<number, number> }> {
  const live = new Map<number, string[]>();
  const claims = new Map<number, number>();
  const seen = (pr: number | undefined, where: string) => {
    if (pr === undefined) return;
    live.set(pr, [...(live.get(pr) ?? []), where]);
  };
  for (const { rule, tags } of await elb.rules(listenerArn)) seen(previewNumber(tags, scope), `rule ${rule.RuleArn}`);
  const prefix = `${scope.service}-pr-`;
  const candidates = (await ecs.listServiceNames(cluster)).filter(
    (name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)),
  );
  for (const { service, tags } of await ecs.describeServices(cluster, candidates)) {
    // A DRAINING service is already being deleted: it is no longer a live preview.
    if (service.status === 'DRAINING') continue;
    const pr = previewNumber(tags, scope);
    seen(pr, `service ${service.serviceName}`);
    if (pr !== undefined) claims.set(pr, service.createdAt?.getTime() ?? 0);
  }
  const groups = await elb.previewLikeTargetGroups();
  const groupTags = await elb.tags(groups.map((group) => group.TargetGroupArn ?? ''));
  for (const group of groups) {
    seen(
      previewNumber(groupTags.get(group.TargetGroupArn ?? '') ?? new Map(), scope),
      `target group ${group.TargetGroupName}`,
    );
  }
  return { live, claims };
}
