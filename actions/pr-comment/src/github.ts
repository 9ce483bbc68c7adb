import * as core from '@actions/core';
import type { getOctokit } from '@actions/github';
import type { ThrottlingOptions } from '@octokit/plugin-throttling';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import { isLoopback } from './loopback.js';
import type { Outgoing } from './outgoing.js';

export { isLoopback };

/**
 * The Octokit this action uses: `@actions/github`'s with the retry plugin (5xx) and the throttling
 * plugin (primary and secondary rate limits, honouring `retry-after`, and writes spaced out as
 * GitHub asks). Loaded with dynamic imports so that a bad input fails before Octokit is even read
 * from disk.
 */

export type Octokit = ReturnType<typeof getOctokit>;

export interface ClientOptions {
  /** The API root: the run's GITHUB_API_URL (GitHub, a GitHub Enterprise Server's `/api/v3`, or the emulator). */
  apiUrl: string;
  /** Sends the requests instead of `@actions/github`'s proxy-aware fetch. */
  fetch?: typeof globalThis.fetch;
  /** The gate every request that changes something passes through (see outgoing.ts). */
  outgoing?: Outgoing;
  /** Counts the requests sent and keeps the rate limit GitHub last reported. */
  ledger?: RequestLedger;
}

/** Retries of a rate-limited request before the step gives up. */
const RATE_LIMIT_RETRIES = 2;
/** Longest wait for a primary rate limit to reset; longer than this fails the step instead. */
export const LONGEST_RATE_LIMIT_WAIT_SECONDS = 120;

