import { describe, expect, test } from '@jest/globals';
import { renderMarkdown } from '../engine/output.js';

describe('a step summary for a terminal', () => {
  test.each([
    ['## Staging: pull request #1', 'Staging: pull request #1\n========================'],
    ['### Rollout', 'Rollout\n-------'],
    ['| | |\n| --- | --- |\n| result | **failure** |\n| commit | `abc` |', 'result  failure\ncommit  abc'],
    ['| check | p95 |\n|:--|--:|\n| /health | 12 ms |', 'check    p95\n/health  12 ms'],
    ['See [the docs](https://example.com/x).', 'See the docs <https://example.com/x>.'],
    ['<details><summary>Log</summary>\n\n```\nline\n```\n</details>', 'Log\n\nline'],
    ['<!-- shipyard:pr-comment environment=production -->\n## Deployed', 'Deployed\n========'],
  ])('%j', (markdown, text) => {
    expect(renderMarkdown(markdown)).toBe(text);
  });
});
