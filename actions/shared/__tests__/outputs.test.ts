import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, expect, test } from '@jest/globals';
import { OUTPUT_BYTES } from '../src/limits.js';
import { setOutputs } from '../src/outputs.js';

// @actions/core writes outputs to the file GITHUB_OUTPUT names, as `name<<delimiter` blocks.
const dir = mkdtempSync(join(tmpdir(), 'shared-outputs-'));
const file = join(dir, 'output');
const saved = process.env.GITHUB_OUTPUT;
beforeEach(() => {
  writeFileSync(file, '');
  process.env.GITHUB_OUTPUT = file;
});
afterEach(() => {
  if (saved === undefined) delete process.env.GITHUB_OUTPUT;
  else process.env.GITHUB_OUTPUT = saved;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The outputs as the runner reads them back from the file. */
function written(): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const start = /^([^<]+)<<(.+)$/.exec(lines[i]);
    if (!start) continue;
    const end = lines.indexOf(start[2], i + 1);
    outputs[start[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

test('every value is written as text; undefined is the empty string', () => {
  setOutputs({ digest: 'sha256:abc', count: 3, skipped: false, missing: undefined, tags: 'a\nb' });
  expect(written()).toEqual({ digest: 'sha256:abc', count: '3', skipped: 'false', missing: '', tags: 'a\nb' });
});

test('a value past the runner limit is cut, with a line that says so', () => {
  setOutputs({ report: 'x'.repeat(OUTPUT_BYTES + 10) });
  const { report } = written();
  expect(Buffer.byteLength(report)).toBeLessThanOrEqual(OUTPUT_BYTES);
  // Matched as a boolean: a failure must not print a mebibyte of x.
  expect(/\n… output 'report' cut: \d+ of 1048586 bytes not shown \(limit 1048576 bytes\)$/.test(report)).toBe(true);
});
