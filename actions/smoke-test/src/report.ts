import { blocks, code, heading, keyValueTable, table } from '@shipyard/shared/markdown';
import { formatDuration } from '@shipyard/shared/duration';
import type { CheckResult } from './run-checks.js';
import type { VersionGateResult } from './version.js';

/**
 * What the action tells its user: one failure line per failing check for the log, and one
 * markdown report (the `report` output and the job summary) that holds every check either way.
 */

export interface SmokeTestOutcome {
  url: string;
  versionUrl: string;
  versionField: string;
  expectVersion?: string;
  /** Absent when no version was expected (the gate did not run). */
  gate?: VersionGateResult;
  /** What the app reported at the version path, whether or not a version was expected. */
  reportedVersion?: string;
  /** Absent when the checks did not run because the version never went live. */
  results?: CheckResult[];
  timeoutMs: number;
  durationMs: number;
  /** Something (a secret the app echoed, say) was replaced with `***`. */
  redacted?: boolean;
}

/** The report's line that says secrets were removed from it. */
export const REDACTED_NOTE = 'secrets sent in headers were found in what the app answered and replaced with `***`';

export function passed(outcome: SmokeTestOutcome): boolean {
  if (outcome.gate && !outcome.gate.live) return false;
  return outcome.results !== undefined && outcome.results.every((result) => result.passed);
}

/** The `results` output: one object per check, in the order the checks were given. */
export function resultsJson(results: readonly CheckResult[] | undefined): string {
  return JSON.stringify(results ?? []);
}

function gateFailureLine(outcome: SmokeTestOutcome): string | undefined {
  const { gate } = outcome;
  if (!gate || gate.live) return undefined;
  // When the last answer was not a version (a 503, a timeout), the last version seen still helps.
  const lastVersion =
    gate.reported !== undefined && !gate.lastSeen.startsWith('reports ')
      ? ` (last version reported: ${JSON.stringify(gate.reported)})`
      : '';
  return (
    `Version gate: expected ${outcome.versionField} ${JSON.stringify(outcome.expectVersion)} ` +
    `at ${outcome.versionUrl} within ${formatDuration(outcome.timeoutMs)}; ` +
    `last seen: ${gate.lastSeen}${lastVersion} after ${plural(gate.attempts, 'attempt')}`
  );
}

export function checkFailureLine(result: CheckResult): string {
  const retried = result.attempts > result.samples ? ` (after ${plural(result.attempts, 'attempt')})` : '';
  const body = result.bodyExcerpt ? `; body: ${result.bodyExcerpt}` : '';
  const status =
    result.status !== undefined && !result.mismatches.some((m) => m.kind === 'status')
      ? ` [HTTP ${result.status}]`
      : '';
  return `${result.name}: ${result.failure ?? 'failed'}${status}${retried}${body}`;
}

/** The log line for a check once it is judged. */
export function checkLogLine(result: CheckResult): string {
  const latency = result.latencyMs ? `, p50 ${result.latencyMs.p50} ms` : '';
  const failure = result.passed ? '' : `, ${result.failure}`;
  return `${result.passed ? '✓' : '✗'} ${result.name}: ${result.status ?? 'no response'}${latency}${failure}`;
}

export function failureLines(outcome: SmokeTestOutcome): string[] {
  const gate = gateFailureLine(outcome);
  return [...(gate ? [gate] : []), ...(outcome.results ?? []).filter((result) => !result.passed).map(checkFailureLine)];
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function ms(value: number | undefined): string {
  return value === undefined ? '–' : `${value} ms`;
}

export function renderSummary(outcome: SmokeTestOutcome): string {
  const ok = passed(outcome);
  const results = outcome.results ?? [];
  const passing = results.filter((result) => result.passed).length;
  const gate = outcome.gate;
  const gateText = gate
    ? gate.live
      ? `live after ${plural(gate.attempts, 'attempt')} (${formatDuration(gate.waitedMs)})`
      : `not live within ${formatDuration(outcome.timeoutMs)}: ${gate.lastSeen}`
    : undefined;
  const facts = keyValueTable(
    [
      ['URL', outcome.url],
      ['Expected version', outcome.expectVersion === undefined ? undefined : code(outcome.expectVersion)],
      ['Reported version', outcome.reportedVersion === undefined ? 'not reported' : code(outcome.reportedVersion)],
      ['Version gate', gateText],
      [
        'Checks',
        outcome.results === undefined
          ? 'not run: the expected version never went live'
          : `${passing} of ${results.length} passed`,
      ],
      ['Duration', formatDuration(outcome.durationMs)],
      ['Redacted', outcome.redacted ? REDACTED_NOTE : undefined],
    ],
    ['', ''],
  );
  const rows = results.map((result) => [
    code(result.name),
    result.passed ? '✅ passed' : '❌ failed',
    result.status ?? '–',
    result.attempts,
    ms(result.latencyMs?.min),
    ms(result.latencyMs?.p50),
    ms(result.latencyMs?.p95),
    ms(result.latencyMs?.max),
    result.passed
      ? ''
      : `${result.failure ?? ''}${result.bodyExcerpt ? `<br>body: ${code(result.bodyExcerpt.replace(/`/g, "'"))}` : ''}`,
  ]);
  return blocks(
    heading(`Smoke test ${ok ? 'passed ✅' : 'failed ❌'}`, 3),
    facts,
    rows.length > 0
      ? table(['Check', 'Result', 'Status', 'Attempts', 'Min', 'p50', 'p95', 'Max', 'Details'], rows)
      : undefined,
  );
}
