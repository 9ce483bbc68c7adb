/**
 * Runs the demo app as a real process (`node --import tsx demo-app/src/server.ts`, so a fresh clone
 * needs no build) and exposes its JSON log lines as events, so tests wait for what the server says
 * instead of sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const serverEntry = resolve(repoRoot, 'demo-app/src/server.ts');

export type LogLine = Record<string, unknown> & { msg?: string };

export interface ServerProcess {
  child: ChildProcess;
  /** Every JSON line printed on stdout so far. */
  lines: LogLine[];
  stderr: () => string;
  /** Resolves with the first line (past or future) that matches. */
  waitForLine(matches: (line: LogLine) => boolean, description: string): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `nodeArgs` default to the demo app's server from its TypeScript sources; any program that logs
 * JSON lines and a `listening` line with its url (the benchmark's peer servers) works too.
 */
export function spawnServer(
  env: Record<string, string>,
  timeoutMs = 20_000,
  nodeArgs: readonly string[] = ['--import', 'tsx', serverEntry],
): ServerProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // jest's --experimental-vm-modules must not leak into the server.
  delete childEnv.NODE_OPTIONS;
  const child = spawn(process.execPath, nodeArgs, {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters: { matches: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text, unparsed: true };
    }
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.matches(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));

  const waitForLine = (matches: (line: LogLine) => boolean, description: string): Promise<LogLine> => {
    const seen = lines.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`server never logged ${description} within ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      waiters.push({
        matches,
        resolve: (line) => {
          clearTimeout(timer);
          resolvePromise(line);
        },
      });
      void exited.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`server exited (code ${code}) before logging ${description}; stderr: ${stderr}`));
      });
    });
  };

  return { child, lines, stderr: () => stderr, waitForLine, exited };
}

export async function listeningUrl(server: ServerProcess): Promise<string> {
  const line = await server.waitForLine((entry) => entry.msg === 'listening', 'its listening line');
  return line.url as string;
}
