import type { RunContext } from '../../shared/src/context.js';

/**
 * The OCI annotations every image gets (where it came from, which commit, when), with the
 * user's own labels merged over them so a workflow can override any of them.
 */
export function imageLabels({
  run,
  version,
  created,
  userLabels,
}: {
  run: Pick<RunContext, 'serverUrl' | 'repository' | 'sha'>;
  /** The semver of a tag push, or else the image's first tag. */
  version: string;
  created: Date;
  userLabels: ReadonlyMap<string, string>;
}): Map<string, string> {
  const labels = new Map<string, string>();
  if (run.repository.fullName) {
    labels.set('org.opencontainers.image.source', `${run.serverUrl}/${run.repository.fullName}`);
    labels.set('org.opencontainers.image.title', run.repository.repo);
  }
  if (run.sha) labels.set('org.opencontainers.image.revision', run.sha);
  labels.set('org.opencontainers.image.created', created.toISOString());
  labels.set('org.opencontainers.image.version', version);
  for (const [key, value] of userLabels) labels.set(key, value);
  return labels;
}
