import * as core from '@actions/core';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import { setOutputs } from '@shipyard/shared/outputs';
import { appendSummary } from '@shipyard/shared/summary';
import { shown } from '@shipyard/shared/text';
import { decideCache } from './cache.js';
import * as docker from './docker.js';
import { EcrRegistry, describeReference, type ImageDetail, type RegistryLogin, type RepositoryInfo } from './ecr.js';
import { INPUT, OUTPUT, type BuildInputs, type Inputs, type PromoteInputs } from './inputs.js';
import { imageLabels } from './labels.js';
import { outcomesJson, retag, taggingFailure, type TagOutcome } from './promote.js';
import { renderSummary, type BuildReport } from './report.js';
import { STATE } from './state.js';

export async function main(inputs: Inputs): Promise<void> {
  // Before anything is printed: a value an earlier step computed is not masked by the runner.
  if (inputs.mode.kind === 'build') {
    for (const value of inputs.mode.secrets.values()) if (value !== '') core.setSecret(value);
  }
  for (const { template, missing } of inputs.skippedTemplates) {
    core.info(`Tag template ${shown(template)} left out: this event has no {{${missing.join('}}, {{')}}}`);
  }

  const ecr = await EcrRegistry.connect({
    registryId: inputs.registryId,
    region: inputs.registryRegion,
    maxAttempts: inputs.maxAttempts,
  });
  const login = await core.group('Authorize with Amazon ECR', async () => {
    const authorization = await ecr.login();
    // Both forms: the token is base64 of `AWS:<password>`, so either one gives the password away.
    core.setSecret(authorization.token);
    core.setSecret(authorization.password);
    core.info(
      `Registry ${authorization.registry}; token valid until ${authorization.expiresAt?.toISOString() ?? 'unknown'}`,
    );
    return authorization;
  });
  const registry = inputs.registry ?? login.registry;

  const target: Target = { ecr, inputs, registry };
  const report =
    inputs.mode.kind === 'promote'
      ? await promote({ ...target, mode: inputs.mode })
      : await buildAndPush({ ...target, mode: inputs.mode, login });

  const image = `${registry}/${inputs.repository}:${report.tags[0]}`;
  const imageUri = report.digest ? `${registry}/${inputs.repository}@${report.digest}` : '';
  setOutputs({
    [OUTPUT.registry]: registry,
    [OUTPUT.image]: image,
    [OUTPUT.imageUri]: imageUri,
    [OUTPUT.digest]: report.digest,
    [OUTPUT.tags]: report.tags.join('\n'),
    [OUTPUT.skipped]: String(report.outcome === 'skipped'),
    [OUTPUT.tagResults]: report.tagResults ? outcomesJson(report.tagResults) : '',
  });
  if (imageUri) core.info(`Image: ${imageUri}`);
  await appendSummary(renderSummary({ ...report, imageUri: imageUri || undefined }));
}

/** Where the image goes: the registry (ECR's API and its host) and the inputs that name the repository and tags. */
interface Target {
  ecr: EcrRegistry;
  inputs: Inputs;
  /** The registry host images are named with. */
  registry: string;
}

/**
 * A promote (or the tags skip-if-exists adds) that failed part-way: the summary and the
 * `tag-results` output still say what happened to every tag, then the step fails with one error.
 */
class TaggingFailure extends ActionFailure {
  constructor(
    message: string,
    readonly report: BuildReport,
  ) {
    super(message);
  }
}

/** Write what a failed promote did (summary, `tag-results`), then fail the step. */
async function reportFailure(error: unknown, partial: BuildReport): Promise<never> {
  const report = error instanceof TaggingFailure ? error.report : { ...partial, error: errorMessage(error) };
  if (report.tagResults) setOutputs({ [OUTPUT.tagResults]: outcomesJson(report.tagResults) });
  await appendSummary(renderSummary(report));
  throw error;
}

async function repositoryFor(ecr: EcrRegistry, inputs: Inputs): Promise<RepositoryInfo> {
  return core.group(`Repository ${inputs.repository}`, async () => {
    const repository = await ecr.repository(inputs.repository, {
      allowed: inputs.createRepository,
      immutableTags: inputs.immutableTags,
    });
    core.info(
      repository.created
        ? `Created ${inputs.repository} (scan on push, ${repository.mutability.toLowerCase()} tags)`
        : `Found ${inputs.repository} (${repository.mutability.toLowerCase()} tags)`,
    );
    return repository;
  });
}

/** Give an image that is already in ECR more tags, by writing its manifest again under each tag. */
async function copyTags(
  ecr: EcrRegistry,
  repository: string,
  source: { tag: string } | { digest: string },
  tags: readonly string[],
): Promise<{ digest: string; results: TagOutcome[] }> {
  const manifest = await ecr.manifest(repository, source);
  if (!manifest) {
    throw new ActionFailure(
      `Image ${repository}${describeReference(source)} is not in ECR, so there is nothing to promote. Check the tag or digest`,
    );
  }
  const results = await retag({ ecr, repository, image: manifest, tags, log: (line) => core.info(line) });
  return { digest: manifest.digest, results };
}

