import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from './errors.js';

/**
 * Typed readers for action inputs. They read the variables the runner sets (`INPUT_<NAME>`, name
 * upper-cased, spaces to underscores, hyphens kept), so they behave exactly like `core.getInput`
 * without loading `@actions/core`: inputs can be validated before any heavy module is imported.
 * Every reader trims, treats an empty value as "not given", and throws an `InputError` that names
 * the input and the fix.
 */

export type Env = Record<string, string | undefined>;

export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export function readRaw(name: string, env: Env = process.env): string | undefined {
  const value = env[inputVariable(name)]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function readString(name: string, options: { required: true }, env?: Env): string;
export function readString(
  name: string,
  options?: { required?: false; fallback?: string },
  env?: Env,
): string | undefined;
export function readString(
  name: string,
  options: { required?: boolean; fallback?: string } = {},
  env: Env = process.env,
): string | undefined {
  const value = readRaw(name, env) ?? options.fallback;
  if (value === undefined && options.required)
    throw new InputError(name, 'is required', `Set '${name}' in the step's with: block`);
  return value;
}

const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];

/** YAML 1.2 core-schema booleans, as `core.getBooleanInput` accepts them. */
export function readBoolean(name: string, fallback: boolean, env: Env = process.env): boolean {
  const value = readRaw(name, env);
  if (value === undefined) return fallback;
  if (TRUE_VALUES.includes(value)) return true;
  if (FALSE_VALUES.includes(value)) return false;
  throw new InputError(name, `must be true or false, got '${value}'`);
}

export interface IntegerBounds {
  min?: number;
  max?: number;
}

export function readInteger(name: string, fallback: number, bounds?: IntegerBounds, env?: Env): number;
export function readInteger(name: string, fallback: undefined, bounds?: IntegerBounds, env?: Env): number | undefined;
export function readInteger(
  name: string,
  fallback: number | undefined,
  bounds: IntegerBounds = {},
  env: Env = process.env,
): number | undefined {
  const value = readRaw(name, env);
  if (value === undefined) return fallback;
  if (!/^[+-]?\d+$/.test(value)) throw new InputError(name, `must be a whole number, got '${value}'`);
  return checkBounds(name, Number(value), bounds);
}

/** A number that may have a fraction (seconds, milliseconds), with the same bounds as integers. */
export function readNumber(name: string, fallback: number, bounds: IntegerBounds = {}, env: Env = process.env): number {
  const value = readRaw(name, env);
  if (value === undefined) return fallback;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value)) throw new InputError(name, `must be a number, got '${value}'`);
  return checkBounds(name, Number(value), bounds);
}

function checkBounds(name: string, value: number, { min, max }: IntegerBounds): number {
  if (min !== undefined && value < min) throw new InputError(name, `must be at least ${min}, got ${value}`);
  if (max !== undefined && value > max) throw new InputError(name, `must be at most ${max}, got ${value}`);
  return value;
}

export function readEnum<T extends string>(
  name: string,
  allowed: readonly T[],
  fallback: T,
  env: Env = process.env,
): T {
  const value = readRaw(name, env);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(name, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${value}'`);
  }
  return value as T;
}

/** One item a line (commas also separate, as in most actions); blank lines and `#` comments skipped. */
export function readList(name: string, env: Env = process.env, { commas = true } = {}): string[] {
  const value = readRaw(name, env);
  if (value === undefined) return [];
  return value
    .split(/\r?\n/)
    .flatMap((line) => (commas ? line.split(',') : [line]))
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'));
}

/**
 * Multiline `KEY=value` pairs. The value keeps everything after the first `=` (it may itself hold
 * `=`); a later duplicate key wins, as it would in a shell environment.
 */
export function readKeyValues(
  name: string,
  env: Env = process.env,
  { keyPattern, keyDescription }: { keyPattern?: RegExp; keyDescription?: string } = {},
): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const line of readList(name, env, { commas: false })) {
    const separator = line.indexOf('=');
    if (separator <= 0) {
      throw new InputError(name, `has a line that is not KEY=value: '${line}'`, 'Write one KEY=value pair a line');
    }
    const key = line.slice(0, separator).trim();
    if (keyPattern && !keyPattern.test(key)) {
      throw new InputError(name, `has an invalid key '${key}'`, keyDescription);
    }
    pairs.set(key, line.slice(separator + 1).trim());
  }
  return pairs;
}

/** An absolute path for an input that names a file, resolved against the workspace. */
export function resolveWorkspacePath(path: string, env: Env = process.env): string {
  return isAbsolute(path) ? path : resolve(env.GITHUB_WORKSPACE ?? process.cwd(), path);
}

/** Parse JSON or YAML text (JSON is YAML, so one parser serves both); the error names the input. */
export function parseStructured(name: string, text: string, origin: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new InputError(name, `is not valid JSON or YAML (${origin}): ${detail}`);
  }
}

/** Read and parse the JSON or YAML file an input names. */
export function readStructuredFile(name: string, env: Env = process.env): { path: string; value: unknown } | undefined {
  const given = readRaw(name, env);
  if (given === undefined) return undefined;
  const path = resolveWorkspacePath(given, env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      name,
      `names a file that cannot be read: ${path} (${code ?? 'error'})`,
      'Check the path; it is relative to the workspace',
    );
  }
  return { path, value: parseStructured(name, text, path) };
}

/**
 * An input that is either inline JSON/YAML or the path of a file holding it. A value that parses to
 * a plain string and names an existing file is read as that file.
 */
export function readStructuredInlineOrFile(
  name: string,
  env: Env = process.env,
): { origin: string; value: unknown } | undefined {
  const given = readRaw(name, env);
  if (given === undefined) return undefined;
  if (!given.includes('\n') && /\.(ya?ml|json)$/i.test(given)) {
    const file = readStructuredFile(name, env);
    return file && { origin: file.path, value: file.value };
  }
  return { origin: 'inline', value: parseStructured(name, given, 'inline') };
}

/** An http(s) URL; anything else (a host without scheme, `ftp:`) is an input error. */
export function readUrl(name: string, options: { required: true }, env?: Env): URL;
export function readUrl(name: string, options?: { required?: false }, env?: Env): URL | undefined;
export function readUrl(name: string, options: { required?: boolean } = {}, env: Env = process.env): URL | undefined {
  const value = options.required ? readString(name, { required: true }, env) : readString(name, {}, env);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(
      name,
      `is not a valid URL: '${value}'`,
      'Give a full URL with its scheme, such as https://example.com',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(name, `must be an http or https URL, got '${url.protocol}'`);
  }
  return url;
}

/** Several inputs of which at most (or exactly) one may be given. */
export function exactlyOneOf<T extends string>(
  names: readonly T[],
  env: Env = process.env,
  { required = true } = {},
): T | undefined {
  const given = names.filter((name) => readRaw(name, env) !== undefined);
  if (given.length > 1) {
    throw new InputError(
      given[0],
      `cannot be combined with ${given
        .slice(1)
        .map((n) => `'${n}'`)
        .join(', ')}`,
      `Give only one of ${names.join(', ')}`,
    );
  }
  if (given.length === 0 && required) {
    throw new InputError(names[0], 'is required', `Give one of ${names.map((n) => `'${n}'`).join(', ')}`);
  }
  return given[0];
}
