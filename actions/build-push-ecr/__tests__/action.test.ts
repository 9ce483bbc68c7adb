import { afterEach, describe, expect, test } from '@jest/globals';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsEmulator } from '../../../test/emulators/aws/index.js';
import { registryUnavailableReason } from '../../../test/emulators/aws/registry.js';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from '../../../test/emulators/aws/registry-fixtures.js';
import { DEFAULT_SHA, runAction, type RunActionOptions } from '../../../test/harness/run-action.js';
import { manifestNames, readmeTableNames } from '../../../test/harness/manifest.js';
import { dockerShim, filesContaining, workspaceWithDockerfile, type DockerShim, ecrSuite } from './helpers.js';

/**
 * The bundled action, run as the runner runs it, against the AWS emulator (ECR in front of a real
 * registry) with a recording `docker` first on PATH. What reached ECR is read from the emulator's
 * call log; what reached Docker from the shim's log.
 */

const noRegistry = registryUnavailableReason();
if (noRegistry) console.warn(`build-push-ecr registry tests skipped: ${noRegistry}`);
const withRegistry = noRegistry ? test.skip : test;

let emulator: AwsEmulator;
let ecr: ECRClient;
let shim: DockerShim;

ecrSuite((suite) => ({ emulator, ecr, shim } = suite));

const registryHost = () => emulator.ecr.registryHost();

function run(inputs: RunActionOptions['inputs'], options: Omit<RunActionOptions, 'inputs'> = {}) {
  return runAction('build-push-ecr', {
    workspace: options.workspace ?? workspaceWithDockerfile(),
    ...options,
    inputs,
    env: { ...emulator.clientEnv(), ...shim.env, ...options.env },
  });
}

async function createRepository(name: string, mutability: 'MUTABLE' | 'IMMUTABLE' = 'MUTABLE') {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name, imageTagMutability: mutability }));
}

async function pushImage(repository: string, tag: string, content = 'staging build') {
  const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
  const { username, password } = credentialsFromToken(answer.authorizationData?.[0].authorizationToken as string);
  return pushSyntheticImage(emulator.url, { authorization: basicAuth(username, password), repository, tag, content });
}

