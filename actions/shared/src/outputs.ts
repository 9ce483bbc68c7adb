import * as core from '@actions/core';
import { OUTPUT_BYTES } from './limits.js';
import { capBytes } from './text.js';

export type OutputValue = string | number | boolean | undefined;

/**
 * Set every output of a step in one place. Undefined becomes the empty string (an output that is
 * always set reads the same in every `if:`), and a value past the runner's per-output limit is cut
 * with a note rather than failing the step after its work is done.
 */
export function setOutputs(outputs: Readonly<Record<string, OutputValue>>): void {
  for (const [name, value] of Object.entries(outputs)) {
    core.setOutput(name, capBytes(value === undefined ? '' : String(value), OUTPUT_BYTES, `output '${name}'`));
  }
}
