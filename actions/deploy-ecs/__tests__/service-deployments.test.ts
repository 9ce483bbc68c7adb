import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import {
  assessRollback,
  assessServiceDeployment,
  observe,
  ServiceDeploymentApi,
  strategyOf,
  watchRollout,
  type DeploymentFacts,
} from '../src/service-deployments.js';
import {
  deploy,
  emulatorForSuite,
  FAST_ECS,
  fargateDefinition,
  seedWebService,
  TIME_SCALE,
  WEB_DEPLOY_INPUTS,
} from './helpers.js';

const facts = (): DeploymentFacts => ({ strategy: 'ROLLING', stages: [], alarmsFired: [] });

describe('assessServiceDeployment', () => {
  test.each([
    ['PENDING', false, undefined],
    ['IN_PROGRESS', false, undefined],
    ['SUCCESSFUL', true, 'COMPLETED'],
    ['ROLLBACK_REQUESTED', true, 'ROLLED_BACK_BY_ECS'],
    ['ROLLBACK_IN_PROGRESS', true, 'ROLLED_BACK_BY_ECS'],
    ['ROLLBACK_SUCCESSFUL', true, 'ROLLED_BACK_BY_ECS'],
    ['ROLLBACK_FAILED', true, 'ROLLED_BACK_BY_ECS'],
    ['STOPPED', true, 'SUPERSEDED'],
  ] as const)('%s', (status, done, outcome) => {
    const verdict = assessServiceDeployment({ status });
    expect(verdict.done).toBe(done);
    expect(verdict.outcome).toBe(outcome);
  });

  test.each<[string, Partial<ServiceDeployment>, string]>([
    [
      'its circuit breaker',
      { deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 2, threshold: 2 } },
      'FAILED',
    ],
    ['its alarm', { alarms: { status: 'TRIGGERED', triggeredAlarmNames: ['web-5xx'] } }, 'FAILED'],
    [
      'a newer deployment',
      { deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 0, threshold: 2 } },
      'SUPERSEDED',
    ],
  ])('STOPPED by %s, without a rollback: %s', (_by, monitors, outcome) => {
    const verdict = assessServiceDeployment({ status: 'STOPPED', statusReason: 'stopped', ...monitors });
    expect(verdict).toEqual({ done: true, outcome, reason: 'service deployment STOPPED: stopped' });
  });

  test('a rollback names the alarms and the circuit breaker', () => {
    const verdict = assessServiceDeployment({
      status: 'ROLLBACK_IN_PROGRESS',
      alarms: { status: 'TRIGGERED', triggeredAlarmNames: ['web-5xx'] },
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
      rollback: { reason: 'alarm web-5xx in ALARM' },
    });
    expect(verdict.reason).toContain('alarms fired: web-5xx');
    expect(verdict.reason).toContain('circuit breaker: 3 of 3 tasks failed');
  });

  test.each([
    ['ROLLBACK_IN_PROGRESS', false, undefined],
    ['ROLLBACK_SUCCESSFUL', true, 'COMPLETED'],
    ['ROLLBACK_FAILED', true, 'FAILED'],
  ] as const)('assessRollback %s', (status, done, outcome) => {
    const verdict = assessRollback({ status });
    expect(verdict.done).toBe(done);
    expect(verdict.outcome).toBe(outcome);
  });
});

