import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { readRunContext, runUrl } from '../src/context.js';

const dir = mkdtempSync(join(tmpdir(), 'shared-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runner = {
  GITHUB_SHA: '3f786850e387550fdab836ed7e6dc881de23001b',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REPOSITORY: 'octo/app',
  GITHUB_RUN_ID: '42',
  GITHUB_RUN_NUMBER: '7',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_SERVER_URL: 'https://github.example.com/',
  GITHUB_API_URL: 'https://github.example.com/api/v3/',
  GITHUB_WORKFLOW: 'production',
  GITHUB_ACTOR: 'octocat',
};

describe('readRunContext', () => {
  test('reads what the runner sets, without trailing slashes on the URLs', () => {
    expect(readRunContext(runner)).toEqual({
      sha: runner.GITHUB_SHA,
      ref: 'refs/heads/main',
      eventName: 'push',
      repository: { owner: 'octo', repo: 'app', fullName: 'octo/app' },
      runId: '42',
      runNumber: '7',
      runAttempt: '2',
      serverUrl: 'https://github.example.com',
      apiUrl: 'https://github.example.com/api/v3',
      workflow: 'production',
      actor: 'octocat',
      payload: {},
    });
  });

  test('outside a runner: empty values, github.com, the first attempt', () => {
    expect(readRunContext({})).toMatchObject({
      sha: '',
      repository: { owner: '', repo: '', fullName: '' },
      runAttempt: '1',
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      payload: {},
    });
  });

  test.each([
    ['a payload', '{"pull_request": {"number": 12}}', { pull_request: { number: 12 } }],
    ['a file that is not JSON', 'not json', {}],
  ])('the event file: %s', (_, text, payload) => {
    const path = join(dir, 'event.json');
    writeFileSync(path, text);
    expect(readRunContext({ GITHUB_EVENT_PATH: path }).payload).toEqual(payload);
  });

  test('an event file that is not there reads as no payload', () => {
    expect(readRunContext({ GITHUB_EVENT_PATH: join(dir, 'missing.json') }).payload).toEqual({});
  });
});

describe('runUrl', () => {
  test.each([
    ['a run', runner, 'https://github.example.com/octo/app/actions/runs/42'],
    ['no run id', { ...runner, GITHUB_RUN_ID: '' }, ''],
    ['no repository', { ...runner, GITHUB_REPOSITORY: '' }, ''],
  ])('%s', (_, env, url) => {
    expect(runUrl(readRunContext(env))).toBe(url);
  });
});
