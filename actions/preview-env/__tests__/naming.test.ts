import { describe, expect, test } from '@jest/globals';
import { isPreview, previewFamily, previewNames, previewNumber, previewTags, tagMap } from '../src/naming.js';

const scope = { repository: 'octo-org/shipyard-demo', service: 'web' };

describe('previewNames', () => {
  test.each<[string, number, string, string]>([
    ['web', 7, 'web-pr-7', 'web-pr-7'],
    ['shipyard_demo', 12, 'shipyard_demo-pr-12', 'shipyard-demo-pr-12'],
    [
      'a-very-long-staging-service-name-indeed',
      123456789,
      'a-very-long-staging-service-name-indeed-pr-123456789',
      'a-very-long-staging-pr-123456789',
    ],
    ['web-', 3, 'web--pr-3', 'web-pr-3'],
    ['___', 5, '___-pr-5', 'preview-pr-5'],
  ])('%s #%d: service %s, target group %s', (service, pr, expectedService, expectedGroup) => {
    const names = previewNames({ ...scope, service, pr }, 'preview.example.com');
    expect(names.service).toBe(expectedService);
    expect(names.targetGroup).toBe(expectedGroup);
    expect(names.targetGroup.length).toBeLessThanOrEqual(32);
    expect(names.targetGroup).toMatch(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/);
    expect(names.host).toBe(`pr-${pr}.preview.example.com`);
  });

  test('the preview service name never equals the staging service name', () => {
    expect(previewNames({ ...scope, pr: 1 }).service).not.toBe(scope.service);
  });

  test('family', () => {
    expect(previewFamily('shipyard-demo', 7)).toBe('shipyard-demo-pr-7');
  });
});

describe('tags', () => {
  const identity = { ...scope, pr: 7 };
  const ours = tagMap(previewTags(identity));

  test('a preview is recognised by all three tags', () => {
    expect(isPreview(ours, identity)).toBe(true);
    expect(previewNumber(ours, scope)).toBe(7);
  });

  test.each<[string, Record<string, string>]>([
    ['another pull request', { 'shipyard:preview': 'pr-8' }],
    ['another repository', { 'shipyard:repository': 'octo-org/other' }],
    ['another staging service', { 'shipyard:service': 'api' }],
    ['a malformed number', { 'shipyard:preview': 'pr-07' }],
    ['a number with a suffix', { 'shipyard:preview': 'pr-7x' }],
  ])('%s is not this preview', (_what, change) => {
    const tags = new Map([...ours, ...Object.entries(change)]);
    expect(isPreview(tags, identity)).toBe(false);
  });

  test('no tags, and ECS and ELBv2 shapes read alike', () => {
    expect(isPreview(new Map(), identity)).toBe(false);
    expect(tagMap([{ Key: 'a', Value: 'b' }])).toEqual(tagMap([{ key: 'a', value: 'b' }]));
  });
});
