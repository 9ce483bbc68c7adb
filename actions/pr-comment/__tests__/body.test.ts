import { describe, expect, test } from '@jest/globals';
import {
  commentBody,
  defaultBody,
  GITHUB_COMMENT_LIMIT,
  hasMarker,
  marker,
  mention,
  renderTemplate,
  truncate,
  unknownPlaceholders,
  placeholderValues,
  type CommentFacts,
} from '../src/body.js';

const facts: CommentFacts = {
  status: 'success',
  environment: 'production',
  environmentUrl: 'https://app.example.com/',
  image: 'repo@sha256:abc',
  taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7',
  runUrl: 'https://github.com/o/r/actions/runs/1',
  runNumber: '9',
  sha: '3f786850e387550fdab836ed7e6dc881de23001b',
  repository: 'o/r',
  serverUrl: 'https://github.com',
  pull: { number: 12, title: 'Add | pipes', url: 'https://github.com/o/r/pull/12', author: 'octocat' },
  mentionAuthor: true,
};

describe('the marker', () => {
  test.each([
    ['production', '<!-- shipyard:pr-comment environment=production -->'],
    ['staging eu', '<!-- shipyard:pr-comment environment=staging%20eu -->'],
    ['prod -->', '<!-- shipyard:pr-comment environment=prod%20--%3E -->'],
  ])('%s', (environment, expected) => {
    expect(marker(environment)).toBe(expected);
  });

  test.each([
    [`${marker('production')}\nbody`, 'production', true],
    [`text\r\n  ${marker('production')}  \r\nmore`, 'production', true],
    [`${marker('production')}\nbody`, 'prod', false],
    [`${marker('production-eu')}\nbody`, 'production', false],
    [`quoted: ${marker('production')}`, 'production', false],
    [null, 'production', false],
  ])('found in %j for %s: %s', (body, environment, expected) => {
    expect(hasMarker(body, environment)).toBe(expected);
  });
});

describe('templates', () => {
  test.each([
    ['{{pr_number}} by {{author}}', '12 by octocat'],
    ['{{ status_emoji }} {{environment}}', '✅ production'],
    ['{{task_definition}} of {{short_sha}}', 'web:7 of 3f78685'],
    ['{{author_mention}}', '@octocat'],
    ['{{unknown}} stays', '{{unknown}} stays'],
  ])('%s -> %s', (template, expected) => {
    expect(renderTemplate(template, placeholderValues(facts))).toBe(expected);
  });

  test('a value holding {{...}} is not expanded again', () => {
    const values = placeholderValues({ ...facts, pull: { ...facts.pull, title: '{{sha}}' } });
    expect(renderTemplate('{{pr_title}}', values)).toBe('{{sha}}');
  });

  test.each([
    ['{{status}} {{nope}} {{pr}} {{nope}}', ['nope', 'pr']],
    ['{{status}} {{ environment }}', []],
  ])('unknown placeholders of %s', (template, unknown) => {
    expect(unknownPlaceholders(template)).toEqual(unknown);
  });

  test('mention-author false empties {{author_mention}} and drops the cc line', () => {
    const quiet = { ...facts, mentionAuthor: false };
    expect(placeholderValues(quiet).author_mention).toBe('');
    expect(defaultBody(quiet)).not.toContain('@octocat');
  });

  test.each([
    ['octocat', '@octocat'],
    ['dependabot[bot]', ''],
    ['', ''],
  ])('mention(%s) = %s', (login, expected) => {
    expect(mention(login)).toBe(expected);
  });
});

describe('the default body', () => {
  test('success: headline, table with escaped cells, cc', () => {
    const body = defaultBody(facts);
    expect(body).toContain('### ✅ Deployed to production');
    expect(body).toContain('| Task definition | `web:7` |');
    expect(body).toContain('| Image | `repo@sha256:abc` |');
    expect(body.trim().split('\n').at(-1)).toBe('cc @octocat');
    expect(body).not.toContain('Smoke test report');
  });

  test('failure opens the smoke report', () => {
    const body = defaultBody({ ...facts, status: 'failure', smokeReport: '### Smoke test failed ❌' });
    expect(body).toContain('### ❌ Deployment to production failed');
    expect(body).toContain('<details open><summary>Smoke test report</summary>');
  });

  test('rows without a value are left out', () => {
    const body = defaultBody({ ...facts, image: undefined, taskDefinitionArn: undefined, environmentUrl: undefined });
    expect(body).not.toMatch(/\| (Image|Task definition) \|/);
    expect(body).toContain('live in **production**');
  });

  test('the marker is the first line of every comment body, template or not', () => {
    expect(commentBody(facts).split('\n')[0]).toBe(marker('production'));
    expect(commentBody(facts, 'Shipped {{pr_number}}')).toBe(`${marker('production')}\nShipped 12\n`);
  });
});

describe('the size limit', () => {
  test('a body at the limit is kept whole', () => {
    const text = 'x'.repeat(GITHUB_COMMENT_LIMIT);
    expect(truncate(text)).toBe(text);
  });

  test.each([
    ['plain text', 'x'.repeat(70_000), false],
    ['an open code fence', '```\n' + 'y\n'.repeat(40_000), true],
  ])('%s is cut to the limit with a note', (_, text, closesFence) => {
    const cut = truncate(text, GITHUB_COMMENT_LIMIT, 'https://github.com/o/r/actions/runs/1');
    expect(cut.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(cut).toMatch(
      /cut to GitHub's limit of 65,536 characters\. The full report is in the \[run\]\(https:\/\/github.com\/o\/r\/actions\/runs\/1\)\.\n$/,
    );
    expect(cut.includes('\n```\n\n> [!NOTE]')).toBe(closesFence);
  });

  test('a cut never splits a surrogate pair', () => {
    const limit = 200;
    for (let offset = 0; offset < 2; offset += 1) {
      const cut = truncate('a'.repeat(offset) + '😀'.repeat(200), limit);
      expect(cut.length).toBeLessThanOrEqual(limit);
      expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    }
  });

  test('the marker survives a cut of a huge smoke report', () => {
    const body = commentBody({ ...facts, smokeReport: 'z'.repeat(100_000) });
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(hasMarker(body, 'production')).toBe(true);
  });
});
