import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { DOMAIN, IMAGE, mutations, preview, REPOSITORY, TOKEN, worldForSuite } from './helpers.js';

/**
 * The pull request's side, at the wire: the sticky comment (URL, commit, smoke result; "removed" on
 * close), the deployment to `preview/pr-<N>` (inactive on removal), and `sweep`, which removes the
 * previews of closed pull requests only.
 */

const { seed } = worldForSuite();
let world: ReturnType<typeof seed>;
beforeEach(() => {
  world = seed();
});
afterEach(() => {
  expect(world.github.problems()).toEqual([]);
  expect(world.aws.problems()).toEqual([]);
});

const comments = (pr: number) => world.github.state.comments(REPOSITORY, pr);

describe('report', () => {
  test('one sticky comment and one deployment; a push with a failing smoke test updates both', async () => {
    const pull = world.github.state.openPullRequest(REPOSITORY, { title: 'Preview me' });
    const first = await preview(world, {
      command: 'report',
      'pr-number': pull.number,
      sha: pull.headSha,
      'smoke-outcome': 'success',
    });
    expect(first.errors).toEqual([]);
    expect(first.masked).toContain(TOKEN);
    expect(first.outputs.url).toBe(`https://pr-${pull.number}.${DOMAIN}`);
    expect(comments(pull.number)).toHaveLength(1);
    expect(comments(pull.number)[0].body).toContain(`https://pr-${pull.number}.${DOMAIN}`);
    expect(comments(pull.number)[0].body).toContain(pull.headSha.slice(0, 12));
    expect(comments(pull.number)[0].body).toContain('✅ passed');
    const [deployment] = world.github.state.deployments(REPOSITORY);
    expect(deployment).toMatchObject({ environment: `preview/pr-${pull.number}`, sha: pull.headSha });
    expect(deployment.statuses.map((s) => [s.state, s.environmentUrl])).toEqual([
      ['success', `https://pr-${pull.number}.${DOMAIN}`],
    ]);

    const rerun = await preview(world, {
      command: 'report',
      'pr-number': pull.number,
      sha: pull.headSha,
      'smoke-outcome': 'success',
    });
    expect(rerun.exitCode).toBe(0);
    expect(world.github.writes()).toHaveLength(3);

    const next = world.github.state.openPullRequest(REPOSITORY).headSha;
    await preview(world, { command: 'report', 'pr-number': pull.number, sha: next, 'smoke-outcome': 'failure' });
    expect(comments(pull.number)).toHaveLength(1);
    expect(comments(pull.number)[0].body).toContain('❌ failed');
    expect(comments(pull.number)[0].body).toContain(next.slice(0, 12));
    expect(world.github.state.deployments(REPOSITORY).map((d) => d.sha)).toEqual(expect.arrayContaining([next]));
    expect(mutations(world)).toEqual([]);
  });

  test('a comment someone pasted the marker into is not edited: the action writes its own', async () => {
    const pull = world.github.state.openPullRequest(REPOSITORY);
    world.github.state.addComment(REPOSITORY, pull.number, {
      body: `<!-- shipyard:preview-env service=web pr=${pull.number} -->\nclick http://evil.example.net`,
      author: 'mallory',
    });
    await preview(world, {
      command: 'report',
      'pr-number': pull.number,
      sha: pull.headSha,
      'smoke-outcome': 'success',
    });
    const bodies = comments(pull.number).map((c) => c.body);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toContain('evil.example.net');
  });
  test.each([
    ['closed', false],
    ['merged', true],
  ])('a pull request %s while the job ran: no comment, no deployment, a notice', async (state, merged) => {
    const pull = world.github.state.openPullRequest(REPOSITORY);
    if (merged) world.github.state.mergeOpenPullRequest(REPOSITORY, pull.number);
    else world.github.state.closePullRequest(REPOSITORY, pull.number);
    const run = await preview(world, {
      command: 'report',
      'pr-number': pull.number,
      sha: pull.headSha,
      'smoke-outcome': 'success',
    });
    expect(run.exitCode).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.notices.join('\n')).toContain(`Pull request #${pull.number} is ${state}`);
    expect(comments(pull.number)).toEqual([]);
    expect(world.github.state.deployments(REPOSITORY)).toEqual([]);
    expect(world.github.writes()).toEqual([]);
  });
});