describe('bad input fails first: one clear error, no mutating call, no docker call', () => {
  test.each([
    ['an invalid repository name', { repository: 'My_Repo' }, "Input 'repository' is not a valid ECR repository name"],
    [
      'a missing context folder',
      { repository: 'web', context: 'nowhere' },
      "Input 'context' names a folder that does not exist",
    ],
    [
      'a missing Dockerfile',
      { repository: 'web', dockerfile: 'docker/Dockerfile.prod' },
      "Input 'dockerfile' has no Dockerfile at",
    ],
    [
      'malformed build args',
      { repository: 'web', 'build-args': 'NODE_ENV=production\nnot a pair' },
      "Input 'build-args' has a line that is not KEY=value (line 2;",
    ],
    [
      'a build arg with a bad name',
      { repository: 'web', 'build-args': '1X=2' },
      "Input 'build-args' has an invalid key on line 1 (its text is not shown",
    ],
    [
      'a build arg name that cannot be an environment variable',
      { repository: 'web', 'build-args': 'NODE_ENV=production\nnpm-token=x' },
      "Input 'build-args' has an invalid key on line 2 (its text is not shown, as it may be part of a secret). A build argument name is an environment variable name",
    ],
    [
      'an invalid tag',
      { repository: 'web', tags: 'release candidate' },
      "Input 'tags' renders 'release candidate' to 'release candidate', which is not a valid tag",
    ],
    [
      'an over-long tag',
      { repository: 'web', tags: `{{sha}}-${'x'.repeat(100)}` },
      "Input 'tags' renders '{{sha}}-xxx",
    ],
    [
      'an unknown placeholder',
      { repository: 'web', tags: '{{commit}}' },
      "Input 'tags' has an unknown placeholder '{{commit}}'",
    ],
    [
      'a source tag with build inputs',
      { repository: 'web', 'source-tag': 'abc', 'build-args': 'A=1' },
      "Input 'build-args' cannot be combined with 'source-tag'",
    ],
    [
      'both source tag and digest',
      { repository: 'web', 'source-tag': 'abc', 'source-digest': `sha256:${'a'.repeat(64)}` },
      "Input 'source-tag' cannot be combined with 'source-digest'",
    ],
    [
      'a malformed source digest',
      { repository: 'web', 'source-digest': 'sha256:xyz' },
      "Input 'source-digest' is not an image digest",
    ],
    [
      'an unknown cache mode',
      { repository: 'web', cache: 's3' },
      "Input 'cache' must be one of 'registry', 'inline', 'none'",
    ],
    [
      'an invalid platform',
      { repository: 'web', platforms: 'amd64' },
      "Input 'platforms' has an invalid platform 'amd64'",
    ],
  ])('%s', async (_, inputs, message) => {
    const result = await run(inputs);
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toContain(message);
    expect(emulator.calls({ mutating: true })).toEqual([]);
    expect(emulator.calls()).toEqual([]);
    expect(shim.calls()).toEqual([]);
  });

  test('after a bad-input failure the post step knows it is the post step and does not repeat the error', async () => {
    const failed = await run({ repository: 'My_Repo' });
    expect(failed.exitCode).toBe(1);
    expect(failed.state).toEqual({ isPost: 'true' });
    const post = await run({ repository: 'My_Repo' }, { phase: 'post', state: failed.state });
    expect(post.exitCode).toBe(0);
    expect(post.errors).toEqual([]);
    expect(shim.calls()).toEqual([]);
  });

  test('a tag list that this event cannot fill says which placeholders are missing', async () => {
    const result = await run({ repository: 'web', tags: 'pr-{{pr}}' });
    expect(result.errors).toEqual([
      "Input 'tags' gives no tag for this 'push' event ('pr-{{pr}}' needs {{pr}}). Add a template this event can fill, such as {{sha}}",
    ]);
  });

  test('a repository that does not exist is an error that says how to fix it, and nothing is created', async () => {
    const result = await run({ repository: 'ghost' });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toContain("ECR repository 'ghost' does not exist");
    expect(result.errors[0]).toContain('create-repository: true');
    expect(emulator.calls({ mutating: true })).toEqual([]);
    expect(shim.calls().map((call) => call.args[0])).not.toContain('build');
  });
});

