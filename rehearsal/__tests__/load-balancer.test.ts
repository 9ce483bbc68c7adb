import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CreateServiceCommand, DeleteServiceCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ManualClock, startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { simulatedLoadBalancer, type SimulatedLoadBalancer } from '../load-balancer.js';
import { startForwardProxy, type ForwardProxy } from '../network.js';
import { repoRoot } from '../paths.js';

/**
 * With simulated tasks, a preview's address is a simulatedLoadBalancer for its service: the
 * service is created by CreateService after the balancer started (preview-env makes it when the
 * pull request opens), and removed before the balancer closes. The balancer reads the service's
 * tasks at every request, so it answers from the moment a task is RUNNING and healthy, and 503
 * once the service is gone. Reached through the forward proxy as `pr-<N>.<preview domain>`.
 */

const CLUSTER = 'shipyard';
const SERVICE = 'shipyard-demo-staging-pr-7';
const SHA = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';
/** The Node 24 `npm ci` installs (its fetch honours NODE_USE_ENV_PROXY). */
const NODE = join(repoRoot, 'node_modules', '.bin', 'node');

describe("a preview service's simulated load balancer", () => {
  let aws: AwsEmulator;
  let ecs: ECSClient;
  let balancer: SimulatedLoadBalancer;
  let proxy: ForwardProxy;
  // The emulator's time, moved on by the test (simulated tasks change state as time passes).
  const clock = new ManualClock();

  beforeAll(async () => {
    aws = await startAwsEmulator({ scenario: { timeScale: 0.001 }, clock });
    ecs = new ECSClient({ ...aws.clientConfig(), maxAttempts: 1 });
    aws.ecs.seedCluster(CLUSTER);
    // Started before the service exists, as the story starts its balancers before any pull request.
    balancer = await simulatedLoadBalancer(aws, SERVICE, '0.0.0-fallback');
    const { hostname, port } = new URL(balancer.url);
    proxy = await startForwardProxy((host) =>
      host === 'pr-7.preview.rehearsal.test' ? { host: hostname, port: Number(port) } : undefined,
    );
  });
  afterAll(async () => {
    ecs?.destroy();
    await proxy?.close();
    await balancer?.close();
    await aws?.close();
  });

  const running = () =>
    aws.ecs
      .tasks({ serviceName: SERVICE })
      .filter((task) => task.lastStatus === 'RUNNING' && task.healthStatus === 'HEALTHY');

  test('503 before the service exists, the app of its task once CreateService made it, 503 after DeleteService', async () => {
    const before = await fetch(`${balancer.url}/version`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ error: 'no healthy task' });

    const revision = aws.ecs.seedTaskDefinition({
      family: SERVICE,
      containerDefinitions: [
        {
          name: 'app',
          image: 'app:pr-7',
          essential: true,
          memory: 256,
          portMappings: [{ containerPort: 3000 }],
          environment: [
            { name: 'GIT_SHA', value: SHA },
            { name: 'APP_VERSION', value: '1.2.3' },
            { name: 'DEPLOY_ENV', value: 'preview' },
          ],
          healthCheck: { command: ['CMD', 'true'], interval: 5, timeout: 5, retries: 2, startPeriod: 10 },
        },
      ],
    });
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: SERVICE,
        taskDefinition: revision.arn,
        desiredCount: 1,
      }),
    );
    expect((await fetch(`${balancer.url}/version`)).status).toBe(503);
    clock.advance(60_000);
    expect(running()).toHaveLength(1);
    const served = await fetch(`${balancer.url}/version`);
    expect(served.status).toBe(200);
    expect(await served.json()).toMatchObject({ version: '1.2.3', commit: SHA });

    // As the smoke test reaches it: by the preview's host name, through the proxy.
    const fetcher = spawn(
      NODE,
      ['-e', "fetch('http://pr-7.preview.rehearsal.test/version').then((r) => r.text()).then(console.log)"],
      { env: { PATH: process.env.PATH ?? '', ...proxy.env }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let through = '';
    fetcher.stdout.on('data', (chunk: Buffer) => (through += chunk.toString()));
    await once(fetcher, 'close');
    expect(JSON.parse(through)).toMatchObject({ version: '1.2.3', commit: SHA });

    await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, desiredCount: 0 }));
    await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: SERVICE }));
    clock.advance(60_000);
    expect(running()).toHaveLength(0);
    expect(aws.ecs.service(SERVICE, CLUSTER)?.status).toBe('INACTIVE');
    expect((await fetch(`${balancer.url}/version`)).status).toBe(503);
    expect(aws.problems()).toEqual([]);
  });
});
