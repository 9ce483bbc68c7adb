import { statSync } from 'node:fs';
import * as core from '@actions/core';
import { STEP_SUMMARY_BYTES } from './limits.js';
import { capBytes } from './text.js';

/**
 * Append markdown to the job summary. Outside a runner (no GITHUB_STEP_SUMMARY) there is nowhere to
 * write, which is not an error: the same text is in the log. The runner refuses a step's whole
 * summary past 1 MiB, so what would not fit is cut here, with a line saying how much.
 */
export async function appendSummary(markdown: string): Promise<void> {
  const path = process.env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  const room = STEP_SUMMARY_BYTES - summarySize(path);
  if (room <= 0) return;
  await core.summary.addRaw(capBytes(markdown, room, 'job summary'), true).write();
}

function summarySize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
