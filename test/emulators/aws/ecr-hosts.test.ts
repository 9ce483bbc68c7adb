import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryFolder } from '@shipyard/harness/temp';
import { ecrHostName, loopbackHostNames } from './ecr.js';
import { startAwsEmulator, type AwsEmulator } from './index.js';

// ECR names its registry <account>.dkr.ecr.<region>.amazonaws.com. The emulator does too when the
// hosts file points that name at loopback (.ci/docker-setup.sh writes such entries), so clients
// meet real-shaped hosts; elsewhere it falls back to 127.0.0.1:PORT.

const US = ecrHostName('123456789012', 'us-east-1');
const EU = ecrHostName('123456789012', 'eu-west-1');

describe('loopbackHostNames', () => {
  test.each([
    [`127.0.0.1 ${US}`, [US]],
    [`127.0.0.1\tlocalhost ${US} # shipyard ECR emulator`, ['localhost', US]],
    [`::1 ${US}`, [US]],
    [`127.0.1.1 ${US}`, [US]],
    [`10.0.0.5 ${US}`, []],
    [`# 127.0.0.1 ${US}`, []],
    [`127.0.0.1 ${US.toUpperCase()}`, [US]],
    ['', []],
  ])('%j -> %j', (text, names) => {
    expect([...loopbackHostNames(text)]).toEqual(names);
  });
});

describe('ECR registry hosts', () => {
  let folder: string;
  let hostsFile: string;
  let emulator: AwsEmulator;
  let loopback: AwsEmulator;
  const client = (target: AwsEmulator, region = 'us-east-1') =>
    new ECRClient({ ...target.clientConfig(), region, maxAttempts: 1 });

  beforeAll(async () => {
    folder = temporaryFolder('ecr-hosts-');
    hostsFile = join(folder, 'hosts');
    writeFileSync(hostsFile, `127.0.0.1 localhost\n127.0.0.1 ${US} # shipyard ECR emulator\n127.0.0.1 ${EU}\n`);
    emulator = await startAwsEmulator({ hostsFile });
    loopback = await startAwsEmulator({ hostsFile, registryHosts: 'loopback' });
  });
  afterAll(async () => {
    await emulator?.close();
    await loopback?.close();
  });

  test.each([
    ['us-east-1', US],
    ['eu-west-1', EU],
  ])('with a hosts entry, %s repository URIs and proxyEndpoint name %s:PORT', async (region, host) => {
    const ecr = client(emulator, region);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: `web-${region}` }));
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [`web-${region}`] }));
    expect(described.repositories?.[0].repositoryUri).toBe(`${host}:${emulator.port}/web-${region}`);
    const token = await ecr.send(new GetAuthorizationTokenCommand({}));
    expect(token.authorizationData?.[0].proxyEndpoint).toBe(`http://${host}:${emulator.port}`);
    expect(emulator.ecr.registryHost(region)).toBe(`${host}:${emulator.port}`);
  });

  test('a region without a hosts entry falls back to the emulator address', async () => {
    const ecr = client(emulator, 'ap-south-1');
    const token = await ecr.send(new GetAuthorizationTokenCommand({}));
    expect(token.authorizationData?.[0].proxyEndpoint).toBe(emulator.url);
    expect(emulator.ecr.registryHost('ap-south-1')).toBe(`127.0.0.1:${emulator.port}`);
  });

  test("registryHosts 'loopback' always names 127.0.0.1:PORT", async () => {
    const ecr = client(loopback);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['web'] }));
    expect(described.repositories?.[0].repositoryUri).toBe(`127.0.0.1:${loopback.port}/web`);
  });

  const machineHasEntry = (() => {
    try {
      return loopbackHostNames(readFileSync('/etc/hosts', 'utf8')).has(US);
    } catch {
      return false;
    }
  })();
  if (!machineHasEntry)
    console.warn(
      `real-shaped ECR host test skipped: /etc/hosts has no entry for ${US} (.ci/docker-setup.sh --hosts-only)`,
    );
  (machineHasEntry ? test : test.skip)(
    "on this machine the real-shaped host reaches the emulator's registry endpoint",
    async () => {
      const machine = await startAwsEmulator();
      try {
        expect(machine.ecr.registryHost()).toBe(`${US}:${machine.port}`);
        // Unauthenticated: the registry endpoint answers with its Basic challenge, as ECR does.
        const answer = await fetch(`http://${US}:${machine.port}/v2/`);
        expect(answer.status).toBe(401);
        expect(answer.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
      } finally {
        await machine.close();
      }
    },
  );
});
