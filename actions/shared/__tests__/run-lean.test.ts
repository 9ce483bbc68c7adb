import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { escapeCommandData, runLean } from '../src/run-lean.js';
import { InputError } from '../src/errors.js';

describe('runLean', () => {
  let written: string[];
  const savedExitCode = process.exitCode;
  const savedDebug = process.env.RUNNER_DEBUG;
  beforeEach(() => {
    written = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    delete process.env.RUNNER_DEBUG;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = savedExitCode;
    if (savedDebug === undefined) delete process.env.RUNNER_DEBUG;
    else process.env.RUNNER_DEBUG = savedDebug;
  });

  test('an error becomes one ::error:: line and exit code 1, as core.setFailed writes it', async () => {
    await runLean(async () => {
      throw new InputError('image', "is not valid: '50%\nbad'");
    });
    expect(process.exitCode).toBe(1);
    expect(written).toEqual([`::error::Input 'image' is not valid: '50%25%0Abad'\n`]);
  });

  test('the stack is printed as debug only with step debug logging', async () => {
    process.env.RUNNER_DEBUG = '1';
    await runLean(async () => {
      throw new Error('boom');
    });
    expect(written).toHaveLength(2);
    expect(written[1]).toMatch(/^::debug::Error: boom%0A {4}at /);
  });

  test('success writes nothing and leaves the exit code alone', async () => {
    process.exitCode = undefined;
    await runLean(async () => undefined);
    expect(written).toEqual([]);
    expect(process.exitCode).toBeUndefined();
  });

  test.each([
    ['plain', 'plain'],
    ['a%b', 'a%25b'],
    ['line\r\nnext', 'line%0D%0Anext'],
  ])('escapeCommandData(%j) = %j', (text, escaped) => {
    expect(escapeCommandData(text)).toBe(escaped);
  });
});
