import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { InputError } from '../src/errors.js';
import { readInputFile, readTextOrFile } from '../src/files.js';
import { inputVariable } from '../src/inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'shared-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'report.md'), '### Smoke test passed\n');
writeFileSync(join(dir, 'big.md'), 'x'.repeat(101));
writeFileSync(join(dir, 'hidden.md'), 'fine\u202Etxt');
mkdirSync(join(dir, 'folder.md'));

const env = (value: string) => ({ GITHUB_WORKSPACE: dir, [inputVariable('report')]: value });
const options = { filePattern: /\.md$/, maxBytes: 100, tooLargeFix: 'Give a shorter report' };

describe('readInputFile', () => {
  test('reads the whole file', () => {
    expect(readInputFile('report', join(dir, 'report.md'))).toBe('### Smoke test passed\n');
  });
  test.each([
    ['a missing file', 'missing.md', {}, /^Input 'report' names a file that cannot be read: .*missing\.md \(ENOENT\)/],
    [
      'a folder',
      'folder.md',
      {},
      "Input 'report' names something that is not a file (a folder?). Give the path of a file",
    ],
    [
      'a file past the limit',
      'big.md',
      options,
      'names a file of 101 bytes; at most 100 are read. Give a shorter report',
    ],
  ])('%s is an input error', (_, file, given, message) => {
    const read = () => readInputFile('report', join(dir, file), given);
    expect(read).toThrow(InputError);
    expect(read).toThrow(message);
  });
});

describe('readTextOrFile', () => {
  test.each([
    ['a path the pattern matches is read', 'report.md', '### Smoke test passed\n'],
    ['anything else is the text', 'All good', 'All good'],
    ['a line break makes it text', 'see\nreport.md', 'see\nreport.md'],
    ['a placeholder makes it text', '{{status}}.md', '{{status}}.md'],
  ])('%s', (_, value, expected) => {
    expect(readTextOrFile('report', options, env(value))).toBe(expected);
  });
  test('not given is undefined', () => {
    expect(readTextOrFile('report', options, { GITHUB_WORKSPACE: dir })).toBeUndefined();
  });
  test('a file with an invisible character is refused, by position', () => {
    expect(() => readTextOrFile('report', options, env('hidden.md'))).toThrow(
      "Input 'report' names a file with U+202E RIGHT-TO-LEFT OVERRIDE at character 5",
    );
  });
  test('a file outside the workspace is refused before it is read', () => {
    expect(() => readTextOrFile('report', options, env('../../etc/passwd.md'))).toThrow(InputError);
  });
});
