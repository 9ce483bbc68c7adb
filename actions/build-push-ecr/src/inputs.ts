import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { registryHost } from './ecr.js';
import { ActionFailure, InputError } from '@shipyard/shared/errors';
import {
  exactlyOneOf,
  readBoolean,
  readEnum,
  readKeyValueLines,
  readList,
  readMaxAttempts,
  readRaw,
  readString,
  type Env,
} from '@shipyard/shared/inputs';
import { resolveInputPath } from '@shipyard/shared/paths';
import { readRunContext, type RunContext } from '@shipyard/shared/context';
import { findInvisible, shown } from '@shipyard/shared/text';
import { CACHE_MODES, type CacheMode } from './cache.js';
import { derivedLabels } from './labels.js';
import {
  DEFAULT_TAG_TEMPLATES,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  renderTags,
  tagContext,
  TagTemplateError,
  TAG_PATTERN,
  type RenderedTags,
} from './tags.js';

/** Input names, in step with action.yml. */
export const INPUT = {
  repository: 'repository',
  registry: 'registry',
  createRepository: 'create-repository',
  immutableTags: 'immutable-tags',
  context: 'context',
  dockerfile: 'dockerfile',
  buildArgs: 'build-args',
  secrets: 'secrets',
  secretFiles: 'secret-files',
  target: 'target',
  platforms: 'platforms',
  network: 'network',
  labels: 'labels',
  tags: 'tags',
  cache: 'cache',
  push: 'push',
  skipIfExists: 'skip-if-exists',
  sourceTag: 'source-tag',
  sourceDigest: 'source-digest',
  maxAttempts: 'max-attempts',
} as const;

/** Output names, in step with action.yml. */
export const OUTPUT = {
  registry: 'registry',
  image: 'image',
  imageUri: 'image-uri',
  digest: 'digest',
  tags: 'tags',
  skipped: 'skipped',
  tagResults: 'tag-results',
} as const;

export interface BuildInputs {
  kind: 'build';
  context: string;
  dockerfile: string;
  buildArgs: Map<string, string>;
  /** BuildKit secrets by id: the value, which reaches docker only in the build's environment. */
  secrets: Map<string, string>;
  /** BuildKit secrets by id: an absolute path of a file that exists. */
  secretFiles: Map<string, string>;
  target?: string;
  platforms: string[];
  network?: string;
  labels: Map<string, string>;
  cache: CacheMode;
  push: boolean;
  skipIfExists: boolean;
}

export interface PromoteInputs {
  kind: 'promote';
  source: { tag: string } | { digest: string };
}

export interface Inputs {
  repository: string;
  /** The registry host (`<account>.dkr.ecr.<region>.amazonaws.com`); undefined: from the authorization data. */
  registry?: string;
  /** The 12-digit registry id, when `registry` names an ECR registry. */
  registryId?: string;
  /**
   * The region in an ECR registry host: ECR's API and its login tokens are regional, so the calls
   * must go there rather than to AWS_REGION.
   */
  registryRegion?: string;
  createRepository: boolean;
  immutableTags: boolean;
  tags: string[];
  skippedTemplates: RenderedTags['skipped'];
  /** The semver of a tag push (`v1.2.3` gives `1.2.3`), for the image's version label. */
  version?: string;
  mode: BuildInputs | PromoteInputs;
  maxAttempts: number;
  /** The workflow run, read once here: tags come from it, and the image's labels. */
  run: RunContext;
}

export const REPOSITORY_NAME_PATTERN = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** ECR's limit on a repository name. */
export const MAX_REPOSITORY_LENGTH = 256;
/** A host name as DNS allows it (labels of 1 to 63 letters, digits and inner hyphens), with an optional port. */
const REGISTRY_PATTERN =
  /^(?=[^:]{1,253}(?::|$))[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::(\d{1,5}))?$/;
