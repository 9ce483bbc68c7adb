import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { temporaryFolder } from '@shipyard/harness/temp';
import { startGitHubEmulator } from '@shipyard/emulators/github';
import { marker, notifiedLine } from '../src/body.js';
import { prCommentSuite } from './fixtures/run.js';

/**
 * The bundled action run as the runner runs it, against the GitHub emulator (which holds every
 * request and response to GitHub's OpenAPI description) with real webhook payloads from
 * @octokit/webhooks-examples. Request counts come from the emulator's call log.
 */

type Payload = Record<string, unknown> & { repository: { full_name: string; default_branch: string } };
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as {
  name: string;
  examples: Payload[];
}[];
const example = (name: string, pick: (payload: Payload) => boolean) => {
  const found = examples.find((entry) => entry.name === name)?.examples.find(pick);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${name} example`);
  return structuredClone(found);
};

/** A push to the default branch (refs/heads/master of Codertocat/Hello-World). */
const pushExample = example('push', (payload) => payload.ref === 'refs/heads/master');
/** A closed pull request; the package has no merged one, so the test merges it (see below). */
const closedPullExample = example('pull_request', (payload) => payload.action === 'closed');

const REPOSITORY = pushExample.repository.full_name;
const BRANCH = pushExample.repository.default_branch;
const TOKEN = 'ghs_emulatortoken0000000000000000000000';

// Whatever a test checks, nothing the action sent or the emulator answered may break the API description.
const { github, prComment } = prCommentSuite({ repository: REPOSITORY, branch: BRANCH });

/** The recorded push payload, its `after` being the commit the emulator merged. */
function pushEvent(after: string) {
  return {
    name: 'push',
    payload: { ...pushExample, after, head_commit: { ...(pushExample.head_commit as object), id: after } },
  };
}

const operations = () =>
  github()
    .calls()
    .map((call) => `${call.operationId} ${call.status}`);

describe('a push to the default branch after a merge', () => {
  test('comments on the merged pull request with three requests, then a rerun updates the same comment', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, { title: 'Add the health check', author: 'Codertocat' });
    const sha = pull.mergeCommitSha as string;
    const first = await prComment(
      { status: 'failure', 'environment-url': 'https://app.example.com', image: 'app@sha256:' + 'a'.repeat(64) },
      { event: pushEvent(sha), env: { GITHUB_SHA: sha } },
    );
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(operations()).toEqual([
      'repos/list-pull-requests-associated-with-commit 200',
      'issues/list-comments 200',
      'issues/create-comment 201',
    ]);
    const [comment] = github().state.comments(REPOSITORY, pull.number);
    expect(comment.body.split('\n')[0]).toBe(marker('production'));
    expect(comment.body).toContain('Deployment to production failed');
    expect(comment.body).toContain('cc @Codertocat');
    expect(first.outputs).toEqual({
      'pr-numbers': String(pull.number),
      'comment-ids': String(comment.id),
      'comment-urls': `https://github.com/${REPOSITORY}/pull/${pull.number}#issuecomment-${comment.id}`,
      'deployment-id': '',
    });
    expect(first.summary).toContain(`#${pull.number}`);

    github().reset();
    github().state.createRepository(REPOSITORY, { defaultBranch: BRANCH });
    const again = github().state.mergePullRequest(REPOSITORY, { title: 'Add the health check', author: 'Codertocat' });
    github().state.addComment(REPOSITORY, again.number, { body: 'Looks good', author: 'hubot' });
    const earlier = github().state.addComment(REPOSITORY, again.number, { body: comment.body });
    const rerun = await prComment(
      { status: 'success', 'environment-url': 'https://app.example.com' },
      {
        event: pushEvent(again.mergeCommitSha as string),
        env: { GITHUB_SHA: again.mergeCommitSha as string, GITHUB_RUN_ATTEMPT: '2' },
      },
    );
    expect(rerun.exitCode).toBe(0);
    expect(operations()).toEqual([
      'repos/list-pull-requests-associated-with-commit 200',
      'issues/list-comments 200',
      'issues/update-comment 200',
    ]);
    const comments = github().state.comments(REPOSITORY, again.number);
    expect(comments.map((c) => c.id)).toEqual([comments[0].id, earlier.id]);
    expect(comments[1].body).toContain('Deployed to production');
    expect(rerun.outputs['comment-ids']).toBe(String(earlier.id));
  });

  test('a rerun with nothing new leaves the comment alone: two reads, no write', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, { author: 'Codertocat' });
    const sha = pull.mergeCommitSha as string;
    const options = { event: pushEvent(sha), env: { GITHUB_SHA: sha } };
    expect((await prComment({}, options)).exitCode).toBe(0);
    const writesAfterFirst = github().writes().length;
    const rerun = await prComment({}, options);
    expect(rerun.exitCode).toBe(0);
    expect(github().writes()).toHaveLength(writesAfterFirst);
    expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(1);
  });

  test('GitHub Enterprise Server: the API below /api/v3 of GITHUB_API_URL', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const sha = pull.mergeCommitSha as string;
    const run = await prComment(
      {},
      { event: pushEvent(sha), env: { GITHUB_SHA: sha, GITHUB_API_URL: `${github().url}/api/v3` } },
    );
    expect(run.exitCode).toBe(0);
    expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(1);
    expect(
      github()
        .calls()
        .map((call) => call.path.split('/').slice(0, 4).join('/')),
    ).toEqual(Array(3).fill('/api/v3/repos'));
  });

  test('a commit with no merged pull request: nothing to comment on, and the step still succeeds', async () => {
    const sha = github().state.commit(REPOSITORY, { message: 'Direct push' });
    const run = await prComment({}, { event: pushEvent(sha), env: { GITHUB_SHA: sha } });
    expect(run.exitCode).toBe(0);
    expect(operations()).toEqual(['repos/list-pull-requests-associated-with-commit 200']);
    expect(run.outputs['pr-numbers']).toBe('');
  });
});

