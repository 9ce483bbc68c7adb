import { afterAll, describe, expect, test } from '@jest/globals';
import { runAction } from '../../../test/harness/run-action.js';
import { dockerShim, removeTemporaryFolders, type DockerShim } from './helpers.js';

/**
 * The post step, run as the runner runs it (the bundle again, with the state main saved): Docker
 * logs out of the registry main logged in to; a logout that fails is a warning, not a failed step.
 */

afterAll(removeTemporaryFolders);

function post(shim: DockerShim, state: Record<string, string>) {
  return runAction('build-push-ecr', { inputs: { repository: 'web' }, phase: 'post', state, env: shim.env });
}

describe('post', () => {
  test('main never logged in: nothing to do, docker is not run', async () => {
    const shim = dockerShim();
    const nothing = await post(shim, { isPost: 'true' });
    expect(nothing.exitCode).toBe(0);
    expect(shim.calls()).toEqual([]);
  });

  test('logs out of the registry main logged in to', async () => {
    const shim = dockerShim();
    const result = await post(shim, { isPost: 'true', 'logged-in-to': '127.0.0.1:5000' });
    expect(result.exitCode).toBe(0);
    expect(result.warnings).toEqual([]);
    expect(shim.calls().map((call) => call.args)).toEqual([['logout', '127.0.0.1:5000']]);
  });

  test('a failed logout is a warning, not a failed step', async () => {
    const shim = dockerShim({ fail: 'logout' });
    const failed = await post(shim, { isPost: 'true', 'logged-in-to': '127.0.0.1:5000' });
    expect(failed.exitCode).toBe(0);
    expect(failed.warnings).toEqual([expect.stringContaining('Could not log out of 127.0.0.1:5000: docker logout')]);
  });
});
