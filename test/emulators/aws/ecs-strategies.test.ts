import { describe, expect, test } from '@jest/globals';
import {
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { ManualClock, type AwsEmulator, type ScenarioInput } from './index.js';
import type { Json } from './ecs/index.js';
import { ecsEmulatorForSuite, fargate } from './ecs-fixtures.js';

// Blue/green, linear and canary deployments (ECS Developer Guide: "Amazon ECS blue/green
// deployments", "linear deployments", "canary deployments", "deployment lifecycle hooks"): the
// lifecycle stages ECS reports, traffic steps, bake time, hooks, alarms, the circuit breaker, and
// StopServiceDeployment, each failure sending traffic back to blue at once.

const advanced = {
  alternateTargetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/1111111111111111',
  productionListenerRule:
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/2222222222222222/3333333333333333/4444444444444444',
  testListenerRule:
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/2222222222222222/3333333333333333/5555555555555555',
  roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers',
};
const loadBalancers = [
  {
    targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/0123456789abcdef',
    containerName: 'app',
    containerPort: 3000,
    advancedConfiguration: advanced,
  },
];
const HOOK_STAGES = [
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;
const hook = {
  targetType: 'AWS_LAMBDA' as const,
  hookTargetArn: 'arn:aws:lambda:us-east-1:123456789012:function:smoke-green',
  roleArn: 'arn:aws:iam::123456789012:role/ecsHookRole',
  lifecycleStages: [...HOOK_STAGES],
};
const ALL_STAGES = [
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
];

describe('blue/green, linear and canary deployments', () => {
  let emulator: AwsEmulator;
  let ecs: ECSClient;
  const clock = new ManualClock();
  ecsEmulatorForSuite(clock, (suite) => ({ emulator, ecs } = suite));

  /** A steady load-balanced service on web:1 with `configuration`, then an update to web:2; the new service deployment's ARN. */
  async function deploy(
    configuration: DeploymentConfiguration,
    scenario: ScenarioInput['ecs'] = {},
    circuitBreaker = { enable: true, rollback: true },
  ): Promise<string> {
    emulator.reset();
    emulator.setScenario({ timeScale: 0.001, ecs: scenario });
    await ecs.send(new RegisterTaskDefinitionCommand(fargate('app:1')));
    await ecs.send(new RegisterTaskDefinitionCommand(fargate('app:2')));
    emulator.ecs.seedService({
      serviceName: 'web',
      taskDefinition: 'web:1',
      desiredCount: 2,
      loadBalancers,
      circuitBreaker,
      deploymentConfiguration: configuration as Json,
    });
    await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
    const { serviceDeployments } = await ecs.send(new ListServiceDeploymentsCommand({ service: 'web' }));
    return serviceDeployments![0].serviceDeploymentArn!;
  }

  async function read(arn: string): Promise<ServiceDeployment> {
    const { serviceDeployments } = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
    );
    return serviceDeployments![0];
  }

  async function until(arn: string, condition: (deployment: ServiceDeployment) => boolean, limitMs = 20_000) {
    for (let waited = 0; waited <= limitMs; waited += 5) {
      const deployment = await read(arn);
      if (condition(deployment)) return deployment;
      clock.advance(5);
    }
    throw new Error(`not reached; last: ${JSON.stringify(await read(arn))}`);
  }

  const finished = (deployment: ServiceDeployment) =>
    ['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'].includes(deployment.status!);
  const record = () => emulator.ecs.serviceDeployments('web')[0];
  const service = async () => (await ecs.send(new DescribeServicesCommand({ services: ['web'] }))).services![0];

  test.each([
    ['BLUE_GREEN', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 }, [100]],
    [
      'LINEAR',
      { strategy: 'LINEAR', bakeTimeInMinutes: 1, linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 } },
      [25, 50, 75, 100],
    ],
    [
      'CANARY',
      {
        strategy: 'CANARY',
        bakeTimeInMinutes: 1,
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 },
      },
      [10, 100],
    ],
  ] as const)(
    '%s succeeds through every lifecycle stage, shifting production traffic in its steps',
    async (_name, configuration, steps) => {
      const arn = await deploy(configuration as DeploymentConfiguration, {}, { enable: true, rollback: true });
      const during = await until(arn, (deployment) => deployment.lifecycleStage === 'BAKE_TIME');
      // Both revisions run through the bake time; production is all green.
      expect(during.targetServiceRevision).toMatchObject({
        requestedProductionTrafficWeight: 100,
        requestedTestTrafficWeight: 100,
        runningTaskCount: 2,
      });
      expect(during.sourceServiceRevisions?.[0]).toMatchObject({
        requestedProductionTrafficWeight: 0,
        runningTaskCount: 2,
      });
      const done = await until(arn, finished);
      expect(done).toMatchObject({ status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' });
      expect(record().stageHistory.map((entry) => entry.stage)).toEqual(ALL_STAGES);
      const production = record()
        .trafficHistory.map((entry) => entry.production)
        .filter((weight, index, all) => index === 0 || weight !== all[index - 1]);
      expect(production.filter((weight) => weight > 0)).toEqual([...steps]);
      // Each step waits its bake time on the emulator clock (scaled): the shift (10 s) plus the step's wait.
      const stepWaitMinutes =
        configuration.strategy === 'LINEAR' ? 2 : configuration.strategy === 'CANARY' ? 3 : undefined;
      if (stepWaitMinutes !== undefined) {
        const times = record()
          .trafficHistory.filter((entry, index, all) => index > 0 && entry.production !== all[index - 1].production)
          .map((entry) => entry.at);
        expect(times[1] - times[0]).toBe((stepWaitMinutes * 60 + 10) * 1000 * 0.001);
      }
      const settled = await service();
      expect(settled.deployments).toHaveLength(1);
      expect(settled.deployments![0]).toMatchObject({
        rolloutState: 'COMPLETED',
        taskDefinition: expect.stringMatching(/web:2$/),
      });
      expect(settled.runningCount).toBe(2);
    },
  );

  test.each(HOOK_STAGES.map((stage) => [stage]))(
    'a lifecycle hook failing at %s rolls back: traffic back to blue at once, green stopped',
    async (stage) => {
      const expectedStage = stage === 'PRE_PRODUCTION_TRAFFIC_SHIFT' ? 'PRODUCTION_TRAFFIC_SHIFT' : stage;
      const arn = await deploy(
        { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1, lifecycleHooks: [hook] },
        { hookResults: [{ stage, status: 'FAILED' }] },
      );
      const failing = await until(arn, (deployment) => deployment.status !== 'IN_PROGRESS');
      expect(failing).toMatchObject({
        // Before scale-up there are no green tasks to stop: the rollback is over at once.
        status: stage === 'PRE_SCALE_UP' ? 'ROLLBACK_SUCCESSFUL' : 'ROLLBACK_IN_PROGRESS',
        lifecycleStage: expectedStage,
        lifecycleHookDetails: [{ targetType: 'AWS_LAMBDA', targetArn: hook.hookTargetArn, status: 'FAILED' }],
        rollback: { reason: `Lifecycle hook ${hook.hookTargetArn} failed at ${stage}.` },
        targetServiceRevision: { requestedProductionTrafficWeight: 0, requestedTestTrafficWeight: 0 },
      });
      // Blue serves again from the moment of the failure.
      const blue = await service();
      expect(blue.taskDefinition).toMatch(/web:1$/);
      expect(blue.deployments![0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'COMPLETED' });
      const done = await until(arn, finished);
      expect(done.status).toBe('ROLLBACK_SUCCESSFUL');
      expect(done.rollback?.serviceRevisionArn).toBe(done.sourceServiceRevisions?.[0].arn);
      const after = await service();
      expect(after.deployments).toHaveLength(1);
      expect(after.runningCount).toBe(2);
      expect(
        emulator.ecs.tasks({ serviceName: 'web' }).filter((task) => task.taskDefinitionArn.endsWith('web:2')),
      ).toEqual(
        emulator.ecs
          .tasks({ serviceName: 'web' })
          .filter((task) => task.taskDefinitionArn.endsWith('web:2') && task.lastStatus === 'STOPPED'),
      );
    },
  );

  test('every hook succeeding runs once per hook stage and the deployment succeeds', async () => {
    const arn = await deploy(
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: [hook] },
      { hookResults: [{ status: 'SUCCEEDED', afterMs: 3 }] },
    );
    const done = await until(arn, finished);
    expect(done.status).toBe('SUCCESSFUL');
    expect(done.lifecycleHookDetails).toEqual([
      expect.objectContaining({ status: 'SUCCEEDED', targetArn: hook.hookTargetArn }),
    ]);
  });

  test('a failing image during SCALE_UP trips the circuit breaker and rolls back with traffic never shifted', async () => {
    const arn = await deploy(
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 },
      { failingImages: [{ pattern: 'app:2', exitCode: 1, logLines: ['Error: boom'] }] },
    );
    const done = await until(arn, finished);
    expect(done).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      lifecycleStage: 'SCALE_UP',
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
      rollback: { reason: 'ECS deployment circuit breaker: tasks failed to start.' },
    });
    expect(record().trafficHistory.every((entry) => entry.production === 0)).toBe(true);
  });

  test('an alarm in ALARM during BAKE_TIME rolls back: production returns to blue at once', async () => {
    const arn = await deploy(
      {
        strategy: 'CANARY',
        bakeTimeInMinutes: 10,
        canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 1 },
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
      },
      { alarmTriggers: [{ alarmName: 'web-5xx', stage: 'BAKE_TIME', afterMs: 20 }] },
    );
    const done = await until(arn, finished);
    expect(done).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      lifecycleStage: 'BAKE_TIME',
      alarms: { status: 'TRIGGERED', alarmNames: ['web-5xx'], triggeredAlarmNames: ['web-5xx'] },
      rollback: { reason: 'CloudWatch alarm web-5xx is in ALARM state.' },
    });
    const history = record().trafficHistory;
    const bakeStarted = record().stageHistory.find((entry) => entry.stage === 'BAKE_TIME')!.at;
    expect(history.at(-2)?.production).toBe(100);
    expect(history.at(-1)).toEqual({ production: 0, test: 0, at: bakeStarted + 20 });
  });

  test('alarms without rollback stop the deployment, traffic back on blue', async () => {
    const arn = await deploy(
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5, alarms: { alarmNames: ['a'], enable: true, rollback: false } },
      { alarmTriggers: [{ alarmName: 'a', stage: 'BAKE_TIME' }] },
    );
    const done = await until(arn, finished);
    expect(done).toMatchObject({ status: 'STOPPED', statusReason: 'CloudWatch alarm a is in ALARM state.' });
    expect((await service()).taskDefinition).toMatch(/web:1$/);
  });

  test('StopServiceDeployment in the middle of a linear shift sends all traffic back to blue at once', async () => {
    const arn = await deploy({
      strategy: 'LINEAR',
      bakeTimeInMinutes: 1,
      linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 1 },
    });
    const shifting = await until(
      arn,
      (deployment) => (deployment.targetServiceRevision?.requestedProductionTrafficWeight ?? 0) >= 40,
    );
    expect(shifting.lifecycleStage).toBe('PRODUCTION_TRAFFIC_SHIFT');
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));
    const requested = await read(arn);
    expect(requested).toMatchObject({
      status: 'ROLLBACK_REQUESTED',
      targetServiceRevision: { requestedProductionTrafficWeight: 0 },
      sourceServiceRevisions: [{ requestedProductionTrafficWeight: 100 }],
    });
    const done = await until(arn, finished);
    expect(done.status).toBe('ROLLBACK_SUCCESSFUL');
    // Stopping again is a conflict: the deployment has finished.
    await expect(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))).rejects.toMatchObject({
      name: 'ConflictException',
    });
  });

  test('a deployment started while another runs reconciles first (RECONCILE_SERVICE) and clears both older revisions', async () => {
    const first = await deploy({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 });
    await until(
      first,
      (deployment) =>
        deployment.lifecycleStage === 'POST_SCALE_UP' || deployment.lifecycleStage === 'TEST_TRAFFIC_SHIFT',
    );
    await ecs.send(new RegisterTaskDefinitionCommand(fargate('app:3')));
    await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:3' }));
    const { serviceDeployments } = await ecs.send(new ListServiceDeploymentsCommand({ service: 'web' }));
    const second = serviceDeployments![0].serviceDeploymentArn!;
    expect((await read(first)).status).toBe('STOPPED');
    expect((await read(second)).sourceServiceRevisions).toHaveLength(2);
    const done = await until(second, finished);
    expect(done.status).toBe('SUCCESSFUL');
    expect(record().stageHistory[0].stage).toBe('RECONCILE_SERVICE');
    const settled = await service();
    expect(settled.deployments).toMatchObject([{ taskDefinition: expect.stringMatching(/web:3$/) }]);
    expect(settled.runningCount).toBe(2);
  });

  test('CreateService with BLUE_GREEN: the first deployment has no blue to shift from and still goes through its stages', async () => {
    emulator.reset();
    emulator.setScenario({ timeScale: 0.001 });
    emulator.ecs.seedCluster();
    await ecs.send(new RegisterTaskDefinitionCommand(fargate('app:1')));
    const { service: created } = await ecs.send(
      new CreateServiceCommand({
        serviceName: 'web',
        taskDefinition: 'web',
        desiredCount: 1,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        loadBalancers,
        deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 },
      }),
    );
    expect(created?.deploymentConfiguration).toMatchObject({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 });
    const arn = created!.currentServiceDeployment!;
    const done = await until(arn, finished);
    expect(done).toMatchObject({ status: 'SUCCESSFUL', sourceServiceRevisions: [] });
    expect((await service()).runningCount).toBe(1);
  });

  const noAdvanced = [{ ...loadBalancers[0], advancedConfiguration: undefined }];
  test.each([
    [
      'BLUE_GREEN without bakeTimeInMinutes',
      { strategy: 'BLUE_GREEN' },
      loadBalancers,
      'bakeTimeInMinutes must be specified when the deployment strategy is BLUE_GREEN.',
    ],
    [
      'BLUE_GREEN with a load balancer lacking advancedConfiguration',
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 },
      noAdvanced,
      'loadBalancers[0].advancedConfiguration must specify alternateTargetGroupArn, productionListenerRule, roleArn when the deployment strategy is BLUE_GREEN.',
    ],
    [
      'LINEAR without a load balancer',
      { strategy: 'LINEAR' },
      [],
      'The LINEAR deployment strategy requires a load balancer (or Service Connect) to shift traffic.',
    ],
    [
      'linearConfiguration with CANARY',
      { strategy: 'CANARY', linearConfiguration: { stepPercent: 10 } },
      loadBalancers,
      'linearConfiguration can only be specified when the deployment strategy is LINEAR.',
    ],
    [
      'a stepPercent below 3',
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 2 } },
      loadBalancers,
      'stepPercent must be a multiple of 0.1 from 3.0 to 100.0.',
    ],
    [
      'lifecycle hooks on a rolling deployment',
      { strategy: 'ROLLING', lifecycleHooks: [hook] },
      loadBalancers,
      'lifecycleHooks are supported only with the BLUE_GREEN, LINEAR and CANARY deployment strategies.',
    ],
    [
      'a hook target that is not a Lambda function',
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 5,
        lifecycleHooks: [{ ...hook, hookTargetArn: 'arn:aws:sns:us-east-1:123456789012:x' }],
      },
      loadBalancers,
      'lifecycleHooks[0].hookTargetArn must be the ARN of a Lambda function.',
    ],
  ])(
    'UpdateService refuses %s (InvalidParameterException) and changes nothing',
    async (_name, configuration, balancers, message) => {
      emulator.reset();
      emulator.setScenario({ timeScale: 0.001 });
      await ecs.send(new RegisterTaskDefinitionCommand(fargate('app:1')));
      await ecs.send(new RegisterTaskDefinitionCommand(fargate('app:2')));
      emulator.ecs.seedService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1 });
      await expect(
        ecs.send(
          new UpdateServiceCommand({
            service: 'web',
            taskDefinition: 'web:2',
            loadBalancers: balancers as never,
            deploymentConfiguration: configuration as DeploymentConfiguration,
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidParameterException', message });
      const unchanged = await service();
      expect(unchanged.taskDefinition).toMatch(/web:1$/);
      expect(unchanged.deploymentConfiguration?.strategy).toBeUndefined();
      expect(unchanged.loadBalancers).toEqual([]);
    },
  );
});