describe('build and push', () => {
  withRegistry(
    'logs in with the password on stdin only, builds, pushes, reports the digest; post logs out',
    async () => {
      await createRepository('web');
      const workspace = workspaceWithDockerfile();
      const result = await run(
        {
          repository: 'web',
          'build-args': 'NODE_ENV=production',
          labels: 'org.opencontainers.image.vendor=Octo',
          network: 'host',
        },
        { workspace, event: { name: 'push', payload: { ref: 'refs/heads/main', after: DEFAULT_SHA } } },
      );
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);

      const registry = registryHost();
      const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['web'] }));
      expect(described.repositories?.[0].repositoryUri).toBe(`${registry}/web`);
      const digest = result.outputs.digest;
      expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(result.outputs).toEqual({
        registry,
        image: `${registry}/web:${DEFAULT_SHA}`,
        'image-uri': `${registry}/web@${digest}`,
        digest,
        tags: `${DEFAULT_SHA}\nmain`,
        skipped: 'false',
        'tag-results': '',
      });

      // The password: masked (both forms), on login's stdin, and in no argv and no output.
      const token = result.masked[0];
      const { password } = credentialsFromToken(token);
      expect(result.masked).toEqual([token, password]);
      const calls = shim.calls();
      const loginCall = calls.find((call) => call.args[0] === 'login');
      expect(loginCall).toEqual({
        args: ['login', '--username', 'AWS', '--password-stdin', registry],
        stdin: password,
        buildkit: null,
      });
      for (const call of calls) {
        expect(call.args.join(' ')).not.toContain(password);
        expect(call.args.join(' ')).not.toContain(token);
      }
      // The runner swallows its own `::add-mask::` commands; every other line must be clean.
      const shown = (result.stdout + result.stderr)
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      expect(shown).not.toContain(password);
      expect(shown).not.toContain(token);

      // The build's arguments as they reached docker.
      const build = calls.find((call) => call.args[0] === 'build');
      expect(build?.buildkit).toBe('1');
      const args = build?.args ?? [];
      expect(args).toEqual(
        expect.arrayContaining(['--progress=plain', '--network', 'host', '--build-arg', 'NODE_ENV']),
      );
      expect(args).toContain(`org.opencontainers.image.revision=${DEFAULT_SHA}`);
      expect(args).toContain('org.opencontainers.image.source=https://github.com/octo-org/shipyard-demo');
      expect(args).toContain('org.opencontainers.image.vendor=Octo');
      expect(args.filter((_, i) => args[i - 1] === '--tag')).toEqual([
        `${registry}/web:${DEFAULT_SHA}`,
        `${registry}/web:main`,
      ]);
      expect(args.filter((_, i) => args[i - 1] === '--cache-from')).toEqual([
        `${registry}/web:${DEFAULT_SHA}`,
        `${registry}/web:main`,
      ]);
      expect(args).toContain('BUILDKIT_INLINE_CACHE=1');
      expect(args.slice(-1)).toEqual([workspace]);
      expect(args.slice(0, 3)).toEqual(['build', '--progress=plain', '--file']);
      expect(args[3]).toBe(join(workspace, 'Dockerfile'));
      expect(calls.filter((call) => call.args[0] === 'push').map((call) => call.args[1])).toEqual([
        `${registry}/web:${DEFAULT_SHA}`,
        `${registry}/web:main`,
      ]);

      // The pushes went through ECR's registry proxy with the credentials login stored.
      const manifestPuts = emulator
        .calls({ service: 'ecr' })
        .filter((call) => call.operation === 'registry PUT manifests');
      expect(manifestPuts.map((call) => call.status)).toEqual([201, 201]);

      expect(result.summary).toContain('Image built and pushed');
      expect(result.summary).toContain(digest);
      expect(result.summary).toContain('inline (2 of 3 steps from cache)');
      expect(result.state).toEqual({ isPost: 'true', 'logged-in-to': registry });

      const stored = readFileSync(join(shim.configDir, 'config.json'), 'utf8');
      expect(stored).toContain(registry);
      const post = await run({ repository: 'web' }, { phase: 'post', state: result.state });
      expect(post.exitCode).toBe(0);
      expect(shim.calls().at(-1)?.args).toEqual(['logout', registry]);
      for (const root of [shim.configDir, result.runnerTemp, post.runnerTemp, result.tempDir]) {
        expect(filesContaining(root, password)).toEqual([]);
        expect(filesContaining(root, token)).toEqual([]);
      }
    },
  );

  withRegistry('an immutable repository that already holds a tag fails before building, with the way out', async () => {
    await createRepository('frozen', 'IMMUTABLE');
    await pushImage('frozen', DEFAULT_SHA);
    const before = emulator.calls().length;
    const result = await run({ repository: 'frozen' });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toContain(`Tag '${DEFAULT_SHA}' already exists in 'frozen'`);
    expect(result.errors[0]).toContain('skip-if-exists: true');
    expect(shim.calls().map((call) => call.args[0])).not.toContain('login');
    expect(shim.calls().map((call) => call.args[0])).not.toContain('build');
    expect(
      emulator
        .calls()
        .slice(before)
        .filter((call) => call.mutating),
    ).toEqual([]);
  });

  withRegistry(
    'build argument values reach docker in the environment of the build alone, and never the log',
    async () => {
      await createRepository('web');
      // A value no step registered as a secret, as a token computed in an earlier step would be.
      const token = `tok-${randomUUID()}`;
      shim = dockerShim({ watch: ['NPM_TOKEN', 'EMPTY', 'NO_PROXY'] });
      const result = await run(
        { repository: 'web', 'build-args': `NPM_TOKEN=${token}\nEMPTY=\nNO_PROXY=build.internal` },
        { env: { NO_PROXY: 'runner.internal' } },
      );
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);

      const calls = shim.calls();
      const build = calls.find((call) => call.args[0] === 'build');
      const buildArgs = build?.args.filter((_, i, args) => args[i - 1] === '--build-arg');
      // NO_PROXY is a name docker reads itself: on the command line, docker's own NO_PROXY untouched.
      expect(buildArgs).toEqual(['NPM_TOKEN', 'EMPTY', 'NO_PROXY=build.internal', 'BUILDKIT_INLINE_CACHE=1']);
      expect(build?.env).toEqual({ NPM_TOKEN: token, EMPTY: '', NO_PROXY: 'runner.internal' });
      expect(result.warnings).toEqual([
        expect.stringMatching(/^Build argument NO_PROXY: the Docker CLI reads a variable of that name itself/),
      ]);
      // Only that one docker process had the value: the action's own environment never did.
      for (const call of calls.filter((candidate) => candidate !== build)) {
        expect(call.env).toMatchObject({ NPM_TOKEN: null, EMPTY: null });
      }
      expect(result.stdout).toMatch(/^\[command\]\S*docker build .*--build-arg NPM_TOKEN --build-arg EMPTY /m);
      expect(result.masked).not.toContain(token);
      for (const shown of [result.stdout, result.stderr, result.summary, JSON.stringify(result.outputs)]) {
        expect(shown).not.toContain(token);
      }
      expect(calls.map((call) => call.args.join(' ')).join('\n')).not.toContain(token);
    },
  );

  withRegistry('create-repository creates it with scan on push and immutable tags when asked', async () => {
    const result = await run({
      repository: 'team/new-app',
      'create-repository': true,
      'immutable-tags': true,
      push: false,
    });
    expect(result.errors).toEqual([]);
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team/new-app'] }));
    expect(described.repositories?.[0]).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(result.outputs['image-uri']).toBe('');
    expect(result.outputs.digest).toBe('');
    expect(shim.calls().map((call) => call.args[0])).not.toContain('push');
  });

  withRegistry('cache: registry without buildx warns and falls back to the inline cache', async () => {
    await createRepository('web');
    const result = await run({ repository: 'web', cache: 'registry', push: false });
    expect(result.exitCode).toBe(0);
    expect(result.warnings).toEqual([expect.stringContaining('cache: registry needs buildx')]);
    const build = shim.calls().find((call) => call.args[0] === 'build');
    expect(build?.args).toContain('BUILDKIT_INLINE_CACHE=1');
  });

  withRegistry(
    'with a docker-container buildx builder, cache: registry goes to <repository>:buildcache in the form ECR accepts',
    async () => {
      await createRepository('web');
      shim = dockerShim({ buildxDriver: 'docker-container' });
      const result = await run({ repository: 'web', cache: 'registry', push: false });
      expect(result.exitCode).toBe(0);
      const build = shim.calls().find((call) => call.args[0] === 'buildx' && call.args[1] === 'build');
      const cacheRef = `${registryHost()}/web:buildcache`;
      expect(build?.args).toEqual(
        expect.arrayContaining([
          '--cache-from',
          `type=registry,ref=${cacheRef}`,
          '--cache-to',
          `type=registry,ref=${cacheRef},mode=max,image-manifest=true,oci-mediatypes=true`,
          '--load',
        ]),
      );
    },
  );

  withRegistry(
    'cache: registry into an immutable repository falls back to inline, since the cache tag is rewritten',
    async () => {
      await createRepository('frozen', 'IMMUTABLE');
      shim = dockerShim({ buildxDriver: 'docker-container' });
      const result = await run({ repository: 'frozen', cache: 'registry', push: false });
      expect(result.exitCode).toBe(0);
      expect(result.warnings).toEqual([expect.stringContaining('which an immutable repository refuses')]);
      const build = shim.calls().find((call) => call.args[0] === 'buildx' && call.args[1] === 'build');
      expect(build?.args).toContain('type=inline');
      expect(build?.args.join(' ')).not.toContain('buildcache');
    },
  );

  withRegistry('a failed build is one error with docker’s own last lines', async () => {
    await createRepository('web');
    shim = dockerShim({ fail: 'build' });
    const result = await run({ repository: 'web' });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toMatch(/^docker build failed \(exit code 1\)/);
  });
});

