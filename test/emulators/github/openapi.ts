import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * GitHub's own OpenAPI description (`@octokit/openapi`, the api.github.com flavour) as the judge of
 * every request the emulator accepts and every response it gives. The description is 13 MB, so it
 * is parsed once per process and only the operations the emulator serves are prepared; their
 * schemas are compiled the first time each is needed.
 *
 * The description is OpenAPI 3.0: `nullable: true` is rewritten to JSON Schema's `null` type once,
 * at load, because Ajv only understands `nullable` next to a `type`.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface OperationRef {
  method: string;
  /** The path template exactly as the description writes it: `/repos/{owner}/{repo}/pulls/{pull_number}`. */
  path: string;
}

export interface Problem {
  where: 'request' | 'response';
  message: string;
  /** For a request problem: the parameter or body member at fault (GitHub's `errors[].field`). */
  field?: string;
  /** For a request problem: GitHub's `errors[].code` (`missing_field` or `invalid`). */
  code?: 'missing_field' | 'invalid';
}

interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
}

interface PreparedOperation {
  operationId: string;
  /** GitHub's page for the operation (`externalDocs.url`): the `documentation_url` of its errors. */
  documentationUrl: string;
  method: string;
  path: string;
  parameters: ParameterSpec[];
  pointer: string;
  hasJsonBody: boolean;
  bodyRequired: boolean;
  responseStatuses: Set<string>;
  validators: Map<string, ValidateFunction | null>;
}

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const SCHEMA_ID = 'https://api.github.com/openapi.json';

