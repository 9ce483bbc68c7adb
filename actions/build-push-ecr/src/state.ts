/**
 * What the main step leaves for the `post:` step, which the runner runs from the same bundle. The
 * main step saves it with `core.saveState`; the runner hands it back as `STATE_<name>` variables,
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
