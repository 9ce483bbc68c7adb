import { describe, expect, test } from '@jest/globals';
import { InputError } from '@shipyard/shared/errors';
import { inputEnv } from '@shipyard/harness/inputs';
import { getInputs } from '../src/inputs.js';
import { workspaceWithDockerfile } from './helpers.js';

const workspace = workspaceWithDockerfile({ 'app/Dockerfile.prod': 'FROM scratch\n' });

function env(inputs: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return inputEnv(inputs, {
    GITHUB_WORKSPACE: workspace,
    GITHUB_SHA: 'abcdef0123456789abcdef0123456789abcdef01',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_RUN_NUMBER: '5',
    ...extra,
  });
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
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com:4566',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com:4566',
      '123456789012',
      'eu-west-1',
    ],
    [
      'http://123456789012.dkr.ecr.ap-southeast-2.amazonaws.com:5000/',
      '123456789012.dkr.ecr.ap-southeast-2.amazonaws.com:5000',
      '123456789012',
      'ap-southeast-2',
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

describe('limits that hold exactly at the edge', () => {
  test.each([
    [{ repository: 'a'.repeat(256) }],
    [{ repository: 'web', registry: `${'a'.repeat(63)}.example.com:65535` }],
    [{ repository: 'web', tags: Array.from({ length: 100 }, (_, i) => `t${i}`).join('\n') }],
    [{ repository: 'web', tags: 'v'.repeat(128) }],
    [{ repository: 'web', 'build-args': `${'A'.repeat(255)}=1` }],
    [{ repository: 'web', labels: `${'k'.repeat(255)}=${'v'.repeat(4096)}` }],
    [{ repository: 'web', target: 'a'.repeat(128) }],
  ])('%#: accepted', (given) => {
    expect(() => getInputs(env(given as Record<string, string>))).not.toThrow();
  });

  test('a run variable with a line break in it never reaches a label on the build command line', () => {
    expect(() => getInputs(env({ repository: 'web', tags: 'latest' }, { GITHUB_SHA: 'abc\n::error::x' }))).toThrow(
      "The runner variable GITHUB_SHA has U+000A LINE FEED at character 4, and it would go into the image's org.opencontainers.image.revision label",
    );
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
    [{ repository: 'a'.repeat(257) }, 'repository', 'is 257 characters long; ECR allows at most 256'],
    [{ repository: 'web', registry: 'registry.example.com:0' }, 'registry', 'is not a registry host'],
    [{ repository: 'web', registry: 'registry.example.com:65536' }, 'registry', 'is not a registry host'],
    [{ repository: 'web', registry: 'a..b' }, 'registry', 'is not a registry host'],
    [{ repository: 'web', registry: '-a.example.com' }, 'registry', 'is not a registry host'],
    [{ repository: 'web', registry: `${'a'.repeat(64)}.com` }, 'registry', 'is not a registry host'],
    [{ repository: 'web', tags: Array.from({ length: 101 }, (_, i) => `t${i}`).join('\n') }, 'tags', 'at most 100'],
    [{ repository: 'web', 'build-args': `${'A'.repeat(256)}=1` }, 'build-args', 'has an invalid key on line 1'],
    [{ repository: 'web', labels: `${'k'.repeat(256)}=1` }, 'labels', 'has an invalid key on line 1'],
    [{ repository: 'web', labels: `a=${'v'.repeat(4097)}` }, 'labels', 'has a value of 4097 characters on line 1'],
    [
      { repository: 'web', labels: 'a=1\nb=x\ty' },
      'labels',
      'has U+0009 CHARACTER TABULATION at character 2 of the value on line 2',
    ],
    [{ repository: 'web', target: 'a'.repeat(129) }, 'target', 'is not a valid build stage name'],
    [{ repository: 'web', network: 'n'.repeat(129) }, 'network', 'is not a valid network name'],
    [{ repository: 'web', platforms: 'linux/amd64,'.repeat(17) }, 'platforms', 'lists 17 platforms'],
    [{ repository: 'web', platforms: `linux/${'a'.repeat(33)}` }, 'platforms', 'has an invalid platform'],
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
