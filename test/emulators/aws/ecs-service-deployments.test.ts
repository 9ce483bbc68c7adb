import { describe, expect, test } from '@jest/globals';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { ManualClock, type AwsEmulator, type ScenarioInput } from './index.js';
import type { SeedServiceOptions } from './ecs/index.js';
import { ecsEmulatorForSuite, fargate } from './ecs-fixtures.js';
import { resolveScenario } from './scenario.js';

// Service deployments for the rolling update (ECS API reference: ServiceDeployment; Developer
// Guide "View service history using Amazon ECS service deployments"): every UpdateService that
// starts a deployment makes one, consistent with DescribeServices' deployments.

describe('service deployments of rolling updates', () => {
  let emulator: AwsEmulator;
  let ecs: ECSClient;
  const clock = new ManualClock();
  ecsEmulatorForSuite(clock, (suite) => ({ emulator, ecs } = suite));

  async function setUp(scenario: ScenarioInput['ecs'] = {}, service: Partial<SeedServiceOptions> = {}) {
    emulator.reset();
    emulator.setScenario({ timeScale: 0.001, ecs: scenario });
    await ecs.send(new RegisterTaskDefinitionCommand(fargate('nginx:1')));
    await ecs.send(new RegisterTaskDefinitionCommand(fargate('nginx:2')));
    emulator.ecs.seedService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2, ...service });
  }

  async function describe(arn: string): Promise<ServiceDeployment> {
    const { serviceDeployments, failures } = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
    );
    expect(failures).toEqual([]);
    return serviceDeployments![0];
  }

  /** Move the emulator clock on until the condition holds (each step settles the engine through a read). */
  async function until(condition: () => Promise<boolean> | boolean, limitMs = 5_000) {
    for (let waited = 0; waited <= limitMs; waited += 5) {
      if (await condition()) return;
      clock.advance(5);
    }
    throw new Error('condition not reached');
  }

  const newest = async () =>
    (await ecs.send(new ListServiceDeploymentsCommand({ service: 'web' }))).serviceDeployments![0];

  test('a seeded service has one SUCCESSFUL service deployment; an update starts another, IN_PROGRESS, then SUCCESSFUL', async () => {
    await setUp();
    const [seeded] = (await ecs.send(new ListServiceDeploymentsCommand({ service: 'web' }))).serviceDeployments!;
    expect(seeded).toMatchObject({
      status: 'SUCCESSFUL',
      serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/default/web',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
    });
    expect(seeded.serviceDeploymentArn).toMatch(
      /^arn:aws:ecs:us-east-1:123456789012:service-deployment\/default\/web\/[A-Za-z0-9_-]{22}$/,
    );
    expect(seeded.targetServiceRevisionArn).toMatch(
      /^arn:aws:ecs:us-east-1:123456789012:service-revision\/default\/web\/\d{19}$/,
    );

    const updated = await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
    const started = await newest();
    expect(started.status).toBe('IN_PROGRESS');
    expect(updated.service?.currentServiceDeployment).toBe(started.serviceDeploymentArn);
    const inProgress = await describe(started.serviceDeploymentArn!);
    expect(inProgress).toMatchObject({
      status: 'IN_PROGRESS',
      sourceServiceRevisions: [{ arn: seeded.targetServiceRevisionArn, requestedTaskCount: 2 }],
      targetServiceRevision: { arn: started.targetServiceRevisionArn },
      deploymentCircuitBreaker: { status: 'DISABLED', failureCount: 0, threshold: 3 },
      alarms: { status: 'DISABLED' },
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
    });
    expect(inProgress.lifecycleStage).toBeUndefined();

    const { serviceRevisions } = await ecs.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: [started.targetServiceRevisionArn!] }),
    );
    expect(serviceRevisions?.[0]).toMatchObject({
      taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
      launchType: 'FARGATE',
      containerImages: [{ containerName: 'app', image: 'nginx:2' }],
    });

    await until(async () => (await describe(started.serviceDeploymentArn!)).status === 'SUCCESSFUL');
    const done = await describe(started.serviceDeploymentArn!);
    const { services } = await ecs.send(new DescribeServicesCommand({ services: ['web'] }));
    // Consistent with DescribeServices: the deployment completed at the same instant.
    expect(done.finishedAt?.getTime()).toBe(
      services![0].deployments![0].updatedAt!.getTime() /* rolloutState changed */,
    );
    expect(services![0].deployments).toHaveLength(1);
    expect(services![0].deployments![0].rolloutState).toBe('COMPLETED');
    expect(done.targetServiceRevision).toMatchObject({ requestedTaskCount: 2, runningTaskCount: 2 });
  });

  test('the circuit breaker rolls back: ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL, with its failure count and threshold', async () => {
    await setUp(
      { failingImages: [{ pattern: 'nginx:2', exitCode: 1 }] },
      { circuitBreaker: { enable: true, rollback: true } },
    );
    await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
    const { serviceDeploymentArn: arn, targetServiceRevisionArn } = await newest();
    const seededRevision = (await ecs.send(new ListServiceDeploymentsCommand({ service: 'web' })))
      .serviceDeployments![1].targetServiceRevisionArn;
    const seen = new Set<string>();
    await until(async () => {
      const current = await describe(arn!);
      seen.add(current.status!);
      return current.status === 'ROLLBACK_SUCCESSFUL';
    });
    expect([...seen]).toEqual(['IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL']);
    const done = await describe(arn!);
    expect(done).toMatchObject({
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
      rollback: { reason: 'Circuit breaker: tasks failed to start.', serviceRevisionArn: seededRevision },
      targetServiceRevision: { arn: targetServiceRevisionArn },
    });
    const { services } = await ecs.send(new DescribeServicesCommand({ services: ['web'] }));
    expect(services![0].taskDefinition).toMatch(/web:1$/);
    expect(services![0].deployments![0].rolloutState).toBe('COMPLETED');
  });

  test('the circuit breaker without rollback stops the service deployment', async () => {
    await setUp(
      { failingImages: [{ pattern: 'nginx:2', exitCode: 1 }] },
      { circuitBreaker: { enable: true, rollback: false } },
    );
    await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
    const { serviceDeploymentArn: arn } = await newest();
    await until(async () => (await describe(arn!)).status === 'STOPPED');
    expect(await describe(arn!)).toMatchObject({
      statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      deploymentCircuitBreaker: { status: 'TRIGGERED' },
    });
  });

  test('a CloudWatch alarm in ALARM rolls a rolling deployment back and is named in triggeredAlarmNames', async () => {
    await setUp({ alarmTriggers: [{ alarmName: 'web-5xx', image: 'nginx:2', afterMs: 10 }] });
    await ecs.send(
      new UpdateServiceCommand({
        service: 'web',
        taskDefinition: 'web:2',
        deploymentConfiguration: { alarms: { alarmNames: ['web-5xx', 'web-latency'], enable: true, rollback: true } },
      }),
    );
    const { serviceDeploymentArn: arn } = await newest();
    await until(async () => (await describe(arn!)).status === 'ROLLBACK_SUCCESSFUL');
    expect(await describe(arn!)).toMatchObject({
      alarms: { status: 'TRIGGERED', alarmNames: ['web-5xx', 'web-latency'], triggeredAlarmNames: ['web-5xx'] },
      rollback: { reason: 'CloudWatch alarm web-5xx is in ALARM state.' },
    });
  });

  test('an alarm the service does not watch changes nothing', async () => {
    await setUp({ alarmTriggers: [{ alarmName: 'other', afterMs: 0 }] });
    await ecs.send(
      new UpdateServiceCommand({
        service: 'web',
        taskDefinition: 'web:2',
        deploymentConfiguration: { alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true } },
      }),
    );
    const { serviceDeploymentArn: arn } = await newest();
    await until(async () => (await describe(arn!)).status === 'SUCCESSFUL');
    expect((await describe(arn!)).alarms).toEqual({ status: 'MONITORING_COMPLETE', alarmNames: ['web-5xx'] });
  });

  test('a newer update supersedes an ongoing service deployment (STOPPED)', async () => {
    await setUp();
    await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
    const first = await newest();
    await ecs.send(new UpdateServiceCommand({ service: 'web', forceNewDeployment: true }));
    const { serviceDeployments } = await ecs.send(new ListServiceDeploymentsCommand({ service: 'web' }));
    expect(serviceDeployments!.map((d) => d.status)).toEqual(['IN_PROGRESS', 'STOPPED', 'SUCCESSFUL']);
    expect(serviceDeployments![1].serviceDeploymentArn).toBe(first.serviceDeploymentArn);
    const { serviceDeployments: inProgress } = await ecs.send(
      new ListServiceDeploymentsCommand({ service: 'web', status: ['IN_PROGRESS'] }),
    );
    expect(inProgress).toHaveLength(1);
  });

  test('ListServiceDeployments filters by createdAt and pages with nextToken', async () => {
    await setUp();
    const seededAt = clock.now();
    clock.advance(60_000);
    await ecs.send(new UpdateServiceCommand({ service: 'web', forceNewDeployment: true }));
    clock.advance(60_000);
    await ecs.send(new UpdateServiceCommand({ service: 'web', forceNewDeployment: true }));
    const all = (await ecs.send(new ListServiceDeploymentsCommand({ service: 'web' }))).serviceDeployments!;
    expect(all).toHaveLength(3);
    const after = await ecs.send(
      new ListServiceDeploymentsCommand({ service: 'web', createdAt: { after: new Date(seededAt + 1000) } }),
    );
    expect(after.serviceDeployments!.map((d) => d.serviceDeploymentArn)).toEqual(
      all.slice(0, 2).map((d) => d.serviceDeploymentArn),
    );
    const before = await ecs.send(
      new ListServiceDeploymentsCommand({ service: 'web', createdAt: { before: new Date(seededAt + 1000) } }),
    );
    expect(before.serviceDeployments!.map((d) => d.status)).toEqual(['SUCCESSFUL']);
    const first = await ecs.send(new ListServiceDeploymentsCommand({ service: 'web', maxResults: 2 }));
    expect(first.serviceDeployments).toHaveLength(2);
    const second = await ecs.send(new ListServiceDeploymentsCommand({ service: 'web', nextToken: first.nextToken }));
    expect(second.serviceDeployments!.map((d) => d.serviceDeploymentArn)).toEqual([all[2].serviceDeploymentArn]);
    expect(second.nextToken).toBeUndefined();
  });

  test('StopServiceDeployment ROLLBACK: ROLLBACK_REQUESTED, then the rollback, even without a rollback configured', async () => {
    await setUp();
    await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
    const { serviceDeploymentArn: arn } = await newest();
    const stopped = await ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }),
    );
    expect(stopped.serviceDeploymentArn).toBe(arn);
    const seen = new Set<string>();
    await until(async () => {
      const status = (await describe(arn!)).status!;
      seen.add(status);
      return status === 'ROLLBACK_SUCCESSFUL';
    });
    expect([...seen]).toEqual(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL']);
    const { services } = await ecs.send(new DescribeServicesCommand({ services: ['web'] }));
    expect(services![0].taskDefinition).toMatch(/web:1$/);
    // A finished deployment cannot be stopped.
    await expect(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))).rejects.toMatchObject({
      name: 'ConflictException',
    });
  });

  test('StopServiceDeployment ABORT: STOP_REQUESTED, then STOPPED, the new tasks left where they are', async () => {
    await setUp();
    await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
    const { serviceDeploymentArn: arn } = await newest();
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ABORT' }));
    expect((await describe(arn!)).status).toBe('STOP_REQUESTED');
    await until(async () => (await describe(arn!)).status === 'STOPPED');
    const { services } = await ecs.send(new DescribeServicesCommand({ services: ['web'] }));
    expect(services![0].deployments![0]).toMatchObject({ rolloutState: 'FAILED' });
    expect(services![0].taskDefinition).toMatch(/web:2$/);
  });

  test('unknown ARNs are failures (MISSING), an unknown service or deployment an error', async () => {
    await setUp();
    const missing = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/AAAAAAAAAAAAAAAAAAAAAA';
    const described = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [missing] }));
    expect(described).toMatchObject({ serviceDeployments: [], failures: [{ arn: missing, reason: 'MISSING' }] });
    await expect(ecs.send(new ListServiceDeploymentsCommand({ service: 'nope' }))).rejects.toMatchObject({
      name: 'ServiceNotFoundException',
    });
    await expect(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: missing }))).rejects.toMatchObject({
      name: 'ServiceDeploymentNotFoundException',
    });
    expect(emulator.calls({ mutating: true }).filter((call) => call.status === 200)).toHaveLength(2); // the registers
  });
});

describe('the scenario knobs of deployments and one-off tasks', () => {
  test.each([
    [{ alarmTriggers: [{ alarmName: '' }] }, 'ecs.alarmTriggers[0] needs an alarmName'],
    [{ alarmTriggers: [{ alarmName: 'a', stage: 'BAKE' }] }, 'ecs.alarmTriggers[0] stage must be one of'],
    [{ alarmTriggers: [{ alarmName: 'a', afterMs: -1 }] }, 'ecs.alarmTriggers[0] afterMs must be'],
    [{ hookResults: [{ status: 'OK' }] }, 'ecs.hookResults[0] status must be SUCCEEDED or FAILED'],
    [{ oneOffTasks: [{ command: 'x' }] }, 'ecs.oneOffTasks[0] needs an integer exitCode'],
    [{ oneOffTasks: [{ exitCode: 0, logLines: 'x' }] }, 'ecs.oneOffTasks[0] logLines must be a list of strings'],
    [{ oneOffTasks: {} }, 'ecs.oneOffTasks must be an array'],
  ])('a scenario with %j is refused', (ecs, message) => {
    expect(() => resolveScenario({ ecs } as unknown as ScenarioInput)).toThrow(message);
  });
});
