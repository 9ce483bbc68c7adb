// The other half of the cycle (see cycle-a.ts).
import { a } from './cycle-a.js';

export const b = 'b';
export const callsBack = (): string => a();
