import { formatDuration } from '@shipyard/shared/duration';
import { taskDefinitionRevision } from '@shipyard/shared/arn';
import { blocks, code, codeBlock, details, heading, keyValueTable, link, table } from '@shipyard/shared/markdown';
import type { StoppedTask } from './ecs.js';
import type { EventLine, TimelineEntry } from './watch.js';

/**
 * What the step tells people: the job summary (markdown) and the log lines for stopped tasks.
 * Pure functions of what happened, so they are tested as values.
 */

export interface ImageChange {
  container: string;
  before?: string;
  after: string;
}

/** What happened, as far as the step got: the job summary and the outputs are made from it. */
export interface RolloutReport {
  title: string;
  region: string;
  cluster: string;
  service?: string;
  previousArn?: string;
  newArn?: string;
  reused: boolean;
  dryRun: boolean;
  images: ImageChange[];
  diff: string;
  deploymentId?: string;
  outcome?: string;
  reason?: string;
  rolledBack: boolean;
  rollbackNote?: string;
  timeline: { phase: string; entries: TimelineEntry[]; startedAtMs: number }[];
  events: EventLine[];
  stoppedTasks: StoppedTask[];
  deregistered: string[];
  /** The rendered task definition file. */
  renderedPath?: string;
  /** COMPLETED, FAILED or TIMED_OUT once watched; the deployment's state then when not waited for. */
  rolloutState?: string;
}

export function consoleUrl(region: string, cluster: string, service: string): string {
  const name = (value: string) => encodeURIComponent(value.split('/').pop() ?? value);
  return `https://${region}.console.aws.amazon.com/ecs/v2/clusters/${name(cluster)}/services/${name(service)}/deployments?region=${region}`;
}

/** One line a stopped task, then one a container: what the log shows and the summary tabulates. */
export function describeStoppedTasks(tasks: readonly StoppedTask[]): string[] {
  const lines: string[] = [];
  for (const task of tasks) {
    const id = task.taskArn.split('/').pop();
    lines.push(
      `Task ${id} stopped${task.stopCode ? ` (${task.stopCode})` : ''}: ${task.stoppedReason ?? 'no reason given'}`,
    );
    for (const container of task.containers) {
      const parts = [
        container.exitCode !== undefined ? `exit code ${container.exitCode}` : undefined,
        container.reason,
      ].filter(Boolean);
      if (parts.length > 0) lines.push(`  container ${container.name}: ${parts.join(', ')}`);
    }
  }
  return lines;
}

export function renderSummary(report: RolloutReport): string {
  const overview = keyValueTable(
    [
      ['Cluster', code(report.cluster)],
      ['Service', report.service ? code(report.service) : 'none (register only)'],
      ['Previous revision', report.previousArn ? code(taskDefinitionRevision(report.previousArn)) : undefined],
      [
        report.dryRun ? 'Would register' : 'New revision',
        report.newArn
          ? `${code(taskDefinitionRevision(report.newArn))}${report.reused ? ' (unchanged, reused)' : ''}`
          : report.dryRun
            ? 'a new revision'
            : undefined,
      ],
      ['Deployment', report.deploymentId ? code(report.deploymentId) : undefined],
      ['Rollout', report.outcome ? `${report.outcome}${report.reason ? `: ${report.reason}` : ''}` : undefined],
      ['Rolled back', report.rolledBack ? (report.rollbackNote ?? 'yes') : undefined],
      [
        'Console',
        report.service ? link('deployments', consoleUrl(report.region, report.cluster, report.service)) : undefined,
      ],
    ],
    ['', ''],
  );

  const images =
    report.images.length > 0
      ? table(
          ['Container', 'Before', 'After'],
          report.images.map((change) => [
            change.container,
            change.before ? code(change.before) : '—',
            change.before === change.after ? 'unchanged' : code(change.after),
          ]),
        )
      : undefined;

  // Times count from the start of the first watch, so a rollback's rows follow the rollout's.
  const origin = report.timeline[0]?.startedAtMs ?? 0;
  const timeline = report.timeline.flatMap(({ phase, entries }) =>
    entries.map((entry, index) => [
      phase,
      `+${formatDuration(entry.atMs - origin)}`,
      index + 1 < entries.length ? formatDuration(entries[index + 1].atMs - entry.atMs) : '',
      entry.state,
      entry.running,
      entry.pending,
      entry.failed,
    ]),
  );

  const stopped =
    report.stoppedTasks.length > 0
      ? table(
          ['Task', 'Stop code', 'Stopped reason', 'Containers'],
          report.stoppedTasks.map((task) => [
            code(task.taskArn.split('/').pop() ?? task.taskArn),
            task.stopCode ?? '',
            task.stoppedReason ?? '',
            task.containers
              .map(
                (c) =>
                  `${c.name}: ${[c.exitCode !== undefined ? `exit ${c.exitCode}` : '', c.reason ?? ''].filter(Boolean).join(', ') || '—'}`,
              )
              .join('\n'),
          ]),
        )
      : undefined;

  return blocks(
    heading(report.title),
    overview,
    images && blocks(heading('Images', 3), images),
    stopped && blocks(heading('Why tasks stopped', 3), stopped),
    timeline.length > 0 &&
      blocks(
        heading('Rollout timeline', 3),
        table(['Phase', 'At', 'Lasted', 'State', 'Running', 'Pending', 'Failed'], timeline),
      ),
    report.events.length > 0 &&
      details(
        `Service events (${report.events.length})`,
        table(
          ['Time', 'Message'],
          report.events.map((event) => [event.createdAt?.toISOString() ?? '', event.message]),
        ),
      ),
    details(
      report.diff ? 'Task definition diff' : 'Task definition diff (no change)',
      report.diff ? codeBlock(report.diff, 'diff') : 'The rendered definition equals the one it is compared with.',
      { open: report.dryRun },
    ),
    report.deregistered.length > 0 &&
      details(
        `Deregistered revisions (${report.deregistered.length})`,
        report.deregistered.map((arn) => `- ${code(taskDefinitionRevision(arn))}`).join('\n'),
      ),
  );
}

/** The step's one error line when the rollout did not complete: how it ended, the first stopped task, the rollback. */
export function failureMessage(report: RolloutReport): string {
  const why = report.stoppedTasks[0]
    ? ` First stopped task: ${describeStoppedTasks(report.stoppedTasks.slice(0, 1))
        .map((line) => line.trim())
        .join('; ')}.`
    : '';
  const revision = report.newArn ? taskDefinitionRevision(report.newArn) : '—';
  return `Deployment ${report.deploymentId} of ${revision} ${report.outcome}: ${report.reason}.${why} ${report.rollbackNote ?? ''}`.trim();
}
