import { describe, expect, test } from '@jest/globals';
import {
  AwsAccessError,
  classifyAwsError,
  CREDENTIAL_ERRORS,
  explainAwsError,
  isTransient,
  PERMISSION_ERRORS,
  THROTTLING_ERRORS,
} from '../src/aws-errors.js';
import { ActionFailure } from '../src/errors.js';

/** An error shaped as the AWS SDK v3 throws it (a ServiceException's own fields). */
function awsError(name: string, message = 'x', extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}

describe('classifyAwsError', () => {
  test.each([
    ['AccessDeniedException', 'permission'],
    ['AccessDenied', 'permission'],
    ['UnauthorizedOperation', 'permission'],
    ['UnrecognizedClientException', 'credentials'],
    ['InvalidSignatureException', 'credentials'],
    ['ExpiredTokenException', 'credentials'],
    ['ExpiredToken', 'credentials'],
    ['InvalidClientTokenId', 'credentials'],
    ['InvalidAccessKeyId', 'credentials'],
    ['SignatureDoesNotMatch', 'credentials'],
    ['AuthFailure', 'credentials'],
    ['MissingAuthenticationTokenException', 'credentials'],
    ['IncompleteSignatureException', 'credentials'],
    ['CredentialsProviderError', 'credentials'],
    ['ThrottlingException', 'transient'],
    ['Throttling', 'transient'],
    ['TooManyRequestsException', 'transient'],
    ['RequestLimitExceeded', 'transient'],
    ['ProvisionedThroughputExceededException', 'transient'],
    ['TimeoutError', 'transient'],
    ['RequestTimeout', 'transient'],
    ['RequestTimeoutException', 'transient'],
    ['PriorRequestNotComplete', 'transient'],
    ['ClientException', 'other'],
    ['RepositoryNotFoundException', 'other'],
    ['ServiceNotFoundException', 'other'],
  ])('%s is %s', (name, kind) => {
    expect(classifyAwsError(awsError(name))).toBe(kind);
  });

  test.each([
    ['a server fault', { $fault: 'server' }, 'transient'],
    ['an HTTP 503', { $metadata: { httpStatusCode: 503 } }, 'transient'],
    ['an HTTP 429', { $fault: 'client', $metadata: { httpStatusCode: 429 } }, 'transient'],
    ['a client fault with 400', { $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'other'],
    ['a reset connection', { code: 'ECONNRESET' }, 'transient'],
    ['a failed DNS lookup', { code: 'EAI_AGAIN' }, 'transient'],
    ['an unrelated code', { code: 'ENOENT' }, 'other'],
  ])('an unnamed error with %s is %s', (_, extra, kind) => {
    expect(classifyAwsError(awsError('Error', 'x', extra))).toBe(kind);
  });

  test.each([[undefined], [null], ['AccessDeniedException'], [42]])('%j is not an AWS error', (value) => {
    expect(classifyAwsError(value)).toBe('other');
    expect(isTransient(value)).toBe(false);
  });

  test('a name in more than one set would be ambiguous: the sets do not overlap', () => {
    const all = [...PERMISSION_ERRORS, ...CREDENTIAL_ERRORS, ...THROTTLING_ERRORS];
    expect(new Set(all).size).toBe(all.length);
  });

  test('isTransient is the transient class', () => {
    expect(isTransient(awsError('ThrottlingException'))).toBe(true);
    expect(isTransient(awsError('AccessDeniedException', 'x', { $metadata: { httpStatusCode: 400 } }))).toBe(false);
  });
});

describe('explainAwsError', () => {
  const notAuthorized = (action: string) =>
    `User: arn:aws:sts::123456789012:assumed-role/deployer/s is not authorized to perform: ${action} on resource: * because no identity-based policy allows the ${action} action`;

  test.each([
    ['ecs', 'UpdateService', 'AccessDeniedException'],
    ['ecr', 'CreateRepository', 'AccessDeniedException'],
    ['ecr', 'GetAuthorizationToken', 'AccessDenied'],
    ['ecs', 'DescribeServices', 'UnauthorizedOperation'],
  ])('a permission error on %s:%s (%s) names the IAM action to allow', (service, operation, name) => {
    const action = `${service}:${operation}`;
    const explained = explainAwsError(awsError(name, notAuthorized(action)), service, operation);
    expect(explained).toBeInstanceOf(AwsAccessError);
    expect(explained).toBeInstanceOf(ActionFailure);
    expect(explained).toMatchObject({ kind: 'permission', iamAction: action, awsErrorName: name });
    expect((explained as Error).message).toBe(
      `Permission denied for ${action}: ${notAuthorized(action)}. Allow ${action} in the IAM policy of the role the step's credentials belong to (the action's README lists every permission it needs)`,
    );
  });

  test('an explicit deny is not fixed by an Allow, and the message says so', () => {
    const message =
      'User: arn:aws:sts::123456789012:assumed-role/deployer/s is not authorized to perform: ecr:PutImage on resource: arn:aws:ecr:us-east-1:123456789012:repository/web with an explicit deny in a service control policy';
    const explained = explainAwsError(awsError('AccessDeniedException', message), 'ecr', 'PutImage') as Error;
    expect(explained.message).toBe(
      `Permission denied for ecr:PutImage: ${message}. An explicit deny refuses ecr:PutImage, so allowing it is not enough: the policy the message names must stop denying it`,
    );
  });

  test.each([
    ['iam:PassRole', 'RegisterTaskDefinition'],
    ['ecs:TagResource', 'RegisterTaskDefinition'],
  ])('the action IAM names in its message (%s) is the one to allow, not the operation %s', (refused, operation) => {
    const explained = explainAwsError(awsError('AccessDeniedException', notAuthorized(refused)), 'ecs', operation);
    expect(explained).toMatchObject({ kind: 'permission', iamAction: refused });
    expect((explained as Error).message).toMatch(
      new RegExp(`^Permission denied for ${refused}: .*\\. Allow ${refused} in`),
    );
  });

  test('no credentials found is not worded as AWS refusing them: no request reached AWS', () => {
    const explained = explainAwsError(
      awsError('CredentialsProviderError', 'Could not load credentials from any providers'),
      'ecs',
      'DescribeServices',
    ) as Error;
    expect(explained.message).toBe(
      'Found no AWS credentials for ecs:DescribeServices: Could not load credentials from any providers. Configure credentials in an earlier step (aws-actions/configure-aws-credentials with an OIDC role), or check that its session has not ended',
    );
  });

  test.each([...CREDENTIAL_ERRORS].filter((name) => name !== 'CredentialsProviderError').map((name) => [name]))(
    '%s says the credentials were refused and where to look',
    (name) => {
      const explained = explainAwsError(
        awsError(name, 'The security token included in the request is invalid.'),
        'ecr',
        'GetAuthorizationToken',
      );
      expect(explained).toMatchObject({
        kind: 'credentials',
        iamAction: 'ecr:GetAuthorizationToken',
        awsErrorName: name,
      });
      const expired = name.startsWith('ExpiredToken')
        ? ' (the session expired: ask for a longer one, or configure the credentials nearer this step)'
        : '';
      // The AWS message's own period is dropped, so the sentences do not run into "..".
      expect((explained as Error).message).toBe(
        `AWS refused the credentials (${name}) on ecr:GetAuthorizationToken: The security token included in the request is invalid. Check the step that configures AWS credentials${expired}`,
      );
    },
  );

  test.each([
    ['a service error the caller handles', awsError('RepositoryNotFoundException')],
    ['throttling', awsError('ThrottlingException')],
    ['a plain value', 'boom'],
  ])('%s passes through unchanged', (_, error) => {
    expect(explainAwsError(error, 'ecr', 'DescribeRepositories')).toBe(error);
  });

  test('only an explained error is an AwsAccessError: a raw one or a look-alike message is not', () => {
    expect(explainAwsError(awsError('AccessDeniedException'), 'ecs', 'UpdateService')).toBeInstanceOf(AwsAccessError);
    expect(explainAwsError(awsError('ExpiredTokenException'), 'ecs', 'UpdateService')).toBeInstanceOf(AwsAccessError);
    expect(awsError('AccessDeniedException')).not.toBeInstanceOf(AwsAccessError);
    expect(new ActionFailure('Permission denied for ecs:X')).not.toBeInstanceOf(AwsAccessError);
  });
});
