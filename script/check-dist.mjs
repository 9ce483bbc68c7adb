// Build every bundle afresh (into a temporary folder) and fail when actions/*/dist differs from it:
// a bundle that does not match its source ships behaviour nobody reviewed. On a clean checkout (CI)
// actions/*/dist is the committed bundle; locally it is whatever `npm run bundle` last wrote, so
// `npm run all` (bundle, then check) passes before the bundles are committed. Then prove that
// every package webpack put in a bundle (in any of its chunks) is named with its licence in that
// bundle's licenses.txt: shipping a package's code without its licence breaks most licences.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAction, bundledActions, licenseProblems } from './bundle.mjs';

const root = new URL('..', import.meta.url).pathname;
const fresh = mkdtempSync(join(tmpdir(), 'shipyard-check-dist-'));

/** The files of `dist` that differ from (or are missing in, or extra to) the fresh build `built`. */
function differences(dist, built) {
  const names = new Set([...(existsSync(dist) ? readdirSync(dist) : []), ...readdirSync(built)]);
  const found = [];
  for (const name of [...names].sort()) {
    const committed = join(dist, name);
    const rebuilt = join(built, name);
    if (!existsSync(rebuilt)) found.push(`${name}: not in a fresh build (remove it)`);
    else if (!existsSync(committed)) found.push(`${name}: missing`);
    else if (!readFileSync(committed).equals(readFileSync(rebuilt))) found.push(`${name}: differs`);
  }
  return found;
}

let failed = false;
try {
  // `node script/check-dist.mjs smoke-test` checks one.
  const wanted = process.argv.slice(2);
  for (const action of wanted.length > 0 ? wanted : bundledActions()) {
    const built = join(fresh, action);
    let packages;
    try {
      packages = await bundleAction(action, { outDir: built });
    } catch (error) {
      console.error(error.message);
      process.exit(1);
    }
    const dist = join(root, 'actions', action, 'dist');
    const found = differences(dist, built);
    if (found.length > 0) {
      failed = true;
      console.error(`check-dist: actions/${action}/dist differs from a fresh build of the source:`);
      for (const line of found) console.error(`  ${line}`);
      continue;
    }
    for (const problem of licenseProblems(readFileSync(join(dist, 'licenses.txt'), 'utf8'), packages)) {
      console.error(`check-dist: actions/${action}/dist/licenses.txt: ${problem}`);
      failed = true;
    }
  }
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
if (failed) {
  console.error('Run `npm run bundle` and commit actions/*/dist with the source change.');
  process.exit(1);
}
console.log('check-dist: every bundle matches its source and names the licence of every package it bundles');
