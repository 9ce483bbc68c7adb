import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ecrHostName } from '@shipyard/emulators/aws/ecr';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import {
  deploy,
  emulatorForSuite,
  FAST_ECS,
  fargateDefinition,
  mutatingCalls,
  seedWebService,
  WEB_DEPLOY_INPUTS,
  workspaceWith,
} from './helpers.js';

// The bundled action, run as the runner runs it (test/harness/run-action.ts), against the AWS
// emulator on loopback: what reached ECS, the outputs, the log and the job summary. The tests of one
// step at the wire sit beside its module's unit tests (render, compare, revisions, deployment,
// rollback, ecs); this file holds what belongs to the action as a whole.
describe('deploy-ecs against the emulator: rollouts that succeed', () => {
  const emulator = emulatorForSuite();

  test('renders the image, registers, rolls out and reports', async () => {
    const previous = seedWebService(emulator());
    const run = await deploy(emulator(), {
      ...WEB_DEPLOY_INPUTS,
      'environment-variables': 'LOG_LEVEL=debug\nNODE_ENV=staging',
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);

    const service = emulator().ecs.service('web');
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

    const mutating = emulator()
      .calls({ mutating: true })
      .map((call) => call.operation);
    expect(mutating).toEqual(['RegisterTaskDefinition', 'UpdateService']);
    expect(emulator().calls({ operation: 'UpdateService' })[0].request).toEqual({
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
    seedWebService(emulator());
    const run = await deploy(emulator(), { ...WEB_DEPLOY_INPUTS, image: 'nginx:3' });
    expect(run.exitCode).toBe(0);
    const completedAt = emulator().ecs.service('web')?.deployments[0].rolloutStateChangedAt ?? 0;
    const polls = emulator()
      .calls({ operation: 'DescribeServices' })
      .map((call) => call.timeMs);
    // The last look at the service saw COMPLETED; the one before it came before the rollout ended.
    expect(polls.at(-1)).toBeGreaterThanOrEqual(completedAt);
    expect(polls.at(-2)).toBeLessThan(completedAt);
  });

  test.each([
    ['throttling', { throttleRate: 0.3 }],
    ['server errors', { serverErrorRate: 0.3 }],
  ])('still deploys with 30%% %s', async (_name, faults) => {
    seedWebService(emulator(), { scenario: { seed: 11, faults } });
    const run = await deploy(emulator(), WEB_DEPLOY_INPUTS);
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs['rollout-state']).toBe('COMPLETED');
    const injected = emulator()
      .calls()
      .filter((call) => call.fault);
    expect(injected.length).toBeGreaterThan(0);
    expect(
      emulator()
        .calls({ operation: 'RegisterTaskDefinition' })
        .filter((call) => call.status === 200),
    ).toHaveLength(1);
    expect(emulator().ecs.service('web')?.deployments[0]).toMatchObject({
      rolloutState: 'COMPLETED',
      taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
    });
  });

  test('without a service it only registers', async () => {
    emulator().setScenario({ ecs: {} });
    emulator().reset();
    const run = await deploy(emulator(), {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image: 'nginx:9',
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['task-definition-arn']).toBe('arn:aws:ecs:us-east-1:123456789012:task-definition/web:1');
    expect(run.outputs['rollout-state']).toBe('');
    expect(
      emulator()
        .calls({ mutating: true })
        .map((c) => c.operation),
    ).toEqual(['RegisterTaskDefinition']);
  });

  test('finds ECS through the service-specific AWS_ENDPOINT_URL_ECS and AWS_DEFAULT_REGION', async () => {
    emulator().setScenario({ ecs: {} });
    emulator().reset();
    const run = await deploy(
      emulator(),
      { 'task-definition': 'task-definition.json' },
      {
        env: {
          AWS_ENDPOINT_URL: undefined,
          AWS_ENDPOINT_URL_ECS: emulator().url,
          AWS_REGION: undefined,
          AWS_DEFAULT_REGION: 'us-east-1',
        },
      },
    );
    expect(run.errors).toEqual([]);
    expect(emulator().calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1);
  });
});

// Every kind of bad input: one clear ::error:: line naming the input, and nothing changed in AWS.
describe('deploy-ecs refuses bad input before changing anything', () => {
  const emulator = emulatorForSuite();

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
    seedWebService(emulator());
    const run = await deploy(emulator(), inputs, { workspace: workspaceWith(files) });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(message);
    // Validated before the SDK even loaded: no call at all reached AWS.
    expect(emulator().calls()).toEqual([]);
    expect(run.stdout).not.toMatch(/\s+at .*\.js:\d+/);
  });

  test('no region is an error before any call', async () => {
    seedWebService(emulator());
    const run = await deploy(emulator(), base, {
      workspace: workspaceWith({ 'td.json': good }),
      env: { AWS_REGION: undefined },
    });
    expect(run.errors[0]).toMatch(/^No AWS region: set AWS_REGION/);
    expect(emulator().calls()).toEqual([]);
  });
});

describe('deploy-ecs against the emulator: AWS refuses the step', () => {
  const emulator = emulatorForSuite();

  test.each([
    ['DescribeServices', 'ecs:DescribeServices', []],
    ['UpdateService', 'ecs:UpdateService', ['RegisterTaskDefinition']],
  ])('a permissions error on %s fails at once, naming the missing action', async (operation, action, mutated) => {
    seedWebService(emulator(), { scenario: { faults: { operations: { [operation]: { accessDenied: true } } } } });
    const run = await deploy(emulator(), { ...WEB_DEPLOY_INPUTS, 'max-attempts': 10 });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^Permission denied for ${action}: .*not authorized to perform: ${action}.*\\. Allow ${action} in the IAM policy of the role the step's credentials belong to \\(the action's README lists every permission it needs\\)$`,
      ),
    );
    // Not retried: an access-denied error is answered once.
    expect(emulator().calls({ operation })).toHaveLength(1);
    expect(
      emulator()
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
    // With credentials listed the emulator() checks the key, as AWS does; the action signs with another.
    seedWebService(emulator(), {
      scenario: { credentials: [{ accessKeyId: 'AKIADEPLOYER00000000', secretAccessKey: 's' }] },
    });
    const run = await deploy(
      emulator(),
      { ...WEB_DEPLOY_INPUTS, 'max-attempts': 10 },
      { env: { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNIDENTITY0', AWS_SECRET_ACCESS_KEY: 'x' } },
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      expect.stringMatching(
        /^AWS refused the credentials \(UnrecognizedClientException\) on ecs:\w+: .+\. Check the step that configures AWS credentials$/,
      ),
    ]);
    // Refused before anything changed, and not retried.
    expect(emulator().calls()).toHaveLength(1);
    expect(mutatingCalls(emulator())).toEqual([]);
  });
});

// build-push-ecr's image-uri, as the emulator's ECR names it with a real-shaped host
// (<account>.dkr.ecr.<region>.amazonaws.com:PORT, from a hosts file of this test's own), deployed
// as it comes: the image reaches ECS exactly as given.
describe('deploy-ecs with an image on a real-shaped ECR host', () => {
  let folder: string;
  let emulator: AwsEmulator;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'ecr-hosts-'));
    const hostsFile = join(folder, 'hosts');
    writeFileSync(hostsFile, `127.0.0.1 ${ecrHostName('123456789012', 'us-east-1')}\n`);
    emulator = await startAwsEmulator({ hostsFile, scenario: { ecs: FAST_ECS } });
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test.each([`@sha256:${'b'.repeat(64)}`, ':3f786850e387'])('an image ending %s deploys as given', async (suffix) => {
    seedWebService(emulator);
    const host = emulator.ecr.registryHost();
    expect(host).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com:${emulator.port}`);
    const image = `${host}/web${suffix}`;
    const run = await deploy(emulator, {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image,
      service: 'web',
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    const [register] = emulator.calls({ operation: 'RegisterTaskDefinition' });
    expect((register.request as { containerDefinitions: { image: string }[] }).containerDefinitions[0].image).toBe(
      image,
    );
    expect(run.outputs['rollout-state']).toBe('COMPLETED');
  });
});
