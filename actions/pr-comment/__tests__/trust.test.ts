import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { temporaryFolder } from '@shipyard/harness/temp';
import type { ActionRun } from '@shipyard/harness/run-action';
import { marker, notifiedLine } from '../src/body.js';
import { ECHOED, ECHOING_SMOKE_REPORT, FAKE } from './fixtures/credentials.js';
import { prCommentSuite, REPOSITORY, TOKEN } from './fixtures/run.js';

/**
 * What pr-comment must hold to whatever it is given: no credential leaves through anything it
 * posts or stores, and every side effect (a Slack message, a deployment status) happens once per
 * change of state. Each test runs the bundle against the GitHub emulator and its Slack receiver and
 * checks what reached them.
 */

const { github, prComment } = prCommentSuite();

/** Everything the action wrote anywhere: requests to GitHub and Slack, outputs, summary, log. */
function everythingEmitted(run: ActionRun): string {
  const log = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return [
    JSON.stringify(
      github()
        .calls()
        .map((call) => call.requestBody),
    ),
    JSON.stringify(github().state.deployments(REPOSITORY)),
    github()
      .state.comments(REPOSITORY)
      .map((comment) => comment.body)
      .join('\n'),
    JSON.stringify(run.outputs),
    run.summary,
    log,
    run.stderr,
  ].join('\n');
}

describe('the secret-echo chain: a smoke report that copied credentials', () => {
  test.each(['inline', 'file'])(
    'given %s: the comment, the deployment, Slack, outputs and summary hold none of them',
    async (how) => {
      const pull = github().state.mergePullRequest(REPOSITORY, {
        title: `Rotate the bot token (was ${FAKE.xoxb})`,
        author: 'Codertocat',
      });
      const sha = pull.mergeCommitSha as string;
      const workspace = temporaryFolder('pr-comment-chain-');
      writeFileSync(join(workspace, 'smoke-report.md'), ECHOING_SMOKE_REPORT);
      const run = await prComment(
        {
          'pr-number': pull.number,
          status: 'failure',
          'smoke-report': how === 'file' ? 'smoke-report.md' : ECHOING_SMOKE_REPORT,
          'create-deployment': true,
          'environment-url': 'https://app.example.com',
          'slack-webhook-url': github().slackWebhookUrl,
        },
        { workspace, env: { GITHUB_SHA: sha } },
      );
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);

      const [comment] = github().state.comments(REPOSITORY, pull.number);
      expect(comment.body).toContain('GET /debug');
      expect(comment.body).toContain('"authorization":"Bearer ***"');
      expect(comment.body).toContain('looked like a credential and was replaced with `***`');
      expect(github().slackMessages()).toHaveLength(1);
      expect(JSON.stringify(github().slackMessages())).toContain('Rotate the bot token (was ***)');
      expect(github().state.deployments(REPOSITORY)).toHaveLength(1);
      expect(run.summary).toContain('looked like a credential');

      const emitted = everythingEmitted(run);
      for (const secret of [...ECHOED, FAKE.xoxb]) expect(emitted).not.toContain(secret);
    },
  );

  test("the action's own token and webhook URL, in any encoding, never reach the comment", async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const report = [
      `Authorisation used: ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`,
      `Webhook: ${encodeURIComponent(github().slackWebhookUrl)}`,
      `Raw: ${TOKEN} and ${github().slackWebhookUrl}`,
    ].join('\n\n');
    const run = await prComment({
      'pr-number': pull.number,
      'smoke-report': report,
      'slack-webhook-url': github().slackWebhookUrl,
    });
    expect(run.exitCode).toBe(0);
    const [comment] = github().state.comments(REPOSITORY, pull.number);
    expect(comment.body).toContain('looked like a credential');
    for (const secret of [
      TOKEN,
      'emulatorwebhooksecret000',
      encodeURIComponent(github().slackWebhookUrl),
      Buffer.from(`x-access-token:${TOKEN}`).toString('base64').slice(20, 40),
    ]) {
      expect(comment.body).not.toContain(secret);
    }
    expect(run.masked).toContain(TOKEN);
    expect(run.masked).toContain(github().slackWebhookUrl);
  });
});

