import { describe, expect, test } from '@jest/globals';
import { consoleUrl, describeStoppedTasks, failureMessage, renderSummary, type RolloutReport } from '../src/report.js';

const report: RolloutReport = {
  title: 'deploy-ecs',
  region: 'eu-west-1',
  cluster: 'prod',
  service: 'web',
  previousArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7',
  newArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:8',
  reused: false,
  dryRun: false,
  images: [
    { container: 'app', before: 'app:1', after: 'app:2' },
    { container: 'proxy', before: 'envoy:1', after: 'envoy:1' },
  ],
  diff: '--- web:7\n+++ rendered\n@@ -1,1 +1,1 @@\n-a\n+b',
  deploymentId: 'ecs-svc/123',
  outcome: 'FAILED',
  reason: 'tasks failed to start.',
  rolledBack: true,
  rollbackNote: 'Rolled back to web:7.',
  timeline: [
    {
      phase: 'Rollout',
      startedAtMs: 1000,
      entries: [
        { atMs: 1000, state: 'PRIMARY IN_PROGRESS', running: 0, pending: 2, failed: 0 },
        { atMs: 11_000, state: 'PRIMARY FAILED', running: 0, pending: 0, failed: 3 },
      ],
    },
    {
      phase: 'Rollback',
      startedAtMs: 12_000,
      entries: [{ atMs: 12_000, state: 'PRIMARY IN_PROGRESS', running: 0, pending: 2, failed: 0 }],
    },
  ],
  events: [{ id: '1', createdAt: new Date('2026-01-01T00:00:00Z'), message: '(service web) has started 2 tasks.' }],
  stoppedTasks: [
    {
      taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/prod/abc123',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [
        { name: 'app', exitCode: 137, reason: 'OutOfMemoryError' },
        { name: 'proxy', exitCode: 0 },
      ],
    },
  ],
  deregistered: [],
};

describe('report', () => {
  test('the summary holds the overview, images, stopped tasks, timeline, events, diff and console link', () => {
    const summary = renderSummary(report);
    expect(summary).toContain('## deploy-ecs');
    expect(summary).toContain('| Cluster | `prod` |');
    expect(summary).toContain('| Previous revision | `web:7` |');
    expect(summary).toContain('| New revision | `web:8` |');
    expect(summary).toContain('| Rollout | FAILED: tasks failed to start. |');
    expect(summary).toContain('| Rolled back | Rolled back to web:7. |');
    expect(summary).toContain('| app | `app:1` | `app:2` |');
    expect(summary).toContain('| proxy | `envoy:1` | unchanged |');
    expect(summary).toContain(
      '| `abc123` | EssentialContainerExited | Essential container in task exited | app: exit 137, OutOfMemoryError<br>proxy: exit 0 |',
    );
    expect(summary).toContain('| Rollout | +0 ms | 10 s | PRIMARY IN_PROGRESS | 0 | 2 | 0 |');
    expect(summary).toContain('| Rollout | +10 s |  | PRIMARY FAILED | 0 | 0 | 3 |');
    // A rollback's rows count from the same start as the rollout's.
    expect(summary).toContain('| Rollback | +11 s |  | PRIMARY IN_PROGRESS | 0 | 2 | 0 |');
    expect(summary).toContain('| 2026-01-01T00:00:00.000Z | (service web) has started 2 tasks. |');
    expect(summary).toContain('```diff\n--- web:7');
    expect(summary).toContain(
      '(https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/web/deployments?region=eu-west-1)',
    );
  });

  test('stopped tasks become log lines', () => {
    expect(describeStoppedTasks(report.stoppedTasks)).toEqual([
      'Task abc123 stopped (EssentialContainerExited): Essential container in task exited',
      '  container app: exit code 137, OutOfMemoryError',
      '  container proxy: exit code 0',
    ]);
  });

  test.each([
    [
      'with a stopped task',
      report,
      'Deployment ecs-svc/123 of web:8 FAILED: tasks failed to start.. First stopped task: Task abc123 stopped (EssentialContainerExited): Essential container in task exited; container app: exit code 137, OutOfMemoryError; container proxy: exit code 0. Rolled back to web:7.',
    ],
    [
      'without stopped tasks',
      { ...report, stoppedTasks: [], outcome: 'TIMED_OUT', reason: 'timed out after 2.4 s' },
      'Deployment ecs-svc/123 of web:8 TIMED_OUT: timed out after 2.4 s. Rolled back to web:7.',
    ],
    [
      'without a revision or a rollback note',
      { ...report, newArn: undefined, stoppedTasks: [], rollbackNote: undefined },
      'Deployment ecs-svc/123 of — FAILED: tasks failed to start..',
    ],
  ])('the failure message %s', (_name, given, message) => {
    expect(failureMessage(given)).toBe(message);
  });

  test('the console link takes names from ARNs', () => {
    expect(
      consoleUrl(
        'us-east-1',
        'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
        'arn:aws:ecs:us-east-1:123456789012:service/prod/web',
      ),
    ).toBe('https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/web/deployments?region=us-east-1');
  });
});
