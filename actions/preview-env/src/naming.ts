/**
 * How a preview is named and recognised, pure. Every resource a preview creates is named from the
 * staging service and the pull request number alone, and carries three tags; the action only ever
 * changes or deletes a resource whose tags say it is this repository's preview of this pull request
 * of this staging service. A name alone proves nothing: anyone may create `web-pr-7` by hand.
 */

export const TAG_PREVIEW = 'shipyard:preview';
export const TAG_REPOSITORY = 'shipyard:repository';
export const TAG_SERVICE = 'shipyard:service';

/** Whose previews: one repository's, of one staging service. */
export interface PreviewScope {
  /** `owner/repo`. */
  repository: string;
  /** The staging service's name. */
  service: string;
}

export interface PreviewIdentity extends PreviewScope {
  pr: number;
}

/** ELBv2 target group names: at most 32 letters, digits and hyphens, no hyphen at either end. */
export const TARGET_GROUP_NAME_MAX = 32;

export interface PreviewNames {
  /** The ECS service: `<service>-pr-<N>`. */
  service: string;
  /** The target group: `<service>-pr-<N>`, the service part cut and cleaned to fit 32 characters. */
  targetGroup: string;
  /** The listener rule's host name: `pr-<N>.<domain>`. */
  host?: string;
}

export function previewNames(identity: PreviewIdentity, domain?: string): PreviewNames {
  const suffix = `-pr-${identity.pr}`;
  const base =
    identity.service
      .replace(/[^A-Za-z0-9-]/g, '-')
      .slice(0, TARGET_GROUP_NAME_MAX - suffix.length)
      .replace(/^-+|-+$/g, '') || 'preview';
  return {
    service: `${identity.service}${suffix}`,
    targetGroup: `${base}${suffix}`,
    host: domain ? `pr-${identity.pr}.${domain}` : undefined,
  };
}

/** The preview's task definition family: `<staging family>-pr-<N>`. */
export function previewFamily(stagingFamily: string, pr: number): string {
  return `${stagingFamily}-pr-${pr}`;
}

/** The GitHub deployment environment of a preview. */
export function previewEnvironment(pr: number): string {
  return `preview/pr-${pr}`;
}

export interface Tag {
  key: string;
  value: string;
}

export function previewTags(identity: PreviewIdentity): Tag[] {
  return [
    { key: TAG_PREVIEW, value: `pr-${identity.pr}` },
    { key: TAG_REPOSITORY, value: identity.repository },
    { key: TAG_SERVICE, value: identity.service },
  ];
}

/** Tags as ECS (`key`/`value`) or ELBv2 (`Key`/`Value`) give them, as one map. */
export function tagMap(tags: readonly { key?: string; value?: string; Key?: string; Value?: string }[] | undefined) {
  const map = new Map<string, string>();
  for (const tag of tags ?? []) {
    const key = tag.key ?? tag.Key;
    if (key !== undefined) map.set(key, tag.value ?? tag.Value ?? '');
  }
  return map;
}

/** The pull request whose preview in `scope` these tags mark, or undefined when they mark none. */
export function previewNumber(tags: ReadonlyMap<string, string>, scope: PreviewScope): number | undefined {
  if (tags.get(TAG_REPOSITORY) !== scope.repository || tags.get(TAG_SERVICE) !== scope.service) return undefined;
  const match = /^pr-([1-9]\d{0,8})$/.exec(tags.get(TAG_PREVIEW) ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Whether these tags mark exactly this preview. */
export function isPreview(tags: ReadonlyMap<string, string>, identity: PreviewIdentity): boolean {
  return previewNumber(tags, identity) === identity.pr;
}
