import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { AwsEmulator } from '../../../test/emulators/aws/index.js';
import { deploy, fargateDefinition, seedWebService, startEmulator, workspaceWith } from './helpers.js';

// The bundled action, run as the runner runs it, against the AWS emulator on loopback.
describe('deploy-ecs against the emulator: rollouts that succeed', () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  test('renders the image, registers, rolls out and reports', async () => {
    const previous = seedWebService(emulator);
    const run = await deploy(emulator, {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image: 'nginx:2',
      service: 'web',
      'environment-variables': 'LOG_LEVEL=debug\nNODE_ENV=staging',
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);

    const service = emulator.ecs.service('web');
    const deployment = service?.deployments[0];
    expect(deployment).toMatchObject({ rolloutState: 'COMPLETED', taskDefinition: run.outputs['task-definition-arn'] });
    expect(run.outputs).toMatchObject({
      'task-definition-arn': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
      'previous-task-definition-arn': previous.arn,
      'deployment-id': deployment?.id,
      'rollout-state': 'COMPLETED',
      'rolled-back': 'false',
    });
    expect(run.outputs.diff).toContain('-      "image": "nginx:1"');
    expect(run.outputs.diff).toContain('+      "image": "nginx:2"');

    const rendered = JSON.parse(readFileSync(run.outputs['task-definition'], 'utf8'));
    expect(rendered.containerDefinitions[0]).toMatchObject({
      image: 'nginx:2',
      environment: [
        { name: 'NODE_ENV', value: 'staging' },
        { name: 'LOG_LEVEL', value: 'debug' },
      ],
    });

    const mutating = emulator.calls({ mutating: true }).map((call) => call.operation);
    expect(mutating).toEqual(['RegisterTaskDefinition', 'UpdateService']);
    expect(emulator.calls({ operation: 'UpdateService' })[0].request).toEqual({
      cluster: 'default',
      service: 'web',
      taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
      forceNewDeployment: false,
    });

    // Each new service event is printed exactly once.
    const steady = run.stdout
      .split('\n')
      .filter((line) => line.endsWith(`(deployment ${deployment?.id}) deployment completed.`));
    expect(steady).toHaveLength(1);
    expect(run.summary).toContain('| Cluster | `default` |');
    expect(run.summary).toContain('| New revision | `web:2` |');
    expect(run.summary).toContain('| app | `nginx:1` | `nginx:2` |');
    expect(run.summary).toContain('### Rollout timeline');
    expect(run.summary).toContain(
      'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/default/services/web/deployments?region=us-east-1',
    );
  });

  test('ends at the first poll after the rollout completed', async () => {
    seedWebService(emulator);
    const run = await deploy(emulator, {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image: 'nginx:3',
      service: 'web',
    });
    expect(run.exitCode).toBe(0);
    const completedAt = emulator.ecs.service('web')?.deployments[0].rolloutStateChangedAt ?? 0;
    const polls = emulator.calls({ operation: 'DescribeServices' }).map((call) => call.timeMs);
    // The last look at the service saw COMPLETED; the one before it came before the rollout ended.
    expect(polls.at(-1)).toBeGreaterThanOrEqual(completedAt);
    expect(polls.at(-2)).toBeLessThan(completedAt);
  });

  test('a rerun with an unchanged definition registers nothing and starts no deployment', async () => {
    seedWebService(emulator);
    const inputs = {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image: 'nginx:2',
      service: 'web',
    };
    const first = await deploy(emulator, inputs);
    expect(first.exitCode).toBe(0);
    const deploymentsBefore = emulator.ecs.service('web')?.deployments.map((d) => d.id);
    const second = await deploy(emulator, inputs);
    expect(second.exitCode).toBe(0);
    expect(second.outputs['task-definition-arn']).toBe(first.outputs['task-definition-arn']);
    expect(second.outputs['rollout-state']).toBe('COMPLETED');
    expect(emulator.calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1);
    expect(emulator.ecs.taskDefinitions('web').map((r) => r.revision)).toEqual([1, 2]);
    expect(emulator.ecs.service('web')?.deployments.map((d) => d.id)).toEqual(deploymentsBefore);
    expect(second.stdout).toContain('reusing it');
  });

  test.each([
    ['overrides', { cpu: '0.25 vCPU', memory: '0.5 GB' }, {}],
    ['the file', {}, { cpu: '.25 vcpu', memory: '0.5GB' }],
  ])(
    'run twice with cpu and memory written as vCPU and GB in %s: the second run registers nothing and starts no deployment',
    async (_, overrides, inFile) => {
      seedWebService(emulator);
      const workspace = workspaceWith({
        'task-definition.json': JSON.stringify({ ...fargateDefinition('nginx:1'), ...inFile }),
      });
      const inputs = {
        'task-definition': 'task-definition.json',
        'container-name': 'app',
        image: 'nginx:2',
        service: 'web',
        'skip-unchanged': true,
        ...overrides,
      };
      const first = await deploy(emulator, inputs, { workspace });
      expect(first.errors).toEqual([]);
      expect(first.outputs['rollout-state']).toBe('COMPLETED');
      // Against web:1 (256 / 512) only the image changed: the vCPU and GB forms are no change.
      expect(first.outputs.diff).toContain('+      "image": "nginx:2"');
      expect(first.outputs.diff).not.toMatch(/^[-+]\s*"(cpu|memory)"/m);
      // ECS registers `0.25 vCPU` / `0.5 GB` as 256 / 512, and that is what the second run reads back.
      const registered = emulator.ecs
        .taskDefinitions('web')
        .map((r) => [r.revision, r.definition.cpu, r.definition.memory]);
      expect(registered).toEqual([
        [1, '256', '512'],
        [2, '256', '512'],
      ]);
      const deploymentsAfterFirst = emulator.ecs.service('web')?.deployments.map((d) => d.id);

      const second = await deploy(emulator, inputs, { workspace });
      expect(second.errors).toEqual([]);
      expect(second.outputs['task-definition-arn']).toBe(first.outputs['task-definition-arn']);
      expect(second.outputs.diff).toBe('');
      expect(second.stdout).toContain('reusing it');
      expect(emulator.calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1);
      expect(emulator.ecs.taskDefinitions('web').map((r) => r.revision)).toEqual([1, 2]);
      expect(second.outputs['deployment-id']).toBe(first.outputs['deployment-id']);
      expect(emulator.ecs.service('web')?.deployments.map((d) => d.id)).toEqual(deploymentsAfterFirst);
    },
  );

  test('cpu written as vCPU that differs from what ECS stores is a change: a new revision, diffed in units', async () => {
    seedWebService(emulator);
    const run = await deploy(emulator, {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image: 'nginx:1',
      service: 'web',
      cpu: '0.5 vCPU',
      memory: '1 GB',
    });
    expect(run.errors).toEqual([]);
    expect(emulator.calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1);
    expect(run.outputs.diff).toContain('-  "cpu": "256",');
    expect(run.outputs.diff).toContain('+  "cpu": "512",');
    expect(run.outputs.diff).toContain('+  "memory": "1024"');
  });

  test('a rollback to task-definition-arn puts back that very revision, not a copy of it', async () => {
    const previous = seedWebService(emulator);
    const release = await deploy(emulator, {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image: 'nginx:2',
      service: 'web',
    });
    expect(release.exitCode).toBe(0);
    expect(release.outputs['previous-task-definition-arn']).toBe(previous.arn);
    // What production.yml does when the smoke test fails: deploy the previous revision by ARN.
    const rollback = await deploy(emulator, {
      'task-definition-arn': release.outputs['previous-task-definition-arn'],
      service: 'web',
    });
    expect(rollback.exitCode).toBe(0);
    expect(rollback.outputs['task-definition-arn']).toBe(previous.arn);
    expect(emulator.ecs.service('web')?.taskDefinition).toBe(previous.arn);
    expect(emulator.ecs.taskDefinitions('web').map((r) => r.revision)).toEqual([1, 2]);
    expect(emulator.calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1);
  });

  test('keep-revisions deregisters old revisions, never the new nor the previous one', async () => {
    seedWebService(emulator);
    for (let i = 2; i <= 5; i += 1) emulator.ecs.seedTaskDefinition(fargateDefinition(`nginx:${i}`));
    // The service still runs web:1, so web:1 is the previous revision and must survive.
    const run = await deploy(emulator, {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image: 'nginx:6',
      service: 'web',
      'keep-revisions': 2,
    });
    expect(run.exitCode).toBe(0);
    const status = Object.fromEntries(emulator.ecs.taskDefinitions('web').map((r) => [r.revision, r.status]));
    expect(status).toEqual({ 1: 'ACTIVE', 2: 'INACTIVE', 3: 'INACTIVE', 4: 'INACTIVE', 5: 'ACTIVE', 6: 'ACTIVE' });
    expect(run.summary).toContain('Deregistered revisions (3)');
  });

  test.each([
    ['throttling', { throttleRate: 0.3 }],
    ['server errors', { serverErrorRate: 0.3 }],
  ])('still deploys with 30%% %s', async (_name, faults) => {
    seedWebService(emulator, { scenario: { seed: 11, faults } });
    const run = await deploy(emulator, {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image: 'nginx:2',
      service: 'web',
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs['rollout-state']).toBe('COMPLETED');
    const injected = emulator.calls().filter((call) => call.fault);
    expect(injected.length).toBeGreaterThan(0);
    expect(emulator.calls({ operation: 'RegisterTaskDefinition' }).filter((call) => call.status === 200)).toHaveLength(
      1,
    );
    expect(emulator.ecs.service('web')?.deployments[0]).toMatchObject({
      rolloutState: 'COMPLETED',
      taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
    });
  });

  test('deploys several containers, with secrets, from the latest revision of a family', async () => {
    emulator.setScenario({ ecs: {} });
    emulator.reset();
    emulator.ecs.seedCluster('default');
    const base = fargateDefinition('app:1');
    base.containerDefinitions.push({
      name: 'proxy',
      image: 'envoy:1',
      portMappings: [{ containerPort: 8080 }],
      environment: [],
    });
    const revision = emulator.ecs.seedTaskDefinition(base);
    emulator.ecs.seedService({ serviceName: 'web', taskDefinition: revision.arn });
    const run = await deploy(emulator, {
      'task-definition-family': 'web',
      images: 'app=123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:' + 'a'.repeat(64) + '\nproxy=envoy:2',
      'container-name': 'app',
      secrets: 'DATABASE_URL=arn:aws:secretsmanager:us-east-1:123456789012:secret:db-url',
      service: 'web',
    });
    expect(run.errors).toEqual([]);
    const registered = emulator.calls({ operation: 'RegisterTaskDefinition' })[0].request as {
      containerDefinitions: { name: string; image: string; secrets?: unknown }[];
    };
    expect(registered.containerDefinitions.map((c) => [c.name, c.image])).toEqual([
      ['app', `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${'a'.repeat(64)}`],
      ['proxy', 'envoy:2'],
    ]);
    expect(registered.containerDefinitions[0].secrets).toEqual([
      { name: 'DATABASE_URL', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-url' },
    ]);
    expect(run.notices.join('\n')).toMatch(/Dropped fields .*taskDefinitionArn/);
  });

  test('service settings reach UpdateService; force starts a deployment of an unchanged definition', async () => {
    const previous = seedWebService(emulator);
    const seededDeployment = emulator.ecs.service('web')?.deployments[0].id;
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
      emulator,
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
    expect(emulator.calls({ operation: 'RegisterTaskDefinition' })).toEqual([]);
    expect(emulator.calls({ operation: 'UpdateService' })[0].request).toEqual({
      cluster: 'default',
      service: 'web',
      taskDefinition: previous.arn,
      desiredCount: 3,
      forceNewDeployment: true,
      enableECSManagedTags: true,
      propagateTags: 'SERVICE',
    });
    const service = emulator.ecs.service('web');
    expect(service).toMatchObject({ desiredCount: 3, propagateTags: 'SERVICE', enableECSManagedTags: true });
    expect(service?.deployments).toEqual([
      expect.objectContaining({ id: run.outputs['deployment-id'], rolloutState: 'COMPLETED', desiredCount: 3 }),
    ]);
    expect(run.outputs['deployment-id']).not.toBe(seededDeployment);
    expect(run.outputs.diff).toBe('');
  });

  test('without a service it only registers', async () => {
    emulator.setScenario({ ecs: {} });
    emulator.reset();
    const run = await deploy(emulator, {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image: 'nginx:9',
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['task-definition-arn']).toBe('arn:aws:ecs:us-east-1:123456789012:task-definition/web:1');
    expect(run.outputs['rollout-state']).toBe('');
    expect(emulator.calls({ mutating: true }).map((c) => c.operation)).toEqual(['RegisterTaskDefinition']);
  });

  test('finds ECS through the service-specific AWS_ENDPOINT_URL_ECS and AWS_DEFAULT_REGION', async () => {
    emulator.setScenario({ ecs: {} });
    emulator.reset();
    const run = await deploy(
      emulator,
      { 'task-definition': 'task-definition.json' },
      {
        env: {
          AWS_ENDPOINT_URL: undefined,
          AWS_ENDPOINT_URL_ECS: emulator.url,
          AWS_REGION: undefined,
          AWS_DEFAULT_REGION: 'us-east-1',
        },
      },
    );
    expect(run.errors).toEqual([]);
    expect(emulator.calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1);
  });

  test('dry-run prints the diff against the running definition and changes nothing', async () => {
    seedWebService(emulator);
    const workspace = workspaceWith({
      'td.yaml': `family: web\nrequiresCompatibilities: [FARGATE]\nnetworkMode: awsvpc\ncpu: '512'\nmemory: '1024'\nexecutionRoleArn: arn:aws:iam::123456789012:role/ecsTaskExecutionRole\ncontainerDefinitions:\n  - name: app\n    image: nginx:1\n    portMappings: [{ containerPort: 3000 }]\n    environment: [{ name: NODE_ENV, value: production }]\n`,
    });
    const run = await deploy(
      emulator,
      { 'task-definition': 'td.yaml', service: 'web', 'dry-run': true },
      { workspace },
    );
    expect(run.exitCode).toBe(0);
    expect(emulator.calls({ mutating: true })).toEqual([]);
    expect(run.outputs.diff).toContain('-  "cpu": "256",');
    expect(run.outputs.diff).toContain('+  "cpu": "512",');
    expect(run.outputs['task-definition-arn']).toBe('');
    expect(run.summary).toContain('deploy-ecs (dry run)');
    expect(run.stdout).toContain('+  "memory": "1024"');
  });

  test('wait: false returns once the deployment has started', async () => {
    seedWebService(emulator);
    const run = await deploy(emulator, {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image: 'nginx:2',
      service: 'web',
      wait: false,
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['rollout-state']).toBe('IN_PROGRESS');
    expect(run.outputs['deployment-id']).toMatch(/^ecs-svc\/\d{19}$/);
  });
});