describe('Slack is told once per change of state', () => {
  const slackPosts = () =>
    github()
      .calls()
      .filter((call) => call.service === 'slack').length;

  test('success, a rerun (nothing), failure, success: three messages, and a rerun writes nothing at all', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, { author: 'Codertocat' });
    const sha = pull.mergeCommitSha as string;
    const run = (status: string) =>
      prComment(
        {
          'pr-number': pull.number,
          status,
          'create-deployment': true,
          'slack-webhook-url': github().slackWebhookUrl,
        },
        { env: { GITHUB_SHA: sha } },
      );

    expect((await run('success')).exitCode).toBe(0);
    expect(slackPosts()).toBe(1);
    const [comment] = github().state.comments(REPOSITORY, pull.number);
    expect(comment.body.split('\n').slice(0, 2)).toEqual([marker('production'), notifiedLine(`${sha}:success`)]);

    const writes = github().writes().length;
    const rerun = await run('success');
    expect(rerun.exitCode).toBe(0);
    expect(github().writes()).toHaveLength(writes);
    expect(rerun.summary).toContain('Slack: already told (nothing changed since)');

    expect((await run('failure')).exitCode).toBe(0);
    expect((await run('success')).exitCode).toBe(0);
    const headers = github()
      .slackMessages()
      .map((message) => (message as { blocks: { text: { text: string } }[] }).blocks[0].text.text);
    expect(headers).toEqual([
      '✅ Deployed to production',
      '❌ Deployment to production failed',
      '✅ Deployed to production',
    ]);
    expect(github().state.comments(REPOSITORY, pull.number)).toHaveLength(1);
    const [deployment] = github().state.deployments(REPOSITORY);
    expect(deployment.statuses.map((status) => status.state)).toEqual(['success', 'failure', 'success']);
  });

  test('a direct push (no pull request): the deployment statuses are the record', async () => {
    const sha = github().state.commit(REPOSITORY, { message: 'Direct push' });
    const run = (status: string) =>
      prComment(
        { status, 'create-deployment': true, 'slack-webhook-url': github().slackWebhookUrl },
        { env: { GITHUB_SHA: sha } },
      );
    expect((await run('success')).exitCode).toBe(0);
    const rerun = await run('success');
    expect(rerun.exitCode).toBe(0);
    expect(rerun.summary).toContain('Slack: already told (the deployment already had this status)');
    expect((await run('failure')).exitCode).toBe(0);
    expect(slackPosts()).toBe(2);
    const [deployment] = github().state.deployments(REPOSITORY);
    expect(deployment.statuses.map((status) => status.state)).toEqual(['success', 'failure']);
  });

  test('a message Slack refused is posted by the rerun, and only once', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const inputs = { 'pr-number': pull.number, 'slack-webhook-url': github().slackWebhookUrl };
    github().failSlack({ status: 500, body: 'internal_error' });
    expect((await prComment(inputs)).exitCode).toBe(0);
    expect(github().slackMessages()).toHaveLength(0);
    expect(github().state.comments(REPOSITORY, pull.number)[0].body).not.toContain('notified=');

    expect((await prComment(inputs)).exitCode).toBe(0);
    expect(github().slackMessages()).toHaveLength(1);
    expect((await prComment(inputs)).exitCode).toBe(0);
    expect(github().slackMessages()).toHaveLength(1);
  });
});

describe('no deployment is left without a status', () => {
  const deploy = (sha: string) =>
    prComment({ 'create-deployment': true, 'pr-number': '1' }, { env: { GITHUB_SHA: sha } });

  test('the status fails after the deployment was created: retried, then the deployment is deleted', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const sha = pull.mergeCommitSha as string;
    // An older deployment makes the repository's deployments more than one (GitHub's delete rule).
    github().state.createDeployment(REPOSITORY, { sha: github().state.commit(REPOSITORY), statuses: ['success'] });
    github().injectFaults([{ kind: 'server-error' }, { kind: 'server-error', status: 422 }], {
      operationId: 'repos/create-deployment-status',
    });
    const run = await deploy(sha);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^Could not set the status of deployment \d+: GitHub answered 422 .*was deleted again/,
    );
    expect(
      github()
        .writes()
        .map((call) => `${call.operationId} ${call.status}`),
    ).toEqual([
      'repos/create-deployment 201',
      'repos/create-deployment-status 502',
      'repos/create-deployment-status 422',
      'repos/delete-deployment 204',
    ]);
    expect(
      github()
        .state.deployments(REPOSITORY)
        .filter((d) => d.statuses.length === 0),
    ).toEqual([]);
    expect(
      github()
        .state.deployments(REPOSITORY)
        .filter((d) => d.sha === sha),
    ).toEqual([]);
    // Nothing told anyone the deployment happened: no comment was written.
    expect(github().state.comments(REPOSITORY, pull.number)).toEqual([]);

    const rerun = await deploy(sha);
    expect(rerun.exitCode).toBe(0);
    const [recorded] = github()
      .state.deployments(REPOSITORY)
      .filter((d) => d.sha === sha);
    expect(recorded.statuses.map((status) => status.state)).toEqual(['success']);
  });

  test('when deleting fails too, the error says so and the rerun gives the deployment its status', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const sha = pull.mergeCommitSha as string;
    github().injectFaults([{ kind: 'server-error', status: 422 }], { operationId: 'repos/create-deployment-status' });
    github().injectFaults([{ kind: 'server-error', status: 422 }], { operationId: 'repos/delete-deployment' });
    const run = await deploy(sha);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain('has no status, and deleting it failed too');
    expect(run.errors[0]).toContain('a rerun of the job gives it its status');

    expect((await deploy(sha)).exitCode).toBe(0);
    const deployments = github().state.deployments(REPOSITORY);
    expect(deployments).toHaveLength(1);
    expect(deployments[0].statuses.map((status) => status.state)).toEqual(['success']);
  });

  test('a status that fails on a deployment an earlier run made leaves that deployment and its statuses alone', async () => {
    const pull = github().state.mergePullRequest(REPOSITORY, {});
    const sha = pull.mergeCommitSha as string;
    const earlier = github().state.createDeployment(REPOSITORY, { sha, statuses: ['failure'] });
    github().injectFaults([{ kind: 'server-error', status: 422 }], { operationId: 'repos/create-deployment-status' });
    const run = await deploy(sha);
    expect(run.exitCode).toBe(1);
    expect(
      github()
        .writes()
        .map((call) => call.operationId),
    ).toEqual(['repos/create-deployment-status']);
    expect(
      github()
        .state.deployment(earlier.id)
        ?.statuses.map((status) => status.state),
    ).toEqual(['failure']);
  });
});
