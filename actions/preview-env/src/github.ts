import type { getOctokit } from '@actions/github';
import { ActionFailure } from '@shipyard/shared/errors';
import type { Repo } from '@shipyard/shared/github-deployments';

/**
 * The GitHub side of a preview: one sticky comment on the pull request, and whether a pull request
 * is open (for `up` and `sweep`). Its deployment to `preview/pr-<N>` is written by the shared
 * writer (@shipyard/shared/github-deployments) through `deploymentWriter`.
 * Octokit with the retry (5xx) and throttling (rate limits, `retry-after`) plugins, loaded only
 * once the inputs are valid.
 *
 * Only a comment the token's own identity wrote is edited: the marker is plain text anyone who can
 * comment may paste, and a pasted one must not be taken over. An installation token (GITHUB_TOKEN,
 * `ghs_…`, or one `GET /user` refuses with 403) writes as a bot; a user's token as its user.
 */

export type Octokit = ReturnType<typeof getOctokit>;
export type { Repo };

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

/** How GitHub deployments are written: the shared writer, with this action's explained calls. */
export const deploymentWriter = {
  call: <T>({ doing, permission }: { doing: string; permission: string }, send: () => Promise<T>) =>
    call(doing, permission, send),
};

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
