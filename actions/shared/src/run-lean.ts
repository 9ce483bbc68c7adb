import { EOL } from 'node:os';
import { errorMessage } from './errors.js';

/**
 * `run()` for an action that validates its inputs before loading `@actions/core`. Loading core
 * means loading undici, which costs several times bare Node's start-up; an action whose `main`
 * imports core (and its SDK) only after validating can report a bad input without paying for it.
 * The failure is written exactly as `core.setFailed` writes it (one `::error::` line, exit code 1,
 * the stack as `::debug::` only when step debug logging is on), so the two runs are
 * interchangeable.
 */
export async function runLean(main: () => Promise<void>): Promise<void> {
  try {
    await main();
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
