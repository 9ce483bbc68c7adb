import { describe, expect, test } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { parseChecks } from '../src/checks.js';
import { evaluateResponse } from '../src/evaluate.js';
import { compilePattern } from '../src/pattern.js';

/**
 * User regular expressions run on RE2 (re2js): linear-time matching, so a catastrophic pattern
 * against a long text returns (with the right answer) instead of holding the event loop; syntax
 * RE2 cannot run is refused with an error that says why.
 */

const compiled = (source: string, flags = '') => {
  const pattern = compilePattern(source, flags);
  if ('error' in pattern) throw new Error(pattern.error);
  return pattern;
};

describe('compilePattern', () => {
  test.each([
    ['^application\\/json', '', 'application/json; charset=utf-8', true],
    ['^text\\/html', '', 'application/json', false],
    ['JSON', 'i', 'application/json', true],
    ['^b$', 'm', 'a\nb\nc', true],
    ['^b$', '', 'a\nb\nc', false],
    ['a.c', 's', 'a\nc', true],
    ['a.c', '', 'a\nc', false],
    ['^(open|shipped)$', '', 'shipped', true],
    ['^W\\/"[0-9a-f]+"$', '', 'W/"1a2b"', true],
    ['(?<major>\\d+)\\.\\d+', '', 'v12.3', true],
    ['\\bok\\b', '', 'all ok here', true],
    ['\\p{L}+', 'u', 'Ünïcode', true],
    ['^\\d{3}-\\d{4}$', 'gy', '555-1234', true],
  ])('/%s/%s on %j: %s', (source, flags, text, expected) => {
    const pattern = compiled(source, flags);
    expect(pattern.test(text)).toBe(expected);
    // A stateful flag would alternate the answer between samples.
    expect(pattern.test(text)).toBe(expected);
  });

  test.each([
    ['(a)\\1', '', /backreference \(\\1/],
    ['(?<x>a)\\k<x>', '', /named backreference/],
    ['(?=a)b', '', /lookahead or lookbehind/],
    ['a(?!b)', '', /lookahead or lookbehind/],
    ['(?<=a)b', '', /lookahead or lookbehind/],
    ['(?<!a)b', '', /lookahead or lookbehind/],
    ['a{1001}', '', /not a valid regular expression \(RE2 syntax\): invalid repeat count/],
    ['(', '', /not a valid regular expression \(RE2 syntax\): missing closing \)/],
    ['[a-z]', 'v', /'v' flag/],
    ['a'.repeat(1001), '', /regular expression of 1001 characters, more than the 1000 allowed/],
  ])('/%s/%s is refused', (source, flags, error) => {
    const pattern = compilePattern(source, flags);
    expect('error' in pattern && pattern.error).toMatch(error);
  });

  test('an escaped backslash before a digit is a literal, not a backreference', () => {
    expect(compiled('a\\\\1').test('a\\1')).toBe(true);
  });

  test('keeps the flags that matter and prints as written', () => {
    expect(String(compiled('^x', 'gimsy'))).toBe('/^x/ims');
  });
});

describe('catastrophic patterns finish, with the right answer', () => {
  const long = `${'a'.repeat(100_000)}!`;

  test.each([
    ['^(a+)+$', long, false],
    ['^(a|a)*$', long, false],
    ['^(a|aa)+$', long, false],
    ['(.*a){20}$', `${'a'.repeat(5000)}b`, false],
    ['^(a+)+!$', long, true],
  ])('/%s/ against %#', (source, text, expected) => {
    expect(compiled(source).test(text)).toBe(expected);
  });

  test('in a check: expect-json and expect-header with ^(a+)+$ against a long value fail as mismatches', () => {
    const [check] = parseChecks(
      parseYaml('- { path: /, expect-json: { name: "/^(a+)+$/" }, expect-header: { x-name: "/^(a+)+$/" } }'),
      'inline',
    );
    const mismatches = evaluateResponse(check, {
      status: 200,
      headers: new Headers({ 'x-name': long }),
      body: JSON.stringify({ name: long }),
    });
    expect(mismatches.map((m) => [m.kind, m.expected])).toEqual([
      ['json', 'JSON name = matching /^(a+)+$/'],
      ['header', 'header x-name matching /^(a+)+$/'],
    ]);
    // And what came back is quoted cut, not whole.
    expect(mismatches[1].actual).toMatch(/… \(99801 more characters not shown\)$/);
  });
});
