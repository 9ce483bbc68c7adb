import { describe, expect, test } from '@jest/globals';
import { createRequire } from 'node:module';
import { DEFAULT_TAG_TEMPLATES, renderTags, sanitizeTag, tagContext, TagTemplateError } from '../src/tags.js';

/**
 * Tag templates over real webhook payloads (@octokit/webhooks-examples), with the variables the
 * runner sets for each event, as GitHub documents them.
 */

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as Example[];

function payload(event: string, where: (p: Record<string, unknown>) => boolean): Record<string, unknown> {
  const found = examples.find((e) => e.name === event)?.examples.find(where);
  if (!found) throw new Error(`no ${event} example matches`);
  return found;
}

const branchPush = payload('push', (p) => p.ref === 'refs/heads/master' && p.after !== '0'.repeat(40));
const tagPush = payload('push', (p) => String(p.ref).startsWith('refs/tags/'));
const pullRequest = payload('pull_request', (p) => p.action === 'opened');
const release = payload('release', (p) => p.action === 'published');

type Pr = { number: number; head: { sha: string; ref: string } };
const pr = pullRequest.pull_request as Pr;
const releaseTag = (release.release as { tag_name: string }).tag_name;

/** What the runner sets for each event (GITHUB_SHA, GITHUB_REF, ...). */
const runs = {
  push: {
    env: { GITHUB_SHA: String(branchPush.after), GITHUB_REF: String(branchPush.ref), GITHUB_RUN_NUMBER: '17' },
    payload: branchPush,
  },
  'tag push': {
    env: {
      GITHUB_SHA: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      GITHUB_REF: String(tagPush.ref),
      GITHUB_RUN_NUMBER: '18',
    },
    payload: tagPush,
  },
  pull_request: {
    env: {
      GITHUB_SHA: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      GITHUB_REF: `refs/pull/${pr.number}/merge`,
      GITHUB_HEAD_REF: pr.head.ref,
      GITHUB_RUN_NUMBER: '19',
    },
    payload: pullRequest,
  },
  release: {
    env: {
      GITHUB_SHA: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      GITHUB_REF: `refs/tags/${releaseTag}`,
      GITHUB_RUN_NUMBER: '20',
    },
    payload: release,
  },
  'push of v-prefixed semver tag': {
    env: {
      GITHUB_SHA: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      GITHUB_REF: 'refs/tags/v2.3.4-rc.1+build.7',
      GITHUB_RUN_NUMBER: '21',
    },
    payload: { ...tagPush, ref: 'refs/tags/v2.3.4-rc.1+build.7' },
  },
} as const;

describe('default tags and placeholders, by event', () => {
  test.each([
    ['push', DEFAULT_TAG_TEMPLATES, ['6113728f27ae82c7b1a177c8d03f9e96e0adf246', 'master']],
    ['pull_request', DEFAULT_TAG_TEMPLATES, ['ec26c3e57ca3a959ca5aad62de7213c562f8c821', `pr-${pr.number}`]],
    ['tag push', DEFAULT_TAG_TEMPLATES, ['6113728f27ae82c7b1a177c8d03f9e96e0adf246']],
    ['push', ['{{short_sha}}', '{{branch}}-{{run_number}}'], ['6113728', 'master-17']],
    ['pull_request', ['pr-{{pr}}-{{short_sha}}', '{{branch}}'], [`pr-${pr.number}-ec26c3e`]],
    ['release', ['{{version}}', 'v{{version}}-{{run_number}}'], ['0.0.1', 'v0.0.1-20']],
    // `simple-tag` is not semver: no {{version}}, so the line is left out.
    ['tag push', ['{{version}}', 'sha-{{short_sha}}'], ['sha-6113728']],
    ['push of v-prefixed semver tag', ['{{version}}'], ['2.3.4-rc.1-build.7']],
  ] as const)('%s with %j gives %j', (event, templates, expected) => {
    const rendered = renderTags(templates, tagContext(runs[event]));
    expect(rendered.tags).toEqual(expected);
  });

  test('templates the event cannot fill are reported with what they miss', () => {
    const rendered = renderTags(DEFAULT_TAG_TEMPLATES, tagContext(runs.push));
    expect(rendered.skipped).toEqual([{ template: 'pr-{{pr}}', missing: ['pr'] }]);
  });

  test('the PR number also comes from the ref when the payload lacks it', () => {
    expect(tagContext({ env: { GITHUB_REF: 'refs/pull/77/merge' }, payload: {} }).pr).toBe('77');
  });

  test('duplicates are dropped and the first tag stays first', () => {
    expect(renderTags(['{{branch}}', 'master', '{{sha}}'], tagContext(runs.push)).tags).toEqual([
      'master',
      '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    ]);
  });
});

describe('branch names become valid tags', () => {
  test.each([
    ['main', 'main'],
    ['feature/login-page', 'feature-login-page'],
    ['Feature/Log in page', 'Feature-Log-in-page'],
    ['dependabot/npm_and_yarn/koa-3.0.1', 'dependabot-npm_and_yarn-koa-3.0.1'],
    ['-leading.dash', 'leading.dash'],
    ['.hidden', 'hidden'],
    ['fix/üñíçødé', 'fix-d'],
    ['release/1.x', 'release-1.x'],
    ['a'.repeat(200), 'a'.repeat(128)],
    ['trailing/', 'trailing'],
  ])('%s -> %s', (branch, tag) => {
    expect(sanitizeTag(branch)).toBe(tag);
    expect(tagContext({ env: { GITHUB_REF: `refs/heads/${branch}` }, payload: {} }).branch).toBe(tag);
  });
});

describe('template errors', () => {
  const context = tagContext(runs.push);
  test.each([
    [['{{commit}}'], "unknown placeholder '{{commit}}'"],
    [['has space'], "renders 'has space' to 'has space', which is not a valid tag"],
    [['-{{sha}}'], 'which is not a valid tag'],
    [[`x${'y'.repeat(130)}`], 'a tag of 131 characters; a tag has at most 128'],
  ])('%j: %s', (templates, message) => {
    expect(() => renderTags(templates, context)).toThrow(TagTemplateError);
    expect(() => renderTags(templates, context)).toThrow(message);
  });

  test('128 characters is still a tag', () => {
    expect(renderTags([`{{sha}}-${'x'.repeat(87)}`], context).tags[0]).toHaveLength(128);
  });
});
