import { describe, expect, test } from '@jest/globals';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type CreateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { ManualClock, type AwsEmulator } from './index.js';
import { ecsEmulatorForSuite, fargate } from './ecs-fixtures.js';

// CreateService with the settings a preview environment copies from its staging service, and
// DeleteService as ECS does it: refused while scaled above 0 unless forced, DRAINING, then INACTIVE.

const preview = (name: string): CreateServiceCommandInput => ({
  cluster: 'staging',
  serviceName: name,
  taskDefinition: 'web',
  desiredCount: 1,
  capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
  networkConfiguration: {
    awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-0123456789abcdef0'] },
  },
  loadBalancers: [
    {
      targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`,
      containerName: 'app',
      containerPort: 3000,
    },
  ],
  healthCheckGracePeriodSeconds: 30,
  deploymentConfiguration: {
    deploymentCircuitBreaker: { enable: true, rollback: true },
    maximumPercent: 200,
    minimumHealthyPercent: 100,
  },
  enableExecuteCommand: true,
  propagateTags: 'SERVICE',
  enableECSManagedTags: true,
  tags: [{ key: 'shipyard:preview', value: 'pr-42' }],
});

describe('CreateService, DeleteService, ListServices', () => {
  let emulator: AwsEmulator;
  let ecs: ECSClient;
  const clock = new ManualClock();
  ecsEmulatorForSuite(clock, (suite) => ({ emulator, ecs } = suite), { scenario: { timeScale: 0.001 } });

  async function setUp() {
    emulator.reset();
    emulator.ecs.seedCluster('staging');
    await ecs.send(new RegisterTaskDefinitionCommand(fargate('app:1')));
  }

  const describeOne = async (name: string) =>
    (await ecs.send(new DescribeServicesCommand({ cluster: 'staging', services: [name] }))).services![0];

  async function until(condition: () => Promise<boolean>, limitMs = 5_000) {
    for (let waited = 0; waited <= limitMs; waited += 5) {
      if (await condition()) return;
      clock.advance(5);
    }
    throw new Error('condition not reached');
  }

  test('CreateService keeps every setting a preview copies and rolls out its first deployment', async () => {
    await setUp();
    const { service } = await ecs.send(new CreateServiceCommand(preview('web-pr-42')));
    expect(service).toMatchObject({
      serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/staging/web-pr-42',
      status: 'ACTIVE',
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      networkConfiguration: preview('x').networkConfiguration,
      loadBalancers: [{ containerName: 'app', containerPort: 3000 }],
      healthCheckGracePeriodSeconds: 30,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      enableExecuteCommand: true,
      propagateTags: 'SERVICE',
      enableECSManagedTags: true,
      tags: [{ key: 'shipyard:preview', value: 'pr-42' }],
    });
    expect(service?.launchType).toBeUndefined();
    const { serviceDeployments } = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'staging', service: 'web-pr-42' }),
    );
    expect(serviceDeployments).toMatchObject([{ status: 'IN_PROGRESS' }]);
    await until(async () => (await describeOne('web-pr-42')).deployments?.[0].rolloutState === 'COMPLETED');
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'staging', serviceName: 'web-pr-42' }));
    expect(taskArns).toHaveLength(1);
    const listed = await ecs.send(new ListServicesCommand({ cluster: 'staging' }));
    expect(listed.serviceArns).toEqual(['arn:aws:ecs:us-east-1:123456789012:service/staging/web-pr-42']);
  });

  test.each([
    [
      'a launch type with a capacity provider strategy',
      { launchType: 'FARGATE' as const },
      'Specifying both a launch type and capacity provider strategy is not supported.',
    ],
    [
      'awsvpc without a network configuration',
      { networkConfiguration: undefined },
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    ],
    [
      'a role with awsvpc',
      { role: 'ecsServiceRole' },
      'You cannot specify an IAM role for services that require a service linked role.',
    ],
  ])('CreateService refuses %s', async (_name, change, message) => {
    await setUp();
    await expect(ecs.send(new CreateServiceCommand({ ...preview('web-pr-1'), ...change }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message,
    });
    expect((await ecs.send(new ListServicesCommand({ cluster: 'staging' }))).serviceArns).toEqual([]);
  });

  test('DeleteService: refused above 0, then DRAINING and INACTIVE; the name is free again only once INACTIVE', async () => {
    await setUp();
    await ecs.send(new CreateServiceCommand(preview('web-pr-7')));
    await until(async () => (await describeOne('web-pr-7')).runningCount === 1);
    await expect(ecs.send(new DeleteServiceCommand({ cluster: 'staging', service: 'web-pr-7' }))).rejects.toMatchObject(
      {
        name: 'InvalidParameterException',
        message: 'The service cannot be stopped while it is scaled above 0.',
      },
    );
    await ecs.send(new UpdateServiceCommand({ cluster: 'staging', service: 'web-pr-7', desiredCount: 0 }));
    const { service } = await ecs.send(new DeleteServiceCommand({ cluster: 'staging', service: 'web-pr-7' }));
    expect(service).toMatchObject({ status: 'DRAINING', desiredCount: 0 });
    await expect(ecs.send(new CreateServiceCommand(preview('web-pr-7')))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Unable to Start a service that is still Draining.',
    });
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'staging', service: 'web-pr-7', desiredCount: 1 })),
    ).rejects.toMatchObject({ name: 'ServiceNotActiveException' });
    await until(async () => (await describeOne('web-pr-7')).status === 'INACTIVE');
    expect((await ecs.send(new ListServicesCommand({ cluster: 'staging' }))).serviceArns).toEqual([]);
    expect(
      (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'staging', service: 'web-pr-7' })))
        .serviceDeployments,
    ).toEqual([]);
    await expect(ecs.send(new DeleteServiceCommand({ cluster: 'staging', service: 'web-pr-7' }))).rejects.toMatchObject(
      { name: 'ServiceNotFoundException' },
    );
    const again = await ecs.send(new CreateServiceCommand(preview('web-pr-7')));
    expect(again.service?.status).toBe('ACTIVE');
  });

  test('DeleteService with force stops the running tasks (draining from the load balancer first)', async () => {
    await setUp();
    await ecs.send(new CreateServiceCommand({ ...preview('web-pr-9'), desiredCount: 2 }));
    await until(async () => (await describeOne('web-pr-9')).runningCount === 2);
    await ecs.send(new DeleteServiceCommand({ cluster: 'staging', service: 'web-pr-9', force: true }));
    const draining = await ecs.send(
      new ListTasksCommand({ cluster: 'staging', serviceName: 'web-pr-9', desiredStatus: 'STOPPED' }),
    );
    expect(draining.taskArns).toHaveLength(2);
    expect(emulator.ecs.tasks({ serviceName: 'web-pr-9' }).map((task) => task.lastStatus)).toEqual([
      'DEACTIVATING',
      'DEACTIVATING',
    ]);
    await until(async () => (await describeOne('web-pr-9')).status === 'INACTIVE');
    expect(emulator.ecs.tasks({ serviceName: 'web-pr-9' }).map((task) => task.lastStatus)).toEqual([
      'STOPPED',
      'STOPPED',
    ]);
  });

  test('ListServices pages with nextToken', async () => {
    await setUp();
    for (const n of [1, 2, 3]) await ecs.send(new CreateServiceCommand({ ...preview(`web-pr-${n}`), desiredCount: 0 }));
    const first = await ecs.send(new ListServicesCommand({ cluster: 'staging', maxResults: 2 }));
    expect(first.serviceArns).toHaveLength(2);
    const second = await ecs.send(new ListServicesCommand({ cluster: 'staging', nextToken: first.nextToken }));
    expect(second.serviceArns).toEqual(['arn:aws:ecs:us-east-1:123456789012:service/staging/web-pr-3']);
    expect(second.nextToken).toBeUndefined();
  });
});
