import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from '@jest/globals';
import { temporaryFolder } from '@shipyard/harness/temp';
import { buildxVersion, installBuilder } from '../engine/builder.js';
import { runFixture, step } from './fixture.js';

const BUILDX = 'docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e';

let folder: string;
beforeEach(() => {
  folder = temporaryFolder('rehearsal-builder-');
});

function run(docker: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    return { code: 0, out: execFileSync(docker, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { code: failed.status, out: `${failed.stdout}${failed.stderr}` };
  }
}

describe('docker/setup-buildx-action where the machine has no buildx', () => {
  test('with a process builder, later steps find a docker without buildx that build-push-ecr reads as the classic builder', async () => {
    const workflow = `on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - uses: ${BUILDX}
      - id: probe
        run: |
          echo "version=$(docker version --format '{{.Client.Version}}')" >>"$GITHUB_OUTPUT"
          if docker buildx version; then echo "buildx=yes" >>"$GITHUB_OUTPUT"; else echo "buildx=no" >>"$GITHUB_OUTPUT"; fi
`;
    const result = await runFixture(workflow, {
      builder: { kind: 'process', imagesDir: join(folder, 'images'), nodeModules: join(folder, 'node_modules') },
    });
    expect(step(result, 'one', 'probe').outputs).toEqual({ version: '28.0.0-rehearsal-stand-in', buildx: 'no' });
  });

  test('without a builder, the step fails saying buildx is missing (where it is)', async () => {
    const result = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - uses: ${BUILDX}
`);
    if (buildxVersion()) expect(result.jobs[0].steps[0].outcome).toBe('success');
    else expect(result.jobs[0].steps[0].note).toMatch(/docker buildx is not installed/);
  });
});

describe('the docker builder: the real CLI, each build given the local base image and the host network', () => {
  test.each([
    [
      ['build', '--file', 'Dockerfile', '-t', 'x', '.'],
      'build --build-arg NODE_IMAGE=base:local --network host --file Dockerfile -t x .',
    ],
    [['buildx', 'build', '.'], 'buildx build --build-arg NODE_IMAGE=base:local --network host .'],
    [['push', 'x'], 'push x'],
    [['login', '--password-stdin', 'r'], 'login --password-stdin r'],
  ])('docker %j runs the real docker with %j', (args, expected) => {
    const real = join(folder, 'real');
    mkdirSync(real);
    writeFileSync(join(real, 'docker'), '#!/bin/sh\necho "$@"\n');
    chmodSync(join(real, 'docker'), 0o755);
    installBuilder(join(folder, 'bin'), { kind: 'docker', nodeImage: 'base:local', realDocker: join(real, 'docker') });
    expect(run(join(folder, 'bin', 'docker'), args).out.trim()).toBe(expected);
  });
});

describe('the process builder without an engine', () => {
  const standIn = () => {
    installBuilder(join(folder, 'bin'), {
      kind: 'process',
      imagesDir: join(folder, 'images'),
      nodeModules: join(folder, 'node_modules'),
    });
    return join(folder, 'bin', 'docker');
  };

  test.each([
    [['buildx', 'version'], /unknown command: docker buildx/],
    [['run', 'x'], /docker run is not modelled by the rehearsal's docker stand-in/],
    [['push', 'h:1/r:t'], /An image does not exist locally with the tag: h:1\/r:t/],
    [['build', '--squash', '.'], /the option --squash is not modelled/],
  ])('docker %j fails, naming what it cannot do', (args, message) => {
    const result = run(standIn(), args);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(message);
  });

  test('a Dockerfile without the one recipe it knows is refused, saying what would build it', () => {
    const context = join(folder, 'context');
    mkdirSync(context);
    writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY . /\nCMD ["/app"]\n');
    const result = run(standIn(), ['build', '--file', join(context, 'Dockerfile'), '--tag', 'h:1/r:t', context]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/has no 'RUN npm run build --workspace <dir>'.*Install Docker/s);
  });
});
