import { InputError } from '../../shared/src/errors.js';
import {
  readBoolean,
  readInteger,
  readList,
  readNumber,
  readString,
  readUrl,
  type Env,
} from '../../shared/src/inputs.js';
import { readStructuredInlineOrFile } from '../../shared/src/structured-inputs.js';
import { defaultCheck, HEADER_NAME, parseChecks, type Check } from './checks.js';
import { parseJsonPath, type JsonPath } from './json-path.js';

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
  headers: 'headers',
} as const;

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
  headers: Record<string, string>;
  /** Values to mask before anything is logged: every `headers` value and credential-like check headers. */
  secrets: string[];
}

/** Header names whose values are credentials even when they appear in a check's own headers. */
const SENSITIVE_HEADER = /authorization|cookie|token|secret|password|api-?key|auth/i;

export function getInputs(env: Env = process.env): Inputs {
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
      `must not have a query or fragment, got '${baseUrl.search}${baseUrl.hash}'`,
      'Put query strings in the check paths (path: /health?deep=1)',
    );
  }

  const versionPath = readString(INPUT.versionPath, { fallback: '/version' }, env) as string;
  if (!versionPath.startsWith('/')) {
    throw new InputError(INPUT.versionPath, `must start with /, got '${versionPath}'`, 'For example /version');
  }
  const versionFieldText = readString(INPUT.versionField, { fallback: 'commit' }, env) as string;
  const versionField = parseJsonPath(versionFieldText);
  if ('error' in versionField) {
    throw new InputError(INPUT.versionField, versionField.error, 'Write a dotted path such as commit or build.sha');
  }

  const timeoutMs = seconds(INPUT.timeoutSeconds, 300, { min: 0, max: 6 * 60 * 60 }, env);
  const intervalMs = seconds(INPUT.intervalSeconds, 5, { min: 0.01, max: 3600 }, env);
  const requestTimeoutMs = seconds(INPUT.requestTimeoutSeconds, 10, { min: 0.01, max: 600 }, env);

  const given = readStructuredInlineOrFile(INPUT.checks, env);
  const checks = given === undefined ? [defaultCheck()] : parseChecks(given.value, given.origin);

  const latencyP95Ms = readNumber(INPUT.latencyP95Ms, undefined, { min: 0.001 }, env);

  const headers = parseHeaders(env);
  const secrets = new Set<string>();
  for (const value of Object.values(headers)) addSecret(secrets, value);
  for (const check of checks) {
    for (const [name, value] of Object.entries(check.headers))
      if (SENSITIVE_HEADER.test(name)) addSecret(secrets, value);
  }

  return {
    baseUrl,
    expectVersion: readString(INPUT.expectVersion, {}, env),
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
    headers,
    secrets: [...secrets],
  };
}

function seconds(name: string, fallback: number, bounds: { min: number; max: number }, env: Env): number {
  return Math.round(readNumber(name, fallback, bounds, env) * 1000);
}

/** `Name: value` a line, as in an HTTP request; the value keeps everything after the first colon. */
function parseHeaders(env: Env = process.env): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of readList(INPUT.headers, env, { commas: false })) {
    const separator = line.indexOf(':');
    const name = separator > 0 ? line.slice(0, separator).trim() : '';
    if (!HEADER_NAME.test(name)) {
      // The line may hold a token: never echo it, only where it went wrong.
      throw new InputError(
        INPUT.headers,
        separator > 0 ? `has an invalid header name '${name}'` : 'has a line that is not "Name: value"',
        'Write one header a line, such as Authorization: Bearer <token>',
      );
    }
    headers[name] = line.slice(separator + 1).trim();
  }
  return headers;
}

/** The whole value, and the credential alone when it follows a scheme (`Bearer abc` -> `abc`). */
function addSecret(secrets: Set<string>, value: string): void {
  if (value === '') return;
  secrets.add(value);
  const credential = /^[A-Za-z][\w-]*\s+(\S.*)$/.exec(value)?.[1];
  if (credential) secrets.add(credential);
}
