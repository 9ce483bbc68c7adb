import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { InputError } from '@shipyard/shared/errors';
import { getInputs } from '../src/inputs.js';

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const workspace = mkdtempSync(join(tmpdir(), 'pr-comment-inputs-'));
writeFileSync(join(workspace, 'comment.md'), 'Shipped {{pr_number}}');
writeFileSync(join(workspace, 'report.md'), '### Smoke test passed');
writeFileSync(join(workspace, 'bad.md'), 'Shipped {{number}}');
// RUNNER_TEMP, where an earlier step (smoke-test) writes its report for a later one, and links that
// stay inside the allowed folders.
const runnerTemp = mkdtempSync(join(tmpdir(), 'pr-comment-inputs-temp-'));
writeFileSync(join(runnerTemp, 'smoke.md'), '### From RUNNER_TEMP');
mkdirSync(join(workspace, 'reports'));
symlinkSync(join(workspace, 'report.md'), join(workspace, 'reports', 'latest.md'));
symlinkSync(join(runnerTemp, 'smoke.md'), join(workspace, 'temp-link.md'));
afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(runnerTemp, { recursive: true, force: true });
});

const env = (inputs: Record<string, string>, extra: Record<string, string> = {}) => ({
  GITHUB_SHA: SHA,
  GITHUB_WORKSPACE: workspace,
  INPUT_TOKEN: 'ghs_x',
  ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  ...extra,
});

