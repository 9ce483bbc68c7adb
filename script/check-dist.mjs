// Rebuild every bundle and fail when the committed actions/*/dist differs from the fresh build:
// a bundle that does not match its source ships behaviour nobody reviewed. Then prove that every
// package webpack put in a bundle (in any of its chunks) is named with its licence in that
// bundle's licenses.txt: shipping a package's code without its licence breaks most licences.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleAction, bundledActions, licenseProblems } from './bundle.mjs';

const root = new URL('..', import.meta.url).pathname;
const run = (command, args) =>
  spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

const bundled = new Map();
for (const action of bundledActions()) {
  try {
    bundled.set(action, await bundleAction(action));
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

const status = run('git', ['status', '--porcelain', '--untracked-files=all', '--', 'actions/*/dist']);
if (status.stdout.trim() !== '') {
  console.error('check-dist: the bundles differ from a fresh build of the source:');
  console.error(status.stdout);
  console.error(run('git', ['diff', '--stat', '--', 'actions/*/dist']).stdout);
  console.error('Run `npm run bundle` and commit actions/*/dist with the source change.');
  process.exit(1);
}

let unlicensed = 0;
for (const [action, packages] of bundled) {
  const licenses = readFileSync(join(root, 'actions', action, 'dist', 'licenses.txt'), 'utf8');
  for (const problem of licenseProblems(licenses, packages)) {
    console.error(`check-dist: actions/${action}/dist/licenses.txt: ${problem}`);
    unlicensed += 1;
  }
}
if (unlicensed > 0) process.exit(1);
console.log('check-dist: every bundle matches its source and names the licence of every package it bundles');
