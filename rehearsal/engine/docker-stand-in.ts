/**
 * `docker` where the machine has no Docker engine: what docker/setup-buildx-action's local meaning
 * puts first on PATH for the process builder (engine/builder.ts). Run by Node itself (type
 * stripping), never imported.
 *
 * It speaks the part of the Docker CLI that build-push-ecr uses with the classic builder, no more:
 * `version`, `buildx` (missing, as on a machine without the plugin), `login --password-stdin`,
 * `logout`, `build`, `push` and `image inspect --format {{.Size}}`. Anything else fails, naming it.
 *
 * `build` knows one recipe, the demo app's: a Dockerfile that compiles an npm workspace with
 * `RUN npm run build --workspace <dir>`. It runs that build in the checkout (with the repository's
 * installed node_modules), copies the workspace's package.json and dist/ into an image folder that
 * outlives the job, and keeps the final stage's ENV, CMD, ENTRYPOINT and WORKDIR as the image
 * config, with the label `org.shipyard.rehearsal.source` naming the image folder: the AWS emulator's
 * process runtime starts a task as the image's command in that folder. `push` sends a real image
 * (one gzip layer holding the built files, the config, the manifest) through the registry API.
 *
 * Environment: SHIPYARD_STAND_IN_STATE (its own state: logins, built images), SHIPYARD_STAND_IN_IMAGES
 * (where image folders go), SHIPYARD_STAND_IN_NODE_MODULES (the node_modules builds and images use).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const SOURCE_LABEL = 'org.shipyard.rehearsal.source';

interface ImageRecord {
  config: string;
  layer: string;
  folder: string;
}

interface State {
  logins: Record<string, string>;
  images: Record<string, ImageRecord>;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function need(name: string): string {
  const value = process.env[name];
  if (!value) fail(`docker (rehearsal stand-in): ${name} is not set`);
  return value;
}

const stateFile = join(need('SHIPYARD_STAND_IN_STATE'), 'state.json');

function readState(): State {
  return existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as State) : { logins: {}, images: {} };
}

function writeState(state: State): void {
  writeFileSync(stateFile, JSON.stringify(state));
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** `host[:port]/repository:tag` into its parts. */
function reference(image: string): { host: string; repository: string; tag: string } {
  const slash = image.indexOf('/');
  const colon = image.lastIndexOf(':');
  if (slash < 0 || colon < slash) fail(`docker (rehearsal stand-in): '${image}' is not host/repository:tag`);
  return { host: image.slice(0, slash), repository: image.slice(slash + 1, colon), tag: image.slice(colon + 1) };
}

