import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { startGitHubEmulator, type GitHubEmulator } from '../../../test/emulators/github/index.js';
import { marker } from '../src/body.js';
import { publishComment } from '../src/comments.js';
import { createOctokit, type Octokit } from '../src/github.js';
import { deployedBranch, landedCommits, lastSuccessfulDeployment, pullsOfCommit, uniquePulls } from '../src/pulls.js';

/** The domain modules with a real Octokit (retry and throttling plugins included) against the emulator. */

const REPOSITORY = 'octo-org/shipyard-demo';
const repo = { owner: 'octo-org', repo: 'shipyard-demo' };
let github: GitHubEmulator;
let octokit: Octokit;

const apiUrlBefore = process.env.GITHUB_API_URL;
beforeAll(async () => {
  github = await startGitHubEmulator();
  // @actions/github reads GITHUB_API_URL when it is first imported.
  process.env.GITHUB_API_URL = github.url;
  octokit = await createOctokit('ghs_test', { apiUrl: github.url });
});
afterAll(async () => {
  // The jest worker's environment is shared with the test files that run after this one.
  if (apiUrlBefore === undefined) delete process.env.GITHUB_API_URL;
  else process.env.GITHUB_API_URL = apiUrlBefore;
  await github.close();
});
beforeEach(() => {
  github.reset();
  github.state.createRepository(REPOSITORY);
});

const operations = () => github.calls().map((call) => call.operationId);

describe('landedCommits', () => {
  test('follows the first-parent line: a merge commit stands for its pull request', async () => {
    const base = github.state.branchHead(REPOSITORY);
    const merged = github.state.mergePullRequest(REPOSITORY, { commits: 4 });
    const squashed = github.state.mergePullRequest(REPOSITORY, { method: 'squash', commits: 3 });
    const direct = github.state.commit(REPOSITORY, {});
    const landed = await landedCommits(octokit, repo, base, direct);
    expect(landed).toEqual({ status: 'ahead', shas: [merged.mergeCommitSha, squashed.mergeCommitSha, direct] });
    expect(operations()).toEqual(['repos/compare-commits-with-basehead']);
  });

  test('pages through a comparison of more than 100 commits', async () => {
    const base = github.state.branchHead(REPOSITORY);
    for (let i = 0; i < 130; i += 1) github.state.commit(REPOSITORY, {});
    const head = github.state.branchHead(REPOSITORY);
    const landed = await landedCommits(octokit, repo, base, head);
    expect(landed.shas).toHaveLength(130);
    expect(github.calls().map((call) => call.query.page)).toEqual(['1', '2']);
  });

  test('history rewritten: the status says so', async () => {
    const base = github.state.branchHead(REPOSITORY);
    const ahead = github.state.commit(REPOSITORY, {});
    const other = github.state.commit(REPOSITORY, { parents: [base] });
    expect((await landedCommits(octokit, repo, ahead, other)).status).toBe('diverged');
  });
});

describe('lastSuccessfulDeployment', () => {
  test('skips deployments of the commit itself and those that never succeeded', async () => {
    const first = github.state.mergePullRequest(REPOSITORY, {}).mergeCommitSha as string;
    const second = github.state.mergePullRequest(REPOSITORY, {}).mergeCommitSha as string;
    const third = github.state.mergePullRequest(REPOSITORY, {}).mergeCommitSha as string;
    github.state.createDeployment(REPOSITORY, { sha: first, statuses: ['success'] });
    const wanted = github.state.createDeployment(REPOSITORY, { sha: second, statuses: ['success', 'inactive'] });
    github.state.createDeployment(REPOSITORY, { sha: second, environment: 'staging', statuses: ['success'] });
    github.state.createDeployment(REPOSITORY, { sha: third, statuses: ['in_progress', 'failure'] });
    github.state.createDeployment(REPOSITORY, { sha: third, statuses: ['error'] });
    const own = github.state.mergePullRequest(REPOSITORY, {}).mergeCommitSha as string;
    github.state.createDeployment(REPOSITORY, { sha: own, statuses: ['success'] });

    expect(await lastSuccessfulDeployment(octokit, repo, { environment: 'production', sha: own })).toEqual({
      id: wanted.id,
      sha: second,
    });
    expect(operations()).toEqual([
      'repos/list-deployments',
      'repos/list-deployment-statuses',
      'repos/list-deployment-statuses',
      'repos/list-deployment-statuses',
    ]);
  });

  test('none at all', async () => {
    const sha = github.state.branchHead(REPOSITORY);
    expect(await lastSuccessfulDeployment(octokit, repo, { environment: 'production', sha })).toBeUndefined();
  });
});

describe('pullsOfCommit', () => {
  test('keeps merged pull requests into the branch', async () => {
    github.state.createRepository(REPOSITORY);
    const release = github.state.commit(REPOSITORY, {
      branch: 'release',
      parents: [github.state.branchHead(REPOSITORY)],
    });
    const intoRelease = github.state.mergePullRequest(REPOSITORY, { base: 'release' });
    const open = github.state.openPullRequest(REPOSITORY, {});
    expect(release).toBeDefined();
    expect(await pullsOfCommit(octokit, repo, open.headSha, 'main')).toEqual([]);
    const found = await pullsOfCommit(octokit, repo, intoRelease.mergeCommitSha as string, 'release');
    expect(found.map((pull) => pull.number)).toEqual([intoRelease.number]);
    expect(await pullsOfCommit(octokit, repo, intoRelease.mergeCommitSha as string, 'main')).toEqual([]);
  });

  test('uniquePulls keeps the first of each number', () => {
    const pull = (number: number, title: string) => ({
      number,
      title,
      url: '',
      author: '',
      merged: true,
      fromFork: false,
    });
    expect(uniquePulls([pull(1, 'a'), pull(2, 'b'), pull(1, 'c')]).map((p) => p.title)).toEqual(['a', 'b']);
  });

  test.each([
    ['refs/heads/main', {}, 'main'],
    ['refs/tags/v1.2.3', {}, undefined],
    ['refs/pull/7/merge', { pull_request: { base: { ref: 'develop' } } }, 'develop'],
  ])('deployedBranch(%s)', (ref, payload, expected) => {
    expect(deployedBranch(ref, payload)).toBe(expected);
  });
});

describe('publishComment', () => {
  test('stops listing at the page that holds the marker', async () => {
    const pull = github.state.mergePullRequest(REPOSITORY, {});
    for (let i = 0; i < 150; i += 1)
      github.state.addComment(REPOSITORY, pull.number, { body: `chatter ${i}`, author: 'hubot' });
    const mine = github.state.addComment(REPOSITORY, pull.number, { body: `${marker('production')}\nold` });
    for (let i = 0; i < 150; i += 1)
      github.state.addComment(REPOSITORY, pull.number, { body: `more ${i}`, author: 'hubot' });
    const published = await publishComment(octokit, repo, {
      number: pull.number,
      body: `${marker('production')}\nnew`,
      environment: 'production',
      mode: 'upsert',
      author: { kind: 'installation' },
    });
    expect(published).toMatchObject({ outcome: 'updated', id: mine.id });
    expect(github.calls().map((call) => `${call.operationId} ${call.query.page ?? ''}`.trim())).toEqual([
      'issues/list-comments',
      'issues/list-comments 2',
      'issues/update-comment',
    ]);
    expect(github.problems()).toEqual([]);
  });
});
