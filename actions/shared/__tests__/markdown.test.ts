import { describe, expect, test } from '@jest/globals';
import { blocks, cell, codeBlock, details, keyValueTable, link, table } from '../src/markdown.js';

describe('markdown', () => {
  test('table cells escape pipes and line breaks', () => {
    expect(cell('a|b\nc')).toBe('a\\|b<br>c');
    expect(table(['A', 'B'], [[1, 'x|y']])).toBe('| A | B |\n| --- | --- |\n| 1 | x\\|y |');
  });
  test('keyValueTable leaves out undefined values', () => {
    expect(
      keyValueTable(
        [
          ['a', 1],
          ['b', undefined],
        ],
        ['Name', 'Value'],
      ),
    ).toBe('| Name | Value |\n| --- | --- |\n| a | 1 |');
  });
  test('details escapes its summary', () => {
    expect(details('<x>', 'body')).toBe('<details><summary>&lt;x&gt;</summary>\n\nbody\n\n</details>');
  });
  test('codeBlock fences past backticks inside', () => {
    expect(codeBlock('a ``` b', 'diff')).toBe('````diff\na ``` b\n````');
  });
  test('link escapes brackets and spaces', () => {
    expect(link('[x]', 'https://e.com/a b')).toBe('[\\[x\\]](https://e.com/a%20b)');
  });
  test('blocks drops empty parts', () => {
    expect(blocks('a', undefined, '', false, 'b')).toBe('a\n\nb');
  });
});
