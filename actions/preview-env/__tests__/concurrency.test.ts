import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { PausedCall } from '@shipyard/emulators/aws';
import type { ActionRun } from '@shipyard/harness/run-action';
import { CLUSTER, IMAGE, mutations, preview, REPOSITORY, worldForSuite } from './helpers.js';

/**
 * Runs that overlap, as GitHub starts them: two pull requests pushed at once (two `up` racing for
 * the last place under max-previews), the close event's `down` and the scheduled sweep's at the
 * same time, a preview job still running after its pull request closed. Each race is forced at the
 * wire: an emulator barrier holds the racing calls until both runs have made them, or `pauseBefore`
 * holds one run's call while the other run does all of its work.
 */

const { seed } = worldForSuite();
let world: ReturnType<typeof seed>;
beforeEach(() => {
  world = seed();
});
afterEach(() => {
  expect(world.aws.problems()).toEqual([]);
  expect(world.github.problems()).toEqual([]);
});

const tagsOf = (arn: string) => Object.fromEntries(world.aws.elbv2.tagsOf(arn).map((tag) => [tag.Key, tag.Value]));

/** Everything of pull request `pr`'s preview that is still there (a DRAINING or INACTIVE service is gone). */
function leftOf(pr: number): string[] {
  const service = world.aws.ecs.service(`web-pr-${pr}`, CLUSTER);
  return [
    ...(service?.status === 'ACTIVE' ? [`service web-pr-${pr}`] : []),
    ...world.aws.elbv2
      .rules(world.listenerArn)
      .filter((rule) => rule.priority !== 'default' && tagsOf(rule.arn)['shipyard:preview'] === `pr-${pr}`)
      .map((rule) => `rule ${rule.priority}`),
    ...world.aws.elbv2
      .targetGroups()
      .filter((group) => group.name === `web-pr-${pr}`)
      .map((group) => `target group ${group.name}`),
    ...world.aws.ecs
      .taskDefinitions(`shipyard-demo-pr-${pr}`)
      .filter((revision) => revision.status === 'ACTIVE')
      .map((revision) => `revision ${revision.arn}`),
  ];
}

/** The pull requests whose preview service is running. */
const running = (prs: number[]) =>
  prs.filter((pr) => world.aws.ecs.service(`web-pr-${pr}`, CLUSTER)?.status === 'ACTIVE');

/**
 * A barrier that also holds ELBv2's calls: each of the first `count` calls that match waits until
 * all `count` have arrived, then all go on. Both runs have then looked, and neither has acted.
 */
function meet(count: number, matches: (call: PausedCall) => boolean): void {
  let arrived = 0;
  let release: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (release = resolve));
  for (let i = 0; i < count; i += 1) {
    world.aws.pauseBefore(matches, async () => {
      arrived += 1;
      if (arrived === count) release();
      await all;
    });
  }
}
const ofPreview = (pr: number) => (call: PausedCall) =>
  new RegExp(`-pr-${pr}(?!\\d)`).test(JSON.stringify(call.request));
const call = (operation: string, which: (call: PausedCall) => boolean) => (paused: PausedCall) =>
  paused.operation === operation && which(paused);
const anyOf =
  (...tests: ((call: PausedCall) => boolean)[]) =>
  (paused: PausedCall) =>
    tests.some((test) => test(paused));

const openPulls = (count: number) =>
  Array.from({ length: count }, () => world.github.state.openPullRequest(REPOSITORY).number);
const close = (pr: number) => {
  world.github.state.pull(REPOSITORY, pr)!.state = 'closed';
};
const up = (pr: number, inputs: Record<string, string | number> = {}) =>
  preview(world, { command: 'up', 'pr-number': pr, image: IMAGE(`pr-${pr}`), ...inputs });

