import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { ECRClient } from '@aws-sdk/client-ecr';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { actionRunner, mergeRunOptions, type ActionRunner, type RunActionOptions } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';
import { dockerShim, type DockerShim } from './docker-shim.js';

export { dockerShim, type DockerShim, type ShimCall } from './docker-shim.js';

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
