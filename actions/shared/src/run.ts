import { EOL } from 'node:os';
import { errorMessage } from './errors.js';

/** What an action's `main.ts` exports: the orchestration, given inputs that already validated. */
export interface Orchestration<Inputs> {
  main(inputs: Inputs): Promise<void>;
}

/**
 * The entry every action's `index.ts` calls: read and validate the inputs, then load the
 * orchestration and run it. `load` is a dynamic `import('./main.js')`, so `@actions/core` (undici),
 * the SDKs and everything else `main` needs are read only once the inputs are valid: a bad input
 * fails in little more than bare Node's start-up, and before any call that could change anything.
 *
 * Any error becomes one `::error::` line and exit code 1, written exactly as `core.setFailed` writes
 * it, but without loading core; the stack follows as `::debug::` only when step debug logging is on
 * (`RUNNER_DEBUG=1`), because a stack is noise to a user whose input was wrong.
 */
export async function run<Inputs>(readInputs: () => Inputs, load: () => Promise<Orchestration<Inputs>>): Promise<void> {
  try {
    const inputs = readInputs();
    const { main } = await load();
    await main(inputs);
  } catch (error) {
    process.exitCode = 1;
    writeCommand('error', errorMessage(error));
    if (process.env.RUNNER_DEBUG === '1' && error instanceof Error && error.stack) writeCommand('debug', error.stack);
  }
}

/** The runner's command encoding for a message: `%`, CR and LF escaped. */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function writeCommand(command: 'error' | 'debug', message: string): void {
  process.stdout.write(`::${command}::${escapeCommandData(message)}${EOL}`);
}
