import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  TaskStartFailure,
  type ContainerDriver,
  type ContainerPlan,
  type ImageConfig,
  type StartedContainer,
} from './runtime.js';

/**
 * The `docker` task runtime: each container of a task is a real container of its image, pulled
 * from the emulated ECR through the real registry (`docker pull <host>/<repo>@<digest>`, logged in
 * with a password the emulated ECR issued, in a Docker config folder of the emulator's own), run
 * on the host network (this engine has no bridge) with the definition's environment and secrets,
 * command and entry point, and `PORT` set to a port the OS picked. Docker's own health checks are
 * off (`--no-healthcheck`): the emulator runs the definition's or the image's check with
 * `docker exec`, by Docker's rules (runtime.ts). Every container carries the label
 * `org.shipyard.emulator=<prefix>`, so the close (or the exit of the process) removes all of them.
 */

export const EMULATOR_LABEL = 'org.shipyard.emulator';
export const TASK_LABEL = 'org.shipyard.ecs-task';
/** The pid of the process whose emulator ran the container: a later emulator removes those of dead processes. */
export const PID_LABEL = 'org.shipyard.emulator-pid';

export interface DockerDriverOptions {
  /** The docker CLI (default /usr/bin/docker, else `docker` on PATH). */
  cli?: string;
  /** A fresh registry password for the emulated ECR (user `AWS`). */
  registryPassword(): string;
}

export function defaultDockerCli(): string {
  if (process.env.SHIPYARD_DOCKER_CLI) return process.env.SHIPYARD_DOCKER_CLI;
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return (lines[lines.length - 1] ?? '').slice(0, 500);
}

/** Docker's `--entrypoint` takes one word; the rest of an ECS entryPoint goes before the command. */
export function dockerRunArguments(plan: ContainerPlan, name: string, prefix: string, reference: string): string[] {
  const args = [
    'run',
    '--detach',
    '--name',
    name,
    '--label',
    `${EMULATOR_LABEL}=${prefix}`,
    '--label',
    `${TASK_LABEL}=${plan.taskArn}`,
    '--label',
    `${PID_LABEL}=${process.pid}`,
    '--network',
    'host',
    '--no-healthcheck',
  ];
  // Values travel in the CLI's environment, not in its argv.
  for (const key of Object.keys(plan.env)) args.push('--env', key);
  if (plan.workingDirectory) args.push('--workdir', plan.workingDirectory);
  if (plan.user) args.push('--user', plan.user);
  let tail = plan.command ?? [];
  if (plan.entryPoint && plan.entryPoint.length > 0) {
    args.push('--entrypoint', plan.entryPoint[0]);
    tail = [...plan.entryPoint.slice(1), ...(plan.command ?? [])];
  }
  return [...args, reference, ...tail];
}

