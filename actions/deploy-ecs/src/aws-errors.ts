import { ActionFailure, errorMessage } from '../../shared/src/errors.js';

/**
 * How the action treats an AWS error once the SDK's own retries are spent. Kept free of SDK
 * imports so the waiting loop can use it without loading the client.
 */

interface AwsErrorLike {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const PERMISSION_ERRORS = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'CredentialsProviderError',
]);
const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/** Throttling, a 5xx or a dropped connection: worth another poll at the next interval. */
export function isTransient(error: unknown): boolean {
  const candidate = error as AwsErrorLike;
  if (candidate === null || typeof candidate !== 'object') return false;
  if (candidate.name && THROTTLING_ERRORS.has(candidate.name)) return true;
  if (candidate.$fault === 'server' || (candidate.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (candidate.code && NETWORK_CODES.has(candidate.code)) return true;
  return candidate.name === 'TimeoutError';
}

/**
 * A permissions or credentials error, rewritten to say what to fix: the IAM action that is
 * missing (`ecs:UpdateService`), or that the credentials are wrong. Other errors pass through.
 */
export function explainAwsError(error: unknown, operation: string): unknown {
  const name = (error as AwsErrorLike)?.name ?? '';
  if (PERMISSION_ERRORS.has(name)) {
    return new ActionFailure(
      `Permission denied for ecs:${operation}: ${errorMessage(error)}. Allow ecs:${operation} in the role's policy (see the action's README for the full list)`,
    );
  }
  if (CREDENTIAL_ERRORS.has(name)) {
    return new ActionFailure(
      `AWS refused the credentials (${name}) on ecs:${operation}: ${errorMessage(error)}. Check the step that configures AWS credentials`,
    );
  }
  return error;
}

export function isPermissionOrCredentialError(error: unknown): boolean {
  return error instanceof ActionFailure && /^(Permission denied|AWS refused the credentials)/.test(error.message);
}
