import { describe, expect, test } from '@jest/globals';
import type { Service, Task } from '@aws-sdk/client-ecs';
import { runTaskProblem, runTaskRequest, taskVerdict, type RunTaskOptions } from '../src/run-task.js';
import {
  deploy,
  emulatorForSuite,
  FAST_ECS,
  awslogsDefinition,
  seedWebService,
  TIME_SCALE,
  WEB_DEPLOY_INPUTS,
  workspaceWith,
} from './helpers.js';

const ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const fargate = {
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  containerDefinitions: [
    { name: 'app', image: 'web:2' },
    { name: 'log-router', image: 'fluent-bit:1', essential: false },
  ],
};
const ec2 = {
  family: 'web',
  networkMode: 'bridge',
  requiresCompatibilities: ['EC2'],
  containerDefinitions: [{ name: 'app', image: 'web:2' }],
};
const service: Service = {
  serviceName: 'web',
  launchType: 'FARGATE',
  platformVersion: '1.4.0',
  networkConfiguration: {
    awsvpcConfiguration: { subnets: ['subnet-0aaa1111'], securityGroups: ['sg-0bbb2222'], assignPublicIp: 'DISABLED' },
  },
};
const options = (more: Partial<RunTaskOptions> = {}): RunTaskOptions => ({
  cluster: 'default',
  startedBy: 'GitHub-Actions',
  ...more,
});

describe('runTaskRequest', () => {
  test("the service's network configuration, launch type and platform version by default", () => {
    const request = runTaskRequest(ARN, fargate, options(), service);
    expect(request).toMatchObject({
      cluster: 'default',
      taskDefinition: ARN,
      count: 1,
      startedBy: 'GitHub-Actions',
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      networkConfiguration: service.networkConfiguration,
    });
    expect(request.clientToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.overrides).toBeUndefined();
  });

  test("the service's capacity provider strategy instead of a launch type", () => {
    const strategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    const request = runTaskRequest(ARN, fargate, options(), {
      ...service,
      launchType: undefined,
      capacityProviderStrategy: strategy,
    });
    expect(request.capacityProviderStrategy).toEqual(strategy);
    expect(request.launchType).toBeUndefined();
  });

  test.each([
    ['a launch type given wins over the service', options({ launchType: 'EC2' }), { launchType: 'EC2' }],
    [
      'a strategy given wins over everything',
      options({ launchType: 'EC2', capacityProviderStrategy: [{ capacityProvider: 'cp', base: 1 }] }),
      { capacityProviderStrategy: [{ capacityProvider: 'cp', base: 1 }] },
    ],
  ])('%s', (_name, given, expected) => {
    const request = runTaskRequest(ARN, fargate, given, service);
    expect(request).toMatchObject(expected);
    expect(
      Object.keys(request).filter((key) => key === 'launchType' || key === 'capacityProviderStrategy'),
    ).toHaveLength(1);
  });

  test("subnets and security groups given replace the service's, the rest is kept", () => {
    const request = runTaskRequest(ARN, fargate, options({ subnets: ['subnet-0ccc3333'] }), service);
    expect(request.networkConfiguration).toEqual({
      awsvpcConfiguration: {
        subnets: ['subnet-0ccc3333'],
        securityGroups: ['sg-0bbb2222'],
        assignPublicIp: 'DISABLED',
      },
    });
  });

  test('tags, and the managed-tags setting given for the service, go to the task', () => {
    const request = runTaskRequest(
      ARN,
      fargate,
      options({ tags: [{ key: 'purpose', value: 'migration' }], enableEcsManagedTags: true }),
      service,
    );
    expect(request).toMatchObject({ tags: [{ key: 'purpose', value: 'migration' }], enableECSManagedTags: true });
    expect(runTaskRequest(ARN, fargate, options(), service)).not.toHaveProperty('enableECSManagedTags');
  });

  test('without a service: the definition decides the launch type', () => {
    expect(runTaskRequest(ARN, ec2, options()).launchType).toBe('EC2');
    expect(runTaskRequest(ARN, fargate, options()).launchType).toBe('FARGATE');
  });

  test('a command goes to the only essential container, or the one named', () => {
    expect(runTaskRequest(ARN, fargate, options({ command: ['npm', 'run', 'migrate'] }), service).overrides).toEqual({
      containerOverrides: [{ name: 'app', command: ['npm', 'run', 'migrate'] }],
    });
    expect(
      runTaskRequest(
        ARN,
        fargate,
        options({
          command: ['x'],
          container: 'log-router',
          containerOverrides: [{ name: 'log-router', environment: [{ name: 'A', value: '1' }] }],
        }),
        service,
      ).overrides,
    ).toEqual({
      containerOverrides: [{ name: 'log-router', environment: [{ name: 'A', value: '1' }], command: ['x'] }],
    });
  });
});

