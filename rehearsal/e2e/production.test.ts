import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { registryUnavailableReason } from '@shipyard/emulators/aws/registry';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from '@shipyard/emulators/aws/registry-fixtures';
import {
  ACCOUNT_ID,
  CLUSTER,
  ECR_REPOSITORY,
  REPOSITORY,
  SERVICE,
  TOKEN,
  startProductionWorld,
  tagDigests,
  type ProductionWorld,
  type Release,
} from '../../test/e2e/production-world.js';
import { temporaryFolder } from '@shipyard/harness/temp';
import { pushEvent } from '../engine/events.js';
import { tokenPermissions } from '../engine/permissions.js';
import { runWorkflow, type JobRecord, type RunRecord } from '../engine/run.js';
import { repoRoot } from '../paths.js';

/**
 * production.yml, the file itself, run by the engine in test/e2e's production world: every step
 * runs for real (the `aws` CLI against the emulator, the committed bundles, bash scripts), so
 * this is the engine's proof on the workflow it will replace test/e2e's runner for.
 */

const noRegistry = registryUnavailableReason();
const noAwsCli = (() => {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'the aws CLI is not installed';
  }
})();
const skipReason = noRegistry ?? noAwsCli;
if (skipReason) console.warn(`production.yml through the engine skipped: ${skipReason}`);
const describeIfPossible = skipReason ? describe.skip : describe;

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

interface Shipped {
  world: ProductionWorld;
  folder: string;
  tree: string;
  run: (attempt?: number) => Promise<RunRecord>;
  /** The AWS calls made before production.yml first runs (the world's and the tested tag's). */
  callsBeforeRun: number;
}