describe('a merged pull_request event', () => {
  test('comments on the pull request the event names, without looking it up', async () => {
    github().state.mergePullRequest(REPOSITORY, { author: 'someone' });
    const pull = github().state.mergePullRequest(REPOSITORY, { title: 'Update the README', author: 'Codertocat' });
    const payload = structuredClone(closedPullExample) as Payload & { pull_request: Record<string, unknown> };
    expect(payload.pull_request.number).toBe(pull.number);
    Object.assign(payload.pull_request, {
      merged: true,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
    });
    const run = await prComment(
      {},
      {
        event: { name: 'pull_request', payload },
        env: { GITHUB_SHA: 'f'.repeat(40), GITHUB_REF: `refs/pull/${pull.number}/merge`, GITHUB_BASE_REF: BRANCH },
      },
    );
    expect(run.errors).toEqual([]);
    expect(operations()).toEqual(['issues/list-comments 200', 'issues/create-comment 201']);
    expect(github().state.comments(REPOSITORY, pull.number)[0].body).toContain(
      (pull.mergeCommitSha as string).slice(0, 7),
    );
  });
});

describe('since-last-deployment', () => {
  test('every pull request merged since the last successful deployment gets its own comment', async () => {
    const shipped = github().state.mergePullRequest(REPOSITORY, { title: 'Already live' });
    github().state.createDeployment(REPOSITORY, {
      sha: shipped.mergeCommitSha as string,
      statuses: ['in_progress', 'success'],
    });
    const first = github().state.mergePullRequest(REPOSITORY, { title: 'First', author: 'alice', commits: 3 });
    github().state.createDeployment(REPOSITORY, { sha: first.mergeCommitSha as string, statuses: ['failure'] });
    const second = github().state.mergePullRequest(REPOSITORY, { title: 'Second', author: 'bob', method: 'squash' });
    github().state.commit(REPOSITORY, { message: 'Direct push without a pull request' });
    const third = github().state.mergePullRequest(REPOSITORY, { title: 'Third', author: 'carol' });
    const sha = third.mergeCommitSha as string;
    // Slow answers would make overlapping requests visible: the action must wait for each one.
    github().setLatency(15);

    const run = await prComment(
      { 'since-last-deployment': true, 'create-deployment': true, 'environment-url': 'https://app.example.com' },
      { event: pushEvent(sha), env: { GITHUB_SHA: sha } },
    );
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs['pr-numbers']).toBe([first, second, third].map((pull) => pull.number).join(','));
    for (const pull of [first, second, third]) expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(1);
    expect(github().state.comments(REPOSITORY, shipped.number)).toHaveLength(0);
    expect(operations()).toEqual([
      'repos/list-deployments 200',
      'repos/list-deployment-statuses 200',
      'repos/list-deployment-statuses 200',
      'repos/compare-commits-with-basehead 200',
      // One lookup per commit on the branch's first-parent line: three landings and the direct push.
      ...Array(4).fill('repos/list-pull-requests-associated-with-commit 200'),
      'repos/list-deployments 200',
      'repos/create-deployment 201',
      'repos/create-deployment-status 201',
      // Every earlier comment is read first (they record what Slack was told), then each is written.
      ...Array(3).fill('issues/list-comments 200'),
      ...Array(3).fill('issues/create-comment 201'),
    ]);
    expect(github().peakConcurrency()).toBe(1);
    const [deployment] = github().state.deployments(REPOSITORY);
    expect(run.outputs['deployment-id']).toBe(String(deployment.id));
    expect(deployment).toMatchObject({ sha, environment: 'production', productionEnvironment: true });
    expect(deployment.statuses).toEqual([
      expect.objectContaining({
        state: 'success',
        environmentUrl: 'https://app.example.com/',
        logUrl: `https://github.com/${REPOSITORY}/actions/runs/7000000001`,
      }),
    ]);

    // A rerun of the same run: the same three comments, the same deployment, and no second status
    // saying the same again.
    const rerun = await prComment(
      { 'since-last-deployment': true, 'create-deployment': true, 'environment-url': 'https://app.example.com' },
      { event: pushEvent(sha), env: { GITHUB_SHA: sha, GITHUB_RUN_ATTEMPT: '2' } },
    );
    expect(rerun.exitCode).toBe(0);
    expect(rerun.outputs['deployment-id']).toBe(String(deployment.id));
    expect(
      github()
        .state.deployments(REPOSITORY)
        .filter((d) => d.sha === sha),
    ).toHaveLength(1);
    expect(github().state.deployment(deployment.id)?.statuses).toHaveLength(1);
    expect(rerun.stdout).toContain(`Deployment ${deployment.id} is 'success' already; no status added`);
    for (const pull of [first, second, third]) expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(1);
  });

  test('with no earlier successful deployment, the pull requests of the commit are used', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const sha = pull.mergeCommitSha as string;
    const run = await prComment({ 'since-last-deployment': true }, { event: pushEvent(sha), env: { GITHUB_SHA: sha } });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['pr-numbers']).toBe(String(pull.number));
    expect(operations().slice(0, 2)).toEqual([
      'repos/list-deployments 200',
      'repos/list-pull-requests-associated-with-commit 200',
    ]);
  });
});

