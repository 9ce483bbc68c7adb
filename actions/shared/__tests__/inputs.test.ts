import { describe, expect, test } from '@jest/globals';
import { inputEnv } from '@shipyard/harness/inputs';
import {
  exactlyOneOf,
  inputVariable,
  readBoolean,
  readEnum,
  readInteger,
  readKeyValues,
  readKeyValueLines,
  readList,
  readMaxAttempts,
  readNumber,
  readString,
  readUrl,
} from '../src/inputs.js';

describe('inputVariable', () => {
  test.each([
    ['cluster', 'INPUT_CLUSTER'],
    ['task-definition', 'INPUT_TASK-DEFINITION'],
    ['my input', 'INPUT_MY_INPUT'],
  ])('%s -> %s', (name, variable) => expect(inputVariable(name)).toBe(variable));
});

describe('readString', () => {
  test('trims and treats empty as not given', () => {
    expect(readString('a', {}, inputEnv({ a: '  x  ' }))).toBe('x');
    expect(readString('a', { fallback: 'd' }, inputEnv({ a: '   ' }))).toBe('d');
  });
  test('a missing required input names the input', () => {
    expect(() => readString('cluster', { required: true }, {})).toThrow("Input 'cluster' is required");
  });
});

describe('readBoolean', () => {
  test.each([
    ['true', true],
    ['True', true],
    ['FALSE', false],
    ['', true],
  ])('%j -> %s (fallback true)', (value, expected) => {
    expect(readBoolean('wait', true, inputEnv({ wait: value }))).toBe(expected);
  });
  test('anything else is an error', () => {
    expect(() => readBoolean('wait', true, inputEnv({ wait: 'yes' }))).toThrow(
      "Input 'wait' must be true or false, got 'yes'",
    );
  });
});

describe('readInteger', () => {
  test.each([
    ['30', 30],
    ['+5', 5],
    ['', 10],
  ])('%j -> %d', (value, expected) => {
    expect(readInteger('timeout', 10, { min: 1, max: 360 }, inputEnv({ timeout: value }))).toBe(expected);
  });
  test.each([
    ['abc', 'must be a whole number'],
    ['1.5', 'must be a whole number'],
    ['0', 'must be at least 1'],
    ['361', 'must be at most 360'],
  ])('%j is rejected: %s', (value, message) => {
    expect(() => readInteger('timeout', 10, { min: 1, max: 360 }, inputEnv({ timeout: value }))).toThrow(message);
  });
  test('without a fallback an absent input is undefined', () => {
    expect(readInteger('count', undefined, {}, {})).toBeUndefined();
  });
});

describe('readNumber', () => {
  test.each([
    ['0.5', 0.5],
    ['.25', 0.25],
    ['3', 3],
  ])('%j -> %d', (value, expected) => expect(readNumber('s', 1, {}, inputEnv({ s: value }))).toBe(expected));
  test('negative below the bound is rejected', () => {
    expect(() => readNumber('s', 1, { min: 0 }, inputEnv({ s: '-1' }))).toThrow('must be at least 0');
  });
});

describe('readEnum', () => {
  test('accepts a listed value and names the choices otherwise', () => {
    expect(readEnum('mode', ['upsert', 'create'] as const, 'upsert', inputEnv({ mode: 'create' }))).toBe('create');
    expect(() => readEnum('mode', ['upsert', 'create'] as const, 'upsert', inputEnv({ mode: 'x' }))).toThrow(
      "must be one of 'upsert', 'create', got 'x'",
    );
  });
});

describe('readList', () => {
  test.each([
    ['a\nb', ['a', 'b']],
    ['a, b\n\n c', ['a', 'b', 'c']],
    ['# comment\na', ['a']],
    ['', []],
    // A comment is `#` and a blank (or nothing), on a line of its own, commas and all.
    ['#\na\n  # indented comment', ['a']],
    ['# comment, not an item\nb', ['b']],
    ['\t#\tcomment\nb', ['b']],
    // `#` directly followed by text is a value: a pull request, a ref.
    ['#12, #15\n#16', ['#12', '#15', '#16']],
    ['a, #b', ['a', '#b']],
    ['a # not a comment', ['a # not a comment']],
  ])('%j', (value, expected) => expect(readList('tags', {}, inputEnv({ tags: value }))).toEqual(expected));
  test.each([
    ['a, b\n# c, d', ['a, b']],
    ['#1\n# off', ['#1']],
  ])('%j without commas', (value, expected) =>
    expect(readList('tags', { commas: false }, inputEnv({ tags: value }))).toEqual(expected),
  );
});

