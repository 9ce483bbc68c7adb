import { existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { inputEnv, inputVariable } from './inputs.js';
import { closeListeners, listenOnLoopback, unusedPort } from './listen.js';
import { mergeRunOptions } from './run-action.js';
import { EXECUTION_ROLE_ARN, fargateTaskDefinition } from './task-definition.js';
import { removeTemporaryFolders, temporaryFolder } from './temp.js';

describe('the INPUT_ naming rule', () => {
  test.each([
    ['url', 'INPUT_URL'],
    ['task-definition-family', 'INPUT_TASK-DEFINITION-FAMILY'],
    ['two words', 'INPUT_TWO_WORDS'],
  ])('%s reaches the action as %s', (name, variable) => {
    expect(inputVariable(name)).toBe(variable);
  });

  test('inputEnv: every input set, an undefined one left out, extra variables on top', () => {
    expect(
      inputEnv({ url: 'https://x', samples: 3, debug: false, unset: undefined }, { GITHUB_WORKSPACE: '/w' }),
    ).toEqual({
      INPUT_URL: 'https://x',
      INPUT_SAMPLES: '3',
      INPUT_DEBUG: 'false',
      GITHUB_WORKSPACE: '/w',
    });
  });
});

describe('run options', () => {
  test("a call's inputs, env and state merge over the defaults; other options replace them", () => {
    const merged = mergeRunOptions(
      { inputs: { a: '1', b: '2' }, env: { X: 'x' }, timeoutMs: 1, workspace: '/default' },
      { inputs: { b: '3', c: undefined }, env: { Y: 'y' }, timeoutMs: 2, workspace: undefined, state: { s: '1' } },
    );
    expect(merged).toEqual({
      inputs: { a: '1', b: '3', c: undefined },
      env: { X: 'x', Y: 'y' },
      timeoutMs: 2,
      workspace: '/default',
      state: { s: '1' },
    });
  });
});

describe('loopback listeners', () => {
  const get = (url: string) =>
    new Promise<string>((resolve, reject) => {
      request(url, { agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });

  test('a handler answers on 127.0.0.1 at a port the OS chose, and close() frees it', async () => {
    const app = await listenOnLoopback((_, response) => response.end('hello'));
    expect(app.url).toBe(`http://127.0.0.1:${app.port}`);
    expect(app.port).toBeGreaterThan(0);
    expect(await get(app.url)).toBe('hello');
    await app.close();
    expect(app.server.listening).toBe(false);
    await expect(get(app.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  test('a server made by the caller, on a port given; closeListeners closes what is left open', async () => {
    const port = await unusedPort();
    const raw = await listenOnLoopback(
      createNetServer((socket) => socket.end()),
      { port },
    );
    expect(raw.port).toBe(port);
    await closeListeners();
    expect(raw.server.listening).toBe(false);
    await raw.close(); // closing twice is harmless
  });
});

describe('temporary folders', () => {
  test('are made fresh and all removed together', () => {
    const one = temporaryFolder('one-');
    const two = temporaryFolder('two-');
    expect(one).not.toBe(two);
    writeFileSync(join(one, 'file'), 'x');
    removeTemporaryFolders();
    expect(existsSync(one)).toBe(false);
    expect(existsSync(two)).toBe(false);
  });
});

describe('the Fargate task definition fixture', () => {
  test('defaults: family web, one container app on nginx:1 listening on 3000', () => {
    expect(fargateTaskDefinition()).toEqual({
      family: 'web',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'nginx:1', portMappings: [{ containerPort: 3000 }] }],
    });
  });

  test('overrides: fields, the image, the container merged, containers last', () => {
    const definition = fargateTaskDefinition({
      family: 'api',
      image: 'app:2',
      executionRoleArn: EXECUTION_ROLE_ARN,
      container: { environment: [{ name: 'A', value: '1' }] },
    });
    expect(Object.keys(definition)).toEqual([
      'family',
      'requiresCompatibilities',
      'networkMode',
      'cpu',
      'memory',
      'executionRoleArn',
      'containerDefinitions',
    ]);
    expect(definition.containerDefinitions).toEqual([
      {
        name: 'app',
        image: 'app:2',
        portMappings: [{ containerPort: 3000 }],
        environment: [{ name: 'A', value: '1' }],
      },
    ]);
  });
});
