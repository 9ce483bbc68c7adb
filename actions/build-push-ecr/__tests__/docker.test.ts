import { describe, expect, test } from '@jest/globals';
import {
  buildArgOnCommandLine,
  buildCommand,
  cacheHits,
  loginArgs,
  logoutArgs,
  type BuildPlan,
  type Builder,
} from '../src/docker.js';

const plan: BuildPlan = {
  context: '/ws',
  dockerfile: '/ws/Dockerfile',
  buildArgs: new Map([['NODE_ENV', 'production']]),
  labels: new Map([['org.opencontainers.image.revision', 'abc']]),
  platforms: [],
  images: ['r.example/web:abc', 'r.example/web:main'],
  cache: 'inline',
  cacheRef: 'r.example/web:buildcache',
  push: true,
};

const buildx: Builder = { kind: 'buildx', driver: 'docker-container' };
const buildxDocker: Builder = { kind: 'buildx', driver: 'docker' };
const buildkit: Builder = { kind: 'buildkit' };
const legacy: Builder = { kind: 'legacy' };

describe('login and logout', () => {
  test('the password is never an argument: --password-stdin', () => {
    expect(loginArgs('r.example', 'AWS')).toEqual(['login', '--username', 'AWS', '--password-stdin', 'r.example']);
    expect(logoutArgs('r.example')).toEqual(['logout', 'r.example']);
  });
});

describe('build command', () => {
  test.each<[string, Partial<BuildPlan>, Builder, string[], Record<string, string>]>([
    [
      'BuildKit, inline cache, pushed afterwards',
      {},
      buildkit,
      [
        'build',
        '--progress=plain',
        '--file',
        '/ws/Dockerfile',
        '--build-arg',
        'NODE_ENV',
        '--label',
        'org.opencontainers.image.revision=abc',
        '--tag',
        'r.example/web:abc',
        '--tag',
        'r.example/web:main',
        '--cache-from',
        'r.example/web:abc',
        '--cache-from',
        'r.example/web:main',
        '--build-arg',
        'BUILDKIT_INLINE_CACHE=1',
        '/ws',
      ],
      { NODE_ENV: 'production', DOCKER_BUILDKIT: '1' },
    ],
    [
      'buildx, registry cache in the form ECR accepts, pushing while building',
      {
        cache: 'registry',
        target: 'runtime',
        platforms: ['linux/amd64', 'linux/arm64'],
        network: 'host',
        metadataFile: '/tmp/m.json',
      },
      buildx,
      [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/ws/Dockerfile',
        '--target',
        'runtime',
        '--platform',
        'linux/amd64,linux/arm64',
        '--network',
        'host',
        '--build-arg',
        'NODE_ENV',
        '--label',
        'org.opencontainers.image.revision=abc',
        '--tag',
        'r.example/web:abc',
        '--tag',
        'r.example/web:main',
        '--cache-from',
        'type=registry,ref=r.example/web:buildcache',
        '--cache-to',
        'type=registry,ref=r.example/web:buildcache,mode=max,image-manifest=true,oci-mediatypes=true',
        '--push',
        '--metadata-file',
        '/tmp/m.json',
        '/ws',
      ],
      { NODE_ENV: 'production' },
    ],
    [
      'buildx, inline cache, loaded (not pushed)',
      { push: false, images: ['r.example/web:abc'] },
      buildxDocker,
      [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/ws/Dockerfile',
        '--build-arg',
        'NODE_ENV',
        '--label',
        'org.opencontainers.image.revision=abc',
        '--tag',
        'r.example/web:abc',
        '--cache-from',
        'type=registry,ref=r.example/web:abc',
        '--cache-to',
        'type=inline',
        '--load',
        '/ws',
      ],
      { NODE_ENV: 'production' },
    ],
    [
      'classic builder, no cache flags, BuildKit switched off explicitly',
      { cache: 'local', buildArgs: new Map(), labels: new Map(), images: ['r.example/web:abc'] },
      legacy,
      ['build', '--file', '/ws/Dockerfile', '--tag', 'r.example/web:abc', '/ws'],
      { DOCKER_BUILDKIT: '0' },
    ],
    [
      'cache none',
      { cache: 'none', buildArgs: new Map(), labels: new Map(), images: ['r.example/web:abc'] },
      buildkit,
      ['build', '--progress=plain', '--file', '/ws/Dockerfile', '--tag', 'r.example/web:abc', '/ws'],
      { DOCKER_BUILDKIT: '1' },
    ],
  ])('%s', (_, overrides, builder, args, env) => {
    expect(buildCommand({ ...plan, ...overrides }, builder)).toEqual({ args, env });
  });

  test.each([buildx, buildkit, legacy])(
    'with %j build argument values travel in the environment of the build only, never in argv',
    (builder) => {
      const values = new Map([
        ['OPTS', '--a=b c'],
        ['TOKEN', 'ghs_computedInAnEarlierStep'],
        ['MULTI', 'line 1\nline 2'],
        ['EMPTY', ''],
      ]);
      const { args, env } = buildCommand({ ...plan, cache: 'none', buildArgs: values }, builder);
      expect(args.filter((_, i) => args[i - 1] === '--build-arg')).toEqual(['OPTS', 'TOKEN', 'MULTI', 'EMPTY']);
      expect(env).toMatchObject(Object.fromEntries(values));
      for (const value of ['--a=b c', 'ghs_computedInAnEarlierStep', 'line 1', 'line 2']) {
        expect(args.join(' ')).not.toContain(value);
      }
    },
  );

  test('a name the Docker CLI reads itself stays on the command line and out of its environment', () => {
    const { args, env } = buildCommand(
      {
        ...plan,
        cache: 'none',
        buildArgs: new Map([
          ['DOCKER_HOST', 'tcp://elsewhere:2375'],
          ['http_proxy', 'http://proxy.internal:3128'],
          ['APP_VERSION', '1.2.3'],
        ]),
      },
      buildkit,
    );
    expect(args.filter((_, i) => args[i - 1] === '--build-arg')).toEqual([
      'DOCKER_HOST=tcp://elsewhere:2375',
      'http_proxy=http://proxy.internal:3128',
      'APP_VERSION',
    ]);
    expect(env).toEqual({ APP_VERSION: '1.2.3', DOCKER_BUILDKIT: '1' });
  });

  test('our own DOCKER_BUILDKIT wins: a build argument of that name cannot switch the builder', () => {
    const { args, env } = buildCommand(
      { ...plan, cache: 'none', buildArgs: new Map([['DOCKER_BUILDKIT', '0']]) },
      buildkit,
    );
    expect(args).toContain('DOCKER_BUILDKIT=0');
    expect(env.DOCKER_BUILDKIT).toBe('1');
  });

  test("building a command leaves the action's own environment alone", () => {
    const before = { ...process.env };
    buildCommand({ ...plan, buildArgs: new Map([['SHIPYARD_TEST_ONLY_ARG', 'x']]) }, buildx);
    expect(process.env).toEqual(before);
  });
});

