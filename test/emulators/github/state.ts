import { createHash } from 'node:crypto';

/**
 * What the GitHub emulator knows: repositories with branches and a commit graph, pull requests
 * (merged ones carry the merge commit GitHub records as `merge_commit_sha`), issue comments,
 * deployments and their statuses. Tests arrange a history with the helpers below (a PR merged with
 * a merge commit or squashed, a PR from a fork, a deployment that succeeded) and read it back to
 * check what an action did. Everything is deterministic for a given seed: SHAs come from a hash of
 * the seed and a counter, timestamps from a clock that advances a minute per event.
 */

export interface RepositoryRecord {
  id: number;
  fullName: string;
  owner: string;
  name: string;
  private: boolean;
  fork: boolean;
  defaultBranch: string;
  createdAt: string;
  branches: Map<string, string>;
}

export interface CommitRecord {
  sha: string;
  parents: string[];
  message: string;
  author: string;
  date: string;
  tree: string;
  /** Creation order: the emulator's stand-in for commit dates when it sorts. */
  index: number;
}

export interface PullRecord {
  id: number;
  number: number;
  repository: string;
  title: string;
  body: string | null;
  author: string;
  state: 'open' | 'closed';
  /** A locked conversation takes no new comments. */
  locked: boolean;
  fork: boolean;
  headRepository: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  /** The pull request's own commits (on its head branch). */
  commits: string[];
  mergeCommitSha: string | null;
  mergedAt: string | null;
  mergedBy: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CommentRecord {
  id: number;
  repository: string;
  issueNumber: number;
  body: string;
  author: string;
  createdAt: string;
  updatedAt: string;
}

export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface StatusRecord {
  id: number;
  state: DeploymentState;
  creator: string;
  description: string;
  environment: string;
  environmentUrl: string;
  logUrl: string;
  createdAt: string;
}

export interface DeploymentRecord {
  id: number;
  repository: string;
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  environment: string;
  description: string | null;
  creator: string;
  createdAt: string;
  updatedAt: string;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  statuses: StatusRecord[];
}

export interface MergeOptions {
  title?: string;
  body?: string;
  author?: string;
  /** The branch merged into; the repository's default branch when not given. */
  base?: string;
  headRef?: string;
  /** `owner/name` of a fork the pull request comes from (created when it does not exist). */
  fork?: string;
  /** How many commits the pull request has on its head branch. */
  commits?: number;
  /** `merge` records a merge commit with two parents; `squash` one commit with the base as parent. */
  method?: 'merge' | 'squash';
  mergedBy?: string;
  /** The SHA of the commit that lands on the base branch (to match a recorded event payload). */
  mergeCommitSha?: string;
}

/** A merge group GitHub's merge queue made for one pull request (what a `merge_group` event names). */
export interface MergeGroup {
  /** The merge group's commit: parents [the base branch's head, the pull request's head]. */
  headSha: string;
  /** The base branch's head the group was made on. */
  baseSha: string;
  /** `refs/heads/gh-readonly-queue/<base>/pr-<N>-<baseSha>`. */
  headRef: string;
}

/** The login GitHub's merge queue merges as (a pull request's `merged_by`). */
export const MERGE_QUEUE_ACTOR = 'github-merge-queue[bot]';

export class GitHubState {
  /** The login the emulator's token acts as (comments and deployments it creates are theirs). */
  readonly actor: string;
  private readonly seed: number;
  private counter = 0;
  private minutes = 0;
  private readonly repositories = new Map<string, RepositoryRecord>();
  private readonly commitsBySha = new Map<string, CommitRecord>();
  private readonly pullsByRepository = new Map<string, PullRecord[]>();
  private readonly issueCounters = new Map<string, number>();
  private readonly commentsById = new Map<number, CommentRecord>();
  private readonly deploymentsById = new Map<number, DeploymentRecord>();
  private nextCommentId = 1_000_001;
  private nextDeploymentId = 2_000_001;
  private nextStatusId = 3_000_001;
  private nextPullId = 4_000_001;
  private nextRepositoryId = 5_000_001;

  constructor({ seed = 1, actor = 'github-actions[bot]' }: { seed?: number; actor?: string } = {}) {
    this.seed = seed;
    this.actor = actor;
  }

  // ---- arranging a history ----

