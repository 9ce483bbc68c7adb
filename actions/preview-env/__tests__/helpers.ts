import { afterAll, beforeAll } from '@jest/globals';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { startGitHubEmulator, type GitHubEmulator } from '@shipyard/emulators/github';
import { actionRunner, type ActionRun, type InputValue } from '@shipyard/harness/run-action';
import { fargateTaskDefinition } from '@shipyard/harness/task-definition';

/**
 * The world a preview lives in: a staging cluster `shipyard` with service `web` (Fargate, awsvpc,
 * circuit breaker, behind target group `web-staging` on the `staging` load balancer's HTTPS
 * listener), and a GitHub repository with open pull requests.
 */

export const REPOSITORY = 'octo-org/shipyard-demo';
export const TOKEN = 'ghs_emulatortoken0000000000000000000000';
export const CLUSTER = 'shipyard';
export const DOMAIN = 'preview.example.com';
export const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/shipyard-demo-execution';
export const IMAGE = (tag: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/shipyard-demo:${tag}`;
export const NETWORK = {
  awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0a1b2c3d'], assignPublicIp: 'DISABLED' },
};

export interface World {
  aws: AwsEmulator;
  github: GitHubEmulator;
  listenerArn: string;
  stagingGroupArn: string;
  loadBalancerArn: string;
}

/** Both emulators for the suite; `seed()` puts the staging world back before each test. */
export function worldForSuite(): { world: () => World; seed: () => World } {
  let aws: AwsEmulator | undefined;
  let github: GitHubEmulator | undefined;
  let current: World | undefined;
  beforeAll(async () => {
    aws = await startAwsEmulator({ scenario: { timeScale: 0.001 } });
    github = await startGitHubEmulator({ tokens: [TOKEN] });
  });
  afterAll(async () => {
    await aws?.close();
    await github?.close();
  });
  const seed = (): World => {
    if (!aws || !github) throw new Error('the emulators start in beforeAll');
    aws.reset();
    github.reset();
    github.state.createRepository(REPOSITORY, { defaultBranch: 'main' });
    aws.ecs.seedCluster(CLUSTER);
    const revision = aws.ecs.seedTaskDefinition(
      fargateTaskDefinition({
        family: 'shipyard-demo',
        executionRoleArn: EXECUTION_ROLE,
        image: IMAGE('staging'),
        container: {
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/shipyard-demo',
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'app',
            },
          },
        },
      }),
    );
    const stagingGroupArn = aws.elbv2.seedTargetGroup({ name: 'web-staging', port: 3000 });
    const {
      loadBalancerArn,
      listenerArns: [listenerArn],
    } = aws.elbv2.seedLoadBalancer({
      name: 'staging',
      listeners: [{ port: 443, protocol: 'HTTPS', defaultTargetGroupArn: stagingGroupArn }],
    });
    aws.ecs.seedService({
      cluster: CLUSTER,
      serviceName: 'web',
      taskDefinition: revision.arn,
      desiredCount: 2,
      circuitBreaker: { enable: true, rollback: true },
      loadBalancers: [{ targetGroupArn: stagingGroupArn, containerName: 'app', containerPort: 3000 }],
      networkConfiguration: NETWORK,
    });
    current = { aws, github, listenerArn, stagingGroupArn, loadBalancerArn };
    return current;
  };
  return {
    world: () => {
      if (!current) throw new Error('seed() the world first');
      return current;
    },
    seed,
  };
}

const runPreview = actionRunner('preview-env', { timeoutMs: 25_000, githubToken: TOKEN });

/** Run the bundle with the world's endpoints and the common inputs; `inputs` add or override. */
export function preview(world: World, inputs: Record<string, InputValue>): Promise<ActionRun> {
  return runPreview(
    { cluster: CLUSTER, service: 'web', 'listener-arn': world.listenerArn, 'preview-domain': DOMAIN, ...inputs },
    { env: { ...world.aws.clientEnv(), GITHUB_API_URL: world.github.url, GITHUB_REPOSITORY: REPOSITORY } },
  );
}

/** The AWS calls that changed something, as `service:Operation`. */
export const mutations = (world: World) =>
  world.aws.calls({ mutating: true }).map((call) => `${call.service}:${call.operation}`);
