import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { isAbsolute } from 'node:path';
import { createInterface } from 'node:readline';
import {
  TaskStartFailure,
  type ContainerDriver,
  type ContainerPlan,
  type ImageConfig,
  type ResolvedImage,
  type StartedContainer,
} from './runtime.js';

/**
 * The `process` task runtime: where there is no Docker engine, a task's container runs as a local
 * process. The image still comes from the emulated ECR (its config blob is read through the real
 * registry); its Entrypoint/Cmd run in the folder the image's `org.shipyard.rehearsal.source` label
 * names (an absolute path on this machine: the rehearsal's docker stand-in pushes such images), with
 * the image's Env (but the host's PATH and HOME), the task definition's environment and secrets,
 * and `PORT`. Health checks run on the host in that folder with that environment.
 */

export const SOURCE_LABEL = 'org.shipyard.rehearsal.source';

export interface ProcessDriverOptions {
  /** The image config of an ECR image: the config blob the manifest names. */
  readImageConfig(image: ResolvedImage): Promise<ImageConfig>;
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

/** Kill a process group (the task's process and whatever it started), ignoring one already gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export function argvFor(plan: ContainerPlan): string[] {
  const config = plan.imageConfig;
  if (plan.entryPoint && plan.entryPoint.length > 0) return [...plan.entryPoint, ...(plan.command ?? [])];
  return [...(config.Entrypoint ?? []), ...(plan.command ?? config.Cmd ?? [])];
}

export function createProcessDriver(options: ProcessDriverOptions): ContainerDriver {
  const live = new Set<ChildProcess>();
  const killOnExit = () => {
    for (const child of live) signalGroup(child, 'SIGKILL');
  };
  process.on('exit', killOnExit);

  return {
    kind: 'process',

    async prepare(image) {
      if (!image.ecr) {
        throw new TaskStartFailure(
          `CannotPullContainerError: pull image manifest has been retried 1 time(s): the process runtime runs images from the emulated ECR only, and ${image.reference} is not one`,
        );
      }
      return options.readImageConfig(image);
    },

    async start(plan, onLine) {
      const source = plan.imageConfig.Labels?.[SOURCE_LABEL];
      if (!source || !isAbsolute(source) || !existsSync(source)) {
        throw new TaskStartFailure(
          `CannotStartContainerError: the process runtime runs an image in the folder its label ${SOURCE_LABEL} names (an absolute path that exists here); ${plan.image.reference} has ${source ? `'${source.slice(0, 80)}'` : 'none'}`,
        );
      }
      const argv = argvFor(plan);
      if (argv.length === 0) {
        throw new TaskStartFailure('CannotStartContainerError: no command specified');
      }
      const imageEnv: Record<string, string> = {};
      for (const pair of plan.imageConfig.Env ?? []) {
        const separator = pair.indexOf('=');
        if (separator > 0) imageEnv[pair.slice(0, separator)] = pair.slice(separator + 1);
      }
      delete imageEnv.PATH;
      delete imageEnv.HOME;
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        ...imageEnv,
        ...plan.env,
      };
      const child = spawn(argv[0], argv.slice(1), {
        cwd: source,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', (error) =>
          reject(new TaskStartFailure(`CannotStartContainerError: ${argv[0].slice(0, 80)}: ${error.message}`)),
        );
      });
      live.add(child);
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => onLine(line, Date.now()));
      }
      const exited = new Promise<number>((resolve) => {
        child.once('close', (code, signal) => {
          live.delete(child);
          resolve(exitCodeOf(code, signal));
        });
      });
      let killTimer: NodeJS.Timeout | undefined;
      void exited.then(() => clearTimeout(killTimer));

      return {
        exited,
        check(test, timeoutMs) {
          const [kind, ...rest] = test;
          const [command, args] = kind === 'CMD-SHELL' ? ['sh', ['-c', rest.join(' ')]] : [rest[0], rest.slice(1)];
          return runCheck(command, args, { cwd: source, env }, timeoutMs);
        },
        async stop(timeoutSeconds) {
          if (child.exitCode !== null || child.signalCode !== null) return;
          signalGroup(child, 'SIGTERM');
          killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutSeconds * 1000);
          killTimer.unref();
          await exited;
        },
        async kill() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          signalGroup(child, 'SIGKILL');
          await exited;
        },
      } satisfies StartedContainer;
    },

    async close() {
      process.off('exit', killOnExit);
      const children = [...live];
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('close', () => resolve());
              signalGroup(child, 'SIGKILL');
            }),
        ),
      );
    },
  };
}

/** Run a health check command: true when it exits 0 within the timeout. */
export function runCheck(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv },
  timeoutMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { ...options, stdio: 'ignore', detached: true });
    } catch {
      return resolve(false);
    }
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}
