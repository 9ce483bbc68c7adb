import { afterAll, describe, expect, test } from '@jest/globals';
import { InputError } from '../../shared/src/errors.js';
import { getInputs } from '../src/inputs.js';
import { removeTemporaryFolders, workspaceWithDockerfile } from './helpers.js';

const workspace = workspaceWithDockerfile({ 'app/Dockerfile.prod': 'FROM scratch\n' });
afterAll(removeTemporaryFolders);

function env(inputs: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const variables: Record<string, string> = {
    GITHUB_WORKSPACE: workspace,
    GITHUB_SHA: 'abcdef0123456789abcdef0123456789abcdef01',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_RUN_NUMBER: '5',
    ...extra,
  };
  for (const [name, value] of Object.entries(inputs)) variables[`INPUT_${name.toUpperCase()}`] = value;
  return variables;
}

describe('valid inputs', () => {
  test('defaults: build mode, the context as workspace, inline cache, push, sha + branch tags', () => {
    const inputs = getInputs(env({ repository: 'web' }));
    expect(inputs).toMatchObject({
      repository: 'web',
      registry: undefined,
      createRepository: false,
      tags: ['abcdef0123456789abcdef0123456789abcdef01', 'main'],
      maxAttempts: 3,
      mode: {
        kind: 'build',
        context: workspace,
        dockerfile: `${workspace}/Dockerfile`,
        cache: 'inline',
        push: true,
        skipIfExists: false,
      },
    });
  });

  test('a semver tag push gives the version', () => {
    const inputs = getInputs(env({ repository: 'web', tags: '{{version}}' }, { GITHUB_REF: 'refs/tags/v1.4.2' }));
    expect(inputs.version).toBe('1.4.2');
    expect(inputs.tags).toEqual(['1.4.2']);
  });

  test.each([
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      '123456789012',
      'eu-west-1',
    ],
    [
      'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      '123456789012',
      'eu-west-1',
    ],
    [
      '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com',
      '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com',
      '123456789012',
      'us-gov-west-1',
    ],
    ['127.0.0.1:5000', '127.0.0.1:5000', undefined, undefined],
  ])('registry %s -> host %s, registry id %s, region %s', (given, host, id, region) => {
    const inputs = getInputs(env({ repository: 'web', registry: given }));
    expect(inputs.registry).toBe(host);
    expect(inputs.registryId).toBe(id);
    expect(inputs.registryRegion).toBe(region);
  });

  test('build options are parsed', () => {
    const inputs = getInputs(
      env({
        repository: 'team/web-app',
        context: '.',
        dockerfile: 'app/Dockerfile.prod',
        'build-args': 'A=1\nB=x=y',
        target: 'runtime',
        platforms: 'linux/amd64, linux/arm64/v8',
        labels: 'team=web',
        cache: 'registry',
        push: 'false',
        'skip-if-exists': 'true',
      }),
    );
    expect(inputs.mode).toEqual({
      kind: 'build',
      context: workspace,
      dockerfile: `${workspace}/app/Dockerfile.prod`,
      buildArgs: new Map([
        ['A', '1'],
        ['B', 'x=y'],
      ]),
      secrets: new Map(),
      secretFiles: new Map(),
      target: 'runtime',
      platforms: ['linux/amd64', 'linux/arm64/v8'],
      network: undefined,
      labels: new Map([['team', 'web']]),
      cache: 'registry',
      push: false,
      skipIfExists: true,
    });
  });

  test.each([
    [{ 'source-tag': 'abc' }, { tag: 'abc' }],
    [{ 'source-digest': `sha256:${'b'.repeat(64)}` }, { digest: `sha256:${'b'.repeat(64)}` }],
  ])('promote mode from %j, without needing a Dockerfile', (given, source) => {
    const inputs = getInputs(env({ repository: 'web', context: 'no-such-folder', tags: 'production', ...given }));
    expect(inputs.mode).toEqual({ kind: 'promote', source });
    expect(inputs.tags).toEqual(['production']);
  });
});

describe('invalid inputs name the input', () => {
  test.each([
    [{}, 'repository', "Input 'repository' is required"],
    [{ repository: 'a' }, 'repository', 'not a valid ECR repository name'],
    [{ repository: 'Web' }, 'repository', 'not a valid ECR repository name'],
    [{ repository: 'web/' }, 'repository', 'not a valid ECR repository name'],
    [{ repository: 'web', registry: 'not a host' }, 'registry', 'is not a registry host'],
    [{ repository: 'web', context: 'missing' }, 'context', 'names a folder that does not exist'],
    [{ repository: 'web', context: 'app' }, 'context', 'has no Dockerfile at'],
    [{ repository: 'web', dockerfile: 'nope/Dockerfile' }, 'dockerfile', 'has no Dockerfile at'],
    [{ repository: 'web', 'build-args': '=x' }, 'build-args', 'is not KEY=value'],
    [{ repository: 'web', 'build-args': 'app.version=1' }, 'build-args', 'has an invalid key on line 1'],
    [{ repository: 'web', 'build-args': 'MY-ARG=1' }, 'build-args', 'has an invalid key on line 1'],
    [{ repository: 'web', 'build-args': 'A B=1' }, 'build-args', 'has an invalid key on line 1'],
    [{ repository: 'web', labels: 'bad key=1' }, 'labels', 'has an invalid key on line 1'],
    [{ repository: 'web', target: 'a b' }, 'target', 'is not a valid build stage name'],
    [{ repository: 'web', network: 'host;rm' }, 'network', 'is not a valid network name'],
    [{ repository: 'web', cache: 'gha' }, 'cache', "must be one of 'registry', 'inline', 'none'"],
    [{ repository: 'web', push: 'yes' }, 'push', 'must be true or false'],
    [{ repository: 'web', tags: 'a b' }, 'tags', 'is not a valid tag'],
    [{ repository: 'web', 'source-tag': '.bad' }, 'source-tag', 'is not a valid image tag'],
    [{ repository: 'web', 'source-digest': 'md5:abc' }, 'source-digest', 'is not an image digest'],
    [
      { repository: 'web', 'source-tag': 'a', dockerfile: 'Dockerfile' },
      'dockerfile',
      "cannot be combined with 'source-tag'",
    ],
    [
      { repository: 'web', 'source-tag': 'a', 'skip-if-exists': 'true' },
      'skip-if-exists',
      "cannot be combined with 'source-tag'",
    ],
    [{ repository: 'web', 'max-attempts': '0' }, 'max-attempts', 'must be a whole number from 1 to 20'],
  ])('%j -> %s', (given, input, message) => {
    let error: unknown;
    try {
      getInputs(env(given as Record<string, string>));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(input);
    expect((error as InputError).message).toContain(message);
  });
});
