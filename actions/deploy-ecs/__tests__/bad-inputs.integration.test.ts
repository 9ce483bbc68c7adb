import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { AwsEmulator } from '../../../test/emulators/aws/index.js';
import { deploy, fargateDefinition, seedWebService, startEmulator, workspaceWith } from './helpers.js';

// Every kind of bad input: one clear ::error:: line naming the input, and nothing changed in AWS.
describe('deploy-ecs refuses bad input before changing anything', () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  const good = JSON.stringify(fargateDefinition());
  const base = { 'task-definition': 'td.json', 'container-name': 'app', image: 'nginx:2', service: 'web' };

  test.each([
    ['invalid JSON', { 'td.json': '{"family": "web", ' }, base, /^Input 'task-definition' is not valid JSON or YAML/],
    [
      'a definition that is not an object',
      { 'td.json': '[1, 2]' },
      base,
      /^Input 'task-definition' must hold a JSON or YAML object/,
    ],
    [
      'a misspelt field',
      { 'td.json': JSON.stringify({ ...fargateDefinition(), famly: 'x' }) },
      base,
      /unknown task definition field 'famly'/,
    ],
    ['a missing file', {}, base, /^Input 'task-definition' names a file that cannot be read/],
    [
      'a cpu that ECS cannot store as whole units',
      { 'td.json': good },
      { ...base, cpu: '0.3 vCPU' },
      /^Input 'cpu' is not a whole number of CPU units: '0.3 vCPU'/,
    ],
    [
      'a container name not in the definition',
      { 'td.json': good },
      { ...base, 'container-name': 'api' },
      /^Input 'container-name' names container 'api', which is not in the task definition .*Its containers are 'app'/,
    ],
    [
      'two task definition sources',
      { 'td.json': good },
      { ...base, 'task-definition-family': 'web' },
      /^Input 'task-definition' cannot be combined with 'task-definition-family'/,
    ],
    [
      'a bad image reference',
      { 'td.json': good },
      { ...base, image: 'Nginx:latest!' },
      /^Input 'image' is not a valid image reference: 'Nginx:latest!'/,
    ],
    [
      'an image for an unknown container in images',
      { 'td.json': good },
      { ...base, image: undefined, 'container-name': undefined, images: 'worker=nginx:2' },
      /^Input 'images' names container 'worker'/,
    ],
    [
      'a timeout above 360 minutes',
      { 'td.json': good },
      { ...base, 'timeout-minutes': 361 },
      /^Input 'timeout-minutes' must be at most 360, got 361/,
    ],
    [
      'a timeout of zero',
      { 'td.json': good },
      { ...base, 'timeout-minutes': 0 },
      /^Input 'timeout-minutes' must be more than 0/,
    ],
    [
      'a poll interval under a second',
      { 'td.json': good },
      { ...base, 'poll-interval-seconds': 0.5 },
      /^Input 'poll-interval-seconds' must be at least 1/,
    ],
    [
      'an environment line without =',
      { 'td.json': good },
      { ...base, 'environment-variables': 'JUST_A_NAME' },
      /^Input 'environment-variables' has a line that is not KEY=value/,
    ],
    [
      'a wrong propagate-tags',
      { 'td.json': good },
      { ...base, 'propagate-tags': 'ALL' },
      /^Input 'propagate-tags' must be one of TASK_DEFINITION, SERVICE, NONE/,
    ],
    ['a non-boolean wait', { 'td.json': good }, { ...base, wait: 'yes' }, /^Input 'wait' must be true or false/],
    [
      'a role that is not an ARN',
      { 'td.json': good },
      { ...base, 'task-role-arn': 'my-role' },
      /^Input 'task-role-arn' is not a valid ARN: 'my-role'. Expected an IAM role/,
    ],
    [
      'image without container-name',
      { 'td.json': good },
      { ...base, 'container-name': undefined },
      /^Input 'image' needs 'container-name'/,
    ],
    [
      'a family name with a revision',
      {},
      { ...base, 'task-definition': undefined, 'task-definition-family': 'web:3' },
      /^Input 'task-definition-family' is not a task definition family name/,
    ],
  ])('%s', async (_name, files, inputs, message) => {
    seedWebService(emulator);
    const run = await deploy(emulator, inputs, { workspace: workspaceWith(files) });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(message);
    // Validated before the SDK even loaded: no call at all reached AWS.
    expect(emulator.calls()).toEqual([]);
    expect(run.stdout).not.toMatch(/\s+at .*\.js:\d+/);
  });

  test('a container missing from a family’s latest revision is found with read-only calls only', async () => {
    seedWebService(emulator);
    const run = await deploy(emulator, {
      'task-definition-family': 'web',
      'container-name': 'api',
      image: 'nginx:2',
      service: 'web',
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /^Input 'container-name' names container 'api', which is not in the task definition \(arn:aws:ecs:.*web:1\)/,
    );
    expect(emulator.calls().map((c) => c.operation)).toEqual(['DescribeTaskDefinition']);
    expect(emulator.calls({ mutating: true })).toEqual([]);
  });

  test('a family with no ACTIVE revision is an input error', async () => {
    seedWebService(emulator);
    const run = await deploy(emulator, { 'task-definition-family': 'nothing', service: 'web' });
    expect(run.errors[0]).toMatch(
      /^Input 'task-definition-family' names no ACTIVE task definition in us-east-1: 'nothing'/,
    );
    expect(emulator.calls({ mutating: true })).toEqual([]);
  });

  test('a missing service fails before registering anything', async () => {
    seedWebService(emulator);
    const run = await deploy(
      emulator,
      { ...base, service: 'ghost' },
      { workspace: workspaceWith({ 'td.json': good }) },
    );
    expect(run.errors[0]).toMatch(/^Service 'ghost' was not found in cluster 'default' \(MISSING\)/);
    expect(emulator.calls({ mutating: true })).toEqual([]);
  });

  test('no region is an error before any call', async () => {
    seedWebService(emulator);
    const run = await deploy(emulator, base, {
      workspace: workspaceWith({ 'td.json': good }),
      env: { AWS_REGION: undefined },
    });
    expect(run.errors[0]).toMatch(/^No AWS region: set AWS_REGION/);
    expect(emulator.calls()).toEqual([]);
  });
});
