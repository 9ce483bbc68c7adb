import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import { setOutputs } from '@shipyard/shared/outputs';
import { appendSummary } from '@shipyard/shared/summary';
import { shown } from '@shipyard/shared/text';
import { compare } from './compare.js';
import { startDeployment } from './deployment.js';
import { Ecs } from './ecs.js';
import { INPUT, OUTPUT, type Inputs } from './inputs.js';
import { renderToFile, taskDefinitionRevision } from './render.js';
import { failureMessage, renderSummary, type RolloutReport } from './report.js';
import { deregisterOld, registerOrReuse } from './revisions.js';
import { explainStoppedTasks, rollBack } from './rollback.js';
import { formatDuration, watchDeployment, type WatchResult } from './watch.js';

/**
 * The deployment, step by step: render, compare, register, update, watch, explain, roll back, clean
 * up. Each step records what it did in the report; however the step ends (done early, failed, or
 * stopped by an error such as a refused permission), the outputs and the job summary are written
 * from that report, once, at the end. index.ts loads this module, with @actions/core and the AWS
 * SDK, only once every input is valid.
 */
export async function main(inputs: Inputs): Promise<void> {
  const ecs = new Ecs({ region: inputs.region, maxAttempts: inputs.maxAttempts });
  const report = emptyReport(inputs);
  try {
    const rendered = await core.group('Render the task definition', () =>
      renderToFile({
        source: inputs.source,
        overrides: inputs.overrides,
        names: INPUT,
        region: inputs.region,
        find: (reference) => ecs.findTaskDefinition(reference),
        tempRoot: process.env.RUNNER_TEMP || tmpdir(),
        log: core,
      }),
    );
    report.renderedPath = rendered.path;

    const current = await core.group('Compare with what is registered and running', () =>
      compare(ecs, { cluster: inputs.cluster, service: inputs.service }, rendered, core),
    );
    report.previousArn = current.service?.taskDefinition;
    report.diff = current.diff;
    report.images = current.images;

    if (inputs.dryRun) {
      report.newArn = current.reusable?.arn;
      report.reused = current.reusable !== undefined;
      core.notice(
        current.reusable
          ? `Dry run: the rendered task definition equals ${taskDefinitionRevision(current.reusable.arn)}; nothing registered or deployed`
          : 'Dry run: the diff above is what would be registered; nothing registered or deployed',
      );
      return;
    }

    const registered = await core.group('Register the task definition', () =>
      registerOrReuse(
        ecs,
        {
          definition: rendered.definition,
          reusable: current.reusable,
          skipUnchanged: inputs.skipUnchanged,
          newerThan: current.latest?.revision ?? 0,
        },
        core,
      ),
    );
    report.newArn = registered.arn;
    report.reused = registered.reused;

    const service = inputs.service;
    const before = current.service;
    if (!service || !before) {
      core.info('No service given: registered only');
      return;
    }
    const started = await core.group(`Update service ${shown(service)}`, () =>
      startDeployment(
        ecs,
        {
          cluster: inputs.cluster,
          service,
          taskDefinition: registered.arn,
          desiredCount: inputs.desiredCount,
          forceNewDeployment: inputs.forceNewDeployment,
          enableEcsManagedTags: inputs.enableEcsManagedTags,
          propagateTags: inputs.propagateTags,
        },
        before,
        core,
      ),
    );
    report.deploymentId = started.id;

    if (!inputs.wait) {
      // Already COMPLETED when the service ran this revision before; otherwise still IN_PROGRESS.
      report.rolloutState = started.rolloutState;
      report.outcome = `${started.rolloutState} (not waited for)`;
      return;
    }

    const seenEvents = new Set((before.events ?? []).map((event) => event.id ?? ''));
    const watch = (deploymentId: string, phase: string) =>
      watchPhase(ecs, { inputs, service, deploymentId, phase, seenEvents }, report);
    const rollout = await watch(started.id, 'Rollout');
    report.outcome = rollout.outcome;
    report.reason = rollout.reason;

    if (rollout.outcome === 'COMPLETED') {
      report.rolloutState = 'COMPLETED';
      if (inputs.keepRevisions > 0) {
        report.deregistered = await core.group('Deregister old revisions', () =>
          deregisterOld(
            ecs,
            { newArn: registered.arn, previousArn: before.taskDefinition, keep: inputs.keepRevisions },
            core,
          ),
        );
      }
      return;
    }

    report.rolloutState = rollout.outcome === 'TIMED_OUT' ? 'TIMED_OUT' : 'FAILED';
    report.stoppedTasks = await core.group('Why tasks stopped', () =>
      explainStoppedTasks(ecs, { cluster: inputs.cluster, service, taskDefinitionArn: registered.arn }, core),
    );
    const rollback = await rollBack(
      ecs,
      {
        cluster: inputs.cluster,
        service,
        rollout,
        previousArn: before.taskDefinition,
        newArn: registered.arn,
        rollbackOnFailure: inputs.rollbackOnFailure,
        watch,
      },
      core,
    );
    report.rolledBack = rollback.rolledBack;
    report.rollbackNote = rollback.note;
    throw new ActionFailure(failureMessage(report));
  } catch (error) {
    report.outcome ??= 'ERROR';
    report.reason ??= errorMessage(error);
    throw error;
  } finally {
    setOutputs(outputsOf(report));
    await appendSummary(renderSummary(report));
  }
}

