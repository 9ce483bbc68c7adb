import { run } from '../../shared/src/run.js';
import { getInputs } from './inputs.js';
import { isPost, readPostState } from './state.js';

// One bundle serves both steps: the runner runs it again as `post:`, with the state main saved.
await (isPost() ? run(readPostState, () => import('./post.js')) : run(getInputs, () => import('./main.js')));
