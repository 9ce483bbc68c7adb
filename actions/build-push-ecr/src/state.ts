import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';

/**
 * What the main step leaves for the `post:` step, which the runner runs from the same bundle. The
 * main step saves it with `core.saveState` (`isPost` with `markPostStep`, before anything else); the runner hands it back as `STATE_<name>` variables,
 * read here directly (as `core.getState` does) so that the entry can tell the steps apart without
 * loading core.
 */
export const STATE = { isPost: 'isPost', loggedInTo: 'logged-in-to' } as const;

export interface PostState {
  /** The registry the main step logged Docker in to, if it got that far. */
  loggedInTo?: string;
}

export function isPost(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[`STATE_${STATE.isPost}`] === 'true';
}

export function readPostState(env: NodeJS.ProcessEnv = process.env): PostState {
  return { loggedInTo: env[`STATE_${STATE.loggedInTo}`] || undefined };
}

/**
 * Tell the coming `post:` step that it is the post step. Written before the inputs are read, and
 * without core, because a main step that fails on bad input must still leave it: otherwise the
 * runner's post step would run main again and print the same error twice.
 */
export function markPostStep(env: NodeJS.ProcessEnv = process.env): void {
  if (env.GITHUB_STATE) appendFileSync(env.GITHUB_STATE, `${STATE.isPost}=true${EOL}`);
}
