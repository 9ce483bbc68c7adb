import type { getOctokit } from '@actions/github';
import { ActionFailure } from '@shipyard/shared/errors';

/**
 * The GitHub side of a preview: one sticky comment on the pull request, a deployment to the
 * environment `preview/pr-<N>` with statuses, and whether a pull request is closed (for `sweep`).
 * Octokit with the retry (5xx) and throttling (rate limits, `retry-after`) plugins, loaded only
 * once the inputs are valid.
 *
 * Only a comment the token's own identity wrote is edited: the marker is plain text anyone who can
 * comment may paste, and a pasted one must not be taken over. An installation token (GITHUB_TOKEN,
 * `ghs_…`, or one `GET /user` refuses with 403) writes as a bot; a user's token as its user.
 */

export type Octokit = ReturnType<typeof getOctokit>;
export interface Repo {
  owner: string;
  repo: string;
}

export async function createOctokit(token: string, apiUrl: string): Promise<Octokit> {
  const [{ getOctokit }, { retry }, { throttling }] = await Promise.all([
    import('@actions/github'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling'),
  ]);
  return getOctokit(
    token,
    {
      baseUrl: apiUrl,
      throttle: {
        onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
          retryCount < 2 && retryAfter <= 120,
        onSecondaryRateLimit: (_retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
          retryCount < 2,
      },
      retry: { retries: 3, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    },
    retry,
    throttling,
  );
}

/** Who the token writes as. */
export type Author = { kind: 'installation' } | { kind: 'user'; login: string };

export async function tokenAuthor(octokit: Octokit, token: string): Promise<Author> {
  if (token.startsWith('ghs_')) return { kind: 'installation' };
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return { kind: 'user', login: data.login };
  } catch (error) {
    if ((error as { status?: number }).status === 403) return { kind: 'installation' };
    throw explain(error, 'find which account the token writes as');
  }
}

export function writtenBy(author: Author, user: { login?: string; type?: string } | null | undefined): boolean {
  if (!user) return false;
  if (author.kind === 'installation') return user.type === 'Bot';
  return user.type !== 'Bot' && (user.login ?? '').toLowerCase() === author.login.toLowerCase();
}

function explain(error: unknown, doing: string, permission?: string): Error {
  const status = (error as { status?: number }).status;
  const message = (error as { message?: string }).message ?? String(error);
  if (status === 403 && permission) {
    return new ActionFailure(
      `GitHub refused to ${doing} (403 ${message}): the job needs '${permission}' under permissions:`,
    );
  }
  return new ActionFailure(`Could not ${doing}: ${status ? `GitHub answered ${status} ` : ''}${message}`);
}

async function call<T>(doing: string, permission: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw explain(error, doing, permission);
  }
}

export type CommentOutcome = 'created' | 'updated' | 'unchanged';

/** Create the sticky comment, or edit the one this identity wrote earlier (found by its marker). */
export async function upsertComment(
  octokit: Octokit,
  repo: Repo,
  { number, marker, body, author }: { number: number; marker: string; body: string; author: Author },
): Promise<{ outcome: CommentOutcome; url: string }> {
  const existing = await call(`list the comments of pull request #${number}`, 'pull-requests: read', async () => {
    for await (const { data } of octokit.paginate.iterator(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: number,
      per_page: 100,
    })) {
      const found = data.find((comment) => writtenBy(author, comment.user) && (comment.body ?? '').includes(marker));
      if (found) return found;
    }
    return undefined;
  });
  if (existing) {
    if (existing.body === body) return { outcome: 'unchanged', url: existing.html_url };
    const { data } = await call(
      `update comment ${existing.id} on pull request #${number}`,
      'pull-requests: write',
      () => octokit.rest.issues.updateComment({ ...repo, comment_id: existing.id, body }),
    );
    return { outcome: 'updated', url: data.html_url };
  }
  const { data } = await call(`comment on pull request #${number}`, 'pull-requests: write', () =>
    octokit.rest.issues.createComment({ ...repo, issue_number: number, body }),
  );
  return { outcome: 'created', url: data.html_url };
}

export type DeploymentState = 'success' | 'failure' | 'in_progress' | 'inactive' | 'error';

/**
 * A deployment of `sha` to `environment` with a status. A rerun finds the deployment of the same
 * commit and environment and adds a status only when the state or URL changed.
 */
export async function recordDeployment(
  octokit: Octokit,
  repo: Repo,
  options: {
    sha: string;
    environment: string;
    state: DeploymentState;
    url: string;
    logUrl: string;
    description: string;
  },
): Promise<number> {
  const { sha, environment } = options;
  const { data: found } = await call(`look for a deployment to ${environment}`, 'deployments: read', () =>
    octokit.rest.repos.listDeployments({ ...repo, sha, environment, per_page: 1 }),
  );
  let id = found[0]?.id;
  if (id !== undefined) {
    const existingId = id;
    const { data: statuses } = await call(`read deployment ${existingId}'s statuses`, 'deployments: read', () =>
      octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: existingId, per_page: 1 }),
    );
    if (statuses[0]?.state === options.state && (statuses[0].environment_url ?? '') === options.url) return existingId;
  } else {
    const { data } = await call(`create a deployment to ${environment}`, 'deployments: write', () =>
      octokit.rest.repos.createDeployment({
        ...repo,
        ref: sha,
        environment,
        auto_merge: false,
        required_contexts: [],
        transient_environment: true,
        production_environment: false,
        description: options.description.slice(0, 140),
      }),
    );
    if (!('id' in data)) throw new ActionFailure(`GitHub did not create the deployment: ${data.message ?? ''}`);
    id = data.id;
  }
  const deploymentId = id;
  await call(`set the status of deployment ${deploymentId}`, 'deployments: write', () =>
    octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: deploymentId,
      state: options.state,
      environment_url: options.url,
      ...(options.logUrl ? { log_url: options.logUrl } : {}),
      description: options.description.slice(0, 140),
      auto_inactive: true,
    }),
  );
  return deploymentId;
}

/** Mark every deployment to `environment` inactive (the preview is gone); returns how many changed. */
export async function deactivateDeployments(octokit: Octokit, repo: Repo, environment: string): Promise<number> {
  const deployments = await call(`list the deployments to ${environment}`, 'deployments: read', () =>
    octokit.paginate(octokit.rest.repos.listDeployments, { ...repo, environment, per_page: 100 }),
  );
  let changed = 0;
  for (const deployment of deployments) {
    const { data: statuses } = await call(`read deployment ${deployment.id}'s statuses`, 'deployments: read', () =>
      octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: deployment.id, per_page: 1 }),
    );
    if (statuses[0]?.state === 'inactive') continue;
    await call(`mark deployment ${deployment.id} inactive`, 'deployments: write', () =>
      octokit.rest.repos.createDeploymentStatus({
        ...repo,
        deployment_id: deployment.id,
        state: 'inactive',
        description: 'The preview was removed',
      }),
    );
    changed += 1;
  }
  return changed;
}

export type PullState = 'open' | 'closed' | 'merged' | 'unknown';

/**
 * The pull request's state. `unknown` when GitHub does not show it (404): a token that cannot see
 * the repository's pull requests gets 404 for every one, and that must not read as "all closed".
 */
export async function pullState(octokit: Octokit, repo: Repo, number: number): Promise<PullState> {
  try {
    const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    if (data.state !== 'closed') return 'open';
    return data.merged || data.merged_at ? 'merged' : 'closed';
  } catch (error) {
    if ((error as { status?: number }).status === 404) return 'unknown';
    throw explain(error, `read pull request #${number}`, 'pull-requests: read');
  }
}
