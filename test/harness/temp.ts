import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary folders that are always removed. Every folder `temporaryFolder` makes lives below one
 * root per process (per test file under jest), and that root goes:
 * - under jest, after each test file (test/harness/jest-setup.ts calls `removeTemporaryFolders` in
 *   `afterAll`: a process 'exit' hook never fires in a jest worker);
 * - in a plain process (a benchmark, the rehearsal), when the process exits.
 * A test that wants a folder gone sooner removes it itself; removing it twice is harmless.
 */

let root: string | undefined;

function temporaryRoot(): string {
  root ??= mkdtempSync(join(tmpdir(), 'shipyard-test-'));
  return root;
}

/** A fresh, empty folder whose name starts with `prefix`; removed as said above. */
export function temporaryFolder(prefix = 'folder-'): string {
  return mkdtempSync(join(temporaryRoot(), prefix));
}

/** Remove every folder `temporaryFolder` made so far (the next call starts a new root). */
export function removeTemporaryFolders(): void {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

process.once('exit', removeTemporaryFolders);
