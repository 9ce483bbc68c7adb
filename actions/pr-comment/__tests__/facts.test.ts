import { expect, test } from '@jest/globals';
import { readRunContext } from '@shipyard/shared/context';
import { deploymentFacts } from '../src/facts.js';

test('the facts every message says, from the inputs and the run', () => {
  const run = readRunContext({
    GITHUB_REPOSITORY: 'octo/app',
    GITHUB_SERVER_URL: 'https://github.example.com',
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_NUMBER: '7',
  });
  expect(
    deploymentFacts(
      { status: 'failure', environment: 'staging', environmentUrl: 'https://staging.example.com/', sha: 'abc' },
      run,
    ),
  ).toEqual({
    status: 'failure',
    environment: 'staging',
    environmentUrl: 'https://staging.example.com/',
    sha: 'abc',
    repository: 'octo/app',
    serverUrl: 'https://github.example.com',
    runUrl: 'https://github.example.com/octo/app/actions/runs/42',
    runNumber: '7',
  });
});

test('outside a run there is no run link', () => {
  expect(
    deploymentFacts({ status: 'success', environment: 'production', sha: 'abc' }, readRunContext({})),
  ).toMatchObject({ runUrl: '', runNumber: '', repository: '' });
});
