import type { ECRClient, Repository } from '@aws-sdk/client-ecr';
import { awsCall } from '@shipyard/shared/aws-call';
import { awsRequestHandlerOptions } from '@shipyard/shared/aws-client';
import { ActionFailure } from '@shipyard/shared/errors';
import { shown } from '@shipyard/shared/text';

/**
 * What the action asks of ECR, on top of the SDK: credentials for the registry, the repository
 * (created when asked), and image manifests read and written by tag or digest. Errors come back
 * as sentences that say what to do: the IAM action named when permission is missing, the
 * credentials step when AWS refuses the credentials (shared with deploy-ecs, in shared/aws-errors).
 */

export interface RegistryLogin {
  /** `<account>.dkr.ecr.<region>.amazonaws.com` (host and port, no scheme). */
  registry: string;
  username: string;
  password: string;
  /** The base64 token as ECR sent it; masked too, since it holds the password. */
  token: string;
  expiresAt?: Date;
}

export interface RepositoryInfo {
  name: string;
  mutability: 'MUTABLE' | 'IMMUTABLE';
  created: boolean;
}

export type ImageReference = { tag: string } | { digest: string };

export interface ImageManifest {
  digest: string;
  manifest: string;
  mediaType?: string;
}

export interface ImageDetail {
  digest: string;
  tags: string[];
  sizeBytes?: number;
}

export type TagResult = 'created' | 'unchanged';

/** BatchGetImage takes at most this many image ids a call. */
const BATCH_GET_IMAGE_IDS = 100;

const ACCEPTED_MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

type EcrModule = typeof import('@aws-sdk/client-ecr');

export class EcrRegistry {
  private constructor(
    private readonly sdk: EcrModule,
    private readonly client: ECRClient,
    private readonly registryId: string | undefined,
  ) {}

  /**
   * Load the SDK (after inputs validate) and make a client with the standard retry mode, in the
   * registry's own region when one is known (else the SDK's usual AWS_REGION chain).
   */
  static async connect({
    registryId,
    region,
    maxAttempts,
  }: {
    registryId?: string;
    region?: string;
    maxAttempts: number;
  }): Promise<EcrRegistry> {
    const sdk = await import('@aws-sdk/client-ecr');
    // A request timeout: an answer that never comes is a TimeoutError (retried), not a hung job.
    const client = new sdk.ECRClient({
      maxAttempts,
      retryMode: 'standard',
      requestHandler: awsRequestHandlerOptions(),
      ...(region ? { region } : {}),
    });
    return new EcrRegistry(sdk, client, registryId);
  }

