/**
 * Waiting, bounded. Every waiting loop in Shipyard polls at a fixed interval (not an exponential
 * backoff, which can leave a step idle for minutes after the thing it waits for has happened) and
 * stops at a deadline.
 */

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface Deadline {
  readonly at: number;
  remainingMs(): number;
  passed(): boolean;
}

export function deadlineIn(ms: number, now: () => number = Date.now): Deadline {
  const at = now() + ms;
  return {
    at,
    remainingMs: () => Math.max(0, at - now()),
    passed: () => now() >= at,
  };
}

export type PollOutcome<T> =
  | { done: true; value: T }
  | {
      done: false;
      waitingFor: string;
      /** A longer wait the other side asked for (an HTTP `Retry-After`); never shortens the interval. */
      retryAfterMs?: number;
    };

export interface PollOptions<T> {
  intervalMs: number;
  timeoutMs: number;
  /** One look at the world: done with a value, or not yet with what it is still waiting for. */
  check: (attempt: number) => Promise<PollOutcome<T>>;
  now?: () => number;
  /** How to wait between checks: `sleep` unless given (a test's fake clock passes its own). */
  wait?: (ms: number) => Promise<void>;
}

export type PollResult<T> =
  { done: true; value: T; attempts: number } | { done: false; waitingFor: string; attempts: number };

/**
 * Check, then wait one interval, until the check is done or the deadline passes. The last check
 * happens at the deadline at the latest: the wait before it is cut short rather than overshooting.
 */
export async function pollUntil<T>({
  intervalMs,
  timeoutMs,
  check,
  now = Date.now,
  wait = sleep,
}: PollOptions<T>): Promise<PollResult<T>> {
  const deadline = deadlineIn(timeoutMs, now);
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const outcome = await check(attempts);
    if (outcome.done) return { done: true, value: outcome.value, attempts };
    if (deadline.passed()) return { done: false, waitingFor: outcome.waitingFor, attempts };
    await wait(Math.min(Math.max(intervalMs, outcome.retryAfterMs ?? 0), deadline.remainingMs()));
  }
}
