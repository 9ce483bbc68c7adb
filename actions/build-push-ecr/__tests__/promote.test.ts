import { describe, expect, test } from '@jest/globals';
import { describeOutcome, taggingFailure, type TagOutcome } from '../src/promote.js';
import { outcomeCell, renderSummary } from '../src/report.js';

/** How each tag's outcome reads in the log, the summary and the step's one error. */

const digest = `sha256:${'a'.repeat(64)}`;
const old = `sha256:${'b'.repeat(64)}`;
const failed = (tag: string, error = "'Rate exceeded'"): TagOutcome => ({
  tag,
  result: 'failed',
  operation: 'PutImage',
  errorName: 'ThrottlingException',
  error,
});

describe('one tag, three ways to read it', () => {
  test.each<[TagOutcome, string, string]>([
    [{ tag: 'v1', result: 'moved' }, `v1: moved to ${digest} (new tag)`, 'moved (new tag)'],
    [
      { tag: 'prod', result: 'moved', previous: old },
      `prod: moved to ${digest} (was ${old})`,
      `moved (was \`${old}\`)`,
    ],
    [{ tag: 'main', result: 'already-there' }, `main: already there (points at ${digest})`, 'already there'],
    [
      failed('x'),
      "x: failed: PutImage ThrottlingException: 'Rate exceeded'",
      "**failed**: PutImage `ThrottlingException`: 'Rate exceeded'",
    ],
    [
      failed('y', "'<b>bold</b> | pipe'"),
      "y: failed: PutImage ThrottlingException: '<b>bold</b> | pipe'",
      "**failed**: PutImage `ThrottlingException`: '&lt;b&gt;bold&lt;/b&gt; | pipe'",
    ],
  ])('%j', (outcome, log, cell) => {
    expect(describeOutcome(outcome, digest)).toBe(log);
    expect(outcomeCell(outcome)).toBe(cell);
  });

  test('a pipe in an error stays inside its table cell', () => {
    const summary = renderSummary({
      repository: 'web',
      registry: 'r.example.com',
      tags: ['y'],
      outcome: 'promoted',
      tagResults: [failed('y', "'a | b'")],
      durations: {},
    });
    expect(summary).toContain("| `y` | **failed**: PutImage `ThrottlingException`: 'a \\| b' |");
  });
});

describe('the step error when tags failed', () => {
  test('none failed: no error', () => {
    expect(taggingFailure('web', digest, [{ tag: 'a', result: 'moved' }])).toBeUndefined();
  });

  test('names at most ten failed tags, the first reason, and what the others did', () => {
    const outcomes: TagOutcome[] = [
      { tag: 'ok', result: 'already-there' },
      ...Array.from({ length: 12 }, (_, i) => failed(`t${i}`)),
    ];
    expect(taggingFailure('web', digest, outcomes)).toBe(
      `Could not point 12 of 13 tag(s) of 'web' at ${digest}: 't0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9', and 2 more (first: PutImage ThrottlingException: 'Rate exceeded'). 1 other tag(s) point at it now. A rerun finishes the job: tags already on the image are left as they are (see the step summary for each tag)`,
    );
  });
});
