import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Docker registry (Debian's `docker-registry`, the CNCF distribution 2.8) on loopback, with
 * its storage in a temporary folder. The emulated ECR sits in front of it: it checks ECR's
 * credentials and repository rules, and the registry stores and serves the bytes.
 */

export const REGISTRY_BINARY = process.env.SHIPYARD_REGISTRY_BINARY ?? 'docker-registry';

export interface RunningRegistry {
  /** `http://127.0.0.1:PORT`, the registry's own address (no authentication). */
  url: string;
  /** The registry's storage root (`<root>/docker/registry/v2/...`). */
  storageDir: string;
  close(): Promise<void>;
}

/** Why the registry cannot run here, or undefined when the binary is installed. */
export function registryUnavailableReason(): string | undefined {
  const probe = spawnSync(REGISTRY_BINARY, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return `'${REGISTRY_BINARY}' is not installed (apt-get install docker-registry)`;
  }
  return undefined;
}

export async function startRegistry({ startTimeoutMs = 15_000 } = {}): Promise<RunningRegistry> {
  const root = mkdtempSync(join(tmpdir(), 'shipyard-registry-'));
  const storageDir = join(root, 'data');
  const configPath = join(root, 'config.yml');
  // Port 0: the OS picks a free port and the registry logs the address it bound.
  writeFileSync(
    configPath,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  formatter: text',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storageDir}`,
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      '  addr: 127.0.0.1:0',
      `  secret: ${root}`,
      '',
    ].join('\n'),
  );

  const child = spawn(REGISTRY_BINARY, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let address: string;
  try {
    address = await waitForAddress(child, startTimeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    throw error;
  }

  // A test process that ends without closing the emulator must not leave the registry running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let closed: Promise<void> | undefined;
  return {
    url: `http://${address}`,
    storageDir,
    close() {
      process.off('exit', killOnExit);
      closed ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }).then(() => rmSync(root, { recursive: true, force: true }));
      return closed;
    },
  };
}

function waitForAddress(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(
      () => fail(new Error(`docker-registry did not listen within ${timeoutMs} ms:\n${log}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      const match = /listening on (\S+?)"?\s/.exec(log) ?? /listening on ([\d.]+:\d+)/.exec(log);
      if (match) {
        cleanup();
        // Keep draining stderr so the registry never blocks on a full pipe.
        child.stderr?.resume();
        resolve(match[1].replace(/"$/, ''));
      }
    };
    const onExit = (code: number | null) =>
      fail(new Error(`docker-registry exited (${code}) before listening:\n${log}`));
    const onError = (error: Error) => fail(error);
    function cleanup() {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    function fail(error: Error) {
      cleanup();
      reject(error);
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
