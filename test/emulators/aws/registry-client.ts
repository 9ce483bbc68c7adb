import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AwsServiceError } from './types.js';

/**
 * ECR's image API (BatchGetImage, PutImage, DescribeImages, BatchDeleteImage) works on the
 * manifests the registry really stores, so this client reads and writes them through the
 * registry's HTTP API: a manifest copied with PutImage keeps its bytes and therefore its digest.
 */

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
] as const;

const INDEX_MEDIA_TYPES = new Set([
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
]);

export interface StoredManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export function manifestDigest(body: Buffer | string): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** The media type a manifest declares in its own `mediaType` field, if any. */
export function declaredMediaType(body: Buffer | string): string | undefined {
  try {
    const parsed = JSON.parse(body.toString()) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  } catch {
    return undefined;
  }
}

export class RegistryClient {
  constructor(
    private readonly baseUrl: string,
    private readonly storageDir: string,
  ) {}

  async getManifest(repository: string, reference: string): Promise<StoredManifest | undefined> {
    const response = await fetch(this.url(repository, 'manifests', reference), {
      headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw await registryError(response, `GET manifest ${repository}:${reference}`);
    const body = Buffer.from(await response.arrayBuffer());
    return {
      digest: response.headers.get('docker-content-digest') ?? manifestDigest(body),
      mediaType: response.headers.get('content-type') ?? declaredMediaType(body) ?? MANIFEST_MEDIA_TYPES[0],
      body,
    };
  }

  async putManifest(repository: string, reference: string, body: Buffer, mediaType: string): Promise<string> {
    const response = await fetch(this.url(repository, 'manifests', reference), {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body,
    });
    if (!response.ok) throw await registryError(response, `PUT manifest ${repository}:${reference}`);
    return response.headers.get('docker-content-digest') ?? manifestDigest(body);
  }

  async listTags(repository: string): Promise<string[]> {
    const response = await fetch(`${this.baseUrl}/v2/${repository}/tags/list`);
    if (response.status === 404) return [];
    if (!response.ok) throw await registryError(response, `list tags of ${repository}`);
    const parsed = (await response.json()) as { tags?: string[] | null };
    return parsed.tags ?? [];
  }

  /** Every manifest of a repository with the tags that point at it (untagged ones have none). */
  async listImages(repository: string): Promise<Map<string, { tags: string[] }>> {
    const images = new Map<string, { tags: string[] }>();
    for (const tag of await this.listTags(repository)) {
      const manifest = await this.getManifest(repository, tag);
      if (!manifest) continue;
      const entry = images.get(manifest.digest) ?? { tags: [] };
      entry.tags.push(tag);
      images.set(manifest.digest, entry);
    }
    for (const digest of this.storedManifestDigests(repository)) {
      if (!images.has(digest)) images.set(digest, { tags: [] });
    }
    return images;
  }

  /**
   * The registry API cannot list manifests no tag points at (a tag that moved leaves its old image
   * behind, as in ECR), so they are read from the registry's own storage: one revision link each.
   */
  private storedManifestDigests(repository: string): string[] {
    const revisions = join(
      this.storageDir,
      'docker/registry/v2/repositories',
      repository,
      '_manifests/revisions/sha256',
    );
    if (!existsSync(revisions)) return [];
    return readdirSync(revisions)
      .filter((hex) => existsSync(join(revisions, hex, 'link')))
      .map((hex) => `sha256:${hex}`);
  }

  /** Compressed size as ECR reports it: the layers' sizes, summed over an index's manifests. */
  async imageSize(repository: string, manifest: StoredManifest): Promise<number> {
    const parsed = JSON.parse(manifest.body.toString()) as {
      layers?: { size?: number }[];
      manifests?: { digest: string }[];
    };
    if (INDEX_MEDIA_TYPES.has(manifest.mediaType) || parsed.manifests) {
      let total = 0;
      for (const child of parsed.manifests ?? []) {
        const childManifest = await this.getManifest(repository, child.digest);
        if (childManifest) total += await this.imageSize(repository, childManifest);
      }
      return total;
    }
    return (parsed.layers ?? []).reduce((sum, layer) => sum + (layer.size ?? 0), 0);
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const response = await fetch(this.url(repository, 'manifests', digest), { method: 'DELETE' });
    if (!response.ok && response.status !== 404) {
      throw await registryError(response, `DELETE manifest ${repository}@${digest}`);
    }
  }

  /**
   * Distribution 2.8 has no API to remove one tag, only a whole manifest with all its tags. ECR
   * can untag, so the emulator removes the tag's link from the registry's own storage.
   */
  untag(repository: string, tag: string): void {
    rmSync(join(this.storageDir, 'docker/registry/v2/repositories', repository, '_manifests/tags', tag), {
      recursive: true,
      force: true,
    });
  }

  /** Forget every repository and blob (the emulator's reset). */
  wipe(): void {
    rmSync(join(this.storageDir, 'docker'), { recursive: true, force: true });
  }

  private url(repository: string, kind: 'manifests' | 'blobs', reference: string): string {
    return `${this.baseUrl}/v2/${repository}/${kind}/${encodeURIComponent(reference).replace(/%3A/gi, ':')}`;
  }
}

async function registryError(response: Response, what: string): Promise<AwsServiceError> {
  const text = await response.text();
  let codes: string[] = [];
  try {
    codes = ((JSON.parse(text) as { errors?: { code?: string }[] }).errors ?? []).map((e) => e.code ?? '');
  } catch {
    // not the registry's JSON error shape; the text is kept in the message below
  }
  if (codes.includes('MANIFEST_BLOB_UNKNOWN') || codes.includes('BLOB_UNKNOWN')) {
    return new AwsServiceError(
      'LayersNotFoundException',
      `The image manifest references layers that are not in the repository (${what})`,
    );
  }
  if (codes.includes('MANIFEST_INVALID') || codes.includes('MANIFEST_UNVERIFIED') || codes.includes('TAG_INVALID')) {
    return new AwsServiceError('InvalidParameterException', `Invalid parameter at 'imageManifest' (${what}): ${text}`);
  }
  return new AwsServiceError('ServerException', `Registry error ${response.status} on ${what}: ${text}`, 500);
}
