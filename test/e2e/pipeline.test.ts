import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { registryUnavailableReason } from '../emulators/aws/registry.js';
import {
  ACCOUNT_ID,
  CLUSTER,
  ECR_REPOSITORY,
  FAMILY,
  REPOSITORY,
  SERVICE,
  runProductionPipeline,
  startProductionWorld,
  tagDigests,
  type PipelineRun,
  type ProductionWorld,
  type WorldOptions,
} from './production-world.js';
import type { JobResult, StepRecord } from './workflow-runner.js';

/**
 * production.yml end to end: its own `if:` and `with:` expressions decide what each of the four
 * bundled actions gets, each action runs as the runner runs it, and what reached ECR, ECS, GitHub
 * and Slack is read back from the emulators. See production-world.ts for the world it runs in.
 */

const noRegistry = registryUnavailableReason();
if (noRegistry) console.warn(`production pipeline end-to-end suite skipped: ${noRegistry}`);
const describeWithRegistry = noRegistry ? describe.skip : describe;

/** A step's record, failing with what the job did when the step is not there. */
function step(job: JobResult, id: string): StepRecord {
  const record = job.byId[id];
  if (!record) throw new Error(`No step '${id}' ran; steps: ${job.steps.map((s) => s.label).join(', ')}`);
  return record;
}

/** The action's error annotations, so a failing expectation says why the step failed. */
function errorsOf(job: JobResult, id: string): string[] {
  const record = step(job, id);
  if (!record.run) return record.outcome === 'success' ? [] : [`${record.outcome}: ${record.note ?? ''}`];
  if (record.run.exitCode !== 0 && record.run.errors.length === 0) {
    return [`exit code ${record.run.exitCode}, no ::error::; stderr: ${record.run.stderr.slice(-2000)}`];
  }
  return record.run.errors;
}

const revisionArn = (revision: number) => `arn:aws:ecs:us-east-1:${ACCOUNT_ID}:task-definition/${FAMILY}:${revision}`;

function containerImage(world: ProductionWorld, taskDefinitionArn: string): string | undefined {
  const record = world.aws.ecs.taskDefinitions(FAMILY).find((revision) => revision.arn === taskDefinitionArn);
  const containers = (record?.definition as { containerDefinitions?: { name: string; image: string }[] })
    ?.containerDefinitions;
  return containers?.find((container) => container.name === 'app')?.image;
}

interface Shipped {
  world: ProductionWorld;
  run: PipelineRun;
}

/** A world, and one run of production.yml in it. */
async function ship(options: WorldOptions): Promise<Shipped> {
  const world = await startProductionWorld(options);
  try {
    return { world, run: await runProductionPipeline(world) };
  } catch (error) {
    await world.close();
    throw error;
  }
}