describe('observe', () => {
  test('logs each stage, traffic step, failure count and alarm once', () => {
    const seen = facts();
    const at = (deployment: ServiceDeployment, ms: number) => observe(seen, deployment, ms);
    const step = (stage: ServiceDeployment['lifecycleStage'], production?: number): ServiceDeployment => ({
      status: 'IN_PROGRESS',
      lifecycleStage: stage,
      targetServiceRevision: production === undefined ? undefined : { requestedProductionTrafficWeight: production },
    });
    expect(at(step('SCALE_UP'), 0)).toEqual(['+0 ms service deployment IN_PROGRESS, stage SCALE_UP']);
    expect(at(step('SCALE_UP'), 1)).toEqual([]);
    expect(at(step('PRODUCTION_TRAFFIC_SHIFT', 10), 2)).toEqual([
      '+2 ms service deployment IN_PROGRESS, stage PRODUCTION_TRAFFIC_SHIFT (production traffic 10% on the new revision)',
    ]);
    expect(at(step('PRODUCTION_TRAFFIC_SHIFT', 20), 3)).toHaveLength(1);
    expect(
      at(
        {
          ...step('PRODUCTION_TRAFFIC_SHIFT', 20),
          deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 1, threshold: 3 },
          alarms: { status: 'TRIGGERED', alarmNames: ['a', 'b'], triggeredAlarmNames: ['b'] },
        },
        4,
      ),
    ).toEqual(['Circuit breaker: 1 of 3 failed tasks (MONITORING)', 'CloudWatch alarm fired: b']);
    expect(seen.stages.map((entry) => [entry.stage, entry.production])).toEqual([
      ['SCALE_UP', undefined],
      ['PRODUCTION_TRAFFIC_SHIFT', 10],
      ['PRODUCTION_TRAFFIC_SHIFT', 20],
    ]);
    expect(seen.finalStage).toBe('PRODUCTION_TRAFFIC_SHIFT');
    expect(seen.alarmsFired).toEqual(['b']);
  });

  test.each([
    [{}, 'ROLLING'],
    [{ deploymentConfiguration: { strategy: 'BLUE_GREEN' as const } }, 'BLUE_GREEN'],
    [{ deploymentController: { type: 'CODE_DEPLOY' as const } }, 'CODE_DEPLOY'],
  ])('strategyOf %#', (service, strategy) => {
    expect(strategyOf(service)).toBe(strategy);
  });
});