describe('readKeyValues', () => {
  test('keeps everything after the first = and lets a later key win', () => {
    const pairs = readKeyValues('env', {}, inputEnv({ env: 'A=1\nB=x=y\nA=2' }));
    expect(Object.fromEntries(pairs)).toEqual({ A: '2', B: 'x=y' });
  });
  test.each([
    ['A=1\n#B=2\n# C=3\n  #D=4', { A: '1' }],
    ['A=#1', { A: '#1' }],
    ['\n\n', {}],
  ])('%j: any line starting with # is a comment, as in a .env file', (value, expected) => {
    expect(Object.fromEntries(readKeyValues('env', {}, inputEnv({ env: value })))).toEqual(expected);
  });
  test.each(['novalue', '=value'])('%j is rejected', (line) => {
    expect(() => readKeyValues('env', {}, inputEnv({ env: line }))).toThrow(
      "Input 'env' has a line that is not KEY=value",
    );
  });
  test('a malformed line is located by its number, never echoed (it may be part of a multi-line secret)', () => {
    const pem = 'KEY=-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const read = () => readKeyValues('env', {}, inputEnv({ env: `# the key\n\nA=1\n${pem}` }));
    expect(read).toThrow("Input 'env' has a line that is not KEY=value (line 5;");
    expect(read).not.toThrow(/MIIEvQIBADANBgkqhkiG9w0BAQEFAASC/);
  });
  test('a value of only = is refused by its line number: the tail of a base64 value spanning lines', () => {
    const read = () =>
      readKeyValues('env', {}, inputEnv({ env: 'KEY=-----BEGIN-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM==' }));
    expect(read).toThrow("Input 'env' has a value of only '=' on line 2 (its text is not shown");
    expect(read).not.toThrow(/MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM/);
  });
  test.each([
    ['A=', undefined, new Map([['A', '']])],
    ['A=x', 'an ARN', new Map([['A', 'x']])],
  ])('%j with valueRequired %j reads', (text, valueRequired, expected) => {
    expect(readKeyValues('env', { valueRequired }, inputEnv({ env: text }))).toEqual(expected);
  });
  test('an empty value is refused by its line number when a value is required', () => {
    expect(() => readKeyValues('env', { valueRequired: 'Write B=<ARN>' }, inputEnv({ env: 'A=1\nB=' }))).toThrow(
      "Input 'env' has no value on line 2 (its text is not shown, as it may be part of a secret). Write B=<ARN>",
    );
  });
  test('a key pattern is enforced', () => {
    expect(() => readKeyValues('env', { keyPattern: /^[A-Z_][A-Z0-9_]*$/ }, inputEnv({ env: '1A=x' }))).toThrow(
      'has an invalid key on line 1 (its text is not shown',
    );
  });
  test('a bad key is located by its number, never echoed: a base64 line ending in == looks like KEY=value', () => {
    const pem = 'KEY=-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN+gkqhkiG9w0BAQEFAASCBKcw==\n-----END PRIVATE KEY-----';
    const read = () =>
      readKeyValues('env', { keyPattern: /^[A-Za-z_][A-Za-z0-9_]*$/ }, inputEnv({ env: `A=1\n${pem}` }));
    expect(read).toThrow(
      "Input 'env' has an invalid key on line 3 (its text is not shown, as it may be part of a secret)",
    );
    expect(read).not.toThrow(/gkqhkiG9w0BAQEFAASCBKcw/);
  });
});

describe('readUrl', () => {
  test('accepts http and https', () => {
    expect(readUrl('url', { required: true }, inputEnv({ url: 'https://example.com/x' })).href).toBe(
      'https://example.com/x',
    );
  });
  test.each([
    ['example.com', 'is not a valid URL'],
    ['ftp://example.com', "must be an http or https URL, got the scheme 'ftp:'"],
  ])('%j is rejected', (value, message) => {
    expect(() => readUrl('url', { required: true }, inputEnv({ url: value }))).toThrow(message);
  });
});

describe('readUrl with a secret', () => {
  test('the error does not echo the value and gives the example', () => {
    const read = () =>
      readUrl('hook', { secret: true, example: 'https://hooks.example.com/T/B/x' }, inputEnv({ hook: 'hooks/s3cr3t' }));
    expect(read).toThrow('is not a valid URL: (the value is not shown because it is a secret)');
    expect(read).toThrow('such as https://hooks.example.com/T/B/x');
    expect(read).not.toThrow(/s3cr3t/);
  });
});

