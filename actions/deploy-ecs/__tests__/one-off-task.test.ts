import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { Logs } from '../src/logs.js';
import { runAndJudge, runOneOffTask } from '../src/one-off-task.js';
import { runTaskRequest } from '../src/run-task.js';
import { awslogsDefinition, TIME_SCALE } from './helpers.js';

// RunTask, DescribeTasks until STOPPED, StopTask at the timeout, and the verdict with its logs,
// against the emulator through the SDK (the bundle's run-task is in run-task.test.ts).
describe('one-off tasks against the emulator', () => {
  let emulator: AwsEmulator;
  let client: ECSClient;
  const definition = awslogsDefinition('app:2');
  const options = {
    cluster: 'default',
    startedBy: 'test',
    subnets: ['subnet-0123456789abcdef0'],
    timeoutMs: 30_000,
  };
  const quiet = { info: () => {}, warning: () => {} };

  beforeAll(async () => {
    emulator = await startAwsEmulator({ scenario: { timeScale: TIME_SCALE } });
    client = new ECSClient({ ...emulator.clientConfig(), maxAttempts: 1 });
  });
  afterAll(() => emulator.close());

  async function setUp(oneOffTasks: unknown[]) {
    emulator.setScenario({ timeScale: TIME_SCALE, ecs: { oneOffTasks } } as never);
    emulator.reset();
    emulator.ecs.seedCluster('default');
    const { taskDefinition } = await client.send(new RegisterTaskDefinitionCommand(definition as never));
    return taskDefinition!.taskDefinitionArn!;
  }

  test.each([
    [0, true],
    [42, false],
  ])('exit code %i: success %s, with its last log lines', async (exitCode, success) => {
    const arn = await setUp([{ command: 'migrate', exitCode, logLines: ['one', 'two'] }]);
    const logs = new Logs({ region: 'us-east-1', maxAttempts: 1 });
    // The Logs client reads its endpoint from the environment, as in the bundle.
    process.env.AWS_ENDPOINT_URL = emulator.clientConfig().endpoint as string;
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: emulator.clientConfig().credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emulator.clientConfig().credentials.secretAccessKey,
    });
    try {
      const judged = await runAndJudge(
        client,
        logs,
        { taskDefinitionArn: arn, definition, run: { ...options, command: ['migrate'] }, intervalMs: 20 },
        quiet,
      );
      expect(judged).toMatchObject({ success, exitCode });
      expect(judged.logs[0]?.lines).toEqual(['one', 'two']);
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  test('a task still running at the timeout is stopped', async () => {
    const arn = await setUp([{ command: 'migrate', exitCode: 0, runMs: 600_000 }]);
    const request = runTaskRequest(arn, definition, { ...options, command: ['migrate'] });
    const ran = await runOneOffTask(client, request, {
      intervalMs: 20,
      timeoutMs: 300,
      onWaiting: () => {},
      onTransientError: () => {},
    });
    expect(ran.stopped).toBe(false);
    expect(emulator.calls({ operation: 'StopTask' })).toHaveLength(1);
    expect(emulator.calls({ operation: 'RunTask' })[0].request).toMatchObject({ clientToken: request.clientToken });
  });
});
