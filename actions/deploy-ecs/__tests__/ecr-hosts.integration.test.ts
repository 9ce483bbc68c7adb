import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ecrHostName } from '../../../test/emulators/aws/ecr.js';
import { startAwsEmulator, type AwsEmulator } from '../../../test/emulators/aws/index.js';
import { FAST_ECS, deploy, seedWebService } from './helpers.js';

// build-push-ecr's image-uri, as the emulator's ECR names it with a real-shaped host
// (<account>.dkr.ecr.<region>.amazonaws.com:PORT, from a hosts file of this test's own), deployed
// as it comes: the image reaches ECS exactly as given.
describe('deploy-ecs with an image on a real-shaped ECR host', () => {
  let folder: string;
  let emulator: AwsEmulator;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'ecr-hosts-'));
    const hostsFile = join(folder, 'hosts');
    writeFileSync(hostsFile, `127.0.0.1 ${ecrHostName('123456789012', 'us-east-1')}\n`);
    emulator = await startAwsEmulator({ hostsFile, scenario: { ecs: FAST_ECS } });
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test.each([`@sha256:${'b'.repeat(64)}`, ':3f786850e387'])('an image ending %s deploys as given', async (suffix) => {
    seedWebService(emulator);
    const host = emulator.ecr.registryHost();
    expect(host).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com:${emulator.port}`);
    const image = `${host}/web${suffix}`;
    const run = await deploy(emulator, {
      'task-definition': 'task-definition.json',
      'container-name': 'app',
      image,
      service: 'web',
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    const [register] = emulator.calls({ operation: 'RegisterTaskDefinition' });
    expect((register.request as { containerDefinitions: { image: string }[] }).containerDefinitions[0].image).toBe(
      image,
    );
    expect(run.outputs['rollout-state']).toBe('COMPLETED');
  });
});
