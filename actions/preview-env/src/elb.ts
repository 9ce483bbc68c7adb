import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  type Listener,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsRequestHandlerOptions } from '@shipyard/shared/aws-client';
import { awsCall } from '@shipyard/shared/aws-call';
import { tagMap, type Tag } from './naming.js';

/**
 * What preview-env asks of Elastic Load Balancing v2: the staging listener, the preview's target
 * group and its host-header rule, and the tags that say which are a preview's. The IAM prefix of
 * every call is `elasticloadbalancing`.
 */

export interface TaggedRule {
  rule: Rule;
  tags: Map<string, string>;
}

const toElbTags = (tags: Tag[]) => tags.map(({ key, value }) => ({ Key: key, Value: value }));
const named = (error: unknown, name: string) => (error as { name?: string }).name === name;
/** What ELBv2 answers for a resource deleted since it was listed. */
const gone = (error: unknown) =>
  [
    'TargetGroupNotFoundException',
    'RuleNotFoundException',
    'ListenerNotFoundException',
    'LoadBalancerNotFoundException',
  ].some((name) => named(error, name));

/** The hosts a rule's host-header condition matches, lower case. */
export function ruleHosts(rule: Rule): string[] {
  return (rule.Conditions ?? [])
    .filter((condition) => condition.Field === 'host-header')
    .flatMap((condition) => condition.HostHeaderConfig?.Values ?? condition.Values ?? [])
    .map((host) => host.toLowerCase());
}

/** The target groups a rule forwards to. */
export function ruleTargets(rule: Rule): string[] {
  return (rule.Actions ?? []).flatMap((action) => [
    ...(action.TargetGroupArn ? [action.TargetGroupArn] : []),
    ...(action.ForwardConfig?.TargetGroups ?? []).map((tuple) => tuple.TargetGroupArn ?? ''),
  ]);
}

export class PreviewElb {
  private readonly client: ElasticLoadBalancingV2Client;

