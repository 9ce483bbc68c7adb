import { describe, expect, test } from '@jest/globals';
import {
  deploy,
  emulatorForSuite,
  fargateDefinition,
  seedWebService,
  WEB_DEPLOY_INPUTS,
  workspaceWith,
} from './helpers.js';

// The update step at the wire: what reaches UpdateService, and the deployment it started.
describe('deploy-ecs updates the service', () => {
  const emulator = emulatorForSuite();

  test('service settings reach UpdateService; force starts a deployment of an unchanged definition', async () => {
    const previous = seedWebService(emulator());
    const seededDeployment = emulator().ecs.service('web')?.deployments[0].id;
    // The output of `aws ecs describe-task-definition`, saved as the file: its read-only fields go.
    const described = {
      taskDefinition: {
        ...fargateDefinition('nginx:1'),
        taskDefinitionArn: previous.arn,
        revision: 1,
        status: 'ACTIVE',
      },
    };
    const workspace = workspaceWith({ 'described.json': JSON.stringify(described) });
    const run = await deploy(
      emulator(),
      {
        'task-definition': 'described.json',
        service: 'web',
        'desired-count': 3,
        'force-new-deployment': true,
        'propagate-tags': 'SERVICE',
        'enable-ecs-managed-tags': true,
      },
      { workspace },
    );
    expect(run.errors).toEqual([]);
    expect(run.notices.join('\n')).toContain(
      'Dropped fields that DescribeTaskDefinition returns but RegisterTaskDefinition refuses: taskDefinitionArn, revision, status',
    );
    expect(run.outputs['task-definition-arn']).toBe(previous.arn);
    expect(emulator().calls({ operation: 'RegisterTaskDefinition' })).toEqual([]);
    expect(emulator().calls({ operation: 'UpdateService' })[0].request).toEqual({
      cluster: 'default',
      service: 'web',
      taskDefinition: previous.arn,
      desiredCount: 3,
      forceNewDeployment: true,
      enableECSManagedTags: true,
      propagateTags: 'SERVICE',
    });
    const service = emulator().ecs.service('web');
    expect(service).toMatchObject({ desiredCount: 3, propagateTags: 'SERVICE', enableECSManagedTags: true });
    expect(service?.deployments).toEqual([
      expect.objectContaining({ id: run.outputs['deployment-id'], rolloutState: 'COMPLETED', desiredCount: 3 }),
    ]);
    expect(run.outputs['deployment-id']).not.toBe(seededDeployment);
    expect(run.outputs.diff).toBe('');
  });

  test('wait: false returns once the deployment has started', async () => {
    seedWebService(emulator());
    const run = await deploy(emulator(), { ...WEB_DEPLOY_INPUTS, wait: false });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['rollout-state']).toBe('IN_PROGRESS');
    expect(run.outputs['deployment-id']).toMatch(/^ecs-svc\/\d{19}$/);
  });
});
