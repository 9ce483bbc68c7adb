import { describe, expect, test } from '@jest/globals';
import { InputError } from '@shipyard/shared/errors';
import {
  checkDefinitionContent,
  checkDefinitionFields,
  checkOverridesAgainst,
  checkDefinitionSize,
  TASK_DEFINITION_BYTES,
  ecsTaskSize,
  isImageReference,
  normalizeTaskDefinition,
  renderTaskDefinition,
  type Overrides,
  sameTaskDefinition,
  toRegisterable,
  unwrapDescribeOutput,
} from '../src/render.js';
import { diffTaskDefinitions } from '../src/diff.js';
import { deploy, described, emulatorForSuite, fargateDefinition, fileDefinition, seedWebService } from './helpers.js';

const noOverrides: Overrides = { images: new Map(), environment: new Map(), secrets: new Map() };

describe('toRegisterable', () => {
  test('drops exactly the fields RegisterTaskDefinition refuses, and says which', () => {
    const { definition, dropped } = toRegisterable(described);
    expect(dropped).toEqual([
      'taskDefinitionArn',
      'revision',
      'status',
      'compatibilities',
      'requiresAttributes',
      'registeredAt',
      'registeredBy',
    ]);
    expect(Object.keys(definition)).not.toContain('revision');
    expect(definition.family).toBe('web');
  });
});

describe('normalizeTaskDefinition / sameTaskDefinition', () => {
  test('a file and its registered revision compare equal', () => {
    expect(sameTaskDefinition(fileDefinition, described)).toBe(true);
    expect(normalizeTaskDefinition(described)).toEqual(normalizeTaskDefinition(fileDefinition));
  });

  test.each([
    ['an image', { image: 'app:2' }],
    [
      'an environment value',
      {
        environment: [
          { name: 'A', value: 'changed' },
          { name: 'B', value: '2' },
        ],
      },
    ],
    ['essential false', { essential: false }],
    ['a bridge host port', { portMappings: [{ containerPort: 3000, hostPort: 8080 }] }],
  ])('%s makes them differ', (_name, change) => {
    const changed = {
      ...fileDefinition,
      containerDefinitions: [{ ...fileDefinition.containerDefinitions[0], ...change }],
    };
    expect(sameTaskDefinition(changed, described)).toBe(false);
  });

  test('tags never count as a change', () => {
    expect(sameTaskDefinition({ ...fileDefinition, tags: [{ key: 'a', value: 'b' }] }, described)).toBe(true);
  });
});

describe('task-level cpu and memory in the units ECS stores', () => {
  test.each([
    ['256', 'vcpu', '256'],
    [256, 'vcpu', '256'],
    ['0.25 vCPU', 'vcpu', '256'],
    ['.25 vCPU', 'vcpu', '256'],
    ['0.125 vcpu', 'vcpu', '128'],
    ['0.5vCPU', 'vcpu', '512'],
    ['1 vCPU', 'vcpu', '1024'],
    ['1 VCPU', 'vcpu', '1024'],
    [' 2 vCPU ', 'vcpu', '2048'],
    ['16 vCPU', 'vcpu', '16384'],
    ['512', 'gb', '512'],
    ['0.5 GB', 'gb', '512'],
    ['1GB', 'gb', '1024'],
    ['1 gb', 'gb', '1024'],
    ['1.5 GB', 'gb', '1536'],
    ['30 GB', 'gb', '30720'],
    // Not a whole number of units or MiB, or not the unit of the field: left for ECS to judge.
    ['0.3 vCPU', 'vcpu', '0.3 vCPU'],
    ['0.1 GB', 'gb', '0.1 GB'],
    ['1 GB', 'vcpu', '1 GB'],
    ['1 vCPU', 'gb', '1 vCPU'],
    ['512 MiB', 'gb', '512 MiB'],
    ['lots', 'gb', 'lots'],
    [undefined, 'gb', undefined],
  ] as const)('%j as %s is %j', (value, unit, stored) => {
    expect(ecsTaskSize(value, unit)).toBe(stored);
  });

  test.each([
    ['0.25 vCPU', '0.5 GB'],
    ['.25 vcpu', '512'],
    ['256', '0.5GB'],
    [256, 512],
  ])('cpu %j and memory %j compare equal to the 256 / 512 ECS gives back', (cpu, memory) => {
    expect(sameTaskDefinition({ ...fileDefinition, cpu, memory }, described)).toBe(true);
    expect(diffTaskDefinitions(described, { ...fileDefinition, cpu, memory }, { before: 'a', after: 'b' })).toBe('');
  });

  test.each([
    ['0.5 vCPU', '0.5 GB'],
    ['0.25 vCPU', '1 GB'],
  ])('cpu %j and memory %j are a change', (cpu, memory) => {
    expect(sameTaskDefinition({ ...fileDefinition, cpu, memory }, described)).toBe(false);
  });
});

