import { describe, expect, test } from '@jest/globals';
import { marker } from '../src/body.js';
import { publishComment, writtenBy } from '../src/comments.js';
import { githubSuite, REPOSITORY, repo } from './github-suite.js';

const suite = githubSuite();

describe('whose comment is the sticky one', () => {
  test.each([
    [{ kind: 'installation' } as const, { login: 'github-actions[bot]', type: 'Bot' }, true],
    [{ kind: 'installation' } as const, { login: 'deploy-app[bot]', type: 'Bot' }, true],
    [{ kind: 'installation' } as const, { login: 'mallory', type: 'User' }, false],
    [{ kind: 'installation' } as const, null, false],
    [{ kind: 'user', login: 'Release-Bot' } as const, { login: 'release-bot', type: 'User' }, true],
    [{ kind: 'user', login: 'release-bot' } as const, { login: 'mallory', type: 'User' }, false],
    [{ kind: 'user', login: 'release-bot' } as const, { login: 'github-actions[bot]', type: 'Bot' }, false],
  ])('token writing as %j, comment by %j: %s', (author, user, own) => {
    expect(writtenBy(author, user)).toBe(own);
  });
});

describe('publishComment', () => {
  test('stops listing at the page that holds the marker', async () => {
    const pull = suite.github().state.mergePullRequest(REPOSITORY, {});
    for (let i = 0; i < 150; i += 1)
      suite.github().state.addComment(REPOSITORY, pull.number, { body: `chatter ${i}`, author: 'hubot' });
    const mine = suite.github().state.addComment(REPOSITORY, pull.number, { body: `${marker('production')}\nold` });
    for (let i = 0; i < 150; i += 1)
      suite.github().state.addComment(REPOSITORY, pull.number, { body: `more ${i}`, author: 'hubot' });
    const published = await publishComment(suite.octokit(), repo, {
      number: pull.number,
      body: `${marker('production')}\nnew`,
      environment: 'production',
      mode: 'upsert',
      author: { kind: 'installation' },
    });
    expect(published).toMatchObject({ outcome: 'updated', id: mine.id });
    expect(
      suite
        .github()
        .calls()
        .map((call) => `${call.operationId} ${call.query.page ?? ''}`.trim()),
    ).toEqual(['issues/list-comments', 'issues/list-comments 2', 'issues/update-comment']);
    expect(suite.github().problems()).toEqual([]);
  });
});