describe('pull requests from forks, modes and pr-number', () => {
  test('a pull request from a fork is commented on in the base repository', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, { author: 'outsider', fork: 'outsider/Hello-World' });
    const sha = pull.mergeCommitSha as string;
    const run = await prComment({}, { event: pushEvent(sha), env: { GITHUB_SHA: sha } });
    expect(run.exitCode).toBe(0);
    expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(1);
    expect(github().state.comments('outsider/Hello-World')).toHaveLength(0);
    expect(run.summary).toContain('outsider (fork)');
  });

  test.each([
    ['create', 2, ['issues/create-comment 201']],
    ['skip-if-exists', 1, ['issues/list-comments 200']],
  ])('mode %s with an earlier comment: %i comments in the end', async (mode, count, calls) => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const earlier = github().state.addComment(REPOSITORY, pull.number, { body: `${marker('production')}\nold` });
    const run = await prComment({ mode, 'pr-number': pull.number });
    expect(run.exitCode).toBe(0);
    expect(operations()).toEqual(['pulls/get 200', ...calls]);
    expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(count);
    if (mode === 'skip-if-exists') expect(run.outputs['comment-ids']).toBe(String(earlier.id));
  });

  test('another environment keeps its own comment', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    github().state.addComment(REPOSITORY, pull.number, { body: `${marker('production')}\nprod` });
    const run = await prComment({ environment: 'staging', 'pr-number': `#${pull.number}` });
    expect(run.exitCode).toBe(0);
    const bodies = github()
      .state.comments(REPOSITORY, pull.number)
      .map((c) => c.body.split('\n')[0]);
    expect(bodies).toEqual([marker('production'), marker('staging')]);
  });

  test('a template file with placeholders, and a huge smoke report cut to the limit', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, { title: 'Big one', author: 'Codertocat' });
    const workspace = temporaryFolder('pr-comment-');
    writeFileSync(
      join(workspace, 'comment.md'),
      '{{status_emoji}} #{{pr_number}} ({{pr_title}}) is in {{environment}} {{author_mention}}\n\n{{smoke_report}}',
    );
    writeFileSync(join(workspace, 'report.md'), `| check | ok |\n${'| GET /health | ✅ |\n'.repeat(5000)}`);
    const run = await prComment(
      { 'pr-number': pull.number, template: 'comment.md', 'smoke-report': 'report.md' },
      { workspace },
    );
    expect(run.errors).toEqual([]);
    const [comment] = github().state.comments(REPOSITORY, pull.number);
    expect(comment.body).toContain(`✅ #${pull.number} (Big one) is in production @Codertocat`);
    expect(comment.body.length).toBeLessThanOrEqual(65_536);
    expect(comment.body).toContain("cut to GitHub's limit of 65,536 characters");
  });
});