  createRepository(
    fullName: string,
    { defaultBranch = 'main', private: isPrivate = false, fork = false } = {},
  ): RepositoryRecord {
    const existing = this.repositories.get(fullName.toLowerCase());
    if (existing) return existing;
    const [owner, name] = fullName.split('/');
    if (!owner || !name) throw new Error(`A repository is owner/name, got '${fullName}'`);
    const record: RepositoryRecord = {
      id: this.nextRepositoryId++,
      fullName,
      owner,
      name,
      private: isPrivate,
      fork,
      defaultBranch,
      createdAt: this.tick(),
      branches: new Map(),
    };
    this.repositories.set(fullName.toLowerCase(), record);
    if (!fork) {
      const root = this.addCommit({ parents: [], message: 'Initial commit', author: owner });
      record.branches.set(defaultBranch, root.sha);
    }
    return record;
  }

  /** A commit on `branch` (its head moves) or with explicit parents. Returns its SHA. */
  commit(
    fullName: string,
    {
      branch,
      message = 'Change',
      author,
      parents,
    }: { branch?: string; message?: string; author?: string; parents?: string[] } = {},
  ): string {
    const repo = this.requireRepository(fullName);
    const target = branch ?? (parents ? undefined : repo.defaultBranch);
    const parentShas = parents ?? (target && repo.branches.has(target) ? [repo.branches.get(target) as string] : []);
    const record = this.addCommit({ parents: parentShas, message, author: author ?? repo.owner });
    if (target) repo.branches.set(target, record.sha);
    return record.sha;
  }

  /** A pull request merged into `base`, with the merge commit (or squash commit) as the branch head. */
  mergePullRequest(fullName: string, options: MergeOptions = {}): PullRecord {
    const pull = this.openPullRequest(fullName, options);
    return this.mergeOpenPullRequest(fullName, pull.number, options);
  }

  /** Merges a pull request that is open (as the merge button does), with `options.method` and `mergedBy`. */
  mergeOpenPullRequest(
    fullName: string,
    number: number,
    options: Pick<MergeOptions, 'method' | 'mergedBy' | 'mergeCommitSha'> = {},
  ): PullRecord {
    const pull = this.pull(fullName, number);
    if (!pull || pull.state !== 'open') throw new Error(`${fullName} has no open pull request #${number}`);
    const repo = this.requireRepository(fullName);
    const baseHead = repo.branches.get(pull.baseRef) as string;
    const method = options.method ?? 'merge';
    const landed =
      method === 'merge'
        ? this.addCommit({
            parents: [baseHead, pull.headSha],
            message: `Merge pull request #${pull.number} from ${pull.headRepository.split('/')[0]}/${pull.headRef}\n\n${pull.title}`,
            author: options.mergedBy ?? repo.owner,
            sha: options.mergeCommitSha,
          })
        : this.addCommit({
            parents: [baseHead],
            message: `${pull.title} (#${pull.number})`,
            author: pull.author,
            sha: options.mergeCommitSha,
          });
    repo.branches.set(pull.baseRef, landed.sha);
    const at = this.tick();
    Object.assign(pull, {
      state: 'closed',
      mergeCommitSha: landed.sha,
      mergedAt: at,
      closedAt: at,
      updatedAt: at,
      mergedBy: options.mergedBy ?? repo.owner,
    } satisfies Partial<PullRecord>);
    return pull;
  }

  /**
   * What GitHub's merge queue does when a pull request reaches the front of the queue: a commit
   * merging the pull request's head into the base branch's head, on the read-only branch
   * `gh-readonly-queue/<base>/pr-<N>-<base SHA>`. The pull request stays open, the base branch does
   * not move. A group made again for the same pull request replaces the earlier one (its branch goes).
   */
  createMergeGroup(fullName: string, number: number): MergeGroup {
    const repo = this.requireRepository(fullName);
    const pull = this.pull(fullName, number);
    if (!pull || pull.state !== 'open') throw new Error(`${fullName} has no open pull request #${number}`);
    const baseSha = repo.branches.get(pull.baseRef);
    if (!baseSha) throw new Error(`${fullName} has no branch '${pull.baseRef}'`);
    const prefix = `gh-readonly-queue/${pull.baseRef}/pr-${number}-`;
    for (const branch of [...repo.branches.keys()]) if (branch.startsWith(prefix)) repo.branches.delete(branch);
    const commit = this.addCommit({
      parents: [baseSha, pull.headSha],
      message: `Merge pull request #${number} from ${pull.headRepository.split('/')[0]}/${pull.headRef}\n\n${pull.title}`,
      author: pull.author,
    });
    const branch = `${prefix}${baseSha}`;
    repo.branches.set(branch, commit.sha);
    return { headSha: commit.sha, baseSha, headRef: `refs/heads/${branch}` };
  }

