// A fixture for test/lint-rules.test.ts: cycle-a.ts and cycle-b.ts import each other, which
// import-x/no-cycle must refuse. eslint.config.js ignores this folder; the test lints it anyway.
import { b } from './cycle-b.js';

export const a = (): string => `a${b.length}`;
