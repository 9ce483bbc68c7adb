import { beforeEach, describe, expect, test } from '@jest/globals';
import { CLUSTER, DOMAIN, IMAGE, mutations, preview, REPOSITORY, worldForSuite } from './helpers.js';

/**
 * Inputs that try to leave the naming scheme, and resources under a preview's names that are not a
 * preview's: the action refuses the first before any call, and never changes or deletes the second.
 */

const { seed } = worldForSuite();
let world: ReturnType<typeof seed>;
beforeEach(() => {
  world = seed();
});

const tags = (pr: number, repository = REPOSITORY, service = 'web') => [
  { Key: 'shipyard:preview', Value: `pr-${pr}` },
  { Key: 'shipyard:repository', Value: repository },
  { Key: 'shipyard:service', Value: service },
];

describe('bad input of each kind changes nothing and reaches nobody', () => {
  test.each<[string, Record<string, string>, RegExp]>([
    ['a path in the PR number', { 'pr-number': '7/../1' }, /^Input 'pr-number' is not a pull request number/],
    ['PR number 0', { 'pr-number': '0' }, /'pr-number' is not a pull request number/],
    ['a negative PR number', { 'pr-number': '-7' }, /'pr-number' is not a pull request number/],
    ['an exponent', { 'pr-number': '1e3' }, /'pr-number' is not a pull request number/],
    ['a second line in the PR number', { 'pr-number': '7\n8' }, /'pr-number' has U\+000A LINE FEED/],
    ['ten digits', { 'pr-number': '1234567890' }, /'pr-number' is not a pull request number/],
    ['a service with a slash', { service: 'web/../prod' }, /'service' is not an ECS service name/],
    ['a service ARN', { service: 'arn:aws:ecs:us-east-1:123456789012:service/shipyard/web' }, /'service' is not/],
    ['an unknown command', { command: 'destroy' }, /'command' must be one of 'up', 'down', 'sweep', 'report'/],
    [
      'a target group ARN as listener',
      { 'listener-arn': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef' },
      /'listener-arn' is not an Application Load Balancer listener/,
    ],
    [
      'a listener in another region',
      {
        'listener-arn':
          'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/staging/0123456789abcdef/0123456789abcdef',
      },
      /'listener-arn' names the region 'eu-west-1'/,
    ],
    ['a domain with a path', { 'preview-domain': 'evil.example.com/x' }, /'preview-domain' is not a DNS domain/],
    ['a domain of one label', { 'preview-domain': 'localhost' }, /'preview-domain' is not a DNS domain/],
    [
      'a numeric top-level domain',
      { 'preview-domain': 'preview.10' },
      /'preview-domain' must end in a top-level domain/,
    ],
    ['a wildcard domain', { 'preview-domain': '*.example.com' }, /'preview-domain' is not a DNS domain/],
    ['an image with a space', { image: 'web app:1' }, /'image' is not a valid image reference/],
    ['priorities beyond 50000', { 'rule-priorities': '49000-60000' }, /'rule-priorities' is not a range/],
    ['a cap of 0', { 'max-previews': '0' }, /'max-previews' must be at least 1/],
    ['a short sha', { command: 'report', sha: 'abc1234' }, /'sha' is not a full commit SHA/],
  ])('%s', async (_what, inputs, message) => {
    const run = await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('a'), ...inputs });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([expect.stringMatching(message)]);
    // One line, and no value echoed whole.
    expect(run.errors[0]).not.toMatch(/\n/);
    expect(world.aws.calls()).toEqual([]);
    expect(world.github.calls()).toEqual([]);
  });

  test.each(['up', 'down', 'sweep', 'report'])('%s without what it needs names the missing input', async (command) => {
    const run = await preview(world, { command, 'pr-number': undefined, 'listener-arn': undefined });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([expect.stringMatching(/^Input '(pr-number|listener-arn)' is required for command/)]);
    expect(world.aws.calls()).toEqual([]);
  });
});