describe('exactlyOneOf', () => {
  const names = ['task-definition', 'task-definition-family', 'task-definition-arn'] as const;
  test('returns the one given', () => {
    expect(exactlyOneOf(names, {}, inputEnv({ 'task-definition-arn': 'arn' }))).toBe('task-definition-arn');
  });
  test('two given is an error naming both', () => {
    expect(() => exactlyOneOf(names, {}, inputEnv({ 'task-definition': 'a', 'task-definition-arn': 'b' }))).toThrow(
      "Input 'task-definition' cannot be combined with 'task-definition-arn'",
    );
  });
  test('none given is an error when required', () => {
    expect(() => exactlyOneOf(names, {}, {})).toThrow('Give one of');
    expect(exactlyOneOf(names, { required: false }, {})).toBeUndefined();
  });
});

describe('characters that change how a value reads', () => {
  test.each([
    ['NUL', 'web\u0000'],
    ['escape sequence', '\u001b]8;;https://evil\u0007web'],
    ['lone carriage return', 'web\rprod'],
    ['right-to-left override', 'web\u202Etset'],
    ['pop directional isolate', 'web\u2069'],
    ['trailing byte-order mark, which trim() would drop', 'web\uFEFF'],
    ['leading line separator, which trim() would drop', '\u2028web'],
  ])('%s is refused by every reader, by position, without the value', (_, value) => {
    const env = inputEnv({ a: value });
    for (const read of [
      () => readString('a', {}, env),
      () => readString('a', { multiline: true }, env),
      () => readList('a', {}, env),
      () => readKeyValues('a', {}, inputEnv({ a: `KEY=${value}` })),
      () => readEnum('a', ['web'], 'web', env),
    ]) {
      expect(read).toThrow(/^Input 'a' has U\+[0-9A-F]{4} [A-Z -]+ at character \d+/);
      expect(read).not.toThrow(/web/);
    }
  });

  test('a single-line input refuses a line break; a multi-line one keeps it', () => {
    const env = inputEnv({ a: 'one\ntwo' });
    expect(() => readString('a', {}, env)).toThrow("Input 'a' has U+000A LINE FEED at character 4");
    expect(readString('a', { multiline: true }, env)).toBe('one\ntwo');
    expect(readList('a', {}, inputEnv({ a: 'one\r\ntwo' }))).toEqual(['one', 'two']);
  });

  test('a long wrong value is quoted cut, saying how much was left out', () => {
    expect(() => readBoolean('a', false, inputEnv({ a: 'y'.repeat(500) }))).toThrow(
      /got 'y{80}…' \(420 more characters not shown\)$/,
    );
  });
});

describe('readMaxAttempts', () => {
  test.each([
    [undefined, 3, 3],
    [undefined, 5, 5],
    ['1', 3, 1],
    ['20', 3, 20],
    [' 8 ', 5, 8],
  ])('%j with the action default %d reads %d', (value, fallback, expected) => {
    const env = value === undefined ? {} : inputEnv({ 'max-attempts': value });
    expect(readMaxAttempts('max-attempts', { fallback }, env)).toBe(expected);
  });
  test.each(['0', '21', '-1', '+3', '2.5', 'three', '9'.repeat(100)])('%j is refused, with the range', (value) => {
    const read = () => readMaxAttempts('max-attempts', { fallback: 3 }, inputEnv({ 'max-attempts': value }));
    expect(read).toThrow(/^Input 'max-attempts' must be a whole number from 1 to 20, got '/);
    expect(read).toThrow('so it must be at least 1');
  });
});

describe('readKeyValueLines', () => {
  test('pairs in input order, each with its line number, comments and blank lines counted', () => {
    const env = inputEnv({ pairs: 'A=1\n\n# a comment\nB=x=y\nA=2' });
    expect(readKeyValueLines('pairs', {}, env)).toEqual([
      { key: 'A', value: '1', line: 1 },
      { key: 'B', value: 'x=y', line: 4 },
      { key: 'A', value: '2', line: 5 },
    ]);
  });
  test('a key outside the pattern is refused with its line and the description, never its value', () => {
    const read = () =>
      readKeyValueLines(
        'pairs',
        { keyPattern: /^[A-Z]+$/, keyDescription: 'Keys are capitals' },
        inputEnv({ pairs: 'OK=1\nbad=hunter2value' }),
      );
    expect(read).toThrow(/line 2/);
    expect(read).toThrow('Keys are capitals');
    expect(read).not.toThrow(/hunter2value|bad/);
  });
});
