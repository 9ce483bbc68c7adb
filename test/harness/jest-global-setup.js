// Runs once before Jest starts its workers (every config: npm test, test:realtime, test:docker,
// test:e2e).
// 1. The bundle trap: tests run actions/<name>/dist/index.js, which `npm test` does not rebuild. A
//    bundle whose sources changed since it was built (script/bundle-inputs.mjs compares the record
//    script/bundle.mjs wrote beside it) stops the run here, naming the action and the command that
//    rebuilds it, instead of letting the tests pass or fail on code nobody is looking at. It fails
//    rather than rebuilds: a test run that rewrites committed files (and spends tens of seconds an
//    action on it) surprises; `npm run all` bundles before it tests. SHIPYARD_STALE_BUNDLES=warn
//    turns the stop into a warning, for a unit-test loop while the source is half-way.
// 2. Finds botocore's service models for the AWS emulator (test/emulators/aws/model) and hands the
//    folder to every worker in the environment, so no test file pays for asking python3 where
//    botocore is (about 0.2 s each through pyenv's shim).
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleBundles, staleMessage } from '../../script/bundle-inputs.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Throws (or, with SHIPYARD_STALE_BUNDLES=warn, warns) when a bundle of `root` is stale. */
export function checkBundles(root = repoRoot, env = process.env) {
  const stale = staleBundles(root);
  if (stale.length === 0) return;
  const message = staleMessage(stale);
  if (env.SHIPYARD_STALE_BUNDLES === 'warn') console.warn(`\nWARNING (SHIPYARD_STALE_BUNDLES=warn): ${message}\n`);
  else throw new Error(message);
}

function findBotocoreModels() {
  if (process.env.SHIPYARD_BOTOCORE_DATA) return;
  try {
    const [dir, version] = execFileSync(
      'python3',
      ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__)); print(botocore.__version__)'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 },
    )
      .trim()
      .split('\n');
    if (dir && version) {
      process.env.SHIPYARD_BOTOCORE_DATA = join(dir, 'data');
      process.env.SHIPYARD_BOTOCORE_VERSION = version;
    }
  } catch {
    // The emulator looks for Debian's packages itself, and says what to install when none is there.
  }
}

export default function globalSetup() {
  checkBundles();
  findBotocoreModels();
}
