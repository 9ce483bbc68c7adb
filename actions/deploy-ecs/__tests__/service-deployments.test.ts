import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { startAwsEmulator, type AwsEmulator } from '../../../test/emulators/aws/index.js';
import {
  assessRollback,
  assessServiceDeployment,
  observe,
  ServiceDeploymentApi,
  strategyOf,
  watchRollout,
  type DeploymentFacts,
} from '../src/service-deployments.js';
import { FAST_ECS, fargateDefinition, TIME_SCALE } from './helpers.js';

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
    expect(at(step('SCALE_UP'), 0)).toEqual(['Service deployment IN_PROGRESS, stage SCALE_UP']);
    expect(at(step('SCALE_UP'), 1)).toEqual([]);
    expect(at(step('PRODUCTION_TRAFFIC_SHIFT', 10), 2)).toEqual([
      'Service deployment IN_PROGRESS, stage PRODUCTION_TRAFFIC_SHIFT (production traffic 10% on the new revision)',
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
