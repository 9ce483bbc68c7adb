import { expect, test } from '@jest/globals';
import { ANNOTATION_BYTES, OUTPUT_BYTES, STEP_SUMMARY_BYTES } from '../src/limits.js';

test.each([
  ['a step summary: 1 MiB', STEP_SUMMARY_BYTES, 1_048_576],
  ['an output: 1 MB as the runner counts it', OUTPUT_BYTES, 1_048_576],
  ['an annotation shown whole: 4 KiB', ANNOTATION_BYTES, 4096],
])('%s', (_, limit, bytes) => {
  expect(limit).toBe(bytes);
});
