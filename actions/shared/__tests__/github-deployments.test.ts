import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { getOctokit } from '@actions/github';
import { startGitHubEmulator, type GitHubEmulator } from '@shipyard/emulators/github';
import {
  deactivateDeployments,
  recordDeployment,
  shortDescription,
  type CallPurpose,
  type DeploymentRecord,
  type Octokit,
} from '../src/github-deployments.js';

/**
 * The one GitHub-deployment writer (pr-comment's production deployment, preview-env's
 * `preview/pr-<N>`), at the wire against the GitHub emulator, which holds every request to GitHub's
 * OpenAPI description.
 */

const REPOSITORY = 'octo-org/shipyard-demo';
const repo = { owner: 'octo-org', repo: 'shipyard-demo' };
let github: GitHubEmulator;
let octokit: Octokit;
/** The purposes the writer gave its calls, in order: what the action's explanation of a refusal would name. */
let purposes: CallPurpose[];
const writer = {
  call: async <T>(purpose: CallPurpose, send: () => Promise<T>): Promise<T> => {
    purposes.push(purpose);
    try {
      return await send();
    } catch (error) {
      throw new Error(`Could not ${purpose.doing} (${purpose.permission}): ${(error as Error).message}`, {
        cause: error,
      });
    }
  },
};

beforeAll(async () => {
  github = await startGitHubEmulator();
  octokit = getOctokit('ghs_test', { baseUrl: github.url });
});
afterAll(async () => {
  await github.close();
});
beforeEach(() => {
  github.reset();
  github.state.createRepository(REPOSITORY);
  purposes = [];
});

/** GitHub refuses the next deployment status (a 422, which Octokit does not retry). */
const refuseTheStatus = () =>
  github.injectFaults(
    [
      {
        kind: 'answer',
        status: 422,
        body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest' },
      },
    ],
    { operationId: 'repos/create-deployment-status' },
  );
const head = () => github.state.branchHead(REPOSITORY);
const record = (overrides: Partial<DeploymentRecord> = {}) =>
  recordDeployment(
    octokit,
    repo,
    {
      sha: head(),
      environment: 'production',
      state: 'success',
      environmentUrl: 'https://app.example.com/',
      logUrl: 'https://github.com/octo-org/shipyard-demo/actions/runs/1',
      description: 'Deployed web:7',
      ...overrides,
    },
    writer,
  );

describe('recordDeployment', () => {
  test.each<[string, Partial<DeploymentRecord>, { transient: boolean; production: boolean }]>([
    ['production, named so', {}, { transient: false, production: true }],
    ['staging', { environment: 'staging' }, { transient: false, production: false }],
    [
      'a preview (transient, never production)',
      { environment: 'preview/pr-7', transient: true, production: false },
      { transient: true, production: false },
    ],
  ])('creates the deployment of the commit with its status: %s', async (_what, overrides, flags) => {
    const recorded = await record({ payload: { image: 'web:7' }, ...overrides });
    expect(recorded).toMatchObject({ reused: false, statusAdded: true });
    const [deployment] = github.state.deployments(REPOSITORY);
    expect(deployment).toMatchObject({
      id: recorded.id,
      sha: head(),
      environment: overrides.environment ?? 'production',
      payload: { image: 'web:7' },
      transientEnvironment: flags.transient,
      productionEnvironment: flags.production,
    });
    expect(deployment.statuses.map(({ state, environmentUrl }) => [state, environmentUrl])).toEqual([
      ['success', 'https://app.example.com/'],
    ]);
    expect(github.problems()).toEqual([]);
  });

  test('a rerun that changes nothing writes nothing; another state or description adds a status', async () => {
    const first = await record({ state: 'failure', description: 'Failed to deploy web:7' });
    const writes = github.writes().length;
    expect(await record({ state: 'failure', description: 'Failed to deploy web:7' })).toEqual({
      id: first.id,
      reused: true,
      statusAdded: false,
    });
    expect(github.writes()).toHaveLength(writes);
    expect(await record({ state: 'success' })).toEqual({ id: first.id, reused: true, statusAdded: true });
    expect(await record({ state: 'success', description: 'Deployed web:8' })).toMatchObject({ statusAdded: true });
    expect(github.state.deployment(first.id)?.statuses.map(({ state }) => state)).toEqual([
      'failure',
      'success',
      'success',
    ]);
    expect(github.state.deployments(REPOSITORY)).toHaveLength(1);
  });

  test('a description past GitHub’s 140 characters is cut with an ellipsis', async () => {
    const { id } = await record({ description: 'x'.repeat(200) });
    expect(github.state.deployment(id)?.statuses[0].description).toBe(`${'x'.repeat(139)}…`);
    expect(shortDescription('short')).toBe('short');
  });

  test('a status that cannot be set: the deployment this run created is deleted again, none is left pending', async () => {
    refuseTheStatus();
    await expect(record()).rejects.toThrow(
      /Could not set the status of deployment \d+ .*Validation Failed.*\. Deployment \d+, created by this run, was deleted again/,
    );
    expect(github.state.deployments(REPOSITORY)).toEqual([]);
    expect(purposes.at(-1)).toMatchObject({
      permission: 'deployments: write',
      doing: expect.stringMatching(/^delete/),
    });
  });

  test('keepWithoutStatus keeps the deployment and throws its own error instead', async () => {
    refuseTheStatus();
    const kept = new Error('kept for the rerun');
    await expect(
      recordDeployment(
        octokit,
        repo,
        { sha: head(), environment: 'production', state: 'success', description: 'Deployed' },
        { ...writer, keepWithoutStatus: () => kept },
      ),
    ).rejects.toBe(kept);
    expect(github.state.deployments(REPOSITORY)).toHaveLength(1);
  });
});

describe('deactivateDeployments', () => {
  test('marks every deployment of the environment inactive once, and no other environment’s', async () => {
    await record({ environment: 'preview/pr-7', transient: true, production: false });
    const next = github.state.openPullRequest(REPOSITORY).headSha;
    await record({ environment: 'preview/pr-7', sha: next, transient: true, production: false });
    await record({ environment: 'production' });
    const removal = { environment: 'preview/pr-7', description: 'The preview was removed' };
    expect(await deactivateDeployments(octokit, repo, removal, writer)).toBe(2);
    expect(await deactivateDeployments(octokit, repo, removal, writer)).toBe(0);
    const last = (environment: string) =>
      github.state
        .deployments(REPOSITORY)
        .filter((deployment) => deployment.environment === environment)
        .map((deployment) => deployment.statuses.at(-1)?.state);
    expect(last('preview/pr-7')).toEqual(['inactive', 'inactive']);
    expect(last('production')).toEqual(['success']);
    expect(github.problems()).toEqual([]);
  });
});
