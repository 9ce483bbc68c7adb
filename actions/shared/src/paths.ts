import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError } from './errors.js';
import { findInvisible } from './text.js';

export type PathEnv = Record<string, string | undefined>;

/**
 * The folders a file input may name something inside: the workspace (where checkout put the
 * repository) and the runner's temporary folder (where earlier steps write files for later ones).
 * Outside a runner the workspace is the current folder, as `core` assumes.
 */
export function allowedRoots(env: PathEnv = process.env): { name: string; path: string }[] {
  const roots = [{ name: 'GITHUB_WORKSPACE', path: env.GITHUB_WORKSPACE || process.cwd() }];
  if (env.RUNNER_TEMP) roots.push({ name: 'RUNNER_TEMP', path: env.RUNNER_TEMP });
  return roots.map((root) => ({ ...root, path: realExisting(resolve(root.path)) }));
}

/**
 * The real path of `path` with every symbolic link resolved; for a path that does not exist yet,
 * the real path of its nearest existing ancestor joined with the rest.
 */
function realExisting(path: string): string {
  const missing: string[] = [];
  let current = path;
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) break;
    missing.unshift(basename(current));
    current = parent;
  }
  let real: string;
  try {
    real = realpathSync.native(current);
  } catch {
    real = current;
  }
  return missing.length ? join(real, ...missing) : real;
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The absolute path of a file or folder an input names, relative paths taken from the workspace.
 * It must lie inside the workspace or the runner's temporary folder once every symbolic link is
 * followed: a path (or a link committed to the repository) that leads elsewhere would let a
 * workflow input read `/etc/shadow`, the runner's credentials or another job's files into a log,
 * an image or a comment. Anything else is an input error naming both allowed roots.
 */
export function resolveInputPath(name: string, given: string, env: PathEnv = process.env): string {
  const invisible = findInvisible(given, { singleLine: true });
  if (invisible) {
    throw new InputError(
      name,
      `has ${invisible.description} at character ${invisible.position} of the path`,
      'Give a plain path; control characters never belong in one',
    );
  }
  const roots = allowedRoots(env);
  const absolute = isAbsolute(given) ? resolve(given) : resolve(roots[0].path, given);
  const real = realExisting(absolute);
  if (roots.some((root) => isInside(real, root.path))) return absolute;
  const where = roots.map((root) => `${root.name} (${root.path})`).join(' or ');
  const link = real !== absolute ? ' once its symbolic links are followed' : '';
  throw new InputError(
    name,
    `names a path outside the folders a step may read from${link}`,
    `Give a path inside ${where}${roots.length === 1 ? ' or RUNNER_TEMP' : ''}; relative paths start at the workspace`,
  );
}
