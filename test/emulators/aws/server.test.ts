import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import {
  CreateClusterCommand,
  DescribeClustersCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import { startAwsEmulator, type AwsEmulator } from './index.js';

function client(
  emulator: AwsEmulator,
  overrides: { accessKeyId?: string; secretAccessKey?: string; maxAttempts?: number } = {},
) {
  const env = emulator.clientEnv();
  return new ECSClient({
    endpoint: emulator.url,
    region: env.AWS_REGION,
    maxAttempts: overrides.maxAttempts ?? 1,
    credentials: {
      accessKeyId: overrides.accessKeyId ?? env.AWS_ACCESS_KEY_ID,
      secretAccessKey: overrides.secretAccessKey ?? env.AWS_SECRET_ACCESS_KEY,
    },
  });
}

async function rawCall(emulator: AwsEmulator, headers: Record<string, string>, body = '{}') {
  const response = await fetch(emulator.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('AWS emulator core', () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    emulator = await startAwsEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.setScenario({});
    emulator.reset();
  });

  test('answers health with the services it speaks', async () => {
    const response = await fetch(`${emulator.url}/_emulator/health`);
    expect(await response.json()).toEqual({ status: 'ok', services: expect.arrayContaining(['ecs']) });
  });

  test('refuses a request without a SigV4 Authorization header, as AWS does, and logs it', async () => {
    const answer = await rawCall(emulator, { 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters' });
    expect(answer).toEqual({
      status: 403,
      body: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
    });
    expect(emulator.calls()).toEqual([
      expect.objectContaining({
        service: 'ecs',
        operation: 'ListClusters',
        status: 403,
        errorType: 'MissingAuthenticationTokenException',
      }),
    ]);
  });

  test.each([
    ['a malformed header', 'Bearer token', 'IncompleteSignatureException', 403],
    [
      'a scope for another service',
      'AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=' +
        'a'.repeat(64),
      'InvalidSignatureException',
      400,
    ],
  ])('refuses %s', async (_name, authorization, type, status) => {
    const answer = await rawCall(emulator, {
      authorization,
      'x-amz-target': 'AmazonEC2ContainerServiceV20141113.DescribeClusters',
    });
    expect(answer.status).toBe(status);
    expect(answer.body.__type).toBe(type);
  });

  test('accepts what the AWS SDK sends, proving the wire protocol', async () => {
    const result = await client(emulator).send(new DescribeClustersCommand({ clusters: ['nowhere'] }));
    expect(result.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/nowhere', reason: 'MISSING' }]);
    expect(emulator.calls()[0]).toEqual(
      expect.objectContaining({ service: 'ecs', operation: 'DescribeClusters', mutating: false, status: 200 }),
    );
  });

  test('verifies the signature itself when the scenario lists credentials', async () => {
    emulator.setScenario({ credentials: [{ accessKeyId: 'AKIAKNOWN', secretAccessKey: 'right-secret' }] });
    await expect(
      client(emulator, { accessKeyId: 'AKIAKNOWN', secretAccessKey: 'right-secret' }).send(
        new ListTaskDefinitionsCommand({}),
      ),
    ).resolves.toEqual(expect.objectContaining({ taskDefinitionArns: [] }));
    await expect(
      client(emulator, { accessKeyId: 'AKIAKNOWN', secretAccessKey: 'wrong-secret' }).send(
        new ListTaskDefinitionsCommand({}),
      ),
    ).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    await expect(
      client(emulator, { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' }).send(new ListTaskDefinitionsCommand({})),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });

  test('injects seeded faults: the same seed gives the same statuses, per operation', async () => {
    const pattern = async () => {
      emulator.setScenario({ seed: 7, faults: { throttleRate: 0.3, serverErrorRate: 0.2 } });
      emulator.reset();
      const ecs = client(emulator);
      for (let i = 0; i < 30; i += 1) await ecs.send(new ListTaskDefinitionsCommand({})).catch(() => undefined);
      return emulator.calls().map((call) => call.fault ?? call.status);
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    expect(first.filter((entry) => entry === 'throttle').length).toBeGreaterThan(3);
    expect(first.filter((entry) => entry === 'server-error').length).toBeGreaterThan(1);
    expect(first.filter((entry) => entry === 200).length).toBeGreaterThan(10);
  });

  test('answers faults in the shapes the SDK classifies as throttling and as server errors', async () => {
    emulator.setScenario({
      faults: {
        operations: { ListTaskDefinitions: { throttleRate: 1 }, 'ecs:DescribeClusters': { serverErrorRate: 1 } },
      },
    });
    const ecs = client(emulator);
    await expect(ecs.send(new ListTaskDefinitionsCommand({}))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: expect.objectContaining({ httpStatusCode: 400 }),
    });
    await expect(ecs.send(new DescribeClustersCommand({}))).rejects.toMatchObject({
      name: 'ServerException',
      $metadata: expect.objectContaining({ httpStatusCode: 500 }),
    });
  });

  test('a lost answer applies the call, then resets the connection without answering', async () => {
    emulator.setScenario({ faults: { operations: { CreateCluster: { lostAnswerCalls: [1] } } } });
    const ecs = client(emulator);
    await expect(ecs.send(new CreateClusterCommand({ clusterName: 'lost' }))).rejects.toMatchObject({
      message: expect.stringContaining('ECONNRESET'),
    });
    // It took effect all the same, and the log says the answer was lost.
    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ['lost'] }));
    expect(clusters?.map((cluster) => cluster.clusterName)).toEqual(['lost']);
    expect(emulator.calls({ operation: 'CreateCluster' })).toEqual([
      expect.objectContaining({ status: 200, fault: 'lost-answer', mutating: true }),
    ]);
    // Only the n-th call named: the second one answers.
    await expect(ecs.send(new CreateClusterCommand({ clusterName: 'second' }))).resolves.toMatchObject({
      cluster: expect.objectContaining({ clusterName: 'second' }),
    });
  });

  test('a lost-answer rate is seeded: the same seed loses the same calls', async () => {
    const pattern = async () => {
      emulator.setScenario({ seed: 5, faults: { operations: { ListTaskDefinitions: { lostAnswerRate: 0.4 } } } });
      emulator.reset();
      const ecs = client(emulator);
      for (let i = 0; i < 30; i += 1) await ecs.send(new ListTaskDefinitionsCommand({})).catch(() => undefined);
      return emulator.calls().map((call) => call.fault ?? call.status);
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    expect(first.filter((entry) => entry === 'lost-answer').length).toBeGreaterThan(5);
    expect(first.filter((entry) => entry === 200).length).toBeGreaterThan(3);
  });

  test('a barrier holds calls of an operation until enough have arrived, then lets them go in order', async () => {
    emulator.setScenario({ faults: { operations: { CreateCluster: { barrier: 2 } } } });
    const ecs = client(emulator);
    const first = ecs.send(new CreateClusterCommand({ clusterName: 'first' }));
    // The first call waits: until the second arrives, nothing is applied or logged.
    await ecs.send(new DescribeClustersCommand({ clusters: ['first'] }));
    expect(emulator.calls({ operation: 'CreateCluster' })).toEqual([]);
    const second = ecs.send(new CreateClusterCommand({ clusterName: 'second' }));
    await Promise.all([first, second]);
    expect(
      emulator
        .calls({ operation: 'CreateCluster' })
        .map((call) => (call.request as { clusterName: string }).clusterName),
    ).toEqual(['first', 'second']);
  });

  test('pauseBefore holds one matching call until its hook has run; calls made meanwhile go on', async () => {
    const ecs = client(emulator);
    emulator.pauseBefore(
      (call) => call.operation === 'CreateCluster' && call.request.clusterName === 'held',
      () => ecs.send(new CreateClusterCommand({ clusterName: 'meanwhile' })),
    );
    await ecs.send(new CreateClusterCommand({ clusterName: 'held' }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'held' }));
    expect(
      emulator
        .calls({ operation: 'CreateCluster' })
        .map((call) => (call.request as { clusterName: string }).clusterName),
    ).toEqual(['meanwhile', 'held', 'held']);
  });

  test('adds latency when asked', async () => {
    emulator.setScenario({ faults: { latencyMs: 120 } });
    const started = Date.now();
    await client(emulator).send(new ListTaskDefinitionsCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  test('takes a scenario over HTTP, refusing an invalid one', async () => {
    const put = (body: unknown) =>
      fetch(`${emulator.url}/_emulator/scenario`, { method: 'PUT', body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, unknown>,
      }));
    expect((await put({ ecs: { taskStartDelayMs: 5 } })).status).toBe(200);
    expect(emulator.scenario().ecs.taskStartDelayMs).toBe(5);
    const refused = await put({ faults: { throttleRate: 2 } });
    expect(refused).toEqual({ status: 400, body: { message: 'faults.throttleRate must be between 0 and 1' } });
    expect((await put({ faults: { lostAnswerCalls: [0] } })).body).toEqual({
      message: 'faults.lostAnswerCalls must be a list of call numbers counted from 1',
    });
    expect((await put({ faults: { serverErrorRate: 0.6, lostAnswerRate: 0.6 } })).status).toBe(400);
  });

  test('resets state and the call log over HTTP', async () => {
    emulator.ecs.seedCluster('default');
    await client(emulator).send(new DescribeClustersCommand({}));
    expect((await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as { calls: unknown[] }).toEqual({
      calls: [expect.objectContaining({ operation: 'DescribeClusters', sequence: 1, request: {} })],
    });
    await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
    expect(emulator.calls()).toEqual([]);
    const after = await client(emulator).send(new DescribeClustersCommand({}));
    expect(after.clusters).toEqual([]);
  });
});