  /**
   * The merge queue merges a group whose checks passed: the base branch fast-forwards to the group's
   * commit (that very commit lands, no new one is made), the pull request is closed and merged with
   * that commit as its `merge_commit_sha`, by `github-merge-queue[bot]`, and the queue branch is
   * deleted. Refused (thrown) when the pull request is not open, the group is not the pull request's
   * current one, or the base branch moved since the group was made (GitHub would make a new group).
   */
  mergeFromQueue(fullName: string, number: number, group: MergeGroup): PullRecord {
    const repo = this.requireRepository(fullName);
    const pull = this.pull(fullName, number);
    if (!pull || pull.state !== 'open') throw new Error(`${fullName} has no open pull request #${number}`);
    const branch = group.headRef.replace(/^refs\/heads\//, '');
    if (
      !branch.startsWith(`gh-readonly-queue/${pull.baseRef}/pr-${number}-`) ||
      repo.branches.get(branch) !== group.headSha
    )
      throw new Error(
        `${group.headRef} at ${group.headSha} is not a merge group of ${fullName}#${number} in the queue`,
      );
    const baseHead = repo.branches.get(pull.baseRef);
    if (baseHead !== group.baseSha)
      throw new Error(
        `${fullName}: ${pull.baseRef} moved since the merge group of #${number} was made (it was made on ` +
          `${group.baseSha}, ${pull.baseRef} is now ${baseHead}): the merge queue would make a new group, not merge this one`,
      );
    repo.branches.set(pull.baseRef, group.headSha);
    repo.branches.delete(branch);
    const at = this.tick();
    Object.assign(pull, {
      state: 'closed',
      mergeCommitSha: group.headSha,
      mergedAt: at,
      closedAt: at,
      updatedAt: at,
      mergedBy: MERGE_QUEUE_ACTOR,
    } satisfies Partial<PullRecord>);
    return pull;
  }

  /** Closes an open pull request without merging it (its head branch stays, as on GitHub). */
  closePullRequest(fullName: string, number: number): PullRecord {
    const pull = this.pull(fullName, number);
    if (!pull || pull.state !== 'open') throw new Error(`${fullName} has no open pull request #${number}`);
    const at = this.tick();
    Object.assign(pull, { state: 'closed', closedAt: at, updatedAt: at } satisfies Partial<PullRecord>);
    return pull;
  }

  openPullRequest(fullName: string, options: MergeOptions = {}): PullRecord {
    const repo = this.requireRepository(fullName);
    const baseRef = options.base ?? repo.defaultBranch;
    const baseSha = repo.branches.get(baseRef);
    if (!baseSha) throw new Error(`${fullName} has no branch '${baseRef}'`);
    const number = this.nextIssueNumber(repo.fullName);
    const author = options.author ?? 'octocat';
    const headRepository = options.fork ? this.createRepository(options.fork, { fork: true }).fullName : repo.fullName;
    const headRef = options.headRef ?? `feature-${number}`;
    let head = baseSha;
    const commits: string[] = [];
    for (let i = 0; i < (options.commits ?? 1); i += 1) {
      head = this.addCommit({ parents: [head], message: `Work on #${number} (${i + 1})`, author }).sha;
      commits.push(head);
    }
    this.requireRepository(headRepository).branches.set(headRef, head);
    const createdAt = this.tick();
    const pull: PullRecord = {
      id: this.nextPullId++,
      number,
      repository: repo.fullName,
      title: options.title ?? `Pull request ${number}`,
      body: options.body ?? null,
      author,
      state: 'open',
      locked: false,
      fork: headRepository !== repo.fullName,
      headRepository,
      headRef,
      headSha: head,
      baseRef,
      baseSha,
      commits,
      mergeCommitSha: null,
      mergedAt: null,
      mergedBy: null,
      closedAt: null,
      createdAt,
      updatedAt: createdAt,
    };
    this.pulls(repo.fullName).push(pull);
    return pull;
  }

  lockConversation(fullName: string, number: number): void {
    const pull = this.pull(fullName, number);
    if (!pull) throw new Error(`${fullName} has no pull request #${number}`);
    pull.locked = true;
  }

  addComment(
    fullName: string,
    issueNumber: number,
    { body, author }: { body: string; author?: string },
  ): CommentRecord {
    const repo = this.requireRepository(fullName);
    const at = this.tick();
    const record: CommentRecord = {
      id: this.nextCommentId++,
      repository: repo.fullName,
      issueNumber,
      body,
      author: author ?? this.actor,
      createdAt: at,
      updatedAt: at,
    };
    this.commentsById.set(record.id, record);
    return record;
  }

  updateComment(id: number, body: string): CommentRecord | undefined {
    const record = this.commentsById.get(id);
    if (!record) return undefined;
    record.body = body;
    record.updatedAt = this.tick();
    return record;
  }

  createDeployment(
    fullName: string,
    options: {
      sha: string;
      ref?: string;
      environment?: string;
      task?: string;
      description?: string | null;
      payload?: Record<string, unknown> | string;
      transientEnvironment?: boolean;
      productionEnvironment?: boolean;
      creator?: string;
      /** Statuses to record at once, oldest first (`['success']` for a deployment that went live). */
      statuses?: DeploymentState[];
    },
  ): DeploymentRecord {
    const repo = this.requireRepository(fullName);
    const environment = options.environment ?? 'production';
    const at = this.tick();
    const record: DeploymentRecord = {
      id: this.nextDeploymentId++,
      repository: repo.fullName,
      sha: options.sha,
      ref: options.ref ?? options.sha,
      task: options.task ?? 'deploy',
      payload: options.payload ?? {},
      environment,
      description: options.description ?? null,
      creator: options.creator ?? this.actor,
      createdAt: at,
      updatedAt: at,
      transientEnvironment: options.transientEnvironment ?? false,
      productionEnvironment: options.productionEnvironment ?? environment === 'production',
      statuses: [],
    };
    this.deploymentsById.set(record.id, record);
    for (const state of options.statuses ?? []) this.addDeploymentStatus(record.id, { state });
    return record;
  }

  addDeploymentStatus(
    deploymentId: number,
    options: {
      state: DeploymentState;
      description?: string;
      environment?: string;
      environmentUrl?: string;
      logUrl?: string;
      creator?: string;
    },
  ): StatusRecord {
    const deployment = this.deploymentsById.get(deploymentId);
    if (!deployment) throw new Error(`No deployment ${deploymentId}`);
    const record: StatusRecord = {
      id: this.nextStatusId++,
      state: options.state,
      creator: options.creator ?? this.actor,
      description: options.description ?? '',
      environment: options.environment ?? deployment.environment,
      environmentUrl: options.environmentUrl ?? '',
      logUrl: options.logUrl ?? '',
      createdAt: this.tick(),
    };
    if (options.environment) deployment.environment = options.environment;
    deployment.statuses.push(record);
    deployment.updatedAt = record.createdAt;
    return record;
  }

  deleteDeployment(id: number): boolean {
    return this.deploymentsById.delete(id);
  }

  // ---- reading ----

  repository(fullName: string): RepositoryRecord | undefined {
    return this.repositories.get(fullName.toLowerCase());
  }

  requireRepository(fullName: string): RepositoryRecord {
    const repo = this.repository(fullName);
    if (!repo) throw new Error(`The emulator has no repository ${fullName}`);
    return repo;
  }

  branchHead(fullName: string, branch?: string): string {
    const repo = this.requireRepository(fullName);
    const sha = repo.branches.get(branch ?? repo.defaultBranch);
    if (!sha) throw new Error(`${fullName} has no branch '${branch}'`);
    return sha;
  }

  pulls(fullName: string): PullRecord[] {
    const key = fullName.toLowerCase();
    let list = this.pullsByRepository.get(key);
    if (!list) {
      list = [];
      this.pullsByRepository.set(key, list);
    }
    return list;
  }

  pull(fullName: string, number: number): PullRecord | undefined {
    return this.pulls(fullName).find((pull) => pull.number === number);
  }

  /** Pull requests a commit belongs to: as one of their commits, or as the commit that merged them. */
  pullsForCommit(fullName: string, sha: string): PullRecord[] {
    return this.pulls(fullName)
      .filter((pull) => pull.mergeCommitSha === sha || pull.commits.includes(sha))
      .sort((a, b) => b.number - a.number);
  }

  comments(fullName?: string, issueNumber?: number): CommentRecord[] {
    return [...this.commentsById.values()].filter(
      (comment) =>
        (fullName === undefined || comment.repository.toLowerCase() === fullName.toLowerCase()) &&
        (issueNumber === undefined || comment.issueNumber === issueNumber),
    );
  }

  comment(id: number): CommentRecord | undefined {
    return this.commentsById.get(id);
  }

  /** Newest first, as GitHub lists them. */
  deployments(fullName: string): DeploymentRecord[] {
    return [...this.deploymentsById.values()]
      .filter((deployment) => deployment.repository.toLowerCase() === fullName.toLowerCase())
      .sort((a, b) => b.id - a.id);
  }

  deployment(id: number): DeploymentRecord | undefined {
    return this.deploymentsById.get(id);
  }

  commitRecord(sha: string): CommitRecord | undefined {
    return this.commitsBySha.get(sha);
  }

  /** A branch name (or `refs/heads/<name>`), a full SHA, or an abbreviated one of at least seven characters. */
  resolve(fullName: string, ref: string): CommitRecord | undefined {
    const repo = this.repository(fullName);
    const bare = (ref.includes(':') ? ref.slice(ref.indexOf(':') + 1) : ref).replace(/^refs\/heads\//, '');
    const branch = repo?.branches.get(bare);
    if (branch) return this.commitsBySha.get(branch);
    if (/^[0-9a-f]{40}$/.test(bare)) return this.commitsBySha.get(bare);
    if (/^[0-9a-f]{7,39}$/.test(bare)) {
      const matches = [...this.commitsBySha.keys()].filter((sha) => sha.startsWith(bare));
      return matches.length === 1 ? this.commitsBySha.get(matches[0]) : undefined;
    }
    return undefined;
  }

  /** `git log base..head` in creation order, what base has that head lacks, and their merge base. */
  compare(
    base: CommitRecord,
    head: CommitRecord,
  ): { ahead: CommitRecord[]; behindBy: number; mergeBase: CommitRecord } {
    const fromBase = this.ancestors(base.sha);
    const fromHead = this.ancestors(head.sha);
    const ahead = [...fromHead]
      .filter((sha) => !fromBase.has(sha))
      .map((sha) => this.commitsBySha.get(sha) as CommitRecord);
    const behindBy = [...fromBase].filter((sha) => !fromHead.has(sha)).length;
    const common = [...fromBase]
      .filter((sha) => fromHead.has(sha))
      .map((sha) => this.commitsBySha.get(sha) as CommitRecord);
    const mergeBase = common.reduce((best, record) => (record.index > best.index ? record : best), common[0] ?? base);
    return { ahead: ahead.sort((a, b) => a.index - b.index), behindBy, mergeBase };
  }

  // ---- internals ----

  /** Timestamps in GitHub's format (seconds, `Z`), one minute apart, from a fixed start. */
  tick(): string {
    this.minutes += 1;
    return new Date(Date.UTC(2026, 0, 1) + this.minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private nextIssueNumber(fullName: string): number {
    const next = (this.issueCounters.get(fullName.toLowerCase()) ?? 0) + 1;
    this.issueCounters.set(fullName.toLowerCase(), next);
    return next;
  }

  private addCommit({
    parents,
    message,
    author,
    sha: given,
  }: {
    parents: string[];
    message: string;
    author: string;
    sha?: string;
  }): CommitRecord {
    this.counter += 1;
    if (given && this.commitsBySha.has(given)) throw new Error(`Commit ${given} exists already`);
    const sha = given ?? createHash('sha1').update(`commit:${this.seed}:${this.counter}`).digest('hex');
    const tree = createHash('sha1').update(`tree:${this.seed}:${this.counter}`).digest('hex');
    const record: CommitRecord = { sha, parents, message, author, date: this.tick(), tree, index: this.counter };
    this.commitsBySha.set(sha, record);
    return record;
  }

  private ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length > 0) {
      const next = queue.pop() as string;
      if (seen.has(next)) continue;
      seen.add(next);
      for (const parent of this.commitsBySha.get(next)?.parents ?? []) queue.push(parent);
    }
    return seen;
  }
}