const ECR_REGISTRY_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
/** A build stage or a network, as docker names them (at most 128 characters here). */
const DOCKER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** os/arch[/variant], each part at most 32 characters. */
const PLATFORM_PATTERN = /^[a-z0-9]{1,32}\/[a-z0-9_]{1,32}(?:\/[a-z0-9]{1,32})?$/;
const MAX_PLATFORMS = 16;
const BUILD_ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const LABEL_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,253}[A-Za-z0-9])?$/;
/** A label value: one line of at most this many characters (the log shows it in the build command). */
export const MAX_LABEL_VALUE = 4096;
const MAX_LABELS = 100;
/**
 * Linux refuses to start a process when one `NAME=value` string of its environment or argument
 * list is 128 KiB or more (MAX_ARG_STRLEN): a build argument or a secret value travels as one.
 */
const MAX_ENV_STRING_BYTES = 128 * 1024 - 1;
/** Build arguments, secrets, secret files: each list at most this long (the log names them). */
const MAX_PAIRS = 100;
/**
 * A secret id: what `RUN --mount=type=secret,id=<id>` names and the file name under /run/secrets.
 * No `/` (it would be a path below /run/secrets) and none of the `,` `"` `=` that the CSV of
 * `--secret id=...,env=...` would split on.
 */
const SECRET_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const SECRET_ID_DESCRIPTION =
  'A secret id has letters, digits, _ . and - (at most 128, not starting with . or -), such as npm_token; the Dockerfile mounts it with RUN --mount=type=secret,id=npm_token';
const BUILD_ONLY_INPUTS = [
  INPUT.dockerfile,
  INPUT.buildArgs,
  INPUT.secrets,
  INPUT.secretFiles,
  INPUT.target,
  INPUT.platforms,
  INPUT.labels,
] as const;

export function getInputs(env: Env = process.env): Inputs {
  const repository = readString(INPUT.repository, { required: true }, env);
  if (!REPOSITORY_NAME_PATTERN.test(repository)) {
    const length = Array.from(repository).length;
    throw new InputError(
      INPUT.repository,
      length > MAX_REPOSITORY_LENGTH
        ? `is ${length} characters long; ECR allows at most ${MAX_REPOSITORY_LENGTH} in a repository name: ${shown(repository)}`
        : `is not a valid ECR repository name: ${shown(repository)}`,
      'Use 2 to 256 lower-case letters, digits and . _ - /, starting and ending with a letter or digit (for example my-team/web-app)',
    );
  }

  const registry = readRegistry(env);
  const sourceInput = exactlyOneOf([INPUT.sourceTag, INPUT.sourceDigest], { required: false }, env);
  const mode = sourceInput ? readPromote(sourceInput, env) : readBuild(env);

  const run = readRunContext(env as NodeJS.ProcessEnv);
  const templates = readList(INPUT.tags, { commas: false }, env);
  if (templates.length > MAX_TAGS) {
    throw new InputError(
      INPUT.tags,
      `has ${templates.length} templates; at most ${MAX_TAGS} are allowed`,
      'Give fewer tags: every one is a PutImage or a push',
    );
  }
  const placeholders = tagContext({ env, payload: run.payload });
  let rendered: RenderedTags;
  try {
    rendered = renderTags(templates.length > 0 ? templates : DEFAULT_TAG_TEMPLATES, placeholders);
  } catch (error) {
    if (error instanceof TagTemplateError) throw new InputError(INPUT.tags, error.message);
    throw error;
  }
  if (rendered.tags.length === 0) {
    const reasons = rendered.skipped.map(
      ({ template, missing }) => `${shown(template)} needs {{${missing.join('}}, {{')}}}`,
    );
    throw new InputError(
      INPUT.tags,
      `gives no tag for this ${shown(run.eventName || 'unknown')} event (${reasons.join('; ')})`,
      'Add a template this event can fill, such as {{sha}}',
    );
  }
  if (mode.kind === 'build') checkDerivedLabels(run, placeholders.version ?? rendered.tags[0]);

  return {
    repository,
    registry: registry?.host,
    registryId: registry?.id,
    registryRegion: registry?.region,
    createRepository: readBoolean(INPUT.createRepository, false, env),
    immutableTags: readBoolean(INPUT.immutableTags, false, env),
    tags: rendered.tags,
    skippedTemplates: rendered.skipped,
    version: placeholders.version,
    mode,
    maxAttempts: readMaxAttempts(INPUT.maxAttempts, { fallback: 3 }, env),
    run,
  };
}

