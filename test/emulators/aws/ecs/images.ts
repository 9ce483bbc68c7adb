import { RegistryClient } from '../registry-client.js';
import type { RunningRegistry } from '../registry.js';
import { TaskStartFailure, type ImageConfig, type ResolvedImage } from './runtime.js';

/**
 * A task definition's image reference, looked up as ECS's agent does before it pulls: an image in
 * the emulated ECR (its host as ECR names it, or the emulator's own address) is resolved to the
 * manifest digest its tag points at now; any other reference is left as given.
 */

export interface EcrAccess {
  registry(): Promise<RunningRegistry>;
  /** The registry host ECR names (real-shaped or the emulator's own `127.0.0.1:PORT`). */
  registryHost(region?: string): string;
  /** The emulator's own URL. */
  ownUrl(): string;
}

const ECR_HOST = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?::(\d+))?$/;

/** `host[:port]/repo[:tag][@digest]` to its parts; the host only when the first part names one. */
export function parseImageReference(reference: string): {
  host?: string;
  repository: string;
  tag?: string;
  digest?: string;
} {
  const [withoutDigest, digest] = reference.split('@', 2);
  const slash = withoutDigest.indexOf('/');
  const first = slash > 0 ? withoutDigest.slice(0, slash) : '';
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const host = hasHost ? first : undefined;
  const path = hasHost ? withoutDigest.slice(slash + 1) : withoutDigest;
  const colon = path.lastIndexOf(':');
  const tag = colon > path.lastIndexOf('/') && colon >= 0 ? path.slice(colon + 1) : undefined;
  const repository = tag === undefined ? path : path.slice(0, colon);
  return { host, repository, tag, digest };
}

export function isEmulatedEcrHost(host: string, access: EcrAccess): boolean {
  const own = new URL(access.ownUrl());
  if (host === access.registryHost() || host === own.host || host === `localhost:${own.port}`) return true;
  const match = ECR_HOST.exec(host);
  return match !== null && match[1] === own.port;
}

function notFound(reference: string): TaskStartFailure {
  return new TaskStartFailure(
    `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${reference}: ${reference}: not found`,
  );
}

export async function resolveImage(reference: string, access: EcrAccess): Promise<ResolvedImage> {
  const parsed = parseImageReference(reference);
  if (!parsed.host || !isEmulatedEcrHost(parsed.host, access)) return { reference };
  const running = await access.registry();
  const client = new RegistryClient(running.url, running.storageDir);
  const manifest = await client
    .getManifest(parsed.repository, parsed.digest ?? parsed.tag ?? 'latest')
    .catch(() => undefined);
  if (!manifest) throw notFound(reference);
  return { reference, ecr: { host: parsed.host, repository: parsed.repository, digest: manifest.digest } };
}

/** The image's config (`config` of its config blob), read from the registry; an index's linux/amd64 image. */
export async function readImageConfig(image: ResolvedImage, access: EcrAccess): Promise<ImageConfig> {
  if (!image.ecr) throw notFound(image.reference);
  const running = await access.registry();
  const client = new RegistryClient(running.url, running.storageDir);
  let manifest = await client.getManifest(image.ecr.repository, image.ecr.digest);
  if (!manifest) throw notFound(image.reference);
  let parsed = JSON.parse(manifest.body.toString('utf8')) as {
    config?: { digest: string };
    manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
  };
  if (parsed.manifests) {
    const chosen =
      parsed.manifests.find((entry) => entry.platform?.os === 'linux' && entry.platform.architecture === 'amd64') ??
      parsed.manifests[0];
    manifest = chosen ? await client.getManifest(image.ecr.repository, chosen.digest) : undefined;
    if (!manifest) throw notFound(image.reference);
    parsed = JSON.parse(manifest.body.toString('utf8')) as typeof parsed;
  }
  if (!parsed.config) throw notFound(image.reference);
  const blob = await fetch(`${running.url}/v2/${image.ecr.repository}/blobs/${parsed.config.digest}`);
  if (!blob.ok) throw notFound(image.reference);
  const config = (await blob.json()) as { config?: ImageConfig };
  return config.config ?? {};
}
