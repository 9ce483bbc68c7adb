import { run as runStep } from '@shipyard/shared/run';
import { getInputs } from './inputs.js';
import { isPost, markPostStep, readPostState, STATE } from './state.js';

let mainStep: Promise<void> | undefined;

/**
 * The step this process is to run. The runner starts the bundle once per step: for the main step,
 * then again as `post:` with the state main saved handed over as `STATE_*` variables (`isPost`).
 * GitHub's local runner imports this file once and calls `run()` for the main step, then, given
 * `--post src/index.ts`, again for the post step: in its one process the state main saved is held
 * by its @actions/core stand-in, so the post step reads it back with `core.getState`.
 */
export function run(): Promise<void> {
  if (isPost()) return runStep(readPostState, () => import('./post.js'));
  if (mainStep === undefined) {
    markPostStep();
    mainStep = runStep(getInputs, () => import('./main.js'));
    return mainStep;
  }
  return mainStep.then(postInThisProcess);
}

async function postInThisProcess(): Promise<void> {
  const core = await import('@actions/core');
  const saved = { [`STATE_${STATE.loggedInTo}`]: core.getState(STATE.loggedInTo) };
  await runStep(
    () => readPostState(saved),
    () => import('./post.js'),
  );
}

// Started as the program (the runner runs `node dist/index.js`, for main and for post): run the
// step now. Imported (by the local runner): wait for its calls. A Node without `import.meta.main`
// leaves it undefined, and then the step runs as before.
if (import.meta.main !== false) await run();
