import { runLean } from '../../shared/src/run-lean.js';
import { main } from './main.js';

await runLean(main);
