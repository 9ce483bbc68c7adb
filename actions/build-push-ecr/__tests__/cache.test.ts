import { describe, expect, test } from '@jest/globals';
import { decideCache } from '../src/cache.js';
import type { Builder } from '../src/docker.js';

const buildx: Builder = { kind: 'buildx', driver: 'docker-container' };
const buildxDocker: Builder = { kind: 'buildx', driver: 'docker' };
const buildkit: Builder = { kind: 'buildkit' };
const legacy: Builder = { kind: 'legacy' };

describe('the cache actually used', () => {
  test.each([
    ['registry', buildx, 'registry', false],
    ['registry', buildxDocker, 'inline', true],
    ['registry', buildkit, 'inline', true],
    ['registry', legacy, 'local', true],
    ['inline', buildx, 'inline', false],
    ['inline', buildkit, 'inline', false],
    ['inline', legacy, 'local', true],
    ['none', buildx, 'none', false],
    ['none', legacy, 'none', false],
  ] as const)('%s with %j -> %s (warned: %s)', (requested, builder, mode, warned) => {
    const decision = decideCache(requested, builder);
    expect(decision.mode).toBe(mode);
    expect(decision.downgrade !== undefined).toBe(warned);
  });
});
