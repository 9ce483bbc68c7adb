import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EXECUTION_ROLE_ARN, fargateTaskDefinition } from '@shipyard/harness/task-definition';
import { temporaryFolder } from '@shipyard/harness/temp';
import { ManualClock, startAwsEmulator, type AwsEmulator } from './index.js';
import { registryUnavailableReason } from './registry.js';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from './registry-fixtures.js';
import { awsCliEnv } from './cli-env.js';

/**
 * Conformance against a client this project did not write: every ECS and ECR operation the actions
 * call (grep actions/*\/src for `Command(`), driven through the real AWS CLI with `--endpoint-url`,
 * which parses every answer with botocore against the same service model; plus the CLI's
 * `ecs wait services-stable` waiter and `ecr get-login-password | docker login`. The emulator
 * judges each request against the model too, and the harness fails a test on any problem.
 */

function cliVersion(): string | undefined {
  try {
    return execFileSync('aws', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return undefined;
  }
}

const version = cliVersion();
if (!version) console.warn("AWS CLI conformance skipped: no `aws` on PATH (.ci/run installs Debian's awscli)");
const withCli = version ? test : test.skip;
const noRegistry = registryUnavailableReason();
const dockerLogin = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
if (version && noRegistry) console.warn(`AWS CLI conformance of ECR images skipped: ${noRegistry}`);
if (version && !dockerLogin) console.warn('AWS CLI `docker login` conformance skipped: no Docker engine answers');
const withRegistry = version && !noRegistry ? test : test.skip;
const withDocker = version && !noRegistry && dockerLogin ? test : test.skip;

let aws: AwsEmulator;
let home: string;
const clock = new ManualClock(Date.UTC(2026, 5, 1));

beforeAll(async () => {
  aws = await startAwsEmulator({ clock });
  home = temporaryFolder('shipyard-cli-');
});
afterAll(async () => {
  await aws?.close();
});

function cliEnv(): NodeJS.ProcessEnv {
  return { ...awsCliEnv(aws, home), DOCKER_CONFIG: join(home, 'docker') };
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'aws',
      [...args, '--endpoint-url', aws.url, '--output', 'json'],
      { env: cliEnv(), encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        let json: Record<string, unknown> = {};
        try {
          json = stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {};
        } catch {
          // text output (get-login-password)
        }
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr, json });
      },
    );
  });
}

const taskDefinition = fargateTaskDefinition({
  executionRoleArn: EXECUTION_ROLE_ARN,
  containerDefinitions: [
    {
      name: 'web',
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:abc123',
      essential: true,
      portMappings: [{ containerPort: 3000, protocol: 'tcp' }],
      environment: [{ name: 'NODE_ENV', value: 'production' }],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web' } },
      healthCheck: { command: ['CMD-SHELL', 'true'], interval: 10, retries: 3 },
    },
  ],
});