describeWithRegistry('production.yml end to end', () => {
  // The failing releases ship in worlds of their own while the good one does: the suite waits for
  // the slowest pipeline, not for the sum of them.
  let crashLoop: Promise<Shipped>;
  let failingHealth: Promise<Shipped>;
  let afterSkippedRuns: Promise<Shipped>;
  beforeAll(() => {
    crashLoop = ship({ release: 'crash-loop' });
    failingHealth = ship({ release: 'failing-health' });
    afterSkippedRuns = ship({ earlierUnshippedPulls: 1 });
    // Each is awaited by its own tests; this only keeps an early failure from being an unhandled rejection.
    for (const shipped of [crashLoop, failingHealth, afterSkippedRuns]) shipped.catch(() => undefined);
  });
  afterAll(async () => {
    for (const settled of await Promise.allSettled([crashLoop, failingHealth, afterSkippedRuns])) {
      if (settled.status === 'fulfilled') await settled.value.world.close();
    }
  });

  describe('a merged pull request ships, and a rerun changes nothing', () => {
    let world: ProductionWorld;
    let first: PipelineRun;
    let imageUri: string;

    beforeAll(async () => {
      world = await startProductionWorld();
      first = await runProductionPipeline(world);
      imageUri = `${world.registryHost}/${ECR_REPOSITORY}@${world.staged.digest}`;
    }, 60_000);
    afterAll(() => world?.close());

    test('every step of both jobs runs or is skipped as the workflow says', () => {
      expect(errorsOf(first.deploy, 'promote')).toEqual([]);
      expect(errorsOf(first.deploy, 'deploy')).toEqual([]);
      expect(errorsOf(first.deploy, 'smoke')).toEqual([]);
      expect(first.deploy.result).toBe('success');
      const outcomes = Object.fromEntries(first.deploy.steps.filter((s) => s.id).map((s) => [s.id, s.outcome]));
      expect(outcomes).toEqual({
        source: 'success',
        tested: 'success',
        promote: 'success',
        build: 'skipped',
        deploy: 'success',
        smoke: 'success',
        rollback: 'skipped',
      });
      expect(first.notify.result).toBe('success');
      expect(first.notify.steps.map((s) => `${s.label}: ${s.outcome}`)).toContain(
        'Comment on the pull requests that shipped: success',
      );
    });

    test('build-push-ecr promotes the tested image by digest and hands deploy-ecs its image-uri', () => {
      expect(step(first.deploy, 'tested').outputs.digest).toBe(world.staged.digest);
      expect(step(first.deploy, 'promote').inputs).toMatchObject({
        repository: ECR_REPOSITORY,
        'source-digest': world.staged.digest,
      });
      expect(step(first.deploy, 'promote').outputs).toMatchObject({
        'image-uri': imageUri,
        digest: world.staged.digest,
        tags: `${world.sha}\nmain`,
      });
      // Promotion copies a manifest: no layer was uploaded during the run.
      const runCalls = world.aws.calls().slice(world.callsAtStart);
      expect(runCalls.filter((call) => call.operation === 'PutImage')).toHaveLength(2);
      expect(runCalls.filter((call) => /^registry (POST|PUT|PATCH) blobs/.test(call.operation))).toEqual([]);
      expect(step(first.deploy, 'deploy').inputs.image).toBe(imageUri);
    });

    test('ECR holds the production tags on the digest staging tested', async () => {
      expect(await tagDigests(world, [`tested-${world.tree}`, world.sha, 'main'])).toEqual({
        [`tested-${world.tree}`]: world.staged.digest,
        [world.sha]: world.staged.digest,
        main: world.staged.digest,
      });
    });

    test('deploy-ecs rolls the promoted digest out to the production service', () => {
      expect(step(first.deploy, 'deploy').outputs).toMatchObject({
        'task-definition-arn': revisionArn(2),
        'previous-task-definition-arn': world.previousTaskDefinitionArn,
        'rollout-state': 'COMPLETED',
        'rolled-back': 'false',
      });
      const service = world.aws.ecs.service(SERVICE, CLUSTER);
      expect(service?.taskDefinition).toBe(revisionArn(2));
      expect(service?.deployments.map((d) => [d.taskDefinition, d.rolloutState])).toEqual([
        [revisionArn(2), 'COMPLETED'],
      ]);
      expect(containerImage(world, revisionArn(2))).toBe(imageUri);
      const running = world.aws.ecs.tasks({ serviceName: SERVICE }).filter((task) => task.lastStatus === 'RUNNING');
      expect(running.map((task) => task.taskDefinitionArn)).toEqual([revisionArn(2), revisionArn(2)]);
    });

    test('smoke-test sees the pushed commit live and passes the checks of .github/smoke/checks.yml', () => {
      expect(step(first.deploy, 'smoke').inputs).toMatchObject({ url: world.appUrl, 'expect-version': world.sha });
      expect(step(first.deploy, 'smoke').outputs).toMatchObject({ passed: 'true', version: world.sha });
      expect(first.deploy.droppedOutputs).toEqual([]);
      expect(first.deploy.outputs).toEqual({
        'image-uri': imageUri,
        'task-definition-arn': revisionArn(2),
        'smoke-report': step(first.deploy, 'smoke').outputs.report,
      });
    });

    test('pr-comment gets the deploy job outputs and tells the pull request, GitHub deployments and Slack', () => {
      const notify = first.notify.steps.find((s) => s.run);
      expect(notify?.run?.errors).toEqual([]);
      expect(notify?.inputs).toMatchObject({
        status: 'success',
        environment: 'production',
        image: imageUri,
        'task-definition-arn': revisionArn(2),
        'smoke-report': step(first.deploy, 'smoke').outputs.report,
        'create-deployment': 'true',
        'slack-webhook-url': world.github.slackWebhookUrl,
      });

      const comments = world.github.state.comments(REPOSITORY, world.pull.number);
      expect(comments).toHaveLength(1);
      const body = comments[0].body;
      expect(body).toContain(world.staged.digest);
      expect(body).toContain(`${FAMILY}:2`);
      expect(body).toContain(step(first.deploy, 'smoke').outputs.report.trim());
      expect(notify?.run?.outputs['comment-ids']).toBe(String(comments[0].id));

      const deployments = world.github.state.deployments(REPOSITORY);
      expect(deployments.map((d) => [d.sha, d.environment])).toEqual([[world.sha, 'production']]);
      expect(deployments[0].statuses.at(-1)).toMatchObject({
        state: 'success',
        environmentUrl: expect.stringContaining(world.appUrl),
      });
      expect(notify?.run?.outputs['deployment-id']).toBe(String(deployments[0].id));

      const slack = world.github.slackMessages();
      expect(slack).toHaveLength(1);
      expect(JSON.stringify(slack[0])).toContain(world.pull.title);
      expect(JSON.stringify(slack[0])).toContain(`/pull/${world.pull.number}`);
      expect(world.github.problems()).toEqual([]);
    });

    describe('"Re-run all jobs" of the same run', () => {
      let rerun: PipelineRun;
      let awsCallsBefore: number;
      let commentsBefore: { id: number; body: string }[];
      let deploymentsBefore: number[];
      let serviceDeploymentsBefore: string[] | undefined;

      beforeAll(async () => {
        awsCallsBefore = world.aws.calls().length;
        commentsBefore = world.github.state
          .comments(REPOSITORY, world.pull.number)
          .map(({ id, body }) => ({ id, body }));
        deploymentsBefore = world.github.state.deployments(REPOSITORY).map((d) => d.id);
        serviceDeploymentsBefore = world.aws.ecs.service(SERVICE, CLUSTER)?.deployments.map((d) => d.id);
        rerun = await runProductionPipeline(world, { attempt: 2 });
      }, 60_000);

      test('succeeds with the same image and the same task definition revision', () => {
        expect(errorsOf(rerun.deploy, 'promote')).toEqual([]);
        expect(errorsOf(rerun.deploy, 'deploy')).toEqual([]);
        expect(rerun.deploy.result).toBe('success');
        expect(rerun.notify.result).toBe('success');
        expect(rerun.deploy.outputs['image-uri']).toBe(imageUri);
        expect(step(rerun.deploy, 'deploy').outputs).toMatchObject({
          'task-definition-arn': revisionArn(2),
          'rollout-state': 'COMPLETED',
        });
      });

      test('changes nothing in AWS: the tags are already there, no new revision, no new ECS deployment', async () => {
        const rerunCalls = world.aws.calls().slice(awsCallsBefore);
        // ECR refuses a PutImage that would change nothing (ImageAlreadyExistsException) and ECS's
        // UpdateService with the running revision and no force starts no deployment: both are fine.
        // Anything that did change something is not.
        const changes = rerunCalls.filter(
          (call) =>
            call.mutating &&
            call.status === 200 &&
            !(
              call.operation === 'UpdateService' &&
              (call.request as { taskDefinition?: string }).taskDefinition === revisionArn(2) &&
              (call.request as { forceNewDeployment?: boolean }).forceNewDeployment !== true
            ),
        );
        expect(changes.map((call) => `${call.service}:${call.operation}`)).toEqual([]);
        expect(rerunCalls.filter((call) => call.operation === 'RegisterTaskDefinition')).toEqual([]);
        expect(world.aws.ecs.taskDefinitions(FAMILY).map((revision) => revision.revision)).toEqual([1, 2]);
        expect(world.aws.ecs.service(SERVICE, CLUSTER)?.deployments.map((d) => d.id)).toEqual(serviceDeploymentsBefore);
        expect(await tagDigests(world, [world.sha, 'main'])).toEqual({
          [world.sha]: world.staged.digest,
          main: world.staged.digest,
        });
      });

      test('keeps one comment, edited in place, and reuses the GitHub deployment', () => {
        const comments = world.github.state.comments(REPOSITORY, world.pull.number);
        expect(comments.map((comment) => comment.id)).toEqual(commentsBefore.map((comment) => comment.id));
        const notify = rerun.notify.steps.find((s) => s.run);
        expect(notify?.run?.outputs['comment-ids']).toBe(String(commentsBefore[0].id));
        // README: a rerun reuses the deployment and adds a status only when the state changed.
        const deployments = world.github.state.deployments(REPOSITORY);
        expect(deployments.map((d) => d.id)).toEqual(deploymentsBefore);
        expect(notify?.run?.outputs['deployment-id']).toBe(String(deploymentsBefore[0]));
        expect(deployments[0].statuses.map((status) => status.state)).toEqual(['success']);
        // Slack is told once per change of state: the rerun changed nothing, so it posted nothing.
        expect(world.github.slackMessages()).toHaveLength(1);
        expect(world.github.problems()).toEqual([]);
      });
    });
  });

  describe('a release that crash-loops in ECS', () => {
    let world: ProductionWorld;
    let run: PipelineRun;

    beforeAll(async () => {
      ({ world, run } = await crashLoop);
    }, 60_000);

    test('deploy-ecs fails, says the circuit breaker rolled back, and the smoke test never runs', () => {
      const deploy = step(run.deploy, 'deploy');
      expect(deploy.outcome).toBe('failure');
      expect(deploy.outputs).toMatchObject({
        'task-definition-arn': revisionArn(2),
        'rollout-state': 'FAILED',
        'rolled-back': 'true',
      });
      expect(deploy.run?.errors).toHaveLength(1);
      expect(deploy.run?.errors[0]).toContain('Cannot find module /app/server.js');
      expect(step(run.deploy, 'smoke').outcome).toBe('skipped');
      // The workflow's own rollback is for a failed smoke test after a good rollout; ECS already rolled back.
      expect(step(run.deploy, 'rollback').outcome).toBe('skipped');
      expect(run.deploy.result).toBe('failure');
    });

    test('the service runs the previous release again', () => {
      const service = world.aws.ecs.service(SERVICE, CLUSTER);
      expect(service?.taskDefinition).toBe(world.previousTaskDefinitionArn);
      expect(service?.deployments[0]).toMatchObject({
        taskDefinition: world.previousTaskDefinitionArn,
        rolloutState: 'COMPLETED',
      });
      expect(containerImage(world, world.previousTaskDefinitionArn)).toBe(world.previousImage);
    });

    test('pr-comment writes a failure comment and a failure deployment status', () => {
      expect(run.notify.result).toBe('success');
      const notify = run.notify.steps.find((s) => s.run);
      expect(notify?.run?.errors).toEqual([]);
      expect(notify?.inputs).toMatchObject({
        status: 'failure',
        image: `${world.registryHost}/${ECR_REPOSITORY}@${world.staged.digest}`,
        'task-definition-arn': revisionArn(2),
        'smoke-report': '',
      });
      const comments = world.github.state.comments(REPOSITORY, world.pull.number);
      expect(comments).toHaveLength(1);
      expect(comments[0].body).toContain('Deployment to production failed');
      expect(comments[0].body).toContain(world.staged.digest);
      const deployments = world.github.state.deployments(REPOSITORY);
      expect(deployments.map((d) => [d.sha, d.environment])).toEqual([[world.sha, 'production']]);
      expect(deployments[0].statuses.at(-1)?.state).toBe('failure');
      expect(world.github.slackMessages()).toHaveLength(1);
      expect(world.github.problems()).toEqual([]);
    });
  });

  describe('a release whose health check fails after a good rollout', () => {
    let world: ProductionWorld;
    let run: PipelineRun;

    beforeAll(async () => {
      ({ world, run } = await failingHealth);
    }, 60_000);

    test('the rollout completes, smoke-test fails, and its report is the job output', () => {
      expect(errorsOf(run.deploy, 'deploy')).toEqual([]);
      expect(step(run.deploy, 'deploy').outputs).toMatchObject({
        'task-definition-arn': revisionArn(2),
        'previous-task-definition-arn': world.previousTaskDefinitionArn,
        'rollout-state': 'COMPLETED',
      });
      const smoke = step(run.deploy, 'smoke');
      expect(smoke.outcome).toBe('failure');
      expect(smoke.outputs.passed).toBe('false');
      expect(smoke.outputs.report).toContain('health');
      expect(run.deploy.result).toBe('failure');
      expect(run.deploy.outputs['smoke-report']).toBe(smoke.outputs.report);
    });

    test("the workflow's rollback step hands deploy-ecs its own previous-task-definition-arn", () => {
      const rollback = step(run.deploy, 'rollback');
      expect(errorsOf(run.deploy, 'rollback')).toEqual([]);
      expect(rollback.outcome).toBe('success');
      expect(rollback.inputs).toMatchObject({
        'task-definition-arn': world.previousTaskDefinitionArn,
        'rollback-on-failure': 'false',
      });
      expect(rollback.outputs['rollout-state']).toBe('COMPLETED');
    });

    test('the service runs the previous release again', () => {
      const service = world.aws.ecs.service(SERVICE, CLUSTER);
      expect(service?.deployments.map((d) => d.rolloutState)).toEqual(['COMPLETED']);
      expect(containerImage(world, service?.taskDefinition ?? '')).toBe(world.previousImage);
    });

    // The rollback step gives deploy-ecs the previous revision's ARN and nothing to change: that very
    // revision must go back into service, with no copy registered.
    test('the rollback puts back the very revision the service ran before, not a copy', () => {
      const service = world.aws.ecs.service(SERVICE, CLUSTER);
      expect(step(run.deploy, 'rollback').outputs['task-definition-arn']).toBe(world.previousTaskDefinitionArn);
      expect(service?.taskDefinition).toBe(world.previousTaskDefinitionArn);
      expect(world.aws.ecs.taskDefinitions(FAMILY).map((revision) => revision.revision)).toEqual([1, 2]);
    });

    test('pr-comment reports the failure with the failed smoke report', () => {
      const notify = run.notify.steps.find((s) => s.run);
      expect(notify?.run?.errors).toEqual([]);
      expect(notify?.inputs).toMatchObject({ status: 'failure', 'task-definition-arn': revisionArn(2) });
      const comments = world.github.state.comments(REPOSITORY, world.pull.number);
      expect(comments).toHaveLength(1);
      expect(comments[0].body).toContain('Deployment to production failed');
      expect(comments[0].body).toContain(run.deploy.outputs['smoke-report'].trim());
      const deployments = world.github.state.deployments(REPOSITORY);
      expect(deployments.map((d) => d.statuses.at(-1)?.state)).toEqual(['failure']);
      expect(world.github.problems()).toEqual([]);
    });
  });

  describe('one run after superseded runs: every pull request merged since the last deployment hears of it', () => {
    let world: ProductionWorld;
    let run: PipelineRun;

    beforeAll(async () => {
      ({ world, run } = await afterSkippedRuns);
    }, 60_000);

    test('pr-comment comments once on each of them, oldest merge first', () => {
      expect(run.deploy.result).toBe('success');
      const notify = run.notify.steps.find((s) => s.run);
      expect(notify?.run?.errors).toEqual([]);
      expect(world.shipped).toHaveLength(2);
      expect(notify?.run?.outputs['pr-numbers']).toBe(world.shipped.map((pull) => pull.number).join(','));
      for (const pull of world.shipped) {
        const comments = world.github.state.comments(REPOSITORY, pull.number);
        expect(comments).toHaveLength(1);
        expect(comments[0].body).toContain(world.staged.digest);
      }
    });

    test('one new deployment for the pushed commit, and one Slack message naming them all', () => {
      const deployments = world.github.state.deployments(REPOSITORY).filter((d) => d.sha === world.sha);
      expect(deployments.map((d) => d.statuses.at(-1)?.state)).toEqual(['success']);
      const slack = world.github.slackMessages();
      expect(slack).toHaveLength(1);
      for (const pull of world.shipped) expect(JSON.stringify(slack[0])).toContain(`/pull/${pull.number}`);
      expect(world.github.problems()).toEqual([]);
    });
  });
});
