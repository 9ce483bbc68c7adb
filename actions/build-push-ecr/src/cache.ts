import type { Builder } from './docker.js';

/**
 * Which build cache a build gets: the one the `cache` input asks for, or the best this runner's
 * builder can do instead, with the reason for the warning. Pure.
 */

export const CACHE_MODES = ['registry', 'inline', 'none'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

/** What the cache will really be, given what was asked and what the builder can do. */
export type EffectiveCache = 'registry' | 'inline' | 'local' | 'none';

export interface CacheDecision {
  mode: EffectiveCache;
  /** Why the mode differs from the one asked for, for a warning in the log. */
  downgrade?: string;
}

export function decideCache(requested: CacheMode, builder: Builder): CacheDecision {
  if (requested === 'none') return { mode: 'none' };
  if (requested === 'registry') {
    if (builder.kind === 'buildx' && builder.driver !== 'docker') return { mode: 'registry' };
    const fallback: EffectiveCache = builder.kind === 'legacy' ? 'local' : 'inline';
    const why =
      builder.kind === 'buildx'
        ? `the buildx builder uses the '${builder.driver}' driver, which cannot export a cache (create a docker-container builder, e.g. with docker/setup-buildx-action)`
        : 'docker buildx is not installed';
    return {
      mode: fallback,
      downgrade: `cache: registry needs buildx with a cache-exporting builder, but ${why}; using ${fallback === 'inline' ? 'inline cache' : "the engine's local layer cache"} instead`,
    };
  }
  if (builder.kind === 'legacy') {
    return {
      mode: 'local',
      downgrade:
        "the classic builder (no BuildKit: docker buildx is not installed) cannot use an inline cache; using the engine's local layer cache",
    };
  }
  return { mode: 'inline' };
}