describe(`ECS through the AWS CLI (${version ?? 'not installed'})`, () => {
  withCli(
    'every ECS operation the deploy action calls',
    async () => {
      const registered = await cli(
        'ecs',
        'register-task-definition',
        '--cli-input-json',
        JSON.stringify(taskDefinition),
      );
      expect(registered).toMatchObject({ code: 0 });
      const arn = (registered.json.taskDefinition as { taskDefinitionArn: string }).taskDefinitionArn;
      expect(arn).toBe('arn:aws:ecs:us-east-1:123456789012:task-definition/web:1');

      const described = await cli('ecs', 'describe-task-definition', '--task-definition', 'web', '--include', 'TAGS');
      expect(described.code).toBe(0);
      expect(described.json.taskDefinition).toMatchObject({ revision: 1, cpu: '256', memory: '512' });

      const listed = await cli('ecs', 'list-task-definitions', '--family-prefix', 'web', '--sort', 'DESC');
      expect(listed.json).toEqual({ taskDefinitionArns: [arn] });

      aws.ecs.seedService({ serviceName: 'web', taskDefinition: arn, desiredCount: 1 });
      const updated = await cli(
        'ecs',
        'update-service',
        '--cluster',
        'default',
        '--service',
        'web',
        '--task-definition',
        arn,
        '--force-new-deployment',
      );
      expect(updated.code).toBe(0);
      expect((updated.json.service as { deployments: unknown[] }).deployments).toHaveLength(2);

      const services = await cli('ecs', 'describe-services', '--cluster', 'default', '--services', 'web', 'gone');
      expect(services.json).toMatchObject({ failures: [{ reason: 'MISSING' }] });

      const tasks = await cli('ecs', 'list-tasks', '--cluster', 'default', '--service-name', 'web');
      const taskArns = tasks.json.taskArns as string[];
      expect(taskArns.length).toBeGreaterThan(0);
      const describedTasks = await cli('ecs', 'describe-tasks', '--cluster', 'default', '--tasks', ...taskArns);
      expect(describedTasks.code).toBe(0);
      expect(describedTasks.json.tasks).toHaveLength(taskArns.length);

      const deregistered = await cli('ecs', 'deregister-task-definition', '--task-definition', arn);
      expect(deregistered.json.taskDefinition).toMatchObject({ status: 'INACTIVE' });
    },
    120_000,
  );

  withCli(
    'service deployments, one-off tasks and their CloudWatch Logs, CreateService and DeleteService',
    async () => {
      const registered = await cli(
        'ecs',
        'register-task-definition',
        '--cli-input-json',
        JSON.stringify({ ...taskDefinition, family: 'jobs' }),
      );
      const arn = (registered.json.taskDefinition as { taskDefinitionArn: string }).taskDefinitionArn;
      const network = 'awsvpcConfiguration={subnets=[subnet-0123456789abcdef0],assignPublicIp=DISABLED}';
      const created = await cli(
        'ecs',
        'create-service',
        '--service-name',
        'jobs',
        '--task-definition',
        arn,
        '--desired-count',
        '1',
        '--network-configuration',
        network,
        '--enable-execute-command',
      );
      expect(created).toMatchObject({ code: 0, json: { service: { status: 'ACTIVE', enableExecuteCommand: true } } });
      expect((await cli('ecs', 'list-services')).json.serviceArns).toContain(
        'arn:aws:ecs:us-east-1:123456789012:service/default/jobs',
      );

      const listed = await cli('ecs', 'list-service-deployments', '--service', 'jobs');
      const [brief] = listed.json.serviceDeployments as {
        serviceDeploymentArn: string;
        targetServiceRevisionArn: string;
      }[];
      const deployments = await cli(
        'ecs',
        'describe-service-deployments',
        '--service-deployment-arns',
        brief.serviceDeploymentArn,
      );
      expect(deployments.json.serviceDeployments).toMatchObject([{ status: 'IN_PROGRESS' }]);
      const revisions = await cli(
        'ecs',
        'describe-service-revisions',
        '--service-revision-arns',
        brief.targetServiceRevisionArn,
      );
      expect(revisions.json.serviceRevisions).toMatchObject([{ taskDefinition: arn }]);
      const stopped = await cli(
        'ecs',
        'stop-service-deployment',
        '--service-deployment-arn',
        brief.serviceDeploymentArn,
        '--stop-type',
        'ROLLBACK',
      );
      expect(stopped.json).toEqual({ serviceDeploymentArn: brief.serviceDeploymentArn });

      aws.setScenario({
        ...aws.scenario(),
        ecs: { ...aws.scenario().ecs, oneOffTasks: [{ command: 'migrate', exitCode: 0, logLines: ['migrated'] }] },
      });
      const ran = await cli(
        'ecs',
        'run-task',
        '--task-definition',
        arn,
        '--launch-type',
        'FARGATE',
        '--network-configuration',
        network,
        '--overrides',
        JSON.stringify({ containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] }),
      );
      const [task] = ran.json.tasks as { taskArn: string }[];
      clock.advance(120_000);
      const described = await cli('ecs', 'describe-tasks', '--tasks', task.taskArn);
      expect(described.json.tasks).toMatchObject([{ lastStatus: 'STOPPED', containers: [{ exitCode: 0 }] }]);
      const stream = `${task.taskArn.split('/').pop()}`;
      const events = await cli('logs', 'get-log-events', '--log-group-name', '/ecs/web', '--log-stream-name', stream);
      expect(events.json.events).toMatchObject([{ message: 'migrated' }]);
      const filtered = await cli(
        'logs',
        'filter-log-events',
        '--log-group-name',
        '/ecs/web',
        '--filter-pattern',
        'migrated',
      );
      expect(filtered.json.events).toMatchObject([{ logStreamName: stream }]);
      const streams = await cli('logs', 'describe-log-streams', '--log-group-name', '/ecs/web');
      expect(streams.json.logStreams).toMatchObject([{ logStreamName: stream }]);

      const ranAgain = await cli('ecs', 'run-task', '--task-definition', arn, '--network-configuration', network);
      const stop = await cli('ecs', 'stop-task', '--task', (ranAgain.json.tasks as { taskArn: string }[])[0].taskArn);
      expect(stop.json.task).toMatchObject({ desiredStatus: 'STOPPED', stopCode: 'UserInitiated' });

      const deleted = await cli('ecs', 'delete-service', '--service', 'jobs', '--force');
      expect(deleted.json.service).toMatchObject({ status: 'DRAINING' });
    },
    120_000,
  );

  withCli(
    'an error the model lists reaches the CLI by its name',
    async () => {
      const missing = await cli(
        'ecs',
        'update-service',
        '--cluster',
        'default',
        '--service',
        'nope',
        '--desired-count',
        '1',
      );
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('(ServiceNotFoundException) when calling the UpdateService operation');
    },
    60_000,
  );

  withCli(
    '`aws ecs wait services-stable` returns once the rollout is steady, and fails on a missing service',
    async () => {
      const registered = await cli(
        'ecs',
        'register-task-definition',
        '--cli-input-json',
        JSON.stringify({ ...taskDefinition, family: 'api' }),
      );
      const arn = (registered.json.taskDefinition as { taskDefinitionArn: string }).taskDefinitionArn;
      aws.ecs.seedService({ serviceName: 'api', taskDefinition: arn, desiredCount: 2 });
      await cli('ecs', 'update-service', '--cluster', 'default', '--service', 'api', '--force-new-deployment');
      clock.advance(60_000); // the rollout completes on the emulator's clock before the waiter's first poll
      const before = aws.calls({ operation: 'DescribeServices' }).length;
      const stable = await cli('ecs', 'wait', 'services-stable', '--cluster', 'default', '--services', 'api');
      expect(stable).toMatchObject({ code: 0, stderr: '' });
      expect(aws.calls({ operation: 'DescribeServices' }).length).toBe(before + 1);

      const missing = await cli('ecs', 'wait', 'services-stable', '--cluster', 'default', '--services', 'gone');
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('Waiter ServicesStable failed');
    },
    120_000,
  );
});

