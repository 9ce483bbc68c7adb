import { run } from '../../shared/src/run.js';
import { getInputs } from './inputs.js';

await run(getInputs, () => import('./main.js'));
