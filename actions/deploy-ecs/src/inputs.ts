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
  readNumber,
  readRaw,
  readString,
  type Env,
} from '@shipyard/shared/inputs';
import { readStructuredFile } from '@shipyard/shared/structured-inputs';
import { shown } from '@shipyard/shared/text';
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
  type Overrides,
  type TaskDefinitionSource,
} from './render.js';

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
} as const;

export { isImageReference };

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

  const source = readSource(env, arnContext);
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

  return {
    region,
    arnContext,
    source,
    overrides,
    cluster,
    service,
    desiredCount: readInteger(INPUT.desiredCount, undefined, { min: 0, max: 5000 }, env),
    forceNewDeployment: readBoolean(INPUT.forceNewDeployment, false, env),
    enableEcsManagedTags: readBoolean(INPUT.enableEcsManagedTags, undefined, env),
    propagateTags: readPropagateTags(env),
    wait: readBoolean(INPUT.wait, true, env),
    timeoutMs: timeoutMinutes * 60_000,
    pollIntervalMs: readNumber(INPUT.pollIntervalSeconds, 10, { min: 1, max: 3600 }, env) * 1000,
    rollbackOnFailure: readBoolean(INPUT.rollbackOnFailure, true, env),
    skipUnchanged: readBoolean(INPUT.skipUnchanged, true, env),
    keepRevisions: readInteger(INPUT.keepRevisions, 0, { min: 0, max: 10_000 }, env),
    dryRun,
    maxAttempts: readInteger(INPUT.maxAttempts, 5, { min: 1, max: 20 }, env),
  };
}

function readSource(env: Env, arnContext: ArnContext): TaskDefinitionSource {
  const given = exactlyOneOf([INPUT.taskDefinition, INPUT.taskDefinitionFamily, INPUT.taskDefinitionArn], env);
  if (given === INPUT.taskDefinitionFamily) {
    const family = readString(INPUT.taskDefinitionFamily, { required: true }, env);
    if (!FAMILY_PATTERN.test(family)) {
      throw new InputError(
        INPUT.taskDefinitionFamily,
        `is not a task definition family name: ${shown(family)}`,
        'A family has up to 255 letters, digits, hyphens and underscores (no revision; use task-definition-arn for one revision)',
      );
    }
    return { kind: 'family', family };
  }
  if (given === INPUT.taskDefinitionArn) {
    const arn = readString(INPUT.taskDefinitionArn, { required: true }, env);
    checkArn(INPUT.taskDefinitionArn, arn, ECS_ARN_RULES['task-definition'], arnContext);
    return { kind: 'arn', arn };
  }
  const file = readStructuredFile(INPUT.taskDefinition, env);
  if (!file) throw new InputError(INPUT.taskDefinition, 'is required');
  const { definition, tags } = unwrapDescribeOutput(file.value, INPUT.taskDefinition);
  checkDefinitionFields(definition, INPUT.taskDefinition);
  return { kind: 'file', path: file.path, definition, tags };
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
  for (const { key: container, value: reference, line } of readKeyValueLines(INPUT.images, env)) {
    if (!NAME.test(container)) {
      throw new InputError(
        INPUT.images,
        `names a container that cannot exist on line ${line}: ${shown(container)}`,
        'Container names have up to 255 letters, digits, hyphens and underscores',
      );
    }
    images.set(container, checkImage(INPUT.images, reference, container));
  }
  const environment = readKeyValues(INPUT.environmentVariables, env, {
    keyPattern: ENV_KEY,
    keyDescription: 'Variable names start with a letter or underscore and hold letters, digits and underscores',
  });
  // The roles first: they are in the task's own account, which secrets are then held to.
  const taskRoleArn = readRoleArn(INPUT.taskRoleArn, arnContext, env);
  const executionRoleArn = readRoleArn(INPUT.executionRoleArn, arnContext, env);
  const secrets = new Map<string, string>();
  for (const { key, value, line } of readKeyValueLines(INPUT.secrets, env, {
    keyPattern: ENV_KEY,
    keyDescription: 'Variable names start with a letter or underscore and hold letters, digits and underscores',
    valueRequired: 'Write KEY=<Secrets Manager or SSM parameter ARN or name>',
  })) {
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
