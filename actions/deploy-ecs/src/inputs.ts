import {
  ACCOUNT_PATTERN,
  checkArn,
  ecsResource,
  IAM_ROLE,
  REGION_PATTERN,
  SECRET_SOURCE,
  type ArnContext,
} from '@shipyard/shared/arn';
import { InputError } from '@shipyard/shared/errors';
import {
  exactlyOneOf,
  readBoolean,
  readInteger,
  readKeyValueLines,
  readKeyValues,
  readList,
  readMaxAttempts,
  readNumber,
  readRaw,
  readString,
  type Env,
} from '@shipyard/shared/inputs';
import { parseStructured, readStructuredFile } from '@shipyard/shared/structured-inputs';
import { shown } from '@shipyard/shared/text';
import type { Service } from '@aws-sdk/client-ecs';
import type { PropagateTags } from './ecs.js';
import {
  checkDefinitionContent,
  checkDefinitionFields,
  checkDefinitionSize,
  checkOverridesAgainst,
  ecsTaskSize,
  FAMILY_PATTERN,
  isImageReference,
  renderTaskDefinition,
  toRegisterable,
  unwrapDescribeOutput,
  type Json,
  type Overrides,
  type TaskDefinitionSource,
} from './render.js';
import { runTaskProblem, runTaskRequest, type AssignPublicIp, type RunTaskOptions } from './run-task.js';
import { checkFieldTypes, dropEmptyValues } from './task-definition-file.js';

/** Input names, in step with action.yml. */
export const INPUT = {
  taskDefinition: 'task-definition',
  taskDefinitionFamily: 'task-definition-family',
  taskDefinitionArn: 'task-definition-arn',
  containerName: 'container-name',
  image: 'image',
  images: 'images',
  environmentVariables: 'environment-variables',
  secrets: 'secrets',
  cpu: 'cpu',
  memory: 'memory',
  taskRoleArn: 'task-role-arn',
  executionRoleArn: 'execution-role-arn',
  cluster: 'cluster',
  service: 'service',
  desiredCount: 'desired-count',
  forceNewDeployment: 'force-new-deployment',
  enableEcsManagedTags: 'enable-ecs-managed-tags',
  propagateTags: 'propagate-tags',
  wait: 'wait',
  timeoutMinutes: 'timeout-minutes',
  pollIntervalSeconds: 'poll-interval-seconds',
  rollbackOnFailure: 'rollback-on-failure',
  skipUnchanged: 'skip-unchanged',
  keepRevisions: 'keep-revisions',
  dryRun: 'dry-run',
  maxAttempts: 'max-attempts',
  keepNullValueKeys: 'keep-null-value-keys',
  failFast: 'fail-fast',
  runTask: 'run-task',
  runTaskCommand: 'run-task-command',
  runTaskContainer: 'run-task-container',
  runTaskContainerOverrides: 'run-task-container-overrides',
  runTaskLaunchType: 'run-task-launch-type',
  runTaskCapacityProviderStrategy: 'run-task-capacity-provider-strategy',
  runTaskSubnets: 'run-task-subnets',
  runTaskSecurityGroups: 'run-task-security-groups',
  runTaskAssignPublicIp: 'run-task-assign-public-IP',
  runTaskStartedBy: 'run-task-started-by',
  runTaskTags: 'run-task-tags',
  runTaskTimeoutMinutes: 'run-task-timeout-minutes',
} as const;

/** Output names, in step with action.yml. */
export const OUTPUT = {
  taskDefinitionArn: 'task-definition-arn',
  previousTaskDefinitionArn: 'previous-task-definition-arn',
  taskDefinition: 'task-definition',
  deploymentId: 'deployment-id',
  rolloutState: 'rollout-state',
  rolledBack: 'rolled-back',
  diff: 'diff',
  serviceDeploymentArn: 'service-deployment-arn',
  deploymentStrategy: 'deployment-strategy',
  finalStage: 'final-stage',
  runTaskArn: 'run-task-arn',
  runTaskExitCode: 'run-task-exit-code',
} as const;

