import { describe, expect, test } from '@jest/globals';
import {
  checkArn,
  ecsResource,
  taskDefinitionRevision,
  IAM_ROLE,
  parseArn,
  partitionOf,
  S3_OBJECT,
  SECRET_SOURCE,
  SECRETS_MANAGER_SECRET,
  type ArnContext,
} from '../src/arn.js';

describe('parseArn', () => {
  test.each([
    [
      'arn:aws:iam::123456789012:role/deploy',
      { partition: 'aws', service: 'iam', region: '', account: '123456789012', resource: 'role/deploy' },
    ],
    [
      'arn:aws-cn:ecs:cn-north-1:123456789012:service/prod/web',
      {
        partition: 'aws-cn',
        service: 'ecs',
        region: 'cn-north-1',
        account: '123456789012',
        resource: 'service/prod/web',
      },
    ],
    [
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::',
      {
        partition: 'aws',
        service: 'secretsmanager',
        region: 'us-east-1',
        account: '123456789012',
        resource: 'secret:db-AbCdEf:password::',
      },
    ],
    [
      'arn:aws:s3:::bucket/key.env',
      { partition: 'aws', service: 's3', region: '', account: '', resource: 'bucket/key.env' },
    ],
  ])('%s', (value, parts) => expect(parseArn(value)).toEqual(parts));

  test.each([
    ['not an ARN', 'my-role'],
    ['five parts', 'arn:aws:iam::123456789012'],
    ['an empty resource', 'arn:aws:iam::123456789012:'],
    ['a short account', 'arn:aws:iam::12345:role/x'],
    ['a region that is not one', 'arn:aws:ecs:US_EAST:123456789012:cluster/x'],
    ['an unknown partition shape', 'arn:amazon:iam::123456789012:role/x'],
    ['upper-case ARN prefix', 'ARN:aws:iam::123456789012:role/x'],
  ])('%s is not an ARN', (_, value) => expect(parseArn(value)).toBeUndefined());
});

describe('partitionOf', () => {
  test.each([
    ['us-east-1', 'aws'],
    ['eu-central-2', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
  ])('%s is in %s', (region, partition) => expect(partitionOf(region)).toBe(partition));
});

describe('checkArn', () => {
  const context = (account?: string): ArnContext => ({ region: 'us-east-1', account, accountSource: 'AWS_ACCOUNT_ID' });
  const cluster = ecsResource('cluster', /^cluster\/[\w-]{1,255}$/);

  test.each([
    ['a role', IAM_ROLE, 'arn:aws:iam::123456789012:role/service-role/deploy'],
    [
      'a Secrets Manager secret with a JSON key',
      SECRET_SOURCE,
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::',
    ],
    ['an SSM parameter with a path', SECRET_SOURCE, 'arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/password'],
    ['a registry secret', SECRETS_MANAGER_SECRET, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hub'],
    ['an S3 object', S3_OBJECT, 'arn:aws:s3:::my-bucket/app.env'],
    ['a cluster', cluster, 'arn:aws:ecs:us-east-1:123456789012:cluster/prod'],
  ])('accepts %s', (_, rule, value) => {
    expect(() => checkArn('x', value, rule, context('123456789012'))).not.toThrow();
  });

  test.each([
    ['not an ARN', IAM_ROLE, 'deploy', /^Input 'x' is not a valid ARN: 'deploy'/],
    [
      'an S3 object as a secret',
      SECRET_SOURCE,
      'arn:aws:s3:::bucket/secret.txt',
      /names a 's3' ARN, not a Secrets Manager secret or SSM parameter/,
    ],
    ['a KMS key as a secret', SECRET_SOURCE, 'arn:aws:kms:us-east-1:123456789012:key/abc', /names a 'kms' ARN/],
    [
      'an SSM document as a secret',
      SECRET_SOURCE,
      'arn:aws:ssm:us-east-1:123456789012:document/x',
      /is not a Secrets Manager secret or SSM parameter/,
    ],
    ['a user, not a role', IAM_ROLE, 'arn:aws:iam::123456789012:user/alice', /is not an IAM role/],
    [
      'a role with a region',
      IAM_ROLE,
      'arn:aws:iam:us-east-1:123456789012:role/x',
      /has a region \('us-east-1'\), which an IAM role ARN never has/,
    ],
    [
      'a secret in another region',
      SECRET_SOURCE,
      'arn:aws:ssm:eu-west-1:123456789012:parameter/db',
      /names the region 'eu-west-1', not the configured region us-east-1/,
    ],
    [
      'a role in another account',
      IAM_ROLE,
      'arn:aws:iam::210987654321:role/x',
      /names the account 210987654321, not 123456789012 \(from AWS_ACCOUNT_ID\)/,
    ],
    [
      'a China ARN in a commercial region',
      IAM_ROLE,
      'arn:aws-cn:iam::123456789012:role/x',
      /is in the partition 'aws-cn', but the region us-east-1 is in 'aws'/,
    ],
    [
      'a cluster in another region',
      cluster,
      'arn:aws:ecs:us-west-2:123456789012:cluster/prod',
      /names the region 'us-west-2'/,
    ],
    ['an S3 ARN with an account', S3_OBJECT, 'arn:aws:s3::123456789012:bucket/key', /has an account/],
  ])('refuses %s', (_, rule, value, message) => {
    expect(() => checkArn('x', value, rule, context('123456789012'))).toThrow(message);
  });

  test('without a known account, the first ARN sets it and the others must agree', () => {
    const shared = context(undefined);
    checkArn('task-role-arn', 'arn:aws:iam::111111111111:role/a', IAM_ROLE, shared);
    expect(() => checkArn('execution-role-arn', 'arn:aws:iam::222222222222:role/b', IAM_ROLE, shared)).toThrow(
      "Input 'execution-role-arn' names the account 222222222222, not 111111111111 (from task-role-arn)",
    );
  });

  test('a long value is quoted cut, never whole', () => {
    const value = `arn:aws:iam::123456789012:user/${'x'.repeat(500)}`;
    let message = '';
    try {
      checkArn('x', value, IAM_ROLE, context());
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/more characters not shown/);
    expect(message).not.toContain(value);
  });
});

describe('taskDefinitionRevision', () => {
  test.each([
    ['arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7', 'web:7'],
    ['web:7', 'web:7'],
  ])('taskDefinitionRevision(%s)', (arn, expected) => {
    expect(taskDefinitionRevision(arn)).toBe(expected);
  });
});