describe('GitHub misbehaving', () => {
  test('a secondary rate limit and 502s are waited out and retried', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    github().injectFaults([{ kind: 'server-error' }], { operationId: 'issues/list-comments' });
    github().injectFaults([{ kind: 'secondary-rate-limit', retryAfterSeconds: 1 }], {
      operationId: 'issues/create-comment',
    });
    const run = await prComment({ 'pr-number': pull.number });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(operations()).toEqual([
      'pulls/get 200',
      'issues/list-comments 502',
      'issues/list-comments 200',
      'issues/create-comment 403',
      'issues/create-comment 201',
    ]);
    expect(run.warnings.join('\n')).toMatch(/secondary rate limit/);
    expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(1);
  });

  test('the primary rate limit reached with a near reset: waited out (honouring x-ratelimit-reset) and completed', async () => {
    // Two requests a window, and a window of two seconds from its first request: the third request
    // (milliseconds later) meets the limit, with the reset two or three seconds away by the
    // emulator's clock, which is the runner's.
    const limited = await startGitHubEmulator({ tokens: [TOKEN], rateLimit: { limit: 2, windowSeconds: 2 } });
    try {
      limited.state.createRepository(REPOSITORY, { defaultBranch: BRANCH });
      const pull = limited.state.mergePullRequest(REPOSITORY, {});
      const sha = pull.mergeCommitSha as string;
      const run = await prComment({}, { event: pushEvent(sha), env: { GITHUB_SHA: sha, GITHUB_API_URL: limited.url } });
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(limited.calls().map((call) => `${call.operationId} ${call.status}`)).toEqual([
        'repos/list-pull-requests-associated-with-commit 200',
        'issues/list-comments 200',
        'issues/create-comment 403',
        'issues/create-comment 201',
      ]);
      expect(limited.calls()[2].fault).toBe('rate-limit');
      // The emulator refuses until the reset: the retry was accepted, so it came after it.
      expect(run.warnings).toEqual([
        expect.stringMatching(
          /^GitHub's API rate limit for this token is exhausted \(POST .*\/comments\): waiting \d s for its reset at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, then retrying$/,
        ),
      ]);
      expect(limited.state.comments(REPOSITORY, pull.number)).toHaveLength(1);
      expect(limited.problems()).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  test.each([
    [
      0,
      'at GET /repos/Codertocat/Hello-World/commits/SHA/pulls, after 1 request to GitHub',
      ['repos/list-pull-requests-associated-with-commit 403'],
    ],
    [
      1,
      'at GET /repos/Codertocat/Hello-World/issues/NUMBER/comments, after 2 requests to GitHub',
      ['repos/list-pull-requests-associated-with-commit 200', 'issues/list-comments 403'],
    ],
    [
      2,
      'before notifying Slack and writing the comments (GitHub said 0 requests remain; that needs 1), after 2 requests to GitHub',
      ['repos/list-pull-requests-associated-with-commit 200', 'issues/list-comments 200'],
    ],
  ])(
    'the primary rate limit with a far reset and %d requests left: one clear error, nothing half-done, and a rerun after the reset completes once',
    async (remaining, stopped, seen) => {
      const pull = github().state.mergePullRequest(REPOSITORY, {});
      const sha = pull.mergeCommitSha as string;
      const reset = Math.floor(Date.now() / 1000) + 3600;
      github().setRateLimit({ remaining, reset }, TOKEN);
      const inputs = { 'slack-webhook-url': github().slackWebhookUrl };
      const options = { event: pushEvent(sha), env: { GITHUB_SHA: sha } };
      const run = await prComment(inputs, options);
      const until = new Date(reset * 1000).toISOString().replace('.000Z', 'Z');
      expect(run.exitCode).toBe(1);
      expect(run.errors).toEqual([
        `GitHub's API rate limit for this token is exhausted until ${until}: the step stopped ${stopped
          .replace('SHA', sha)
          .replace(
            'NUMBER',
            String(pull.number),
          )}, rather than wait longer than 120 s. Nothing was left half-done: rerun the job after ${until} (it updates the comments and deployment this run may have written instead of adding new ones)`,
      ]);
      expect(operations()).toEqual(seen);
      expect(github().writes()).toEqual([]);

      // The window resets: the rerun tells Slack and comments, once.
      github().setRateLimit({ remaining: 1000 }, TOKEN);
      const rerun = await prComment(inputs, options);
      expect(rerun.errors).toEqual([]);
      expect(github().slackMessages()).toHaveLength(1);
      expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(1);
    },
  );

  test('the limit spent by another job between the deployment and its status: the rerun gives that deployment its status, no second one', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const sha = pull.mergeCommitSha as string;
    const reset = Math.floor(Date.now() / 1000) + 7200;
    // The token's budget is shared (GITHUB_TOKEN's by every job of the repository): GitHub's answer
    // to the status is the exhausted limit, though this step's own count said enough remained.
    github().injectFaults(
      [
        {
          kind: 'answer',
          status: 403,
          body: {
            message: 'API rate limit exceeded for installation ID 31337001.',
            documentation_url:
              'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
            status: '403',
          },
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        },
      ],
      { operationId: 'repos/create-deployment-status' },
    );
    const inputs = { 'create-deployment': 'true' };
    const options = { event: pushEvent(sha), env: { GITHUB_SHA: sha } };
    const run = await prComment(inputs, options);
    expect(run.exitCode).toBe(1);
    const [deployment] = github().state.deployments(REPOSITORY);
    expect(run.errors).toEqual([
      expect.stringContaining(
        `the step stopped at POST /repos/${REPOSITORY}/deployments/${deployment.id}/statuses, after 4 requests to GitHub, rather than wait longer than 120 s. Deployment ${deployment.id}, created by this run, has no status yet; the rerun gives it one: rerun the job after`,
      ),
    ]);
    expect(
      github()
        .writes()
        .map((call) => `${call.operationId} ${call.status}`),
    ).toEqual(['repos/create-deployment 201', 'repos/create-deployment-status 403']);

    const rerun = await prComment(inputs, options);
    expect(rerun.errors).toEqual([]);
    expect(github().state.deployments(REPOSITORY)).toEqual([
      expect.objectContaining({ id: deployment.id, statuses: [expect.objectContaining({ state: 'success' })] }),
    ]);
  });

  test('the limit met while comparing since the last deployment: the one error, no fallback warning, nothing written', async () => {
    const first = github().state.mergePullRequest(REPOSITORY, {});
    github().state.createDeployment(REPOSITORY, { sha: first.mergeCommitSha as string, statuses: ['success'] });
    const second = github().state.mergePullRequest(REPOSITORY, {});
    const sha = second.mergeCommitSha as string;
    const reset = Math.floor(Date.now() / 1000) + 3600;
    github().injectFaults(
      [
        {
          kind: 'answer',
          status: 403,
          body: {
            message: 'API rate limit exceeded for installation ID 31337001.',
            documentation_url:
              'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
          },
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        },
      ],
      { operationId: 'repos/compare-commits-with-basehead' },
    );
    const run = await prComment(
      { 'since-last-deployment': 'true', 'slack-webhook-url': github().slackWebhookUrl },
      { event: pushEvent(sha), env: { GITHUB_SHA: sha } },
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      expect.stringMatching(
        /^GitHub's API rate limit for this token is exhausted until .* at GET \/repos\/.*\/compare\//,
      ),
    ]);
    expect(run.warnings).toEqual([]);
    expect(github().writes()).toEqual([]);
  });

  test('faults at a seeded rate are survived', async () => {
    const faulty = await startGitHubEmulator({ tokens: [TOKEN], faults: { seed: 1, serverError: 0.3 } });
    try {
      faulty.state.createRepository(REPOSITORY, { defaultBranch: BRANCH });
      const pull = faulty.state.mergePullRequest(REPOSITORY, {});
      const run = await prComment({ 'pr-number': pull.number }, { env: { GITHUB_API_URL: faulty.url } });
      expect(run.exitCode).toBe(0);
      // Seed 1 fails the second request once: one retry, one second of back-off.
      expect(faulty.calls().map((call) => `${call.operationId} ${call.status}`)).toEqual([
        'pulls/get 200',
        'issues/list-comments 502',
        'issues/list-comments 200',
        'issues/create-comment 201',
      ]);
      expect(faulty.state.comments(REPOSITORY, pull.number)).toHaveLength(1);
      expect(faulty.problems()).toEqual([]);
    } finally {
      await faulty.close();
    }
  });

  test.each([
    [
      { issues: 'read', 'pull-requests': 'read' } as const,
      false,
      'issues: write or pull-requests: write',
      'issues/create-comment',
    ],
    [{ deployments: 'read' } as const, true, 'deployments: write', 'repos/create-deployment'],
  ])(
    'a 403 names the missing permission (%j), and nothing more is tried',
    async (permissions, deploy, needed, refused) => {
      github().setPermissions(permissions);
      const pull = github().state.mergePullRequest(REPOSITORY, {});
      const other = github().state.mergePullRequest(REPOSITORY, {});
      const run = await prComment(
        { 'pr-number': `${pull.number}, ${other.number}`, 'create-deployment': deploy },
        { env: { GITHUB_SHA: other.mergeCommitSha as string } },
      );
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toContain(`'${needed}'`);
      expect(run.errors[0]).toContain('Resource not accessible by integration');
      expect(github().calls().at(-1)).toMatchObject({ operationId: refused, status: 403 });
    },
  );
});