  async login(): Promise<RegistryLogin> {
    const answer = await this.call('GetAuthorizationToken', () =>
      this.client.send(
        new this.sdk.GetAuthorizationTokenCommand(this.registryId ? { registryIds: [this.registryId] } : {}),
      ),
    );
    const data = answer.authorizationData?.[0];
    if (!data?.authorizationToken || !data.proxyEndpoint) {
      throw new ActionFailure('ECR returned no authorization data; check the region (AWS_REGION) and the credentials');
    }
    const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator <= 0) throw new ActionFailure('ECR returned an authorization token that is not user:password');
    return {
      registry: registryHost(data.proxyEndpoint),
      username: decoded.slice(0, separator),
      password: decoded.slice(separator + 1),
      token: data.authorizationToken,
      expiresAt: data.expiresAt,
    };
  }

  /** The repository, created (scan on push; immutable tags if asked) when missing and allowed. */
  async repository(name: string, create: { allowed: boolean; immutableTags: boolean }): Promise<RepositoryInfo> {
    try {
      const answer = await this.call('DescribeRepositories', () =>
        this.client.send(
          new this.sdk.DescribeRepositoriesCommand({ repositoryNames: [name], registryId: this.registryId }),
        ),
      );
      return repositoryInfo(answer.repositories?.[0], name, false);
    } catch (error) {
      if (!isNamed(error, 'RepositoryNotFoundException')) throw error;
      if (!create.allowed) {
        throw new ActionFailure(
          `ECR repository '${name}' does not exist${this.registryId ? ` in registry ${this.registryId}` : ''}. Create it, or set create-repository: true`,
        );
      }
    }
    try {
      const created = await this.call('CreateRepository', () =>
        this.client.send(
          new this.sdk.CreateRepositoryCommand({
            repositoryName: name,
            registryId: this.registryId,
            imageScanningConfiguration: { scanOnPush: true },
            imageTagMutability: create.immutableTags ? 'IMMUTABLE' : 'MUTABLE',
          }),
        ),
      );
      return repositoryInfo(created.repository, name, true);
    } catch (error) {
      // Another run created it since we looked, or the SDK retried a call whose first answer was
      // lost after ECR had created it: either way the repository is there, which is what was asked.
      if (!isNamed(error, 'RepositoryAlreadyExistsException')) throw error;
      const answer = await this.call('DescribeRepositories', () =>
        this.client.send(
          new this.sdk.DescribeRepositoriesCommand({ repositoryNames: [name], registryId: this.registryId }),
        ),
      );
      return repositoryInfo(answer.repositories?.[0], name, false);
    }
  }

  /** The image a tag or digest names, with all its tags and its size; undefined when there is none. */
  async findImage(repository: string, reference: ImageReference): Promise<ImageDetail | undefined> {
    try {
      const answer = await this.call('DescribeImages', () =>
        this.client.send(
          new this.sdk.DescribeImagesCommand({
            repositoryName: repository,
            registryId: this.registryId,
            imageIds: [imageId(reference)],
          }),
        ),
      );
      const detail = answer.imageDetails?.[0];
      if (!detail?.imageDigest) return undefined;
      return {
        digest: detail.imageDigest,
        tags: detail.imageTags ?? [],
        sizeBytes: detail.imageSizeInBytes,
      };
    } catch (error) {
      // A repository that does not exist yet holds no image either.
      if (isNamed(error, 'ImageNotFoundException') || isNamed(error, 'RepositoryNotFoundException')) return undefined;
      throw error;
    }
  }

  async manifest(repository: string, reference: ImageReference): Promise<ImageManifest | undefined> {
    const answer = await this.call('BatchGetImage', () =>
      this.client.send(
        new this.sdk.BatchGetImageCommand({
          repositoryName: repository,
          registryId: this.registryId,
          imageIds: [imageId(reference)],
          acceptedMediaTypes: ACCEPTED_MANIFEST_TYPES,
        }),
      ),
    );
    const image = answer.images?.[0];
    if (!image?.imageManifest || !image.imageId?.imageDigest) {
      const failure = answer.failures?.[0];
      if (!failure || failure.failureCode === 'ImageNotFound') return undefined;
      throw new ActionFailure(
        `ECR could not read image ${describeReference(reference)} of '${repository}': ${shown(failure.failureReason ?? failure.failureCode ?? 'no reason given', 300)}`,
      );
    }
    return {
      digest: image.imageId.imageDigest,
      manifest: image.imageManifest,
      mediaType: image.imageManifestMediaType,
    };
  }

  /**
   * The digest each tag points at now (BatchGetImage, read only); a tag that names no image is not
   * in the map, nor one ECR could not read (PutImage then decides).
   */
  async tagDigests(repository: string, tags: readonly string[]): Promise<Map<string, string>> {
    const digests = new Map<string, string>();
    for (let start = 0; start < tags.length; start += BATCH_GET_IMAGE_IDS) {
      const batch = tags.slice(start, start + BATCH_GET_IMAGE_IDS);
      const answer = await this.call('BatchGetImage', () =>
        this.client.send(
          new this.sdk.BatchGetImageCommand({
            repositoryName: repository,
            registryId: this.registryId,
            imageIds: batch.map((imageTag) => ({ imageTag })),
            acceptedMediaTypes: ACCEPTED_MANIFEST_TYPES,
          }),
        ),
      );
      for (const image of answer.images ?? []) {
        const { imageTag, imageDigest } = image.imageId ?? {};
        if (imageTag && imageDigest) digests.set(imageTag, imageDigest);
      }
    }
    return digests;
  }

  /**
   * Point a tag at a manifest by writing the same bytes again (PutImage): the digest cannot change.
   * A tag that already points there is `unchanged` (a rerun, or a call the SDK retried after its
   * answer was lost); any other error is thrown as it came (permission and credential errors
   * explained), for the caller to report against the tag.
   */
  async tag(repository: string, image: ImageManifest, tag: string): Promise<TagResult> {
    try {
      await this.call('PutImage', () =>
        this.client.send(
          new this.sdk.PutImageCommand({
            repositoryName: repository,
            registryId: this.registryId,
            imageManifest: image.manifest,
            imageManifestMediaType: image.mediaType,
            imageDigest: image.digest,
            imageTag: tag,
          }),
        ),
      );
      return 'created';
    } catch (error) {
      if (isNamed(error, 'ImageAlreadyExistsException')) return 'unchanged';
      throw error;
    }
  }

  /**
   * Run one SDK call (`operation` as ECR names it); a permission or credential error comes back
   * explained, with the IAM action named. Other errors pass through for the caller to match.
   */
  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return awsCall('ecr', operation, send);
  }
}

/** ECR's ImageIdentifier for a reference. */
function imageId(reference: ImageReference): { imageTag: string } | { imageDigest: string } {
  return 'tag' in reference ? { imageTag: reference.tag } : { imageDigest: reference.digest };
}

export function describeReference(reference: ImageReference): string {
  return 'tag' in reference ? `:${reference.tag}` : `@${reference.digest}`;
}

function repositoryInfo(repository: Repository | undefined, name: string, created: boolean): RepositoryInfo {
  return {
    name,
    mutability: repository?.imageTagMutability === 'IMMUTABLE' ? 'IMMUTABLE' : 'MUTABLE',
    created,
  };
}

/** A registry as docker names it: the host (and port), without a scheme or a trailing slash. */
export function registryHost(address: string): string {
  return address.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
