import { expect, test } from '@jest/globals';
import { AWS_CONNECTION_TIMEOUT_MS, AWS_REQUEST_TIMEOUT_MS, awsRequestHandlerOptions } from '../src/aws-client.js';

test('every AWS client gets a connection and a request timeout, and a request timeout that throws', () => {
  expect(awsRequestHandlerOptions()).toEqual({
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
    throwOnRequestTimeout: true,
  });
  expect(AWS_CONNECTION_TIMEOUT_MS).toBeLessThan(AWS_REQUEST_TIMEOUT_MS);
});

test('each call gets its own object, so one client cannot change another', () => {
  const first = awsRequestHandlerOptions();
  expect(awsRequestHandlerOptions()).not.toBe(first);
});
