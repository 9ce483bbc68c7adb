import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { isPost, markPostStep, readPostState, STATE } from '../src/state.js';

const dir = mkdtempSync(join(tmpdir(), 'build-push-ecr-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the state main leaves for post', () => {
  test('markPostStep appends isPost=true to the file GITHUB_STATE names', () => {
    const file = join(dir, 'state');
    writeFileSync(file, 'other=1\n');
    markPostStep({ GITHUB_STATE: file });
    expect(readFileSync(file, 'utf8')).toBe(`other=1\n${STATE.isPost}=true\n`);
  });

  test('without GITHUB_STATE (outside a runner) there is nothing to write, and no error', () => {
    expect(() => markPostStep({})).not.toThrow();
  });

  test.each([
    [{ STATE_isPost: 'true' }, true],
    [{ STATE_isPost: 'false' }, false],
    [{}, false],
  ])('isPost(%j) is %s', (env, post) => {
    expect(isPost(env)).toBe(post);
  });

  test.each([
    [
      { 'STATE_logged-in-to': '123456789012.dkr.ecr.eu-west-1.amazonaws.com' },
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    ],
    [{ 'STATE_logged-in-to': '' }, undefined],
    [{}, undefined],
  ])('readPostState(%j) says main logged in to %s', (env, registry) => {
    expect(readPostState(env)).toEqual({ loggedInTo: registry });
  });
});
