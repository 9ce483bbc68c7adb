import {
  ACCOUNT_ID,
  CLUSTER,
  ECR_REPOSITORY,
  FAST_ECS,
  PRODUCTION_SERVICE,
  REPOSITORY,
  STAGING_SERVICE,
} from './world.js';
import { execFileSync, spawn } from 'node:child_process';
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
import { pullRequestEvent, pushEvent } from './engine/events.js';
import { consoleReporter, renderMarkdown, runMarkdown, seconds } from './engine/output.js';
import { tokenPermissions } from './engine/permissions.js';
import { runWorkflow, type JobRecord, type Reporter, type RunRecord, type StepRecord } from './engine/run.js';
import { simulatedLoadBalancer } from './load-balancer.js';
import {
  detectMachine,
  forgetImages,
  keepAsBuildCache,
  storyUnavailable,
  type Machine,
  type MachineKind,
} from './machine.js';
import { repoRoot } from './paths.js';

/**
 * The story `npm run rehearse` plays (issue 14), against the AWS emulator (ECS, ECR with the real
 * registry behind it) and the GitHub emulator (with its Slack receiver), all on loopback:
 *
 * 1. Pull requests A (a good change) and B (its app throws at start-up) open at the same time;
 *    each goes through staging.yml (B's deploy waits in the `deploy-staging` concurrency group).
 * 2. A goes green. B's tasks exit, deploy-ecs explains and rolls staging back, `staging-passed` is
 *    red, and staging serves A's version again.
 * 3. A merges: production.yml promotes the digest staging tested, deploys, smoke-tests, comments.
 * 4. production.yml again ("re-run all jobs"): nothing changes.
 */

