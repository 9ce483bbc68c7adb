import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GitHubState } from '@shipyard/emulators/github';
import { temporaryFolder } from '@shipyard/harness/temp';
import { mergeGroupEvent, pullRequestEvent, pushEvent } from '../engine/events.js';
import { evaluate, isTruthy, type Plain } from '../engine/expressions.js';
import { githubContext, runWorkflow, type EventSpec, type RunRecord } from '../engine/run.js';
import { evaluateMapping, evaluateToken, loadWorkflow, type WorkflowModel } from '../engine/workflow.js';
import { repoRoot } from '../paths.js';

/**
 * The merge queue (issue 16): staging.yml and ci.yml on `merge_group`, with GitHub's example
 * merge_group delivery. First every `if:`, `concurrency`, `env:` and `with:` of the workflows,
 * evaluated by the engine's evaluator (GitHub's) for a merge group and for a pull request; then
 * staging.yml run by the engine for both, up to where AWS would begin (no AWS is given here: the
 * story and test:e2e run the deploy itself).
 */

const repository = { fullName: 'octo-org/shipyard-demo' };
const workflowFile = (name: string) => join(repoRoot, '.github', 'workflows', name);
const HEAD = 'd'.repeat(40);
const BASE = 'b'.repeat(40);
const PR_HEAD = 'a'.repeat(40);
const TREE = 'e'.repeat(40);

const stagingVars = {
  AWS_ACCOUNT_ID: '123456789012',
  AWS_ROLE_ARN_STAGING: 'arn:aws:iam::123456789012:role/shipyard-staging',
  STAGING_URL: 'https://staging.example.com',
};

const vars = stagingVars;
/** A repository with previews set up (docs/aws-setup.md, "Preview environments"). */
const previewVars = {
  ...stagingVars,
  AWS_ROLE_ARN_PREVIEW: 'arn:aws:iam::123456789012:role/shipyard-preview',
  PREVIEW_DOMAIN: 'preview.example.com',
  PREVIEW_LISTENER_ARN:
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/staging/0123456789abcdef/0123456789abcdef',
};

const mergeGroup = (pullNumber = 9, headSha = HEAD, baseSha = BASE) =>
  mergeGroupEvent({ repository, headSha, baseSha, pullNumber, sender: 'alice' });
const pullRequest = (number = 12, headSha = PR_HEAD) =>
  pullRequestEvent({
    action: 'synchronize',
    repository,
    number,
    title: 'Add /ready',
    author: 'alice',
    headSha,
    headRef: 'ready',
    baseSha: BASE,
    mergeCommitSha: 'c'.repeat(40),
  });

interface Evaluated {
  if: boolean;
  concurrency: Plain;
  env: Record<string, string>;
  steps: Record<string, { if: boolean; with: Record<string, string>; env: Record<string, string> }>;
}

/**
 * Each job's and step's expressions for this event, as the runner would evaluate them when every
 * step before succeeded (the steps' outputs are the ones given).
 */
function evaluateWorkflow(
  workflow: WorkflowModel,
  event: EventSpec,
  stepOutputs: Record<string, Record<string, string>> = {},
  vars: Record<string, string> = stagingVars,
): Record<string, Evaluated> {
  const github = githubContext(event);
  const where = { file: workflow.file };
  const workflowEnv = evaluateMapping(workflow.env, { github, vars, secrets: {} }, where);
  const result: Record<string, Evaluated> = {};
  for (const job of workflow.jobs) {
    const needs = Object.fromEntries(job.needs.map((id) => [id, { result: 'success', outputs: {} }]));
    const top = { github, vars, secrets: {}, needs, env: workflowEnv };
    const jobEnv = { ...workflowEnv, ...evaluateMapping(job.env, top, { ...where, job: job.id }) };
    const steps = Object.fromEntries(
      Object.entries(stepOutputs).map(([id, outputs]) => [id, { outcome: 'success', conclusion: 'success', outputs }]),
    );
    const contexts = { ...top, env: jobEnv, steps, job: { status: 'success' }, runner: { temp: '/tmp/runner' } };
    const evaluated: Evaluated = {
      if: isTruthy(evaluate(job.if, top)),
      concurrency: job.concurrency ? evaluateToken(job.concurrency, contexts, where) : null,
      env: jobEnv,
      steps: {},
    };
    for (const step of job.steps) {
      const stepWhere = { ...where, job: job.id, step: step.id };
      const env = { ...jobEnv, ...evaluateMapping(step.env, contexts, stepWhere) };
      evaluated.steps[step.id] = {
        if: isTruthy(evaluate(step.if, contexts)),
        with: evaluateMapping(step.with, { ...contexts, env }, stepWhere),
        env,
      };
    }
    result[job.id] = evaluated;
  }
  return result;
}

