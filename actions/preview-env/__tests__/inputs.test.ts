import { describe, expect, test } from '@jest/globals';
import { inputEnv } from '@shipyard/harness/inputs';
import { getInputs } from '../src/inputs.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/staging/0123456789abcdef/0123456789abcdef';
const base = inputEnv(
  {
    service: 'web',
    'pr-number': 7,
    image: 'repo/web:pr-7',
    'listener-arn': LISTENER,
    'preview-domain': 'Preview.Example.com',
  },
  { AWS_REGION: 'us-east-1', GITHUB_REPOSITORY: 'octo-org/shipyard-demo', GITHUB_SHA: 'a'.repeat(40) },
);

describe('getInputs', () => {
  test('defaults', () => {
    expect(getInputs(base)).toMatchObject({
      command: 'up',
      cluster: 'default',
      pr: 7,
      previewDomain: 'preview.example.com',
      urlScheme: 'https',
      maxPreviews: 10,
      desiredCount: 1,
      priorities: { from: 40000, to: 49999 },
      smokeOutcome: 'pending',
      sha: 'a'.repeat(40),
    });
  });

  test.each<[string, Record<string, string>, RegExp]>([
    ['no repository', { GITHUB_REPOSITORY: '' }, /GITHUB_REPOSITORY/],
    ['no region', { AWS_REGION: '' }, /No AWS region/],
    ['a cluster with a slash', inputEnv({ cluster: 'a/b' }), /'cluster' is not an ECS cluster name or ARN/],
    [
      'a cluster ARN in another account',
      inputEnv({ cluster: 'arn:aws:ecs:us-east-1:999999999999:cluster/x' }, { AWS_ACCOUNT_ID: '123456789012' }),
      /'cluster' names the account 999999999999/,
    ],
    ['priorities reversed', inputEnv({ 'rule-priorities': '500-100' }), /'rule-priorities' is not a range/],
    [
      'a domain past 110 characters (no room for pr-<N>. within 128)',
      inputEnv({ 'preview-domain': `${'a'.repeat(60)}.${'b'.repeat(49)}.com` }),
      /'preview-domain' is not a DNS domain/,
    ],
    ['an unknown smoke outcome', inputEnv({ 'smoke-outcome': 'green' }), /'smoke-outcome' must be one of/],
  ])('%s', (_what, change, message) => {
    expect(() => getInputs({ ...base, ...change })).toThrow(message);
  });

  test('report needs no AWS region', () => {
    expect(getInputs({ ...base, ...inputEnv({ command: 'report', token: 't' }, { AWS_REGION: '' }) }).command).toBe(
      'report',
    );
  });
});