describe('getInputs', () => {
  test('defaults', () => {
    expect(getInputs(env({}))).toEqual({
      token: 'ghs_x',
      sha: SHA,
      status: 'success',
      environment: 'production',
      environmentUrl: undefined,
      image: undefined,
      taskDefinitionArn: undefined,
      smokeReport: undefined,
      mode: 'upsert',
      template: undefined,
      mentionAuthor: true,
      sinceLastDeployment: false,
      prNumbers: [],
      createDeployment: false,
      slackWebhookUrl: undefined,
      slackUserMap: new Map(),
      failOnNotifyError: false,
      // The workflow run, read once with the inputs (the event payload too).
      run: expect.objectContaining({ sha: SHA, eventName: '', payload: {} }),
    });
  });

  test.each([
    [{ 'pr-number': '#12, 15\n12' }, { prNumbers: [12, 15] }],
    [{ template: 'comment.md' }, { template: 'Shipped {{pr_number}}' }],
    [{ template: 'Inline {{status}}' }, { template: 'Inline {{status}}' }],
    [{ 'smoke-report': 'report.md' }, { smokeReport: '### Smoke test passed' }],
    [{ 'smoke-report': '### inline\n| a |' }, { smokeReport: '### inline\n| a |' }],
    [
      { 'slack-user-map': 'Octocat=U024BE7LH\nhubot=W0G9QF9C6' },
      {
        slackUserMap: new Map([
          ['octocat', 'U024BE7LH'],
          ['hubot', 'W0G9QF9C6'],
        ]),
      },
    ],
    [
      { 'task-definition-arn': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7' },
      { taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7' },
    ],
    [{ 'environment-url': 'https://app.example.com' }, { environmentUrl: 'https://app.example.com/' }],
    [{ sha: SHA.toUpperCase() }, { sha: SHA }],
    [{ 'smoke-report': join(runnerTemp, 'smoke.md') }, { smokeReport: '### From RUNNER_TEMP' }],
    [{ 'smoke-report': 'reports/latest.md' }, { smokeReport: '### Smoke test passed' }],
    [{ 'smoke-report': 'temp-link.md' }, { smokeReport: '### From RUNNER_TEMP' }],
    [{ environment: 'é'.repeat(255) }, { environment: 'é'.repeat(255) }],
    [{ image: `app@sha256:${'a'.repeat(64)}` }, { image: `app@sha256:${'a'.repeat(64)}` }],
    [
      { 'slack-webhook-url': 'https://hooks.slack.com/services/T0/B0/x' },
      { slackWebhookUrl: 'https://hooks.slack.com/services/T0/B0/x' },
    ],
    [{ 'slack-webhook-url': 'http://127.0.0.1:4567/slack/x' }, { slackWebhookUrl: 'http://127.0.0.1:4567/slack/x' }],
    [
      { token: 'v1.0123456789abcdef0123456789abcdef01234567' },
      { token: 'v1.0123456789abcdef0123456789abcdef01234567' },
    ],
  ])('%j', (inputs, expected) => {
    expect(getInputs(env(inputs, { RUNNER_TEMP: runnerTemp }))).toMatchObject(expected);
  });

  test.each([
    ['a report in RUNNER_TEMP without RUNNER_TEMP set', { 'smoke-report': join(runnerTemp, 'smoke.md') }],
    ['a link out of the workspace when RUNNER_TEMP is not set', { 'smoke-report': 'temp-link.md' }],
  ])('%s is refused, naming the allowed folders', (_, inputs) => {
    expect(() => getInputs(env(inputs))).toThrow(
      "Input 'smoke-report' names a path outside the folders a step may read from",
    );
  });

  test('a merged pull_request event defaults sha to its merge commit', () => {
    const event = join(workspace, 'event.json');
    const merge = 'a'.repeat(40);
    writeFileSync(event, JSON.stringify({ pull_request: { merged: true, merge_commit_sha: merge } }));
    expect(getInputs(env({}, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event })).sha).toBe(merge);
  });

  test.each([
    [{ token: '' }, "Input 'token' is required"],
    [{ status: 'ok' }, "Input 'status' must be one of 'success', 'failure'"],
    [{ mode: 'always' }, "Input 'mode' must be one of"],
    [{ sha: 'main' }, "Input 'sha' must be a full commit SHA"],
    [{ environment: 'x'.repeat(256) }, "Input 'environment' is 256 characters long; GitHub allows at most 255"],
    [{ 'environment-url': 'app.example.com' }, "Input 'environment-url' is not a valid URL"],
    [{ image: 'repo tag' }, "Input 'image' must be one image reference"],
    [{ 'task-definition-arn': 'web' }, "Input 'task-definition-arn' is not a task definition revision"],
    [{ template: 'missing.md' }, "Input 'template' names a file that cannot be read"],
    [{ template: 'bad.md' }, "Input 'template' has unknown placeholders {{number}}"],
    [{ template: '   ' }, undefined],
    [{ 'smoke-report': 'missing.md' }, "Input 'smoke-report' names a file that cannot be read"],
    [{ 'pr-number': '0' }, "Input 'pr-number' must be pull request numbers, got '0'"],
    [{ environment: 'production\u202e' }, "Input 'environment' has U+202E RIGHT-TO-LEFT OVERRIDE at character 11"],
    [{ environment: 'prod\nstaging' }, "Input 'environment' has U+000A LINE FEED at character 5"],
    [
      { token: 'ghs_abc def' },
      "Input 'token' has a character a token cannot hold at character 8 (the value is not shown)",
    ],
    [{ 'environment-url': 'https://deploy@app.example.com' }, "Input 'environment-url' holds a user name or password"],
    [{ 'pr-number': '12', 'since-last-deployment': 'true' }, "Input 'pr-number' cannot be combined"],
    [{ 'mention-author': 'yes' }, "Input 'mention-author' must be true or false"],
    [{ 'slack-webhook-url': 'ftp://hooks.example.com/x' }, "Input 'slack-webhook-url' must be an https URL"],
    [{ 'slack-user-map': 'not a login=U024BE7LH' }, "Input 'slack-user-map' has an invalid key on line 1"],
    [{ 'slack-user-map': 'octocat' }, "Input 'slack-user-map' has a line that is not KEY=value"],
    [
      { 'slack-user-map': 'octocat=@octocat' },
      "Input 'slack-user-map' maps 'octocat' on line 1 to something that is not a Slack member ID",
    ],
  ])('%j fails', (inputs, message) => {
    const read = () => getInputs(env(inputs));
    if (message === undefined) {
      expect(read()).toMatchObject({ template: undefined });
      return;
    }
    expect(read).toThrow(InputError);
    expect(read).toThrow(message);
  });

  test('a bad Slack URL is described without echoing it', () => {
    const read = () => getInputs(env({ 'slack-webhook-url': 'hooks.slack.com/services/T1/B2/s3cr3t' }));
    expect(read).toThrow("Input 'slack-webhook-url' is not a valid URL");
    expect(read).not.toThrow(/s3cr3t/);
  });

  test('without GITHUB_SHA and sha, sha is required', () => {
    expect(() => getInputs({ INPUT_TOKEN: 'x' })).toThrow("Input 'sha' is required");
  });
});
