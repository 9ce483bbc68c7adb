import { describe, expect, test } from '@jest/globals';
import { deployedBranch, landedCommits, lastSuccessfulDeployment, pullsOfCommit, uniquePulls } from '../src/pulls.js';
import { githubSuite, REPOSITORY, repo } from './github-suite.js';

/** The domain modules with a real Octokit (retry and throttling plugins included) against the emulator. */

const suite = githubSuite();
const operations = () =>
  suite
    .github()
    .calls()
    .map((call) => call.operationId);

describe('landedCommits', () => {
  test('follows the first-parent line: a merge commit stands for its pull request', async () => {
    const base = suite.github().state.branchHead(REPOSITORY);
    const merged = suite.github().state.mergePullRequest(REPOSITORY, { commits: 4 });
    const squashed = suite.github().state.mergePullRequest(REPOSITORY, { method: 'squash', commits: 3 });
    const direct = suite.github().state.commit(REPOSITORY, {});
    const landed = await landedCommits(suite.octokit(), repo, base, direct);
    expect(landed).toEqual({ status: 'ahead', shas: [merged.mergeCommitSha, squashed.mergeCommitSha, direct] });
    expect(operations()).toEqual(['repos/compare-commits-with-basehead']);
  });

  test('pages through a comparison of more than 100 commits', async () => {
    const base = suite.github().state.branchHead(REPOSITORY);
    for (let i = 0; i < 130; i += 1) suite.github().state.commit(REPOSITORY, {});
    const head = suite.github().state.branchHead(REPOSITORY);
    const landed = await landedCommits(suite.octokit(), repo, base, head);
    expect(landed.shas).toHaveLength(130);
    expect(
      suite
        .github()
        .calls()
        .map((call) => call.query.page),
    ).toEqual(['1', '2']);
  });

  test('history rewritten: the status says so', async () => {
    const base = suite.github().state.branchHead(REPOSITORY);
    const ahead = suite.github().state.commit(REPOSITORY, {});
    const other = suite.github().state.commit(REPOSITORY, { parents: [base] });
    expect((await landedCommits(suite.octokit(), repo, ahead, other)).status).toBe('diverged');
  });
});

describe('lastSuccessfulDeployment', () => {
  test('skips deployments of the commit itself and those that never succeeded', async () => {
    const first = suite.github().state.mergePullRequest(REPOSITORY, {}).mergeCommitSha as string;
    const second = suite.github().state.mergePullRequest(REPOSITORY, {}).mergeCommitSha as string;
    const third = suite.github().state.mergePullRequest(REPOSITORY, {}).mergeCommitSha as string;
    suite.github().state.createDeployment(REPOSITORY, { sha: first, statuses: ['success'] });
    const wanted = suite
      .github()
      .state.createDeployment(REPOSITORY, { sha: second, statuses: ['success', 'inactive'] });
    suite.github().state.createDeployment(REPOSITORY, { sha: second, environment: 'staging', statuses: ['success'] });
    suite.github().state.createDeployment(REPOSITORY, { sha: third, statuses: ['in_progress', 'failure'] });
    suite.github().state.createDeployment(REPOSITORY, { sha: third, statuses: ['error'] });
    const own = suite.github().state.mergePullRequest(REPOSITORY, {}).mergeCommitSha as string;
    suite.github().state.createDeployment(REPOSITORY, { sha: own, statuses: ['success'] });

    expect(await lastSuccessfulDeployment(suite.octokit(), repo, { environment: 'production', sha: own })).toEqual({
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
    const sha = suite.github().state.branchHead(REPOSITORY);
    expect(await lastSuccessfulDeployment(suite.octokit(), repo, { environment: 'production', sha })).toBeUndefined();
  });
});

describe('pullsOfCommit', () => {
  test('keeps merged pull requests into the branch', async () => {
    suite.github().state.createRepository(REPOSITORY);
    const release = suite.github().state.commit(REPOSITORY, {
      branch: 'release',
      parents: [suite.github().state.branchHead(REPOSITORY)],
    });
    const intoRelease = suite.github().state.mergePullRequest(REPOSITORY, { base: 'release' });
    const open = suite.github().state.openPullRequest(REPOSITORY, {});
    expect(release).toBeDefined();
    expect(await pullsOfCommit(suite.octokit(), repo, open.headSha, 'main')).toEqual([]);
    const found = await pullsOfCommit(suite.octokit(), repo, intoRelease.mergeCommitSha as string, 'release');
    expect(found.map((pull) => pull.number)).toEqual([intoRelease.number]);
    expect(await pullsOfCommit(suite.octokit(), repo, intoRelease.mergeCommitSha as string, 'main')).toEqual([]);
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
