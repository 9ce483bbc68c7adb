import { hasMarker } from './body.js';
import { call, type Octokit } from './github.js';
import type { Mode } from './inputs.js';
import type { Repo } from './pulls.js';

/**
 * One sticky comment per pull request and environment. `upsert` finds the earlier comment by its
 * marker and edits it (or leaves it when the text is the same), `create` always adds one,
 * `skip-if-exists` adds one only when none carries the marker. Listing stops at the page that holds
 * the marker.
 */

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
  options: { number: number; body: string; environment: string; mode: Mode },
): Promise<PublishedComment> {
  const existing =
    options.mode === 'create' ? undefined : await findMarkedComment(octokit, repo, options.number, options.environment);
  return writeComment(octokit, repo, { ...options, existing });
}

/** Create, update or leave the comment, given the marked comment found earlier (if any). */
export async function writeComment(
  octokit: Octokit,
  repo: Repo,
  options: { number: number; body: string; mode: Mode; existing?: MarkedComment },
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
): Promise<MarkedComment | undefined> {
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: number,
    per_page: 100,
  });
  return call({ doing: `list the comments of pull request #${number}`, permission: READ }, async () => {
    for await (const { data } of pages) {
      const found = data.find((comment) => hasMarker(comment.body, environment));
      if (found) return found;
    }
    return undefined;
  });
}