describe('the cap when two pull requests are pushed at once', () => {
  // Both runs have counted the live previews (and found a place) before either creates anything;
  // or one run does all its work between the other's count and the other's first creation.
  test.each<[string, (a: number, b: number) => void]>([
    [
      'both counted before either created anything',
      (a, b) => meet(2, anyOf(call('CreateTargetGroup', ofPreview(a)), call('CreateTargetGroup', ofPreview(b)))),
    ],
    [
      'both counted, then both created their services at once',
      (a, b) => {
        meet(2, anyOf(call('CreateTargetGroup', ofPreview(a)), call('CreateTargetGroup', ofPreview(b))));
        meet(2, anyOf(call('CreateService', ofPreview(a)), call('CreateService', ofPreview(b))));
      },
    ],
  ])('one place left, %s: exactly one loses, and nothing of it is left', async (_how, race) => {
    const [live, a, b] = openPulls(3);
    expect((await up(live, { 'max-previews': 2 })).exitCode).toBe(0);
    race(a, b);
    const runs = await Promise.all([up(a, { 'max-previews': 2 }), up(b, { 'max-previews': 2 })]);

    expect(runs.map((run) => run.exitCode).sort()).toEqual([0, 1]);
    const loser = runs[0].exitCode === 1 ? a : b;
    const winner = loser === a ? b : a;
    const lost = runs[loser === a ? 0 : 1];
    expect(lost.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^max-previews is 2 and 2 previews are live \\(#${Math.min(live, winner)}, #${Math.max(live, winner)}\\): no preview for #${loser}\\. `,
        ),
      ),
    ]);
    expect(running([live, a, b]).sort()).toEqual([live, winner].sort());
    expect(leftOf(loser)).toEqual([]);
    expect(leftOf(winner)).toHaveLength(4);
    // The staging service and the live preview were not touched by the loser's retreat.
    expect(world.aws.ecs.service('web', CLUSTER)?.status).toBe('ACTIVE');
    expect(leftOf(live)).toHaveLength(4);
  });

  test('one place left, the other run did all its work between this run counted and created anything: this one backs out', async () => {
    const [live, late, early] = openPulls(3);
    await up(live, { 'max-previews': 2 });
    let other: ActionRun | undefined;
    world.aws.pauseBefore(call('CreateTargetGroup', ofPreview(late)), async () => {
      other = await up(early, { 'max-previews': 2 });
    });
    const held = await up(late, { 'max-previews': 2 });
    expect(other?.errors).toEqual([]);
    expect(held.errors).toEqual([expect.stringMatching(/^max-previews is 2 and 2 previews are live/)]);
    expect(running([live, late, early])).toEqual([live, early]);
    expect(leftOf(late)).toEqual([]);
    // Only what the losing run created was removed: the other previews are whole.
    expect(leftOf(early)).toHaveLength(4);
  });

  test('two places left: both racing runs win', async () => {
    const [live, a, b] = openPulls(3);
    await up(live, { 'max-previews': 3 });
    meet(2, anyOf(call('CreateTargetGroup', ofPreview(a)), call('CreateTargetGroup', ofPreview(b))));
    const runs = await Promise.all([up(a, { 'max-previews': 3 }), up(b, { 'max-previews': 3 })]);
    expect(runs.map((run) => run.errors)).toEqual([[], []]);
    expect(running([live, a, b])).toEqual([live, a, b]);
  });

  test('a push to a live preview, racing two new ones for the last place, is never refused', async () => {
    const [live, a, b] = openPulls(3);
    await up(live, { 'max-previews': 2 });
    meet(2, anyOf(call('CreateTargetGroup', ofPreview(a)), call('CreateTargetGroup', ofPreview(b))));
    meet(
      3,
      anyOf(
        call('RegisterTaskDefinition', ofPreview(live)),
        call('RegisterTaskDefinition', ofPreview(a)),
        call('RegisterTaskDefinition', ofPreview(b)),
      ),
    );
    const [push, ...added] = await Promise.all([
      up(live, { 'max-previews': 2, image: IMAGE('pushed') }),
      up(a, { 'max-previews': 2 }),
      up(b, { 'max-previews': 2 }),
    ]);
    expect(push.errors).toEqual([]);
    expect(added.map((run) => run.exitCode).sort()).toEqual([0, 1]);
    expect(running([live, a, b])).toHaveLength(2);
    expect(running([live])).toEqual([live]);
  });
});

