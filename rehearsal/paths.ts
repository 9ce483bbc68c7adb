import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder (this file sits in rehearsal/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
