import { call, RateLimitExhausted, type Octokit } from './github.js';

/**
 * Which pull requests shipped. By default those GitHub associates with the deployed commit and that
 * were merged into the branch it was pushed to; with `since-last-deployment`, those of every commit
 * that landed on the branch since the last successful deployment to the environment; or the ones the
 * user named. Requests go out one at a time and stop as soon as the answer is known.
 */

export interface ShippedPull {
  number: number;
  title: string;
  url: string;
  author: string;
  merged: boolean;
  /** Opened from another repository; its comment still goes on this repository's pull request. */
  fromFork: boolean;
}

export interface Repo {
  owner: string;
  repo: string;
}

interface PullLike {
  number: number;
  title: string;
  html_url: string;
  user: { login: string } | null;
  merged_at: string | null;
  base: { ref: string; repo: { full_name: string } | null };
  head: { repo: { full_name: string } | null };
}

export function toShippedPull(pull: PullLike): ShippedPull {
  return {
    number: pull.number,
    title: pull.title,
    url: pull.html_url,
    author: pull.user?.login ?? '',
    merged: pull.merged_at !== null,
    fromFork: pull.head.repo !== null && pull.head.repo.full_name !== pull.base.repo?.full_name,
  };
}

/** The pull requests the user named, fetched for their titles and authors. */
export async function namedPulls(octokit: Octokit, repo: Repo, numbers: readonly number[]): Promise<ShippedPull[]> {
  const pulls: ShippedPull[] = [];
  for (const pull_number of numbers) {
    const { data } = await call({ doing: `read pull request #${pull_number}`, permission: 'pull-requests: read' }, () =>
      octokit.rest.pulls.get({ ...repo, pull_number }),
    );
    pulls.push(toShippedPull(data));
  }
  return pulls;
}

/** Pull requests merged into `branch` (any branch when undefined) that `sha` belongs to. */
export async function pullsOfCommit(
  octokit: Octokit,
  repo: Repo,
  sha: string,
  branch: string | undefined,
): Promise<ShippedPull[]> {
  const pulls: ShippedPull[] = [];
  const pages = octokit.paginate.iterator(octokit.rest.repos.listPullRequestsAssociatedWithCommit, {
    ...repo,
    commit_sha: sha,
    per_page: 100,
  });
  await call(
    {
      doing: `list the pull requests of commit ${sha.slice(0, 7)}`,
      permission: 'contents: read and pull-requests: read',
    },
    async () => {
      for await (const { data } of pages) {
        for (const pull of data) {
          if (pull.merged_at === null) continue;
          if (branch !== undefined && pull.base.ref !== branch) continue;
          pulls.push(toShippedPull(pull));
        }
      }
    },
  );
  return pulls;
}

export interface LastDeployment {
  id: number;
  sha: string;
}

/** Deployments looked at before giving up on finding a successful one. */
const DEPLOYMENTS_SCANNED = 50;

/**
 * The newest deployment to `environment` that reached `success` (an older one may have turned
 * `inactive` since, which still means it went live), ignoring deployments of `sha` itself (this run's
 * own, on a rerun).
 */
export async function lastSuccessfulDeployment(
  octokit: Octokit,
  repo: Repo,
  { environment, sha }: { environment: string; sha: string },
): Promise<LastDeployment | undefined> {
  const purpose = { doing: `list the deployments to ${environment}`, permission: 'deployments: read' };
  let scanned = 0;
  const pages = octokit.paginate.iterator(octokit.rest.repos.listDeployments, {
    ...repo,
    environment,
    per_page: 30,
  });
  return call(purpose, async () => {
    for await (const { data } of pages) {
      for (const deployment of data) {
        if (deployment.sha === sha) continue;
        scanned += 1;
        if (scanned > DEPLOYMENTS_SCANNED) return undefined;
        const { data: statuses } = await octokit.rest.repos.listDeploymentStatuses({
          ...repo,
          deployment_id: deployment.id,
          per_page: 100,
        });
        if (statuses.some((status) => status.state === 'success')) return { id: deployment.id, sha: deployment.sha };
      }
    }
    return undefined;
  });
}

export interface LandedCommits {
  /** Commits on the branch's first-parent line after `base`, oldest first, `head` last. */
  shas: string[];
  /** GitHub's verdict: `ahead` is the normal case; anything else means history was rewritten. */
  status: string;
}

/**
 * The commits that landed on the branch between two deployments. Only the first-parent line
 * counts: a merge commit stands for its pull request, so the pull request's own commits need no
 * request of their own.
 */
