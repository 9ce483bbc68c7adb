import * as exec from '@actions/exec';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import type { EffectiveCache } from './cache.js';

/**
 * The Docker CLI, through `@actions/exec`. Argument lists are built by pure functions (tested
 * without Docker); the functions that run them add only the process handling. The registry
 * password only ever travels on `docker login`'s standard input, and build argument and secret
 * values in the build's environment (but for the few build argument names docker reads itself),
 * not as arguments, which the log shows.
 */

/**
 * Which builder runs the build. `buildx` can export a registry cache when its driver is not the
 * plain `docker` one (a `docker-container` builder, as docker/setup-buildx-action creates);
 * `buildkit` is the BuildKit built into Docker CLIs before 23 (`DOCKER_BUILDKIT=1 docker build`),
 * which writes inline cache; `legacy` is the classic builder, which reuses local layers only.
 */
export type Builder =
  | { kind: 'buildx'; driver: string }
  /** `clientVersion`: the CLI's, such as `20.10.24`, where it could be read. */
  | { kind: 'buildkit'; clientVersion?: string }
  | { kind: 'legacy' };

export interface BuildPlan {
  context: string;
  dockerfile: string;
  buildArgs: ReadonlyMap<string, string>;
  /** BuildKit secrets by id, given as values: an empty value is left out (see `buildCommand`). */
  secrets?: ReadonlyMap<string, string>;
  /** BuildKit secrets by id, given as absolute paths of files. */
  secretFiles?: ReadonlyMap<string, string>;
  target?: string;
  platforms: readonly string[];
  network?: string;
  labels: ReadonlyMap<string, string>;
  /** Full references, `registry/repository:tag`; the first is the main one. */
  images: readonly string[];
  cache: EffectiveCache;
  /** `registry/repository:buildcache`, for the registry cache. */
  cacheRef: string;
  push: boolean;
  /** buildx only: where it writes the pushed digest. */
  metadataFile?: string;
}

export interface DockerCommand {
  args: string[];
  /** Variables for this one docker process only (on top of the action's own environment). */
  env: Record<string, string>;
}

/**
 * Names the Docker CLI, buildx or the process running them read from their own environment: the
 * daemon or builder to talk to and how (DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG, BUILDX_BUILDER,
 * BUILDKIT_HOST, the proxies for its own connections), where it finds its configuration and
 * credential helpers (HOME, PATH, XDG_*; on Windows USERPROFILE, APPDATA and the system folders),
 * what a credential helper such as docker-credential-ecr-login signs with (AWS_*), TLS roots, the
 * Go runtime's and the loader's settings, telemetry (OTEL_*), and the GitHub cache service
 * (ACTIONS_*, for buildx's gha cache). Prefixes rather than today's exact list, so that a variable
 * a later Docker release adds is covered too.
 */
const DOCKER_READS_PREFIXES = ['DOCKER_', 'BUILDX_', 'BUILDKIT_', 'XDG_', 'LD_', 'OTEL_', 'ACTIONS_', 'AWS_'];
const DOCKER_READS_NAMES = new Set([
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'PATH',
  'HOME',
  'TMPDIR',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GODEBUG',
  'GOGC',
  'GOMAXPROCS',
  'GOMEMLIMIT',
  'GOTRACEBACK',
  'NO_COLOR',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'PROGRAMDATA',
  'SYSTEMROOT',
  'TEMP',
  'TMP',
]);

/**
 * Whether a build argument must travel as `--build-arg NAME=value` on the command line (its value
 * then shows in the log, where `@actions/exec` echoes the command) rather than as `--build-arg NAME`
 * with the value in docker's environment, from which the CLI takes it.
 *
 * Putting a name the CLI reads into its environment would change what docker itself does: a
 * build argument DOCKER_HOST would send the build to another daemon, HTTP_PROXY would reroute the
 * CLI's own connections, PATH would change which credential helper runs. Those few names keep the
 * command-line form, which leaves docker's environment exactly as the runner set it. Compared
 * without case: Go reads `http_proxy` as well as `HTTP_PROXY`, and Windows names ignore case.
 */
export function buildArgOnCommandLine(name: string): boolean {
  const upper = name.toUpperCase();
  return DOCKER_READS_NAMES.has(upper) || DOCKER_READS_PREFIXES.some((prefix) => upper.startsWith(prefix));
}

/**
 * Why this builder cannot mount build secrets, or undefined when it can. Secrets are a BuildKit
 * feature: the classic builder has no `--secret`. Docker CLIs before 20.10 have `--secret` but
 * read a secret only from a file (`src=`), not from the environment (`env=`), and the action
 * never writes a secret value to disk.
 */
