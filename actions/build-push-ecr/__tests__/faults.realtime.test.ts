import { describe, expect, test } from '@jest/globals';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { AwsEmulator } from '@shipyard/emulators/aws';
import { registryUnavailableReason } from '@shipyard/emulators/aws/registry';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from '@shipyard/emulators/aws/registry-fixtures';
import { AWS_REQUEST_TIMEOUT_MS } from '@shipyard/shared/aws-client';
import { type DockerShim, ecrSuite, ecrRunner } from './helpers.js';

// Faults ECR really produces: an answer slower than the SDK's request timeout (the emulator applies
// the call and holds the answer for 10 minutes) and a burst of consecutive ThrottlingExceptions.
// Promote mode, so every step is an ECR call and nothing depends on Docker.

const noRegistry = registryUnavailableReason();
if (noRegistry) console.warn(`build-push-ecr fault tests skipped: ${noRegistry}`);
const withRegistry = noRegistry ? test.skip : test;
const HELD_MS = 600_000;
const slowTimeout = AWS_REQUEST_TIMEOUT_MS * 3 + 30_000;

describe('build-push-ecr survives slow answers and throttling bursts', () => {
  let emulator: AwsEmulator;
  let ecr: ECRClient;
  let shim: DockerShim;

  ecrSuite((suite) => ({ emulator, ecr, shim } = suite), { freshScenario: true });

  const run = ecrRunner(() => ({ emulator, shim }));

  async function stage() {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
    const { username, password } = credentialsFromToken(answer.authorizationData?.[0].authorizationToken as string);
    return pushSyntheticImage(emulator.url, {
      authorization: basicAuth(username, password),
      repository: 'web',
      tag: 'candidate',
      content: 'staging build',
    });
  }

  (noRegistry ? test.skip : test).each(['GetAuthorizationToken', 'PutImage'])(
    'a %s answer held past the request timeout is retried and the promote lands',
    async (operation) => {
      const staged = await stage();
      const staging = emulator.calls().length;
      emulator.setScenario({
        faults: { operations: { [`ecr:${operation}`]: { slowAnswerCalls: [1], slowAnswerMs: HELD_MS } } },
      });
      const result = await run({ repository: 'web', 'source-tag': 'candidate', tags: 'release' });
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);
      expect(result.outputs.digest).toBe(staged.digest);
      const calls = emulator.calls({ operation }).filter((call) => call.sequence > staging);
      expect(calls[0]).toMatchObject({ fault: 'slow-answer' });
      expect(calls.length).toBeGreaterThan(1);
    },
    slowTimeout,
  );

  withRegistry('a burst of 2 ThrottlingExceptions on every ECR call (max-attempts 3) is ridden out', async () => {
    const staged = await stage();
    const staging = emulator.calls().length;
    emulator.setScenario({ faults: { throttleBurst: { calls: 2 } } });
    const result = await run({ repository: 'web', 'source-tag': 'candidate', tags: 'release' });
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs.digest).toBe(staged.digest);
    for (const operation of ['GetAuthorizationToken', 'DescribeRepositories', 'PutImage']) {
      const faults = emulator
        .calls({ operation })
        .filter((call) => call.sequence > staging)
        .map((call) => call.fault);
      expect(faults).toEqual(['throttle-burst', 'throttle-burst', undefined]);
    }
  });

  withRegistry('a burst as long as max-attempts fails with one clear error and moves no tag', async () => {
    await stage();
    const staging = emulator.calls().length;
    emulator.setScenario({ faults: { operations: { 'ecr:PutImage': { throttleBurst: { calls: 3 } } } } });
    const result = await run({ repository: 'web', 'source-tag': 'candidate', tags: 'release' });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/Throttl|Rate exceeded/);
    const puts = emulator.calls({ operation: 'PutImage' }).filter((call) => call.sequence > staging);
    expect(puts.map((call) => call.status)).toEqual([400, 400, 400]);
  });
});
