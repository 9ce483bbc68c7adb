import { afterAll, afterEach } from '@jest/globals';
import { closeListeners } from './listen.js';
import { removeTemporaryFolders } from './temp.js';

// Runs in every test file: when the file is done, every loopback listener it left open is closed
// and every temporary folder it made (its own, and those of the actions it ran) is removed.
afterAll(async () => {
  await closeListeners();
  removeTemporaryFolders();
});

// Every test expects the AWS emulator to have answered within AWS's own service model: an answer
// the model forbids was a 500 recorded as a problem (test/emulators/aws/model), and fails the test
// that caused it. A test that provokes one on purpose takes it with `aws.takeProblems()`.
// The emulators register themselves on a global so this file need not load the emulator.
afterEach(() => {
  const open = (globalThis as Record<symbol, unknown>)[Symbol.for('shipyard.aws-emulator.problems')] as
    Set<{ takeProblems(): { service: string; operation: string; message: string }[]; closed: boolean }> | undefined;
  if (!open) return;
  const problems = [...open].flatMap((emulator) => emulator.takeProblems());
  for (const emulator of open) if (emulator.closed) open.delete(emulator);
  if (problems.length > 0) {
    throw new Error(
      `the AWS emulator answered against AWS's service model:\n${problems
        .map((problem) => `- ${problem.service}:${problem.operation}: ${problem.message}`)
        .join('\n')}`,
    );
  }
});
