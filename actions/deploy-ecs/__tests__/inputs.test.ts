import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputEnv } from '@shipyard/harness/inputs';
import { temporaryFolder } from '@shipyard/harness/temp';
import { InputError } from '@shipyard/shared/errors';
import { getInputs } from '../src/inputs.js';

const workspace = temporaryFolder('deploy-ecs-inputs-');
const definition = {
  family: 'web',
  containerDefinitions: [
    { name: 'app', image: 'app:1' },
    { name: 'proxy', image: 'envoy:1' },
  ],
};
writeFileSync(join(workspace, 'two.json'), JSON.stringify(definition));
writeFileSync(join(workspace, 'one.yaml'), 'family: web\ncontainerDefinitions:\n  - name: app\n    image: app:1\n');
writeFileSync(
  join(workspace, 'described.json'),
  JSON.stringify({
    taskDefinition: { ...definition, revision: 3, status: 'ACTIVE' },
    tags: [{ key: 'team', value: 'web' }],
  }),
);

function env(inputs: Record<string, string>, extra: Record<string, string> = { AWS_REGION: 'eu-west-1' }) {
  return { GITHUB_WORKSPACE: workspace, ...inputEnv(inputs, extra) };
}

describe('getInputs', () => {
  test('gives the defaults action.yml declares when only a source is set', () => {
    const inputs = getInputs(env({ 'task-definition-family': 'web' }));
    expect(inputs).toEqual({
      region: 'eu-west-1',
      arnContext: { region: 'eu-west-1', account: undefined, accountSource: undefined },
      source: { kind: 'family', family: 'web' },
      overrides: { images: new Map(), targetContainer: undefined, environment: new Map(), secrets: new Map() },
      cluster: 'default',
      service: undefined,
      desiredCount: undefined,
      forceNewDeployment: false,
      enableEcsManagedTags: undefined,
      propagateTags: undefined,
      wait: true,
      timeoutMs: 30 * 60_000,
      pollIntervalMs: 10_000,
      rollbackOnFailure: true,
      skipUnchanged: true,
      keepRevisions: 0,
      dryRun: false,
      maxAttempts: 5,
      droppedEmptyValues: [],
      failFast: true,
      runTask: undefined,
    });
  });

  test('reads a file, the describe-task-definition output form included, and every override', () => {
    const inputs = getInputs(
      env({
        'task-definition': 'described.json',
        images: 'app=registry.example.com:5000/team/app:v1.2.3\nproxy=envoy@sha256:' + 'b'.repeat(64),
        'container-name': 'app',
        'environment-variables': 'A=1\nB=x=y',
        secrets: 'DB=arn:aws:ssm:eu-west-1:123456789012:parameter/db',
        cpu: '0.5 vCPU',
        memory: '1024',
        'task-role-arn': 'arn:aws:iam::123456789012:role/app',
        'timeout-minutes': '2.5',
        'poll-interval-seconds': '1',
        'desired-count': '3',
        'enable-ecs-managed-tags': 'false',
        'propagate-tags': 'SERVICE',
        'keep-revisions': '5',
        cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
        service: 'web',
      }),
    );
    expect(inputs.source).toMatchObject({
      kind: 'file',
      path: join(workspace, 'described.json'),
      tags: [{ key: 'team', value: 'web' }],
    });
    expect(inputs.overrides.images).toEqual(
      new Map([
        ['app', 'registry.example.com:5000/team/app:v1.2.3'],
        ['proxy', `envoy@sha256:${'b'.repeat(64)}`],
      ]),
    );
    expect(inputs.overrides.environment).toEqual(
      new Map([
        ['A', '1'],
        ['B', 'x=y'],
      ]),
    );
    expect(inputs).toMatchObject({
      timeoutMs: 150_000,
      pollIntervalMs: 1000,
      desiredCount: 3,
      enableEcsManagedTags: false,
      propagateTags: 'SERVICE',
      keepRevisions: 5,
      cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
    });
  });

  test('takes AWS_DEFAULT_REGION when AWS_REGION is not set, and fails without either', () => {
    expect(getInputs(env({ 'task-definition-family': 'web' }, { AWS_DEFAULT_REGION: 'ap-south-1' })).region).toBe(
      'ap-south-1',
    );
    expect(() => getInputs(env({ 'task-definition-family': 'web' }, {}))).toThrow(/No AWS region/);
  });

  test.each([
    [
      {},
      'task-definition',
      /is required. Give one of 'task-definition', 'task-definition-family', 'task-definition-arn'/,
    ],
    [
      {
        'task-definition-family': 'web',
        'task-definition-arn': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
      },
      'task-definition-family',
      /cannot be combined/,
    ],
    [
      { 'task-definition-arn': 'web:1' },
      'task-definition-arn',
      /is not a valid ARN: 'web:1'. Expected an ECS task definition/,
    ],
    [
      { 'task-definition': 'two.json', 'environment-variables': 'A=1' },
      'environment-variables',
      /cannot tell which of 2 containers/,
    ],
    [{ 'task-definition': 'two.json', secrets: 'A=' }, 'secrets', /has no value on line 1 \(its text is not shown/],
    [
      {
        'task-definition': 'two.json',
        secrets: 'DB=arn:aws:ssm:eu-west-1:123456789012:parameter/db\nQWxhZGRpbjpvcGVu=',
      },
      'secrets',
      /^Input 'secrets' has no value on line 2 \(its text is not shown[^']*$/,
    ],
    [
      { 'task-definition': 'one.yaml', image: 'app:2', images: 'app=app:2' },
      'image',
      /cannot be combined with 'images'/,
    ],
    [
      { 'task-definition': 'one.yaml', 'container-name': 'app', image: 'app:2', 'timeout-minutes': 'soon' },
      'timeout-minutes',
      /must be a number/,
    ],
    [{ 'task-definition': 'one.yaml', 'keep-revisions': '-1' }, 'keep-revisions', /must be at least 0/],
    [{ 'task-definition': 'one.yaml', 'max-attempts': '0' }, 'max-attempts', /must be at least 1/],
    [{ 'task-definition': 'one.yaml', 'desired-count': '1.5' }, 'desired-count', /must be a whole number/],
    [{ 'task-definition': 'one.yaml', cluster: 'my cluster' }, 'cluster', /is not an ECS cluster name or ARN/],
    [{ 'task-definition': 'one.yaml', memory: 'lots' }, 'memory', /is not valid: 'lots'/],
    [{ 'task-definition': 'one.yaml', memory: '512 MiB' }, 'memory', /is not valid: '512 MiB'/],
    [{ 'task-definition': 'one.yaml', cpu: '0.25' }, 'cpu', /is not valid: '0.25'/],
    [{ 'task-definition': 'one.yaml', cpu: '0.3 vCPU' }, 'cpu', /is not a whole number of CPU units: '0.3 vCPU'/],
    [{ 'task-definition': 'one.yaml', memory: '0.3 GB' }, 'memory', /is not a whole number of MiB: '0.3 GB'/],
    [
      { 'task-definition': 'one.yaml', 'environment-variables': '1ABC=x' },
      'environment-variables',
      /has an invalid key on line \d+ \(its text is not shown/,
    ],
  ])('refuses %j, naming %s', (inputs, input, message) => {
    let error: unknown;
    try {
      getInputs(env(inputs));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(input);
    expect((error as InputError).message).toMatch(message);
  });
});

describe('task size', () => {
  test.each([
    ['256', '1024'],
    ['0.25 vCPU', '0.5 GB'],
    ['.25 vCPU', '.5 GB'],
    ['1vcpu', '1GB'],
    ['2 VCPU', '4 gb'],
  ])('cpu %j and memory %j are accepted as ECS accepts them', (cpu, memory) => {
    expect(getInputs(env({ 'task-definition': 'one.yaml', cpu, memory })).overrides).toMatchObject({ cpu, memory });
  });
});
