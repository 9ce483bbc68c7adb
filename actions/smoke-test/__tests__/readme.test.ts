import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { CHECK_KEYS } from '../src/checks.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
/** A table row under `## <section>` whose first cell is the name in backticks (prettier pads cells). */
const row = (section: string, name: string) =>
  readme
    .split(/^## /m)
    .find((part) => part.startsWith(`${section}\n`))
    ?.split('\n')
    .find((line) => new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`).test(line));

// README, action.yml, INPUT and OUTPUT (tables, names, defaults, runs) are checked for every action
// in test/manifests.test.ts; what only this README says is checked here.
describe('README says what the action does', () => {
  test('every check key is documented', () => {
    for (const key of CHECK_KEYS) expect(row('Checks', key)).toBeDefined();
  });
});
