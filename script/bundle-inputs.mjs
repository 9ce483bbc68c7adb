// What a bundle was built from, so that a test run can tell a stale bundle from a fresh one.
//
// Tests run actions/<name>/dist/index.js, the file the runner runs; `npm test` does not rebuild it.
// `script/bundle.mjs` writes dist/bundle-inputs.json beside the bundle: a hash of every source file
// webpack put in it (the action's src/, actions/shared/src/), of the files that decide how it is
// built (tsconfig, package.json, this script and bundle.mjs), and the version of every package it
// bundles and of the bundler. Jest's global setup (test/harness/jest-global-setup.js) compares that
// record with the working tree before any test starts, which costs a few milliseconds; a full
// rebuild would cost tens of seconds an action.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

export const BUNDLE_INPUTS = 'bundle-inputs.json';

/** The actions of a tree: folders under actions/ with an action.yml and src/index.ts. */
export function actionsIn(root) {
  if (!existsSync(join(root, 'actions'))) return [];
  return readdirSync(join(root, 'actions'))
    .filter(
      (name) =>
        existsSync(join(root, 'actions', name, 'action.yml')) &&
        existsSync(join(root, 'actions', name, 'src', 'index.ts')),
    )
    .sort();
}

const hashOf = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const slash = (path) => path.split(sep).join('/');

function packageRoot(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name) return dir;
  }
  return undefined;
}

/** Files outside the bundled modules that change what ncc writes. */
function buildFiles(root, action) {
  return [
    join(root, 'tsconfig.base.json'),
    join(root, 'actions', action, 'tsconfig.json'),
    join(root, 'actions', action, 'package.json'),
    join(root, 'script', 'bundle.mjs'),
    join(root, 'script', 'bundle-inputs.mjs'),
  ].filter((path) => existsSync(path));
}

/**
 * The record for a bundle built from `moduleFiles` (absolute paths of every module webpack put in
 * any chunk). Files below a node_modules folder count by their package's version; the others
 * (symlinks resolved, so a workspace package counts by its source) by their content.
 */
export function bundleInputs(root, action, moduleFiles) {
  const sources = {};
  const packages = {};
  const note = (path) => {
    const real = realpathSync(path);
    if (!slash(relative(root, real)).includes('node_modules/')) {
      sources[slash(relative(root, real))] = hashOf(real);
      return;
    }
    const dir = packageRoot(real);
    if (dir) packages[slash(relative(root, dir))] = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  };
  for (const file of moduleFiles) note(file);
  for (const file of buildFiles(root, action)) note(file);
  for (const tool of ['@vercel/ncc', 'terser']) {
    const manifest = join(root, 'node_modules', tool, 'package.json');
    if (existsSync(manifest)) packages[`node_modules/${tool}`] = JSON.parse(readFileSync(manifest, 'utf8')).version;
  }
  const sorted = (record) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { sources: sorted(sources), packages: sorted(packages) };
}

export function writeBundleInputs(dist, record) {
  writeFileSync(join(dist, BUNDLE_INPUTS), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Why the committed bundle of `action` may not be what its source builds to today: one line a
 * reason (a source changed or is gone, a package has another version, no record at all); empty
 * when every input is as it was when the bundle was built.
 */
export function staleReasons(root, action) {
  const dist = join(root, 'actions', action, 'dist');
  if (!existsSync(join(dist, 'index.js'))) return ['dist/index.js is missing'];
  const recordFile = join(dist, BUNDLE_INPUTS);
  if (!existsSync(recordFile))
    return [`dist/${BUNDLE_INPUTS} is missing (built before the bundles recorded their inputs)`];
  const record = JSON.parse(readFileSync(recordFile, 'utf8'));
  const reasons = [];
  for (const [path, hash] of Object.entries(record.sources ?? {})) {
    const file = join(root, path);
    if (!existsSync(file)) reasons.push(`${path} is gone`);
    else if (hashOf(file) !== hash) reasons.push(`${path} changed`);
  }
  for (const [path, version] of Object.entries(record.packages ?? {})) {
    const manifest = join(root, path, 'package.json');
    const now = existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
    if (now !== version)
      reasons.push(`${path.replace(/^.*node_modules\//, '')} is ${now ?? 'not installed'}, the bundle has ${version}`);
  }
  return reasons;
}

/** Every action of the tree whose bundle is stale, with its reasons. */
export function staleBundles(root) {
  return actionsIn(root)
    .map((action) => ({ action, reasons: staleReasons(root, action) }))
    .filter(({ reasons }) => reasons.length > 0);
}

/** The message a test run stops with: which bundle, why, and the command that rebuilds it. */
export function staleMessage(stale) {
  const lines = ['The tests run the committed bundles (actions/<name>/dist/index.js), and these are stale:'];
  for (const { action, reasons } of stale) {
    const shown = reasons.slice(0, 5).concat(reasons.length > 5 ? [`and ${reasons.length - 5} more`] : []);
    lines.push(`- ${action}: ${shown.join('; ')}`);
  }
  const names = stale.map(({ action }) => action).join(' ');
  lines.push(
    `Rebuild them with \`node script/bundle.mjs ${names}\` (or \`npm run bundle\`), then run the tests again.`,
  );
  lines.push('To run unit tests against a stale bundle anyway, set SHIPYARD_STALE_BUNDLES=warn.');
  return lines.join('\n');
}
