import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { RegistryClient, declaredMediaType, manifestDigest, type StoredManifest } from './registry-client.js';
import { startRegistry, type RunningRegistry } from './registry.js';
import { AwsServiceError, type AwsEmulatorEnvironment, type AwsRequestContext, type AwsService } from './types.js';
import { readBody } from './read-body.js';

/**
 * Amazon ECR as the SDK and the Docker client see it: the JSON 1.1 API
 * (`AmazonEC2ContainerRegistry_V20150921.*`) for repositories, authorization tokens and image
 * manifests, and the registry itself at `/v2/`, where the Basic credentials GetAuthorizationToken
 * issued are checked before the request goes on to a real registry (Debian's `docker-registry`)
 * on loopback. Repositories, tag immutability and tokens live here; the bytes live in the registry.
 */

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';

const MUTATING = new Set(['CreateRepository', 'PutImage', 'BatchDeleteImage']);

/** ECR's repository name rule (2 to 256 characters, lower-case, `/`-separated namespaces). */
export const REPOSITORY_NAME_PATTERN = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,299}$/;
const DIGEST_PATTERN = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** ECR's authorization tokens last 12 hours. */
export const TOKEN_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * ECR's own faults, under the scenario's `ecr` key (`{"ecr": {"putImageFailures": [...]}}`): the
 * generic faults (throttling, 5xx, access denied) pick calls by operation; these pick a PutImage by
 * the tag it writes, so a test can fail one tag of a promote and let the others through.
 */
export interface EcrScenario {
  putImageFailures?: {
    /** The tag whose PutImage fails (every attempt, retries included). */
    tag: string;
    /** AWS's error name; default `ServerException`. */
    type?: string;
    message?: string;
    /** Default 500. */
    status?: number;
  }[];
  /**
   * Two runs creating the same repository at once: CreateRepository creates it (as the other run
   * did a moment earlier) and answers RepositoryAlreadyExistsException, as ECR answers the loser.
   */
  createRepositoryRace?: boolean;
  /**
   * Tags whose first PutImage is applied and then answered with a 500, as when the answer is lost
   * after ECR applied the call: the SDK's retry then meets ImageAlreadyExistsException.
   */
  putImageAnswerLost?: string[];
}

function ecrScenario(scenario: unknown): EcrScenario {
  const value = (scenario as { ecr?: unknown } | undefined)?.ecr;
  return value && typeof value === 'object' ? (value as EcrScenario) : {};
}

export interface EcrServiceOptions {
  /** The URL clients reach the emulator at (`http://127.0.0.1:PORT`). */
  proxyEndpoint: () => string;
  /**
   * `auto` (the default): repository URIs and `proxyEndpoint` name the registry as ECR does,
   * `<account>.dkr.ecr.<region>.amazonaws.com:PORT`, when the hosts file points that name at a
   * loopback address (.ci/docker-setup.sh writes such entries); otherwise, and always with
   * `loopback`, the emulator's own address.
   */
  registryHosts?: 'auto' | 'loopback';
  /** The hosts file `auto` reads (default /etc/hosts); read once, when the service is made. */
  hostsFile?: string;
  /** The registry behind `/v2/`. When not given, a `docker-registry` is started on first use. */
  registry?: RunningRegistry;
  tokenTtlMs?: number;
}

interface Repository {
  name: string;
  createdAt: number;
  imageTagMutability: 'MUTABLE' | 'IMMUTABLE';
  scanOnPush: boolean;
  /** When each manifest digest was first pushed, in the emulator's clock (seconds). */
  pushedAt: Map<string, number>;
}

interface ImageIdentifier {
  imageDigest?: string;
  imageTag?: string;
}