describe('runTaskProblem', () => {
  test.each([
    ['awsvpc without a service or subnets', fargate, options(), undefined, 'run-task-subnets'],
    ['an unknown container', fargate, options({ container: 'db' }), service, 'run-task-container'],
    [
      'a command with two essential containers and none named',
      { ...ec2, containerDefinitions: [{ name: 'a' }, { name: 'b' }] },
      options({ command: ['x'] }),
      undefined,
      'run-task-container',
    ],
    [
      'overrides for an unknown container',
      fargate,
      options({ containerOverrides: [{ name: 'db' }] }),
      service,
      'run-task-container-overrides',
    ],
  ])('%s', (_name, definition, given, withService, input) => {
    const request = runTaskRequest(ARN, definition, given, withService);
    expect(runTaskProblem(request, definition, given)?.input).toBe(input);
  });

  test.each([
    ['a service to copy from', fargate, options(), service],
    ['subnets given', fargate, options({ subnets: ['subnet-0aaa1111'] }), undefined],
    ['bridge networking on EC2', ec2, options({ command: ['x'] }), undefined],
  ])('none with %s', (_name, definition, given, withService) => {
    expect(runTaskProblem(runTaskRequest(ARN, definition, given, withService), definition, given)).toBeUndefined();
  });
});

describe('taskVerdict', () => {
  const stopped = (containers: Task['containers'], more: Partial<Task> = {}): Task => ({
    lastStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers,
    ...more,
  });

  test.each([
    ['exit 0', stopped([{ name: 'app', exitCode: 0 }]), undefined, true, 0],
    ['exit 3', stopped([{ name: 'app', exitCode: 3 }]), undefined, false, 3],
    [
      'a side container failing does not count',
      stopped([
        { name: 'app', exitCode: 0 },
        { name: 'log-router', exitCode: 1 },
      ]),
      undefined,
      true,
      0,
    ],
    [
      'the named container decides',
      stopped([
        { name: 'app', exitCode: 0 },
        { name: 'log-router', exitCode: 2 },
      ]),
      'log-router',
      false,
      2,
    ],
    [
      'never started',
      stopped([{ name: 'app', reason: 'CannotPullContainerError: not found' }], { stopCode: 'TaskFailedToStart' }),
      undefined,
      false,
      undefined,
    ],
  ])('%s', (_name, task, container, success, exitCode) => {
    const verdict = taskVerdict(task, fargate, container);
    expect(verdict.success).toBe(success);
    expect(verdict.exitCode).toBe(exitCode);
  });

  test('the reason carries the container and what it said', () => {
    const verdict = taskVerdict(stopped([{ name: 'app', reason: 'CannotPullContainerError: not found' }]), fargate);
    expect(verdict.reason).toContain('app never ran to an exit code (CannotPullContainerError: not found)');
  });
});

