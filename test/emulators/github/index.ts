import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openApiValidator, type OperationRef, type Problem } from './openapi.js';
import * as resources from './resources.js';
import { checkSlackPayload } from './slack.js';
import { GitHubState, type DeploymentState, type MergeOptions } from './state.js';

/**
 * An emulator of the GitHub REST endpoints Shipyard's pr-comment action calls, with a Slack
 * incoming-webhook receiver beside it. It is stateful (see `GitHubState`), wants a token as GitHub
 * does, paginates with `Link` headers, can answer with secondary rate limits and 502s (queued or at
 * a seeded rate), and holds every request and response against GitHub's OpenAPI description: a
 * request the description does not allow is refused with 422 (as GitHub would, and not retried by
 * Octokit, so the failure shows at once), a response the emulator itself got wrong becomes a 500;
 * both are recorded with the reason in the call log (`problems`).
 */

export type Permission = 'contents' | 'pull-requests' | 'issues' | 'deployments';
export type PermissionLevel = 'none' | 'read' | 'write';
export type Permissions = Partial<Record<Permission, PermissionLevel>>;

export type Fault =
  | { kind: 'secondary-rate-limit'; retryAfterSeconds?: number; status?: 403 | 429 }
  | { kind: 'server-error'; status?: number }
  /**
   * This answer instead of the emulator's own, held to GitHub's description like any other: a
   * test's deliberately wrong answer becomes a 500 with a recorded problem.
   */
  | { kind: 'answer'; status: number; body?: unknown; headers?: Record<string, string> };

/**
 * Who a token is. An installation token (GITHUB_TOKEN, a GitHub App's) writes as the app's bot user
 * (`github-actions[bot]` for GITHUB_TOKEN) and gets `403 Resource not accessible by integration`
 * from `GET /user`; a personal or OAuth token writes as its user, whom `GET /user` returns.
 */
export interface TokenIdentity {
  kind: 'installation' | 'user';
  login: string;
}

export interface RateLimitOptions {
  /** Requests a token may make per window (GitHub: 1,000 an hour for GITHUB_TOKEN, 5,000 for a user's token). */
  limit?: number;
  /** How long a window lasts from the first request in it (GitHub: 3,600 s). */
  windowSeconds?: number;
  /** The status of an exhausted limit: GitHub sends 403, sometimes 429. */
  status?: 403 | 429;
}

export interface RateLimitState {
  limit: number;
  remaining: number;
  used: number;
  /** When the window ends, in epoch seconds (the `x-ratelimit-reset` header). */
  reset: number;
}

export interface FaultRates {
  /** Seeds the generator that decides which requests fail, so a run is reproducible. */
  seed?: number;
  /** Share of API requests (0 to 1) answered with a secondary rate limit. */
  secondaryRateLimit?: number;
  /** Share of API requests (0 to 1) answered with 502 Bad Gateway. */
  serverError?: number;
  /** `retry-after` of the rate limits, in seconds (GitHub sends 60 and more; tests want 1). */
  retryAfterSeconds?: number;
}

export interface GitHubScenario {
  repositories?: { fullName: string; defaultBranch?: string; private?: boolean }[];
  /** Pull requests merged in this order, each into its repository's default branch unless `base` says. */
  mergedPullRequests?: ({ repository: string } & MergeOptions)[];
  deployments?: { repository: string; sha?: string; environment?: string; statuses?: DeploymentState[] }[];
  faults?: FaultRates;
  permissions?: Permissions;
  tokens?: string[];
  identities?: Record<string, TokenIdentity>;
  rateLimit?: RateLimitOptions;
}

export interface GitHubEmulatorOptions {
  port?: number;
  host?: string;
  seed?: number;
  /** Tokens accepted; any non-empty token when not given. */
  tokens?: string[];
  /**
   * Who each token is. Without an entry, a token that looks like a personal or OAuth token (`ghp_`,
   * `github_pat_`, `gho_`, `ghu_`) is the user `shipyard-ci`, any other is GITHUB_TOKEN
   * (`github-actions[bot]`).
   */
  identities?: Record<string, TokenIdentity>;
  /** The primary rate limit, counted per token. */
  rateLimit?: RateLimitOptions;
  /**
   * The emulator's clock (epoch milliseconds): rate-limit windows start and end by it, so a test
   * moves time on instead of waiting. `Date.now` when not given.
   */
  clock?: () => number;
  /** What every accepted token may do; `write` on everything when not given. */
  permissions?: Permissions;
  faults?: FaultRates;
  /** The web root HTML URLs point at. */
  webUrl?: string;
  /** A history to set up at start and again on every reset. */
  scenario?: GitHubScenario;
  /** Delay before each answer, in milliseconds. */
  latencyMs?: number;
  /**
   * For tests of start-up: it does not finish before this settles, as if the OpenAPI description
   * (which a cold process takes a second or more to parse) were still loading.
   */
  startupHold?: Promise<unknown>;
}

