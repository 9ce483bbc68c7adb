import * as core from '@actions/core';

/**
 * Append markdown to the job summary. Outside a runner (no GITHUB_STEP_SUMMARY) there is nowhere to
 * write, which is not an error: the same text is in the log.
 */
export async function appendSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}
