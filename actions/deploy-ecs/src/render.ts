import { InputError } from '../../shared/src/errors.js';
import type { Overrides } from './inputs.js';

/**
 * Task definitions as plain JSON: reading one that came from a file or from
 * DescribeTaskDefinition, rendering the step's changes into it, and normalising it so two
 * definitions that ECS would treat alike compare equal (for `skip-unchanged` and the diff).
 */

export type Json = Record<string, unknown>;

/** What RegisterTaskDefinition accepts at the top level. */
const REGISTER_FIELDS: ReadonlySet<string> = new Set([
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'tags',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
]);

/** What DescribeTaskDefinition returns and RegisterTaskDefinition refuses: dropped with a notice. */
const DESCRIBE_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
]);

const CONTAINER_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'image',
  'repositoryCredentials',
  'cpu',
  'memory',
  'memoryReservation',
  'links',
  'portMappings',
  'essential',
  'restartPolicy',
  'entryPoint',
  'command',
  'environment',
  'environmentFiles',
  'mountPoints',
  'volumesFrom',
  'linuxParameters',
  'secrets',
  'dependsOn',
  'startTimeout',
  'stopTimeout',
  'versionConsistency',
  'hostname',
  'user',
  'workingDirectory',
  'disableNetworking',
  'privileged',
  'readonlyRootFilesystem',
  'dnsServers',
  'dnsSearchDomains',
  'extraHosts',
  'dockerSecurityOptions',
  'interactive',
  'pseudoTerminal',
  'dockerLabels',
  'ulimits',
  'logConfiguration',
  'healthCheck',
  'systemControls',
  'resourceRequirements',
  'firelensConfiguration',
  'credentialSpecs',
]);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A task definition family: up to 255 letters, digits, hyphens and underscores. */
export const FAMILY_PATTERN = /^[a-zA-Z0-9_-]{1,255}$/;

/** The family of a task definition ARN (`…:task-definition/web:12` is `web`). */
export function familyOf(arn: string): string {
  return arn.split('/').pop()?.split(':')[0] ?? '';
}

/**
 * A file may hold the definition itself or the whole `aws ecs describe-task-definition` output
 * (`{"taskDefinition": {...}, "tags": [...]}`); both work.
 */
export function unwrapDescribeOutput(value: unknown, input: string): { definition: Json; tags?: Json[] } {
  if (!isObject(value)) {
    throw new InputError(
      input,
      'must hold a JSON or YAML object (a task definition)',
      'See the RegisterTaskDefinition request syntax',
    );
  }
  if (isObject(value.taskDefinition) && value.containerDefinitions === undefined) {
    return { definition: value.taskDefinition, tags: Array.isArray(value.tags) ? (value.tags as Json[]) : undefined };
  }
  return { definition: value };
}

/** Unknown fields are typos (the SDK would silently drop them): refuse them, naming the field. */
export function checkDefinitionFields(definition: Json, input: string): void {
  for (const key of Object.keys(definition)) {
    if (!REGISTER_FIELDS.has(key) && !DESCRIBE_ONLY_FIELDS.has(key)) {
      throw new InputError(
        input,
        `has an unknown task definition field '${key}'`,
        'Check its spelling against RegisterTaskDefinition',
      );
    }
  }
  const family = definition.family;
  if (typeof family !== 'string' || !FAMILY_PATTERN.test(family)) {
    throw new InputError(
      input,
      family === undefined ? 'has no family' : `has an invalid family '${String(family)}'`,
      'A family has up to 255 letters, digits, hyphens and underscores',
    );
  }
  const containers = definition.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0) {
    throw new InputError(input, 'has no containerDefinitions', 'A task definition needs at least one container');
  }
  for (const [index, container] of containers.entries()) {
    if (!isObject(container) || typeof container.name !== 'string' || container.name === '') {
      throw new InputError(input, `has a container without a name (containerDefinitions[${index}])`);
    }
    for (const key of Object.keys(container)) {
      if (!CONTAINER_FIELDS.has(key)) {
        throw new InputError(
          input,
          `has an unknown field '${key}' in container '${container.name}'`,
          'Check its spelling against ContainerDefinition',
        );
      }
    }
  }
}

export function containerNames(definition: Json): string[] {
  const containers = definition.containerDefinitions;
  return Array.isArray(containers) ? containers.map((container) => String((container as Json).name)) : [];
}

/** Drop the fields RegisterTaskDefinition refuses; say which were dropped. */
export function toRegisterable(definition: Json): { definition: Json; dropped: string[] } {
  const kept: Json = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(definition)) {
    if (DESCRIBE_ONLY_FIELDS.has(key)) dropped.push(key);
    else if (value !== undefined && value !== null) kept[key] = value;
  }
  return { definition: kept, dropped };
}

interface NameValue {
  name: string;
  [key: string]: unknown;
}

function mergeByName(existing: unknown, additions: Map<string, string>, valueKey: 'value' | 'valueFrom'): NameValue[] {
  const merged = (Array.isArray(existing) ? (existing as NameValue[]) : []).map((entry) => ({ ...entry }));
  for (const [name, value] of additions) {
    const found = merged.find((entry) => entry.name === name);
    if (found) found[valueKey] = value;
    else merged.push({ name, [valueKey]: value });
  }
  return merged;
}

