import { describe, expect, test } from '@jest/globals';
import { isAmbiguousFailure } from '../src/ecs.js';
import {
  deploy,
  emulatorForSuite,
  fargateDefinition,
  revisionNumbers,
  seedWebService,
  WEB_DEPLOY_INPUTS,
  workspaceWith,
} from './helpers.js';

// Which failures leave it unknown whether AWS applied a change: those are looked into before a
// change is sent again; the others (AWS refused the call) are not.
describe('isAmbiguousFailure', () => {
  const sdkError = (name: string, status?: number, code?: string) =>
    Object.assign(new Error(name), { name, code, $metadata: status === undefined ? {} : { httpStatusCode: status } });

  test.each([
    [
      'a connection reset after sending (the SDK names it TimeoutError)',
      sdkError('TimeoutError', undefined, 'ECONNRESET'),
      true,
    ],
    ['a reset without the SDK’s name', sdkError('Error', undefined, 'ECONNRESET'), true],
    ['a socket timeout', sdkError('TimeoutError', undefined, 'ETIMEDOUT'), true],
    ['a 500', sdkError('ServerException', 500), true],
    ['a 503', sdkError('ServiceUnavailableException', 503), true],
    ['throttling (refused before anything happened)', sdkError('ThrottlingException', 400), false],
    ['a client error', sdkError('ClientException', 400), false],
    ['a permission error', sdkError('AccessDeniedException', 400), false],
    ['no credentials (nothing was sent)', sdkError('CredentialsProviderError'), false],
    ['not an error at all', 'text', false],
  ])('%s', (_name, error, ambiguous) => expect(isAmbiguousFailure(error)).toBe(ambiguous));
});

// Every side effect happens once: an answer lost after AWS applied the call (the emulator applies
// it, then resets the connection) and two runs of the same image at once leave one new revision
// and one deployment, and no run fails for it.
describe('deploy-ecs applies each change once', () => {
  const emulator = emulatorForSuite();
  const inputs = WEB_DEPLOY_INPUTS;
  const activeRevisions = () =>
    emulator()
      .ecs.taskDefinitions('web')
      .filter((revision) => revision.status === 'ACTIVE')
      .map((revision) => revision.revision);

  test.each([
    ['the default max-attempts', {}],
    ['max-attempts 1', { 'max-attempts': 1 }],
  ])('a lost RegisterTaskDefinition answer registers no second revision (%s)', async (_name, extra) => {
    seedWebService(emulator(), {
      scenario: { faults: { operations: { RegisterTaskDefinition: { lostAnswerCalls: [1] } } } },
    });
    const run = await deploy(emulator(), { ...inputs, ...extra });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(emulator().calls({ operation: 'RegisterTaskDefinition' })).toEqual([
      expect.objectContaining({ fault: 'lost-answer', status: 200 }),
    ]);
    expect(revisionNumbers(emulator())).toEqual([1, 2]);
    expect(run.outputs['task-definition-arn']).toBe('arn:aws:ecs:us-east-1:123456789012:task-definition/web:2');
    expect(emulator().ecs.service('web')?.deployments[0]).toMatchObject({
      taskDefinition: run.outputs['task-definition-arn'],
      rolloutState: 'COMPLETED',
    });
    expect(run.warnings.join('\n')).toMatch(/RegisterTaskDefinition failed without saying whether it registered/);
  });

  test('a lost answer on a register that never happened registers once more', async () => {
    // A server error before anything was applied looks the same to the caller: nothing identical is
    // found, so it registers again, once.
    seedWebService(emulator(), {
      scenario: { faults: { operations: { RegisterTaskDefinition: { serverErrorRate: 1 } } } },
    });
    const run = await deploy(emulator(), { ...inputs, 'max-attempts': 2 });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(emulator().calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(2);
    expect(revisionNumbers(emulator())).toEqual([1]);
  });

  test.each([
    ['without', false],
    ['with', true],
  ])('a lost UpdateService answer (%s force-new-deployment) starts one deployment and passes', async (_n, force) => {
    seedWebService(emulator(), { scenario: { faults: { operations: { UpdateService: { lostAnswerCalls: [1] } } } } });
    const before =
      emulator()
        .ecs.service('web')
        ?.deployments.map((deployment) => deployment.id) ?? [];
    const run = await deploy(emulator(), { ...inputs, 'force-new-deployment': force });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(emulator().calls({ operation: 'UpdateService' })).toEqual([
      expect.objectContaining({ fault: 'lost-answer', status: 200 }),
    ]);
    const started = (emulator().ecs.service('web')?.deployments ?? []).filter((d) => !before.includes(d.id));
    expect(started).toHaveLength(1);
    expect(run.outputs['deployment-id']).toBe(started[0].id);
    expect(run.outputs['rollout-state']).toBe('COMPLETED');
  });

  test('a forced redeploy of the running revision whose answer is lost is not mistaken for applied', async () => {
    // The PRIMARY deployment already runs the same revision; only a NEW one shows the update.
    seedWebService(emulator(), { scenario: { faults: { operations: { UpdateService: { serverErrorRate: 1 } } } } });
    const run = await deploy(
      emulator(),
      { ...inputs, image: 'nginx:1', 'force-new-deployment': true, 'max-attempts': 2 },
      { workspace: workspaceWith({ 'task-definition.json': JSON.stringify(fargateDefinition('nginx:1')) }) },
    );
    expect(run.exitCode).toBe(1);
    expect(emulator().calls({ operation: 'UpdateService' })).toHaveLength(2);
  });

  test('two runs of the same image at the same time: both pass, one new revision, one deployment', async () => {
    // Registrations wait until both runs have sent theirs: each run has looked at the family before
    // either registration lands, as two runs in separate jobs can.
    seedWebService(emulator(), { scenario: { faults: { operations: { RegisterTaskDefinition: { barrier: 2 } } } } });
    const before =
      emulator()
        .ecs.service('web')
        ?.deployments.map((deployment) => deployment.id) ?? [];
    const runs = await Promise.all([deploy(emulator(), inputs), deploy(emulator(), inputs)]);
    for (const run of runs) {
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs['task-definition-arn']).toBe('arn:aws:ecs:us-east-1:123456789012:task-definition/web:2');
      expect(run.outputs['rollout-state']).toBe('COMPLETED');
    }
    expect(emulator().calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(2);
    expect(activeRevisions()).toEqual([1, 2]);
    const started = (emulator().ecs.service('web')?.deployments ?? []).filter((d) => !before.includes(d.id));
    expect(started).toHaveLength(1);
    expect(started[0].taskDefinition).toBe('arn:aws:ecs:us-east-1:123456789012:task-definition/web:2');
  });
});
