import { run } from '../../shared/src/run.js';
import { main } from './main.js';

void run(main);
