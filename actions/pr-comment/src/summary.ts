import { blocks, heading, link, table } from '@shipyard/shared/markdown';
import type { PublishedComment } from './comments.js';
import type { ShippedPull } from './pulls.js';

/** The job summary: which pull requests were told, how, and what became of the deployment and Slack. */
export function renderSummary(facts: {
  environment: string;
  status: string;
  how: string;
  published: readonly { pull: ShippedPull; comment: PublishedComment }[];
  /** Pull requests whose comment could not be written. */
  failed?: readonly number[];
  deploymentId?: number;
  slackOutcome?: string;
  /** Something that looked like a credential was removed from what the step posted. */
  redacted?: boolean;
}): string {
  const rows = facts.published.map(({ pull, comment }) => [
    link(`#${pull.number}`, pull.url),
    pull.title,
    pull.author + (pull.fromFork ? ' (fork)' : ''),
    link(comment.outcome, comment.url),
  ]);
  return blocks(
    heading(`pr-comment: ${facts.environment} (${facts.status})`, 3),
    rows.length > 0
      ? `Pull requests ${facts.how}:\n\n${table(['Pull request', 'Title', 'Author', 'Comment'], rows)}`
      : `No merged pull request ${facts.how}.`,
    facts.failed && facts.failed.length > 0
      ? `Not commented on: ${facts.failed.map((number) => `#${number}`).join(', ')}`
      : '',
    facts.deploymentId !== undefined ? `GitHub deployment: ${facts.deploymentId}` : '',
    facts.slackOutcome !== undefined ? `Slack: ${facts.slackOutcome}` : '',
    facts.redacted
      ? 'Something that looked like a credential was replaced with `***` in what this step posted and stored.'
      : '',
  );
}
