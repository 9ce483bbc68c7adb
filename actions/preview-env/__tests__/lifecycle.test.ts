import { describe, expect, test } from '@jest/globals';
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import {
  claimsBefore,
  freePriority,
  previewDefinition,
  registerable,
  sameDefinition,
  serviceLike,
} from '../src/lifecycle.js';

describe('freePriority', () => {
  test.each<[string[], { from: number; to: number }, number | undefined]>([
    [[], { from: 100, to: 105 }, 100],
    [['100', '101', 'default'], { from: 100, to: 105 }, 102],
    [['100', '101'], { from: 100, to: 101 }, undefined],
    [['5'], { from: 1, to: 10 }, 1],
  ])('taken %j in %j: %s', (taken, range, expected) => {
    expect(
      freePriority(
        taken.map((Priority) => ({ Priority })),
        range,
      ),
    ).toBe(expected);
  });
});

describe('claimsBefore: the order of claims on a place under max-previews', () => {
  test.each<[{ at: number; pr: number }, { at: number; pr: number }, boolean]>([
    [{ at: 1000, pr: 9 }, { at: 2000, pr: 1 }, true],
    [{ at: 2000, pr: 1 }, { at: 1000, pr: 9 }, false],
    [{ at: 1000, pr: 3 }, { at: 1000, pr: 4 }, true],
    [{ at: 1000, pr: 4 }, { at: 1000, pr: 3 }, false],
    [{ at: 1000, pr: 4 }, { at: 1000, pr: 4 }, false],
    [{ at: 5, pr: 1 }, { at: Infinity, pr: 1 }, true],
  ])('%j before %j: %s', (a, b, expected) => {
    expect(claimsBefore(a, b)).toBe(expected);
    // A total order: of two different claims, exactly one is first.
    if (a.at !== b.at || a.pr !== b.pr) expect(claimsBefore(b, a)).toBe(!expected);
  });
});

const staging: TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/shipyard-demo:3',
  family: 'shipyard-demo',
  revision: 3,
  status: 'ACTIVE',
  requiresCompatibilities: ['FARGATE'],
  compatibilities: ['EC2', 'FARGATE'],
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
  volumes: [],
  containerDefinitions: [
    {
      name: 'app',
      image: 'repo:staging',
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } },
    },
    { name: 'sidecar', image: 'envoy:1' },
  ],
};

describe('previewDefinition', () => {
  test('the staging definition with its family and the one image changed, nothing ECS sets itself', () => {
    const preview = previewDefinition(staging, { family: 'shipyard-demo-pr-7', container: 'app', image: 'repo:pr-7' });
    expect(preview).toEqual({
      family: 'shipyard-demo-pr-7',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      containerDefinitions: [
        {
          name: 'app',
          image: 'repo:pr-7',
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } },
        },
        { name: 'sidecar', image: 'envoy:1' },
      ],
    });
  });

  test('same definition: key order and empty lists do not matter, an image does', () => {
    const a = previewDefinition(staging, { family: 'f', container: 'app', image: 'x:1' });
    const reordered = { ...Object.fromEntries(Object.entries(a).reverse()), volumes: [] } as unknown as typeof a;
    expect(sameDefinition(a, reordered)).toBe(true);
    expect(sameDefinition(a, previewDefinition(staging, { family: 'f', container: 'app', image: 'x:2' }))).toBe(false);
    expect(
      sameDefinition(registerable({ ...staging, family: 'f', containerDefinitions: a.containerDefinitions }), a),
    ).toBe(true);
  });
});

describe('serviceLike', () => {
  const preview = {
    cluster: 'shipyard',
    name: 'web-pr-7',
    taskDefinitionArn: 'arn:td',
    targetGroupArn: 'arn:tg',
    container: 'app',
    port: 3000,
    desiredCount: 1,
  };

  test.each<[string, Partial<Service>, Record<string, unknown>]>([
    ['a launch type', { launchType: 'FARGATE' }, { launchType: 'FARGATE' }],
    [
      'capacity providers instead of a launch type',
      { launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] },
      { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] },
    ],
    [
      'the circuit breaker and percentages',
      { deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200 } },
      { deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200 } },
    ],
    [
      'the network configuration',
      { networkConfiguration: { awsvpcConfiguration: { subnets: ['s'] } } },
      { networkConfiguration: { awsvpcConfiguration: { subnets: ['s'] } } },
    ],
  ])('copies %s', (_what, staging, expected) => {
    const input = serviceLike(staging as Service, preview);
    expect(input).toMatchObject({
      serviceName: 'web-pr-7',
      loadBalancers: [{ targetGroupArn: 'arn:tg', containerName: 'app', containerPort: 3000 }],
      propagateTags: 'SERVICE',
      ...expected,
    });
    if ('capacityProviderStrategy' in expected) expect(input.launchType).toBeUndefined();
  });
});
