import { describe, expect, test } from '@jest/globals';
import { commentBody, REDACTION_NOTE } from '../src/body.js';
import { findCredential, redactCredentials } from '../src/credentials.js';
import { Outgoing } from '../src/outgoing.js';
import { FAKE } from './fixtures/credentials.js';

describe('redactCredentials removes every recognisable credential', () => {
  test.each([
    ['a classic personal access token', `token=${FAKE.ghp}`, 'token=***', 'GitHub token'],
    ['an OAuth token', `x ${FAKE.gho} y`, 'x *** y', 'GitHub token'],
    ['a user-to-server token', `"${FAKE.ghu}"`, '"***"', 'GitHub token'],
    [
      'an installation token',
      `git clone https://x:${FAKE.ghs}@github.com/o/r`,
      'git clone https://***@github.com/o/r',
      'password in a URL',
    ],
    ['a refresh token', FAKE.ghr, '***', 'GitHub token'],
    ['a fine-grained token', `GH=${FAKE.githubPat}`, 'GH=***', 'GitHub token'],
    ['an old 40-hex token after `token`', `-H 'x: token ${FAKE.hex40}'`, "-H 'x: token ***'", 'GitHub token'],
    ['an Authorization header line', `Authorization: token ${FAKE.hex40}`, 'Authorization: token ***', 'GitHub token'],
    [
      'an Authorization header in JSON',
      `{"authorization":"Bearer ${FAKE.jwt}"}`,
      '{"authorization":"Bearer ***"}',
      'authorization header value',
    ],
    [
      'a Proxy-Authorization header',
      'Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==',
      'Proxy-Authorization: Basic ***',
      'authorization header value',
    ],
    ['a bearer token in a curl command', `curl -H "X: Bearer ${FAKE.jwt}"`, 'curl -H "X: Bearer ***"', 'bearer token'],
    [
      'a basic value that decodes to user:password',
      'auth Basic dXNlcjpwYXNzd29yZA==',
      'auth Basic ***',
      'basic authorization value',
    ],
    ['an AWS access key ID', `key ${FAKE.awsKeyId}.`, 'key ***.', 'AWS access key ID'],
    ['a temporary AWS access key ID', FAKE.awsTempKeyId, '***', 'AWS access key ID'],
    ['an AWS secret key beside its ID', `${FAKE.awsKeyId} ${FAKE.awsSecret}`, '*** ***', 'AWS secret access key'],
    [
      'an AWS secret key named as one',
      `aws_secret_access_key = ${FAKE.awsSecret}`,
      'aws_secret_access_key = ***',
      'AWS secret access key',
    ],
    ['a Slack webhook URL', `see ${FAKE.slackWebhook} now`, 'see *** now', 'Slack webhook URL'],
    ['a URL-encoded Slack webhook URL', `u=${encodeURIComponent(FAKE.slackWebhook)}`, 'u=***', 'Slack webhook URL'],
    ['a Slack bot token', `SLACK=${FAKE.xoxb}`, 'SLACK=***', 'Slack token'],
    ['a Slack user token', FAKE.xoxp, '***', 'Slack token'],
    ['a private key', `key:\n${FAKE.privateKey}\nafter`, 'key:\n***\nafter', 'private key'],
    [
      'a private key cut off before its end',
      `${FAKE.privateKey.split('\n').slice(0, 2).join('\n')}`,
      '***',
      'private key',
    ],
    [
      'a password in a URL',
      'GET https://deploy:hunter2hunter2@registry.example.com/v2/',
      'GET https://***@registry.example.com/v2/',
      'password in a URL',
    ],
  ])('%s', (_, text, expected, kind) => {
    const { text: out, kinds } = redactCredentials(text);
    expect(out).toBe(expected);
    expect(kinds).toContain(kind);
  });

  test.each([
    ['a commit SHA', `commit ${FAKE.hex40}`],
    ['a commit URL', `https://github.com/o/r/commit/${FAKE.hex40}`],
    ['an image by digest', `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:${'9f'.repeat(32)}`],
    ['prose about bearer authentication', 'The API uses Bearer authentication and Basic authentication.'],
    ['a URL without credentials', 'https://app.example.com/health?x=1'],
    ['a markdown table', '| GET /health | ✅ 200 in 12 ms |'],
    ['an AWS role ID (not a key)', 'AROAEXAMPLEROLEID1234'],
    ['a 40-character run far from any key', `${'x'.repeat(10)} ${'Ab1/'.repeat(10)}`],
    ['the word token in prose', 'The token needs the pull-requests: write permission'],
  ])('leaves %s alone', (_, text) => {
    expect(redactCredentials(text)).toEqual({ text, kinds: [] });
  });

  test('an unterminated private key and many BEGIN lines are redacted in linear time (no timing assertion: it returns)', () => {
    const hostile = '-----BEGIN RSA PRIVATE KEY-----\n'.repeat(2000) + 'A'.repeat(100_000);
    expect(redactCredentials(hostile).text).toBe('***');
  });

  test('findCredential names the first kind', () => {
    expect(findCredential(`prod-${FAKE.ghp}`)).toBe('GitHub token');
    expect(findCredential('production')).toBeUndefined();
  });
});

describe('the comment says that something was redacted', () => {
  const facts = {
    status: 'success' as const,
    environment: 'production',
    runUrl: 'https://github.com/o/r/actions/runs/1',
    runNumber: '1',
    sha: 'a'.repeat(40),
    repository: 'o/r',
    serverUrl: 'https://github.com',
    pull: { number: 1, title: 't', url: 'https://github.com/o/r/pull/1', author: 'octocat' },
    mentionAuthor: true,
  };
  const redact = (text: string) => new Outgoing([]).scan(text);

  test('a report with a credential: gone, and the note at the end', () => {
    const body = commentBody({ ...facts, smokeReport: `Authorization: Bearer ${FAKE.jwt}` }, undefined, { redact });
    expect(body).not.toContain(FAKE.jwt);
    expect(body.endsWith(REDACTION_NOTE)).toBe(true);
  });

  test('no credential, no note', () => {
    expect(commentBody({ ...facts, smokeReport: 'all fine' }, undefined, { redact })).not.toContain('[!CAUTION]');
  });

  test('a huge report with a credential at its end: within the limit, both notes, nothing half-cut left', () => {
    const report = `${'| GET /health | ✅ |\n'.repeat(5000)}${FAKE.ghp}`;
    // Tokens all around where the cut falls: a cut before redaction would leave half of one.
    const head = `${'x'.repeat(65_000)}${`${FAKE.ghp} `.repeat(60)}`;
    for (const smokeReport of [report, head]) {
      const body = commentBody({ ...facts, smokeReport }, undefined, { redact });
      expect(body.length).toBeLessThanOrEqual(65_536);
      expect(body).toContain("cut to GitHub's limit of 65,536 characters");
      expect(body).not.toContain('ghp_');
      expect(body.endsWith(REDACTION_NOTE)).toBe(true);
    }
  });
});
