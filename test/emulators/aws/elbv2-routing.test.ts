import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateServiceCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryFolder } from '@shipyard/harness/temp';
import { startAwsEmulator, type AwsEmulator } from './index.js';
import { hostName, matchRule, pathOf, wildcardMatch, type RoutingRule } from './elbv2-routing.js';
import { basicAuth, pushSyntheticImage } from './registry-fixtures.js';
import { registryUnavailableReason } from './registry.js';
import { SOURCE_LABEL } from './ecs/runtime-process.js';
import { getWithHost } from './get-with-host.js';

/**
 * An ELBv2 listener's loopback front door (`aws.elbv2.listenerUrl`): its rules decide, by host
 * name (and path), which target group a request goes to, and the target group's members are the
 * ECS services whose loadBalancers name it. With the process runtime each preview's host name
 * reaches that preview's own tasks; rules changed through the API apply to the next request.
 */

const get = getWithHost;

describe('ELBv2 matching, as an Application Load Balancer matches', () => {
  test.each([
    ['pr-1.preview.example', 'pr-1.preview.example', true],
    ['pr-1.preview.example', 'PR-1.Preview.EXAMPLE', true],
    ['pr-1.preview.example', 'pr-10.preview.example', false],
    ['pr-1.preview.example', 'xpr-1.preview.example', false],
    ['*.preview.example', 'pr-7.preview.example', true],
    ['*.preview.example', 'a.b.preview.example', true],
    ['*.preview.example', 'preview.example', false],
    ['*preview.example', 'preview.example', true],
    ['pr-?.preview.example', 'pr-7.preview.example', true],
    ['pr-?.preview.example', 'pr-77.preview.example', false],
    ['pr-?.preview.example', 'pr-.preview.example', false],
    ['*.*.example', 'a.b.example', true],
    ['a*b*c.example', 'aXXbYYc.example', true],
    ['a*b*c.example', 'aXXcYYb.example', false],
  ])('host pattern %s against %s: %s', (pattern, host, expected) => {
    expect(wildcardMatch(pattern, host, true)).toBe(expected);
  });

  test.each([
    ['/api/*', '/api/users', true],
    ['/api/*', '/API/users', false],
    ['/api/*', '/api', false],
    ['/img/???.png', '/img/cat.png', true],
    ['/img/???.png', '/img/dogs.png', false],
    ['*', '/', true],
  ])('path pattern %s against %s: %s (case-sensitive)', (pattern, path, expected) => {
    expect(wildcardMatch(pattern, path, false)).toBe(expected);
  });

  test.each([
    ['pr-1.preview.example:8080', 'pr-1.preview.example'],
    ['pr-1.preview.example', 'pr-1.preview.example'],
    ['[::1]:80', '::1'],
    ['', ''],
  ])('the Host header %p names host %p (the port is ignored)', (header, host) => {
    expect(hostName(header)).toBe(host);
  });

  test('the query string is not part of the path', () => {
    expect(pathOf('/a/b?c=/d')).toBe('/a/b');
  });

  test('rules in priority order, the default last; every condition must match, any value may', () => {
    const rules: RoutingRule[] = [
      { arn: 'default', priority: 'default', conditions: [], actions: [] },
      {
        arn: 'p20',
        priority: 20,
        conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['*.preview.example'] } }],
        actions: [],
      },
      {
        arn: 'p10',
        priority: 10,
        conditions: [
          { Field: 'host-header', HostHeaderConfig: { Values: ['pr-1.preview.example', 'pr-one.preview.example'] } },
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } },
        ],
        actions: [],
      },
    ];
    const at = (host: string, path: string) => matchRule(rules, { host, path })?.arn;
    expect(at('pr-1.preview.example', '/api/x')).toBe('p10');
    expect(at('pr-one.preview.example', '/api/x')).toBe('p10');
    expect(at('pr-1.preview.example', '/other')).toBe('p20');
    expect(at('elsewhere.example', '/api/x')).toBe('default');
  });
});