describe('a commit GitHub does not know', () => {
  test('fails with what GitHub said', async () => {
    const sha = 'c'.repeat(40);
    const run = await prComment({}, { event: pushEvent(sha), env: { GITHUB_SHA: sha } });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Could not list the pull requests of commit ccccccc: GitHub answered 422 No commit found for SHA: ${sha}`,
    ]);
  });
});

describe('one pull request that cannot take a comment', () => {
  test('a locked conversation: the others are still told, then the step fails naming it', async () => {
    const locked = github().state.mergePullRequest(REPOSITORY, {});
    const open = github().state.mergePullRequest(REPOSITORY, {});
    github().state.lockConversation(REPOSITORY, locked.number);
    const run = await prComment({ 'pr-number': `${locked.number}, ${open.number}` });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Could not comment on pull request #${locked.number}: the conversation is locked (403 Unable to create comment because issue is locked.)`,
      `Could not comment on #${locked.number} (see the errors above)`,
    ]);
    expect(github().state.comments(REPOSITORY, open.number)).toHaveLength(1);
    expect(run.outputs['pr-numbers']).toBe(String(open.number));
    expect(run.summary).toContain(`Not commented on: #${locked.number}`);
  });
});

describe('Slack', () => {
  test('one Block Kit message lists the pull requests with mapped authors as mentions', async () => {
    const alice = github().state.mergePullRequest(REPOSITORY, { title: 'Faster <builds> & more', author: 'alice' });
    const run = await prComment({
      'pr-number': alice.number,
      'slack-webhook-url': github().slackWebhookUrl,
      'slack-user-map': 'Alice=U024BE7LH\nbob=U0B0B0B0B',
    });
    expect(run.exitCode).toBe(0);
    expect(run.masked).toContain(github().slackWebhookUrl);
    const [message] = github().slackMessages() as {
      text: string;
      blocks: { type: string; text?: { text: string } }[];
    }[];
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '✅ Deployed to production', emoji: true },
    });
    const section = message.blocks.find((block) => block.type === 'section')?.text?.text ?? '';
    expect(section).toContain(`#${alice.number} Faster &lt;builds&gt; &amp; more>`);
    expect(section).toContain('by <@U024BE7LH>');
  });

  test.each([
    [false, 0],
    [true, 1],
  ])('a Slack failure with fail-on-notify-error %s: exit code %i, comments still made', async (fail, exitCode) => {
    github().failSlack({ status: 500, body: 'internal_error' });
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const run = await prComment({
      'pr-number': pull.number,
      'slack-webhook-url': github().slackWebhookUrl,
      'fail-on-notify-error': fail,
    });
    expect(run.exitCode).toBe(exitCode);
    expect(run.outputs['pr-numbers']).toBe(String(pull.number));
    expect(run.summary).toContain('Slack: not posted: Slack refused the message: 500 internal_error');
    const said = fail ? run.errors : run.warnings;
    expect(said.join('\n')).toContain('Slack refused the message: 500 internal_error');
    const logged = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(logged.join('\n')).not.toContain(github().slackWebhookUrl);
    expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(1);
  });
});