/** A production world whose staged image is also tagged for the local tree, and a way to run production.yml in it. */
async function world({
  release,
  earlierUnshippedPulls = 0,
}: {
  release: Release;
  earlierUnshippedPulls?: number;
}): Promise<Shipped> {
  const world = await startProductionWorld({ release, earlierUnshippedPulls });
  const folder = temporaryFolder('rehearsal-production-');
  const clone = join(folder, 'repository');
  git(tmpdir(), ['clone', '--quiet', '--shared', repoRoot, clone]);
  const commit = git(clone, ['rev-parse', 'HEAD']);
  const tree = git(clone, ['rev-parse', 'HEAD^{tree}']);
  // Staging tested this tree: the same image the world staged, tagged for the tree git computes.
  const answer = await world.ecr.send(new GetAuthorizationTokenCommand({}));
  const { username, password } = credentialsFromToken(answer.authorizationData?.[0]?.authorizationToken ?? '');
  const pushed = await pushSyntheticImage(world.aws.url, {
    authorization: basicAuth(username, password),
    repository: ECR_REPOSITORY,
    tag: `tested-${tree}`,
    content: `the release staging tested (${release})`,
  });
  if (pushed.digest !== world.staged.digest) throw new Error('the tested tag names another image than the staged one');
  const run = (attempt = 1) =>
    runWorkflow({
      workflow: join(repoRoot, '.github', 'workflows', 'production.yml'),
      event: pushEvent({ repository: { fullName: REPOSITORY }, before: '0'.repeat(40), after: world.sha }),
      github: { token: TOKEN, api_url: world.github.url, run_attempt: String(attempt) },
      vars: {
        AWS_ACCOUNT_ID: ACCOUNT_ID,
        AWS_ROLE_ARN_PRODUCTION: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-production`,
        PRODUCTION_URL: world.appUrl,
      },
      secrets: { SLACK_WEBHOOK_URL: world.github.slackWebhookUrl },
      repository: clone,
      resolveCommit: (ref) => (ref === world.sha ? commit : undefined),
      env: { GITHUB_API_URL: world.github.url },
      aws: { accountId: ACCOUNT_ID, env: world.aws.clientEnv() },
      // The GitHub emulator holds each job's token to the job's permissions.
      beforeJob: (job) => world.github.setPermissions(tokenPermissions(job.permissions) ?? {}),
      inputOverrides: {
        'deploy.deploy': { 'poll-interval-seconds': '1' },
        'deploy.rollback': { 'poll-interval-seconds': '1' },
      },
    });
  return { world, folder, tree, run, callsBeforeRun: world.aws.calls().length };
}

const outcomes = (job: JobRecord) => job.steps.filter((s) => !s.post).map((s) => [s.id, s.outcome]);

describeIfPossible('production.yml through the engine', () => {
  const worlds: Shipped[] = [];
  let good: Shipped;
  let goodRun: RunRecord;
  let rerun: RunRecord;
  let crashLoop: RunRecord;
  let failingHealth: RunRecord;
  let superseding: RunRecord;
  let goodCallsAfterRun = 0;

  beforeAll(async () => {
    const made = await Promise.all(
      [
        { release: 'good' as Release },
        { release: 'crash-loop' as Release },
        { release: 'failing-health' as Release },
        // One run after superseded runs: GitHub kept only the newest queued run of the group.
        { release: 'good' as Release, earlierUnshippedPulls: 2 },
      ].map(world),
    );
    worlds.push(...made);
    [good] = made;
    [goodRun, crashLoop, failingHealth, superseding] = await Promise.all(made.map((shipped) => shipped.run()));
    goodCallsAfterRun = good.world.aws.calls().length;
    rerun = await good.run(2);
  }, 240_000);

  afterAll(async () => {
    for (const shipped of worlds) {
      await shipped.world.close();
    }
  });

  test('a good release: the tested image promoted by digest, deployed, smoke-tested, the pull request told', async () => {
    const [deploy, notify] = goodRun.jobs;
    const failed = deploy.steps
      .filter((s) => s.outcome === 'failure')
      .map((s) => `${s.label}: ${s.note} ${s.log.slice(-5).join(' / ')}`);
    expect(failed).toEqual([]);
    expect(deploy.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['__actions_checkout', 'success'],
      ['__run', 'success'],
      ['source', 'success'],
      ['__aws-actions_configure-aws-credentials', 'success'],
      ['tested', 'success'],
      ['promote', 'success'],
      ['__docker_setup-buildx-action', 'skipped'],
      ['build', 'skipped'],
      ['deploy', 'success'],
      ['smoke', 'success'],
      ['rollback', 'skipped'],
      ['__run_2', 'success'],
      ['promote', 'success'], // build-push-ecr's post step
    ]);
    expect(deploy.steps.find((s) => s.id === 'source')?.outputs.tree).toBe(good.tree);
    expect(deploy.outputs['image-uri']).toContain(`@${good.world.staged.digest}`);
    expect(await tagDigests(good.world, ['main'])).toEqual({ main: good.world.staged.digest });
    expect(notify.result).toBe('success');
    expect(goodRun.conclusion).toBe('success');
  });

  test('promotion copies the manifest: two tags put, no layer uploaded, the image handed to deploy-ecs', async () => {
    const { world } = good;
    const runCalls = world.aws.calls().slice(good.callsBeforeRun, goodCallsAfterRun);
    expect(runCalls.filter((call) => call.operation === 'PutImage')).toHaveLength(2);
    expect(runCalls.filter((call) => /^registry (POST|PUT|PATCH) blobs/.test(call.operation))).toEqual([]);
    const deploy = goodRun.jobs[0];
    const imageUri = `${world.registryHost}/${ECR_REPOSITORY}@${world.staged.digest}`;
    expect(deploy.steps.find((s) => s.id === 'deploy')?.inputs.image).toBe(imageUri);
    expect(await tagDigests(world, [`tested-${good.tree}`, world.sha])).toEqual({
      [`tested-${good.tree}`]: world.staged.digest,
      [world.sha]: world.staged.digest,
    });
    const running = world.aws.ecs.tasks({ serviceName: SERVICE }).filter((task) => task.lastStatus === 'RUNNING');
    expect(running.map((task) => task.taskDefinitionArn)).toEqual(
      running.map(() => deploy.outputs['task-definition-arn']),
    );
    expect(running).toHaveLength(2);
  });

  test('pr-comment tells the pull request (digest, revision, smoke report), records a deployment and tells Slack', () => {
    const { world } = good;
    const deploy = goodRun.jobs[0];
    const comments = world.github.state.comments(REPOSITORY, world.pull.number);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toContain(world.staged.digest);
    expect(comments[0].body).toContain(deploy.outputs['task-definition-arn'].split('/').at(-1));
    expect(comments[0].body).toContain('Smoke test passed');
    expect(comments[0].body).toContain(`| Expected version | \`${world.sha}\` |`);
    const deployments = world.github.state.deployments(REPOSITORY).filter((d) => d.sha === world.sha);
    expect(deployments.map((d) => [d.environment, d.statuses.at(-1)?.state])).toEqual([['production', 'success']]);
    const slack = world.github.slackMessages();
    expect(slack).toHaveLength(1);
    expect(JSON.stringify(slack[0])).toContain(`/pull/${world.pull.number}`);
    expect(world.github.problems()).toEqual([]);
  });

  test('a rerun (attempt 2) changes nothing: same task definition, still one comment', () => {
    expect(rerun.conclusion).toBe('success');
    expect(rerun.jobs[0].outputs['task-definition-arn']).toBe(goodRun.jobs[0].outputs['task-definition-arn']);
    expect(good.world.github.state.comments(REPOSITORY, good.world.pull.number)).toHaveLength(1);
  });

  test('a crash-looping release: deploy-ecs fails and rolls back itself, the workflow rollback stays skipped, the pull request is told', () => {
    const [deploy, notify] = crashLoop.jobs;
    expect(Object.fromEntries(outcomes(deploy))).toMatchObject({
      promote: 'success',
      deploy: 'failure',
      smoke: 'skipped',
      rollback: 'skipped',
      __run_2: 'success',
    });
    expect(deploy.result).toBe('failure');
    expect(notify.result).toBe('success');
    expect(notify.steps.find((s) => s.label === 'Comment on the pull requests that shipped')?.inputs.status).toBe(
      'failure',
    );
    const shipped = worlds[1];
    const comments = shipped.world.github.state.comments(REPOSITORY, shipped.world.pull.number);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toContain('Deployment to production failed');
    expect(shipped.world.github.state.deployments(REPOSITORY).map((d) => d.statuses.at(-1)?.state)).toEqual([
      'failure',
    ]);
    const deployStep = deploy.steps.find((s) => s.id === 'deploy');
    expect(deployStep?.outputs).toMatchObject({ 'rollout-state': 'FAILED', 'rolled-back': 'true' });
    expect(deployStep?.log.join('\n')).toContain('Cannot find module /app/server.js');
    expect(shipped.world.aws.ecs.service(SERVICE, CLUSTER)?.taskDefinition).toBe(
      shipped.world.previousTaskDefinitionArn,
    );
  });

  test('one run after superseded runs: each pull request merged since the last deployment is told once, one Slack message names them all', () => {
    const shipped = worlds[3];
    expect(superseding.conclusion).toBe('success');
    expect(shipped.world.shipped).toHaveLength(3);
    const notify = superseding.jobs[1].steps.find((s) => s.label === 'Comment on the pull requests that shipped');
    expect(notify?.outputs['pr-numbers']).toBe(shipped.world.shipped.map((pull) => pull.number).join(','));
    for (const pull of shipped.world.shipped) {
      const comments = shipped.world.github.state.comments(REPOSITORY, pull.number);
      expect(comments).toHaveLength(1);
      expect(comments[0].body).toContain(shipped.world.staged.digest);
    }
    const deployments = shipped.world.github.state.deployments(REPOSITORY).filter((d) => d.sha === shipped.world.sha);
    expect(deployments.map((d) => d.statuses.at(-1)?.state)).toEqual(['success']);
    const slack = shipped.world.github.slackMessages();
    expect(slack).toHaveLength(1);
    for (const pull of shipped.world.shipped) expect(JSON.stringify(slack[0])).toContain(`/pull/${pull.number}`);
  });

  test("a release whose /health fails: the smoke test fails and the workflow's own rollback puts the previous revision back", () => {
    const [deploy] = failingHealth.jobs;
    expect(Object.fromEntries(outcomes(deploy))).toMatchObject({
      deploy: 'success',
      smoke: 'failure',
      rollback: 'success',
    });
    const shipped = worlds[2];
    expect(shipped.world.aws.ecs.service(SERVICE, CLUSTER)?.taskDefinition).toBe(
      shipped.world.previousTaskDefinitionArn,
    );
    expect(deploy.steps.find((s) => s.id === 'rollback')?.inputs['task-definition-arn']).toBe(
      shipped.world.previousTaskDefinitionArn,
    );
  });
});
