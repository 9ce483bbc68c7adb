import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';

// script/bundle.mjs writes each bundle's licenses.txt and gives check-dist its licence check.
interface BundledPackage {
  name: string;
  version: string;
  license?: string;
  directory: string;
}
interface BundleScript {
  bundleAction(action: string, options?: { outDir?: string }): Promise<BundledPackage[]>;
  licenseProblems(licensesText: string, packages: BundledPackage[]): string[];
}
const script = (await import(pathToFileURL(join(repoRoot, 'script', 'bundle.mjs')).href)) as BundleScript;

// smoke-test is the smallest bundle that splits: yaml in the entry chunk, core in a later one.
const action = 'smoke-test';
let temp: string;
let packages: BundledPackage[];
let licenses: string;

beforeAll(async () => {
  temp = temporaryFolder('shipyard-licenses-');
  packages = await script.bundleAction(action, { outDir: join(temp, 'dist') });
  licenses = readFileSync(join(temp, 'dist', 'licenses.txt'), 'utf8');
}, 180_000);

/** licenses.txt without one package's entry (its name, identifier and text, up to the next entry). */
function withoutEntry(text: string, name: string): string {
  const names = new Set(packages.map((each) => each.name));
  const lines = text.split('\n');
  const start = lines.findIndex((line, index) => line === name && index + 1 < lines.length);
  const end = lines.findIndex((line, index) => index > start && names.has(line) && lines[index + 1] !== undefined);
  return [...lines.slice(0, start), ...(end === -1 ? [] : lines.slice(end))].join('\n');
}

describe('licenses.txt lists every package of every chunk', () => {
  test('the bundle holds packages from the entry chunk (yaml) and from the chunks loaded later (@actions/core)', () => {
    const names = packages.map((each) => each.name);
    expect(names).toEqual(expect.arrayContaining(['yaml', '@actions/core', '@actions/http-client', 'undici']));
    expect(names).not.toContain('@shipyard/smoke-test'); // the action itself is not a third party
  });

  test('a fresh licenses.txt names each of them with its licence: the check passes', () => {
    expect(script.licenseProblems(licenses, packages)).toEqual([]);
    expect(licenses).toMatch(/^yaml\nISC\n/m);
  });

  test('the committed licenses.txt is that fresh one', () => {
    const committed = readFileSync(join(repoRoot, 'actions', action, 'dist', 'licenses.txt'), 'utf8');
    expect(committed).toBe(licenses);
  });

  test('a bundled package missing from licenses.txt fails the check, by name', () => {
    const missingYaml = withoutEntry(licenses, 'yaml');
    expect(missingYaml).not.toMatch(/^yaml$/m);
    expect(script.licenseProblems(missingYaml, packages)).toEqual([
      expect.stringMatching(/^yaml@[\d.]+ \(ISC\) is bundled but not in licenses\.txt$/),
    ]);
  });

  test('a package named without its licence identifier, or declaring none, fails too', () => {
    const withoutId = licenses.replace(/^yaml\nISC\n/m, 'yaml\n');
    expect(script.licenseProblems(withoutId, packages)).toHaveLength(1);
    const undeclared = packages.map((each) => (each.name === 'yaml' ? { ...each, license: undefined } : each));
    expect(script.licenseProblems(licenses, undeclared)).toEqual([
      expect.stringMatching(/^yaml@[\d.]+ declares no licence in its package\.json$/),
    ]);
  });

  test("ncc's own --license file keeps one chunk's list only, and the check catches what it drops", () => {
    // The root cause the bundle script works around: ncc writes licenses.txt once per chunk, under
    // the same name, so the last chunk written wins and the entry chunk's yaml is lost.
    const out = join(temp, 'ncc-license');
    const ncc = spawnSync(
      join(repoRoot, 'node_modules', '.bin', 'ncc'),
      ['build', 'src/index.ts', '-o', out, '--license', 'licenses.txt', '--quiet'],
      { cwd: join(repoRoot, 'actions', action), encoding: 'utf8' },
    );
    expect(ncc.status).toBe(0);
    const nccLicenses = readFileSync(join(out, 'licenses.txt'), 'utf8');
    expect(nccLicenses).not.toMatch(/^yaml$/m);
    expect(script.licenseProblems(nccLicenses, packages)).toContainEqual(expect.stringMatching(/^yaml@/));
  }, 180_000);
});
