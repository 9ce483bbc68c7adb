import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { StandardRetryStrategy } from '@smithy/core/retry';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import { awsCall } from '@shipyard/shared/aws-call';
import { awsRequestHandlerOptions } from '@shipyard/shared/aws-client';
import { shown } from '@shipyard/shared/text';
import { familyOf, revisionOf, sameTaskDefinition, type Json, type RegisteredTaskDefinition } from './render.js';

/**
 * Everything the action asks of ECS, over the AWS SDK. The endpoint comes from the SDK's standard
 * settings (AWS_ENDPOINT_URL_ECS, AWS_ENDPOINT_URL), retries from its standard mode. Only the
 * commands used are imported, which keeps the bundle small. This module is loaded only after the
 * inputs have been validated.
 */

/** How a service passes tags on to its tasks (UpdateService's `propagateTags`). */
export type PropagateTags = 'TASK_DEFINITION' | 'SERVICE' | 'NONE';

export interface StoppedTask {
  taskArn: string;
  stoppedAt?: Date;
  /** When the task reached RUNNING (absent when it never did): fail fast tells a start-up crash by it. */
  startedAt?: Date;
  stopCode?: string;
  stoppedReason?: string;
  containers: { name: string; exitCode?: number; reason?: string }[];
}

export interface UpdateServiceRequest {
  cluster: string;
  service: string;
  taskDefinition: string;
  desiredCount?: number;
  forceNewDeployment?: boolean;
  enableEcsManagedTags?: boolean;
  propagateTags?: PropagateTags;
}

/**
 * The SDK's standard retry, but only for throttling: a throttled call was refused before AWS did
 * anything, so sending it again is safe. A dropped connection, a timeout or a 5xx leaves it unknown
 * whether AWS applied the call; the SDK would send RegisterTaskDefinition again blindly and register
 * a second, identical revision (there is no client token for it), so those errors come back to the
 * caller, which looks at what AWS holds before it tries again.
 */
type RetryToken = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[0];
type RetryErrorInfo = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[1];

class ThrottlingOnlyRetry extends StandardRetryStrategy {
  override async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    if (errorInfo.errorType !== 'THROTTLING') throw new Error('not retried: the call may have been applied');
    return super.refreshRetryTokenForRetry(token, errorInfo);
  }
}

const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * An error after which a change may or may not have been applied: the answer was lost (the
 * connection reset or timed out once the request was sent) or AWS failed on its side (5xx).
 * A 4xx, throttling included, means AWS refused the call and changed nothing.
 */
export function isAmbiguousFailure(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const candidate = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = candidate.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  return NETWORK_CODES.has(candidate.code ?? '') || TIMEOUT_NAMES.has(candidate.name ?? '');
}

/** Exponential backoff with full jitter, as the SDK's standard mode waits: 100 ms doubling, at most 20 s. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(20_000, 100 * 2 ** attempt);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many of a family's newest revisions a look for an identical one describes, at most. */
const IDENTICAL_LOOKUP_LIMIT = 20;

export class Ecs {
  /** Standard retry: for reads, and for changes that are safe to send again (RunTask's client token, StopServiceDeployment). */
  readonly client: ECSClient;
  /** For calls that change something: retried by the SDK only when throttled (see ThrottlingOnlyRetry). */
  private readonly mutatingClient: ECSClient;
  private readonly maxAttempts: number;

  constructor({ region, maxAttempts }: { region: string; maxAttempts: number }) {
    // A request timeout: an answer that never comes is a TimeoutError, not a job hung for hours.
    const requestHandler = awsRequestHandlerOptions();
    this.client = new ECSClient({ region, maxAttempts, retryMode: 'standard', requestHandler });
    this.mutatingClient = new ECSClient({
      region,
      maxAttempts,
      retryStrategy: new ThrottlingOnlyRetry(maxAttempts),
      requestHandler,
    });
    this.maxAttempts = maxAttempts;
  }