export interface EcrService extends AwsService {
  /** The registry behind the proxy, started when first needed. */
  registry(): Promise<RunningRegistry>;
  /**
   * The registry host (and port) ECR names for the account in a region (default: the scenario's):
   * real-shaped when the hosts file allows, else the emulator's own `127.0.0.1:PORT`.
   */
  registryHost(region?: string): string;
  /**
   * A registry password (user `AWS`) as GetAuthorizationToken issues one, valid for the token's
   * lifetime from `now` (emulator clock): the emulator's own pulls (ECS tasks on a real runtime) use it.
   */
  issueRegistryPassword(now: number): string;
}

/** ECR's registry host name for an account in a region. */
export function ecrHostName(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}

/** The names a hosts file points at a loopback address (127.0.0.0/8 or ::1). */
export function loopbackHostNames(hostsText: string): Set<string> {
  const names = new Set<string>();
  for (const line of hostsText.split('\n')) {
    const [address, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!address || !(/^127\.\d+\.\d+\.\d+$/.test(address) || address === '::1')) continue;
    for (const alias of aliases) names.add(alias.toLowerCase());
  }
  return names;
}

export function createEcrService(
  environment: Pick<AwsEmulatorEnvironment, 'recordCall'> & Partial<Pick<AwsEmulatorEnvironment, 'scenario'>>,
  options: EcrServiceOptions,
): EcrService {
  const tokenTtlMs = options.tokenTtlMs ?? TOKEN_TTL_MS;
  const repositories = new Map<string, Repository>();
  /** Tags whose answer `putImageAnswerLost` has already lost once (cleared by reset). */
  const lostAnswers = new Set<string>();
  /** Issued registry passwords and when they expire (emulator clock, ms). */
  const passwords = new Map<string, number>();
  let registryPromise: Promise<RunningRegistry> | undefined = options.registry
    ? Promise.resolve(options.registry)
    : undefined;
  const ownsRegistry = !options.registry;

  function registry(): Promise<RunningRegistry> {
    registryPromise ??= startRegistry().catch((error: unknown) => {
      registryPromise = undefined;
      throw new AwsServiceError(
        'ServerException',
        `The emulator could not start the registry behind ECR: ${error instanceof Error ? error.message : String(error)}`,
        500,
      );
    });
    return registryPromise;
  }

  async function client(): Promise<RegistryClient> {
    const running = await registry();
    return new RegistryClient(running.url, running.storageDir);
  }

  function repositoryArn(name: string, context: AwsRequestContext): string {
    return `arn:aws:ecr:${context.region}:${context.accountId}:repository/${name}`;
  }

  let loopbackNames: Set<string> = new Set();
  if ((options.registryHosts ?? 'auto') === 'auto') {
    try {
      loopbackNames = loopbackHostNames(readFileSync(options.hostsFile ?? '/etc/hosts', 'utf8'));
    } catch {
      // No hosts file: the emulator's own address it is.
    }
  }

  /** Real-shaped when the hosts file points ECR's name for (account, region) at loopback. */
  function registryHost(context: Pick<AwsRequestContext, 'accountId' | 'region'>): string {
    const own = new URL(options.proxyEndpoint());
    const name = ecrHostName(context.accountId, context.region);
    return loopbackNames.has(name) ? `${name}${own.port ? `:${own.port}` : ''}` : own.host;
  }

  function proxyEndpoint(context: Pick<AwsRequestContext, 'accountId' | 'region'>): string {
    return `${new URL(options.proxyEndpoint()).protocol}//${registryHost(context)}`;
  }

  function describeRepository(repository: Repository, context: AwsRequestContext) {
    return {
      repositoryArn: repositoryArn(repository.name, context),
      registryId: context.accountId,
      repositoryName: repository.name,
      repositoryUri: `${registryHost(context)}/${repository.name}`,
      createdAt: repository.createdAt / 1000,
      imageTagMutability: repository.imageTagMutability,
      imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
      encryptionConfiguration: { encryptionType: 'AES256' },
    };
  }

  function notFound(name: string, context: AwsRequestContext): AwsServiceError {
    return new AwsServiceError(
      'RepositoryNotFoundException',
      `The repository with name '${name}' does not exist in the registry with id '${context.accountId}'`,
    );
  }

  function findRepository(body: Record<string, unknown>, context: AwsRequestContext): Repository {
    const name = requireRepositoryName(body);
    checkRegistryId(body, context);
    const repository = repositories.get(name);
    if (!repository) throw notFound(name, context);
    return repository;
  }

  function imageNotFound(id: ImageIdentifier, repository: string, context: AwsRequestContext): AwsServiceError {
    return new AwsServiceError(
      'ImageNotFoundException',
      `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repository}' in the registry with id '${context.accountId}'`,
    );
  }

  /** The manifest an image id names, or a failure entry as BatchGetImage reports it. */
  async function resolveImage(
    registryClient: RegistryClient,
    repository: string,
    id: ImageIdentifier,
  ): Promise<{ manifest: StoredManifest; tag?: string } | { failureCode: string; failureReason: string }> {
    if (!id.imageTag && !id.imageDigest) {
      return {
        failureCode: 'MissingDigestAndTag',
        failureReason: 'Invalid request parameters: both tag and digest cannot be null',
      };
    }
    const manifest = await registryClient.getManifest(repository, id.imageTag ?? (id.imageDigest as string));
    if (!manifest) return { failureCode: 'ImageNotFound', failureReason: 'Requested image not found' };
    if (id.imageTag && id.imageDigest && manifest.digest !== id.imageDigest) {
      return {
        failureCode: 'ImageTagDoesNotMatchDigest',
        failureReason: 'Invalid request parameters: given tag does not map to given digest',
      };
    }
    return { manifest, tag: id.imageTag };
  }

  const operations: Record<string, (body: Record<string, unknown>, context: AwsRequestContext) => unknown> = {
    GetAuthorizationToken(body, context) {
      const password = randomBytes(48).toString('base64');
      const expiresAt = context.now() + tokenTtlMs;
      passwords.set(password, expiresAt);
      const registryIds = Array.isArray(body.registryIds) ? (body.registryIds as string[]) : [context.accountId];
      return {
        authorizationData: registryIds.map(() => ({
          authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
          expiresAt: expiresAt / 1000,
          proxyEndpoint: proxyEndpoint(context),
        })),
      };
    },

    CreateRepository(body, context) {
      const name = requireRepositoryName(body);
      checkRegistryId(body, context);
      if (repositories.has(name)) {
        throw new AwsServiceError(
          'RepositoryAlreadyExistsException',
          `The repository with name '${name}' already exists in the registry with id '${context.accountId}'`,
        );
      }
      const mutability = body.imageTagMutability ?? 'MUTABLE';
      if (mutability !== 'MUTABLE' && mutability !== 'IMMUTABLE') {
        throw new AwsServiceError(
          'InvalidParameterException',
          `Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'`,
        );
      }
      const scanning = body.imageScanningConfiguration as { scanOnPush?: boolean } | undefined;
      const repository: Repository = {
        name,
        createdAt: context.now(),
        imageTagMutability: mutability,
        scanOnPush: scanning?.scanOnPush === true,
        pushedAt: new Map(),
      };
      repositories.set(name, repository);
      if (ecrScenario(environment.scenario?.()).createRepositoryRace) {
        throw new AwsServiceError(
          'RepositoryAlreadyExistsException',
          `The repository with name '${name}' already exists in the registry with id '${context.accountId}'`,
        );
      }
      return { repository: describeRepository(repository, context) };
    },

    DescribeRepositories(body, context) {
      checkRegistryId(body, context);
      const names = body.repositoryNames as string[] | undefined;
      if (names !== undefined) {
        const found = names.map((name) => {
          const repository = repositories.get(name);
          if (!repository) throw notFound(name, context);
          return repository;
        });
        return { repositories: found.map((repository) => describeRepository(repository, context)) };
      }
      return paginate(
        [...repositories.values()].map((repository) => describeRepository(repository, context)),
        body,
        'repositories',
      );
    },

    async DescribeImages(body, context) {
      const repository = findRepository(body, context);
      const registryClient = await client();
      const ids = body.imageIds as ImageIdentifier[] | undefined;
      const details: object[] = [];
      const detail = async (manifest: StoredManifest, tags: string[]) => ({
        registryId: context.accountId,
        repositoryName: repository.name,
        imageDigest: manifest.digest,
        ...(tags.length > 0 ? { imageTags: tags } : {}),
        imageSizeInBytes: await registryClient.imageSize(repository.name, manifest),
        imagePushedAt: (repository.pushedAt.get(manifest.digest) ?? context.now()) / 1000,
        imageManifestMediaType: manifest.mediaType,
        artifactMediaType: configMediaType(manifest),
      });
      const images = await registryClient.listImages(repository.name);
      if (ids !== undefined) {
        for (const id of ids) {
          const resolved = await resolveImage(registryClient, repository.name, id);
          if ('failureCode' in resolved) throw imageNotFound(id, repository.name, context);
          details.push(await detail(resolved.manifest, images.get(resolved.manifest.digest)?.tags ?? []));
        }
        return { imageDetails: details };
      }
      const tagStatus = (body.filter as { tagStatus?: string } | undefined)?.tagStatus ?? 'ANY';
      for (const [digest, { tags }] of images) {
        if (tagStatus === 'UNTAGGED' && tags.length > 0) continue;
        if (tagStatus === 'TAGGED' && tags.length === 0) continue;
        const manifest = await registryClient.getManifest(repository.name, digest);
        if (manifest) details.push(await detail(manifest, tags.sort()));
      }
      return paginate(details, body, 'imageDetails');
    },

    async BatchGetImage(body, context) {
      const repository = findRepository(body, context);
      const ids = requireImageIds(body);
      const accepted = body.acceptedMediaTypes as string[] | undefined;
      const registryClient = await client();
      const images: object[] = [];
      const failures: object[] = [];
      for (const id of ids) {
        const resolved = await resolveImage(registryClient, repository.name, id);
        if ('failureCode' in resolved) {
          failures.push({ imageId: id, ...resolved });
          continue;
        }
        const { manifest } = resolved;
        if (accepted && !accepted.includes(manifest.mediaType)) {
          failures.push({
            imageId: id,
            // ECR's model has no code for this ('UnsupportedImageType' is not in ImageFailureCode).
            failureCode: 'ImageNotFound',
            failureReason: `The image's manifest media type ${manifest.mediaType} is not among the accepted media types`,
          });
          continue;
        }
        images.push({
          registryId: context.accountId,
          repositoryName: repository.name,
          imageId: { imageDigest: manifest.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
          imageManifest: manifest.body.toString('utf8'),
          imageManifestMediaType: manifest.mediaType,
        });
      }
      return { images, failures };
    },

    async PutImage(body, context) {
      const repository = findRepository(body, context);
      if (typeof body.imageManifest !== 'string' || body.imageManifest === '') {
        throw new AwsServiceError(
          'InvalidParameterException',
          "Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Member must not be null'",
        );
      }
      const manifestBody = Buffer.from(body.imageManifest, 'utf8');
      const digest = manifestDigest(manifestBody);
      const tag = body.imageTag as string | undefined;
      const injected = ecrScenario(environment.scenario?.()).putImageFailures?.find((rule) => rule.tag === tag);
      if (injected) {
        throw new AwsServiceError(
          injected.type ?? 'ServerException',
          injected.message ?? 'Service Unavailable. Please try again later.',
          injected.status ?? 500,
          true,
        );
      }
      if (tag !== undefined && !TAG_PATTERN.test(tag)) {
        throw new AwsServiceError(
          'InvalidParameterException',
          `Invalid parameter at 'imageTag' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_.]+'`,
        );
      }
      if (typeof body.imageDigest === 'string' && body.imageDigest !== digest) {
        throw new AwsServiceError(
          'ImageDigestDoesNotMatchException',
          `The specified image digest '${body.imageDigest}' does not match the digest '${digest}' that Amazon ECR calculated for the image manifest`,
        );
      }
      const mediaType =
        (body.imageManifestMediaType as string | undefined) ??
        declaredMediaType(manifestBody) ??
        'application/vnd.docker.distribution.manifest.v2+json';
      const registryClient = await client();
      if (tag !== undefined) {
        const current = await registryClient.getManifest(repository.name, tag);
        if (current?.digest === digest) {
          throw new AwsServiceError(
            'ImageAlreadyExistsException',
            `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repository.name}' in registry with id '${context.accountId}'`,
          );
        }
        if (current && repository.imageTagMutability === 'IMMUTABLE') {
          throw immutableTag(tag, repository.name);
        }
      } else if (await registryClient.getManifest(repository.name, digest)) {
        throw new AwsServiceError(
          'ImageAlreadyExistsException',
          `Image with digest '${digest}' already exists in the repository with name '${repository.name}' in registry with id '${context.accountId}'`,
        );
      }
      await registryClient.putManifest(repository.name, tag ?? digest, manifestBody, mediaType);
      if (!repository.pushedAt.has(digest)) repository.pushedAt.set(digest, context.now());
      const lost = ecrScenario(environment.scenario?.()).putImageAnswerLost ?? [];
      if (tag !== undefined && lost.includes(tag) && !lostAnswers.has(tag)) {
        lostAnswers.add(tag);
        throw new AwsServiceError('ServerException', 'The answer was lost after the image was put.', 500);
      }
      return {
        image: {
          registryId: context.accountId,
          repositoryName: repository.name,
          imageId: { imageDigest: digest, ...(tag !== undefined ? { imageTag: tag } : {}) },
          imageManifest: body.imageManifest,
          imageManifestMediaType: mediaType,
        },
      };
    },

    async BatchDeleteImage(body, context) {
      const repository = findRepository(body, context);
      const ids = requireImageIds(body);
      const registryClient = await client();
      const imageIds: ImageIdentifier[] = [];
      const failures: object[] = [];
      for (const id of ids) {
        const resolved = await resolveImage(registryClient, repository.name, id);
        if ('failureCode' in resolved) {
          failures.push({ imageId: id, ...resolved });
          continue;
        }
        const { digest } = resolved.manifest;
        const images = await registryClient.listImages(repository.name);
        const tags = images.get(digest)?.tags ?? [];
        if (id.imageTag && tags.length > 1) {
          // ECR removes only the tag while other tags still point at the image.
          registryClient.untag(repository.name, id.imageTag);
          imageIds.push({ imageDigest: digest, imageTag: id.imageTag });
        } else {
          await registryClient.deleteManifest(repository.name, digest);
          repository.pushedAt.delete(digest);
          if (tags.length === 0) imageIds.push({ imageDigest: digest });
          for (const tag of tags) imageIds.push({ imageDigest: digest, imageTag: tag });
        }
      }
      return { imageIds, failures };
    },
  };

  /** Refuse a registry request the way ECR does: Docker shows `message` to the user. */
  function refuse(response: ServerResponse, status: number, code: string, message: string, challenge = false): void {
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'docker-distribution-api-version': 'registry/2.0',
    };
    if (challenge)
      headers['www-authenticate'] = `Basic realm="${options.proxyEndpoint()}/",service="ecr.amazonaws.com"`;
    response.writeHead(status, headers);
    response.end(JSON.stringify({ errors: [{ code, message, detail: null }] }));
  }

  /** Checks ECR's credentials; answers and returns false when they are missing, wrong or expired. */
  function authorize(request: IncomingMessage, response: ServerResponse, context: AwsRequestContext): boolean {
    const header = request.headers.authorization ?? '';
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (!basic) {
      refuse(response, 401, 'UNAUTHORIZED', 'Not Authorized', true);
      return false;
    }
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    const user = decoded.slice(0, separator);
    const password = decoded.slice(separator + 1);
    const expiresAt = passwords.get(password);
    if (separator < 0 || user !== 'AWS' || expiresAt === undefined) {
      refuse(response, 401, 'UNAUTHORIZED', 'Not Authorized', true);
      return false;
    }
    if (context.now() >= expiresAt) {
      refuse(response, 403, 'DENIED', 'Your authorization token has expired. Reauthenticate and try again.');
      return false;
    }
    return true;
  }

  /** Registry requests go into the emulator's call log too, refused ones included. */
  function recordWhenAnswered(
    request: IncomingMessage,
    response: ServerResponse,
    context: AwsRequestContext,
    target: RegExpExecArray | null,
  ): void {
    const started = Date.now();
    const arrivedAt = context.now();
    const method = request.method ?? 'GET';
    response.once('close', () => {
      environment.recordCall({
        service: 'ecr',
        operation: `registry ${method} ${target?.[2] ?? 'base'}`,
        mutating: !['GET', 'HEAD'].includes(method),
        status: response.statusCode,
        time: new Date(arrivedAt).toISOString(),
        timeMs: arrivedAt,
        durationMs: Date.now() - started,
        ...(target ? { request: { repository: target[1], reference: decodeURIComponent(target[3]) } } : {}),
      });
    });
  }

  async function routeHttp(
    request: IncomingMessage,
    response: ServerResponse,
    context: AwsRequestContext,
  ): Promise<boolean> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/v2' && !path.startsWith('/v2/')) return false;
    const target = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.*)$/.exec(path);
    recordWhenAnswered(request, response, context, target);
    if (!authorize(request, response, context)) return true;

    const repository = target ? repositories.get(target[1]) : undefined;
    if (target && !repository) {
      refuse(
        response,
        404,
        'NAME_UNKNOWN',
        `The repository with name '${target[1]}' does not exist in the registry with id '${context.accountId}'`,
      );
      return true;
    }

    let body: Buffer | undefined;
    let pushedDigest: string | undefined;
    if (repository && target?.[2] === 'manifests' && request.method === 'PUT') {
      body = await readBody(request);
      pushedDigest = manifestDigest(body);
      const reference = decodeURIComponent(target[3]);
      if (repository.imageTagMutability === 'IMMUTABLE' && !reference.includes(':')) {
        const current = await (await client()).getManifest(repository.name, reference);
        if (current && current.digest !== pushedDigest) {
          const error = immutableTag(reference, repository.name);
          refuse(response, 400, 'TAG_INVALID', error.message);
          return true;
        }
      }
    }

    let running: RunningRegistry;
    try {
      running = await registry();
    } catch (error) {
      refuse(response, 503, 'UNAVAILABLE', error instanceof Error ? error.message : String(error));
      return true;
    }
    const status = await forward(request, response, running.url, body);
    if (repository && pushedDigest && status >= 200 && status < 300 && !repository.pushedAt.has(pushedDigest)) {
      repository.pushedAt.set(pushedDigest, context.now());
    }
    return true;
  }

  return {
    targetPrefix: ECR_TARGET_PREFIX,
    name: 'ecr',
    mutatingOperations: MUTATING,
    async handle(operation, body, context) {
      const handler = operations[operation];
      if (!handler) {
        throw new AwsServiceError(
          'UnknownOperationException',
          `Operation ${operation} is not supported by this emulator`,
        );
      }
      return handler(body, context);
    },
    routeHttp,
    registry,
    issueRegistryPassword(now) {
      const password = randomBytes(48).toString('base64');
      passwords.set(password, now + tokenTtlMs);
      return password;
    },
    registryHost(region) {
      const scenario = environment.scenario?.();
      return registryHost({
        accountId: scenario?.accountId ?? '123456789012',
        region: region ?? scenario?.region ?? 'us-east-1',
      });
    },
    reset() {
      repositories.clear();
      passwords.clear();
      lostAnswers.clear();
      if (registryPromise) {
        void registryPromise.then(
          (running) => new RegistryClient(running.url, running.storageDir).wipe(),
          () => undefined,
        );
      }
    },
    async close() {
      if (ownsRegistry && registryPromise) {
        const running = await registryPromise.catch(() => undefined);
        registryPromise = undefined;
        await running?.close();
      }
    },
  };
}

