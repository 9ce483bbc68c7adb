import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, expect, test } from '@jest/globals';
import { STEP_SUMMARY_BYTES } from '../src/limits.js';
import { appendSummary } from '../src/summary.js';

const dir = mkdtempSync(join(tmpdir(), 'shared-summary-'));
const file = join(dir, 'summary.md');
const saved = process.env.GITHUB_STEP_SUMMARY;
beforeEach(() => {
  writeFileSync(file, '');
  process.env.GITHUB_STEP_SUMMARY = file;
});
afterEach(() => {
  if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
  else process.env.GITHUB_STEP_SUMMARY = saved;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('appends the markdown to the step summary file', async () => {
  await appendSummary('### one');
  await appendSummary('### two');
  expect(readFileSync(file, 'utf8')).toBe('### one\n### two\n');
});

test('what would pass the 1 MiB a step may write is cut, with a line that says so', async () => {
  await appendSummary('x'.repeat(STEP_SUMMARY_BYTES + 10));
  const text = readFileSync(file, 'utf8');
  expect(statSync(file).size).toBeLessThanOrEqual(STEP_SUMMARY_BYTES + 1);
  // Matched as a boolean: a failure must not print a mebibyte of x.
  expect(/… job summary cut: \d+ of 1048586 bytes not shown \(limit 1048576 bytes\)$/.test(text.trimEnd())).toBe(true);
});

test('a full summary takes nothing more', async () => {
  writeFileSync(file, 'y'.repeat(STEP_SUMMARY_BYTES));
  await appendSummary('### late');
  expect(statSync(file).size).toBe(STEP_SUMMARY_BYTES);
});

test('outside a runner there is nowhere to write, which is not an error', async () => {
  delete process.env.GITHUB_STEP_SUMMARY;
  await expect(appendSummary('### nowhere')).resolves.toBeUndefined();
});