export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly parameterAjv: Ajv;
  private readonly operations = new Map<string, PreparedOperation>();
  private readonly errorValidators = new Map<string, ValidateFunction>();
  private readonly document: JsonObject;

  constructor(document: JsonObject, served: readonly OperationRef[]) {
    this.document = document;
    const components = document.components as JsonObject;
    const paths = document.paths as Record<string, JsonObject>;
    const servedPaths: Record<string, JsonObject> = {};
    for (const { method, path } of served) {
      const item = paths[path];
      const operation = item?.[method.toLowerCase()] as JsonObject | undefined;
      if (!operation) throw new Error(`The OpenAPI description has no operation ${method} ${path}`);
      servedPaths[path] = { ...servedPaths[path], [method.toLowerCase()]: operation };
    }
    rewriteNullable(components.schemas);
    rewriteNullable(servedPaths);
    rewriteNullable(components.parameters);
    rewriteNullable(components.responses);

    // Only what the served operations can reach goes into Ajv: the component schemas, parameters
    // and responses they `$ref`, plus the served path items themselves.
    const resolvable = {
      $id: SCHEMA_ID,
      components: {
        schemas: components.schemas,
        parameters: components.parameters,
        responses: components.responses,
        headers: components.headers,
      },
      paths: servedPaths,
    };
    const options = { strict: false, allErrors: true, validateSchema: false, addUsedSchema: false } as const;
    this.ajv = new Ajv(options);
    addFormats(this.ajv);
    // GitHub fills an unset URL with an empty string where the description says `format: uri`
    // (a deployment status's `target_url`, a repository's `homepage`): accept that, and only that.
    const uri = this.ajv.formats.uri;
    if (uri) this.ajv.addFormat('uri', (value: string) => value === '' || formatAccepts(uri, value));
    this.ajv.addSchema(resolvable);
    // Query and path parameters arrive as text: this instance coerces them to the declared types.
    this.parameterAjv = new Ajv({ ...options, coerceTypes: 'array' });
    addFormats(this.parameterAjv);

    for (const { method, path } of served) {
      const lower = method.toLowerCase();
      const operation = servedPaths[path][lower] as JsonObject;
      const parameters = ((operation.parameters ?? []) as JsonObject[]).map(
        (parameter) => this.deref(parameter) as unknown as ParameterSpec,
      );
      const requestBody = operation.requestBody as JsonObject | undefined;
      const content = requestBody?.content as JsonObject | undefined;
      this.operations.set(key(method, path), {
        operationId: String(operation.operationId),
        documentationUrl: String(
          (operation.externalDocs as JsonObject | undefined)?.url ?? 'https://docs.github.com/rest',
        ),
        method: method.toUpperCase(),
        path,
        parameters,
        pointer: `${SCHEMA_ID}#/paths/${escapePointer(path)}/${lower}`,
        hasJsonBody: Boolean(content?.['application/json']),
        bodyRequired: requestBody?.required === true,
        responseStatuses: new Set(Object.keys(operation.responses as JsonObject)),
        validators: new Map(),
      });
    }
  }

  operationId(ref: OperationRef): string {
    return this.operation(ref).operationId;
  }

  documentationUrl(ref: OperationRef): string {
    return this.operation(ref).documentationUrl;
  }

  /**
   * Problems with a request: path and query parameters, and the JSON body. Each names the field at
   * fault and GitHub's code for it (`missing_field` or `invalid`), as a `validation-error` item does.
   */
  validateRequest(
    ref: OperationRef,
    request: { pathParams: Record<string, string>; query: URLSearchParams; body: unknown; rawBody: string },
  ): Problem[] {
    const operation = this.operation(ref);
    const problems: Problem[] = [];
    const add = (field: string, code: 'missing_field' | 'invalid', message: string) =>
      problems.push({ where: 'request', field, code, message });
    for (const parameter of operation.parameters) {
      if (parameter.in !== 'path' && parameter.in !== 'query') continue;
      const value =
        parameter.in === 'path' ? request.pathParams[parameter.name] : (request.query.get(parameter.name) ?? undefined);
      if (value === undefined) {
        if (parameter.required)
          add(parameter.name, 'missing_field', `${parameter.in} parameter '${parameter.name}' is required`);
        continue;
      }
      if (!parameter.schema) continue;
      const validate = this.parameterValidator(operation, parameter);
      const holder = { value: value as unknown };
      if (!validate(holder)) {
        add(
          parameter.name,
          'invalid',
          `${parameter.in} parameter '${parameter.name}'=${JSON.stringify(value)} ${describe(validate.errors)}`,
        );
      }
    }
    const declared = new Set(operation.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of new Set(request.query.keys())) {
      if (!declared.has(name))
        add(name, 'invalid', `query parameter '${name}' is not part of ${operation.operationId}`);
    }
    if (operation.hasJsonBody) {
      if (request.rawBody === '') {
        if (operation.bodyRequired) add('body', 'missing_field', 'a JSON body is required');
      } else {
        const validate = this.compile(
          operation,
          'body',
          `${operation.pointer}/requestBody/content/application~1json/schema`,
        );
        if (validate && !validate(request.body)) {
          for (const error of (validate.errors ?? []).slice(0, 5)) {
            const { field, code } = fieldOf(error);
            add(field, code, `body ${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
          }
        }
      }
    } else if (request.rawBody !== '') {
      add('body', 'invalid', `${operation.operationId} takes no body`);
    }
    return problems;
  }

  /**
   * Problems with an error the emulator answers before it knows the operation (a path it does not
   * serve, JSON it cannot parse): GitHub's `basic-error` (or `validation-error` for a 422).
   */
  validateError(status: number, body: unknown): Problem[] {
    const shape = status === 422 ? 'validation-error' : 'basic-error';
    let validate = this.errorValidators.get(shape);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${SCHEMA_ID}#/components/schemas/${shape}` });
      this.errorValidators.set(shape, validate);
    }
    return validate(body) ? [] : [{ where: 'response', message: `${status} body ${describe(validate.errors)}` }];
  }

  /** Problems with a response the emulator is about to send, against the status it declares. */
  validateResponse(ref: OperationRef, status: number, body: unknown): Problem[] {
    const operation = this.operation(ref);
    const declared = String(status);
    if (!operation.responseStatuses.has(declared)) {
      // GitHub answers errors the description leaves out (401 and rate limits everywhere, 422 for an
      // unknown commit); their bodies still have GitHub's error shapes. A success must be declared.
      if (status < 400) {
        return [{ where: 'response', message: `status ${status} is not declared for ${operation.operationId}` }];
      }
      const shape = status === 422 ? 'validation-error' : 'basic-error';
      const validate = this.compile(operation, `error ${shape}`, `${SCHEMA_ID}#/components/schemas/${shape}`);
      if (validate && !validate(body))
        return [{ where: 'response', message: `${status} body ${describe(validate.errors)}` }];
      return [];
    }
    const raw = (this.pathOperation(operation).responses as JsonObject)[declared] as JsonObject;
    const response = this.deref(raw);
    const content = response.content as JsonObject | undefined;
    if (!content?.['application/json']) {
      return body === undefined
        ? []
        : [{ where: 'response', message: `status ${status} of ${operation.operationId} has no body` }];
    }
    const pointer = responsePointer(operation, raw, declared);
    const validate = this.compile(operation, `response ${status}`, pointer);
    if (validate && !validate(body)) {
      return [{ where: 'response', message: `${status} body ${describe(validate.errors)}` }];
    }
    return [];
  }

  private operation(ref: OperationRef): PreparedOperation {
    const operation = this.operations.get(key(ref.method, ref.path));
    if (!operation) throw new Error(`${ref.method} ${ref.path} was not prepared for validation`);
    return operation;
  }

  private pathOperation(operation: PreparedOperation): JsonObject {
    const paths = this.document.paths as Record<string, JsonObject>;
    return paths[operation.path][operation.method.toLowerCase()] as JsonObject;
  }

  private compile(operation: PreparedOperation, name: string, pointer: string): ValidateFunction | null {
    if (!operation.validators.has(name)) {
      operation.validators.set(name, this.ajv.compile({ $ref: pointer }));
    }
    return operation.validators.get(name) ?? null;
  }

  private parameterValidator(operation: PreparedOperation, parameter: ParameterSpec): ValidateFunction {
    const name = `${parameter.in}:${parameter.name}`;
    let validate = operation.validators.get(name);
    if (!validate) {
      validate = this.parameterAjv.compile({
        type: 'object',
        properties: { value: parameter.schema as object },
      });
      operation.validators.set(name, validate);
    }
    return validate;
  }

  /** Follow a local `$ref` (`#/components/parameters/owner`) to the object it names. */
  private deref(node: JsonObject): JsonObject {
    let current = node;
    for (let depth = 0; typeof current.$ref === 'string' && depth < 10; depth += 1) {
      const target = current.$ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<Json>(
          (value, segment) => (value as JsonObject)[segment.replace(/~1/g, '/').replace(/~0/g, '~')],
          this.document,
        );
      current = target as JsonObject;
    }
    return current;
  }
}

function responsePointer(operation: PreparedOperation, raw: JsonObject, status: string): string {
  // A response given as `$ref: '#/components/responses/not_found'` is validated through that ref:
  // a JSON pointer cannot pass through a `$ref` on its way.
  const base = typeof raw.$ref === 'string' ? `${SCHEMA_ID}${raw.$ref}` : `${operation.pointer}/responses/${status}`;
  return `${base}/content/application~1json/schema`;
}

function formatAccepts(format: unknown, value: string): boolean {
  if (format instanceof RegExp) return format.test(value);
  if (typeof format === 'function') return Boolean((format as (v: string) => boolean)(value));
  const validate = (format as { validate?: unknown } | undefined)?.validate;
  if (validate instanceof RegExp) return validate.test(value);
  if (typeof validate === 'function') return Boolean((validate as (v: string) => boolean)(value));
  return true;
}

function key(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** An Ajv error of a request body to GitHub's `field` and `code`. */
function fieldOf(error: ErrorObject): { field: string; code: 'missing_field' | 'invalid' } {
  const path = error.instancePath
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty) {
    return { field: [...path, params.missingProperty].join('.'), code: 'missing_field' };
  }
  if (error.keyword === 'additionalProperties' && params.additionalProperty) {
    return { field: [...path, params.additionalProperty].join('.'), code: 'invalid' };
  }
  return { field: path.join('.') || 'body', code: 'invalid' };
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`)
    .join('; ');
}

/** OpenAPI 3.0 `nullable: true` to JSON Schema, in place. */
export function rewriteNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteNullable(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  for (const value of Object.values(object)) rewriteNullable(value);
  if (object.nullable !== true) return;
  delete object.nullable;
  if (typeof object.type === 'string') {
    object.type = [object.type, 'null'];
    if (Array.isArray(object.enum) && !object.enum.includes(null)) object.enum.push(null);
  } else {
    const rest = { ...object };
    for (const name of Object.keys(object)) delete object[name];
    object.anyOf = [rest, { type: 'null' }];
  }
}

const loaded = new Map<string, Promise<JsonObject>>();

/** The description, read and parsed once per process however many emulators start. */
export function loadDescription(): Promise<JsonObject> {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  let promise = loaded.get(file);
  if (!promise) {
    promise = readFile(file, 'utf8').then((text) => JSON.parse(text) as JsonObject);
    loaded.set(file, promise);
  }
  return promise;
}

const validators = new Map<string, Promise<OpenApiValidator>>();

/**
 * One validator per set of served operations, shared by every emulator in the process. The parsed
 * document is mutated (nullable rewritten) only once, by the first validator built from it.
 */
export function openApiValidator(served: readonly OperationRef[]): Promise<OpenApiValidator> {
  const id = served.map((ref) => key(ref.method, ref.path)).join('|');
  let promise = validators.get(id);
  if (!promise) {
    promise = loadDescription().then((document) => new OpenApiValidator(document, served));
    validators.set(id, promise);
  }
  return promise;
}

export type { ErrorObject };
