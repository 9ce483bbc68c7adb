import { createHash } from 'node:crypto';

/**
 * A small but real image pushed through the Docker Registry HTTP API (the same requests
 * `docker push` makes: blob uploads, then the manifest), so tests of ECR, promote mode and
 * skip-if-exists run where there is a registry but no Docker engine.
 */

export interface PushedImage {
  digest: string;
  manifest: string;
  mediaType: string;
  layerSize: number;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The registry credentials in an ECR authorization token (`base64("AWS:<password>")`). */
export function credentialsFromToken(token: string): { username: string; password: string } {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  return { username: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function uploadBlob(baseUrl: string, authorization: string, repository: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const started = await fetch(`${baseUrl}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers: { authorization },
  });
  if (started.status !== 202) throw new Error(`blob upload start: ${started.status} ${await started.text()}`);
  const location = new URL(started.headers.get('location') as string, baseUrl);
  location.searchParams.set('digest', digest);
  const finished = await fetch(location, {
    method: 'PUT',
    headers: { authorization, 'content-type': 'application/octet-stream' },
    body: data,
  });
  if (finished.status !== 201) throw new Error(`blob upload: ${finished.status} ${await finished.text()}`);
  return digest;
}

/** Push an image whose one layer holds `content`; a different content gives a different digest. */
export async function pushSyntheticImage(
  baseUrl: string,
  {
    authorization,
    repository,
    tag,
    content = 'hello',
    config: imageConfig = {},
  }: {
    authorization: string;
    repository: string;
    tag: string;
    content?: string;
    /** The image's config (Entrypoint, Cmd, Env, Labels, Healthcheck...), as `docker image inspect` shows `.Config`. */
    config?: Record<string, unknown>;
  },
): Promise<PushedImage> {
  const layer = Buffer.from(content);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
      config: imageConfig,
    }),
  );
  const layerDigest = await uploadBlob(baseUrl, authorization, repository, layer);
  const configDigest = await uploadBlob(baseUrl, authorization, repository, config);
  const mediaType = 'application/vnd.docker.distribution.manifest.v2+json';
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: configDigest,
      },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: layerDigest },
      ],
    },
    null,
    3,
  );
  const response = await fetch(`${baseUrl}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { authorization, 'content-type': mediaType },
    body: manifest,
  });
  if (response.status !== 201) throw new Error(`manifest push: ${response.status} ${await response.text()}`);
  return { digest: sha256(manifest), manifest, mediaType, layerSize: layer.length };
}
