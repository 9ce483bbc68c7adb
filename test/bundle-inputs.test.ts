import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, test } from '@jest/globals';
import { repoRoot } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';

/**
 * The bundle trap: tests run the committed dist/index.js, so a bundle older than its source must
 * stop the run (test/harness/jest-global-setup.js) instead of being tested as if it were the code.
 * These tests build a small tree with one action and its record (script/bundle-inputs.mjs), then
 * change what the bundle was built from, one way at a time.
 */

interface Stale {
  action: string;
  reasons: string[];
}
interface BundleInputsScript {
  BUNDLE_INPUTS: string;
  bundleInputs(root: string, action: string, moduleFiles: string[]): unknown;
  writeBundleInputs(dist: string, record: unknown): void;
  staleBundles(root: string): Stale[];
}
const script = (await import(pathToFileURL(join(repoRoot, 'script', 'bundle-inputs.mjs')).href)) as BundleInputsScript;
const globalSetup = (await import(pathToFileURL(join(repoRoot, 'test', 'harness', 'jest-global-setup.js')).href)) as {
  checkBundles(root: string, env: Record<string, string | undefined>): void;
};

let root: string;
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};

/** One action, `demo`, bundled from its index.ts, a shared module and one package, and recorded. */
beforeEach(() => {
  root = temporaryFolder('bundle-inputs-');
  write('tsconfig.base.json', '{}\n');
  write('actions/demo/action.yml', 'name: demo\nruns: { using: node24, main: dist/index.js }\n');
  write('actions/demo/src/index.ts', "import { x } from '@shipyard/shared/x';\n");
  write('actions/shared/src/x.ts', 'export const x = 1;\n');
  write('node_modules/left-pad/package.json', '{ "name": "left-pad", "version": "1.3.0" }\n');
  write('node_modules/left-pad/index.js', 'module.exports = () => 0;\n');
  write('actions/demo/dist/index.js', '/* the bundle */\n');
  const modules = ['actions/demo/src/index.ts', 'actions/shared/src/x.ts', 'node_modules/left-pad/index.js'];
  script.writeBundleInputs(
    join(root, 'actions/demo/dist'),
    script.bundleInputs(
      root,
      'demo',
      modules.map((path) => join(root, path)),
    ),
  );
});

describe('a bundle is stale when what it was built from changed', () => {
  test('fresh: nothing changed since the bundle was built', () => {
    expect(script.staleBundles(root)).toEqual([]);
    expect(() => globalSetup.checkBundles(root, {})).not.toThrow();
  });

  test.each([
    [
      'the action source changed',
      () => write('actions/demo/src/index.ts', '// edited\n'),
      'actions/demo/src/index.ts changed',
    ],
    [
      'a shared module changed',
      () => write('actions/shared/src/x.ts', 'export const x = 2;\n'),
      'actions/shared/src/x.ts changed',
    ],
    ['a source is gone', () => rmSync(join(root, 'actions/shared/src/x.ts')), 'actions/shared/src/x.ts is gone'],
    [
      'a bundled package has another version',
      () => write('node_modules/left-pad/package.json', '{ "name": "left-pad", "version": "1.4.0" }\n'),
      'left-pad is 1.4.0, the bundle has 1.3.0',
    ],
    [
      'the TypeScript settings changed',
      () => write('tsconfig.base.json', '{ "x": 1 }\n'),
      'tsconfig.base.json changed',
    ],
    [
      'no record beside the bundle',
      () => rmSync(join(root, 'actions/demo/dist', script.BUNDLE_INPUTS)),
      'dist/bundle-inputs.json is missing',
    ],
    ['no bundle at all', () => rmSync(join(root, 'actions/demo/dist/index.js')), 'dist/index.js is missing'],
  ])('%s', (_, change, reason) => {
    change();
    expect(script.staleBundles(root)).toEqual([{ action: 'demo', reasons: [expect.stringContaining(reason)] }]);
  });

  test('an unrelated file does not make it stale', () => {
    write('actions/shared/src/unused.ts', 'export const y = 1;\n');
    write('README.md', '# changed\n');
    expect(script.staleBundles(root)).toEqual([]);
  });
});

describe("jest's global setup stops a run that would test a stale bundle", () => {
  test('it names the action, what changed, and the command that rebuilds it', () => {
    write('actions/demo/src/index.ts', '// edited\n');
    expect(() => globalSetup.checkBundles(root, {})).toThrow(
      /stale:\n- demo: actions\/demo\/src\/index\.ts changed\nRebuild them with `node script\/bundle\.mjs demo`/,
    );
  });

  test('SHIPYARD_STALE_BUNDLES=warn says so and lets the run go on', () => {
    write('actions/demo/src/index.ts', '// edited\n');
    const warned: string[] = [];
    const warn = console.warn;
    console.warn = (message: string) => warned.push(message);
    try {
      expect(() => globalSetup.checkBundles(root, { SHIPYARD_STALE_BUNDLES: 'warn' })).not.toThrow();
    } finally {
      console.warn = warn;
    }
    expect(warned.join('\n')).toMatch(/WARNING .*stale:\n- demo: actions\/demo\/src\/index\.ts changed/);
  });

  test('the record beside each committed bundle names the sources it was built from', () => {
    for (const action of ['build-push-ecr', 'deploy-ecs', 'pr-comment', 'smoke-test']) {
      const record = JSON.parse(
        readFileSync(join(repoRoot, 'actions', action, 'dist', script.BUNDLE_INPUTS), 'utf8'),
      ) as { sources: Record<string, string>; packages: Record<string, string> };
      expect(Object.keys(record.sources)).toEqual(
        expect.arrayContaining([
          `actions/${action}/src/index.ts`,
          `actions/${action}/src/main.ts`,
          'script/bundle.mjs',
        ]),
      );
      expect(record.packages).toHaveProperty(['node_modules/@actions/core']);
    }
  });
});
