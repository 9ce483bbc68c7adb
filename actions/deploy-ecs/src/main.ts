import { formatDuration } from '@shipyard/shared/duration';
import { taskDefinitionRevision } from '@shipyard/shared/arn';
import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import { setOutputs } from '@shipyard/shared/outputs';
import { appendSummary } from '@shipyard/shared/summary';
import { shown } from '@shipyard/shared/text';
import { compare } from './compare.js';
import { renderDeploymentSections, type DeploymentExtras } from './deployment-report.js';
import { startDeployment } from './deployment.js';
import { Ecs, type StoppedTask } from './ecs.js';
import { checkRunTask, INPUT, OUTPUT, type Inputs } from './inputs.js';
import { formatTail, logTarget, Logs } from './logs.js';
import { runAndJudge } from './one-off-task.js';
import { renderToFile, type Json } from './render.js';
import { failureMessage, renderSummary, type RolloutReport } from './report.js';
import { deregisterOld, registerOrReuse } from './revisions.js';
import { explainStoppedTasks, rollBack } from './rollback.js';
import {
  isApiUnavailable,
  rollBackServiceDeployment,
  ServiceDeploymentApi,
  strategyOf,
  watchRollout,
  type DeploymentFacts,
  type RolloutWatchResult,
} from './service-deployments.js';
import { firstPermanentFailure } from './stops.js';

/**
 * The deployment, step by step: render, compare, register, update, watch, explain, roll back, clean
 * up. Each step records what it did in the report; however the step ends (done early, failed, or
 * stopped by an error such as a refused permission), the outputs and the job summary are written
 * from that report, once, at the end. index.ts loads this module, with @actions/core and the AWS
 * SDK, only once every input is valid.
 */