describe('a listener front door with simulated tasks', () => {
  let aws: AwsEmulator;
  beforeAll(async () => {
    aws = await startAwsEmulator({ scenario: { timeScale: 0.001 } });
  });
  afterAll(() => aws.close());

  test('answers 503 for a forward (no real task to reach) and the default fixed-response otherwise', async () => {
    const group = aws.elbv2.seedTargetGroup({ name: 'web-pr-1' });
    const {
      listenerArns: [listenerArn],
    } = aws.elbv2.seedLoadBalancer({ name: 'staging', listeners: [{ port: 80 }] });
    aws.elbv2.seedRule({ listenerArn, priority: 1, hosts: ['pr-1.preview.example'], targetGroupArn: group });
    const revision = aws.ecs.seedTaskDefinition({
      family: 'web',
      containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128, portMappings: [{ containerPort: 80 }] }],
    });
    aws.ecs.seedService({
      serviceName: 'web-pr-1',
      taskDefinition: revision.arn,
      loadBalancers: [{ targetGroupArn: group, containerName: 'web', containerPort: 80 }],
    });
    const url = aws.elbv2.listenerUrl(listenerArn);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(aws.elbv2.listenerUrl(listenerArn)).toBe(url);
    const forwarded = await get(url, 'pr-1.preview.example');
    expect(forwarded.status).toBe(503);
    expect(forwarded.headers.server).toBe('awselb/2.0');
    expect(forwarded.body).toContain('503 Service Temporarily Unavailable');
    const other = await get(url, 'nowhere.example');
    expect(other).toMatchObject({ status: 404, body: '' });
    expect(other.headers['content-type']).toBe('text/plain');
    expect(() => aws.elbv2.listenerUrl(`${listenerArn}0`)).toThrow(/no listener/);
  });
});

const unavailable = registryUnavailableReason();
if (unavailable) console.warn(`listener routing tests with the process runtime skipped: ${unavailable}`);
const describeWithRegistry = unavailable ? describe.skip : describe;

const APP = `
const http = require('node:http');
const fs = require('node:fs');
const server = http.createServer((request, response) => {
  if (request.url === '/health') return response.end('ok');
  if (request.url === '/slow') {
    const release = () => {
      if (fs.existsSync(process.env.RELEASE_FILE)) return response.end('slow ' + process.env.PREVIEW);
      setTimeout(release, 20);
    };
    return release();
  }
  response.end(process.env.PREVIEW + ' ' + request.headers.host + ' ' + request.url);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const HEALTH = `
