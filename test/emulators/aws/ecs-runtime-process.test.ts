import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryFolder } from '@shipyard/harness/temp';
import { startAwsEmulator, type AwsEmulator } from './index.js';
import { basicAuth, pushSyntheticImage } from './registry-fixtures.js';
import { registryUnavailableReason } from './registry.js';
import { SOURCE_LABEL } from './ecs/runtime-process.js';
import type { TaskRecord } from './ecs/model.js';

/**
 * The `process` task runtime: a tiny node script pushed to the emulated ECR as an image whose
 * config names its folder (the label the rehearsal's docker stand-in writes) runs as each ECS
 * task, with its environment, secrets and PORT; its health check decides HEALTHY; the service's
 * load balancer serves it and drains it in a rollout; a crash is a STOPPED task with the real exit
 * code and the output in CloudWatch Logs. Every wait is on the emulator's own change events.
 */

const unavailable = registryUnavailableReason();
if (unavailable) console.warn(`process task runtime tests skipped: ${unavailable}`);
const describeWithRegistry = unavailable ? describe.skip : describe;

const APP = `
const http = require('node:http');
const fs = require('node:fs');
if (process.env.CRASH) {
  console.log('starting ' + process.env.VERSION);
  console.error('boom: cannot start');
  process.exit(3);
}
const server = http.createServer((request, response) => {
  if (request.url === '/health') {
    response.writeHead(process.env.SICK ? 500 : 200);
    return response.end('ok');
  }
  if (request.url === '/slow') {
    const release = () => {
      if (fs.existsSync(process.env.RELEASE_FILE)) return response.end('slow ' + process.env.VERSION);
      setTimeout(release, 20);
    };
    return release();
  }
  response.end(process.env.VERSION + ' token=' + (process.env.API_TOKEN ? 'set' : 'missing'));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const HEALTH = `