/** The registerable definition with the step's images, variables, secrets and task-level settings applied. */
export function renderTaskDefinition(base: Json, overrides: Overrides): Json {
  const names = containerNames(base);
  const target = overrides.targetContainer ?? (names.length === 1 ? names[0] : undefined);
  const containerDefinitions = (base.containerDefinitions as Json[]).map((container) => {
    const name = String(container.name);
    const rendered: Json = { ...container };
    const image = overrides.images.get(name);
    if (image !== undefined) rendered.image = image;
    if (name === target) {
      if (overrides.environment.size > 0)
        rendered.environment = mergeByName(container.environment, overrides.environment, 'value');
      if (overrides.secrets.size > 0) rendered.secrets = mergeByName(container.secrets, overrides.secrets, 'valueFrom');
    }
    return rendered;
  });
  const rendered: Json = { ...base, containerDefinitions };
  if (overrides.cpu !== undefined) rendered.cpu = overrides.cpu;
  if (overrides.memory !== undefined) rendered.memory = overrides.memory;
  if (overrides.taskRoleArn !== undefined) rendered.taskRoleArn = overrides.taskRoleArn;
  if (overrides.executionRoleArn !== undefined) rendered.executionRoleArn = overrides.executionRoleArn;
  return rendered;
}

/**
 * Task-level `cpu` or `memory` as ECS stores it. ECS accepts CPU in units (`256`) or vCPUs
 * (`0.25 vCPU`, `1 vcpu`) and memory in MiB (`512`) or GB (`0.5 GB`, `1GB`), and converts the
 * vCPU and GB forms to an integer of units or MiB when it registers the definition (1 vCPU = 1024
 * units, 1 GB = 1024 MiB), so `describe-task-definition` gives back `256` for `0.25 vCPU`. Anything
 * that does not convert to a whole number (a typo, `0.3 vCPU`) is left as written: ECS decides
 * about it, and it then compares equal only to itself.
 */
export function ecsTaskSize(value: unknown, unit: 'vcpu' | 'gb'): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value;
  if (typeof value !== 'string') return value;
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(value);
  if (!match) return value;
  const [, amount, suffix] = match;
  let converted: number;
  if (suffix === '') converted = Number(amount);
  else if (suffix.toLowerCase() === unit) converted = Number(amount) * 1024;
  else return value;
  return Number.isInteger(converted) ? String(converted) : value;
}

/**
 * A canonical form for comparing: describe-only fields and tags removed, task-level cpu and
 * memory in the units ECS stores them, the defaults ECS fills in (container cpu 0, essential true,
 * tcp, hostPort equal to containerPort under awsvpc, empty lists) removed, environment and secrets
 * sorted by name (their order means nothing), keys sorted.
 */
export function normalizeTaskDefinition(definition: Json): Json {
  const { definition: registerable } = toRegisterable(definition);
  delete registerable.tags;
  if (registerable.cpu !== undefined) registerable.cpu = ecsTaskSize(registerable.cpu, 'vcpu');
  if (registerable.memory !== undefined) registerable.memory = ecsTaskSize(registerable.memory, 'gb');
  const awsvpc = registerable.networkMode === 'awsvpc';
  if (Array.isArray(registerable.containerDefinitions)) {
    registerable.containerDefinitions = (registerable.containerDefinitions as Json[]).map((container) => {
      const copy: Json = { ...container };
      if (copy.cpu === 0) delete copy.cpu;
      if (copy.essential === true) delete copy.essential;
      for (const key of ['environment', 'secrets'] as const) {
        if (Array.isArray(copy[key])) {
          copy[key] = [...(copy[key] as NameValue[])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        }
      }
      if (Array.isArray(copy.portMappings)) {
        copy.portMappings = (copy.portMappings as Json[]).map((mapping) => {
          const port: Json = { ...mapping };
          if (port.protocol === 'tcp') delete port.protocol;
          if ((awsvpc && port.hostPort === port.containerPort) || port.hostPort === 0) delete port.hostPort;
          return port;
        });
      }
      return copy;
    });
  }
  if (Array.isArray(registerable.requiresCompatibilities)) {
    registerable.requiresCompatibilities = [...(registerable.requiresCompatibilities as string[])].sort();
  }
  return canonical(registerable) as Json;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical).filter((item) => item !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (isObject(value)) {
    const out: Json = {};
    for (const key of Object.keys(value).sort()) {
      const item = canonical(value[key]);
      if (item !== undefined) out[key] = item;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value === null ? undefined : value;
}

export function sameTaskDefinition(a: Json, b: Json): boolean {
  return JSON.stringify(normalizeTaskDefinition(a)) === JSON.stringify(normalizeTaskDefinition(b));
}

/** Each container's image, by name, for the "image change per container" table. */
export function imagesByContainer(definition: Json | undefined): Map<string, string> {
  const images = new Map<string, string>();
  for (const container of (definition?.containerDefinitions as Json[] | undefined) ?? []) {
    images.set(String(container.name), String(container.image));
  }
  return images;
}
