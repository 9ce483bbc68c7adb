import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * AWS's own model of ECS, ECR and CloudWatch Logs as the judge of the emulator: botocore's `service-2.json` (the
 * data the AWS CLI v1 and boto3 are generated from), read once per process. Every request the
 * emulator accepts and every response it gives is checked against the operation's input and
 * output shapes: member names, JSON types, required members, enum values, and the `min`/`max`
 * (length of strings, lists and maps; value of numbers) and `pattern` constraints the model gives.
 *
 * Where the data comes from, first found wins:
 * 1. `SHIPYARD_BOTOCORE_DATA` (a botocore `data` folder), set for child processes once resolved;
 * 2. the botocore that `python3` imports (the AWS CLI v1's own, pip);
 * 3. Debian's `python3-botocore` (`/usr/lib/python3/dist-packages/botocore/data`), or the botocore
 *    inside Debian's `awscli` (v2), which .ci/run installs when there is no `aws` at all.
 * The npm packages do not carry the constraints: `@aws-sdk/client-ecs`'s schemas have no enums,
 * lengths or patterns, and `aws-sdk` v2's `apis/*.min.json` keep only member names and types.
 */

export type ServiceName = 'ecs' | 'ecr' | 'logs';

interface ShapeRef {
  shape: string;
}

export interface Shape {
  type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'double'
    | 'float'
    | 'boolean'
    | 'timestamp'
    | 'blob';
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  document?: boolean;
  exception?: boolean;
}

export interface OperationModel {
  name: string;
  input?: string;
  output?: string;
  errors: ReadonlySet<string>;
}

export interface ServiceModel {
  service: ServiceName;
  apiVersion: string;
  targetPrefix: string;
  /** Where the model was read from and botocore's version, for messages and the README. */
  source: string;
  botocoreVersion: string;
  operations: ReadonlyMap<string, OperationModel>;
  shapes: Readonly<Record<string, Shape>>;
}

const API_VERSIONS: Record<ServiceName, string> = { ecs: '2014-11-13', ecr: '2015-09-21', logs: '2014-03-28' };
/** Debian's python3-botocore, and the botocore that Debian's awscli (v2) carries inside it. */
const DEBIAN_BOTOCORE = ['/usr/lib/python3/dist-packages/botocore', '/usr/lib/python3/dist-packages/awscli/botocore'];

interface BotocoreLocation {
  dataDir: string;
  version: string;
}

let location: BotocoreLocation | undefined;
const models = new Map<ServiceName, ServiceModel>();

export function locateBotocore(): BotocoreLocation {
  if (location) return location;
  const fromEnv = process.env.SHIPYARD_BOTOCORE_DATA;
  if (fromEnv && existsSync(fromEnv)) {
    location = { dataDir: fromEnv, version: process.env.SHIPYARD_BOTOCORE_VERSION ?? 'unknown' };
    return location;
  }
  const candidates: BotocoreLocation[] = [];
  try {
    const [dir, version] = execFileSync(
      'python3',
      ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__)); print(botocore.__version__)'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 },
    )
      .trim()
      .split('\n');
    if (dir && version) candidates.push({ dataDir: join(dir, 'data'), version });
  } catch {
    // no python3, or no botocore for it: try Debian's package below
  }
  for (const debian of DEBIAN_BOTOCORE) {
    if (!existsSync(join(debian, 'data'))) continue;
    const init = readFileSync(join(debian, '__init__.py'), 'utf8');
    candidates.push({
      dataDir: join(debian, 'data'),
      version: /__version__ = '([^']+)'/.exec(init)?.[1] ?? 'unknown',
    });
  }
  const found = candidates.find((candidate) => existsSync(join(candidate.dataDir, 'ecs')));
  if (!found) {
    throw new Error(
      'the AWS emulator checks every call against botocore\'s service models, and none was found: install the AWS CLI v1 (pip install awscli), Debian\'s awscli or python3-botocore (apt-get install), or set SHIPYARD_BOTOCORE_DATA to a botocore "data" folder',
    );
  }
  location = found;
  // Worker processes and spawned emulators inherit it and skip the python3 probe.
  process.env.SHIPYARD_BOTOCORE_DATA = found.dataDir;
  process.env.SHIPYARD_BOTOCORE_VERSION = found.version;
  return found;
}

/** A botocore `service-2.json` in `dir`, plain or gzipped (as the AWS CLI v1 ships it). */
export function readServiceFile(dir: string): string {
  const plain = join(dir, 'service-2.json');
  if (existsSync(plain)) return readFileSync(plain, 'utf8');
  return gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
}

