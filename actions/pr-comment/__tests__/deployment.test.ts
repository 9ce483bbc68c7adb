import { describe, expect, test } from '@jest/globals';
import { recordDeployment } from '../src/deployment.js';
import { githubSuite, REPOSITORY, repo } from './github-suite.js';

/** A GitHub deployment with its status, recorded once per commit and environment, against the emulator. */

const suite = githubSuite();
/** The head of the fresh repository: a commit GitHub knows, as a deployment needs. */
const head = () => suite.github().state.branchHead(REPOSITORY);
const record = (status: 'success' | 'failure', description = 'Deployed web:7') =>
  recordDeployment(suite.octokit(), repo, {
    sha: head(),
    environment: 'production',
    status,
    environmentUrl: 'https://app.example.com/',
    logUrl: 'https://github.com/octo-org/shipyard-demo/actions/runs/1',
    description,
    payload: { image: 'web:7' },
  });

describe('recordDeployment', () => {
  test('creates a deployment of the commit with its status', async () => {
    const recorded = await record('success');
    expect(recorded).toMatchObject({ reused: false, statusAdded: true });
    const [deployment] = suite.github().state.deployments(REPOSITORY);
    expect(deployment).toMatchObject({
      id: recorded.id,
      sha: head(),
      environment: 'production',
      payload: { image: 'web:7' },
    });
    expect(deployment.statuses.map(({ state, environmentUrl }) => [state, environmentUrl])).toEqual([
      ['success', 'https://app.example.com/'],
    ]);
  });

  test('a rerun that changes nothing writes nothing', async () => {
    const first = await record('success');
    const calls = suite.github().calls().length;
    expect(await record('success')).toEqual({ id: first.id, reused: true, statusAdded: false });
    expect(
      suite
        .github()
        .calls()
        .slice(calls)
        .map((call) => call.method),
    ).toEqual(['GET', 'GET']);
    expect(suite.github().state.deployments(REPOSITORY)).toHaveLength(1);
  });

  test('a rerun with another outcome gives the same deployment a new status', async () => {
    const first = await record('failure', 'Failed to deploy web:7');
    expect(await record('success')).toEqual({ id: first.id, reused: true, statusAdded: true });
    expect(
      suite
        .github()
        .state.deployment(first.id)
        ?.statuses.map(({ state }) => state),
    ).toEqual(['failure', 'success']);
  });

  test('a description past GitHub’s 140 characters is cut with an ellipsis', async () => {
    const { id } = await record('success', 'x'.repeat(200));
    const [status] = suite.github().state.deployment(id)?.statuses ?? [];
    expect(status.description).toBe(`${'x'.repeat(139)}…`);
  });
});
