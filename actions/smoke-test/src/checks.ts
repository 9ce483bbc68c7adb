import { InputError } from '../../shared/src/errors.js';
import { parseJsonPath, type JsonPath } from './json-path.js';

/**
 * The `checks` input: a YAML (or JSON) list of HTTP checks, parsed and validated in full before any
 * request is sent. Every problem is an InputError on `checks` that says which check and which key.
 */

const CHECKS_INPUT = 'checks';

/** `200`, `[200, 204]`, `2xx`: exact codes and whole classes (2 for 2xx). */
export interface StatusExpectation {
  codes: number[];
  classes: number[];
  /** As the user wrote it, for reports: `2xx`, `200, 204`. */
  text: string;
}

/**
 * A header expectation: an exact value, a regular expression written `/.../flags`, or (written
 * `null`) a header that must not be there, such as `x-powered-by`.
 */
export type Matcher = { kind: 'exact'; value: string } | { kind: 'pattern'; pattern: RegExp } | { kind: 'absent' };

export interface JsonExpectation {
  path: string;
  segments: JsonPath;
  expected: unknown;
  /** Set when `expected` is a string written `/.../`: the value must match it instead. */
  pattern?: RegExp;
}

export interface HeaderExpectation {
  name: string;
  matcher: Matcher;
}

export interface Check {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  expectStatus: StatusExpectation;
  expectBodyContains: string[];
  expectJson: JsonExpectation[];
  expectHeader: HeaderExpectation[];
  maxLatencyMs?: number;
  /** Overrides the `follow-redirects` input for this check. */
  followRedirects?: boolean;
}

export const CHECK_KEYS = [
  'name',
  'path',
  'method',
  'headers',
  'body',
  'expect-status',
  'expect-body-contains',
  'expect-json',
  'expect-header',
  'max-latency-ms',
  'follow-redirects',
] as const;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const DEFAULT_STATUS: StatusExpectation = { codes: [], classes: [2], text: '2xx' };

/** The check the action runs when `checks` is not given. */
export function defaultCheck(): Check {
  return {
    name: 'GET /health',
    method: 'GET',
    path: '/health',
    headers: {},
    expectStatus: DEFAULT_STATUS,
    expectBodyContains: [],
    expectJson: [],
    expectHeader: [],
  };
}

export function parseChecks(value: unknown, origin: string): Check[] {
  const where = origin === 'inline' ? '' : ` (in ${origin})`;
  if (!Array.isArray(value)) {
    throw new InputError(
      CHECKS_INPUT,
      `must be a YAML list of checks${where}, got ${describeType(value)}`,
      'Start each check with "- path: /..."',
    );
  }
  if (value.length === 0) throw new InputError(CHECKS_INPUT, `is an empty list${where}`, 'List at least one check');
  const checks = value.map((entry, index) => parseCheck(entry, index + 1, where));
  const names = new Set<string>();
  for (const check of checks) {
    if (names.has(check.name)) {
      throw new InputError(
        CHECKS_INPUT,
        `has two checks named '${check.name}'${where}`,
        'Give each check a distinct name so its result can be told apart',
      );
    }
    names.add(check.name);
  }
  return checks;
}

