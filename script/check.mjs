// The full check, defined once. `npm run check` runs it; `npm run all` formats and bundles, then
// runs it; .ci/run sets the machine up (Docker, the AWS CLI), then runs it with --docker;
// .github/workflows/ci.yml's test job runs `npm run check`.
//
//   lint          eslint, prettier --check, tsc
//   check-dist    a fresh build of every bundle equals actions/*/dist in the working tree
//   test          npm test: unit and integration tests, against those bundles
//   test:e2e      the workflows run whole through the rehearsal engine, and test/e2e
//   test:realtime the fault suites that wait out real SDK time
//   test:docker   only with --docker (an engine is needed; .ci/run starts one)
//
// Every step runs even when an earlier one failed, so one run says everything that is wrong; the
// exit code is 1 when any failed. The jest steps write JSON reports (into --reports DIR, else a
// temporary folder), and the last line is their sum, "N passed, N failed, N skipped", which CI
// reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url).pathname;

export const STEPS = [
  { name: 'lint', script: 'lint' },
  { name: 'check-dist', script: 'check-dist' },
  { name: 'test', script: 'test', report: 'unit.json' },
  { name: 'test:e2e', script: 'test:e2e', report: 'e2e.json' },
  { name: 'test:realtime', script: 'test:realtime', report: 'realtime.json' },
  { name: 'test:docker', script: 'test:docker', report: 'docker.json', only: 'docker' },
];

/** The sum of jest's JSON reports that exist among `files`. */
export function countTests(files) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of files) {
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
  }
  return { passed, failed, skipped };
}

function parseArguments(argv) {
  const options = { docker: false, reports: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--docker') options.docker = true;
    else if (argv[i] === '--reports') options.reports = argv[(i += 1)];
    else throw new Error(`check: unknown argument ${argv[i]} (known: --docker, --reports DIR)`);
  }
  return options;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = parseArguments(process.argv.slice(2));
  const reports = options.reports ?? mkdtempSync(join(tmpdir(), 'shipyard-check-'));
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  const results = [];
  for (const step of STEPS) {
    if (step.only === 'docker' && !options.docker) {
      results.push({ step, status: 'not run (no --docker: .ci/run starts an engine and passes it)' });
      continue;
    }
    const extra = step.report ? ['--', '--json', `--outputFile=${join(reports, step.report)}`] : [];
    console.log(`::group::${step.name}`);
    const started = Date.now();
    const run = spawnSync(npm[0], [...npm[1], 'run', step.script, ...extra], { cwd: root, stdio: 'inherit' });
    console.log('::endgroup::');
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    results.push({
      step,
      status: run.status === 0 ? `passed in ${seconds} s` : `FAILED (exit ${run.status ?? run.signal}) in ${seconds} s`,
    });
  }
  const failed = results.filter(({ status }) => status.startsWith('FAILED'));
  for (const { step, status } of results) console.log(`check: ${step.name.padEnd(14)} ${status}`);
  const counts = countTests(STEPS.filter((step) => step.report).map((step) => join(reports, step.report)));
  if (!options.reports) rmSync(reports, { recursive: true, force: true });
  console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  process.exit(failed.length > 0 ? 1 : 0);
}