fetch('http://127.0.0.1:' + process.env.PORT + '/health').then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
`;

describeWithRegistry('preview host names routed to their own tasks (tasks.runtime: process)', () => {
  let aws: AwsEmulator;
  let source: string;
  let ecs: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let listenerArn: string;
  let url: string;
  const groups: Record<number, string> = {};
  const rules: Record<number, string> = {};

  const healthyTasks = (serviceName: string) =>
    aws.ecs
      .tasks({ serviceName })
      .filter(
        (task) =>
          task.lastStatus === 'RUNNING' &&
          task.desiredStatus === 'RUNNING' &&
          task.healthStatus === 'HEALTHY' &&
          task.targetHealthy,
      );

  async function preview(number: number, desiredCount: number): Promise<void> {
    const name = `web-pr-${number}`;
    const group = await elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: 'vpc-0a1b2c3d4e5f60718',
        TargetType: 'ip',
        HealthCheckPath: '/health',
      }),
    );
    groups[number] = group.TargetGroups![0].TargetGroupArn!;
    const rule = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: number,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [`pr-${number}.preview.example`] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: groups[number] }],
      }),
    );
    rules[number] = rule.Rules![0].RuleArn!;
    const revision = aws.ecs.seedTaskDefinition({
      family: name,
      containerDefinitions: [
        {
          name: 'web',
          image: `${aws.ecr.registryHost()}/web:v1`,
          essential: true,
          memory: 256,
          portMappings: [{ containerPort: 8080 }],
          environment: [
            { name: 'PREVIEW', value: `pr-${number}` },
            { name: 'RELEASE_FILE', value: join(source, `release-${number}`) },
          ],
          healthCheck: { command: ['CMD', 'node', 'health.js'], interval: 5, timeout: 5, retries: 2, startPeriod: 60 },
        },
      ],
    });
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'staging',
        serviceName: name,
        taskDefinition: revision.arn,
        desiredCount,
        loadBalancers: [{ targetGroupArn: groups[number], containerName: 'web', containerPort: 8080 }],
      }),
    );
    await aws.ecs.until(
      () => healthyTasks(name).length === desiredCount || undefined,
      `${desiredCount} healthy tasks of ${name}`,
    );
  }

  beforeAll(async () => {
    source = temporaryFolder('shipyard-routing-image-');
    writeFileSync(join(source, 'app.js'), APP);
    writeFileSync(join(source, 'health.js'), HEALTH);
    aws = await startAwsEmulator({ scenario: { timeScale: 0.001 }, tasks: { runtime: 'process' } });
    await new ECRClient(aws.clientConfig()).send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    await pushSyntheticImage(aws.url, {
      authorization: basicAuth('AWS', aws.ecr.issueRegistryPassword(aws.clock.now())),
      repository: 'web',
      tag: 'v1',
      config: { Cmd: ['node', 'app.js'], Labels: { [SOURCE_LABEL]: source } },
    });
    ecs = new ECSClient({ ...aws.clientConfig(), maxAttempts: 1 });
    elb = new ElasticLoadBalancingV2Client({ ...aws.clientConfig(), maxAttempts: 1 });
    aws.ecs.seedCluster('staging');
    ({
      listenerArns: [listenerArn],
    } = aws.elbv2.seedLoadBalancer({ name: 'staging', listeners: [{ port: 80 }] }));
    url = aws.elbv2.listenerUrl(listenerArn);
    await preview(1, 2);
    await preview(2, 1);
  });
  afterAll(async () => {
    ecs?.destroy();
    elb?.destroy();
    await aws?.close();
  });
  afterEach(() => {
    expect(aws.problems()).toEqual([]);
  });

  test("each preview's host name reaches that preview's tasks, and only them", async () => {
    const ids1 = new Set(healthyTasks('web-pr-1').map((task) => task.taskId));
    const ids2 = new Set(healthyTasks('web-pr-2').map((task) => task.taskId));
    const served1: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const answer = await get(url, 'pr-1.preview.example', '/hello?x=1');
      expect(answer).toMatchObject({ status: 200, body: 'pr-1 pr-1.preview.example /hello?x=1' });
      served1.push(answer.task!);
    }
    // Both of preview 1's tasks serve it (round robin), none of preview 2's.
    expect(new Set(served1)).toEqual(ids1);
    const answer2 = await get(url, 'pr-2.preview.example');
    expect(answer2.status).toBe(200);
    expect(answer2.body).toBe('pr-2 pr-2.preview.example /');
    expect(ids2.has(answer2.task!)).toBe(true);
    // The host name is matched case-insensitively and its port ignored; the app sees it as sent.
    const mixed = await get(url, 'PR-2.Preview.Example:8443');
    expect(mixed).toMatchObject({ status: 200, body: 'pr-2 PR-2.Preview.Example:8443 /' });
    expect(ids2.has(mixed.task!)).toBe(true);
    // What the front door routed, and where.
    const routed = aws.elbv2.listenerFrontDoor(listenerArn)!.routed();
    expect(routed.at(-1)).toMatchObject({
      host: 'PR-2.Preview.Example',
      ruleArn: rules[2],
      action: 'forward',
      targetGroupArn: groups[2],
      service: 'staging/web-pr-2',
      taskId: mixed.task,
      status: 200,
    });
  });

  test('a host no rule names gets the default action (fixed-response 404)', async () => {
    for (const host of ['pr-3.preview.example', 'pr-1.preview.example.evil', 'staging.example']) {
      const answer = await get(url, host);
      expect(answer).toMatchObject({ status: 404, body: '' });
      expect(answer.task).toBeUndefined();
    }
  });

  test('a rule modified or deleted through the API takes effect at the next request', async () => {
    // Preview 2's rule now also answers a wildcard name.
    await elb.send(
      new ModifyRuleCommand({
        RuleArn: rules[2],
        Conditions: [
          { Field: 'host-header', HostHeaderConfig: { Values: ['pr-2.preview.example', 'pr-2-*.preview.example'] } },
        ],
      }),
    );
    expect((await get(url, 'pr-2-feature.preview.example')).body).toBe('pr-2 pr-2-feature.preview.example /');
    await elb.send(new DeleteRuleCommand({ RuleArn: rules[2] }));
    expect(await get(url, 'pr-2.preview.example')).toMatchObject({ status: 404, body: '' });
    expect((await get(url, 'pr-1.preview.example')).body).toBe('pr-1 pr-1.preview.example /');
    // The default action can forward too: with no rule left for pr-2, it reaches preview 2's tasks.
    const defaultRule = aws.elbv2.rules(listenerArn).find((rule) => rule.priority === 'default')!;
    await elb.send(
      new ModifyRuleCommand({ RuleArn: defaultRule.arn, Actions: [{ Type: 'forward', TargetGroupArn: groups[2] }] }),
    );
    expect((await get(url, 'pr-2.preview.example')).body).toBe('pr-2 pr-2.preview.example /');
    expect((await get(url, 'anything.example')).body).toBe('pr-2 anything.example /');
    await elb.send(
      new ModifyRuleCommand({
        RuleArn: defaultRule.arn,
        Actions: [
          {
            Type: 'fixed-response',
            FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'no preview here' },
          },
        ],
      }),
    );
    const fixed = await get(url, 'pr-2.preview.example');
    expect(fixed).toMatchObject({ status: 404, body: 'no preview here' });
    expect(fixed.headers['content-type']).toBe('text/plain');
  });

  test("a forward to several target groups splits requests by the groups' weights", async () => {
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 50,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['split.preview.example'] } }],
        Actions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: groups[1], Weight: 3 },
                { TargetGroupArn: groups[2], Weight: 1 },
              ],
            },
          },
        ],
      }),
    );
    const previews: string[] = [];
    for (let i = 0; i < 8; i += 1) previews.push((await get(url, 'split.preview.example')).body.split(' ')[0]);
    expect(previews.filter((name) => name === 'pr-1')).toHaveLength(6);
    expect(previews.filter((name) => name === 'pr-2')).toHaveLength(2);
  });

  test('a request in flight holds its task while it drains; a service scaled to zero answers 503', async () => {
    const slow = get(url, 'pr-1.preview.example', '/slow');
    const servedBy = await aws.ecs.until(
      () =>
        healthyTasks('web-pr-1').find(
          (candidate) => (aws.ecs.serviceLoadBalancer('staging', 'web-pr-1')?.inFlightTo(candidate.taskId) ?? 0) > 0,
        ),
      'the slow request in flight',
    );
    await ecs.send(new UpdateServiceCommand({ cluster: 'staging', service: 'web-pr-1', desiredCount: 0 }));
    await aws.ecs.until(() => healthyTasks('web-pr-1').length === 0 || undefined, 'no healthy task of web-pr-1');
    const refused = await get(url, 'pr-1.preview.example');
    expect(refused.status).toBe(503);
    expect(refused.headers.server).toBe('awselb/2.0');
    expect(refused.task).toBeUndefined();
    // The draining task still runs for the request it serves, and finishes it.
    await aws.ecs.until(
      () =>
        aws.ecs
          .tasks({ serviceName: 'web-pr-1' })
          .find((t) => t.taskId === servedBy.taskId && t.lastStatus === 'STOPPING'),
      'the draining task STOPPING',
    );
    writeFileSync(join(source, 'release-1'), '');
    expect(await slow).toMatchObject({ status: 200, body: 'slow pr-1', task: servedBy.taskId });
    await aws.ecs.until(
      () =>
        aws.ecs
          .tasks({ serviceName: 'web-pr-1' })
          .find((t) => t.taskId === servedBy.taskId && t.lastStatus === 'STOPPED'),
      'the drained task STOPPED',
    );
  });
});
