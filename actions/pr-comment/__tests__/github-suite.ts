import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { startGitHubEmulator, type GitHubEmulator } from '../../../test/emulators/github/index.js';
import { createOctokit, type Octokit } from '../src/github.js';

/** The repository every suite here works in. */
export const REPOSITORY = 'octo-org/shipyard-demo';
export const repo = { owner: 'octo-org', repo: 'shipyard-demo' };

/**
 * A GitHub emulator and a real Octokit (retry and throttling plugins included) for the domain
 * modules' own tests: started once for the file, emptied to one fresh repository before each test,
 * closed after the file, with GITHUB_API_URL as it was.
 */
export function githubSuite(): { github: () => GitHubEmulator; octokit: () => Octokit } {
  let github: GitHubEmulator | undefined;
  let octokit: Octokit | undefined;
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
    await github?.close();
  });
  beforeEach(() => {
    github?.reset();
    github?.state.createRepository(REPOSITORY);
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('githubSuite: used outside a test');
    return value;
  };
  return { github: () => started(github), octokit: () => started(octokit) };
}