export interface RecordedCall {
  seq: number;
  /** When it was answered (epoch milliseconds): shows how a client spaced and retried its requests. */
  at: number;
  service: 'github' | 'slack';
  method: string;
  path: string;
  query: Record<string, string>;
  /** GitHub's operation id (`issues/create-comment`), or undefined for a path the emulator does not serve. */
  operationId?: string;
  status: number;
  requestBody?: unknown;
  /** What the emulator answered instead of serving the request: an injected fault, or an exhausted rate limit. */
  fault?: Fault['kind'] | 'rate-limit';
  /** Where the request or the response broke GitHub's OpenAPI description. */
  problems: Problem[];
}

export interface GitHubEmulator {
  /** Give this as GITHUB_API_URL. */
  url: string;
  /** An incoming-webhook URL whose posts are recorded. */
  slackWebhookUrl: string;
  state: GitHubState;
  calls(): RecordedCall[];
  /** Calls that changed something (POST, PATCH, PUT, DELETE), Slack posts included. */
  writes(): RecordedCall[];
  /** Every OpenAPI problem seen since the last reset; tests expect it empty. */
  problems(): (Problem & { call: string })[];
  slackMessages(): unknown[];
  /** The most requests that were open at once since the last reset: 1 for a client that waits for each answer. */
  peakConcurrency(): number;
  /** Answer every request this much later, so that overlapping requests would show in peakConcurrency(). */
  setLatency(milliseconds: number): void;
  reset(): void;
  /** The next matching API requests get these answers instead of their own. */
  injectFaults(faults: Fault[], options?: { operationId?: string }): void;
  /** The next `times` Slack posts get this answer. */
  failSlack(answer: { status: number; body: string }, times?: number): void;
  /** What every token may do, minted ones excepted; a scope not named is `write` (the repository default). */
  setPermissions(permissions: Permissions): void;
  /**
   * A fresh installation token (`ghs_` and 36 characters, as GitHub's), accepted from now until the
   * next reset, acting as GITHUB_TOKEN does (`github-actions[bot]`) and held to exactly these
   * permissions: a scope not named is `none`, as for a job's GITHUB_TOKEN under `permissions:`.
   * Without permissions (a workflow with no `permissions:` anywhere) it gets the emulator's own
   * (`write` on everything unless it was started with others). Its rate-limit window is its own,
   * and setPermissions does not change it: two jobs running at once each have their own set.
   */
  mintToken(permissions?: Permissions): string;
  /**
   * Set a token's rate-limit window (every token's when no token is given): what remains and when
   * it resets (epoch seconds), so a test reaches the limit, or its reset, without waiting.
   */
  setRateLimit(window: { remaining?: number; reset?: number; limit?: number }, token?: string): void;
  /** A token's rate-limit window as the next answer's headers would show it before counting. */
  rateLimit(token: string): RateLimitState;
  close(): Promise<void>;
}

interface Route extends OperationRef {
  permissions: Permissions[];
  /** GitHub's name for what the operation works on, for `errors[].resource`. */
  resource: string;
  handle(request: ApiRequest): ApiAnswer;
}

interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  url: URL;
  identity: TokenIdentity;
}

interface ApiAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const DOCS = 'https://docs.github.com/rest';
const PRIMARY_RATE_LIMIT_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits';
/** GitHub's own installation id for GITHUB_TOKEN's app is not public; any stable number will do. */
const INSTALLATION_ID = 31_337_001;

/** Who a token is when no identity was given for it (see `GitHubEmulatorOptions.identities`). */
export function defaultIdentity(token: string): TokenIdentity {
  return /^(?:ghp_|github_pat_|gho_|ghu_)/.test(token)
    ? { kind: 'user', login: 'shipyard-ci' }
    : { kind: 'installation', login: 'github-actions[bot]' };
}
const SLACK_PATH = '/slack/services/T0SHIPYARD/B0SHIPYARD/emulatorwebhooksecret000';

function notFound(): ApiAnswer {
  return { status: 404, body: resources.basicError('Not Found', DOCS, 404) };
}

/** GitHub's plain 422: the reason is the message itself (an unknown commit or ref). */
function unprocessable(message: string): ApiAnswer {
  return { status: 422, body: { message, documentation_url: DOCS } };
}

function validationFailed(
  message: string,
  field: string,
  resource: string,
  code: 'invalid' | 'missing_field' | 'custom' = 'custom',
): ApiAnswer {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource, field, code, message }],
      // The operation's own page: filled in where the operation is known (see handleApi).
      documentation_url: DOCS,
      status: '422',
    },
  };
}