const TOKEN = 'ghs_rehearsaltoken00000000000000000000000';
/** The app's CloudWatch Logs group (docs/ecs/task-definition.json). */
export const LOG_GROUP = '/ecs/shipyard-demo';

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
  /** Short: `staging A`, `staging B`, `production`, `production rerun`. */
  key: string;
  name: string;
  run: RunRecord;
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
    stagingDigestA?: string;
    productionImage?: string;
    stagingTaskDefinitionA?: string;
    stagingTaskDefinitionAfterB?: string;
    stagingCommitAfterB?: string;
    commitA: string;
    commentsOnA: string[];
    commentsOnB: number;
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
    docker: "  each service's load balancer is the emulator's, sending requests to healthy tasks only.",
    process: "  each service's load balancer is the emulator's, sending requests to healthy tasks only.",
    simulated: '  load balancer answers as the demo app configured from its newest healthy task; B is told to crash.',
  };
  return [
    `Machine: ${machine.kind} (${machine.why}).`,
    'AWS: the AWS emulator (ECS and ECR, the real registry behind ECR) on loopback, no account.',
    'GitHub: the GitHub emulator (REST API and a Slack webhook receiver) on loopback, no network.',
    tasks[runtime],
    balancer[runtime],
    'Third-party actions: checkout = a clone of this repository at the commit; configure-aws-credentials =',
    "  the emulator's credentials and endpoint; setup-buildx = `docker buildx` where installed, else the",
    machine.kind === 'docker'
      ? '  classic builder of this engine, given the local Node.js base image and the host network.'
      : '  process builder (the app built on this machine, pushed as an image that names its folder).',
    "Each job's GITHUB_TOKEN is held to the job's permissions by the GitHub emulator.",
    'Jobs run one after another; required reviewers of environments are taken as approved.',
  ];
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
    'Shipyard rehearsal: two pull requests through staging.yml, a merge through production.yml\n\nStanding in here:\n',
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

    // AWS: the ECR repository, the release before A, both services steady on it.
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
    say(`Staging serves ${stagingUrl}, production ${productionUrl}.\n`);

    const commits: Record<string, string> = { [mainSha]: localMain };
    const stages: StageRecord[] = [];
    const common = {
      github: { token: TOKEN, api_url: github.url },
      secrets: { SLACK_WEBHOOK_URL: github.slackWebhookUrl },
      repository: clone,
      resolveCommit: (ref: string) => commits[ref],
      env: { GITHUB_API_URL: github.url },
      aws: { accountId: ACCOUNT_ID, env: aws.clientEnv() },
      builder,
      beforeJob: (job: JobRecord) => github.setPermissions(tokenPermissions(job.permissions) ?? {}),
    };
    const stage = async (
      key: string,
      name: string,
      play: (reporter: Reporter) => Promise<RunRecord>,
      onStepEnd: (job: JobRecord, step: StepRecord) => void = () => {},
    ) => {
      const awsBefore = aws.calls().length;
      const githubBefore = github.calls().length;
      say(`\n━━ ${name}\n`);
      const run = await play(withHooks(consoleReporter(write), onStepEnd));
      const record = {
        key,
        name,
        run,
        awsCalls: aws.calls().length - awsBefore,
        githubRequests: github.calls().length - githubBefore,
      };
      stages.push(record);
      say(`━━ ${name}: ${run.conclusion} in ${seconds(run.durationMs)}\n`);
      report.push(`# ${name}`, '', runMarkdown(run), '');
      return record;
    };

    // 1. A and B open at the same time.
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
    const opened = Date.now();
    say(
      `\nPull requests #${pullA.number} (A, ${pullA.headSha.slice(0, 12)}) and #${pullB.number} (B, ` +
        `${pullB.headSha.slice(0, 12)}) opened; B's deploy waits in the deploy-staging concurrency group behind A's.\n`,
    );
    const staging = (pull: typeof pullA, label: string, onStepEnd?: (job: JobRecord, step: StepRecord) => void) =>
      stage(
        `staging ${label}`,
        `staging.yml for pull request #${pull.number} (${label})`,
        (reporter) =>
          runWorkflow({
            ...common,
            workflow: join(repoRoot, '.github', 'workflows', 'staging.yml'),
            event: pullRequestEvent({
              action: 'opened',
              repository: { fullName: REPOSITORY },
              number: pull.number,
              title: pull.title,
              author: pull.author,
              headSha: pull.headSha,
              headRef: pull.headRef,
              baseSha: pull.baseSha,
            }),
            vars: {
              AWS_ACCOUNT_ID: ACCOUNT_ID,
              AWS_ROLE_ARN_STAGING: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-staging`,
              STAGING_URL: stagingUrl,
            },
            inputOverrides: { 'deploy.deploy': { 'poll-interval-seconds': '1' } },
            workRoot: join(work, 'runs', `staging-${label}`),
            reporter,
          }),
        onStepEnd,
      );

    let gateAEnd = 0;
    const stagingA = await staging(pullA, 'A', (job) => {
      if (job.id === 'gate') gateAEnd = Date.now();
    });
    const jobOf = (run: RunRecord, id: string) => run.jobs.find((job) => job.id === id);
    const stepOf = (job: JobRecord | undefined, id: string) => job?.steps.find((s) => s.id === id && !s.post);
    const stagingDigestA = stepOf(jobOf(stagingA.run, 'deploy'), 'image')?.outputs.digest;
    const stagingTaskDefinitionA = stepOf(jobOf(stagingA.run, 'deploy'), 'deploy')?.outputs['task-definition-arn'];

    let bPushed = 0;
    let gateBEnd = 0;
    const stagingB = await staging(pullB, 'B', (job, step) => {
      if (job.id === 'gate') gateBEnd = Date.now();
      if (job.id === 'deploy' && step.id === 'image' && !step.post) {
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
      }
    });
    const stagingAfterB = aws.ecs.service(STAGING_SERVICE, CLUSTER)?.taskDefinition;
    const servedAfterB = await getJson(`${stagingUrl}/version`);
    say(`\nStaging after B: ${stagingAfterB ?? 'no service'}; /version says commit ${String(servedAfterB?.commit)}.\n`);

    // 3. A merges; production.yml runs for the push to main.
    const merged = github.state.mergeOpenPullRequest(REPOSITORY, pullA.number, { mergedBy: 'alice' });
    const mergeSha = merged.mergeCommitSha as string;
    git(clone, ['merge', '--quiet', '--no-ff', '-m', `Merge pull request #${pullA.number}`, 'a-changelog']);
    commits[mergeSha] = git(clone, ['rev-parse', 'HEAD']);
    const mergedAt = Date.now();
    say(`\nPull request #${pullA.number} (A) merged: main is ${mergeSha.slice(0, 12)}.\n`);
    let productionServing = 0;
    const production = (attempt: number, reporter: Reporter) =>
      runWorkflow({
        ...common,
        workflow: join(repoRoot, '.github', 'workflows', 'production.yml'),
        event: pushEvent({ repository: { fullName: REPOSITORY }, before: mainSha, after: mergeSha }),
        github: { ...common.github, run_id: '7000', run_attempt: String(attempt) },
        vars: {
          AWS_ACCOUNT_ID: ACCOUNT_ID,
          AWS_ROLE_ARN_PRODUCTION: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-production`,
          PRODUCTION_URL: productionUrl,
        },
        inputOverrides: {
          'deploy.deploy': { 'poll-interval-seconds': '1' },
          'deploy.rollback': { 'poll-interval-seconds': '1' },
        },
        workRoot: join(work, 'runs', `production-${attempt}`),
        reporter,
      });
    const productionRun = await stage(
      'production',
      `production.yml for the merge of #${pullA.number}`,
      (reporter) => production(1, reporter),
      (job, step) => {
        if (job.id === 'deploy' && step.id === 'smoke' && step.outcome === 'success') productionServing = Date.now();
      },
    );
    const revisionsBefore = aws.ecs.taskDefinitions(PRODUCTION_SERVICE).length;
    const deploymentsBefore = aws.ecs.service(PRODUCTION_SERVICE, CLUSTER)?.deployments.length ?? 0;
    const rerun = await stage('production rerun', `production.yml again ("re-run all jobs", attempt 2)`, (reporter) =>
      production(2, reporter),
    );
    const revisionsAfter = aws.ecs.taskDefinitions(PRODUCTION_SERVICE).length;
    const deploymentsAfter = aws.ecs.service(PRODUCTION_SERVICE, CLUSTER)?.deployments.length ?? 0;

    const productionDeploy = jobOf(productionRun.run, 'deploy');
    const productionImage = productionDeploy?.outputs['image-uri'];
    const productionService = aws.ecs.service(PRODUCTION_SERVICE, CLUSTER);
    const runningDefinition = aws.ecs
      .taskDefinitions(PRODUCTION_SERVICE)
      .find((record) => record.arn === productionService?.taskDefinition)?.definition as
      { containerDefinitions?: { image?: string }[] } | undefined;
    const runningImage = runningDefinition?.containerDefinitions?.[0]?.image;
    const servedProduction = await getJson(`${productionUrl}/version`);
    const commentsOnA = github.state.comments(REPOSITORY, pullA.number).map((comment) => comment.body);
    const commentsOnB = github.state.comments(REPOSITORY, pullB.number).length;
    const slackMessages = github.slackMessages().length;
    const deploymentsForMerge = github.state.deployments(REPOSITORY).filter((d) => d.sha === mergeSha).length;
    const digestEqual = Boolean(stagingDigestA && runningImage?.endsWith(`@${stagingDigestA}`));
    const deployB = jobOf(stagingB.run, 'deploy');
    const deployStepB = stepOf(deployB, 'deploy');

    const checks: Check[] = [
      {
        what: 'A: staging-passed is green',
        ok: jobOf(stagingA.run, 'gate')?.result === 'success',
        detail: `staging-passed ${jobOf(stagingA.run, 'gate')?.result}`,
      },
      {
        what: 'B: deploy-ecs failed and rolled staging back, staging-passed is red',
        ok:
          deployStepB?.outcome === 'failure' &&
          deployStepB.outputs['rolled-back'] === 'true' &&
          jobOf(stagingB.run, 'gate')?.result === 'failure',
        detail: `deploy ${deployStepB?.outcome}, rolled-back ${deployStepB?.outputs['rolled-back']}, staging-passed ${jobOf(stagingB.run, 'gate')?.result}`,
      },
      {
        what: "B: staging runs A's revision and serves A's commit again",
        ok: stagingAfterB === stagingTaskDefinitionA && servedAfterB?.commit === pullA.headSha,
        detail: `service on ${stagingAfterB}, A deployed ${stagingTaskDefinitionA}; /version commit ${String(servedAfterB?.commit)}`,
      },
      {
        what: 'production: promoted (not rebuilt), deployed, smoke-tested',
        ok:
          productionRun.run.conclusion === 'success' &&
          stepOf(productionDeploy, 'promote')?.outcome === 'success' &&
          stepOf(productionDeploy, 'build')?.outcome === 'skipped',
        detail: `run ${productionRun.run.conclusion}, promote ${stepOf(productionDeploy, 'promote')?.outcome}, build ${stepOf(productionDeploy, 'build')?.outcome}`,
      },
      {
        what: 'production runs the digest staging tested, and serves the merge commit',
        ok: digestEqual && servedProduction?.commit === mergeSha,
        detail: `running ${runningImage}; staging tested ${stagingDigestA}; /version commit ${String(servedProduction?.commit)}`,
      },
      {
        what: 'A: one comment, a deployment recorded, Slack told',
        ok: commentsOnA.length === 1 && deploymentsForMerge >= 1 && slackMessages >= 1,
        detail: `${commentsOnA.length} comment(s), ${deploymentsForMerge} deployment(s) of the merge, ${slackMessages} Slack message(s)`,
      },
      {
        what: 'rerun: green, no new revision, no new ECS deployment, still one comment on A',
        ok:
          rerun.run.conclusion === 'success' &&
          revisionsAfter === revisionsBefore &&
          deploymentsAfter === deploymentsBefore &&
          github.state.comments(REPOSITORY, pullA.number).length === 1,
        detail: `run ${rerun.run.conclusion}; revisions ${revisionsBefore} -> ${revisionsAfter}; deployments ${deploymentsBefore} -> ${deploymentsAfter}`,
      },
    ];

    const figures: Record<string, string> = {
      'pull request opened -> staging-passed (s)': gateAEnd ? ((gateAEnd - opened) / 1000).toFixed(1) : 'not reached',
      'merge -> production serving the new version (s)': productionServing
        ? ((productionServing - mergedAt) / 1000).toFixed(1)
        : 'not reached',
      'broken image -> red (s)': bPushed && gateBEnd ? ((gateBEnd - bPushed) / 1000).toFixed(1) : 'not reached',
      'digest in production = digest staging tested': digestEqual ? 'yes' : 'no',
    };
    for (const { key: short, githubRequests, awsCalls, run } of stages) {
      figures[`${short}: time (s)`] = (run.durationMs / 1000).toFixed(1);
      figures[`${short}: GitHub requests`] = String(githubRequests);
      figures[`${short}: AWS calls`] = String(awsCalls);
    }

    say(`\nThe comment pull request #${pullA.number} (A) received:\n`);
    for (const body of commentsOnA) say(`${renderMarkdown(body).replace(/^/gm, '  ┆ ')}\n`);
    say('\nStages\n');
    say(
      `  ${'stage'.padEnd(58)} ${'result'.padEnd(8)} ${'time'.padStart(7)} ${'GitHub'.padStart(7)} ${'AWS'.padStart(5)}\n`,
    );
    for (const { name, run, githubRequests, awsCalls } of stages)
      say(
        `  ${name.padEnd(58)} ${run.conclusion.padEnd(8)} ${seconds(run.durationMs).padStart(7)} ${String(githubRequests).padStart(7)} ${String(awsCalls).padStart(5)}\n`,
      );
    say('\nFigures\n');
    for (const [name, value] of Object.entries(figures).slice(0, 4)) say(`  ${name.padEnd(50)} ${value}\n`);
    say('\nWhat the story must show\n');
    for (const check of checks) say(`  ${check.ok ? '✓' : '✗'} ${check.what}: ${check.detail}\n`);

    report.push('# The end', '', `## The comment pull request #${pullA.number} (A) received`, '');
    for (const body of commentsOnA) report.push(body.replace(/^/gm, '> '), '');
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
        stagingDigestA,
        productionImage: runningImage ?? productionImage,
        stagingTaskDefinitionA,
        stagingTaskDefinitionAfterB: stagingAfterB,
        stagingCommitAfterB: servedAfterB?.commit as string | undefined,
        commitA: pullA.headSha,
        commentsOnA,
        commentsOnB,
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
