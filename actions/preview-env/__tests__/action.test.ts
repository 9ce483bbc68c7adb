import { beforeEach, describe, expect, test } from '@jest/globals';
import { runAction } from '@shipyard/harness/run-action';
import {
  CLUSTER,
  DOMAIN,
  EXECUTION_ROLE,
  IMAGE,
  mutations,
  NETWORK,
  preview,
  REPOSITORY,
  worldForSuite,
} from './helpers.js';

/**
 * The bundle run as the runner runs it, against the AWS emulator (ECS and ELBv2, held to botocore's
 * models) and the GitHub emulator (held to GitHub's OpenAPI description): what reached them.
 */

const { seed } = worldForSuite();
let world: ReturnType<typeof seed>;
beforeEach(() => {
  world = seed();
});

const tagsOf = (arn: string) => Object.fromEntries(world.aws.elbv2.tagsOf(arn).map((tag) => [tag.Key, tag.Value]));
const PREVIEW_TAGS = (pr: number) => ({
  'shipyard:preview': `pr-${pr}`,
  'shipyard:repository': REPOSITORY,
  'shipyard:service': 'web',
});

describe('up', () => {
  test('creates the target group, the host rule, the revision and the service, copied from staging', async () => {
    const run = await preview(world, {
      command: 'up',
      'pr-number': 7,
      image: IMAGE('pr-7'),
      'environment-variables': 'GIT_SHA=0123abc\nDEPLOY_ENV=preview',
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      url: `https://pr-7.${DOMAIN}`,
      service: 'web-pr-7',
      created: 'true',
      previews: '7',
    });
    expect(mutations(world)).toEqual([
      'elbv2:CreateTargetGroup',
      'elbv2:CreateRule',
      'ecs:RegisterTaskDefinition',
      'ecs:CreateService',
    ]);

    const group = world.aws.elbv2.targetGroups().find((g) => g.name === 'web-pr-7')!;
    expect(run.outputs['target-group-arn']).toBe(group.arn);
    expect(group.fields).toMatchObject({ Port: 3000, TargetType: 'ip', HealthCheckPath: '/health' });
    expect(tagsOf(group.arn)).toEqual(PREVIEW_TAGS(7));
    const rule = world.aws.elbv2.rules(world.listenerArn).find((r) => r.arn === run.outputs['rule-arn'])!;
    expect(rule.priority).toBe(40000);
    expect(rule.conditions).toEqual([
      { Field: 'host-header', Values: [`pr-7.${DOMAIN}`], HostHeaderConfig: { Values: [`pr-7.${DOMAIN}`] } },
    ]);
    expect(tagsOf(rule.arn)).toEqual(PREVIEW_TAGS(7));

    const [revision] = world.aws.ecs.taskDefinitions('shipyard-demo-pr-7');
    expect(run.outputs['task-definition-arn']).toBe(revision.arn);
    expect(revision.definition).toMatchObject({
      executionRoleArn: EXECUTION_ROLE,
      containerDefinitions: [
        {
          name: 'app',
          image: IMAGE('pr-7'),
          environment: [
            { name: 'GIT_SHA', value: '0123abc' },
            { name: 'DEPLOY_ENV', value: 'preview' },
          ],
          logConfiguration: { options: { 'awslogs-group': '/ecs/shipyard-demo' } },
        },
      ],
    });
    const service = world.aws.ecs.service('web-pr-7', CLUSTER)!;
    expect(service).toMatchObject({
      taskDefinition: revision.arn,
      networkConfiguration: NETWORK,
      loadBalancers: [{ targetGroupArn: group.arn, containerName: 'app', containerPort: 3000 }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    expect(world.aws.problems()).toEqual([]);
  });

  test('a rerun changes nothing; a new image registers one revision and leaves the service to deploy-ecs', async () => {
    await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('pr-7') });
    const before = mutations(world).length;
    const again = await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('pr-7') });
    expect(again.exitCode).toBe(0);
    expect(again.outputs.created).toBe('false');
    expect(mutations(world).slice(before)).toEqual([]);
    const pushed = await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('pr-7-b') });
    expect(mutations(world).slice(before)).toEqual(['ecs:RegisterTaskDefinition']);
    expect(pushed.outputs['task-definition-arn']).toMatch(/shipyard-demo-pr-7:2$/);
  });

  test('two previews take two priorities; the cap refuses a third, naming the cap and the live ones', async () => {
    await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('a'), 'max-previews': 2 });
    const second = await preview(world, { command: 'up', 'pr-number': 8, image: IMAGE('b'), 'max-previews': 2 });
    expect(second.outputs.previews).toBe('7,8');
    const priorities = world.aws.elbv2.rules(world.listenerArn).map((r) => r.priority);
    expect(priorities).toEqual(expect.arrayContaining([40000, 40001]));
    const before = mutations(world).length;
    const third = await preview(world, { command: 'up', 'pr-number': 9, image: IMAGE('c'), 'max-previews': 2 });
    expect(third.exitCode).toBe(1);
    expect(third.errors).toEqual([
      expect.stringMatching(/max-previews is 2 and 2 previews are live \(#7, #8\): no preview for #9/),
    ]);
    expect(mutations(world).slice(before)).toEqual([]);
    // The summary says how far the step got, even when it fails.
    expect(third.summary).toMatch(/\*\*Stopped:\*\* max-previews is 2/);
    // The live ones still update under the cap.
    const update = await preview(world, { command: 'up', 'pr-number': 8, image: IMAGE('b2'), 'max-previews': 2 });
    expect(update.exitCode).toBe(0);
  });
});

