import { join } from 'node:path';
import {
  checkShape,
  locateBotocore,
  operationModels,
  readServiceFile,
  type ServiceModel,
  type Shape,
  type Violation,
} from './index.js';

/**
 * AWS's model of a query-protocol service (Elastic Load Balancing v2), read from the same botocore
 * data as ECS's and ECR's (the same search, `locateBotocore`, and the same SHIPYARD_BOTOCORE_DATA
 * override), and the query protocol as the model describes it:
 *
 * - a request is `application/x-www-form-urlencoded`: `Action`, `Version`, and every member as a
 *   flat name: `Conditions.member.1.HostHeaderConfig.Values.member.1=pr-1.example.com` (lists as
 *   `.member.N` from 1, maps as `.entry.N.key`/`.value`; an empty list as the bare name with no value);
 * - an answer is XML: `<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata><RequestId>`,
 *   a list as `<Name><member>…</member></Name>`, a timestamp as ISO 8601;
 * - an error is `<ErrorResponse><Error><Type>Sender</Type><Code>PriorityInUse</Code>…`: the code is
 *   the error shape's `error.code`, not its shape name.
 *
 * The parsed request and the answer (before it is written as XML) are judged by `checkShape`, the
 * same judge as the JSON services': member names, types, required members, enums, lengths, patterns.
 */

export interface QueryServiceModel extends Omit<ServiceModel, 'service'> {
  service: string;
  xmlNamespace: string;
  /** The error code each error shape answers with (`PriorityInUseException` to `PriorityInUse`). */
  errorCodes: ReadonlyMap<string, string>;
  /** The `resultWrapper` of each operation's output. */
  resultWrappers: ReadonlyMap<string, string>;
}

interface RawQueryModel {
  metadata: { apiVersion: string; protocol: string; xmlNamespace: string };
  operations: Record<
    string,
    { input?: { shape: string }; output?: { shape: string; resultWrapper?: string }; errors?: { shape: string }[] }
  >;
  shapes: Record<string, Shape & { error?: { code?: string } }>;
}

const loaded = new Map<string, QueryServiceModel>();

export function queryServiceModel(service: string, apiVersion: string): QueryServiceModel {
  const key = `${service}/${apiVersion}`;
  const cached = loaded.get(key);
  if (cached) return cached;
  const { dataDir, version } = locateBotocore();
  const dir = join(dataDir, service, apiVersion);
  const raw = JSON.parse(readServiceFile(dir)) as RawQueryModel;
  if (raw.metadata.protocol !== 'query') throw new Error(`${service} is not a query-protocol service`);
  const operations = operationModels(raw.operations);
  const resultWrappers = new Map<string, string>();
  for (const [name, operation] of Object.entries(raw.operations)) {
    if (operation.output?.resultWrapper) resultWrappers.set(name, operation.output.resultWrapper);
  }
  const errorCodes = new Map<string, string>();
  for (const [name, shape] of Object.entries(raw.shapes)) {
    if (shape.error?.code) errorCodes.set(name, shape.error.code);
  }
  const model: QueryServiceModel = {
    service,
    apiVersion: raw.metadata.apiVersion,
    targetPrefix: '',
    source: dir,
    botocoreVersion: version,
    operations,
    shapes: raw.shapes,
    xmlNamespace: raw.metadata.xmlNamespace,
    errorCodes,
    resultWrappers,
  };
  loaded.set(key, model);
  return model;
}

/** `checkShape` for a query model (it reads only `shapes` and, in messages, `service`). */
export function checkQueryShape(
  model: QueryServiceModel,
  shape: string,
  value: unknown,
  direction: 'request' | 'response',
): Violation[] {
  return checkShape(model as unknown as ServiceModel, shape, value, direction);
}

export interface ParsedQuery {
  value: Record<string, unknown>;
  /** Parameters no member of the input shape reads (what AWS answers with a validation error). */
  unknown: string[];
  /** A number or boolean that does not parse. */
  malformed: string[];
}

