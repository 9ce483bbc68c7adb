import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { startAwsEmulator, type AwsEmulator } from './index.js';
import { serviceModel } from './model/index.js';
import { checkError } from './model/judge.js';
import { AwsServiceError } from './types.js';

// AWS's own service model (botocore's service-2.json) judges every request and every answer.

const TARGET = { ecs: 'AmazonEC2ContainerServiceV20141113', ecr: 'AmazonEC2ContainerRegistry_V20150921' };

/** A request as a client sends it; any key is accepted (no scenario credentials), so a well-formed header does. */
async function call(emulator: AwsEmulator, service: 'ecs' | 'ecr', operation: string, body: unknown) {
  const response = await fetch(emulator.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `${TARGET[service]}.${operation}`,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAEMULATOR00000000/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { __type?: string; message?: string } };
}

const container = (extra: Record<string, unknown> = {}) => ({ name: 'web', image: 'nginx:1', memory: 128, ...extra });
const register = (extra: Record<string, unknown> = {}, containerExtra: Record<string, unknown> = {}) => ({
  family: 'web',
  containerDefinitions: [container(containerExtra)],
  ...extra,
});

describe('the service model judges requests', () => {
  let aws: AwsEmulator;
  beforeAll(async () => {
    aws = await startAwsEmulator();
  });
  afterAll(() => aws.close());
  beforeEach(() => aws.reset());

  test.each([
    [
      'memory as a string',
      register({}, { memory: '128' }),
      'SerializationException',
      'STRING_VALUE cannot be converted to Integer',
    ],
    [
      'essential as a string',
      register({}, { essential: 'yes' }),
      'SerializationException',
      'STRING_VALUE cannot be converted to Boolean',
    ],
    [
      'cpu as an object',
      register({}, { cpu: { units: 1 } }),
      'SerializationException',
      'Start of structure or map found where not expected.',
    ],
    [
      'environment as an object',
      register({}, { environment: { A: '1' } }),
      'SerializationException',
      'can not be converted to a list',
    ],
    [
      'an unknown member',
      register({ compatibilities: ['EC2'] }),
      'SerializationException',
      'Unrecognized field "compatibilities"',
    ],
    [
      'an unknown container member',
      register({}, { imageTag: 'x' }),
      'SerializationException',
      'Unrecognized field "imageTag"',
    ],
    [
      'protocol sctp',
      register({}, { portMappings: [{ containerPort: 80, protocol: 'sctp' }] }),
      'ClientException',
      "Invalid value 'sctp'",
    ],
    ['pidMode bogus', register({ pidMode: 'bogus' }), 'ClientException', "Invalid value 'bogus'"],
    ['networkMode bogus', register({ networkMode: 'overlay' }), 'ClientException', 'must be one of'],
    [
      'logConfiguration without logDriver',
      register({}, { logConfiguration: {} }),
      'ClientException',
      "'logDriver' is required",
    ],
    ['no containerDefinitions', { family: 'web' }, 'ClientException', "'containerDefinitions' is required"],
  ])('RegisterTaskDefinition with %s is refused', async (_name, body, type, message) => {
    const answer = await call(aws, 'ecs', 'RegisterTaskDefinition', body);
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toBe(type);
    expect(answer.body.message).toContain(message);
    expect(aws.ecs.taskDefinitions('web')).toEqual([]);
    expect(aws.calls()).toEqual([
      expect.objectContaining({
        operation: 'RegisterTaskDefinition',
        status: 400,
        errorType: type,
        modelViolations: expect.arrayContaining([expect.any(String)]),
      }),
    ]);
    expect(aws.problems()).toEqual([]);
  });

  test('a request the model allows goes through', async () => {
    const answer = await call(
      aws,
      'ecs',
      'RegisterTaskDefinition',
      register({}, { portMappings: [{ containerPort: 80, protocol: 'udp' }] }),
    );
    expect(answer.status).toBe(200);
  });

  test.each([
    [
      'an unknown member',
      'DescribeRepositories',
      { repositoryNames: ['web'], registry: '123456789012' },
      'SerializationException',
      'Unrecognized field "registry"',
    ],
    [
      'a registryId outside the pattern',
      'DescribeRepositories',
      { registryId: 'me' },
      'InvalidParameterException',
      'regular expression pattern',
    ],
    [
      'an empty repository list',
      'DescribeRepositories',
      { repositoryNames: [] },
      'InvalidParameterException',
      'length greater than or equal to 1',
    ],
    [
      'maxResults out of range',
      'DescribeImages',
      { repositoryName: 'web', maxResults: 5000 },
      'InvalidParameterException',
      'less than or equal to 1000',
    ],
    [
      'a name that is too short',
      'CreateRepository',
      { repositoryName: 'a' },
      'InvalidParameterException',
      'length greater than or equal to 2',
    ],
    [
      'imageTagMutability bogus',
      'CreateRepository',
      { repositoryName: 'web', imageTagMutability: 'SOMETIMES' },
      'InvalidParameterException',
      'must be one of',
    ],
    [
      'imageIds as a string',
      'BatchGetImage',
      { repositoryName: 'web', imageIds: 'latest' },
      'SerializationException',
      'can not be converted to a list',
    ],
  ])('ECR refuses %s', async (_name, operation, body, type, message) => {
    const answer = await call(aws, 'ecr', operation, body);
    expect(answer.body).toEqual({ __type: type, message: expect.stringContaining(message) });
    expect(answer.status).toBe(400);
    expect(aws.calls({ mutating: true }).filter((entry) => entry.status === 200)).toEqual([]);
  });
});