describe('up refused by the cap', () => {
  test("the pull request's sticky comment says why, naming the live previews; a later push's report replaces it", async () => {
    const [a, b, c] = [1, 2, 3].map(() => world.github.state.openPullRequest(REPOSITORY));
    for (const pull of [a, b])
      expect(
        (await preview(world, { command: 'up', 'pr-number': pull.number, image: IMAGE('x'), 'max-previews': 2 }))
          .exitCode,
      ).toBe(0);
    const before = mutations(world).length;
    const refused = await preview(world, {
      command: 'up',
      'pr-number': c.number,
      image: IMAGE('y'),
      'max-previews': 2,
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.errors).toEqual([expect.stringContaining(`no preview for #${c.number}`)]);
    expect(mutations(world).slice(before)).toEqual([]);
    const [comment] = comments(c.number);
    expect(comments(c.number)).toHaveLength(1);
    expect(comment.body).toContain(
      `No preview: max-previews is 2 and 2 previews are live (#${a.number}, #${b.number})`,
    );
    expect(comment.body).toContain('raise max-previews');
    expect(comments(a.number)).toEqual([]);

    // A place frees, the next push gets its preview, and the same comment turns into the live one.
    await preview(world, { command: 'down', 'pr-number': a.number });
    expect(
      (await preview(world, { command: 'up', 'pr-number': c.number, image: IMAGE('y'), 'max-previews': 2 })).exitCode,
    ).toBe(0);
    await preview(world, { command: 'report', 'pr-number': c.number, sha: c.headSha, 'smoke-outcome': 'success' });
    expect(comments(c.number)).toHaveLength(1);
    expect(comments(c.number)[0].body).toContain(`https://pr-${c.number}.${DOMAIN}`);
  });

  test('a comment that cannot be written does not hide the refusal', async () => {
    const [a, c] = [1, 2].map(() => world.github.state.openPullRequest(REPOSITORY));
    await preview(world, { command: 'up', 'pr-number': a.number, image: IMAGE('x'), 'max-previews': 1 });
    world.github.injectFaults(
      [
        {
          kind: 'answer',
          status: 403,
          body: {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
          },
        },
      ],
      { operationId: 'issues/create-comment' },
    );
    const refused = await preview(world, {
      command: 'up',
      'pr-number': c.number,
      image: IMAGE('y'),
      'max-previews': 1,
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.errors).toEqual([
      expect.stringContaining(`max-previews is 1 and 1 previews are live (#${a.number})`),
    ]);
    expect(refused.warnings.join('\n')).toContain(`Could not tell pull request #${c.number}`);
  });
});

describe('down with a token', () => {
  test('the comment says the preview was removed and its deployments are inactive', async () => {
    const pull = world.github.state.openPullRequest(REPOSITORY);
    await preview(world, { command: 'up', 'pr-number': pull.number, image: IMAGE('a') });
    await preview(world, {
      command: 'report',
      'pr-number': pull.number,
      sha: pull.headSha,
      'smoke-outcome': 'success',
    });
    const run = await preview(world, { command: 'down', 'pr-number': pull.number });
    expect(run.errors).toEqual([]);
    expect(comments(pull.number)).toHaveLength(1);
    expect(comments(pull.number)[0].body).toMatch(/was removed/);
    const [deployment] = world.github.state.deployments(REPOSITORY);
    expect(deployment.statuses.at(-1)?.state).toBe('inactive');
  });
});

describe('sweep', () => {
  test('removes the previews of closed pull requests and keeps the open ones', async () => {
    const open = world.github.state.openPullRequest(REPOSITORY);
    const closed = world.github.state.openPullRequest(REPOSITORY);
    await preview(world, { command: 'up', 'pr-number': open.number, image: IMAGE('a') });
    await preview(world, { command: 'up', 'pr-number': closed.number, image: IMAGE('b') });
    world.github.state.pull(REPOSITORY, closed.number)!.state = 'closed';
    const run = await preview(world, { command: 'sweep' });
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ previews: `${open.number},${closed.number}`, removed: `${closed.number}` });
    expect(
      world.aws.elbv2
        .targetGroups()
        .map((g) => g.name)
        .sort(),
    ).toEqual(['web-pr-' + open.number, 'web-staging'].sort());
    expect(comments(closed.number)[0].body).toMatch(/was removed/);
    expect(comments(open.number)).toEqual([]);
    // A second sweep finds nothing more to remove.
    const again = await preview(world, { command: 'sweep' });
    expect(again.outputs.removed).toBe('');
  });

  test('a preview whose pull request GitHub does not show is left alone', async () => {
    await preview(world, { command: 'up', 'pr-number': 4242, image: IMAGE('a') });
    const before = mutations(world).length;
    const run = await preview(world, { command: 'sweep' });
    expect(run.warnings).toEqual([expect.stringMatching(/no pull request #4242.*left alone/)]);
    expect(mutations(world).slice(before)).toEqual([]);
  });
});
