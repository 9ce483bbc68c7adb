import { describe, expect, test } from '@jest/globals';
import { parseAnnotations, parseFileCommand, parseMasks } from './run-action.js';

describe('harness parsers', () => {
  test('file commands: name=value and heredocs', () => {
    const text = 'a=1\nmulti<<ghadelimiter_1\nline one\nline two\nghadelimiter_1\nb=x=y\n';
    expect(parseFileCommand(text)).toEqual({ a: '1', multi: 'line one\nline two', b: 'x=y' });
  });
  test('annotations keep their level, properties and unescaped message', () => {
    const stdout = 'plain\n::error::bad%0Aline 2\n::warning file=a.ts,line=3::careful\n::notice::fyi\n';
    expect(parseAnnotations(stdout)).toEqual([
      { level: 'error', properties: '', message: 'bad\nline 2' },
      { level: 'warning', properties: 'file=a.ts,line=3', message: 'careful' },
      { level: 'notice', properties: '', message: 'fyi' },
    ]);
  });
  test('masks', () => {
    expect(parseMasks('::add-mask::s3cr%25t\nother\n::add-mask::two')).toEqual(['s3cr%t', 'two']);
  });
});
