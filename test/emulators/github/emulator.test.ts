import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { unusedPort } from '@shipyard/harness/listen';
import { repoRoot } from '@shipyard/harness/run-action';
import { startGitHubEmulator, type GitHubEmulator } from './index.js';

const REPOSITORY = 'octo-org/shipyard-demo';
const DOCS_ROOT = 'https://docs.github.com/rest';
const AUTH = { authorization: 'token ghs_test' };
let github: GitHubEmulator;

beforeAll(async () => {
  github = await startGitHubEmulator();
});
afterAll(() => github.close());
beforeEach(() => {
  github.reset();
  github.state.createRepository(REPOSITORY);
});

async function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${github.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...AUTH, 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Slack and fault answers are plain text.
  }
  return { status: response.status, headers: response.headers, body: body as Record<string, unknown> & unknown[] };
}

describe('authentication and permissions', () => {
  test.each([
    [{}, 'Requires authentication'],
    [{ authorization: 'token ' }, 'Requires authentication'],
  ])('no token (%j): 401', async (headers, message) => {
    const response = await fetch(`${github.url}/repos/${REPOSITORY}/deployments`, { headers });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toBe(message);
  });

  test('only the configured tokens are accepted', async () => {
    const strict = await startGitHubEmulator({ tokens: ['ghs_good'] });
    try {
      strict.state.createRepository(REPOSITORY);
      const bad = await fetch(`${strict.url}/repos/${REPOSITORY}/deployments`, { headers: AUTH });
      expect(bad.status).toBe(401);
      expect(((await bad.json()) as { message: string }).message).toBe('Bad credentials');
      const good = await fetch(`${strict.url}/repos/${REPOSITORY}/deployments`, {
        headers: { authorization: 'Bearer ghs_good' },
      });
      expect(good.status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  test('a missing permission: 403 naming the accepted ones, as GitHub does', async () => {
    const pull = github.state.mergePullRequest(REPOSITORY, {});
    github.setPermissions({ issues: 'read', 'pull-requests': 'none' });
    const response = await api(`/repos/${REPOSITORY}/issues/${pull.number}/comments`, {
      method: 'POST',
      body: { body: 'hi' },
    });
    expect(response.status).toBe(403);
    expect(response.body.message).toBe('Resource not accessible by integration');
    expect(response.headers.get('x-accepted-github-permissions')).toBe('issues=write; pull_requests=write');
    expect((await api(`/repos/${REPOSITORY}/issues/${pull.number}/comments`)).status).toBe(200);
  });
});

describe('per-job tokens (mintToken)', () => {
  const comment = (token: string, number: number, body: string) =>
    api(`/repos/${REPOSITORY}/issues/${number}/comments`, {
      method: 'POST',
      body: { body },
      headers: { authorization: `token ${token}` },
    });

  test("a read-only token is refused a comment with GitHub's 403 while a write token, at the same time, comments", async () => {
    const pull = github.state.openPullRequest(REPOSITORY, {});
    const reader = github.mintToken({ contents: 'read', 'pull-requests': 'read' });
    const writer = github.mintToken({ contents: 'read', 'pull-requests': 'write' });
    expect(reader).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(writer).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(writer).not.toBe(reader);
    // Both on the wire at once: neither token's set may leak into the other's answer.
    github.setLatency(30);
    const [refused, written] = await Promise.all([
      comment(reader, pull.number, 'from the reader'),
      comment(writer, pull.number, 'from the writer'),
    ]);
    expect(github.peakConcurrency()).toBe(2);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
    });
    expect(refused.headers.get('x-accepted-github-permissions')).toBe('issues=write; pull_requests=write');
    expect(written.status).toBe(201);
    expect(written.body.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' });
    expect(github.state.comments(REPOSITORY, pull.number).map((c) => c.body)).toEqual(['from the writer']);
    expect(github.problems()).toEqual([]);
  });

  test('a scope not named is none; the other tokens keep the global set, which does not reach minted ones', async () => {
    const pull = github.state.openPullRequest(REPOSITORY, {});
    const issuesOnly = github.mintToken({ issues: 'write' });
    const unrestricted = github.mintToken();
    github.setPermissions({ issues: 'none', 'pull-requests': 'read' });
    const read = (token: string) =>
      api(`/repos/${REPOSITORY}/pulls/${pull.number}`, { headers: { authorization: `token ${token}` } });
    // issues: write and nothing else: it comments, but may not read the pull request.
    expect((await comment(issuesOnly, pull.number, 'x')).status).toBe(201);
    expect((await read(issuesOnly)).status).toBe(403);
    // Minted without permissions: the emulator's own (write on everything), whatever setPermissions said.
    expect((await comment(unrestricted, pull.number, 'y')).status).toBe(201);
    // A token that was not minted is held to the global set.
    expect((await comment('ghs_test', pull.number, 'z')).status).toBe(403);
    expect((await read('ghs_test')).status).toBe(200);
  });

  test('a minted token is accepted where only configured tokens are, has its own rate-limit window, and goes on reset', async () => {
    const strict = await startGitHubEmulator({ tokens: ['ghs_configured'], rateLimit: { limit: 3 } });
    try {
      strict.state.createRepository(REPOSITORY);
      const token = strict.mintToken({ deployments: 'read' });
      const list = (t: string) =>
        fetch(`${strict.url}/repos/${REPOSITORY}/deployments`, { headers: { authorization: `token ${t}` } });
      expect((await list(token)).status).toBe(200);
      expect((await list('ghs_configured')).status).toBe(200);
      expect((await list('ghs_configured')).status).toBe(200);
      expect(strict.rateLimit(token)).toMatchObject({ limit: 3, used: 1, remaining: 2 });
      expect(strict.rateLimit('ghs_configured')).toMatchObject({ used: 2, remaining: 1 });
      expect((await list('ghs_other')).status).toBe(401);
      strict.reset();
      expect((await list(token)).status).toBe(401);
    } finally {
      await strict.close();
    }
  });
});

describe('the merge queue and closing', () => {
  const shas = (list: unknown) => (list as { sha: string }[]).map((commit) => commit.sha);
  const numbers = (list: unknown) => (list as { number: number }[]).map((pull) => pull.number);

  test('a merge group: a commit of [main, the pull head] on its gh-readonly-queue branch; nothing else moves', async () => {
    const pull = github.state.openPullRequest(REPOSITORY, { headRef: 'ready', commits: 2 });
    const main = github.state.commit(REPOSITORY, { message: 'main moved after the pull request opened' });
    const group = github.state.createMergeGroup(REPOSITORY, pull.number);
    const branch = `gh-readonly-queue/main/pr-${pull.number}-${main}`;
    expect(group).toEqual({
      headSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      baseSha: main,
      headRef: `refs/heads/${branch}`,
    });
    expect(github.state.commitRecord(group.headSha)?.parents).toEqual([main, pull.headSha]);
    expect(github.state.branchHead(REPOSITORY, branch)).toBe(group.headSha);
    expect(github.state.branchHead(REPOSITORY)).toBe(main);

    const shown = await api(`/repos/${REPOSITORY}/pulls/${pull.number}`);
    expect(shown.body).toMatchObject({ state: 'open', merged: false, merged_at: null, merged_by: null });
    const compared = await api(`/repos/${REPOSITORY}/compare/main...${branch}`);
    expect(compared.body).toMatchObject({ status: 'ahead', ahead_by: 3, behind_by: 0 });
    expect(shas(compared.body.commits)).toEqual([...pull.commits, group.headSha]);
    expect((await api(`/repos/${REPOSITORY}/commits/${group.headSha}/pulls`)).body).toEqual([]);
    expect(github.problems()).toEqual([]);
  });

  test('merged from the queue: main fast-forwards to the group commit, the pull request is merged by the queue', async () => {
    const pull = github.state.openPullRequest(REPOSITORY, {});
    const before = github.state.branchHead(REPOSITORY);
    const group = github.state.createMergeGroup(REPOSITORY, pull.number);
    const merged = github.state.mergeFromQueue(REPOSITORY, pull.number, group);
    expect(merged).toMatchObject({
      state: 'closed',
      mergeCommitSha: group.headSha,
      mergedBy: 'github-merge-queue[bot]',
    });
    // The tested commit itself lands: no commit is made on top of it.
    expect(github.state.branchHead(REPOSITORY)).toBe(group.headSha);
    expect(github.state.commitRecord(group.headSha)?.parents).toEqual([before, pull.headSha]);
    expect([...github.state.requireRepository(REPOSITORY).branches.keys()].filter((b) => b.startsWith('gh-'))).toEqual(
      [],
    );

    const shown = await api(`/repos/${REPOSITORY}/pulls/${pull.number}`);
    expect(shown.body).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: group.headSha,
      merged_at: expect.any(String),
      closed_at: expect.any(String),
      merged_by: { login: 'github-merge-queue[bot]', type: 'Bot' },
    });
    expect(numbers((await api(`/repos/${REPOSITORY}/commits/${group.headSha}/pulls`)).body)).toEqual([pull.number]);
    const compared = await api(`/repos/${REPOSITORY}/compare/${before}...${group.headSha}`);
    expect(compared.body).toMatchObject({ status: 'ahead', ahead_by: 2, behind_by: 0 });
    expect(shas(compared.body.commits)).toEqual([pull.headSha, group.headSha]);
    expect(() => github.state.mergeFromQueue(REPOSITORY, pull.number, group)).toThrow(
      `${REPOSITORY} has no open pull request #${pull.number}`,
    );
    expect(github.problems()).toEqual([]);
  });

  test('a group is not merged when main moved since it was made; a new group is', () => {
    const pull = github.state.openPullRequest(REPOSITORY, {});
    const stale = github.state.createMergeGroup(REPOSITORY, pull.number);
    const moved = github.state.commit(REPOSITORY, { message: 'another pull request landed first' });
    expect(() => github.state.mergeFromQueue(REPOSITORY, pull.number, stale)).toThrow(
      `main moved since the merge group of #${pull.number} was made (it was made on ${stale.baseSha}, main is now ${moved})`,
    );
    expect(github.state.pull(REPOSITORY, pull.number)?.state).toBe('open');
    expect(github.state.branchHead(REPOSITORY)).toBe(moved);
    const fresh = github.state.createMergeGroup(REPOSITORY, pull.number);
    expect(fresh.baseSha).toBe(moved);
    // The stale group's branch went when the new one was made.
    expect(() => github.state.branchHead(REPOSITORY, stale.headRef.slice('refs/heads/'.length))).toThrow();
    expect(() => github.state.mergeFromQueue(REPOSITORY, pull.number, stale)).toThrow('is not a merge group');
    expect(github.state.mergeFromQueue(REPOSITORY, pull.number, fresh).mergeCommitSha).toBe(fresh.headSha);
  });

  test('closed without merging: closed, not merged, still found by its commits; the queue refuses it', async () => {
    const pull = github.state.openPullRequest(REPOSITORY, {});
    const main = github.state.branchHead(REPOSITORY);
    github.state.closePullRequest(REPOSITORY, pull.number);
    expect(github.state.branchHead(REPOSITORY)).toBe(main);
    const shown = await api(`/repos/${REPOSITORY}/pulls/${pull.number}`);
    expect(shown.body).toMatchObject({
      state: 'closed',
      merged: false,
      merged_at: null,
      merged_by: null,
      merge_commit_sha: null,
      closed_at: expect.any(String),
    });
    const listed = (await api(`/repos/${REPOSITORY}/commits/${pull.headSha}/pulls`)).body as unknown as {
      number: number;
      state: string;
    }[];
    expect(listed.map(({ number, state }) => ({ number, state }))).toEqual([{ number: pull.number, state: 'closed' }]);
    expect(() => github.state.createMergeGroup(REPOSITORY, pull.number)).toThrow('has no open pull request');
    expect(() => github.state.closePullRequest(REPOSITORY, pull.number)).toThrow('has no open pull request');
    expect(github.problems()).toEqual([]);
  });
});

describe('concurrency', () => {
  test('peakConcurrency counts requests open at once', async () => {
    github.setLatency(50);
    await Promise.all([1, 2, 3].map(() => api(`/repos/${REPOSITORY}/deployments`)));
    expect(github.peakConcurrency()).toBe(3);
    github.reset();
    expect(github.peakConcurrency()).toBe(0);
    await api(`/repos/nobody/none/deployments`);
    await api(`/repos/nobody/none/deployments`);
    expect(github.peakConcurrency()).toBe(1);
  });
});

describe('pagination', () => {
  test('Link headers with next, last, prev and first, as GitHub sends them', async () => {
    const pull = github.state.mergePullRequest(REPOSITORY, {});
    for (let i = 0; i < 5; i += 1) github.state.addComment(REPOSITORY, pull.number, { body: `c${i}` });
    const path = `/repos/${REPOSITORY}/issues/${pull.number}/comments`;
    const first = await api(`${path}?per_page=2`);
    expect((first.body as { body?: string }[]).map((comment) => comment.body)).toEqual(['c0', 'c1']);
    expect(first.headers.get('link')).toBe(
      `<${github.url}${path}?per_page=2&page=2>; rel="next", <${github.url}${path}?per_page=2&page=3>; rel="last"`,
    );
    const last = await api(`${path}?per_page=2&page=3`);
    expect(last.body).toHaveLength(1);
    expect(last.headers.get('link')).toBe(
      `<${github.url}${path}?per_page=2&page=2>; rel="prev", <${github.url}${path}?per_page=2&page=1>; rel="first"`,
    );
    expect((await api(`${path}`)).headers.get('link')).toBeNull();
  });
});

describe("GitHub's OpenAPI description", () => {
  test.each([
    [
      'a body without its required field',
      'POST',
      '/issues/1/comments',
      { nobody: 'x' },
      "body / must have required property 'body'",
      { resource: 'IssueComment', field: 'body', code: 'missing_field' },
      'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
    ],
    [
      'a per_page that is not a number',
      'GET',
      '/issues/1/comments?per_page=many',
      undefined,
      'query parameter \'per_page\'="many" /value must be integer',
      { resource: 'IssueComment', field: 'per_page', code: 'invalid' },
      'https://docs.github.com/rest/issues/comments#list-issue-comments',
    ],
    [
      'an unknown query parameter',
      'GET',
      '/deployments?state=success',
      undefined,
      "query parameter 'state' is not part of repos/list-deployments",
      { resource: 'Deployment', field: 'state', code: 'invalid' },
      'https://docs.github.com/rest/deployments/deployments#list-deployments',
    ],
    [
      'a deployment status state GitHub does not know',
      'POST',
      '/deployments/1/statuses',
      { state: 'done' },
      'body /state must be equal to one of the allowed values',
      { resource: 'DeploymentStatus', field: 'state', code: 'invalid' },
      'https://docs.github.com/rest/deployments/statuses#create-a-deployment-status',
    ],
  ])(
    'a request with %s is refused with the reason and recorded',
    async (_, method, path, body, reason, error, docs) => {
      github.state.mergePullRequest(REPOSITORY, {});
      const response = await api(`/repos/${REPOSITORY}${path}`, { method, body });
      expect(response.status).toBe(422);
      // GitHub's `validation-error`: its message, the operation's page, one object per fault.
      expect(response.body).toEqual({
        message: 'Validation Failed',
        documentation_url: docs,
        status: '422',
        errors: [{ ...error, message: expect.stringContaining(reason) }],
      });
      expect(response.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
      expect(github.problems()).toEqual([
        expect.objectContaining({ where: 'request', message: expect.stringContaining(reason) }),
      ]);
      expect(github.calls().at(-1)).toMatchObject({
        status: 422,
        problems: [expect.objectContaining({ where: 'request' })],
      });
    },
  );

  test('an answer of the emulator that breaks the description becomes a 500 with the reason', async () => {
    const pull = github.state.mergePullRequest(REPOSITORY, {});
    github.state.addComment(REPOSITORY, pull.number, { body: 42 as unknown as string });
    const response = await api(`/repos/${REPOSITORY}/issues/${pull.number}/comments`);
    expect(response.status).toBe(500);
    expect(String(response.body.message)).toContain('/0/body must be string');
    expect(github.problems()).toEqual([expect.objectContaining({ where: 'response' })]);
  });

  test('every served answer validates, errors included', async () => {
    const pull = github.state.mergePullRequest(REPOSITORY, { fork: 'someone/shipyard-demo', author: 'someone' });
    const sha = pull.mergeCommitSha as string;
    const comment = await api(`/repos/${REPOSITORY}/issues/${pull.number}/comments`, {
      method: 'POST',
      body: { body: 'x' },
    });
    const deployment = await api(`/repos/${REPOSITORY}/deployments`, {
      method: 'POST',
      body: { ref: sha, environment: 'production', auto_merge: false, required_contexts: [], payload: { image: 'x' } },
    });
    const statuses = [
      (await api(`/repos/${REPOSITORY}/commits/${sha}/pulls`)).status,
      (await api(`/repos/${REPOSITORY}/commits/${'0'.repeat(40)}/pulls`)).status,
      (await api(`/repos/${REPOSITORY}/pulls/${pull.number}`)).status,
      (await api(`/repos/${REPOSITORY}/pulls/999`)).status,
      comment.status,
      (await api(`/repos/${REPOSITORY}/issues/comments/${comment.body.id}`)).status,
      (await api(`/repos/${REPOSITORY}/issues/comments/${comment.body.id}`, { method: 'PATCH', body: { body: 'y' } }))
        .status,
      (
        await api(`/repos/${REPOSITORY}/issues/${pull.number}/comments`, {
          method: 'POST',
          body: { body: 'z'.repeat(65_537) },
        })
      ).status,
      (await api(`/repos/${REPOSITORY}/compare/${pull.baseSha}...main`)).status,
      (await api(`/repos/${REPOSITORY}/compare/main...nowhere`)).status,
      deployment.status,
      (
        await api(`/repos/${REPOSITORY}/deployments/${deployment.body.id}/statuses`, {
          method: 'POST',
          body: { state: 'success', log_url: 'https://x.example/log' },
        })
      ).status,
      (await api(`/repos/${REPOSITORY}/deployments/${deployment.body.id}/statuses`)).status,
      (await api(`/repos/${REPOSITORY}/deployments?sha=${sha}&environment=production`)).status,
      (await api(`/repos/nobody/nothing/deployments`)).status,
    ];
    expect(statuses).toEqual([200, 422, 200, 404, 201, 200, 200, 422, 200, 404, 201, 201, 200, 200, 404]);
    expect(github.problems()).toEqual([]);
  });

  test("deleting a deployment follows GitHub's rule: only an inactive one while there are several", async () => {
    const head = github.state.branchHead(REPOSITORY);
    const live = github.state.createDeployment(REPOSITORY, { sha: head, statuses: ['success'] });
    const never = github.state.createDeployment(REPOSITORY, { sha: head });
    const refused = await api(`/repos/${REPOSITORY}/deployments/${live.id}`, { method: 'DELETE' });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('We cannot delete an active deployment');
    expect((await api(`/repos/${REPOSITORY}/deployments/${never.id}`, { method: 'DELETE' })).status).toBe(204);
    // Now the only one: deleted whatever its status.
    expect((await api(`/repos/${REPOSITORY}/deployments/${live.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(github.state.deployments(REPOSITORY)).toEqual([]);
    expect((await api(`/repos/${REPOSITORY}/deployments/${live.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(github.problems()).toEqual([]);
  });

  test.each([
    [
      'a 422 whose errors are strings',
      422,
      { message: 'Validation Failed', errors: ['body is missing'] },
      /errors\/0 must be object/,
    ],
    [
      'a 404 with only documentation_url (allowed: basic-error requires nothing)',
      404,
      { documentation_url: 'https://docs.github.com/rest' },
      undefined,
    ],
    ['a 403 whose message is a number', 403, { message: 403, documentation_url: DOCS_ROOT }, /message must be string/],
    ['a 200 whose comment id is text', 200, { id: 'one' }, /must have required property|must be integer/],
  ])(
    'an injected answer, %s, is held to the description: a wrong one is a problem and a 500',
    async (_, status, body, reason) => {
      const pull = github.state.mergePullRequest(REPOSITORY, {});
      const comment = github.state.addComment(REPOSITORY, pull.number, { body: 'x' });
      github.injectFaults([{ kind: 'answer', status, body }]);
      const response = await api(`/repos/${REPOSITORY}/issues/comments/${comment.id}`);
      if (reason === undefined) {
        // basic-error has no required member: an empty-ish 404 is still GitHub's shape.
        expect(response.status).toBe(404);
        expect(github.problems()).toEqual([]);
        return;
      }
      expect(response.status).toBe(500);
      expect(response.body).toMatchObject({ message: expect.stringMatching(reason) });
      expect(response.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
      expect(github.problems()).toEqual([
        expect.objectContaining({ where: 'response', message: expect.stringMatching(reason) }),
      ]);
    },
  );

  test("every error answer has GitHub's shape and the rate-limit headers", async () => {
    const strict = await startGitHubEmulator({ tokens: ['ghs_test'] });
    try {
      strict.state.createRepository(REPOSITORY);
      const pull = strict.state.mergePullRequest(REPOSITORY, {});
      strict.setPermissions({ issues: 'read', 'pull-requests': 'read' });
      const at = (path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
        fetch(`${strict.url}${path}`, {
          method: init.method ?? 'GET',
          headers: { ...AUTH, ...init.headers },
          body: init.body,
        });
      const answers = [
        await at(`/repos/${REPOSITORY}/deployments`, { headers: { authorization: '' } }),
        await at(`/repos/${REPOSITORY}/deployments`, { headers: { authorization: 'token ghs_wrong' } }),
        await at(`/repos/${REPOSITORY}/issues/${pull.number}/comments`, { method: 'POST', body: '{"body":' }),
        await at(`/repos/${REPOSITORY}/releases`),
        await at(`/repos/${REPOSITORY}/issues/${pull.number}/comments`, { method: 'POST', body: '{"body":"x"}' }),
        await at(`/repos/${REPOSITORY}/pulls/999`),
        await at(`/repos/${REPOSITORY}/deployments?state=x`),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([401, 401, 400, 404, 403, 404, 422]);
      for (const answer of answers) {
        for (const name of ['limit', 'remaining', 'used', 'reset', 'resource']) {
          expect([answer.status, name, answer.headers.get(`x-ratelimit-${name}`)]).toEqual([
            answer.status,
            name,
            expect.stringMatching(/^\w+$/),
          ]);
        }
        expect(await answer.json()).toEqual(
          expect.objectContaining({ message: expect.any(String), documentation_url: expect.any(String) }),
        );
      }
      // The 404 of an unserved path is recorded as such; nothing else is a problem.
      expect(strict.problems()).toEqual([
        expect.objectContaining({ message: 'not served' }),
        expect.objectContaining({ where: 'request', message: expect.stringContaining("query parameter 'state'") }),
      ]);
    } finally {
      await strict.close();
    }
  });

  test('a path the emulator does not serve is a recorded 404', async () => {
    const response = await api(`/repos/${REPOSITORY}/releases`);
    expect(response.status).toBe(404);
    expect(github.calls()).toEqual([expect.objectContaining({ path: `/repos/${REPOSITORY}/releases`, status: 404 })]);
  });
});

describe('faults', () => {
  test('a queued secondary rate limit answers 403 with retry-after and GitHub’s message', async () => {
    github.injectFaults([{ kind: 'secondary-rate-limit', retryAfterSeconds: 3 }]);
    const limited = await api(`/repos/${REPOSITORY}/deployments`);
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(String(limited.body.message)).toMatch(/secondary rate limit/);
    expect((await api(`/repos/${REPOSITORY}/deployments`)).status).toBe(200);
    expect(github.calls().map((call) => call.fault)).toEqual(['secondary-rate-limit', undefined]);
  });

  test('faults queued for one operation wait for it', async () => {
    github.injectFaults([{ kind: 'server-error', status: 503 }], { operationId: 'repos/create-deployment' });
    expect((await api(`/repos/${REPOSITORY}/deployments`)).status).toBe(200);
    const sha = github.state.branchHead(REPOSITORY);
    const body = { ref: sha, required_contexts: [] };
    expect((await api(`/repos/${REPOSITORY}/deployments`, { method: 'POST', body })).status).toBe(503);
    expect((await api(`/repos/${REPOSITORY}/deployments`, { method: 'POST', body })).status).toBe(201);
  });

  test('502s at a seeded rate: the same seed fails the same requests', async () => {
    const statuses = async (seed: number) => {
      const faulty = await startGitHubEmulator({ faults: { seed, serverError: 0.5 } });
      try {
        faulty.state.createRepository(REPOSITORY);
        const result: number[] = [];
        for (let i = 0; i < 12; i += 1) {
          result.push((await fetch(`${faulty.url}/repos/${REPOSITORY}/deployments`, { headers: AUTH })).status);
        }
        return result;
      } finally {
        await faulty.close();
      }
    };
    const first = await statuses(11);
    expect(first).toContain(502);
    expect(first).toContain(200);
    expect(await statuses(11)).toEqual(first);
    expect(await statuses(12)).not.toEqual(first);
  });
});

describe('the primary rate limit', () => {
  test("remaining counts down per token, at 0 GitHub's 403, and the window resets by the emulator's clock", async () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const limited = await startGitHubEmulator({ rateLimit: { limit: 3, windowSeconds: 60 }, clock: () => now });
    try {
      limited.state.createRepository(REPOSITORY);
      const get = (token: string) =>
        fetch(`${limited.url}/repos/${REPOSITORY}/deployments`, { headers: { authorization: `token ${token}` } });
      const seen: [number, string | null, string | null, string | null][] = [];
      for (let i = 0; i < 4; i += 1) {
        const answer = await get('ghs_one');
        seen.push([
          answer.status,
          answer.headers.get('x-ratelimit-remaining'),
          answer.headers.get('x-ratelimit-used'),
          answer.headers.get('x-ratelimit-reset'),
        ]);
        if (i === 3) {
          expect(await answer.json()).toEqual({
            message: 'API rate limit exceeded for installation ID 31337001.',
            documentation_url:
              'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
            status: '403',
          });
          expect(answer.headers.get('x-ratelimit-limit')).toBe('3');
          expect(answer.headers.get('x-ratelimit-resource')).toBe('core');
        }
      }
      const reset = String(now / 1000 + 60);
      expect(seen).toEqual([
        [200, '2', '1', reset],
        [200, '1', '2', reset],
        [200, '0', '3', reset],
        [403, '0', '3', reset],
      ]);
      // Another token has a window of its own.
      expect((await get('ghp_other')).headers.get('x-ratelimit-remaining')).toBe('2');
      // One second before the reset: still refused; at the reset, a new window.
      now += 59_000;
      expect((await get('ghs_one')).status).toBe(403);
      now += 1_000;
      const fresh = await get('ghs_one');
      expect([
        fresh.status,
        fresh.headers.get('x-ratelimit-remaining'),
        fresh.headers.get('x-ratelimit-reset'),
      ]).toEqual([200, '2', String(now / 1000 + 60)]);
      expect(limited.calls().filter((call) => call.fault === 'rate-limit')).toHaveLength(2);
      expect(limited.problems()).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  test("a test sets what remains and when it resets; 429 and a user token's message where asked", async () => {
    const limited = await startGitHubEmulator({ rateLimit: { status: 429 } });
    try {
      limited.state.createRepository(REPOSITORY);
      limited.setRateLimit({ remaining: 0, reset: 2_000_000_000 }, 'ghp_user');
      const answer = await fetch(`${limited.url}/repos/${REPOSITORY}/deployments`, {
        headers: { authorization: 'token ghp_user' },
      });
      expect(answer.status).toBe(429);
      expect(answer.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(answer.headers.get('x-ratelimit-reset')).toBe('2000000000');
      expect(((await answer.json()) as { message: string }).message).toMatch(
        /^API rate limit exceeded for user ID \d+\.$/,
      );
      expect(limited.rateLimit('ghp_user')).toMatchObject({ limit: 5000, remaining: 0, reset: 2_000_000_000 });
      expect(limited.problems()).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});

describe('a scenario with identities and a rate limit', () => {
  test("as the CLI reads it: the token is the named user, and the limit is the scenario's", async () => {
    const scenario = {
      repositories: [{ fullName: REPOSITORY }],
      identities: { ghp_ci: { kind: 'user' as const, login: 'release-manager' } },
      rateLimit: { limit: 1 },
    };
    const limited = await startGitHubEmulator({ scenario });
    try {
      const headers = { authorization: 'token ghp_ci' };
      const user = await fetch(`${limited.url}/user`, { headers });
      expect(((await user.json()) as { login: string }).login).toBe('release-manager');
      expect((await fetch(`${limited.url}/user`, { headers })).status).toBe(403);
      limited.reset();
      expect((await fetch(`${limited.url}/user`, { headers })).status).toBe(200);
      expect(limited.problems()).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});

describe('token identities', () => {
  test.each([
    ['ghs_installation', 403, undefined, 'github-actions[bot]', 'Bot'],
    ['ghp_personal', 200, 'shipyard-ci', 'shipyard-ci', 'User'],
  ])(
    '%s: GET /user answers %d (user %s); its comments are written by %s',
    async (token, status, login, author, type) => {
      const pull = github.state.mergePullRequest(REPOSITORY, {});
      const headers = { authorization: `token ${token}` };
      const user = await api('/user', { headers });
      expect(user.status).toBe(status);
      if (login) expect(user.body).toMatchObject({ login, type: 'User' });
      else expect(user.body.message).toBe('Resource not accessible by integration');
      const comment = await api(`/repos/${REPOSITORY}/issues/${pull.number}/comments`, {
        method: 'POST',
        body: { body: 'hello' },
        headers,
      });
      expect(comment.body.user).toMatchObject({ login: author, type });
      expect(github.problems()).toEqual([]);
    },
  );
});

describe('the Slack receiver', () => {
  const post = (body: unknown, path = new URL(github.slackWebhookUrl).pathname) =>
    api(path, { method: 'POST', body, headers: { authorization: '' } });

  test.each([
    ['text', { text: 'hello' }, 200, 'ok'],
    ['a section', { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] }, 200, 'ok'],
    ['nothing', {}, 400, 'no_text'],
    ['text that is not JSON', 'not json', 400, 'invalid_payload'],
    ['a mrkdwn header', { blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }] }, 400, 'invalid_blocks'],
    [
      'a section over 3,000 characters',
      { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] },
      400,
      'invalid_blocks',
    ],
    ['no blocks', { blocks: [] }, 400, 'invalid_blocks'],
  ])('%s: %i %s', async (_, body, status, answer) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    expect(response.body).toBe(answer);
    expect(github.slackMessages()).toHaveLength(status === 200 ? 1 : 0);
  });

  test('an unknown webhook path is no_service, and failSlack answers what it is told', async () => {
    expect((await post({ text: 'x' }, '/slack/services/T/B/wrong')).body).toBe('no_service');
    github.failSlack({ status: 410, body: 'channel_is_archived' });
    const failed = await post({ text: 'x' });
    expect([failed.status, failed.body]).toEqual([410, 'channel_is_archived']);
    expect((await post({ text: 'x' })).status).toBe(200);
  });
});

describe('control routes, scenario and CLI', () => {
  test('/_emulator/calls and /_emulator/reset', async () => {
    await api(`/repos/${REPOSITORY}/deployments`);
    const calls = (await (await fetch(`${github.url}/_emulator/calls`)).json()) as unknown[];
    expect(calls).toEqual([expect.objectContaining({ operationId: 'repos/list-deployments', status: 200 })]);
    expect((await fetch(`${github.url}/_emulator/reset`, { method: 'POST' })).status).toBe(200);
    expect(github.calls()).toEqual([]);
    expect(github.state.repository(REPOSITORY)).toBeUndefined();
  });

  test('a scenario is set up at start and again on reset', async () => {
    const emulator = await startGitHubEmulator({
      scenario: {
        repositories: [{ fullName: REPOSITORY }],
        mergedPullRequests: [
          { repository: REPOSITORY, title: 'One' },
          { repository: REPOSITORY, title: 'Two' },
        ],
        deployments: [{ repository: REPOSITORY, statuses: ['success'] }],
      },
    });
    try {
      const check = () => {
        expect(emulator.state.pulls(REPOSITORY).map((pull) => pull.title)).toEqual(['One', 'Two']);
        expect(emulator.state.deployments(REPOSITORY)[0].sha).toBe(emulator.state.branchHead(REPOSITORY));
      };
      check();
      emulator.state.mergePullRequest(REPOSITORY, {});
      emulator.reset();
      check();
    } finally {
      await emulator.close();
    }
  });

  test('npm run emulator -- github starts it from the command line', async () => {
    const child = spawn(join(repoRoot, 'node_modules/.bin/tsx'), ['test/emulators/cli.ts', 'github', '--port', '0'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /github emulator listening on (\S+)/.exec(output);
          if (match && output.includes('Slack webhook receiver at')) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`the CLI exited with ${code}: ${output}`)));
      });
      const response = await fetch(`${url}/repos/${REPOSITORY}/deployments`);
      expect(response.status).toBe(401);
      expect(await (await fetch(`${url}/_emulator/calls`)).json()).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});

describe('start-up', () => {
  // unusedPort(): a port nothing listens on now, so that the test knows the emulator's URL before it starts.

  /**
   * What a client sees: the port closed, an answer, or nothing. `giveUpAfterMs` bounds the wait only
   * where "nothing" is the failure being looked for (a refused connection is immediate); a request
   * that must be answered waits as long as it takes, so a loaded machine cannot fail the test.
   */
  async function knock(url: string, giveUpAfterMs?: number): Promise<string> {
    try {
      const response = await fetch(`${url}/repos/${REPOSITORY}/deployments`, {
        signal: giveUpAfterMs === undefined ? undefined : AbortSignal.timeout(giveUpAfterMs),
      });
      return `answered ${response.status}`;
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') return 'no answer';
      const code = ((error as Error).cause as { code?: string } | undefined)?.code;
      return code === 'ECONNREFUSED' ? 'refused' : `failed: ${code ?? String(error)}`;
    }
  }

  test('a request while the OpenAPI description loads is refused at the port, never left without an answer', async () => {
    const port = await unusedPort();
    const url = `http://127.0.0.1:${port}`;
    let finishLoading!: () => void;
    const starting = startGitHubEmulator({
      port,
      startupHold: new Promise<void>((resolve) => (finishLoading = resolve)),
    });
    const duringStartup = [await knock(url, 2_000), await knock(url, 2_000)];
    finishLoading();
    const emulator = await starting;
    try {
      expect(emulator.url).toBe(url);
      expect(duringStartup).toEqual(['refused', 'refused']);
      expect(await knock(url)).toBe('answered 401');
      // Only the request after start-up reached the handler.
      expect(emulator.calls()).toEqual([expect.objectContaining({ status: 401 })]);
    } finally {
      await emulator.close();
    }
  });
});
