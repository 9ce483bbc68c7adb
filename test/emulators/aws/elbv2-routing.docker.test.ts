import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateServiceCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryFolder } from '@shipyard/harness/temp';
import { startAwsEmulator, type AwsEmulator } from './index.js';
import { registryUnavailableReason } from './registry.js';
import { BUSYBOX_IMAGE, docker, dockerUnavailable, ensureBusyboxImage, mustDocker } from './docker-fixtures.js';
import { TASK_LABEL } from './ecs/runtime-docker.js';
import { getWithHost } from './get-with-host.js';

/**
 * Issue 16's "with Docker, its local load balancer routes each preview's host name to that
 * preview's tasks": one busybox image pushed to the emulated ECR runs as two preview services'
 * containers (each told its preview by its task definition's environment), and the staging
 * listener's front door sends `pr-1.…` to preview 1's container and `pr-2.…` to preview 2's.
 * Skips with the reason where no engine answers (.ci/docker-setup.sh starts one).
 */

const unavailable = dockerUnavailable() ?? registryUnavailableReason();
if (unavailable) console.warn(`docker listener routing suite skipped: ${unavailable}`);
const describeWithDocker = unavailable ? describe.skip : describe;

const FILES: Record<string, string> = {
  Dockerfile: `FROM ${BUSYBOX_IMAGE}
COPY www /www
COPY serve.sh /serve.sh
HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O /dev/null http://127.0.0.1:$PORT/ || exit 1
CMD ["sh", "/serve.sh"]
`,
  'serve.sh': 'httpd -f -p "127.0.0.1:$PORT" -h /www &\ntrap \'kill $!; exit 0\' TERM\nwait\n',
  'www/index.html': 'ok\n',
  'www/cgi-bin/who': '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s %s\\n" "$PREVIEW" "$HTTP_HOST"\n',
};

/** What the suite compares: the status, the task that served it and the body (not the headers). */
async function get(url: string, host: string, path = '/cgi-bin/who') {
  const { status, task, body } = await getWithHost(url, host, path);
  return { status, task, body };
}

describeWithDocker('preview host names routed to their own containers (tasks.runtime: docker)', () => {
  let aws: AwsEmulator;
  let ecs: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let dockerConfig: string;
  let image: string;
  let listenerArn: string;
  const rules: Record<number, string> = {};
  const seenTasks = new Set<string>();

  const healthyTasks = (serviceName: string) => {
    const tasks = aws.ecs.tasks({ serviceName });
    for (const task of tasks) seenTasks.add(task.taskArn);
    return tasks.filter(
      (task) =>
        task.lastStatus === 'RUNNING' &&
        task.desiredStatus === 'RUNNING' &&
        task.healthStatus === 'HEALTHY' &&
        task.targetHealthy,
    );
  };

  async function preview(number: number): Promise<void> {
    const name = `web-pr-${number}`;
    const group = await elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: 'vpc-0a1b2c3d4e5f60718',
        TargetType: 'ip',
      }),
    );
    const targetGroupArn = group.TargetGroups![0].TargetGroupArn!;
    const rule = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: number,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [`pr-${number}.preview.example`] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    );
    rules[number] = rule.Rules![0].RuleArn!;
    const revision = aws.ecs.seedTaskDefinition({
      family: name,
      containerDefinitions: [
        {
          name: 'web',
          image,
          essential: true,
          memory: 128,
          portMappings: [{ containerPort: 8080 }],
          environment: [{ name: 'PREVIEW', value: `pr-${number}` }],
          stopTimeout: 5,
        },
      ],
    });
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'staging',
        serviceName: name,
        taskDefinition: revision.arn,
        desiredCount: 1,
        loadBalancers: [{ targetGroupArn, containerName: 'web', containerPort: 8080 }],
      }),
    );
  }

  beforeAll(async () => {
    await ensureBusyboxImage();
    aws = await startAwsEmulator({ scenario: { timeScale: 0.001 }, tasks: { runtime: 'docker' } });
    await new ECRClient(aws.clientConfig()).send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    ecs = new ECSClient({ ...aws.clientConfig(), maxAttempts: 1 });
    elb = new ElasticLoadBalancingV2Client({ ...aws.clientConfig(), maxAttempts: 1 });
    dockerConfig = temporaryFolder('shipyard-routing-docker-');
    await mustDocker(
      ['--config', dockerConfig, 'login', '--username', 'AWS', '--password-stdin', aws.ecr.registryHost()],
      { input: aws.ecr.issueRegistryPassword(aws.clock.now()) },
    );
    const context = temporaryFolder('shipyard-routing-image-');
    for (const [path, content] of Object.entries(FILES)) {
      mkdirSync(join(context, path, '..'), { recursive: true });
      writeFileSync(join(context, path), content);
      if (path.includes('cgi-bin')) chmodSync(join(context, path), 0o755);
    }
    image = `${aws.ecr.registryHost()}/web:preview`;
    await mustDocker(['build', '--network', 'host', '--quiet', '--tag', image, context]);
    await mustDocker(['--config', dockerConfig, 'push', image]);
    aws.ecs.seedCluster('staging');
    ({
      listenerArns: [listenerArn],
    } = aws.elbv2.seedLoadBalancer({ name: 'staging', listeners: [{ port: 80 }] }));
    await preview(1);
    await preview(2);
    await aws.ecs.until(
      () => (healthyTasks('web-pr-1').length === 1 && healthyTasks('web-pr-2').length === 1) || undefined,
      'a healthy container of each preview',
      120_000,
    );
  });
  afterAll(async () => {
    ecs?.destroy();
    elb?.destroy();
    await aws?.close();
    // Nothing the emulator ran is left behind.
    for (const arn of seenTasks) {
      expect((await mustDocker(['ps', '--all', '--quiet', '--filter', `label=${TASK_LABEL}=${arn}`])).trim()).toBe('');
    }
    if (image) await docker(['image', 'rm', '--force', image]);
  });
  afterEach(() => {
    expect(aws.problems()).toEqual([]);
  });

  test("each preview's host name reaches its own container; the default action, a deleted rule and zero tasks answer as ALB does", async () => {
    const url = aws.elbv2.listenerUrl(listenerArn);
    const [task1] = healthyTasks('web-pr-1');
    const [task2] = healthyTasks('web-pr-2');
    expect(await get(url, 'pr-1.preview.example')).toEqual({
      status: 200,
      task: task1.taskId,
      body: 'pr-1 pr-1.preview.example\n',
    });
    expect(await get(url, 'PR-2.preview.example:443')).toEqual({
      status: 200,
      task: task2.taskId,
      body: 'pr-2 PR-2.preview.example:443\n',
    });
    expect(await get(url, 'pr-3.preview.example')).toMatchObject({ status: 404, body: '' });

    await elb.send(new DeleteRuleCommand({ RuleArn: rules[2] }));
    expect(await get(url, 'pr-2.preview.example')).toMatchObject({ status: 404, body: '' });

    await ecs.send(new UpdateServiceCommand({ cluster: 'staging', service: 'web-pr-1', desiredCount: 0 }));
    await aws.ecs.until(() => healthyTasks('web-pr-1').length === 0 || undefined, 'no healthy task of web-pr-1');
    expect(await get(url, 'pr-1.preview.example')).toMatchObject({ status: 503 });
    await aws.ecs.until(
      () => aws.ecs.tasks({ serviceName: 'web-pr-1' }).every((task) => task.lastStatus === 'STOPPED') || undefined,
      'the preview 1 container stopped',
      60_000,
    );
  });
});
