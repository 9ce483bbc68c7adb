import { pollUntil, type Deadline } from '@shipyard/shared/poll';
import { statusMatches, type Check } from './checks.js';
import { bodyExcerpt, evaluateResponse, type Mismatch } from './evaluate.js';
import { percentile, summariseLatency, type LatencySummary } from './latency.js';
import { BODY_LIMIT_BYTES, probe, retryAfterMs, type ProbeOutcome } from './probe.js';

/**
 * Runs the checks, up to `concurrency` at a time. A check's first request is retried while the
 * app is not there yet (connection refused or reset, a timeout, 429/502/503/504 that the check did
 * not expect; a Retry-After is honoured) until the shared deadline; every other answer is judged at once, so a wrong body fails
 * in seconds rather than at the timeout. The remaining samples follow one after another and are
 * judged as they come: an app that flaps between samples fails.
 */

export interface CheckRunOptions {
  baseUrl: URL;
  /** Sent with every request; a check's own headers win. */
  headers: Record<string, string>;
  samples: number;
  latencyP95Ms?: number;
  requestTimeoutMs: number;
  intervalMs: number;
  followRedirects: boolean;
  /** Send the headers to another origin when a redirect leads there (off: same origin only). */
  forwardHeadersOnRedirect?: boolean;
  /** Applied to everything read from the app (see probe.ts). */
  redact?: (text: string) => string;
  concurrency: number;
  /** Until when a check's first request may be retried. */
  deadline: Deadline;
  log?: (line: string) => void;
}

export interface CheckResult {
  name: string;
  method: string;
  path: string;
  passed: boolean;
  /** The HTTP status of the sample that failed, or of the last sample. */
  status?: number;
  /** Requests sent: retries while the app was not ready, then one per sample. */
  attempts: number;
  /** Samples that got a response (their latencies make up the figures). */
  samples: number;
  latencyMs?: LatencySummary;
  mismatches: Mismatch[];
  /** `expected ..., got ...` for every mismatch, joined; absent when the check passed. */
  failure?: string;
  /** The failing response's body, on one line, at most 500 characters. */
  bodyExcerpt?: string;
}

/** Statuses a load balancer answers while targets start or drain, and "too many requests". */
const NOT_READY_STATUSES = [429, 502, 503, 504];

export function checkUrl(baseUrl: URL, path: string): string {
  return `${baseUrl.origin}${baseUrl.pathname.replace(/\/+$/, '')}${path}`;
}

export async function runChecks(checks: readonly Check[], options: CheckRunOptions): Promise<CheckResult[]> {
  return mapWithConcurrency(checks, options.concurrency, (check) => runCheck(check, options));
}

export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

async function runCheck(check: Check, options: CheckRunOptions): Promise<CheckResult> {
  const request = {
    url: checkUrl(options.baseUrl, check.path),
    method: check.method,
    headers: { ...options.headers, ...check.headers },
    body: check.body,
    timeoutMs: options.requestTimeoutMs,
    followRedirects: check.followRedirects ?? options.followRedirects,
    forwardHeadersOnRedirect: options.forwardHeadersOnRedirect,
    redact: options.redact,
  };
  let attempts = 0;
  let first: ProbeOutcome | undefined;
  let lastLogged: string | undefined;
  const ready = await pollUntil({
    intervalMs: options.intervalMs,
    timeoutMs: options.deadline.remainingMs(),
    check: async () => {
      attempts += 1;
      first = await probe(request);
      const notReady = notReadyReason(check, first);
      if (notReady === undefined) return { done: true, value: first };
      // One line when the reason changes, not one per attempt: 20 checks polling for minutes would bury the log.
      if (notReady !== lastLogged) options.log?.(`${check.name}: not ready (${notReady}), attempt ${attempts}`);
      lastLogged = notReady;
      return { done: false, waitingFor: notReady, retryAfterMs: retryAfterMs(first) };
    },
  });
  const outcomes: ProbeOutcome[] = [first as ProbeOutcome];
  // An app that never became ready fails on its last answer; more samples would only wait again.
  for (let sample = 2; ready.done && sample <= options.samples; sample += 1) {
    attempts += 1;
    outcomes.push(await probe(request));
  }
  return judge(check, outcomes, attempts, options.latencyP95Ms);
}

