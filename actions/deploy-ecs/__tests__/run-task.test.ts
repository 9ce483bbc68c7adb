import { describe, expect, test } from '@jest/globals';
import type { Service, Task } from '@aws-sdk/client-ecs';
import { runTaskProblem, runTaskRequest, taskVerdict, type RunTaskOptions } from '../src/run-task.js';

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