export function createDockerDriver(options: DockerDriverOptions): ContainerDriver {
  const cli = options.cli ?? defaultDockerCli();
  const prefix = `shipyard-ecs-${process.pid}-${randomBytes(4).toString('hex')}`;
  const configDir = mkdtempSync(join(tmpdir(), 'shipyard-ecs-docker-'));
  const loggedIn = new Set<string>();

  function docker(args: string[], input?: string, env?: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<Ran> {
    return new Promise((resolve) => {
      const child = spawn(cli, ['--config', configDir, ...args], { env: env ?? process.env, stdio: 'pipe' });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdin.on('error', () => undefined);
      child.once('error', (error) => {
        clearTimeout(timer);
        resolve({ status: null, stdout: '', stderr: error.message });
      });
      child.once('close', (status) => {
        clearTimeout(timer);
        resolve({
          status,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        });
      });
      child.stdin.end(input ?? '');
    });
  }

  /** Remove every container of this emulator, synchronously (the process is exiting). */
  const removeAllNow = () => {
    const listed = spawnSync(cli, ['ps', '--all', '--quiet', '--filter', `label=${EMULATOR_LABEL}=${prefix}`], {
      encoding: 'utf8',
    });
    const ids = (listed.stdout ?? '').split('\n').filter(Boolean);
    if (ids.length > 0) spawnSync(cli, ['rm', '--force', ...ids], { stdio: 'ignore' });
    rmSync(configDir, { recursive: true, force: true });
  };
  process.once('exit', removeAllNow);

  async function login(host: string): Promise<void> {
    if (loggedIn.has(host)) return;
    const result = await docker(['login', '--username', 'AWS', '--password-stdin', host], options.registryPassword());
    if (result.status !== 0) {
      throw new TaskStartFailure(
        `CannotPullContainerError: pull image manifest has been retried 1 time(s): login to ${host} failed: ${lastLine(result.stderr)}`,
      );
    }
    loggedIn.add(host);
  }

  async function inspectConfig(reference: string): Promise<ImageConfig | undefined> {
    const result = await docker(['image', 'inspect', '--format', '{{json .Config}}', reference]);
    if (result.status !== 0) return undefined;
    return JSON.parse(result.stdout) as ImageConfig;
  }

  function runReference(plan: ContainerPlan): string {
    const ecr = plan.image.ecr;
    return ecr ? `${ecr.host}/${ecr.repository}@${ecr.digest}` : plan.image.reference;
  }

  return {
    kind: 'docker',

    async init() {
      const version = await docker(['version', '--format', '{{.Server.Version}}'], undefined, undefined, 30_000);
      if (version.status !== 0) {
        throw new Error(
          `tasks.runtime 'docker' needs a Docker engine, and none answers (${lastLine(version.stderr) || `${cli} version failed`}); run .ci/docker-setup.sh, or use tasks.runtime 'process'`,
        );
      }
      // Containers left by an emulator whose process died without its exit hook (SIGKILL): theirs to remove.
      const listed = await docker([
        'ps',
        '--all',
        '--filter',
        `label=${PID_LABEL}`,
        '--format',
        `{{.ID}} {{.Label "${PID_LABEL}"}}`,
      ]);
      const orphans = listed.stdout
        .split('\n')
        .map((line) => line.trim().split(' '))
        .filter(([id, pid]) => id && /^\d+$/.test(pid ?? '') && !processAlive(Number(pid)))
        .map(([id]) => id);
      if (orphans.length > 0) await docker(['rm', '--force', ...orphans]);
    },

    async prepare(image) {
      if (!image.ecr) {
        // Not in the emulated ECR: only an image the engine already has can run (nothing is reachable to pull from).
        const local = await inspectConfig(image.reference);
        if (!local) {
          throw new TaskStartFailure(
            `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${image.reference}: not in the emulated ECR and not in the local Docker engine`,
          );
        }
        return local;
      }
      const reference = `${image.ecr.host}/${image.ecr.repository}@${image.ecr.digest}`;
      await login(image.ecr.host);
      const pulled = await docker(['pull', '--quiet', reference]);
      if (pulled.status !== 0) {
        throw new TaskStartFailure(
          `CannotPullContainerError: pull image manifest has been retried 1 time(s): ${lastLine(pulled.stderr)}`,
        );
      }
      const config = await inspectConfig(reference);
      if (!config)
        throw new TaskStartFailure(`CannotPullContainerError: ${reference} was pulled but cannot be inspected`);
      return config;
    },

    async start(plan, onLine) {
      const name = `${prefix}-${plan.taskId}-${plan.name}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
      const env = { ...process.env, ...plan.env };
      const started = await docker(dockerRunArguments(plan, name, prefix, runReference(plan)), undefined, env);
      if (started.status !== 0) {
        await docker(['rm', '--force', name]);
        throw new TaskStartFailure(`CannotStartContainerError: ${lastLine(started.stderr)}`);
      }
      // The output, as `docker logs` keeps it (json-file), with Docker's own timestamps.
      const logs = spawn(cli, ['--config', configDir, 'logs', '--follow', '--timestamps', name], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const logsClosed = new Promise<void>((resolve) => {
        logs.once('close', () => resolve());
        logs.once('error', () => resolve());
      });
      for (const stream of [logs.stdout, logs.stderr]) {
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
          const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?(.*)$/.exec(line);
          const timestamp = match ? Date.parse(match[1]) : Date.now();
          onLine(match ? match[2] : line, Number.isNaN(timestamp) ? Date.now() : timestamp);
        });
      }
      const exited = docker(['wait', name], undefined, undefined, 24 * 3600_000).then(async (waited) => {
        const code = Number(waited.stdout.trim());
        await logsClosed;
        // Its output is read and its exit code known: the stopped container can go.
        await docker(['rm', '--force', name]);
        return waited.status === 0 && Number.isInteger(code) ? code : 137;
      });

      return {
        exited,
        async check(test, timeoutMs) {
          const [kind, ...rest] = test;
          const command = kind === 'CMD-SHELL' ? ['sh', '-c', rest.join(' ')] : rest;
          const result = await docker(['exec', name, ...command], undefined, undefined, timeoutMs);
          return result.status === 0;
        },
        async stop(timeoutSeconds) {
          await docker(['stop', '--time', String(timeoutSeconds), name]);
          await exited;
        },
        async kill() {
          await docker(['kill', name]);
          await exited;
        },
      } satisfies StartedContainer;
    },

    async close() {
      process.off('exit', removeAllNow);
      const listed = await docker(['ps', '--all', '--quiet', '--filter', `label=${EMULATOR_LABEL}=${prefix}`]);
      const ids = listed.stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await docker(['rm', '--force', ...ids]);
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}
