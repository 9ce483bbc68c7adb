import { InputError } from '@shipyard/shared/errors';
import { shown } from '@shipyard/shared/text';

/**
 * Task definition files written for aws-actions/amazon-ecs-deploy-task-definition work here too.
 *
 * That action drops every empty value from the file before it registers it: `null`, `""`, and a
 * list or object that holds nothing else than empty values, at any depth, except under the keys
 * its `keep-null-value-keys` input names. An environment variable left without a value by that
 * gets `""` back (ECS takes a variable with an empty value). `dropEmptyValues` does the same, and
 * says which paths it dropped. One difference, on purpose: a kept key keeps its object alive (the
 * official action drops `{"options": {"kept": ""}}` whole, because it forgets the kept keys one
 * level down).
 *
 * ECS refuses a number written as a string (`"containerPort": "80"`) or a boolean written as one
 * (`"essential": "true"`) at registration, with a SerializationException that names no field.
 * `checkFieldTypes` refuses them first, naming the field by its path. The fields are those the ECS
 * service model types as integer or boolean in RegisterTaskDefinition; the task-level `cpu` and
 * `memory` are strings there (`"256"`, `"0.5 GB"`) and a container's `cpu` and `memory` are integers.
 */

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DROPPED = Symbol('dropped');
/** The paths restoreEmptyEnvironmentValues gives back (not reported as dropped). */
const RESTORED = /^containerDefinitions\[\d+\]\.environment\[\d+\]\.value$/;

export interface Cleaned {
  definition: Json;
  /** The paths dropped, in file order (`containerDefinitions[0].command`). */
  dropped: string[];
}

/** The file's definition without its empty values, as the official action would register it. */
export function dropEmptyValues(definition: Json, keepKeys: ReadonlySet<string> = new Set()): Cleaned {
  const dropped: string[] = [];
  const clean = (value: unknown, path: string, key: string | undefined): unknown => {
    if (key !== undefined && keepKeys.has(key)) return value;
    if (value === null || value === undefined || value === '') return DROPPED;
    if (Array.isArray(value)) {
      const kept: unknown[] = [];
      value.forEach((item, index) => {
        const cleaned = clean(item, `${path}[${index}]`, undefined);
        if (cleaned === DROPPED) dropped.push(`${path}[${index}]`);
        else kept.push(cleaned);
      });
      return kept.length === 0 ? DROPPED : kept;
    }
    if (isObject(value)) {
      const kept: Json = {};
      const before = dropped.length;
      for (const [name, item] of Object.entries(value)) {
        const at = path ? `${path}.${name}` : name;
        const cleaned = clean(item, at, name);
        if (cleaned === DROPPED) dropped.push(at);
        else kept[name] = cleaned;
      }
      if (Object.keys(kept).length === 0) {
        // Report the emptied object once, not each empty value inside it.
        dropped.length = before;
        return DROPPED;
      }
      return kept;
    }
    return value;
  };
  const cleaned = clean(definition, '', undefined);
  const result = cleaned === DROPPED ? {} : (cleaned as Json);
  restoreEmptyEnvironmentValues(result);
  return { definition: result, dropped: dropped.filter((path) => !RESTORED.test(path)) };
}

/** A variable `{"name": "X", "value": ""}` loses its value above; ECS takes it with `""`, as the official action sends it. */
function restoreEmptyEnvironmentValues(definition: Json): void {
  const containers = definition.containerDefinitions;
  if (!Array.isArray(containers)) return;
  for (const container of containers) {
    if (!isObject(container) || !Array.isArray(container.environment)) continue;
    for (const variable of container.environment) {
      if (isObject(variable) && variable.name !== undefined && !('value' in variable)) variable.value = '';
    }
  }
}

type FieldType = 'integer' | 'boolean';

/**
 * Where RegisterTaskDefinition takes an integer or a boolean (botocore's ECS model, 2014-11-13),
 * as paths with `[]` for "each item of the list".
 */