export async function landedCommits(octokit: Octokit, repo: Repo, base: string, head: string): Promise<LandedCommits> {
  const purpose = {
    doing: `compare ${base.slice(0, 7)}...${head.slice(0, 7)}`,
    permission: 'contents: read',
  };
  const parents = new Map<string, string | undefined>();
  let status = 'identical';
  await call(purpose, async () => {
    for (let page = 1; ; page += 1) {
      const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
        ...repo,
        basehead: `${base}...${head}`,
        per_page: 100,
        page,
      });
      status = data.status;
      for (const commit of data.commits) parents.set(commit.sha, commit.parents[0]?.sha);
      if (data.commits.length < 100 || parents.size >= data.total_commits) break;
    }
  });
  const shas: string[] = [];
  for (let sha: string | undefined = head; sha !== undefined && parents.has(sha); sha = parents.get(sha)) {
    shas.push(sha);
  }
  return { shas: shas.reverse(), status };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Keep the first of each number, in the order found. */
export function uniquePulls(pulls: readonly ShippedPull[]): ShippedPull[] {
  const seen = new Set<number>();
  return pulls.filter((pull) => !seen.has(pull.number) && seen.add(pull.number));
}

/** A merged pull_request event names its pull request; no request is needed to find it. */
export function pullFromEvent(payload: Record<string, unknown>, sha: string): ShippedPull | undefined {
  const pull = payload.pull_request as (PullLike & { merged?: boolean; merge_commit_sha?: string | null }) | undefined;
  if (!pull?.merged || pull.merge_commit_sha !== sha) return undefined;
  return toShippedPull(pull);
}

export interface FoundPulls {
  pulls: ShippedPull[];
  /** How they were found, for the log and the summary. */
  how: string;
  /** Things the user should know (a comparison that could not be made, for example). */
  warnings: string[];
}

export async function findShippedPulls(
  octokit: Octokit,
  repo: Repo,
  options: {
    sha: string;
    branch: string | undefined;
    prNumbers: readonly number[];
    sinceLastDeployment: boolean;
    environment: string;
    eventPayload: Record<string, unknown>;
  },
): Promise<FoundPulls> {
  const { sha, branch, environment } = options;
  if (options.prNumbers.length > 0) {
    return { pulls: await namedPulls(octokit, repo, options.prNumbers), how: 'named by pr-number', warnings: [] };
  }
  if (options.sinceLastDeployment) {
    const last = await lastSuccessfulDeployment(octokit, repo, { environment, sha });
    if (last) {
      const landed = await landedCommits(octokit, repo, last.sha, sha).catch((error: unknown) => error as Error);
      // Out of requests: the fallback below would be refused as well; stop with the one error.
      if (landed instanceof RateLimitExhausted) throw landed;
      if (!(landed instanceof Error) && landed.status === 'ahead') {
        const pulls: ShippedPull[] = [];
        for (const commit of landed.shas) pulls.push(...(await pullsOfCommit(octokit, repo, commit, branch)));
        return {
          pulls: uniquePulls(pulls),
          how: `merged since the last successful deployment to ${environment} (${last.sha.slice(0, 7)}, ${plural(landed.shas.length, 'commit')} landed)`,
          warnings: [],
        };
      }
      const why =
        landed instanceof Error
          ? landed.message
          : `${sha.slice(0, 7)} is ${landed.status} compared with ${last.sha.slice(0, 7)}, so history was rewritten or rolled back`;
      return {
        pulls: await pullsOfCommit(octokit, repo, sha, branch),
        how: `of commit ${sha.slice(0, 7)}`,
        warnings: [
          `Could not list the pull requests since the last deployment: ${why}. Only those of ${sha.slice(0, 7)} are commented on`,
        ],
      };
    }
    return {
      pulls: await pullsOfCommit(octokit, repo, sha, branch),
      how: `of commit ${sha.slice(0, 7)} (no earlier successful deployment to ${environment})`,
      warnings: [],
    };
  }
  const fromEvent = pullFromEvent(options.eventPayload, sha);
  if (fromEvent) return { pulls: [fromEvent], how: 'named by the pull_request event', warnings: [] };
  return { pulls: await pullsOfCommit(octokit, repo, sha, branch), how: `of commit ${sha.slice(0, 7)}`, warnings: [] };
}

/** The branch a push went to, or a merged pull request's base; undefined for tags and other events. */
export function deployedBranch(ref: string, payload: Record<string, unknown>): string | undefined {
  const pull = payload.pull_request as { base?: { ref?: string } } | undefined;
  if (pull?.base?.ref) return pull.base.ref;
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}
