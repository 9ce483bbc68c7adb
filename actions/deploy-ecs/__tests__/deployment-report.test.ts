import { describe, expect, test } from '@jest/globals';
import { renderDeploymentSections } from '../src/deployment-report.js';

const target = { container: 'app', group: '/ecs/web', stream: 'ecs/app/abc' };

describe('renderDeploymentSections', () => {
  test('nothing to say: empty', () => {
    expect(renderDeploymentSections({ stoppedTaskLogs: [] })).toBe('');
  });

  test('the service deployment: overview and stages with their times and traffic', () => {
    const markdown = renderDeploymentSections({
      stoppedTaskLogs: [],
      serviceDeployment: {
        arn: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/x',
        strategy: 'LINEAR',
        status: 'SUCCESSFUL',
        finalStage: 'CLEAN_UP',
        circuitBreaker: { status: 'MONITORING_COMPLETE', failureCount: 1, threshold: 3 },
        alarmsFired: [],
        stages: [
          { atMs: 1000, stage: 'SCALE_UP', status: 'IN_PROGRESS' },
          { atMs: 3000, stage: 'PRODUCTION_TRAFFIC_SHIFT', status: 'IN_PROGRESS', production: 50, test: 100 },
          { atMs: 63_000, stage: 'CLEAN_UP', status: 'SUCCESSFUL', production: 100, test: 100 },
        ],
      },
    });
    expect(markdown).toContain('### Service deployment');
    expect(markdown).toContain('| Strategy | `LINEAR` |');
    expect(markdown).toContain('| Circuit breaker | 1 of 3 failed tasks (MONITORING_COMPLETE) |');
    expect(markdown).toContain('| SCALE_UP | IN_PROGRESS | +0 ms | 2 s |  |  |');
    expect(markdown).toContain('| PRODUCTION_TRAFFIC_SHIFT | IN_PROGRESS | +2 s | 1 min | 50% | 100% |');
    expect(markdown).toContain('| CLEAN_UP | SUCCESSFUL | +1 min 2 s |  | 100% | 100% |');
    expect(markdown).not.toContain('Alarms fired');
  });

  test('fallback, fail fast, a one-off task and log lines, in a fence no log line can close', () => {
    const markdown = renderDeploymentSections({
      serviceDeployment: { strategy: 'ROLLING', stages: [], alarmsFired: ['web-5xx'], fallback: 'refused' },
      failedFast: 'Stopped waiting: the image cannot be pulled.',
      oneOffTask: {
        taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/default/0123',
        success: false,
        exitCode: 2,
        reason: 'app exited with code 2',
        logs: [{ target, lines: ['```', 'done'] }],
      },
      stoppedTaskLogs: [{ target, lines: [], note: 'no such log group or stream' }],
    });
    expect(markdown).toContain('| Followed through | DescribeServices only: refused |');
    expect(markdown).toContain('| Alarms fired | `web-5xx` |');
    expect(markdown).toContain('### Failed fast\n\nStopped waiting: the image cannot be pulled.');
    expect(markdown).toContain('| Result | failed: app exited with code 2 |');
    expect(markdown).toContain('````\n```\ndone\n````');
    expect(markdown).toContain('Log of `app: /ecs/web ecs/app/abc`: no such log group or stream');
    // The one-off task first: it ran before the rollout.
    expect(markdown.indexOf('### One-off task')).toBeLessThan(markdown.indexOf('### Service deployment'));
  });
});
