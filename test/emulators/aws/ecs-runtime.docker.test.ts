import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeTasksCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryFolder } from '@shipyard/harness/temp';
import { startAwsEmulator, type AwsEmulator } from './index.js';
import { registryUnavailableReason } from './registry.js';
import { BUSYBOX_IMAGE, docker, dockerUnavailable, ensureBusyboxImage, mustDocker } from './docker-fixtures.js';
import { EMULATOR_LABEL, PID_LABEL, TASK_LABEL } from './ecs/runtime-docker.js';
import type { TaskRecord } from './ecs/model.js';

/**
 * The `docker` task runtime with a real engine: small images FROM a local busybox image are built,
 * pushed to the emulated ECR through the real registry, and run as ECS tasks: a healthy one is
 * RUNNING/HEALTHY and served by the service's load balancer; a crashing one is STOPPED with its
 * real exit code and its output read back with GetLogEvents; a failing HEALTHCHECK makes the task
 * UNHEALTHY and it is replaced; a rollout drains the old task through the load balancer. Skips
 * with the reason where no engine answers (.ci/docker-setup.sh starts one).
 */

const unavailable = dockerUnavailable() ?? registryUnavailableReason();
if (unavailable) console.warn(`docker task runtime suite skipped: ${unavailable}`);
const describeWithDocker = unavailable ? describe.skip : describe;

// httpd in the background so the shell can answer docker stop's SIGTERM by stopping it and exiting 0.
const SERVE = 'COPY serve.sh /serve.sh\nCMD ["sh", "/serve.sh"]';
const SERVE_SH =
  'echo "listening on $PORT"\nhttpd -f -v -p "127.0.0.1:$PORT" -h /www &\ntrap \'kill $!; exit 0\' TERM\nwait\n';
const HEALTHY =
  'HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O /dev/null http://127.0.0.1:$PORT/ || exit 1';

const IMAGES: Record<string, { dockerfile: string; files?: Record<string, string> }> = {
  v1: {
    dockerfile: `COPY www /www\n${HEALTHY}\n${SERVE}\n`,
    files: {
      'serve.sh': SERVE_SH,
      'www/index.html': 'v1\n',
      'www/cgi-bin/env':
        '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s %s %s\\n" "$GREETING" "$API_TOKEN" "$PORT"\n',
      'www/cgi-bin/slow':
        '#!/bin/sh\nwhile [ ! -f /tmp/release ]; do sleep 0.05; done\nprintf "Content-Type: text/plain\\r\\n\\r\\nslow v1\\n"\n',
    },
  },
  v2: {
    dockerfile: `COPY www /www\n${HEALTHY}\n${SERVE}\n`,
    files: { 'serve.sh': SERVE_SH, 'www/index.html': 'v2\n' },
  },
  crash: { dockerfile: `CMD ["sh", "-c", "echo starting up; echo 'boom: cannot start' >&2; exit 3"]\n` },
  sick: {
    dockerfile: `COPY www /www\nHEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD false\n${SERVE}\n`,
    files: { 'serve.sh': SERVE_SH, 'www/index.html': 'sick\n' },
  },
};

let aws: AwsEmulator;
let ecs: ECSClient;
let logs: CloudWatchLogsClient;
let dockerConfig: string;
const built: string[] = [];
const seenTasks = new Set<string>();

async function buildAndPush(name: string): Promise<string> {
  const spec = IMAGES[name];
  const context = temporaryFolder(`shipyard-ecs-image-${name}-`);
  writeFileSync(join(context, 'Dockerfile'), `FROM ${BUSYBOX_IMAGE}\n${spec.dockerfile}`);
  for (const [path, content] of Object.entries(spec.files ?? {})) {
    mkdirSync(join(context, path, '..'), { recursive: true });
    writeFileSync(join(context, path), content);
    if (path.includes('cgi-bin')) chmodSync(join(context, path), 0o755);
  }
  const reference = `${aws.ecr.registryHost()}/web:${name}`;
  await mustDocker(['build', '--network', 'host', '--quiet', '--tag', reference, context]);
  built.push(reference);
  await mustDocker(['--config', dockerConfig, 'push', reference]);
  return reference;
}

const SECRET = 'arn:aws:ssm:us-east-1:123456789012:parameter/web/api-token';