export interface Inputs {
  region: string;
  /** The region, and the account where known (AWS_ACCOUNT_ID, else the first ARN given): every ARN agrees with them. */
  arnContext: ArnContext;
  source: TaskDefinitionSource;
  overrides: Overrides;
  cluster: string;
  service?: string;
  desiredCount?: number;
  forceNewDeployment: boolean;
  enableEcsManagedTags?: boolean;
  propagateTags?: PropagateTags;
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  rollbackOnFailure: boolean;
  skipUnchanged: boolean;
  keepRevisions: number;
  dryRun: boolean;
  maxAttempts: number;
  /** Paths of the empty values dropped from the task definition file (as the official action drops them). */
  droppedEmptyValues: string[];
  /** Stop waiting at the first stopped task no retry can fix (stops.ts). */
  failFast: boolean;
  /** A one-off task from the new revision before the rollout, when `run-task` is true. */
  runTask?: RunTaskOptions & { timeoutMs: number };
}

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;
const ECS_ARN_RULES = {
  cluster: ecsResource('cluster', /^cluster\/[a-zA-Z0-9_-]{1,255}$/),
  service: ecsResource('service', /^service\/([a-zA-Z0-9_-]{1,255}\/)?[a-zA-Z0-9_-]{1,255}$/),
  'task-definition': ecsResource(
    'task-definition',
    /^task-definition\/[a-zA-Z0-9_-]{1,255}:[1-9]\d{0,8}$/,
    '<family>:<revision>',
  ),
};
/** An SSM Parameter Store parameter name, given instead of an ARN (ECS reads it in the task's region). */
const PARAMETER_NAME = /^[a-zA-Z0-9_.\-/]{1,2048}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// ECS's own examples write fractions with and without the leading zero (`.25 vCPU`, `0.5 GB`).
const CPU = /^(\d+|(\d+(\.\d+)?|\.\d+)\s*vcpu)$/i;
const MEMORY = /^(\d+|(\d+(\.\d+)?|\.\d+)\s*gb)$/i;

