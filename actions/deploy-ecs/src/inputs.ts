import { InputError } from '../../shared/src/errors.js';
import {
  exactlyOneOf,
  readBoolean,
  readInteger,
  readKeyValues,
  readNumber,
  readRaw,
  readString,
  type Env,
} from '../../shared/src/inputs.js';
import { readStructuredFile } from '../../shared/src/structured-inputs.js';
import {
  checkDefinitionFields,
  containerNames,
  ecsTaskSize,
  FAMILY_PATTERN,
  unwrapDescribeOutput,
  type Json,
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

export type TaskDefinitionSource =
  | { kind: 'file'; path: string; definition: Json; tags?: Json[] }
  | { kind: 'family'; family: string }
  | { kind: 'arn'; arn: string };

export interface Overrides {
  /** Container name to the image it should run. */
  images: Map<string, string>;
  /** The container that gets `environment` and `secrets`; undefined means "the only container". */
  targetContainer?: string;
  environment: Map<string, string>;
  secrets: Map<string, string>;
  cpu?: string;
  memory?: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
}

export type PropagateTags = 'TASK_DEFINITION' | 'SERVICE' | 'NONE';

export interface Inputs {
  region: string;
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

const NAME_OR_ARN = (resource: string) =>
  new RegExp(`^([a-zA-Z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}:${resource}/[a-zA-Z0-9_/-]{1,512})$`);
const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[a-zA-Z0-9_-]{1,255}:\d+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// ECS's own examples write fractions with and without the leading zero (`.25 vCPU`, `0.5 GB`).
const CPU = /^(\d+|(\d+(\.\d+)?|\.\d+)\s*vcpu)$/i;
const MEMORY = /^(\d+|(\d+(\.\d+)?|\.\d+)\s*gb)$/i;

/**
 * A container image reference as Docker and ECS read it: `[registry[:port]/]path[:tag][@digest]`,
 * lower-case path components, a tag of up to 128 word characters, dots and dashes.
 */
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function isImageReference(value: string): boolean {
  return value.length <= 255 && IMAGE_REFERENCE.test(value);
}

/** Read and check every input, and the region, before anything talks to AWS. Pure but for reading the file input. */
export function getInputs(env: Env = process.env): Inputs {
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  if (!region) {
    throw new Error(
      'No AWS region: set AWS_REGION (aws-actions/configure-aws-credentials does, with its aws-region input) or AWS_DEFAULT_REGION',
    );
  }

  const source = readSource(env);
  const overrides = readOverrides(env);
  if (source.kind === 'file') checkOverridesAgainst(source.definition, overrides, INPUT.taskDefinition);

  const timeoutMinutes = readNumber(INPUT.timeoutMinutes, 30, { max: 360 }, env);
  if (!(timeoutMinutes > 0)) {
    throw new InputError(
      INPUT.timeoutMinutes,
      `must be more than 0, got ${timeoutMinutes}`,
      'Give minutes between 0 and 360',
    );
  }
  const service = readNameOrArn(INPUT.service, 'service', env);
  const dryRun = readBoolean(INPUT.dryRun, false, env);

  return {
    region,
    source,
    overrides,
    cluster: readNameOrArn(INPUT.cluster, 'cluster', env) ?? 'default',
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

function readSource(env: Env): TaskDefinitionSource {
  const given = exactlyOneOf([INPUT.taskDefinition, INPUT.taskDefinitionFamily, INPUT.taskDefinitionArn], env);
  if (given === INPUT.taskDefinitionFamily) {
    const family = readString(INPUT.taskDefinitionFamily, { required: true }, env);
    if (!FAMILY_PATTERN.test(family)) {
      throw new InputError(
        INPUT.taskDefinitionFamily,
        `is not a task definition family name: '${family}'`,
        'A family has up to 255 letters, digits, hyphens and underscores (no revision; use task-definition-arn for one revision)',
      );
    }
    return { kind: 'family', family };
  }
  if (given === INPUT.taskDefinitionArn) {
    const arn = readString(INPUT.taskDefinitionArn, { required: true }, env);
    if (!TASK_DEFINITION_ARN.test(arn)) {
      throw new InputError(
        INPUT.taskDefinitionArn,
        `is not a task definition ARN: '${arn}'`,
        'Expected arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>',
      );
    }
    return { kind: 'arn', arn };
  }
  const file = readStructuredFile(INPUT.taskDefinition, env);
  if (!file) throw new InputError(INPUT.taskDefinition, 'is required');
  const { definition, tags } = unwrapDescribeOutput(file.value, INPUT.taskDefinition);
  checkDefinitionFields(definition, INPUT.taskDefinition);
  return { kind: 'file', path: file.path, definition, tags };
}

function readOverrides(env: Env): Overrides {
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
  for (const [container, reference] of readKeyValues(INPUT.images, env)) {
    images.set(container, checkImage(INPUT.images, reference, container));
  }
  const environment = readKeyValues(INPUT.environmentVariables, env, {
    keyPattern: ENV_KEY,
    keyDescription: 'Variable names start with a letter or underscore and hold letters, digits and underscores',
  });
  const secrets = readKeyValues(INPUT.secrets, env, {
    keyPattern: ENV_KEY,
    keyDescription: 'Variable names start with a letter or underscore and hold letters, digits and underscores',
    valueRequired: 'Write KEY=<Secrets Manager or SSM parameter ARN or name>',
  });
  return {
    images,
    targetContainer: containerName,
    environment,
    secrets,
    cpu: readTaskSize(INPUT.cpu, CPU, 'vcpu', env),
    memory: readTaskSize(INPUT.memory, MEMORY, 'gb', env),
    taskRoleArn: readPattern(INPUT.taskRoleArn, ROLE_ARN, 'an IAM role ARN: arn:aws:iam::<account>:role/<name>', env),
    executionRoleArn: readPattern(
      INPUT.executionRoleArn,
      ROLE_ARN,
      'an IAM role ARN: arn:aws:iam::<account>:role/<name>',
      env,
    ),
  };
}

function checkImage(input: string, reference: string, container?: string): string {
  if (!isImageReference(reference)) {
    throw new InputError(
      input,
      `is not a valid image reference${container ? ` for container '${container}'` : ''}: '${reference}'`,
      'Expected [registry/]repository[:tag][@sha256:digest], repository in lower case',
    );
  }
  return reference;
}

function readPattern(name: string, pattern: RegExp, expected: string, env: Env): string | undefined {
  const value = readString(name, {}, env);
  if (value !== undefined && !pattern.test(value))
    throw new InputError(name, `is not valid: '${value}'`, `Expected ${expected}`);
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
    throw new InputError(name, `is not a whole number of ${whole}: '${value}'`, `Expected for example ${hint}`);
  }
  return value;
}

function readNameOrArn(name: string, resource: string, env: Env): string | undefined {
  const value = readString(name, {}, env);
  if (value !== undefined && !NAME_OR_ARN(resource).test(value)) {
    throw new InputError(
      name,
      `is not an ECS ${resource} name or ARN: '${value}'`,
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
    throw new InputError(INPUT.propagateTags, `must be one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as PropagateTags;
}

/**
 * The containers the overrides name must exist in the definition; checked for a file up front and,
 * for a family or ARN, as soon as the definition is read (still before anything changes).
 */
export function checkOverridesAgainst(definition: Json, overrides: Overrides, origin: string): void {
  const names = containerNames(definition);
  const known = names.map((n) => `'${n}'`).join(', ');
  for (const container of overrides.images.keys()) {
    if (!names.includes(container)) {
      const input =
        overrides.targetContainer === container && overrides.images.size === 1 ? INPUT.containerName : INPUT.images;
      throw new InputError(
        input,
        `names container '${container}', which is not in the task definition (${origin})`,
        `Its containers are ${known}`,
      );
    }
  }
  if (overrides.targetContainer !== undefined && !names.includes(overrides.targetContainer)) {
    throw new InputError(
      INPUT.containerName,
      `names container '${overrides.targetContainer}', which is not in the task definition (${origin})`,
      `Its containers are ${known}`,
    );
  }
  if (
    (overrides.environment.size > 0 || overrides.secrets.size > 0) &&
    overrides.targetContainer === undefined &&
    names.length > 1
  ) {
    throw new InputError(
      overrides.environment.size > 0 ? INPUT.environmentVariables : INPUT.secrets,
      `cannot tell which of ${names.length} containers to change`,
      "Set 'container-name' to the container that gets them",
    );
  }
}
