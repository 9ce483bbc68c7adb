import { describe, expect, test } from '@jest/globals';
import { deploy, seedWebService, emulatorForSuite, WEB_DEPLOY_INPUTS } from './helpers.js';

// A burst of consecutive ThrottlingExceptions, as AWS answers a caller over its rate, then normal
// answers: the SDK's retries ride it out, and one longer than max-attempts fails clearly.
describe('deploy-ecs survives throttling bursts', () => {
  const emulator = emulatorForSuite();
  const inputs = WEB_DEPLOY_INPUTS;

  test.each(['RegisterTaskDefinition', 'DescribeServices'])(
    'a burst of 4 ThrottlingExceptions on %s (max-attempts 5) is ridden out',
    async (operation) => {
      seedWebService(emulator(), {
        scenario: { faults: { operations: { [operation]: { throttleBurst: { calls: 4 } } } } },
      });
      const run = await deploy(emulator(), inputs);
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      const calls = emulator().calls({ operation });
      expect(calls.slice(0, 4).map((call) => call.fault)).toEqual(Array(4).fill('throttle-burst'));
      expect(calls[4]).toMatchObject({ status: 200 });
      expect(calls[4].fault).toBeUndefined();
      expect(
        emulator()
          .ecs.taskDefinitions('web')
          .map((revision) => revision.revision),
      ).toEqual([1, 2]);
      expect(run.outputs['rollout-state']).toBe('COMPLETED');
    },
    60_000,
  );

  test('a burst longer than max-attempts on UpdateService fails with one clear error and starts nothing', async () => {
    seedWebService(emulator(), {
      scenario: { faults: { operations: { UpdateService: { throttleBurst: { calls: 5 } } } } },
    });
    const before = emulator()
      .ecs.service('web')
      ?.deployments.map((deployment) => deployment.id);
    const run = await deploy(emulator(), inputs);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/Throttl|Rate exceeded/);
    expect(emulator().calls({ operation: 'UpdateService' })).toHaveLength(5);
    expect(
      emulator()
        .ecs.service('web')
        ?.deployments.map((deployment) => deployment.id),
    ).toEqual(before);
  }, 60_000);
});
