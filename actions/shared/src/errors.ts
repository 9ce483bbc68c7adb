/**
 * An input the user gave is wrong. The message names the input, what is wrong and how to fix it,
 * so the one `::error::` line the run wrapper prints is enough to act on.
 */
export class InputError extends Error {
  readonly input: string;

  constructor(input: string, problem: string, fix?: string) {
    super(`Input '${input}' ${problem}${fix ? `. ${fix}` : ''}`);
    this.name = 'InputError';
    this.input = input;
  }
}

/** A failure the action explains itself (a rollout that failed, a check that did not pass). */
export class ActionFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionFailure';
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
