import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAwsEmulator, type AwsEmulator } from '../../../test/emulators/aws/index.js';
import { ecrHostName } from '../../../test/emulators/aws/ecr.js';
import { registryUnavailableReason } from '../../../test/emulators/aws/registry.js';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from '../../../test/emulators/aws/registry-fixtures.js';
import { runAction, type RunActionOptions } from '../../../test/harness/run-action.js';
import { dockerShim, removeTemporaryFolders, workspaceWithDockerfile, type DockerShim } from './helpers.js';

// At the wire with ECR's real-shaped registry hosts: the emulator names its registry
// <account>.dkr.ecr.<region>.amazonaws.com:PORT (a hosts file of this test's own points those names
// at loopback), and the action takes the registry from the authorization data, or the region from
// the host in its `registry` input.

const noRegistry = registryUnavailableReason();
if (noRegistry) console.warn(`build-push-ecr real-host tests skipped: ${noRegistry}`);
const withRegistry = noRegistry ? test.skip : test;

const US = ecrHostName('123456789012', 'us-east-1');
const EU = ecrHostName('123456789012', 'eu-west-1');

describe('build-push-ecr with real-shaped ECR hosts', () => {
  let folder: string;
  let emulator: AwsEmulator;
  let shim: DockerShim;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'ecr-hosts-'));
    const hostsFile = join(folder, 'hosts');
    writeFileSync(hostsFile, `127.0.0.1 ${US}\n127.0.0.1 ${EU}\n`);
    emulator = await startAwsEmulator({ hostsFile });
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(folder, { recursive: true, force: true });
    removeTemporaryFolders();
  });
  beforeEach(() => {
    emulator.reset();
    shim = dockerShim();
  });

  function run(inputs: RunActionOptions['inputs'], env: Record<string, string> = {}) {
    return runAction('build-push-ecr', {
      workspace: workspaceWithDockerfile(),
      inputs,
      env: { ...emulator.clientEnv(), ...shim.env, ...env },
    });
  }

  /** A repository with a staged image, in `region` (ECR is regional; the emulator's state is not). */
  async function stage(region: string) {
    const ecr = new ECRClient({ ...emulator.clientConfig(), region });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
    const { username, password } = credentialsFromToken(answer.authorizationData?.[0].authorizationToken as string);
    ecr.destroy();
    return pushSyntheticImage(emulator.url, {
      authorization: basicAuth(username, password),
      repository: 'web',
      tag: 'candidate',
      content: 'staging build',
    });
  }

  withRegistry('the registry comes from the authorization data: the real-shaped host of AWS_REGION', async () => {
    const staged = await stage('us-east-1');
    const result = await run({ repository: 'web', 'source-tag': 'candidate', tags: 'release' });
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    const registry = `${US}:${emulator.port}`;
    expect(result.outputs).toMatchObject({
      registry,
      image: `${registry}/web:release`,
      'image-uri': `${registry}/web@${staged.digest}`,
    });
  });

  withRegistry('a registry input with a port: the region comes from its host, whatever AWS_REGION says', async () => {
    await stage('eu-west-1');
    const registry = `${EU}:${emulator.port}`;
    const result = await run(
      { repository: 'web', 'source-tag': 'candidate', tags: 'release', registry },
      { AWS_REGION: 'us-east-1' },
    );
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    // ECR answered the authorization call signed for eu-west-1 with eu-west-1's registry.
    expect(result.stdout).toContain(`Registry ${registry}; token valid until`);
    expect(result.outputs.registry).toBe(registry);
  });
});
