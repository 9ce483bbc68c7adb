import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * docker/setup-buildx-action's local meaning where this machine has no `docker buildx`: a `docker`
 * put first on PATH for the rest of the job, so build-push-ecr finds no buildx and builds with the
 * classic builder, as it does on any runner without the plugin.
 *
 * - `docker`: the machine's Docker engine. The wrapper passes every command to the real CLI and
 *   adds to each build `--build-arg NODE_IMAGE=<the base image built locally>` (no Docker Hub
 *   here) and `--network host` (the engine here has no bridge network).
 * - `process`: no engine. engine/docker-stand-in.ts answers instead: it builds the demo app on
 *   this machine and pushes an image whose config labels the built folder, which the AWS
 *   emulator's process runtime runs.
 */
export type BuilderStandIn =
  | {
      kind: 'docker';
      nodeImage: string;
      /** The docker CLI commands are handed to; the one on PATH by default. */
      realDocker?: string;
    }
  | {
      kind: 'process';
      /** Where built image folders go; they must outlive the job (tasks run from them). */
      imagesDir: string;
      /** The node_modules builds and images use (the repository's installed one). */
      nodeModules: string;
    };

const here = dirname(fileURLToPath(import.meta.url));

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The machine's `docker buildx version`, or undefined where the plugin is missing. */
export function buildxVersion(): string | undefined {
  try {
    return execFileSync('docker', ['buildx', 'version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** The machine's own docker CLI, found on PATH before the wrapper goes in front of it. */
function realDocker(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes `docker` into `folder` (which the caller puts first on the job's PATH) and returns the
 * lines that say what it is, or throws with the reason it cannot.
 */
export function installBuilder(folder: string, standIn: BuilderStandIn): string[] {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, 'docker');
  if (standIn.kind === 'docker') {
    const real = standIn.realDocker ?? realDocker();
    if (!real) throw new Error('no docker CLI on PATH, so there is no classic builder to fall back to');
    const extra = `--build-arg NODE_IMAGE=${shellQuote(standIn.nodeImage)} --network host`;
    writeFileSync(
      path,
      [
        '#!/bin/sh',
        '# docker/setup-buildx-action stand-in (rehearsal): the real docker, builds given the local base image and the host network.',
        `real=${shellQuote(real)}`,
        'if [ "$1" = build ]; then shift; exec "$real" build ' + extra + ' "$@"; fi',
        'if [ "$1" = buildx ] && [ "$2" = build ]; then shift 2; exec "$real" buildx build ' + extra + ' "$@"; fi',
        'exec "$real" "$@"',
        '',
      ].join('\n'),
    );
    chmodSync(path, 0o755);
    return [
      `docker buildx is not installed here: build-push-ecr will use the classic builder of ${real}`,
      `every build gets --build-arg NODE_IMAGE=${standIn.nodeImage} (the base image built from this machine's Node.js; no Docker Hub) and --network host`,
    ];
  }
  const state = join(folder, 'state');
  mkdirSync(state, { recursive: true });
  mkdirSync(standIn.imagesDir, { recursive: true });
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      '# docker/setup-buildx-action stand-in (rehearsal): no Docker engine, see rehearsal/engine/docker-stand-in.ts.',
      `SHIPYARD_STAND_IN_STATE=${shellQuote(state)} SHIPYARD_STAND_IN_IMAGES=${shellQuote(standIn.imagesDir)} \\`,
      `SHIPYARD_STAND_IN_NODE_MODULES=${shellQuote(standIn.nodeModules)} \\`,
      `exec ${shellQuote(process.execPath)} --disable-warning=ExperimentalWarning ${shellQuote(join(here, 'docker-stand-in.ts'))} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return [
    'no Docker engine here: `docker` is the rehearsal stand-in (rehearsal/engine/docker-stand-in.ts), which has no buildx',
    `it builds the demo app on this machine into an image folder under ${standIn.imagesDir} and pushes an image labelled with it`,
  ];
}
