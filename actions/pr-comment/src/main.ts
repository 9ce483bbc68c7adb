import * as core from '@actions/core';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import { readRunContext, runUrl } from '@shipyard/shared/context';
import { setOutputs } from '@shipyard/shared/outputs';
import { appendSummary } from '@shipyard/shared/summary';
import { commentBody, readNotified } from './body.js';
import {
  commentAuthor,
  findMarkedComment,
  writeComment,
  type CommentAuthor,
  type MarkedComment,
  type PublishedComment,
} from './comments.js';
import { recordDeployment } from './deployment.js';
import { createOctokit, RateLimitExhausted, RequestLedger, TokenRefused } from './github.js';
import type { Inputs } from './inputs.js';
import { Outgoing } from './outgoing.js';
import { deployedBranch, findShippedPulls, type ShippedPull } from './pulls.js';
import { postToSlack, slackMessage } from './slack.js';
import { summaryMarkdown } from './summary.js';

export async function main(inputs: Inputs): Promise<void> {
  // The one gate for everything that leaves (outgoing.ts); the runner masks the log as well.
  const outgoing = new Outgoing([inputs.token, inputs.slackWebhookUrl]);
  for (const form of outgoing.masks()) core.setSecret(form);
  try {
    await ship(inputs, outgoing);
  } catch (error) {
    throw new ActionFailure(outgoing.clean(errorMessage(error)));
  }
}