function immutableTag(tag: string, repository: string): AwsServiceError {
  return new AwsServiceError(
    'ImageTagAlreadyExistsException',
    `The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`,
  );
}

function requireRepositoryName(body: Record<string, unknown>): string {
  const name = body.repositoryName;
  if (typeof name !== 'string' || name === '') {
    throw new AwsServiceError(
      'InvalidParameterException',
      "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'Member must not be null'",
    );
  }
  if (!REPOSITORY_NAME_PATTERN.test(name)) {
    throw new AwsServiceError(
      'InvalidParameterException',
      `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*' and have length between 2 and 256'`,
    );
  }
  return name;
}

function checkRegistryId(body: Record<string, unknown>, context: AwsRequestContext): void {
  const id = body.registryId;
  if (id !== undefined && id !== context.accountId) {
    throw new AwsServiceError(
      'AccessDeniedException',
      `User is not authorized to access registry '${String(id)}' (this emulator holds only '${context.accountId}')`,
    );
  }
}

function requireImageIds(body: Record<string, unknown>): ImageIdentifier[] {
  const ids = body.imageIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) {
    throw new AwsServiceError(
      'InvalidParameterException',
      "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length between 1 and 100'",
    );
  }
  for (const id of ids as ImageIdentifier[]) {
    if (id.imageDigest !== undefined && !DIGEST_PATTERN.test(id.imageDigest)) {
      throw new AwsServiceError(
        'InvalidParameterException',
        `Invalid parameter at 'imageDigest': '${id.imageDigest}' is not a digest`,
      );
    }
  }
  return ids as ImageIdentifier[];
}

