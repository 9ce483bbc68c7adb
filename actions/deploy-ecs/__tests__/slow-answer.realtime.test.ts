import { describe, expect, test } from '@jest/globals';
import { AWS_REQUEST_TIMEOUT_MS } from '@shipyard/shared/aws-client';
import { deploy, seedWebService, emulatorForSuite, WEB_DEPLOY_INPUTS } from './helpers.js';

// An answer slower than the SDK's request timeout: the emulator applies the call and holds the
// answer for 10 minutes. The action's clients time out (15 s) and retry; a held register is
// checked before it is sent again. (Throttling bursts: throttle-burst.realtime.test.ts.)
describe('deploy-ecs survives slow answers', () => {
  const emulator = emulatorForSuite();
  const inputs = WEB_DEPLOY_INPUTS;
  // Far past the action's request timeout: without one, the action would wait the whole 10 minutes.
  const HELD_MS = 600_000;
  const testTimeout = AWS_REQUEST_TIMEOUT_MS * 3 + 30_000;

  test(
    'a DescribeServices answer held past the request timeout is retried and the deploy completes',
    async () => {
      seedWebService(emulator(), {
        scenario: { faults: { operations: { DescribeServices: { slowAnswerCalls: [1], slowAnswerMs: HELD_MS } } } },
      });
      const run = await deploy(emulator(), inputs);
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      const described = emulator().calls({ operation: 'DescribeServices' });
      expect(described[0]).toMatchObject({ fault: 'slow-answer' });
      expect(described.length).toBeGreaterThan(1);
      expect(run.outputs['rollout-state']).toBe('COMPLETED');
    },
    testTimeout,
  );

  test(
    'a RegisterTaskDefinition answer held past the request timeout registers no second revision',
    async () => {
      seedWebService(emulator(), {
        scenario: {
          faults: { operations: { RegisterTaskDefinition: { slowAnswerCalls: [1], slowAnswerMs: HELD_MS } } },
        },
      });
      const run = await deploy(emulator(), inputs);
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(emulator().calls({ operation: 'RegisterTaskDefinition' })).toEqual([
        expect.objectContaining({ fault: 'slow-answer', status: 200 }),
      ]);
      expect(
        emulator()
          .ecs.taskDefinitions('web')
          .map((revision) => revision.revision),
      ).toEqual([1, 2]);
      expect(emulator().ecs.service('web')?.deployments[0]).toMatchObject({
        taskDefinition: run.outputs['task-definition-arn'],
        rolloutState: 'COMPLETED',
      });
    },
    testTimeout,
  );
});
