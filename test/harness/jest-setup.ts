import { afterAll } from '@jest/globals';
import { removeHarnessFolders } from './run-action.js';

// Runs in every test file: the temporary folders of the actions it ran go when the file is done.
afterAll(() => removeHarnessFolders());