describe('renderTaskDefinition', () => {
  const two = {
    family: 'web',
    containerDefinitions: [
      {
        name: 'app',
        image: 'app:1',
        environment: [
          { name: 'KEEP', value: 'k' },
          { name: 'OVERRIDE', value: 'old' },
        ],
      },
      { name: 'proxy', image: 'envoy:1' },
    ],
  };

  test('sets images, merges variables and secrets into the named container, overrides task settings', () => {
    const rendered = renderTaskDefinition(two, {
      images: new Map([['proxy', 'envoy:2']]),
      targetContainer: 'app',
      environment: new Map([
        ['OVERRIDE', 'new'],
        ['ADDED', 'a'],
      ]),
      secrets: new Map([['TOKEN', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:t']]),
      cpu: '512',
      memory: '1024',
      taskRoleArn: 'arn:aws:iam::123456789012:role/task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
    });
    expect(rendered).toEqual({
      family: 'web',
      cpu: '512',
      memory: '1024',
      taskRoleArn: 'arn:aws:iam::123456789012:role/task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      containerDefinitions: [
        {
          name: 'app',
          image: 'app:1',
          environment: [
            { name: 'KEEP', value: 'k' },
            { name: 'OVERRIDE', value: 'new' },
            { name: 'ADDED', value: 'a' },
          ],
          secrets: [{ name: 'TOKEN', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:t' }],
        },
        { name: 'proxy', image: 'envoy:2' },
      ],
    });
    // The input is not modified.
    expect(two.containerDefinitions[1].image).toBe('envoy:1');
  });

  test('with no overrides the definition is unchanged', () => {
    expect(renderTaskDefinition(two, noOverrides)).toEqual(two);
  });

  test('variables go to the only container when none is named', () => {
    const rendered = renderTaskDefinition(fileDefinition, { ...noOverrides, environment: new Map([['C', '3']]) });
    expect((rendered.containerDefinitions as { environment: unknown[] }[])[0].environment).toHaveLength(3);
  });
});

describe('file checks', () => {
  test.each([
    [{ taskDefinition: { family: 'x', containerDefinitions: [{ name: 'a', image: 'b' }] } }, undefined],
    [{ family: 'x', containerDefinitions: [{ name: 'a', image: 'b' }], cpu: '256' }, undefined],
    ['text', /must hold a JSON or YAML object/],
    [{ family: 'x', containerDefinitions: [] }, /has no containerDefinitions/],
    [{ containerDefinitions: [{ name: 'a' }] }, /has no family/],
    [{ family: 'a.b', containerDefinitions: [{ name: 'a' }] }, /has an invalid family 'a.b'/],
    [{ family: 'x', containerDefinitions: [{ image: 'a' }] }, /has a container without a name/],
    [{ family: 'x', containerDefinitions: [{ name: 'a', imge: 'b' }] }, /unknown field 'imge' in container 'a'/],
  ])('%j', (value, problem) => {
    const check = () =>
      checkDefinitionFields(unwrapDescribeOutput(value, 'task-definition').definition, 'task-definition');
    if (problem) expect(check).toThrow(InputError);
    if (problem) expect(check).toThrow(problem);
    else expect(check).not.toThrow();
  });
});

describe('checkDefinitionContent', () => {
  const context = () => ({ region: 'us-east-1', account: '123456789012', accountSource: 'AWS_ACCOUNT_ID' });
  const valid = () => ({
    family: 'web',
    executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
    tags: [{ key: 'team', value: 'web' }],
    containerDefinitions: [
      {
        name: 'app',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1',
        environment: [{ name: 'spring.profiles.active', value: 'multi\nline' }],
        secrets: [
          { name: 'DB', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::' },
          { name: 'API', valueFrom: '/prod/api-key' },
        ],
        environmentFiles: [{ value: 'arn:aws:s3:::config-bucket/web.env', type: 's3' }],
        dockerLabels: { team: 'web' } as Record<string, string>,
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web' } },
      },
    ],
  });

  test('a definition within ECS limits passes', () => {
    expect(() => checkDefinitionContent(valid(), 'task-definition', context())).not.toThrow();
  });

  type Edit = (definition: ReturnType<typeof valid>) => void;
  test.each<[string, Edit, RegExp]>([
    [
      'an S3 secret',
      (d) => (d.containerDefinitions[0].secrets[0].valueFrom = 'arn:aws:s3:::b/k'),
      /names a 's3' ARN .*secrets\[0\]\.valueFrom/,
    ],
    [
      'a role in another account',
      (d) => (d.executionRoleArn = 'arn:aws:iam::210987654321:role/exec'),
      /names the account 210987654321 \(executionRoleArn\)/,
    ],
    [
      'a secret name with a blank',
      (d) => (d.containerDefinitions[0].secrets[1].valueFrom = 'not a name'),
      /neither a Secrets Manager or SSM ARN nor an SSM parameter name/,
    ],
    [
      'a NUL in an environment value',
      (d) => (d.containerDefinitions[0].environment[0].value = 'a\u0000'),
      /U\+0000 NUL at character 2 of containerDefinitions\[0\]\.environment\[0\]\.value/,
    ],
    [
      'a line feed in a label key',
      (d) => (d.containerDefinitions[0].dockerLabels = { 'a\nb': 'x' }),
      /U\+000A LINE FEED .*dockerLabels/,
    ],
    [
      'an environment name with =',
      (d) => (d.containerDefinitions[0].environment[0].name = 'A=B'),
      /environment\[0\]\.name/,
    ],
    [
      'a number as an environment value',
      (d) => ((d.containerDefinitions[0].environment[0] as { value: unknown }).value = 1),
      /environment value that is not a string/,
    ],
    [
      '51 tags',
      (d) => (d.tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' }))),
      /has 51 tags; ECS takes at most 50/,
    ],
    ['a container name with a dot', (d) => (d.containerDefinitions[0].name = 'app.v2'), /container name ECS refuses/],
    [
      'an upper-case repository',
      (d) => (d.containerDefinitions[0].image = 'Web:1'),
      /image that is not a valid reference/,
    ],
  ])('refuses %s', (_, edit, message) => {
    const definition = valid();
    edit(definition);
    expect(() => checkDefinitionContent(definition, 'task-definition', context())).toThrow(message);
  });

  test('ECS’s 64 KiB limit counts the rendered JSON', () => {
    const definition = valid();
    expect(() => checkDefinitionSize(definition, 'task-definition')).not.toThrow();
    definition.containerDefinitions[0].environment.push({ name: 'BIG', value: 'x'.repeat(TASK_DEFINITION_BYTES) });
    expect(() => checkDefinitionSize(definition, 'task-definition')).toThrow(
      /renders to a task definition of \d+ bytes, over ECS's limit of 65536 bytes/,
    );
  });
});

describe('isImageReference', () => {
  test.each([
    ['nginx', true],
    ['nginx:1.27-alpine', true],
    ['library/nginx:latest', true],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com/web:3f786850e387', true],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com:4566/web:3f786850e387', true],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com:4566/team/web@sha256:' + 'a'.repeat(64), true],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com:/web:1', false],
    ['localhost:5000/app@sha256:' + 'c'.repeat(64), true],
    ['public.ecr.aws/docker/library/node:20', true],
    ['Nginx', false],
    ['nginx:', false],
    ['nginx:tag with space', false],
    ['nginx@sha256:short', false],
    ['-nginx', false],
    ['nginx:' + 'x'.repeat(129), false],
    ['', false],
  ])('%s -> %s', (reference, valid) => {
    expect(isImageReference(reference)).toBe(valid);
  });
});

describe('checkOverridesAgainst', () => {
  const names = {
    containerName: 'container-name',
    images: 'images',
    environmentVariables: 'environment-variables',
    secrets: 'secrets',
  };
  const twoContainers = {
    family: 'web',
    containerDefinitions: [
      { name: 'app', image: 'app:1' },
      { name: 'proxy', image: 'envoy:1' },
    ],
  };
  const overrides = (changes: Partial<Overrides>): Overrides => ({ ...noOverrides, ...changes });

  test.each([
    [
      'an image for a named container',
      overrides({ images: new Map([['app', 'app:2']]), targetContainer: 'app' }),
      undefined,
    ],
    [
      'variables for the named container',
      overrides({ environment: new Map([['A', '1']]), targetContainer: 'proxy' }),
      undefined,
    ],
    [
      'image with container-name naming a container that is not there',
      overrides({ images: new Map([['api', 'app:2']]), targetContainer: 'api' }),
      /^Input 'container-name' names container 'api', which is not in the task definition \(td\.json\). Its containers are 'app', 'proxy'/,
    ],
    [
      'images naming a container that is not there',
      overrides({
        images: new Map([
          ['app', 'app:2'],
          ['worker', 'app:2'],
        ]),
      }),
      /^Input 'images' names container 'worker'/,
    ],
    [
      'container-name alone naming a container that is not there',
      overrides({ targetContainer: 'api' }),
      /^Input 'container-name' names container 'api'/,
    ],
    [
      'variables without saying which of two containers',
      overrides({ environment: new Map([['A', '1']]) }),
      /^Input 'environment-variables' cannot tell which of 2 containers to change/,
    ],
    [
      'secrets without saying which of two containers',
      overrides({ secrets: new Map([['DB', 'db-url']]) }),
      /^Input 'secrets' cannot tell which of 2 containers to change/,
    ],
  ])('%s', (_name, given, problem) => {
    const check = () => checkOverridesAgainst(twoContainers, given, 'td.json', names);
    if (problem) expect(check).toThrow(problem);
    else expect(check).not.toThrow();
  });
});

// The render step at the wire, for a definition read from ECS (a family or an ARN).
describe('deploy-ecs renders from a registered revision', () => {
  const emulator = emulatorForSuite();

  test('deploys several containers, with secrets, from the latest revision of a family', async () => {
    emulator().setScenario({ ecs: {} });
    emulator().reset();
    emulator().ecs.seedCluster('default');
    const base = fargateDefinition('app:1');
    base.containerDefinitions.push({
      name: 'proxy',
      image: 'envoy:1',
      portMappings: [{ containerPort: 8080 }],
      environment: [],
    });
    const revision = emulator().ecs.seedTaskDefinition(base);
    emulator().ecs.seedService({ serviceName: 'web', taskDefinition: revision.arn });
    const run = await deploy(emulator(), {
      'task-definition-family': 'web',
      images: 'app=123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:' + 'a'.repeat(64) + '\nproxy=envoy:2',
      'container-name': 'app',
      secrets: 'DATABASE_URL=arn:aws:secretsmanager:us-east-1:123456789012:secret:db-url',
      service: 'web',
    });
    expect(run.errors).toEqual([]);
    const registered = emulator().calls({ operation: 'RegisterTaskDefinition' })[0].request as {
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

  test('a container missing from a family’s latest revision is found with read-only calls only', async () => {
    seedWebService(emulator());
    const run = await deploy(emulator(), {
      'task-definition-family': 'web',
      'container-name': 'api',
      image: 'nginx:2',
      service: 'web',
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /^Input 'container-name' names container 'api', which is not in the task definition \(arn:aws:ecs:.*web:1\)/,
    );
    expect(
      emulator()
        .calls()
        .map((c) => c.operation),
    ).toEqual(['DescribeTaskDefinition']);
    expect(emulator().calls({ mutating: true })).toEqual([]);
  });

  test('a family with no ACTIVE revision is an input error', async () => {
    seedWebService(emulator());
    const run = await deploy(emulator(), { 'task-definition-family': 'nothing', service: 'web' });
    expect(run.errors[0]).toMatch(
      /^Input 'task-definition-family' names no ACTIVE task definition in us-east-1: 'nothing'/,
    );
    expect(emulator().calls({ mutating: true })).toEqual([]);
  });
});