function emptyReport(inputs: Inputs): RolloutReport {
  return {
    title: inputs.dryRun ? 'deploy-ecs (dry run)' : 'deploy-ecs',
    region: inputs.region,
    cluster: inputs.cluster,
    service: inputs.service,
    reused: false,
    dryRun: inputs.dryRun,
    images: [],
    diff: '',
    rolledBack: false,
    timeline: [],
    events: [],
    stoppedTasks: [],
    deregistered: [],
  };
}

/** Every output, from the report: what the step did not get to is the empty string. */
function outputsOf(report: RolloutReport): Record<(typeof OUTPUT)[keyof typeof OUTPUT], string | undefined> {
  return {
    [OUTPUT.taskDefinitionArn]: report.newArn,
    [OUTPUT.previousTaskDefinitionArn]: report.previousArn,
    [OUTPUT.taskDefinition]: report.renderedPath,
    [OUTPUT.deploymentId]: report.deploymentId,
    [OUTPUT.rolloutState]: report.rolloutState,
    [OUTPUT.rolledBack]: String(report.rolledBack),
    [OUTPUT.diff]: report.diff,
  };
}

/** Watch one deployment to its end inside a log group, recording its events and timeline in the report. */
async function watchPhase(
  ecs: Ecs,
  options: { inputs: Inputs; service: string; deploymentId: string; phase: string; seenEvents: Set<string> },
  report: RolloutReport,
): Promise<WatchResult> {
  const { inputs, service, deploymentId, phase } = options;
  return core.group(`${phase}: watching deployment ${deploymentId}`, async () => {
    const result = await watchDeployment({
      describe: () => ecs.describeService(inputs.cluster, service),
      deploymentId,
      intervalMs: inputs.pollIntervalMs,
      timeoutMs: inputs.timeoutMs,
      seenEvents: options.seenEvents,
      onEvent: (event) => {
        report.events.push(event);
        core.info(`${event.createdAt?.toISOString() ?? ''} ${event.message}`);
      },
      onWaiting: (text) => core.info(text),
      onTransientError: (text) => core.warning(text),
    });
    report.timeline.push({ phase, entries: result.timeline, startedAtMs: result.startedAtMs });
    core.info(
      `${phase}: ${result.outcome} after ${formatDuration(result.endedAtMs - result.startedAtMs)} (${result.reason})`,
    );
    return result;
  });
}
