import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { mergeGroupEvent, pullRequestEvent, pushEvent } from '../engine/events.js';
import { githubContext, runWorkflow, validateUses } from '../engine/run.js';
import { tokenPermissions } from '../engine/permissions.js';
import { loadWorkflow } from '../engine/workflow.js';
import { repoRoot } from '../paths.js';

const workflowFile = (name: string) => join(repoRoot, '.github', 'workflows', name);

function outline(workflow: Awaited<ReturnType<typeof loadWorkflow>>) {
  return workflow.jobs.map((job) => ({
    job: job.id,
    needs: job.needs,
    if: job.if,
    steps: job.steps.map((step) => (step.explicitId ? step.id : (step.uses ?? 'run'))),
  }));
}

describe("the repository's workflows, read with GitHub's parser", () => {
  test('staging.yml: deploy, then the staging-passed gate', async () => {
    const workflow = await loadWorkflow(workflowFile('staging.yml'));
    expect(workflow.events).toEqual(['pull_request', 'merge_group']);
    expect(workflow.shell).toBe('bash');
    expect(() => validateUses(workflow)).not.toThrow();
    const jobs = outline(workflow);
    expect(jobs.map((job) => [job.job, job.needs, job.if])).toEqual([
      [
        'preview',
        [],
        "success() && (github.event_name == 'pull_request' && github.event.action != 'closed' && vars.PREVIEW_LISTENER_ARN != '' && github.event.pull_request.head.repo.full_name == github.repository && github.triggering_actor != 'dependabot[bot]')",
      ],
      [
        'deploy',
        [],
        "success() && (github.triggering_actor != 'dependabot[bot]' && (\n  github.event_name == 'merge_group' || (\n    github.event.action != 'closed' && vars.PREVIEW_LISTENER_ARN == '' &&\n    github.event.pull_request.head.repo.full_name == github.repository)))",
      ],
      [
        'remove-preview',
        [],
        "success() && (github.event_name == 'pull_request' && github.event.action == 'closed' && vars.PREVIEW_LISTENER_ARN != '' && github.event.pull_request.head.repo.full_name == github.repository)",
      ],
      ['gate', ['preview', 'deploy', 'remove-preview'], "always() && github.event.action != 'closed'"],
    ]);
    const steps = Object.fromEntries(jobs.map((job) => [job.job, job.steps]));
    expect(steps.preview).toEqual([
      expect.stringMatching(/^actions\/checkout@/),
      'run',
      'source',
      expect.stringMatching(/^aws-actions\/configure-aws-credentials@/),
      expect.stringMatching(/^docker\/setup-buildx-action@/),
      'image',
      'up',
      'deploy',
      'smoke',
      './actions/build-push-ecr',
      './actions/preview-env',
      'run',
    ]);
    expect(steps.deploy).toEqual([
      expect.stringMatching(/^actions\/checkout@/),
      'run',
      'source',
      expect.stringMatching(/^aws-actions\/configure-aws-credentials@/),
      expect.stringMatching(/^docker\/setup-buildx-action@/),
      'image',
      'deploy',
      'smoke',
      './actions/build-push-ecr',
      'run',
    ]);
    expect(steps['remove-preview']).toEqual([
      expect.stringMatching(/^actions\/checkout@/),
      'run',
      expect.stringMatching(/^aws-actions\/configure-aws-credentials@/),
      'down',
    ]);
    const permissions = Object.fromEntries(workflow.jobs.map((job) => [job.id, job.permissions]));
    expect(permissions).toEqual({
      preview: { contents: 'read', 'id-token': 'write', 'pull-requests': 'write', deployments: 'write' },
      deploy: { contents: 'read', 'id-token': 'write' },
      'remove-preview': { contents: 'read', 'id-token': 'write', 'pull-requests': 'write', deployments: 'write' },
      gate: {},
    });
  });

  test('production.yml: deploy, then notify', async () => {
    const workflow = await loadWorkflow(workflowFile('production.yml'));
    expect(workflow.events).toEqual(['push']);
    expect(() => validateUses(workflow)).not.toThrow();
    const jobs = outline(workflow);
    expect(jobs.map((job) => job.job)).toEqual(['deploy', 'notify']);
    expect(jobs[0].steps).toEqual([
      expect.stringMatching(/^actions\/checkout@/),
      'run',
      'source',
      expect.stringMatching(/^aws-actions\/configure-aws-credentials@/),
      'tested',
      'promote',
      expect.stringMatching(/^docker\/setup-buildx-action@/),
      'build',
      'deploy',
      'smoke',
      'rollback',
      'run',
    ]);
    expect(workflow.jobs[0].steps.find((s) => s.id === 'rollback')?.if).toBe(
      "failure() && steps.deploy.outcome == 'success' && steps.deploy.outputs.previous-task-definition-arn != ''",
    );
    expect(jobs[1]).toMatchObject({
      needs: ['deploy'],
      steps: [expect.stringMatching(/^actions\/checkout@/), './actions/pr-comment'],
    });
  });
});

