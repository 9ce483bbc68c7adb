import * as core from '@actions/core';
import { ActionFailure } from '../../shared/src/errors.js';
import { deadlineIn } from '../../shared/src/poll.js';
import { appendSummary } from '../../shared/src/summary.js';
import type { Inputs } from './inputs.js';
import { formatSeconds } from './probe.js';
import { checkLogLine, failureLines, passed, renderReport, resultsJson, type SmokeTestOutcome } from './report.js';
import { checkUrl, runChecks, type CheckResult } from './run-checks.js';
import { readCurrentVersion, waitForVersion, type VersionGateResult } from './version.js';

export async function main(inputs: Inputs): Promise<void> {
  const started = Date.now();
  for (const secret of inputs.secrets) core.setSecret(secret);
  // One budget for everything that waits on the app: the version gate, then checks whose first
  // request finds it not ready yet.
  const deadline = deadlineIn(inputs.timeoutMs);

  const versionSource = {
    url: checkUrl(inputs.baseUrl, inputs.versionPath),
    field: inputs.versionField,
    fieldText: inputs.versionFieldText,
    headers: inputs.headers,
    requestTimeoutMs: inputs.requestTimeoutMs,
    followRedirects: inputs.followRedirects,
  };
  let gate: VersionGateResult | undefined;
  let reportedVersion: string | undefined;
  const expected = inputs.expectVersion;
  if (expected !== undefined) {
    gate = await core.group(`Waiting for ${inputs.versionFieldText} ${expected} at ${versionSource.url}`, () =>
      waitForVersion({
        ...versionSource,
        expected,
        intervalMs: inputs.intervalMs,
        timeoutMs: deadline.remainingMs(),
        log: core.info,
      }),
    );
    reportedVersion = gate.reported;
    core.info(
      gate.live
        ? `${versionSource.url} reports ${JSON.stringify(gate.reported)}: live after ${formatSeconds(gate.waitedMs)}`
        : `${versionSource.url} did not report ${JSON.stringify(expected)} within ${formatSeconds(inputs.timeoutMs)}`,
    );
  }

  let results: CheckResult[] | undefined;
  if (!gate || gate.live) {
    results = await core.group(`Running ${inputs.checks.length} checks against ${inputs.baseUrl.href}`, async () => {
      const done = await runChecks(inputs.checks, {
        baseUrl: inputs.baseUrl,
        headers: inputs.headers,
        samples: inputs.samples,
        latencyP95Ms: inputs.latencyP95Ms,
        requestTimeoutMs: inputs.requestTimeoutMs,
        intervalMs: inputs.intervalMs,
        followRedirects: inputs.followRedirects,
        concurrency: inputs.concurrency,
        deadline,
        log: core.info,
      });
      for (const result of done) core.info(checkLogLine(result));
      return done;
    });
  }

  if (expected === undefined) {
    // Asked after the checks, which waited for the app if it was still starting; only for the output.
    const reading = await readCurrentVersion(versionSource);
    reportedVersion = reading.version;
    core.info(
      reading.version === undefined
        ? `No version reported at ${versionSource.url} (${reading.problem}); set expect-version to wait for one`
        : `${versionSource.url} reports ${inputs.versionFieldText} ${JSON.stringify(reading.version)}`,
    );
  }

  const outcome: SmokeTestOutcome = {
    url: inputs.baseUrl.href,
    versionUrl: versionSource.url,
    versionField: inputs.versionFieldText,
    expectVersion: expected,
    gate,
    reportedVersion,
    results,
    timeoutMs: inputs.timeoutMs,
    durationMs: Date.now() - started,
  };
  const ok = passed(outcome);
  const report = renderReport(outcome);
  core.setOutput('passed', String(ok));
  core.setOutput('version', reportedVersion ?? '');
  core.setOutput('results', resultsJson(results));
  core.setOutput('report', report);
  core.setOutput('duration-ms', String(outcome.durationMs));
  await appendSummary(report);

  if (!ok) {
    for (const line of failureLines(outcome)) core.error(line);
    const failing = (results ?? []).filter((result) => !result.passed).length;
    throw new ActionFailure(
      results === undefined
        ? `Smoke test failed: ${inputs.baseUrl.href} never reported ${inputs.versionFieldText} ${JSON.stringify(expected)}`
        : `Smoke test failed: ${failing} of ${results.length} checks failed against ${inputs.baseUrl.href}`,
    );
  }
  core.info(`Smoke test passed: ${results?.length ?? 0} checks against ${inputs.baseUrl.href}`);
}
