import { blocks, code, codeBlock, details, heading, keyValueTable, table } from '@shipyard/shared/markdown';
import type { LogTail } from './logs.js';
import type { DeploymentFacts } from './service-deployments.js';
import { formatDuration } from '@shipyard/shared/duration';

/**
 * The job summary's sections for what issue 15 added: the service deployment (strategy, lifecycle
 * stages with their times, traffic steps, circuit breaker, alarms), a stop no retry fixes (fail
 * fast), the stopped tasks' and the one-off task's last log lines. Pure, tested as values.
 */

export interface OneOffTaskReport {
  taskArn?: string;
  exitCode?: number;
  success?: boolean;
  reason: string;
  logs: LogTail[];
}

export interface DeploymentExtras {
  serviceDeployment?: DeploymentFacts;
  /** Why the step stopped waiting early: a stopped task no retry fixes. */
  failedFast?: string;
  stoppedTaskLogs: LogTail[];
  oneOffTask?: OneOffTaskReport;
}

function logBlock(tail: LogTail): string {
  const title = `${tail.target.container}: ${tail.target.group} ${tail.target.stream}`;
  return tail.lines.length > 0
    ? details(`Last log lines of ${title}`, codeBlock(tail.lines.join('\n')), { open: true })
    : `Log of ${code(title)}: ${tail.note ?? 'no lines'}`;
}

function percent(value: number | undefined): string {
  return value === undefined ? '' : `${value}%`;
}

export function renderDeploymentSections(extras: DeploymentExtras): string {
  const facts = extras.serviceDeployment;
  const overview =
    facts &&
    keyValueTable(
      [
        ['Strategy', code(facts.strategy)],
        ['Service deployment', facts.arn ? code(facts.arn) : undefined],
        ['Status', facts.status ? `${facts.status}${facts.statusReason ? `: ${facts.statusReason}` : ''}` : undefined],
        ['Final stage', facts.finalStage ? code(facts.finalStage) : undefined],
        [
          'Circuit breaker',
          facts.circuitBreaker
            ? `${facts.circuitBreaker.failureCount} of ${facts.circuitBreaker.threshold} failed tasks (${facts.circuitBreaker.status ?? '?'})`
            : undefined,
        ],
        ['Alarms fired', facts.alarmsFired.length > 0 ? facts.alarmsFired.map(code).join(', ') : undefined],
        ['Rollback', facts.rollbackReason],
        ['Followed through', facts.fallback ? `DescribeServices only: ${facts.fallback}` : undefined],
      ],
      ['', ''],
    );
  const origin = facts?.stages[0]?.atMs ?? 0;
  const stages =
    facts && facts.stages.length > 0
      ? table(
          ['Stage', 'Status', 'At', 'Lasted', 'Production traffic', 'Test traffic'],
          facts.stages.map((entry, index) => [
            entry.stage,
            entry.status,
            `+${formatDuration(entry.atMs - origin)}`,
            index + 1 < facts.stages.length ? formatDuration(facts.stages[index + 1].atMs - entry.atMs) : '',
            percent(entry.production),
            percent(entry.test),
          ]),
        )
      : undefined;
  const task = extras.oneOffTask;
  const oneOff =
    task &&
    blocks(
      heading('One-off task', 3),
      keyValueTable(
        [
          ['Task', task.taskArn ? code(task.taskArn.split('/').pop() ?? task.taskArn) : undefined],
          ['Result', `${task.success ? 'succeeded' : 'failed'}: ${task.reason}`],
          ['Exit code', task.exitCode !== undefined ? String(task.exitCode) : undefined],
        ],
        ['', ''],
      ),
      ...task.logs.map(logBlock),
    );
  return blocks(
    oneOff,
    facts && blocks(heading('Service deployment', 3), overview, stages),
    extras.failedFast && blocks(heading('Failed fast', 3), extras.failedFast),
    extras.stoppedTaskLogs.length > 0 &&
      blocks(heading('Last log lines of stopped tasks', 3), ...extras.stoppedTaskLogs.map(logBlock)),
  );
}