/** The request parameters (without Action and Version) read into the input shape's structure. */
export function parseQuery(model: QueryServiceModel, shapeName: string, params: URLSearchParams): ParsedQuery {
  const flat = new Map<string, string>();
  for (const [key, value] of params) if (key !== 'Action' && key !== 'Version') flat.set(key, value);
  const used = new Set<string>();
  const malformed: string[] = [];

  const hasPrefix = (prefix: string) => [...flat.keys()].some((key) => key === prefix || key.startsWith(`${prefix}.`));

  function read(name: string, prefix: string): unknown {
    const shape = model.shapes[name];
    switch (shape.type) {
      case 'structure': {
        const out: Record<string, unknown> = {};
        for (const [member, ref] of Object.entries(shape.members ?? {})) {
          const path = prefix ? `${prefix}.${member}` : member;
          if (!hasPrefix(path)) continue;
          const value = read(ref.shape, path);
          if (value !== undefined) out[member] = value;
        }
        return out;
      }
      case 'list': {
        if (flat.get(prefix) === '') {
          used.add(prefix);
          return [];
        }
        const items: unknown[] = [];
        for (let index = 1; hasPrefix(`${prefix}.member.${index}`); index += 1) {
          items.push(read(shape.member!.shape, `${prefix}.member.${index}`));
        }
        return items.length > 0 ? items : undefined;
      }
      case 'map': {
        const out: Record<string, unknown> = {};
        for (let index = 1; hasPrefix(`${prefix}.entry.${index}`); index += 1) {
          const key = read(shape.key!.shape, `${prefix}.entry.${index}.key`);
          out[String(key)] = read(shape.value!.shape, `${prefix}.entry.${index}.value`);
        }
        return out;
      }
      default: {
        const text = flat.get(prefix);
        if (text === undefined) return undefined;
        used.add(prefix);
        if (shape.type === 'integer' || shape.type === 'long' || shape.type === 'double' || shape.type === 'float') {
          const number = Number(text);
          if (text.trim() === '' || !Number.isFinite(number)) malformed.push(prefix);
          return Number.isFinite(number) ? number : text;
        }
        if (shape.type === 'boolean') {
          if (text !== 'true' && text !== 'false') malformed.push(prefix);
          return text === 'true';
        }
        return text;
      }
    }
  }

  const value = read(shapeName, '') as Record<string, unknown>;
  const unknown = [...flat.keys()].filter((key) => !used.has(key));
  return { value, unknown, malformed };
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** A value of the output shape written as the query protocol's XML (members only, no wrapper). */
export function toXml(model: QueryServiceModel, shapeName: string, value: unknown): string {
  const shape = model.shapes[shapeName];
  switch (shape.type) {
    case 'structure': {
      const record = value as Record<string, unknown>;
      return Object.entries(shape.members ?? {})
        .filter(([member]) => record[member] !== undefined && record[member] !== null)
        .map(([member, ref]) => `<${member}>${toXml(model, ref.shape, record[member])}</${member}>`)
        .join('');
    }
    case 'list':
      return (value as unknown[]).map((item) => `<member>${toXml(model, shape.member!.shape, item)}</member>`).join('');
    case 'map':
      return Object.entries(value as Record<string, unknown>)
        .map(
          ([key, item]) =>
            `<entry><key>${escapeXml(key)}</key><value>${toXml(model, shape.value!.shape, item)}</value></entry>`,
        )
        .join('');
    case 'timestamp':
      return new Date(typeof value === 'number' ? value * 1000 : String(value)).toISOString();
    default:
      return escapeXml(String(value));
  }
}

export function responseXml(model: QueryServiceModel, operation: string, result: unknown, requestId: string): string {
  const output = model.operations.get(operation)?.output;
  const wrapper = model.resultWrappers.get(operation) ?? `${operation}Result`;
  const body = output ? toXml(model, output, result ?? {}) : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${model.xmlNamespace}">` +
    `<${wrapper}>${body}</${wrapper}>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

export function errorXml(model: QueryServiceModel, code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${model.xmlNamespace}">` +
    `<Error><Type>Sender</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
