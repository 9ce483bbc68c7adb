import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  AddTagsCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { temporaryFolder } from '@shipyard/harness/temp';
import { startAwsEmulator, type AwsEmulator } from './index.js';
import { awsCliEnv } from './cli-env.js';

/**
 * ELBv2 in the AWS emulator, through the AWS SDK v3 client (query protocol, XML answers): what
 * preview environments need, with the errors as ELBv2 words and codes them.
 */
describe('ELBv2 in the AWS emulator (through the AWS SDK)', () => {
  let emulator: AwsEmulator;
  let elb: ElasticLoadBalancingV2Client;
  let listenerArn: string;
  let loadBalancerArn: string;

  beforeAll(async () => {
    emulator = await startAwsEmulator();
    elb = new ElasticLoadBalancingV2Client({ ...emulator.clientConfig(), maxAttempts: 1 });
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.reset();
    const staging = emulator.elbv2.seedTargetGroup({ name: 'web-staging' });
    ({
      loadBalancerArn,
      listenerArns: [listenerArn],
    } = emulator.elbv2.seedLoadBalancer({
      name: 'staging',
      listeners: [{ port: 80, defaultTargetGroupArn: staging }],
    }));
  });

  const targetGroup = (name: string) =>
    elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: 3000,
        VpcId: 'vpc-0a1b2c3d4e5f60718',
        TargetType: 'ip',
        HealthCheckPath: '/health',
        Tags: [{ Key: 'shipyard:preview', Value: 'pr-1' }],
      }),
    );
  const rule = (targetGroupArn: string, priority: number, host = 'pr-1.preview.example.com') =>
    elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: priority,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [host] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
        Tags: [{ Key: 'shipyard:preview', Value: 'pr-1' }],
      }),
    );

  test('target groups: created with tags, found by name, the same again returns the same group', async () => {
    const created = (await targetGroup('web-pr-1')).TargetGroups![0];
    expect(created).toMatchObject({ TargetGroupName: 'web-pr-1', Port: 3000, TargetType: 'ip', LoadBalancerArns: [] });
    expect(created.TargetGroupArn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:\d{12}:targetgroup\/web-pr-1\/[0-9a-f]{16}$/,
    );
    const again = (await targetGroup('web-pr-1')).TargetGroups![0];
    expect(again.TargetGroupArn).toBe(created.TargetGroupArn);
    const found = await elb.send(new DescribeTargetGroupsCommand({ Names: ['web-pr-1'] }));
    expect(found.TargetGroups!.map((group) => group.TargetGroupArn)).toEqual([created.TargetGroupArn]);
    const tags = await elb.send(new DescribeTagsCommand({ ResourceArns: [created.TargetGroupArn!] }));
    expect(tags.TagDescriptions![0].Tags).toEqual([{ Key: 'shipyard:preview', Value: 'pr-1' }]);
    await expect(elb.send(new DescribeTargetGroupsCommand({ Names: ['nope'] }))).rejects.toMatchObject({
      name: 'TargetGroupNotFoundException',
    });
    expect(emulator.problems()).toEqual([]);
  });

  test('rules: host-header and forward, priorities unique per listener, a used target group cannot be deleted', async () => {
    const group = (await targetGroup('web-pr-1')).TargetGroups![0].TargetGroupArn!;
    const created = (await rule(group, 1001)).Rules![0];
    expect(created).toMatchObject({
      Priority: '1001',
      IsDefault: false,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['pr-1.preview.example.com'] } }],
    });
    await expect(rule(group, 1001, 'pr-2.preview.example.com')).rejects.toMatchObject({
      name: 'PriorityInUseException',
      message: "Priority '1001' is currently in use",
    });
    const listed = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    expect(listed.Rules!.map((r) => r.Priority)).toEqual(['1001', 'default']);
    const described = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [group] }));
    expect(described.TargetGroups![0].LoadBalancerArns).toEqual([loadBalancerArn]);
    await expect(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: group }))).rejects.toMatchObject({
      name: 'ResourceInUseException',
    });
    await elb.send(
      new ModifyRuleCommand({
        RuleArn: created.RuleArn,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['pr-1.other.example.com'] } }],
      }),
    );
    await elb.send(new DeleteRuleCommand({ RuleArn: created.RuleArn }));
    await expect(elb.send(new DeleteRuleCommand({ RuleArn: created.RuleArn }))).rejects.toMatchObject({
      name: 'RuleNotFoundException',
    });
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: group }));
    expect(emulator.elbv2.targetGroups().map((g) => g.name)).toEqual(['web-staging']);
    expect(emulator.problems()).toEqual([]);
  });

  test('the default rule cannot be deleted; an unknown target group in an action is TargetGroupNotFound', async () => {
    const defaultRule = emulator.elbv2.rules(listenerArn).find((r) => r.priority === 'default')!;
    await expect(elb.send(new DeleteRuleCommand({ RuleArn: defaultRule.arn }))).rejects.toMatchObject({
      name: 'OperationNotPermittedException',
    });
    await expect(
      rule('arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gone/0123456789abcdef', 5),
    ).rejects.toMatchObject({ name: 'TargetGroupNotFoundException' });
  });

  test.each([
    ['a priority outside 1..50000', 0, 'pr-1.preview.example.com', /Priority/],
    ['a host without a dot', 7, 'localhost', /not a valid host header/],
  ])('the model and ELBv2 refuse %s as ValidationError, and nothing is created', async (_, priority, host, message) => {
    const group = (await targetGroup('web-pr-1')).TargetGroups![0].TargetGroupArn!;
    await expect(rule(group, priority, host)).rejects.toMatchObject({ name: 'ValidationError', message });
    expect(emulator.elbv2.rules(listenerArn)).toHaveLength(1);
  });

  test('listeners, load balancers and tags on them', async () => {
    const listener = (await elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners![0];
    expect(listener).toMatchObject({ LoadBalancerArn: loadBalancerArn, Port: 80, Protocol: 'HTTP' });
    const balancer = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] })))
      .LoadBalancers![0];
    expect(balancer).toMatchObject({
      LoadBalancerName: 'staging',
      VpcId: 'vpc-0a1b2c3d4e5f60718',
      Type: 'application',
    });
    expect(balancer.CreatedTime).toBeInstanceOf(Date);
    await elb.send(new AddTagsCommand({ ResourceArns: [listenerArn], Tags: [{ Key: 'team', Value: 'web' }] }));
    const tags = await elb.send(new DescribeTagsCommand({ ResourceArns: [listenerArn] }));
    expect(tags.TagDescriptions![0].Tags).toEqual([{ Key: 'team', Value: 'web' }]);
    await expect(
      elb.send(new DescribeListenersCommand({ ListenerArns: [`${listenerArn.slice(0, -4)}ffff`] })),
    ).rejects.toMatchObject({ name: 'ListenerNotFoundException' });
    expect(emulator.calls({ service: 'elbv2', mutating: true }).map((call) => call.operation)).toEqual(['AddTags']);
  });
});

