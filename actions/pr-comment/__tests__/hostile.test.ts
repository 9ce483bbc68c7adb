import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { temporaryFolder } from '@shipyard/harness/temp';
import { FAKE } from './fixtures/credentials.js';
import { prCommentSuite, REPOSITORY } from './fixtures/run.js';

/**
 * Inputs written to break pr-comment, each run through the bundle against the GitHub emulator and
 * its Slack receiver. Every one must fail the same way: exit code 1, exactly one `::error::` line
 * that names the input, the value never echoed whole (and a secret not at all), and not a single
 * request reaching GitHub or Slack.
 */

let workspace: string;
let outside: string;
const SECRET_CONTENT = 'OUTSIDE-THE-WORKSPACE-5f2b9c';

beforeAll(async () => {
  workspace = temporaryFolder('pr-comment-hostile-ws-');
  outside = temporaryFolder('pr-comment-hostile-out-');
  writeFileSync(join(outside, 'secret.md'), SECRET_CONTENT);
  writeFileSync(join(outside, 'template.txt'), `${SECRET_CONTENT} {{status}}`);
  symlinkSync(join(outside, 'secret.md'), join(workspace, 'linked.md'));
  symlinkSync(join(outside, 'template.txt'), join(workspace, 'linked.txt'));
  symlinkSync(outside, join(workspace, 'linked-folder'));
  writeFileSync(join(workspace, 'nul.md'), `### Report\n${SECRET_CONTENT}\u0000`);
  writeFileSync(join(workspace, 'bidi.md'), `### Report\n${SECRET_CONTENT} \u202E evil`);
  writeFileSync(join(workspace, 'escape.txt'), `{{status}} \u001b[2J ${SECRET_CONTENT}`);
  writeFileSync(join(workspace, 'huge.md'), `${SECRET_CONTENT}\n${'x'.repeat(1024 * 1024)}`);
  writeFileSync(join(workspace, 'huge.txt'), `${SECRET_CONTENT} {{status}} ${'y'.repeat(70_000)}`);
  mkdirSync(join(workspace, 'folder.md'));
});
const { github, prComment } = prCommentSuite({ checkProblems: false });
const long = (seed: string, length = 120) => seed.repeat(Math.ceil(length / seed.length)).slice(0, length);
const WEBHOOK_SECRET = 'Zq8wWebhookSecretPart3x';
const webhook = (prefix: string) => `${prefix}/services/T0000/B0000/${WEBHOOK_SECRET}`;

interface Case {
  input: string;
  value: string;
  /** What must appear nowhere in the output (the secret part); the value itself by default. */
  hidden?: string;
  /** Other inputs the case needs. */
  with?: Record<string, string>;
}

