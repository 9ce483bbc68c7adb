import { describe, expect, test } from '@jest/globals';
import { evaluate, evaluateCondition, interpolate, type ExpressionContext } from './expressions.js';

// The end-to-end suite trusts this evaluator to read production.yml as the runner does.

const context = (failed = false): ExpressionContext => ({
  failed,
  contexts: {
    github: { sha: 'abc123' },
    vars: { AWS_REGION: '', PRODUCTION_URL: 'https://app.example.com' },
    env: { PROMOTE_TESTED_IMAGE: 'true' },
    steps: {
      promote: { outcome: 'success', outputs: { 'image-uri': 'r/app@sha256:1' } },
      build: { outcome: 'skipped', outputs: {} },
    },
    needs: { deploy: { result: 'failure', outputs: {} } },
  },
});

describe('evaluate', () => {
  test.each([
    ["vars.AWS_REGION || 'us-east-1'", 'us-east-1'],
    ['vars.PRODUCTION_URL', 'https://app.example.com'],
    ['steps.promote.outputs.image-uri || steps.build.outputs.image-uri', 'r/app@sha256:1'],
    ['steps.build.outputs.image-uri || steps.promote.outputs.image-uri', 'r/app@sha256:1'],
    ["steps.build.outputs.digest == ''", true],
    ["steps.build.outputs.digest != ''", false],
    ["env.PROMOTE_TESTED_IMAGE == 'TRUE'", true],
    ["steps.promote.outcome == 'success' && 'promoted' || 'built'", 'promoted'],
    ["steps.build.outcome == 'success' && 'promoted' || 'built'", 'built'],
    ["always() && (needs.deploy.result == 'success' || needs.deploy.result == 'failure')", true],
    ["!(needs.deploy.result == 'success')", true],
    ["'it''s'", "it's"],
    ['steps.missing.outputs.x', null],
    ['30', 30],
  ])('%s', (expression, expected) => {
    expect(evaluate(expression, context())).toEqual(expected);
  });

  test.each([
    ['unknown.context', "Unknown context 'unknown'"],
    ["contains(github.sha, 'a')", 'Unsupported syntax'],
    ['fromJSON()', "Unsupported function 'fromJSON()'"],
    ['contains(github.sha)', 'Only argument-less functions'],
    ["github.sha == 'a' ]", 'Unsupported syntax'],
    ['(github.sha', "Missing ')'"],
  ])('refuses %s', (expression, message) => {
    expect(() => evaluate(expression, context())).toThrow(message);
  });
});

describe('evaluateCondition', () => {
  test.each([
    [undefined, false, true],
    [undefined, true, false],
    ["steps.promote.outcome == 'success'", true, false],
    ['${{ always() }}', true, true],
    ["failure() && steps.promote.outcome == 'success'", true, true],
    ["failure() && steps.promote.outcome == 'success'", false, false],
  ])('%s after a failure: %s -> %s', (condition, failed, expected) => {
    expect(evaluateCondition(condition, context(failed))).toBe(expected);
  });
});

test('interpolate fills every placeholder and leaves the rest', () => {
  expect(interpolate('${{ github.sha }}\nmain\n${{ steps.build.outputs.x }}.', context())).toBe('abc123\nmain\n.');
  expect(interpolate(true, context())).toBe('true');
  expect(interpolate(30, context())).toBe('30');
});
