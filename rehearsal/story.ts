import {
  ACCOUNT_ID,
  CLUSTER,
  ECR_REPOSITORY,
  FAST_ECS,
  PREVIEW_DOMAIN,
  PRODUCTION_SERVICE,
  REPOSITORY,
  STAGING_LOAD_BALANCER,
  STAGING_SERVICE,
} from './world.js';
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { startAwsEmulator, type ScenarioInput } from '@shipyard/emulators/aws';
import { credentialsFromToken } from '@shipyard/emulators/aws/registry-fixtures';
import { startGitHubEmulator, type GitHubEmulator } from '@shipyard/emulators/github';
import { fargateTaskDefinition } from '@shipyard/harness/task-definition';
import { installBuilder, shellQuote, type BuilderStandIn } from './engine/builder.js';
import { mergeGroupEvent, pullRequestEvent, pushEvent } from './engine/events.js';
import { consoleReporter, renderMarkdown, runMarkdown, seconds } from './engine/output.js';
import { tokenPermissions } from './engine/permissions.js';
import { runWorkflow, type JobRecord, type Reporter, type RunRecord, type StepRecord } from './engine/run.js';
import { simulatedLoadBalancer, type SimulatedLoadBalancer } from './load-balancer.js';
import {
  detectMachine,
  forgetImages,
  keepAsBuildCache,
  storyUnavailable,
  type Machine,
  type MachineKind,
} from './machine.js';
import { startForwardProxy, type ForwardProxy } from './network.js';
import { repoRoot } from './paths.js';

/**
 * The story `npm run rehearse` plays (issues 14 and 16), against the AWS emulator (ECS, ECR with
 * the real registry behind it, ELBv2, CloudWatch Logs) and the GitHub emulator (with its Slack
 * receiver), all on loopback:
 *
 * 1. Pull requests A (a good change) and B (its app throws at start-up) open at the same time; two
 *    runs of staging.yml go at once, each deploying its own preview (`<staging>-pr-<N>`, reached
 *    at `pr-<N>.preview.rehearsal.test` through the staging load balancer's host rules).
 * 2. A's preview goes green. B's tasks exit; deploy-ecs explains the crash and its `staging-passed`
 *    is red, while A's preview keeps serving A.
 * 3. Bob closes B: staging.yml's closed run removes everything B's preview created.
 * 4. A goes through the merge queue: staging.yml tests the merge group's commit on the staging
 *    service, the queue lands that very commit on main, and A's preview is removed.
 * 5. production.yml promotes the digest the merge group tested, deploys, smoke-tests, comments.
 * 6. production.yml again ("re-run all jobs"): nothing changes.
 */

const TOKEN = 'ghs_rehearsaltoken00000000000000000000000';
/** The app's CloudWatch Logs group (docs/ecs/task-definition.json). */
export const LOG_GROUP = '/ecs/shipyard-demo';
/** The staging cluster's subnets and security group (Fargate's awsvpc), which previews copy. */
const NETWORK = {
  awsvpcConfiguration: {
    subnets: ['subnet-0a1b2c3d'],
    securityGroups: ['sg-0a1b2c3d'],
    assignPublicIp: 'DISABLED' as const,
  },
};

/** B's change: the app reads a setting at start-up that no task definition gives it, so it throws. */
export const B_CRASH_LINE =
  "if (!process.env.GREETING_URL) throw new Error('GREETING_URL is not set: the greeting service cannot be reached');";

export type TaskRuntime = 'docker' | 'process' | 'simulated';

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export interface StageRecord {
  /** Short: `previews A+B`, `close B`, `merge queue`, `close A`, `production`, `production rerun`. */
  key: string;
  name: string;
  /** The workflow runs of the stage (two at once for the two pull requests' previews). */
  runs: RunRecord[];
  conclusion: 'success' | 'failure';
  durationMs: number;
  githubRequests: number;
  awsCalls: number;
}

export interface StoryResult {
  exitCode: number;
  reportPath: string;
  machine: MachineKind;
  runtime: TaskRuntime;
  figures: Record<string, string>;
  checks: Check[];
  stages: StageRecord[];
  /** What the story saw before it closed the emulators, for tests. */
  seen: {
    pullA: number;
    pullB: number;
    commitA: string;
    previewUrlA?: string;
    previewUrlB?: string;
    /** What A's preview's `/version` said, after B's run and before A merged. */
    previewCommitA?: string;
    /** The two runs' windows overlapped by this much (ms); 0 when one waited for the other. */
    overlapMs: number;
    /** Both preview services were ACTIVE at once. */
    previewsLiveTogether: boolean;
    /** What is left of B's preview after its close run, and of A's after the merge (each empty). */
    leftOfB: string[];
    leftOfA: string[];
    mergeGroupSha?: string;
    mergeGroupDigest?: string;
    mainAfterQueue?: string;
    productionImage?: string;
    productionComments: string[];
    previewCommentOnA?: string;
    previewCommentOnB?: string;
    slackMessages: number;
    revisionsBeforeRerun: number;
    revisionsAfterRerun: number;
  };
}

