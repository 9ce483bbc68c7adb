import { describe, expect, test } from '@jest/globals';
import { renderSummary } from '../src/summary.js';

const pull = (number: number, fromFork = false) => ({
  number,
  title: `Change | ${number}`,
  url: `https://github.com/o/r/pull/${number}`,
  author: 'octocat',
  merged: true,
  fromFork,
});

describe('the job summary', () => {
  test('every pull request told, with its comment, the deployment and Slack', () => {
    expect(
      renderSummary({
        environment: 'production',
        status: 'success',
        how: 'of commit 3f78685',
        published: [
          { pull: pull(12), comment: { outcome: 'created', id: 1, url: 'https://github.com/o/r/pull/12#c1' } },
          { pull: pull(15, true), comment: { outcome: 'unchanged', id: 2, url: 'https://github.com/o/r/pull/15#c2' } },
        ],
        failed: [16],
        deploymentId: 7,
        slackOutcome: 'posted',
      }),
    ).toBe(
      [
        '### pr-comment: production (success)',
        '',
        'Pull requests of commit 3f78685:',
        '',
        '| Pull request | Title | Author | Comment |',
        '| --- | --- | --- | --- |',
        '| [#12](https://github.com/o/r/pull/12) | Change \\| 12 | octocat | [created](https://github.com/o/r/pull/12#c1) |',
        '| [#15](https://github.com/o/r/pull/15) | Change \\| 15 | octocat (fork) | [unchanged](https://github.com/o/r/pull/15#c2) |',
        '',
        'Not commented on: #16',
        '',
        'GitHub deployment: 7',
        '',
        'Slack: posted',
      ].join('\n'),
    );
  });

  test('no pull request, nothing else done', () => {
    expect(renderSummary({ environment: 'staging', status: 'failure', how: 'of commit 3f78685', published: [] })).toBe(
      '### pr-comment: staging (failure)\n\nNo merged pull request of commit 3f78685.',
    );
  });

  test('says when something that looked like a credential was removed', () => {
    expect(
      renderSummary({ environment: 'production', status: 'success', how: 'x', published: [], redacted: true }),
    ).toContain('Something that looked like a credential was replaced with `***`');
  });
});