function readRegistry(env: Env): { host: string; id?: string; region?: string } | undefined {
  const given = readString(INPUT.registry, {}, env);
  if (given === undefined) return undefined;
  const host = registryHost(given);
  const valid = REGISTRY_PATTERN.exec(host);
  const port = valid?.[1] === undefined ? undefined : Number(valid[1]);
  if (!valid || (port !== undefined && (port < 1 || port > 65535))) {
    throw new InputError(
      INPUT.registry,
      `is not a registry host: ${shown(given)}`,
      'Give a host name (labels of letters, digits and -, at most 253 characters) with an optional port from 1 to 65535 and nothing else, such as 123456789012.dkr.ecr.us-east-1.amazonaws.com, or leave it out to use your account',
    );
  }
  // The account and region are in the host name; a port (a proxy, the emulator) does not hide them.
  const ecr = ECR_REGISTRY_HOST.exec(host.replace(/:\d+$/, ''));
  return { host, id: ecr?.[1], region: ecr?.[2] };
}

function readPromote(sourceInput: string, env: Env): PromoteInputs {
  for (const name of BUILD_ONLY_INPUTS) {
    if (readRaw(name, env) !== undefined) {
      throw new InputError(
        name,
        `cannot be combined with '${sourceInput}'`,
        `Promote mode copies an image that is already in ECR without building; remove '${name}' or '${sourceInput}'`,
      );
    }
  }
  if (readBoolean(INPUT.skipIfExists, false, env)) {
    throw new InputError(INPUT.skipIfExists, `cannot be combined with '${sourceInput}'`, 'Promote mode never builds');
  }
  if (sourceInput === INPUT.sourceDigest) {
    const digest = readString(INPUT.sourceDigest, { required: true }, env);
    if (!DIGEST_PATTERN.test(digest)) {
      throw new InputError(
        INPUT.sourceDigest,
        `is not an image digest: ${shown(digest)}`,
        'Give sha256: followed by 64 hex digits',
      );
    }
    return { kind: 'promote', source: { digest } };
  }
  const tag = readString(INPUT.sourceTag, { required: true }, env);
  if (!TAG_PATTERN.test(tag)) {
    throw new InputError(
      INPUT.sourceTag,
      `is not a valid image tag: ${shown(tag)}`,
      `A tag has 1 to ${MAX_TAG_LENGTH} letters, digits, _ . and -, not starting with . or -`,
    );
  }
  return { kind: 'promote', source: { tag } };
}

function readBuild(env: Env): BuildInputs {
  const context = resolveInputPath(INPUT.context, readString(INPUT.context, { fallback: '.' }, env) as string, env);
  if (!isDirectory(context)) {
    throw new InputError(
      INPUT.context,
      `names a folder that does not exist: ${shown(context)}`,
      'The path is relative to the workspace; check out the code first',
    );
  }
  const dockerfileInput = readString(INPUT.dockerfile, {}, env);
  const dockerfile = dockerfileInput
    ? resolveInputPath(INPUT.dockerfile, dockerfileInput, env)
    : defaultDockerfile(context, env);
  if (!isFile(dockerfile)) {
    throw new InputError(
      dockerfileInput ? INPUT.dockerfile : INPUT.context,
      `has no Dockerfile at ${shown(dockerfile)}`,
      dockerfileInput ? 'The path is relative to the workspace' : "Add a Dockerfile to the context or set 'dockerfile'",
    );
  }

  const platforms = readList(INPUT.platforms, {}, env);
  if (platforms.length > MAX_PLATFORMS) {
    throw new InputError(INPUT.platforms, `lists ${platforms.length} platforms; at most ${MAX_PLATFORMS} are allowed`);
  }
  for (const platform of platforms) {
    if (!PLATFORM_PATTERN.test(platform)) {
      throw new InputError(
        INPUT.platforms,
        `has an invalid platform ${shown(platform)}`,
        'Write os/arch[/variant], such as linux/amd64 or linux/arm64',
      );
    }
  }
  const target = readString(INPUT.target, {}, env);
  if (target !== undefined && !DOCKER_NAME.test(target)) {
    throw new InputError(
      INPUT.target,
      `is not a valid build stage name: ${shown(target)}`,
      'A stage name has 1 to 128 letters, digits, _ . and -, starting with a letter or digit',
    );
  }
  const network = readString(INPUT.network, {}, env);
  if (network !== undefined && !DOCKER_NAME.test(network)) {
    throw new InputError(INPUT.network, `is not a valid network name: ${shown(network)}`, 'Use host, none or default');
  }

  return {
    kind: 'build',
    context,
    dockerfile,
    buildArgs: sizedPairs(
      INPUT.buildArgs,
      readKeyValueLines(
        INPUT.buildArgs,
        {
          keyPattern: BUILD_ARG_KEY,
          // Stricter than Dockerfile's ARG, which takes other characters but whose $NAME and ${NAME}
          // expand only these: the name must also be an environment variable name, since the value
          // reaches docker through its environment.
          keyDescription:
            'A build argument name is an environment variable name: up to 255 letters, digits and _, not starting with a digit (the value reaches docker through its environment, which keeps it out of the log)',
        },
        env,
      ),
    ),
    ...readSecrets(env),
    target,
    platforms,
    network,
    labels: readLabels(env),
    cache: readEnum(INPUT.cache, CACHE_MODES, 'inline', env),
    push: readBoolean(INPUT.push, true, env),
    skipIfExists: readBoolean(INPUT.skipIfExists, false, env),
  };
}

