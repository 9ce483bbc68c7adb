import { InputError } from '@shipyard/shared/errors';
import {
  readBoolean,
  readInteger,
  readList,
  readNumber,
  readRaw,
  readString,
  readUrl,
  type Env,
} from '@shipyard/shared/inputs';
import { readStructuredInlineOrFile } from '@shipyard/shared/structured-inputs';
import { shown } from '@shipyard/shared/text';
import { CHECK_LIMITS, defaultCheck, HEADER_NAME, parseChecks, type Check } from './checks.js';
import { parseJsonPath, type JsonPath } from './json-path.js';
import { checkUrl } from './run-checks.js';

/** Input names, exactly as action.yml declares them. */
export const INPUT = {
  url: 'url',
  expectVersion: 'expect-version',
  versionPath: 'version-path',
  versionField: 'version-field',
  timeoutSeconds: 'timeout-seconds',
  intervalSeconds: 'interval-seconds',
  checks: 'checks',
  samples: 'samples',
  latencyP95Ms: 'latency-p95-ms',
  concurrency: 'concurrency',
  requestTimeoutSeconds: 'request-timeout-seconds',
  followRedirects: 'follow-redirects',
  forwardHeadersOnRedirect: 'forward-headers-on-redirect',
  headers: 'headers',
} as const;

/** Output names, exactly as action.yml declares them. */
export const OUTPUT = {
  passed: 'passed',
  version: 'version',
  results: 'results',
  report: 'report',
  durationMs: 'duration-ms',
} as const;

/** The longest `url` accepted (what browsers and most servers take as a request line). */
export const URL_MAX_LENGTH = 2048;
/** The longest `expect-version` and `version-field`: a SHA, a semver, a build number fit easily. */
export const VERSION_MAX_LENGTH = 256;

export interface Inputs {
  baseUrl: URL;
  /** Absent when no `expect-version` was given: then the version is only read for the output. */
  expectVersion?: string;
  versionPath: string;
  versionField: JsonPath;
  versionFieldText: string;
  timeoutMs: number;
  intervalMs: number;
  requestTimeoutMs: number;
  checks: Check[];
  samples: number;
  latencyP95Ms?: number;
  concurrency: number;
  followRedirects: boolean;
  /** Send headers to another origin when a redirect leads there (default: same origin only). */
  forwardHeadersOnRedirect: boolean;
  headers: Record<string, string>;
  /**
   * Values that are secrets: redacted from everything the action stores or emits and registered
   * with the runner's masking. See `secretsOf`.
   */
  secrets: string[];
}

/** Header names whose values are credentials, whatever their length. */
const SENSITIVE_HEADER =
  /authorization|cookie|token|secret|password|passwd|api-?key|auth|session|signature|credential/i;

/**
 * Headers whose values describe the request, not who sends it (`accept: application/json`): their
 * values are not treated as secrets, or every `application/json` in a report would read `***`.
 */
const PUBLIC_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'content-type',
  'pragma',
  'user-agent',
]);

/** A value this short is no credential, and masking it would garble every number in the log. */
const MIN_SECRET_LENGTH = 4;

export function getInputs(env: Env = process.env): Inputs {
  const urlText = readRaw(INPUT.url, env);
  if (urlText !== undefined && urlText.length > URL_MAX_LENGTH) {
    throw new InputError(INPUT.url, `is ${urlText.length} characters long, more than ${URL_MAX_LENGTH}`);
  }
  const baseUrl = readUrl(INPUT.url, { required: true }, env);
  if (baseUrl.username || baseUrl.password) {
    throw new InputError(
      INPUT.url,
      'must not hold credentials (user:password@)',
      "Send them in 'headers' instead, for example Authorization: Basic <base64>, which is masked in logs",
    );
  }

  if (baseUrl.search || baseUrl.hash) {
    throw new InputError(
      INPUT.url,
      `must not have a query or fragment, got ${shown(`${baseUrl.search}${baseUrl.hash}`, 40)}`,
      'Put query strings in the check paths (path: /health?deep=1)',
    );
  }

  const versionPath = readString(INPUT.versionPath, { fallback: '/version' }, env) as string;
  if (!versionPath.startsWith('/')) {
    throw new InputError(INPUT.versionPath, `must start with /, got ${shown(versionPath)}`, 'For example /version');
  }
  if (versionPath.length > CHECK_LIMITS.path || /\s/.test(versionPath)) {
    throw new InputError(
      INPUT.versionPath,
      versionPath.length > CHECK_LIMITS.path
        ? `is ${versionPath.length} characters long, more than ${CHECK_LIMITS.path}`
        : `has a space: ${shown(versionPath)}`,
      'Give a path such as /version, percent-encoded',
    );
  }
  sameOrigin(INPUT.versionPath, baseUrl, versionPath);
  const versionFieldText = readString(INPUT.versionField, { fallback: 'commit' }, env) as string;
  if (versionFieldText.length > VERSION_MAX_LENGTH) {
    throw new InputError(
      INPUT.versionField,
      `is ${versionFieldText.length} characters long, more than ${VERSION_MAX_LENGTH}`,
    );
  }
  const versionField = parseJsonPath(versionFieldText);
  if ('error' in versionField) {
    throw new InputError(INPUT.versionField, versionField.error, 'Write a dotted path such as commit or build.sha');
  }

  const timeoutMs = seconds(INPUT.timeoutSeconds, 300, { min: 0, max: 6 * 60 * 60 }, env);
  const intervalMs = seconds(INPUT.intervalSeconds, 5, { min: 0.01, max: 3600 }, env);
  const requestTimeoutMs = seconds(INPUT.requestTimeoutSeconds, 10, { min: 0.01, max: 600 }, env);

  const given = readStructuredInlineOrFile(INPUT.checks, env);
  const checks = given === undefined ? [defaultCheck()] : parseChecks(given.value, given.origin);
  for (const check of checks) sameOrigin(INPUT.checks, baseUrl, check.path, check.name);

  const latencyP95Ms = readNumber(INPUT.latencyP95Ms, undefined, { min: 0.001 }, env);

  const headers = parseHeaders(env);
  const expectVersion = readString(INPUT.expectVersion, {}, env);
  if (expectVersion !== undefined && expectVersion.length > VERSION_MAX_LENGTH) {
    throw new InputError(
      INPUT.expectVersion,
      `is ${expectVersion.length} characters long, more than ${VERSION_MAX_LENGTH}`,
    );
  }

  return {
    baseUrl,
    expectVersion,
    versionPath,
    versionField: versionField.path,
    versionFieldText,
    timeoutMs,
    intervalMs,
    requestTimeoutMs,
    checks,
    samples: readInteger(INPUT.samples, 1, { min: 1, max: 1000 }, env),
    latencyP95Ms,
    concurrency: readInteger(INPUT.concurrency, 4, { min: 1, max: 64 }, env),
    followRedirects: readBoolean(INPUT.followRedirects, true, env),
    forwardHeadersOnRedirect: readBoolean(INPUT.forwardHeadersOnRedirect, false, env),
    headers,
    secrets: secretsOf([headers, ...checks.map((check) => check.headers)]),
  };
}