interface RawModel {
  metadata: { apiVersion: string; targetPrefix: string };
  operations: Record<string, { input?: ShapeRef; output?: ShapeRef; errors?: ShapeRef[] }>;
  shapes: Record<string, Shape & { documentation?: string }>;
}

/** Each operation's input, output and error shapes, as a model file's `operations` name them. */
export function operationModels(
  raw: Record<string, { input?: ShapeRef; output?: ShapeRef; errors?: ShapeRef[] }>,
): Map<string, OperationModel> {
  const operations = new Map<string, OperationModel>();
  for (const [name, operation] of Object.entries(raw)) {
    operations.set(name, {
      name,
      input: operation.input?.shape,
      output: operation.output?.shape,
      errors: new Set((operation.errors ?? []).map((error) => error.shape)),
    });
  }
  return operations;
}

/** The model of one service, parsed once per process. */
export function serviceModel(service: ServiceName): ServiceModel {
  const cached = models.get(service);
  if (cached) return cached;
  const { dataDir, version } = locateBotocore();
  const dir = join(dataDir, service, API_VERSIONS[service]);
  const raw = JSON.parse(readServiceFile(dir)) as RawModel;
  const operations = operationModels(raw.operations);
  const model: ServiceModel = {
    service,
    apiVersion: raw.metadata.apiVersion,
    targetPrefix: raw.metadata.targetPrefix,
    source: dir,
    botocoreVersion: version,
    operations,
    shapes: raw.shapes,
  };
  models.set(service, model);
  return model;
}

export type ViolationKind = 'unknown-member' | 'type' | 'required' | 'enum' | 'length' | 'range' | 'pattern';

export interface Violation {
  kind: ViolationKind;
  /** Where in the document: `containerDefinitions[0].portMappings[0].protocol`. */
  path: string;
  /** The shape the value was checked against. */
  shape: string;
  message: string;
}

const patterns = new Map<string, RegExp | null>();

function compiledPattern(pattern: string): RegExp | null {
  if (!patterns.has(pattern)) {
    try {
      // Smithy patterns are ECMAScript regular expressions and are not implicitly anchored.
      patterns.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      patterns.set(pattern, null);
    }
  }
  return patterns.get(pattern) ?? null;
}

/** The JSON token a value starts with, named as AWS's JSON deserialiser names it in its messages. */
function token(value: unknown): string {
  if (typeof value === 'string') return 'STRING_VALUE';
  if (typeof value === 'number') return 'NUMBER_VALUE';
  if (typeof value === 'boolean') return value ? 'TRUE_VALUE' : 'FALSE_VALUE';
  if (Array.isArray(value)) return 'START_ARRAY';
  return 'START_OBJECT';
}

const JAVA_TYPE: Record<string, string> = {
  string: 'String',
  integer: 'Integer',
  long: 'Long',
  double: 'Double',
  float: 'Float',
  boolean: 'Boolean',
  timestamp: 'Date',
  blob: 'ByteBuffer',
};