describe('watchRollout at the wire', () => {
  let emulator: AwsEmulator;
  let client: ECSClient;
  beforeAll(async () => {
    emulator = await startAwsEmulator({ scenario: { timeScale: TIME_SCALE, ecs: FAST_ECS } });
    client = new ECSClient({ ...emulator.clientConfig(), maxAttempts: 1 });
  });
  afterAll(() => emulator.close());

  async function start(image: string, faults?: Record<string, unknown>) {
    emulator.reset();
    emulator.setScenario({ timeScale: TIME_SCALE, ecs: FAST_ECS, ...(faults ? { faults } : {}) });
    emulator.ecs.seedCluster('default');
    await client.send(new RegisterTaskDefinitionCommand(fargateDefinition('nginx:1') as never));
    await client.send(new RegisterTaskDefinitionCommand(fargateDefinition(image) as never));
    emulator.ecs.seedService({
      serviceName: 'web',
      taskDefinition: 'web:1',
      desiredCount: 2,
      circuitBreaker: { enable: true, rollback: true },
    });
    const since = new Date();
    const { service } = await client.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
    const api = new ServiceDeploymentApi(client, client);
    const seen = facts();
    seen.arn = await api.started('default', service!, since);
    const deploymentId = service!.deployments!.find((deployment) => deployment.status === 'PRIMARY')!.id!;
    const log: string[] = [];
    const watch = (mode: 'rollout' | 'rollback') =>
      watchRollout({
        describeService: async () =>
          (await client.send(new DescribeServicesCommand({ services: ['web'] }))).services![0],
        api,
        facts: seen,
        deploymentId,
        mode,
        intervalMs: 20,
        timeoutMs: 20_000,
        seenEvents: new Set(),
        onEvent: () => {},
        onLog: (text) => log.push(text),
        onTransientError: (text) => log.push(text),
      });
    return { seen, log, watch };
  }

  test('a rolling deployment: followed through its service deployment to SUCCESSFUL', async () => {
    const { seen, watch } = await start('nginx:2');
    expect(seen.arn).toMatch(/:service-deployment\/default\/web\//);
    const result = await watch('rollout');
    expect(result.outcome).toBe('COMPLETED');
    expect(seen.status).toBe('SUCCESSFUL');
    expect(seen.fallback).toBeUndefined();
  });

  test('a failing image: ECS rolls back, and the rollback is followed on the same object', async () => {
    const { seen, watch } = await start('nginx:crash');
    const rollout = await watch('rollout');
    expect(rollout.outcome).toBe('ROLLED_BACK_BY_ECS');
    expect(rollout.firstFailurePoll).toBeGreaterThan(0);
    expect(seen.circuitBreaker?.failureCount).toBeGreaterThan(0);
    const rollback = await watch('rollback');
    expect(rollback.outcome).toBe('COMPLETED');
    expect(seen.status).toBe('ROLLBACK_SUCCESSFUL');
  });

  test('DescribeServiceDeployments refused: DescribeServices alone, with a note', async () => {
    const { seen, log, watch } = await start('nginx:2', {
      operations: { DescribeServiceDeployments: { accessDenied: true } },
    });
    const result = await watch('rollout');
    expect(result.outcome).toBe('COMPLETED');
    expect(seen.fallback).toMatch(/DescribeServiceDeployments is not available/);
    expect(log).toContain(seen.fallback);
  });
});

// Each strategy through the bundle: succeeding, failing at a stage, rolled back by ECS and by the action.
describe('strategies at the wire (the bundle against the emulator)', () => {
  const emulator = emulatorForSuite();
  const advancedConfiguration = {
    alternateTargetGroupArn:
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/1111111111111111',
    productionListenerRule:
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/2222222222222222/3333333333333333/4444444444444444',
    testListenerRule:
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/2222222222222222/3333333333333333/5555555555555555',
    roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers',
  };
  const hook = {
    targetType: 'AWS_LAMBDA',
    hookTargetArn: 'arn:aws:lambda:us-east-1:123456789012:function:smoke-green',
    roleArn: 'arn:aws:iam::123456789012:role/ecsHookRole',
    lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
  };

  /** Service `web` on web:1 behind a load balancer, deploying with `configuration`; `timeScale` slows the stages down to be seen. */
  function seed(configuration: Record<string, unknown>, ecs: Record<string, unknown> = {}, timeScale = TIME_SCALE) {
    return seedWebService(emulator(), {
      circuitBreaker: { enable: true, rollback: true },
      scenario: { timeScale, ecs: { ...FAST_ECS, ...ecs } } as never,
      service: {
        loadBalancers: [
          {
            targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/0123456789abcdef',
            containerName: 'app',
            containerPort: 3000,
            advancedConfiguration,
          },
        ],
        deploymentConfiguration: configuration,
      },
    });
  }

  test.each([
    ['BLUE_GREEN', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 }],
    [
      'LINEAR',
      { strategy: 'LINEAR', bakeTimeInMinutes: 1, linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 } },
    ],
    [
      'CANARY',
      {
        strategy: 'CANARY',
        bakeTimeInMinutes: 1,
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
      },
    ],
  ])(
    '%s succeeds: strategy, service deployment and final stage in the outputs, stages in the summary',
    async (strategy, configuration) => {
      seed(configuration);
      const run = await deploy(emulator(), WEB_DEPLOY_INPUTS);
      expect(run.errors).toEqual([]);
      expect(run.outputs).toMatchObject({
        'rollout-state': 'COMPLETED',
        'deployment-strategy': strategy,
        'final-stage': 'CLEAN_UP',
        'service-deployment-arn': expect.stringMatching(/:service-deployment\/default\/web\//),
      });
      expect(run.summary).toContain('### Service deployment');
      expect(run.summary).toMatch(/\| CLEAN_UP \| SUCCESSFUL \|/);
    },
  );

  test('a canary step is seen: production traffic 10% on the new revision, in the log and the summary', async () => {
    seed(
      {
        strategy: 'CANARY',
        bakeTimeInMinutes: 0,
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 },
      },
      {},
      0.01,
    );
    const run = await deploy(emulator(), WEB_DEPLOY_INPUTS);
    expect(run.errors).toEqual([]);
    expect(run.stdout).toMatch(/stage PRODUCTION_TRAFFIC_SHIFT \(.*production traffic 10% on the new revision\)/);
    expect(run.summary).toMatch(/\| PRODUCTION_TRAFFIC_SHIFT \| IN_PROGRESS \| \+[^|]+\|[^|]+\| 10% \|/);
  });

  test('BLUE_GREEN failing at a lifecycle hook: ECS rolls back, the stage it failed at is the final stage', async () => {
    const previous = seed(
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1, lifecycleHooks: [hook] },
      {
        hookResults: [{ stage: 'POST_TEST_TRAFFIC_SHIFT', status: 'FAILED' }],
      },
    );
    const run = await deploy(emulator(), WEB_DEPLOY_INPUTS);
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/ROLLED_BACK_BY_ECS/);
    expect(run.outputs).toMatchObject({ 'rolled-back': 'true', 'final-stage': 'POST_TEST_TRAFFIC_SHIFT' });
    expect(run.stdout).toContain(
      'Rollback: Lifecycle hook arn:aws:lambda:us-east-1:123456789012:function:smoke-green failed',
    );
    expect(emulator().ecs.service('web')?.taskDefinition).toBe(previous.arn);
    expect(emulator().calls({ operation: 'StopServiceDeployment' })).toEqual([]);
  });

  test('CANARY with an alarm firing in BAKE_TIME: rolled back, the alarm named in the log, the error and the summary', async () => {
    seed(
      {
        strategy: 'CANARY',
        bakeTimeInMinutes: 10,
        canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 1 },
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
      },
      { alarmTriggers: [{ alarmName: 'web-5xx', stage: 'BAKE_TIME', afterMs: 20 }] },
    );
    const run = await deploy(emulator(), WEB_DEPLOY_INPUTS);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('CloudWatch alarm fired: web-5xx');
    expect(run.errors[0]).toContain('web-5xx');
    expect(run.summary).toMatch(/\| Alarms fired \| `web-5xx` \|/);
    expect(run.outputs).toMatchObject({ 'rolled-back': 'true', 'final-stage': 'BAKE_TIME' });
    expect(run.warnings.join('\n')).toContain(
      'ECS rolled the service back to web:1: CloudWatch alarm web-5xx is in ALARM state.',
    );
  });

  test('BLUE_GREEN with a crashing image (fail-fast off): the circuit breaker trips in SCALE_UP, failures counted against the threshold', async () => {
    seed({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 });
    const run = await deploy(emulator(), { ...WEB_DEPLOY_INPUTS, image: 'nginx:crash', 'fail-fast': false });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ 'rolled-back': 'true', 'final-stage': 'SCALE_UP' });
    expect(run.stdout).toMatch(/Circuit breaker: \d of 3 failed tasks/);
    expect(run.summary).toMatch(/\| Circuit breaker \| 3 of 3 failed tasks \(TRIGGERED\) \|/);
  });

  test('LINEAR timing out mid-shift: the action rolls back with StopServiceDeployment, traffic back on blue', async () => {
    const previous = seed({
      strategy: 'LINEAR',
      bakeTimeInMinutes: 1,
      linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 600 },
    });
    const run = await deploy(emulator(), { ...WEB_DEPLOY_INPUTS, 'timeout-minutes': 0.05 });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      'rollout-state': 'TIMED_OUT',
      'rolled-back': 'true',
      'final-stage': 'PRODUCTION_TRAFFIC_SHIFT',
    });
    const [stop] = emulator().calls({ operation: 'StopServiceDeployment' });
    expect(stop.request).toEqual({ serviceDeploymentArn: run.outputs['service-deployment-arn'], stopType: 'ROLLBACK' });
    expect(run.errors[0]).toContain('Rolled back to web:1 by StopServiceDeployment (ROLLBACK): ROLLBACK_SUCCESSFUL');
    expect(emulator().ecs.service('web')?.taskDefinition).toBe(previous.arn);
  });
});
