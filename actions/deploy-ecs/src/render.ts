import { REGISTERABLE_TASK_DEFINITION_FIELDS } from '@shipyard/shared/task-definition';
import {
  checkArn,
  IAM_ROLE,
  S3_OBJECT,
  SECRET_SOURCE,
  SECRETS_MANAGER_SECRET,
  type ArnContext,
  type ArnRule,
} from '@shipyard/shared/arn';
import { InputError } from '@shipyard/shared/errors';
import { findInvisible, shown } from '@shipyard/shared/text';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Task definitions as plain JSON: reading one that came from a file or from
 * DescribeTaskDefinition, rendering the step's changes into it, and normalising it so two
 * definitions that ECS would treat alike compare equal (for `skip-unchanged` and the diff).
 */

export type Json = Record<string, unknown>;

/** Where the definition to deploy comes from: a file (read and checked with the inputs), a family's latest revision, or one revision. */
export type TaskDefinitionSource =
  | { kind: 'file'; path: string; definition: Json; tags?: Json[] }
  | { kind: 'family'; family: string }
  | { kind: 'arn'; arn: string };

/** The step's changes to the definition. */
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

/** A revision as ECS holds it. */
export interface RegisteredTaskDefinition {
  arn: string;
  family: string;
  revision: number;
  definition: Json;
}

/** What RegisterTaskDefinition accepts at the top level. */
const REGISTER_FIELDS: ReadonlySet<string> = new Set([...REGISTERABLE_TASK_DEFINITION_FIELDS, 'tags']);

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

/** The revision number at the end of a task definition ARN (`…/web:12` is 12). */
export function revisionOf(arn: string): number {
  return Number(/:(\d+)$/.exec(arn)?.[1] ?? 0);
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
        `has an unknown task definition field ${shown(key, 40)}`,
        'Check its spelling against RegisterTaskDefinition',
      );
    }
  }
  const family = definition.family;
  if (typeof family !== 'string' || !FAMILY_PATTERN.test(family)) {
    throw new InputError(
      input,
      family === undefined ? 'has no family' : `has an invalid family ${shown(String(family))}`,
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
          `has an unknown field ${shown(key, 40)} in container ${shown(container.name, 40)}`,
          'Check its spelling against ContainerDefinition',
        );
      }
    }
  }
}

/**
 * A container image reference as Docker and ECS read it: `[registry[:port]/]path[:tag][@digest]`,
 * lower-case path components, a tag of up to 128 word characters, dots and dashes.
 */
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function isImageReference(value: string): boolean {
  return value.length <= 255 && IMAGE_REFERENCE.test(value);
}

/** ECS's limit on a task definition: "The maximum size of a task definition is 64 KiB." */
export const TASK_DEFINITION_BYTES = 64 * 1024;

/** A rendered definition over ECS's limit would only be refused by RegisterTaskDefinition: refuse it first. */
export function checkDefinitionSize(definition: Json, input: string): void {
  const size = Buffer.byteLength(JSON.stringify(definition), 'utf8');
  if (size > TASK_DEFINITION_BYTES) {
    throw new InputError(
      input,
      `renders to a task definition of ${size} bytes, over ECS's limit of ${TASK_DEFINITION_BYTES} bytes (64 KiB)`,
      'Move large values (certificates, configuration) to Secrets Manager, SSM or S3 and reference them',
    );
  }
}

const CONTAINER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
/** Environment and secret names: what Docker can pass (no `=`, no blank, no NUL), at most 255 characters. */
const VARIABLE_NAME = /^[^=\s]{1,255}$/;
const TAG_KEY_BYTES = 128;
const TAG_VALUE_BYTES = 256;
const TAGS_MAX = 50;

/**
 * Everything a task definition file brings that the input readers never saw, held to what ECS and
 * Docker accept, before any call: no control or bidirectional character anywhere (a value may span
 * lines; a name, key, image or label may not), container names and images in ECS's and Docker's
 * form, environment and secret names, tags within ECS's limits, and every ARN (roles, secrets,
 * registry credentials, environment files) parsed and in the configured region and account. Errors
 * name the field by its path and never quote a value whole.
 */