describe('skip-if-exists', () => {
  withRegistry('finds the first tag, builds nothing, and adds only the missing tags', async () => {
    await createRepository('web');
    const existing = await pushImage('web', DEFAULT_SHA);
    const result = await run({ repository: 'web', 'skip-if-exists': true, tags: '{{sha}}\nlatest' });
    expect(result.errors).toEqual([]);
    expect(result.outputs.skipped).toBe('true');
    expect(result.outputs.digest).toBe(existing.digest);
    expect(result.outputs['image-uri']).toBe(`${registryHost()}/web@${existing.digest}`);
    expect(shim.calls()).toEqual([]);
    const puts = emulator.calls({ service: 'ecr', operation: 'PutImage' });
    expect(puts.map((call) => (call.request as { imageTag: string }).imageTag)).toEqual(['latest']);
    expect(result.summary).toContain('build skipped');
    expect(JSON.parse(result.outputs['tag-results'])).toEqual([
      { tag: DEFAULT_SHA, result: 'already-there' },
      { tag: 'latest', result: 'moved' },
    ]);
  });
});

describe('reruns and concurrent runs', () => {
  afterEach(() => {
    emulator.setScenario({});
  });

  withRegistry(
    'create-repository when another run creates the same repository at the same moment: found, not a failure',
    async () => {
      emulator.setScenario({ ecr: { createRepositoryRace: true } });
      const result = await run({ repository: 'team/raced', 'create-repository': true, push: false });
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('Found team/raced (mutable tags)');
      expect(emulator.calls({ operation: 'CreateRepository' }).map((call) => call.errorType)).toEqual([
        'RepositoryAlreadyExistsException',
      ]);
      expect(shim.calls().map((call) => call.args[0])).toContain('build');
    },
  );
});

