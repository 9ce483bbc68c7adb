export const SMOKE_OUTCOMES = ['success', 'failure', 'cancelled', 'skipped', 'pending'] as const;
export type SmokeOutcome = (typeof SMOKE_OUTCOMES)[number];

/**
 * The sticky comment's text, pure. The marker names the staging service and the pull request, so
 * two preview set-ups in one repository keep one comment each.
 */

export function commentMarker(service: string, pr: number): string {
  return `<!-- shipyard:preview-env service=${service} pr=${pr} -->`;
}

const SMOKE: Record<SmokeOutcome, string> = {
  success: '✅ passed',
  failure: '❌ failed',
  cancelled: '⏹️ cancelled',
  skipped: '⏭️ skipped',
  pending: '⏳ pending',
};

export interface LiveComment {
  service: string;
  pr: number;
  url: string;
  sha: string;
  smoke: SmokeOutcome;
  runUrl: string;
}

export function liveCommentBody({ service, pr, url, sha, smoke, runUrl }: LiveComment): string {
  return [
    commentMarker(service, pr),
    '### Preview environment',
    '',
    '| | |',
    '| --- | --- |',
    `| URL | ${url} |`,
    `| Commit | \`${sha.slice(0, 12)}\` |`,
    `| Smoke test | ${SMOKE[smoke]} |`,
    ...(runUrl ? [`| Run | ${runUrl} |`] : []),
    '',
    'Updated on every push; removed when the pull request is closed.',
  ].join('\n');
}

export function removedCommentBody({ service, pr, runUrl }: { service: string; pr: number; runUrl: string }): string {
  return [
    commentMarker(service, pr),
    '### Preview environment',
    '',
    `The preview of #${pr} was removed: its service, listener rule, target group and task definition revisions are gone.`,
    ...(runUrl ? ['', `Removed by ${runUrl}`] : []),
  ].join('\n');
}

/** `up` refused by max-previews: the cap's own message (the live previews, what to do), and then what. */
export function refusedCommentBody({
  service,
  pr,
  reason,
  runUrl,
}: {
  service: string;
  pr: number;
  reason: string;
  runUrl: string;
}): string {
  return [
    commentMarker(service, pr),
    '### Preview environment',
    '',
    `No preview: ${reason.replace(/\.?$/, '.')}`,
    '',
    'Push again, or re-run the job, once a place is free.',
    ...(runUrl ? ['', `Refused by ${runUrl}`] : []),
  ].join('\n');
}