describe('Slack out of reach', () => {
  test('a webhook nobody answers: a warning, the step succeeds', async () => {
    const closed = await startGitHubEmulator();
    const unreachable = closed.slackWebhookUrl;
    await closed.close();
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const run = await prComment({ 'pr-number': pull.number, 'slack-webhook-url': unreachable });
    expect(run.exitCode).toBe(0);
    expect(run.warnings.join('\n')).toMatch(/^Slack could not be reached: connect ECONNREFUSED/);
    expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(1);
  });
});

describe('bad input fails before any request', () => {
  test.each([
    ['no token', { token: '' }, "Input 'token' is required"],
    ['an unknown mode', { mode: 'sometimes' }, "Input 'mode' must be one of 'upsert', 'create', 'skip-if-exists'"],
    [
      'an invalid Slack URL',
      { 'slack-webhook-url': 'hooks.slack.com/services/T/B/secret' },
      "Input 'slack-webhook-url' is not a valid URL",
    ],
    ['an unreadable template', { template: 'missing/comment.md' }, "Input 'template' names a file that cannot be read"],
    ['an unknown placeholder', { template: 'Shipped {{pr}}' }, "Input 'template' has unknown placeholders {{pr}}"],
    ['a bad pull request number', { 'pr-number': '12, twelve' }, "Input 'pr-number' must be pull request numbers"],
    ['a bad Slack member ID', { 'slack-user-map': 'alice=alice' }, "Input 'slack-user-map' maps 'alice'"],
    ['a short sha', { sha: 'abc1234' }, "Input 'sha' must be a full commit SHA"],
  ])('%s', async (_, inputs, message) => {
    github().state.mergePullRequest(REPOSITORY, {});
    const run = await prComment({ 'pr-number': 1, ...inputs });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(message);
    expect(github().calls()).toEqual([]);
    expect(run.stdout).not.toContain('services/T/B/secret');
  });
});

