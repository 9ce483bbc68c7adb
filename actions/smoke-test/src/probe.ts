/**
 * One HTTP request with Node's own fetch (undici): the whole exchange, body included, is bounded
 * by `AbortSignal.timeout`, and latency is measured to the last byte of the body because that is
 * what a user of the endpoint waits for.
 */

export interface ProbeRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  followRedirects: boolean;
}

export interface ProbeResponse {
  kind: 'response';
  status: number;
  headers: Headers;
  body: string;
  latencyMs: number;
  /** Where the response came from, after any redirects that were followed. */
  finalUrl: string;
}

export interface ProbeError {
  kind: 'error';
  /** What went wrong, in words: `connection refused`, `no response within 2 s`. */
  reason: string;
  /** Worth trying again while an app is starting or a rollout is going on. */
  transient: boolean;
  latencyMs: number;
}

export type ProbeOutcome = ProbeResponse | ProbeError;

/** Socket-level failures a starting app, a draining target or a fresh DNS record produce. */
const TRANSIENT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
};

export async function probe(request: ProbeRequest): Promise<ProbeOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  // AbortSignal.timeout's timer does not keep the process alive on its own; this one does, so a
  // connection that hangs without any socket activity still ends in a timeout instead of an exit.
  const keepAlive = setTimeout(() => undefined, request.timeoutMs + 50);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: request.followRedirects ? 'follow' : 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const body = await response.text();
    return {
      kind: 'response',
      status: response.status,
      headers: response.headers,
      body,
      latencyMs: elapsed(),
      finalUrl: response.url || request.url,
    };
  } catch (error) {
    return { kind: 'error', ...describeFetchError(error, request.timeoutMs), latencyMs: elapsed() };
  } finally {
    clearTimeout(keepAlive);
  }
}

export function describeFetchError(error: unknown, timeoutMs: number): { reason: string; transient: boolean } {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { reason: `no response within ${formatSeconds(timeoutMs)}`, transient: true };
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const code = cause?.code;
  if (code && TRANSIENT_CODES[code]) return { reason: `${TRANSIENT_CODES[code]} (${code})`, transient: true };
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return { reason: code ? `${message} (${code})` : message, transient: false };
}

export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : Number(seconds.toFixed(2))} s`;
}

/**
 * How long a `Retry-After` header asks a client to wait: delta-seconds or an HTTP date. Absent or
 * unreadable is undefined, so the caller's own interval applies.
 */
export function retryAfterMs(outcome: ProbeOutcome, now: number = Date.now()): number | undefined {
  if (outcome.kind !== 'response') return undefined;
  const value = outcome.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Only an HTTP date is a date: Date.parse would also read '-5' as a year.
  const at = /^[A-Za-z]{3}, /.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
