import { run as runStep } from '@shipyard/shared/run';
import { getInputs } from './inputs.js';

let step: Promise<void> | undefined;

/** The action's one step, started once: a second call gets the same step. */
export function run(): Promise<void> {
  step ??= runStep(getInputs, () => import('./main.js'));
  return step;
}

// Started as the program (the runner runs the bundle, `node dist/index.js`): run the step now.
// Imported (GitHub's local runner, `local-action actions/<name> src/index.ts .env`, imports this
// file and then calls `run()` with its @actions/core stand-in in place): wait for that call.
// A Node without `import.meta.main` leaves it undefined, and then the step runs as before.
if (import.meta.main !== false) await run();
