import { run } from '../../shared/src/run.js';
import { getInputs } from './inputs.js';
import { isPost, markPostStep, readPostState } from './state.js';

// One bundle serves both steps: the runner runs it again as `post:`, with the state main saved.
if (isPost()) {
  await run(readPostState, () => import('./post.js'));
} else {
  markPostStep();
  await run(getInputs, () => import('./main.js'));
}
