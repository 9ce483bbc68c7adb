import { describe, expect, test } from '@jest/globals';
import { CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { deploy, emulatorForSuite, FAST_ECS, fargateDefinition, seedWebService, WEB_DEPLOY_INPUTS } from './helpers.js';

// After a rollout that did not complete, at the wire: why its tasks stopped, ECS's own rollback
// followed to its end, the action's rollback, and when it does not roll back.
describe('deploy-ecs against the emulator: rollouts that fail', () => {
  const emulator = emulatorForSuite();

  // These rollouts wait for the circuit breaker (or its threshold): fail-fast, which ends a crash loop at its second crash, is off.
  const crashing = { ...WEB_DEPLOY_INPUTS, image: 'nginx:crash', 'fail-fast': false };

  test('the circuit breaker rolls back: the action says so, explains the stopped tasks, and does not roll back again', async () => {
    const previous = seedWebService(emulator(), { circuitBreaker: { enable: true, rollback: true } });
    const run = await deploy(emulator(), crashing);
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
    expect(emulator().calls({ operation: 'UpdateService' })).toHaveLength(1);
    expect(emulator().ecs.service('web')?.taskDefinition).toBe(previous.arn);
    expect(run.warnings.join('\n')).toContain('The ECS deployment circuit breaker rolled the service back to web:1');
    expect(run.stdout).toMatch(
      /Task [0-9a-f]{32} stopped \(EssentialContainerExited\): Essential container in task exited/,
    );
    expect(run.stdout).toContain('  container app: exit code 1, Error: Cannot find module /app/server.js');
    expect(run.summary).toContain('### Why tasks stopped');
    expect(run.summary).toContain('app: exit 1, Error: Cannot find module /app/server.js');
  });

  test('the circuit breaker rolls back but its rollback does not finish: rolled-back is false and the error says why', async () => {
    seedWebService(emulator(), {
      circuitBreaker: { enable: true, rollback: true },
      scenario: { ecs: { ...FAST_ECS, slowImages: [{ pattern: 'nginx:1', startDelayMs: 600_000 }] } },
    });
    const run = await deploy(emulator(), { ...crashing, 'timeout-minutes': 0.04 });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/ROLLED_BACK_BY_ECS: .*Its rollback deployment TIMED_OUT \(timed out after 2\.4 s/);
    expect(run.outputs).toMatchObject({ 'rollout-state': 'FAILED', 'rolled-back': 'false' });
    // Still ECS's own rollback: the action does not start another one.
    expect(emulator().calls({ operation: 'UpdateService' })).toHaveLength(1);
  });

  test("a service's first deployment (CreateService made it, as preview-env does) crashes: nothing earlier to roll back to, and no StopServiceDeployment", async () => {
    seedWebService(emulator(), { circuitBreaker: { enable: true, rollback: true } });
    const ecs = new ECSClient({ ...emulator().clientConfig(), maxAttempts: 1 });
    try {
      const registered = await ecs.send(
        new RegisterTaskDefinitionCommand(fargateDefinition('nginx:crash', 'web-pr-7') as never),
      );
      const arn = registered.taskDefinition?.taskDefinitionArn as string;
      await ecs.send(
        new CreateServiceCommand({
          cluster: 'default',
          serviceName: 'web-pr-7',
          taskDefinition: arn,
          desiredCount: 1,
          launchType: 'FARGATE',
          networkConfiguration: {
            awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0a1b2c3d'] },
          },
          deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        }),
      );
      const run = await deploy(emulator(), { 'task-definition-arn': arn, service: 'web-pr-7' });
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toContain(
        'The service already ran web-pr-7:1 before this deployment (its first deployment, or an earlier one that was not rolled back): there is no earlier revision to roll back to.',
      );
      expect(run.outputs).toMatchObject({ 'rolled-back': 'false', 'previous-task-definition-arn': arn });
      expect(emulator().calls({ operation: 'StopServiceDeployment' })).toEqual([]);
    } finally {
      ecs.destroy();
    }
  });

  test('a crash loop without a circuit breaker fails at ECS’s threshold and the action rolls back itself (StopServiceDeployment)', async () => {
    const previous = seedWebService(emulator());
    const run = await deploy(emulator(), crashing);
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /FAILED: \d+ tasks of deployment ecs-svc\/\d+ failed \(the circuit breaker's threshold for 2 tasks is 3/,
    );
    expect(run.errors[0]).toContain('Rolled back to web:1 by StopServiceDeployment (ROLLBACK): ROLLBACK_SUCCESSFUL');
    expect(run.outputs).toMatchObject({ 'rollout-state': 'FAILED', 'rolled-back': 'true' });
    expect(emulator().calls({ operation: 'UpdateService' })).toHaveLength(1);
    const [stop] = emulator().calls({ operation: 'StopServiceDeployment' });
    expect(stop.request).toEqual({ serviceDeploymentArn: run.outputs['service-deployment-arn'], stopType: 'ROLLBACK' });
    expect(emulator().ecs.service('web')?.taskDefinition).toBe(previous.arn);
    expect(run.summary).toMatch(/\| Rollback \| \+/);
  });

  test('a crash loop without a circuit breaker and without the service deployment API: the action updates the service back', async () => {
    const previous = seedWebService(emulator(), {
      scenario: { faults: { operations: { DescribeServiceDeployments: { accessDenied: true } } } },
    });
    const run = await deploy(emulator(), crashing);
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /FAILED: \d+ tasks of deployment ecs-svc\/\d+ failed \(the circuit breaker's threshold for 2 tasks is 3/,
    );
    expect(run.errors[0]).toContain('Rolled back to web:1');
    expect(run.outputs).toMatchObject({ 'rollout-state': 'FAILED', 'rolled-back': 'true' });
    const updates = emulator()
      .calls({ operation: 'UpdateService' })
      .map((call) => (call.request as { taskDefinition: string }).taskDefinition);
    expect(updates).toEqual(['arn:aws:ecs:us-east-1:123456789012:task-definition/web:2', previous.arn]);
    const service = emulator().ecs.service('web');
    expect(service?.taskDefinition).toBe(previous.arn);
    expect(service?.deployments).toEqual([
      expect.objectContaining({ rolloutState: 'COMPLETED', taskDefinition: previous.arn }),
    ]);
    expect(run.summary).toMatch(/\| Rollback \| \+/);
  });

  test('a rollout that does not finish in time times out, then rolls back', async () => {
    const previous = seedWebService(emulator());
    const run = await deploy(emulator(), { ...crashing, image: 'nginx:slow', 'timeout-minutes': 0.04 });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /TIMED_OUT: timed out after 2\.4 s: 0\/2 tasks running, 2 pending, rollout IN_PROGRESS/,
    );
    expect(run.outputs).toMatchObject({ 'rollout-state': 'TIMED_OUT', 'rolled-back': 'true' });
    expect(emulator().ecs.service('web')?.taskDefinition).toBe(previous.arn);
    expect(run.durationMs).toBeLessThan(15_000);
  });

  test('rollback-on-failure: false leaves the failed deployment in place', async () => {
    seedWebService(emulator());
    const run = await deploy(emulator(), { ...crashing, 'rollback-on-failure': false });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toContain('rollback-on-failure is off');
    expect(run.outputs['rolled-back']).toBe('false');
    expect(emulator().calls({ operation: 'UpdateService' })).toHaveLength(1);
  });
});
