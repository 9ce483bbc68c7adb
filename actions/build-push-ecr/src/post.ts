import { errorMessage } from '@shipyard/shared/errors';
import * as docker from './docker.js';
import type { PostState } from './state.js';

/** The `post:` step: forget the registry credentials the main step stored in the Docker config. */
export async function main({ loggedInTo }: PostState): Promise<void> {
  if (!loggedInTo) return;
  try {
    await docker.logout(loggedInTo);
  } catch (error) {
    // The job's result is the main step's; a logout that fails is worth a warning, not a red step.
    // Core is loaded only here: the usual post step needs nothing but the Docker CLI.
    const core = await import('@actions/core');
    core.warning(`Could not log out of ${loggedInTo}: ${errorMessage(error)}`);
  }
}
