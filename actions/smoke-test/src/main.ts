import * as core from '@actions/core';
import { ActionFailure } from '@shipyard/shared/errors';
import { ANNOTATION_BYTES } from '@shipyard/shared/limits';
import { setOutputs } from '@shipyard/shared/outputs';
import { deadlineIn } from '@shipyard/shared/poll';
import { appendSummary } from '@shipyard/shared/summary';
import { capBytes } from '@shipyard/shared/text';
import { OUTPUT, type Inputs } from './inputs.js';
import { formatDuration } from '@shipyard/shared/duration';
import {
  checkLogLine,
  failureLines,
  passed,
  REDACTED_NOTE,
  renderSummary,
  resultsJson,
  type SmokeTestOutcome,
} from './report.js';
import { checkUrl, runChecks, type CheckResult } from './run-checks.js';
import { SecretFilter } from './secrets.js';
import { readCurrentVersion, waitForVersion, type VersionGateResult } from './version.js';

export async function main(inputs: Inputs): Promise<void> {
  const started = Date.now();
  // Every form the runner should mask in the log; outputs and the summary are not masked by the
  // runner, so everything below also goes through `secrets.redact`.
  const secrets = new SecretFilter(inputs.secrets);
  for (const form of secrets.forms()) core.setSecret(form);
  const log = (line: string) => core.info(secrets.redact(line));
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
    forwardHeadersOnRedirect: inputs.forwardHeadersOnRedirect,
    redact: secrets.redact,
  };
  let gate: VersionGateResult | undefined;
  let reportedVersion: string | undefined;
  const expected = inputs.expectVersion;
  if (expected !== undefined) {
    gate = await core.group(
      secrets.redact(`Waiting for ${inputs.versionFieldText} ${expected} at ${versionSource.url}`),
      () =>
        waitForVersion({
          ...versionSource,
          expected,
          intervalMs: inputs.intervalMs,
          timeoutMs: deadline.remainingMs(),
          log,
        }),
    );
    reportedVersion = gate.reported;
    log(
      gate.live
        ? `${versionSource.url} reports ${JSON.stringify(gate.reported)}: live after ${formatDuration(gate.waitedMs)}`
        : `${versionSource.url} did not report ${JSON.stringify(expected)} within ${formatDuration(inputs.timeoutMs)}`,
    );
  }

  let results: CheckResult[] | undefined;
  if (!gate || gate.live) {
    results = await core.group(
      secrets.redact(`Running ${inputs.checks.length} checks against ${inputs.baseUrl.href}`),
      async () => {
        const done = await runChecks(inputs.checks, {
          baseUrl: inputs.baseUrl,
          headers: inputs.headers,
          samples: inputs.samples,
          latencyP95Ms: inputs.latencyP95Ms,
          requestTimeoutMs: inputs.requestTimeoutMs,
          intervalMs: inputs.intervalMs,
          followRedirects: inputs.followRedirects,
          forwardHeadersOnRedirect: inputs.forwardHeadersOnRedirect,
          redact: secrets.redact,
          concurrency: inputs.concurrency,
          deadline,
          log,
        });
        for (const result of done) log(checkLogLine(result));
        return done;
      },
    );
  }

  if (expected === undefined) {
    // Asked after the checks, which waited for the app if it was still starting; only for the output.
    const reading = await readCurrentVersion(versionSource);
    reportedVersion = reading.version;
    log(
      reading.version === undefined
        ? `No version reported at ${versionSource.url} (${reading.problem}); set expect-version to wait for one`
        : `${versionSource.url} reports ${inputs.versionFieldText} ${JSON.stringify(reading.version)}`,
    );
  }

  // What the app answered was redacted as it came in; the rest (names, paths, inputs quoted in a
  // failure) is redacted here, before any of it is rendered, so markdown escaping cannot split a
  // secret into a form the filter would miss.
  const outcome: SmokeTestOutcome = secrets.redactDeep({
    url: inputs.baseUrl.href,
    versionUrl: versionSource.url,
    versionField: inputs.versionFieldText,
    expectVersion: expected,
    gate,
    reportedVersion,
    results,
    timeoutMs: inputs.timeoutMs,
    durationMs: Date.now() - started,
    redacted: false,
  });
  const ok = passed(outcome);
  const render = () => secrets.redact(renderSummary({ ...outcome, redacted: secrets.redactions > 0 }));
  let report = render();
  // Once more when that last pass found a secret the note did not know about yet.
  if (secrets.redactions > 0 && !report.includes(REDACTED_NOTE)) report = render();
  setOutputs({
    [OUTPUT.passed]: String(ok),
    [OUTPUT.version]: outcome.reportedVersion ?? '',
    [OUTPUT.results]: secrets.redact(resultsJson(outcome.results)),
    [OUTPUT.report]: report,
    [OUTPUT.durationMs]: String(outcome.durationMs),
  });
  await appendSummary(report);

  if (!ok) {
    for (const line of failureLines(outcome))
      core.error(capBytes(secrets.redact(line), ANNOTATION_BYTES, 'annotation'));
    const failing = (outcome.results ?? []).filter((result) => !result.passed).length;
    throw new ActionFailure(
      secrets.redact(
        outcome.results === undefined
          ? `Smoke test failed: ${inputs.baseUrl.href} never reported ${inputs.versionFieldText} ${JSON.stringify(expected)}`
          : `Smoke test failed: ${failing} of ${outcome.results.length} checks failed against ${inputs.baseUrl.href}`,
      ),
    );
  }
  log(`Smoke test passed: ${outcome.results?.length ?? 0} checks against ${inputs.baseUrl.href}`);
}
