import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { registryUnavailableReason } from '@shipyard/emulators/aws/registry';
import { unusedPort } from '@shipyard/harness/listen';
import { runAction, type RunActionOptions } from '@shipyard/harness/run-action';
import {
  NODE_IMAGE,
  containerLogs,
  copyOfRepository,
  docker,
  dockerCli,
  dockerUnavailableReason,
  runContainer,
  waitForHttp,
} from './docker-engine.js';
import { temporaryFolder } from '@shipyard/harness/temp';
import { dockerShim, filesContaining, type DockerShim } from './helpers.js';

/**
 * The action with a real Docker engine: it builds, pushes through the emulated ECR into a real
 * registry, and the image is pulled back and run. Skips with the reason where no engine answers;
 * .ci/docker-setup.sh makes one answer.
 */

const unavailable = dockerUnavailableReason() ?? registryUnavailableReason();
if (unavailable) console.warn(`Docker suite skipped: ${unavailable}`);
const describeWithDocker = unavailable ? describe.skip : describe;

const demoDockerfile = join(process.cwd(), 'demo-app', 'Dockerfile');
const noDemoDockerfile = existsSync(demoDockerfile) ? undefined : 'demo-app/Dockerfile does not exist yet';
if (!unavailable && noDemoDockerfile) console.warn(`Demo-app Docker tests skipped: ${noDemoDockerfile}`);
const demoTest = noDemoDockerfile ? test.skip : test;

const SHA = 'c0ffee0000000000000000000000000000000001';

/**
 * Whether the build log shows every `RUN npm ci` step served from the cache, in BuildKit's plain
 * progress (`#7 [prod-deps 4/4] RUN npm ci ...` then `#7 CACHED`) or the classic builder's
 * (`Step 9/20 : RUN npm ci ...` then ` ---> Using cache`); undefined when there is no such step.
 */