export async function main(inputs: Inputs): Promise<void> {
  const ecs = new Ecs({ region: inputs.region, maxAttempts: inputs.maxAttempts });
  const logs = new Logs({ region: inputs.region, maxAttempts: inputs.maxAttempts });
  const report = emptyReport(inputs);
  const extras: DeploymentExtras = { stoppedTaskLogs: [] };
  try {
    if (inputs.droppedEmptyValues.length > 0) {
      const shownPaths = inputs.droppedEmptyValues.slice(0, 20).join(', ');
      const more = inputs.droppedEmptyValues.length > 20 ? ` and ${inputs.droppedEmptyValues.length - 20} more` : '';
      core.notice(
        `Dropped empty values from the task definition file, as aws-actions/amazon-ecs-deploy-task-definition does (${INPUT.keepNullValueKeys} keeps named keys): ${shownPaths}${more}`,
      );
    }
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
    // What RunTask would refuse, now that the service (its network) and the definition are known: still before any change.
    if (inputs.runTask) checkRunTask(rendered.definition, inputs.runTask, current.service);

    if (inputs.dryRun) {
      report.newArn = current.reusable?.arn;
      report.reused = current.reusable !== undefined;
      core.notice(
        current.reusable
          ? `Dry run: the rendered task definition equals ${taskDefinitionRevision(current.reusable.arn)}; nothing registered or deployed`
          : 'Dry run: the diff above is what would be registered; nothing registered or deployed',
      );
      if (inputs.runTask) core.info('Dry run: the one-off task is not run');
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

    if (inputs.runTask) {
      const run = inputs.runTask;
      const oneOff = await core.group('Run the one-off task', () =>
        runAndJudge(
          ecs.client,
          logs,
          {
            taskDefinitionArn: registered.arn,
            definition: rendered.definition,
            run,
            service: current.service,
            intervalMs: inputs.pollIntervalMs,
          },
          core,
        ),
      );
      extras.oneOffTask = oneOff;
      if (!oneOff.success) {
        throw new ActionFailure(
          `The one-off task ${oneOff.taskArn ?? ''} of ${taskDefinitionRevision(registered.arn)} failed: ${oneOff.reason}.${inputs.service ? ' The rollout was not started.' : ''}`,
        );
      }
      core.info(`The one-off task succeeded: ${oneOff.reason}`);
    }

    const service = inputs.service;
    const before = current.service;
    if (!service || !before) {
      if (!inputs.runTask) core.info('No service given: registered only');
      return;
    }
    const since = new Date();
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

    const api = new ServiceDeploymentApi(ecs.client, ecs.client);
    const facts: DeploymentFacts = { strategy: strategyOf(before), stages: [], alarmsFired: [] };
    extras.serviceDeployment = facts;
    facts.arn = await findServiceDeployment(ecs, api, facts, inputs.cluster, service, since);

    if (!inputs.wait) {
      // Already COMPLETED when the service ran this revision before; otherwise still IN_PROGRESS.
      report.rolloutState = started.rolloutState;
      report.outcome = `${started.rolloutState} (not waited for)`;
      return;
    }

    const seenEvents = new Set((before.events ?? []).map((event) => event.id ?? ''));
    const failFast = inputs.failFast
      ? () => permanentFailure(ecs, inputs.cluster, service, registered.arn, rendered.definition)
      : undefined;
    const watch = (deploymentId: string, phase: string) =>
      watchPhase(ecs, { inputs, service, deploymentId, phase, seenEvents, api, facts, failFast }, report);
    const rollout = await watch(started.id, 'Rollout');
    report.outcome = rollout.outcome;
    report.reason = rollout.reason;
    if (rollout.failedFast) {
      const after =
        rollout.firstFailurePoll !== undefined
          ? `, ${rollout.polls - rollout.firstFailurePoll} poll(s) after the first failed task (poll ${rollout.firstFailurePoll} of ${rollout.polls})`
          : '';
      extras.failedFast = `Stopped waiting: ${rollout.reason}${after}. Set fail-fast to false to wait for the circuit breaker instead.`;
      core.warning(`Failing fast: ${rollout.reason}${after}`);
    }

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
    report.stoppedTasks = await core.group('Why tasks stopped', async () => {
      const tasks = await explainStoppedTasks(
        ecs,
        { cluster: inputs.cluster, service, taskDefinitionArn: registered.arn },
        core,
      );
      extras.stoppedTaskLogs = await stoppedTaskLogs(logs, tasks, rendered.definition);
      return tasks;
    });
    // A service that already ran this revision before the update (its first deployment, made by
    // CreateService, as preview-env's are) has nothing earlier to go back to: StopServiceDeployment
    // would only stop it half-way, so rollBack says so instead.
    const earlierRevision = before.taskDefinition !== undefined && before.taskDefinition !== registered.arn;
    const ownRollback =
      inputs.rollbackOnFailure && earlierRevision && (rollout.outcome === 'FAILED' || rollout.outcome === 'TIMED_OUT')
        ? await rollBackServiceDeployment(
            api,
            facts,
            taskDefinitionRevision(before.taskDefinition ?? ''),
            () =>
              watchPhase(
                ecs,
                {
                  inputs,
                  service,
                  deploymentId: started.id,
                  phase: 'Rollback',
                  seenEvents,
                  api,
                  facts,
                  mode: 'rollback',
                },
                report,
              ),
            core,
          )
        : undefined;
    const rollback =
      ownRollback ??
      (await rollBack(
        ecs,
        {
          cluster: inputs.cluster,
          service,
          rollout,
          previousArn: before.taskDefinition,
          newArn: registered.arn,
          rollbackOnFailure: inputs.rollbackOnFailure,
          ecsRollbackCause:
            facts.rollbackReason && !/circuit breaker/i.test(facts.rollbackReason) ? facts.rollbackReason : undefined,
          watch,
        },
        core,
      ));
    report.rolledBack = rollback.rolledBack;
    report.rollbackNote = rollback.note;
    throw new ActionFailure(failureMessage(report));
  } catch (error) {
    report.outcome ??= 'ERROR';
    report.reason ??= errorMessage(error);
    throw error;
  } finally {
    setOutputs(outputsOf(report, extras));
    await appendSummary(`${renderSummary(report)}\n\n${renderDeploymentSections(extras)}`.trimEnd());
  }
}

/**
 * The service deployment the update started, when the API is there: the service names it. Not
 * finding it (the API refused or unknown) is no failure: the rollout is then followed through
 * DescribeServices alone, as before.
 */
async function findServiceDeployment(
  ecs: Ecs,
  api: ServiceDeploymentApi,
  facts: DeploymentFacts,
  cluster: string,
  service: string,
  since: Date,
): Promise<string | undefined> {
  try {
    const arn = await api.started(cluster, await ecs.describeService(cluster, service), since);
    if (arn) core.info(`Service deployment ${arn} (${facts.strategy})`);
    return arn;
  } catch (error) {
    if (!isApiUnavailable(error)) throw error;
    facts.fallback = `the service deployment API is not available (${errorMessage(error)})`;
    core.info(`Following the rollout through DescribeServices alone: ${facts.fallback}`);
    return undefined;
  }
}

/** Fail fast: the first stopped task of the new revision that no retry fixes, as a reason; undefined when none. */
async function permanentFailure(
  ecs: Ecs,
  cluster: string,
  service: string,
  taskDefinitionArn: string,
  definition: Json,
): Promise<string | undefined> {
  let tasks: StoppedTask[];
  try {
    tasks = await ecs.stoppedTasks(cluster, service, taskDefinitionArn, 20);
  } catch (error) {
    core.warning(`Could not list the stopped tasks to decide on failing fast: ${errorMessage(error)}`);
    return undefined;
  }
  const containers = (definition.containerDefinitions as Json[] | undefined) ?? [];
  const essential = (name: string) => containers.find((container) => container.name === name)?.essential !== false;
  const permanent = firstPermanentFailure(
    tasks.map((task) => ({
      ...task,
      containers: task.containers.map((container) => ({ ...container, essential: essential(container.name) })),
    })),
  );
  if (!permanent) return undefined;
  const ids = permanent.taskArns.map((arn) => arn.split('/').pop()).join(', ');
  return `no retry can fix this stop: ${permanent.why} (task ${ids})`;
}

/** The last log lines of the containers that ended the newest stopped tasks (at most three tasks). */
async function stoppedTaskLogs(logs: Logs, tasks: StoppedTask[], definition: Json) {
  const tails = [];
  for (const task of tasks.slice(0, 3)) {
    for (const container of task.containers) {
      if ((container.exitCode === undefined || container.exitCode === 0) && !container.reason) continue;
      const target = logTarget(definition, container.name, task.taskArn);
      if (!target) continue;
      const tail = await logs.tail(target);
      for (const line of formatTail(tail)) core.info(line);
      tails.push(tail);
    }
  }
  return tails;
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
function outputsOf(
  report: RolloutReport,
  extras: DeploymentExtras,
): Record<(typeof OUTPUT)[keyof typeof OUTPUT], string | undefined> {
  return {
    [OUTPUT.serviceDeploymentArn]: extras.serviceDeployment?.arn,
    [OUTPUT.deploymentStrategy]: extras.serviceDeployment?.strategy,
    [OUTPUT.finalStage]: extras.serviceDeployment?.finalStage,
    [OUTPUT.runTaskArn]: extras.oneOffTask?.taskArn,
    [OUTPUT.runTaskExitCode]:
      extras.oneOffTask?.exitCode === undefined ? undefined : String(extras.oneOffTask.exitCode),
    [OUTPUT.taskDefinitionArn]: report.newArn,
    [OUTPUT.previousTaskDefinitionArn]: report.previousArn,
    [OUTPUT.taskDefinition]: report.renderedPath,
    [OUTPUT.deploymentId]: report.deploymentId,
    [OUTPUT.rolloutState]: report.rolloutState,
    [OUTPUT.rolledBack]: String(report.rolledBack),
    [OUTPUT.diff]: report.diff,
  };
}

/**
 * Watch one deployment to its end inside a log group, recording its events and timeline in the
 * report. The rollout and ECS's own rollback are followed through the service deployment where
 * there is one; the action's rollback by UpdateService through DescribeServices, as a new rollout.
 */
async function watchPhase(
  ecs: Ecs,
  options: {
    inputs: Inputs;
    service: string;
    deploymentId: string;
    phase: string;
    seenEvents: Set<string>;
    api: ServiceDeploymentApi;
    facts: DeploymentFacts;
    failFast?: () => Promise<string | undefined>;
    /** Follow the service deployment's rollback (the action's StopServiceDeployment); else decided by the phase. */
    mode?: 'rollback';
  },
  report: RolloutReport,
): Promise<RolloutWatchResult> {
  const { inputs, service, deploymentId, phase, facts } = options;
  // The action's own rollback by UpdateService is a new deployment: followed through DescribeServices.
  const throughServiceDeployment =
    facts.arn !== undefined && facts.fallback === undefined && (phase !== 'Rollback' || options.mode === 'rollback');
  const mode =
    (phase === 'ECS rollback' || options.mode === 'rollback') && throughServiceDeployment ? 'rollback' : 'rollout';
  const title = throughServiceDeployment
    ? `service deployment ${facts.arn?.split('/').pop()}`
    : `deployment ${deploymentId}`;
  return core.group(`${phase}: watching ${title}`, async () => {
    const result = await watchRollout({
      describeService: () => ecs.describeService(inputs.cluster, service),
      api: throughServiceDeployment ? options.api : undefined,
      facts: throughServiceDeployment ? facts : { strategy: facts.strategy, stages: [], alarmsFired: [] },
      deploymentId,
      mode,
      intervalMs: inputs.pollIntervalMs,
      timeoutMs: inputs.timeoutMs,
      seenEvents: options.seenEvents,
      onEvent: (event) => {
        report.events.push(event);
        core.info(`${event.createdAt?.toISOString() ?? ''} ${event.message}`);
      },
      onLog: (text) => core.info(text),
      onTransientError: (text) => core.warning(text),
      onFailedTasks: phase === 'Rollout' ? options.failFast : undefined,
    });
    report.timeline.push({ phase, entries: result.timeline, startedAtMs: result.startedAtMs });
    core.info(
      `${phase}: ${result.outcome} after ${formatDuration(result.endedAtMs - result.startedAtMs)} (${result.reason})`,
    );
    return result;
  });
}
