import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { listenOnLoopback, type Listening } from '@shipyard/harness/listen';
import { buildCommand, type BuildPlan } from '../src/docker.js';
import { temporaryFolder } from '@shipyard/harness/temp';
import { workspaceWithDockerfile } from './helpers.js';

/**
 * The build-argument contract the action relies on, checked against the real Docker CLI: given
 * `--build-arg NAME` without a value, the CLI takes the value from its own environment and sends
 * it to the engine. The engine is a stand-in that speaks just enough of the Engine API (`/_ping`,
 * `POST /build`) to record the `buildargs` it receives, so no Docker daemon is needed. The classic
 * builder is the one a bare CLI can drive; buildx reads build arguments the same way.
 */

const cli = spawnSync('docker', ['--version'], { encoding: 'utf8' });
const noCli = cli.error || cli.status !== 0 ? 'no docker CLI on PATH' : undefined;
if (noCli) console.warn(`build-push-ecr Docker CLI test skipped: ${noCli}`);
const withCli = noCli ? test.skip : test;

let engine: Listening;
let engineUrl: string;
const received: Record<string, string | null>[] = [];

beforeAll(async () => {
  engine = await listenOnLoopback((request, response) => {
    request.resume();
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://engine');
      if (url.pathname.endsWith('/_ping')) {
        response.writeHead(200, { 'API-Version': '1.41', OSType: 'linux', 'Builder-Version': '1' });
        response.end('OK');
      } else if (request.method === 'POST' && url.pathname.endsWith('/build')) {
        received.push(JSON.parse(url.searchParams.get('buildargs') ?? '{}') as Record<string, string | null>);
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(`${JSON.stringify({ stream: 'Successfully built 0123456789ab\n' })}\n`);
      } else {
        response.writeHead(404, { 'Content-Type': 'application/json' });
        response.end('{"message":"not emulated"}');
      }
    });
  });
  engineUrl = `tcp://127.0.0.1:${engine.port}`;
});
afterAll(async () => {
  await engine.close();
});

function runDocker(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('docker', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (status) => resolve({ status, output }));
  });
}

withCli('the Docker CLI sends the engine the values of --build-arg NAME from its environment', async () => {
  const workspace = workspaceWithDockerfile();
  const token = 'tok-from-an-earlier-step';
  const plan: BuildPlan = {
    context: workspace,
    dockerfile: `${workspace}/Dockerfile`,
    buildArgs: new Map([
      ['NPM_TOKEN', token],
      ['EMPTY', ''],
      ['MULTI', 'line 1\nline 2'],
      ['NO_PROXY', 'build.internal'],
    ]),
    platforms: [],
    labels: new Map(),
    images: ['r.example/web:abc'],
    cache: 'local',
    cacheRef: 'r.example/web:buildcache',
    push: false,
  };
  const command = buildCommand(plan, { kind: 'legacy' });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_HOST: engineUrl,
    DOCKER_CONFIG: temporaryFolder('docker-cli-config-'),
    NO_PROXY: '127.0.0.1',
    ...command.env,
  };
  delete env.HTTP_PROXY;
  delete env.http_proxy;
  const result = await runDocker(command.args, env);
  expect(result.output).toContain('Successfully built');
  expect(result.status).toBe(0);
  expect(received).toEqual([{ NPM_TOKEN: token, EMPTY: '', MULTI: 'line 1\nline 2', NO_PROXY: 'build.internal' }]);
  expect(command.args.join(' ')).not.toContain(token);
  expect(result.output).not.toContain(token);
});
