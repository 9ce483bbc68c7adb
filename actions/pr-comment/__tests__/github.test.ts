import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { startGitHubEmulator, type GitHubEmulator } from '../../../test/emulators/github/index.js';
import {
  acceptedPermissions,
  createOctokit,
  explain,
  isLoopback,
  primaryRateLimitReset,
  RequestLedger,
  utc,
  writeSpacing,
} from '../src/github.js';
import { Outgoing } from '../src/outgoing.js';
import { FAKE } from './fixtures/credentials.js';

const purpose = { doing: 'comment on pull request #12', permission: 'pull-requests: write or issues: write' };
const requestError = (status: number, message: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`${message} - https://docs.github.com/rest`), {
    status,
    response: { headers, data: { message } },
  });

describe('naming the missing permission', () => {
  test.each([
    ['issues=write; pull_requests=write', 'issues: write or pull-requests: write'],
    ['contents=read,pull_requests=read', 'contents: read and pull-requests: read'],
    ['deployments=write', 'deployments: write'],
    ['', undefined],
    [undefined, undefined],
  ])('x-accepted-github-permissions %j', (header, expected) => {
    expect(acceptedPermissions(header)).toBe(expected);
  });

  test.each([
    [
      requestError(403, 'Resource not accessible by integration', { 'x-accepted-github-permissions': 'issues=write' }),
      "GitHub refused to comment on pull request #12 (403 Resource not accessible by integration). The token needs the 'issues: write' permission: add 'issues: write' under the job's 'permissions:'",
    ],
    [
      requestError(403, 'Resource not accessible by integration'),
      "The token needs the 'pull-requests: write or issues: write' permission: add 'pull-requests: write'",
    ],
    [
      requestError(401, 'Bad credentials'),
      "GitHub refused the token while trying to comment on pull request #12 (401 Bad credentials). Check the 'token' input",
    ],
    [requestError(404, 'Not Found'), 'GitHub found nothing when trying to comment on pull request #12 (404 Not Found)'],
    [
      requestError(403, 'You have exceeded a secondary rate limit'),
      'Could not comment on pull request #12: GitHub answered 403 You have exceeded a secondary rate limit',
    ],
    [requestError(502, 'Server Error'), 'Could not comment on pull request #12: GitHub answered 502 Server Error'],
    [new Error('socket hang up'), 'Could not comment on pull request #12: socket hang up'],
  ])('%s', (error, message) => {
    expect(explain(error, purpose).message).toContain(message);
  });
});

describe('spacing of writes', () => {
  test.each([
    ['https://api.github.com', false],
    ['https://github.example.com/api/v3', false],
    // A GitHub Enterprise Server on a private network is still a GitHub with secondary rate limits.
    ['http://10.0.0.12/api/v3', false],
    // A name is not known to be loopback until resolved, and may not stay so: only literal addresses count.
    ['https://127.0.0.1.nip.io/api/v3', false],
    ['https://localhost.example.com', false],
    ['not a URL', false],
    ['http://127.0.0.1:4567', true],
    ['http://127.9.8.7/api/v3', true],
    ['http://localhost:4567', true],
    ['http://LOCALHOST:4567/api/v3', true],
    ['http://[::1]:4567', true],
  ])('%s on loopback: %s', (apiUrl, loopback) => {
    expect(isLoopback(apiUrl)).toBe(loopback);
    // Nothing given to the plugin leaves its own write and notification groups, and their spacing, in place.
    expect(Object.keys(writeSpacing(apiUrl))).toEqual(loopback ? ['write', 'notifications'] : []);
  });
});

