import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { InputError } from '@shipyard/shared/errors';
import { startAwsEmulator, type AwsEmulator } from '../../../test/emulators/aws/index.js';
import { registryUnavailableReason } from '../../../test/emulators/aws/registry.js';
import { runAction, type RunActionOptions } from '../../../test/harness/run-action.js';
import { buildCommand, secretSpec, secretsUnsupported, type BuildPlan, type Builder } from '../src/docker.js';
import { getInputs, type BuildInputs } from '../src/inputs.js';
import { renderSummary } from '../src/report.js';
import { dockerShim, removeTemporaryFolders, workspaceWithDockerfile, type DockerShim } from './helpers.js';

/**
 * BuildKit secrets (`secrets`, `secret-files`): parsed and refused up front without echoing a
 * value, passed to docker as `--secret id=ID,env=VAR` with the value in that one build's
 * environment, and refused before anything changes when the runner's Docker cannot mount them.
 * The last part runs the bundled action against the AWS emulator with the recording docker shim.
 */

afterAll(removeTemporaryFolders);

const workspace = workspaceWithDockerfile({
  'ci/netrc': 'machine example.com login x password y\n',
  // One byte over BuildKit's 500 KiB limit for a secret.
  'ci/too-large': 'x'.repeat(500 * 1024 + 1),
});

function env(inputs: Record<string, string>): Record<string, string> {
  const variables: Record<string, string> = {
    GITHUB_WORKSPACE: workspace,
    GITHUB_SHA: 'abcdef0123456789abcdef0123456789abcdef01',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
  };
  for (const [name, value] of Object.entries(inputs)) variables[`INPUT_${name.toUpperCase()}`] = value;
  return variables;
}

function buildInputs(inputs: Record<string, string>): BuildInputs {
  const mode = getInputs(env({ repository: 'web', ...inputs })).mode;
  if (mode.kind !== 'build') throw new Error('expected build mode');
  return mode;
}

