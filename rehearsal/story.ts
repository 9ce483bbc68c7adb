import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { createApp } from '../demo-app/src/app.js';
import { startAwsEmulator, type AwsEmulator, type ScenarioInput } from '../test/emulators/aws/index.js';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from '../test/emulators/aws/registry-fixtures.js';
import { startGitHubEmulator } from '../test/emulators/github/index.js';
import { pullRequestEvent } from './engine/events.js';
import { consoleReporter, runMarkdown, seconds } from './engine/output.js';
import { tokenPermissions } from './engine/permissions.js';
import { runWorkflow, type RunRecord } from './engine/run.js';
import { repoRoot } from './paths.js';

/**
 * The story `npm run rehearse` plays. This slice: pull request A goes through staging.yml against
 * the AWS emulator (ECS, ECR with the real registry behind it) and the GitHub emulator (with its
 * Slack receiver), all in this process on ports the OS picks.
 */

export const REPOSITORY = 'octo-org/shipyard-demo';
const TOKEN = 'ghs_rehearsaltoken00000000000000000000000';
const ACCOUNT_ID = '123456789012';
const ECR_REPOSITORY = 'shipyard-demo';
const CLUSTER = 'shipyard';
const STAGING_SERVICE = 'shipyard-demo-staging';
const STAGING_FAMILY = 'shipyard-demo-staging';

/** Tens of milliseconds per ECS transition, so a rollout takes a second, not minutes. */
const FAST_ECS: NonNullable<ScenarioInput['ecs']> = {
  taskStartDelayMs: 40,
  taskHealthyDelayMs: 20,
  taskStopDelayMs: 20,
  taskFailDelayMs: 20,
  taskRestartDelayMs: 20,
  steadyStateDelayMs: 20,
};

/** What this slice stands in for, said before anything runs. */
export const STAND_INS = [
  'AWS: the AWS emulator (ECS and ECR, the real registry behind ECR) on loopback, no account.',
  'GitHub: the GitHub emulator (REST API and a Slack webhook receiver) on loopback, no network.',
  "ECS tasks: the emulator's simulated tasks; the staging load balancer is the demo app served in this",
  "  process, reporting pull request A's commit (real containers as ECS tasks come later).",
  "Third-party actions: checkout = a clone of this repository at A's commit; configure-aws-credentials =",
  "  the emulator's credentials and endpoint; setup-buildx = this machine's `docker buildx`.",
  "Each job's GITHUB_TOKEN is held to the job's permissions by the GitHub emulator.",
  'Jobs run one after another; required reviewers of environments are taken as approved.',
];

export interface StoryResult {
  exitCode: number;
  reportPath: string;
  figures: Record<string, string>;
  gaps: string[];
}