function readSecrets(env: Env): Pick<BuildInputs, 'secrets' | 'secretFiles'> {
  const options = { keyPattern: SECRET_ID, keyDescription: SECRET_ID_DESCRIPTION };
  // readKeyValues never echoes a line, a key or a value in its errors; nor may anything here.
  const secrets = sizedPairs(INPUT.secrets, readKeyValueLines(INPUT.secrets, options, env));
  // Line by line, as readKeyValues would keep them: a later line for the same id wins.
  const lines = readKeyValueLines(INPUT.secretFiles, options, env);
  if (lines.length > MAX_PAIRS) {
    throw new InputError(INPUT.secretFiles, `has ${lines.length} lines; at most ${MAX_PAIRS} are allowed`);
  }
  const named = new Map(lines.map((entry) => [entry.key, entry]));
  const secretFiles = new Map<string, string>();
  for (const { key: id, value: given, line } of named.values()) {
    // Not even the path: a value put in secret-files by mistake (meant for secrets) would be shown.
    const hidden = 'the line is not shown, in case it holds a secret value rather than a path';
    if (secrets.has(id)) {
      throw new InputError(
        INPUT.secretFiles,
        `gives a secret id on line ${line} that '${INPUT.secrets}' gives too (${hidden})`,
        'Give each secret id once, as a value in secrets or as a file in secret-files',
      );
    }
    if (given === '') {
      throw new InputError(INPUT.secretFiles, `has no path on line ${line}`, 'Write one ID=path a line');
    }
    const path = resolveInputPath(INPUT.secretFiles, given, env);
    if (!isFile(path)) {
      throw new InputError(
        INPUT.secretFiles,
        `does not name an existing file on line ${line} (${hidden})`,
        `A path is relative to the workspace (${env.GITHUB_WORKSPACE ?? process.cwd()}); create the file in an earlier step, or give a value in secrets instead`,
      );
    }
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new InputError(
        INPUT.secretFiles,
        `names a file on line ${line} that this job cannot read (${hidden})`,
        'Give the runner user read access to the file',
      );
    }
    if (statSync(path).size > MAX_SECRET_BYTES) {
      throw new InputError(
        INPUT.secretFiles,
        `names a file on line ${line} larger than BuildKit's 500 KB limit for a secret (${hidden})`,
        'Mount a smaller file, or fetch the large one inside the build with a secret that grants access to it',
      );
    }
    secretFiles.set(id, path);
  }
  return { secrets, secretFiles };
}

/**
 * `KEY=value` pairs that each travel as one string of a docker process's environment: held to the
 * size Linux accepts, by line number (never the text: a value may be a secret). A later line for
 * the same key wins, as in a shell.
 */