describe('promote mode', () => {
  withRegistry('copies the manifest to new tags: same digest, no Docker; a rerun changes nothing', async () => {
    await createRepository('web', 'IMMUTABLE');
    const staged = await pushImage('web', DEFAULT_SHA);
    const inputs = { repository: 'web', 'source-tag': DEFAULT_SHA, tags: 'production\nv{{run_number}}' };
    const result = await run(inputs);
    expect(result.errors).toEqual([]);
    expect(result.outputs.digest).toBe(staged.digest);
    expect(result.outputs.tags).toBe('production\nv42');
    expect(shim.calls()).toEqual([]);
    const puts = emulator.calls({ service: 'ecr', operation: 'PutImage' });
    expect(puts.map((call) => call.request)).toEqual([
      expect.objectContaining({ imageTag: 'production', imageManifest: staged.manifest, imageDigest: staged.digest }),
      expect.objectContaining({ imageTag: 'v42', imageManifest: staged.manifest, imageDigest: staged.digest }),
    ]);

    const before = emulator.calls().length;
    const again = await run(inputs);
    expect(again.exitCode).toBe(0);
    expect(again.summary).toContain('| `production` | already there |');
    expect(again.summary).toContain('| `v42` | already there |');
    expect(emulator.calls({ mutating: true }).filter((call) => call.sequence > before)).toEqual([]);
  });

  withRegistry(
    'by digest, into an immutable tag held by another image: ECR refuses, and that tag is reported failed with the reason',
    async () => {
      await createRepository('web', 'IMMUTABLE');
      const staged = await pushImage('web', 'candidate', 'new');
      const old = await pushImage('web', 'production', 'old');
      const result = await run({
        repository: 'web',
        'source-digest': staged.digest,
        tags: 'production\nv{{run_number}}',
      });
      expect(result.exitCode).toBe(1);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toContain(
        "Could not point 1 of 2 tag(s) of 'web' at " + staged.digest + ": 'production'",
      );
      expect(result.errors[0]).toContain('PutImage ImageTagAlreadyExistsException');
      expect(result.errors[0]).toContain(
        `the repository's tags are immutable and the tag already names another image (${old.digest})`,
      );
      // ECR was asked, and said no; the other tag still went through.
      const puts = emulator.calls({ service: 'ecr', operation: 'PutImage' });
      expect(puts.map((call) => [(call.request as { imageTag: string }).imageTag, call.errorType])).toEqual([
        ['production', 'ImageTagAlreadyExistsException'],
        ['v42', undefined],
      ]);
      expect(JSON.parse(result.outputs['tag-results'])).toEqual([
        {
          tag: 'production',
          result: 'failed',
          operation: 'PutImage',
          errorName: 'ImageTagAlreadyExistsException',
          error: expect.stringContaining('cannot be overwritten because the repository is immutable'),
        },
        { tag: 'v42', result: 'moved' },
      ]);
      expect(result.summary).toContain('Promote failed (1 of 2 tags)');
      expect(result.summary).toContain('| `production` | **failed**: PutImage `ImageTagAlreadyExistsException`:');
      expect(result.summary).toContain('| `v42` | moved (new tag) |');
    },
  );

  withRegistry('a tag that points at another image is moved, and the summary says which digest it had', async () => {
    await createRepository('web');
    const staged = await pushImage('web', 'candidate', 'new');
    const old = await pushImage('web', 'production', 'old');
    const result = await run({ repository: 'web', 'source-tag': 'candidate', tags: 'production\ncandidate' });
    expect(result.errors).toEqual([]);
    expect(JSON.parse(result.outputs['tag-results'])).toEqual([
      { tag: 'production', result: 'moved', previous: old.digest },
      { tag: 'candidate', result: 'already-there' },
    ]);
    expect(result.stdout).toContain(`production: moved to ${staged.digest} (was ${old.digest})`);
    expect(result.stdout).toContain(`candidate: already there (points at ${staged.digest})`);
    expect(result.summary).toContain(`| \`production\` | moved (was \`${old.digest}\`) |`);
    expect(result.summary).toContain('| `candidate` | already there |');
    // The tag already on the image costs no PutImage.
    const puts = emulator.calls({ service: 'ecr', operation: 'PutImage' });
    expect(puts.map((call) => (call.request as { imageTag: string }).imageTag)).toEqual(['production']);
  });

  withRegistry(
    "one tag's PutImage fails: exit 1, every tag's outcome in the log, summary and output; a rerun finishes the rest",
    async () => {
      await createRepository('web');
      const staged = await pushImage('web', 'candidate');
      emulator.setScenario({ ecr: { putImageFailures: [{ tag: 'v42' }] } });
      const inputs = {
        repository: 'web',
        'source-tag': 'candidate',
        tags: 'production\nv{{run_number}}\nlatest',
        'max-attempts': 2,
      };
      const failed = await run(inputs);
      expect(failed.exitCode).toBe(1);
      expect(failed.errors).toHaveLength(1);
      expect(failed.errors[0]).toMatch(
        /^Could not point 1 of 3 tag\(s\) of 'web' at sha256:[a-f0-9]{64}: 'v42' \(first: PutImage ServerException: 'Service Unavailable\. Please try again later\.'\)\. 2 other tag\(s\) point at it now\. A rerun finishes the job/,
      );
      expect(failed.stdout).toContain(`production: moved to ${staged.digest} (new tag)`);
      expect(failed.stdout).toContain('v42: failed: PutImage ServerException:');
      expect(failed.stdout).toContain(`latest: moved to ${staged.digest} (new tag)`);
      expect(JSON.parse(failed.outputs['tag-results'])).toEqual([
        { tag: 'production', result: 'moved' },
        {
          tag: 'v42',
          result: 'failed',
          operation: 'PutImage',
          errorName: 'ServerException',
          error: "'Service Unavailable. Please try again later.'",
        },
        { tag: 'latest', result: 'moved' },
      ]);
      expect(failed.summary).toContain('### build-push-ecr: Promote failed (1 of 3 tags)');
      expect(failed.summary).toContain('| `production` | moved (new tag) |');
      expect(failed.summary).toContain(
        "| `v42` | **failed**: PutImage `ServerException`: 'Service Unavailable. Please try again later.' |",
      );
      expect(failed.summary).toContain('| `latest` | moved (new tag) |');
      // The SDK retried the failing tag (2 attempts), then the action went on to the next tag.
      const firstPuts = emulator.calls({ service: 'ecr', operation: 'PutImage' });
      expect(firstPuts.map((call) => [(call.request as { imageTag: string }).imageTag, call.status])).toEqual([
        ['production', 200],
        ['v42', 500],
        ['v42', 500],
        ['latest', 200],
      ]);

      emulator.setScenario({});
      const before = emulator.calls().length;
      const rerun = await run(inputs);
      expect(rerun.errors).toEqual([]);
      expect(rerun.exitCode).toBe(0);
      expect(rerun.outputs.digest).toBe(staged.digest);
      expect(JSON.parse(rerun.outputs['tag-results'])).toEqual([
        { tag: 'production', result: 'already-there' },
        { tag: 'v42', result: 'moved' },
        { tag: 'latest', result: 'already-there' },
      ]);
      expect(rerun.summary).toContain('Image promoted without rebuilding');
      expect(rerun.summary).toContain('| `production` | already there |');
      expect(rerun.summary).toContain('| `v42` | moved (new tag) |');
      // Only the tag the first run left behind was written.
      const rerunPuts = emulator
        .calls({ service: 'ecr', operation: 'PutImage' })
        .filter((call) => call.sequence > before);
      expect(rerunPuts.map((call) => (call.request as { imageTag: string }).imageTag)).toEqual(['v42']);
    },
  );

  withRegistry(
    'a PutImage whose answer was lost after ECR applied it: the retry meets the tag in place, reported moved, not failed',
    async () => {
      await createRepository('web');
      const staged = await pushImage('web', 'candidate');
      emulator.setScenario({ ecr: { putImageAnswerLost: ['production'] } });
      const result = await run({ repository: 'web', 'source-tag': 'candidate', tags: 'production' });
      emulator.setScenario({});
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.outputs['tag-results'])).toEqual([{ tag: 'production', result: 'moved' }]);
      expect(
        emulator.calls({ service: 'ecr', operation: 'PutImage' }).map((call) => [call.status, call.errorType]),
      ).toEqual([
        [500, 'ServerException'],
        [400, 'ImageAlreadyExistsException'],
      ]);
      expect(result.outputs.digest).toBe(staged.digest);
    },
  );

  withRegistry(
    'an error from ECR is text: its name and message reach the log, summary and output cut and without markup',
    async () => {
      await createRepository('web');
      await pushImage('web', 'candidate');
      const message = `<img src=x onerror=alert(1)> ${'m'.repeat(2000)}`;
      emulator.setScenario({
        ecr: { putImageFailures: [{ tag: 'production', type: 'Odd Name<b>', message, status: 400 }] },
      });
      const result = await run({ repository: 'web', 'source-tag': 'candidate', tags: 'production' });
      emulator.setScenario({});
      expect(result.exitCode).toBe(1);
      const [outcome] = JSON.parse(result.outputs['tag-results']) as { errorName: string; error: string }[];
      expect(outcome.errorName).toBe('Odd?Name?b?');
      expect(outcome.error).toContain('(1429 more characters not shown)');
      expect(result.summary).not.toContain('<img');
      expect(result.summary).toContain('&lt;img src=x onerror=alert(1)&gt;');
      for (const text of [result.stdout, result.summary, result.outputs['tag-results']]) {
        expect(text).not.toContain(message);
      }
    },
  );

  withRegistry('a source that is missing still leaves a summary saying why the promote failed', async () => {
    await createRepository('web');
    const result = await run({ repository: 'web', 'source-tag': 'missing', tags: 'production' });
    expect(result.exitCode).toBe(1);
    expect(result.summary).toContain('### build-push-ecr: Promote failed');
    expect(result.summary).toContain('Image web:missing is not in ECR');
  });

  withRegistry('a source that is not in ECR is an error naming it', async () => {
    await createRepository('web');
    const before = emulator.calls().length;
    const result = await run({ repository: 'web', 'source-tag': 'missing', tags: 'production' });
    expect(result.errors).toEqual([
      'Image web:missing is not in ECR, so there is nothing to promote. Check the tag or digest',
    ]);
    expect(
      emulator
        .calls()
        .slice(before)
        .filter((call) => call.mutating),
    ).toEqual([]);
  });
});

