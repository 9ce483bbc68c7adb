import { describe, expect, test } from '@jest/globals';
import { diffTaskDefinitions, unifiedDiff } from '../src/diff.js';
import { described, fileDefinition } from './helpers.js';

describe('diff', () => {
  test('shows only what ECS would see change, with context', () => {
    const after = {
      ...fileDefinition,
      containerDefinitions: [{ ...fileDefinition.containerDefinitions[0], image: 'app:2' }],
    };
    const diff = diffTaskDefinitions(described, after, { before: 'web:4', after: 'rendered' });
    expect(diff.split('\n').filter((line) => /^[-+] /.test(line) || /^[-+]\s/.test(line))).toEqual([
      '-      "image": "app:1",',
      '+      "image": "app:2",',
    ]);
    expect(diff.startsWith('--- web:4\n+++ rendered\n@@ ')).toBe(true);
  });

  test('is empty when nothing changed', () => {
    expect(diffTaskDefinitions(described, fileDefinition, { before: 'a', after: 'b' })).toBe('');
  });

  test.each([
    [
      ['a', 'b', 'c'],
      ['a', 'x', 'c'],
      ['--- old', '+++ new', '@@ -1,3 +1,3 @@', ' a', '-b', '+x', ' c'],
    ],
    [[], ['a'], ['--- old', '+++ new', '@@ -0,0 +1,1 @@', '+a']],
    [['a'], [], ['--- old', '+++ new', '@@ -1,1 +0,0 @@', '-a']],
  ])('unifiedDiff(%j, %j)', (a, b, expected) => {
    expect(unifiedDiff(a, b, { before: 'old', after: 'new' }).split('\n')).toEqual(expected);
  });

  test('separate changes far apart make separate hunks', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const b = a.map((line, i) => (i === 2 || i === 17 ? `${line} changed` : line));
    const hunks = unifiedDiff(a, b, { before: 'a', after: 'b' })
      .split('\n')
      .filter((line) => line.startsWith('@@'));
    expect(hunks).toEqual(['@@ -1,6 +1,6 @@', '@@ -15,6 +15,6 @@']);
  });
});
