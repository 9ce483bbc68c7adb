import {
  ACCOUNT_ID,
  CLUSTER,
  ECR_REPOSITORY,
  FAST_ECS,
  PRODUCTION_SERVICE,
  REPOSITORY,
} from '../../rehearsal/world.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { createApp } from '@shipyard/demo-app/app';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from '@shipyard/emulators/aws/registry-fixtures';
import { startGitHubEmulator, type GitHubEmulator } from '@shipyard/emulators/github';
import { listenOnLoopback, type Listening } from '@shipyard/harness/listen';
import { repoRoot } from '@shipyard/harness/run-action';
import { fargateTaskDefinition } from '@shipyard/harness/task-definition';

/**
 * The world production.yml runs in, on loopback: an AWS emulator whose ECR already holds the image
 * staging tested (tagged `tested-<tree>`, as staging.yml marks it) and whose ECS cluster runs the
 * production service on an older task definition (circuit breaker and rollback on, as
 * docs/aws-setup.md asks); a GitHub emulator with the repository, the merged pull request whose
 * merge commit is the push being deployed, and the Slack receiver; and the demo app itself,
 * reporting that commit, standing in for the production load balancer.
 */

export const TOKEN = 'ghs_e2etoken000000000000000000000000000';
/** production.yml's defaults for the repository variables the world does not set. */
export { ACCOUNT_ID, CLUSTER, ECR_REPOSITORY, REPOSITORY };
export const SERVICE = PRODUCTION_SERVICE;
export const FAMILY = PRODUCTION_SERVICE;

