import { taskDefinitionRevision } from '@shipyard/shared/arn';
import { blocks, code, details, keyValueTable, link } from '@shipyard/shared/markdown';
import type { DeploymentFacts } from './facts.js';

/**
 * The comment's text: the hidden marker that finds it again on a rerun, the default body, the
 * `{{placeholder}}` template that can replace it, and the cut to GitHub's size limit. Pure.
 */

/** GitHub refuses a comment body longer than this (characters). */
export const GITHUB_COMMENT_LIMIT = 65_536;

export const PLACEHOLDERS = [
  'status',
  'status_emoji',
  'environment',
  'environment_url',
  'image',
  'task_definition',
  'task_definition_arn',
  'smoke_report',
  'run_url',
  'run_number',
  'sha',
  'short_sha',
  'repository',
  'pr_number',
  'pr_title',
  'pr_url',
  'author',
  'author_mention',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** The deployment, what shipped in it, and the pull request one comment is for. */
export interface CommentFacts extends DeploymentFacts {
  image?: string;
  taskDefinitionArn?: string;
  smokeReport?: string;
  pull: { number: number; title: string; url: string; author: string };
  mentionAuthor: boolean;
}

/**
 * The marker is an HTML comment, invisible on the page. The environment is URI-encoded so that no
 * name (`prod -->` included) can end the comment early or match another environment's marker.
 */
export function marker(environment: string): string {
  return `<!-- shipyard:pr-comment environment=${encodeURIComponent(environment)} -->`;
}

export function hasMarker(body: string | undefined | null, environment: string): boolean {
  return (body ?? '').split(/\r?\n/).some((line) => line.trim() === marker(environment));
}

export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(PLACEHOLDERS);
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (match) => match[1]))].filter(
    (name) => !known.has(name),
  );
}

export function placeholderValues(facts: CommentFacts): Record<Placeholder, string> {
  const author = facts.pull.author;
  return {
    status: facts.status,
    status_emoji: facts.status === 'success' ? '✅' : '❌',
    environment: facts.environment,
    environment_url: facts.environmentUrl ?? '',
    image: facts.image ?? '',
    task_definition: facts.taskDefinitionArn ? taskDefinitionRevision(facts.taskDefinitionArn) : '',
    task_definition_arn: facts.taskDefinitionArn ?? '',
    smoke_report: facts.smokeReport ?? '',
    run_url: facts.runUrl,
    run_number: facts.runNumber,
    sha: facts.sha,
    short_sha: facts.sha.slice(0, 7),
    repository: facts.repository,
    pr_number: String(facts.pull.number),
    pr_title: facts.pull.title,
    pr_url: facts.pull.url,
    author,
    // `mention-author: false` empties the mention in templates too.
    author_mention: facts.mentionAuthor ? mention(author) : '',
  };
}

/** `@login`, except for bots, which cannot be notified and whose mention renders as plain text. */
export function mention(login: string): string {
  return login === '' || login.endsWith('[bot]') ? '' : `@${login}`;
}

export function renderTemplate(template: string, values: Record<Placeholder, string>): string {
  // One pass over the template: a value that itself contains `{{...}}` is not expanded again.
  return template.replace(PLACEHOLDER, (whole, name: string) => (name in values ? values[name as Placeholder] : whole));
}

