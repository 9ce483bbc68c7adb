import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryFolder } from '@shipyard/harness/temp';
import { defaultDockerCli } from './ecs/runtime-docker.js';

/**
 * What the emulator's Docker suites (ecs-runtime.docker.test.ts, elbv2-routing.docker.test.ts)
 * share: the engine's CLI, why a suite must skip, a `docker` call, and a base image of the host's
 * static busybox (no base image can be pulled here).
 */

export const cli = defaultDockerCli();
export const BUSYBOX_IMAGE = 'shipyard/busybox:local';

/** Why the Docker suites cannot run here, or undefined when an engine answers and busybox is there. */
export function dockerUnavailable(): string | undefined {
  const info = spawnSync(cli, ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  if (info.status !== 0) return `no Docker engine answers (run .ci/docker-setup.sh)`;
  if (!existsSync('/bin/busybox')) return '/bin/busybox is missing (apt-get install busybox-static)';
  return undefined;
}

export interface DockerOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
}

export function docker(args: string[], options: DockerOptions = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cli, args, { env: options.env ?? process.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => undefined);
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** `docker …`'s standard output; throws with its output when it fails. */
export async function mustDocker(args: string[], options: DockerOptions = {}): Promise<string> {
  const result = await docker(args, options);
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** BUSYBOX_IMAGE, imported from the host's static busybox unless the engine has it already. */
export async function ensureBusyboxImage(): Promise<void> {
  if ((await docker(['image', 'inspect', BUSYBOX_IMAGE])).status === 0) return;
  const root = temporaryFolder('shipyard-busybox-');
  chmodSync(root, 0o755);
  for (const dir of ['bin', 'tmp', 'www', 'etc']) mkdirSync(join(root, dir));
  chmodSync(join(root, 'tmp'), 0o1777);
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  const applets = spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  const tar = spawnSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
  const imported = spawnSync(cli, ['import', '--change', 'ENV PATH=/bin', '-', BUSYBOX_IMAGE], { input: tar.stdout });
  if (imported.status !== 0) throw new Error(`docker import failed: ${imported.stderr.toString()}`);
}
