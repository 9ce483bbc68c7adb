import { describe, expect, test } from '@jest/globals';
import { awsCall } from '../src/aws-call.js';

const sdkError = (name: string, message: string, status = 400) =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });

describe('awsCall', () => {
  test('gives back what the call answered', async () => {
    await expect(awsCall('ecs', 'DescribeServices', async () => ({ services: [] }))).resolves.toEqual({ services: [] });
  });

  test.each([
    [
      'ecs',
      'UpdateService',
      sdkError('AccessDeniedException', 'not authorized'),
      /^Permission denied for ecs:UpdateService: not authorized/,
    ],
    ['ecr', 'PutImage', sdkError('AccessDeniedException', 'no'), /^Permission denied for ecr:PutImage: no/],
    [
      'ecs',
      'DescribeServices',
      sdkError('UnrecognizedClientException', 'The security token included in the request is invalid'),
      /^AWS refused the credentials \(UnrecognizedClientException\) on ecs:DescribeServices: /,
    ],
  ])('a refusal on %s:%s comes back explained, naming the IAM action', async (service, operation, error, message) => {
    await expect(
      awsCall(service, operation, async () => {
        throw error;
      }),
    ).rejects.toThrow(message);
  });

  test.each([
    ['a client error the caller matches on', sdkError('ClientException', 'Unable to describe task definition.')],
    ['a server error', sdkError('ServerException', 'boom', 500)],
  ])('%s passes through as it is', async (_name, error) => {
    await expect(
      awsCall('ecs', 'DescribeTaskDefinition', async () => {
        throw error;
      }),
    ).rejects.toBe(error);
  });
});