/** Read and check every input, and the region, before anything talks to AWS. Pure but for reading the file input. */
export function getInputs(env: Env = process.env): Inputs {
  const regionVariable = env.AWS_REGION?.trim() ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  if (!region) {
    throw new Error(
      'No AWS region: set AWS_REGION (aws-actions/configure-aws-credentials does, with its aws-region input) or AWS_DEFAULT_REGION',
    );
  }
  if (!REGION_PATTERN.test(region)) {
    throw new Error(`${regionVariable} is not an AWS region: ${shown(region)}. Give a region such as us-east-1`);
  }
  const account = env.AWS_ACCOUNT_ID?.trim() || undefined;
  if (account !== undefined && !ACCOUNT_PATTERN.test(account)) {
    throw new Error(`AWS_ACCOUNT_ID is not a 12-digit AWS account id: ${shown(account)}`);
  }
  const arnContext: ArnContext = { region, account, accountSource: account ? 'AWS_ACCOUNT_ID' : undefined };

  const { source, dropped } = readSource(env, arnContext);
  const overrides = readOverrides(env, arnContext);
  if (source.kind === 'file') {
    checkOverridesAgainst(source.definition, overrides, INPUT.taskDefinition, INPUT);
    // What will be registered, checked whole before any call: ARNs, characters, ECS's 64 KiB.
    const rendered = renderTaskDefinition(toRegisterable(source.definition).definition, overrides);
    checkDefinitionContent(rendered, INPUT.taskDefinition, arnContext);
    checkDefinitionSize(rendered, INPUT.taskDefinition);
  }

  const timeoutMinutes = readNumber(INPUT.timeoutMinutes, 30, { max: 360 }, env);
  if (!(timeoutMinutes > 0)) {
    throw new InputError(
      INPUT.timeoutMinutes,
      `must be more than 0, got ${timeoutMinutes}`,
      'Give minutes between 0 and 360',
    );
  }
  const cluster = readNameOrArn(INPUT.cluster, 'cluster', arnContext, env) ?? 'default';
  const service = readNameOrArn(INPUT.service, 'service', arnContext, env);
  const dryRun = readBoolean(INPUT.dryRun, false, env);
  const enableEcsManagedTags = readBoolean(INPUT.enableEcsManagedTags, undefined, env);
  const runTask = readRunTask(env, cluster, timeoutMinutes);
  // As the official action does, the one-off task gets the managed-tags setting given for the service.
  if (runTask && enableEcsManagedTags !== undefined) runTask.enableEcsManagedTags = enableEcsManagedTags;
  if (runTask && source.kind === 'file' && service === undefined) {
    // Without a service nothing else decides the network: what RunTask would refuse is refused now.
    checkRunTask(renderTaskDefinition(toRegisterable(source.definition).definition, overrides), runTask);
  }

  return {
    region,
    arnContext,
    source,
    overrides,
    cluster,
    service,
    desiredCount: readInteger(INPUT.desiredCount, undefined, { min: 0, max: 5000 }, env),
    forceNewDeployment: readBoolean(INPUT.forceNewDeployment, false, env),
    enableEcsManagedTags,
    propagateTags: readPropagateTags(env),
    wait: readBoolean(INPUT.wait, true, env),
    timeoutMs: timeoutMinutes * 60_000,
    pollIntervalMs: readNumber(INPUT.pollIntervalSeconds, 10, { min: 1, max: 3600 }, env) * 1000,
    rollbackOnFailure: readBoolean(INPUT.rollbackOnFailure, true, env),
    skipUnchanged: readBoolean(INPUT.skipUnchanged, true, env),
    keepRevisions: readInteger(INPUT.keepRevisions, 0, { min: 0, max: 10_000 }, env),
    dryRun,
    maxAttempts: readMaxAttempts(INPUT.maxAttempts, { fallback: 5 }, env),
    droppedEmptyValues: dropped,
    failFast: readBoolean(INPUT.failFast, true, env),
    runTask,
  };
}

function readSource(env: Env, arnContext: ArnContext): { source: TaskDefinitionSource; dropped: string[] } {
  const given = exactlyOneOf([INPUT.taskDefinition, INPUT.taskDefinitionFamily, INPUT.taskDefinitionArn], {}, env);
  if (given === INPUT.taskDefinitionFamily) {
    const family = readString(INPUT.taskDefinitionFamily, { required: true }, env);
    if (!FAMILY_PATTERN.test(family)) {
      throw new InputError(
        INPUT.taskDefinitionFamily,
        `is not a task definition family name: ${shown(family)}`,
        'A family has up to 255 letters, digits, hyphens and underscores (no revision; use task-definition-arn for one revision)',
      );
    }
    return { source: { kind: 'family', family }, dropped: [] };
  }
  if (given === INPUT.taskDefinitionArn) {
    const arn = readString(INPUT.taskDefinitionArn, { required: true }, env);
    checkArn(INPUT.taskDefinitionArn, arn, ECS_ARN_RULES['task-definition'], arnContext);
    return { source: { kind: 'arn', arn }, dropped: [] };
  }
  const file = readStructuredFile(INPUT.taskDefinition, env);
  if (!file) throw new InputError(INPUT.taskDefinition, 'is required');
  const unwrapped = unwrapDescribeOutput(file.value, INPUT.taskDefinition);
  // As aws-actions/amazon-ecs-deploy-task-definition reads a file: empty values dropped, but the keys named kept.
  const keep = readKeepNullValueKeys(env);
  const { definition, dropped } = dropEmptyValues(unwrapped.definition, keep);
  checkDefinitionFields(definition, INPUT.taskDefinition);
  checkFieldTypes(definition, INPUT.taskDefinition);
  const tags = unwrapped.tags && dropEmptyValues({ tags: unwrapped.tags }, keep).definition.tags;
  return {
    source: { kind: 'file', path: file.path, definition, tags: tags as Json[] | undefined },
    dropped,
  };
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,127}$/;