function taskDefinition(family: string, image: string) {
  return aws.ecs.seedTaskDefinition({
    family,
    containerDefinitions: [
      {
        name: 'web',
        image,
        essential: true,
        memory: 128,
        environment: [{ name: 'GREETING', value: 'hello' }],
        secrets: [{ name: 'API_TOKEN', valueFrom: SECRET }],
        portMappings: [{ containerPort: 8080 }],
        stopTimeout: 5,
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
        },
      },
    ],
  });
}

const tasksOf = (serviceName: string) => {
  const tasks = aws.ecs.tasks({ serviceName });
  for (const task of tasks) seenTasks.add(task.taskArn);
  return tasks;
};
const healthyTask = (serviceName: string) =>
  tasksOf(serviceName).find((task) => task.lastStatus === 'RUNNING' && task.healthStatus === 'HEALTHY');

describeWithDocker('ECS tasks as Docker containers (tasks.runtime: docker)', () => {
  beforeAll(async () => {
    await ensureBusyboxImage();
    aws = await startAwsEmulator({ scenario: { timeScale: 0.001 }, tasks: { runtime: 'docker' } });
    aws.ecs.putSecret('/web/api-token', 'tok3n');
    await new ECRClient(aws.clientConfig()).send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    ecs = new ECSClient(aws.clientConfig());
    logs = new CloudWatchLogsClient(aws.clientConfig());
    dockerConfig = temporaryFolder('shipyard-ecs-docker-test-');
    await mustDocker(
      ['--config', dockerConfig, 'login', '--username', 'AWS', '--password-stdin', aws.ecr.registryHost()],
      {
        input: aws.ecr.issueRegistryPassword(aws.clock.now()),
      },
    );
  });
  afterAll(async () => {
    ecs?.destroy();
    logs?.destroy();
    await aws?.close();
    // Nothing the emulator ran is left behind.
    for (const arn of seenTasks) {
      const left = await mustDocker(['ps', '--all', '--quiet', '--filter', `label=${TASK_LABEL}=${arn}`]);
      expect(left.trim()).toBe('');
    }
    if (built.length > 0) await docker(['image', 'rm', '--force', ...built]);
  });
  afterEach(() => {
    expect(aws.problems()).toEqual([]);
  });

  test('a healthy image becomes RUNNING and HEALTHY (its HEALTHCHECK) and the load balancer serves it', async () => {
    const revision = taskDefinition('web', await buildAndPush('v1'));
    aws.ecs.seedService({ serviceName: 'web', taskDefinition: revision.arn, desiredCount: 1 });
    const url = aws.ecs.serviceUrl('default', 'web');
    expect((await fetch(url)).status).toBe(503);
    const task = await aws.ecs.until(() => healthyTask('web'), 'a HEALTHY task', 120_000);

    const described = await ecs.send(new DescribeTasksCommand({ tasks: [task.taskArn] }));
    expect(described.tasks?.[0]).toMatchObject({ lastStatus: 'RUNNING', healthStatus: 'HEALTHY' });
    const answer = await fetch(url);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-shipyard-task')).toBe(task.taskId);
    expect(await answer.text()).toBe('v1\n');
    // The definition's environment, its secret (an SSM parameter held by name) and the task's own PORT.
    const port = task.containers[0].hostPort;
    expect(described.tasks?.[0].containers?.[0].networkBindings).toEqual([
      { bindIP: '127.0.0.1', containerPort: port, hostPort: port, protocol: 'tcp' },
    ]);
    expect(await (await fetch(`${url}/cgi-bin/env`)).text()).toBe(`hello tok3n ${port}\n`);

    // The container really is a container of the pushed image, pulled by digest.
    const container = (await mustDocker(['ps', '--quiet', '--filter', `label=${TASK_LABEL}=${task.taskArn}`])).trim();
    const inspected = await mustDocker(['inspect', '--format', '{{.Config.Image}}', container]);
    expect(inspected.trim()).toMatch(
      new RegExp(`^${aws.ecr.registryHost().replace(/\./g, '\\.')}/web@sha256:[0-9a-f]{64}$`),
    );
  });

  test('a crashing image: STOPPED with the real exit code, and its output read back with GetLogEvents', async () => {
    const revision = taskDefinition('crash', await buildAndPush('crash'));
    aws.ecs.seedService({ serviceName: 'crash', taskDefinition: revision.arn, desiredCount: 1 });
    const task = await aws.ecs.until(
      () => tasksOf('crash').find((candidate) => candidate.lastStatus === 'STOPPED'),
      'a STOPPED task',
      120_000,
    );
    expect(task).toMatchObject({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    expect(task.containers[0].exitCode).toBe(3);
    const stream = `ecs/web/${task.taskId}`;
    await aws.ecs.until(() => (aws.logs.store.get('/ecs/web', stream)?.length ?? 0) >= 2, 'two log lines');
    const read = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/ecs/web', logStreamName: stream, startFromHead: true }),
    );
    expect(read.events?.map((event) => event.message).sort()).toEqual(['boom: cannot start', 'starting up']);
  });

  test('a failing health check: UNHEALTHY, stopped as ECS stops it, and replaced', async () => {
    const revision = taskDefinition('sick', await buildAndPush('sick'));
    aws.ecs.seedService({ serviceName: 'sick', taskDefinition: revision.arn, desiredCount: 1 });
    const first: TaskRecord = await aws.ecs.until(
      () => tasksOf('sick').find((candidate) => candidate.lastStatus === 'STOPPED'),
      'the sick task stopped',
      120_000,
    );
    expect(first).toMatchObject({
      healthStatus: 'UNHEALTHY',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Task failed container health checks',
    });
    const replacement = await aws.ecs.until(
      () => tasksOf('sick').find((candidate) => candidate.taskId !== first.taskId),
      'a replacement task',
      120_000,
    );
    expect(replacement.desiredStatus).toBe('RUNNING');
    expect(aws.ecs.service('sick')?.deployments[0].failedTasks).toBeGreaterThanOrEqual(1);
  });

  test('a rollout between two images drains the old task through the load balancer', async () => {
    const v1 = taskDefinition('roll', `${aws.ecr.registryHost()}/web:v1`);
    const v2 = taskDefinition('roll', await buildAndPush('v2'));
    aws.ecs.seedService({ serviceName: 'roll', taskDefinition: v1.arn, desiredCount: 1 });
    const url = aws.ecs.serviceUrl('default', 'roll');
    const old = await aws.ecs.until(() => healthyTask('roll'), 'the v1 task HEALTHY', 120_000);

    const slow = fetch(`${url}/cgi-bin/slow`).then(async (response) => ({
      task: response.headers.get('x-shipyard-task'),
      body: await response.text(),
    }));
    const balancer = aws.ecs.serviceLoadBalancer('default', 'roll');
    await aws.ecs.until(() => (balancer?.inFlightTo(old.taskId) ?? 0) > 0, 'the slow request in flight');

    await ecs.send(new UpdateServiceCommand({ service: 'roll', taskDefinition: v2.arn }));
    await aws.ecs.until(
      () => tasksOf('roll').find((task) => task.taskId === old.taskId && task.lastStatus === 'STOPPING'),
      'the v1 task stopping',
      120_000,
    );
    for (let i = 0; i < 3; i += 1) {
      const answer = await fetch(url);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('v2\n');
    }
    // Still there for its in-flight request.
    expect(tasksOf('roll').find((task) => task.taskId === old.taskId)?.lastStatus).toBe('STOPPING');
    const container = (await mustDocker(['ps', '--quiet', '--filter', `label=${TASK_LABEL}=${old.taskArn}`])).trim();
    await mustDocker(['exec', container, 'touch', '/tmp/release']);
    expect(await slow).toEqual({ task: old.taskId, body: 'slow v1\n' });
    const stopped = await aws.ecs.until(
      () => tasksOf('roll').find((task) => task.taskId === old.taskId && task.lastStatus === 'STOPPED'),
      'the v1 task STOPPED',
      120_000,
    );
    expect(stopped.stopCode).toBe('ServiceSchedulerInitiated');
    // The image's shell answers docker stop's SIGTERM by stopping httpd and exiting 0.
    expect(stopped.containers[0].exitCode).toBe(0);
  });

  test('a container left by an emulator whose process died is removed when the next docker emulator starts', async () => {
    const dead = spawnSync('true');
    const name = `shipyard-ecs-orphan-${process.pid}`;
    await mustDocker([
      'run',
      '--detach',
      '--network',
      'host',
      '--name',
      name,
      '--label',
      `${EMULATOR_LABEL}=shipyard-ecs-${dead.pid}-orphan`,
      '--label',
      `${PID_LABEL}=${dead.pid}`,
      BUSYBOX_IMAGE,
      'sleep',
      '600',
    ]);
    const next = await startAwsEmulator({ tasks: { runtime: 'docker' } });
    try {
      expect((await mustDocker(['ps', '--all', '--quiet', '--filter', `name=^${name}$`])).trim()).toBe('');
    } finally {
      await next.close();
      await docker(['rm', '--force', name]);
    }
  });
});