describe('the client, with its retry and throttling plugins, against the emulator', () => {
  const TOKEN = 'ghs_test';
  const repo = { owner: 'octo-org', repo: 'shipyard-demo' };
  let github: GitHubEmulator;
  let issueNumber: number;
  beforeAll(async () => {
    github = await startGitHubEmulator({ tokens: [TOKEN] });
  });
  afterAll(() => github.close());
  beforeEach(() => {
    github.reset();
    github.state.createRepository(`${repo.owner}/${repo.repo}`);
    issueNumber = github.state.mergePullRequest(`${repo.owner}/${repo.repo}`, {}).number;
  });

  test('on loopback (the emulator), the throttling plugin takes the stand-in groups and every write goes through', async () => {
    const octokit = await createOctokit(TOKEN, { apiUrl: github.url });
    for (const body of ['one', 'two', 'three']) {
      await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
    }
    const writes = github.writes();
    expect(writes.map((call) => `${call.operationId} ${call.status}`)).toEqual(
      Array(3).fill('issues/create-comment 201'),
    );
    expect(github.problems()).toEqual([]);
  });

  test('every write passes the outgoing gate, whoever built it', async () => {
    const octokit = await createOctokit(TOKEN, { apiUrl: github.url, outgoing: new Outgoing([TOKEN]) });
    const { data: comment } = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: issueNumber,
      body: `key ${FAKE.awsKeyId}, token ${TOKEN}, hook ${FAKE.slackWebhook}`,
    });
    const sha = github.state.branchHead(`${repo.owner}/${repo.repo}`);
    const { data: deployment } = await octokit.rest.repos.createDeployment({
      ...repo,
      ref: sha,
      environment: 'production',
      required_contexts: [],
      description: `by ${FAKE.ghp}`,
      payload: { note: `Authorization: Bearer ${FAKE.jwt}` },
    });
    expect(github.state.comment(comment.id)?.body).toBe('key ***, token ***, hook ***');
    expect('id' in deployment && github.state.deployment(deployment.id)).toMatchObject({
      ref: sha,
      description: 'by ***',
      payload: { note: 'Authorization: Bearer ***' },
    });
    expect(github.problems()).toEqual([]);
  });

  test('for any other API root, writes are spaced and a secondary rate limit is waited out and retried', async () => {
    // The client is made for api.github.com; what it sends reaches the emulator.
    const toEmulator = (input: string | URL | Request, init?: RequestInit) =>
      fetch(String(input instanceof Request ? input.url : input).replace('https://api.github.com', github.url), init);
    const octokit = await createOctokit(TOKEN, { apiUrl: 'https://api.github.com', fetch: toEmulator });
    github.injectFaults([{ kind: 'secondary-rate-limit', retryAfterSeconds: 1 }], {
      operationId: 'issues/update-comment',
    });
    const log = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let logged: string;
    try {
      const { data: comment } = await octokit.rest.issues.createComment({
        ...repo,
        issue_number: issueNumber,
        body: 'a',
      });
      await octokit.rest.issues.updateComment({ ...repo, comment_id: comment.id, body: 'b' });
    } finally {
      logged = log.mock.calls.map(([text]) => String(text)).join('');
      log.mockRestore();
    }
    const writes = github.writes();
    expect(writes.map((call) => `${call.operationId} ${call.status}`)).toEqual([
      'issues/create-comment 201',
      'issues/update-comment 403',
      'issues/update-comment 200',
    ]);
    // The plugin starts one write a second (answers are recorded when sent, so allow for their own time).
    expect(writes[1].at - writes[0].at).toBeGreaterThanOrEqual(500);
    // retry-after: 1
    expect(writes[2].at - writes[1].at).toBeGreaterThanOrEqual(900);
    expect(logged).toMatch(/::warning::GitHub secondary rate limit on PATCH .*; retrying in 1 s/);
    expect(github.problems()).toEqual([]);
  });
});

describe('the primary rate limit', () => {
  const limited = (status: number, message: string, headers: Record<string, string>) =>
    requestError(status, message, headers);
  test.each([
    [
      limited(403, 'API rate limit exceeded for installation ID 1.', {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '2000000000',
      }),
      2_000_000_000,
    ],
    [
      limited(429, 'API rate limit exceeded for user ID 1.', {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '2000000000',
      }),
      2_000_000_000,
    ],
    // A secondary rate limit is waited out by retry-after, never by the reset.
    [
      limited(403, 'You have exceeded a secondary rate limit', {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '2000000000',
      }),
      undefined,
    ],
    [
      limited(403, 'Resource not accessible by integration', {
        'x-ratelimit-remaining': '12',
        'x-ratelimit-reset': '2000000000',
      }),
      undefined,
    ],
    [limited(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' }), undefined],
    [limited(500, 'Server Error', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2000000000' }), undefined],
    [new Error('socket hang up'), undefined],
  ])('primaryRateLimitReset(%s)', (error, reset) => {
    expect(primaryRateLimitReset(error)).toBe(reset);
  });

  const NOW = 1_900_000_000_000;
  test.each([
    // remaining, reset (seconds from now), needed: stops?
    [undefined, undefined, 3, false],
    [5, 3600, 3, false],
    [3, 3600, 3, false],
    [2, 3600, 3, true],
    [0, 120, 1, false],
    [0, 121, 1, true],
  ])('ensure: %s remaining, reset in %s s, %s needed: stops %s', (remaining, inSeconds, needed, stops) => {
    const ledger = new RequestLedger(() => NOW);
    ledger.sent = 7;
    if (remaining !== undefined) ledger.remaining = remaining;
    if (inSeconds !== undefined) ledger.reset = NOW / 1000 + inSeconds;
    const attempt = () => ledger.ensure(needed, 'writing the comments');
    if (stops) {
      expect(attempt).toThrow(
        `GitHub's API rate limit for this token is exhausted until ${utc(NOW / 1000 + (inSeconds ?? 0))}: the step stopped before writing the comments (GitHub said ${remaining} ${remaining === 1 ? 'request remains' : 'requests remain'}; that needs ${needed}), after 7 requests to GitHub`,
      );
    } else {
      expect(attempt).not.toThrow();
    }
  });
});
