import type {
  CommentRecord,
  CommitRecord,
  DeploymentRecord,
  PullRecord,
  RepositoryRecord,
  StatusRecord,
} from './state.js';

/**
 * The JSON GitHub answers with, built from the emulator's records. GitHub's objects carry dozens of
 * hypermedia URLs; they are all derived here from the emulator's own base URL (so a client that
 * follows one reaches the emulator) and github.com-style HTML URLs. Every object built here is
 * checked against the OpenAPI description on its way out.
 */

export interface Urls {
  /** The emulator's API root, standing in for https://api.github.com. */
  api: string;
  /** The web root HTML URLs point at. */
  web: string;
}

type Json = Record<string, unknown>;

export function userId(login: string): number {
  let hash = 7;
  for (const char of login) hash = (hash * 31 + char.charCodeAt(0)) % 2_000_000_000;
  return hash + 1;
}

export function simpleUser(urls: Urls, login: string): Json {
  const id = userId(login);
  const bot = login.endsWith('[bot]');
  // GitHub escapes a bot's brackets in its URLs (`/users/github-actions%5Bbot%5D`).
  const api = `${urls.api}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: nodeId('U', id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: bot ? `${urls.web}/apps/${login.slice(0, -'[bot]'.length)}` : `${urls.web}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: bot ? 'Bot' : 'User',
    site_admin: false,
  };
}

// The `*_url` templates every repository object carries, by name and path below the repository.
const REPOSITORY_URLS: readonly [string, string][] = [
  ['archive_url', '/{archive_format}{/ref}'],
  ['assignees_url', '/assignees{/user}'],
  ['blobs_url', '/git/blobs{/sha}'],
  ['branches_url', '/branches{/branch}'],
  ['collaborators_url', '/collaborators{/collaborator}'],
  ['comments_url', '/comments{/number}'],
  ['commits_url', '/commits{/sha}'],
  ['compare_url', '/compare/{base}...{head}'],
  ['contents_url', '/contents/{+path}'],
  ['contributors_url', '/contributors'],
  ['deployments_url', '/deployments'],
  ['downloads_url', '/downloads'],
  ['events_url', '/events'],
  ['forks_url', '/forks'],
  ['git_commits_url', '/git/commits{/sha}'],
  ['git_refs_url', '/git/refs{/sha}'],
  ['git_tags_url', '/git/tags{/sha}'],
  ['hooks_url', '/hooks'],
  ['issue_comment_url', '/issues/comments{/number}'],
  ['issue_events_url', '/issues/events{/number}'],
  ['issues_url', '/issues{/number}'],
  ['keys_url', '/keys{/key_id}'],
  ['labels_url', '/labels{/name}'],
  ['languages_url', '/languages'],
  ['merges_url', '/merges'],
  ['milestones_url', '/milestones{/number}'],
  ['notifications_url', '/notifications{?since,all,participating}'],
  ['pulls_url', '/pulls{/number}'],
  ['releases_url', '/releases{/id}'],
  ['stargazers_url', '/stargazers'],
  ['statuses_url', '/statuses/{sha}'],
  ['subscribers_url', '/subscribers'],
  ['subscription_url', '/subscription'],
  ['tags_url', '/tags'],
  ['teams_url', '/teams'],
  ['trees_url', '/git/trees{/sha}'],
];

