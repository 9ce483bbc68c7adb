import { formatDuration } from '@shipyard/shared/duration';
import { blocks, code, escapeHtml, heading, keyValueTable, table } from '@shipyard/shared/markdown';
import type { TagOutcome } from './promote.js';

/** The job summary: what was pushed, where, how big, how fast, and whether the cache helped. */

export interface BuildReport {
  repository: string;
  registry: string;
  tags: readonly string[];
  digest?: string;
  imageUri?: string;
  sizeBytes?: number;
  outcome: 'built' | 'built-not-pushed' | 'skipped' | 'promoted';
  /** e.g. `inline` or `registry`, and how many build steps came from it. */
  cache?: { mode: string; steps: number; cached: number };
  builder?: string;
  /** Ids of the secrets the build could mount (never their values). */
  secretIds?: readonly string[];
  durations: { buildMs?: number; pushMs?: number; promoteMs?: number };
  source?: string;
  /** Promote and skip-if-exists: what happened to each tag (moved, already there, failed). */
  tagResults?: readonly TagOutcome[];
  /** The run failed: why, for a summary written on failure too. */
  error?: string;
}

export function formatBytes(bytes: number | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function duration(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : formatDuration(ms);
}

const TITLES: Record<BuildReport['outcome'], string> = {
  built: 'Image built and pushed',
  'built-not-pushed': 'Image built (not pushed)',
  skipped: 'Image already in ECR: build skipped',
  promoted: 'Image promoted without rebuilding',
};

const FAILED_TITLES: Partial<Record<BuildReport['outcome'], string>> = {
  skipped: 'Image already in ECR, but adding its tags failed',
  promoted: 'Promote failed',
};

/** A tag's outcome as a summary cell; AWS's message is text, never markup. */
export function outcomeCell(outcome: TagOutcome): string {
  switch (outcome.result) {
    case 'moved':
      return outcome.previous ? `moved (was ${code(outcome.previous)})` : 'moved (new tag)';
    case 'already-there':
      return 'already there';
    case 'failed':
      return `**failed**: ${outcome.operation} ${code(outcome.errorName)}: ${escapeHtml(outcome.error)}`;
  }
}

export function renderSummary(report: BuildReport): string {
  const cache = report.cache
    ? `${report.cache.mode}${report.cache.steps > 0 ? ` (${report.cache.cached} of ${report.cache.steps} steps from cache)` : ''}`
    : undefined;
  const failedTags = report.tagResults?.filter((outcome) => outcome.result === 'failed').length ?? 0;
  const failed = report.error !== undefined || failedTags > 0;
  const title = failed
    ? `${FAILED_TITLES[report.outcome] ?? 'Failed'}${failedTags > 0 ? ` (${failedTags} of ${report.tagResults?.length} tags)` : ''}`
    : TITLES[report.outcome];
  return blocks(
    heading(`build-push-ecr: ${title}`, 3),
    keyValueTable(
      [
        ['Repository', `${report.registry}/${report.repository}`],
        ['Tags', report.tagResults ? undefined : report.tags.map(code).join(', ')],
        ['Error', report.error && escapeHtml(report.error)],
        ['Source', report.source && code(report.source)],
        ['Digest', report.digest && code(report.digest)],
        ['Image URI', report.imageUri && code(report.imageUri)],
        ['Size', formatBytes(report.sizeBytes)],
        ['Builder', report.builder],
        ['Cache', cache],
        ['Build secrets', report.secretIds?.length ? report.secretIds.map(code).join(', ') : undefined],
        ['Build', duration(report.durations.buildMs)],
        ['Push', duration(report.durations.pushMs)],
        ['Promote', duration(report.durations.promoteMs)],
      ],
      ['', ''],
    ),
    report.tagResults &&
      table(
        ['Tag', 'Outcome'],
        report.tagResults.map((outcome) => [code(outcome.tag), outcomeCell(outcome)]),
      ),
  );
}