export const APP_VERSION = (
  JSON.parse(readFileSync(join(repoRoot, 'demo-app', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

export interface StagedImage {
  digest: string;
  tags: string[];
}

export interface PullSummary {
  number: number;
  title: string;
  author: string;
}

export interface ProductionWorld {
  aws: AwsEmulator;
  github: GitHubEmulator;
  ecr: ECRClient;
  /** The registry host ECR's authorization data names (the emulator's own address). */
  registryHost: string;
  appUrl: string;
  /** The pull request whose merge is the push being deployed. */
  pull: PullSummary;
  /** Every pull request this run ships, oldest merge first (`pull` last). */
  shipped: PullSummary[];
  /** The merge commit pushed to main: GITHUB_SHA of the production run. */
  sha: string;
  tree: string;
  staged: StagedImage;
  /** What the service ran before the run. */
  previousImage: string;
  previousTaskDefinitionArn: string;
  close(): Promise<void>;
}

async function pushImage(world: { aws: AwsEmulator; ecr: ECRClient }, tags: string[], content: string) {
  const answer = await world.ecr.send(new GetAuthorizationTokenCommand({}));
  const token = answer.authorizationData?.[0]?.authorizationToken;
  if (!token) throw new Error('ECR gave no authorization token');
  const { username, password } = credentialsFromToken(token);
  let digest = '';
  for (const tag of tags) {
    const pushed = await pushSyntheticImage(world.aws.url, {
      authorization: basicAuth(username, password),
      repository: ECR_REPOSITORY,
      tag,
      content,
    });
    digest = pushed.digest;
  }
  return { digest, tags };
}

function productionTaskDefinition(image: string, sha: string) {
  return fargateTaskDefinition({
    family: FAMILY,
    image,
    executionRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-demo-execution`,
    container: {
      environment: [
        { name: 'GIT_SHA', value: sha },
        { name: 'APP_VERSION', value: APP_VERSION },
        { name: 'DEPLOY_ENV', value: 'production' },
      ],
    },
  });
}

/**
 * What the release being shipped does in production: `good`; `crash-loop`, its server exits at
 * start in ECS, so the rollout fails and the circuit breaker rolls back; `failing-health`, it
 * starts but its `/health` answers 500, so the rollout completes and the smoke test fails.
 */
export type Release = 'good' | 'crash-loop' | 'failing-health';

export interface WorldOptions {
  release?: Release;
  /**
   * Pull requests merged since the last production deployment whose own runs never deployed
   * (GitHub keeps only the newest queued run of a concurrency group): this run ships them too.
   * Their merge commits come after the last successful GitHub deployment, which then exists.
   */
  earlierUnshippedPulls?: number;
}

/** Build the world for a push that ships `release`. */
export async function startProductionWorld({
  release = 'good',
  earlierUnshippedPulls = 0,
}: WorldOptions = {}): Promise<ProductionWorld> {
  const aws = await startAwsEmulator({ scenario: { accountId: ACCOUNT_ID, ecs: FAST_ECS } });
  const github = await startGitHubEmulator({ tokens: [TOKEN] });
  const ecr = new ECRClient(aws.clientConfig());
  let appServer: Listening | undefined;
  const close = async () => {
    ecr.destroy();
    await appServer?.close();
    await Promise.all([aws.close(), github.close()]);
  };
  try {
    // GitHub: main has one earlier release, then the pull request being shipped is merged.
    github.state.createRepository(REPOSITORY, { defaultBranch: 'main' });
    const previousSha = github.state.commit(REPOSITORY, { message: 'Previous release' });
    const earlier: PullSummary[] = [];
    if (earlierUnshippedPulls > 0) {
      github.state.createDeployment(REPOSITORY, { sha: previousSha, environment: 'production', statuses: ['success'] });
    }
    for (let index = 1; index <= earlierUnshippedPulls; index += 1) {
      const merged = github.state.mergePullRequest(REPOSITORY, { title: `Earlier change ${index}`, author: 'bob' });
      earlier.push({ number: merged.number, title: merged.title, author: merged.author });
    }
    const pull = github.state.mergePullRequest(REPOSITORY, { title: 'Add the /ready endpoint', author: 'alice' });
    const sha = pull.mergeCommitSha as string;
    const tree = github.state.commitRecord(sha)?.tree as string;

    // ECR: the previous release, and the image staging built and tested for this tree.
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: ECR_REPOSITORY,
        imageTagMutability: 'MUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
    const world = { aws, ecr };
    const registryHost = aws.ecr.registryHost();
    const previous = await pushImage(world, [previousSha, 'main'], 'previous release');
    const staged = await pushImage(
      world,
      [pull.headSha, `pr-${pull.number}`, `tested-${tree}`],
      `the release staging tested (${release})`,
    );
    if (release === 'crash-loop') {
      aws.setScenario({
        accountId: ACCOUNT_ID,
        ecs: {
          ...FAST_ECS,
          failingImages: [{ pattern: staged.digest, exitCode: 1, reason: 'Error: Cannot find module /app/server.js' }],
        },
      });
    }

    // ECS: the production service steady on the previous release, deployed by digest.
    const previousImage = `${registryHost}/${ECR_REPOSITORY}@${previous.digest}`;
    aws.ecs.seedCluster(CLUSTER);
    const revision = aws.ecs.seedTaskDefinition(productionTaskDefinition(previousImage, previousSha));
    aws.ecs.seedService({
      cluster: CLUSTER,
      serviceName: SERVICE,
      taskDefinition: revision.arn,
      desiredCount: 2,
      circuitBreaker: { enable: true, rollback: true },
    });

    // The load balancer's view of the service: the demo app, already on the new commit.
    const app = createApp({ version: APP_VERSION, commit: sha, environment: 'production' }).callback();
    appServer = await listenOnLoopback((request, response) => {
      if (release === 'failing-health' && request.url === '/health') {
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"status":"database unreachable"}');
      } else {
        void app(request, response);
      }
    });
    const appUrl = appServer.url;

    return {
      aws,
      github,
      ecr,
      registryHost,
      appUrl,
      pull: { number: pull.number, title: pull.title, author: pull.author },
      shipped: [...earlier, { number: pull.number, title: pull.title, author: pull.author }],
      sha,
      tree,
      staged,
      previousImage,
      previousTaskDefinitionArn: revision.arn,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The digest each tag names in the repository. */
export async function tagDigests(world: ProductionWorld, tags: string[]): Promise<Record<string, string>> {
  const answer = await world.ecr.send(
    new DescribeImagesCommand({ repositoryName: ECR_REPOSITORY, imageIds: tags.map((imageTag) => ({ imageTag })) }),
  );
  const digests: Record<string, string> = {};
  for (const detail of answer.imageDetails ?? []) {
    for (const tag of detail.imageTags ?? []) if (tags.includes(tag)) digests[tag] = detail.imageDigest ?? '';
  }
  return digests;
}