export function repository(urls: Urls, repo: RepositoryRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  const html = `${urls.web}/${repo.fullName}`;
  const host = new URL(urls.web).host;
  const templated = Object.fromEntries(REPOSITORY_URLS.map(([name, suffix]) => [name, `${api}${suffix}`]));
  return {
    id: repo.id,
    node_id: nodeId('R', repo.id),
    name: repo.name,
    full_name: repo.fullName,
    owner: simpleUser(urls, repo.owner),
    private: repo.private,
    html_url: html,
    description: null,
    fork: repo.fork,
    url: api,
    ...templated,
    git_url: `git://${host}/${repo.fullName}.git`,
    ssh_url: `git@${host}:${repo.fullName}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    mirror_url: null,
    homepage: null,
    language: 'TypeScript',
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 100,
    default_branch: repo.defaultBranch,
    open_issues: 0,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    archived: false,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    pushed_at: repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    license: null,
  };
}

function branchRef(urls: Urls, repo: RepositoryRecord, ref: string, sha: string): Json {
  return {
    label: `${repo.owner}:${ref}`,
    ref,
    repo: repository(urls, repo),
    sha,
    user: simpleUser(urls, repo.owner),
  };
}

/** `pull-request-simple` (lists) or, with `full`, `pull-request` (a single pull request). */
export function pullRequest(
  urls: Urls,
  pull: PullRecord,
  repos: { base: RepositoryRecord; head: RepositoryRecord },
  full = false,
): Json {
  const { base, head } = repos;
  const api = `${urls.api}/repos/${base.fullName}`;
  const html = `${urls.web}/${base.fullName}/pull/${pull.number}`;
  const links = {
    self: { href: `${api}/pulls/${pull.number}` },
    html: { href: html },
    issue: { href: `${api}/issues/${pull.number}` },
    comments: { href: `${api}/issues/${pull.number}/comments` },
    review_comments: { href: `${api}/pulls/${pull.number}/comments` },
    review_comment: { href: `${api}/pulls/comments{/number}` },
    commits: { href: `${api}/pulls/${pull.number}/commits` },
    statuses: { href: `${api}/statuses/${pull.headSha}` },
  };
  const simple: Json = {
    url: `${api}/pulls/${pull.number}`,
    id: pull.id,
    node_id: nodeId('PR', pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${pull.number}`,
    commits_url: `${api}/pulls/${pull.number}/commits`,
    review_comments_url: `${api}/pulls/${pull.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pull.number}/comments`,
    statuses_url: `${api}/statuses/${pull.headSha}`,
    number: pull.number,
    state: pull.state,
    locked: pull.locked,
    title: pull.title,
    user: simpleUser(urls, pull.author),
    body: pull.body,
    labels: [],
    milestone: null,
    active_lock_reason: pull.locked ? 'resolved' : null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branchRef(urls, head, pull.headRef, pull.headSha),
    base: branchRef(urls, base, pull.baseRef, pull.baseSha),
    _links: links,
    author_association: pull.fork ? 'CONTRIBUTOR' : 'MEMBER',
    auto_merge: null,
    draft: false,
  };
  if (!full) return simple;
  const merged = pull.mergedAt !== null;
  return {
    ...simple,
    merged,
    mergeable: merged ? null : true,
    rebaseable: merged ? null : true,
    mergeable_state: merged ? 'unknown' : 'clean',
    merged_by: merged ? simpleUser(urls, pull.mergedBy ?? base.owner) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: pull.commits.length,
    additions: 10 * pull.commits.length,
    deletions: 2 * pull.commits.length,
    changed_files: pull.commits.length,
  };
}

export function issueComment(urls: Urls, repo: RepositoryRecord, comment: CommentRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  return {
    id: comment.id,
    node_id: nodeId('IC', comment.id),
    url: `${api}/issues/comments/${comment.id}`,
    html_url: `${urls.web}/${repo.fullName}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
    body: comment.body,
    user: simpleUser(urls, comment.author),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${api}/issues/${comment.issueNumber}`,
    author_association: comment.author.endsWith('[bot]') ? 'NONE' : 'MEMBER',
  };
}

