import * as core from '@actions/core';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
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
import { recordDeployment, type RecordedDeployment } from './deployment.js';
import { deploymentFacts, type DeploymentFacts } from './facts.js';
import { createOctokit, RateLimitExhausted, RequestLedger, TokenRefused, type Octokit } from './github.js';
import { OUTPUT, type Inputs } from './inputs.js';
import { Outgoing } from './outgoing.js';
import { deployedBranch, findShippedPulls, type FoundPulls, type Repo, type ShippedPull } from './pulls.js';
import { postToSlack, slackMessage } from './slack.js';
import { renderSummary } from './summary.js';

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

/** What every step of a run works with: the API, the repository, the request budget and the log. */
interface Session {
  inputs: Inputs;
  octokit: Octokit;
  repo: Repo;
  ledger: RequestLedger;
  outgoing: Outgoing;
  /** The log, through the outgoing gate. */
  say: Record<'info' | 'warning' | 'error', (message: string) => void>;
  /** What every message about this deployment says, gathered once. */
  facts: DeploymentFacts;
}

async function ship(inputs: Inputs, outgoing: Outgoing): Promise<void> {
  const { run } = inputs;
  if (!run.repository.owner || !run.repository.repo) {
    throw new ActionFailure('GITHUB_REPOSITORY is not set: pr-comment runs inside a GitHub Actions workflow');
  }
  const ledger = new RequestLedger();
  const session: Session = {
    inputs,
    octokit: await createOctokit(inputs.token, { apiUrl: run.apiUrl || 'https://api.github.com', outgoing, ledger }),
    repo: { owner: run.repository.owner, repo: run.repository.repo },
    ledger,
    outgoing,
    say: {
      info: (message) => core.info(outgoing.clean(message)),
      warning: (message) => core.warning(outgoing.clean(message)),
      error: (message) => core.error(outgoing.clean(message)),
    },
    facts: deploymentFacts(inputs, run),
  };

  const found = await findPulls(session);
  const deployment = inputs.createDeployment ? await recordTheDeployment(session) : undefined;
  // First every pull request's earlier comment (each holds the record of what Slack was told),
  // then Slack, then the comments, which record what Slack has now been told.
  const failed: number[] = [];
  const { earlier, commentable } = await readEarlierComments(session, found.pulls, failed);
  // Slack is told only when every comment can then record that it was (one write each): a run that
  // posted and then ran out of requests would leave no record, and its rerun would post again.
  if (commentable.length > 0) {
    ledger.ensure(
      commentable.length,
      inputs.slackWebhookUrl ? 'notifying Slack and writing the comments' : 'writing the comments',
    );
  }
  const slack = inputs.slackWebhookUrl
    ? await notifySlack(session, inputs.slackWebhookUrl, { pulls: found.pulls, earlier, deployment })
    : undefined;
  const published = await writeComments(session, commentable, { earlier, notified: slack?.notified ?? false }, failed);

  setOutputs(
    outgoing.deep({
      [OUTPUT.prNumbers]: published.map(({ pull }) => pull.number).join(','),
      [OUTPUT.commentIds]: published.map(({ comment }) => comment.id).join(','),
      [OUTPUT.commentUrls]: published.map(({ comment }) => comment.url).join(','),
      [OUTPUT.deploymentId]: deployment === undefined ? '' : String(deployment.id),
    }),
  );
  await appendSummary(
    outgoing.clean(
      renderSummary({
        environment: inputs.environment,
        status: inputs.status,
        how: found.how,
        published,
        failed,
        deploymentId: deployment?.id,
        slackOutcome: slack?.outcome,
        redacted: outgoing.redacted,
      }),
    ),
  );
  if (failed.length > 0) {
    throw new ActionFailure(
      `Could not comment on ${failed.map((number) => `#${number}`).join(', ')} (see the errors above)`,
    );
  }
  if (slack?.failure) throw new ActionFailure(slack.failure);
}

function findPulls({ inputs, octokit, repo, say }: Session): Promise<FoundPulls> {
  return core.group('Finding the pull requests that shipped', async () => {
    const result = await findShippedPulls(octokit, repo, {
      sha: inputs.sha,
      branch: deployedBranch(inputs.run.ref, inputs.run.payload),
      prNumbers: inputs.prNumbers,
      sinceLastDeployment: inputs.sinceLastDeployment,
      environment: inputs.environment,
      eventPayload: inputs.run.payload,
    });
    for (const warning of result.warnings) say.warning(warning);
    say.info(
      result.pulls.length === 0
        ? `No merged pull request ${result.how}`
        : `${result.pulls.map((pull) => `#${pull.number}`).join(', ')}: ${result.how}`,
    );
    return result;
  });
}

