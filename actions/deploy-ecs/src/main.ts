import * as core from '@actions/core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '@aws-sdk/client-ecs';
import { ActionFailure, errorMessage, InputError } from '@shipyard/shared/errors';
import { setOutputs } from '@shipyard/shared/outputs';
import { appendSummary } from '@shipyard/shared/summary';
import { capBytes, shown } from '@shipyard/shared/text';
import { diffTaskDefinitions } from './diff.js';
import { Ecs, type RegisteredTaskDefinition, type StoppedTask } from './ecs.js';
import { checkOverridesAgainst, INPUT, type Inputs } from './inputs.js';
import {
  checkDefinitionSize,
  familyOf,
  imagesByContainer,
  renderTaskDefinition,
  sameTaskDefinition,
  toRegisterable,
  type Json,
} from './render.js';
import { describeStoppedTasks, renderSummary, shortRevision, type RolloutReport } from './report.js';
import { formatDuration, primaryDeployment, watchDeployment, type WatchResult } from './watch.js';

/**
 * The deployment, step by step: render, compare, register, update, watch, explain, roll back, clean
 * up; then the outputs and the job summary. index.ts loads this module, with @actions/core and the
 * AWS SDK, only once every input is valid.
 */
export async function main(inputs: Inputs): Promise<void> {
  const ecs = new Ecs({ region: inputs.region, maxAttempts: inputs.maxAttempts });

  const report: RolloutReport = {
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
  const outputs = {
    'task-definition-arn': '',
    'previous-task-definition-arn': '',
    'task-definition': '',
    'deployment-id': '',
    'rollout-state': '',
    'rolled-back': 'false',
    diff: '',
  };
  let finished = false;
  const finish = async () => {
    finished = true;
    setOutputs(outputs);
    await appendSummary(renderSummary(report));
  };

  // Whatever stops the step (a refused permission, say), the outputs and summary say how far it got.
  try {
    await steps();
  } catch (error) {
    if (!finished) {
      report.outcome ??= 'ERROR';
      report.reason ??= errorMessage(error);
      await finish();
    }
    throw error;
  }

  async function steps(): Promise<void> {
    const rendered = await core.group('Render the task definition', () => render(ecs, inputs));
    outputs['task-definition'] = rendered.path;

    const current = await core.group('Compare with what is registered and running', () =>
      compare(ecs, inputs, rendered),
    );
    outputs['previous-task-definition-arn'] = current.service?.taskDefinition ?? '';
    outputs.diff = current.diff;
    report.previousArn = current.service?.taskDefinition;
    report.diff = current.diff;
    report.images = imageChanges(current.running?.definition ?? current.latest?.definition, rendered.definition);

    if (inputs.dryRun) {
      if (current.reusable) outputs['task-definition-arn'] = current.reusable.arn;
      report.newArn = current.reusable?.arn;
      report.reused = current.reusable !== undefined;
      core.notice(
        current.reusable
          ? `Dry run: the rendered task definition equals ${shortRevision(current.reusable.arn)}; nothing registered or deployed`
          : 'Dry run: the diff above is what would be registered; nothing registered or deployed',
      );
      return finish();
    }

    const registered = await core.group('Register the task definition', async () => {
      if (inputs.skipUnchanged && current.reusable) {
        core.info(`Unchanged: ${shortRevision(current.reusable.arn)} already holds this definition; reusing it`);
        return { arn: current.reusable.arn, reused: true };
      }
      const { revision, found } = await ecs.registerTaskDefinitionOnce(rendered.definition, {
        newerThan: current.latest?.revision ?? 0,
        log: (text) => core.warning(text),
      });
      if (!found) core.info(`Registered ${revision.arn}`);
      return { arn: revision.arn, reused: found };
    });
    outputs['task-definition-arn'] = registered.arn;
    report.newArn = registered.arn;
    report.reused = registered.reused;

    if (!inputs.service || !current.service) {
      core.info('No service given: registered only');
      return finish();
    }
    const service = inputs.service;

    const seenEvents = new Set((current.service.events ?? []).map((event) => event.id ?? ''));
    const started = await core.group(`Update service ${shown(service)}`, async () => {
      const updated = await ecs.updateServiceOnce(
        {
          cluster: inputs.cluster,
          service,
          taskDefinition: registered.arn,
          desiredCount: inputs.desiredCount,
          forceNewDeployment: inputs.forceNewDeployment,
          enableEcsManagedTags: inputs.enableEcsManagedTags,
          propagateTags: inputs.propagateTags,
        },
        { before: current.service as Service, log: (text) => core.warning(text) },
      );
      const primary = primaryDeployment(updated);
      if (!primary?.id)
        throw new ActionFailure(`UpdateService left service ${shown(service)} without a PRIMARY deployment`);
      if (primary.taskDefinition !== registered.arn) {
        throw new ActionFailure(
          `UpdateService did not start a deployment of ${registered.arn} (PRIMARY runs ${primary.taskDefinition})`,
        );
      }
      if (primary.rolloutState === 'COMPLETED') {
        core.info(
          `The service already runs ${shortRevision(registered.arn)}; no new deployment (set force-new-deployment to replace the tasks)`,
        );
      } else {
        core.info(
          `Deployment ${primary.id} started: ${shortRevision(current.service?.taskDefinition)} -> ${shortRevision(registered.arn)}`,
        );
      }
      return { id: primary.id, rolloutState: primary.rolloutState ?? 'IN_PROGRESS' };
    });
    const deploymentId = started.id;
    outputs['deployment-id'] = deploymentId;
    report.deploymentId = deploymentId;

    if (!inputs.wait) {
      // Already COMPLETED when the service ran this revision before; otherwise still IN_PROGRESS.
      outputs['rollout-state'] = started.rolloutState;
      report.outcome = `${started.rolloutState} (not waited for)`;
      return finish();
    }

    const watch = (id: string, phase: string) =>
      core.group(`${phase}: watching deployment ${id}`, async () => {
        const result = await watchDeployment({
          describe: () => ecs.describeService(inputs.cluster, service),
          deploymentId: id,
          intervalMs: inputs.pollIntervalMs,
          timeoutMs: inputs.timeoutMs,
          seenEvents,
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

    const rollout = await watch(deploymentId, 'Rollout');
    report.outcome = rollout.outcome;
    report.reason = rollout.reason;

    if (rollout.outcome === 'COMPLETED') {
      outputs['rollout-state'] = 'COMPLETED';
      if (inputs.keepRevisions > 0) {
        report.deregistered = await core.group('Deregister old revisions', () =>
          cleanUp(ecs, registered.arn, current.service?.taskDefinition, inputs.keepRevisions),
        );
      }
      return finish();
    }

    outputs['rollout-state'] = rollout.outcome === 'TIMED_OUT' ? 'TIMED_OUT' : 'FAILED';
    report.stoppedTasks = await core.group('Why tasks stopped', async () => {
      const tasks = await stoppedTasks(ecs, inputs.cluster, service, registered.arn);
      for (const line of describeStoppedTasks(tasks)) core.info(line);
      if (tasks.length === 0) core.info(`No stopped tasks of ${shortRevision(registered.arn)} were found`);
      return tasks;
    });

    const previousArn = current.service.taskDefinition;
    const rollback = await rollBack({ ecs, inputs, service, rollout, previousArn, newArn: registered.arn, watch });
    report.rolledBack = rollback.rolledBack;
    report.rollbackNote = rollback.note;
    outputs['rolled-back'] = String(rollback.rolledBack);
    await finish();

    const why = report.stoppedTasks[0]
      ? ` First stopped task: ${describeStoppedTasks(report.stoppedTasks.slice(0, 1))
          .map((line) => line.trim())
          .join('; ')}.`
      : '';
    throw new ActionFailure(
      `Deployment ${deploymentId} of ${shortRevision(registered.arn)} ${rollout.outcome}: ${rollout.reason}.${why} ${rollback.note}`.trim(),
    );
  }
}

interface Rendered {
  definition: Json;
  path: string;
  family: string;
  /** The registered revision it was rendered from (task-definition-arn or -family), if any. */
  source?: RegisteredTaskDefinition;
}

async function render(ecs: Ecs, inputs: Inputs): Promise<Rendered> {
  const { source } = inputs;
  let base: Json;
  let origin: string;
  let sourceRevision: RegisteredTaskDefinition | undefined;
  if (source.kind === 'file') {
    base = source.tags ? { ...source.definition, tags: source.tags } : source.definition;
    origin = source.path;
  } else {
    const reference = source.kind === 'family' ? source.family : source.arn;
    const input = source.kind === 'family' ? INPUT.taskDefinitionFamily : INPUT.taskDefinitionArn;
    const found = await ecs.findTaskDefinition(reference);
    if (!found) {
      throw new InputError(
        input,
        `names no ${source.kind === 'family' ? 'ACTIVE ' : ''}task definition in ${inputs.region}: ${shown(reference)}`,
      );
    }
    base = found.definition;
    origin = found.arn;
    sourceRevision = found;
    core.info(`Starting from ${found.arn}`);
  }
  const { definition, dropped } = toRegisterable(base);
  if (dropped.length > 0) {
    core.notice(
      `Dropped fields that DescribeTaskDefinition returns but RegisterTaskDefinition refuses: ${dropped.join(', ')}`,
    );
  }
  checkOverridesAgainst(definition, inputs.overrides, origin);
  const rendered = renderTaskDefinition(definition, inputs.overrides);
  // A file's rendering was checked whole with the inputs; one read from ECS is checked here, still before any change.
  if (source.kind !== 'file') {
    checkDefinitionSize(rendered, source.kind === 'family' ? INPUT.taskDefinitionFamily : INPUT.taskDefinitionArn);
  }
  const family = String(rendered.family);
  const folder = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'deploy-ecs-'));
  const path = join(folder, `task-definition-${family}.json`);
  writeFileSync(path, `${JSON.stringify(rendered, null, 2)}\n`);
  core.info(`Rendered ${family} to ${path}`);
  return { definition: rendered, path, family, source: sourceRevision };
}

/** The most of the diff the log, the summary and the `diff` output show (a task definition is at most 64 KiB). */
const DIFF_BYTES = 32 * 1024;

interface Comparison {
  service?: Service;
  running?: RegisteredTaskDefinition;
  latest?: RegisteredTaskDefinition;
  /**
   * A registered revision that already holds the rendered definition: the one it was rendered from
   * (a rollback to `task-definition-arn` puts back that very revision, not a copy), else the
   * family's latest.
   */
  reusable?: RegisteredTaskDefinition;
  diff: string;
}

async function compare(ecs: Ecs, inputs: Inputs, { definition: rendered, source }: Rendered): Promise<Comparison> {
  const service = inputs.service ? await ecs.describeService(inputs.cluster, inputs.service) : undefined;
  const running = service?.taskDefinition ? await ecs.findTaskDefinition(service.taskDefinition) : undefined;
  const family = String(rendered.family);
  const latest = await ecs.findTaskDefinition(family);
  const reusable = [source, latest].find(
    (revision) => revision !== undefined && sameTaskDefinition(revision.definition, rendered),
  );
  const base = running ?? latest;
  // The diff holds the user's values (environment, labels): cut to a size a log and a summary carry.
  const diff = capBytes(
    diffTaskDefinitions(base?.definition, rendered, {
      before: base ? `${shortRevision(base.arn)}${running ? ' (running)' : ' (latest)'}` : '(nothing registered)',
      after: 'rendered',
    }),
    DIFF_BYTES,
    'diff',
  );
  if (service) core.info(`Service ${service.serviceName} runs ${shortRevision(service.taskDefinition)}`);
  core.info(
    latest ? `Latest revision of ${family}: ${shortRevision(latest.arn)}` : `No ACTIVE revision of ${family} yet`,
  );
  core.info(
    diff ? `Diff against ${shortRevision(base?.arn)}:\n${diff}` : `No difference from ${shortRevision(base?.arn)}`,
  );
  return { service, running, latest, reusable, diff };
}

function imageChanges(before: Json | undefined, after: Json): RolloutReport['images'] {
  const old = imagesByContainer(before);
  return [...imagesByContainer(after)].map(([container, image]) => ({
    container,
    before: old.get(container),
    after: image,
  }));
}

async function stoppedTasks(ecs: Ecs, cluster: string, service: string, arn: string): Promise<StoppedTask[]> {
  try {
    return await ecs.stoppedTasks(cluster, service, arn);
  } catch (error) {
    core.warning(`Could not list the stopped tasks: ${errorMessage(error)}`);
    return [];
  }
}

async function rollBack(options: {
  ecs: Ecs;
  inputs: Inputs;
  service: string;
  rollout: WatchResult;
  previousArn: string | undefined;
  newArn: string;
  watch: (id: string, phase: string) => Promise<WatchResult>;
}): Promise<{ rolledBack: boolean; note: string }> {
  const { ecs, inputs, service, rollout, previousArn, newArn, watch } = options;
  if (rollout.outcome === 'ROLLED_BACK_BY_ECS') {
    const note = `The ECS deployment circuit breaker rolled the service back${previousArn ? ` to ${shortRevision(previousArn)}` : ''}.`;
    core.warning(note);
    if (rollout.rollbackDeploymentId) {
      const settled = await watch(rollout.rollbackDeploymentId, 'ECS rollback');
      // Only a rollback that finished put the service back; one that failed or is still going did not.
      return {
        rolledBack: settled.outcome === 'COMPLETED',
        note: `${note} Its rollback deployment ${settled.outcome}${settled.outcome === 'COMPLETED' ? '' : ` (${settled.reason})`}.`,
      };
    }
    return { rolledBack: true, note };
  }
  if (rollout.outcome === 'SUPERSEDED')
    return { rolledBack: false, note: 'Another deployment replaced it; not rolling back.' };
  if (!inputs.rollbackOnFailure)
    return { rolledBack: false, note: 'rollback-on-failure is off; the service was left as it is.' };
  if (!previousArn || previousArn === newArn) {
    return { rolledBack: false, note: 'There is no previous task definition to roll back to.' };
  }
  core.warning(`Rolling back service ${shown(service)} to ${shortRevision(previousArn)}`);
  const updated = await ecs.updateServiceOnce(
    { cluster: inputs.cluster, service, taskDefinition: previousArn },
    { log: (text) => core.warning(text) },
  );
  const primary = primaryDeployment(updated);
  if (!primary?.id) return { rolledBack: false, note: 'The rollback update left no PRIMARY deployment.' };
  const result = await watch(primary.id, 'Rollback');
  if (result.outcome === 'COMPLETED') {
    return {
      rolledBack: true,
      note: `Rolled back to ${shortRevision(previousArn)} (deployment ${primary.id} COMPLETED).`,
    };
  }
  return {
    rolledBack: false,
    note: `Rolling back to ${shortRevision(previousArn)} did not complete: ${result.outcome} (${result.reason}).`,
  };
}

/** Deregister ACTIVE revisions beyond the newest `keep`, never the new one nor the previous one. */
async function cleanUp(ecs: Ecs, newArn: string, previousArn: string | undefined, keep: number): Promise<string[]> {
  const family = familyOf(newArn);
  try {
    const active = await ecs.activeRevisions(family);
    const keepSet = new Set([newArn, previousArn]);
    const excess = active.slice(keep).filter((arn) => !keepSet.has(arn));
    for (const arn of excess) {
      await ecs.deregisterTaskDefinition(arn);
      core.info(`Deregistered ${shortRevision(arn)}`);
    }
    if (excess.length === 0) core.info(`Nothing to deregister: ${active.length} ACTIVE revisions, keeping ${keep}`);
    return excess;
  } catch (error) {
    core.warning(`Could not deregister old revisions: ${errorMessage(error)}`);
    return [];
  }
}
