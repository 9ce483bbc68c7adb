import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type CreateServiceCommandInput,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { awsRequestHandlerOptions } from '@shipyard/shared/aws-client';
import { awsCall } from '@shipyard/shared/aws-call';
import { tagMap, type Tag } from './naming.js';

/**
 * What preview-env asks of ECS. Endpoint and retries come from the SDK's standard settings
 * (AWS_ENDPOINT_URL_ECS, AWS_ENDPOINT_URL; standard retry mode with `maxAttempts`).
 */

export interface TaggedService {
  service: Service;
  tags: Map<string, string>;
}

export interface TaggedTaskDefinition {
  definition: TaskDefinition;
  tags: Map<string, string>;
}

const toAwsTags = (tags: Tag[]) => tags.map(({ key, value }) => ({ key, value }));

export class PreviewEcs {
  private readonly client: ECSClient;

  constructor({ region, maxAttempts }: { region: string; maxAttempts: number }) {
    this.client = new ECSClient({
      region,
      maxAttempts,
      retryMode: 'standard',
      requestHandler: awsRequestHandlerOptions(),
    });
  }

  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return awsCall('ecs', operation, send);
  }

  /** ACTIVE or DRAINING services by name, with their tags; a missing or INACTIVE one is left out. */
  async describeServices(cluster: string, names: string[]): Promise<TaggedService[]> {
    const found: TaggedService[] = [];
    for (let start = 0; start < names.length; start += 10) {
      const { services = [] } = await this.call('DescribeServices', () =>
        this.client.send(
          new DescribeServicesCommand({ cluster, services: names.slice(start, start + 10), include: ['TAGS'] }),
        ),
      );
      for (const service of services) {
        if (service.status === 'INACTIVE') continue;
        found.push({ service, tags: tagMap(service.tags) });
      }
    }
    return found;
  }

  async describeService(cluster: string, name: string): Promise<TaggedService | undefined> {
    return (await this.describeServices(cluster, [name]))[0];
  }

  async listServiceNames(cluster: string): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('ListServices', () =>
        this.client.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 })),
      );
      names.push(...(page.serviceArns ?? []).map((arn) => arn.split('/').pop() ?? arn));
      nextToken = page.nextToken;
    } while (nextToken);
    return names;
  }

  async describeTaskDefinition(reference: string): Promise<TaggedTaskDefinition | undefined> {
    try {
      const { taskDefinition, tags } = await this.call('DescribeTaskDefinition', () =>
        this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: reference, include: ['TAGS'] })),
      );
      return taskDefinition ? { definition: taskDefinition, tags: tagMap(tags) } : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'ClientException') return undefined;
      throw error;
    }
  }

  async registerTaskDefinition(input: RegisterTaskDefinitionCommandInput, tags: Tag[]): Promise<string> {
    const { taskDefinition } = await this.call('RegisterTaskDefinition', () =>
      this.client.send(new RegisterTaskDefinitionCommand({ ...input, tags: toAwsTags(tags) })),
    );
    if (!taskDefinition?.taskDefinitionArn) throw new Error('RegisterTaskDefinition returned no task definition');
    return taskDefinition.taskDefinitionArn;
  }

  /** ACTIVE revisions of exactly this family (ListTaskDefinitions matches a prefix), newest first. */
  async activeRevisions(family: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('ListTaskDefinitions', () =>
        this.client.send(
          new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken }),
        ),
      );
      arns.push(...(page.taskDefinitionArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return arns.filter((arn) => /task-definition\/(.+):\d+$/.exec(arn)?.[1] === family);
  }

  async deregisterTaskDefinition(arn: string): Promise<void> {
    await this.call('DeregisterTaskDefinition', () =>
      this.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn })),
    );
  }

  /** Create the service; its `createdAt` (ECS's clock) is the preview's claim on a place under the cap. */
  async createService(input: CreateServiceCommandInput, tags: Tag[]): Promise<Service> {
    const { service } = await this.call('CreateService', () =>
      this.client.send(new CreateServiceCommand({ ...input, tags: toAwsTags(tags) })),
    );
    if (!service) throw new Error('CreateService returned no service');
    return service;
  }

  /**
   * Scale the service to 0. False when it is already being deleted or gone (another run removing
   * the same preview got there first): that is done, not an error.
   */
  async scaleToZero(cluster: string, service: string): Promise<boolean> {
    try {
      await this.call('UpdateService', () =>
        this.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 })),
      );
      return true;
    } catch (error) {
      if (alreadyGone(error)) return false;
      throw error;
    }
  }

  /** Delete the service; false when another run deleted it first (DRAINING or INACTIVE already). */
  async deleteService(cluster: string, service: string): Promise<boolean> {
    try {
      await this.call('DeleteService', () =>
        this.client.send(new DeleteServiceCommand({ cluster, service, force: true })),
      );
      return true;
    } catch (error) {
      if (alreadyGone(error)) return false;
      throw error;
    }
  }
}

/** What ECS answers for a service another caller has already deleted. */
function alreadyGone(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'ServiceNotActiveException' || name === 'ServiceNotFoundException';
}