describe('which build argument names docker reads itself', () => {
  test.each([
    ['DOCKER_HOST', true],
    ['DOCKER_CONFIG', true],
    ['DOCKER_CONTEXT', true],
    ['DOCKER_BUILDKIT', true],
    ['docker_host', true],
    ['BUILDX_BUILDER', true],
    ['BUILDKIT_PROGRESS', true],
    ['BUILDKIT_INLINE_CACHE', true],
    ['HTTP_PROXY', true],
    ['https_proxy', true],
    ['NO_PROXY', true],
    ['ALL_PROXY', true],
    ['PATH', true],
    ['HOME', true],
    ['TMPDIR', true],
    ['XDG_CONFIG_HOME', true],
    ['LD_PRELOAD', true],
    ['SSL_CERT_FILE', true],
    ['GODEBUG', true],
    ['GOMAXPROCS', true],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', true],
    ['ACTIONS_RUNTIME_TOKEN', true],
    ['NO_COLOR', true],
    ['AWS_PROFILE', true],
    ['aws_region', true],
    ['USERPROFILE', true],
    ['AppData', true],
    ['TEMP', true],
    ['NODE_ENV', false],
    ['NPM_TOKEN', false],
    ['DOCKERHUB_TOKEN', false],
    ['GOPROXY', false],
    ['GOFLAGS', false],
    ['FTP_PROXY', false],
    ['GITHUB_SHA', false],
    ['APP_VERSION', false],
    ['_PRIVATE', false],
  ])('%s: %s', (name, onCommandLine) => {
    expect(buildArgOnCommandLine(name)).toBe(onCommandLine);
  });
});

describe('cache hits from the build log', () => {
  test.each([
    [
      'BuildKit',
      buildkit,
      '#1 [internal] load build definition\n#4 [deps 1/3] FROM node\n#4 CACHED\n#5 [deps 2/3] COPY package.json .\n#5 CACHED\n#6 [deps 3/3] RUN npm ci\n#6 DONE 9.1s\n#7 [runtime 1/1] COPY . .\n#7 DONE',
      { steps: 4, cached: 2 },
    ],
    [
      'classic',
      legacy,
      'Step 1/4 : FROM node\n ---> 1a2b\nStep 2/4 : COPY package.json .\n ---> Using cache\nStep 3/4 : RUN npm ci\n ---> Using cache\nStep 4/4 : COPY . .\n ---> 9f8e',
      { steps: 4, cached: 2 },
    ],
    ['nothing', buildkit, '', { steps: 0, cached: 0 }],
  ])('%s', (_, builder, log, expected) => {
    expect(cacheHits(log, builder)).toEqual(expected);
  });
});