export function checkDefinitionContent(definition: Json, input: string, arnContext: ArnContext): void {
  refuseInvisibleStrings(definition, input, '');
  const fail = (path: string, problem: string, fix?: string): never => {
    throw new InputError(input, `${problem} at ${path}`, fix);
  };
  const oneLine = (value: unknown, path: string): string => {
    if (typeof value !== 'string') return fail(path, `has a ${value === null ? 'null' : typeof value}, not a string,`);
    const found = findInvisible(value, { singleLine: true });
    if (found) fail(path, `has ${found.description} at character ${found.position}`, 'Names and keys are one line');
    return value;
  };
  const arn = (value: unknown, path: string, rule: ArnRule) =>
    checkArn(input, oneLine(value, path), rule, arnContext, path);

  for (const key of ['taskRoleArn', 'executionRoleArn'] as const) {
    if (definition[key] !== undefined) arn(definition[key], key, IAM_ROLE);
  }
  checkTags(definition.tags, 'tags', fail, oneLine);

  for (const [index, container] of (definition.containerDefinitions as Json[]).entries()) {
    const at = `containerDefinitions[${index}]`;
    const name = oneLine(container.name, `${at}.name`);
    if (!CONTAINER_NAME.test(name)) {
      fail(
        `${at}.name`,
        `has a container name ECS refuses (${shown(name, 40)})`,
        'Up to 255 letters, digits, hyphens and underscores',
      );
    }
    const image = oneLine(container.image, `${at}.image`);
    if (!isImageReference(image)) {
      fail(
        `${at}.image`,
        `has an image that is not a valid reference (${shown(image)})`,
        'Expected [registry/]repository[:tag][@sha256:digest]',
      );
    }
    for (const [i, variable] of list(container.environment, `${at}.environment`, fail).entries()) {
      const path = `${at}.environment[${i}]`;
      if (!VARIABLE_NAME.test(oneLine(variable.name, `${path}.name`))) {
        fail(`${path}.name`, 'has an environment variable name that is empty, too long or holds = or a blank');
      }
      if (typeof variable.value !== 'string') fail(`${path}.value`, 'has an environment value that is not a string');
    }
    for (const [i, secret] of list(container.secrets, `${at}.secrets`, fail).entries()) {
      const path = `${at}.secrets[${i}]`;
      if (!VARIABLE_NAME.test(oneLine(secret.name, `${path}.name`))) {
        fail(`${path}.name`, 'has a secret name that is empty, too long or holds = or a blank');
      }
      secretSource(secret.valueFrom, `${path}.valueFrom`);
    }
    for (const [i, file] of list(container.environmentFiles, `${at}.environmentFiles`, fail).entries()) {
      arn(file.value, `${at}.environmentFiles[${i}].value`, S3_OBJECT);
    }
    if (isObject(container.repositoryCredentials)) {
      arn(
        container.repositoryCredentials.credentialsParameter,
        `${at}.repositoryCredentials.credentialsParameter`,
        SECRETS_MANAGER_SECRET,
      );
    }
    if (isObject(container.dockerLabels)) {
      for (const [key, value] of Object.entries(container.dockerLabels)) {
        oneLine(key, `${at}.dockerLabels (a key)`);
        if (typeof value !== 'string') fail(`${at}.dockerLabels`, 'has a label whose value is not a string');
      }
    }
    const log = container.logConfiguration;
    if (isObject(log)) {
      if (isObject(log.options)) {
        for (const [key, value] of Object.entries(log.options)) {
          oneLine(key, `${at}.logConfiguration.options (a key)`);
          if (typeof value !== 'string')
            fail(`${at}.logConfiguration.options`, 'has an option whose value is not a string');
        }
      }
      for (const [i, secret] of list(log.secretOptions, `${at}.logConfiguration.secretOptions`, fail).entries()) {
        secretSource(secret.valueFrom, `${at}.logConfiguration.secretOptions[${i}].valueFrom`);
      }
    }
  }

  function secretSource(value: unknown, path: string): void {
    const text = oneLine(value, path);
    if (text.startsWith('arn:')) checkArn(input, text, SECRET_SOURCE, arnContext, path);
    else if (!/^[a-zA-Z0-9_.\-/]{1,2048}$/.test(text)) {
      fail(path, 'has a valueFrom that is neither a Secrets Manager or SSM ARN nor an SSM parameter name (not shown)');
    }
  }
}

function list(value: unknown, path: string, fail: (path: string, problem: string) => never): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isObject)) return fail(path, 'is not a list of objects');
  return value;
}

function checkTags(
  value: unknown,
  path: string,
  fail: (path: string, problem: string, fix?: string) => never,
  oneLine: (value: unknown, path: string) => string,
): void {
  const tags = list(value, path, fail);
  if (tags.length > TAGS_MAX) fail(path, `has ${tags.length} tags; ECS takes at most ${TAGS_MAX}`);
  for (const [i, tag] of tags.entries()) {
    const key = oneLine(tag.key, `${path}[${i}].key`);
    const text = tag.value === undefined ? '' : oneLine(tag.value, `${path}[${i}].value`);
    if (key === '' || Buffer.byteLength(key) > TAG_KEY_BYTES)
      fail(`${path}[${i}].key`, `has a tag key that is empty or over ${TAG_KEY_BYTES} bytes`);
    if (Buffer.byteLength(text) > TAG_VALUE_BYTES)
      fail(`${path}[${i}].value`, `has a tag value over ${TAG_VALUE_BYTES} bytes`);
    if (/^aws:/i.test(key)) fail(`${path}[${i}].key`, "has a tag key starting with 'aws:', which AWS reserves");
  }
}