describe('removals that overlap', () => {
  async function livePreview(): Promise<number> {
    const [pr] = openPulls(1);
    await up(pr);
    await preview(world, { command: 'report', 'pr-number': pr, sha: world.github.state.pull(REPOSITORY, pr)!.headSha });
    close(pr);
    return pr;
  }
  const down = (pr: number) => preview(world, { command: 'down', 'pr-number': pr });
  const expectClean = (runs: ActionRun[], pr: number) => {
    expect(runs.map((run) => [run.exitCode, run.errors])).toEqual(runs.map(() => [0, []]));
    expect(leftOf(pr)).toEqual([]);
    expect(world.aws.elbv2.targetGroups().map((group) => group.name)).toEqual(['web-staging']);
  };

  test('two downs at once, one deleting the rule the other has just listed: both succeed, nothing is left', async () => {
    const pr = await livePreview();
    // Whichever run lists the rules first waits, before reading their tags, until the other has
    // deleted them (it has reached the target group).
    let deleted: () => void = () => undefined;
    const ruleGone = new Promise<void>((resolve) => (deleted = resolve));
    world.aws.pauseBefore(
      (paused) => paused.operation === 'DescribeTags' && /listener-rule/.test(JSON.stringify(paused.request)),
      () => ruleGone,
    );
    world.aws.pauseBefore(call('DescribeTargetGroups', ofPreview(pr)), async () => deleted());
    expectClean(await Promise.all([down(pr), down(pr)]), pr);
    // The comment says so once, and every deployment is inactive.
    expect(world.github.state.comments(REPOSITORY, pr)).toHaveLength(1);
    expect(world.github.state.deployments(REPOSITORY).map((d) => d.statuses.at(-1)?.state)).toEqual(['inactive']);
  });

  // The other down does all its work while this one is held just before the call named.
  test.each<[string, string, (request: Record<string, unknown>) => boolean]>([
    ['scaling the service it saw ACTIVE', 'ecs:UpdateService', () => true],
    [
      'reading the tags of the rule it listed',
      'elbv2:DescribeTags',
      (request) => /listener-rule/.test(JSON.stringify(request)),
    ],
    [
      'reading the tags of the target group it found',
      'elbv2:DescribeTags',
      (request) => /targetgroup\/web-pr-/.test(JSON.stringify(request)),
    ],
  ])('the other down removed everything just before this one was %s: both succeed', async (_what, call, matches) => {
    const pr = await livePreview();
    const [service, operation] = call.split(':');
    let other: ActionRun | undefined;
    world.aws.pauseBefore(
      (paused) => paused.service === service && paused.operation === operation && matches(paused.request),
      async () => {
        other = await down(pr);
      },
    );
    const held = await down(pr);
    expect(other).toBeDefined();
    expectClean([held, other!], pr);
  });

  test('sweep and the close event’s down at once: both succeed, nothing is left', async () => {
    const pr = await livePreview();
    meet(2, call('UpdateService', ofPreview(pr)));
    expectClean(await Promise.all([preview(world, { command: 'sweep' }), down(pr)]), pr);
  });

  test('down removed the preview while sweep was counting the previews: sweep succeeds', async () => {
    const pr = await livePreview();
    let removal: ActionRun | undefined;
    world.aws.pauseBefore(
      (paused) => paused.operation === 'DescribeTags' && /listener-rule/.test(JSON.stringify(paused.request)),
      async () => {
        removal = await down(pr);
      },
    );
    const sweep = await preview(world, { command: 'sweep' });
    expectClean([sweep, removal!], pr);
  });

  test('sweep asks again right before each removal: a pull request reopened meanwhile keeps its preview', async () => {
    const first = await livePreview();
    const second = await livePreview();
    // While sweep removes the first preview, the second pull request is reopened.
    world.aws.pauseBefore(
      (paused) => paused.operation === 'DeleteService',
      async () => {
        world.github.state.pull(REPOSITORY, second)!.state = 'open';
      },
    );
    const sweep = await preview(world, { command: 'sweep' });
    expect(sweep.errors).toEqual([]);
    expect(sweep.outputs.removed).toBe(String(first));
    expect(leftOf(first)).toEqual([]);
    expect(leftOf(second)).toHaveLength(4);
  });
});

describe('a preview job for a pull request that is no longer open', () => {
  test.each([
    ['closed', (pr: number) => close(pr), /^Pull request #\d+ is closed: no preview is created for it/],
    [
      'merged',
      (pr: number) => world.github.state.mergeOpenPullRequest(REPOSITORY, pr),
      /^Pull request #\d+ is merged: no preview is created for it/,
    ],
  ])('up for a %s pull request creates nothing', async (_state, end, message) => {
    const [pr] = openPulls(1);
    end(pr);
    const run = await up(pr);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([expect.stringMatching(message)]);
    expect(mutations(world)).toEqual([]);
    expect(leftOf(pr)).toEqual([]);
  });

  test.each([
    ['closed while up was creating it', async (pr: number) => close(pr)],
    [
      'closed and swept while up was creating it',
      async (pr: number) => {
        close(pr);
        expect((await preview(world, { command: 'sweep' })).exitCode).toBe(0);
      },
    ],
  ])('a pull request %s: up removes what it created again, nothing is left', async (_what, meanwhile) => {
    const [pr] = openPulls(1);
    world.aws.pauseBefore(call('RegisterTaskDefinition', ofPreview(pr)), () => meanwhile(pr));
    const run = await up(pr);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([expect.stringMatching(new RegExp(`^Pull request #${pr} is closed: no preview`))]);
    expect(leftOf(pr)).toEqual([]);
  });

  test('a late re-run after down removed the preview does not bring it back', async () => {
    const [pr] = openPulls(1);
    await up(pr);
    close(pr);
    expect((await preview(world, { command: 'down', 'pr-number': pr })).exitCode).toBe(0);
    // Its tasks have stopped: the service is INACTIVE, so only the pull request's state can refuse.
    world.aws.ecs.service(`web-pr-${pr}`, CLUSTER)!.status = 'INACTIVE';
    const before = mutations(world).length;
    const rerun = await up(pr);
    expect(rerun.exitCode).toBe(1);
    expect(mutations(world).slice(before)).toEqual([]);
    expect(leftOf(pr)).toEqual([]);
  });
});
