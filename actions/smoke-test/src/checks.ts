import { InputError } from '@shipyard/shared/errors';
import { findInvisible, shown, SHOWN_CHARACTERS } from '@shipyard/shared/text';
import { parseJsonPath, type JsonPath } from './json-path.js';
import { compilePattern, type Pattern } from './pattern.js';

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
export type Matcher = { kind: 'exact'; value: string } | { kind: 'pattern'; pattern: Pattern } | { kind: 'absent' };

export interface JsonExpectation {
  path: string;
  segments: JsonPath;
  expected: unknown;
  /** Set when `expected` is a string written `/.../`: the value must match it instead. */
  pattern?: Pattern;
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

/**
 * What one check may hold. Past these a value is an input error, so nothing a check echoes (its
 * name and path in the report, an expected value in a failure line) can flood an output or the
 * summary, and no header can exceed what servers accept (Node's server takes 16 KiB of headers).
 */
export const CHECK_LIMITS = {
  checks: 200,
  name: 100,
  path: 2048,
  headers: 64,
  headerName: 256,
  headerValue: 8192,
  body: 1024 * 1024,
  text: 16 * 1024,
  depth: 32,
} as const;

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
  if (value.length > CHECK_LIMITS.checks) {
    throw new InputError(
      CHECKS_INPUT,
      `has ${value.length} checks${where}, more than the ${CHECK_LIMITS.checks} allowed`,
      'Split them over several steps',
    );
  }
  // The YAML parser has turned escapes ("\r", "\u202e") into the characters themselves, and a
  // checks file never went through the input reader's own check: every string is held to it here.
  value.forEach((entry, index) => refuseHidden(entry, `check ${index + 1}${where}`, 0));
  const checks = value.map((entry, index) => parseCheck(entry, index + 1, where));
  const names = new Set<string>();
  for (const check of checks) {
    if (names.has(check.name)) {
      throw new InputError(
        CHECKS_INPUT,
        `has two checks named ${shown(check.name)}${where}`,
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
        `unknown key ${shown(key, 40)}`,
        suggestion ? `Did you mean '${suggestion}'?` : `Known keys: ${CHECK_KEYS.join(', ')}`,
      );
    }
  }

  if (typeof raw.path !== 'string' || raw.path.trim() === '') return fail("needs a 'path' such as /health");
  const path = raw.path.trim();
  singleLine(path, 'path', fail);
  if (!path.startsWith('/')) fail(`path ${shown(path)} must start with /`, 'Paths are relative to the url input');
  if (path.length > CHECK_LIMITS.path) fail(`path is ${path.length} characters, more than ${CHECK_LIMITS.path}`);
  if (/\s/.test(path)) fail(`path ${shown(path)} has a space`, 'Percent-encode it (%20)');

