// Bundle every action (a folder under actions/ with an action.yml and src/index.ts) into
// actions/<name>/dist/index.js with ncc: minified, with the licences of what it bundles.
// `node script/bundle.mjs deploy-ecs` bundles one.
//
// ncc minifies only the entry file; the chunks it splits off for dynamic `import()` (the AWS SDK
// and Octokit, loaded after inputs validate) stay unminified, so they are minified here with terser.
//
// licenses.txt is written here, not by ncc's `--license`: ncc gives that option to its licence
// plugin in per-chunk mode with one fixed file name, so every chunk writes its own list to the same
// licenses.txt and the last chunk written wins. Our bundles are split (the entry chunk reads and
// validates inputs, with `yaml`; main and the SDKs are chunks loaded later), so the entry chunk's
// packages went missing: `yaml` in deploy-ecs and smoke-test. Here the list comes from webpack's
// stats for every module of every chunk, rendered in the same format ncc's plugin uses.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';
import { bundleInputs, writeBundleInputs } from './bundle-inputs.mjs';

const root = new URL('..', import.meta.url).pathname;
const ncc = join(root, 'node_modules', '.bin', 'ncc');

export function bundledActions() {
  return readdirSync(join(root, 'actions')).filter(
    (name) =>
      existsSync(join(root, 'actions', name, 'action.yml')) &&
      existsSync(join(root, 'actions', name, 'src', 'index.ts')),
  );
}

/**
 * Bundle one action into `outDir` (its dist/ unless given) and write its licenses.txt and
 * bundle-inputs.json (what it was built from: script/bundle-inputs.mjs). Resolves to
 * the packages the bundle holds ({ name, version, license, directory }), sorted by name.
 */
export async function bundleAction(action, { outDir } = {}) {
  const dir = join(root, 'actions', action);
  const dist = outDir ?? join(dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const statsDir = mkdtempSync(join(tmpdir(), 'shipyard-bundle-stats-'));
  try {
    const statsFile = join(statsDir, 'stats.json');
    const result = spawnSync(
      ncc,
      ['build', 'src/index.ts', '-o', dist, '--minify', '--stats-out', statsFile, '--quiet'],
      { cwd: dir, stdio: 'inherit' },
    );
    if (result.status !== 0) throw new Error(`bundle: ncc failed for ${action}`);
    await minifyChunks(dist);
    const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
    const packages = bundledPackages(stats, dir);
    writeFileSync(join(dist, 'licenses.txt'), renderLicenses(packages));
    writeBundleInputs(dist, bundleInputs(root, action, [...moduleFiles(stats.modules ?? [])]));
    return packages;
  } finally {
    rmSync(statsDir, { recursive: true, force: true });
  }
}

/**
 * The packages (outside the action's own folder) whose files webpack put in any chunk of the
 * bundle, found as ncc's licence plugin finds them: the nearest package.json with a name.
 */
export function bundledPackages(stats, buildRoot) {
  const packages = new Map();
  for (const file of moduleFiles(stats.modules ?? [])) {
    const directory = packageDirectory(file);
    if (directory === undefined || directory === resolve(buildRoot)) continue;
    if (packages.has(directory)) continue;
    const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
    packages.set(directory, {
      name: manifest.name,
      version: manifest.version,
      license: licenseId(manifest),
      directory,
    });
  }
  return [...packages.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function* moduleFiles(modules) {
  for (const module of modules) {
    if (module.modules) yield* moduleFiles(module.modules); // a concatenated module and its parts
    // The resource is the last part of the identifier, after the loaders (`a!b!file|hash`).
    const resource = (module.identifier ?? '').split('!').pop().split('|')[0];
    if (isAbsolute(resource) && existsSync(resource)) yield resource;
  }
}

const directoryCache = new Map();
function packageDirectory(file) {
  let directory = dirname(file);
  const seen = [];
  while (!directoryCache.has(directory)) {
    seen.push(directory);
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name) {
      directoryCache.set(directory, directory);
      break;
    }
    const parent = dirname(directory);
    if (parent === directory) {
      directoryCache.set(directory, undefined);
      break;
    }
    directory = parent;
  }
  const found = directoryCache.get(directory);
  for (const each of seen) directoryCache.set(each, found);
  return found;
}

function licenseId(manifest) {
  if (manifest.license) return typeof manifest.license === 'string' ? manifest.license : manifest.license.type;
  if (Array.isArray(manifest.licenses) && manifest.licenses.length > 0)
    return manifest.licenses.map((each) => each.type).join(' OR ');
  return undefined;
}

function licenseText({ directory, license }) {
  const seeFile = /^SEE LICEN[CS]E IN (.+)$/i.exec(license ?? '')?.[1];
  const file =
    seeFile ??
    readdirSync(directory)
      .sort()
      .find((name) => /^licen[cs]e/i.test(name) && !statSync(join(directory, name)).isDirectory());
  return file && existsSync(join(directory, file))
    ? readFileSync(join(directory, file), 'utf8').replace(/\r\n/g, '\n')
    : undefined;
}

/** The format of ncc's licence plugin: name, licence identifier, licence text; by name. */
export function renderLicenses(packages) {
  const entries = packages.map((each) =>
    [each.name, each.license, licenseText(each)].filter((part) => part !== undefined).join('\n'),
  );
  return `${entries.join('\n\n').trim()}\n`;
}

/**
 * What licenses.txt fails to say: a bundled package that has no licence identifier, or that the
 * file does not name, with its identifier on the next line. Empty when every package is there.
 */
export function licenseProblems(licensesText, packages) {
  const lines = licensesText.split('\n');
  const problems = [];
  for (const { name, version, license } of packages) {
    if (!license) {
      problems.push(`${name}@${version} declares no licence in its package.json`);
      continue;
    }
    const named = lines.some((line, index) => line === name && lines[index + 1] === license);
    if (!named) problems.push(`${name}@${version} (${license}) is bundled but not in licenses.txt`);
  }
  return problems;
}

async function minifyChunks(dist) {
  for (const file of readdirSync(dist).filter((name) => /^\d+\.index\.js$/.test(name))) {
    const path = join(dist, file);
    const result = await minify(readFileSync(path, 'utf8'), { module: true, compress: true, mangle: true });
    writeFileSync(path, result.code);
  }
}

// Run as a script (not imported by check-dist or a test): bundle the actions named, or all.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2);
  const actions = wanted.length > 0 ? wanted : bundledActions();
  for (const action of actions) {
    const started = Date.now();
    try {
      await bundleAction(action);
    } catch (error) {
      console.error(error.message);
      process.exit(1);
    }
    console.log(`bundle: ${action} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
