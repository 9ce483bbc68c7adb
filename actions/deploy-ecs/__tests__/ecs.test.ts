import { describe, expect, test } from '@jest/globals';
import { isAmbiguousFailure } from '../src/ecs.js';

// Which failures leave it unknown whether AWS applied a change: those are looked into before a
// change is sent again; the others (AWS refused the call) are not.
describe('isAmbiguousFailure', () => {
  const sdkError = (name: string, status?: number, code?: string) =>
    Object.assign(new Error(name), { name, code, $metadata: status === undefined ? {} : { httpStatusCode: status } });

  test.each([
    [
      'a connection reset after sending (the SDK names it TimeoutError)',
      sdkError('TimeoutError', undefined, 'ECONNRESET'),
      true,
    ],
    ['a reset without the SDK’s name', sdkError('Error', undefined, 'ECONNRESET'), true],
    ['a socket timeout', sdkError('TimeoutError', undefined, 'ETIMEDOUT'), true],
    ['a 500', sdkError('ServerException', 500), true],
    ['a 503', sdkError('ServiceUnavailableException', 503), true],
    ['throttling (refused before anything happened)', sdkError('ThrottlingException', 400), false],
    ['a client error', sdkError('ClientException', 400), false],
    ['a permission error', sdkError('AccessDeniedException', 400), false],
    ['no credentials (nothing was sent)', sdkError('CredentialsProviderError'), false],
    ['not an error at all', 'text', false],
  ])('%s', (_name, error, ambiguous) => expect(isAmbiguousFailure(error)).toBe(ambiguous));
});