/** The final stage of a Dockerfile: its ARG defaults, ENV, CMD, ENTRYPOINT, WORKDIR; and the workspace it builds. */
function readDockerfile(path: string, buildArgs: Record<string, string>) {
  const text = readFileSync(path, 'utf8').replace(/\\\r?\n/g, ' ');
  const instructions = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const space = line.search(/\s/);
      return { name: line.slice(0, space).toUpperCase(), rest: line.slice(space + 1).trim() };
    });
  const workspace = instructions
    .map((i) => (i.name === 'RUN' ? /npm run build (?:--workspace|-w)[ =](\S+)/.exec(i.rest)?.[1] : undefined))
    .find(Boolean);
  const lastFrom = instructions.map((i) => i.name).lastIndexOf('FROM');
  const args: Record<string, string> = {};
  const env: Record<string, string> = {};
  const expand = (value: string) =>
    value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => env[a ?? b] ?? args[a ?? b] ?? '');
  const unquote = (value: string) => value.replace(/^"(.*)"$/, '$1');
  let cmd: string[] | undefined;
  let entrypoint: string[] | undefined;
  let workdir = '/';
  let healthcheck: Record<string, unknown> | undefined;
  for (const { name, rest } of instructions.slice(lastFrom + 1)) {
    if (name === 'ARG') {
      const [key, ...value] = rest.split('=');
      args[key] = buildArgs[key] ?? unquote(value.join('='));
    } else if (name === 'ENV') {
      for (const match of rest.matchAll(/(\w+)=("[^"]*"|\S*)/g)) env[match[1]] = expand(unquote(match[2]));
    } else if (name === 'CMD' || name === 'ENTRYPOINT') {
      const form = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : ['/bin/sh', '-c', rest];
      if (name === 'CMD') cmd = form;
      else entrypoint = form;
    } else if (name === 'WORKDIR') workdir = expand(rest);
    else if (name === 'HEALTHCHECK') healthcheck = readHealthcheck(rest);
  }
  return { workspace, env, cmd, entrypoint, workdir, healthcheck };
}

const NANOSECONDS: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** `HEALTHCHECK [--interval=15s ...] CMD ...` as the image config's Healthcheck (durations in nanoseconds). */
function readHealthcheck(rest: string): Record<string, unknown> {
  if (/^NONE\b/i.test(rest)) return { Test: ['NONE'] };
  const check: Record<string, unknown> = {};
  const options = /^((?:--[\w-]+=\S+\s+)*)CMD\s+(.*)$/i.exec(rest);
  if (!options) fail(`docker build (rehearsal stand-in): cannot read HEALTHCHECK ${rest}`);
  for (const [, key, amount, unit] of options[1].matchAll(/--([\w-]+)=(\d+(?:\.\d+)?)(ms|s|m|h)?/g)) {
    const value = unit ? Number(amount) * NANOSECONDS[unit] : Number(amount);
    if (key === 'interval') check.Interval = value;
    else if (key === 'timeout') check.Timeout = value;
    else if (key === 'start-period') check.StartPeriod = value;
    else if (key === 'retries') check.Retries = value;
  }
  const command = options[2].trim();
  check.Test = command.startsWith('[') ? ['CMD', ...(JSON.parse(command) as string[])] : ['CMD-SHELL', command];
  return check;
}

function build(args: string[]): void {
  let dockerfile = 'Dockerfile';
  const buildArgs: Record<string, string> = {};
  const labels: Record<string, string> = {};
  const tags: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const value = () => args[++i];
    if (arg === '--file' || arg === '-f') dockerfile = value();
    else if (arg === '--build-arg') {
      const given = value();
      const at = given.indexOf('=');
      if (at < 0) buildArgs[given] = process.env[given] ?? '';
      else buildArgs[given.slice(0, at)] = given.slice(at + 1);
    } else if (arg === '--label') {
      const given = value();
      const at = given.indexOf('=');
      labels[given.slice(0, at)] = given.slice(at + 1);
    } else if (arg === '--tag' || arg === '-t') tags.push(value());
    else if (['--target', '--platform', '--network', '--cache-from', '--secret'].includes(arg)) value();
    else if (arg.startsWith('--progress')) continue;
    else if (arg.startsWith('-')) fail(`docker build (rehearsal stand-in): the option ${arg} is not modelled`);
    else positional.push(arg);
  }
  if (positional.length !== 1) fail('docker build (rehearsal stand-in): give exactly one build context');
  const context = resolve(positional[0]);
  const file = resolve(context, dockerfile);
  const recipe = readDockerfile(file, buildArgs);
  if (!recipe.workspace)
    fail(
      `docker build (rehearsal stand-in): ${file} has no 'RUN npm run build --workspace <dir>', the one recipe ` +
        'the process builder knows (without a Docker engine it runs the build on this machine). Install Docker ' +
        '(.ci/docker-setup.sh) to build any other Dockerfile.',
    );
  const nodeModules = need('SHIPYARD_STAND_IN_NODE_MODULES');
  if (!existsSync(join(context, 'node_modules'))) symlinkSync(nodeModules, join(context, 'node_modules'));
  process.stdout.write(`Step 1/3 : RUN npm run build --workspace ${recipe.workspace} (on this machine)\n`);
  try {
    execFileSync('npm', ['run', 'build', '--workspace', recipe.workspace], { cwd: context, stdio: ['ignore', 2, 2] });
  } catch {
    fail(`The command 'npm run build --workspace ${recipe.workspace}' returned a non-zero code`);
  }
  const folder = join(need('SHIPYARD_STAND_IN_IMAGES'), randomUUID());
  mkdirSync(folder, { recursive: true });
  process.stdout.write(`Step 2/3 : COPY ${recipe.workspace}/package.json ${recipe.workspace}/dist -> ${folder}\n`);
  cpSync(join(context, recipe.workspace, 'package.json'), join(folder, 'package.json'));
  cpSync(join(context, recipe.workspace, 'dist'), join(folder, 'dist'), { recursive: true });
  symlinkSync(nodeModules, join(folder, 'node_modules'));
  const layer = execFileSync('tar', ['-czf', '-', '-C', folder, 'package.json', 'dist']);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: new Date().toISOString(),
    config: {
      Env: Object.entries(recipe.env).map(([key, value]) => `${key}=${value}`),
      ...(recipe.cmd ? { Cmd: recipe.cmd } : {}),
      ...(recipe.entrypoint ? { Entrypoint: recipe.entrypoint } : {}),
      WorkingDir: recipe.workdir,
      ...(recipe.healthcheck ? { Healthcheck: recipe.healthcheck } : {}),
      Labels: { ...labels, [SOURCE_LABEL]: folder },
    },
    rootfs: { type: 'layers', diff_ids: [sha256(gunzipSync(layer))] },
  });
  const state = readState();
  const stored = join(need('SHIPYARD_STAND_IN_STATE'), `${sha256(config).slice(7)}`);
  writeFileSync(`${stored}.layer`, layer);
  for (const tag of tags) state.images[tag] = { config, layer: `${stored}.layer`, folder };
  writeState(state);
  process.stdout.write(`Step 3/3 : config ${sha256(config)} (label ${SOURCE_LABEL}=${folder})\n`);
  process.stdout.write(`Successfully built ${sha256(config).slice(7, 19)}\n`);
  for (const tag of tags) process.stdout.write(`Successfully tagged ${tag}\n`);
}

