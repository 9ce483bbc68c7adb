import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { InputError } from '../src/errors.js';
import { inputVariable } from '../src/inputs.js';
import { parseStructured, readStructuredFile, readStructuredInlineOrFile } from '../src/structured-inputs.js';

function setInputs(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([name, value]) => [inputVariable(name), value]));
}

describe('parseStructured', () => {
  test.each([
    ['{"a": [1, 2]}', { a: [1, 2] }],
    ['a:\n  - 1\n  - 2\n', { a: [1, 2] }],
    ['just text', 'just text'],
  ])('%j', (text, value) => expect(parseStructured('x', text, 'inline')).toEqual(value));
  test.each([
    ['{"a": ', /^Input 'x' is not valid JSON or YAML \(inline\): /],
    ['a: 1\na: 2\n', /^Input 'x' is not valid JSON or YAML \(inline\): .*unique/i],
  ])('%j is an input error', (text, message) => {
    expect(() => parseStructured('x', text, 'inline')).toThrow(InputError);
    expect(() => parseStructured('x', text, 'inline')).toThrow(message);
  });
});

describe('structured files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shared-inputs-'));
  writeFileSync(join(dir, 'ok.json'), '{"family": "web"}');
  writeFileSync(join(dir, 'ok.yml'), 'family: web\n');
  writeFileSync(join(dir, 'bad.json'), '{"family": ');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['ok.json', 'ok.yml'])('%s is parsed relative to the workspace', (file) => {
    const result = readStructuredFile('task-definition', {
      ...setInputs({ 'task-definition': file }),
      GITHUB_WORKSPACE: dir,
    });
    expect(result?.value).toEqual({ family: 'web' });
  });
  test('invalid content and a missing file are input errors', () => {
    const env = { GITHUB_WORKSPACE: dir };
    expect(() => readStructuredFile('td', { ...env, ...setInputs({ td: 'bad.json' }) })).toThrow(InputError);
    expect(() => readStructuredFile('td', { ...env, ...setInputs({ td: 'missing.json' }) })).toThrow(
      /names a file that cannot be read: .*missing\.json \(ENOENT\)/,
    );
  });
  test('inline YAML or a file path', () => {
    expect(readStructuredInlineOrFile('checks', setInputs({ checks: '- path: /health' }))?.value).toEqual([
      { path: '/health' },
    ]);
    expect(
      readStructuredInlineOrFile('checks', { GITHUB_WORKSPACE: dir, ...setInputs({ checks: 'ok.yml' }) })?.value,
    ).toEqual({ family: 'web' });
  });
});
