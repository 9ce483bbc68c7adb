import { describe, expect, test } from '@jest/globals';
import { asString, evaluate, interpolate, isTruthy, type Status } from '../engine/expressions.js';

/** The rules the workflows rely on, as GitHub's evaluator applies them (and this module converts). */
const contexts = {
  github: {
    actor: 'alice',
    event: { pull_request: { head: { sha: 'abc', repo: { full_name: 'o/r' } } } },
    repository: 'o/r',
  },
  steps: { 'my-step': { outputs: { 'Image-URI': 'uri' }, outcome: 'success' } },
  needs: { deploy: { result: 'skipped', outputs: {} } },
  env: { FLAG: 'true' },
  vars: {},
};

describe('expressions by GitHub evaluator', () => {
  test.each([
    ['GitHub.Actor', 'alice'],
    ['steps.my-step.outputs.image-uri', 'uri'],
    ["github['actor']", 'alice'],
    ['github.nope.deeper', ''],
    ["vars.AWS_REGION || 'us-east-1'", 'us-east-1'],
    ["steps.my-step.outputs.missing == ''", 'true'],
    ['github.event.pull_request.head.repo.full_name != github.repository', 'false'],
    ["format('tested-{0}', steps.my-step.outputs.image-uri)", 'tested-uri'],
    ["format('{0}-{1}', 1.50, true)", '1.5-true'],
    ["fromJSON('[1,2]')[1]", '2'],
    ["contains('abc', 'B') && startsWith('Hello', 'he')", 'true'],
    ["1 == '1'", 'true'],
    ["needs.deploy.result == 'success' || needs.deploy.result == 'failure'", 'false'],
    ['toJSON(github.event.pull_request.head.sha)', '"abc"'],
  ])('%s -> %j', (expression, expected) => {
    expect(asString(evaluate(expression, contexts))).toBe(expected);
  });

  const good: Status = { success: true, failure: false, cancelled: false };
  const bad: Status = { success: false, failure: true, cancelled: false };
  test.each([
    ['success()', good, true],
    ['success()', bad, false],
    ['failure()', bad, true],
    ['failure()', good, false],
    ['always()', bad, true],
    ['cancelled()', bad, false],
    ["failure() && steps.my-step.outcome == 'success'", bad, true],
    ["success() && (env.FLAG == 'true')", good, true],
  ])('%s with %j -> %s', (expression, status, expected) => {
    expect(isTruthy(evaluate(expression, contexts, status))).toBe(expected);
  });

  test('a function GitHub has but the rehearsal does not (hashFiles) is an error naming it', () => {
    expect(() => evaluate("hashFiles('x')", contexts)).toThrow(/Unrecognized function: 'hashFiles'/);
  });

  test("interpolate evaluates action.yml defaults' ${{ }} segments", () => {
    expect(interpolate('token ${{ github.actor }} for ${{ github.repository }}.', contexts)).toBe(
      'token alice for o/r.',
    );
    expect(() => interpolate('${{ github.actor', contexts)).toThrow(/not closed/);
  });
});
