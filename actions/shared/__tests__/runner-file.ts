import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach } from '@jest/globals';
import { temporaryFolder } from '@shipyard/harness/temp';

/**
 * A file command the runner hands a step (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY): an empty file the
 * variable names before each test, and the variable as it was after. Returns the file's path.
 */
export function runnerFile(variable: string): string {
  const file = join(temporaryFolder('shared-runner-file-'), variable.toLowerCase());
  const saved = process.env[variable];
  beforeEach(() => {
    writeFileSync(file, '');
    process.env[variable] = file;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[variable];
    else process.env[variable] = saved;
  });
  return file;
}
