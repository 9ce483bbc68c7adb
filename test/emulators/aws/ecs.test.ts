import { beforeEach, describe, expect, test } from '@jest/globals';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { ecsEmulatorForSuite, fargate } from './ecs-fixtures.js';
import { ManualClock, startAwsEmulator, type AwsEmulator } from './index.js';

describe('ECS in the AWS emulator (through the AWS SDK)', () => {
  let emulator: AwsEmulator;
  let ecs: ECSClient;
  const clock = new ManualClock();
  ecsEmulatorForSuite(clock, (suite) => ({ emulator, ecs } = suite));
  beforeEach(() => {
    emulator.setScenario({
      ecs: {
        taskStartDelayMs: 100,
        taskHealthyDelayMs: 50,
        taskStopDelayMs: 30,
        taskFailDelayMs: 20,
        taskRestartDelayMs: 10,
        steadyStateDelayMs: 10,
        failingImages: [
          { pattern: ':crash', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
        ],
      },
    });
    emulator.reset();
  });

  const describeService = async (name = 'web'): Promise<Service> =>
    (await ecs.send(new DescribeServicesCommand({ cluster: 'default', services: [name] }))).services?.[0] as Service;

  describe('task definitions', () => {
    test('registers with ECS defaults filled in and revisions counting up', async () => {
      const first = await ecs.send(new RegisterTaskDefinitionCommand(fargate('nginx:1')));
      const second = await ecs.send(new RegisterTaskDefinitionCommand(fargate('nginx:2')));
      expect(first.taskDefinition).toMatchObject({
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
        revision: 1,
        status: 'ACTIVE',
        compatibilities: ['EC2', 'FARGATE'],
        containerDefinitions: [
          {
            name: 'app',
            image: 'nginx:1',
            cpu: 0,
            essential: true,
            environment: [],
            mountPoints: [],
            volumesFrom: [],
            portMappings: [{ containerPort: 3000, hostPort: 3000, protocol: 'tcp' }],
          },
        ],
      });
      expect(first.taskDefinition?.registeredAt).toBeInstanceOf(Date);
      expect(second.taskDefinition?.revision).toBe(2);
      const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }));
      expect(latest.taskDefinition?.revision).toBe(2);
    });

    test.each([
      [
        'an unknown key',
        { ...fargate('x'), compatibilities: ['FARGATE'] },
        'SerializationException',
        /compatibilities/,
      ],
      ['a family with a dot', fargate('x', 'web.app'), 'ClientException', /Family contains invalid characters/],
      [
        'no containers',
        { ...fargate('x'), containerDefinitions: [] },
        'ClientException',
        /Container list cannot be empty/,
      ],
      [
        'a container without image',
        { ...fargate('x'), containerDefinitions: [{ name: 'app' }] },
        'ClientException',
        /Container.image should not be null/,
      ],
      ['Fargate without cpu', { ...fargate('x'), cpu: undefined }, 'ClientException', /Fargate requires that 'cpu'/],
      [
        'a cpu that is not whole units',
        { ...fargate('x'), cpu: '0.3 vCPU' },
        'ClientException',
        /^Invalid 'cpu' setting for task\. For more information/,
      ],
      [
        'memory in MiB with a unit',
        { ...fargate('x'), memory: '512 MiB' },
        'ClientException',
        /^Invalid 'memory' setting for task\./,
      ],
      [
        'a size Fargate does not offer',
        { ...fargate('x'), cpu: '0.25 vCPU', memory: '4 GB' },
        'ClientException',
        /^No Fargate configuration exists for given values\.$/,
      ],
      [
        'an unknown container key',
        { ...fargate('x'), containerDefinitions: [{ name: 'app', image: 'x', imag: 'y' }] },
        'SerializationException',
        /imag/,
      ],
    ])('refuses %s', async (_name, input, type, message) => {
      // The SDK drops keys it does not know, so unknown keys are sent raw, as another client might.
      const response = await fetch(emulator.url, {
        method: 'POST',
        headers: {
          'x-amz-target': 'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition',
          authorization: `AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
        },
        body: JSON.stringify(input),
      });
      const body = (await response.json()) as { __type: string; message: string };
      expect(response.status).toBe(400);
      expect(body.__type).toBe(type);
      expect(body.message).toMatch(message);
      expect(emulator.ecs.taskDefinitions()).toEqual([]);
    });

    test('stores task-level cpu in vCPU and memory in GB as the CPU units and MiB ECS converts them to', async () => {
      const registered = await ecs.send(
        new RegisterTaskDefinitionCommand({ ...fargate('nginx:1'), cpu: '0.25 vCPU', memory: '0.5 GB' }),
      );
      expect(registered.taskDefinition).toMatchObject({ cpu: '256', memory: '512' });
      await ecs.send(new RegisterTaskDefinitionCommand({ ...fargate('nginx:2'), cpu: '1 vcpu', memory: '2GB' }));
      const first = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' }));
      const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }));
      expect(first.taskDefinition).toMatchObject({ cpu: '256', memory: '512' });
      expect(latest.taskDefinition).toMatchObject({ cpu: '1024', memory: '2048' });
      expect(emulator.ecs.taskDefinitions('web').map((r) => [r.definition.cpu, r.definition.memory])).toEqual([
        ['256', '512'],
        ['1024', '2048'],
      ]);
    });

    test('deregisters a revision, lists by status and sort, pages with nextToken', async () => {
      for (let i = 1; i <= 3; i += 1) await ecs.send(new RegisterTaskDefinitionCommand(fargate(`nginx:${i}`)));
      await ecs.send(new RegisterTaskDefinitionCommand(fargate('other:1', 'web-other')));
      const gone = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:1' }));
      expect(gone.taskDefinition?.status).toBe('INACTIVE');
      const active = await ecs.send(
        new ListTaskDefinitionsCommand({ familyPrefix: 'web', sort: 'DESC', maxResults: 1 }),
      );
      expect(active.taskDefinitionArns).toEqual(['arn:aws:ecs:us-east-1:123456789012:task-definition/web:3']);
      const next = await ecs.send(
        new ListTaskDefinitionsCommand({
          familyPrefix: 'web',
          sort: 'DESC',
          maxResults: 1,
          nextToken: active.nextToken,
        }),
      );
      expect(next.taskDefinitionArns).toEqual(['arn:aws:ecs:us-east-1:123456789012:task-definition/web:2']);
      expect(next.nextToken).toBeUndefined();
      const inactive = await ecs.send(new ListTaskDefinitionsCommand({ status: 'INACTIVE' }));
      expect(inactive.taskDefinitionArns).toEqual(['arn:aws:ecs:us-east-1:123456789012:task-definition/web:1']);
      await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope' }))).rejects.toMatchObject({
        name: 'ClientException',
        message: 'Unable to describe task definition.',
      });
    });
  });

  describe('services and rollouts', () => {
    beforeEach(async () => {
      await ecs.send(new CreateClusterCommand({ clusterName: 'default' }));
      await ecs.send(new RegisterTaskDefinitionCommand(fargate('nginx:1')));
    });

    test('a rollout goes IN_PROGRESS, launches, drains the old tasks and completes with ECS events', async () => {
      emulator.ecs.seedService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 });
      await ecs.send(new RegisterTaskDefinitionCommand(fargate('nginx:2')));
      const updated = await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web' }));
      const primary = updated.service?.deployments?.find((d) => d.status === 'PRIMARY');
      expect(primary).toMatchObject({ rolloutState: 'IN_PROGRESS', desiredCount: 2, pendingCount: 2, runningCount: 0 });
      expect(primary?.id).toMatch(/^ecs-svc\/\d{19}$/);
      expect(updated.service?.deployments).toHaveLength(2);

      clock.advance(99);
      let service = await describeService();
      expect(service.deployments?.map((d) => [d.status, d.runningCount])).toEqual([
        ['PRIMARY', 0],
        ['ACTIVE', 2],
      ]);
      clock.advance(1);
      service = await describeService();
      // The new tasks are running, so the old ones are being stopped.
      expect(service.deployments?.map((d) => [d.status, d.runningCount, d.rolloutState])).toEqual([
        ['PRIMARY', 2, 'IN_PROGRESS'],
        ['ACTIVE', 0, 'COMPLETED'],
      ]);
      clock.advance(39);
      expect((await describeService()).deployments).toHaveLength(2);
      clock.advance(1);
      service = await describeService();
      expect(service.deployments).toEqual([
        expect.objectContaining({
          id: primary?.id,
          rolloutState: 'COMPLETED',
          rolloutStateReason: `ECS deployment ${primary?.id} completed.`,
        }),
      ]);
      expect(service.events?.slice(0, 4).map((event) => event.message)).toEqual([
        '(service web) has reached a steady state.',
        `(service web) (deployment ${primary?.id}) deployment completed.`,
        expect.stringMatching(
          /^\(service web\) has stopped 2 running tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/,
        ),
        expect.stringMatching(/^\(service web\) has started 2 tasks: /),
      ]);
    });

    test('UpdateService with the same task definition and no force starts no deployment', async () => {
      emulator.ecs.seedService({ serviceName: 'web', taskDefinition: 'web:1' });
      const before = (await describeService()).deployments?.[0].id;
      const updated = await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:1' }));
      expect(updated.service?.deployments?.map((d) => d.id)).toEqual([before]);
      const forced = await ecs.send(new UpdateServiceCommand({ service: 'web', forceNewDeployment: true }));
      expect(forced.service?.deployments).toHaveLength(2);
    });

    test('the circuit breaker fails a crashing deployment at its threshold and rolls back', async () => {
      emulator.ecs.seedService({
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: 1,
        circuitBreaker: { enable: true, rollback: true },
      });
      const stable = (await describeService()).deployments?.[0].id;
      await ecs.send(new RegisterTaskDefinitionCommand(fargate('nginx:crash')));
      const updated = await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
      const failing = updated.service?.deployments?.[0].id as string;
      clock.advance(1000);
      const service = await describeService();
      const failed = service.deployments?.find((d) => d.id === failing);
      expect(failed === undefined || failed.rolloutState === 'FAILED').toBe(true);
      expect(service.taskDefinition).toBe('arn:aws:ecs:us-east-1:123456789012:task-definition/web:1');
      expect(service.deployments?.[0]).toMatchObject({
        status: 'PRIMARY',
        rolloutState: 'COMPLETED',
        taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
      });
      const messages = (service.events ?? []).map((event) => event.message ?? '');
      expect(messages).toContain(`(service web) (deployment ${failing}) deployment failed: tasks failed to start.`);
      expect(messages.some((m) => /^\(service web\) rolling back to deployment ecs-svc\/\d{19}\.$/.test(m))).toBe(true);
      expect(emulator.ecs.circuitBreakerThreshold(1)).toBe(3);
      expect(
        emulator.ecs.tasks({ startedBy: failing }).filter((t) => t.stopCode === 'EssentialContainerExited'),
      ).toHaveLength(3);
      void stable;
    });

    test('without a circuit breaker a crash loop stays IN_PROGRESS, and stopped tasks say why', async () => {
      emulator.ecs.seedService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1 });
      await ecs.send(new RegisterTaskDefinitionCommand(fargate('nginx:crash')));
      await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
      clock.advance(2000);
      const service = await describeService();
      expect(service.deployments?.[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' });
      expect(service.deployments?.[0].failedTasks).toBeGreaterThanOrEqual(3);
      expect(service.deployments?.[1]).toMatchObject({ status: 'ACTIVE', runningCount: 1 });
      expect(service.events?.map((e) => e.message)).toContain(
        '(service web) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.',
      );
      const stopped = await ecs.send(new ListTasksCommand({ serviceName: 'web', desiredStatus: 'STOPPED' }));
      const described = await ecs.send(new DescribeTasksCommand({ tasks: stopped.taskArns?.slice(0, 1) }));
      expect(described.tasks?.[0]).toMatchObject({
        lastStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
        containers: [
          expect.objectContaining({
            name: 'app',
            exitCode: 137,
            reason: 'OutOfMemoryError: Container killed due to memory usage',
          }),
        ],
      });
      expect(described.tasks?.[0].taskArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/default\/[0-9a-f]{32}$/);
    });

    test('tasks with a health check count only once HEALTHY', async () => {
      emulator.ecs.seedService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1 });
      const checked = fargate('nginx:2');
      checked.containerDefinitions = [
        { name: 'app', image: 'nginx:2', healthCheck: { command: ['CMD', 'node', 'health.js'] } },
      ];
      await ecs.send(new RegisterTaskDefinitionCommand(checked));
      await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
      clock.advance(100);
      const [task] = emulator.ecs.tasks({ serviceName: 'web' }).filter((t) => t.taskDefinitionArn.endsWith(':2'));
      expect(task).toMatchObject({ lastStatus: 'RUNNING', healthStatus: 'UNKNOWN' });
      expect((await describeService()).deployments).toHaveLength(2);
      clock.advance(50);
      expect(emulator.ecs.tasks({ serviceName: 'web' }).find((t) => t.taskArn === task.taskArn)?.healthStatus).toBe(
        'HEALTHY',
      );
      clock.advance(40);
      expect((await describeService()).deployments?.map((d) => d.rolloutState)).toEqual(['COMPLETED']);
    });

    test('a changed desired count alone scales the PRIMARY deployment without a new one', async () => {
      emulator.ecs.seedService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1 });
      const before = (await describeService()).deployments?.[0].id;
      await ecs.send(new UpdateServiceCommand({ service: 'web', desiredCount: 3 }));
      clock.advance(100);
      const service = await describeService();
      expect(service).toMatchObject({ desiredCount: 3, runningCount: 3 });
      expect(service.deployments?.map((d) => d.id)).toEqual([before]);
    });

    test('an image that cannot be pulled fails its tasks while starting', async () => {
      emulator.setScenario({
        ...emulator.scenario(),
        ecs: {
          ...emulator.scenario().ecs,
          failingImages: [{ pattern: '/:missing$/', reason: 'CannotPullContainerError: ref not found' }],
        },
      });
      emulator.ecs.seedService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1 });
      await ecs.send(new RegisterTaskDefinitionCommand(fargate('nginx:missing')));
      const updated = await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
      clock.advance(100);
      const [task] = emulator.ecs.tasks({ startedBy: updated.service?.deployments?.[0].id });
      expect(task).toMatchObject({
        lastStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: ref not found',
      });
      expect(task.startedAt).toBeUndefined();
      expect(task.containers[0]).toMatchObject({ reason: 'CannotPullContainerError: ref not found' });
      expect(task.containers[0].exitCode).toBeUndefined();
    });

    test('CreateService rolls out its first deployment', async () => {
      const created = await ecs.send(
        new CreateServiceCommand({
          serviceName: 'api',
          taskDefinition: 'web',
          desiredCount: 1,
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        }),
      );
      expect(created.service).toMatchObject({
        serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/default/api',
        status: 'ACTIVE',
      });
      clock.advance(200);
      expect((await describeService('api')).deployments?.[0].rolloutState).toBe('COMPLETED');
      await expect(
        ecs.send(new CreateServiceCommand({ serviceName: 'api', taskDefinition: 'web' })),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
      });
    });

    test.each([
      ['a missing service', { service: 'nope' }, 'ServiceNotFoundException'],
      ['a missing cluster', { cluster: 'nope', service: 'web' }, 'ClusterNotFoundException'],
      ['a missing task definition', { service: 'web', taskDefinition: 'web:99' }, 'InvalidParameterException'],
    ])('UpdateService refuses %s', async (_name, input, type) => {
      emulator.ecs.seedService({ serviceName: 'web', taskDefinition: 'web:1' });
      await expect(ecs.send(new UpdateServiceCommand(input))).rejects.toMatchObject({ name: type });
    });

    test('DescribeServices reports a missing service as a failure, not an error', async () => {
      const result = await ecs.send(new DescribeServicesCommand({ services: ['ghost'] }));
      expect(result).toMatchObject({
        services: [],
        failures: [{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/default/ghost', reason: 'MISSING' }],
      });
    });

    test('marks mutating calls in the call log', async () => {
      const calls = emulator.calls();
      expect(calls.map((c) => [c.operation, c.mutating])).toEqual([
        ['CreateCluster', true],
        ['RegisterTaskDefinition', true],
      ]);
    });
  });
});

describe('the load balancer of a service with the simulated runtime', () => {
  test('has a stable loopback URL and answers 503: simulated tasks have no address to send requests to', async () => {
    const emulator = await startAwsEmulator({ clock: new ManualClock() });
    try {
      const revision = emulator.ecs.seedTaskDefinition({ ...fargate('nginx:1') });
      emulator.ecs.seedService({ serviceName: 'web', taskDefinition: revision.arn });
      expect(emulator.ecs.taskRuntime).toBe('simulated');
      const url = emulator.ecs.serviceUrl('default', 'web');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emulator.ecs.serviceUrl('default', 'web')).toBe(url);
      expect(emulator.ecs.tasks({ serviceName: 'web' })[0].lastStatus).toBe('RUNNING');
      const answer = await fetch(url);
      expect(answer.status).toBe(503);
      expect(() => emulator.ecs.serviceUrl('default', 'ghost')).toThrow(
        "serviceUrl: no service 'ghost' in cluster 'default'",
      );
    } finally {
      await emulator.close();
    }
  });
});