function sizedPairs(name: string, pairs: { key: string; value: string; line: number }[]): Map<string, string> {
  if (pairs.length > MAX_PAIRS) {
    throw new InputError(name, `has ${pairs.length} lines; at most ${MAX_PAIRS} are allowed`);
  }
  for (const { key, value, line } of pairs) {
    const bytes = Buffer.byteLength(key) + 1 + Buffer.byteLength(value);
    if (bytes > MAX_ENV_STRING_BYTES) {
      throw new InputError(
        name,
        `has a value of ${bytes} bytes on line ${line} (its text is not shown, as it may be a secret); a process's environment takes at most ${MAX_ENV_STRING_BYTES} bytes a variable`,
        name === INPUT.secrets
          ? 'Write a large secret to a file under RUNNER_TEMP and give it in secret-files'
          : 'Pass large data as a file in the build context instead',
      );
    }
  }
  return new Map(pairs.map(({ key, value }) => [key, value]));
}

/** User labels: at most 100, keys up to 255 characters, each value one line of at most 4096 characters. */
function readLabels(env: Env): Map<string, string> {
  const pairs = readKeyValueLines(
    INPUT.labels,
    {
      keyPattern: LABEL_KEY,
      keyDescription:
        'A label key has up to 255 letters, digits, . _ - and /, starting and ending with a letter or digit, such as org.opencontainers.image.vendor',
    },
    env,
  );
  if (pairs.length > MAX_LABELS) {
    throw new InputError(INPUT.labels, `has ${pairs.length} labels; at most ${MAX_LABELS} are allowed`);
  }
  for (const { value, line } of pairs) {
    const length = Array.from(value).length;
    if (length > MAX_LABEL_VALUE) {
      throw new InputError(
        INPUT.labels,
        `has a value of ${length} characters on line ${line}; a label value has at most ${MAX_LABEL_VALUE}`,
        'Shorten it, or put long text in a file in the image instead of a label',
      );
    }
    // The shared reader refuses other control characters; a tab would go into the log's command line.
    const invisible =
      findInvisible(value, { singleLine: true }) ??
      (value.includes('\t')
        ? { position: Array.from(value).indexOf('\t') + 1, description: 'U+0009 CHARACTER TABULATION' }
        : undefined);
    if (invisible) {
      throw new InputError(
        INPUT.labels,
        `has ${invisible.description} at character ${invisible.position} of the value on line ${line}`,
        'A label value is plain text on one line; remove the control character',
      );
    }
  }
  return new Map(pairs.map(({ key, value }) => [key, value]));
}

/**
 * The labels the action derives from the run (repository, commit, version) go on the build's
 * command line, which the log shows: a runner variable with a line break or a control character in
 * it (a hostile value, or a broken self-hosted runner) must not reach it.
 */
function checkDerivedLabels(run: RunContext, version: string): void {
  for (const { key, value, source } of derivedLabels(run, version)) {
    const invisible = findInvisible(value, { singleLine: true });
    const length = Array.from(value).length;
    if (invisible || length > MAX_LABEL_VALUE) {
      throw new ActionFailure(
        `The runner variable ${source} ${
          invisible
            ? `has ${invisible.description} at character ${invisible.position}`
            : `is ${length} characters long (at most ${MAX_LABEL_VALUE})`
        }, and it would go into the image's ${key} label on the build's command line. The runner sets it: check the workflow step or the runner that changed it`,
      );
    }
  }
}

/** The context's Dockerfile, held to the same roots as one named in `dockerfile` (it may be a link). */
function defaultDockerfile(context: string, env: Env): string {
  try {
    return resolveInputPath(INPUT.dockerfile, join(context, 'Dockerfile'), env);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(
      INPUT.dockerfile,
      `is not set, and the context's Dockerfile is a symbolic link to a path outside the folders a step may read from`,
      'Replace the link with the file, or name a Dockerfile inside GITHUB_WORKSPACE or RUNNER_TEMP in dockerfile',
    );
  }
}

/** BuildKit refuses a secret larger than this (its session's secret store limit, 500 KiB). */
const MAX_SECRET_BYTES = 500 * 1024;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