export interface StoryOptions {
  write?: (text: string) => void;
  /** Where the report goes; a temp folder by default. */
  reportPath?: string;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Alice', '-c', 'user.email=alice@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

const APP_VERSION = (
  JSON.parse(readFileSync(join(repoRoot, 'demo-app', 'package.json'), 'utf8')) as { version: string }
).version;

async function pushImage(aws: AwsEmulator, ecr: ECRClient, tag: string, content: string) {
  const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
  const token = answer.authorizationData?.[0]?.authorizationToken;
  if (!token) throw new Error('ECR gave no authorization token');
  const { username, password } = credentialsFromToken(token);
  return pushSyntheticImage(aws.url, {
    authorization: basicAuth(username, password),
    repository: ECR_REPOSITORY,
    tag,
    content,
  });
}

/**
 * Known gaps: what staging.yml needs that this machine or the emulators cannot give yet. Each is
 * recognised from the run's own record (a step that failed for that reason), never assumed.
 */
function knownGaps(run: RunRecord): string[] {
  const gaps: string[] = [];
  for (const job of run.jobs) {
    for (const step of job.steps) {
      if (step.outcome !== 'failure') continue;
      if (/docker buildx is not installed/.test(step.note ?? ''))
        gaps.push(
          `${job.name} / ${step.label}: this machine has no \`docker buildx\` (the Docker CLI plugin), which ` +
            'staging.yml sets up before building the image. Debian 12 does not package it (Debian 13 and ' +
            "Docker's own packages do); with it, the next need is the Dockerfile's base image node:24-alpine.",
        );
      if (step.log.some((line) => /Cannot connect to the Docker daemon|docker: not found/.test(line)))
        gaps.push(`${job.name} / ${step.label}: no Docker engine answers here, so the image cannot be built.`);
    }
  }
  return gaps;
}

export async function playStory(options: StoryOptions = {}): Promise<StoryResult> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const work = mkdtempSync(join(tmpdir(), 'shipyard-rehearse-'));
  const reportPath = options.reportPath ?? join(work, 'report.md');
  const report: string[] = ['# Shipyard rehearsal', ''];
  write('Shipyard rehearsal: pull request A through staging.yml\n\nStanding in here:\n');
  for (const line of STAND_INS) write(`  ${line}\n`);
  report.push('Standing in here:', '', ...STAND_INS.map((line) => `    ${line}`), '');

