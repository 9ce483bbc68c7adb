import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { manifestNames, readmeTableNames } from '@shipyard/harness/manifest';
import { readActionManifest } from '@shipyard/harness/run-action';
import { CHECK_KEYS } from '../src/checks.js';
import { INPUT } from '../src/inputs.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
/** A table row under `## <section>` whose first cell is the name in backticks (prettier pads cells). */
const row = (section: string, name: string) =>
  readme
    .split(/^## /m)
    .find((part) => part.startsWith(`${section}\n`))
    ?.split('\n')
    .find((line) => new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`).test(line));

describe('README and action.yml stay in step', () => {
  test.each(['Inputs', 'Outputs'] as const)('%s table lists exactly what action.yml declares', (heading) => {
    const kind = heading === 'Inputs' ? 'inputs' : 'outputs';
    expect(readmeTableNames('smoke-test', heading)).toEqual(manifestNames('smoke-test', kind));
  });

  test('the input names in the code are the ones action.yml declares', () => {
    expect(Object.values(INPUT).sort()).toEqual(manifestNames('smoke-test', 'inputs').sort());
  });

  test('every check key is documented', () => {
    for (const key of CHECK_KEYS) expect(row('Checks', key)).toBeDefined();
  });

  test('the defaults in the README are the ones action.yml declares', () => {
    const inputs = readActionManifest('smoke-test').inputs ?? {};
    for (const [name, spec] of Object.entries(inputs)) {
      if (spec.default === undefined) continue;
      expect(row('Inputs', name)?.split('|')[3]).toContain(`\`${String(spec.default)}\``);
    }
  });

  test('runs on node24 from the committed bundle', () => {
    expect(readActionManifest('smoke-test').runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});