/**
 * Every value the action sends in a header is a secret (redacted from outputs, the summary,
 * annotations and the log, and registered with `core.setSecret`), except the values of headers
 * that only describe the request (PUBLIC_HEADERS) and values under MIN_SECRET_LENGTH characters
 * under a name that is not credential-like. The credential after a scheme (`Bearer abc` -> `abc`)
 * and the decoded `user:password` of a Basic value (and the password alone) are secrets too,
 * since a debug page may print them on their own.
 */
export function secretsOf(headerSets: readonly Record<string, string>[]): string[] {
  const secrets = new Set<string>();
  for (const headerSet of headerSets) {
    for (const [name, value] of Object.entries(headerSet)) {
      const sensitive = SENSITIVE_HEADER.test(name);
      if (!sensitive && (PUBLIC_HEADERS.has(name.toLowerCase()) || value.trim().length < MIN_SECRET_LENGTH)) continue;
      addSecret(secrets, value);
    }
  }
  return [...secrets];
}

/** The path appended to the url must stay on the url's origin (a path cannot reach another host). */
function sameOrigin(input: string, baseUrl: URL, path: string, check?: string): void {
  let url: URL | undefined;
  try {
    url = new URL(checkUrl(baseUrl, path));
  } catch {
    url = undefined;
  }
  if (url?.origin !== baseUrl.origin) {
    throw new InputError(
      input,
      `${check === undefined ? '' : `check ${shown(check, 40)}: `}path ${shown(path)} does not make a URL on ${baseUrl.origin}`,
      'Give a path that starts with / and is percent-encoded',
    );
  }
}

function seconds(name: string, fallback: number, bounds: { min: number; max: number }, env: Env): number {
  return Math.round(readNumber(name, fallback, bounds, env) * 1000);
}

/** `Name: value` a line, as in an HTTP request; the value keeps everything after the first colon. */
function parseHeaders(env: Env = process.env): Record<string, string> {
  const headers: Record<string, string> = {};
  const lines = readList(INPUT.headers, { commas: false }, env);
  if (lines.length > CHECK_LIMITS.headers) {
    throw new InputError(INPUT.headers, `has ${lines.length} headers, more than ${CHECK_LIMITS.headers}`);
  }
  // A line may hold a token: an error never echoes it, not even its name (a token pasted without
  // a name reads as one), only which header it is, counted from 1.
  lines.forEach((line, index) => {
    const where = `header ${index + 1} (its text is not shown, as it may hold a secret)`;
    const separator = line.indexOf(':');
    const name = separator > 0 ? line.slice(0, separator).trim() : '';
    if (name.length > CHECK_LIMITS.headerName || !HEADER_NAME.test(name)) {
      throw new InputError(
        INPUT.headers,
        separator > 0 ? `has an invalid name in ${where}` : `has a line that is not "Name: value" in ${where}`,
        'Write one header a line, such as Authorization: Bearer <token>',
      );
    }
    const value = line.slice(separator + 1).trim();
    if (value.length > CHECK_LIMITS.headerValue) {
      throw new InputError(
        INPUT.headers,
        `has a value of ${value.length} characters in ${where}, more than ${CHECK_LIMITS.headerValue}`,
      );
    }
    headers[name] = value;
  });
  return headers;
}

/** The whole value, and the credential alone when it follows a scheme (`Bearer abc` -> `abc`). */
function addSecret(secrets: Set<string>, value: string): void {
  if (value.trim() === '') return;
  secrets.add(value);
  const credential = /^[A-Za-z][\w-]*\s+(\S.*)$/.exec(value)?.[1];
  if (credential) secrets.add(credential);
  const basic = /^basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(value)?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    if (decoded.includes(':') && !decoded.includes('\uFFFD')) {
      secrets.add(decoded);
      if (password.length >= MIN_SECRET_LENGTH) secrets.add(password);
    }
  }
}
