import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';

/**
 * What the Docker suite (and the benchmark) need from a real engine: which CLI to use, whether an
 * engine answers, the local Node base image that .ci/docker-setup.sh builds, and small helpers to
 * run containers on the host network (the only network this machine's daemon has).
 */

export const NODE_IMAGE = process.env.SHIPYARD_NODE_IMAGE ?? 'shipyard/node-base:local';

/**
 * The Docker CLI the action will find on PATH. Debian's docker.io CLI (20.10) has BuildKit
 * built in; a newer CLI without the buildx plugin falls back to the classic builder.
 */
export function dockerCli(): string | undefined {
  if (process.env.SHIPYARD_DOCKER_CLI) return process.env.SHIPYARD_DOCKER_CLI;
  if (existsSync('/usr/bin/docker')) return '/usr/bin/docker';
  const which = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

/** Why the Docker suite cannot run here, or undefined when it can. */
export function dockerUnavailableReason(): string | undefined {
  const cli = dockerCli();
  if (!cli) return 'no docker CLI is installed (run .ci/docker-setup.sh)';
  const info = spawnSync(cli, ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  if (info.status !== 0)
    return `no Docker engine answers (${(info.stderr || info.error?.message || '').trim().split('\n')[0]}); run .ci/docker-setup.sh`;
  const image = spawnSync(cli, ['image', 'inspect', NODE_IMAGE], { encoding: 'utf8' });
  if (image.status !== 0) return `the local base image ${NODE_IMAGE} is missing (run .ci/docker-setup.sh)`;
  return undefined;
}

/**
 * Run the docker CLI without blocking: the emulator serving its registry calls lives in this same
 * process, so a synchronous spawn would wait on itself.
 */
export function docker(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(dockerCli() as string, args, { env: options.env ?? process.env, stdio: 'pipe' });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    // A command that reads no input (docker logout) may exit before its empty stdin is written:
    // that EPIPE says nothing about the command, whose exit status is what the caller checks.
    child.stdin.on('error', () => undefined);
    child.once('close', (status) =>
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
    child.stdin.end(options.input ?? '');
  });
}

/** Wait until `url` answers 200 (bounded), polling at a short fixed interval. */
export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return response;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

/** Start a container on the host network; `stop()` removes it. */
export async function runContainer(
  image: string,
  env: Record<string, string>,
): Promise<{ name: string; stop(): Promise<unknown> }> {
  const name = `bpe-test-${process.pid}-${Date.now()}`;
  const args = ['run', '--rm', '--detach', '--network', 'host', '--name', name];
  for (const [key, value] of Object.entries(env)) args.push('--env', `${key}=${value}`);
  const started = await docker([...args, image]);
  if (started.status !== 0) throw new Error(`docker run failed: ${started.stderr}`);
  return {
    name,
    stop: () => docker(['rm', '--force', name]),
  };
}

export async function containerLogs(name: string): Promise<string> {
  const logs = await docker(['logs', name]);
  return logs.stdout + logs.stderr;
}

/**
 * A copy of the files git knows (tracked, and new files not ignored), so a test can change a
 * source file without touching the checkout other people work in.
 */
export function copyOfRepository(): string {
  const list = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (list.status !== 0) throw new Error(`git ls-files failed: ${list.stderr}`);
  const target = temporaryFolder('bpe-repo-');
  for (const file of list.stdout.split('\0').filter(Boolean)) {
    const source = join(repoRoot, file);
    if (!existsSync(source)) continue;
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(source, join(target, file));
  }
  return target;
}