async function promote({ ecr, inputs, registry, mode }: Target & { mode: PromoteInputs }): Promise<BuildReport> {
  const started = Date.now();
  const partial: BuildReport = {
    repository: inputs.repository,
    registry,
    tags: inputs.tags,
    outcome: 'promoted',
    source: `${inputs.repository}${describeReference(mode.source)}`,
    durations: {},
  };
  try {
    await repositoryFor(ecr, inputs);
    const copied = await core.group(`Promote ${inputs.repository}${describeReference(mode.source)}`, () =>
      copyTags(ecr, inputs.repository, mode.source, inputs.tags),
    );
    const report: BuildReport = {
      ...partial,
      digest: copied.digest,
      tagResults: copied.results,
      durations: { promoteMs: Date.now() - started },
    };
    const failure = taggingFailure(inputs.repository, copied.digest, copied.results);
    if (failure) throw new TaggingFailure(failure, { ...report, error: failure });
    const detail = await ecr.findImage(inputs.repository, { digest: copied.digest });
    return { ...report, sizeBytes: detail?.sizeBytes };
  } catch (error) {
    return reportFailure(error, partial);
  }
}

async function buildAndPush(options: Target & { mode: BuildInputs; login: RegistryLogin }): Promise<BuildReport> {
  const { ecr, inputs, mode, registry, login } = options;
  const [firstTag] = inputs.tags;
  if (mode.skipIfExists) {
    // Before Docker is even looked at: a runner without Docker can still skip and re-tag.
    const existing = await ecr.findImage(inputs.repository, { tag: firstTag });
    if (existing) return skip(options, existing);
  }

  // Find out what this runner's Docker can do before anything is created in AWS.
  const builder = await dockerBuilder(mode);
  const mountedSecrets = secretsToMount(mode);
  let cache = decideCache(mode.cache, builder);
  if (cache.downgrade) core.warning(cache.downgrade);

  const repository = await repositoryFor(ecr, inputs);
  if (cache.mode === 'registry' && repository.mutability === 'IMMUTABLE') {
    // The cache is rewritten under the same tag on every build, which an immutable repository refuses.
    cache = { mode: 'inline' };
    core.warning(
      `cache: registry rewrites ${inputs.repository}:buildcache on every build, which an immutable repository refuses; using inline cache instead`,
    );
  }
  if (mode.push && repository.mutability === 'IMMUTABLE') await refuseTakenTags(ecr, inputs);

  await core.group(`Log in to ${registry}`, async () => {
    await docker.login(registry, login.username, login.password);
    core.saveState(STATE.loggedInTo, registry);
  });

  const plan = buildPlan({ inputs, mode, registry, cache: cache.mode });
  const buildStarted = Date.now();
  const hits = await core.group(`Build ${plan.images[0]}`, () => docker.build(plan, builder));
  const buildMs = Date.now() - buildStarted;
  core.info(`${hits.cached} of ${hits.steps} build steps came from the cache`);

  let pushMs: number | undefined;
  if (mode.push && builder.kind !== 'buildx') {
    const pushStarted = Date.now();
    await core.group(`Push ${inputs.tags.length} tag(s)`, async () => {
      for (const image of plan.images) await docker.push(image);
    });
    pushMs = Date.now() - pushStarted;
  }

  let detail: ImageDetail | undefined;
  let sizeBytes: number | undefined;
  if (mode.push) {
    detail = await ecr.findImage(inputs.repository, { tag: firstTag });
    if (!detail)
      throw new ActionFailure(`The push finished but ECR has no image tagged '${firstTag}' in '${inputs.repository}'`);
    sizeBytes = detail.sizeBytes;
  } else {
    sizeBytes = await docker.localImageSize(plan.images[0]);
  }

  return {
    repository: inputs.repository,
    registry,
    tags: inputs.tags,
    digest: detail?.digest,
    sizeBytes,
    outcome: mode.push ? 'built' : 'built-not-pushed',
    builder: builder.kind === 'buildx' ? `buildx (${builder.driver})` : builder.kind,
    cache: { mode: cache.mode, ...hits },
    secretIds: mountedSecrets,
    durations: { buildMs, pushMs },
  };
}

