import { cut, matcherText, quoted, statusMatches, type Check, type JsonExpectation, type Matcher } from './checks.js';
import { describeJsonValue, MISSING, readJsonPath } from './json-path.js';

/**
 * Pure judgement of one response against a check's expectations. Every mismatch says what was
 * expected and what came back, so a failure line can be acted on without rerunning anything.
 */

export type MismatchKind = 'status' | 'body' | 'json' | 'header' | 'latency' | 'request';

export interface Mismatch {
  kind: MismatchKind;
  expected: string;
  actual: string;
  /** Which sample it was found in, when a check took more than one. */
  sample?: number;
}

export interface ObservedResponse {
  status: number;
  headers: Headers;
  body: string;
}

const BODY_EXCERPT_LIMIT = 500;

export function evaluateResponse(check: Check, response: ObservedResponse): Mismatch[] {
  if (!statusMatches(check.expectStatus, response.status)) {
    // With the wrong status the body is an error page: judging it against the rest is noise.
    // A redirect that was not followed says where it pointed: usually a login page or a missing slash.
    const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
    const actual = location === null ? `${response.status}` : `${response.status} (location: ${cut(location, 200)})`;
    return [{ kind: 'status', expected: `status ${check.expectStatus.text}`, actual }];
  }
  const mismatches: Mismatch[] = [];
  for (const text of check.expectBodyContains) {
    if (!response.body.includes(text)) {
      mismatches.push({ kind: 'body', expected: `body containing ${quoted(text)}`, actual: 'not found' });
    }
  }
  if (check.expectJson.length > 0) mismatches.push(...evaluateJson(check.expectJson, response.body));
  for (const { name, matcher } of check.expectHeader) {
    const actual = response.headers.get(name);
    const matches = matcher.kind === 'absent' ? actual === null : actual !== null && headerMatches(matcher, actual);
    if (!matches) {
      mismatches.push({
        kind: 'header',
        expected: `header ${name} ${matcherText(matcher)}`,
        actual: actual === null ? '(absent)' : quoted(actual, 200),
      });
    }
  }
  return mismatches;
}

function headerMatches(matcher: Exclude<Matcher, { kind: 'absent' }>, actual: string): boolean {
  return matcher.kind === 'exact' ? actual.trim() === matcher.value : matcher.pattern.test(actual);
}

function evaluateJson(expectations: readonly JsonExpectation[], body: string): Mismatch[] {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return [{ kind: 'json', expected: 'a JSON body', actual: 'not JSON' }];
  }
  const mismatches: Mismatch[] = [];
  for (const expectation of expectations) {
    const actual = readJsonPath(document, expectation.segments);
    if (!jsonMatches(expectation, actual)) {
      const expected = expectation.pattern
        ? `matching ${cut(String(expectation.pattern))}`
        : describeJsonValue(expectation.expected);
      mismatches.push({
        kind: 'json',
        expected: `JSON ${expectation.path} = ${expected}`,
        actual: describeJsonValue(actual),
      });
    }
  }
  return mismatches;
}

function jsonMatches(expectation: JsonExpectation, actual: unknown): boolean {
  if (actual === MISSING) return false;
  if (expectation.pattern) {
    return (typeof actual === 'string' || typeof actual === 'number') && expectation.pattern.test(String(actual));
  }
  return deepEqual(expectation.expected, actual);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) =>
      Object.prototype.hasOwnProperty.call(b, key) &&
      deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** A body on one line and at most 500 characters, for a failure line or a report cell. */
export function bodyExcerpt(body: string, limit = BODY_EXCERPT_LIMIT): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return oneLine.length > limit ? `${oneLine.slice(0, limit - 1)}…` : oneLine;
}
