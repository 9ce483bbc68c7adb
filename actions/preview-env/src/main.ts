import * as core from '@actions/core';
import { readRunContext, runUrl } from '@shipyard/shared/context';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import { setOutputs } from '@shipyard/shared/outputs';
import { appendSummary } from '@shipyard/shared/summary';
import { commentMarker, liveCommentBody, refusedCommentBody, removedCommentBody } from './comment.js';
import { PreviewEcs } from './ecs.js';
import { PreviewElb } from './elb.js';
import { deactivateDeployments, recordDeployment } from '@shipyard/shared/github-deployments';
import {
  createOctokit,
  deploymentWriter,
  pullState,
  tokenAuthor,
  upsertComment,
  type Octokit,
  type Repo,
} from './github.js';
import { OUTPUT, type Inputs } from './inputs.js';
import { CapReached, down, livePreviews, up, type Clients, type UpRequest } from './lifecycle.js';
import { previewEnvironment, previewNames, type PreviewIdentity } from './naming.js';

/**
 * One command per step: `up`, `down`, `sweep` or `report`. index.ts loads this module, with
 * @actions/core and the SDKs, only once every input is valid. The outputs and the job summary are
 * written whatever happens, saying how far the step got.
 */
export async function main(inputs: Inputs): Promise<void> {
  if (inputs.token) core.setSecret(inputs.token);
  const context = readRunContext();
  const repo: Repo = { owner: context.repository.owner, repo: context.repository.repo };
  const logUrl = runUrl(context);
  const outputs: Record<string, string> = Object.fromEntries(Object.values(OUTPUT).map((name) => [name, '']));
  const summary: string[] = [`### preview-env ${inputs.command}`, ''];
  const identity = (pr: number): PreviewIdentity => ({ pr, repository: inputs.repository, service: inputs.service });
  const clients = (): Clients => ({
    ecs: new PreviewEcs({ region: inputs.region, maxAttempts: inputs.maxAttempts }),
    elb: new PreviewElb({ region: inputs.region, maxAttempts: inputs.maxAttempts }),
    log: (message) => core.info(message),
    warn: (message) => core.warning(message),
  });
  const github = async (): Promise<Octokit | undefined> =>
    inputs.token ? createOctokit(inputs.token, context.apiUrl || 'https://api.github.com') : undefined;
  const url = (pr: number) => `${inputs.urlScheme}://${previewNames(identity(pr), inputs.previewDomain).host ?? ''}`;

  /** The comment says the preview is gone, and the deployments are inactive. */
  const reportRemoved = async (octokit: Octokit, pr: number) => {
    const author = await tokenAuthor(octokit, inputs.token ?? '');
    const comment = await upsertComment(octokit, repo, {
      number: pr,
      marker: commentMarker(inputs.service, pr),
      body: removedCommentBody({ service: inputs.service, pr, runUrl: logUrl }),
      author,
    });
    const inactive = await deactivateDeployments(
      octokit,
      repo,
      { environment: previewEnvironment(pr), description: 'The preview was removed' },
      deploymentWriter,
    );
    core.info(
      `Comment ${comment.outcome} (${comment.url}); ${inactive} deployment(s) of ${previewEnvironment(pr)} marked inactive`,
    );
  };

  /**
   * `up`; refused by the cap, the pull request's sticky comment says so too (the step's error is
   * easy to miss behind a red check). A comment that cannot be written never hides the refusal.
   */
  const upOrTell = async (octokit: Octokit | undefined, pr: number, request: UpRequest) => {
    try {
      return await up(clients(), request);
    } catch (error) {
      if (error instanceof CapReached && octokit) {
        try {
          const author = await tokenAuthor(octokit, inputs.token ?? '');
          await upsertComment(octokit, repo, {
            number: pr,
            marker: commentMarker(inputs.service, pr),
            body: refusedCommentBody({ service: inputs.service, pr, reason: error.message, runUrl: logUrl }),
            author,
          });
        } catch (commentError) {
          core.warning(
            `Could not tell pull request #${pr} that the cap refused its preview: ${errorMessage(commentError)}`,
          );
        }
      }
      throw error;
    }
  };

  try {
    switch (inputs.command) {
      case 'up': {
        const pr = inputs.pr!;
        // A run for a pull request closed meanwhile (a job still queued at the close, a late re-run)
        // would bring back a preview that down or sweep just removed, and nothing would remove it again.
        const octokit = await github();
        const state = octokit ? await pullState(octokit, repo, pr) : 'unknown';
        const refusal = (now: string) =>
          `Pull request #${pr} is ${now}: no preview is created for it (its preview is removed on close). ` +
          'Reopen the pull request to get a preview again';
        if (state === 'closed' || state === 'merged') throw new ActionFailure(refusal(state));
        if (state === 'unknown') {
          core.warning(
            octokit
              ? `GitHub shows no pull request #${pr} to this token, so whether it is open cannot be told; sweep will leave this preview alone too`
              : `No token: whether pull request #${pr} is still open cannot be told; give 'token' so that a closed pull request gets no preview`,
          );
        }
        const result = await core.group(`Preview of #${pr}`, () =>
          upOrTell(octokit, pr, {
            identity: identity(pr),
            cluster: inputs.cluster,
            listenerArn: inputs.listenerArn!,
            domain: inputs.previewDomain!,
            scheme: inputs.urlScheme,
            image: inputs.image!,
            containerName: inputs.containerName,
            environment: inputs.environment,
            desiredCount: inputs.desiredCount,
            maxPreviews: inputs.maxPreviews,
            priorities: inputs.priorities,
            stillWanted: async () => {
              const now = octokit ? await pullState(octokit, repo, pr) : 'unknown';
              return now === 'closed' || now === 'merged' ? refusal(now) : undefined;
            },
          }),
        );
        outputs[OUTPUT.url] = result.url;
        outputs[OUTPUT.service] = result.service;
        outputs[OUTPUT.targetGroupArn] = result.targetGroupArn;
        outputs[OUTPUT.ruleArn] = result.ruleArn;
        outputs[OUTPUT.taskDefinitionArn] = result.taskDefinitionArn;
        outputs[OUTPUT.created] = String(result.created);
        outputs[OUTPUT.previews] = result.previews.join(',');
        summary.push(
          `Preview of #${pr}: ${result.url}`,
          '',
          `- service \`${result.service}\` (${result.created ? 'created' : 'exists'})`,
          `- task definition \`${result.taskDefinitionArn}\``,
          `- live previews: ${result.previews.map((n) => `#${n}`).join(', ')} (max ${inputs.maxPreviews})`,
        );
        return;
      }
      case 'down': {
        const pr = inputs.pr!;
        const result = await core.group(`Remove the preview of #${pr}`, () =>
          down(clients(), { identity: identity(pr), cluster: inputs.cluster, listenerArn: inputs.listenerArn! }),
        );
        outputs[OUTPUT.removed] = result.removed.length > 0 ? String(pr) : '';
        summary.push(
          result.removed.length > 0
            ? `Removed the preview of #${pr}:`
            : `Nothing of the preview of #${pr} was left to remove.`,
          '',
          ...result.removed.map((line) => `- ${line}`),
          ...result.leftAlone.map((line) => `- left alone: ${line}`),
        );
        const octokit = await github();
        if (octokit) await core.group('Tell the pull request', () => reportRemoved(octokit, pr));
        return;
      }
      case 'sweep': {
        const octokit = (await github())!;
        const all = clients();
        const live = await core.group('Live previews', async () => {
          const found = await livePreviews(all, {
            scope: { repository: inputs.repository, service: inputs.service },
            cluster: inputs.cluster,
            listenerArn: inputs.listenerArn!,
          });
          for (const [pr, where] of found) core.info(`#${pr}: ${where.join(', ')}`);
          return found;
        });
        outputs[OUTPUT.previews] = [...live.keys()].sort((a, b) => a - b).join(',');
        const removed: number[] = [];
        for (const pr of [...live.keys()].sort((a, b) => a - b)) {
          // Asked right before this preview's removal, not once for all: a pull request reopened
          // while sweep works through the others keeps its preview.
          const state = await pullState(octokit, repo, pr);
          if (state === 'unknown') {
            core.warning(`GitHub shows no pull request #${pr} to this token: its preview is left alone`);
            continue;
          }
          if (state === 'open') continue;
          // A preview already on its way out (its service DRAINING, nothing else left) is not removed again.
          const result = await core.group(`Remove the preview of closed #${pr}`, async () => {
            const done = await down(all, {
              identity: identity(pr),
              cluster: inputs.cluster,
              listenerArn: inputs.listenerArn!,
            });
            if (done.removed.length > 0) await reportRemoved(octokit, pr);
            if ((await pullState(octokit, repo, pr)) === 'open') {
              core.warning(
                `Pull request #${pr} was reopened while its preview was being removed: push to it, or re-run its preview job, to bring the preview back`,
              );
            }
            return done;
          });
          if (result.removed.length > 0) removed.push(pr);
        }
        outputs[OUTPUT.removed] = removed.join(',');
        summary.push(
          `Live previews: ${[...live.keys()].map((n) => `#${n}`).join(', ') || 'none'}`,
          `Removed (pull request closed): ${removed.map((n) => `#${n}`).join(', ') || 'none'}`,
        );
        return;
      }
      case 'report': {
        const pr = inputs.pr!;
        const octokit = (await github())!;
        const sha = inputs.sha ?? '';
        if (!sha) throw new ActionFailure("No commit to report: set 'sha' (GITHUB_SHA is not set)");
        // The pull request closed while this job ran (and down or sweep removed the preview, or
        // will): a comment saying "live at" and an active deployment would outlive the preview.
        const state = await pullState(octokit, repo, pr);
        if (state === 'closed' || state === 'merged') {
          core.notice(
            `Pull request #${pr} is ${state}: its preview is removed on close, so nothing is reported (no comment, no deployment)`,
          );
          summary.push(`Not reported: pull request #${pr} is ${state}; its preview is removed on close.`);
          return;
        }
        const previewUrl = url(pr);
        outputs[OUTPUT.url] = previewUrl;
        await core.group(`Report the preview of #${pr}`, async () => {
          const author = await tokenAuthor(octokit, inputs.token ?? '');
          const comment = await upsertComment(octokit, repo, {
            number: pr,
            marker: commentMarker(inputs.service, pr),
            body: liveCommentBody({
              service: inputs.service,
              pr,
              url: previewUrl,
              sha,
              smoke: inputs.smokeOutcome,
              runUrl: logUrl,
            }),
            author,
          });
          const state =
            inputs.smokeOutcome === 'success'
              ? 'success'
              : inputs.smokeOutcome === 'pending'
                ? 'in_progress'
                : inputs.smokeOutcome === 'failure'
                  ? 'failure'
                  : 'error';
          const { id } = await recordDeployment(
            octokit,
            repo,
            {
              sha,
              environment: previewEnvironment(pr),
              state,
              environmentUrl: previewUrl,
              logUrl,
              description: `Preview of #${pr} at ${sha.slice(0, 7)}: smoke test ${inputs.smokeOutcome}`,
              transient: true,
              production: false,
            },
            deploymentWriter,
          );
          core.info(
            `Comment ${comment.outcome} (${comment.url}); deployment ${id} of ${previewEnvironment(pr)}: ${state}`,
          );
          summary.push(`Preview of #${pr} at \`${sha.slice(0, 7)}\`: ${previewUrl}, smoke test ${inputs.smokeOutcome}`);
        });
        return;
      }
    }
  } catch (error) {
    summary.push('', `**Stopped:** ${errorMessage(error)}`);
    throw error;
  } finally {
    setOutputs(outputs);
    await appendSummary(`${summary.join('\n')}\n`);
  }
}
