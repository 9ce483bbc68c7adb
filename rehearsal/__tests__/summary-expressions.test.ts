import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { asString, evaluate, type Plain } from '../engine/expressions.js';
import { repoRoot } from '../paths.js';

/**
 * The deploy summary's "image source" line, evaluated with GitHub's own evaluator for every way
 * the image steps can end: it once said "built" when the build step had failed or never ran.
 */
function imageSourceExpression(workflow: string): string {
  const file = parse(readFileSync(join(repoRoot, '.github', 'workflows', workflow), 'utf8')) as {
    jobs: { deploy: { steps: { env?: Record<string, string> }[] } };
  };
  const value = file.jobs.deploy.steps.find((step) => step.env?.SUMMARY_IMAGE_SOURCE)?.env?.SUMMARY_IMAGE_SOURCE;
  const match = /^\$\{\{(.*)\}\}$/s.exec(value ?? '');
  if (!match) throw new Error(`${workflow} has no SUMMARY_IMAGE_SOURCE expression`);
  return match[1].trim();
}

const step = (outcome: string, outputs: Record<string, string> = {}): Plain => ({
  outcome,
  conclusion: outcome,
  outputs,
});

describe('SUMMARY_IMAGE_SOURCE says what happened to the image', () => {
  test.each([
    ['built', step('success', { skipped: 'false' }), 'built'],
    ['already there', step('success', { skipped: 'true' }), 'already pushed by an earlier run'],
    ['build failed', step('failure'), 'none (the build did not succeed)'],
    ['build never ran', step('skipped'), 'none (the build did not succeed)'],
  ])('staging.yml, %s', (_, image, expected) => {
    expect(asString(evaluate(imageSourceExpression('staging.yml'), { steps: { image } }))).toBe(expected);
  });

  test.each([
    ['promoted', step('success'), step('skipped'), 'promoted (the image staging tested)'],
    ['built', step('failure'), step('success'), 'built from this commit'],
    ['neither', step('failure'), step('failure'), 'none (neither promote nor build succeeded)'],
    ['nothing ran', step('skipped'), step('skipped'), 'none (neither promote nor build succeeded)'],
  ])('production.yml, %s', (_, promote, build, expected) => {
    expect(asString(evaluate(imageSourceExpression('production.yml'), { steps: { promote, build } }))).toBe(expected);
  });
});