function recordTheDeployment({ inputs, octokit, repo, ledger, say, facts }: Session): Promise<RecordedDeployment> {
  // Create it and give it its status (or withdraw it) without running out of requests between.
  ledger.ensure(3, 'recording the deployment');
  return core.group(`Recording the deployment to ${inputs.environment}`, async () => {
    const deployment = await recordDeployment(octokit, repo, {
      sha: inputs.sha,
      environment: inputs.environment,
      status: inputs.status,
      environmentUrl: inputs.environmentUrl,
      logUrl: facts.runUrl,
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
    return deployment;
  });
}

/**
 * Each pull request's earlier comment by this token's identity (none in mode: create), and the
 * pull requests that can be commented on. One whose comments cannot be read goes to `failed`.
 */
async function readEarlierComments(
  { inputs, octokit, repo, say }: Session,
  pulls: readonly ShippedPull[],
  failed: number[],
): Promise<{ earlier: Map<number, MarkedComment | undefined>; commentable: ShippedPull[] }> {
  const earlier = new Map<number, MarkedComment | undefined>();
  const commentable: ShippedPull[] = [];
  if (pulls.length === 0) return { earlier, commentable };
  await core.group(`Reading the comments of ${pulls.map((pull) => `#${pull.number}`).join(', ')}`, async () => {
    const author: CommentAuthor | undefined =
      inputs.mode === 'create' ? undefined : await commentAuthor(octokit, inputs.token);
    for (const pull of pulls) {
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
  return { earlier, commentable };
}

interface SlackResult {
  /** For the summary: posted, already told, or why not. */
  outcome: string;
  /** This run posted the message. */
  notified: boolean;
  /** The post failed and `fail-on-notify-error` asks to fail the step for it. */
  failure?: string;
}

async function notifySlack(
  { inputs, outgoing, say, facts }: Session,
  webhookUrl: string,
  known: {
    pulls: readonly ShippedPull[];
    earlier: ReadonlyMap<number, MarkedComment | undefined>;
    deployment: RecordedDeployment | undefined;
  },
): Promise<SlackResult> {
  const state = notifiedState(inputs);
  return core.group('Notifying Slack', async (): Promise<SlackResult> => {
    const told = [...known.earlier.entries()].find(([, comment]) => readNotified(comment?.body) === state);
    if (told) {
      say.info(
        `Slack was told that ${inputs.sha.slice(0, 7)} is '${inputs.status}' in ${inputs.environment} already (recorded in the comment on #${told[0]}); nothing posted`,
      );
      return { outcome: 'already told (nothing changed since)', notified: false };
    }
    // No comment to keep the record in (no pull request, or mode: create): the deployment's
    // statuses are the record, and a status this run did not need to add is no change of state.
    if (known.earlier.size === 0 && known.deployment?.statusAdded === false) {
      say.info(
        `Deployment ${known.deployment.id} already said '${inputs.status}' for ${inputs.sha.slice(0, 7)}: no change of state, nothing posted to Slack`,
      );
      return { outcome: 'already told (the deployment already had this status)', notified: false };
    }
    const message = slackMessage({ ...facts, pulls: known.pulls, userMap: inputs.slackUserMap });
    try {
      await postToSlack(webhookUrl, message, { outgoing });
      say.info('Slack message posted');
      return { outcome: 'posted', notified: true };
    } catch (error) {
      if (!inputs.failOnNotifyError) {
        say.warning(`${errorMessage(error)} (the step goes on: set fail-on-notify-error: true to fail it)`);
      }
      return {
        outcome: `not posted: ${errorMessage(error)}`,
        notified: false,
        failure: inputs.failOnNotifyError ? errorMessage(error) : undefined,
      };
    }
  });
}

/** What a comment records Slack was told: this commit in this state. */
function notifiedState(inputs: Pick<Inputs, 'sha' | 'status'>): string {
  return `${inputs.sha}:${inputs.status}`;
}

/** Write every comment; a pull request whose comment fails goes to `failed`, and the others are still written. */
async function writeComments(
  { inputs, octokit, repo, outgoing, say, facts }: Session,
  pulls: readonly ShippedPull[],
  slack: { earlier: ReadonlyMap<number, MarkedComment | undefined>; notified: boolean },
  failed: number[],
): Promise<{ pull: ShippedPull; comment: PublishedComment }[]> {
  const published: { pull: ShippedPull; comment: PublishedComment }[] = [];
  if (pulls.length === 0) return published;
  await core.group(`Commenting on ${pulls.map((pull) => `#${pull.number}`).join(', ')}`, async () => {
    for (const pull of pulls) {
      const existing = slack.earlier.get(pull.number);
      const body = commentBody(
        {
          ...facts,
          image: inputs.image,
          taskDefinitionArn: inputs.taskDefinitionArn,
          smokeReport: inputs.smokeReport,
          pull,
          mentionAuthor: inputs.mentionAuthor,
        },
        inputs.template,
        {
          redact: (text) => outgoing.scan(text),
          // What Slack has been told: now this state, or whatever the comment recorded before.
          notified: slack.notified ? notifiedState(inputs) : readNotified(existing?.body),
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
  return published;
}

/** The token is refused or out of requests: every further call would fail the same way. */
function stopsRun(error: unknown): boolean {
  return error instanceof TokenRefused || error instanceof RateLimitExhausted;
}
