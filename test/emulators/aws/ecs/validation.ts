import { AwsServiceError } from '../types.js';
import type { Json } from './model.js';
import { storedTaskSize } from './task-size.js';

/**
 * ECS's request validation beyond its service model, as far as a deploy tool can trip over it. Member
 * names (a file copied from DescribeTaskDefinition output still holding `taskDefinitionArn` or
 * `compatibilities`), JSON types, required members and enum values are judged by ECS's own model
 * before a request gets here (../model/judge.ts); this file adds what the model cannot say: the family
 * and container name patterns, blank names and images, Fargate's rules, task-level cpu and memory
 * (converted to the units ECS stores, see task-size.ts), duplicate container names.
 */

export const FAMILY_PATTERN = /^[a-zA-Z0-9_-]{1,255}$/;
const CONTAINER_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,255}$/;
const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export function clientError(message: string): AwsServiceError {
  return new AwsServiceError('ClientException', message, 400);
}

export function invalidParameter(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterException', message, 400);
}

/** Keys outside an operation's input shape: AWS's JSON services refuse them while deserialising. */
export function rejectUnknownKeys(body: Json, allowed: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) {
      throw new AwsServiceError(
        'SerializationException',
        `Unrecognized field "${key}" in ${where}: not one of the known properties`,
        400,
      );
    }
  }
}

export function requireString(body: Json, key: string, message = `${key} can not be null or empty.`): string {
  const value = body[key];
  if (typeof value !== 'string' || value.trim() === '') throw clientError(message);
  return value;
}

export function optionalString(body: Json, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsServiceError('SerializationException', `${key} must be a string`, 400);
  return value;
}

export function optionalInteger(body: Json, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new AwsServiceError('SerializationException', `${key} must be an integer`, 400);
  }
  return value;
}

export function optionalBoolean(body: Json, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new AwsServiceError('SerializationException', `${key} must be a boolean`, 400);
  return value;
}

export function optionalStringList(body: Json, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new AwsServiceError('SerializationException', `${key} must be a list of strings`, 400);
  }
  return value as string[];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validate a RegisterTaskDefinition request and return the definition as ECS would store it. */
export function validateRegisterRequest(body: Json): Json {
  // Member names, JSON types, required members and enum values were checked against ECS's own model
  // before the request got here (model/judge.ts); what follows is what ECS checks beyond its model.
  const family = body.family;
  if (typeof family !== 'string' || family === '') throw clientError('Family can not be blank.');
  if (!FAMILY_PATTERN.test(family)) {
    throw clientError(
      'Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.',
    );
  }
  for (const key of ['taskRoleArn', 'executionRoleArn'] as const) {
    const role = optionalString(body, key);
    if (role !== undefined && !ROLE_ARN_PATTERN.test(role)) {
      throw clientError(`Role is not valid: ${key} must be an IAM role ARN, got '${role}'`);
    }
  }
  const networkMode = optionalString(body, 'networkMode');
  const compatibilities = optionalStringList(body, 'requiresCompatibilities') ?? [];
  const cpu = optionalString(body, 'cpu');
  const memory = optionalString(body, 'memory');
  if (compatibilities.includes('FARGATE')) {
    if (networkMode !== 'awsvpc') throw clientError("Fargate only supports network mode 'awsvpc'.");
    if (cpu === undefined) throw clientError("Fargate requires that 'cpu' be defined at the task level.");
    if (memory === undefined) throw clientError("Fargate requires that 'memory' be defined at the task level.");
  }
  const taskSize = storedTaskSize(cpu, memory, compatibilities.includes('FARGATE'));

  const containers = body.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0) throw clientError('Container list cannot be empty.');
  const names = new Set<string>();
  const stored = containers.map((container: unknown) => {
    if (!isObject(container))
      throw new AwsServiceError('SerializationException', 'containerDefinitions must hold objects', 400);
    const name = container.name;
    if (typeof name !== 'string' || name === '') throw clientError('Container.name should not be null or empty.');
    if (!CONTAINER_NAME_PATTERN.test(name)) {
      throw clientError(
        `Container name '${name}' contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.`,
      );
    }
    if (names.has(name)) throw clientError(`Duplicate container name '${name}' found.`);
    names.add(name);
    const image = container.image;
    if (typeof image !== 'string' || image.trim() === '')
      throw clientError('Container.image should not be null or empty.');
    if (
      !compatibilities.includes('FARGATE') &&
      body.memory === undefined &&
      container.memory === undefined &&
      container.memoryReservation === undefined
    ) {
      throw clientError(
        `Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
      );
    }
    for (const [key, valueKey] of [
      ['environment', 'value'],
      ['secrets', 'valueFrom'],
    ] as const) {
      const list = container[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw new AwsServiceError('SerializationException', `${key} must be a list`, 400);
      for (const entry of list as unknown[]) {
        if (!isObject(entry) || typeof entry.name !== 'string' || entry.name === '') {
          throw clientError(`Invalid ${key} entry in container '${name}': name is required.`);
        }
        if (key === 'secrets' && typeof entry[valueKey] !== 'string') {
          throw clientError(`Invalid secrets entry '${entry.name}' in container '${name}': valueFrom is required.`);
        }
      }
    }
    return withContainerDefaults(container, networkMode);
  });

  const definition: Json = { ...body, ...taskSize, containerDefinitions: stored };
  delete definition.tags;
  definition.volumes ??= [];
  definition.placementConstraints ??= [];
  return definition;
}

/** What ECS fills in on a container it stores: the defaults DescribeTaskDefinition then shows. */
function withContainerDefaults(container: Json, networkMode: string | undefined): Json {
  const portMappings = Array.isArray(container.portMappings)
    ? (container.portMappings as Json[]).map((mapping) => ({
        ...mapping,
        ...(networkMode === 'awsvpc' && mapping.hostPort === undefined ? { hostPort: mapping.containerPort } : {}),
        protocol: mapping.protocol ?? 'tcp',
      }))
    : [];
  return {
    cpu: 0,
    essential: true,
    environment: [],
    mountPoints: [],
    volumesFrom: [],
    systemControls: [],
    ...container,
    portMappings,
  };
}

/**
 * One page of a List* answer the way ECS pages: `maxResults` (1 to 100, else the operation's
 * default) items from the offset an opaque `nextToken` carries, and the token of the next page
 * while items remain.
 */
export function paginate<T>(items: readonly T[], body: Json, defaultPageSize: number): { page: T[]; next?: string } {
  const maxResults = optionalInteger(body, 'maxResults') ?? defaultPageSize;
  if (maxResults < 1 || maxResults > 100) throw invalidParameter('maxResults must be between 1 and 100.');
  const token = optionalString(body, 'nextToken');
  const start = token
    ? Number(
        Buffer.from(token, 'base64')
          .toString('utf8')
          .replace(/^offset:/, ''),
      )
    : 0;
  if (!Number.isInteger(start) || start < 0) throw invalidParameter('Invalid nextToken.');
  const page = items.slice(start, start + maxResults);
  const next =
    start + maxResults < items.length ? Buffer.from(`offset:${start + maxResults}`).toString('base64') : undefined;
  return { page, next };
}