/** mulberry32: small, seedable, good enough to decide which request fails. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pageOf<T>(items: T[], request: ApiRequest): { items: T[]; link?: string } {
  const perPage = Math.min(Number(request.query.get('per_page') ?? 30) || 30, 100);
  const page = Math.max(Number(request.query.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const linkTo = (target: number) => {
    const url = new URL(request.url);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(target));
    return url.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${linkTo(page - 1)}>; rel="prev"`);
  if (page < last) links.push(`<${linkTo(page + 1)}>; rel="next"`);
  if (page < last) links.push(`<${linkTo(last)}>; rel="last"`);
  if (page > 1) links.push(`<${linkTo(1)}>; rel="first"`);
  return { items: slice, link: links.length > 0 ? links.join(', ') : undefined };
}

function listAnswer<T>(items: T[], request: ApiRequest, render: (item: T) => unknown): ApiAnswer {
  const { items: slice, link } = pageOf(items, request);
  return { status: 200, body: slice.map(render), headers: link ? { link } : {} };
}

function buildRoutes(state: GitHubState, urls: resources.Urls): Route[] {
  const repoOf = (params: Record<string, string>) => state.repository(`${params.owner}/${params.repo}`);
  const read = (permission: Permission): Permissions => ({ [permission]: 'read' });
  const write = (permission: Permission): Permissions => ({ [permission]: 'write' });

  return [
    {
      method: 'GET',
      path: '/user',
      resource: 'User',
      permissions: [{}],
      handle: (request) =>
        request.identity.kind === 'installation'
          ? {
              status: 403,
              body: resources.basicError(
                'Resource not accessible by integration',
                'https://docs.github.com/rest/users/users#get-the-authenticated-user',
                403,
              ),
            }
          : { status: 200, body: resources.publicUser(urls, request.identity.login) },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/commits/{commit_sha}/pulls',
      resource: 'Commit',
      permissions: [{ contents: 'read', 'pull-requests': 'read' }],
      handle: (request) => {
        const repo = repoOf(request.params);
        if (!repo) return notFound();
        const commit = state.resolve(repo.fullName, request.params.commit_sha);
        if (!commit) {
          return unprocessable(`No commit found for SHA: ${request.params.commit_sha}`);
        }
        const pulls = state.pullsForCommit(repo.fullName, commit.sha);
        return listAnswer(pulls, request, (pull) =>
          resources.pullRequest(urls, pull, {
            base: repo,
            head: state.requireRepository(pull.headRepository),
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/pulls/{pull_number}',
      resource: 'PullRequest',
      permissions: [read('pull-requests')],
      handle: (request) => {
        const repo = repoOf(request.params);
        const pull = repo && state.pull(repo.fullName, Number(request.params.pull_number));
        if (!repo || !pull) return notFound();
        return {
          status: 200,
          body: resources.pullRequest(
            urls,
            pull,
            { base: repo, head: state.requireRepository(pull.headRepository) },
            true,
          ),
        };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      resource: 'IssueComment',
      permissions: [read('issues'), read('pull-requests')],
      handle: (request) => {
        const repo = repoOf(request.params);
        const number = Number(request.params.issue_number);
        if (!repo || !state.pull(repo.fullName, number)) return notFound();
        const comments = state.comments(repo.fullName, number).sort((a, b) => a.id - b.id);
        return listAnswer(comments, request, (comment) => resources.issueComment(urls, repo, comment));
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      resource: 'IssueComment',
      permissions: [write('issues'), write('pull-requests')],
      handle: (request) => {
        const repo = repoOf(request.params);
        const number = Number(request.params.issue_number);
        const pull = repo && state.pull(repo.fullName, number);
        if (!repo || !pull) return notFound();
        if (pull.locked) {
          return {
            status: 403,
            body: resources.basicError('Unable to create comment because issue is locked.', DOCS, 403),
          };
        }
        const body = String(request.body.body);
        if (body.length > 65_536) {
          return validationFailed('Body is too long (maximum is 65536 characters)', 'body', 'IssueComment');
        }
        const comment = state.addComment(repo.fullName, number, { body, author: request.identity.login });
        const rendered = resources.issueComment(urls, repo, comment);
        return { status: 201, body: rendered, headers: { location: String(rendered.url) } };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
      resource: 'IssueComment',
      permissions: [read('issues'), read('pull-requests')],
      handle: (request) => {
        const repo = repoOf(request.params);
        const comment = state.comment(Number(request.params.comment_id));
        if (!repo || !comment || comment.repository !== repo.fullName) return notFound();
        return { status: 200, body: resources.issueComment(urls, repo, comment) };
      },
    },
    {
      method: 'PATCH',
      path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
      resource: 'IssueComment',
      permissions: [write('issues'), write('pull-requests')],
      handle: (request) => {
        const repo = repoOf(request.params);
        const existing = state.comment(Number(request.params.comment_id));
        // The description declares no 404 for this operation; GitHub answers a missing comment with 422.
        if (!repo || !existing || existing.repository !== repo.fullName) {
          return validationFailed('Comment not found', 'comment_id', 'IssueComment');
        }
        const body = String(request.body.body);
        if (body.length > 65_536) {
          return validationFailed('Body is too long (maximum is 65536 characters)', 'body', 'IssueComment');
        }
        const comment = state.updateComment(existing.id, body);
        return { status: 200, body: resources.issueComment(urls, repo, comment ?? existing) };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/compare/{basehead}',
      resource: 'Commit',
      permissions: [read('contents')],
      handle: (request) => {
        const repo = repoOf(request.params);
        if (!repo) return notFound();
        const basehead = request.params.basehead;
        const [baseRef, headRef] = basehead.split('...');
        const base = baseRef && state.resolve(repo.fullName, baseRef);
        const head = headRef && state.resolve(repo.fullName, headRef);
        if (!base || !head) return notFound();
        const { ahead, behindBy, mergeBase } = state.compare(base, head);
        // GitHub pages the commits of a comparison (250 when no page is asked for).
        const paged = request.query.has('per_page') || request.query.has('page');
        const { items, link } = paged ? pageOf(ahead, request) : { items: ahead.slice(0, 250), link: undefined };
        return {
          status: 200,
          body: resources.comparison(urls, repo, { basehead, base, mergeBase, ahead, behindBy, pageOfCommits: items }),
          headers: link ? { link } : {},
        };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/deployments',
      resource: 'Deployment',
      permissions: [read('deployments')],
      handle: (request) => {
        const repo = repoOf(request.params);
        if (!repo) return notFound();
        const filters = ['sha', 'ref', 'task', 'environment'] as const;
        const deployments = state.deployments(repo.fullName).filter((deployment) =>
          filters.every((name) => {
            const wanted = request.query.get(name);
            return wanted === null || wanted === 'none' || String(deployment[name]) === wanted;
          }),
        );
        return listAnswer(deployments, request, (deployment) => resources.deployment(urls, repo, deployment));
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/deployments',
      resource: 'Deployment',
      permissions: [write('deployments')],
      handle: (request) => {
        const repo = repoOf(request.params);
        if (!repo) return notFound();
        const body = request.body as {
          ref: string;
          task?: string;
          payload?: Record<string, unknown> | string;
          environment?: string;
          description?: string | null;
          transient_environment?: boolean;
          production_environment?: boolean;
        };
        const commit = state.resolve(repo.fullName, body.ref);
        if (!commit) return unprocessable(`No ref found for: ${body.ref}`);
        const deployment = state.createDeployment(repo.fullName, {
          sha: commit.sha,
          ref: body.ref,
          task: body.task,
          payload: body.payload,
          environment: body.environment,
          description: body.description,
          transientEnvironment: body.transient_environment,
          productionEnvironment: body.production_environment,
        });
        return { status: 201, body: resources.deployment(urls, repo, deployment) };
      },
    },
    {
      method: 'DELETE',
      path: '/repos/{owner}/{repo}/deployments/{deployment_id}',
      resource: 'Deployment',
      permissions: [write('deployments')],
      handle: (request) => {
        const repo = repoOf(request.params);
        const deployment = state.deployment(Number(request.params.deployment_id));
        if (!repo || !deployment || deployment.repository !== repo.fullName) return notFound();
        // GitHub: with more than one deployment in the repository, only an inactive one can be
        // deleted. One whose latest status is success (or still on its way) is active; one with no
        // status never was.
        const latest = deployment.statuses.at(-1)?.state;
        const active = latest !== undefined && ['success', 'in_progress', 'queued', 'pending'].includes(latest);
        if (active && state.deployments(repo.fullName).length > 1) {
          return unprocessable(
            'We cannot delete an active deployment unless it is the only deployment in a given environment.',
          );
        }
        state.deleteDeployment(deployment.id);
        return { status: 204, body: undefined };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      resource: 'DeploymentStatus',
      permissions: [read('deployments')],
      handle: (request) => {
        const repo = repoOf(request.params);
        const deployment = state.deployment(Number(request.params.deployment_id));
        if (!repo || !deployment || deployment.repository !== repo.fullName) return notFound();
        const statuses = [...deployment.statuses].reverse();
        return listAnswer(statuses, request, (status) => resources.deploymentStatus(urls, repo, deployment, status));
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      resource: 'DeploymentStatus',
      permissions: [write('deployments')],
      handle: (request) => {
        const repo = repoOf(request.params);
        const deployment = state.deployment(Number(request.params.deployment_id));
        if (!repo || !deployment || deployment.repository !== repo.fullName) {
          return validationFailed('Deployment not found', 'deployment_id', 'DeploymentStatus');
        }
        const body = request.body as {
          state: DeploymentState;
          description?: string;
          environment?: string;
          environment_url?: string;
          log_url?: string;
          target_url?: string;
        };
        if ((body.description ?? '').length > 140) {
          return validationFailed(
            'description is too long (maximum is 140 characters)',
            'description',
            'DeploymentStatus',
          );
        }
        const status = state.addDeploymentStatus(deployment.id, {
          state: body.state,
          description: body.description,
          environment: body.environment,
          environmentUrl: body.environment_url,
          logUrl: body.log_url ?? body.target_url,
        });
        const rendered = resources.deploymentStatus(urls, repo, deployment, status);
        return { status: 201, body: rendered, headers: { location: String(rendered.url) } };
      },
    },
  ];
}

/** `/repos/{owner}/{repo}/compare/{basehead}` to a matcher; `basehead` may hold slashes. */
function matcher(path: string): (pathname: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    names.push(name);
    return name === 'basehead' ? '(.+)' : '([^/]+)';
  });
  const regex = new RegExp(`^${pattern}/?$`);
  return (pathname) => {
    const match = regex.exec(pathname);
    if (!match) return undefined;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
  };
}