describe('reading secrets and secret-files', () => {
  test('ids map to values (trimmed, as every KEY=value input) and to workspace paths; none by default', () => {
    const mode = buildInputs({
      secrets: 'npm_token = tok-1 \n# a comment\nGIT.auth-2=a=b==\nempty=',
      'secret-files': `netrc=ci/netrc\nabsolute=${join(workspace, 'Dockerfile')}`,
    });
    expect(mode.secrets).toEqual(
      new Map([
        ['npm_token', 'tok-1'],
        ['GIT.auth-2', 'a=b=='],
        ['empty', ''],
      ]),
    );
    expect(mode.secretFiles).toEqual(
      new Map([
        ['netrc', join(workspace, 'ci/netrc')],
        ['absolute', join(workspace, 'Dockerfile')],
      ]),
    );
    expect(buildInputs({})).toMatchObject({ secrets: new Map(), secretFiles: new Map() });
  });

  // Every value here contains `s3cr3t`: no error may show it, nor the text of the line.
  test.each([
    ['a line that is not ID=value', { secrets: 'npm_token=s3cr3t-1\nMIIEs3cr3tBADAN' }, 'secrets', 'line 2'],
    ['an id with a space', { secrets: 'npm token=s3cr3t' }, 'secrets', 'invalid key on line 1'],
    ['an id with a slash', { secrets: 'a=1\nnpm/token=s3cr3t' }, 'secrets', 'invalid key on line 2'],
    ['an id with a comma', { secrets: 'id,src=s3cr3t' }, 'secrets', 'invalid key on line 1'],
    ['an id starting with a dot', { secrets: '.npm=s3cr3t' }, 'secrets', 'invalid key on line 1'],
    ['an id of 129 characters', { secrets: `${'a'.repeat(129)}=s3cr3t` }, 'secrets', 'invalid key on line 1'],
    ['a file id that is not valid', { 'secret-files': 'net rc=s3cr3t' }, 'secret-files', 'invalid key on line 1'],
    ['a file that does not exist', { 'secret-files': 'netrc=ci/netrc\nnpmrc=s3cr3t/.npmrc' }, 'secret-files', 'line 2'],
    [
      // The likely mix-up: a value meant for `secrets` given to `secret-files`.
      'a value in secret-files',
      { 'secret-files': 'NPM_TOKEN=ghp_s3cr3t' },
      'secret-files',
      'does not name an existing file on line 1',
    ],
    [
      'a folder, not a file',
      { 'secret-files': 'netrc=ci' },
      'secret-files',
      'does not name an existing file on line 1',
    ],
    ['a file id with no path', { 'secret-files': 'netrc=' }, 'secret-files', 'has no path on line 1'],
    [
      "a file over BuildKit's size limit for a secret",
      { 'secret-files': 'netrc=ci/netrc\nbig=ci/too-large' },
      'secret-files',
      "names a file on line 2 larger than BuildKit's 500 KB limit",
    ],
    [
      'the tail of a base64 value spanning lines',
      { secrets: 'key=-----BEGIN s3cr3t-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM==' },
      'secrets',
      "has a value of only '=' on line 2",
    ],
    [
      'one id in both inputs',
      { secrets: 'netrc=s3cr3t', 'secret-files': 'npmrc=ci/netrc\nnetrc=ci/netrc' },
      'secret-files',
      "gives a secret id on line 2 that 'secrets' gives too",
    ],
  ])('%s: an InputError naming the input and the line, and no text of it', (_, inputs, input, message) => {
    let thrown: unknown;
    try {
      buildInputs(inputs);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    const text = (thrown as Error).message;
    expect(text).toMatch(new RegExp(`^Input '${input}' `));
    expect(text).toContain(message);
    expect(text).not.toContain('s3cr3t');
    for (const line of Object.values(inputs).flatMap((value) => value.split('\n'))) {
      expect(text).not.toContain(line);
    }
  });

  test('secrets belong to a build: promote mode refuses them', () => {
    expect(() => getInputs(env({ repository: 'web', 'source-tag': 'abc', secrets: 'a=s3cr3t' }))).toThrow(
      "Input 'secrets' cannot be combined with 'source-tag'",
    );
    expect(() => getInputs(env({ repository: 'web', 'source-tag': 'abc', 'secret-files': 'a=ci/netrc' }))).toThrow(
      "Input 'secret-files' cannot be combined with 'source-tag'",
    );
  });
});

describe('the build command with secrets', () => {
  const plan: BuildPlan = {
    context: '/ws',
    dockerfile: '/ws/Dockerfile',
    buildArgs: new Map([['NODE_ENV', 'production']]),
    secrets: new Map([
      ['npm_token', 'tok-1'],
      ['unset', ''],
      ['git-auth', 'tok-2'],
    ]),
    secretFiles: new Map([
      ['netrc', '/ws/ci/netrc'],
      ['odd', '/ws/a,b "c".txt'],
    ]),
    labels: new Map(),
    platforms: [],
    images: ['r.example/web:abc'],
    cache: 'none',
    cacheRef: 'r.example/web:buildcache',
    push: false,
  };
  const secretArgs = (args: string[]) => args.filter((_, i) => args[i - 1] === '--secret');

  test.each<[string, Builder, string[]]>([
    ['buildx', { kind: 'buildx', driver: 'docker' }, ['buildx', 'build']],
    ['BuildKit', { kind: 'buildkit', clientVersion: '20.10.24' }, ['build']],
  ])('%s: values by environment variable, files by path, empty values left out', (_, builder, start) => {
    const command = buildCommand(plan, builder);
    expect(command.args.slice(0, start.length)).toEqual(start);
    expect(secretArgs(command.args)).toEqual([
      'id=npm_token,env=SHIPYARD_BUILD_SECRET_1',
      'id=git-auth,env=SHIPYARD_BUILD_SECRET_2',
      'id=netrc,src=/ws/ci/netrc',
      'id=odd,"src=/ws/a,b ""c"".txt"',
    ]);
    expect(command.env).toMatchObject({ SHIPYARD_BUILD_SECRET_1: 'tok-1', SHIPYARD_BUILD_SECRET_2: 'tok-2' });
    expect(Object.keys(command.env).filter((name) => name.startsWith('SHIPYARD_BUILD_SECRET_'))).toHaveLength(2);
    expect(command.args.join(' ')).not.toMatch(/tok-1|tok-2/);
  });

  test('a build argument that already uses the variable name keeps it; the secret takes the next', () => {
    const command = buildCommand(
      { ...plan, buildArgs: new Map([['SHIPYARD_BUILD_SECRET_1', 'arg']]), secretFiles: new Map() },
      { kind: 'buildkit' },
    );
    expect(secretArgs(command.args)).toEqual([
      'id=npm_token,env=SHIPYARD_BUILD_SECRET_2',
      'id=git-auth,env=SHIPYARD_BUILD_SECRET_3',
    ]);
    expect(command.env).toMatchObject({
      SHIPYARD_BUILD_SECRET_1: 'arg',
      SHIPYARD_BUILD_SECRET_2: 'tok-1',
      SHIPYARD_BUILD_SECRET_3: 'tok-2',
    });
  });

  test('no secrets, no --secret', () => {
    const command = buildCommand({ ...plan, secrets: undefined, secretFiles: undefined }, { kind: 'buildkit' });
    expect(command.args).not.toContain('--secret');
  });

  test.each([
    [['id=a', 'env=B'], 'id=a,env=B'],
    [['id=a', 'src=/x/y z'], 'id=a,src=/x/y z'],
    [['id=a', 'src=/x,y'], 'id=a,"src=/x,y"'],
    [['id=a', 'src=/x"y'], 'id=a,"src=/x""y"'],
    [['id=a', 'src=/x\ny'], 'id=a,"src=/x\ny"'],
  ])('the --secret value is a CSV record: %j -> %s', (fields, spec) => {
    expect(secretSpec(fields)).toBe(spec);
  });

  test.each<[Builder, RegExp | undefined]>([
    [{ kind: 'buildx', driver: 'docker' }, undefined],
    [{ kind: 'buildx', driver: 'docker-container' }, undefined],
    [{ kind: 'buildkit', clientVersion: '20.10.24+dfsg1' }, undefined],
    [{ kind: 'buildkit', clientVersion: '22.06.0' }, undefined],
    [{ kind: 'buildkit' }, undefined],
    [{ kind: 'buildkit', clientVersion: '19.03.15' }, /CLI 19\.03\.15 reads build secrets only from files/],
    [{ kind: 'legacy' }, /only the classic builder, which cannot mount secrets/],
  ])('secrets with %j: %s', (builder, reason) => {
    const found = secretsUnsupported(builder);
    if (reason) expect(found).toMatch(reason);
    else expect(found).toBeUndefined();
  });

  test('the summary lists the ids, never a value', () => {
    const report = renderSummary({
      repository: 'web',
      registry: 'r.example',
      tags: ['abc'],
      outcome: 'built-not-pushed',
      secretIds: ['npm_token', 'netrc'],
      durations: {},
    });
    expect(report).toContain('| Build secrets | `npm_token`, `netrc` |');
  });
});

describe('the bundled action with secrets', () => {
  const noRegistry = registryUnavailableReason();
  if (noRegistry) console.warn(`build-push-ecr secrets registry test skipped: ${noRegistry}`);
  const withRegistry = noRegistry ? test.skip : test;

  let emulator: AwsEmulator;
  let shim: DockerShim;
  const VARIABLES = ['SHIPYARD_BUILD_SECRET_1', 'SHIPYARD_BUILD_SECRET_2', 'NPM_TOKEN'];

  beforeAll(async () => {
    emulator = await startAwsEmulator();
  });
  afterAll(async () => {
    await emulator?.close();
  });
  beforeEach(() => {
    emulator.reset();
    shim = dockerShim({ watch: VARIABLES });
  });

  function run(inputs: RunActionOptions['inputs'], options: Omit<RunActionOptions, 'inputs'> = {}) {
    return runAction('build-push-ecr', {
      ...options,
      workspace: options.workspace ?? workspaceWithDockerfile({ 'ci/netrc': 'machine x\n' }),
      inputs,
      env: { ...emulator.clientEnv(), ...shim.env, ...options.env },
    });
  }

  /** Everything the step showed, but the runner's own `::add-mask::` commands, which it swallows. */
  const shown = (result: { stdout: string; stderr: string }) =>
    (result.stdout + result.stderr)
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');

  withRegistry(
    'a value reaches docker only in the build process’s environment, masked first and shown nowhere',
    async () => {
      const token = `npm-${randomUUID()}`;
      const other = `git-${randomUUID()}`;
      const workspace = workspaceWithDockerfile({ 'ci/netrc': 'machine x\n' });
      const result = await run(
        {
          repository: 'web',
          'create-repository': true,
          'build-args': 'NODE_ENV=production',
          secrets: `npm_token=${token}\nunset=\ngit-auth=${other}`,
          'secret-files': 'netrc=ci/netrc',
        },
        { workspace },
      );
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);

      // Masked before the step printed anything else.
      expect(result.stdout.split('\n').slice(0, 2)).toEqual([`::add-mask::${token}`, `::add-mask::${other}`]);
      expect(result.masked).toEqual(expect.arrayContaining([token, other]));

      const calls = shim.calls();
      const build = calls.find((call) => call.args[0] === 'build');
      const secretArgs = build?.args.filter((_, i, args) => args[i - 1] === '--secret');
      expect(secretArgs).toEqual([
        'id=npm_token,env=SHIPYARD_BUILD_SECRET_1',
        'id=git-auth,env=SHIPYARD_BUILD_SECRET_2',
        `id=netrc,src=${join(workspace, 'ci/netrc')}`,
      ]);
      expect(build?.buildkit).toBe('1');
      expect(build?.env).toEqual({ SHIPYARD_BUILD_SECRET_1: token, SHIPYARD_BUILD_SECRET_2: other, NPM_TOKEN: null });
      // No other docker process had them, so neither had the action's own environment.
      const others = calls.filter((call) => call !== build);
      expect(others.map((call) => call.args[0])).toEqual(expect.arrayContaining(['version', 'login', 'push']));
      for (const call of others) {
        expect(call.env).toEqual({ SHIPYARD_BUILD_SECRET_1: null, SHIPYARD_BUILD_SECRET_2: null, NPM_TOKEN: null });
      }

      for (const text of [
        calls.map((call) => call.args.join(' ')).join('\n'),
        shown(result),
        result.summary,
        JSON.stringify(result.outputs),
        JSON.stringify(result.state),
      ]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(other);
      }
      expect(result.warnings).toEqual([
        expect.stringMatching(/^Secret unset: the value is empty, so the build does not get it/),
      ]);
      expect(result.summary).toContain('| Build secrets | `npm_token`, `git-auth`, `netrc` |');
      expect(result.outputs.digest).toMatch(/^sha256:/);
    },
  );

  test('buildx gets the same --secret arguments', async () => {
    shim = dockerShim({ watch: VARIABLES, buildxDriver: 'docker' });
    const token = `npm-${randomUUID()}`;
    const result = await run({ repository: 'web', 'create-repository': true, push: false, secrets: `npm=${token}` });
    expect(result.errors).toEqual([]);
    const build = shim.calls().find((call) => call.args[0] === 'buildx' && call.args[1] === 'build');
    expect(build?.args.filter((_, i, args) => args[i - 1] === '--secret')).toEqual([
      'id=npm,env=SHIPYARD_BUILD_SECRET_1',
    ]);
    expect(build?.env).toMatchObject({ SHIPYARD_BUILD_SECRET_1: token });
    expect(shown(result)).not.toContain(token);
  });

  test.each([
    ['only the classic builder (a Docker CLI from 23.0 without buildx)', '28.2.2', 'only the classic builder'],
    ['a Docker CLI before 20.10 (no env= for secrets)', '19.03.15', 'Docker CLI 19.03.15 reads build secrets only'],
  ])('%s: a clear error before anything is created, built or pushed', async (_, clientVersion, reason) => {
    shim = dockerShim({ watch: VARIABLES, clientVersion });
    const token = `npm-${randomUUID()}`;
    const result = await run({
      repository: 'web',
      'create-repository': true,
      secrets: `npm_token=${token}`,
      'secret-files': 'netrc=ci/netrc',
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^Build secrets \(secrets, secret-files\) need BuildKit, but /);
    expect(result.errors[0]).toContain(reason);
    expect(result.errors[0]).toContain('Install buildx');
    expect(emulator.calls({ mutating: true })).toEqual([]);
    expect(emulator.calls({ operation: 'CreateRepository' })).toEqual([]);
    const commands = shim.calls().map((call) => call.args[0]);
    expect(commands).not.toContain('build');
    expect(commands).not.toContain('push');
    expect(commands).not.toContain('login');
    expect(shown(result)).not.toContain(token);
  });

  test('the same Docker builds without secrets (the classic builder is refused only for them)', async () => {
    shim = dockerShim({ clientVersion: '28.2.2' });
    const result = await run({ repository: 'web', 'create-repository': true, push: false, cache: 'none' });
    expect(result.errors).toEqual([]);
    const build = shim.calls().find((call) => call.args[0] === 'build');
    expect(build?.buildkit).toBe('0');
  });

  test.each([
    ['a bad id', { secrets: 'npm_token=s3cr3t-1\nnpm token=s3cr3t-2' }, "Input 'secrets' has an invalid key on line 2"],
    [
      'a line of a multi-line value',
      { secrets: 'key=-----BEGIN s3cr3t-----\nMIIEs3cr3t' },
      "Input 'secrets' has a line that is not KEY=value (line 2;",
    ],
    [
      'a missing secret file',
      { 'secret-files': 'npmrc=s3cr3t/.npmrc' },
      "Input 'secret-files' does not name an existing file on line 1",
    ],
  ])('%s: one InputError, nothing called, nothing shown', async (_, inputs, message) => {
    const result = await run({ repository: 'web', 'create-repository': true, ...inputs });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toEqual([expect.stringContaining(message)]);
    expect(emulator.calls()).toEqual([]);
    expect(shim.calls()).toEqual([]);
    expect(result.stdout + result.stderr).not.toContain('s3cr3t');
  });
});