function parseCheck(entry: unknown, position: number, where: string): Check {
  const fail = (problem: string, fix?: string): never => {
    throw new InputError(CHECKS_INPUT, `check ${position}${where}: ${problem}`, fix);
  };
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return fail(`must be a mapping with at least a path, got ${describeType(entry)}`);
  }
  const raw = entry as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(CHECK_KEYS as readonly string[]).includes(key)) {
      const suggestion = suggestKey(key);
      fail(
        `unknown key '${key}'`,
        suggestion ? `Did you mean '${suggestion}'?` : `Known keys: ${CHECK_KEYS.join(', ')}`,
      );
    }
  }

  if (typeof raw.path !== 'string' || raw.path.trim() === '') return fail("needs a 'path' such as /health");
  const path = raw.path.trim();
  if (!path.startsWith('/')) fail(`path '${path}' must start with /`, 'Paths are relative to the url input');

  const method = raw.method === undefined ? 'GET' : String(raw.method).trim().toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) {
    fail(`method '${String(raw.method)}' is not one of ${METHODS.join(', ')}`);
  }
  const name = raw.name === undefined ? `${method} ${path}` : String(raw.name).trim();
  if (name === '') fail('name is empty');
  const label = `check ${position} (${name})${where}`;
  const failNamed = (problem: string, fix?: string): never => {
    throw new InputError(CHECKS_INPUT, `${label}: ${problem}`, fix);
  };

  const headers = parseHeaderMap(raw.headers, 'headers', failNamed);
  let body: string | undefined;
  if (raw.body !== undefined && raw.body !== null) {
    if (method === 'GET' || method === 'HEAD') failNamed(`a ${method} request cannot have a body`, 'Use POST or PUT');
    if (typeof raw.body === 'string') body = raw.body;
    else {
      body = JSON.stringify(raw.body);
      if (!Object.keys(headers).some((header) => header.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
    }
  }

  const expectStatus =
    raw['expect-status'] === undefined ? DEFAULT_STATUS : parseStatusExpectation(raw['expect-status'], failNamed);

  const expectBodyContains = parseBodyContains(raw['expect-body-contains'], failNamed);
  const expectJson = parseJsonExpectations(raw['expect-json'], failNamed);
  const expectHeader = parseHeaderExpectations(raw['expect-header'], failNamed);
  if (method === 'HEAD' && (expectBodyContains.length > 0 || expectJson.length > 0)) {
    failNamed('a HEAD response has no body to check', 'Use GET, or drop expect-body-contains and expect-json');
  }

  let maxLatencyMs: number | undefined;
  if (raw['max-latency-ms'] !== undefined) {
    const value = raw['max-latency-ms'];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      failNamed(`max-latency-ms must be a positive number of milliseconds, got ${JSON.stringify(value)}`);
    }
    maxLatencyMs = value as number;
  }

  let followRedirects: boolean | undefined;
  if (raw['follow-redirects'] !== undefined) {
    if (typeof raw['follow-redirects'] !== 'boolean') {
      failNamed(`follow-redirects must be true or false, got ${JSON.stringify(raw['follow-redirects'])}`);
    }
    followRedirects = raw['follow-redirects'] as boolean;
  }

  return {
    name,
    method,
    path,
    headers,
    body,
    expectStatus,
    expectBodyContains,
    expectJson,
    expectHeader,
    maxLatencyMs,
    followRedirects,
  };
}

type Fail = (problem: string, fix?: string) => never;

/**
 * `200`, `"200"`, `2xx`, `[200, 204]`, `[200, 3xx]`. Anything else (a word, a code outside
 * 100-599, `2xy`) is an error, so a typo cannot silently accept every status.
 */
export function parseStatusExpectation(value: unknown, fail: Fail): StatusExpectation {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) fail('expect-status is an empty list');
  const codes: number[] = [];
  const classes: number[] = [];
  for (const item of items) {
    const text = String(item).trim();
    if (/^\d{3}$/.test(text) && (typeof item === 'number' || typeof item === 'string')) {
      const code = Number(text);
      if (code < 100 || code > 599) fail(`expect-status ${text} is not an HTTP status code (100-599)`);
      codes.push(code);
    } else if (typeof item === 'string' && /^[1-5]xx$/i.test(text)) {
      classes.push(Number(text[0]));
    } else {
      fail(
        `expect-status ${JSON.stringify(item)} is not a status code or class`,
        'Write a code (200), a class (2xx) or a list of them ([200, 204])',
      );
    }
  }
  return { codes, classes, text: items.map((item) => String(item).trim().toLowerCase()).join(', ') };
}

export function statusMatches(expectation: StatusExpectation, status: number): boolean {
  return expectation.codes.includes(status) || expectation.classes.includes(Math.floor(status / 100));
}

