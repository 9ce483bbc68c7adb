import { createRequire } from 'node:module';
import type { EventSpec } from './run.js';

/**
 * Event payloads shaped as GitHub sends them: each starts from GitHub's own example delivery
 * (`@octokit/webhooks-examples`) and has the fields a run reads replaced, so every field a workflow
 * or an action might read is present with its real type.
 */

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}

// Payloads are loosely typed JSON here: the fields set below are the ones a run reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[];

function example(name: string, action?: string): Json {
  const found = examples
    .find((entry) => entry.name === name)
    ?.examples.find((e) => action === undefined || e.action === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${name}${action ? `.${action}` : ''} example`);
  return structuredClone(found) as Json;
}

export interface RepositoryShape {
  fullName: string;
  defaultBranch?: string;
}

function repository(base: Json, repo: RepositoryShape) {
  const [owner, name] = repo.fullName.split('/');
  return {
    ...base,
    name,
    full_name: repo.fullName,
    html_url: `https://github.com/${repo.fullName}`,
    url: `https://api.github.com/repos/${repo.fullName}`,
    default_branch: repo.defaultBranch ?? 'main',
    owner: { ...base.owner, login: owner },
  };
}

function user(base: Json, login: string) {
  return { ...base, login, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
}

export interface PullRequestShape {
  action: 'opened' | 'synchronize' | 'reopened' | 'closed';
  repository: RepositoryShape;
  number: number;
  title: string;
  author: string;
  headSha: string;
  headRef: string;
  baseSha: string;
  baseRef?: string;
  /** `owner/name` of a fork the head comes from (the repository itself when not given). */
  headRepository?: string;
  /** For `closed`: merged or not, and the merge commit. */
  merged?: boolean;
  mergeCommitSha?: string;
  /** Who started the run (github.triggering_actor); the author by default. */
  sender?: string;
}

export function pullRequestEvent(shape: PullRequestShape): EventSpec {
  const payload = example(
    'pull_request',
    shape.action === 'synchronize' ? 'synchronize' : shape.action === 'closed' ? 'closed' : 'opened',
  );
  const repo = repository(payload.repository, shape.repository);
  const headRepo = shape.headRepository ? repository(payload.repository, { fullName: shape.headRepository }) : repo;
  const pull = payload.pull_request;
  payload.action = shape.action;
  payload.number = shape.number;
  payload.repository = repo;
  payload.sender = user(payload.sender, shape.sender ?? shape.author);
  Object.assign(pull, {
    number: shape.number,
    title: shape.title,
    user: user(pull.user, shape.author),
    state: shape.action === 'closed' ? 'closed' : 'open',
    merged: shape.action === 'closed' ? Boolean(shape.merged) : false,
    merge_commit_sha: shape.mergeCommitSha ?? null,
    html_url: `https://github.com/${shape.repository.fullName}/pull/${shape.number}`,
    url: `https://api.github.com/repos/${shape.repository.fullName}/pulls/${shape.number}`,
    head: {
      ...pull.head,
      sha: shape.headSha,
      ref: shape.headRef,
      label: `${headRepo.owner.login}:${shape.headRef}`,
      repo: headRepo,
      user: headRepo.owner,
    },
    base: {
      ...pull.base,
      sha: shape.baseSha,
      ref: shape.baseRef ?? 'main',
      label: `${repo.owner.login}:${shape.baseRef ?? 'main'}`,
      repo,
      user: repo.owner,
    },
  });
  return { name: 'pull_request', payload };
}

export interface PushShape {
  repository: RepositoryShape;
  ref?: string;
  before: string;
  after: string;
  tree?: string;
  message?: string;
  pusher?: string;
}

export function pushEvent(shape: PushShape): EventSpec {
  const payload = example('push');
  const repo = repository(payload.repository, shape.repository);
  const commit = {
    ...(payload.head_commit ?? {}),
    id: shape.after,
    tree_id: shape.tree ?? payload.head_commit?.tree_id,
    message: shape.message ?? 'Merge pull request',
  };
  Object.assign(payload, {
    ref: shape.ref ?? `refs/heads/${shape.repository.defaultBranch ?? 'main'}`,
    before: shape.before,
    after: shape.after,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${shape.repository.fullName}/compare/${shape.before.slice(0, 12)}...${shape.after.slice(0, 12)}`,
    commits: [commit],
    head_commit: commit,
    repository: repo,
    pusher: { name: shape.pusher ?? 'alice', email: `${shape.pusher ?? 'alice'}@users.noreply.github.com` },
    sender: user(payload.sender, shape.pusher ?? 'alice'),
  });
  return { name: 'push', payload };
}

export interface MergeGroupShape {
  repository: RepositoryShape;
  headSha: string;
  baseSha: string;
  pullNumber: number;
  /** The tree of the head commit (`merge_group.head_commit.tree_id`); the example's when not given. */
  tree?: string;
  /** Who added the pull request to the queue (github.actor and triggering_actor); the example's when not given. */
  sender?: string;
}

export function mergeGroupEvent(shape: MergeGroupShape): EventSpec {
  const payload = example('merge_group');
  const base = shape.repository.defaultBranch ?? 'main';
  payload.repository = repository(payload.repository, shape.repository);
  payload.merge_group = {
    ...payload.merge_group,
    head_sha: shape.headSha,
    head_ref: `refs/heads/gh-readonly-queue/${base}/pr-${shape.pullNumber}-${shape.baseSha}`,
    base_sha: shape.baseSha,
    base_ref: `refs/heads/${base}`,
    head_commit: {
      ...payload.merge_group.head_commit,
      id: shape.headSha,
      tree_id: shape.tree ?? payload.merge_group.head_commit.tree_id,
    },
  };
  if (shape.sender) payload.sender = user(payload.sender, shape.sender);
  return { name: 'merge_group', payload };
}