async function upload(base: string, authorization: string, repository: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const started = await fetch(`${base}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers: { authorization },
  });
  if (started.status !== 202) fail(`blob upload start: ${started.status} ${await started.text()}`);
  const location = new URL(started.headers.get('location') as string, base);
  location.searchParams.set('digest', digest);
  const finished = await fetch(location, {
    method: 'PUT',
    headers: { authorization, 'content-type': 'application/octet-stream' },
    body: data,
  });
  if (finished.status !== 201) fail(`blob upload: ${finished.status} ${await finished.text()}`);
  return digest;
}

async function push(image: string): Promise<void> {
  const state = readState();
  const record = state.images[image];
  if (!record) fail(`An image does not exist locally with the tag: ${image}`);
  const { host, repository, tag } = reference(image);
  const authorization = state.logins[host];
  if (!authorization) fail(`no basic auth credentials (docker login ${host} first)`);
  const base = `http://${host}`;
  process.stdout.write(`The push refers to repository [${host}/${repository}]\n`);
  const layer = readFileSync(record.layer);
  const config = Buffer.from(record.config);
  const layerDigest = await upload(base, authorization, repository, layer);
  const configDigest = await upload(base, authorization, repository, config);
  const mediaType = 'application/vnd.docker.distribution.manifest.v2+json';
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
    layers: [
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: layerDigest },
    ],
  });
  const answer = await fetch(`${base}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { authorization, 'content-type': mediaType },
    body: manifest,
  });
  if (answer.status !== 201) fail(`manifest push: ${answer.status} ${await answer.text()}`);
  process.stdout.write(`${tag}: digest: ${sha256(manifest)} size: ${manifest.length}\n`);
}

async function main(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  switch (command) {
    case 'version':
      // A CLI from 23 on without buildx: build-push-ecr picks the classic builder.
      process.stdout.write('28.0.0-rehearsal-stand-in\n');
      return;
    case 'buildx':
      fail('docker: unknown command: docker buildx (the rehearsal stand-in has no buildx)');
      return;
    case 'login': {
      const registry = rest[rest.length - 1];
      const username = rest[rest.indexOf('--username') + 1];
      if (!rest.includes('--password-stdin'))
        fail('docker login (rehearsal stand-in): only --password-stdin is modelled');
      const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      const state = readState();
      state.logins[registry] = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      writeState(state);
      process.stdout.write('Login Succeeded\n');
      return;
    }
    case 'logout': {
      const state = readState();
      delete state.logins[rest[0]];
      writeState(state);
      process.stdout.write(`Removing login credentials for ${rest[0]}\n`);
      return;
    }
    case 'build':
      build(rest);
      return;
    case 'push':
      await push(rest[rest.length - 1]);
      return;
    case 'image':
      if (rest[0] === 'inspect') {
        const record = readState().images[rest[rest.length - 1]];
        if (!record) fail(`Error: No such image: ${rest[rest.length - 1]}`);
        process.stdout.write(`${readFileSync(record.layer).length}\n`);
        return;
      }
      break;
  }
  fail(`docker ${command ?? ''} is not modelled by the rehearsal's docker stand-in (no Docker engine here)`);
}

await main(process.argv.slice(2));