/** The builder this runner's Docker has, refused when it cannot do what the inputs ask (several platforms, secrets). */
async function dockerBuilder(mode: BuildInputs): Promise<docker.Builder> {
  const builder = await core.group('Docker builder', async () => {
    const found = await docker.detectBuilder();
    core.info(
      found.kind === 'buildx'
        ? `buildx (driver ${found.driver})`
        : found.kind === 'buildkit'
          ? 'BuildKit (docker build)'
          : 'classic builder',
    );
    return found;
  });
  if (mode.platforms.length > 1 && builder.kind !== 'buildx') {
    throw new ActionFailure(
      `Building for several platforms (${mode.platforms.join(', ')}) needs docker buildx, which this runner does not have`,
    );
  }
  const noSecrets = mode.secrets.size + mode.secretFiles.size > 0 ? docker.secretsUnsupported(builder) : undefined;
  if (noSecrets) {
    throw new ActionFailure(
      `Build secrets (${INPUT.secrets}, ${INPUT.secretFiles}) need BuildKit, but ${noSecrets}. Install buildx (docker/setup-buildx-action does), or run on a runner whose Docker has it, such as GitHub's ubuntu-latest`,
    );
  }
  return builder;
}

/** The ids of the secrets the build gets: every one but those whose value is empty, which are warned about. */
function secretsToMount(mode: BuildInputs): string[] {
  const emptySecrets = [...mode.secrets].filter(([, value]) => value === '').map(([id]) => id);
  if (emptySecrets.length > 0) {
    core.warning(
      `Secret ${emptySecrets.join(', ')}: the value is empty, so the build does not get ${emptySecrets.length === 1 ? 'it' : 'them'} (a repository secret that is not set, or that GitHub withholds from a pull request from a fork, expands to nothing). A Dockerfile that mounts it with required=true fails; one that does not sees no file at /run/secrets/<id>`,
    );
  }
  return [...mode.secrets.keys(), ...mode.secretFiles.keys()].filter((id) => !emptySecrets.includes(id));
}

/** What docker builds: the inputs, the derived labels, one image name a tag, the cache the builder can use. */
function buildPlan({
  inputs,
  mode,
  registry,
  cache,
}: {
  inputs: Inputs;
  mode: BuildInputs;
  registry: string;
  cache: docker.BuildPlan['cache'];
}): docker.BuildPlan {
  const plan: docker.BuildPlan = {
    context: mode.context,
    dockerfile: mode.dockerfile,
    buildArgs: mode.buildArgs,
    secrets: mode.secrets,
    secretFiles: mode.secretFiles,
    target: mode.target,
    platforms: mode.platforms,
    network: mode.network,
    labels: imageLabels({
      run: inputs.run,
      version: inputs.version ?? inputs.tags[0],
      created: new Date(),
      userLabels: mode.labels,
    }),
    images: inputs.tags.map((tag) => `${registry}/${inputs.repository}:${tag}`),
    cache,
    cacheRef: `${registry}/${inputs.repository}:buildcache`,
    // buildx pushes while it builds; the others push afterwards, tag by tag.
    push: mode.push,
  };
  const onCommandLine = [...plan.buildArgs.keys()].filter(docker.buildArgOnCommandLine);
  if (onCommandLine.length > 0) {
    core.warning(
      `Build argument ${onCommandLine.join(', ')}: the Docker CLI reads a variable of that name itself, so the value cannot travel in its environment like the other build arguments and goes on the command line, where the log shows it. Rename the argument, or register a sensitive value as a secret (::add-mask::) in an earlier step`,
    );
  }
  return plan;
}

/** `skip-if-exists` found the first tag: no build, only the tags the image does not have yet. */
async function skip({ ecr, inputs, registry }: Target, existing: ImageDetail): Promise<BuildReport> {
  core.info(`${inputs.repository}:${inputs.tags[0]} is already in ECR (${existing.digest}); not building`);
  const missing = inputs.tags.filter((tag) => !existing.tags.includes(tag));
  const report: BuildReport = {
    repository: inputs.repository,
    registry,
    tags: inputs.tags,
    digest: existing.digest,
    sizeBytes: existing.sizeBytes,
    outcome: 'skipped',
    durations: {},
  };
  try {
    const copied =
      missing.length > 0
        ? await core.group(`Add ${missing.length} missing tag(s)`, () =>
            copyTags(ecr, inputs.repository, { digest: existing.digest }, missing),
          )
        : { results: [] };
    const results = inputs.tags.map(
      (tag): TagOutcome => copied.results.find((entry) => entry.tag === tag) ?? { tag, result: 'already-there' },
    );
    const failure = taggingFailure(inputs.repository, existing.digest, results);
    if (failure) throw new TaggingFailure(failure, { ...report, tagResults: results, error: failure });
    return { ...report, tagResults: results };
  } catch (error) {
    return reportFailure(error, report);
  }
}

/** An immutable repository cannot move a tag: say so before spending minutes on a build. */
async function refuseTakenTags(ecr: EcrRegistry, inputs: Inputs): Promise<void> {
  for (const tag of inputs.tags) {
    const existing = await ecr.findImage(inputs.repository, { tag });
    if (existing) {
      throw new ActionFailure(
        `Tag '${tag}' already exists in '${inputs.repository}' (${existing.digest}) and the repository's tags are immutable, so a new build cannot take it. Set skip-if-exists: true to reuse that image, or use tags that do not exist yet`,
      );
    }
  }
}
