import * as core from '@actions/core';
import { errorMessage } from './errors.js';

/**
 * The entry every action's `index.ts` calls. Any error becomes one `::error::` line and exit code 1;
 * the stack is printed only when step debug logging is on (`RUNNER_DEBUG=1`), because a stack is
 * noise to a user whose input was wrong.
 */
export async function run(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    core.setFailed(errorMessage(error));
    if (core.isDebug() && error instanceof Error && error.stack) core.debug(error.stack);
  }
}