export const TYPED_FIELDS: ReadonlyMap<string, FieldType> = new Map([
  ['containerDefinitions[].cpu', 'integer'],
  ['containerDefinitions[].memory', 'integer'],
  ['containerDefinitions[].memoryReservation', 'integer'],
  ['containerDefinitions[].portMappings[].containerPort', 'integer'],
  ['containerDefinitions[].portMappings[].hostPort', 'integer'],
  ['containerDefinitions[].essential', 'boolean'],
  ['containerDefinitions[].restartPolicy.enabled', 'boolean'],
  ['containerDefinitions[].restartPolicy.ignoredExitCodes[]', 'integer'],
  ['containerDefinitions[].restartPolicy.restartAttemptPeriod', 'integer'],
  ['containerDefinitions[].mountPoints[].readOnly', 'boolean'],
  ['containerDefinitions[].volumesFrom[].readOnly', 'boolean'],
  ['containerDefinitions[].linuxParameters.initProcessEnabled', 'boolean'],
  ['containerDefinitions[].linuxParameters.sharedMemorySize', 'integer'],
  ['containerDefinitions[].linuxParameters.tmpfs[].size', 'integer'],
  ['containerDefinitions[].linuxParameters.maxSwap', 'integer'],
  ['containerDefinitions[].linuxParameters.swappiness', 'integer'],
  ['containerDefinitions[].startTimeout', 'integer'],
  ['containerDefinitions[].stopTimeout', 'integer'],
  ['containerDefinitions[].disableNetworking', 'boolean'],
  ['containerDefinitions[].privileged', 'boolean'],
  ['containerDefinitions[].readonlyRootFilesystem', 'boolean'],
  ['containerDefinitions[].interactive', 'boolean'],
  ['containerDefinitions[].pseudoTerminal', 'boolean'],
  ['containerDefinitions[].ulimits[].softLimit', 'integer'],
  ['containerDefinitions[].ulimits[].hardLimit', 'integer'],
  ['containerDefinitions[].healthCheck.interval', 'integer'],
  ['containerDefinitions[].healthCheck.timeout', 'integer'],
  ['containerDefinitions[].healthCheck.retries', 'integer'],
  ['containerDefinitions[].healthCheck.startPeriod', 'integer'],
  ['volumes[].dockerVolumeConfiguration.autoprovision', 'boolean'],
  ['volumes[].efsVolumeConfiguration.transitEncryptionPort', 'integer'],
  ['volumes[].configuredAtLaunch', 'boolean'],
  ['ephemeralStorage.sizeInGiB', 'integer'],
  ['enableFaultInjection', 'boolean'],
]);

/** ECS's integers are 32-bit. */
const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);

/**
 * Every integer and boolean field of the definition holds a JSON number or boolean: one written as
 * a string is refused with its path and the fix (`"80"` → `80`), anything else of the wrong type
 * with its path. Runs before any call.
 */
export function checkFieldTypes(definition: Json, input: string): void {
  const visit = (value: unknown, pattern: string, path: string): void => {
    const type = TYPED_FIELDS.get(pattern);
    if (type !== undefined && value !== undefined && value !== null) {
      checkValue(value, type, path, input);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${pattern}[]`, `${path}[${index}]`));
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        visit(item, pattern ? `${pattern}.${key}` : key, path ? `${path}.${key}` : key);
      }
    }
  };
  visit(definition, '', '');
}

function checkValue(value: unknown, type: FieldType, path: string, input: string): void {
  if (type === 'integer') {
    if (typeof value === 'number' && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX) return;
    // A 32-bit integer written as a string; the fix quotes it, so it is one of at most 11 characters.
    if (typeof value === 'string' && /^\s*-?\d{1,10}\s*$/.test(value) && Math.abs(Number(value)) <= INT_MAX) {
      throw new InputError(
        input,
        `has the number ${path} written as a string (${shown(value, 20)}); ECS refuses it at registration`,
        `Write it without quotes: "${path.split('.').pop()}": ${value.trim()}`,
      );
    }
    throw new InputError(
      input,
      `has ${path} that is not a whole number (${typeof value === 'string' ? shown(value, 20) : typeof value})`,
      'ECS takes a whole number here',
    );
  }
  if (typeof value === 'boolean') return;
  if (typeof value === 'string' && /^\s*(true|false)\s*$/i.test(value)) {
    throw new InputError(
      input,
      `has the boolean ${path} written as a string (${shown(value, 20)}); ECS refuses it at registration`,
      `Write it without quotes: "${path.split('.').pop()}": ${value.trim().toLowerCase()}`,
    );
  }
  throw new InputError(
    input,
    `has ${path} that is not true or false (${typeof value === 'string' ? shown(value, 20) : typeof value})`,
  );
}