/**
 * The same operations through a client this project did not write: the AWS CLI, whose botocore
 * serialises the query form and parses the XML answers with the elbv2 model.
 */
describe('ELBv2 in the AWS emulator (through the AWS CLI)', () => {
  const cli = (() => {
    try {
      execFileSync('aws', ['--version'], { stdio: 'ignore' });
      return test;
    } catch {
      console.warn('ELBv2 CLI conformance skipped: no `aws` on PATH');
      return test.skip;
    }
  })();
  let emulator: AwsEmulator;
  let home: string;
  beforeAll(async () => {
    emulator = await startAwsEmulator();
    home = temporaryFolder('shipyard-elbv2-cli-');
  });
  afterAll(async () => {
    await emulator.close();
  });

  // Asynchronous: the emulator answers from this process, so the CLI must not block it.
  const aws = async (...args: string[]): Promise<unknown> => {
    const { stdout: out } = await promisify(execFile)(
      'aws',
      ['elbv2', ...args, '--endpoint-url', emulator.url, '--output', 'json'],
      {
        encoding: 'utf8',
        env: awsCliEnv(emulator, home),
      },
    );
    return out.trim() ? JSON.parse(out) : {};
  };

  cli('target group, host rule, tags, describe, delete', async () => {
    const { listenerArns } = emulator.elbv2.seedLoadBalancer({ name: 'staging' });
    const group = (await aws(
      'create-target-group',
      ...['--name', 'web-pr-3', '--protocol', 'HTTP', '--port', '3000', '--vpc-id', 'vpc-0a1b2c3d4e5f60718'],
      ...['--target-type', 'ip', '--tags', 'Key=shipyard:preview,Value=pr-3'],
    )) as { TargetGroups: { TargetGroupArn: string }[] };
    const groupArn = group.TargetGroups[0].TargetGroupArn;
    const rule = (await aws(
      'create-rule',
      ...['--listener-arn', listenerArns[0], '--priority', '7'],
      ...['--conditions', 'Field=host-header,HostHeaderConfig={Values=[pr-3.preview.example.com]}'],
      ...['--actions', `Type=forward,TargetGroupArn=${groupArn}`],
    )) as { Rules: { RuleArn: string; Priority: string }[] };
    expect(rule.Rules[0].Priority).toBe('7');
    const tags = (await aws('describe-tags', '--resource-arns', groupArn, rule.Rules[0].RuleArn)) as {
      TagDescriptions: { Tags?: unknown[] }[];
    };
    expect(tags.TagDescriptions.map((d) => d.Tags ?? [])).toEqual([[{ Key: 'shipyard:preview', Value: 'pr-3' }], []]);
    const rules = (await aws('describe-rules', '--listener-arn', listenerArns[0])) as { Rules: { Priority: string }[] };
    expect(rules.Rules.map((r) => r.Priority)).toEqual(['7', 'default']);
    await aws('delete-rule', '--rule-arn', rule.Rules[0].RuleArn);
    await aws('delete-target-group', '--target-group-arn', groupArn);
    expect(emulator.elbv2.targetGroups()).toEqual([]);
    expect(emulator.problems()).toEqual([]);
  });
});
