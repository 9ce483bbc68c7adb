import { describe, expect, test } from '@jest/globals';
import { imageChanges } from '../src/compare.js';
import { deploy, emulatorForSuite, fargateDefinition, seedWebService, workspaceWith } from './helpers.js';

describe('imageChanges', () => {
  const definition = (...images: [string, string][]) => ({
    family: 'web',
    containerDefinitions: images.map(([name, image]) => ({ name, image })),
  });

  test.each([
    [
      'a changed and an unchanged container',
      definition(['app', 'app:1'], ['proxy', 'envoy:1']),
      definition(['app', 'app:2'], ['proxy', 'envoy:1']),
      [
        { container: 'app', before: 'app:1', after: 'app:2' },
        { container: 'proxy', before: 'envoy:1', after: 'envoy:1' },
      ],
    ],
    [
      'nothing registered before',
      undefined,
      definition(['app', 'app:1']),
      [{ container: 'app', before: undefined, after: 'app:1' }],
    ],
    [
      'a container new in the rendered definition',
      definition(['app', 'app:1']),
      definition(['app', 'app:1'], ['worker', 'app:1']),
      [
        { container: 'app', before: 'app:1', after: 'app:1' },
        { container: 'worker', before: undefined, after: 'app:1' },
      ],
    ],
  ])('%s', (_name, before, after, changes) => {
    expect(imageChanges(before, after)).toEqual(changes);
  });
});

// The compare step at the wire: the service and revisions read, and the diff.
describe('deploy-ecs compares with what is registered and running', () => {
  const emulator = emulatorForSuite();

  const good = JSON.stringify(fargateDefinition());
  const base = { 'task-definition': 'td.json', 'container-name': 'app', image: 'nginx:2', service: 'web' };

  test('dry-run prints the diff against the running definition and changes nothing', async () => {
    seedWebService(emulator());
    const workspace = workspaceWith({
      'td.yaml': `family: web\nrequiresCompatibilities: [FARGATE]\nnetworkMode: awsvpc\ncpu: '512'\nmemory: '1024'\nexecutionRoleArn: arn:aws:iam::123456789012:role/ecsTaskExecutionRole\ncontainerDefinitions:\n  - name: app\n    image: nginx:1\n    portMappings: [{ containerPort: 3000 }]\n    environment: [{ name: NODE_ENV, value: production }]\n`,
    });
    const run = await deploy(
      emulator(),
      { 'task-definition': 'td.yaml', service: 'web', 'dry-run': true },
      { workspace },
    );
    expect(run.exitCode).toBe(0);
    expect(emulator().calls({ mutating: true })).toEqual([]);
    expect(run.outputs.diff).toContain('-  "cpu": "256",');
    expect(run.outputs.diff).toContain('+  "cpu": "512",');
    expect(run.outputs['task-definition-arn']).toBe('');
    expect(run.summary).toContain('deploy-ecs (dry run)');
    expect(run.stdout).toContain('+  "memory": "1024"');
  });

  test('a missing service fails before registering anything', async () => {
    seedWebService(emulator());
    const run = await deploy(
      emulator(),
      { ...base, service: 'ghost' },
      { workspace: workspaceWith({ 'td.json': good }) },
    );
    expect(run.errors[0]).toMatch(/^Service 'ghost' was not found in cluster 'default' \(MISSING\)/);
    expect(emulator().calls({ mutating: true })).toEqual([]);
  });
});