export interface StoryOptions {
  write?: (text: string) => void;
  /** Where the report goes; a temp folder by default. */
  reportPath?: string;
  /** Force the machine kind (default: docker where an engine and the base image are there). */
  machine?: MachineKind;
  /**
   * How ECS tasks run: by default as the machine can (containers, or processes); `simulated` keeps
   * the emulator's time model with no process behind a task (quick, for trying the workflows).
   */
  tasks?: TaskRuntime;
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

function standIns(machine: Machine, runtime: TaskRuntime): string[] {
  const tasks: Record<TaskRuntime, string> = {
    docker: 'ECS tasks: containers of the pushed image on this Docker engine (host network, a port per task);',
    process: 'ECS tasks: local processes of the built app (the image names its folder), one port per task;',
    simulated: "ECS tasks: the AWS emulator's simulated tasks (asked for: nothing runs behind a task); each service's",
  };
  const balancer: Record<TaskRuntime, string> = {
    docker:
      "  the load balancers are the emulator's (ELBv2 host rules for previews), sending requests to healthy tasks only.",
    process:
      "  the load balancers are the emulator's (ELBv2 host rules for previews), sending requests to healthy tasks only.",
    simulated: '  load balancer answers as the demo app configured from its newest healthy task; B is told to crash.',
  };
  return [
    `Machine: ${machine.kind} (${machine.why}).`,
    'AWS: the AWS emulator (ECS, ECR with the real registry behind it, ELBv2, CloudWatch Logs) on loopback, no account.',
    'GitHub: the GitHub emulator (REST API, merge queue, a Slack webhook receiver) on loopback, no network;',
    "  each job gets a token of its own, held to the job's permissions.",
    tasks[runtime],
    balancer[runtime],
    `DNS: a forward proxy on loopback (HTTP_PROXY) resolves *.${PREVIEW_DOMAIN} to the staging load balancer.`,
    'Third-party actions: checkout = a clone of this repository at the commit; configure-aws-credentials =',
    "  the emulator's credentials and endpoint; setup-buildx = `docker buildx` where installed, else the",
    machine.kind === 'docker'
      ? '  classic builder of this engine, given the local Node.js base image and the host network.'
      : '  process builder (the app built on this machine, pushed as an image that names its folder).',
    "The two pull requests' runs go at once; within a run, jobs run one after another; required",
    '  reviewers of environments are taken as approved.',
  ];
}

/** Each line `write` gets, behind `label` (two runs printing at once stay readable). */
function labelled(write: (text: string) => void, label: string): (text: string) => void {
  let atLineStart = true;
  return (text) => {
    let out = '';
    for (const char of text) {
      if (atLineStart && char !== '\n') out += `${label} `;
      out += char;
      atLineStart = char === '\n';
    }
    write(out);
  };
}

/** A reporter that also tells `onStepEnd` when each step ends (for the story's clocks). */
function withHooks(base: Reporter, onStepEnd: (job: JobRecord, step: StepRecord) => void): Reporter {
  return {
    ...base,
    stepEnd(job, step) {
      base.stepEnd?.(job, step);
      onStepEnd(job, step);
    },
  };
}

async function getJson(url: string): Promise<Record<string, unknown> | undefined> {
  try {
    const answer = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return answer.ok ? ((await answer.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** GET `url` through the forward proxy (as the actions' requests go), its JSON body if it answered 200. */
function getJsonThrough(proxy: ForwardProxy, url: string): Promise<Record<string, unknown> | undefined> {
  const through = new URL(proxy.url);
  return new Promise((resolve) => {
    const sent = request(
      {
        host: through.hostname,
        port: Number(through.port),
        path: url,
        headers: { host: new URL(url).host },
        timeout: 5000,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          try {
            resolve(
              answer.statusCode === 200
                ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>)
                : undefined,
            );
          } catch {
            resolve(undefined);
          }
        });
      },
    );
    sent.on('timeout', () => sent.destroy());
    sent.on('error', () => resolve(undefined));
    sent.end();
  });
}

/**
 * The app's task definition as docs/ecs/task-definition.json has it: the container logs with
 * `awslogs` to the app's one log group, under a stream prefix per environment, so a task that
 * exits leaves its last lines where deploy-ecs reads them (B's crash, in its log and summary).
 */
function taskDefinition(family: string, image: string, environment: string, env: Record<string, string>) {
  return fargateTaskDefinition({
    family,
    image,
    executionRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-demo-execution`,
    container: {
      essential: true,
      environment: Object.entries(env).map(([name, value]) => ({ name, value })),
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': LOG_GROUP, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': environment },
      },
    },
  });
}

/**
 * The release before A, built from main with the same builder the workflows get and pushed to the
 * emulated ECR, so the services start on an image that really runs.
 */
async function buildRelease(options: {
  builder: BuilderStandIn;
  folder: string;
  clone: string;
  ecr: ECRClient;
  registryHost: string;
  sha: string;
  write: (text: string) => void;
}): Promise<string> {
  const { builder, folder, clone, ecr, registryHost, sha } = options;
  const bin = join(folder, 'bin');
  installBuilder(bin, builder);
  const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]?.authorizationToken;
  if (!token) throw new Error('ECR gave no authorization token');
  const { username, password } = credentialsFromToken(token);
  const image = `${registryHost}/${ECR_REPOSITORY}:main`;
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    DOCKER_CONFIG: join(folder, 'docker-config'),
    DOCKER_BUILDKIT: '0',
  };
  // Asynchronously: the registry that answers docker is the emulator, in this very process.
  const run = (script: string, input?: string) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('sh', ['-c', script], { cwd: clone, env, stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      child.stdin.end(input ?? '');
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`${script} failed (exit code ${code}): ${stderr.trim()}`)),
      );
    });
  const started = Date.now();
  await run(`docker login --username ${shellQuote(username)} --password-stdin ${shellQuote(registryHost)}`, password);
  await run(
    `docker build --file demo-app/Dockerfile --build-arg GIT_SHA=${shellQuote(sha)} ` +
      `--build-arg APP_VERSION=${shellQuote(APP_VERSION)} --tag ${shellQuote(image)} .`,
  );
  await run(`docker push ${shellQuote(image)}`);
  if (builder.kind === 'docker') keepAsBuildCache(image);
  const described = await ecr.send(
    new DescribeImagesCommand({ repositoryName: ECR_REPOSITORY, imageIds: [{ imageTag: 'main' }] }),
  );
  const digest = described.imageDetails?.[0]?.imageDigest;
  if (!digest) throw new Error('the release before A was pushed but ECR does not list it');
  options.write(`Built the release before A from main (${seconds(Date.now() - started)}): ${digest}\n`);
  return digest;
}

export async function playStory(options: StoryOptions = {}): Promise<StoryResult> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const missing = storyUnavailable();
  if (missing) throw new Error(`The rehearsal cannot run on this machine: ${missing}`);
  const machine = detectMachine(options.machine);
  const work = mkdtempSync(join(tmpdir(), 'shipyard-rehearse-'));
  const reportPath = options.reportPath ?? join(work, 'report.md');
  const report: string[] = ['# Shipyard rehearsal', ''];
  const builder = machine.builder(work);

  const scenario: ScenarioInput = { accountId: ACCOUNT_ID, ecs: FAST_ECS };
  const runtime: TaskRuntime = options.tasks ?? machine.kind;
  const aws = await startAwsEmulator({ scenario, tasks: { runtime } });
  const github: GitHubEmulator = await startGitHubEmulator({ tokens: [TOKEN] });
  const ecr = new ECRClient(aws.clientConfig());
  const registryHost = aws.ecr.registryHost();
  const closers: (() => Promise<void>)[] = [];
  const clone = join(work, 'repository');

  const say = (text: string) => write(text);
  const lines = standIns(machine, runtime);
  say(
    'Shipyard rehearsal: two pull requests on previews at once, one closed, one merged through the merge queue, then production\n\nStanding in here:\n',
  );
  for (const line of lines) say(`  ${line}\n`);
  report.push('Standing in here:', '', ...lines.map((line) => `    ${line}`), '');

  try {
    // GitHub: main with the release before, already deployed to production.
    github.state.createRepository(REPOSITORY, { defaultBranch: 'main' });
    const mainSha = github.state.commit(REPOSITORY, { message: 'The release before A' });
    github.state.createDeployment(REPOSITORY, { sha: mainSha, environment: 'production', statuses: ['success'] });

    // git: main is this repository's HEAD; A and B are branches of it (checkout needs real files).
    git(tmpdir(), ['clone', '--quiet', '--shared', repoRoot, clone]);
    git(clone, ['checkout', '--quiet', '-b', 'rehearsal-main']);
    const localMain = git(clone, ['rev-parse', 'HEAD']);
    git(clone, ['checkout', '--quiet', '-b', 'a-changelog']);
    writeFileSync(join(clone, 'demo-app', 'CHANGELOG-A.md'), 'A: a good change, with notes for the release.\n');
    git(clone, ['add', '.']);
    git(clone, ['commit', '--quiet', '-m', 'A: release notes']);
    const localA = git(clone, ['rev-parse', 'HEAD']);
    git(clone, ['checkout', '--quiet', '-b', 'b-greeting', localMain]);
    const serverFile = join(clone, 'demo-app', 'src', 'server.ts');
    writeFileSync(serverFile, `${B_CRASH_LINE}\n${readFileSync(serverFile, 'utf8')}`);
    git(clone, ['commit', '--quiet', '-am', 'B: read the greeting from GREETING_URL']);
    const localB = git(clone, ['rev-parse', 'HEAD']);
    git(clone, ['checkout', '--quiet', 'rehearsal-main']);

    // AWS: the ECR repository, the release before A, both services steady on it; staging behind
    // the staging load balancer's listener, which previews get host rules on.
    await ecr.send(
      new CreateRepositoryCommand({ repositoryName: ECR_REPOSITORY, imageScanningConfiguration: { scanOnPush: true } }),
    );
    say('\n');
    const earlier = await buildRelease({
      builder,
      folder: join(work, 'seed'),
      clone,
      ecr,
      registryHost,
      sha: mainSha,
      write: say,
    });
    aws.ecs.seedCluster(CLUSTER);
    const stagingGroupArn = aws.elbv2.seedTargetGroup({
      name: STAGING_SERVICE,
      port: 3000,
      healthCheckPath: '/health',
    });
    const {
      listenerArns: [listenerArn],
    } = aws.elbv2.seedLoadBalancer({
      name: STAGING_LOAD_BALANCER,
      listeners: [{ port: 80, protocol: 'HTTP', defaultTargetGroupArn: stagingGroupArn }],
    });
    if (!listenerArn) throw new Error('the emulator made no listener for the staging load balancer');
    for (const [service, environment, count] of [
      [STAGING_SERVICE, 'staging', 1],
      [PRODUCTION_SERVICE, 'production', 2],
    ] as const) {
      const revision = aws.ecs.seedTaskDefinition(
        taskDefinition(service, `${registryHost}/${ECR_REPOSITORY}@${earlier}`, environment, {
          GIT_SHA: mainSha,
          APP_VERSION,
          DEPLOY_ENV: environment,
        }),
      );
      aws.ecs.seedService({
        cluster: CLUSTER,
        serviceName: service,
        taskDefinition: revision.arn,
        desiredCount: count,
        circuitBreaker: { enable: true, rollback: true },
        networkConfiguration: NETWORK,
        ...(service === STAGING_SERVICE
          ? { loadBalancers: [{ targetGroupArn: stagingGroupArn, containerName: 'app', containerPort: 3000 }] }
          : {}),
      });
    }
    const urlOf = async (service: string) => {
      if (runtime !== 'simulated') return aws.ecs.serviceUrl(CLUSTER, service);
      const balancer = await simulatedLoadBalancer(aws, service, APP_VERSION);
      closers.push(() => balancer.close());
      return balancer.url;
    };
    if (runtime !== 'simulated') {
      const started = Date.now();
      await aws.ecs.until(
        () =>
          aws.ecs.tasks().filter((task) => task.lastStatus === 'RUNNING' && task.healthStatus === 'HEALTHY').length >=
          3,
        'the services to run the release before A',
        120_000,
      );
      say(`Staging and production run the release before A (${seconds(Date.now() - started)}).\n`);
    }
    const stagingUrl = await urlOf(STAGING_SERVICE);
    const productionUrl = await urlOf(PRODUCTION_SERVICE);

    // DNS for the previews: *.PREVIEW_DOMAIN is the staging load balancer (with simulated tasks,
    // each preview service's simulated load balancer).
    const frontDoor = runtime === 'simulated' ? undefined : new URL(aws.elbv2.listenerUrl(listenerArn));
    const simulatedPreviews = new Map<string, Promise<SimulatedLoadBalancer>>();
    const proxy = await startForwardProxy(
      async (host, port) => {
        const label = host.toLowerCase().endsWith(`.${PREVIEW_DOMAIN}`)
          ? host.slice(0, -PREVIEW_DOMAIN.length - 1)
          : '';
        if (!/^pr-\d+$/.test(label) || port !== 80) return undefined;
        if (frontDoor) return { host: frontDoor.hostname, port: Number(frontDoor.port) };
        const service = `${STAGING_SERVICE}-${label}`;
        let balancer = simulatedPreviews.get(service);
        if (!balancer) {
          balancer = simulatedLoadBalancer(aws, service, APP_VERSION);
          simulatedPreviews.set(service, balancer);
          closers.push(async () => (await balancer!).close());
        }
        const url = new URL((await balancer).url);
        return { host: url.hostname, port: Number(url.port) };
      },
      { direct: [new URL(`http://${registryHost}`).hostname] },
    );
    closers.push(() => proxy.close());
    say(
      `Staging serves ${stagingUrl}, production ${productionUrl}; previews answer at http://pr-<N>.${PREVIEW_DOMAIN} ` +
        `(the staging load balancer${frontDoor ? `, ${frontDoor.origin}` : ''}).\n`,
    );

    const commits: Record<string, string> = { [mainSha]: localMain };
    const stages: StageRecord[] = [];
    const vars = {
      AWS_ACCOUNT_ID: ACCOUNT_ID,
      AWS_ROLE_ARN_STAGING: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-staging`,
      AWS_ROLE_ARN_PREVIEW: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-preview`,
      STAGING_URL: stagingUrl,
      PREVIEW_DOMAIN,
      PREVIEW_LISTENER_ARN: listenerArn,
      PREVIEW_URL_SCHEME: 'http',
    };
    const common = {
      github: { token: TOKEN, api_url: github.url },
      secrets: { SLACK_WEBHOOK_URL: github.slackWebhookUrl },
      repository: clone,
      resolveCommit: (ref: string) => commits[ref],
      env: { GITHUB_API_URL: github.url, ...proxy.env },
      aws: { accountId: ACCOUNT_ID, env: aws.clientEnv() },
      builder,
      // As GitHub does: each job its own installation token, held to the job's permissions.
      beforeJob: (job: JobRecord) => {
        const permissions = tokenPermissions(job.permissions);
        return permissions ? { token: github.mintToken(permissions) } : undefined;
      },
      inputOverrides: {
        'preview.deploy': { 'poll-interval-seconds': '1' },
        'deploy.deploy': { 'poll-interval-seconds': '1' },
        'deploy.rollback': { 'poll-interval-seconds': '1' },
      },
    };
    const stagingWorkflow = join(repoRoot, '.github', 'workflows', 'staging.yml');
    const stage = async (
      key: string,
      name: string,
      play: (reporter: (label?: string) => Reporter) => Promise<RunRecord[]>,
    ) => {
      const awsBefore = aws.calls().length;
      const githubBefore = github.calls().length;
      const started = Date.now();
      say(`\n━━ ${name}\n`);
      const runs = await play((label) => consoleReporter(label ? labelled(write, label) : write));
      const record: StageRecord = {
        key,
        name,
        runs,
        conclusion: runs.every((run) => run.conclusion === 'success') ? 'success' : 'failure',
        durationMs: Date.now() - started,
        awsCalls: aws.calls().length - awsBefore,
        githubRequests: github.calls().length - githubBefore,
      };
      stages.push(record);
      say(`━━ ${name}: ${runs.map((run) => run.conclusion).join(', ')} in ${seconds(record.durationMs)}\n`);
      for (const run of runs) report.push(`# ${name}`, '', runMarkdown(run), '');
      return record;
    };
    type Pull = ReturnType<typeof github.state.openPullRequest>;
    const pullEvent = (pull: Pull, action: 'opened' | 'closed', merged = false) =>
      pullRequestEvent({
        action,
        repository: { fullName: REPOSITORY },
        number: pull.number,
        title: pull.title,
        author: pull.author,
        headSha: pull.headSha,
        headRef: pull.headRef,
        baseSha: pull.baseSha,
        merged,
        mergeCommitSha: pull.mergeCommitSha ?? undefined,
        sender: action === 'closed' ? (merged ? 'github-merge-queue[bot]' : pull.author) : pull.author,
      });
    const jobOf = (run: RunRecord | undefined, id: string) => run?.jobs.find((job) => job.id === id);
    const stepOf = (job: JobRecord | undefined, id: string) => job?.steps.find((s) => s.id === id && !s.post);
    const previewOf = (pull: Pull) => {
      const service = `${STAGING_SERVICE}-pr-${pull.number}`;
      const tagged = (arn: string) =>
        aws.elbv2.tagsOf(arn).some((tag) => tag.Key === 'shipyard:preview' && tag.Value === `pr-${pull.number}`);
      return {
        url: `http://pr-${pull.number}.${PREVIEW_DOMAIN}`,
        live: () => aws.ecs.service(service, CLUSTER)?.status === 'ACTIVE',
        /** What is left of the preview: each resource it created that still exists. */
        left: () => [
          ...(aws.ecs.service(service, CLUSTER)?.status === 'ACTIVE' ? [`service ${service}`] : []),
          ...aws.elbv2
            .rules(listenerArn)
            .filter((rule) => tagged(rule.arn))
            .map((rule) => `rule ${rule.arn}`),
          ...aws.elbv2
            .targetGroups()
            .filter((group) => tagged(group.arn))
            .map((group) => `target group ${group.name}`),
          ...aws.ecs
            .taskDefinitions(`${STAGING_SERVICE}-pr-${pull.number}`)
            .filter((revision) => revision.status === 'ACTIVE')
            .map((revision) => `revision ${revision.arn}`),
        ],
      };
    };
    const previewComment = (pull: Pull) =>
      github.state
        .comments(REPOSITORY, pull.number)
        .map((comment) => comment.body)
        .find((body) => body.includes('<!-- shipyard:preview-env'));

    // 1. A and B open at the same time: two runs of staging.yml at once, a preview each.
    const pullA = github.state.openPullRequest(REPOSITORY, {
      title: 'A: release notes',
      author: 'alice',
      headRef: 'a-changelog',
    });
    const pullB = github.state.openPullRequest(REPOSITORY, {
      title: 'B: read the greeting from GREETING_URL',
      author: 'bob',
      headRef: 'b-greeting',
    });
    commits[pullA.headSha] = localA;
    commits[pullB.headSha] = localB;
    const previewA = previewOf(pullA);
    const previewB = previewOf(pullB);
    const opened = Date.now();
    say(
      `\nPull requests #${pullA.number} (A, ${pullA.headSha.slice(0, 12)}) and #${pullB.number} (B, ` +
        `${pullB.headSha.slice(0, 12)}) opened; their staging.yml runs go at once, each to its own preview ` +
        `(lines of A's run marked [A], of B's [B]).\n`,
    );
    const windows = { A: { start: 0, end: 0 }, B: { start: 0, end: 0 } };
    let previewsLiveTogether = false;
    const gateEnds = { A: 0, B: 0 };
    let bPushed = 0;
    const openedRun = (pull: Pull, label: 'A' | 'B', reporter: Reporter) =>
      runWorkflow({
        ...common,
        workflow: stagingWorkflow,
        event: pullEvent(pull, 'opened'),
        // Two runs of one workflow: each its own run id (they name the runs in comments and links).
        github: { ...common.github, run_id: label === 'A' ? '7100' : '7200' },
        vars,
        workRoot: join(work, 'runs', `preview-${label}`),
        reporter: withHooks(
          {
            ...reporter,
            jobStart(job) {
              reporter.jobStart?.(job);
              if (job.id === 'preview' && job.result !== 'skipped') windows[label].start = Date.now();
            },
            jobEnd(job) {
              reporter.jobEnd?.(job);
              if (job.id === 'preview') windows[label].end = Date.now();
              if (job.id === 'gate') gateEnds[label] = Date.now();
            },
          },
          (job, step) => {
            previewsLiveTogether ||= previewA.live() && previewB.live();
            if (label !== 'B' || job.id !== 'preview' || step.id !== 'image' || step.post) return;
            bPushed = Date.now();
            // Simulated tasks have no process to crash: the emulator is told B's image exits.
            if (runtime === 'simulated' && step.outputs.digest)
              aws.setScenario({
                ...scenario,
                ecs: {
                  ...FAST_ECS,
                  failingImages: [
                    {
                      pattern: step.outputs.digest,
                      exitCode: 1,
                      reason: 'Error: GREETING_URL is not set',
                      logLines: ['Error: GREETING_URL is not set: the greeting service cannot be reached'],
                    },
                  ],
                },
              });
          },
        ),
      });
    const previews = await stage(
      'previews A+B',
      `staging.yml for #${pullA.number} (A) and #${pullB.number} (B), at the same time`,
      (reporter) => Promise.all([openedRun(pullA, 'A', reporter('[A]')), openedRun(pullB, 'B', reporter('[B]'))]),
    );
    const [runA, runB] = previews.runs;
    const overlapMs = Math.max(0, Math.min(windows.A.end, windows.B.end) - Math.max(windows.A.start, windows.B.start));
    const servedA = await getJsonThrough(proxy, `${previewA.url}/version`);
    const servedB = await getJsonThrough(proxy, `${previewB.url}/version`);
    say(
      `\n${previewA.url}/version says commit ${String(servedA?.commit)}; ${previewB.url}/version ` +
        `${servedB ? `says commit ${String(servedB.commit)}` : 'does not answer (no healthy task)'}.\n`,
    );
    const previewCommentOnA = previewComment(pullA);

    // 2. Bob gives B up: closing it removes its preview.
    github.state.closePullRequest(REPOSITORY, pullB.number);
    const closedB = Date.now();
    let removedB = 0;
    await stage('close B', `staging.yml for closing #${pullB.number} (B), unmerged`, (reporter) =>
      Promise.all([
        runWorkflow({
          ...common,
          workflow: stagingWorkflow,
          event: pullEvent(github.state.pull(REPOSITORY, pullB.number) as Pull, 'closed'),
          vars,
          workRoot: join(work, 'runs', 'close-B'),
          reporter: withHooks(reporter(), (job, step) => {
            if (step.id === 'down' && !step.post) removedB = Date.now();
          }),
        }),
      ]),
    );
    const leftOfB = previewB.left();
    const previewCommentOnB = previewComment(pullB);

    // 3. A through the merge queue: the group's commit (main + A) tested on staging, then landed.
    const queued = Date.now();
    const group = github.state.createMergeGroup(REPOSITORY, pullA.number);
    git(clone, ['checkout', '--quiet', '-b', 'merge-queue', 'rehearsal-main']);
    git(clone, [
      'merge',
      '--quiet',
      '--no-ff',
      '-m',
      `Merge pull request #${pullA.number} from a-changelog`,
      'a-changelog',
    ]);
    const localGroup = git(clone, ['rev-parse', 'HEAD']);
    git(clone, ['checkout', '--quiet', 'rehearsal-main']);
    commits[group.headSha] = localGroup;
    say(`\nPull request #${pullA.number} (A) added to the merge queue: merge group ${group.headSha.slice(0, 12)}.\n`);
    const queueRun = await stage('merge queue', `staging.yml for the merge group of #${pullA.number} (A)`, (reporter) =>
      Promise.all([
        runWorkflow({
          ...common,
          workflow: stagingWorkflow,
          event: mergeGroupEvent({
            repository: { fullName: REPOSITORY },
            headSha: group.headSha,
            baseSha: group.baseSha,
            pullNumber: pullA.number,
            tree: git(clone, ['rev-parse', `${localGroup}^{tree}`]),
            sender: 'alice',
          }),
          vars,
          workRoot: join(work, 'runs', 'merge-queue'),
          reporter: reporter(),
        }),
      ]),
    );
    const [groupRun] = queueRun.runs;
    const groupDeploy = jobOf(groupRun, 'deploy');
    const mergeGroupDigest = stepOf(groupDeploy, 'image')?.outputs.digest;
    const stagingServedGroup = await getJson(`${stagingUrl}/version`);
    let mainAfterQueue: string | undefined;
    if (jobOf(groupRun, 'gate')?.result === 'success') {
      github.state.mergeFromQueue(REPOSITORY, pullA.number, group);
      git(clone, ['merge', '--quiet', '--ff-only', 'merge-queue']);
      mainAfterQueue = github.state.branchHead(REPOSITORY, 'main');
      say(`\nThe merge queue landed ${group.headSha.slice(0, 12)} on main as it was tested.\n`);
    } else say('\nThe merge group did not pass: the queue removes A, and main stays where it was.\n');
    const mergedAt = Date.now();

    // 4. A merged: its preview goes (in the pull request's queue, as the close event runs).
    const mergedA = github.state.pull(REPOSITORY, pullA.number) as Pull;
    if (mainAfterQueue)
      await stage('close A', `staging.yml for the merge of #${pullA.number} (A)`, (reporter) =>
        Promise.all([
          runWorkflow({
            ...common,
            workflow: stagingWorkflow,
            event: pullEvent(mergedA, 'closed', true),
            vars,
            workRoot: join(work, 'runs', 'close-A'),
            reporter: reporter(),
          }),
        ]),
      );
    const leftOfA = previewA.left();

    // 5. production.yml for the queue's push to main; then again ("re-run all jobs").
    let productionServing = 0;
    const production = (attempt: number, reporter: Reporter) =>
      runWorkflow({
        ...common,
        workflow: join(repoRoot, '.github', 'workflows', 'production.yml'),
        event: pushEvent({ repository: { fullName: REPOSITORY }, before: mainSha, after: group.headSha }),
        github: { ...common.github, run_id: '7000', run_attempt: String(attempt) },
        vars: {
          AWS_ACCOUNT_ID: ACCOUNT_ID,
          AWS_ROLE_ARN_PRODUCTION: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-production`,
          PRODUCTION_URL: productionUrl,
        },
        workRoot: join(work, 'runs', `production-${attempt}`),
        reporter,
      });
    let productionRun: StageRecord | undefined;
    let rerun: StageRecord | undefined;
    let revisionsBefore = 0;
    let revisionsAfter = 0;
    let deploymentsBefore = 0;
    let deploymentsAfter = 0;
    if (mainAfterQueue) {
      productionRun = await stage('production', `production.yml for the merge of #${pullA.number}`, (reporter) =>
        Promise.all([
          production(
            1,
            withHooks(reporter(), (job, step) => {
              if (job.id === 'deploy' && step.id === 'smoke' && step.outcome === 'success')
                productionServing = Date.now();
            }),
          ),
        ]),
      );
      revisionsBefore = aws.ecs.taskDefinitions(PRODUCTION_SERVICE).length;
      deploymentsBefore = aws.ecs.service(PRODUCTION_SERVICE, CLUSTER)?.deployments.length ?? 0;
      rerun = await stage('production rerun', 'production.yml again ("re-run all jobs", attempt 2)', (reporter) =>
        Promise.all([production(2, reporter())]),
      );
      revisionsAfter = aws.ecs.taskDefinitions(PRODUCTION_SERVICE).length;
      deploymentsAfter = aws.ecs.service(PRODUCTION_SERVICE, CLUSTER)?.deployments.length ?? 0;
    }

    const productionDeploy = jobOf(productionRun?.runs[0], 'deploy');
    const productionService = aws.ecs.service(PRODUCTION_SERVICE, CLUSTER);
    const runningDefinition = aws.ecs
      .taskDefinitions(PRODUCTION_SERVICE)
      .find((record) => record.arn === productionService?.taskDefinition)?.definition as
      { containerDefinitions?: { image?: string }[] } | undefined;
    const runningImage = runningDefinition?.containerDefinitions?.[0]?.image;
    const servedProduction = await getJson(`${productionUrl}/version`);
    const productionComments = github.state
      .comments(REPOSITORY, pullA.number)
      .map((comment) => comment.body)
      .filter((body) => body.includes('<!-- shipyard:pr-comment'));
    const slackMessages = github.slackMessages().length;
    const deploymentsForMerge = github.state
      .deployments(REPOSITORY)
      .filter((d) => d.sha === group.headSha && d.environment === 'production').length;
    const previewDeployments = (pull: Pull) =>
      github.state.deployments(REPOSITORY).filter((d) => d.environment === `preview/pr-${pull.number}`).length;
    const digestEqual = Boolean(mergeGroupDigest && runningImage?.endsWith(`@${mergeGroupDigest}`));
    const deployB = stepOf(jobOf(runB, 'preview'), 'deploy');
    const deployBLog = deployB?.log.join('\n') ?? '';

    const checks: Check[] = [
      {
        what: 'A and B ran at the same time, each on a preview of its own',
        ok: overlapMs > 0 && previewsLiveTogether,
        detail: `the two preview jobs overlapped ${seconds(overlapMs)}; both services live at once: ${previewsLiveTogether ? 'yes' : 'no'}`,
      },
      {
        what: "A: its preview serves A's commit at its own host name, smoke-tested; staging-passed is green",
        ok:
          servedA?.commit === pullA.headSha &&
          stepOf(jobOf(runA, 'preview'), 'smoke')?.outcome === 'success' &&
          jobOf(runA, 'gate')?.result === 'success',
        detail: `${previewA.url}/version commit ${String(servedA?.commit)}; smoke ${stepOf(jobOf(runA, 'preview'), 'smoke')?.outcome}; staging-passed ${jobOf(runA, 'gate')?.result}`,
      },
      {
        what: "B: deploy-ecs failed on B's preview and explains the crash; staging-passed is red",
        ok:
          deployB?.outcome === 'failure' &&
          /GREETING_URL is not set/.test(deployBLog) &&
          jobOf(runB, 'gate')?.result === 'failure',
        detail: `deploy ${deployB?.outcome}; crash line in its log: ${/GREETING_URL is not set/.test(deployBLog) ? 'yes' : 'no'}; staging-passed ${jobOf(runB, 'gate')?.result}`,
      },
      {
        what: 'each pull request: a sticky preview comment with its URL, and a preview/pr-<N> deployment',
        ok:
          Boolean(previewCommentOnA?.includes(previewA.url)) &&
          previewDeployments(pullA) >= 1 &&
          previewDeployments(pullB) >= 1,
        detail: `A's comment names its URL: ${previewCommentOnA?.includes(previewA.url) ? 'yes' : 'no'}; deployments preview/pr-${pullA.number}: ${previewDeployments(pullA)}, preview/pr-${pullB.number}: ${previewDeployments(pullB)}`,
      },
      {
        what: 'B closed: its service, rule, target group and revisions are gone, and its comment says so',
        ok: leftOfB.length === 0 && /removed/i.test(previewCommentOnB ?? ''),
        detail: leftOfB.length
          ? `left: ${leftOfB.join(', ')}`
          : `nothing left; comment says removed: ${/removed/i.test(previewCommentOnB ?? '') ? 'yes' : 'no'}`,
      },
      {
        what: "the merge queue: the group's commit deployed to staging and smoke-tested, then landed on main as tested",
        ok:
          jobOf(groupRun, 'gate')?.result === 'success' &&
          stagingServedGroup?.commit === group.headSha &&
          mainAfterQueue === group.headSha,
        detail: `staging-passed ${jobOf(groupRun, 'gate')?.result}; staging /version commit ${String(stagingServedGroup?.commit)}; main ${mainAfterQueue ?? 'unmoved'} (group ${group.headSha})`,
      },
      {
        what: 'A merged: its preview is removed too',
        ok: Boolean(mainAfterQueue) && leftOfA.length === 0,
        detail: leftOfA.length ? `left: ${leftOfA.join(', ')}` : 'nothing left',
      },
      {
        what: 'production: promoted (not rebuilt), deployed, smoke-tested',
        ok:
          productionRun?.conclusion === 'success' &&
          stepOf(productionDeploy, 'promote')?.outcome === 'success' &&
          stepOf(productionDeploy, 'build')?.outcome === 'skipped',
        detail: `run ${productionRun?.conclusion ?? 'not run'}, promote ${stepOf(productionDeploy, 'promote')?.outcome}, build ${stepOf(productionDeploy, 'build')?.outcome}`,
      },
      {
        what: "production runs the digest the merge group tested, and serves the merge group's commit",
        ok: digestEqual && servedProduction?.commit === group.headSha,
        detail: `running ${runningImage}; the merge group tested ${mergeGroupDigest}; /version commit ${String(servedProduction?.commit)}`,
      },
      {
        what: 'A: one production comment, a deployment recorded, Slack told',
        ok: productionComments.length === 1 && deploymentsForMerge >= 1 && slackMessages >= 1,
        detail: `${productionComments.length} comment(s), ${deploymentsForMerge} production deployment(s) of the merge, ${slackMessages} Slack message(s)`,
      },
      {
        what: 'rerun: green, no new revision, no new ECS deployment, still one production comment on A',
        ok:
          rerun?.conclusion === 'success' &&
          revisionsAfter === revisionsBefore &&
          deploymentsAfter === deploymentsBefore &&
          productionComments.length === 1,
        detail: `run ${rerun?.conclusion ?? 'not run'}; revisions ${revisionsBefore} -> ${revisionsAfter}; deployments ${deploymentsBefore} -> ${deploymentsAfter}`,
      },
    ];

    const figure = (from: number, to: number) => (from && to ? ((to - from) / 1000).toFixed(1) : 'not reached');
    const figures: Record<string, string> = {
      'pull request opened -> staging-passed on its preview (s)': figure(opened, gateEnds.A),
      'broken image -> red (s)': figure(bPushed, gateEnds.B),
      'two previews in flight at once (s)': (overlapMs / 1000).toFixed(1),
      'closed -> preview removed (s)': figure(closedB, removedB),
      'queued -> merged (s)': figure(queued, mainAfterQueue ? mergedAt : 0),
      'merge -> production serving the new version (s)': figure(mergedAt, productionServing),
      'digest in production = digest the merge group tested': digestEqual ? 'yes' : 'no',
    };
    const headline = Object.keys(figures).length;
    for (const { key: short, githubRequests, awsCalls, durationMs } of stages) {
      figures[`${short}: time (s)`] = (durationMs / 1000).toFixed(1);
      figures[`${short}: GitHub requests`] = String(githubRequests);
      figures[`${short}: AWS calls`] = String(awsCalls);
    }

    say(`\nThe comments pull request #${pullA.number} (A) received:\n`);
    for (const body of [previewComment(pullA), ...productionComments].filter(Boolean) as string[])
      say(`${renderMarkdown(body).replace(/^/gm, '  ┆ ')}\n\n`);
    say('Stages\n');
    say(
      `  ${'stage'.padEnd(70)} ${'result'.padEnd(8)} ${'time'.padStart(7)} ${'GitHub'.padStart(7)} ${'AWS'.padStart(5)}\n`,
    );
    for (const { name, conclusion, durationMs, githubRequests, awsCalls } of stages)
      say(
        `  ${name.padEnd(70)} ${conclusion.padEnd(8)} ${seconds(durationMs).padStart(7)} ${String(githubRequests).padStart(7)} ${String(awsCalls).padStart(5)}\n`,
      );
    say('\nFigures\n');
    for (const [name, value] of Object.entries(figures).slice(0, headline)) say(`  ${name.padEnd(58)} ${value}\n`);
    say('\nWhat the story must show\n');
    for (const check of checks) say(`  ${check.ok ? '✓' : '✗'} ${check.what}: ${check.detail}\n`);

    report.push('# The end', '', `## The comments pull request #${pullA.number} (A) received`, '');
    for (const body of [previewComment(pullA), ...productionComments].filter(Boolean) as string[])
      report.push(body.replace(/^/gm, '> '), '');
    report.push('## Figures', '', '| figure | value |', '| --- | --- |');
    for (const [name, value] of Object.entries(figures)) report.push(`| ${name} | ${value} |`);
    report.push('', '## What the story must show', '');
    for (const check of checks) report.push(`- ${check.ok ? '✓' : '✗'} ${check.what}: ${check.detail}`);
    report.push('');
    mkdirSync(join(reportPath, '..'), { recursive: true });
    writeFileSync(reportPath, `${report.join('\n')}\n`);
    say(`\nReport: ${reportPath}\n`);
    const ok = checks.every((check) => check.ok);
    if (!ok) say('\nThe story did not go as it must (✗ above): see the report.\n');
    return {
      exitCode: ok ? 0 : 1,
      reportPath,
      machine: machine.kind,
      runtime,
      figures,
      checks,
      stages,
      seen: {
        pullA: pullA.number,
        pullB: pullB.number,
        commitA: pullA.headSha,
        previewUrlA: previewA.url,
        previewUrlB: previewB.url,
        previewCommitA: servedA?.commit as string | undefined,
        overlapMs,
        previewsLiveTogether,
        leftOfB,
        leftOfA,
        mergeGroupSha: group.headSha,
        mergeGroupDigest,
        mainAfterQueue,
        productionImage: runningImage ?? productionDeploy?.outputs['image-uri'],
        productionComments,
        previewCommentOnA,
        previewCommentOnB,
        slackMessages,
        revisionsBeforeRerun: revisionsBefore,
        revisionsAfterRerun: revisionsAfter,
      },
    };
  } finally {
    ecr.destroy();
    for (const close of closers) await close();
    await Promise.all([aws.close(), github.close()]);
    if (machine.kind === 'docker') forgetImages(registryHost);
    // The report stays (its path was printed); everything else goes, and all of it when the report
    // was written elsewhere or never written (the story failed before its end).
    if (options.reportPath || !existsSync(reportPath)) rmSync(work, { recursive: true, force: true });
    else
      for (const name of ['repository', 'runs', 'seed', 'images'])
        rmSync(join(work, name), { recursive: true, force: true });
  }
}

export { ACCOUNT_ID, CLUSTER, ECR_REPOSITORY, PRODUCTION_SERVICE, REPOSITORY, STAGING_SERVICE };