describe('the sticky comment is only ever the token identity’s own', () => {
  test('a marker pasted into a participant’s comment is left untouched and does not stand for the record of Slack', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, { author: 'mallory' });
    const sha = pull.mergeCommitSha as string;
    // The marker and a record that says Slack was told already, pasted by a participant.
    const pasted = `${marker('production')}\n${notifiedLine(`${sha}:success`)}\nnothing to see here`;
    const stranger = github().state.addComment(REPOSITORY, pull.number, { body: pasted, author: 'mallory' });
    const run = await prComment(
      { 'slack-webhook-url': github().slackWebhookUrl },
      { event: pushEvent(sha), env: { GITHUB_SHA: sha } },
    );
    expect(run.errors).toEqual([]);
    expect(github().state.comment(stranger.id)?.body).toBe(pasted);
    const comments = github().state.comments(REPOSITORY, pull.number);
    expect(comments.map((comment) => comment.author)).toEqual(['mallory', 'github-actions[bot]']);
    expect(comments[1].body.split('\n')[0]).toBe(marker('production'));
    expect(github().slackMessages()).toHaveLength(1);
    expect(operations()).toEqual([
      'repos/list-pull-requests-associated-with-commit 200',
      'issues/list-comments 200',
      'slack/incoming-webhook 200',
      'issues/create-comment 201',
    ]);
  });

  test.each([
    ['ghp_personaltoken000000000000000000000000', 'shipyard-ci', 'users/get-authenticated 200'],
    ['v1.0123456789abcdef0123456789abcdef01234567', 'github-actions[bot]', 'users/get-authenticated 403'],
  ])(
    'a token %s writes as %s, found with GET /user; the other account’s marked comment is not its own',
    async (token, login, who) => {
      const other = login === 'shipyard-ci' ? 'github-actions[bot]' : 'shipyard-ci';
      const identified = await startGitHubEmulator({
        identities: {
          [token]: login === 'shipyard-ci' ? { kind: 'user', login } : { kind: 'installation', login },
        },
      });
      try {
        identified.state.createRepository(REPOSITORY, { defaultBranch: BRANCH });
        const pull = identified.state.mergePullRequest(REPOSITORY, {});
        const sha = pull.mergeCommitSha as string;
        const theirs = identified.state.addComment(REPOSITORY, pull.number, {
          body: `${marker('production')}\nold`,
          author: other,
        });
        const run = await prComment(
          {},
          { event: pushEvent(sha), githubToken: token, env: { GITHUB_SHA: sha, GITHUB_API_URL: identified.url } },
        );
        expect(run.errors).toEqual([]);
        expect(identified.calls().map((call) => `${call.operationId} ${call.status}`)).toEqual([
          'repos/list-pull-requests-associated-with-commit 200',
          who,
          'issues/list-comments 200',
          'issues/create-comment 201',
        ]);
        expect(identified.state.comment(theirs.id)?.body).toBe(`${marker('production')}\nold`);
        const [, mine] = identified.state.comments(REPOSITORY, pull.number);
        expect(mine.author).toBe(login);

        // Its own comment, found again: the rerun updates it.
        const rerun = await prComment(
          { status: 'failure' },
          { event: pushEvent(sha), githubToken: token, env: { GITHUB_SHA: sha, GITHUB_API_URL: identified.url } },
        );
        expect(rerun.errors).toEqual([]);
        expect(identified.calls().at(-1)).toMatchObject({ operationId: 'issues/update-comment', status: 200 });
        expect(identified.state.comments(REPOSITORY, pull.number)).toHaveLength(2);
        expect(identified.problems()).toEqual([]);
      } finally {
        await identified.close();
      }
    },
  );
});