  const aws = await startAwsEmulator({ scenario: { accountId: ACCOUNT_ID, ecs: FAST_ECS } });
  const github = await startGitHubEmulator({ tokens: [TOKEN] });
  const ecr = new ECRClient(aws.clientConfig());
  const appServer = createServer();
  const clone = join(work, 'repository');
  try {
    // GitHub: the repository with main, and pull request A open from a branch of it.
    github.state.createRepository(REPOSITORY, { defaultBranch: 'main' });
    const pullA = github.state.openPullRequest(REPOSITORY, {
      title: 'A: say hello on /',
      author: 'alice',
      headRef: 'a-hello',
    });

    // git: A's commit exists locally (checkout needs real files); the emulator's SHAs are its own,
    // so A's head SHA maps to this commit.
    git(tmpdir(), ['clone', '--quiet', '--shared', repoRoot, clone]);
    git(clone, ['checkout', '--quiet', '-b', 'a-hello']);
    writeFileSync(join(clone, 'demo-app', 'CHANGELOG-A.md'), 'A: a good change.\n');
    git(clone, ['add', '.']);
    git(clone, ['commit', '--quiet', '-m', 'A: a good change']);
    const localCommit = git(clone, ['rev-parse', 'HEAD']);
    const commits: Record<string, string> = { [pullA.headSha]: localCommit };

    // AWS: the ECR repository, and the staging service steady on an earlier image.
    await ecr.send(
      new CreateRepositoryCommand({ repositoryName: ECR_REPOSITORY, imageScanningConfiguration: { scanOnPush: true } }),
    );
    const earlier = await pushImage(aws, ecr, 'main', 'the release before A');
    const registryHost = aws.ecr.registryHost();
    aws.ecs.seedCluster(CLUSTER);
    const revision = aws.ecs.seedTaskDefinition({
      family: STAGING_FAMILY,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-demo-execution`,
      containerDefinitions: [
        {
          name: 'app',
          image: `${registryHost}/${ECR_REPOSITORY}@${earlier.digest}`,
          portMappings: [{ containerPort: 3000 }],
          environment: [{ name: 'DEPLOY_ENV', value: 'staging' }],
        },
      ],
    });
    aws.ecs.seedService({
      cluster: CLUSTER,
      serviceName: STAGING_SERVICE,
      taskDefinition: revision.arn,
      desiredCount: 1,
      circuitBreaker: { enable: true, rollback: true },
    });

    // The staging load balancer: the demo app, reporting A's head commit.
    const app = createApp({ version: APP_VERSION, commit: pullA.headSha, environment: 'staging' }).callback();
    appServer.on('request', (request, response) => void app(request, response));
    appServer.listen(0, '127.0.0.1');
    await once(appServer, 'listening');
    const stagingUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;

    const awsAtStart = aws.calls().length;
    const githubAtStart = github.calls().length;
    write(`\nPull request #${pullA.number} (A) opened: head ${pullA.headSha} (local commit ${localCommit}).\n`);
    const event = pullRequestEvent({
      action: 'opened',
      repository: { fullName: REPOSITORY },
      number: pullA.number,
      title: pullA.title,
      author: pullA.author,
      headSha: pullA.headSha,
      headRef: pullA.headRef,
      baseSha: pullA.baseSha,
    });
    const opened = Date.now();
    const staging = await runWorkflow({
      workflow: join(repoRoot, '.github', 'workflows', 'staging.yml'),
      event,
      github: { token: TOKEN, api_url: github.url },
      vars: {
        AWS_ACCOUNT_ID: ACCOUNT_ID,
        AWS_ROLE_ARN_STAGING: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-staging`,
        STAGING_URL: stagingUrl,
      },
      secrets: { SLACK_WEBHOOK_URL: github.slackWebhookUrl },
      repository: clone,
      resolveCommit: (ref) => commits[ref],
      env: { GITHUB_API_URL: github.url },
      aws: { accountId: ACCOUNT_ID, env: aws.clientEnv() },
      beforeJob: (job) => github.setPermissions(tokenPermissions(job.permissions) ?? {}),
      inputOverrides: { 'deploy.deploy': { 'poll-interval-seconds': '1' } },
      workRoot: join(work, 'runs', 'staging-A'),
      reporter: consoleReporter(write),
    });
    const elapsed = Date.now() - opened;
    report.push(runMarkdown(staging), '');

    const gate = staging.jobs.find((job) => job.name === 'staging-passed');
    const green = gate?.result === 'success';
    const figures: Record<string, string> = {
      'pull request opened -> staging-passed (s)': green
        ? (elapsed / 1000).toFixed(1)
        : `not reached (staging-passed ${gate?.result ?? 'missing'} after ${seconds(elapsed)})`,
      'AWS calls (staging, A)': String(aws.calls().length - awsAtStart),
      'GitHub requests (staging, A)': String(github.calls().length - githubAtStart),
    };
    const gaps = green ? [] : knownGaps(staging);
    write('\nFigures\n');
    for (const [name, value] of Object.entries(figures)) write(`  ${name.padEnd(44)} ${value}\n`);
    report.push('## Figures', '', '| figure | value |', '| --- | --- |');
    for (const [name, value] of Object.entries(figures)) report.push(`| ${name} | ${value} |`);
    report.push('');
    if (gaps.length > 0) {
      write('\nKnown gaps (the rehearsal stops here rather than fake them):\n');
      for (const gap of gaps) write(`  - ${gap}\n`);
      report.push('## Known gaps', '', ...gaps.map((gap) => `- ${gap}`), '');
    } else if (!green) {
      write('\nstaging-passed is red for pull request A, which should have passed: see the report.\n');
    }
    mkdirSync(join(reportPath, '..'), { recursive: true });
    writeFileSync(reportPath, `${report.join('\n')}\n`);
    write(`\nReport: ${reportPath}\n`);
    return { exitCode: green ? 0 : gaps.length > 0 ? 2 : 1, reportPath, figures, gaps };
  } finally {
    ecr.destroy();
    appServer.closeAllConnections();
    if (appServer.listening) await new Promise<void>((resolve) => appServer.close(() => resolve()));
    await Promise.all([aws.close(), github.close()]);
    // The report stays (its path was printed); the clone and the job folders go, and the whole
    // folder when the report was written elsewhere.
    if (options.reportPath) rmSync(work, { recursive: true, force: true });
    else {
      rmSync(clone, { recursive: true, force: true });
      rmSync(join(work, 'runs'), { recursive: true, force: true });
    }
  }
}