export function defaultBody(facts: CommentFacts): string {
  const values = placeholderValues(facts);
  const succeeded = facts.status === 'success';
  const environment = facts.environmentUrl ? link(facts.environment, facts.environmentUrl) : `**${facts.environment}**`;
  const run = facts.runUrl ? link(`run #${facts.runNumber}`, facts.runUrl) : `run #${facts.runNumber}`;
  const headline = succeeded
    ? `### ✅ Deployed to ${facts.environment}`
    : `### ❌ Deployment to ${facts.environment} failed`;
  const sentence = succeeded
    ? `This pull request is live in ${environment}, deployed by ${run}.`
    : `${run} could not deploy this pull request to ${environment}.`;
  const commitUrl = `${facts.serverUrl}/${facts.repository}/commit/${facts.sha}`;
  const table = keyValueTable(
    [
      ['Status', `${values.status_emoji} ${facts.status}`],
      ['Environment', facts.environmentUrl ? `${facts.environment} (${facts.environmentUrl})` : facts.environment],
      ['Image', facts.image ? code(facts.image) : undefined],
      ['Task definition', facts.taskDefinitionArn ? code(values.task_definition) : undefined],
      ['Commit', link(code(values.short_sha), commitUrl)],
      ['Run', facts.runUrl ? link(`#${facts.runNumber}`, facts.runUrl) : undefined],
    ],
    ['', ''],
  );
  const smoke = facts.smokeReport ? details('Smoke test report', facts.smokeReport.trim(), { open: !succeeded }) : '';
  const cc = values.author_mention ? `cc ${values.author_mention}` : '';
  return blocks(headline, sentence, table, smoke, cc);
}

/** Said at the end of a comment from which something that looked like a credential was removed. */
export const REDACTION_NOTE =
  '\n\n> [!CAUTION]\n> Something in this text looked like a credential and was replaced with `***`.\n';

/**
 * The second hidden line: the state Slack was last told about for this environment (`sha:status`).
 * It is the action's record of notifications (see the README's "Slack"), kept where the sticky
 * comment already is, so a rerun that changes nothing posts nothing.
 */
export function notifiedLine(state: string): string {
  return `<!-- shipyard:pr-comment notified=${state} -->`;
}

const NOTIFIED = /^<!-- shipyard:pr-comment notified=([0-9a-f]{40,64}:[a-z]+) -->$/;

/** The state a comment records Slack was told about, if any: only ever its second line. */
export function readNotified(body: string | undefined | null): string | undefined {
  const second = (body ?? '').split(/\r?\n/)[1] ?? '';
  return NOTIFIED.exec(second.trim())?.[1];
}

export interface BodyOptions {
  /** The outgoing gate: the text as it may be posted, and whether something was removed. */
  redact?: (text: string) => { text: string; redacted: boolean };
  /** The notification state to record on the second hidden line. */
  notified?: string;
}

/**
 * The full comment for one pull request: marker first (a cut never removes it), the notification
 * record, then the template or the default body with credentials removed, cut to GitHub's limit
 * with a note saying so, and a note when something was removed. Redaction comes before the cut, so
 * a cut can never leave half a credential that no longer looks like one.
 */
export function commentBody(facts: CommentFacts, template?: string, options: BodyOptions = {}): string {
  const values = placeholderValues(facts);
  const raw = (template ? renderTemplate(template, values) : defaultBody(facts)).trim();
  const { text, redacted } = options.redact ? options.redact(raw) : { text: raw, redacted: false };
  const head = [marker(facts.environment), ...(options.notified ? [notifiedLine(options.notified)] : [])].join('\n');
  const note = redacted ? REDACTION_NOTE : '';
  const body = truncate(`${head}\n${text}\n`, GITHUB_COMMENT_LIMIT - note.length, facts.runUrl, GITHUB_COMMENT_LIMIT);
  return note ? `${body.replace(/\n+$/, '')}${note}` : body;
}

/**
 * Cut text to `limit` characters, ending with a note that points at the run. A fenced code block
 * left open by the cut is closed so the note renders as text, and a cut never splits a surrogate pair.
 */
export function truncate(text: string, limit = GITHUB_COMMENT_LIMIT, runUrl = '', named = limit): string {
  if (text.length <= limit) return text;
  const where = runUrl ? ` The full report is in the ${link('run', runUrl)}.` : '';
  const note = `\n\n> [!NOTE]\n> This comment was cut to GitHub's limit of ${named.toLocaleString('en-US')} characters.${where}\n`;
  const fenceCloser = '\n```';
  let cut = text.slice(0, limit - note.length - fenceCloser.length);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  const openFences = (cut.match(/^\s*```/gm) ?? []).length;
  return `${cut}${openFences % 2 === 1 ? fenceCloser : ''}${note}`;
}
