import * as core from '@actions/core';
import { ActionFailure, errorMessage } from '../../shared/src/errors.js';
import { readRunContext, runUrl } from '../../shared/src/context.js';
import { appendSummary } from '../../shared/src/summary.js';
import { commentBody } from './body.js';
import { publishComment, type PublishedComment } from './comments.js';
import { recordDeployment } from './deployment.js';
import { createOctokit, TokenRefused } from './github.js';
import type { Inputs } from './inputs.js';
import { deployedBranch, findShippedPulls, type ShippedPull } from './pulls.js';
import { postToSlack, slackMessage } from './slack.js';
import { summaryMarkdown } from './summary.js';

export async function main(inputs: Inputs): Promise<void> {
  core.setSecret(inputs.token);
  if (inputs.slackWebhookUrl) core.setSecret(inputs.slackWebhookUrl);

  const context = readRunContext();
  if (!context.repository.owner || !context.repository.repo) {
    throw new ActionFailure('GITHUB_REPOSITORY is not set: pr-comment runs inside a GitHub Actions workflow');
  }
  const repo = { owner: context.repository.owner, repo: context.repository.repo };
  const logUrl = runUrl(context);
  const octokit = await createOctokit(inputs.token, { apiUrl: context.apiUrl || 'https://api.github.com' });

  const found = await core.group('Finding the pull requests that shipped', async () => {
    const result = await findShippedPulls(octokit, repo, {
      sha: inputs.sha,
      branch: deployedBranch(context.ref, context.payload),
      prNumbers: inputs.prNumbers,
      sinceLastDeployment: inputs.sinceLastDeployment,
      environment: inputs.environment,
      eventPayload: context.payload,
    });
    for (const warning of result.warnings) core.warning(warning);
    core.info(
      result.pulls.length === 0
        ? `No merged pull request ${result.how}`
        : `${result.pulls.map((pull) => `#${pull.number}`).join(', ')}: ${result.how}`,
    );
    return result;
  });

  let deploymentId: number | undefined;
  if (inputs.createDeployment) {
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
      core.info(
        `Deployment ${deployment.id} ${deployment.reused ? '(reused)' : '(created)'} is now '${inputs.status}'`,
      );
      return deployment.id;
    });
  }

  const published: { pull: ShippedPull; comment: PublishedComment }[] = [];
  const failed: number[] = [];
  if (found.pulls.length > 0) {
    await core.group(`Commenting on ${found.pulls.map((pull) => `#${pull.number}`).join(', ')}`, async () => {
      for (const pull of found.pulls) {
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
        );
        try {
          const comment = await publishComment(octokit, repo, {
            number: pull.number,
            body,
            environment: inputs.environment,
            mode: inputs.mode,
          });
          core.info(`#${pull.number}: comment ${comment.id} ${comment.outcome} (${comment.url})`);
          published.push({ pull, comment });
        } catch (error) {
          // One pull request's problem (locked, deleted) must not keep the others from being told;
          // a refused token would refuse them all, so it stops the run.
          if (error instanceof TokenRefused) throw error;
          core.error(errorMessage(error));
          failed.push(pull.number);
        }
      }
    });
  }

  // Set before Slack is tried: the comments and the deployment exist even if the notification fails.
  core.setOutput('pr-numbers', published.map(({ pull }) => pull.number).join(','));
  core.setOutput('comment-ids', published.map(({ comment }) => comment.id).join(','));
  core.setOutput('comment-urls', published.map(({ comment }) => comment.url).join(','));
  core.setOutput('deployment-id', deploymentId === undefined ? '' : String(deploymentId));

  let slackOutcome: string | undefined;
  let slackFailure: string | undefined;
  if (inputs.slackWebhookUrl) {
    const webhookUrl = inputs.slackWebhookUrl;
    slackOutcome = await core.group('Notifying Slack', async () => {
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
        await postToSlack(webhookUrl, message);
        core.info('Slack message posted');
        return 'posted';
      } catch (error) {
        if (inputs.failOnNotifyError) slackFailure = errorMessage(error);
        else core.warning(`${errorMessage(error)} (the step goes on: set fail-on-notify-error: true to fail it)`);
        return `not posted: ${errorMessage(error)}`;
      }
    });
  }

  await appendSummary(
    summaryMarkdown({
      environment: inputs.environment,
      status: inputs.status,
      how: found.how,
      published,
      failed,
      deploymentId,
      slackOutcome,
    }),
  );
  if (failed.length > 0) {
    throw new ActionFailure(
      `Could not comment on ${failed.map((number) => `#${number}`).join(', ')} (see the errors above)`,
    );
  }
  if (slackFailure) throw new ActionFailure(slackFailure);
}
