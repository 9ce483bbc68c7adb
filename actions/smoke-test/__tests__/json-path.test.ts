import { describe, expect, test } from '@jest/globals';
import { describeJsonValue, MISSING, parseJsonPath, readJsonPath } from '../src/json-path.js';

describe('parseJsonPath', () => {
  test.each([
    ['commit', ['commit']],
    ['build.commit', ['build', 'commit']],
    ['items.0.id', ['items', '0', 'id']],
    ['items[0].id', ['items', '0', 'id']],
    ['matrix[1][2]', ['matrix', '1', '2']],
    [' spaced ', ['spaced']],
  ])('%j -> %j', (text, segments) => {
    expect(parseJsonPath(text)).toEqual({ path: segments });
  });

  test.each([
    ['', /empty/],
    ['a..b', /empty segment/],
    ['.a', /empty segment/],
    ['a.', /empty segment/],
    ['items[x]', /bracket/],
  ])('%j is rejected', (text, problem) => {
    const parsed = parseJsonPath(text);
    expect('error' in parsed && parsed.error).toMatch(problem);
  });
});

describe('readJsonPath', () => {
  const document = { commit: 'abc', build: { sha: 'def', number: 7 }, items: [{ id: 1 }, { id: 2 }], nothing: null };

  test.each([
    [['commit'], 'abc'],
    [['build', 'sha'], 'def'],
    [['build', 'number'], 7],
    [['items', '1', 'id'], 2],
    [['items', '0'], { id: 1 }],
    [['nothing'], null],
    [['build'], { sha: 'def', number: 7 }],
  ])('%j reads %j', (path, value) => {
    expect(readJsonPath(document, path)).toEqual(value);
  });

  test.each([[['missing']], [['items', '5']], [['items', 'id']], [['commit', 'length']], [['nothing', 'x']]])(
    '%j is missing',
    (path) => {
      expect(readJsonPath(document, path)).toBe(MISSING);
    },
  );

  test('does not read inherited properties', () => {
    expect(readJsonPath({}, ['constructor'])).toBe(MISSING);
  });

  test.each([
    [MISSING, '(missing)'],
    ['x', '"x"'],
    [null, 'null'],
    [{ a: 1 }, '{"a":1}'],
  ])('describes %p as %s', (value, text) => {
    expect(describeJsonValue(value)).toBe(text);
  });
});