  constructor({ region, maxAttempts }: { region: string; maxAttempts: number }) {
    this.client = new ElasticLoadBalancingV2Client({
      region,
      maxAttempts,
      retryMode: 'standard',
      requestHandler: awsRequestHandlerOptions(),
    });
  }

  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return awsCall('elasticloadbalancing', operation, send);
  }

  async listener(arn: string): Promise<Listener | undefined> {
    try {
      const { Listeners = [] } = await this.call('DescribeListeners', () =>
        this.client.send(new DescribeListenersCommand({ ListenerArns: [arn] })),
      );
      return Listeners[0];
    } catch (error) {
      if (named(error, 'ListenerNotFoundException')) return undefined;
      throw error;
    }
  }

  async targetGroup(arn: string): Promise<TargetGroup | undefined> {
    try {
      const { TargetGroups = [] } = await this.call('DescribeTargetGroups', () =>
        this.client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] })),
      );
      return TargetGroups[0];
    } catch (error) {
      if (named(error, 'TargetGroupNotFoundException')) return undefined;
      throw error;
    }
  }

  async targetGroupNamed(name: string): Promise<TargetGroup | undefined> {
    try {
      const { TargetGroups = [] } = await this.call('DescribeTargetGroups', () =>
        this.client.send(new DescribeTargetGroupsCommand({ Names: [name] })),
      );
      return TargetGroups[0];
    } catch (error) {
      if (named(error, 'TargetGroupNotFoundException')) return undefined;
      throw error;
    }
  }

  /** Every target group of the account and region whose name ends in `-pr-<number>`. */
  async previewLikeTargetGroups(): Promise<TargetGroup[]> {
    const found: TargetGroup[] = [];
    let Marker: string | undefined;
    do {
      const page = await this.call('DescribeTargetGroups', () =>
        this.client.send(new DescribeTargetGroupsCommand({ Marker, PageSize: 400 })),
      );
      found.push(...(page.TargetGroups ?? []).filter((group) => /-pr-\d+$/.test(group.TargetGroupName ?? '')));
      Marker = page.NextMarker;
    } while (Marker);
    return found;
  }

  /**
   * Tags of up to any number of resources (DescribeTags takes 20 at a time). A resource deleted
   * since it was listed (another run removing a preview) is left out: DescribeTags refuses a whole
   * batch for one missing ARN, so that batch is asked again one ARN at a time.
   */
  async tags(arns: string[]): Promise<Map<string, Map<string, string>>> {
    const result = new Map<string, Map<string, string>>();
    const describe = async (batch: string[]) => {
      const { TagDescriptions = [] } = await this.call('DescribeTags', () =>
        this.client.send(new DescribeTagsCommand({ ResourceArns: batch })),
      );
      for (const description of TagDescriptions) {
        result.set(description.ResourceArn ?? '', tagMap(description.Tags));
      }
    };
    for (let start = 0; start < arns.length; start += 20) {
      const batch = arns.slice(start, start + 20);
      try {
        await describe(batch);
      } catch (error) {
        if (!gone(error)) throw error;
        for (const arn of batch) {
          try {
            await describe([arn]);
          } catch (single) {
            if (!gone(single)) throw single;
          }
        }
      }
    }
    return result;
  }

  async createTargetGroup(input: { name: string; like: TargetGroup; tags: Tag[] }): Promise<TargetGroup> {
    const { like } = input;
    const { TargetGroups = [] } = await this.call('CreateTargetGroup', () =>
      this.client.send(
        new CreateTargetGroupCommand({
          Name: input.name,
          Protocol: like.Protocol,
          ProtocolVersion: like.ProtocolVersion,
          Port: like.Port,
          VpcId: like.VpcId,
          TargetType: like.TargetType,
          IpAddressType: like.IpAddressType,
          HealthCheckProtocol: like.HealthCheckProtocol,
          HealthCheckPort: like.HealthCheckPort,
          HealthCheckEnabled: like.HealthCheckEnabled,
          HealthCheckPath: like.HealthCheckPath,
          HealthCheckIntervalSeconds: like.HealthCheckIntervalSeconds,
          HealthCheckTimeoutSeconds: like.HealthCheckTimeoutSeconds,
          HealthyThresholdCount: like.HealthyThresholdCount,
          UnhealthyThresholdCount: like.UnhealthyThresholdCount,
          Matcher: like.Matcher,
          Tags: toElbTags(input.tags),
        }),
      ),
    );
    if (!TargetGroups[0]) throw new Error('CreateTargetGroup returned no target group');
    return TargetGroups[0];
  }

  /** Delete the target group; one already deleted (by another run) is done, not an error. */
  async deleteTargetGroup(arn: string): Promise<void> {
    try {
      await this.call('DeleteTargetGroup', () =>
        this.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })),
      );
    } catch (error) {
      if (!named(error, 'TargetGroupNotFoundException')) throw error;
    }
  }

  /** Every rule of the listener with its tags. */
  async rules(listenerArn: string): Promise<TaggedRule[]> {
    const rules: Rule[] = [];
    let Marker: string | undefined;
    do {
      const page = await this.call('DescribeRules', () =>
        this.client.send(new DescribeRulesCommand({ ListenerArn: listenerArn, Marker, PageSize: 400 })),
      );
      rules.push(...(page.Rules ?? []));
      Marker = page.NextMarker;
    } while (Marker);
    const custom = rules.filter((rule) => !rule.IsDefault);
    const tags = await this.tags(custom.map((rule) => rule.RuleArn ?? ''));
    return rules.map((rule) => ({ rule, tags: tags.get(rule.RuleArn ?? '') ?? new Map<string, string>() }));
  }

  /** Create the rule; on `PriorityInUse` (another run took it meanwhile) the caller picks again. */
  async createRule(input: {
    listenerArn: string;
    priority: number;
    host: string;
    targetGroupArn: string;
    tags: Tag[];
  }): Promise<Rule | 'priority-in-use'> {
    try {
      const { Rules = [] } = await this.call('CreateRule', () =>
        this.client.send(
          new CreateRuleCommand({
            ListenerArn: input.listenerArn,
            Priority: input.priority,
            Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [input.host] } }],
            Actions: [{ Type: 'forward', TargetGroupArn: input.targetGroupArn }],
            Tags: toElbTags(input.tags),
          }),
        ),
      );
      if (!Rules[0]) throw new Error('CreateRule returned no rule');
      return Rules[0];
    } catch (error) {
      if (named(error, 'PriorityInUseException')) return 'priority-in-use';
      throw error;
    }
  }

  async pointRule(ruleArn: string, host: string, targetGroupArn: string): Promise<void> {
    await this.call('ModifyRule', () =>
      this.client.send(
        new ModifyRuleCommand({
          RuleArn: ruleArn,
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [host] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
        }),
      ),
    );
  }

  async deleteRule(arn: string): Promise<void> {
    try {
      await this.call('DeleteRule', () => this.client.send(new DeleteRuleCommand({ RuleArn: arn })));
    } catch (error) {
      if (!named(error, 'RuleNotFoundException')) throw error;
    }
  }
}