const jobById = (run: RunRecord, id: string) => {
  const job = run.jobs.find((candidate) => candidate.id === id);
  if (!job) throw new Error(`${run.file} has no job ${id}`);
  return job;
};

const lines = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

describe('staging.yml under a merge_group event, evaluated', () => {
  let staging: WorkflowModel;
  const outputs = {
    source: { tree: TREE, 'app-version': '1.2.3' },
    image: { 'image-uri': `123456789012.dkr.ecr.us-east-1.amazonaws.com/shipyard-demo:${HEAD}`, digest: 'sha256:1' },
  };
  beforeAll(async () => {
    staging = await loadWorkflow(workflowFile('staging.yml'));
  });

  test('staging.yml runs on merge_group checks_requested, and on pull requests still', () => {
    expect(staging.events).toEqual(['pull_request', 'merge_group']);
  });

  test('the example delivery is a real merge group: no pull_request object, the queue branch as ref', () => {
    const event = mergeGroup();
    expect(event.payload).not.toHaveProperty('pull_request');
    expect(event.payload).toMatchObject({ action: 'checks_requested', merge_group: { head_sha: HEAD } });
    expect(githubContext(event)).toMatchObject({
      event_name: 'merge_group',
      sha: HEAD,
      ref: `refs/heads/gh-readonly-queue/main/pr-9-${BASE}`,
      triggering_actor: 'alice',
    });
  });

  test("a merge group deploys its head commit, with the pull request's path unchanged", () => {
    const group = evaluateWorkflow(staging, mergeGroup(), outputs);
    const pull = evaluateWorkflow(staging, pullRequest(), {
      ...outputs,
      image: { ...outputs.image, 'image-uri': `x:${PR_HEAD}` },
    });
    const values = (run: Record<string, Evaluated>) => {
      const steps = run.deploy.steps;
      const configure = Object.entries(steps).find(([id]) => id.includes('configure-aws-credentials'))?.[1];
      const checkout = Object.entries(steps).find(([id]) => id.includes('checkout'))?.[1];
      return {
        runs: run.deploy.if,
        concurrency: run.deploy.concurrency,
        ref: checkout?.with.ref,
        session: configure?.with['role-session-name'],
        buildArgs: lines(steps.image.with['build-args']),
        tags: lines(steps.image.with.tags),
        deployEnv: lines(steps.deploy.with['environment-variables']),
        expectVersion: steps.smoke.with['expect-version'],
        tested: Object.values(steps).find((step) => step.with['source-digest'] !== undefined)?.with.tags,
        title: Object.values(steps).find((step) => step.env.SUMMARY_TITLE !== undefined)?.env.SUMMARY_TITLE,
        commit: Object.values(steps).find((step) => step.env.SUMMARY_COMMIT !== undefined)?.env.SUMMARY_COMMIT,
        gateRuns: run.gate.if,
        fromFork: Object.values(run.gate.steps)[0].env.FROM_FORK,
      };
    };
    expect(values(group)).toEqual({
      runs: true,
      concurrency: { group: 'deploy-staging', 'cancel-in-progress': false },
      ref: HEAD,
      session: 'shipyard-staging-merge-queue',
      buildArgs: [`GIT_SHA=${HEAD}`, 'APP_VERSION=1.2.3'],
      tags: [HEAD],
      deployEnv: [`GIT_SHA=${HEAD}`, 'APP_VERSION=1.2.3-merge-queue', 'DEPLOY_ENV=staging'],
      expectVersion: HEAD,
      tested: `tested-${TREE}`,
      title: `Staging: merge group gh-readonly-queue/main/pr-9-${BASE}`,
      commit: HEAD,
      gateRuns: true,
      fromFork: 'false',
    });
    // What pull requests got before the merge queue, value for value.
    expect(values(pull)).toEqual({
      runs: true,
      concurrency: { group: 'deploy-staging', 'cancel-in-progress': false },
      ref: PR_HEAD,
      session: 'shipyard-staging-pr-12',
      buildArgs: [`GIT_SHA=${PR_HEAD}`, 'APP_VERSION=1.2.3'],
      tags: [PR_HEAD, 'pr-12'],
      deployEnv: [`GIT_SHA=${PR_HEAD}`, 'APP_VERSION=1.2.3-pr.12', 'DEPLOY_ENV=staging'],
      expectVersion: PR_HEAD,
      tested: `tested-${TREE}`,
      title: 'Staging: pull request #12',
      commit: PR_HEAD,
      gateRuns: true,
      fromFork: 'false',
    });
  });

  test('no value a merge group run evaluates is left with a hole where a pull request number or SHA was', () => {
    const group = evaluateWorkflow(staging, mergeGroup(), outputs);
    // The jobs that run for a merge group (the preview jobs are for pull requests only).
    const all = Object.values(group)
      .filter((job) => job.if)
      .flatMap((job) => [
        ...Object.values(job.env),
        ...Object.values(job.steps).flatMap((step) => [...Object.values(step.with), ...Object.values(step.env)]),
      ]);
    expect(all.length).toBeGreaterThan(30);
    const holes = all.filter((value) => /(pr[-.]|#)$|(pr[-.]|#)\n|=$|=\n|-$/m.test(value));
    expect(holes).toEqual([]);
  });

  test('the fork and Dependabot guards still hold for pull requests, and a merge group started by Dependabot is not deployed', () => {
    const fork = pullRequestEvent({
      action: 'opened',
      repository,
      number: 13,
      title: 'x',
      author: 'mallory',
      headSha: PR_HEAD,
      headRef: 'x',
      baseSha: BASE,
      headRepository: 'mallory/shipyard-demo',
    });
    const dependabotGroup = mergeGroupEvent({
      repository,
      headSha: HEAD,
      baseSha: BASE,
      pullNumber: 14,
      sender: 'dependabot[bot]',
    });
    const forkRun = evaluateWorkflow(staging, fork);
    expect(forkRun.deploy.if).toBe(false);
    expect(Object.values(forkRun.gate.steps)[0].env.FROM_FORK).toBe('true');
    const dependabotRun = evaluateWorkflow(staging, dependabotGroup);
    expect(dependabotRun.deploy.if).toBe(false);
    expect(Object.values(dependabotRun.gate.steps)[0].env).toMatchObject({
      FROM_FORK: 'false',
      STARTED_BY: 'dependabot[bot]',
      EVENT: 'merge_group',
    });
  });
});

describe('staging.yml with previews set up: which job tests what', () => {
  let staging: WorkflowModel;
  beforeAll(async () => {
    staging = await loadWorkflow(workflowFile('staging.yml'));
  });
  const closed = (merged: boolean, headRepository?: string) =>
    pullRequestEvent({
      action: 'closed',
      repository,
      number: 12,
      title: 'Add /ready',
      author: 'alice',
      headSha: PR_HEAD,
      headRef: 'ready',
      baseSha: BASE,
      merged,
      headRepository,
    });
  const fork = pullRequestEvent({
    action: 'opened',
    repository,
    number: 13,
    title: 'x',
    author: 'mallory',
    headSha: PR_HEAD,
    headRef: 'x',
    baseSha: BASE,
    headRepository: 'mallory/shipyard-demo',
  });
  const runs = (event: EventSpec, withVars: Record<string, string>) =>
    Object.fromEntries(Object.entries(evaluateWorkflow(staging, event, {}, withVars)).map(([id, job]) => [id, job.if]));

  test.each<[string, () => EventSpec, Record<string, string>, Record<string, boolean>]>([
    [
      'a push to a pull request',
      () => pullRequest(12),
      previewVars,
      { preview: true, deploy: false, 'remove-preview': false, gate: true },
    ],
    [
      'a merge group',
      () => mergeGroup(12),
      previewVars,
      { preview: false, deploy: true, 'remove-preview': false, gate: true },
    ],
    [
      'a merged pull request',
      () => closed(true),
      previewVars,
      { preview: false, deploy: false, 'remove-preview': true, gate: false },
    ],
    [
      'a pull request closed unmerged',
      () => closed(false),
      previewVars,
      { preview: false, deploy: false, 'remove-preview': true, gate: false },
    ],
    [
      "a fork's pull request",
      () => fork,
      previewVars,
      { preview: false, deploy: false, 'remove-preview': false, gate: true },
    ],
    [
      "a fork's pull request, closed",
      () => closed(false, 'mallory/shipyard-demo'),
      previewVars,
      { preview: false, deploy: false, 'remove-preview': false, gate: false },
    ],
    [
      'a push to a pull request, previews not set up',
      () => pullRequest(12),
      stagingVars,
      { preview: false, deploy: true, 'remove-preview': false, gate: true },
    ],
    [
      'a closed pull request, previews not set up',
      () => closed(true),
      stagingVars,
      { preview: false, deploy: false, 'remove-preview': false, gate: false },
    ],
  ])('%s', (_name, event, withVars, expected) => {
    expect(runs(event(), withVars)).toEqual(expected);
  });

  test("the preview job: the pull request's own queue, environment and host name, its head commit throughout", () => {
    const evaluated = evaluateWorkflow(
      staging,
      pullRequest(12),
      {
        source: { tree: TREE, 'app-version': '1.2.3' },
        image: {
          'image-uri': `123456789012.dkr.ecr.us-east-1.amazonaws.com/shipyard-demo:${PR_HEAD}`,
          digest: 'sha256:1',
        },
        up: {
          url: 'https://pr-12.preview.example.com',
          service: 'shipyard-demo-staging-pr-12',
          'task-definition-arn': 'arn:td',
        },
      },
      previewVars,
    );
    const preview = evaluated.preview;
    expect(preview.concurrency).toEqual({ group: 'deploy-preview-pr-12', 'cancel-in-progress': false });
    const { up, deploy, smoke } = preview.steps;
    expect(up.with).toMatchObject({
      command: 'up',
      service: 'shipyard-demo-staging',
      'pr-number': '12',
      image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/shipyard-demo:${PR_HEAD}`,
      'listener-arn': previewVars.PREVIEW_LISTENER_ARN,
      'preview-domain': 'preview.example.com',
      'url-scheme': 'https',
      'max-previews': '10',
    });
    expect(lines(up.with['environment-variables'])).toEqual([
      `GIT_SHA=${PR_HEAD}`,
      'APP_VERSION=1.2.3-pr.12',
      'DEPLOY_ENV=preview',
    ]);
    expect(deploy.with).toMatchObject({ service: 'shipyard-demo-staging-pr-12', 'task-definition-arn': 'arn:td' });
    expect(smoke.with).toMatchObject({ url: 'https://pr-12.preview.example.com', 'expect-version': PR_HEAD });
    const marked = Object.values(preview.steps).find((step) => step.with['source-digest'] !== undefined);
    expect(marked?.with).toMatchObject({ 'source-digest': 'sha256:1', tags: `tested-${TREE}` });
    const gate = Object.values(evaluated.gate.steps)[0].env;
    expect(gate).toMatchObject({ TESTED_ON: 'preview', DEPLOY_RESULT: 'success' });
  });

  test("the removal runs from the base commit, in the same queue as the pull request's previews", () => {
    const evaluated = evaluateWorkflow(staging, closed(true), {}, previewVars)['remove-preview'];
    expect(evaluated.concurrency).toEqual({ group: 'deploy-preview-pr-12', 'cancel-in-progress': false });
    const checkout = Object.entries(evaluated.steps).find(([id]) => id.includes('checkout'))?.[1];
    expect(checkout?.with.ref).toBe(BASE);
    expect(evaluated.steps.down.with).toMatchObject({
      command: 'down',
      'pr-number': '12',
      service: 'shipyard-demo-staging',
    });
  });
});

describe('concurrency groups for pull requests, merge groups and pushes', () => {
  const events: [string, EventSpec][] = [
    ['pull request 12', pullRequest(12)],
    ['pull request 13', pullRequest(13)],
    ['merge group of #12', mergeGroup(12, HEAD, BASE)],
    ['merge group of #13 behind it', mergeGroup(13, 'f'.repeat(40), HEAD)],
    ['push to main', pushEvent({ repository, before: BASE, after: HEAD })],
  ];

  test("ci.yml's group is non-empty and its own for each pull request, merge group and push", async () => {
    const ci = await loadWorkflow(workflowFile('ci.yml'));
    expect(ci.events).toEqual(['pull_request', 'push', 'merge_group']);
    const groups = events.map(([name, event]) => {
      const value = evaluateToken(ci.concurrency!, { github: githubContext(event), vars: {} }, { file: ci.file }) as {
        group: string;
      };
      return [name, value.group] as const;
    });
    for (const [name, group] of groups)
      expect({ name, group }).toEqual({ name, group: expect.stringMatching(/^ci-.+/) });
    expect(new Set(groups.map(([, group]) => group)).size).toBe(events.length);
    expect(Object.fromEntries(groups)).toMatchObject({
      'pull request 12': 'ci-12',
      'merge group of #12': `ci-refs/heads/gh-readonly-queue/main/pr-12-${BASE}`,
    });
  });

  test("staging.yml's deploy queue is one named group for both kinds (one staging service), and no workflow group", async () => {
    const staging = await loadWorkflow(workflowFile('staging.yml'));
    expect(staging.concurrency).toBeUndefined();
    const deploy = staging.jobs.find((job) => job.id === 'deploy')!;
    const groups = events
      .filter(([name]) => name !== 'push to main')
      .map(([, event]) => {
        const value = evaluateToken(
          deploy.concurrency!,
          { github: githubContext(event), vars },
          { file: staging.file },
        );
        return (value as { group: string }).group;
      });
    expect(new Set(groups)).toEqual(new Set(['deploy-staging']));
  });
});

/** The repository with one more pull request on top of HEAD, and its merge group's merge commit. */
function queueRepository() {
  const folder = temporaryFolder('rehearsal-merge-group-');
  const clone = join(folder, 'repository');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: clone,
      encoding: 'utf8',
    }).trim();
  execFileSync('git', ['clone', '--quiet', '--shared', repoRoot, clone]);
  const base = git('rev-parse', 'HEAD');
  git('checkout', '--quiet', '-b', 'ready');
  appendFileSync(join(clone, 'README.md'), '\nA line from pull request #9.\n');
  git('commit', '--quiet', '-am', 'Add a line');
  const pullHead = git('rev-parse', 'HEAD');
  // The queue's branch: main (moved on since the pull request branched) merged with the pull request.
  git('checkout', '--quiet', '-b', 'gh-readonly-queue/main/pr-9', base);
  appendFileSync(join(clone, 'CONTRIBUTING.md'), '\nA line main got meanwhile.\n');
  git('commit', '--quiet', '-am', 'Main moved on');
  const mainNow = git('rev-parse', 'HEAD');
  git('merge', '--quiet', '--no-ff', '-m', 'Merge pull request #9 from octo-org/ready', 'ready');
  const groupHead = git('rev-parse', 'HEAD');
  return {
    clone,
    pullHead,
    mainNow,
    groupHead,
    tree: (commit: string) => git('rev-parse', `${commit}^{tree}`),
    close: () => rmSync(folder, { recursive: true, force: true }),
  };
}

describe('staging.yml run by the engine for a merge group (no AWS given: it stops at the credentials)', () => {
  let queue: ReturnType<typeof queueRepository>;
  const runs: Record<string, RunRecord> = {};
  beforeAll(async () => {
    queue = queueRepository();
    const events: Record<string, EventSpec> = {
      merge_group: mergeGroupEvent({
        repository,
        headSha: queue.groupHead,
        baseSha: queue.mainNow,
        pullNumber: 9,
        tree: queue.tree(queue.groupHead),
        sender: 'alice',
      }),
      pull_request: pullRequest(9, queue.pullHead),
    };
    for (const [name, event] of Object.entries(events)) {
      runs[name] = await runWorkflow({ workflow: workflowFile('staging.yml'), event, vars, repository: queue.clone });
    }
  }, 60_000);
  afterAll(() => queue?.close());

  test('the deploy job runs in the staging environment and queue, on the merge group head commit', () => {
    const run = runs.merge_group;
    expect(run.event).toBe('merge_group');
    const deploy = jobById(run, 'deploy');
    const gate = jobById(run, 'gate');
    expect(run.jobs.filter((job) => job.result !== 'skipped').map((job) => job.id)).toEqual(['deploy', 'gate']);
    expect(deploy).toMatchObject({
      result: 'failure',
      environment: { name: 'staging' },
      concurrency: { group: 'deploy-staging', cancelInProgress: false },
    });
    const byLabel = Object.fromEntries(deploy.steps.map((step) => [step.id, step]));
    expect(
      Object.values(byLabel)
        .find((step) => step.id.includes('checkout'))
        ?.log.join('\n'),
    ).toContain(`Checked out ${queue.groupHead}`);
    expect(byLabel.source).toMatchObject({ outcome: 'success', outputs: { tree: queue.tree(queue.groupHead) } });
    // The tree is the merge's, not the pull request head's: the tree production will find on main.
    expect(queue.tree(queue.groupHead)).not.toBe(queue.tree(queue.pullHead));
    const summary = deploy.steps.find((step) => step.summary.includes('## Staging'))?.summary ?? '';
    expect(summary).toContain('## Staging: merge group gh-readonly-queue/main/pr-9-');
    expect(summary).toContain(`\`${queue.groupHead}\``);
    expect(gate.result).toBe('failure');
    expect(gate.steps[0].annotations).toEqual([
      expect.objectContaining({ level: 'error', title: 'Staging did not pass' }),
    ]);
    expect(run.conclusion).toBe('failure');
  });

  test("production.yml, on the queue's push of that commit to main, looks for the very tag staging marks", async () => {
    // The queue pushes the merge group's head commit to main as it is: the push's `after` is it.
    const push = pushEvent({ repository, before: queue.mainNow, after: queue.groupHead });
    expect(githubContext(push).sha).toBe(queue.groupHead);
    const production = await loadWorkflow(workflowFile('production.yml'));
    const staging = await loadWorkflow(workflowFile('staging.yml'));
    // Both name the tree with the same command, run in a checkout of the same commit.
    const sourceScript = (workflow: WorkflowModel) => {
      const step = workflow.jobs
        .find((job) => job.id === 'deploy')
        ?.steps.find((candidate) => candidate.id === 'source');
      return step?.run ? evaluateToken(step.run, {}, { file: workflow.file }) : undefined;
    };
    expect(sourceScript(production)).toContain("git rev-parse 'HEAD^{tree}'");
    expect(sourceScript(production)).toEqual(sourceScript(staging));
    const stagedTree =
      jobById(runs.merge_group, 'deploy').steps.find((step) => step.id === 'source')?.outputs.tree ?? '';
    const evaluatedProduction = evaluateWorkflow(production, push, { source: { tree: queue.tree(queue.groupHead) } });
    const evaluatedStaging = evaluateWorkflow(staging, mergeGroup(), {
      source: { tree: stagedTree },
      image: { digest: 'sha256:1' },
    });
    const marked = Object.values(evaluatedStaging.deploy.steps).find((step) => step.with['source-digest'] !== undefined)
      ?.with.tags;
    const looked = evaluatedProduction.deploy.steps.tested;
    expect(looked.if).toBe(true);
    expect(looked.env.TESTED_TAG).toBe(`tested-${queue.tree(queue.groupHead)}`);
    expect(looked.env.TESTED_TAG).toBe(marked);
  });

  test("the same workflow for the pull request still checks out the pull request's head", () => {
    // Previews are not set up here (no PREVIEW_LISTENER_ARN): the pull request goes to staging.
    const deploy = jobById(runs.pull_request, 'deploy');
    expect(jobById(runs.pull_request, 'preview').result).toBe('skipped');
    expect(deploy.steps.find((step) => step.id.includes('checkout'))?.log.join('\n')).toContain(
      `Checked out ${queue.pullHead}`,
    );
    expect(deploy.steps.find((step) => step.id === 'source')?.outputs.tree).toBe(queue.tree(queue.pullHead));
    expect(deploy.steps.find((step) => step.summary.includes('## Staging'))?.summary).toContain(
      '## Staging: pull request #9',
    );
  });
});

describe("staging-passed's script says what to do for a merge group", () => {
  let script = '';
  const folder = temporaryFolder('rehearsal-gate-');
  beforeAll(async () => {
    const staging = await loadWorkflow(workflowFile('staging.yml'));
    const step = staging.jobs.find((job) => job.id === 'gate')?.steps[0];
    script = String(step?.run ? evaluateToken(step.run, {}, { file: staging.file }) : '');
  });

  test.each([
    ['success', 'merge_group', 'alice', 0, /Staging deployed and smoke-tested this commit/],
    ['cancelled', 'merge_group', 'alice', 1, /::error title=Staging was cancelled::.*add it to the queue again/],
    [
      'cancelled',
      'pull_request',
      'alice',
      1,
      /::error title=Staging was cancelled::.*Re-run this workflow, or push again/,
    ],
    ['skipped', 'merge_group', 'dependabot[bot]', 1, /::notice title=Staging skipped: started by Dependabot/],
    ['failure', 'merge_group', 'alice', 1, /::error title=Staging did not pass::.*'failure'/],
    [
      'success',
      'pull_request',
      'alice',
      0,
      /This pull request's preview deployed and smoke-tested this commit/,
      'preview',
    ],
    [
      'cancelled',
      'pull_request',
      'alice',
      1,
      /::error title=The preview was cancelled::A newer push to this pull request/,
      'preview',
    ],
    ['failure', 'pull_request', 'alice', 1, /::error title=The preview did not pass::.*'failure'/, 'preview'],
  ])('deploy %s on %s started by %s: exit %d', (result, event, startedBy, status, said, testedOn = 'staging') => {
    const summary = join(folder, `${result}-${event}-${testedOn}.md`);
    writeFileSync(summary, '');
    const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        GITHUB_STEP_SUMMARY: summary,
        DEPLOY_RESULT: result,
        TESTED_ON: testedOn,
        FROM_FORK: 'false',
        STARTED_BY: startedBy,
        EVENT: event,
      },
    });
    expect(run.status).toBe(status);
    expect(run.stdout).toMatch(said);
    expect(run.stdout).not.toContain('fork');
    expect(readFileSync(summary, 'utf8')).not.toContain('fork');
  });
});

describe("the GitHub emulator's merge queue and the merge_group event agree", () => {
  test('a group made by createMergeGroup is the event built from it: head, base and the queue ref', () => {
    const state = new GitHubState();
    state.createRepository(repository.fullName);
    const pull = state.openPullRequest(repository.fullName, { headRef: 'ready' });
    const group = state.createMergeGroup(repository.fullName, pull.number);
    const event = mergeGroupEvent({
      repository,
      headSha: group.headSha,
      baseSha: group.baseSha,
      pullNumber: pull.number,
      tree: state.commitRecord(group.headSha)?.tree,
    });
    const context = githubContext(event);
    expect(context).toMatchObject({ sha: group.headSha, ref: group.headRef, event_name: 'merge_group' });
    const payload = event.payload as { merge_group: Record<string, unknown> };
    expect(payload.merge_group).toMatchObject({
      head_sha: group.headSha,
      head_ref: group.headRef,
      base_sha: group.baseSha,
      base_ref: 'refs/heads/main',
    });
    // What lands on main when the queue merges it is the very commit the event named.
    state.mergeFromQueue(repository.fullName, pull.number, group);
    expect(state.branchHead(repository.fullName)).toBe(payload.merge_group.head_sha);
  });
});