// The one-off task at the wire: the bundle against the emulator's RunTask and CloudWatch Logs.
describe('run-task at the wire', () => {
  const emulator = emulatorForSuite();
  const subnets = ['subnet-0123456789abcdef0'];
  const workspace = () => workspaceWith({ 'task-definition.json': JSON.stringify(awslogsDefinition()) });

  function seed(oneOffTasks: unknown[] = []) {
    seedWebService(emulator(), {
      scenario: { timeScale: TIME_SCALE, ecs: { ...FAST_ECS, oneOffTasks } } as never,
      service: { networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: ['sg-0123456789abcdef0'] } } },
    });
  }

  test("runs before the rollout with the service's network, and the rollout follows its success", async () => {
    seed([{ command: 'migrate', exitCode: 0, logLines: ['applied 3 migrations'] }]);
    const run = await deploy(
      emulator(),
      { ...WEB_DEPLOY_INPUTS, 'run-task': true, 'run-task-command': 'npm run migrate' },
      { workspace: workspace() },
    );
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    const [runTask] = emulator().calls({ operation: 'RunTask' });
    expect(runTask.request).toMatchObject({
      cluster: 'default',
      taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
      launchType: 'FARGATE',
      startedBy: 'GitHub-Actions',
      networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: ['sg-0123456789abcdef0'] } },
      overrides: { containerOverrides: [{ name: 'app', command: ['npm', 'run', 'migrate'] }] },
    });
    // The rollout started only after the task had stopped.
    const order = emulator()
      .calls()
      .map((call) => call.operation)
      .filter((operation) => ['RunTask', 'UpdateService'].includes(operation));
    expect(order).toEqual(['RunTask', 'UpdateService']);
    expect(run.outputs['run-task-exit-code']).toBe('0');
    expect(run.outputs['run-task-arn']).toMatch(/:task\/default\/[0-9a-f]{32}$/);
    expect(run.stdout).toContain('  | applied 3 migrations');
    expect(run.summary).toContain('### One-off task');
    expect(run.summary).toContain('applied 3 migrations');
  });

  test('a failing one-off task: its exit code and last log lines, and no rollout', async () => {
    seed([{ command: 'migrate', exitCode: 3, logLines: ['Error: relation "users" already exists'] }]);
    const run = await deploy(
      emulator(),
      { ...WEB_DEPLOY_INPUTS, 'run-task': true, 'run-task-command': '["npm", "run", "migrate"]' },
      { workspace: workspace() },
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^The one-off task .* of web:2 failed: app exited with code 3.*The rollout was not started/,
    );
    expect(run.outputs['run-task-exit-code']).toBe('3');
    expect(run.stdout).toContain('  | Error: relation "users" already exists');
    expect(emulator().calls({ operation: 'UpdateService' })).toEqual([]);
  });

  test('log lines that look like workflow commands are printed as text, never read as commands', async () => {
    seed([
      {
        command: 'migrate',
        exitCode: 1,
        logLines: ['::error::forged failure', '::add-mask::production', '\u001b[31m::warning::red\u001b[0m'],
      },
    ]);
    const run = await deploy(
      emulator(),
      { ...WEB_DEPLOY_INPUTS, 'run-task': true, 'run-task-command': 'migrate' },
      { workspace: workspace() },
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/^The one-off task/);
    expect(run.warnings).toEqual([]);
    expect(run.stdout).toContain('  | ::error::forged failure');
    expect(run.stdout).toContain('  | ::warning::red');
    expect(run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'))).toEqual([]);
  });

  test('alone, without a service: the subnets given, register and run only', async () => {
    seed([{ image: 'nginx:2', exitCode: 0 }]);
    const run = await deploy(
      emulator(),
      { ...WEB_DEPLOY_INPUTS, service: undefined, 'run-task': true, 'run-task-subnets': subnets.join(',') },
      { workspace: workspace() },
    );
    expect(run.errors).toEqual([]);
    const [runTask] = emulator().calls({ operation: 'RunTask' });
    expect(runTask.request).toMatchObject({ networkConfiguration: { awsvpcConfiguration: { subnets } } });
    expect(emulator().calls({ operation: 'UpdateService' })).toEqual([]);
    expect(run.outputs['run-task-exit-code']).toBe('0');
  });

  test('a task that outlives run-task-timeout-minutes is stopped and fails the step', async () => {
    seed([{ command: 'migrate', exitCode: 0, runMs: 600_000 }]);
    const run = await deploy(
      emulator(),
      { ...WEB_DEPLOY_INPUTS, 'run-task': true, 'run-task-command': 'migrate', 'run-task-timeout-minutes': 0.03 },
      { workspace: workspace() },
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toContain('the task did not stop within');
    expect(emulator().calls({ operation: 'StopTask' })).toHaveLength(1);
    expect(emulator().calls({ operation: 'UpdateService' })).toEqual([]);
  });

  // Each kind of run-task input, refused with one ::error:: line before any call.
  test.each([
    [{ 'run-task-command': 'migrate' }, /^Input 'run-task-command' is set but 'run-task' is not true/],
    [{ 'run-task': true, 'run-task-command': '["npm", 3]' }, /^Input 'run-task-command' is not a list of strings/],
    [{ 'run-task': true, 'run-task-command': 'sh -c "a b"' }, /^Input 'run-task-command' has quotes/],
    [
      { 'run-task': true, 'run-task-container': 'db' },
      /^Input 'run-task-container' names a container the task definition does not have/,
    ],
    [{ 'run-task': true, 'run-task-container': 'a b' }, /^Input 'run-task-container' is not a container name/],
    [
      { 'run-task': true, 'run-task-container-overrides': '{"name": "app"}' },
      /^Input 'run-task-container-overrides' is not a JSON array/,
    ],
    [{ 'run-task': true, 'run-task-container-overrides': '[{"name": "app", "comand": []}]' }, /unknown field 'comand'/],
    [
      { 'run-task': true, 'run-task-launch-type': 'fargate' },
      /^Input 'run-task-launch-type' must be one of EC2, FARGATE/,
    ],
    [
      {
        'run-task': true,
        'run-task-launch-type': 'EC2',
        'run-task-capacity-provider-strategy': '[{"capacityProvider": "cp"}]',
      },
      /^Input 'run-task-capacity-provider-strategy' cannot be combined with 'run-task-launch-type'/,
    ],
    [{ 'run-task': true, 'run-task-capacity-provider-strategy': '[{"weight": 1}]' }, /without a capacityProvider name/],
    [
      { 'run-task': true, 'run-task-subnets': 'subnet-xyz' },
      /^Input 'run-task-subnets' holds something that is not an id/,
    ],
    [{ 'run-task': true, 'run-task-security-groups': 'default' }, /^Input 'run-task-security-groups' holds something/],
    [
      { 'run-task': true, 'run-task-assign-public-IP': 'yes' },
      /^Input 'run-task-assign-public-IP' must be ENABLED or DISABLED/,
    ],
    [
      { 'run-task': true, 'run-task-started-by': 'me and you' },
      /^Input 'run-task-started-by' is not a startedBy value/,
    ],
    [
      { 'run-task': true, 'run-task-tags': '[{"key": "aws:x"}]' },
      /^Input 'run-task-tags' has tag 1 whose key starts with 'aws:'/,
    ],
    [{ 'run-task': true, 'run-task-timeout-minutes': 0 }, /^Input 'run-task-timeout-minutes' must be more than 0/],
    [{ 'run-task': 'maybe' }, /^Input 'run-task' must be true or false/],
    [{ 'run-task': true, service: undefined }, /^Input 'run-task-subnets' is needed: the task uses awsvpc networking/],
  ])('refuses %j before any call', async (inputs, message) => {
    seed();
    const run = await deploy(emulator(), { ...WEB_DEPLOY_INPUTS, ...inputs }, { workspace: workspace() });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(message);
    expect(emulator().calls({ mutating: true })).toEqual([]);
  });
});