/** `2026-12-02T05:00:00Z`: a reset time as a user reads it in the log. */
export function utc(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Every request this step sent to GitHub (each attempt, retries included) and the primary rate
 * limit as GitHub's last answer reported it (`x-ratelimit-remaining`, `x-ratelimit-reset`).
 */
export class RequestLedger {
  sent = 0;
  remaining?: number;
  /** When the rate-limit window resets, in epoch seconds. */
  reset?: number;

  constructor(private readonly now: () => number = Date.now) {}

  /** Wraps a fetch so that every request is counted and every answer's rate-limit headers kept. */
  counting(fetch: typeof globalThis.fetch): typeof globalThis.fetch {
    return async (input, init) => {
      this.sent += 1;
      const response = await fetch(input, init);
      this.observe((name) => response.headers.get(name) ?? undefined);
      return response;
    };
  }

  observe(header: (name: string) => string | undefined): void {
    const remaining = Number(header('x-ratelimit-remaining') ?? Number.NaN);
    const reset = Number(header('x-ratelimit-reset') ?? Number.NaN);
    if (Number.isInteger(remaining)) this.remaining = remaining;
    if (Number.isInteger(reset)) this.reset = reset;
  }

  /**
   * Before writes that must not be left half-done: when GitHub said fewer requests remain than
   * they need and the window resets later than the step would wait, stop now, with nothing written.
   * A reset within the wait is fine: the throttling plugin waits it out when the limit is reached.
   */
  ensure(needed: number, before: string): void {
    if (this.remaining === undefined || this.reset === undefined || this.remaining >= needed) return;
    if (this.reset * 1000 - this.now() <= LONGEST_RATE_LIMIT_WAIT_SECONDS * 1000) return;
    throw new RateLimitExhausted({
      reset: this.reset,
      sent: this.sent,
      stopped: `before ${before} (GitHub said ${this.remaining} ${this.remaining === 1 ? 'request remains' : 'requests remain'}; that needs ${needed})`,
    });
  }
}

/**
 * GitHub's primary rate limit is exhausted until a reset later than the step waits: every further
 * request would be refused, so the run stops at once, saying until when and that a rerun is safe.
 */
export class RateLimitExhausted extends ActionFailure {
  readonly reset: number;
  readonly sent: number;
  readonly stopped: string;

  /** `left`: what the run could not finish (by default nothing), and how the rerun finishes it. */
  constructor({ reset, sent, stopped, left }: { reset: number; sent: number; stopped: string; left?: string }) {
    super(
      `GitHub's API rate limit for this token is exhausted until ${utc(reset)}: the step stopped ${stopped}, ` +
        `after ${sent} ${sent === 1 ? 'request' : 'requests'} to GitHub, rather than wait longer than ` +
        `${LONGEST_RATE_LIMIT_WAIT_SECONDS} s. ${left ?? 'Nothing was left half-done'}: rerun the job after ${utc(reset)} ` +
        `(it updates the comments and deployment this run may have written instead of adding new ones)`,
    );
    this.name = 'RateLimitExhausted';
    this.reset = reset;
    this.sent = sent;
    this.stopped = stopped;
  }
}

/** A refusal for GitHub's primary rate limit: 403 or 429 with `x-ratelimit-remaining: 0` (not a secondary limit). */
export function primaryRateLimitReset(error: unknown): number | undefined {
  const { status, message = '', response } = (error ?? {}) as RequestErrorLike;
  if (status !== 403 && status !== 429) return undefined;
  if (/secondary rate/i.test(`${message} ${githubMessage(response?.data) ?? ''}`)) return undefined;
  if (response?.headers?.['x-ratelimit-remaining'] !== '0') return undefined;
  const reset = Number(response.headers['x-ratelimit-reset']);
  return Number.isInteger(reset) ? reset : undefined;
}

export async function createOctokit(
  token: string,
  { apiUrl, fetch, outgoing, ledger = new RequestLedger() }: ClientOptions,
): Promise<Octokit> {
  const [{ getOctokit }, { defaults }, { retry }, { throttling }] = await Promise.all([
    import('@actions/github'),
    import('@actions/github/lib/utils'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling'),
  ]);
  // A `request` given here replaces @actions/github's whole, so its proxy-aware fetch and agent
  // are carried over; the fetch is wrapped to count every request (retries included).
  const base = defaults.request as { fetch?: typeof globalThis.fetch; agent?: unknown } | undefined;
  const send = fetch ?? base?.fetch ?? globalThis.fetch;
  const octokit = getOctokit(
    token,
    {
      baseUrl: apiUrl,
      request: { ...(fetch ? {} : base), fetch: ledger.counting(send) },
      throttle: {
        ...writeSpacing(apiUrl),
        // A primary rate limit: wait for the reset GitHub names (the plugin adds a second) when it
        // is near; when it is far, give up at once (the error hook below says until when).
        onRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _octokit: unknown,
          retryCount: number,
        ) => {
          const retrying = retryCount < RATE_LIMIT_RETRIES && retryAfter <= LONGEST_RATE_LIMIT_WAIT_SECONDS;
          if (retrying) {
            core.warning(
              `GitHub's API rate limit for this token is exhausted (${options.method} ${options.url}): waiting ${retryAfter} s for its reset at ${
                ledger.reset === undefined ? 'the time GitHub named' : utc(ledger.reset)
              }, then retrying`,
            );
          }
          return retrying;
        },
        onSecondaryRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _octokit: unknown,
          retryCount: number,
        ) => {
          const retrying = retryCount < RATE_LIMIT_RETRIES;
          core.warning(
            `GitHub secondary rate limit on ${options.method} ${options.url}; ${
              retrying ? `retrying in ${retryAfter} s` : 'giving up'
            }`,
          );
          return retrying;
        },
      },
      // 5xx only: rate limits (403, and 429, which the retry plugin would otherwise retry blindly
      // three times, ignoring the reset GitHub names) are the throttling plugin's.
      retry: { retries: 3, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    },
    retry,
    throttling,
  );
  if (outgoing) guardWrites(octokit, outgoing);
  // Registered after the plugins, so this sees a request's final error, once they gave up.
  octokit.hook.error('request', (error) => {
    const reset = primaryRateLimitReset(error);
    if (reset !== undefined) {
      const { method, url } = (error as { request?: { method?: string; url?: string } }).request ?? {};
      throw new RateLimitExhausted({
        reset,
        sent: ledger.sent,
        stopped: `at ${method ?? 'a request'} ${url ? new URL(url).pathname : ''}`.trimEnd(),
      });
    }
    throw error;
  });
  return octokit;
}

/** Request options that route a request (method, URL, path parameters) rather than carry text. */
const ROUTING = new Set([
  'method',
  'url',
  'baseUrl',
  'headers',
  'request',
  'mediaType',
  'owner',
  'repo',
  'issue_number',
  'pull_number',
  'comment_id',
  'deployment_id',
]);

/**
 * Every parameter of every request that changes something (a comment's body, a deployment's
 * description and payload, a status's URLs) goes through the outgoing gate just before it is sent,
 * whichever module built it: nothing reaches GitHub that the gate has not seen.
 */
export function guardWrites(octokit: Octokit, outgoing: Outgoing): void {
  octokit.hook.before('request', (options) => {
    if (options.method === 'GET' || options.method === 'HEAD') return;
    const params = options as unknown as Record<string, unknown>;
    for (const key of Object.keys(params)) {
      if (!ROUTING.has(key)) params[key] = outgoing.deep(params[key]);
    }
  });
}

type LimiterGroup = NonNullable<ThrottlingOptions['write']>;

/**
 * Stands in for one of the throttling plugin's Bottleneck groups and runs every job at once. The
 * plugin only asks a group for `key(id).schedule([jobOptions,] job, ...args)`; a plugin that asks
 * for more fails the tests that run this client against the emulator.
 */
const UNSPACED: LimiterGroup = {
  key: () => ({
    schedule: (...args: unknown[]) => {
      const [job, ...jobArgs] = (typeof args[0] === 'function' ? args : args.slice(1)) as [
        (...jobArgs: unknown[]) => unknown,
        ...unknown[],
      ];
      return Promise.resolve().then(() => job(...jobArgs));
    },
  }),
} as unknown as LimiterGroup;

/**
 * The throttling plugin spaces writes through two limiter groups: `write` (every POST, PATCH, PUT
 * and DELETE) starts one at most every second (`minTime: 1000`), and `notifications` (writes that
 * notify people, such as a new issue comment) one every three seconds (`minTime: 3000`). That is
 * GitHub's guidance for staying clear of its secondary rate limits, and it applies to GitHub and
 * to every GitHub Enterprise Server. A workflow cannot point GITHUB_API_URL elsewhere (the runner
 * sets it from the server and GITHUB_* variables cannot be overwritten), so an API root on loopback
 * is an emulator on the same machine (a local test, or a tool that runs workflows locally): it has
 * no secondary rate limits to respect, and there the groups are replaced by ones that do not wait.
 * Everything else the plugin does (waiting out and retrying rate limits) stays on everywhere.
 */
export function writeSpacing(apiUrl: string): Pick<ThrottlingOptions, 'write' | 'notifications'> {
  return isLoopback(apiUrl) ? { write: UNSPACED, notifications: UNSPACED } : {};
}

/** What a call needs, in the words of a workflow's `permissions:` block. */
export interface CallPurpose {
  /** "create a comment on pull request #12". */
  doing: string;
  /** "pull-requests: write" (alternatives joined with " or "). */
  permission: string;
}

interface RequestErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/**
 * Run one API call; a refusal becomes an error that says what was being done and which permission
 * the job must grant. GitHub names the permissions it accepts in `x-accepted-github-permissions`;
 * when it does not, the action's own knowledge of the endpoint is used.
 */
export async function call<T>(purpose: CallPurpose, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw explain(error, purpose);
  }
}