const LEVELS: Record<PermissionLevel, number> = { none: 0, read: 1, write: 2 };

function allowed(granted: Permissions, needed: Permissions[]): boolean {
  return needed.some((set) =>
    Object.entries(set).every(
      ([name, level]) => LEVELS[granted[name as Permission] ?? 'none'] >= LEVELS[level as PermissionLevel],
    ),
  );
}

/** GitHub's `x-accepted-github-permissions`: alternative sets separated by `;`. */
function acceptedPermissionsHeader(needed: Permissions[]): string {
  return needed
    .map((set) =>
      Object.entries(set)
        .map(([name, level]) => `${name.replace(/-/g, '_')}=${level}`)
        .join(','),
    )
    .join('; ');
}

const ALL_WRITE: Permissions = { contents: 'write', 'pull-requests': 'write', issues: 'write', deployments: 'write' };
const ALL_NONE: Permissions = { contents: 'none', 'pull-requests': 'none', issues: 'none', deployments: 'none' };
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `ghs_` and 36 random characters of [A-Za-z0-9]: the shape of a GitHub App installation token. */
function installationToken(): string {
  const bytes = randomBytes(36);
  return `ghs_${[...bytes].map((byte) => TOKEN_ALPHABET[byte % TOKEN_ALPHABET.length]).join('')}`;
}