fetch('http://127.0.0.1:' + process.env.PORT + '/health').then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
`;

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:api-token-AbCdEf';
const LOG_GROUP = '/ecs/web';

let aws: AwsEmulator;
let source: string;
let ecs: ECSClient;
let logs: CloudWatchLogsClient;

async function pushImage(tag: string, label = source): Promise<string> {
  const password = aws.ecr.issueRegistryPassword(aws.clock.now());
  await pushSyntheticImage(aws.url, {
    authorization: basicAuth('AWS', password),
    repository: 'web',
    tag,
    content: tag,
    config: {
      Cmd: ['node', 'app.js'],
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'],
      Labels: { [SOURCE_LABEL]: label },
    },
  });
  return `${aws.ecr.registryHost()}/web:${tag}`;
}

function taskDefinition(family: string, image: string, environment: Record<string, string>, extra: object = {}) {
  return aws.ecs.seedTaskDefinition({
    family,
    containerDefinitions: [
      {
        name: 'web',
        image,
        essential: true,
        memory: 256,
        portMappings: [{ containerPort: 8080 }],
        environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
        secrets: [{ name: 'API_TOKEN', valueFrom: SECRET_ARN }],
        healthCheck: { command: ['CMD', 'node', 'health.js'], interval: 5, timeout: 5, retries: 2, startPeriod: 60 },
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': LOG_GROUP, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
        },
        ...extra,
      },
    ],
  });
}

const tasksOf = (serviceName: string) => aws.ecs.tasks({ serviceName });
const healthyTask = (serviceName: string) =>
  tasksOf(serviceName).find((task) => task.lastStatus === 'RUNNING' && task.healthStatus === 'HEALTHY');
const stoppedTask = (serviceName: string) => tasksOf(serviceName).find((task) => task.lastStatus === 'STOPPED');

describeWithRegistry('ECS tasks as local processes (tasks.runtime: process)', () => {
  beforeAll(async () => {
    source = temporaryFolder('shipyard-process-image-');
    writeFileSync(join(source, 'app.js'), APP);
    writeFileSync(join(source, 'health.js'), HEALTH);
    aws = await startAwsEmulator({
      scenario: { timeScale: 0.001 },
      tasks: { runtime: 'process', secrets: { [SECRET_ARN]: 's3cr3t' } },
    });
    await new ECRClient(aws.clientConfig()).send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    ecs = new ECSClient(aws.clientConfig());
    logs = new CloudWatchLogsClient(aws.clientConfig());
  });
  afterAll(async () => {
    ecs?.destroy();
    logs?.destroy();
    await aws?.close();
  });
  afterEach(() => {
    expect(aws.problems()).toEqual([]);
  });

  test('a healthy image runs as a task: RUNNING, HEALTHY, served by the load balancer with its env, secret and PORT', async () => {
    const revision = taskDefinition('web', await pushImage('v1'), { VERSION: 'v1' });
    aws.ecs.seedService({ cluster: 'apps', serviceName: 'web', taskDefinition: revision.arn, desiredCount: 1 });
    const url = aws.ecs.serviceUrl('apps', 'web');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Nothing is healthy yet: the task is still provisioning.
    expect((await fetch(url)).status).toBe(503);

    const task = await aws.ecs.until(() => healthyTask('web'), 'a HEALTHY task of web');
    expect(task.containers[0]).toMatchObject({ lastStatus: 'RUNNING', healthStatus: 'HEALTHY' });
    const port = task.containers[0].hostPort as number;
    expect(aws.ecs.taskEndpoint(task.taskArn)).toBe(`http://127.0.0.1:${port}`);

    const answer = await fetch(url);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-shipyard-task')).toBe(task.taskId);
    expect(await answer.text()).toBe('v1 token=set');
    // The same URL for the life of the service.
    expect(aws.ecs.serviceUrl('apps', 'web')).toBe(url);

    // The process's output is the task's awslogs stream.
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: LOG_GROUP,
        logStreamName: `ecs/web/${task.taskId}`,
        startFromHead: true,
      }),
    );
    expect(events.events?.map((event) => event.message)).toEqual([`listening on ${port}`]);
  });

  test('the load balancer sends requests round robin to the healthy tasks, each on its own port', async () => {
    const revision = taskDefinition('pair', await pushImage('v1'), { VERSION: 'pair' });
    aws.ecs.seedService({ cluster: 'apps', serviceName: 'pair', taskDefinition: revision.arn, desiredCount: 2 });
    const url = aws.ecs.serviceUrl('apps', 'pair');
    const healthy = await aws.ecs.until(() => {
      const ready = tasksOf('pair').filter((task) => task.healthStatus === 'HEALTHY');
      return ready.length === 2 ? ready : undefined;
    }, 'two HEALTHY tasks');
    expect(new Set(healthy.map((task) => task.containers[0].hostPort)).size).toBe(2);
    const servedBy: (string | null)[] = [];
    for (let i = 0; i < 4; i += 1) {
      const answer = await fetch(url);
      expect(await answer.text()).toBe('pair token=set');
      servedBy.push(answer.headers.get('x-shipyard-task'));
    }
    expect(servedBy[0]).not.toBe(servedBy[1]);
    expect(servedBy.slice(2)).toEqual(servedBy.slice(0, 2));
    expect(new Set(servedBy)).toEqual(new Set(healthy.map((task) => task.taskId)));
  });

  test('a crashing image: STOPPED with the real exit code, the stopped reason ECS gives, and its output in CloudWatch Logs', async () => {
    const revision = taskDefinition('crash', await pushImage('v1'), { VERSION: 'v1', CRASH: '1' });
    aws.ecs.seedService({ cluster: 'apps', serviceName: 'crash', taskDefinition: revision.arn, desiredCount: 1 });
    const task = await aws.ecs.until(() => stoppedTask('crash'), 'a STOPPED task of crash');
    expect(task).toMatchObject({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    expect(task.containers[0].exitCode).toBe(3);

    const stream = `ecs/web/${task.taskId}`;
    const lines = await aws.ecs.until(() => {
      const events = aws.logs.store.get(LOG_GROUP, stream) ?? [];
      return events.length >= 2 ? events : undefined;
    }, 'both output lines');
    expect(lines.map((event) => event.message).sort()).toEqual(['boom: cannot start', 'starting v1']);
    const read = await logs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: stream }));
    expect(read.events?.map((event) => event.message).sort()).toEqual(['boom: cannot start', 'starting v1']);
    const filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: LOG_GROUP, filterPattern: 'boom' }));
    expect(filtered.events?.some((event) => event.logStreamName === stream)).toBe(true);
    expect(filtered.events?.every((event) => event.message?.includes('boom'))).toBe(true);
  });

  test('a secret the emulator does not hold fails the task as ECS does (ResourceInitializationError)', async () => {
    const revision = taskDefinition(
      'nosecret',
      await pushImage('v1'),
      { VERSION: 'v1' },
      {
        secrets: [
          { name: 'API_TOKEN', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-XyZ123' },
        ],
      },
    );
    aws.ecs.seedService({ cluster: 'apps', serviceName: 'nosecret', taskDefinition: revision.arn, desiredCount: 1 });
    const task = await aws.ecs.until(() => stoppedTask('nosecret'), 'a STOPPED task of nosecret');
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.stoppedReason).toMatch(
      /^ResourceInitializationError: unable to pull secrets or registry auth: .*missing-XyZ123.*ResourceNotFoundException/,
    );
  });

  test('an image without the source label cannot start (CannotStartContainerError)', async () => {
    const revision = taskDefinition('nolabel', await pushImage('nolabel', ''), { VERSION: 'v1' });
    aws.ecs.seedService({ cluster: 'apps', serviceName: 'nolabel', taskDefinition: revision.arn, desiredCount: 1 });
    const task = await aws.ecs.until(() => stoppedTask('nolabel'), 'a STOPPED task of nolabel');
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.stoppedReason).toMatch(/^CannotStartContainerError: .*org\.shipyard\.rehearsal\.source/);
  });

  test('a rollout drains the old task through the load balancer: its in-flight request finishes, new ones go to the new task', async () => {
    const releaseFile = join(source, 'release');
    const v1 = taskDefinition('roll', await pushImage('v1'), { VERSION: 'v1', RELEASE_FILE: releaseFile });
    const v2 = taskDefinition('roll', await pushImage('v2'), { VERSION: 'v2', RELEASE_FILE: releaseFile });
    aws.ecs.seedService({ cluster: 'apps', serviceName: 'roll', taskDefinition: v1.arn, desiredCount: 1 });
    const url = aws.ecs.serviceUrl('apps', 'roll');
    const old = await aws.ecs.until(() => healthyTask('roll'), 'the v1 task HEALTHY');

    // A request the old task holds until the test releases it.
    const slow = fetch(`${url}/slow`).then(async (response) => ({
      task: response.headers.get('x-shipyard-task'),
      body: await response.text(),
    }));
    const balancer = aws.ecs.serviceLoadBalancer('apps', 'roll');
    await aws.ecs.until(() => (balancer?.inFlightTo(old.taskId) ?? 0) > 0 || undefined, 'the slow request in flight');

    await ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'roll', taskDefinition: v2.arn }));
    const draining = await aws.ecs.until(
      () => tasksOf('roll').find((task) => task.taskId === old.taskId && task.desiredStatus === 'STOPPED'),
      'the v1 task draining',
    );
    expect(['DEACTIVATING', 'STOPPING']).toContain(draining.lastStatus);

    // From now on every new request goes to the new task.
    for (let i = 0; i < 4; i += 1) {
      const answer = await fetch(url);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('v2 token=set');
      expect(answer.headers.get('x-shipyard-task')).not.toBe(old.taskId);
    }
    // The old task keeps running for the request it still serves.
    await aws.ecs.until(
      () => tasksOf('roll').find((task) => task.taskId === old.taskId && task.lastStatus === 'STOPPING'),
      'STOPPING',
    );
    expect(tasksOf('roll').find((task) => task.taskId === old.taskId)?.lastStatus).toBe('STOPPING');

    writeFileSync(releaseFile, '');
    expect(await slow).toEqual({ task: old.taskId, body: 'slow v1' });
    const stopped: TaskRecord = await aws.ecs.until(
      () => tasksOf('roll').find((task) => task.taskId === old.taskId && task.lastStatus === 'STOPPED'),
      'the v1 task STOPPED',
    );
    expect(stopped.stopCode).toBe('ServiceSchedulerInitiated');
    // It handled SIGTERM and exited 0.
    expect(stopped.containers[0].exitCode).toBe(0);
    await aws.ecs.until(
      () => aws.ecs.service('roll', 'apps')?.deployments[0].rolloutState === 'COMPLETED',
      'the rollout COMPLETED',
    );
    expect(
      aws.ecs
        .serviceLoadBalancer('apps', 'roll')
        ?.routed()
        .filter((entry) => entry.taskId === old.taskId),
    ).toEqual([{ taskId: old.taskId, method: 'GET', path: '/slow', status: 200 }]);
  });

  test('close() ends every task process and load balancer', async () => {
    const other = await startAwsEmulator({
      scenario: { timeScale: 0.001 },
      tasks: { runtime: 'process', secrets: { [SECRET_ARN]: 'x' } },
    });
    try {
      await new ECRClient(other.clientConfig()).send(new CreateRepositoryCommand({ repositoryName: 'web' }));
      const password = other.ecr.issueRegistryPassword(other.clock.now());
      await pushSyntheticImage(other.url, {
        authorization: basicAuth('AWS', password),
        repository: 'web',
        tag: 'v1',
        config: { Cmd: ['node', 'app.js'], Labels: { [SOURCE_LABEL]: source } },
      });
      const revision = other.ecs.seedTaskDefinition({
        family: 'web',
        containerDefinitions: [
          {
            name: 'web',
            image: `${other.ecr.registryHost()}/web:v1`,
            essential: true,
            memory: 256,
            environment: [{ name: 'VERSION', value: 'v9' }],
            healthCheck: { command: ['CMD', 'node', 'health.js'], interval: 5, retries: 2, startPeriod: 60 },
          },
        ],
      });
      other.ecs.seedService({ serviceName: 'web', taskDefinition: revision.arn });
      const url = other.ecs.serviceUrl('default', 'web');
      const task = await other.ecs.until(
        () => other.ecs.tasks().find((candidate) => candidate.healthStatus === 'HEALTHY'),
        'a HEALTHY task',
      );
      const endpoint = other.ecs.taskEndpoint(task.taskArn) as string;
      expect(await (await fetch(endpoint)).text()).toBe('v9 token=missing');
      expect((await fetch(url)).status).toBe(200);
      await other.close();
      await expect(fetch(endpoint)).rejects.toThrow();
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      await other.close();
    }
  });

  test('tasks.runtime docker without an engine fails at start with the reason and the way out', async () => {
    const saved = process.env.SHIPYARD_DOCKER_CLI;
    process.env.SHIPYARD_DOCKER_CLI = '/bin/false';
    try {
      await expect(startAwsEmulator({ tasks: { runtime: 'docker' } })).rejects.toThrow(
        /^tasks\.runtime 'docker' needs a Docker engine, and none answers \(\/bin\/false version failed\); run \.ci\/docker-setup\.sh, or use tasks\.runtime 'process'$/,
      );
    } finally {
      if (saved === undefined) delete process.env.SHIPYARD_DOCKER_CLI;
      else process.env.SHIPYARD_DOCKER_CLI = saved;
    }
  });
});