function typeMismatch(shape: Shape, value: unknown): string {
  if (shape.type === 'structure' || shape.type === 'map') {
    return Array.isArray(value)
      ? 'Start of list found where not expected'
      : `${token(value)} can not be converted to a structure or map`;
  }
  if (shape.type === 'list') return `${token(value)} can not be converted to a list`;
  if (Array.isArray(value)) return 'Start of list found where not expected';
  if (typeof value === 'object') return 'Start of structure or map found where not expected.';
  return `${token(value)} cannot be converted to ${JAVA_TYPE[shape.type] ?? shape.type}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isInteger = (value: unknown) => typeof value === 'number' && Number.isInteger(value);
const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

/**
 * Check a JSON value against a shape of the model; every violation is returned, in document
 * order. `null` counts as absent, as AWS's JSON protocol treats it. Timestamps are epoch seconds
 * (JSON 1.1); a request may also give them as strings, which the services parse.
 */
export function checkShape(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  direction: 'request' | 'response',
  path = '',
): Violation[] {
  const violations: Violation[] = [];
  visit(shapeName, value, path);
  return violations;

  function add(kind: ViolationKind, at: string, shape: string, message: string) {
    violations.push({ kind, path: at, shape, message });
  }

  function visit(name: string, current: unknown, at: string): void {
    const shape = model.shapes[name];
    if (!shape) {
      add('type', at, name, `shape ${name} is not in the ${model.service} model`);
      return;
    }
    if (shape.document) return;
    const where = at || '(top level)';
    switch (shape.type) {
      case 'structure': {
        if (!isObject(current)) return add('type', where, name, typeMismatch(shape, current));
        const members = shape.members ?? {};
        for (const [key, member] of Object.entries(current)) {
          const memberPath = at ? `${at}.${key}` : key;
          if (!(key in members)) {
            add(
              'unknown-member',
              memberPath,
              name,
              `Unrecognized field "${key}" in ${name}: not one of the known properties`,
            );
            continue;
          }
          if (member === null || member === undefined) continue;
          visit(members[key].shape, member, memberPath);
        }
        for (const required of shape.required ?? []) {
          if (current[required] === undefined || current[required] === null) {
            add(
              'required',
              at ? `${at}.${required}` : required,
              name,
              `'${required}' is required in ${name} but was not given`,
            );
          }
        }
        return;
      }
      case 'list': {
        if (!Array.isArray(current)) return add('type', where, name, typeMismatch(shape, current));
        checkSize(shape, name, current.length, where, 'length');
        current.forEach((item, index) => {
          if (item === null) return add('type', `${at}[${index}]`, name, 'null can not be an item of a list');
          visit(shape.member!.shape, item, `${at}[${index}]`);
        });
        return;
      }
      case 'map': {
        if (!isObject(current)) return add('type', where, name, typeMismatch(shape, current));
        const entries = Object.entries(current);
        checkSize(shape, name, entries.length, where, 'length');
        for (const [key, item] of entries) {
          visit(shape.key!.shape, key, `${at}{${key}}`);
          if (item !== null) visit(shape.value!.shape, item, `${at}.${key}`);
        }
        return;
      }
      case 'string':
      case 'blob': {
        if (typeof current !== 'string') return add('type', where, name, typeMismatch(shape, current));
        if (shape.enum && !shape.enum.includes(current)) {
          return add(
            'enum',
            where,
            name,
            `Invalid value '${current.slice(0, 80)}' for ${where}: must be one of ${shape.enum.join(', ')}.`,
          );
        }
        checkSize(shape, name, shape.type === 'blob' ? current.length : [...current].length, where, 'length');
        if (shape.pattern && shape.type === 'string') {
          const regex = compiledPattern(shape.pattern);
          if (regex && !regex.test(current)) {
            add(
              'pattern',
              where,
              name,
              `Value '${current.slice(0, 80)}' at '${where}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`,
            );
          }
        }
        return;
      }
      case 'integer':
      case 'long': {
        if (!isInteger(current)) return add('type', where, name, typeMismatch(shape, current));
        checkSize(shape, name, current as number, where, 'range');
        return;
      }
      case 'double':
      case 'float': {
        if (!isNumber(current)) return add('type', where, name, typeMismatch(shape, current));
        checkSize(shape, name, current as number, where, 'range');
        return;
      }
      case 'boolean':
        if (typeof current !== 'boolean') add('type', where, name, typeMismatch(shape, current));
        return;
      case 'timestamp':
        if (isNumber(current)) return;
        if (direction === 'request' && typeof current === 'string' && !Number.isNaN(Date.parse(current))) return;
        add('type', where, name, typeMismatch(shape, current));
        return;
      default:
        add('type', where, name, `shape type ${String(shape.type)} is not understood`);
    }
  }

  function checkSize(shape: Shape, name: string, size: number, at: string, kind: 'length' | 'range') {
    const word = kind === 'length' ? 'length ' : 'value ';
    if (shape.min !== undefined && size < shape.min) {
      add(
        kind,
        at,
        name,
        `Value at '${at}' failed to satisfy constraint: Member must have ${word}greater than or equal to ${shape.min}`,
      );
    } else if (shape.max !== undefined && size > shape.max) {
      add(
        kind,
        at,
        name,
        `Value at '${at}' failed to satisfy constraint: Member must have ${word}less than or equal to ${shape.max}`,
      );
    }
  }
}

/**
 * Errors every operation of a JSON 1.1 service can answer whatever its model lists: the protocol's
 * own (a body that does not deserialise, an unknown target), authentication and throttling.
 */
export const COMMON_ERRORS: ReadonlySet<string> = new Set([
  'SerializationException',
  'UnknownOperationException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'InvalidSignatureException',
  'UnrecognizedClientException',
  'AccessDeniedException',
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalFailure',
]);