export async function startGitHubEmulator(options: GitHubEmulatorOptions = {}): Promise<GitHubEmulator> {
  const scenario = options.scenario ?? {};
  const seed = options.seed ?? 1;
  const baseTokens = options.tokens ?? scenario.tokens;
  const identities = { ...scenario.identities, ...options.identities };
  const rateLimitOptions: RateLimitOptions = { ...scenario.rateLimit, ...options.rateLimit };
  const basePermissions = { ...ALL_WRITE, ...scenario.permissions, ...options.permissions };
  const faultRates: FaultRates = { ...scenario.faults, ...options.faults };

  let state = new GitHubState({ seed });
  let permissions: Permissions = basePermissions;
  /** Tokens minted by mintToken, each with its own permissions (until the next reset). */
  let minted = new Map<string, Permissions>();
  let calls: RecordedCall[] = [];
  let faultQueue: { fault: Fault; operationId?: string }[] = [];
  let slackFailures: { answer: { status: number; body: string }; times: number }[] = [];
  let random = seededRandom(faultRates.seed ?? seed);
  let seq = 0;
  const clock = options.clock ?? Date.now;
  const windowSeconds = rateLimitOptions.windowSeconds ?? 3600;
  let rateWindows = new Map<string, { limit: number; used: number; reset: number }>();
  let pendingWindow: { remaining?: number; reset?: number; limit?: number } | undefined;
  const applyWindow = (
    window: { limit: number; used: number; reset: number },
    next: { remaining?: number; reset?: number; limit?: number },
  ) => {
    if (next.limit !== undefined) window.limit = next.limit;
    if (next.remaining !== undefined) window.used = Math.max(window.limit - next.remaining, 0);
    if (next.reset !== undefined) window.reset = next.reset;
  };
  let inFlight = 0;
  let peakInFlight = 0;
  let latencyMs = options.latencyMs ?? 0;

  // The API root is known once the port is: routes read it when they answer, never before.
  const urls: resources.Urls = { api: '', web: options.webUrl ?? 'https://github.com' };
  let routes = buildRoutes(state, urls);
  const matchers = routes.map((route) => matcher(route.path));
  // Everything a request needs is ready before the port opens (see the end of this function).
  const [validator] = await Promise.all([openApiValidator(routes), options.startupHold]);

  const applyScenario = () => {
    for (const repo of scenario.repositories ?? []) state.createRepository(repo.fullName, repo);
    for (const { repository, ...merge } of scenario.mergedPullRequests ?? []) {
      state.createRepository(repository);
      state.mergePullRequest(repository, merge);
    }
    for (const { repository, sha, ...deployment } of scenario.deployments ?? []) {
      state.createDeployment(repository, { sha: sha ?? state.branchHead(repository), ...deployment });
    }
  };
  applyScenario();

  const record = (call: Omit<RecordedCall, 'seq' | 'at'>) => {
    seq += 1;
    calls.push({ seq, at: Date.now(), ...call });
  };

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    response.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    response.end(text);
  };

  const nextFault = (operationId: string): Fault | undefined => {
    const index = faultQueue.findIndex((entry) => !entry.operationId || entry.operationId === operationId);
    if (index >= 0) return faultQueue.splice(index, 1)[0].fault;
    if (faultRates.secondaryRateLimit && random() < faultRates.secondaryRateLimit) {
      return { kind: 'secondary-rate-limit' };
    }
    if (faultRates.serverError && random() < faultRates.serverError) return { kind: 'server-error' };
    return undefined;
  };

  const handleSlack = (request: IncomingMessage, response: ServerResponse, raw: string, pathname: string) => {
    const base: Omit<RecordedCall, 'seq' | 'at' | 'status'> = {
      service: 'slack',
      method: request.method ?? 'GET',
      path: pathname,
      query: {},
      operationId: 'slack/incoming-webhook',
      problems: [],
    };
    if (request.method !== 'POST' || pathname !== SLACK_PATH) {
      record({ ...base, status: 404 });
      return send(response, 404, 'no_service');
    }
    const failure = slackFailures[0];
    if (failure) {
      failure.times -= 1;
      if (failure.times <= 0) slackFailures.shift();
      record({ ...base, status: failure.answer.status, requestBody: safeJson(raw), fault: 'server-error' });
      return send(response, failure.answer.status, failure.answer.body);
    }
    const { answer, payload } = checkSlackPayload(raw, request.headers['content-type']);
    record({ ...base, status: answer.status, requestBody: payload });
    return send(response, answer.status, answer.body);
  };

  const handleControl = (request: IncomingMessage, response: ServerResponse, pathname: string) => {
    if (pathname === '/_emulator/calls' && request.method === 'GET') return send(response, 200, calls);
    if (pathname === '/_emulator/reset' && request.method === 'POST') {
      emulator.reset();
      return send(response, 200, { reset: true });
    }
    if (pathname === '/_emulator/slack' && request.method === 'GET')
      return send(response, 200, emulator.slackMessages());
    return send(response, 404, { message: 'Unknown emulator control route' });
  };

  const identityOf = (token: string): TokenIdentity =>
    minted.has(token) ? { kind: 'installation', login: state.actor } : (identities[token] ?? defaultIdentity(token));

  /** A token's window, started again when the clock has passed its reset (GitHub's fixed windows). */
  const windowOf = (token: string, identity: TokenIdentity | undefined) => {
    const now = clock();
    let window = rateWindows.get(token);
    const first = !window;
    if (!window || now >= window.reset * 1000) {
      const limit =
        window?.limit ??
        rateLimitOptions.limit ??
        (identity === undefined ? 60 : identity.kind === 'installation' ? 1000 : 5000);
      window = { limit, used: 0, reset: Math.ceil((now + windowSeconds * 1000) / 1000) };
      rateWindows.set(token, window);
      if (first && token !== '' && pendingWindow) applyWindow(window, pendingWindow);
    }
    return window;
  };

  const rateHeaders = (window: { limit: number; used: number; reset: number }): Record<string, string> => ({
    'x-ratelimit-limit': String(window.limit),
    'x-ratelimit-remaining': String(Math.max(window.limit - window.used, 0)),
    'x-ratelimit-used': String(window.used),
    'x-ratelimit-reset': String(window.reset),
    'x-ratelimit-resource': 'core',
  });

  const handleApi = (request: IncomingMessage, response: ServerResponse, raw: string, requestUrl: URL) => {
    const method = request.method ?? 'GET';
    const query = Object.fromEntries(requestUrl.searchParams);
    // GitHub Enterprise Server serves the same API below /api/v3: `${url}/api/v3` works as GITHUB_API_URL.
    const pathname = requestUrl.pathname.replace(/^\/api\/v3(?=\/)/, '');
    const authorization = request.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization)?.[1];
    const known = token !== undefined && (minted.has(token) || !baseTokens || baseTokens.includes(token));
    const identity = known ? identityOf(token) : undefined;
    // Every answer counts against a window: the token's, or (no token, a refused one) the anonymous one.
    const window = windowOf(known ? token : '', identity);
    let counted = false;
    const count = () => {
      if (!counted) window.used = Math.min(window.used + 1, window.limit);
      counted = true;
    };

    let route: Route | undefined;
    let call: Omit<RecordedCall, 'seq' | 'at' | 'status'> = {
      service: 'github',
      method,
      path: requestUrl.pathname,
      query,
      problems: [],
    };
    /**
     * The one way out: every answer, errors included, is held to GitHub's description (the
     * operation's declared responses, or GitHub's error shapes), carries the rate-limit headers, and
     * is recorded. One that breaks the description becomes a 500 with the problem recorded.
     */
    const finish = (answer: ApiAnswer, extra: Partial<RecordedCall> = {}) => {
      const checked = route
        ? validator.validateResponse(route, answer.status, answer.body)
        : validator.validateError(answer.status, answer.body);
      const headers = {
        ...rateHeaders(window),
        'x-github-request-id': randomUUID().toUpperCase(),
        'x-github-api-version-selected': '2022-11-28',
      };
      if (checked.length > 0) {
        record({ ...call, ...extra, status: 500, problems: [...(extra.problems ?? []), ...checked] });
        return send(
          response,
          500,
          resources.basicError(
            `The emulator's answer breaks GitHub's OpenAPI description: ${checked.map((p) => p.message).join('; ')}`,
            DOCS,
            500,
          ),
          headers,
        );
      }
      record({ ...call, ...extra, status: answer.status });
      return send(response, answer.status, answer.body, { ...headers, ...answer.headers });
    };

    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        if (known) count();
        return finish(
          { status: 400, body: resources.basicError('Problems parsing JSON', DOCS, 400) },
          { requestBody: raw },
        );
      }
    }
    call = { ...call, requestBody: body };
    let params: Record<string, string> | undefined;
    route = routes.find((candidate, i) => {
      if (candidate.method !== method) return false;
      params = matchers[i](pathname);
      return params !== undefined;
    });
    if (!route || !params) {
      route = undefined;
      if (known) count();
      return finish(notFound(), { problems: [{ where: 'request', message: 'not served' }] });
    }
    const served = route;
    const operationId = validator.operationId(served);
    const documentation = validator.documentationUrl(served);
    call = { ...call, operationId };

    if (!token) {
      return finish({ status: 401, body: resources.basicError('Requires authentication', DOCS, 401) });
    }
    if (!known || !identity) {
      return finish({ status: 401, body: resources.basicError('Bad credentials', DOCS, 401) });
    }

    // The primary rate limit: an exhausted window refuses everything until its reset.
    if (window.used >= window.limit) {
      const who =
        identity.kind === 'installation'
          ? `installation ID ${INSTALLATION_ID}`
          : `user ID ${resources.userId(identity.login)}`;
      const status = rateLimitOptions.status ?? 403;
      return finish(
        {
          status,
          body: resources.basicError(`API rate limit exceeded for ${who}.`, PRIMARY_RATE_LIMIT_DOCS, status),
        },
        { fault: 'rate-limit' },
      );
    }
    count();

    const fault = nextFault(operationId);
    if (fault?.kind === 'secondary-rate-limit') {
      const retryAfter = fault.retryAfterSeconds ?? faultRates.retryAfterSeconds ?? 1;
      const status = fault.status ?? 403;
      return finish(
        {
          status,
          body: resources.basicError(
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
              'If you reach out to GitHub Support for help, please include the request ID.',
            'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          ),
          headers: { 'retry-after': String(retryAfter) },
        },
        { fault: fault.kind },
      );
    }
    if (fault?.kind === 'server-error') {
      const status = fault.status ?? 502;
      return finish({ status, body: resources.basicError('Server Error', DOCS) }, { fault: fault.kind });
    }
    if (fault?.kind === 'answer') {
      return finish({ status: fault.status, body: fault.body, headers: fault.headers }, { fault: fault.kind });
    }

    const requestProblems = validator.validateRequest(served, {
      pathParams: params,
      query: requestUrl.searchParams,
      body,
      rawBody: raw,
    });
    if (requestProblems.length > 0) {
      // GitHub's `validation-error`: one object per fault, naming the resource, field and code.
      return finish(
        {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: requestProblems.map((problem) => ({
              resource: served.resource,
              field: problem.field ?? 'body',
              code: problem.code ?? 'invalid',
              message: problem.message,
            })),
            documentation_url: documentation,
            status: '422',
          },
        },
        { problems: requestProblems },
      );
    }

    if (!allowed(minted.get(token) ?? permissions, served.permissions)) {
      return finish({
        status: 403,
        body: resources.basicError('Resource not accessible by integration', documentation, 403),
        headers: { 'x-accepted-github-permissions': acceptedPermissionsHeader(served.permissions) },
      });
    }

    const answer = served.handle({
      params,
      query: requestUrl.searchParams,
      body: (body ?? {}) as Record<string, unknown>,
      url: requestUrl,
      identity,
    });
    // An error the handler built names the operation's own page, as GitHub's errors do.
    const errorBody = answer.body as { documentation_url?: unknown } | undefined;
    if (answer.status >= 400 && errorBody && errorBody.documentation_url === DOCS) {
      errorBody.documentation_url = documentation;
    }
    return finish(answer);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const counted = !(request.url ?? '').startsWith('/_emulator/');
    if (counted) {
      inFlight += 1;
      peakInFlight = Math.max(peakInFlight, inFlight);
      response.once('close', () => (inFlight -= 1));
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (latencyMs > 0 && counted) setTimeout(answer, latencyMs);
      else answer();
    });
    const answer = () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const requestUrl = new URL(request.url ?? '/', urls.api);
      try {
        if (requestUrl.pathname.startsWith('/_emulator/')) return handleControl(request, response, requestUrl.pathname);
        if (requestUrl.pathname.startsWith('/slack/')) return handleSlack(request, response, raw, requestUrl.pathname);
        return handleApi(request, response, raw, requestUrl);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        record({
          service: 'github',
          method: request.method ?? 'GET',
          path: requestUrl.pathname,
          query: {},
          status: 500,
          problems: [{ where: 'response', message: `emulator error: ${message}` }],
        });
        if (!response.headersSent) send(response, 500, { message: `emulator error: ${message}` });
      }
    };
  });

  // Listening is the last step of start-up, so whoever finds the port open is answered. A request
  // that reached the port while the OpenAPI description loaded (a second or more in a fresh process)
  // used to find no request handler yet, and its connection stayed open with no answer, forever.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  urls.api = url;

  const emulator: GitHubEmulator = {
    url,
    slackWebhookUrl: `${url}${SLACK_PATH}`,
    get state() {
      return state;
    },
    calls: () => calls.map((call) => ({ ...call })),
    writes: () => calls.filter((call) => call.method !== 'GET' && call.method !== 'HEAD'),
    problems: () =>
      calls.flatMap((call) => call.problems.map((problem) => ({ ...problem, call: `${call.method} ${call.path}` }))),
    slackMessages: () =>
      calls.filter((call) => call.service === 'slack' && call.status === 200).map((call) => call.requestBody),
    peakConcurrency: () => peakInFlight,
    setLatency: (milliseconds) => {
      latencyMs = milliseconds;
    },
    reset: () => {
      peakInFlight = inFlight;
      latencyMs = options.latencyMs ?? 0;
      state = new GitHubState({ seed });
      routes = buildRoutes(state, urls);
      permissions = basePermissions;
      minted = new Map();
      calls = [];
      faultQueue = [];
      slackFailures = [];
      random = seededRandom(faultRates.seed ?? seed);
      seq = 0;
      rateWindows = new Map();
      pendingWindow = undefined;
      applyScenario();
    },
    injectFaults: (faults, { operationId } = {}) => {
      faultQueue.push(...faults.map((fault) => ({ fault, operationId })));
    },
    failSlack: (answer, times = 1) => {
      slackFailures.push({ answer, times });
    },
    setPermissions: (next) => {
      permissions = { ...ALL_WRITE, ...next };
    },
    mintToken: (granted) => {
      let token = installationToken();
      while (minted.has(token) || baseTokens?.includes(token)) token = installationToken();
      minted.set(token, granted === undefined ? { ...basePermissions } : { ...ALL_NONE, ...granted });
      return token;
    },
    setRateLimit: (next, token) => {
      // Without a token: every token seen so far or configured, and the first window of any other.
      if (token === undefined) pendingWindow = next;
      const tokens = token !== undefined ? [token] : [...(baseTokens ?? []), ...rateWindows.keys()];
      for (const each of new Set(tokens.filter((t) => t !== ''))) applyWindow(windowOf(each, identityOf(each)), next);
    },
    rateLimit: (token) => {
      const window = windowOf(token, identityOf(token));
      return { ...window, remaining: Math.max(window.limit - window.used, 0) };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return emulator;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export { GitHubState, MERGE_QUEUE_ACTOR } from './state.js';
export type { MergeOptions, DeploymentState, MergeGroup, PullRecord } from './state.js';
