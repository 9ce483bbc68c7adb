import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { registryHost } from './ecr.js';
import { InputError } from '../../shared/src/errors.js';
import {
  exactlyOneOf,
  readBoolean,
  readEnum,
  readKeyValueLines,
  readKeyValues,
  readList,
  readRaw,
  readString,
  type Env,
} from '../../shared/src/inputs.js';
import { resolveInputPath } from '../../shared/src/paths.js';
import { readRunContext, type RunContext } from '../../shared/src/context.js';
import {
  DEFAULT_TAG_TEMPLATES,
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

export const CACHE_MODES = ['registry', 'inline', 'none'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

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
const REGISTRY_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/;
const ECR_REGISTRY_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
/** A build stage or a network, as docker names them. */
const DOCKER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PLATFORM_PATTERN = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;
const BUILD_ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?$/;
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
    throw new InputError(
      INPUT.repository,
      `is not a valid ECR repository name: '${repository}'`,
      'Use 2 to 256 lower-case letters, digits and . _ - /, starting and ending with a letter or digit (for example my-team/web-app)',
    );
  }

  const registry = readRegistry(env);
  const sourceInput = exactlyOneOf([INPUT.sourceTag, INPUT.sourceDigest], env, { required: false });
  const mode = sourceInput ? readPromote(sourceInput, env) : readBuild(env);

  const run = readRunContext(env as NodeJS.ProcessEnv);
  const templates = readList(INPUT.tags, env, { commas: false });
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
      ({ template, missing }) => `'${template}' needs {{${missing.join('}}, {{')}}}`,
    );
    throw new InputError(
      INPUT.tags,
      `gives no tag for this '${run.eventName || 'unknown'}' event (${reasons.join('; ')})`,
      'Add a template this event can fill, such as {{sha}}',
    );
  }

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
    maxAttempts: readAttempts(env),
    run,
  };
}

function readAttempts(env: Env): number {
  const raw = readRaw(INPUT.maxAttempts, env);
  if (raw === undefined) return 3;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 20) {
    throw new InputError(INPUT.maxAttempts, `must be a whole number from 1 to 20, got '${raw}'`);
  }
  return Number(raw);
}

function readRegistry(env: Env): { host: string; id?: string; region?: string } | undefined {
  const given = readString(INPUT.registry, {}, env);
  if (given === undefined) return undefined;
  const host = registryHost(given);
  if (!REGISTRY_PATTERN.test(host)) {
    throw new InputError(
      INPUT.registry,
      `is not a registry host: '${given}'`,
      'Give a host such as 123456789012.dkr.ecr.us-east-1.amazonaws.com, or leave it out to use your account',
    );
  }
  const ecr = ECR_REGISTRY_HOST.exec(host);
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
        `is not an image digest: '${digest}'`,
        'Give sha256: followed by 64 hex digits',
      );
    }
    return { kind: 'promote', source: { digest } };
  }
  const tag = readString(INPUT.sourceTag, { required: true }, env);
  if (!TAG_PATTERN.test(tag)) {
    throw new InputError(INPUT.sourceTag, `is not a valid image tag: '${tag}'`);
  }
  return { kind: 'promote', source: { tag } };
}

function readBuild(env: Env): BuildInputs {
  const context = resolveInputPath(INPUT.context, readString(INPUT.context, { fallback: '.' }, env) as string, env);
  if (!isDirectory(context)) {
    throw new InputError(
      INPUT.context,
      `names a folder that does not exist: ${context}`,
      'The path is relative to the workspace; check out the code first',
    );
  }
  const dockerfileInput = readString(INPUT.dockerfile, {}, env);
  const dockerfile = dockerfileInput
    ? resolveInputPath(INPUT.dockerfile, dockerfileInput, env)
    : resolveInputPath(INPUT.context, join(context, 'Dockerfile'), env);
  if (!isFile(dockerfile)) {
    throw new InputError(
      dockerfileInput ? INPUT.dockerfile : INPUT.context,
      `has no Dockerfile at ${dockerfile}`,
      dockerfileInput ? 'The path is relative to the workspace' : "Add a Dockerfile to the context or set 'dockerfile'",
    );
  }

  const platforms = readList(INPUT.platforms, env);
  for (const platform of platforms) {
    if (!PLATFORM_PATTERN.test(platform)) {
      throw new InputError(
        INPUT.platforms,
        `has an invalid platform '${platform}'`,
        'Write os/arch[/variant], such as linux/amd64 or linux/arm64',
      );
    }
  }
  const target = readString(INPUT.target, {}, env);
  if (target !== undefined && !DOCKER_NAME.test(target)) {
    throw new InputError(INPUT.target, `is not a valid build stage name: '${target}'`);
  }
  const network = readString(INPUT.network, {}, env);
  if (network !== undefined && !DOCKER_NAME.test(network)) {
    throw new InputError(INPUT.network, `is not a valid network name: '${network}'`, 'Use host, none or default');
  }

  return {
    kind: 'build',
    context,
    dockerfile,
    buildArgs: readKeyValues(INPUT.buildArgs, env, {
      keyPattern: BUILD_ARG_KEY,
      // Stricter than Dockerfile's ARG, which takes other characters but whose $NAME and ${NAME}
      // expand only these: the name must also be an environment variable name, since the value
      // reaches docker through its environment.
      keyDescription:
        'A build argument name is an environment variable name: letters, digits and _, not starting with a digit (the value reaches docker through its environment, which keeps it out of the log)',
    }),
    ...readSecrets(env),
    target,
    platforms,
    network,
    labels: readKeyValues(INPUT.labels, env, {
      keyPattern: LABEL_KEY,
      keyDescription: 'A label key has letters, digits, . _ - and /, such as org.opencontainers.image.vendor',
    }),
    cache: readEnum(INPUT.cache, CACHE_MODES, 'inline', env),
    push: readBoolean(INPUT.push, true, env),
    skipIfExists: readBoolean(INPUT.skipIfExists, false, env),
  };
}

function readSecrets(env: Env): Pick<BuildInputs, 'secrets' | 'secretFiles'> {
  const options = { keyPattern: SECRET_ID, keyDescription: SECRET_ID_DESCRIPTION };
  // readKeyValues never echoes a line, a key or a value in its errors; nor may anything here.
  const secrets = readKeyValues(INPUT.secrets, env, options);
  // Line by line, as readKeyValues would keep them: a later line for the same id wins.
  const named = new Map(readKeyValueLines(INPUT.secretFiles, env, options).map((entry) => [entry.key, entry]));
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
