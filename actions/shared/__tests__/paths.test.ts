import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { InputError } from '../src/errors.js';
import { resolveInputPath } from '../src/paths.js';

let base: string;
let workspace: string;
let runnerTemp: string;
let outside: string;
let env: Record<string, string>;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'shipyard-paths-'));
  workspace = join(base, 'workspace');
  runnerTemp = join(base, 'runner-temp');
  outside = join(base, 'outside');
  for (const dir of [workspace, runnerTemp, outside, join(workspace, 'sub')]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(workspace, 'sub', 'task.json'), '{}');
  writeFileSync(join(runnerTemp, 'report.md'), '# r');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(workspace, 'link-out.json'));
  symlinkSync(outside, join(workspace, 'dir-out'));
  symlinkSync(join(workspace, 'sub', 'task.json'), join(workspace, 'link-in.json'));
  env = { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: runnerTemp };
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('resolveInputPath', () => {
  test.each([
    ['a relative path in the workspace', 'sub/task.json', () => join(workspace, 'sub', 'task.json')],
    [
      'an absolute path in the workspace',
      () => join(workspace, 'sub/task.json'),
      () => join(workspace, 'sub', 'task.json'),
    ],
    ['a file in RUNNER_TEMP', () => join(runnerTemp, 'report.md'), () => join(runnerTemp, 'report.md')],
    ['a link that stays inside', 'link-in.json', () => join(workspace, 'link-in.json')],
    ['a file not created yet', 'sub/new/file.json', () => join(workspace, 'sub', 'new', 'file.json')],
    ['the workspace itself', '.', () => workspace],
  ])('%s is allowed', (_, given, expected) => {
    const path = typeof given === 'function' ? given() : given;
    expect(resolveInputPath('task-definition', path, env)).toBe(expected());
  });

  test.each([
    ['an absolute path elsewhere', '/etc/passwd'],
    ['a climb out of the workspace', '../outside/secret.txt'],
    ['a climb hidden in the middle', 'sub/../../outside/secret.txt'],
    ['a link to a file outside', 'link-out.json'],
    ['a path through a linked folder', 'dir-out/secret.txt'],
    ['a file not yet created behind a linked folder', 'dir-out/new.json'],
  ])('%s is an input error naming both roots', (_, given) => {
    let error: unknown;
    try {
      resolveInputPath('task-definition', given, env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).toContain("Input 'task-definition' names a path outside");
    expect(message).toContain('GITHUB_WORKSPACE');
    expect(message).toContain('RUNNER_TEMP');
    expect(message).not.toContain('secret.txt');
  });

  test.each([
    ['with a NUL', 'a\u0000b'],
    ['with a line feed', 'a\nb'],
    ['with an override', 'x\u202Egnp.json'],
  ])('a path %s is refused', (_, given) =>
    expect(() => resolveInputPath('checks', given, env)).toThrow(/Input 'checks' has U\+/),
  );
});
