// Runs once before Jest starts its workers: finds botocore's service models for the AWS emulator
// (test/emulators/aws/model) and hands the folder to every worker in the environment, so no test
// file pays for asking python3 where botocore is (about 0.2 s each through pyenv's shim).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function findBotocoreModels() {
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
