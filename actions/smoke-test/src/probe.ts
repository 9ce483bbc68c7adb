import { formatDuration } from '@shipyard/shared/duration';

/**
 * One HTTP request with Node's own fetch (undici). The whole exchange, every redirect and the body
 * included, is bounded by one deadline that is enforced here on every wait (not left to undici), so
 * a server that sends headers and then trickles its body forever ends in a timeout. Latency is
 * measured to the last byte of the body because that is what a user of the endpoint waits for.
 *
 * Redirects are followed here, hop by hop, rather than by fetch: fetch drops only Authorization
 * (and Cookie) when a redirect leaves the origin, and would send every other header the user gave
 * (an X-Api-Key, a session header) to wherever the app points. The request's headers go only to
 * the origin of its URL unless `forwardHeadersOnRedirect` is set.
 *
 * What comes back (body, header values, the final URL, an error's text) has passed through
 * `redact` before anyone sees it, so a server that echoes a credential cannot put it in a result.
 */

export interface ProbeRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  followRedirects: boolean;
  /** Send `headers` on a redirect to another origin too (the forward-headers-on-redirect input). */
  forwardHeadersOnRedirect?: boolean;
  /** Applied to every text read from the answer; secrets become `***`. */
  redact?: (text: string) => string;
}

export interface ProbeResponse {
  kind: 'response';
  status: number;
  headers: Headers;
  body: string;
  /** Bytes past BODY_LIMIT_BYTES that were read (for the latency) but not kept. */
  bodyBytesDropped?: number;
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

/** How much of a body is kept to be judged; the rest is read to the end and dropped. */
export const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** As many redirects as fetch itself follows. */
export const MAX_REDIRECTS = 20;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Headers that describe a request body, dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
]);

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

/** A redirect the probe will not follow: said as the request's failure, never retried. */
class RedirectRefused extends Error {}

export async function probe(request: ProbeRequest): Promise<ProbeOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const redact = request.redact ?? ((text: string) => text);
  const controller = new AbortController();
  // This timer keeps the process alive while a connection hangs without any socket activity, and
  // it is the deadline: every wait below races it.
  const timer = setTimeout(
    () => controller.abort(new DOMException('request timed out', 'TimeoutError')),
    request.timeoutMs,
  );
  const { signal } = controller;
  try {
    const origin = new URL(request.url).origin;
    let url = request.url;
    let method = request.method;
    let body = request.body;
    let headers = request.headers;
    for (let hop = 0; ; hop += 1) {
      const sameOrigin = new URL(url).origin === origin;
      const response = await untilAborted(
        fetch(url, {
          method,
          headers: sameOrigin || request.forwardHeadersOnRedirect ? headers : {},
          body,
          redirect: 'manual',
          signal,
        }),
        signal,
      );
      const location = response.headers.get('location');
      if (!request.followRedirects || !REDIRECT_STATUSES.has(response.status) || location === null) {
        const read = await readBody(response, signal);
        return {
          kind: 'response',
          status: response.status,
          headers: redactHeaders(response.headers, redact),
          body: redact(read.text),
          bodyBytesDropped: read.dropped,
          latencyMs: elapsed(),
          finalUrl: redact(url),
        };
      }
      await response.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw new RedirectRefused(`more than ${MAX_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new RedirectRefused(`HTTP ${response.status} redirect to a location that is not a URL`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new RedirectRefused(`HTTP ${response.status} redirect to a ${next.protocol} URL, which is not followed`);
      }
      // As fetch does: 303 (but for HEAD), and 301/302 after a POST, continue as a GET without the body.
      if (
        (response.status === 303 && method !== 'HEAD') ||
        ([301, 302].includes(response.status) && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !BODY_HEADERS.has(name.toLowerCase())));
      }
      url = next.href;
    }
  } catch (error) {
    if (error instanceof RedirectRefused) {
      return { kind: 'error', reason: redact(error.message), transient: false, latencyMs: elapsed() };
    }
    const described = describeFetchError(error, request.timeoutMs);
    return { kind: 'error', ...described, reason: redact(described.reason), latencyMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

/** The promise, or the signal's reason as soon as it aborts, whichever comes first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * The body as text, at most BODY_LIMIT_BYTES of it kept; the rest is read and dropped so the
 * latency still runs to the last byte. Each read races the deadline.
 */
async function readBody(response: Response, signal: AbortSignal): Promise<{ text: string; dropped: number }> {
  if (!response.body) return { text: '', dropped: 0 };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let dropped = 0;
  try {
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) break;
      const room = BODY_LIMIT_BYTES - kept;
      if (room > 0) {
        const piece = value.byteLength > room ? value.subarray(0, room) : value;
        chunks.push(piece);
        kept += piece.byteLength;
      }
      dropped += value.byteLength - Math.min(value.byteLength, Math.max(0, room));
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), dropped };
}

function redactHeaders(headers: Headers, redact: (text: string) => string): Headers {
  const clean = new Headers();
  for (const [name, value] of headers) clean.append(name, redact(value));
  return clean;
}

export function describeFetchError(error: unknown, timeoutMs: number): { reason: string; transient: boolean } {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { reason: `no response within ${formatDuration(timeoutMs)}`, transient: true };
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const code = cause?.code;
  if (code && TRANSIENT_CODES[code]) return { reason: `${TRANSIENT_CODES[code]} (${code})`, transient: true };
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return { reason: code ? `${message} (${code})` : message, transient: false };
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