const cases: [string, Case][] = [
  // token: malformed tokens are still secrets, described by position only
  [
    'token with a line feed inside',
    { input: 'token', value: `${FAKE.ghp}\nX-Injected: 1`, hidden: FAKE.ghp.slice(4, 20) },
  ],
  [
    // Environment variables cannot hold NUL (neither can the runner's), so C0 controls stand in.
    'token with a start-of-heading control',
    { input: 'token', value: `${FAKE.ghs.slice(0, 20)}\u0001${FAKE.ghs.slice(20)}`, hidden: FAKE.ghs.slice(4, 18) },
  ],
  ['token with an escape sequence', { input: 'token', value: `${FAKE.ghp}\u001b[2J`, hidden: FAKE.ghp.slice(4, 20) }],
  [
    'token with a right-to-left override',
    { input: 'token', value: `${FAKE.gho}\u202E`, hidden: FAKE.gho.slice(4, 20) },
  ],
  [
    'token with a space inside',
    { input: 'token', value: `${FAKE.ghp.slice(0, 20)} ${FAKE.ghp.slice(20)}`, hidden: FAKE.ghp.slice(4, 18) },
  ],
  ['token with DEL', { input: 'token', value: `${FAKE.ghu}\u007f`, hidden: FAKE.ghu.slice(4, 20) }],
  ['token of 3,000 characters', { input: 'token', value: long('ghp_A1b2C3', 3000), hidden: 'ghp_A1b2C3ghp_' }],
  ['token with a non-ASCII letter', { input: 'token', value: `${FAKE.ghp}é`, hidden: FAKE.ghp.slice(4, 20) }],
  ['token with a lone carriage return', { input: 'token', value: `${FAKE.ghp}\rmore`, hidden: FAKE.ghp.slice(4, 20) }],
  // slack-webhook-url: a secret from its first character
  [
    'webhook without a scheme',
    { input: 'slack-webhook-url', value: webhook('hooks.slack.com'), hidden: WEBHOOK_SECRET },
  ],
  [
    'webhook with a line feed',
    { input: 'slack-webhook-url', value: `${webhook('https://hooks.slack.com')}\nx`, hidden: WEBHOOK_SECRET },
  ],
  ['webhook over ftp', { input: 'slack-webhook-url', value: webhook('ftp://hooks.slack.com'), hidden: WEBHOOK_SECRET }],
  [
    'webhook over plain http to a remote host',
    { input: 'slack-webhook-url', value: webhook('http://hooks.slack.com'), hidden: WEBHOOK_SECRET },
  ],
  [
    'webhook with a user and password',
    { input: 'slack-webhook-url', value: webhook('https://me:pw@hooks.slack.com'), hidden: WEBHOOK_SECRET },
  ],
  [
    'webhook with a bell character',
    { input: 'slack-webhook-url', value: `${webhook('https://hooks.slack.com')}\u0007`, hidden: WEBHOOK_SECRET },
  ],
  [
    'webhook of 3,000 characters',
    {
      input: 'slack-webhook-url',
      value: `${webhook('https://hooks.slack.com')}${'a'.repeat(3000)}`,
      hidden: WEBHOOK_SECRET,
    },
  ],
  [
    'webhook with a javascript: scheme',
    { input: 'slack-webhook-url', value: `javascript:${WEBHOOK_SECRET}`, hidden: WEBHOOK_SECRET },
  ],
  // environment: control characters and GitHub's limits
  [
    'environment with CR LF and a workflow command',
    { input: 'environment', value: `prod\r\n::error::${long('injected')}` },
  ],
  ['environment with a backspace', { input: 'environment', value: `prod\u0008${long('x')}` }],
  ['environment with a right-to-left override', { input: 'environment', value: `\u202Enoitcudorp${long('x')}` }],
  ['environment of 300 characters', { input: 'environment', value: long('production-', 300) }],
  [
    'environment holding a GitHub token',
    { input: 'environment', value: `prod-${FAKE.ghp}`, hidden: FAKE.ghp.slice(4, 20) },
  ],
  ['environment with a line separator', { input: 'environment', value: `prod\u2028${long('x')}` }],
  // environment-url
  [
    'environment URL with a password',
    {
      input: 'environment-url',
      value: `https://deploy:hunter2hunter2@app.example.com/${long('p')}`,
      hidden: 'hunter2hunter2',
    },
  ],
  [
    'environment URL with a javascript: scheme',
    { input: 'environment-url', value: `javascript:alert(1)//${long('x')}` },
  ],
  ['environment URL that is no URL', { input: 'environment-url', value: long('not a url ') }],
  [
    'environment URL carrying a token',
    { input: 'environment-url', value: `https://app.example.com/?token=${FAKE.ghp}`, hidden: FAKE.ghp.slice(4, 20) },
  ],
  // image
  ['image with spaces', { input: 'image', value: long('app:1 --privileged ') }],
  ['image of 600 characters', { input: 'image', value: long('registry.example.com/app/', 600) }],
  ['image holding an AWS access key', { input: 'image', value: `app:${FAKE.awsKeyId}`, hidden: FAKE.awsKeyId }],
  ['image with a line feed', { input: 'image', value: `app:1\n${long('x')}` }],
  // task-definition-arn
  ['task definition that is not one', { input: 'task-definition-arn', value: long('arn:aws:s3:::bucket/') }],
  ['task definition with an escape', { input: 'task-definition-arn', value: `web:1\u001b]8;;${long('x')}` }],
  // sha
  ['sha that is no SHA', { input: 'sha', value: long('not-a-sha-') }],
  ['sha of 100 letters', { input: 'sha', value: long('zz', 100) }],
  ['sha holding a token', { input: 'sha', value: FAKE.githubPat, hidden: FAKE.githubPat.slice(11, 30) }],
  // smoke-report: files only from the workspace or RUNNER_TEMP, within limits
  ['smoke report path climbing out', { input: 'smoke-report', value: '', hidden: SECRET_CONTENT }],
  ['smoke report absolute path outside', { input: 'smoke-report', value: '', hidden: SECRET_CONTENT }],
  ['smoke report through a symbolic link', { input: 'smoke-report', value: 'linked.md', hidden: SECRET_CONTENT }],
  [
    'smoke report through a linked folder',
    { input: 'smoke-report', value: 'linked-folder/secret.md', hidden: SECRET_CONTENT },
  ],
  ['smoke report file with a NUL', { input: 'smoke-report', value: 'nul.md', hidden: SECRET_CONTENT }],
  ['smoke report file with a bidi override', { input: 'smoke-report', value: 'bidi.md', hidden: SECRET_CONTENT }],
  ['smoke report file over 1 MiB', { input: 'smoke-report', value: 'huge.md', hidden: SECRET_CONTENT }],
  ['smoke report naming a folder', { input: 'smoke-report', value: 'folder.md', hidden: SECRET_CONTENT }],
  ['smoke report inline with a bidi override', { input: 'smoke-report', value: `### ok\n\u202E${long('x')}` }],
  // template
  ['template path climbing out', { input: 'template', value: '', hidden: SECRET_CONTENT }],
  ['template through a symbolic link', { input: 'template', value: 'linked.txt', hidden: SECRET_CONTENT }],
  ['template with a long unknown placeholder', { input: 'template', value: `{{${long('x', 300)}}}` }],
  ['template file over the comment limit', { input: 'template', value: 'huge.txt', hidden: SECRET_CONTENT }],
  ['template file with an escape sequence', { input: 'template', value: 'escape.txt', hidden: SECRET_CONTENT }],
  ['template inline with a vertical tab', { input: 'template', value: `{{status}}\u000b${long('x')}` }],
  // pr-number
  ['pull request numbers that are not', { input: 'pr-number', value: `1, 2, ${long('drop table ')}` }],
  [
    'pull request numbers with since-last-deployment',
    { input: 'pr-number', value: '12, 15', with: { 'since-last-deployment': 'true' } },
  ],
  // slack-user-map
  [
    'user map with a Slack token as a member',
    { input: 'slack-user-map', value: `octocat=${FAKE.xoxb}`, hidden: FAKE.xoxb.slice(5, 25) },
  ],
  ['user map with a value that is no member ID', { input: 'slack-user-map', value: `octocat=${long('notamember')}` }],
  [
    'user map with a secret line that is not KEY=value',
    { input: 'slack-user-map', value: `octocat=U024BE7LH\n${long('c2VjcmV0')}` },
  ],
  // enums and booleans
  ['mode that is none', { input: 'mode', value: long('sometimes-') }],
  ['status that is none', { input: 'status', value: long('cancelled-') }],
  ['create-deployment that is not a boolean', { input: 'create-deployment', value: long('yes-please-') }],
  [
    'since-last-deployment holding a token',
    { input: 'since-last-deployment', value: FAKE.ghp, hidden: FAKE.ghp.slice(4, 20) },
  ],
];

