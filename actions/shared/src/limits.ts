/**
 * What GitHub's runner accepts from one step. Past these the runner fails the step or drops the
 * value, so actions cut their own text first and say how much they cut.
 *
 * - A job summary: 1 MiB per step ("Job summaries ... limited to 1MiB", GitHub Docs, workflow
 *   commands); the runner refuses a larger one and shows an error instead of the summary.
 * - An output: 1 MB per output (GitHub Docs, "Defining outputs for jobs"); a job's outputs together
 *   at most 50 MB.
 * - An annotation's message is shown cut to 4 KiB in the UI; longer ones waste the log.
 */
export const STEP_SUMMARY_BYTES = 1024 * 1024;
export const OUTPUT_BYTES = 1024 * 1024;
export const ANNOTATION_BYTES = 4 * 1024;
