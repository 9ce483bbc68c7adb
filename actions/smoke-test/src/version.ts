import { pollUntil } from '@shipyard/shared/poll';
import { bodyExcerpt } from './evaluate.js';
import { describeJsonValue, MISSING, readJsonPath, type JsonPath } from './json-path.js';
import { probe, retryAfterMs, type ProbeOutcome, type ProbeRequest } from './probe.js';

/**
 * The version gate: poll the app's version endpoint until it reports the version being deployed.
 * While a rollout runs, old tasks answer, new ones start, targets drain: every answer that is not
 * the expected version (another version, a refused connection, a timeout, a 5xx, even a 404 from
 * an old build without the endpoint) means "not yet", and the last one is kept for the error.
 */

export interface VersionSource {
  url: string;
  field: JsonPath;
  fieldText: string;
  headers: Record<string, string>;
  requestTimeoutMs: number;
  followRedirects: boolean;
  forwardHeadersOnRedirect?: boolean;
  redact?: (text: string) => string;
}

export interface VersionGateOptions extends VersionSource {
  expected: string;
  intervalMs: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface VersionReading {
  /** What the app reported at `field`, as text. */
  version?: string;
  /** Why no version could be read, when none could. */
  problem?: string;
}

export interface VersionGateResult {
  live: boolean;
  /** The last version the app reported, if it ever reported one. */
  reported?: string;
  /** The last answer, in words: `reports 1.0.0`, `connection refused (ECONNREFUSED)`. */
  lastSeen: string;
  attempts: number;
  waitedMs: number;
}

export function readVersion(outcome: ProbeOutcome, field: JsonPath, fieldText: string): VersionReading {
  if (outcome.kind === 'error') return { problem: outcome.reason };
  if (outcome.status < 200 || outcome.status > 299) {
    return { problem: `HTTP ${outcome.status}${outcome.body ? `: ${bodyExcerpt(outcome.body, 120)}` : ''}` };
  }
  let document: unknown;
  try {
    document = JSON.parse(outcome.body);
  } catch {
    return { problem: `the body is not JSON: ${bodyExcerpt(outcome.body, 120)}` };
  }
  const value = readJsonPath(document, field);
  if (value === MISSING) return { problem: `no '${fieldText}' in ${bodyExcerpt(outcome.body, 200)}` };
  if (typeof value !== 'string' && typeof value !== 'number') {
    return { problem: `'${fieldText}' is ${describeJsonValue(value)}, not a string` };
  }
  return { version: String(value) };
}

/**
 * Exact match, except that a full commit SHA (40 or 64 hex digits) matches its abbreviation (at
 * least 7): an app that reports the short SHA is live when the workflow waits for `github.sha`,
 * and the other way round. Requiring one side to be a full SHA keeps build numbers such as
 * 1234567 and 12345678 apart.
 */
export function versionMatches(expected: string, reported: string): boolean {
  if (expected === reported) return true;
  const [shorter, longer] = expected.length <= reported.length ? [expected, reported] : [reported, expected];
  return (
    /^[0-9a-f]{7,}$/i.test(shorter) &&
    /^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(longer) &&
    longer.toLowerCase().startsWith(shorter.toLowerCase())
  );
}

function versionRequest(source: VersionSource): ProbeRequest {
  return {
    url: source.url,
    method: 'GET',
    headers: { accept: 'application/json', ...source.headers },
    timeoutMs: source.requestTimeoutMs,
    followRedirects: source.followRedirects,
    forwardHeadersOnRedirect: source.forwardHeadersOnRedirect,
    redact: source.redact,
  };
}

export async function waitForVersion(options: VersionGateOptions): Promise<VersionGateResult> {
  const started = Date.now();
  const request = versionRequest(options);
  let reported: string | undefined;
  let lastSeen = 'no answer yet';
  const result = await pollUntil({
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    check: async (attempt) => {
      const outcome = await probe(request);
      const reading = readVersion(outcome, options.field, options.fieldText);
      if (reading.version !== undefined) {
        reported = reading.version;
        if (versionMatches(options.expected, reading.version)) return { done: true, value: reading.version };
        lastSeen = `reports ${options.fieldText} ${JSON.stringify(reading.version)}`;
      } else {
        lastSeen = reading.problem ?? 'no version';
      }
      options.log?.(`Attempt ${attempt}: ${lastSeen}; waiting for ${JSON.stringify(options.expected)}`);
      return { done: false, waitingFor: lastSeen, retryAfterMs: retryAfterMs(outcome) };
    },
  });
  if (result.done) reported = result.value;
  return {
    live: result.done,
    reported,
    lastSeen: result.done ? `reports ${options.fieldText} ${JSON.stringify(result.value)}` : lastSeen,
    attempts: result.attempts,
    waitedMs: Date.now() - started,
  };
}

/** Without an expected version, ask once for the `version` output; not answering is no failure. */
export async function readCurrentVersion(source: VersionSource): Promise<VersionReading> {
  return readVersion(await probe(versionRequest(source)), source.field, source.fieldText);
}
