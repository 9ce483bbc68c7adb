import { describe, expect, test } from '@jest/globals';
import { capBytes, findInvisible, shown } from '../src/text.js';

describe('findInvisible', () => {
  test.each([
    ['nul', 'a\u0000b', 'U+0000 NUL', 2],
    ['escape', '\u001b[31mred', 'U+001B ESCAPE', 1],
    ['lone carriage return', 'tag\rmore', 'U+000D CARRIAGE RETURN', 4],
    ['delete', 'x\u007f', 'U+007F DELETE', 2],
    ['C1 control', 'x\u0085', 'U+0085 CONTROL CHARACTER', 2],
    ['right-to-left override', 'abc\u202Etxt.exe', 'U+202E RIGHT-TO-LEFT OVERRIDE', 4],
    ['isolate', '\u2066x', 'U+2066 LEFT-TO-RIGHT ISOLATE', 1],
    ['right-to-left mark', 'x\u200F', 'U+200F RIGHT-TO-LEFT MARK', 2],
    ['line separator', 'a\u2028b', 'U+2028 LINE SEPARATOR', 2],
    ['byte order mark', '\uFEFFvalue', 'U+FEFF BYTE ORDER MARK', 1],
    ['position counts characters, not UTF-16 units', '😀😀\u0000', 'U+0000 NUL', 3],
  ])('%s is found', (_, value, description, position) => {
    expect(findInvisible(value)).toEqual({ description, position });
  });

  test.each([['plain'], ['tabs\tand\nlines'], ['windows\r\nlines'], ['ünïcödé 中文 😀']])(
    '%j is clean in multi-line text',
    (value) => expect(findInvisible(value)).toBeUndefined(),
  );

  test('a line break is found only when the value must be one line', () => {
    expect(findInvisible('a\nb')).toBeUndefined();
    expect(findInvisible('a\nb', { singleLine: true })).toEqual({ description: 'U+000A LINE FEED', position: 2 });
    expect(findInvisible('a\r\nb', { singleLine: true })?.description).toBe('U+000D CARRIAGE RETURN');
  });
});

describe('shown', () => {
  test('short values are quoted as they are', () => expect(shown('abc')).toBe("'abc'"));
  test('long values are cut, saying how much', () => {
    expect(shown('x'.repeat(100), 10)).toBe(`'${'x'.repeat(10)}…' (90 more characters not shown)`);
  });
  test('control characters are escaped, never written raw', () => {
    expect(shown('a\nb\u001b\u202E')).toBe("'a\\nb\\u{1b}\\u{202e}'");
  });
});

describe('capBytes', () => {
  test('text that fits is unchanged', () => expect(capBytes('hello', 5)).toBe('hello'));
  test('text past the limit is cut to the limit with a note', () => {
    const capped = capBytes('y'.repeat(5000), 1000, 'report');
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(1000);
    expect(capped).toMatch(/report cut: \d+ of 5000 bytes not shown \(limit 1000 bytes\)$/);
  });
  test('a multi-byte character is never cut in half', () => {
    const capped = capBytes('€'.repeat(1000), 500);
    expect(capped).not.toContain('\uFFFD');
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(500);
  });
});