/** Paths that depend on the folders made in beforeAll. */
function valueOf(name: string, given: Case): string {
  if (name === 'smoke report path climbing out') return relative(workspace, join(outside, 'secret.md'));
  if (name === 'smoke report absolute path outside') return join(outside, 'secret.md');
  if (name === 'template path climbing out') return relative(workspace, join(outside, 'template.txt'));
  return given.value;
}

const tried: string[] = [];
const clean: string[] = [];

describe('hostile inputs', () => {
  test('there are at least 40 of them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases)('%s', async (name, given) => {
    tried.push(name);
    const value = valueOf(name, given);
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const run = await prComment(
      {
        'pr-number': given.input === 'pr-number' ? undefined : pull.number,
        'slack-webhook-url': github().slackWebhookUrl,
        'create-deployment': 'true',
        ...given.with,
        [given.input]: value,
      },
      { workspace, env: { GITHUB_SHA: pull.mergeCommitSha as string } },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.exitCode).toBe(1);
    expect(run.stdout.split('\n').filter((line) => line.startsWith('::error'))).toHaveLength(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(`Input '${given.input}'`);
    expect(output).not.toContain(value);
    expect(output).not.toContain(given.hidden ?? value);
    expect(github().calls()).toEqual([]);
    expect(github().writes()).toEqual([]);
    clean.push(name);
  });

  afterAll(() => {
    process.stdout.write(`pr-comment hostile inputs: ${tried.length} tried, ${clean.length} clean\n`);
  });
});