describe('event payloads', () => {
  const repository = { fullName: 'octo-org/shipyard-demo' };
  test('pull_request opened: the github context a run sees', () => {
    const event = pullRequestEvent({
      action: 'opened',
      repository,
      number: 7,
      title: 'Add /ready',
      author: 'alice',
      headSha: 'a'.repeat(40),
      headRef: 'ready',
      baseSha: 'b'.repeat(40),
      mergeCommitSha: 'c'.repeat(40),
    });
    const github = githubContext(event);
    expect(github).toMatchObject({
      event_name: 'pull_request',
      sha: 'c'.repeat(40),
      ref: 'refs/pull/7/merge',
      head_ref: 'ready',
      base_ref: 'main',
      repository: 'octo-org/shipyard-demo',
      actor: 'alice',
    });
    expect(event.payload).toMatchObject({
      action: 'opened',
      number: 7,
      pull_request: { head: { sha: 'a'.repeat(40), repo: { full_name: 'octo-org/shipyard-demo' } }, merged: false },
    });
  });

  test('pull_request closed and merged, from a fork', () => {
    const event = pullRequestEvent({
      action: 'closed',
      merged: true,
      repository,
      number: 8,
      title: 'x',
      author: 'mallory',
      headSha: 'a'.repeat(40),
      headRef: 'x',
      baseSha: 'b'.repeat(40),
      headRepository: 'mallory/shipyard-demo',
    });
    expect(event.payload).toMatchObject({
      action: 'closed',
      pull_request: { merged: true, state: 'closed', head: { repo: { full_name: 'mallory/shipyard-demo' } } },
    });
  });

  test('push to main and merge_group', () => {
    const push = pushEvent({ repository, before: 'b'.repeat(40), after: 'a'.repeat(40) });
    expect(githubContext(push)).toMatchObject({ sha: 'a'.repeat(40), ref: 'refs/heads/main', ref_name: 'main' });
    const group = mergeGroupEvent({ repository, headSha: 'd'.repeat(40), baseSha: 'b'.repeat(40), pullNumber: 9 });
    expect(githubContext(group)).toMatchObject({ event_name: 'merge_group', sha: 'd'.repeat(40) });
    expect(String(githubContext(group).ref)).toMatch(/^refs\/heads\/gh-readonly-queue\/main\/pr-9-/);
  });
});

describe("staging.yml's gate, run by the engine (no AWS: the deploy job is skipped)", () => {
  const repository = { fullName: 'octo-org/shipyard-demo' };
  const opened = (headRepository: string | undefined, sender: string) =>
    pullRequestEvent({
      action: 'opened',
      repository,
      number: 12,
      title: 'x',
      author: 'mallory',
      sender,
      headSha: 'a'.repeat(40),
      headRef: 'x',
      baseSha: 'b'.repeat(40),
      headRepository,
    });

  test.each([
    [
      'a pull request from a fork',
      opened('mallory/shipyard-demo', 'mallory'),
      'Staging skipped: pull request from a fork',
      '## Staging skipped',
    ],
    ['a run Dependabot started', opened(undefined, 'dependabot[bot]'), 'Staging skipped: started by Dependabot', ''],
  ])('%s: deploy skipped, staging-passed red with the reason', async (_name, event, title, summary) => {
    const run = await runWorkflow({ workflow: workflowFile('staging.yml'), event, repository: repoRoot });
    const [preview, deploy, remove, gate] = run.jobs;
    expect([preview.id, deploy.id, remove.id, gate.id]).toEqual(['preview', 'deploy', 'remove-preview', 'gate']);
    expect([preview.result, deploy.result, remove.result]).toEqual(['skipped', 'skipped', 'skipped']);
    expect(gate.result).toBe('failure');
    expect(gate.steps[0].annotations).toEqual([expect.objectContaining({ level: 'notice', title })]);
    expect(gate.steps[0].summary).toContain(summary);
    expect(run.conclusion).toBe('failure');
  });
});

describe("a job's token permissions", () => {
  test.each([
    [undefined, undefined],
    [{}, { contents: 'none', 'pull-requests': 'none', issues: 'none', deployments: 'none' }],
    ['read-all', { contents: 'read', 'pull-requests': 'read', issues: 'read', deployments: 'read' }],
    [
      { contents: 'read', 'pull-requests': 'write', deployments: 'write', 'id-token': 'write' },
      { contents: 'read', 'pull-requests': 'write', issues: 'none', deployments: 'write' },
    ],
  ])('%j -> %j', (permissions, expected) => {
    expect(tokenPermissions(permissions as never)).toEqual(expected);
  });
});
