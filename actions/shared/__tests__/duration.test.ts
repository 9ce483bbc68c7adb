import { expect, test } from '@jest/globals';
import { formatDuration } from '../src/duration.js';

test.each([
  [0, '0 ms'],
  [123, '123 ms'],
  [250, '250 ms'],
  [450, '450 ms'],
  [999.4, '999 ms'],
  [999.6, '1 s'],
  [1500, '1.5 s'],
  [2000, '2 s'],
  [2400, '2.4 s'],
  [12_345, '12.3 s'],
  [42_000, '42 s'],
  [59_960, '1 min'],
  [60_000, '1 min'],
  [125_000, '2 min 5 s'],
  [300_000, '5 min'],
  [3_599_600, '60 min'],
])('formatDuration(%d) is %s', (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});