describe('what carries no preview tags is never used, changed or deleted', () => {
  test('a service of the same name that is not a preview: up refuses, down leaves it running', async () => {
    const revision = world.aws.ecs.taskDefinitions('shipyard-demo')[0];
    world.aws.ecs.seedService({
      cluster: CLUSTER,
      serviceName: 'web-pr-7',
      taskDefinition: revision.arn,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'] } },
    });
    const upRun = await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('a') });
    expect(upRun.exitCode).toBe(1);
    expect(upRun.errors).toEqual([
      expect.stringMatching(/The ECS service 'web-pr-7' exists but does not carry this preview's tags/),
    ]);
    expect(mutations(world)).toEqual([]);

    const downRun = await preview(world, { command: 'down', 'pr-number': 7, token: '' });
    expect(downRun.exitCode).toBe(0);
    expect(downRun.warnings).toEqual([expect.stringMatching(/Left alone: service web-pr-7 \(no preview tags\)/)]);
    expect(mutations(world)).toEqual([]);
    expect(world.aws.ecs.service('web-pr-7', CLUSTER)).toMatchObject({ status: 'ACTIVE', desiredCount: 1 });
  });

  test("a rule for the preview's host that is not this preview's: up refuses, down keeps it", async () => {
    const group = world.aws.elbv2.seedTargetGroup({ name: 'someone-else' });
    const rule = world.aws.elbv2.seedRule({
      listenerArn: world.listenerArn,
      priority: 10,
      hosts: [`pr-7.${DOMAIN}`],
      targetGroupArn: group,
    });
    const upRun = await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('a') });
    expect(upRun.errors).toEqual([
      expect.stringMatching(
        /Another rule of the listener \(priority 10\) already routes 'pr-7\.preview\.example\.com'/,
      ),
    ]);
    expect(mutations(world)).toEqual([]);
    await preview(world, { command: 'down', 'pr-number': 7, token: '' });
    expect(world.aws.elbv2.rules(world.listenerArn).map((r) => r.arn)).toContain(rule);
  });

  test.each([
    ['another repository', tags(7, 'other-org/other-repo')],
    ['another staging service', tags(7, REPOSITORY, 'api')],
    ['another pull request', tags(70)],
    ['no tags at all', []],
  ])(
    "rules and target groups tagged for %s are not this preview's: down deletes none of them",
    async (_what, foreign) => {
      const group = world.aws.elbv2.seedTargetGroup({ name: 'web-pr-7', tags: foreign });
      world.aws.elbv2.seedRule({
        listenerArn: world.listenerArn,
        priority: 11,
        hosts: ['pr-7.elsewhere.example.com'],
        targetGroupArn: group,
        tags: foreign,
      });
      const run = await preview(world, { command: 'down', 'pr-number': 7, token: '' });
      expect(run.exitCode).toBe(0);
      expect(mutations(world)).toEqual([]);
      expect(world.aws.elbv2.targetGroups().map((g) => g.name)).toContain('web-pr-7');
      expect(world.aws.elbv2.rules(world.listenerArn)).toHaveLength(2);
    },
  );

  test("revisions in the preview's family without its tags, and a longer family sharing the prefix, are not deregistered", async () => {
    await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('a') });
    const base = world.aws.ecs.taskDefinitions('shipyard-demo-pr-7')[0].definition;
    world.aws.ecs.seedTaskDefinition({ ...base, containerDefinitions: base.containerDefinitions });
    world.aws.ecs.seedTaskDefinition({ ...base, family: 'shipyard-demo-pr-70' });
    const run = await preview(world, { command: 'down', 'pr-number': 7, token: '' });
    expect(run.exitCode).toBe(0);
    expect(world.aws.ecs.taskDefinitions('shipyard-demo-pr-7').map((t) => t.status)).toEqual(['INACTIVE', 'ACTIVE']);
    expect(world.aws.ecs.taskDefinitions('shipyard-demo-pr-70').map((t) => t.status)).toEqual(['ACTIVE']);
    expect(run.warnings).toEqual([
      expect.stringMatching(/Left alone: task definition .*shipyard-demo-pr-7:2 \(no preview tags\)/),
    ]);
  });

  test('the staging service is never touched by up or down, whatever the pull request', async () => {
    await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('a') });
    await preview(world, { command: 'down', 'pr-number': 7, token: '' });
    const touched = world.aws
      .calls({ mutating: true })
      .filter((call) => (call.request as { service?: string; serviceName?: string }).service === 'web');
    expect(touched).toEqual([]);
    expect(world.aws.ecs.service('web', CLUSTER)).toMatchObject({ status: 'ACTIVE', desiredCount: 2 });
  });
});

describe('down on a half-created preview', () => {
  test('only a target group (the rule was never created): it is deleted', async () => {
    world.aws.elbv2.seedTargetGroup({ name: 'web-pr-7', tags: tags(7) });
    const run = await preview(world, { command: 'down', 'pr-number': 7, token: '' });
    expect(run.exitCode).toBe(0);
    expect(mutations(world)).toEqual(['elbv2:DeleteTargetGroup']);
    expect(run.outputs.removed).toBe('7');
  });

  test('a rule and target group and revision, no service: all removed, the family found from staging', async () => {
    await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('a') });
    // As if the service had been deleted by hand (or its creation failed).
    world.aws.ecs.service('web-pr-7', CLUSTER)!.status = 'INACTIVE';
    const before = mutations(world).length;
    const run = await preview(world, { command: 'down', 'pr-number': 7, token: '' });
    expect(run.exitCode).toBe(0);
    expect(mutations(world).slice(before)).toEqual([
      'elbv2:DeleteRule',
      'elbv2:DeleteTargetGroup',
      'ecs:DeregisterTaskDefinition',
    ]);
  });
});
