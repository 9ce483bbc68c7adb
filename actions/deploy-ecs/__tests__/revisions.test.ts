import { describe, expect, test } from '@jest/globals';
import {
  deploy,
  emulatorForSuite,
  fargateDefinition,
  revisionNumbers,
  seedWebService,
  WEB_DEPLOY_INPUTS,
  workspaceWith,
} from './helpers.js';

// Registering (or reusing) a revision and cleaning up old ones, at the wire.
describe('deploy-ecs registers a revision only when the definition changed, and cleans up', () => {
  const emulator = emulatorForSuite();

  test('a rerun with an unchanged definition registers nothing and starts no deployment', async () => {
    seedWebService(emulator());
    const inputs = WEB_DEPLOY_INPUTS;
    const first = await deploy(emulator(), inputs);
    expect(first.exitCode).toBe(0);
    const deploymentsBefore = emulator()
      .ecs.service('web')
      ?.deployments.map((d) => d.id);
    const second = await deploy(emulator(), inputs);
    expect(second.exitCode).toBe(0);
    expect(second.outputs['task-definition-arn']).toBe(first.outputs['task-definition-arn']);
    expect(second.outputs['rollout-state']).toBe('COMPLETED');
    expect(emulator().calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1);
    expect(revisionNumbers(emulator())).toEqual([1, 2]);
    expect(
      emulator()
        .ecs.service('web')
        ?.deployments.map((d) => d.id),
    ).toEqual(deploymentsBefore);
    expect(second.stdout).toContain('reusing it');
  });

  test.each([
    ['overrides', { cpu: '0.25 vCPU', memory: '0.5 GB' }, {}],
    ['the file', {}, { cpu: '.25 vcpu', memory: '0.5GB' }],
  ])(
    'run twice with cpu and memory written as vCPU and GB in %s: the second run registers nothing and starts no deployment',
    async (_, overrides, inFile) => {
      seedWebService(emulator());
      const workspace = workspaceWith({
        'task-definition.json': JSON.stringify({ ...fargateDefinition('nginx:1'), ...inFile }),
      });
      const inputs = { ...WEB_DEPLOY_INPUTS, 'skip-unchanged': true, ...overrides };
      const first = await deploy(emulator(), inputs, { workspace });
      expect(first.errors).toEqual([]);
      expect(first.outputs['rollout-state']).toBe('COMPLETED');
      // Against web:1 (256 / 512) only the image changed: the vCPU and GB forms are no change.
      expect(first.outputs.diff).toContain('+      "image": "nginx:2"');
      expect(first.outputs.diff).not.toMatch(/^[-+]\s*"(cpu|memory)"/m);
      // ECS registers `0.25 vCPU` / `0.5 GB` as 256 / 512, and that is what the second run reads back.
      const registered = emulator()
        .ecs.taskDefinitions('web')
        .map((r) => [r.revision, r.definition.cpu, r.definition.memory]);
      expect(registered).toEqual([
        [1, '256', '512'],
        [2, '256', '512'],
      ]);
      const deploymentsAfterFirst = emulator()
        .ecs.service('web')
        ?.deployments.map((d) => d.id);

      const second = await deploy(emulator(), inputs, { workspace });
      expect(second.errors).toEqual([]);
      expect(second.outputs['task-definition-arn']).toBe(first.outputs['task-definition-arn']);
      expect(second.outputs.diff).toBe('');
      expect(second.stdout).toContain('reusing it');
      expect(emulator().calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1);
      expect(revisionNumbers(emulator())).toEqual([1, 2]);
      expect(second.outputs['deployment-id']).toBe(first.outputs['deployment-id']);
      expect(
        emulator()
          .ecs.service('web')
          ?.deployments.map((d) => d.id),
      ).toEqual(deploymentsAfterFirst);
    },
  );

  test('cpu written as vCPU that differs from what ECS stores is a change: a new revision, diffed in units', async () => {
    seedWebService(emulator());
    const run = await deploy(emulator(), { ...WEB_DEPLOY_INPUTS, image: 'nginx:1', cpu: '0.5 vCPU', memory: '1 GB' });
    expect(run.errors).toEqual([]);
    expect(emulator().calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1);
    expect(run.outputs.diff).toContain('-  "cpu": "256",');
    expect(run.outputs.diff).toContain('+  "cpu": "512",');
    expect(run.outputs.diff).toContain('+  "memory": "1024"');
  });

  test('a rollback to task-definition-arn puts back that very revision, not a copy of it', async () => {
    const previous = seedWebService(emulator());
    const release = await deploy(emulator(), WEB_DEPLOY_INPUTS);
    expect(release.exitCode).toBe(0);
    expect(release.outputs['previous-task-definition-arn']).toBe(previous.arn);
    // What production.yml does when the smoke test fails: deploy the previous revision by ARN.
    const rollback = await deploy(emulator(), {
      'task-definition-arn': release.outputs['previous-task-definition-arn'],
      service: 'web',
    });
    expect(rollback.exitCode).toBe(0);
    expect(rollback.outputs['task-definition-arn']).toBe(previous.arn);
    expect(emulator().ecs.service('web')?.taskDefinition).toBe(previous.arn);
    expect(revisionNumbers(emulator())).toEqual([1, 2]);
    expect(emulator().calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1);
  });

  test('keep-revisions deregisters old revisions, never the new nor the previous one', async () => {
    seedWebService(emulator());
    for (let i = 2; i <= 5; i += 1) emulator().ecs.seedTaskDefinition(fargateDefinition(`nginx:${i}`));
    // The service still runs web:1, so web:1 is the previous revision and must survive.
    const run = await deploy(emulator(), { ...WEB_DEPLOY_INPUTS, image: 'nginx:6', 'keep-revisions': 2 });
    expect(run.exitCode).toBe(0);
    const status = Object.fromEntries(
      emulator()
        .ecs.taskDefinitions('web')
        .map((r) => [r.revision, r.status]),
    );
    expect(status).toEqual({ 1: 'ACTIVE', 2: 'INACTIVE', 3: 'INACTIVE', 4: 'INACTIVE', 5: 'ACTIVE', 6: 'ACTIVE' });
    expect(run.summary).toContain('Deregistered revisions (3)');
  });
});
