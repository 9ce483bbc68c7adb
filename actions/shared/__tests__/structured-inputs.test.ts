import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { inputEnv } from '@shipyard/harness/inputs';
import { temporaryFolder } from '@shipyard/harness/temp';
import { InputError } from '../src/errors.js';
import { parseStructured, readStructuredFile, readStructuredInlineOrFile } from '../src/structured-inputs.js';

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
  const dir = temporaryFolder('shared-inputs-');
  writeFileSync(join(dir, 'ok.json'), '{"family": "web"}');
  writeFileSync(join(dir, 'ok.yml'), 'family: web\n');
  writeFileSync(join(dir, 'bad.json'), '{"family": ');

  test.each(['ok.json', 'ok.yml'])('%s is parsed relative to the workspace', (file) => {
    const result = readStructuredFile('task-definition', {
      ...inputEnv({ 'task-definition': file }),
      GITHUB_WORKSPACE: dir,
    });
    expect(result?.value).toEqual({ family: 'web' });
  });
  test('invalid content and a missing file are input errors', () => {
    const env = { GITHUB_WORKSPACE: dir };
    expect(() => readStructuredFile('td', { ...env, ...inputEnv({ td: 'bad.json' }) })).toThrow(InputError);
    expect(() => readStructuredFile('td', { ...env, ...inputEnv({ td: 'missing.json' }) })).toThrow(
      /names a file that cannot be read: .*missing\.json \(ENOENT\)/,
    );
  });
  test('inline YAML or a file path', () => {
    expect(readStructuredInlineOrFile('checks', inputEnv({ checks: '- path: /health' }))?.value).toEqual([
      { path: '/health' },
    ]);
    expect(
      readStructuredInlineOrFile('checks', { GITHUB_WORKSPACE: dir, ...inputEnv({ checks: 'ok.yml' }) })?.value,
    ).toEqual({ family: 'web' });
  });
});