describe('the service model judges the emulator', () => {
  let aws: AwsEmulator;
  beforeAll(async () => {
    aws = await startAwsEmulator();
  });
  afterAll(() => aws.close());

  test('an answer that breaks the model is a 500 recorded as a problem', async () => {
    // Seeding bypasses the request check, so the emulator stores what ECS never would.
    aws.ecs.seedTaskDefinition({ family: 'bad', containerDefinitions: [container({ essential: 'yes' })] });
    const answer = await call(aws, 'ecs', 'DescribeTaskDefinition', { taskDefinition: 'bad' });
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ __type: 'ServerException', message: expect.stringContaining('essential') });
    expect(aws.calls()).toEqual([
      expect.objectContaining({
        status: 500,
        problems: [expect.stringContaining('taskDefinition.containerDefinitions[0].essential')],
      }),
    ]);
    expect(aws.takeProblems()).toEqual([
      {
        service: 'ecs',
        operation: 'DescribeTaskDefinition',
        message: expect.stringContaining('cannot be converted to Boolean'),
      },
    ]);
    expect(aws.problems()).toEqual([]);
  });

  test.each([
    ['ecs', 'RegisterTaskDefinition', 'ClientException', false],
    ['ecs', 'UpdateService', 'ServiceNotFoundException', false],
    ['ecs', 'DescribeTaskDefinition', 'ThrottlingException', false],
    ['ecs', 'RegisterTaskDefinition', 'ServiceNotFoundException', true],
    ['ecr', 'PutImage', 'ImageTagAlreadyExistsException', false],
    ['ecr', 'BatchGetImage', 'ImageNotFoundException', true],
    ['ecr', 'DescribeRepositories', 'ClientException', true],
  ])('%s %s answering %s is outside the model: %s', (service, operation, type, outside) => {
    const message = checkError(service, operation, new AwsServiceError(type, 'x'));
    if (outside) expect(message).toContain(`${operation} answered ${type}`);
    else expect(message).toBeUndefined();
  });

  test('the model carries the constraints it is chosen for', () => {
    const ecs = serviceModel('ecs');
    const ecr = serviceModel('ecr');
    expect(ecs.shapes.TransportProtocol.enum).toEqual(['tcp', 'udp']);
    expect(ecs.shapes.LogConfiguration.required).toEqual(['logDriver']);
    expect(ecr.shapes.RepositoryName).toMatchObject({ min: 2, max: 256, pattern: expect.any(String) });
    expect(ecs.botocoreVersion).toMatch(/^\d+\.\d+\.\d+/);
  });
});