function readKeepNullValueKeys(env: Env): Set<string> {
  const keys = readList(INPUT.keepNullValueKeys, {}, env);
  for (const key of keys) {
    if (!FIELD_NAME.test(key)) {
      throw new InputError(
        INPUT.keepNullValueKeys,
        `holds something that is not a task definition field name: ${shown(key, 40)}`,
        'Give field names such as command, environment, separated by commas',
      );
    }
  }
  return new Set(keys);
}

const RUN_TASK_INPUTS = [
  INPUT.runTaskCommand,
  INPUT.runTaskContainer,
  INPUT.runTaskContainerOverrides,
  INPUT.runTaskLaunchType,
  INPUT.runTaskCapacityProviderStrategy,
  INPUT.runTaskSubnets,
  INPUT.runTaskSecurityGroups,
  INPUT.runTaskAssignPublicIp,
  INPUT.runTaskStartedBy,
  INPUT.runTaskTags,
  INPUT.runTaskTimeoutMinutes,
] as const;

const LAUNCH_TYPES = ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'] as const;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;
/** RunTask's startedBy: up to 128 letters, digits, hyphens, forward slashes and underscores. */
const STARTED_BY = /^[A-Za-z0-9_/-]{1,128}$/;
const CONTAINER_OVERRIDE_FIELDS = new Set([
  'name',
  'command',
  'environment',
  'environmentFiles',
  'cpu',
  'memory',
  'memoryReservation',
  'resourceRequirements',
]);

/** The `run-task` inputs; undefined unless `run-task` is true (and then none of the others may be set). */
function readRunTask(env: Env, cluster: string, timeoutMinutes: number): Inputs['runTask'] {
  if (!readBoolean(INPUT.runTask, false, env)) {
    const stray = RUN_TASK_INPUTS.find((name) => readRaw(name, env) !== undefined);
    if (stray)
      throw new InputError(stray, "is set but 'run-task' is not true", "Set 'run-task: true' to run a one-off task");
    return undefined;
  }
  const container = readString(INPUT.runTaskContainer, {}, env);
  if (container !== undefined && !NAME.test(container)) {
    throw new InputError(
      INPUT.runTaskContainer,
      `is not a container name: ${shown(container)}`,
      'Container names have up to 255 letters, digits, hyphens and underscores',
    );
  }
  const launchType = readRaw(INPUT.runTaskLaunchType, env);
  if (launchType !== undefined && !(LAUNCH_TYPES as readonly string[]).includes(launchType)) {
    throw new InputError(
      INPUT.runTaskLaunchType,
      `must be one of ${LAUNCH_TYPES.join(', ')}, got ${shown(launchType)}`,
    );
  }
  const capacityProviderStrategy = readCapacityProviderStrategy(env);
  if (capacityProviderStrategy && launchType !== undefined) {
    throw new InputError(
      INPUT.runTaskCapacityProviderStrategy,
      "cannot be combined with 'run-task-launch-type'",
      'RunTask takes a launch type or a capacity provider strategy, not both',
    );
  }
  const assignPublicIp = readRaw(INPUT.runTaskAssignPublicIp, env);
  if (assignPublicIp !== undefined && assignPublicIp !== 'ENABLED' && assignPublicIp !== 'DISABLED') {
    throw new InputError(INPUT.runTaskAssignPublicIp, `must be ENABLED or DISABLED, got ${shown(assignPublicIp)}`);
  }
  const startedBy = readString(INPUT.runTaskStartedBy, {}, env) ?? 'GitHub-Actions';
  if (!STARTED_BY.test(startedBy)) {
    throw new InputError(
      INPUT.runTaskStartedBy,
      `is not a startedBy value ECS takes: ${shown(startedBy)}`,
      'Up to 128 letters, digits, hyphens, forward slashes and underscores',
    );
  }
  const timeout = readNumber(INPUT.runTaskTimeoutMinutes, timeoutMinutes, { max: 360 }, env);
  if (!(timeout > 0)) {
    throw new InputError(
      INPUT.runTaskTimeoutMinutes,
      `must be more than 0, got ${timeout}`,
      'Give minutes between 0 and 360',
    );
  }
  const command = readCommand(env);
  const containerOverrides = readContainerOverrides(env);
  if (
    command &&
    containerOverrides?.some(
      (override) => override.command !== undefined && (container === undefined || override.name === container),
    )
  ) {
    throw new InputError(
      INPUT.runTaskCommand,
      "and a command in 'run-task-container-overrides' both give the command",
      'Give it in one of them',
    );
  }
  return {
    cluster,
    container,
    command,
    containerOverrides,
    launchType: launchType as RunTaskOptions['launchType'],
    capacityProviderStrategy,
    subnets: readIds(INPUT.runTaskSubnets, SUBNET, 'subnet-0123456789abcdef0', 16, env),
    securityGroups: readIds(INPUT.runTaskSecurityGroups, SECURITY_GROUP, 'sg-0123456789abcdef0', 5, env),
    assignPublicIp: assignPublicIp as AssignPublicIp | undefined,
    startedBy,
    tags: readRunTaskTags(env),
    timeoutMs: timeout * 60_000,
  };
}

