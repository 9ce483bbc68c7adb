import { InputError } from './errors.js';
import { findInvisible, shown } from './text.js';

/**
 * Typed readers for action inputs. They read the variables the runner sets (`INPUT_<NAME>`, name
 * upper-cased, spaces to underscores, hyphens kept), so they behave exactly like `core.getInput`
 * without loading `@actions/core`: inputs can be validated before any heavy module is imported.
 * Every reader trims, treats an empty value as "not given", and throws an `InputError` that names
 * the input and the fix.
 *
 * Every reader takes its arguments in one order: the input's name (or names), then what shapes the
 * reading (a fallback, bounds, options), then the environment, `process.env` unless given.
 */

export type Env = Record<string, string | undefined>;

export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * The trimmed value, or undefined when not given. A value holding a character that changes how it
 * reads without being seen (controls, bidirectional overrides: see `findInvisible`) is refused for
 * every input, by position and without echoing the value.
 */
export function readRaw(name: string, env: Env = process.env): string | undefined {
  const given = env[inputVariable(name)];
  if (given === undefined) return undefined;
  // Checked before trimming: `trim()` drops a byte-order mark or line separator at either end, so
  // `true\uFEFF` would otherwise pass as `true` while the workflow file shows something else.
  refuseInvisible(name, given);
  const value = given.trim();
  return value === '' ? undefined : value;
}

function refuseInvisible(name: string, value: string, singleLine = false): void {
  const found = findInvisible(value, { singleLine });
  if (!found) return;
  const fix = singleLine
    ? 'This input takes one line; remove the line break or control character'
    : 'Remove it; such characters change how a value reads without being seen';
  throw new InputError(name, `has ${found.description} at character ${found.position}`, fix);
}

export interface StringOptions {
  required?: boolean;
  fallback?: string;
  /** Free text that may span lines; every other string input is one line. */
  multiline?: boolean;
}

export function readString(name: string, options: StringOptions & { required: true }, env?: Env): string;
export function readString(name: string, options?: StringOptions & { required?: false }, env?: Env): string | undefined;
export function readString(name: string, options: StringOptions = {}, env: Env = process.env): string | undefined {
  const given = readRaw(name, env);
  if (given !== undefined && !options.multiline) refuseInvisible(name, given, true);
  const value = given ?? options.fallback;
  if (value === undefined && options.required)
    throw new InputError(name, 'is required', `Set '${name}' in the step's with: block`);
  return value;
}

const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];

/** YAML 1.2 core-schema booleans, as `core.getBooleanInput` accepts them. */
/** With an `undefined` fallback, an input that is not given reads as undefined (leave it to AWS). */
export function readBoolean(name: string, fallback: boolean, env?: Env): boolean;
export function readBoolean(name: string, fallback: undefined, env?: Env): boolean | undefined;
export function readBoolean(name: string, fallback: boolean | undefined, env: Env = process.env): boolean | undefined {
  const value = readRaw(name, env);
  if (value === undefined) return fallback;
  if (TRUE_VALUES.includes(value)) return true;
  if (FALSE_VALUES.includes(value)) return false;
  throw new InputError(name, `must be true or false, got ${shown(value)}`);
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
  return readNumeric(name, fallback, bounds, env, WHOLE_NUMBER, 'a whole number');
}

/** A number that may have a fraction (seconds, milliseconds), with the same bounds as integers. */
export function readNumber(name: string, fallback: number, bounds?: IntegerBounds, env?: Env): number;
export function readNumber(name: string, fallback: undefined, bounds?: IntegerBounds, env?: Env): number | undefined;
export function readNumber(
  name: string,
  fallback: number | undefined,
  bounds: IntegerBounds = {},
  env: Env = process.env,
): number | undefined {
  return readNumeric(name, fallback, bounds, env, NUMBER, 'a number');
}

const WHOLE_NUMBER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function readNumeric(
  name: string,
  fallback: number | undefined,
  bounds: IntegerBounds,
  env: Env,
  pattern: RegExp,
  what: string,
): number | undefined {
  const value = readRaw(name, env);
  if (value === undefined) return fallback;
  if (!pattern.test(value)) throw new InputError(name, `must be ${what}, got ${shown(value)}`);
  return checkBounds(name, Number(value), bounds);
}

function checkBounds(name: string, value: number, { min, max }: IntegerBounds): number {
  if (min !== undefined && value < min) throw new InputError(name, `must be at least ${min}, got ${value}`);
  if (max !== undefined && value > max) throw new InputError(name, `must be at most ${max}, got ${value}`);
  return value;
}

/**
 * `max-attempts`: how many times the AWS SDK tries one call (its standard retry mode), from 1 (no
 * retry) to 20. The default is each action's own, as its action.yml says.
 */
export const MAX_ATTEMPTS = { min: 1, max: 20 } as const;