export function secretsUnsupported(builder: Builder): string | undefined {
  if (builder.kind === 'legacy') {
    return "this runner's Docker has only the classic builder, which cannot mount secrets (docker buildx is not installed, and a Docker CLI from 23.0 on has no BuildKit without it)";
  }
  if (builder.kind === 'buildkit' && builder.clientVersion) {
    const [major, minor] = builder.clientVersion.split('.').map(Number);
    if (major < 20 || (major === 20 && minor < 10)) {
      return `this runner's Docker CLI ${builder.clientVersion} reads build secrets only from files, not from the environment as the action passes them (that came in 20.10), and docker buildx is not installed`;
    }
  }
  return undefined;
}

/** The environment variable the value of secret number `index` (from 1) travels in. */
const SECRET_VARIABLE_PREFIX = 'SHIPYARD_BUILD_SECRET_';

/**
 * One `--secret` value: the CSV record the CLI (and buildx) parse it as, so a field holding a
 * comma or a quote (a path can) is quoted, with quotes doubled.
 */
export function secretSpec(fields: readonly string[]): string {
  return fields.map((field) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(',');
}

/** The build command for a builder. Classic and BuildKit builds push afterwards with `docker push`. */
export function buildCommand(plan: BuildPlan, builder: Builder): DockerCommand {
  const args = builder.kind === 'buildx' ? ['buildx', 'build'] : ['build'];
  if (builder.kind !== 'legacy') args.push('--progress=plain');
  args.push('--file', plan.dockerfile);
  if (plan.target) args.push('--target', plan.target);
  if (plan.platforms.length > 0) args.push('--platform', plan.platforms.join(','));
  if (plan.network) args.push('--network', plan.network);
  // Values travel in the environment of this docker process, not in argv, which @actions/exec
  // echoes to the log: a value that is not a registered secret (a token an earlier step computed)
  // would otherwise be printed. The CLI (classic builder, BuildKit and buildx alike) reads
  // `--build-arg NAME` without a value from its environment, an empty value included.
  const env: Record<string, string> = {};
  for (const [name, value] of plan.buildArgs) {
    if (buildArgOnCommandLine(name)) {
      args.push('--build-arg', `${name}=${value}`);
    } else {
      args.push('--build-arg', name);
      env[name] = value;
    }
  }
  // A secret value rides the same way as a build argument's, but under a name of our own (an id
  // such as npm-token need not be a variable name, and a build argument may already use its
  // name): `env=` tells the CLI which variable of its environment holds it. An empty value (a
  // repository secret that is not set expands to nothing) is left out, so a Dockerfile mounting
  // it with required=true fails plainly rather than building with an empty credential.
  const taken = new Set(Object.keys(env).map((name) => name.toUpperCase()));
  let counter = 0;
  for (const [id, value] of plan.secrets ?? []) {
    if (value === '') continue;
    let variable: string;
    do variable = `${SECRET_VARIABLE_PREFIX}${++counter}`;
    while (taken.has(variable));
    env[variable] = value;
    args.push('--secret', secretSpec([`id=${id}`, `env=${variable}`]));
  }
  for (const [id, path] of plan.secretFiles ?? []) args.push('--secret', secretSpec([`id=${id}`, `src=${path}`]));
  for (const [key, value] of plan.labels) args.push('--label', `${key}=${value}`);
  for (const image of plan.images) args.push('--tag', image);

  if (plan.cache === 'registry') {
    args.push('--cache-from', `type=registry,ref=${plan.cacheRef}`);
    // ECR accepts a cache only as an image manifest with OCI media types.
    args.push('--cache-to', `type=registry,ref=${plan.cacheRef},mode=max,image-manifest=true,oci-mediatypes=true`);
  } else if (plan.cache === 'inline') {
    // The previous image under any of our tags (the branch's last build) seeds the cache.
    for (const image of plan.images) {
      args.push('--cache-from', builder.kind === 'buildx' ? `type=registry,ref=${image}` : image);
    }
    if (builder.kind === 'buildx') args.push('--cache-to', 'type=inline');
    else args.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1');
  }

  if (builder.kind === 'buildx') {
    args.push(plan.push ? '--push' : '--load');
    if (plan.metadataFile) args.push('--metadata-file', plan.metadataFile);
  }
  args.push(plan.context);

  if (builder.kind === 'buildkit') env.DOCKER_BUILDKIT = '1';
  // Newer CLIs refuse DOCKER_BUILDKIT=1 without buildx; say plainly that this is the classic builder.
  if (builder.kind === 'legacy') env.DOCKER_BUILDKIT = '0';
  return { args, env };
}

export function loginArgs(registry: string, username: string): string[] {
  return ['login', '--username', username, '--password-stdin', registry];
}

export function logoutArgs(registry: string): string[] {
  return ['logout', registry];
}

/** Steps in a build log and how many of them came from the cache. */
export function cacheHits(log: string, builder: Builder): { steps: number; cached: number } {
  if (builder.kind === 'legacy') {
    return {
      steps: (log.match(/^Step \d+\/\d+ :/gm) ?? []).length,
      cached: (log.match(/^ ---> Using cache$/gm) ?? []).length,
    };
  }
  // BuildKit's plain progress: `#7 [deps 3/4] RUN npm ci` starts a step, `#7 CACHED` marks a hit.
  const steps = new Set(Array.from(log.matchAll(/^#(\d+) \[[^\]]*\d+\/\d+\]/gm), (m) => m[1]));
  const cached = new Set(Array.from(log.matchAll(/^#(\d+) CACHED$/gm), (m) => m[1]).filter((id) => steps.has(id)));
  return { steps: steps.size, cached: cached.size };
}

async function docker(
  args: string[],
  { input, env, silent = false }: { input?: Buffer; env?: Record<string, string>; silent?: boolean } = {},
): Promise<exec.ExecOutput> {
  try {
    return await exec.getExecOutput('docker', args, {
      input,
      silent,
      ignoreReturnCode: true,
      env: env ? ({ ...process.env, ...env } as Record<string, string>) : undefined,
    });
  } catch (error) {
    // exec throws before running when the binary is missing from PATH.
    throw new ActionFailure(
      `Could not run docker: ${errorMessage(error)}. Install Docker on the runner, or use promote mode (source-tag) which needs no Docker`,
    );
  }
}

/** How much of one line of docker's output an error quotes. */
const FAILURE_LINE_CHARACTERS = 500;

function failure(what: string, output: exec.ExecOutput): ActionFailure {
  const detail = (output.stderr.trim() || output.stdout.trim())
    .split('\n')
    .slice(-5)
    .map((line) =>
      line.length > FAILURE_LINE_CHARACTERS
        ? `${line.slice(0, FAILURE_LINE_CHARACTERS)}… (${line.length - FAILURE_LINE_CHARACTERS} more characters not shown)`
        : line,
    )
    .join('\n');
  return new ActionFailure(`docker ${what} failed (exit code ${output.exitCode})${detail ? `: ${detail}` : ''}`);
}

export async function detectBuilder(): Promise<Builder> {
  const buildx = await docker(['buildx', 'version'], { silent: true });
  if (buildx.exitCode === 0) {
    const inspect = await docker(['buildx', 'inspect'], { silent: true });
    const driver = /^Driver:\s+(\S+)/m.exec(inspect.stdout)?.[1] ?? 'docker';
    return { kind: 'buildx', driver };
  }
  const version = await docker(['version', '--format', '{{.Client.Version}}'], { silent: true });
  const major = Number(/^(\d+)\./.exec(version.stdout.trim())?.[1]);
  if (!Number.isFinite(major)) {
    if (version.exitCode !== 0 && !version.stdout.trim()) throw failure('version', version);
    return { kind: 'legacy' };
  }
  return major < 23 ? { kind: 'buildkit', clientVersion: version.stdout.trim() } : { kind: 'legacy' };
}

export async function login(registry: string, username: string, password: string): Promise<void> {
  const output = await docker(loginArgs(registry, username), { input: Buffer.from(password, 'utf8') });
  if (output.exitCode !== 0) throw failure(`login to ${registry}`, output);
}

export async function logout(registry: string): Promise<void> {
  const output = await docker(logoutArgs(registry));
  if (output.exitCode !== 0) throw failure(`logout from ${registry}`, output);
}

export async function build(plan: BuildPlan, builder: Builder): Promise<{ steps: number; cached: number }> {
  const command = buildCommand(plan, builder);
  const output = await docker(command.args, { env: command.env });
  if (output.exitCode !== 0) throw failure('build', output);
  return cacheHits(`${output.stdout}\n${output.stderr}`, builder);
}

export async function push(image: string): Promise<void> {
  const output = await docker(['push', image]);
  if (output.exitCode !== 0) throw failure(`push ${image}`, output);
}

/** Uncompressed size of a local image, for builds that are not pushed. */
export async function localImageSize(image: string): Promise<number | undefined> {
  const output = await docker(['image', 'inspect', '--format', '{{.Size}}', image], { silent: true });
  const size = Number(output.stdout.trim());
  return output.exitCode === 0 && Number.isFinite(size) ? size : undefined;
}
