import { afterAll, beforeAll } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAwsEmulator, type AwsEmulator, type ScenarioInput } from '@shipyard/emulators/aws';
import { runAction, type ActionRun, type InputValue } from '@shipyard/harness/run-action';
import { EXECUTION_ROLE_ARN, fargateTaskDefinition } from '@shipyard/harness/task-definition';
import { temporaryFolder } from '@shipyard/harness/temp';

/**
 * The emulator's time model (real ECS durations) a thousand times faster: a rollout of a minute
 * takes 60 ms, a failing task is replaced after 15 ms (doubling as failures repeat).
 */
export const TIME_SCALE = 0.001;

export const FAST_ECS: ScenarioInput['ecs'] = {
  failingImages: [
    {
      pattern: ':crash',
      exitCode: 1,
      reason: 'Error: Cannot find module /app/server.js',
    },
  ],
  slowImages: [{ pattern: ':slow', startDelayMs: 600_000 }],
};

/** The harness's Fargate definition as deploy-ecs's tests deploy it: with an execution role and NODE_ENV. */
export function fargateDefinition(image = 'nginx:1', family = 'web') {
  return fargateTaskDefinition({
    family,
    image,
    executionRoleArn: EXECUTION_ROLE_ARN,
    container: { environment: [{ name: 'NODE_ENV', value: 'production' }] },
  });
}

/** The same definition, its container logging to CloudWatch Logs (awslogs, group /ecs/web, prefix ecs). */
export function awslogsDefinition(image = 'nginx:1') {
  const definition = fargateDefinition(image);
  return {
    ...definition,
    containerDefinitions: [
      {
        ...definition.containerDefinitions[0],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
        },
      },
    ],
  };
}

export async function startEmulator(): Promise<AwsEmulator> {
  return startAwsEmulator({ scenario: { timeScale: TIME_SCALE, ecs: FAST_ECS } });
}

/**
 * One emulator for the suite that calls this at its top: started before the suite's tests, closed
 * after them. The getter reads the running one.
 */
export function emulatorForSuite(): () => AwsEmulator {
  let emulator: AwsEmulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator?.close());
  return () => {
    if (!emulator) throw new Error('the emulator is started in beforeAll; read it inside a test');
    return emulator;
  };
}

/** The inputs of a deploy of nginx:2 to service `web` from the workspace's task-definition.json. */
export const WEB_DEPLOY_INPUTS = {
  'task-definition': 'task-definition.json',
  'container-name': 'app',
  image: 'nginx:2',
  service: 'web',
} as const;

/** Reset the emulator to a cluster with service `web` steady on `web:1` (nginx:1). */
export function seedWebService(
  emulator: AwsEmulator,
  options: {
    circuitBreaker?: { enable: boolean; rollback: boolean };
    scenario?: ScenarioInput;
    /** More of the service's settings (desiredCount, networkConfiguration, loadBalancers, deploymentConfiguration). */
    service?: Record<string, unknown>;
  } = {},
) {
  emulator.setScenario({ timeScale: TIME_SCALE, ecs: FAST_ECS, ...(options.scenario ?? {}) });
  emulator.reset();
  emulator.ecs.seedCluster('default');
  const revision = emulator.ecs.seedTaskDefinition(fargateDefinition('nginx:1'));
  emulator.ecs.seedService({
    serviceName: 'web',
    taskDefinition: revision.arn,
    desiredCount: 2,
    circuitBreaker: options.circuitBreaker,
    ...options.service,
  });
  return revision;
}

/** A workspace holding `files`, removed after the test file (the harness's temporaryFolder). */
export function workspaceWith(files: Record<string, string>): string {
  const workspace = temporaryFolder('deploy-ecs-ws-');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(workspace, name), content);
  return workspace;
}

export async function deploy(
  emulator: AwsEmulator,
  inputs: Record<string, InputValue>,
  options: { workspace?: string; env?: Record<string, string | undefined> } = {},
): Promise<ActionRun> {
  const workspace = options.workspace ?? workspaceWith({ 'task-definition.json': JSON.stringify(fargateDefinition()) });
  return runAction('deploy-ecs', {
    inputs: { 'poll-interval-seconds': 1, ...inputs },
    env: { ...emulator.clientEnv(), ...(options.env ?? {}) },
    workspace,
    timeoutMs: 60_000,
  });
}

/** The revision numbers of family `web`, ACTIVE or not, oldest first. */
export function revisionNumbers(emulator: AwsEmulator): number[] {
  return emulator.ecs.taskDefinitions('web').map((revision) => revision.revision);
}

export function mutatingCalls(emulator: AwsEmulator) {
  return emulator.calls({ mutating: true });
}

/** A task definition as a user's file holds it (unit tests of rendering, comparing and diffing). */
export const fileDefinition = {
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'app',
      image: 'app:1',
      portMappings: [{ containerPort: 3000 }],
      environment: [
        { name: 'B', value: '2' },
        { name: 'A', value: '1' },
      ],
    },
  ],
};

/** What DescribeTaskDefinition returns for the same registration: ECS's defaults and bookkeeping. */
export const described = {
  ...fileDefinition,
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:4',
  revision: 4,
  status: 'ACTIVE',
  compatibilities: ['EC2', 'FARGATE'],
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
  registeredAt: new Date(0),
  registeredBy: 'arn:aws:sts::123456789012:assumed-role/deployer/x',
  volumes: [],
  placementConstraints: [],
  containerDefinitions: [
    {
      ...fileDefinition.containerDefinitions[0],
      cpu: 0,
      essential: true,
      mountPoints: [],
      volumesFrom: [],
      systemControls: [],
      portMappings: [{ containerPort: 3000, hostPort: 3000, protocol: 'tcp' }],
      environment: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
    },
  ],
};