export function readMaxAttempts(name: string, { fallback }: { fallback: number }, env: Env = process.env): number {
  const value = readRaw(name, env);
  if (value === undefined) return fallback;
  const attempts = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(attempts >= MAX_ATTEMPTS.min && attempts <= MAX_ATTEMPTS.max)) {
    throw new InputError(
      name,
      `must be a whole number from ${MAX_ATTEMPTS.min} to ${MAX_ATTEMPTS.max}, got ${shown(value)}`,
      `It counts the first try, so it must be at least ${MAX_ATTEMPTS.min}; past ${MAX_ATTEMPTS.max} the SDK's backoff between tries adds up to minutes`,
    );
  }
  return attempts;
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
    throw new InputError(name, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${shown(value)}`);
  }
  return value as T;
}

/**
 * Comments in multiline inputs are whole lines, never the tail of one (`a, # b` is two items).
 * In a list, a comment is `#` followed by a blank or nothing (`# pinned`, `#`), so that `#12` or
 * `#main` stays a value. In `KEY=value` lines any line starting with `#` is a comment, since no key
 * can start with `#` and a commented-out pair (`#DEBUG=1`) is the usual way to switch one off.
 */
const LIST_COMMENT = /^#(\s|$)/;
const KEY_VALUE_COMMENT = /^#/;

/** The lines that carry something, trimmed, each with its 1-based number in the input. */
function numberedLines(name: string, env: Env, comment: RegExp): { text: string; number: number }[] {
  const value = readRaw(name, env);
  if (value === undefined) return [];
  return value
    .split(/\r?\n/)
    .map((line, index) => ({ text: line.trim(), number: index + 1 }))
    .filter(({ text }) => text !== '' && !comment.test(text));
}

function lines(name: string, env: Env, comment: RegExp): string[] {
  return numberedLines(name, env, comment).map(({ text }) => text);
}

export interface ListOptions {
  /** Commas separate items too (the default), as in most actions; false for one item a line. */
  commas?: boolean;
}

/** One item a line (commas also separate, as in most actions); blank lines and comment lines skipped. */
export function readList(name: string, { commas = true }: ListOptions = {}, env: Env = process.env): string[] {
  return lines(name, env, LIST_COMMENT)
    .flatMap((line) => (commas ? line.split(',') : [line]))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export interface KeyValueOptions {
  keyPattern?: RegExp;
  keyDescription?: string;
  /** When set, an empty value is refused, and this says what the value should be. */
  valueRequired?: string;
}

/**
 * Multiline `KEY=value` pairs. The value keeps everything after the first `=` (it may itself hold
 * `=`); a later duplicate key wins, as it would in a shell environment.
 */
export function readKeyValues(
  name: string,
  options: KeyValueOptions = {},
  env: Env = process.env,
): Map<string, string> {
  return new Map(readKeyValueLines(name, options, env).map(({ key, value }) => [key, value]));
}

export interface KeyValueLine {
  key: string;
  value: string;
  /** The line's number in the input, from 1. */
  line: number;
}

/**
 * The same pairs in input order, each with its line number, for a caller whose own checks must
 * point at a line without showing it.
 */
export function readKeyValueLines(
  name: string,
  { keyPattern, keyDescription, valueRequired }: KeyValueOptions = {},
  env: Env = process.env,
): KeyValueLine[] {
  // Never echo a line or a key in an error: a bad line is often the second line of a multi-line
  // secret pasted as a value (a base64 line ending in `==` even looks like KEY=value), and these
  // errors are printed before the action could mask anything. The line number is enough to find it.
  const hidden = 'its text is not shown, as it may be part of a secret';
  return numberedLines(name, env, KEY_VALUE_COMMENT).map(({ text, number }) => {
    const separator = text.indexOf('=');
    if (separator <= 0) {
      throw new InputError(
        name,
        `has a line that is not KEY=value (line ${number}; ${hidden})`,
        'Write one KEY=value pair a line; a value cannot span several lines',
      );
    }
    const key = text.slice(0, separator).trim();
    if (keyPattern && !keyPattern.test(key)) {
      throw new InputError(name, `has an invalid key on line ${number} (${hidden})`, keyDescription);
    }
    const value = text.slice(separator + 1).trim();
    // The last line of a base64 value that spans lines ends in `=` or `==`, and then reads as a key
    // (a piece of the secret, printed wherever keys are) with a value of `=`.
    if (/^=+$/.test(value)) {
      throw new InputError(
        name,
        `has a value of only '=' on line ${number} (${hidden}); it looks like the end of a base64 value that spans lines`,
        'Write one KEY=value pair a line; a value cannot span several lines',
      );
    }
    if (valueRequired !== undefined && value === '') {
      throw new InputError(name, `has no value on line ${number} (${hidden})`, valueRequired);
    }
    return { key, value, line: number };
  });
}

/**
 * An http(s) URL; anything else (a host without scheme, `ftp:`) is an input error. A `secret` URL
 * (a webhook whose path is its credential) is described without echoing it.
 */
export interface UrlOptions {
  required?: boolean;
  secret?: boolean;
  /** What a right value looks like, for the fix in the error. */
  example?: string;
}

export function readUrl(name: string, options: UrlOptions & { required: true }, env?: Env): URL;
export function readUrl(name: string, options?: UrlOptions, env?: Env): URL | undefined;
export function readUrl(name: string, options: UrlOptions = {}, env: Env = process.env): URL | undefined {
  const value = options.required ? readString(name, { required: true }, env) : readString(name, {}, env);
  if (value === undefined) return undefined;
  const fix = `Give a full URL with its scheme, such as ${options.example ?? 'https://example.com'}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    const quoted = options.secret ? '(the value is not shown because it is a secret)' : shown(value);
    throw new InputError(name, `is not a valid URL: ${quoted}`, fix);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(name, `must be an http or https URL, got the scheme '${url.protocol}'`, fix);
  }
  return url;
}

export interface OneOfOptions {
  /** One of them must be given (the default); false: none is fine too. */
  required?: boolean;
}

/** Several inputs of which at most (or exactly) one may be given. */
export function exactlyOneOf<T extends string>(
  names: readonly T[],
  { required = true }: OneOfOptions = {},
  env: Env = process.env,
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
