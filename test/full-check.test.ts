import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';

/**
 * One definition of the full check (script/check.mjs), and the three places that run it: `npm run
 * all` (after format and bundle), .ci/run (after the machine's set-up) and ci.yml's test job.
 */

interface CheckScript {
  STEPS: { name: string; script: string; report?: string; only?: string }[];
  countTests(files: string[]): { passed: number; failed: number; skipped: number };
}
const check = (await import(pathToFileURL(join(repoRoot, 'script', 'check.mjs')).href)) as CheckScript;
const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

describe('the full check', () => {
  test('lints, checks the bundles, then runs every suite; Docker only when asked', () => {
    expect(check.STEPS.map((step) => step.name)).toEqual([
      'lint',
      'check-dist',
      'test',
      'test:e2e',
      'test:realtime',
      'test:docker',
    ]);
    for (const step of check.STEPS) expect(packageJson.scripts).toHaveProperty([step.script]);
    expect(check.STEPS.filter((step) => step.only).map((step) => step.name)).toEqual(['test:docker']);
  });

  test('npm run check is it; npm run all formats and bundles first, then runs it', () => {
    expect(packageJson.scripts.check).toBe('node script/check.mjs');
    expect(packageJson.scripts.all).toBe('npm run format && npm run bundle && npm run check');
  });

  test('.ci/run sets the machine up, then runs it (with --docker when the engine is ready)', () => {
    const run = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
    expect(run).toContain('check=(node script/check.mjs)');
    expect(run).toContain('check+=(--docker)');
    expect(run).not.toMatch(/^npm (test|run (lint|check-dist|test:))/m);
  });

  test("ci.yml's test job runs it and nothing else of its own", () => {
    const ci = parseYaml(readFileSync(join(repoRoot, '.github', 'workflows', 'ci.yml'), 'utf8')) as {
      jobs: Record<string, { steps: { run?: string }[] }>;
    };
    const runs = ci.jobs.test.steps.map((step) => step.run).filter(Boolean);
    expect(runs).toEqual(['npm ci', 'npm run check']);
  });

  test('the closing line sums the reports of the suites that ran', () => {
    const folder = temporaryFolder('check-reports-');
    const report = (name: string, counts: number[]) => {
      const [numPassedTests, numFailedTests, numPendingTests, numTodoTests] = counts;
      writeFileSync(
        join(folder, name),
        JSON.stringify({ numPassedTests, numFailedTests, numPendingTests, numTodoTests }),
      );
      return join(folder, name);
    };
    const files = [report('unit.json', [10, 1, 2, 0]), report('e2e.json', [5, 0, 0, 1]), join(folder, 'docker.json')];
    expect(check.countTests(files)).toEqual({ passed: 15, failed: 1, skipped: 3 });
  });
});
