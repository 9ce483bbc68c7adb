import { spawnSync } from 'node:child_process';
import { describe, expect, test } from '@jest/globals';
import { repoRoot } from '@shipyard/harness/run-action';

/**
 * The import rules of the house (eslint.config.js, CONTRIBUTING.md "Imports") fire where they
 * should, so that switching one off, or widening an exception list to cover everything, fails a
 * test instead of passing silently. ESLint runs with the repository's own config in a child process
 * (its flat config and the TypeScript resolver are plain Node modules, not jest's), linting the
 * cycle in test/lint-fixtures (ignored by the config, linted here on purpose) and probe sources
 * given as text at the paths the rules are about.
 */

interface Probe {
  /** Where the text is linted as if it lived (it need not exist); a fixture file when no code. */
  path: string;
  code?: string;
}

const PROBES = {
  cycle: { path: 'test/lint-fixtures/cycle-a.ts' },
  'action into shared by a relative path': {
    path: 'actions/deploy-ecs/src/lint-probe.ts',
    code: "import { shown } from '../../shared/src/text.js';\nexport const probe = shown;\n",
  },
  'test tree into the harness by a relative path': {
    path: 'test/lint-probe.test.ts',
    code: "import { repoRoot } from './harness/run-action.js';\nexport const probe = repoRoot;\n",
  },
  'bench into an emulator by a relative path': {
    path: 'bench/lint-probe.bench.ts',
    code: "import { startAwsEmulator } from '../test/emulators/aws/index.js';\nexport const probe = startAwsEmulator;\n",
  },
  'domain module importing inputs.ts': {
    path: 'actions/smoke-test/src/lint-probe.ts',
    code: "import { INPUT } from './inputs.js';\nexport const probe = INPUT;\n",
  },
  'main.ts importing inputs.ts (allowed)': {
    path: 'actions/smoke-test/src/main.ts',
    code: "import { INPUT } from './inputs.js';\nexport const probe = INPUT;\n",
  },
  'the same import by package name (allowed)': {
    path: 'test/lint-probe.test.ts',
    code: "import { repoRoot } from '@shipyard/harness/run-action';\nexport const probe = repoRoot;\n",
  },
} satisfies Record<string, Probe>;

const LINT = `
import { ESLint } from 'eslint';
const probes = JSON.parse(process.argv[1]);
const eslint = new ESLint({ cwd: process.cwd(), ignore: false });
const found = {};
for (const [name, probe] of Object.entries(probes)) {
  const [result] = probe.code === undefined
    ? await eslint.lintFiles([probe.path])
    : await eslint.lintText(probe.code, { filePath: probe.path });
  found[name] = result.messages.map((message) => ({ rule: message.ruleId, severity: message.severity }));
}
console.log(JSON.stringify(found));
`;

type Found = Record<keyof typeof PROBES, { rule: string | null; severity: number }[]>;

function lint(): Found {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', LINT, JSON.stringify(PROBES)], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (run.status !== 0) throw new Error(`eslint did not run: ${run.stderr}`);
  return JSON.parse(run.stdout) as Found;
}

describe('the import rules fire', () => {
  let found: Found;
  const rulesOf = (name: keyof typeof PROBES) =>
    (found ??= lint())[name].filter(({ rule }) => rule?.startsWith('import-x/'));

  test.each([
    ['cycle', 'import-x/no-cycle'],
    ['action into shared by a relative path', 'import-x/no-relative-packages'],
    ['test tree into the harness by a relative path', 'import-x/no-relative-packages'],
    ['bench into an emulator by a relative path', 'import-x/no-relative-packages'],
    ['domain module importing inputs.ts', 'import-x/no-restricted-paths'],
  ] as const)(
    '%s: %s, as an error',
    (name, rule) => {
      expect(rulesOf(name)).toEqual([{ rule, severity: 2 }]);
    },
    120_000,
  );

  test.each(['main.ts importing inputs.ts (allowed)', 'the same import by package name (allowed)'] as const)(
    '%s: no import rule fires',
    (name) => {
      expect(rulesOf(name)).toEqual([]);
    },
    120_000,
  );
});
