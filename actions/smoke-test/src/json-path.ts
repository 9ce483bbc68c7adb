/**
 * Dotted paths into JSON: `commit`, `build.commit`, `items.0.id` (an integer segment indexes an
 * array) and the bracket spelling `items[0].id`. Keys that themselves contain a dot cannot be
 * reached; no real version endpoint needs that, and a smaller grammar gives clearer errors.
 */

import { shown } from '@shipyard/shared/text';

export type JsonPath = readonly string[];

/** Split a path into segments, or say what is wrong with it. */
export function parseJsonPath(text: string): { path: JsonPath } | { error: string } {
  const normalised = text.trim().replace(/\[(\d+)\]/g, '.$1');
  if (normalised === '') return { error: 'is empty' };
  if (/[[\]]/.test(normalised)) return { error: `${shown(text)} has a bracket that is not an array index like [0]` };
  const segments = normalised.split('.');
  if (segments.some((segment) => segment === '')) {
    return { error: `${shown(text)} has an empty segment (two dots in a row, or a leading or trailing dot)` };
  }
  return { path: segments };
}

export const MISSING: unique symbol = Symbol('missing');

/** The value at `path`, or `MISSING` when a segment does not exist. */
export function readJsonPath(value: unknown, path: JsonPath): unknown {
  let current: unknown = value;
  for (const segment of path) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return MISSING;
      const index = Number(segment);
      if (index >= current.length) return MISSING;
      current = current[index];
    } else if (current !== null && typeof current === 'object') {
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return MISSING;
      current = (current as Record<string, unknown>)[segment];
    } else {
      return MISSING;
    }
  }
  return current;
}

/** How a value reads in a failure line: JSON for everything, `(missing)` for an absent path. */
/** How many characters of a JSON value a failure line or the report shows. */
const JSON_SHOWN = 200;

export function describeJsonValue(value: unknown): string {
  if (value === MISSING) return '(missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > JSON_SHOWN
    ? `${text.slice(0, JSON_SHOWN)}… (${text.length - JSON_SHOWN} more characters not shown)`
    : text;
}