  /** A revision by ARN or `family:revision`, or a family's latest ACTIVE revision; undefined if none. */
  async findTaskDefinition(reference: string): Promise<RegisteredTaskDefinition | undefined> {
    try {
      const { taskDefinition, tags } = await awsCall('ecs', 'DescribeTaskDefinition', () =>
        this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: reference, include: ['TAGS'] })),
      );
      if (!taskDefinition?.taskDefinitionArn) return undefined;
      const definition = { ...(taskDefinition as Json) };
      if (tags && tags.length > 0) definition.tags = tags;
      return registered(taskDefinition.taskDefinitionArn, taskDefinition, definition);
    } catch (error) {
      if ((error as { name?: string }).name === 'ClientException') return undefined;
      throw error;
    }
  }

  /**
   * Register `definition` so that the family ends with ONE new ACTIVE revision holding it, however
   * the answer is lost and however many runs register the same thing at the same time.
   *
   * - A failure that leaves it unknown whether AWS registered it (see `isAmbiguousFailure`) is
   *   never retried blindly: first the revisions registered since `newerThan` are searched for an
   *   identical ACTIVE one, which is then used; only when there is none is it registered again.
   * - After registering, an identical ACTIVE revision registered since `newerThan` with a LOWER
   *   number (another run deploying the same thing) wins: this run uses it and deregisters its own.
   *   Every run applies the same rule, so concurrent runs settle on the same, lowest revision.
   */
  async registerTaskDefinitionOnce(
    definition: Json,
    { newerThan, log }: { newerThan: number; log: (text: string) => void },
  ): Promise<{ revision: RegisteredTaskDefinition; found: boolean }> {
    const family = String(definition.family);
    for (let attempt = 1; ; attempt += 1) {
      let revision: RegisteredTaskDefinition;
      try {
        revision = await this.registerTaskDefinition(definition);
      } catch (error) {
        if (!isAmbiguousFailure(error)) throw error;
        log(
          `RegisterTaskDefinition failed without saying whether it registered anything (${errorMessage(error)}); looking for an identical ACTIVE revision of ${family} before registering again`,
        );
        const identical = await this.identicalRevision(definition, newerThan);
        if (identical) {
          log(`Found ${identical.arn}, identical to the rendered definition: using it instead of registering again`);
          return { revision: identical, found: true };
        }
        if (attempt >= this.maxAttempts) throw error;
        await sleep(backoffMs(attempt));
        continue;
      }
      let earlier: RegisteredTaskDefinition | undefined;
      try {
        earlier = await this.identicalRevision(definition, newerThan, revision.revision);
      } catch (error) {
        // The revision is registered; not knowing about a concurrent twin is no reason to fail.
        log(
          `Registered ${revision.arn}, but could not look for an identical revision registered at the same time: ${errorMessage(error)}`,
        );
        return { revision, found: false };
      }
      if (!earlier) return { revision, found: false };
      log(
        `${earlier.arn} holds the same definition and was registered first (another run deploying the same thing): using it, and deregistering ${revision.arn}`,
      );
      try {
        await this.deregisterTaskDefinition(revision.arn);
      } catch (error) {
        log(`Could not deregister the duplicate ${revision.arn}: ${errorMessage(error)}`);
      }
      return { revision: earlier, found: true };
    }
  }

  /**
   * The lowest-numbered ACTIVE revision of the definition's family newer than `newerThan` (and
   * older than `olderThan`) that equals `definition`; undefined when none does.
   */
  private async identicalRevision(
    definition: Json,
    newerThan: number,
    olderThan = Number.POSITIVE_INFINITY,
  ): Promise<RegisteredTaskDefinition | undefined> {
    const candidates = (await this.activeRevisions(String(definition.family)))
      .map((arn) => ({ arn, revision: revisionOf(arn) }))
      .filter(({ revision }) => revision > newerThan && revision < olderThan)
      .slice(0, IDENTICAL_LOOKUP_LIMIT)
      .sort((a, b) => a.revision - b.revision);
    for (const candidate of candidates) {
      const found = await this.findTaskDefinition(candidate.arn);
      if (found && sameTaskDefinition(found.definition, definition)) return found;
    }
    return undefined;
  }

  private async registerTaskDefinition(definition: Json): Promise<RegisteredTaskDefinition> {
    const { taskDefinition } = await awsCall('ecs', 'RegisterTaskDefinition', () =>
      this.mutatingClient.send(
        new RegisterTaskDefinitionCommand(definition as unknown as RegisterTaskDefinitionCommandInput),
      ),
    );
    if (!taskDefinition?.taskDefinitionArn)
      throw new ActionFailure('RegisterTaskDefinition returned no task definition ARN');
    return registered(taskDefinition.taskDefinitionArn, taskDefinition, taskDefinition as Json);
  }

  async describeService(cluster: string, service: string): Promise<Service> {
    const result = await awsCall('ecs', 'DescribeServices', () =>
      this.client.send(new DescribeServicesCommand({ cluster, services: [service] })),
    );
    const found = result.services?.[0];
    if (!found) {
      throw new ActionFailure(
        `Service ${shown(service)} was not found in cluster ${shown(cluster)} (${result.failures?.[0]?.reason ?? 'MISSING'}). Check the 'service' and 'cluster' inputs, and the region`,
      );
    }
    if (found.status !== 'ACTIVE') {
      throw new ActionFailure(`Service ${shown(service)} in cluster ${shown(cluster)} is ${found.status}, not ACTIVE`);
    }
    return found;
  }

  /**
   * UpdateService, applied once. When the answer is lost, the service is described: if it already
   * shows the update (its PRIMARY deployment runs the task definition asked for, a new one when a
   * new deployment was forced, and the desired count and tag settings asked for), that is the
   * answer; otherwise the update is sent again. `before` is the service as it was before the update
   (needed to tell a forced new deployment from the one that ran before).
   */
  async updateServiceOnce(
    request: UpdateServiceRequest,
    { before, log }: { before?: Service; log: (text: string) => void },
  ): Promise<Service> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.updateService(request);
      } catch (error) {
        if (!isAmbiguousFailure(error)) throw error;
        log(
          `UpdateService failed without saying whether it was applied (${errorMessage(error)}); looking at service ${shown(request.service)}`,
        );
        const now = await this.describeService(request.cluster, request.service);
        if (showsUpdate(now, request, before)) {
          log(`Service ${shown(request.service)} shows the update: it was applied`);
          return now;
        }
        if (attempt >= this.maxAttempts) throw error;
        await sleep(backoffMs(attempt));
      }
    }
  }

  private async updateService(request: UpdateServiceRequest): Promise<Service> {
    const result = await awsCall('ecs', 'UpdateService', () =>
      this.mutatingClient.send(
        new UpdateServiceCommand({
          cluster: request.cluster,
          service: request.service,
          taskDefinition: request.taskDefinition,
          desiredCount: request.desiredCount,
          forceNewDeployment: request.forceNewDeployment,
          enableECSManagedTags: request.enableEcsManagedTags,
          propagateTags: request.propagateTags,
        }),
      ),
    );
    if (!result.service) throw new ActionFailure('UpdateService returned no service');
    return result.service;
  }

  /** The ACTIVE revisions of a family, newest first. */
  async activeRevisions(family: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await awsCall('ecs', 'ListTaskDefinitions', () =>
        this.client.send(
          new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken }),
        ),
      );
      // familyPrefix has matched a whole family name in practice; filter anyway so `web` never touches `web-worker`.
      arns.push(...(page.taskDefinitionArns ?? []).filter((arn) => familyOf(arn) === family));
      nextToken = page.nextToken;
    } while (nextToken);
    return arns;
  }

  async deregisterTaskDefinition(arn: string): Promise<void> {
    // Deregistering twice is harmless (an INACTIVE revision stays INACTIVE), so the SDK may retry it.
    await awsCall('ecs', 'DeregisterTaskDefinition', () =>
      this.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn })),
    );
  }

  /** The service's stopped tasks of one task definition, newest first, at most `limit`. */
  async stoppedTasks(cluster: string, service: string, taskDefinitionArn: string, limit = 10): Promise<StoppedTask[]> {
    const { taskArns = [] } = await awsCall('ecs', 'ListTasks', () =>
      this.client.send(
        new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', maxResults: 100 }),
      ),
    );
    if (taskArns.length === 0) return [];
    const { tasks = [] } = await awsCall('ecs', 'DescribeTasks', () =>
      this.client.send(new DescribeTasksCommand({ cluster, tasks: taskArns })),
    );
    return tasks
      .filter((task) => task.taskDefinitionArn === taskDefinitionArn)
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
      .slice(0, limit)
      .map(toStoppedTask);
  }
}

