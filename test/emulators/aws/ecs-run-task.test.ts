import { describe, expect, test } from '@jest/globals';
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  type RegisterTaskDefinitionCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { fargateTaskDefinition } from '@shipyard/harness/task-definition';
import { ManualClock, type AwsEmulator, type ScenarioInput } from './index.js';
import { ecsEmulatorForSuite } from './ecs-fixtures.js';

// One-off tasks (RunTask, StopTask, DescribeTasks) and the CloudWatch Logs events of containers
// using the awslogs driver, read back through the real CloudWatch Logs client.

const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], assignPublicIp: 'DISABLED' as const } };

const migrate = (image = 'app:2'): RegisterTaskDefinitionCommandInput =>
  fargateTaskDefinition({
    image,
    container: {
      command: ['node', 'server.js'],
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
      },
    },
  });

describe('one-off tasks and their logs', () => {
  let emulator: AwsEmulator;
  let ecs: ECSClient;
  let logs: CloudWatchLogsClient;
  const clock = new ManualClock();
  ecsEmulatorForSuite(clock, (suite) => {
    ({ emulator, ecs } = suite);
    logs = new CloudWatchLogsClient({ ...emulator.clientConfig(), maxAttempts: 1 });
  });

  async function setUp(scenario: ScenarioInput['ecs'] = {}) {
    emulator.reset();
    emulator.setScenario({ timeScale: 0.001, ecs: scenario });
    emulator.ecs.seedCluster('default');
    await ecs.send(new RegisterTaskDefinitionCommand(migrate()));
  }

  async function waitStopped(taskArn: string): Promise<Task> {
    for (let waited = 0; waited < 10_000; waited += 5) {
      const { tasks } = await ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }));
      if (tasks?.[0].lastStatus === 'STOPPED') return tasks[0];
      clock.advance(5);
    }
    throw new Error('the task did not stop');
  }

  const run = (command: string[], extra: object = {}) =>
    ecs.send(
      new RunTaskCommand({
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: network,
        startedBy: 'deploy-ecs',
        overrides: { containerOverrides: [{ name: 'app', command }] },
        ...extra,
      }),
    );

  test('a migration runs to STOPPED with exit code 0 and its log lines, read with GetLogEvents and FilterLogEvents', async () => {
    await setUp({
      oneOffTasks: [{ command: 'migrate', exitCode: 0, logLines: ['Running 3 migrations', '3 migrations applied'] }],
    });
    const { tasks, failures } = await run(['npm', 'run', 'migrate']);
    expect(failures).toEqual([]);
    expect(tasks?.[0]).toMatchObject({
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      group: 'family:web',
      startedBy: 'deploy-ecs',
      launchType: 'FARGATE',
      overrides: { containerOverrides: [{ name: 'app', command: ['npm', 'run', 'migrate'] }] },
    });
    const stopped = await waitStopped(tasks![0].taskArn!);
    expect(stopped).toMatchObject({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'app', exitCode: 0, lastStatus: 'STOPPED' }],
    });
    const taskId = stopped.taskArn!.split('/').pop();
    const events = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/ecs/web', logStreamName: `ecs/app/${taskId}`, startFromHead: true }),
    );
    expect(events.events?.map((event) => event.message)).toEqual(['Running 3 migrations', '3 migrations applied']);
    // The forward token at the end is stable: a reader that loops until it repeats stops.
    const again = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/ecs/web',
        logStreamName: `ecs/app/${taskId}`,
        nextToken: events.nextForwardToken,
      }),
    );
    expect(again).toMatchObject({ events: [], nextForwardToken: events.nextForwardToken });
    const filtered = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/ecs/web',
        logStreamNamePrefix: 'ecs/app/',
        filterPattern: 'applied',
      }),
    );
    expect(filtered.events).toMatchObject([{ logStreamName: `ecs/app/${taskId}`, message: '3 migrations applied' }]);
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/web' }));
    expect(streams.logStreams?.map((stream) => stream.logStreamName)).toEqual([`ecs/app/${taskId}`]);
  });

  test('a failing migration stops with its exit code; the last lines show why', async () => {
    await setUp({
      oneOffTasks: [{ command: '/migrate/', exitCode: 3, logLines: ['Error: relation "users" already exists'] }],
    });
    const { tasks } = await run(['npm', 'run', 'migrate']);
    const stopped = await waitStopped(tasks![0].taskArn!);
    expect(stopped.containers?.[0].exitCode).toBe(3);
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupIdentifier: 'arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web',
        logStreamName: `ecs/app/${stopped.taskArn!.split('/').pop()}`,
        limit: 1,
      }),
    );
    expect(events.events?.map((event) => event.message)).toEqual(['Error: relation "users" already exists']);
  });

  test('without a matching rule a task exits 0; an image that cannot be pulled never starts', async () => {
    await setUp({ failingImages: [{ pattern: 'app:missing', reason: 'CannotPullContainerError: not found' }] });
    const plain = await run(['true']);
    expect((await waitStopped(plain.tasks![0].taskArn!)).containers?.[0].exitCode).toBe(0);
    await ecs.send(new RegisterTaskDefinitionCommand(migrate('app:missing')));
    const missing = await run(['true'], { taskDefinition: 'web:2' });
    const stopped = await waitStopped(missing.tasks![0].taskArn!);
    expect(stopped).toMatchObject({
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: not found',
    });
    expect(stopped.containers?.[0].exitCode).toBeUndefined();
  });

  test('a service task that crashes writes its last log lines to its awslogs stream', async () => {
    await setUp({
      failingImages: [
        { pattern: 'app:bad', exitCode: 1, logLines: ['Error: listen EADDRINUSE: address already in use :::3000'] },
      ],
    });
    emulator.ecs.seedService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1 });
    await ecs.send(new RegisterTaskDefinitionCommand(migrate('app:bad')));
    await ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: 'web:2' }));
    let stopped: string[] = [];
    for (let waited = 0; waited < 5_000 && stopped.length === 0; waited += 5) {
      clock.advance(5);
      stopped = (await ecs.send(new ListTasksCommand({ serviceName: 'web', desiredStatus: 'STOPPED' }))).taskArns!;
    }
    const taskId = stopped[0].split('/').pop();
    const events = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/ecs/web', logStreamName: `ecs/app/${taskId}` }),
    );
    expect(events.events?.map((event) => event.message)).toEqual([
      'Error: listen EADDRINUSE: address already in use :::3000',
    ]);
  });

  test('StopTask stops a running one-off task (UserInitiated, exit 143)', async () => {
    await setUp({ oneOffTasks: [{ command: 'sleep', exitCode: 0, runMs: 60_000 }] });
    const { tasks } = await run(['sleep', '3600'], {
      launchType: undefined,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }],
    });
    expect(tasks?.[0]).toMatchObject({ capacityProviderName: 'FARGATE_SPOT' });
    for (let waited = 0; waited < 1_000; waited += 5) {
      clock.advance(5);
      const { tasks: now } = await ecs.send(new DescribeTasksCommand({ tasks: [tasks![0].taskArn!] }));
      if (now?.[0].lastStatus === 'RUNNING') break;
    }
    const { task } = await ecs.send(new StopTaskCommand({ task: tasks![0].taskArn!, reason: 'deploy cancelled' }));
    expect(task).toMatchObject({
      desiredStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'deploy cancelled',
    });
    const stopped = await waitStopped(tasks![0].taskArn!);
    expect(stopped.containers?.[0].exitCode).toBe(143);
  });

  test.each([
    [
      'launchType with capacityProviderStrategy',
      { capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }] },
      'Specifying both a launch type and capacity provider strategy is not supported.',
    ],
    [
      'awsvpc without networkConfiguration',
      { networkConfiguration: undefined },
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    ],
    [
      'an override for a container not in the definition',
      { overrides: { containerOverrides: [{ name: 'worker', command: ['x'] }] } },
      'Override for container named worker is not a container in the TaskDefinition.',
    ],
    ['an unknown task definition', { taskDefinition: 'nope' }, 'TaskDefinition not found.'],
  ])('RunTask refuses %s, starting nothing', async (_name, extra, message) => {
    await setUp();
    await expect(run(['true'], extra)).rejects.toMatchObject({ name: 'InvalidParameterException', message });
    expect(emulator.ecs.tasks()).toEqual([]);
  });

  test('GetLogEvents on a group or stream that does not exist is ResourceNotFoundException', async () => {
    await setUp();
    await expect(
      logs.send(new GetLogEventsCommand({ logGroupName: '/ecs/none', logStreamName: 'x' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    // Held to botocore's logs model: a request without its required logStreamName is refused before the service.
    await expect(
      logs.send(new GetLogEventsCommand({ logGroupName: '/ecs/none', logStreamName: undefined as unknown as string })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    expect(emulator.calls({ service: 'logs' }).at(-1)?.modelViolations).toEqual([
      "logStreamName: 'logStreamName' is required in GetLogEventsRequest but was not given",
    ]);
  });
});