/** What RunTask would refuse for this definition, as the input that fixes it. */
export function checkRunTask(definition: Json, options: RunTaskOptions, service?: Service): void {
  const problem = runTaskProblem(runTaskRequest('(new revision)', definition, options, service), definition, options);
  if (problem) throw new InputError(problem.input, problem.problem, problem.fix);
}

/** A JSON array of strings, or words separated by blanks (no quoting: use the array for an argument with a blank). */
function readCommand(env: Env): string[] | undefined {
  const text = readString(INPUT.runTaskCommand, { multiline: true }, env);
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  let words: unknown;
  if (trimmed.startsWith('[')) {
    words = parseStructured(INPUT.runTaskCommand, trimmed, 'inline');
    if (!Array.isArray(words) || words.length === 0 || !words.every((word) => typeof word === 'string')) {
      throw new InputError(INPUT.runTaskCommand, 'is not a list of strings', 'Write it as ["npm", "run", "migrate"]');
    }
  } else {
    if (/["'\\]/.test(trimmed)) {
      throw new InputError(
        INPUT.runTaskCommand,
        'has quotes or backslashes, which are not read as a shell would',
        'Write the command as a JSON array, such as ["sh", "-c", "npm run migrate && echo done"]',
      );
    }
    words = trimmed.split(/\s+/);
  }
  const list = words as string[];
  if (Buffer.byteLength(JSON.stringify(list)) > 8192) {
    throw new InputError(INPUT.runTaskCommand, 'is longer than 8 KiB', 'Put a long script in the image and run it');
  }
  return list;
}

function readContainerOverrides(env: Env): Json[] | undefined {
  const text = readString(INPUT.runTaskContainerOverrides, { multiline: true }, env);
  if (text === undefined) return undefined;
  const value = parseStructured(INPUT.runTaskContainerOverrides, text, 'inline');
  if (!Array.isArray(value)) {
    throw new InputError(
      INPUT.runTaskContainerOverrides,
      'is not a JSON array',
      'Write [{"name": "app", "command": ["..."]}]',
    );
  }
  return value.map((item, index) => {
    const at = `item ${index + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new InputError(INPUT.runTaskContainerOverrides, `has ${at} that is not an object`);
    }
    const override = item as Json;
    for (const key of Object.keys(override)) {
      if (!CONTAINER_OVERRIDE_FIELDS.has(key)) {
        throw new InputError(
          INPUT.runTaskContainerOverrides,
          `has an unknown field ${shown(key, 40)} in ${at}`,
          `A ContainerOverride takes ${[...CONTAINER_OVERRIDE_FIELDS].join(', ')}`,
        );
      }
    }
    if (typeof override.name !== 'string' || !NAME.test(override.name)) {
      throw new InputError(INPUT.runTaskContainerOverrides, `has ${at} without a container name`);
    }
    if (
      override.command !== undefined &&
      !(Array.isArray(override.command) && override.command.every((word) => typeof word === 'string'))
    ) {
      throw new InputError(INPUT.runTaskContainerOverrides, `has a command in ${at} that is not a list of strings`);
    }
    if (
      override.environment !== undefined &&
      !(
        Array.isArray(override.environment) &&
        override.environment.every(
          (variable) =>
            typeof variable === 'object' &&
            variable !== null &&
            typeof (variable as Json).name === 'string' &&
            typeof ((variable as Json).value ?? '') === 'string',
        )
      )
    ) {
      throw new InputError(
        INPUT.runTaskContainerOverrides,
        `has an environment in ${at} that is not a list of {name, value} strings`,
      );
    }
    for (const key of ['cpu', 'memory', 'memoryReservation'] as const) {
      if (override[key] !== undefined && !Number.isInteger(override[key])) {
        throw new InputError(
          INPUT.runTaskContainerOverrides,
          `has ${key} in ${at} that is not a whole number`,
          'Write it without quotes',
        );
      }
    }
    return override;
  });
}

function readCapacityProviderStrategy(env: Env): RunTaskOptions['capacityProviderStrategy'] {
  const text = readString(INPUT.runTaskCapacityProviderStrategy, { multiline: true }, env);
  if (text === undefined) return undefined;
  const value = parseStructured(INPUT.runTaskCapacityProviderStrategy, text, 'inline');
  const fix = 'Write [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]';
  if (!Array.isArray(value) || value.length === 0 || value.length > 20) {
    throw new InputError(INPUT.runTaskCapacityProviderStrategy, 'is not a JSON array of 1 to 20 items', fix);
  }
  return value.map((item, index) => {
    const entry = item as Json;
    const at = `item ${index + 1}`;
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof entry.capacityProvider !== 'string' ||
      !/^[A-Za-z0-9_-]{1,255}$/.test(entry.capacityProvider)
    ) {
      throw new InputError(INPUT.runTaskCapacityProviderStrategy, `has ${at} without a capacityProvider name`, fix);
    }
    for (const [key, max] of [
      ['weight', 1000],
      ['base', 100_000],
    ] as const) {
      const number = entry[key];
      if (number !== undefined && !(Number.isInteger(number) && (number as number) >= 0 && (number as number) <= max)) {
        throw new InputError(
          INPUT.runTaskCapacityProviderStrategy,
          `has a ${key} in ${at} that is not a whole number from 0 to ${max}`,
        );
      }
    }
    const unknown = Object.keys(entry).find((key) => !['capacityProvider', 'weight', 'base'].includes(key));
    if (unknown)
      throw new InputError(
        INPUT.runTaskCapacityProviderStrategy,
        `has an unknown field ${shown(unknown, 40)} in ${at}`,
        fix,
      );
    return {
      capacityProvider: entry.capacityProvider,
      weight: entry.weight as number | undefined,
      base: entry.base as number | undefined,
    };
  });
}

function readIds(name: string, pattern: RegExp, example: string, max: number, env: Env): string[] | undefined {
  const ids = readList(name, {}, env);
  if (ids.length === 0) return undefined;
  for (const id of ids) {
    if (!pattern.test(id))
      throw new InputError(
        name,
        `holds something that is not an id of this kind: ${shown(id, 40)}`,
        `Expected ids such as ${example}`,
      );
  }
  if (ids.length > max) throw new InputError(name, `has ${ids.length} ids; RunTask takes at most ${max}`);
  return ids;
}

function readRunTaskTags(env: Env): RunTaskOptions['tags'] {
  const text = readString(INPUT.runTaskTags, { multiline: true }, env);
  if (text === undefined) return undefined;
  const value = parseStructured(INPUT.runTaskTags, text, 'inline');
  const fix = 'Write [{"key": "purpose", "value": "migration"}]';
  if (!Array.isArray(value) || value.length > 50)
    throw new InputError(INPUT.runTaskTags, 'is not a JSON array of at most 50 tags', fix);
  return value.map((item, index) => {
    const tag = item as Json;
    const at = `tag ${index + 1}`;
    if (
      typeof tag !== 'object' ||
      tag === null ||
      typeof tag.key !== 'string' ||
      tag.key === '' ||
      Buffer.byteLength(tag.key) > 128
    ) {
      throw new InputError(INPUT.runTaskTags, `has ${at} whose key is missing or over 128 bytes`, fix);
    }
    if (/^aws:/i.test(tag.key))
      throw new InputError(INPUT.runTaskTags, `has ${at} whose key starts with 'aws:', which AWS reserves`);
    if (tag.value !== undefined && (typeof tag.value !== 'string' || Buffer.byteLength(tag.value) > 256)) {
      throw new InputError(INPUT.runTaskTags, `has ${at} whose value is not a string of at most 256 bytes`, fix);
    }
    return { key: tag.key, value: tag.value as string | undefined };
  });
}

function readOverrides(env: Env, arnContext: ArnContext): Overrides {
  const containerName = readString(INPUT.containerName, {}, env);
  const image = readString(INPUT.image, {}, env);
  const images = new Map<string, string>();
  if (image !== undefined && readRaw(INPUT.images, env) !== undefined) {
    throw new InputError(INPUT.image, "cannot be combined with 'images'", "Use 'images' alone for several containers");
  }
  if (image !== undefined) {
    if (containerName === undefined) {
      throw new InputError(INPUT.image, "needs 'container-name' to say which container runs it");
    }
    images.set(containerName, checkImage(INPUT.image, image));
  }
  for (const { key: container, value: reference, line } of readKeyValueLines(INPUT.images, {}, env)) {
    if (!NAME.test(container)) {
      throw new InputError(
        INPUT.images,
        `names a container that cannot exist on line ${line}: ${shown(container)}`,
        'Container names have up to 255 letters, digits, hyphens and underscores',
      );
    }
    images.set(container, checkImage(INPUT.images, reference, container));
  }
  const environment = readKeyValues(
    INPUT.environmentVariables,
    {
      keyPattern: ENV_KEY,
      keyDescription: 'Variable names start with a letter or underscore and hold letters, digits and underscores',
    },
    env,
  );
  // The roles first: they are in the task's own account, which secrets are then held to.
  const taskRoleArn = readRoleArn(INPUT.taskRoleArn, arnContext, env);
  const executionRoleArn = readRoleArn(INPUT.executionRoleArn, arnContext, env);
  const secrets = new Map<string, string>();
  const secretLines = readKeyValueLines(
    INPUT.secrets,
    {
      keyPattern: ENV_KEY,
      keyDescription: 'Variable names start with a letter or underscore and hold letters, digits and underscores',
      valueRequired: 'Write KEY=<Secrets Manager or SSM parameter ARN or name>',
    },
    env,
  );
  for (const { key, value, line } of secretLines) {
    secrets.set(key, checkSecretSource(INPUT.secrets, value, arnContext, `line ${line}`));
  }
  return {
    images,
    targetContainer: containerName,
    environment,
    secrets,
    cpu: readTaskSize(INPUT.cpu, CPU, 'vcpu', env),
    memory: readTaskSize(INPUT.memory, MEMORY, 'gb', env),
    taskRoleArn,
    executionRoleArn,
  };
}

function readRoleArn(name: string, arnContext: ArnContext, env: Env): string | undefined {
  const value = readString(name, {}, env);
  if (value !== undefined) checkArn(name, value, IAM_ROLE, arnContext);
  return value;
}

/**
 * A secret's `valueFrom`: a Secrets Manager secret or SSM parameter ARN in this region and account,
 * or the name of an SSM parameter (which ECS reads in the task's region). Never quoted whole in an
 * error: what a user pastes here by mistake is sometimes the secret itself.
 */
export function checkSecretSource(input: string, value: string, arnContext: ArnContext, where: string): string {
  if (value.startsWith('arn:')) {
    checkArn(input, value, SECRET_SOURCE, arnContext, where);
    return value;
  }
  if (!PARAMETER_NAME.test(value)) {
    throw new InputError(
      input,
      `has a value on ${where} that is neither a Secrets Manager or SSM ARN nor an SSM parameter name (its text is not shown, as it may be a secret)`,
      'Give the ARN of a Secrets Manager secret or SSM parameter, or the name of an SSM parameter in the same region',
    );
  }
  return value;
}

function checkImage(input: string, reference: string, container?: string): string {
  if (!isImageReference(reference)) {
    throw new InputError(
      input,
      `is not a valid image reference${container ? ` for container ${shown(container)}` : ''}: ${shown(reference)}`,
      'Expected [registry/]repository[:tag][@sha256:digest], repository in lower case',
    );
  }
  return reference;
}

function readPattern(name: string, pattern: RegExp, expected: string, env: Env): string | undefined {
  const value = readString(name, {}, env);
  if (value !== undefined && !pattern.test(value))
    throw new InputError(name, `is not valid: ${shown(value)}`, `Expected ${expected}`);
  return value;
}

/**
 * Task-level cpu or memory in a form ECS accepts, and one it can store: ECS converts vCPU and GB to
 * a whole number of units or MiB, so `0.3 vCPU` (307.2 units) would only fail at registration.
 */
function readTaskSize(name: string, pattern: RegExp, unit: 'vcpu' | 'gb', env: Env): string | undefined {
  const [expected, whole, hint] =
    unit === 'vcpu'
      ? ["CPU units such as '256' or '0.25 vCPU'", 'CPU units', '1 vCPU is 1024 units: 0.25, 0.5, 1, 2 vCPU']
      : ["MiB such as '512' or '1 GB'", 'MiB', '1 GB is 1024 MiB: 0.5, 1, 2 GB'];
  const value = readPattern(name, pattern, expected, env);
  if (value !== undefined && !/^\d+$/.test(String(ecsTaskSize(value, unit)))) {
    throw new InputError(name, `is not a whole number of ${whole}: ${shown(value)}`, `Expected for example ${hint}`);
  }
  return value;
}

function readNameOrArn(
  name: string,
  resource: 'cluster' | 'service',
  arnContext: ArnContext,
  env: Env,
): string | undefined {
  const value = readString(name, {}, env);
  if (value === undefined) return undefined;
  if (value.startsWith('arn:')) {
    checkArn(name, value, ECS_ARN_RULES[resource], arnContext);
  } else if (!NAME.test(value)) {
    throw new InputError(
      name,
      `is not an ECS ${resource} name or ARN: ${shown(value)}`,
      'Names have up to 255 letters, digits, hyphens and underscores',
    );
  }
  return value;
}

function readPropagateTags(env: Env): PropagateTags | undefined {
  const value = readRaw(INPUT.propagateTags, env);
  if (value === undefined) return undefined;
  const allowed: PropagateTags[] = ['TASK_DEFINITION', 'SERVICE', 'NONE'];
  if (!(allowed as string[]).includes(value)) {
    throw new InputError(INPUT.propagateTags, `must be one of ${allowed.join(', ')}, got ${shown(value)}`);
  }
  return value as PropagateTags;
}
