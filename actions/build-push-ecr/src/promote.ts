import { AwsAccessError } from '@shipyard/shared/aws-errors';
import { errorMessage } from '@shipyard/shared/errors';
import { shown } from '@shipyard/shared/text';
import type { EcrRegistry, ImageManifest } from './ecr.js';

/**
 * Giving an image that is already in ECR more tags (promote mode, and `skip-if-exists` adding the
 * tags the image lacks), one tag at a time, with each tag's outcome kept: a failure on one tag
 * does not hide what happened to the others, and a rerun finishes what a failed run left, since a
 * tag that already points at the image is left as it is (no PutImage at all).
 */

/** What happened to one tag. */
export type TagOutcome =
  | {
      tag: string;
      result: 'moved';
      /** The digest the tag pointed at before; undefined for a tag that was new. */
      previous?: string;
    }
  | { tag: string; result: 'already-there' }
  | {
      tag: string;
      result: 'failed';
      /** The ECR operation that failed (`PutImage`). */
      operation: string;
      /** AWS's error name (`ImageTagAlreadyExistsException`, `ThrottlingException`, ...). */
      errorName: string;
      /** AWS's message, cut and with invisible characters escaped, plus what to do. */
      error: string;
    };

type FailedOutcome = Extract<TagOutcome, { result: 'failed' }>;

/** How many failed tags the error names before it says how many more there are. */
const NAMED_FAILURES = 10;

/** How much of an AWS error message a tag's outcome keeps (it goes to the log, summary and an output). */
const ERROR_CHARACTERS = 600;

/**
 * Point every tag at `image`. Never throws for a tag: a failed PutImage is that tag's outcome, and
 * the other tags are still tried. `log` gets one line per tag.
 */
export async function retag({
  ecr,
  repository,
  image,
  tags,
  log,
}: {
  ecr: EcrRegistry;
  repository: string;
  image: ImageManifest;
  tags: readonly string[];
  log: (line: string) => void;
}): Promise<TagOutcome[]> {
  const current = await ecr.tagDigests(repository, tags);
  const outcomes: TagOutcome[] = [];
  for (const tag of tags) {
    const previous = current.get(tag);
    let outcome: TagOutcome;
    if (previous === image.digest) {
      outcome = { tag, result: 'already-there' };
    } else {
      try {
        // `unchanged` here means the SDK retried a PutImage whose answer was lost after ECR had
        // applied it, or another run moved the tag since the read above: it did not point at the
        // image when this promote began, and does now, so it moved.
        await ecr.tag(repository, image, tag);
        outcome = { tag, result: 'moved', previous };
      } catch (error) {
        outcome = failedOutcome(tag, error, previous);
      }
    }
    log(describeOutcome(outcome, image.digest));
    outcomes.push(outcome);
  }
  return outcomes;
}

function failedOutcome(tag: string, error: unknown, previous: string | undefined): TagOutcome {
  const given = error instanceof AwsAccessError ? error.awsErrorName : error instanceof Error ? error.name : 'Error';
  // The name comes from the server's answer: only what an AWS error name holds reaches the log.
  const errorName = given.replace(/[^A-Za-z0-9._:-]/g, '?').slice(0, 100) || 'Error';
  const message = shown(errorMessage(error), ERROR_CHARACTERS);
  const fix =
    errorName === 'ImageTagAlreadyExistsException'
      ? `: the repository's tags are immutable and the tag already names another image${previous ? ` (${previous})` : ''}, so ECR will not move it. Use a tag that does not exist yet`
      : '';
  return { tag, result: 'failed', operation: 'PutImage', errorName, error: `${message}${fix}` };
}

/** One line for the log: `production: moved (was sha256:...)`. */
export function describeOutcome(outcome: TagOutcome, digest: string): string {
  switch (outcome.result) {
    case 'moved':
      return `${outcome.tag}: moved to ${digest} (${outcome.previous ? `was ${outcome.previous}` : 'new tag'})`;
    case 'already-there':
      return `${outcome.tag}: already there (points at ${digest})`;
    case 'failed':
      return `${outcome.tag}: failed: ${outcome.operation} ${outcome.errorName}: ${outcome.error}`;
  }
}

/**
 * The one error for a run in which some tags failed, or undefined when none did: which tags, the
 * first one's reason, and that a rerun finishes the job.
 */
export function taggingFailure(
  repository: string,
  digest: string,
  outcomes: readonly TagOutcome[],
): string | undefined {
  const failed = outcomes.filter((outcome): outcome is FailedOutcome => outcome.result === 'failed');
  if (failed.length === 0) return undefined;
  const named = failed.slice(0, NAMED_FAILURES).map((outcome) => `'${outcome.tag}'`);
  if (failed.length > NAMED_FAILURES) named.push(`and ${failed.length - NAMED_FAILURES} more`);
  const [first] = failed;
  const done = outcomes.length - failed.length;
  return `Could not point ${failed.length} of ${outcomes.length} tag(s) of '${repository}' at ${digest}: ${named.join(', ')} (first: ${first.operation} ${first.errorName}: ${first.error}). ${
    done > 0 ? `${done} other tag(s) point at it now. ` : ''
  }A rerun finishes the job: tags already on the image are left as they are (see the step summary for each tag)`;
}

/** The `tag-results` output: one object a tag, in input order. */
export function outcomesJson(outcomes: readonly TagOutcome[]): string {
  return JSON.stringify(outcomes);
}
