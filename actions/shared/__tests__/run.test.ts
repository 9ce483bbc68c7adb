import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { ActionFailure, InputError } from '../src/errors.js';
import { escapeCommandData, run } from '../src/run.js';

describe('run', () => {
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
    process.exitCode = undefined;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = savedExitCode;
    if (savedDebug === undefined) delete process.env.RUNNER_DEBUG;
    else process.env.RUNNER_DEBUG = savedDebug;
  });

  test('valid inputs are read once, then the orchestration is loaded and given them', async () => {
    const calls: string[] = [];
    const received: unknown[] = [];
    await run(
      () => {
        calls.push('read');
        return { cluster: 'web' };
      },
      async () => {
        calls.push('load');
        return {
          main: async (inputs: { cluster: string }) => {
            calls.push('main');
            received.push(inputs);
          },
        };
      },
    );
    expect(calls).toEqual(['read', 'load', 'main']);
    expect(received).toEqual([{ cluster: 'web' }]);
    expect(written).toEqual([]);
    expect(process.exitCode).toBeUndefined();
  });

  test('a bad input fails before the orchestration is loaded', async () => {
    const load = jest.fn(async () => ({ main: async () => undefined }));
    await run(() => {
      throw new InputError('cluster', 'is required');
    }, load);
    expect(load).not.toHaveBeenCalled();
    expect(written).toEqual([`::error::Input 'cluster' is required\n`]);
    expect(process.exitCode).toBe(1);
  });

  const failures: [string, () => unknown, () => Promise<unknown>, string][] = [
    [
      'an input error, escaped as the runner reads it',
      () => {
        throw new InputError('image', "is not valid: '50%\nbad'");
      },
      async () => ({ main: async () => undefined }),
      `::error::Input 'image' is not valid: '50%25%0Abad'\n`,
    ],
    [
      'a module that cannot be loaded',
      () => ({}),
      async () => {
        throw new Error('Cannot find module ./main.js');
      },
      '::error::Cannot find module ./main.js\n',
    ],
    [
      'a failure of the orchestration',
      () => ({}),
      async () => ({
        main: async () => {
          throw new ActionFailure('Deployment failed:\r\nsee above');
        },
      }),
      '::error::Deployment failed:%0D%0Asee above\n',
    ],
    [
      'a thrown value that is not an Error',
      () => ({}),
      async () => ({
        main: async () => {
          throw 'plain text';
        },
      }),
      '::error::plain text\n',
    ],
  ];
  test.each(failures)('%s: one ::error:: line and exit code 1', async (_case, readInputs, load, line) => {
    await run(readInputs, load as () => Promise<{ main: (inputs: unknown) => Promise<void> }>);
    expect(written).toEqual([line]);
    expect(process.exitCode).toBe(1);
  });

  test.each([
    ['1', 2],
    ['0', 1],
    [undefined, 1],
  ])('with RUNNER_DEBUG=%j the stack is written as ::debug:: (%i lines)', async (debug, count) => {
    if (debug !== undefined) process.env.RUNNER_DEBUG = debug;
    await run(
      () => ({}),
      async () => ({
        main: async () => {
          throw new Error('boom');
        },
      }),
    );
    expect(written).toHaveLength(count);
    expect(written[0]).toBe('::error::boom\n');
    if (count === 2) expect(written[1]).toMatch(/^::debug::Error: boom%0A {4}at /);
  });

  test('run does not load @actions/core', async () => {
    // The whole point of the wrapper: the entry chunk stays lean until the inputs are valid.
    const source = await import('node:fs').then((fs) =>
      fs.readFileSync(new URL('../src/run.ts', import.meta.url), 'utf8'),
    );
    expect(source).not.toMatch(/(from|import\()\s*['"]@actions\//);
  });
});

describe('escapeCommandData', () => {
  test.each([
    ['plain', 'plain'],
    ['a%b', 'a%25b'],
    ['line\r\nnext', 'line%0D%0Anext'],
    ['100%\n', '100%25%0A'],
  ])('%j -> %j', (text, escaped) => {
    expect(escapeCommandData(text)).toBe(escaped);
  });
});
