// Bundle every action (a folder under actions/ with an action.yml and src/index.ts) into
// actions/<name>/dist/index.js with ncc: minified, with the licences of what it bundles.
// `node script/bundle.mjs deploy-ecs` bundles one.
//
// ncc minifies only the entry file; the chunks it splits off for dynamic `import()` (the AWS SDK
// and Octokit, loaded after inputs validate) stay unminified, so they are minified here with terser.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from 'terser';

const root = new URL('..', import.meta.url).pathname;
const ncc = join(root, 'node_modules', '.bin', 'ncc');

export function bundledActions() {
  return readdirSync(join(root, 'actions')).filter(
    (name) =>
      existsSync(join(root, 'actions', name, 'action.yml')) &&
      existsSync(join(root, 'actions', name, 'src', 'index.ts')),
  );
}

const wanted = process.argv.slice(2);
const actions = wanted.length > 0 ? wanted : bundledActions();
for (const action of actions) {
  const dir = join(root, 'actions', action);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  const started = Date.now();
  const result = spawnSync(
    ncc,
    ['build', 'src/index.ts', '-o', 'dist', '--minify', '--license', 'licenses.txt', '--quiet'],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    console.error(`bundle: ncc failed for ${action}`);
    process.exit(result.status ?? 1);
  }
  await minifyChunks(join(dir, 'dist'));
  console.log(`bundle: ${action} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function minifyChunks(dist) {
  for (const file of readdirSync(dist).filter((name) => /^\d+\.index\.js$/.test(name))) {
    const path = join(dist, file);
    const result = await minify(readFileSync(path, 'utf8'), { module: true, compress: true, mangle: true });
    writeFileSync(path, result.code);
  }
}