  const method = raw.method === undefined ? 'GET' : String(raw.method).trim().toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) {
    fail(`method ${shown(String(raw.method))} is not one of ${METHODS.join(', ')}`);
  }
  const name = raw.name === undefined ? `${method} ${path}`.slice(0, CHECK_LIMITS.name) : String(raw.name).trim();
  if (name === '') fail('name is empty');
  singleLine(name, 'name', fail);
  if (name.length > CHECK_LIMITS.name) fail(`name is ${name.length} characters, more than ${CHECK_LIMITS.name}`);
  const label = `check ${position} (${name})${where}`;
  const failNamed = (problem: string, fix?: string): never => {
    throw new InputError(CHECKS_INPUT, `${label}: ${problem}`, fix);
  };

  const headers = parseHeaderMap(raw.headers, 'headers', failNamed);
  let body: string | undefined;
  if (raw.body !== undefined && raw.body !== null) {
    if (method === 'GET' || method === 'HEAD') failNamed(`a ${method} request cannot have a body`, 'Use POST or PUT');
    if (typeof raw.body === 'string') body = raw.body;
    else if (typeof raw.body !== 'object') body = String(raw.body);
    else {
      body = JSON.stringify(raw.body);
      if (!Object.keys(headers).some((header) => header.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
    }
  }

  if (body !== undefined && Buffer.byteLength(body) > CHECK_LIMITS.body) {
    failNamed(`body is ${Buffer.byteLength(body)} bytes, more than ${CHECK_LIMITS.body}`);
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
      failNamed(`max-latency-ms must be a positive number of milliseconds, got ${describeType(value)}`);
    }
    maxLatencyMs = value as number;
  }

  let followRedirects: boolean | undefined;
  if (raw['follow-redirects'] !== undefined) {
    if (typeof raw['follow-redirects'] !== 'boolean') {
      failNamed(`follow-redirects must be true or false, got ${describeType(raw['follow-redirects'])}`);
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
        `expect-status ${typeof item === 'string' || typeof item === 'number' ? quoted(String(item), 40) : describeType(item)} is not a status code or class`,
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
    if (text.length > CHECK_LIMITS.text) {
      fail(`expect-body-contains has a text of ${text.length} characters, more than ${CHECK_LIMITS.text}`);
    }
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
    singleLine(path, 'expect-json path', fail);
    if (path.length > CHECK_LIMITS.path)
      fail(`expect-json path is ${path.length} characters, more than ${CHECK_LIMITS.path}`);
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
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > CHECK_LIMITS.headers)
    fail(`${key} has ${entries.length} headers, more than ${CHECK_LIMITS.headers}`);
  for (const [name, headerValue] of entries) {
    if (name.length > CHECK_LIMITS.headerName || !HEADER_NAME.test(name)) {
      fail(`${key} has an invalid header name ${shown(name, 40)}`, 'A header name is letters, digits and -');
    }
    if (headerValue === null || typeof headerValue === 'object') {
      fail(`${key} ${name} must be a string, got ${describeType(headerValue)}`);
    }
    // A header value may be a credential: where it is wrong is said, never what it is.
    const text = String(headerValue);
    const hidden = findInvisible(text, { singleLine: true });
    if (hidden) fail(`${key} ${name} has ${hidden.description} at character ${hidden.position} of its value`);
    if (text.length > CHECK_LIMITS.headerValue) {
      fail(`${key} ${name} has a value of ${text.length} characters, more than ${CHECK_LIMITS.headerValue}`);
    }
    headers[name] = text;
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
    if (!HEADER_NAME.test(name)) fail(`expect-header has an invalid header name ${shown(name, 40)}`);
    expectations.push({ name: name.toLowerCase(), matcher: { kind: 'absent' } });
  }
  return expectations;
}

/**
 * `/.../flags` is a regular expression, run in linear time (see pattern.ts); any other string is a
 * literal. Syntax the engine cannot run (backreferences, lookaround) is refused here, before any
 * request, rather than left to hang or fail later.
 */
function parsePattern(text: string, key: string, fail: Fail): Pattern | undefined {
  const match = /^\/(.+)\/([dgimsuvy]*)$/s.exec(text.trim());
  if (!match) return undefined;
  const pattern = compilePattern(match[1], match[2]);
  if ('error' in pattern) {
    return fail(
      `${key} ${pattern.error}`,
      'Supported: RE2 syntax (classes, groups, alternation, repetition, anchors, \\b, flags i, m, s, u); not backreferences or lookaround',
    );
  }
  return pattern;
}

export function matcherText(matcher: Matcher): string {
  if (matcher.kind === 'absent') return 'absent';
  return matcher.kind === 'exact' ? quoted(matcher.value) : `matching ${cut(String(matcher.pattern))}`;
}

/**
 * A value from the checks (or an answer) for a report or a failure line: in double quotes, JSON
 * escaped, cut after SHOWN_CHARACTERS with how much was left out, so no line echoes it whole.
 */
export function quoted(text: string, max = SHOWN_CHARACTERS): string {
  return text.length > max ? `${JSON.stringify(text.slice(0, max))}${cutNote(text, max)}` : JSON.stringify(text);
}

/** Text shown as it is, but cut after `max` characters with how much was left out. */
export function cut(text: string, max = SHOWN_CHARACTERS): string {
  return text.length > max ? `${text.slice(0, max)}${cutNote(text, max)}` : text;
}

function cutNote(text: string, max: number): string {
  return `… (${text.length - max} more characters not shown)`;
}

/** A single-line field (name, path): no line break or hidden character, said by position only. */
function singleLine(text: string, what: string, fail: Fail): void {
  const hidden = findInvisible(text, { singleLine: true });
  if (hidden) fail(`${what} has ${hidden.description} at character ${hidden.position}`);
}

/**
 * Every string in a check (keys too) refused when it holds a character that changes how it reads
 * (controls, bidi overrides), as the input reader refuses them in the raw text; and no nesting
 * deeper than any check needs, so a hostile file cannot exhaust the stack.
 */
function refuseHidden(value: unknown, where: string, depth: number): void {
  if (depth > CHECK_LIMITS.depth) {
    throw new InputError(CHECKS_INPUT, `${where}: nests deeper than ${CHECK_LIMITS.depth} levels`);
  }
  if (typeof value === 'string') {
    const hidden = findInvisible(value);
    if (hidden) {
      throw new InputError(
        CHECKS_INPUT,
        `${where}: a value has ${hidden.description} at character ${hidden.position}`,
        'Remove it; such characters change how a value reads without being seen',
      );
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    refuseHidden(key, where, depth + 1);
    refuseHidden(item, where, depth + 1);
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text ${shown(value, 40)}`;
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
