import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { registryUnavailableReason } from '@shipyard/emulators/aws/registry';
import type { BuilderStandIn } from './engine/builder.js';
import { repoRoot } from './paths.js';

/**
 * What this machine gives the rehearsal: a Docker engine with the locally built Node.js base image
 * (`.ci/docker-setup.sh` makes both), or neither. That decides how images are built (the classic
 * builder of the real engine, or the process builder) and how ECS tasks run (containers, or local
 * processes of the built app).
 */

export type MachineKind = 'docker' | 'process';

/** The base image .ci/docker-setup.sh builds from this machine's Node.js (no Docker Hub here). */
export const NODE_IMAGE = process.env.SHIPYARD_NODE_IMAGE ?? 'shipyard/node-base:local';

export interface Machine {
  kind: MachineKind;
  /** Why it is this kind, for the first lines of the rehearsal. */
  why: string;
  builder(workDir: string): BuilderStandIn;
}

function quietly(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 }).trim();
  } catch {
    return undefined;
  }
}

/** Why the Docker engine cannot be used here, or undefined when it can. */
export function dockerUnavailable(): string | undefined {
  const server = quietly('docker', ['version', '--format', '{{.Server.Version}}']);
  if (!server) return 'no Docker engine answers (`bash .ci/docker-setup.sh` installs and starts one)';
  if (quietly('docker', ['image', 'inspect', '--format', '{{.Id}}', NODE_IMAGE]) === undefined)
    return `the Docker engine has no base image ${NODE_IMAGE} (\`bash .ci/docker-setup.sh\` builds it from this machine's Node.js)`;
  return undefined;
}

/**
 * `wanted` (or SHIPYARD_REHEARSAL_MACHINE) forces a kind; `docker` where it is unavailable is an
 * error that says why. By default: docker where it is available, else process.
 */
export function detectMachine(wanted = process.env.SHIPYARD_REHEARSAL_MACHINE as MachineKind | undefined): Machine {
  if (wanted !== undefined && wanted !== 'docker' && wanted !== 'process')
    throw new Error(`SHIPYARD_REHEARSAL_MACHINE is 'docker' or 'process', not '${String(wanted)}'`);
  const unavailable = wanted === 'process' ? 'asked for the process machine' : dockerUnavailable();
  if (wanted === 'docker' && unavailable) throw new Error(`A Docker machine was asked for, but ${unavailable}`);
  if (!unavailable)
    return {
      kind: 'docker',
      why: `a Docker engine answers and has the base image ${NODE_IMAGE}`,
      builder: () => ({ kind: 'docker', nodeImage: NODE_IMAGE }),
    };
  return {
    kind: 'process',
    why: unavailable,
    builder: (workDir) => ({
      kind: 'process',
      imagesDir: join(workDir, 'images'),
      nodeModules: join(repoRoot, 'node_modules'),
    }),
  };
}

/**
 * What the story needs on any machine, or why it cannot run: the real registry behind the emulated
 * ECR (images are really pushed and pulled) and the AWS CLI (production.yml runs `aws ecr
 * describe-images` to find the image staging tested).
 */
export function storyUnavailable(): string | undefined {
  const registry = registryUnavailableReason();
  if (registry) return `${registry}: the emulated ECR keeps images in it (.ci/docker-setup.sh installs it)`;
  if (quietly('aws', ['--version']) === undefined)
    return 'the AWS CLI is not installed (pip install awscli, or apt-get install awscli): production.yml runs `aws ecr describe-images`';
  return undefined;
}

/** The local tag that keeps the layers of the newest release-before-A build as the next run's cache. */
export const BUILD_CACHE_TAG = 'shipyard-rehearsal/build-cache:latest';

/**
 * Keeps `image`'s layers as the build cache of the next run (the classic builder reuses local
 * layers only): tags it BUILD_CACHE_TAG, and removes the image that tag named before, if another.
 */
export function keepAsBuildCache(image: string): void {
  const before = quietly('docker', ['image', 'inspect', '--format', '{{.Id}}', BUILD_CACHE_TAG]);
  quietly('docker', ['tag', image, BUILD_CACHE_TAG]);
  const now = quietly('docker', ['image', 'inspect', '--format', '{{.Id}}', BUILD_CACHE_TAG]);
  if (before && now && before !== now) quietly('docker', ['rmi', before]);
}

/**
 * Removes from the Docker engine every image this run built or pulled under the emulated
 * registry's host (its port is this run's alone), with their layers no other image holds: on an
 * engine with the vfs storage driver each layer is a whole copy of the file system.
 */
export function forgetImages(registryHost: string): number {
  const listed = quietly('docker', ['image', 'ls', '--digests', '--format', '{{.Repository}}|{{.Tag}}|{{.Digest}}']);
  const references = (listed ?? '')
    .split('\n')
    .map((line) => line.split('|'))
    .filter(([repository]) => repository?.startsWith(`${registryHost}/`))
    .map(([repository, tag, digest]) => (tag && tag !== '<none>' ? `${repository}:${tag}` : `${repository}@${digest}`));
  if (references.length > 0) quietly('docker', ['rmi', ...references]);
  return references.length;
}