/**
 * The token itself is refused or lacks a permission: every further call would fail the same way,
 * so the run stops at once instead of trying the next pull request.
 */
export class TokenRefused extends ActionFailure {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRefused';
  }
}

export function explain(error: unknown, purpose: CallPurpose): Error {
  // Already says all there is to say, and stops the run wherever it is caught.
  if (error instanceof RateLimitExhausted) return error;
  const { status, message = errorMessage(error), response } = (error ?? {}) as RequestErrorLike;
  const detail = githubMessage(response?.data) ?? message;
  if (status === 401) {
    return new TokenRefused(
      `GitHub refused the token while trying to ${purpose.doing} (401 ${detail}). Check the 'token' input: it is missing, expired or revoked`,
    );
  }
  if (status === 403 && /locked/i.test(detail)) {
    return new ActionFailure(`Could not ${purpose.doing}: the conversation is locked (403 ${detail})`);
  }
  if (status === 403 && !/rate limit/i.test(detail)) {
    const accepted = acceptedPermissions(response?.headers?.['x-accepted-github-permissions']) ?? purpose.permission;
    const first = accepted.split(' or ')[0];
    return new TokenRefused(
      `GitHub refused to ${purpose.doing} (403 ${detail}). The token needs the '${accepted}' permission: ` +
        `add '${first}' under the job's 'permissions:' or give a token that has it`,
    );
  }
  if (status === 404) {
    return new ActionFailure(
      `GitHub found nothing when trying to ${purpose.doing} (404 ${detail}). ` +
        `Check the repository and number, and that the token can read the repository ('contents: read')`,
    );
  }
  if (status !== undefined) return new ActionFailure(`Could not ${purpose.doing}: GitHub answered ${status} ${detail}`);
  return new ActionFailure(`Could not ${purpose.doing}: ${message}`);
}

/** `issues=write; pull_requests=write` to `issues: write or pull-requests: write`. */
export function acceptedPermissions(header: string | undefined): string | undefined {
  if (!header || header.trim() === '') return undefined;
  const sets = header
    .split(';')
    .map((set) =>
      set
        .split(',')
        .map((pair) => pair.trim())
        .filter((pair) => pair.includes('='))
        .map((pair) => {
          const [name, level] = pair.split('=');
          return `${name.trim().replace(/_/g, '-')}: ${level.trim()}`;
        })
        .join(' and '),
    )
    .filter((set) => set !== '');
  return sets.length > 0 ? sets.join(' or ') : undefined;
}

function githubMessage(data: unknown): string | undefined {
  if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return undefined;
}
