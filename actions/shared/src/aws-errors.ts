import { ActionFailure, errorMessage } from './errors.js';

/**
 * How every action classifies an AWS error once the SDK's own retries are spent, and how it words
 * the ones a user must fix. Free of SDK imports: the SDK's errors are recognised by shape (`name`,
 * `$fault`, `$metadata`), so a module that only waits or reports can use this without loading a
 * client, and every action says the same thing about the same problem.
 */

interface AwsErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** The identity is known but not allowed to do this. */
export const PERMISSION_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
]);

/**
 * AWS does not accept the credentials themselves (unknown, expired or badly signed), or the SDK
 * found none to send (`CredentialsProviderError`): no IAM policy change helps.
 */
export const CREDENTIAL_ERRORS: ReadonlySet<string> = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AuthFailure',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'CredentialsProviderError',
]);

export const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

/** A request that did not finish, or overlapped one still running: the SDK's own transient names. */
const TRANSIENT_ERRORS: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'PriorRequestNotComplete',
]);

const EXPIRED = new Set(['ExpiredTokenException', 'ExpiredToken']);

/** IAM names the action it refused (`… is not authorized to perform: iam:PassRole on resource …`). */
const REFUSED_ACTION = /not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9]+)/;

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

export type AwsErrorKind = 'permission' | 'credentials' | 'transient' | 'other';

export function classifyAwsError(error: unknown): AwsErrorKind {
  if (error === null || typeof error !== 'object') return 'other';
  const candidate = error as AwsErrorLike;
  const name = candidate.name ?? '';
  if (PERMISSION_ERRORS.has(name)) return 'permission';
  if (CREDENTIAL_ERRORS.has(name)) return 'credentials';
  if (THROTTLING_ERRORS.has(name) || TRANSIENT_ERRORS.has(name)) return 'transient';
  const status = candidate.$metadata?.httpStatusCode ?? 0;
  if (candidate.$fault === 'server' || status >= 500 || status === 429) return 'transient';
  if (candidate.code && NETWORK_CODES.has(candidate.code)) return 'transient';
  return 'other';
}

/** Throttling, a 5xx, a timeout or a dropped connection: worth trying again later. */
export function isTransient(error: unknown): boolean {
  return classifyAwsError(error) === 'transient';
}

/**
 * A permission or credential error, explained: it carries the IAM action (`ecr:PutImage`) so
 * callers can tell it apart from other failures without reading the message.
 */
export class AwsAccessError extends ActionFailure {
  constructor(
    message: string,
    readonly kind: 'permission' | 'credentials',
    readonly iamAction: string,
    readonly awsErrorName: string,
  ) {
    super(message);
    this.name = 'AwsAccessError';
  }
}

/**
 * A permission or credential error rewritten as one sentence that says what to fix: the IAM action
 * to allow (`ecs:UpdateService`), or the credentials step to check. Any other error is returned
 * as it came, so callers can still match on the SDK's error names.
 *
 * `service` is the IAM prefix (`ecs`, `ecr`), `operation` the API operation (`UpdateService`): the
 * IAM action is the two joined, as it is for every operation these actions call.
 */
export function explainAwsError(error: unknown, service: string, operation: string): unknown {
  const kind = classifyAwsError(error);
  if (kind !== 'permission' && kind !== 'credentials') return error;
  const name = (error as AwsErrorLike).name ?? '';
  // AWS messages end with a period or not; the sentence that follows supplies its own.
  const detail = errorMessage(error).trim().replace(/\.+$/, '');
  // The action IAM refused is not always the operation called: RegisterTaskDefinition also needs
  // iam:PassRole for the task's roles, and ecs:TagResource when it carries tags.
  const action = REFUSED_ACTION.exec(detail)?.[1] ?? `${service}:${operation}`;
  if (name === 'CredentialsProviderError') {
    // The SDK found nothing to sign with, so no request reached AWS.
    return new AwsAccessError(
      `Found no AWS credentials for ${action}: ${detail}. Configure credentials in an earlier step (aws-actions/configure-aws-credentials with an OIDC role), or check that its session has not ended`,
      kind,
      action,
      name,
    );
  }
  if (kind === 'credentials') {
    return new AwsAccessError(
      `AWS refused the credentials (${name}) on ${action}: ${detail}. Check the step that configures AWS credentials${
        EXPIRED.has(name)
          ? ' (the session expired: ask for a longer one, or configure the credentials nearer this step)'
          : ''
      }`,
      kind,
      action,
      name,
    );
  }
  // An explicit deny (a service control policy, a permissions boundary, a Deny statement) wins over
  // any Allow, so telling the user to add one would send them the wrong way.
  const fix = /explicit deny/i.test(detail)
    ? `An explicit deny refuses ${action}, so allowing it is not enough: the policy the message names must stop denying it`
    : `Allow ${action} in the IAM policy of the role the step's credentials belong to (the action's README lists every permission it needs)`;
  return new AwsAccessError(`Permission denied for ${action}: ${detail}. ${fix}`, kind, action, name);
}