/** Every string anywhere in the definition (keys included): no control or bidirectional character. */
function refuseInvisibleStrings(value: unknown, input: string, path: string): void {
  const check = (text: string, where: string) => {
    const found = findInvisible(text);
    if (found) {
      throw new InputError(
        input,
        `has ${found.description} at character ${found.position} of ${where || 'the definition'}`,
        'Remove it; such characters change how a value reads without being seen',
      );
    }
  };
  if (typeof value === 'string') return check(value, path);
  if (Array.isArray(value)) {
    value.forEach((item, index) => refuseInvisibleStrings(item, input, `${path}[${index}]`));
    return;
  }
  if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      check(key, `a key in ${path || 'the definition'}`);
      refuseInvisibleStrings(item, input, path ? `${path}.${key}` : key);
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

/** The input names the overrides came from, for errors that point at them (inputs.ts's INPUT has them all). */
export interface OverrideInputNames {
  containerName: string;
  images: string;
  environmentVariables: string;
  secrets: string;
}

/**
 * The containers the overrides name must exist in the definition; checked for a file up front and,
 * for a family or ARN, as soon as the definition is read (still before anything changes).
 */
export function checkOverridesAgainst(
  definition: Json,
  overrides: Overrides,
  origin: string,
  names: OverrideInputNames,
): void {
  const containers = containerNames(definition);
  const listed = containers.slice(0, 10).map((n) => shown(n, 40));
  const known = `${listed.join(', ')}${containers.length > 10 ? ` and ${containers.length - 10} more` : ''}`;
  for (const container of overrides.images.keys()) {
    if (!containers.includes(container)) {
      const input =
        overrides.targetContainer === container && overrides.images.size === 1 ? names.containerName : names.images;
      throw new InputError(
        input,
        `names container ${shown(container)}, which is not in the task definition (${origin})`,
        `Its containers are ${known}`,
      );
    }
  }
  if (overrides.targetContainer !== undefined && !containers.includes(overrides.targetContainer)) {
    throw new InputError(
      names.containerName,
      `names container ${shown(overrides.targetContainer)}, which is not in the task definition (${origin})`,
      `Its containers are ${known}`,
    );
  }
  if (
    (overrides.environment.size > 0 || overrides.secrets.size > 0) &&
    overrides.targetContainer === undefined &&
    containers.length > 1
  ) {
    throw new InputError(
      overrides.environment.size > 0 ? names.environmentVariables : names.secrets,
      `cannot tell which of ${containers.length} containers to change`,
      "Set 'container-name' to the container that gets them",
    );
  }
}

export interface RenderedTaskDefinition {
  definition: Json;
  /** The file it was written to (the `task-definition` output). */
  path: string;
  family: string;
  /** The registered revision it was rendered from (task-definition-arn or -family), if any. */
  source?: RegisteredTaskDefinition;
}

export interface RenderToFileOptions {
  source: TaskDefinitionSource;
  overrides: Overrides;
  /** The input names errors point at (inputs.ts's INPUT has them all). */
  names: OverrideInputNames & { taskDefinitionFamily: string; taskDefinitionArn: string };
  region: string;
  /** A revision by ARN or `family:revision`, or a family's latest ACTIVE one (Ecs.findTaskDefinition). */
  find: (reference: string) => Promise<RegisteredTaskDefinition | undefined>;
  /** Where the file's own folder is made (RUNNER_TEMP on a runner). */
  tempRoot: string;
  log: { info: (text: string) => void; notice: (text: string) => void };
}

/**
 * The render step: the base definition (the file's, or the revision a family or ARN names, read
 * from ECS), made registerable, the overrides applied and checked, written to a file of its own.
 */
export async function renderToFile(options: RenderToFileOptions): Promise<RenderedTaskDefinition> {
  const { source, overrides, names, log } = options;
  let base: Json;
  let origin: string;
  let sourceRevision: RegisteredTaskDefinition | undefined;
  if (source.kind === 'file') {
    base = source.tags ? { ...source.definition, tags: source.tags } : source.definition;
    origin = source.path;
  } else {
    const reference = source.kind === 'family' ? source.family : source.arn;
    const input = source.kind === 'family' ? names.taskDefinitionFamily : names.taskDefinitionArn;
    const found = await options.find(reference);
    if (!found) {
      throw new InputError(
        input,
        `names no ${source.kind === 'family' ? 'ACTIVE ' : ''}task definition in ${options.region}: ${shown(reference)}`,
      );
    }
    base = found.definition;
    origin = found.arn;
    sourceRevision = found;
    log.info(`Starting from ${found.arn}`);
  }
  const { definition, dropped } = toRegisterable(base);
  if (dropped.length > 0) {
    log.notice(
      `Dropped fields that DescribeTaskDefinition returns but RegisterTaskDefinition refuses: ${dropped.join(', ')}`,
    );
  }
  checkOverridesAgainst(definition, overrides, origin, names);
  const rendered = renderTaskDefinition(definition, overrides);
  // A file's rendering was checked whole with the inputs; one read from ECS is checked here, still before any change.
  if (source.kind !== 'file') {
    checkDefinitionSize(rendered, source.kind === 'family' ? names.taskDefinitionFamily : names.taskDefinitionArn);
  }
  const family = String(rendered.family);
  const folder = mkdtempSync(join(options.tempRoot, 'deploy-ecs-'));
  const path = join(folder, `task-definition-${family}.json`);
  writeFileSync(path, `${JSON.stringify(rendered, null, 2)}\n`);
  log.info(`Rendered ${family} to ${path}`);
  return { definition: rendered, path, family, source: sourceRevision };
}