function notReadyReason(check: Check, outcome: ProbeOutcome): string | undefined {
  if (outcome.kind === 'error') return outcome.transient ? outcome.reason : undefined;
  if (NOT_READY_STATUSES.includes(outcome.status) && !statusMatches(check.expectStatus, outcome.status)) {
    return `HTTP ${outcome.status}`;
  }
  return undefined;
}

function judge(
  check: Check,
  outcomes: readonly ProbeOutcome[],
  attempts: number,
  latencyP95Ms: number | undefined,
): CheckResult {
  const latencies = outcomes.filter((o) => o.kind === 'response').map((o) => o.latencyMs);
  let mismatches: Mismatch[] = [];
  let failing: ProbeOutcome | undefined;
  for (const [index, outcome] of outcomes.entries()) {
    const found: Mismatch[] =
      outcome.kind === 'error'
        ? [{ kind: 'request', expected: 'a response', actual: outcome.reason }]
        : evaluateResponse(check, outcome);
    if (found.length > 0) {
      mismatches = outcomes.length > 1 ? found.map((m) => ({ ...m, sample: index + 1 })) : found;
      failing = outcome;
      break;
    }
  }
  if (latencies.length > 0) {
    const slowest = Math.max(...latencies);
    if (check.maxLatencyMs !== undefined && slowest > check.maxLatencyMs) {
      mismatches.push({
        kind: 'latency',
        expected: `latency at most ${check.maxLatencyMs} ms`,
        actual: `${Math.round(slowest)} ms`,
      });
    }
    const p95 = percentile(latencies, 95);
    if (latencyP95Ms !== undefined && p95 > latencyP95Ms) {
      mismatches.push({
        kind: 'latency',
        expected: `p95 latency at most ${latencyP95Ms} ms over ${latencies.length} samples`,
        actual: `${Math.round(p95)} ms`,
      });
    }
  }
  const shown = failing ?? outcomes[outcomes.length - 1];
  const status = shown.kind === 'response' ? shown.status : undefined;
  const passed = mismatches.length === 0;
  return {
    name: check.name,
    method: check.method,
    path: check.path,
    passed,
    status,
    attempts,
    samples: latencies.length,
    latencyMs: summariseLatency(latencies),
    mismatches,
    failure: passed ? undefined : `${describeFailure(mismatches, outcomes.length)}${cutBodyNote(failing)}`,
    bodyExcerpt:
      !passed && failing?.kind === 'response' && failing.body !== '' && check.method !== 'HEAD'
        ? bodyExcerpt(failing.body)
        : undefined,
  };
}

/** Body expectations saw only the first BODY_LIMIT_BYTES of a longer body: say so. */
function cutBodyNote(outcome: ProbeOutcome | undefined): string {
  if (outcome?.kind !== 'response' || !outcome.bodyBytesDropped) return '';
  return ` (the body was judged on its first ${BODY_LIMIT_BYTES} bytes; ${outcome.bodyBytesDropped} more were read but not kept)`;
}

/** `sample 3 of 5: expected status 2xx, got 500; expected latency at most 20 ms, got 81 ms` */
function describeFailure(mismatches: readonly Mismatch[], samples: number): string {
  const sample = mismatches.find((m) => m.sample !== undefined)?.sample;
  const prefix = sample === undefined ? '' : `sample ${sample} of ${samples}: `;
  return `${prefix}${mismatches.map((m) => `expected ${m.expected}, got ${m.actual}`).join('; ')}`;
}
