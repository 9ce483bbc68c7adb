import { shown } from '@shipyard/shared/text';

/**
 * Image tags from git: templates such as `{{sha}}` or `pr-{{pr}}` rendered with what the run's
 * event offers. A template whose placeholder this event does not offer (`{{pr}}` on a push) is
 * left out, so one list of templates serves every event the workflow runs on.
 */

export const PLACEHOLDERS = ['sha', 'short_sha', 'branch', 'pr', 'version', 'run_number'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TagContext = Partial<Record<Placeholder, string>>;

/** The default `tags`: the commit, plus the branch on pushes or `pr-N` on pull requests. */
export const DEFAULT_TAG_TEMPLATES = ['{{sha}}', '{{branch}}', 'pr-{{pr}}'];

/** Docker's tag grammar: 1 to 128 characters, no leading `.` or `-`. */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const MAX_TAG_LENGTH = 128;
/** Tags one run may give an image: every one is a PutImage or a push, and one BatchGetImage reads 100. */
export const MAX_TAGS = 100;

const SEMVER = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;
const PLACEHOLDER_PATTERN = /\{\{\s*([^}]*?)\s*\}\}/g;

export interface TagSource {
  env: Record<string, string | undefined>;
  payload: Record<string, unknown>;
}

/** A branch name made into a valid tag: `feature/Login page` becomes `feature-Login-page`. */
export function sanitizeTag(value: string): string {
  return value
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, MAX_TAG_LENGTH)
    .replace(/[.-]+$/, '');
}

/** What the placeholders stand for in this run, from the runner's variables and the event payload. */
export function tagContext({ env, payload }: TagSource): TagContext {
  const context: TagContext = {};
  const sha = env.GITHUB_SHA?.trim();
  if (sha) {
    context.sha = sha;
    context.short_sha = sha.slice(0, 7);
  }
  const ref = env.GITHUB_REF ?? '';
  if (ref.startsWith('refs/heads/')) {
    const branch = sanitizeTag(ref.slice('refs/heads/'.length));
    if (branch) context.branch = branch;
  }
  const pullRequest = payload.pull_request as { number?: unknown } | undefined;
  const prNumber = pullRequest?.number ?? /^refs\/pull\/(\d+)\//.exec(ref)?.[1];
  if (prNumber !== undefined && /^\d+$/.test(String(prNumber))) context.pr = String(prNumber);
  if (ref.startsWith('refs/tags/')) {
    const semver = SEMVER.exec(ref.slice('refs/tags/'.length));
    // `+` (semver build metadata) is not allowed in a Docker tag.
    if (semver) context.version = semver[1].replace(/\+/g, '-');
  }
  if (env.GITHUB_RUN_NUMBER && /^\d+$/.test(env.GITHUB_RUN_NUMBER)) context.run_number = env.GITHUB_RUN_NUMBER;
  return context;
}

export interface RenderedTags {
  tags: string[];
  /** Templates left out because this event does not offer one of their placeholders. */
  skipped: { template: string; missing: Placeholder[] }[];
}

export class TagTemplateError extends Error {}

/**
 * Render every template. Unknown placeholders and rendered values that are not valid tags are
 * errors (the caller turns them into an input error); duplicates are dropped, first one wins.
 */
export function renderTags(templates: readonly string[], context: TagContext): RenderedTags {
  const tags: string[] = [];
  const skipped: RenderedTags['skipped'] = [];
  for (const template of templates) {
    const missing: Placeholder[] = [];
    const rendered = template.replace(PLACEHOLDER_PATTERN, (_, name: string) => {
      if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
        throw new TagTemplateError(
          `has an unknown placeholder ${shown(`{{${name}}}`)} in ${shown(template)}; known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
        );
      }
      const value = context[name as Placeholder];
      if (value === undefined) missing.push(name as Placeholder);
      return value ?? '';
    });
    if (missing.length > 0) {
      skipped.push({ template, missing });
      continue;
    }
    if (rendered.length > MAX_TAG_LENGTH) {
      throw new TagTemplateError(
        `renders ${shown(template)} to a tag of ${rendered.length} characters; a tag has at most ${MAX_TAG_LENGTH}`,
      );
    }
    if (!TAG_PATTERN.test(rendered)) {
      throw new TagTemplateError(
        `renders ${shown(template)} to ${shown(rendered)}, which is not a valid tag: use letters, digits, '_', '.' and '-', not starting with '.' or '-'`,
      );
    }
    if (!tags.includes(rendered)) tags.push(rendered);
  }
  return { tags, skipped };
}
