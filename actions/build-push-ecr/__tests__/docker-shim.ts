import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporaryFolder } from '@shipyard/harness/temp';

// Free of jest, so the benchmark (bench/build-push-ecr.bench.ts, run by tsx) can use it too: it
// reaches it as `@shipyard/build-push-ecr/test/docker-shim`.

const here = dirname(fileURLToPath(import.meta.url));

export interface ShimCall {
  args: string[];
  stdin: string;
  buildkit: string | null;
  /** With `watch`: the watched variables in this docker process's environment (null: unset). */
  env?: Record<string, string | null>;
}

export interface DockerShim {
  /** Variables for the action's run: the shim first on PATH, its log, a private DOCKER_CONFIG. */
  env: Record<string, string>;
  configDir: string;
  calls(): ShimCall[];
}

/**
 * A `docker` on PATH that records every call (see fixtures/docker-shim.mjs). `real` passes each
 * call on to a real Docker CLI after recording it; `watch` names variables whose value in each
 * docker process's environment is recorded.
 */
export function dockerShim(
  options: { real?: string; buildxDriver?: string; clientVersion?: string; fail?: string; watch?: string[] } = {},
): DockerShim {
  const root = temporaryFolder('docker-shim-');
  const bin = join(root, 'bin');
  const configDir = join(root, 'docker-config');
  mkdirSync(bin);
  mkdirSync(configDir);
  const log = join(root, 'calls.jsonl');
  writeFileSync(log, '');
  const launcher = join(bin, 'docker');
  writeFileSync(
    launcher,
    `#!/bin/sh\nexec '${process.execPath}' '${join(here, 'fixtures', 'docker-shim.mjs')}' "$@"\n`,
  );
  chmodSync(launcher, 0o755);
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    DOCKER_SHIM_LOG: log,
    DOCKER_CONFIG: configDir,
  };
  if (options.real) env.DOCKER_SHIM_REAL = options.real;
  if (options.buildxDriver) env.DOCKER_SHIM_BUILDX_DRIVER = options.buildxDriver;
  if (options.clientVersion) env.DOCKER_SHIM_CLIENT_VERSION = options.clientVersion;
  if (options.fail) env.DOCKER_SHIM_FAIL = options.fail;
  if (options.watch) env.DOCKER_SHIM_WATCH = options.watch.join(',');
  return {
    env,
    configDir,
    calls: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ShimCall),
  };
}
