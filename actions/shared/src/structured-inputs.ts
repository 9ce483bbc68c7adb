import { parse as parseYaml } from 'yaml';
import { InputError } from './errors.js';
import { readInputFile } from './files.js';
import { readRaw, type Env } from './inputs.js';
import { resolveInputPath } from './paths.js';

/**
 * Readers for inputs that hold JSON or YAML, inline or in a file. Kept apart from `inputs.ts`
 * because they bring the YAML parser: an action that never reads structured input does not load
 * it before its inputs are validated.
 */

/** Parse JSON or YAML text (JSON is YAML, so one parser serves both); the error names the input. */
export function parseStructured(name: string, text: string, origin: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new InputError(name, `is not valid JSON or YAML (${origin}): ${detail}`);
  }
}

/** Read and parse the JSON or YAML file an input names. */
export function readStructuredFile(name: string, env: Env = process.env): { path: string; value: unknown } | undefined {
  const given = readRaw(name, env);
  if (given === undefined) return undefined;
  const path = resolveInputPath(name, given, env);
  return { path, value: parseStructured(name, readInputFile(name, path), path) };
}

/**
 * An input that is either inline JSON/YAML or the path of a file holding it. A value that parses to
 * a plain string and names an existing file is read as that file.
 */
export function readStructuredInlineOrFile(
  name: string,
  env: Env = process.env,
): { origin: string; value: unknown } | undefined {
  const given = readRaw(name, env);
  if (given === undefined) return undefined;
  if (!given.includes('\n') && /\.(ya?ml|json)$/i.test(given)) {
    const file = readStructuredFile(name, env);
    return file && { origin: file.path, value: file.value };
  }
  return { origin: 'inline', value: parseStructured(name, given, 'inline') };
}
