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
import { ActionFailure } from '../../shared/src/errors.js';
import { explainAwsError } from '../../shared/src/aws-errors.js';
import type { PropagateTags } from './inputs.js';
import { familyOf, type Json } from './render.js';

/**
 * Everything the action asks of ECS, over the AWS SDK. The endpoint comes from the SDK's standard
 * settings (AWS_ENDPOINT_URL_ECS, AWS_ENDPOINT_URL), retries from its standard mode. Only the
 * commands used are imported, which keeps the bundle small. This module is loaded only after the
 * inputs have been validated.
 */

export interface RegisteredTaskDefinition {
  arn: string;
  family: string;
  revision: number;
  definition: Json;
}

export interface StoppedTask {
  taskArn: string;
  stoppedAt?: Date;
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

export class Ecs {
  private readonly client: ECSClient;

  constructor({ region, maxAttempts }: { region: string; maxAttempts: number }) {
    this.client = new ECSClient({ region, maxAttempts, retryMode: 'standard' });
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw explainAwsError(error, 'ecs', operation);
    }
  }

  /** A revision by ARN or `family:revision`, or a family's latest ACTIVE revision; undefined if none. */
  async findTaskDefinition(reference: string): Promise<RegisteredTaskDefinition | undefined> {
    try {
      const { taskDefinition, tags } = await this.call('DescribeTaskDefinition', () =>
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

  async registerTaskDefinition(definition: Json): Promise<RegisteredTaskDefinition> {
    const { taskDefinition } = await this.call('RegisterTaskDefinition', () =>
      this.client.send(new RegisterTaskDefinitionCommand(definition as unknown as RegisterTaskDefinitionCommandInput)),
    );
    if (!taskDefinition?.taskDefinitionArn)
      throw new ActionFailure('RegisterTaskDefinition returned no task definition ARN');
    return registered(taskDefinition.taskDefinitionArn, taskDefinition, taskDefinition as Json);
  }

  async describeService(cluster: string, service: string): Promise<Service> {
    const result = await this.call('DescribeServices', () =>
      this.client.send(new DescribeServicesCommand({ cluster, services: [service] })),
    );
    const found = result.services?.[0];
    if (!found) {
      throw new ActionFailure(
        `Service '${service}' was not found in cluster '${cluster}' (${result.failures?.[0]?.reason ?? 'MISSING'}). Check the 'service' and 'cluster' inputs, and the region`,
      );
    }
    if (found.status !== 'ACTIVE') {
      throw new ActionFailure(`Service '${service}' in cluster '${cluster}' is ${found.status}, not ACTIVE`);
    }
    return found;
  }

  async updateService(request: UpdateServiceRequest): Promise<Service> {
    const result = await this.call('UpdateService', () =>
      this.client.send(
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
      const page = await this.call('ListTaskDefinitions', () =>
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
    await this.call('DeregisterTaskDefinition', () =>
      this.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn })),
    );
  }

  /** The service's stopped tasks of one task definition, newest first, at most `limit`. */
  async stoppedTasks(cluster: string, service: string, taskDefinitionArn: string, limit = 10): Promise<StoppedTask[]> {
    const { taskArns = [] } = await this.call('ListTasks', () =>
      this.client.send(
        new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', maxResults: 100 }),
      ),
    );
    if (taskArns.length === 0) return [];
    const { tasks = [] } = await this.call('DescribeTasks', () =>
      this.client.send(new DescribeTasksCommand({ cluster, tasks: taskArns })),
    );
    return tasks
      .filter((task) => task.taskDefinitionArn === taskDefinitionArn)
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
      .slice(0, limit)
      .map(toStoppedTask);
  }
}

function toStoppedTask(task: Task): StoppedTask {
  return {
    taskArn: task.taskArn ?? '',
    stoppedAt: task.stoppedAt,
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
