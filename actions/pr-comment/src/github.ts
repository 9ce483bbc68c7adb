import * as core from '@actions/core';
import type { getOctokit } from '@actions/github';
import type { ThrottlingOptions } from '@octokit/plugin-throttling';
import { ActionFailure, errorMessage } from '../../shared/src/errors.js';
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
}

/** Retries of a rate-limited request before the step gives up. */
const RATE_LIMIT_RETRIES = 2;
/** Longest wait for a primary rate limit to reset; longer than this fails the step instead. */
const LONGEST_RATE_LIMIT_WAIT_SECONDS = 120;

export async function createOctokit(token: string, { apiUrl, fetch, outgoing }: ClientOptions): Promise<Octokit> {
  const [{ getOctokit }, { retry }, { throttling }] = await Promise.all([
    import('@actions/github'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling'),
  ]);
  const octokit = getOctokit(
    token,
    {
      baseUrl: apiUrl,
      // Only when asked: a `request` given here replaces @actions/github's, proxy support included.
      ...(fetch ? { request: { fetch } } : {}),
      throttle: {
        ...writeSpacing(apiUrl),
        onRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _octokit: unknown,
          retryCount: number,
        ) => {
          const retrying = retryCount < RATE_LIMIT_RETRIES && retryAfter <= LONGEST_RATE_LIMIT_WAIT_SECONDS;
          core.warning(
            `GitHub rate limit reached on ${options.method} ${options.url}; ${
              retrying ? `retrying in ${retryAfter} s` : 'giving up'
            }`,
          );
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
      retry: { retries: 3 },
    },
    retry,
    throttling,
  );
  if (outgoing) guardWrites(octokit, outgoing);
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
