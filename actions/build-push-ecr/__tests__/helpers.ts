import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { ECRClient } from '@aws-sdk/client-ecr';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { actionRunner, mergeRunOptions, type ActionRunner, type RunActionOptions } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';

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

/** A workspace holding a Dockerfile (and whatever else the test adds). */
export function workspaceWithDockerfile(files: Record<string, string> = {}): string {
  const workspace = temporaryFolder('bpe-workspace-');
  writeFileSync(join(workspace, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /\n');
  writeFileSync(join(workspace, 'hello.txt'), 'hello\n');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true });
    writeFileSync(join(workspace, path), text);
  }
  return workspace;
}

/** Every file below `root` whose bytes contain `secret` (for "no file left behind"). */
export function filesContaining(root: string, secret: string): string[] {
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else if (stat.isFile() && readFileSync(path).includes(secret)) {
      found.push(path);
    }
  };
  visit(root);
  return found;
}

export interface EcrSuite {
  emulator: AwsEmulator;
  ecr: ECRClient;
  shim: DockerShim;
}

/**
 * The lifecycle every build-push-ecr suite at the wire shares: one AWS emulator and an ECR client on
 * it for the suite, reset (and, with `freshScenario`, given the default scenario first) with a new
 * docker shim before each test, closed with its temporary folders removed after. `use` receives
 * them before each test.
 */
export function ecrSuite(use: (suite: EcrSuite) => void, { freshScenario = false } = {}): void {
  let emulator: AwsEmulator | undefined;
  let ecr: ECRClient | undefined;
  beforeAll(async () => {
    emulator = await startAwsEmulator();
    ecr = new ECRClient(emulator.clientConfig());
  });
  afterAll(async () => {
    ecr?.destroy();
    await emulator?.close();
  });
  beforeEach(() => {
    if (!emulator || !ecr) throw new Error('the emulator did not start');
    if (freshScenario) emulator.setScenario({});
    emulator.reset();
    use({ emulator, ecr, shim: dockerShim() });
  });
}

/**
 * The bundle, run as the runner runs it against a suite's emulator with its docker shim first on
 * PATH, in a fresh workspace holding a Dockerfile (and `files`) unless the call names its own: the
 * one runner of every build-push-ecr suite at the wire. `defaults` go under each call's options.
 */
export function ecrRunner(
  suite: () => { emulator: AwsEmulator; shim: DockerShim },
  { files, ...defaults }: RunActionOptions & { files?: Record<string, string> } = {},
): ActionRunner {
  return actionRunner('build-push-ecr', (call) => {
    const { emulator, shim } = suite();
    return mergeRunOptions(
      { workspace: call.workspace ?? workspaceWithDockerfile(files), env: { ...emulator.clientEnv(), ...shim.env } },
      defaults,
    );
  });
}