describe('AWS failures', () => {
  afterEach(() => {
    emulator.setScenario({});
  });

  test('a missing IAM permission fails at once, naming the action to allow', async () => {
    emulator.setScenario({ faults: { operations: { 'ecr:CreateRepository': { accessDenied: true } } } });
    const result = await run({ repository: 'new-app', 'create-repository': true });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toBe(
      "Permission denied for ecr:CreateRepository: User: arn:aws:sts::123456789012:assumed-role/deployer/session is not authorized to perform: ecr:CreateRepository on resource: * because no identity-based policy allows the ecr:CreateRepository action. Allow ecr:CreateRepository in the IAM policy of the role the step's credentials belong to (the action's README lists every permission it needs)",
    );
    expect(emulator.calls({ operation: 'CreateRepository' })).toHaveLength(1);
    expect(shim.calls().map((call) => call.args[0])).not.toContain('login');
  });

  test.each([
    [
      'an access key AWS does not know',
      { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNIDENTITY0', AWS_SECRET_ACCESS_KEY: 'whatever' },
      'UnrecognizedClientException',
      'The security token included in the request is invalid',
    ],
    [
      'a known key with the wrong secret',
      { AWS_ACCESS_KEY_ID: 'AKIABUILDER000000000', AWS_SECRET_ACCESS_KEY: 'not-the-secret' },
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method',
    ],
  ])('%s: explained at the first call, not passed through raw', async (_, keys, errorName, detail) => {
    // With credentials listed the emulator checks the key and the signature, as AWS does.
    emulator.setScenario({ credentials: [{ accessKeyId: 'AKIABUILDER000000000', secretAccessKey: 'the-secret' }] });
    const result = await run({ repository: 'web', 'max-attempts': 5 }, { env: keys });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toEqual([
      `AWS refused the credentials (${errorName}) on ecr:GetAuthorizationToken: ${detail}. Check the step that configures AWS credentials`,
    ]);
    // Not retried (a 403 will not heal), nothing changed, and Docker was never asked.
    expect(emulator.calls().map((call) => [call.operation, call.errorType])).toEqual([
      ['GetAuthorizationToken', errorName],
    ]);
    expect(shim.calls()).toEqual([]);
  });

  withRegistry(
    'throttling and server errors on 30% of ECR calls: the SDK retries and the promote still lands',
    async () => {
      await createRepository('web');
      const staged = await pushImage('web', 'candidate');
      emulator.setScenario({ seed: 7, faults: { throttleRate: 0.3, serverErrorRate: 0.1 } });
      const result = await run({ repository: 'web', 'source-tag': 'candidate', tags: 'a\nb\nc\nd', 'max-attempts': 8 });
      expect(result.errors).toEqual([]);
      expect(result.outputs.digest).toBe(staged.digest);
      expect(emulator.calls().filter((call) => call.fault !== undefined).length).toBeGreaterThan(0);
    },
  );
});

test('the README documents every input and output of action.yml', () => {
  expect(readmeTableNames('build-push-ecr', 'Inputs')).toEqual(manifestNames('build-push-ecr', 'inputs'));
  expect(readmeTableNames('build-push-ecr', 'Outputs')).toEqual(manifestNames('build-push-ecr', 'outputs'));
});
