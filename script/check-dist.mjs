// Rebuild every bundle and fail when the committed actions/*/dist differs from the fresh build:
// a bundle that does not match its source ships behaviour nobody reviewed.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const run = (command, args) =>
  spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

const bundle = spawnSync(process.execPath, ['script/bundle.mjs'], { cwd: root, stdio: 'inherit' });
if (bundle.status !== 0) process.exit(bundle.status ?? 1);

const status = run('git', ['status', '--porcelain', '--untracked-files=all', '--', 'actions/*/dist']);
if (status.stdout.trim() !== '') {
  console.error('check-dist: the bundles differ from a fresh build of the source:');
  console.error(status.stdout);
  console.error(run('git', ['diff', '--stat', '--', 'actions/*/dist']).stdout);
  console.error('Run `npm run bundle` and commit actions/*/dist with the source change.');
  process.exit(1);
}
console.log('check-dist: every bundle matches its source');
