import { run } from '../../shared/src/run.js';
import { isPost, main, post } from './main.js';

// One bundle serves both steps: the runner runs it again as `post:` with the state main saved.
await run(isPost() ? post : main);
