import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readActionManifest, repoRoot } from './run-action.js';

/**
 * The rows of the inputs and outputs tables in an action's README, for the test that keeps them in
 * step with action.yml. A row's first cell is the name in backticks.
 */
export function readmeTableNames(action: string, heading: 'Inputs' | 'Outputs'): string[] {
  const readme = readFileSync(join(repoRoot, 'actions', action, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith(heading));
  if (!section) return [];
  return Array.from(section.matchAll(/^\|\s*`([^`]+)`\s*\|/gm), (match) => match[1]);
}

export function manifestNames(action: string, kind: 'inputs' | 'outputs'): string[] {
  return Object.keys(readActionManifest(action)[kind] ?? {});
}
