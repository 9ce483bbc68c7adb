import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { AwsEmulator } from '../../../test/emulators/aws/index.js';
import { deploy, FAST_ECS, mutatingCalls, seedWebService, startEmulator } from './helpers.js';

describe('deploy-ecs against the emulator: rollouts that fail', () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  // These rollouts wait for the circuit breaker (or its threshold): fail-fast, which ends a crash loop at its second crash, is off.
  const crashing = {
    'task-definition': 'task-definition.json',
    'container-name': 'app',
    image: 'nginx:crash',
    service: 'web',
    'fail-fast': false,
  };

  test('the circuit breaker rolls back: the action says so, explains the stopped tasks, and does not roll back again', async () => {
    const previous = seedWebService(emulator, { circuitBreaker: { enable: true, rollback: true } });
    const run = await deploy(emulator, crashing);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /Deployment ecs-svc\/\d+ of web:2 ROLLED_BACK_BY_ECS: .*deployment failed: tasks failed to start/,
    );
    expect(run.errors[0]).toContain('exit code 1, Error: Cannot find module /app/server.js');
    expect(run.outputs).toMatchObject({
      'rollout-state': 'FAILED',
      'rolled-back': 'true',
      'previous-task-definition-arn': previous.arn,
    });
    // ECS rolled back by itself: one UpdateService only, ours.
    expect(emulator.calls({ operation: 'UpdateService' })).toHaveLength(1);
    expect(emulator.ecs.service('web')?.taskDefinition).toBe(previous.arn);
    expect(run.warnings.join('\n')).toContain('The ECS deployment circuit breaker rolled the service back to web:1');
    expect(run.stdout).toMatch(
      /Task [0-9a-f]{32} stopped \(EssentialContainerExited\): Essential container in task exited/,
    );
    expect(run.stdout).toContain('  container app: exit code 1, Error: Cannot find module /app/server.js');
    expect(run.summary).toContain('### Why tasks stopped');
    expect(run.summary).toContain('app: exit 1, Error: Cannot find module /app/server.js');
  });

  test('the circuit breaker rolls back but its rollback does not finish: rolled-back is false and the error says why', async () => {
    seedWebService(emulator, {
      circuitBreaker: { enable: true, rollback: true },
      scenario: { ecs: { ...FAST_ECS, slowImages: [{ pattern: 'nginx:1', startDelayMs: 600_000 }] } },
    });
    const run = await deploy(emulator, { ...crashing, 'timeout-minutes': 0.04 });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/ROLLED_BACK_BY_ECS: .*Its rollback deployment TIMED_OUT \(timed out after 2\.4 s/);
    expect(run.outputs).toMatchObject({ 'rollout-state': 'FAILED', 'rolled-back': 'false' });
    // Still ECS's own rollback: the action does not start another one.
    expect(emulator.calls({ operation: 'UpdateService' })).toHaveLength(1);
  });

  test('a crash loop without a circuit breaker fails at ECS’s threshold and the action rolls back itself (StopServiceDeployment)', async () => {
    const previous = seedWebService(emulator);
    const run = await deploy(emulator, crashing);
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /FAILED: \d+ tasks of deployment ecs-svc\/\d+ failed \(the circuit breaker's threshold for 2 tasks is 3/,
    );
    expect(run.errors[0]).toContain('Rolled back to web:1 by StopServiceDeployment (ROLLBACK): ROLLBACK_SUCCESSFUL');
    expect(run.outputs).toMatchObject({ 'rollout-state': 'FAILED', 'rolled-back': 'true' });
    expect(emulator.calls({ operation: 'UpdateService' })).toHaveLength(1);
    const [stop] = emulator.calls({ operation: 'StopServiceDeployment' });
    expect(stop.request).toEqual({ serviceDeploymentArn: run.outputs['service-deployment-arn'], stopType: 'ROLLBACK' });
    expect(emulator.ecs.service('web')?.taskDefinition).toBe(previous.arn);
    expect(run.summary).toMatch(/\| Rollback \| \+/);
  });

  test('a crash loop without a circuit breaker and without the service deployment API: the action updates the service back', async () => {
    const previous = seedWebService(emulator, {
      scenario: { faults: { operations: { DescribeServiceDeployments: { accessDenied: true } } } },
    });
    const run = await deploy(emulator, crashing);
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /FAILED: \d+ tasks of deployment ecs-svc\/\d+ failed \(the circuit breaker's threshold for 2 tasks is 3/,
    );
    expect(run.errors[0]).toContain('Rolled back to web:1');
    expect(run.outputs).toMatchObject({ 'rollout-state': 'FAILED', 'rolled-back': 'true' });
    const updates = emulator
      .calls({ operation: 'UpdateService' })
      .map((call) => (call.request as { taskDefinition: string }).taskDefinition);
    expect(updates).toEqual(['arn:aws:ecs:us-east-1:123456789012:task-definition/web:2', previous.arn]);
    const service = emulator.ecs.service('web');
    expect(service?.taskDefinition).toBe(previous.arn);
    expect(service?.deployments).toEqual([
      expect.objectContaining({ rolloutState: 'COMPLETED', taskDefinition: previous.arn }),
    ]);
    expect(run.summary).toMatch(/\| Rollback \| \+/);
  });

  test('a rollout that does not finish in time times out, then rolls back', async () => {
    const previous = seedWebService(emulator);
    const run = await deploy(emulator, { ...crashing, image: 'nginx:slow', 'timeout-minutes': 0.04 });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /TIMED_OUT: timed out after 2\.4 s: 0\/2 tasks running, 2 pending, rollout IN_PROGRESS/,
    );
    expect(run.outputs).toMatchObject({ 'rollout-state': 'TIMED_OUT', 'rolled-back': 'true' });
    expect(emulator.ecs.service('web')?.taskDefinition).toBe(previous.arn);
    expect(run.durationMs).toBeLessThan(15_000);
  });

  test('rollback-on-failure: false leaves the failed deployment in place', async () => {
    seedWebService(emulator);
    const run = await deploy(emulator, { ...crashing, 'rollback-on-failure': false });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toContain('rollback-on-failure is off');
    expect(run.outputs['rolled-back']).toBe('false');
    expect(emulator.calls({ operation: 'UpdateService' })).toHaveLength(1);
  });

  test.each([
    ['DescribeServices', 'ecs:DescribeServices', []],
    ['UpdateService', 'ecs:UpdateService', ['RegisterTaskDefinition']],
  ])('a permissions error on %s fails at once, naming the missing action', async (operation, action, mutated) => {
    seedWebService(emulator, { scenario: { faults: { operations: { [operation]: { accessDenied: true } } } } });
    const run = await deploy(emulator, { ...crashing, image: 'nginx:2', 'max-attempts': 10 });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^Permission denied for ${action}: .*not authorized to perform: ${action}.*\\. Allow ${action} in the IAM policy of the role the step's credentials belong to \\(the action's README lists every permission it needs\\)$`,
      ),
    );
    // Not retried: an access-denied error is answered once.
    expect(emulator.calls({ operation })).toHaveLength(1);
    expect(
      emulator
        .calls({ mutating: true })
        .filter((c) => c.status === 200)
        .map((c) => c.operation),
    ).toEqual(mutated);
    // The outputs and the summary still say how far the step got.
    expect(run.outputs['task-definition-arn']).toBe(
      mutated.length > 0 ? 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2' : '',
    );
    expect(run.summary).toContain(`| Rollout | ERROR: Permission denied for ${action}`);
  });

  test('credentials AWS does not know fail at the first call, pointing at the credentials step', async () => {
    // With credentials listed the emulator checks the key, as AWS does; the action signs with another.
    seedWebService(emulator, {
      scenario: { credentials: [{ accessKeyId: 'AKIADEPLOYER00000000', secretAccessKey: 's' }] },
    });
    const run = await deploy(
      emulator,
      { ...crashing, image: 'nginx:2', 'max-attempts': 10 },
      { env: { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNIDENTITY0', AWS_SECRET_ACCESS_KEY: 'x' } },
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      expect.stringMatching(
        /^AWS refused the credentials \(UnrecognizedClientException\) on ecs:\w+: .+\. Check the step that configures AWS credentials$/,
      ),
    ]);
    // Refused before anything changed, and not retried.
    expect(emulator.calls()).toHaveLength(1);
    expect(mutatingCalls(emulator)).toEqual([]);
  });
});