async function ship(inputs: Inputs, outgoing: Outgoing): Promise<void> {
  const say = {
    info: (message: string) => core.info(outgoing.clean(message)),
    warning: (message: string) => core.warning(outgoing.clean(message)),
    error: (message: string) => core.error(outgoing.clean(message)),
  };
  const context = readRunContext();
  if (!context.repository.owner || !context.repository.repo) {
    throw new ActionFailure('GITHUB_REPOSITORY is not set: pr-comment runs inside a GitHub Actions workflow');
  }
  const repo = { owner: context.repository.owner, repo: context.repository.repo };
  const logUrl = runUrl(context);
  const ledger = new RequestLedger();
  const octokit = await createOctokit(inputs.token, {
    apiUrl: context.apiUrl || 'https://api.github.com',
    outgoing,
    ledger,
  });

  const found = await core.group('Finding the pull requests that shipped', async () => {
    const result = await findShippedPulls(octokit, repo, {
      sha: inputs.sha,
      branch: deployedBranch(context.ref, context.payload),
      prNumbers: inputs.prNumbers,
      sinceLastDeployment: inputs.sinceLastDeployment,
      environment: inputs.environment,
      eventPayload: context.payload,
    });
    for (const warning of result.warnings) say.warning(warning);
    say.info(
      result.pulls.length === 0
        ? `No merged pull request ${result.how}`
        : `${result.pulls.map((pull) => `#${pull.number}`).join(', ')}: ${result.how}`,
    );
    return result;
  });

  let deploymentId: number | undefined;
  let deploymentUnchanged = false;
  if (inputs.createDeployment) {
    // Create it and give it its status (or withdraw it) without running out of requests between.
    ledger.ensure(3, 'recording the deployment');
    deploymentId = await core.group(`Recording the deployment to ${inputs.environment}`, async () => {
      const deployment = await recordDeployment(octokit, repo, {
        sha: inputs.sha,
        environment: inputs.environment,
        status: inputs.status,
        environmentUrl: inputs.environmentUrl,
        logUrl,
        description: `${inputs.status === 'success' ? 'Deployed' : 'Failed to deploy'} ${inputs.image ?? inputs.sha.slice(0, 7)}`,
        payload: {
          ...(inputs.image ? { image: inputs.image } : {}),
          ...(inputs.taskDefinitionArn ? { taskDefinitionArn: inputs.taskDefinitionArn } : {}),
        },
      });
      say.info(
        deployment.statusAdded
          ? `Deployment ${deployment.id} ${deployment.reused ? '(reused)' : '(created)'} is now '${inputs.status}'`
          : `Deployment ${deployment.id} is '${inputs.status}' already; no status added`,
      );
      deploymentUnchanged = !deployment.statusAdded;
      return deployment.id;
    });
  }

  // First every pull request's earlier comment (each holds the record of what Slack was told),
  // then Slack, then the comments, which record what Slack has now been told.
  const failed: number[] = [];
  const earlier = new Map<number, MarkedComment | undefined>();
  const commentable: ShippedPull[] = [];
  if (found.pulls.length > 0) {
    await core.group(`Reading the comments of ${found.pulls.map((pull) => `#${pull.number}`).join(', ')}`, async () => {
      const author: CommentAuthor | undefined =
        inputs.mode === 'create' ? undefined : await commentAuthor(octokit, inputs.token);
      for (const pull of found.pulls) {
        try {
          if (author) {
            earlier.set(pull.number, await findMarkedComment(octokit, repo, pull.number, inputs.environment, author));
          }
          commentable.push(pull);
        } catch (error) {
          if (stopsRun(error)) throw error;
          say.error(errorMessage(error));
          failed.push(pull.number);
        }
      }
    });
  }

  // Slack is told only when every comment can then record that it was (one write each): a run that
  // posted and then ran out of requests would leave no record, and its rerun would post again.
  if (commentable.length > 0) {
    ledger.ensure(
      commentable.length,
      inputs.slackWebhookUrl ? 'notifying Slack and writing the comments' : 'writing the comments',
    );
  }

  const state = `${inputs.sha}:${inputs.status}`;
  let slackOutcome: string | undefined;
  let slackFailure: string | undefined;
  let notified = false;
  if (inputs.slackWebhookUrl) {
    const webhookUrl = inputs.slackWebhookUrl;
    slackOutcome = await core.group('Notifying Slack', async () => {
      const told = [...earlier.entries()].find(([, comment]) => readNotified(comment?.body) === state);
      if (told) {
        say.info(
          `Slack was told that ${inputs.sha.slice(0, 7)} is '${inputs.status}' in ${inputs.environment} already (recorded in the comment on #${told[0]}); nothing posted`,
        );
        return 'already told (nothing changed since)';
      }
      // No comment to keep the record in (no pull request, or mode: create): the deployment's
      // statuses are the record, and a status this run did not need to add is no change of state.
      if (earlier.size === 0 && deploymentUnchanged) {
        say.info(
          `Deployment ${deploymentId} already said '${inputs.status}' for ${inputs.sha.slice(0, 7)}: no change of state, nothing posted to Slack`,
        );
        return 'already told (the deployment already had this status)';
      }
      const message = slackMessage({
        status: inputs.status,
        environment: inputs.environment,
        environmentUrl: inputs.environmentUrl,
        repository: context.repository.fullName,
        serverUrl: context.serverUrl,
        sha: inputs.sha,
        runUrl: logUrl,
        runNumber: context.runNumber,
        pulls: found.pulls,
        userMap: inputs.slackUserMap,
      });
      try {
        await postToSlack(webhookUrl, message, { outgoing });
        notified = true;
        say.info('Slack message posted');
        return 'posted';
      } catch (error) {
        if (inputs.failOnNotifyError) slackFailure = errorMessage(error);
        else say.warning(`${errorMessage(error)} (the step goes on: set fail-on-notify-error: true to fail it)`);
        return `not posted: ${errorMessage(error)}`;
      }
    });
  }

  const published: { pull: ShippedPull; comment: PublishedComment }[] = [];
  if (commentable.length > 0) {
    await core.group(`Commenting on ${commentable.map((pull) => `#${pull.number}`).join(', ')}`, async () => {
      for (const pull of commentable) {
        const existing = earlier.get(pull.number);
        const body = commentBody(
          {
            status: inputs.status,
            environment: inputs.environment,
            environmentUrl: inputs.environmentUrl,
            image: inputs.image,
            taskDefinitionArn: inputs.taskDefinitionArn,
            smokeReport: inputs.smokeReport,
            runUrl: logUrl,
            runNumber: context.runNumber,
            sha: inputs.sha,
            repository: context.repository.fullName,
            serverUrl: context.serverUrl,
            pull,
            mentionAuthor: inputs.mentionAuthor,
          },
          inputs.template,
          {
            redact: (text) => outgoing.scan(text),
            // What Slack has been told: now this state, or whatever the comment recorded before.
            notified: notified ? state : readNotified(existing?.body),
          },
        );
        try {
          const comment = await writeComment(octokit, repo, { number: pull.number, body, mode: inputs.mode, existing });
          say.info(`#${pull.number}: comment ${comment.id} ${comment.outcome} (${comment.url})`);
          published.push({ pull, comment });
        } catch (error) {
          // One pull request's problem (locked, deleted) must not keep the others from being told;
          // a refused token or an exhausted rate limit would refuse them all, so it stops the run.
          if (stopsRun(error)) throw error;
          say.error(errorMessage(error));
          failed.push(pull.number);
        }
      }
    });
  }

  setOutputs(
    outgoing.deep({
      'pr-numbers': published.map(({ pull }) => pull.number).join(','),
      'comment-ids': published.map(({ comment }) => comment.id).join(','),
      'comment-urls': published.map(({ comment }) => comment.url).join(','),
      'deployment-id': deploymentId === undefined ? '' : String(deploymentId),
    }),
  );

  await appendSummary(
    outgoing.clean(
      summaryMarkdown({
        environment: inputs.environment,
        status: inputs.status,
        how: found.how,
        published,
        failed,
        deploymentId,
        slackOutcome,
        redacted: outgoing.redacted,
      }),
    ),
  );
  if (failed.length > 0) {
    throw new ActionFailure(
      `Could not comment on ${failed.map((number) => `#${number}`).join(', ')} (see the errors above)`,
    );
  }
  if (slackFailure) throw new ActionFailure(slackFailure);
}

/** The token is refused or out of requests: every further call would fail the same way. */
function stopsRun(error: unknown): boolean {
  return error instanceof TokenRefused || error instanceof RateLimitExhausted;
}