function configMediaType(manifest: StoredManifest): string | undefined {
  try {
    return (JSON.parse(manifest.body.toString()) as { config?: { mediaType?: string } }).config?.mediaType;
  } catch {
    return undefined;
  }
}

function paginate<T>(items: T[], body: Record<string, unknown>, key: string): Record<string, unknown> {
  const max = typeof body.maxResults === 'number' ? body.maxResults : 100;
  const start = typeof body.nextToken === 'string' ? Number(Buffer.from(body.nextToken, 'base64').toString()) || 0 : 0;
  const page = items.slice(start, start + max);
  const next = start + max < items.length ? Buffer.from(String(start + max)).toString('base64') : undefined;
  return { [key]: page, ...(next ? { nextToken: next } : {}) };
}

/**
 * Pass one request to the registry and stream its answer back. The client's Host header goes
 * along, so the upload URLs the registry hands out point back at the emulator, not past it.
 */
function forward(
  request: IncomingMessage,
  response: ServerResponse,
  registryUrl: string,
  body?: Buffer,
): Promise<number> {
  const target = new URL(registryUrl);
  const headers = { ...request.headers };
  delete headers.authorization;
  if (body) {
    headers['content-length'] = String(body.length);
    delete headers['transfer-encoding'];
  }
  return new Promise((resolve) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        answer.once('end', () => resolve(answer.statusCode ?? 502));
      },
    );
    upstream.once('error', (error) => {
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: error.message }] }));
      } else {
        response.destroy(error);
      }
      resolve(502);
    });
    if (body) upstream.end(body);
    else request.pipe(upstream);
  });
}
