// build-push-ecr: cold build, rebuild after a source-only change (as a ratio to cold), promote,
// and image size, all through the bundled action against the AWS emulator (ECR in front of a real
// docker-registry). Build figures need a Docker engine (.ci/docker-setup.sh); promote needs only
// the registry. Runs: BENCH_BUILD_RUNS (default 2) builds of each kind, BENCH_PROMOTE_RUNS (5).
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  NODE_IMAGE,
  copyOfRepository,
  docker,
  dockerCli,
  dockerUnavailableReason,
} from '@shipyard/build-push-ecr/test/docker-engine';
import { dockerShim } from '@shipyard/build-push-ecr/test/docker-shim';
import { startAwsEmulator } from '@shipyard/emulators/aws';
import { registryUnavailableReason } from '@shipyard/emulators/aws/registry';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from '@shipyard/emulators/aws/registry-fixtures';
import { runAction } from '@shipyard/harness/run-action';
import { median, notMeasured, ratio, spread, type BenchSection } from './lib.js';

const buildRuns = Number(process.env.BENCH_BUILD_RUNS ?? 2);
const promoteRuns = Number(process.env.BENCH_PROMOTE_RUNS ?? 5);

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export default async function bench(): Promise<BenchSection> {
  const headers = ['figure', 'median (min–max)', 'ratio', 'runs'];
  const noRegistry = registryUnavailableReason();
  if (noRegistry) {
    const reason = notMeasured(noRegistry);
    return {
      title: 'build-push-ecr',
      headers,
      rows: [
        ['cold build + push', reason, '', 0],
        ['rebuild after a source-only change', reason, '', 0],
        ['promote (2 tags)', reason, '', 0],
        ['image size', reason, '', 0],
      ],
    };
  }

  // Loopback registry host: the docker image names below are built from emulator.url.
  const emulator = await startAwsEmulator({ registryHosts: 'loopback' });
  const clientEnv = emulator.clientEnv();
  const ecr = new ECRClient(emulator.clientConfig());
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  try {
    const noDocker = dockerUnavailableReason();
    if (noDocker) {
      rows.push(['cold build + push', notMeasured(noDocker), '', 0]);
      rows.push(['rebuild after a source-only change', notMeasured(noDocker), '', 0]);
      rows.push(['image size', notMeasured(noDocker), '', 0]);
    } else {
      rows.push(...(await buildFigures(emulator.url, clientEnv, ecr, notes)));
    }
    rows.push(await promoteFigure(emulator.url, clientEnv, ecr));
  } finally {
    ecr.destroy();
    await emulator.close();
  }
  notes.push(
    'Whole action runs (node dist/index.js, as the runner starts it), wall time in seconds; ratio of the rebuild is to the cold build of the same run.',
    'Cold: the engine’s build cache is pruned first (`docker builder prune`), and the demo app’s npm packages come from the npm registry; the base image is the local one .ci/docker-setup.sh builds.',
    'Promote copies one manifest to two tags (BatchGetImage + 2 PutImage); no Docker involved.',
  );
  return { title: 'build-push-ecr', headers, rows, notes };
}

async function buildFigures(
  url: string,
  clientEnv: Record<string, string>,
  ecr: ECRClient,
  notes: string[],
): Promise<(string | number)[][]> {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'bench/demo-app' }));
  const shim = dockerShim({ real: dockerCli() });
  const workspace = copyOfRepository();
  const cold: number[] = [];
  const warm: number[] = [];
  let size: number | undefined;
  let sizeLocal: string | undefined;
  let cacheLine = '';
  for (let i = 0; i < buildRuns; i += 1) {
    await docker(['builder', 'prune', '--all', '--force']);
    const images = await docker(['images', '--quiet', `${new URL(url).host}/bench/demo-app`]);
    const ids = images.stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker(['image', 'rm', '--force', ...ids]);
    for (const [kind, times] of [
      ['cold', cold],
      ['warm', warm],
    ] as const) {
      if (kind === 'warm') appendFileSync(join(workspace, 'demo-app', 'src', 'app.ts'), `\n// bench change ${i}\n`);
      const started = process.hrtime.bigint();
      const result = await runAction('build-push-ecr', {
        workspace,
        timeoutMs: 900_000,
        inputs: {
          repository: 'bench/demo-app',
          dockerfile: 'demo-app/Dockerfile',
          network: 'host',
          'build-args': `NODE_IMAGE=${NODE_IMAGE}\nGIT_SHA=${'b'.repeat(40)}`,
          tags: `${kind}-${i}`,
        },
        env: { ...clientEnv, ...shim.env },
      });
      times.push(Number(process.hrtime.bigint() - started) / 1e9);
      if (result.exitCode !== 0) throw new Error(`the ${kind} build failed: ${result.errors.join('; ')}`);
      const sizeMatch = /\| Size \| ([^|]+) \|/.exec(result.summary);
      if (sizeMatch) sizeLocal = sizeMatch[1].trim();
      const cacheMatch = /\| Cache \| ([^|]+) \|/.exec(result.summary);
      if (kind === 'warm' && cacheMatch) cacheLine = cacheMatch[1].trim();
      const inspect = await docker([
        'image',
        'inspect',
        '--format',
        '{{.Size}}',
        `${new URL(url).host}/bench/demo-app:${kind}-${i}`,
      ]);
      size = Number(inspect.stdout.trim()) || size;
    }
  }
  // vfs keeps a full copy of every image: leave none of the benchmark's behind.
  const leftovers = await docker(['images', '--quiet', `${new URL(url).host}/bench/demo-app`]);
  const leftoverIds = [...new Set(leftovers.stdout.split('\n').filter(Boolean))];
  if (leftoverIds.length > 0) await docker(['image', 'rm', '--force', ...leftoverIds]);
  if (cacheLine) notes.push(`Rebuild cache use (last run): ${cacheLine}.`);
  return [
    ['cold build + push (s)', spread(cold, 1), '1.00×', cold.length],
    ['rebuild after a source-only change (s)', spread(warm, 1), ratio(median(warm), median(cold)), warm.length],
    ['image size, compressed in ECR', sizeLocal ?? 'n/a', '', 1],
    ['image size, uncompressed in the engine', size !== undefined ? mib(size) : 'n/a', '', 1],
  ];
}

async function promoteFigure(
  url: string,
  clientEnv: Record<string, string>,
  ecr: ECRClient,
): Promise<(string | number)[]> {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'bench/promote' }));
  const token = await ecr.send(new GetAuthorizationTokenCommand({}));
  const { username, password } = credentialsFromToken(token.authorizationData?.[0].authorizationToken as string);
  await pushSyntheticImage(url, {
    authorization: basicAuth(username, password),
    repository: 'bench/promote',
    tag: 'staging',
  });
  const times: number[] = [];
  for (let i = 0; i < promoteRuns; i += 1) {
    const started = process.hrtime.bigint();
    const result = await runAction('build-push-ecr', {
      inputs: { repository: 'bench/promote', 'source-tag': 'staging', tags: `production-${i}\nrelease-${i}` },
      env: { ...clientEnv, PATH: '/nonexistent' },
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.exitCode !== 0) throw new Error(`promote failed: ${result.errors.join('; ')}`);
  }
  return ['promote, 2 tags (ms)', spread(times), '', times.length];
}
