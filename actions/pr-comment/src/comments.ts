import { hasMarker } from './body.js';
import { call, explain, primaryRateLimitReset, type Octokit } from './github.js';
import type { Repo } from './pulls.js';

/**
 * One sticky comment per pull request and environment. `upsert` finds the earlier comment by its
 * marker and edits it (or leaves it when the text is the same), `create` always adds one,
 * `skip-if-exists` adds one only when none carries the marker. Listing stops at the page that holds
 * the marker.
 *
 * Only a comment the token's own identity wrote counts: the marker is plain text that anyone who
 * can comment can paste, and a pasted one must neither be edited by the action nor be read as the
 * record of what Slack was told.
 */

/**
 * Who the token writes as. An installation token (GITHUB_TOKEN, whose comments are
 * `github-actions[bot]`'s, or a GitHub App's, whose are `<app>[bot]`'s) writes as a bot account,
 * which no participant can post as; a personal or OAuth token writes as its user.
 */
/** How the comment is kept: `upsert` edits the earlier one, `create` always adds, `skip-if-exists` adds only the first. */
export type CommentMode = 'upsert' | 'create' | 'skip-if-exists';

export type CommentAuthor = { kind: 'installation' } | { kind: 'user'; login: string };

/**
 * GitHub's token prefixes say an installation token (`ghs_`) without a request. For any other,
 * `GET /user` names the user; an installation token gets 403 there (`Resource not accessible by
 * integration`), since an app's bot has no authenticated-user view.
 */
export async function commentAuthor(octokit: Octokit, token: string): Promise<CommentAuthor> {
  if (token.startsWith('ghs_')) return { kind: 'installation' };
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return { kind: 'user', login: data.login };
  } catch (error) {
    if ((error as { status?: number }).status === 403 && primaryRateLimitReset(error) === undefined) {
      return { kind: 'installation' };
    }
    throw explain(error, { doing: 'find which account the token writes as', permission: 'none' });
  }
}

/** Whether the token's identity wrote this comment. */
export function writtenBy(author: CommentAuthor, user: { login?: string; type?: string } | null | undefined): boolean {
  if (!user) return false;
  if (author.kind === 'installation') return user.type === 'Bot';
  // Logins are case-insensitive on GitHub.
  return user.type !== 'Bot' && (user.login ?? '').toLowerCase() === author.login.toLowerCase();
}

export type CommentOutcome = 'created' | 'updated' | 'unchanged' | 'skipped';

export interface PublishedComment {
  outcome: CommentOutcome;
  id: number;
  url: string;
}

const WRITE = 'pull-requests: write or issues: write';
const READ = 'pull-requests: read or issues: read';

export interface MarkedComment {
  id: number;
  body?: string;
  html_url: string;
}

export async function publishComment(
  octokit: Octokit,
  repo: Repo,
  options: { number: number; body: string; environment: string; mode: CommentMode; author: CommentAuthor },
): Promise<PublishedComment> {
  const existing =
    options.mode === 'create'
      ? undefined
      : await findMarkedComment(octokit, repo, options.number, options.environment, options.author);
  return writeComment(octokit, repo, { ...options, existing });
}

/** Create, update or leave the comment, given the marked comment found earlier (if any). */
export async function writeComment(
  octokit: Octokit,
  repo: Repo,
  options: { number: number; body: string; mode: CommentMode; existing?: MarkedComment },
): Promise<PublishedComment> {
  const { number, body, mode } = options;
  const existing = mode === 'create' ? undefined : options.existing;
  if (existing && mode === 'skip-if-exists') return { outcome: 'skipped', id: existing.id, url: existing.html_url };
  if (existing) {
    if (existing.body === body) return { outcome: 'unchanged', id: existing.id, url: existing.html_url };
    const { data } = await call(
      { doing: `update comment ${existing.id} on pull request #${number}`, permission: WRITE },
      () => octokit.rest.issues.updateComment({ ...repo, comment_id: existing.id, body }),
    );
    return { outcome: 'updated', id: data.id, url: data.html_url };
  }
  const { data } = await call({ doing: `comment on pull request #${number}`, permission: WRITE }, () =>
    octokit.rest.issues.createComment({ ...repo, issue_number: number, body }),
  );
  return { outcome: 'created', id: data.id, url: data.html_url };
}

export async function findMarkedComment(
  octokit: Octokit,
  repo: Repo,
  number: number,
  environment: string,
  author: CommentAuthor,
): Promise<MarkedComment | undefined> {
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: number,
    per_page: 100,
  });
  return call({ doing: `list the comments of pull request #${number}`, permission: READ }, async () => {
    for await (const { data } of pages) {
      const found = data.find((comment) => writtenBy(author, comment.user) && hasMarker(comment.body, environment));
      if (found) return found;
    }
    return undefined;
  });
}
