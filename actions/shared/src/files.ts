import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from './errors.js';
import { readRaw, type Env } from './inputs.js';
import { resolveInputPath } from './paths.js';
import { findInvisible } from './text.js';

/**
 * Inputs that name a file: the path resolved inside GITHUB_WORKSPACE or RUNNER_TEMP (symbolic links
 * followed, see paths.ts), the file read whole, and every way that can go wrong an input error
 * that names the input. Pure and dependency-free, like the other readers.
 */

export interface FileOptions {
  /** Refuse a larger file, saying so (and this fix); no limit when undefined. */
  maxBytes?: number;
  /** What to do about a file past `maxBytes`. */
  tooLargeFix?: string;
}

/** The text of the file at `path` (already resolved), read once: a folder, a file too large or one that cannot be read is an input error. */
export function readInputFile(name: string, path: string, { maxBytes, tooLargeFix }: FileOptions = {}): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new InputError(name, 'names something that is not a file (a folder?)', 'Give the path of a file');
    }
    if (maxBytes !== undefined && stat.size > maxBytes) {
      throw new InputError(
        name,
        `names a file of ${stat.size} bytes; at most ${maxBytes} are read`,
        tooLargeFix ?? 'Give a smaller file',
      );
    }
    const buffer = Buffer.alloc(stat.size);
    const read = stat.size === 0 ? 0 : readSync(fd, buffer, 0, stat.size, 0);
    return buffer.subarray(0, read).toString('utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(
      name,
      `names a file that cannot be read: ${path} (${code})`,
      'Check the path; it is relative to the workspace',
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface TextOrFileOptions extends FileOptions {
  /** A one-line value matching this names a file (`report.md`); anything else is the text itself. */
  filePattern: RegExp;
}

/**
 * An input that is inline text, or one line naming a file whose text is read. A value with a line
 * break or a `{{placeholder}}` is always text. The file holds no invisible characters, as an
 * inline value must not either; a named file that cannot be read is an input error, not text.
 */
export function readTextOrFile(name: string, options: TextOrFileOptions, env: Env = process.env): string | undefined {
  const value = readRaw(name, env);
  if (value === undefined) return undefined;
  if (value.includes('\n') || value.includes('{{') || !options.filePattern.test(value)) return value;
  const text = readInputFile(name, resolveInputPath(name, value, env), options);
  const invisible = findInvisible(text);
  if (invisible) {
    throw new InputError(
      name,
      `names a file with ${invisible.description} at character ${invisible.position}`,
      'Remove it; such characters change how a text reads without being seen',
    );
  }
  return text;
}