function installStepCached(log: string): boolean | undefined {
  const buildkit = [...log.matchAll(/^#(\d+) \[[^\]]*\] RUN .*npm (?:ci|install)/gm)];
  if (buildkit.length > 0) return buildkit.every((step) => new RegExp(`^#${step[1]} CACHED$`, 'm').test(log));
  const classic = [...log.matchAll(/^Step \d+\/\d+ : RUN .*npm (?:ci|install).*\n(.*)$/gm)];
  if (classic.length > 0) return classic.every((step) => step[1] === ' ---> Using cache');
  return undefined;
}

let emulator: AwsEmulator;
let ecr: ECRClient;
let shim: DockerShim;

describeWithDocker('build-push-ecr with a real Docker engine', () => {
  beforeAll(async () => {
    emulator = await startAwsEmulator();
    ecr = new ECRClient(emulator.clientConfig());
  });
  afterAll(async () => {
    // Every image this suite tagged names the emulator's registry; vfs keeps a full copy of each.
    if (emulator) {
      const listed = await docker(['images', '--format', '{{.Repository}} {{.ID}}']);
      const ours = listed.stdout
        .split('\n')
        .filter((line) => line.startsWith(`${registry()}/`))
        .map((line) => line.split(' ')[1]);
      if (ours.length > 0) await docker(['image', 'rm', '--force', ...new Set(ours)]);
    }
    ecr?.destroy();
    await emulator?.close();
  });
  beforeEach(() => {
    shim = dockerShim({ real: dockerCli() });
  });

  const registry = () => emulator.ecr.registryHost();

  function run(inputs: RunActionOptions['inputs'], options: Omit<RunActionOptions, 'inputs'> = {}) {
    return runAction('build-push-ecr', {
      timeoutMs: 540_000,
      ...options,
      inputs: { network: 'host', ...inputs },
      env: { ...emulator.clientEnv(), ...shim.env, GITHUB_SHA: SHA, ...options.env },
    });
  }

  /** A tiny app on the local base image: no npm, so builds take seconds. */
  function tinyApp(message: string): string {
    const workspace = temporaryFolder('bpe-tiny-');
    writeFileSync(
      join(workspace, 'Dockerfile'),
      'ARG NODE_IMAGE\nFROM ${NODE_IMAGE}\nWORKDIR /app\nCOPY app.js .\nCMD ["node", "app.js"]\n',
    );
    writeFileSync(join(workspace, 'app.js'), `console.log(${JSON.stringify(message)});\n`);
    return workspace;
  }

  /** Log the test's own docker in (with the password the action gave docker) to pull or push. */
  async function loginAsTest(): Promise<NodeJS.ProcessEnv> {
    const password = shim.calls().find((call) => call.args[0] === 'login')?.stdin;
    const env = { ...process.env, DOCKER_CONFIG: shim.configDir };
    const login = await docker(['login', '--username', 'AWS', '--password-stdin', registry()], {
      input: password,
      env,
    });
    if (login.status !== 0) throw new Error(`docker login failed: ${login.stderr}${login.stdout}`);
    return env;
  }

  async function removeLocal(...images: string[]) {
    await docker(['image', 'rm', '--force', ...images]);
  }

  demoTest(
    'builds the demo app, pushes it to ECR, and the image pulled back reports its commit on /version',
    async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'shipyard/demo-app' }));
      const workspace = copyOfRepository();
      const result = await run(
        {
          repository: 'shipyard/demo-app',
          context: '.',
          dockerfile: 'demo-app/Dockerfile',
          'build-args': `NODE_IMAGE=${NODE_IMAGE}\nGIT_SHA=${SHA}\nAPP_VERSION=1.2.3`,
        },
        { workspace },
      );
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);
      const imageUri = result.outputs['image-uri'];
      expect(imageUri).toBe(`${registry()}/shipyard/demo-app@${result.outputs.digest}`);
      expect(result.summary).toMatch(/\| Size \| \d+(\.\d)? MiB \|/);

      // The password went to docker on stdin only, and nothing holds it once post has logged out.
      const login = shim.calls().find((call) => call.args[0] === 'login');
      expect(login?.args).toEqual(['login', '--username', 'AWS', '--password-stdin', registry()]);
      const password = login?.stdin ?? '';
      expect(password.length).toBeGreaterThan(20);
      expect(readFileSync(join(shim.configDir, 'config.json'), 'utf8')).toContain(registry());
      const post = await run({ repository: 'shipyard/demo-app' }, { phase: 'post', state: result.state, workspace });
      expect(post.exitCode).toBe(0);
      expect(filesContaining(shim.configDir, Buffer.from(`AWS:${password}`).toString('base64'))).toEqual([]);
      expect(filesContaining(shim.configDir, password)).toEqual([]);
      expect(filesContaining(result.runnerTemp, password)).toEqual([]);

      // Pull it back by digest (after forgetting the local copy) and run it.
      await removeLocal(`${registry()}/shipyard/demo-app:${SHA}`, `${registry()}/shipyard/demo-app:main`);
      // Logging out forgets the local copy of the credentials; ECR's token itself stays valid.
      const pullConfig = await loginAsTest();
      const pulled = await docker(['pull', imageUri], { env: pullConfig });
      expect(pulled.status).toBe(0);
      await docker(['logout', registry()], { env: pullConfig });

      const port = await unusedPort();
      const container = await runContainer(imageUri, { PORT: String(port), HOST: '127.0.0.1' });
      try {
        const response = await waitForHttp(`http://127.0.0.1:${port}/version`).catch(async (error: Error) => {
          throw new Error(`${error.message}\ncontainer log:\n${await containerLogs(container.name)}`);
        });
        expect(await response.json()).toMatchObject({ commit: SHA });
      } finally {
        await container.stop();
      }
    },
  );

  demoTest('a rebuild after a source-only change reuses the dependency layers', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo-cache' })).catch(() => undefined);
    const workspace = copyOfRepository();
    const inputs = {
      repository: 'demo-cache',
      context: '.',
      dockerfile: 'demo-app/Dockerfile',
      'build-args': `NODE_IMAGE=${NODE_IMAGE}\nGIT_SHA=${SHA}`,
      tags: 'first',
    };
    const first = await run(inputs, { workspace });
    expect(first.errors).toEqual([]);
    appendFileSync(join(workspace, 'demo-app', 'src', 'app.ts'), '\n// a source-only change\n');
    const second = await run({ ...inputs, tags: 'second' }, { workspace });
    expect(second.errors).toEqual([]);
    expect(second.outputs.digest).not.toBe(first.outputs.digest);

    // The dependency install step is served from the cache the second time.
    expect(installStepCached(second.stdout)).toBe(true);
    const [, cached, steps] = /(\d+) of (\d+) build steps came from the cache/.exec(second.stdout) ?? [];
    expect(Number(cached)).toBeGreaterThan(0);
    expect(Number(cached)).toBeLessThan(Number(steps));
  });

  test('a secret mounted by a RUN step: the image holds only its hash, and the secret is in no layer and no history', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'secret-mount' }));
    const token = `npm-${randomUUID()}`;
    const fileSecret = `machine example.com password netrc-${randomUUID()}\n`;
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    // The secret file lies outside the build context, so only the mount can bring it in.
    const workspace = temporaryFolder('bpe-secret-');
    mkdirSync(join(workspace, 'app'));
    mkdirSync(join(workspace, 'secrets'));
    writeFileSync(join(workspace, 'secrets', 'netrc'), fileSecret);
    writeFileSync(
      join(workspace, 'app', 'Dockerfile'),
      [
        'ARG NODE_IMAGE',
        'FROM ${NODE_IMAGE}',
        // A secret is not part of a step's cache key, so without this a rerun of the suite on
        // the same engine would reuse the step that hashed the last run's secret.
        `ENV RUN_NONCE=${randomUUID()}`,
        'RUN --mount=type=secret,id=npm_token,required=true sha256sum /run/secrets/npm_token | cut -d" " -f1 > /npm_token.sha256',
        'RUN --mount=type=secret,id=netrc,required=true sha256sum /run/secrets/netrc | cut -d" " -f1 > /netrc.sha256',
        'CMD ["cat", "/npm_token.sha256", "/netrc.sha256"]',
        '',
      ].join('\n'),
    );
    const variables = ['SHIPYARD_BUILD_SECRET_1'];
    shim = dockerShim({ real: dockerCli(), watch: variables });
    const result = await run(
      {
        repository: 'secret-mount',
        context: 'app',
        'build-args': `NODE_IMAGE=${NODE_IMAGE}`,
        secrets: `npm_token=${token}`,
        'secret-files': 'netrc=secrets/netrc',
      },
      { workspace },
    );
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.masked).toContain(token);

    // What reached docker: the id and a variable name; the value in that build's environment only.
    const calls = shim.calls();
    const build = calls.find((call) => call.args[0] === 'build' || call.args[1] === 'build');
    expect(build?.args).toEqual(
      expect.arrayContaining([
        '--secret',
        'id=npm_token,env=SHIPYARD_BUILD_SECRET_1',
        '--secret',
        `id=netrc,src=${join(workspace, 'secrets', 'netrc')}`,
      ]),
    );
    expect(build?.env).toEqual({ SHIPYARD_BUILD_SECRET_1: token });
    for (const call of calls.filter((other) => other !== build))
      expect(call.env).toEqual({ SHIPYARD_BUILD_SECRET_1: null });
    const shown = (result.stdout + result.stderr)
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    for (const text of [calls.map((call) => call.args.join(' ')).join('\n'), shown, result.summary]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(fileSecret.trim());
    }

    // The image in ECR, pulled back by digest: the mounts saw the secrets (their hashes match)...
    const imageUri = result.outputs['image-uri'];
    await removeLocal(`${registry()}/secret-mount:${SHA}`, `${registry()}/secret-mount:main`);
    const env = await loginAsTest();
    expect((await docker(['pull', imageUri], { env })).status).toBe(0);
    await docker(['logout', registry()], { env });
    const hashes = await docker(['run', '--rm', '--network', 'host', imageUri]);
    expect(hashes.stdout.trim().split('\n')).toEqual([sha256(token), sha256(fileSecret)]);

    // ...and neither secret is in its history, its configuration or any of its layers.
    const history = await docker(['history', '--no-trunc', imageUri]);
    expect(history.status).toBe(0);
    expect(history.stdout).toContain('sha256sum /run/secrets/npm_token');
    const inspected = await docker(['image', 'inspect', imageUri]);
    const archive = join(temporaryFolder('bpe-secret-save-'), 'image.tar');
    expect((await docker(['save', '--output', archive, imageUri])).status).toBe(0);
    const saved = readFileSync(archive);
    for (const secret of [token, fileSecret.trim()]) {
      expect(history.stdout).not.toContain(secret);
      expect(inspected.stdout).not.toContain(secret);
      expect(saved.includes(secret)).toBe(false);
    }
    // The check can see into the archive: the layer the first RUN step wrote holds the hash.
    expect(saved.includes(sha256(token))).toBe(true);
  });

  test('promote mode copies a digest to new tags with no Docker on PATH', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'tiny' }));
    const built = await run(
      { repository: 'tiny', context: '.', 'build-args': `NODE_IMAGE=${NODE_IMAGE}` },
      { workspace: tinyApp('v1') },
    );
    expect(built.errors).toEqual([]);
    const callsBefore = shim.calls().length;
    const promoted = await run(
      { repository: 'tiny', 'source-tag': SHA, tags: 'production' },
      // The shim's folder off PATH, and no docker at all: promote mode must not need it.
      { env: { PATH: '/nonexistent', DOCKER_SHIM_REAL: undefined } },
    );
    expect(promoted.errors).toEqual([]);
    expect(promoted.outputs.digest).toBe(built.outputs.digest);
    expect(shim.calls().slice(callsBefore)).toEqual([]);

    // The registry serves the same manifest under the new tag.
    const env = await loginAsTest();
    expect((await docker(['pull', `${registry()}/tiny:production`], { env })).status).toBe(0);
    const digests = await docker([
      'image',
      'inspect',
      '--format',
      '{{json .RepoDigests}}',
      `${registry()}/tiny:production`,
    ]);
    expect(digests.stdout).toContain(`${registry()}/tiny@${built.outputs.digest}`);
    await docker(['logout', registry()], { env });
  });

  test('skip-if-exists: a rerun of the same commit builds nothing', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'rerun' }));
    const workspace = tinyApp('rerun');
    const inputs = {
      repository: 'rerun',
      context: '.',
      'build-args': `NODE_IMAGE=${NODE_IMAGE}`,
      'skip-if-exists': true,
    };
    const first = await run(inputs, { workspace });
    expect(first.outputs.skipped).toBe('false');
    const callsBefore = shim.calls().length;
    const second = await run({ ...inputs, tags: '{{sha}}\nrerun-{{run_number}}' }, { workspace });
    expect(second.errors).toEqual([]);
    expect(second.outputs.skipped).toBe('true');
    expect(second.outputs.digest).toBe(first.outputs.digest);
    expect(shim.calls().slice(callsBefore)).toEqual([]);
  });

  test('an immutable tag that already exists: the action stops before building, and docker push is refused too', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'frozen', imageTagMutability: 'IMMUTABLE' }));
    const first = await run(
      { repository: 'frozen', context: '.', 'build-args': `NODE_IMAGE=${NODE_IMAGE}`, tags: 'v1' },
      { workspace: tinyApp('one') },
    );
    expect(first.errors).toEqual([]);

    const callsBefore = shim.calls().length;
    const second = await run(
      { repository: 'frozen', context: '.', 'build-args': `NODE_IMAGE=${NODE_IMAGE}`, tags: 'v1' },
      { workspace: tinyApp('two') },
    );
    expect(second.exitCode).toBe(1);
    expect(second.errors[0]).toContain("Tag 'v1' already exists in 'frozen'");
    expect(
      shim
        .calls()
        .slice(callsBefore)
        .map((call) => call.args[0]),
    ).not.toContain('build');

    // Docker itself, pushing other bytes under that tag, gets ECR's refusal.
    const other = `${registry()}/frozen:v1`;
    const built = await docker([
      'build',
      '--network',
      'host',
      '--build-arg',
      `NODE_IMAGE=${NODE_IMAGE}`,
      '--tag',
      other,
      tinyApp('three'),
    ]);
    expect(built.status).toBe(0);
    const env = await loginAsTest();
    const pushed = await docker(['push', other], { env });
    expect(pushed.status).not.toBe(0);
    expect(pushed.stderr + pushed.stdout).toMatch(
      /cannot be overwritten because the repository is immutable|tag invalid/,
    );
    await docker(['logout', registry()], { env });
  });
});
