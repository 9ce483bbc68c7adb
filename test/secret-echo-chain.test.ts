import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startGitHubEmulator, type GitHubEmulator } from '@shipyard/emulators/github';
import { listenOnLoopback, type Listening } from '@shipyard/harness/listen';
import { runAction } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';

/**
 * The chain issue 12 found: an app that echoes request headers in a debug 500 page made
 * smoke-test copy an Authorization value into its `report` output, and the pipeline hands
 * `report` to pr-comment, which posted it in the pull request. Both bundles run here as the
 * runner runs them, one feeding the other exactly as production.yml wires them
 * (`smoke-report: ${{ steps.smoke.outputs.report }}`), and nothing that reached GitHub or Slack
 * may hold the credential in any form the runner would mask.
 */

const REPOSITORY = 'octo-org/shipyard-demo';
const TOKEN = 'ghs_chaintesttoken000000000000000000000';
// A value with characters that URL- and JSON-encoding change, so each form differs from the raw one.
const API_KEY = 'sk_live/9fQ+t8Zr2w=secret"value';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzaGlweWFyZCJ9.c2lnbmF0dXJlLXZhbHVl';

function formsOf(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
  ];
}

let app: Listening;
let github: GitHubEmulator;

beforeAll(async () => {
  // A debug page: the version route works, everything else is a 500 that echoes what it was sent.
  app = await listenOnLoopback((req, res) => {
    if (req.url === '/version') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ version: '1.2.3' }));
      return;
    }
    const echoed = JSON.stringify(req.headers);
    res.writeHead(500, {
      'content-type': 'text/html',
      'x-debug-headers': Buffer.from(echoed).toString('base64'),
    });
    res.end(`<h1>500</h1><pre>${echoed}</pre><a href="/retry?h=${encodeURIComponent(echoed)}">retry</a>`);
  });
  github = await startGitHubEmulator({ tokens: [TOKEN] });
});

afterAll(async () => {
  await Promise.all([app.close(), github.close()]);
});

describe('smoke-test -> pr-comment: an echoed credential reaches no pull request', () => {
  test('the 500 page echoed every header; the comment, deployment and Slack hold none of them', async () => {
    github.state.createRepository(REPOSITORY, { defaultBranch: 'main' });
    const pull = github.state.mergePullRequest(REPOSITORY, { title: 'Ship it', author: 'Codertocat' });
    const workspace = temporaryFolder('shipyard-chain-');

    const smoke = await runAction('smoke-test', {
      timeoutMs: 30_000,
      workspace,
      inputs: {
        url: app.url,
        'expect-version': '1.2.3',
        'version-field': 'version',
        headers: `X-Api-Key: ${API_KEY}\nAuthorization: Bearer ${BEARER}`,
        checks: '- name: debug page\n  path: /boom\n  expect-status: 200',
        'interval-seconds': 0.1,
        'timeout-seconds': 5,
      },
    });
    // The check fails (500), and its report is what the pipeline passes on.
    expect(smoke.exitCode).toBe(1);
    const report = smoke.outputs.report;
    expect(report).toContain('debug page');

    const comment = await runAction('pr-comment', {
      timeoutMs: 30_000,
      githubToken: TOKEN,
      workspace,
      inputs: {
        'pr-number': pull.number,
        status: 'failure',
        environment: 'production',
        'smoke-report': report,
        'create-deployment': true,
        'slack-webhook-url': github.slackWebhookUrl,
      },
      env: {
        GITHUB_API_URL: github.url,
        GITHUB_REPOSITORY: REPOSITORY,
        GITHUB_SHA: pull.mergeCommitSha as string,
        GITHUB_REF: 'refs/heads/main',
      },
    });
    expect(comment.errors).toEqual([]);
    expect(comment.exitCode).toBe(0);

    const [posted] = github.state.comments(REPOSITORY, pull.number);
    expect(posted.body).toContain('debug page');
    const reachedGitHubOrSlack = [
      JSON.stringify(github.calls().map((call) => call.requestBody)),
      JSON.stringify(github.state.deployments(REPOSITORY)),
      JSON.stringify(github.slackMessages()),
      posted.body,
    ].join('\n');
    const emitted = [report, smoke.summary, JSON.stringify(comment.outputs), comment.summary].join('\n');
    for (const secret of [API_KEY, BEARER]) {
      for (const form of formsOf(secret)) {
        expect(reachedGitHubOrSlack).not.toContain(form);
        expect(emitted).not.toContain(form);
      }
    }
    expect(github.problems()).toEqual([]);
  });
});
