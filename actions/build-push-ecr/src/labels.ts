import type { RunContext } from '@shipyard/shared/context';

/**
 * The OCI annotations every image gets (where it came from, which commit, when), with the
 * user's own labels merged over them so a workflow can override any of them.
 */
/**
 * The labels taken from the run, each with the runner variable it comes from, so that a value the
 * build's command line must not carry is refused by name before anything runs.
 */
export function derivedLabels(
  run: Pick<RunContext, 'serverUrl' | 'repository' | 'sha'>,
  version: string,
): { key: string; value: string; source: string }[] {
  const labels: { key: string; value: string; source: string }[] = [];
  if (run.repository.fullName) {
    labels.push({
      key: 'org.opencontainers.image.source',
      value: `${run.serverUrl}/${run.repository.fullName}`,
      source: 'GITHUB_SERVER_URL or GITHUB_REPOSITORY',
    });
    labels.push({ key: 'org.opencontainers.image.title', value: run.repository.repo, source: 'GITHUB_REPOSITORY' });
  }
  if (run.sha) labels.push({ key: 'org.opencontainers.image.revision', value: run.sha, source: 'GITHUB_SHA' });
  labels.push({ key: 'org.opencontainers.image.version', value: version, source: 'GITHUB_REF' });
  return labels;
}

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
  for (const { key, value } of derivedLabels(run, version)) labels.set(key, value);
  labels.set('org.opencontainers.image.created', created.toISOString());
  for (const [key, value] of userLabels) labels.set(key, value);
  return labels;
}
