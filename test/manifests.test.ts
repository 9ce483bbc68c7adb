import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { manifestNames, readmeTableNames } from '@shipyard/harness/manifest';
import { readActionManifest, repoRoot } from '@shipyard/harness/run-action';

/**
 * One place that keeps every action's four descriptions of itself in step: the README's Inputs and
 * Outputs tables, action.yml, the INPUT name constants in src/inputs.ts and the OUTPUT map (in
 * src/outputs.ts or src/inputs.ts). Before, the README and action.yml were compared in four
 * different test files and INPUT in two of them.
 */

/** Every folder under actions/ but the shared package: an action added there is checked here. */
const ACTIONS = readdirSync(join(repoRoot, 'actions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'shared')
  .map((entry) => entry.name)
  .sort();

const EVERY_ACTION_EXPORTS_OUTPUT = true;

/** The `runs:` of each action.yml: Node 24 and the committed bundle; build-push-ecr adds its post step. */
const RUNS = { using: 'node24', main: 'dist/index.js' };
const RUNS_EXCEPT: Record<string, Record<string, string>> = {
  'build-push-ecr': { ...RUNS, post: 'dist/index.js' },
};

type NameMap = Record<string, string>;

/** A named export of actions/<action>/src/<module>.ts, when the file exists and exports it. */
async function exported(action: string, module: string, name: string): Promise<NameMap | undefined> {
  const file = join(repoRoot, 'actions', action, 'src', `${module}.ts`);
  if (!existsSync(file)) return undefined;
  return ((await import(pathToFileURL(file).href)) as Record<string, NameMap | undefined>)[name];
}

const INPUTS = Object.fromEntries(
  await Promise.all(ACTIONS.map(async (action) => [action, await exported(action, 'inputs', 'INPUT')] as const)),
);
const OUTPUTS = Object.fromEntries(
  await Promise.all(
    ACTIONS.map(
      async (action) =>
        [
          action,
          (await exported(action, 'outputs', 'OUTPUT')) ?? (await exported(action, 'inputs', 'OUTPUT')),
        ] as const,
    ),
  ),
);

/** The cells of the README table under `## <heading>`, by column name, for the row of `name`. */
function readmeRow(action: string, heading: string, name: string): Record<string, string> | undefined {
  const readme = readFileSync(join(repoRoot, 'actions', action, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith(`${heading}\n`)) ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('|'));
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
  const header = cells(rows[0] ?? '');
  const row = rows.find((line) => cells(line)[0] === `\`${name}\``);
  return row ? Object.fromEntries(cells(row).map((cell, index) => [header[index], cell])) : undefined;
}

/** How a README shows a default: in backticks, `''` for empty, a list default line by line. */
function shownDefault(value: unknown): string {
  const text = String(value);
  if (text === '') return "`''`";
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `\`${line}\``)
    .join(', ');
}

describe.each(ACTIONS)('%s', (action) => {
  test.each(['Inputs', 'Outputs'] as const)('the README %s table lists exactly what action.yml declares', (heading) => {
    const kind = heading === 'Inputs' ? 'inputs' : 'outputs';
    expect(readmeTableNames(action, heading)).toEqual(manifestNames(action, kind));
  });

  test('the defaults in the README are the ones action.yml declares', () => {
    for (const [name, spec] of Object.entries(readActionManifest(action).inputs ?? {})) {
      if (spec.default === undefined) continue;
      expect({ name, shown: readmeRow(action, 'Inputs', name)?.Default }).toEqual({
        name,
        shown: shownDefault(spec.default),
      });
    }
  });

  test('INPUT in src/inputs.ts names exactly the inputs action.yml declares', () => {
    expect(INPUTS[action]).toBeDefined();
    expect(Object.values(INPUTS[action] ?? {}).sort()).toEqual(manifestNames(action, 'inputs').sort());
  });

  test('OUTPUT, where the action exports it, names exactly the outputs action.yml declares', () => {
    const output = OUTPUTS[action];
    if (output === undefined) return; // EVERY_ACTION_EXPORTS_OUTPUT below says whether that is allowed
    expect(Object.values(output).sort()).toEqual(manifestNames(action, 'outputs').sort());
  });

  test('runs on node24 from the committed bundle', () => {
    expect(readActionManifest(action).runs).toEqual(RUNS_EXCEPT[action] ?? RUNS);
  });
});

test('the actions found are the ones the repository ships', () => {
  expect(ACTIONS).toEqual(
    expect.arrayContaining(['build-push-ecr', 'deploy-ecs', 'pr-comment', 'preview-env', 'smoke-test']),
  );
});

(EVERY_ACTION_EXPORTS_OUTPUT ? test : test.skip)('every action exports an OUTPUT map', () => {
  expect(ACTIONS.filter((action) => OUTPUTS[action] === undefined)).toEqual([]);
});
