import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAwsEmulator, type AwsEmulator } from '../../../test/emulators/aws/index.js';
import { ecrHostName } from '../../../test/emulators/aws/ecr.js';
import { registryUnavailableReason } from '../../../test/emulators/aws/registry.js';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from '../../../test/emulators/aws/registry-fixtures.js';
import { runAction, type RunActionOptions } from '../../../test/harness/run-action.js';
import { describeReference, registryHost } from '../src/ecr.js';
import { dockerShim, removeTemporaryFolders, workspaceWithDockerfile, type DockerShim } from './helpers.js';

describe('registry names', () => {
  test.each([
    ['https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/', '123456789012.dkr.ecr.eu-west-1.amazonaws.com'],
    ['http://127.0.0.1:5000//', '127.0.0.1:5000'],
    ['registry.example.com', 'registry.example.com'],
  ])('registryHost(%s) is %s', (address, host) => {
    expect(registryHost(address)).toBe(host);
  });
  test.each([
    [{ tag: 'candidate' }, ':candidate'],
    [{ digest: 'sha256:abc' }, '@sha256:abc'],
  ])('describeReference(%j) is %s', (reference, text) => {
    expect(describeReference(reference)).toBe(text);
  });
});

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

/**
 * ECR's API and its login tokens are regional: a `registry` in another region than AWS_REGION must
 * be asked in its own region, or the token does not open it and a created repository lands in the
 * wrong region. A server that records each request's SigV4 credential scope shows where the bundled
 * action signed its calls for.
 */

describe('the region of the calls to ECR', () => {
  let server: Server;
  let url: string;
  const scopes: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\//.exec(request.headers.authorization ?? '');
      scopes.push(scope ? `${scope[2]} ${scope[1]}` : 'unsigned');
      request.resume();
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'recorded' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'ecr eu-west-1'],
    [undefined, 'ecr us-east-1'],
  ])('registry %s: signed for %s', async (registry, expected) => {
    scopes.length = 0;
    const result = await runAction('build-push-ecr', {
      inputs: { repository: 'web', registry, 'source-tag': 'candidate', tags: 'production', 'max-attempts': 1 },
      env: {
        AWS_ENDPOINT_URL: url,
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: undefined,
        AWS_ACCESS_KEY_ID: 'AKIAREGIONTEST000000',
        AWS_SECRET_ACCESS_KEY: 'region-test-secret',
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toContain('Permission denied for ecr:GetAuthorizationToken');
    expect(scopes).toEqual([expected]);
  });
});