function parseBodyContains(value: unknown, fail: Fail): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item !== 'string' && typeof item !== 'number') {
      fail(`expect-body-contains must be a string or a list of strings, got ${describeType(item)}`);
    }
    const text = String(item);
    if (text === '') fail('expect-body-contains has an empty string, which every body contains');
    return text;
  });
}

function parseJsonExpectations(value: unknown, fail: Fail): JsonExpectation[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    fail(
      `expect-json must be a mapping of dotted paths to expected values, got ${describeType(value)}`,
      'For example: expect-json: { status: ok, "items.0.id": 1 }',
    );
  }
  return Object.entries(value as Record<string, unknown>).map(([path, expected]) => {
    const parsed = parseJsonPath(path);
    if ('error' in parsed) return fail(`expect-json path ${parsed.error}`);
    const pattern = typeof expected === 'string' ? parsePattern(expected, `expect-json ${path}`, fail) : undefined;
    return { path, segments: parsed.path, expected, pattern };
  });
}

function parseHeaderMap(value: unknown, key: string, fail: Fail): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    fail(`${key} must be a mapping of header names to values, got ${describeType(value)}`);
  }
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value as Record<string, unknown>)) {
    if (!HEADER_NAME.test(name)) fail(`${key} has an invalid header name '${name}'`);
    if (headerValue === null || typeof headerValue === 'object') {
      fail(`${key} ${name} must be a string, got ${describeType(headerValue)}`);
    }
    headers[name] = String(headerValue);
  }
  return headers;
}

function parseHeaderExpectations(value: unknown, fail: Fail): HeaderExpectation[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    return fail(`expect-header must be a mapping of header names to values, got ${describeType(value)}`);
  }
  // `null` means "must be absent"; the reader shared with request headers accepts only strings.
  const entries = Object.entries(value as Record<string, unknown>);
  const absent = entries.filter(([, expected]) => expected === null).map(([name]) => name);
  const present = parseHeaderMap(Object.fromEntries(entries.filter(([, e]) => e !== null)), 'expect-header', fail);
  const expectations: HeaderExpectation[] = Object.entries(present).map(([name, expected]) => {
    const pattern = parsePattern(expected, `expect-header ${name}`, fail);
    return {
      name: name.toLowerCase(),
      matcher: pattern ? { kind: 'pattern', pattern } : { kind: 'exact', value: expected.trim() },
    };
  });
  for (const name of absent) {
    if (!HEADER_NAME.test(name)) fail(`expect-header has an invalid header name '${name}'`);
    expectations.push({ name: name.toLowerCase(), matcher: { kind: 'absent' } });
  }
  return expectations;
}

/** `/.../flags` is a regular expression; any other string is a literal. */
function parsePattern(text: string, key: string, fail: Fail): RegExp | undefined {
  const match = /^\/(.+)\/([dgimsuvy]*)$/s.exec(text.trim());
  if (!match) return undefined;
  try {
    // `g` and `y` make test() stateful between samples, which would give alternating results.
    return new RegExp(match[1], match[2].replace(/[gy]/g, ''));
  } catch (error) {
    return fail(`${key} is not a valid regular expression: ${(error as Error).message}`);
  }
}

export function matcherText(matcher: Matcher): string {
  if (matcher.kind === 'absent') return 'absent';
  return matcher.kind === 'exact' ? JSON.stringify(matcher.value) : `matching ${String(matcher.pattern)}`;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value} ${String(value)}`;
}

/** The known key a typo most likely meant: same letters with `_` for `-`, or a close spelling. */
function suggestKey(key: string): string | undefined {
  const normalised = key.toLowerCase().replace(/[_\s]/g, '-');
  const exact = CHECK_KEYS.find((known) => known === normalised);
  if (exact) return exact;
  let best: { key: string; distance: number } | undefined;
  for (const known of CHECK_KEYS) {
    const distance = editDistance(normalised, known);
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: known, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