/** `commit` as the compare endpoint lists it. */
export function commit(urls: Urls, repo: RepositoryRecord, record: CommitRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  const html = `${urls.web}/${repo.fullName}/commit/${record.sha}`;
  const person = { name: record.author, email: `${record.author}@users.noreply.github.com`, date: record.date };
  return {
    url: `${api}/commits/${record.sha}`,
    sha: record.sha,
    node_id: nodeId('C', parseInt(record.sha.slice(0, 8), 16)),
    html_url: html,
    comments_url: `${api}/commits/${record.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${record.sha}`,
      author: person,
      committer: person,
      message: record.message,
      comment_count: 0,
      tree: { sha: record.tree, url: `${api}/git/trees/${record.tree}` },
      verification: { verified: false, reason: 'unsigned', payload: null, signature: null, verified_at: null },
    },
    author: simpleUser(urls, record.author),
    committer: simpleUser(urls, record.author),
    parents: record.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${urls.web}/${repo.fullName}/commit/${sha}`,
    })),
  };
}

export function comparison(
  urls: Urls,
  repo: RepositoryRecord,
  options: {
    basehead: string;
    base: CommitRecord;
    mergeBase: CommitRecord;
    ahead: CommitRecord[];
    behindBy: number;
    pageOfCommits: CommitRecord[];
  },
): Json {
  const { basehead, ahead, behindBy } = options;
  const api = `${urls.api}/repos/${repo.fullName}`;
  const html = `${urls.web}/${repo.fullName}/compare/${basehead}`;
  const status =
    ahead.length === 0 && behindBy === 0
      ? 'identical'
      : ahead.length === 0
        ? 'behind'
        : behindBy === 0
          ? 'ahead'
          : 'diverged';
  return {
    url: `${api}/compare/${basehead}`,
    html_url: html,
    permalink_url: `${urls.web}/${repo.fullName}/compare/${options.base.sha.slice(0, 7)}...${
      ahead.at(-1)?.sha.slice(0, 7) ?? options.base.sha.slice(0, 7)
    }`,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    base_commit: commit(urls, repo, options.base),
    merge_base_commit: commit(urls, repo, options.mergeBase),
    status,
    ahead_by: ahead.length,
    behind_by: behindBy,
    total_commits: ahead.length,
    commits: options.pageOfCommits.map((record) => commit(urls, repo, record)),
    files: [],
  };
}

export function deployment(urls: Urls, repo: RepositoryRecord, record: DeploymentRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}/deployments/${record.id}`;
  return {
    url: api,
    id: record.id,
    node_id: nodeId('DE', record.id),
    sha: record.sha,
    ref: record.ref,
    task: record.task,
    payload: record.payload,
    original_environment: record.environment,
    environment: record.environment,
    description: record.description,
    creator: simpleUser(urls, record.creator),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    statuses_url: `${api}/statuses`,
    repository_url: `${urls.api}/repos/${repo.fullName}`,
    transient_environment: record.transientEnvironment,
    production_environment: record.productionEnvironment,
  };
}

export function deploymentStatus(
  urls: Urls,
  repo: RepositoryRecord,
  deploymentRecord: DeploymentRecord,
  record: StatusRecord,
): Json {
  const api = `${urls.api}/repos/${repo.fullName}/deployments/${deploymentRecord.id}`;
  return {
    url: `${api}/statuses/${record.id}`,
    id: record.id,
    node_id: nodeId('DES', record.id),
    state: record.state,
    creator: simpleUser(urls, record.creator),
    description: record.description,
    environment: record.environment,
    target_url: record.logUrl,
    created_at: record.createdAt,
    updated_at: record.createdAt,
    deployment_url: api,
    repository_url: `${urls.api}/repos/${repo.fullName}`,
    environment_url: record.environmentUrl,
    log_url: record.logUrl,
  };
}

export function basicError(message: string, documentation = 'https://docs.github.com/rest', status?: number): Json {
  return { message, documentation_url: documentation, ...(status ? { status: String(status) } : {}) };
}

function nodeId(prefix: string, id: number): string {
  return Buffer.from(`0:${prefix}${id}`).toString('base64').replace(/=+$/, '');
}

/** `GET /user` for a personal or OAuth token: GitHub's `public-user` view of the token's user. */
export function publicUser(urls: Urls, login: string): Json {
  return {
    ...simpleUser(urls, login),
    user_view_type: 'public',
    name: null,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: '2020-01-01T00:00:00Z',
    updated_at: '2020-01-01T00:00:00Z',
  };
}