function showsUpdate(service: Service, request: UpdateServiceRequest, before: Service | undefined): boolean {
  const primary = service.deployments?.find((deployment) => deployment.status === 'PRIMARY');
  if (!primary || primary.taskDefinition !== request.taskDefinition) return false;
  const known = new Set((before?.deployments ?? []).map((deployment) => deployment.id));
  if (request.forceNewDeployment && known.has(primary.id)) return false;
  if (request.desiredCount !== undefined && service.desiredCount !== request.desiredCount) return false;
  if (request.propagateTags !== undefined && service.propagateTags !== request.propagateTags) return false;
  if (request.enableEcsManagedTags !== undefined && service.enableECSManagedTags !== request.enableEcsManagedTags)
    return false;
  return true;
}

function toStoppedTask(task: Task): StoppedTask {
  return {
    taskArn: task.taskArn ?? '',
    stoppedAt: task.stoppedAt,
    startedAt: task.startedAt,
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    containers: (task.containers ?? []).map((container) => ({
      name: container.name ?? '',
      exitCode: container.exitCode,
      reason: container.reason,
    })),
  };
}

function registered(
  arn: string,
  taskDefinition: { family?: string; revision?: number },
  definition: Json,
): RegisteredTaskDefinition {
  return { arn, family: taskDefinition.family ?? '', revision: taskDefinition.revision ?? 0, definition };
}