describe(`ECR through the AWS CLI (${version ?? 'not installed'})`, () => {
  withCli(
    'repositories and the authorization token',
    async () => {
      expect(
        (await cli('ecr', 'create-repository', '--repository-name', 'team/web', '--image-tag-mutability', 'IMMUTABLE'))
          .code,
      ).toBe(0);
      const described = await cli('ecr', 'describe-repositories', '--repository-names', 'team/web');
      expect(described.json.repositories).toEqual([
        expect.objectContaining({ repositoryName: 'team/web', imageTagMutability: 'IMMUTABLE' }),
      ]);
      const missing = await cli('ecr', 'describe-repositories', '--repository-names', 'nope');
      expect(missing.stderr).toContain('(RepositoryNotFoundException) when calling the DescribeRepositories operation');
      const token = await cli('ecr', 'get-authorization-token');
      // ECR's own shape where the machine resolves it (<account>.dkr.ecr.<region>.amazonaws.com), else loopback.
      const proxyEndpoint = `http://${aws.ecr.registryHost(cliEnv().AWS_DEFAULT_REGION)}`;
      expect(token.json.authorizationData).toEqual([expect.objectContaining({ proxyEndpoint })]);
      const password = await cli('ecr', 'get-login-password');
      expect(password.code).toBe(0);
      // Each token has its own password; the registry behind the emulated ECR takes this one.
      expect(
        credentialsFromToken((token.json.authorizationData as { authorizationToken: string }[])[0].authorizationToken)
          .username,
      ).toBe('AWS');
      const registry = await fetch(`${aws.url}/v2/`, {
        headers: { authorization: basicAuth('AWS', password.stdout.trim()) },
      });
      expect(registry.status).not.toBe(401);
    },
    120_000,
  );

  withRegistry(
    'images: describe-images, batch-get-image, put-image',
    async () => {
      await cli('ecr', 'create-repository', '--repository-name', 'images');
      const password = (await cli('ecr', 'get-login-password')).stdout.trim();
      const pushed = await pushSyntheticImage(aws.url, {
        authorization: basicAuth('AWS', password),
        repository: 'images',
        tag: 'abc123',
        content: 'layer',
      });
      const described = await cli(
        'ecr',
        'describe-images',
        '--repository-name',
        'images',
        '--image-ids',
        'imageTag=abc123',
      );
      expect(described.json.imageDetails).toEqual([
        expect.objectContaining({ imageDigest: pushed.digest, imageTags: ['abc123'] }),
      ]);
      const got = await cli(
        'ecr',
        'batch-get-image',
        '--repository-name',
        'images',
        '--image-ids',
        'imageTag=abc123',
        '--accepted-media-types',
        pushed.mediaType,
      );
      const image = (got.json.images as { imageManifest: string; imageManifestMediaType: string }[])[0];
      expect(image.imageManifest).toBe(pushed.manifest);
      const put = await cli(
        'ecr',
        'put-image',
        '--repository-name',
        'images',
        '--image-tag',
        'production',
        '--image-manifest',
        image.imageManifest,
        '--image-manifest-media-type',
        image.imageManifestMediaType,
      );
      expect(put.json.image).toMatchObject({ imageId: { imageDigest: pushed.digest, imageTag: 'production' } });
    },
    120_000,
  );

  withDocker(
    '`aws ecr get-login-password | docker login --password-stdin` logs in to the registry',
    async () => {
      const login = await new Promise<{ code: number; output: string }>((resolve) => {
        const child = execFile(
          'sh',
          [
            '-c',
            'aws ecr get-login-password --endpoint-url "$ENDPOINT" | docker login --username AWS --password-stdin "$REGISTRY"',
          ],
          {
            env: { ...cliEnv(), ENDPOINT: aws.url, REGISTRY: aws.ecr.registryHost(cliEnv().AWS_DEFAULT_REGION) },
            encoding: 'utf8',
            timeout: 60_000,
          },
          (error, stdout, stderr) => resolve({ code: error ? 1 : 0, output: stdout + stderr }),
        );
        child.stdin?.end();
      });
      expect(login).toMatchObject({ code: 0, output: expect.stringContaining('Login Succeeded') });
    },
    120_000,
  );
});