describe('the hand-off to deploy-ecs', () => {
  test("deploy-ecs rolls the preview service out to up's revision without registering another", async () => {
    const first = await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('a') });
    const pushed = await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('b') });
    expect(pushed.outputs['task-definition-arn']).not.toBe(first.outputs['task-definition-arn']);
    const registered = world.aws.ecs.taskDefinitions('shipyard-demo-pr-7').length;
    const deploy = await runAction('deploy-ecs', {
      timeoutMs: 25_000,
      inputs: {
        'task-definition-arn': pushed.outputs['task-definition-arn'],
        cluster: CLUSTER,
        service: pushed.outputs.service,
        'poll-interval-seconds': 1,
        'timeout-minutes': 1,
      },
      env: world.aws.clientEnv(),
    });
    expect(deploy.errors).toEqual([]);
    expect(deploy.outputs).toMatchObject({
      'task-definition-arn': pushed.outputs['task-definition-arn'],
      'rollout-state': 'COMPLETED',
    });
    expect(world.aws.ecs.taskDefinitions('shipyard-demo-pr-7')).toHaveLength(registered);
    expect(world.aws.ecs.service('web-pr-7', CLUSTER)?.taskDefinition).toBe(pushed.outputs['task-definition-arn']);
  });
});

describe('down', () => {
  test('removes the service (scaled to 0 first), the rule, the target group and the revisions; a rerun removes nothing', async () => {
    await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('a') });
    await preview(world, { command: 'up', 'pr-number': 7, image: IMAGE('b') });
    const before = mutations(world).length;
    const run = await preview(world, { command: 'down', 'pr-number': 7, token: '' });
    expect(run.errors).toEqual([]);
    expect(run.outputs.removed).toBe('7');
    expect(mutations(world).slice(before)).toEqual([
      'ecs:UpdateService',
      'ecs:DeleteService',
      'elbv2:DeleteRule',
      'elbv2:DeleteTargetGroup',
      'ecs:DeregisterTaskDefinition',
      'ecs:DeregisterTaskDefinition',
    ]);
    expect(world.aws.elbv2.targetGroups().map((g) => g.name)).toEqual(['web-staging']);
    expect(world.aws.elbv2.rules(world.listenerArn).map((r) => r.priority)).toEqual(['default']);
    expect(world.aws.ecs.taskDefinitions('shipyard-demo-pr-7').map((t) => t.status)).toEqual(['INACTIVE', 'INACTIVE']);
    expect(world.aws.ecs.service('web', CLUSTER)?.status).toBe('ACTIVE');

    const after = mutations(world).length;
    const rerun = await preview(world, { command: 'down', 'pr-number': 7, token: '' });
    expect(rerun.exitCode).toBe(0);
    expect(mutations(world).slice(after)).toEqual([]);
    expect(world.aws.problems()).toEqual([]);
  });
});
