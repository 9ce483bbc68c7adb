import type { DeploymentFacts } from './facts.js';
import type { Outgoing } from './outgoing.js';
import type { ShippedPull } from './pulls.js';

/**
 * One Slack message per run, as Block Kit: a header with the outcome, the pull requests with links
 * and their authors (as mentions when `slack-user-map` knows them), and a context line with the
 * repository, the commit and the run. Building it is pure; posting it is one request.
 */

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** The deployment and every pull request that shipped in it. */
export interface SlackFacts extends DeploymentFacts {
  pulls: readonly ShippedPull[];
  /** GitHub login (lower-cased) to Slack member ID. */
  userMap: ReadonlyMap<string, string>;
}

/** Slack's mrkdwn treats these three as control characters; everything else is literal. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackLink(url: string, text: string): string {
  return `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escapeMrkdwn(text)}>`;
}

export function slackAuthor(login: string, userMap: ReadonlyMap<string, string>): string {
  const member = userMap.get(login.toLowerCase());
  return member ? `<@${member}>` : escapeMrkdwn(login);
}

/** Slack's limits: a section's text, a header's text, the notification text (Slack cuts it at 40,000). */
const SECTION_LIMIT = 3000;
const HEADER_LIMIT = 150;
const TEXT_LIMIT = 3000;

export function slackMessage(facts: SlackFacts): SlackMessage {
  const succeeded = facts.status === 'success';
  const headline = succeeded ? `✅ Deployed to ${facts.environment}` : `❌ Deployment to ${facts.environment} failed`;
  const where = facts.environmentUrl ? ` (${slackLink(facts.environmentUrl, facts.environmentUrl)})` : '';
  const lines = facts.pulls.map(
    (pull) => `• ${slackLink(pull.url, `#${pull.number} ${pull.title}`)} by ${slackAuthor(pull.author, facts.userMap)}`,
  );
  const intro =
    facts.pulls.length === 0
      ? `No pull request was found for this deployment to *${escapeMrkdwn(facts.environment)}*${where}.`
      : `${facts.pulls.length === 1 ? '1 pull request' : `${facts.pulls.length} pull requests`} ${
          succeeded ? 'shipped to' : 'did not ship to'
        } *${escapeMrkdwn(facts.environment)}*${where}:`;
  const commitUrl = `${facts.serverUrl}/${facts.repository}/commit/${facts.sha}`;
  const context = [
    slackLink(`${facts.serverUrl}/${facts.repository}`, facts.repository),
    slackLink(commitUrl, facts.sha.slice(0, 7)),
    facts.runUrl ? slackLink(facts.runUrl, `run #${facts.runNumber}`) : `run #${facts.runNumber}`,
  ].join(' · ');
  return {
    text: clip(
      `${headline}: ${facts.pulls.map((pull) => `#${pull.number}`).join(', ') || 'no pull requests'} (${facts.repository})`,
      TEXT_LIMIT,
    ),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(headline, HEADER_LIMIT), emoji: true } },
      ...sections([intro, ...lines]),
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(context, SECTION_LIMIT) }] },
    ],
  };
}

/** Sections a message may hold here: Slack allows 50 blocks, and the header and context take two. */
const MAX_SECTIONS = 40;

/**
 * Lines packed into as few sections as Slack's 3,000-character limit allows, at most 40 of them;
 * lines past those are counted in a last section rather than dropped unsaid.
 */
function sections(lines: string[]): Record<string, unknown>[] {
  const texts: { text: string; lines: number }[] = [];
  for (const line of lines) {
    const current = texts.at(-1);
    if (current !== undefined && current.text.length + 1 + line.length <= SECTION_LIMIT) {
      current.text = `${current.text}\n${line}`;
      current.lines += 1;
    } else texts.push({ text: clip(line, SECTION_LIMIT), lines: 1 });
  }
  if (texts.length > MAX_SECTIONS) {
    const left = texts.slice(MAX_SECTIONS - 1).reduce((sum, section) => sum + section.lines, 0);
    texts.splice(MAX_SECTIONS - 1, texts.length, { text: `… and ${left} more (see the run)`, lines: left });
  }
  return texts.map(({ text }) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/**
 * Post to an incoming webhook; Slack answers `ok`, or an error code such as `invalid_blocks`. The
 * message goes through the outgoing gate on its way (`outgoing.deep`), whoever built it.
 */
export async function postToSlack(
  webhookUrl: string,
  message: SlackMessage,
  { outgoing, timeoutMs = 10_000 }: { outgoing: Pick<Outgoing, 'deep' | 'clean'>; timeoutMs?: number },
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(outgoing.deep(message)),
      // The URL is the credential: a redirect would carry the message (and the webhook's path) elsewhere.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    // The URL is a secret: say what failed without it.
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new Error(`Slack could not be reached: ${outgoing.clean(reason)}`, { cause: error });
  }
  const answer = outgoing.clean((await response.text()).trim().slice(0, 200));
  if (!response.ok) throw new Error(`Slack refused the message: ${response.status} ${answer || response.statusText}`);
}
