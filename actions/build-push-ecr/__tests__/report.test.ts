import { describe, expect, test } from '@jest/globals';
import { formatBytes, renderSummary } from '../src/report.js';

describe('report', () => {
  test.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [52_428_800, '50.0 MiB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  test('the summary has tags, digest, size, cache use and durations', () => {
    const text = renderSummary({
      repository: 'web',
      registry: 'r.example',
      tags: ['abc', 'main'],
      digest: 'sha256:1234',
      imageUri: 'r.example/web@sha256:1234',
      sizeBytes: 52_428_800,
      outcome: 'built',
      builder: 'buildkit',
      cache: { mode: 'inline', steps: 4, cached: 3 },
      durations: { buildMs: 12_345, pushMs: 2_000 },
    });
    expect(text).toContain('### build-push-ecr: Image built and pushed');
    for (const expected of [
      '`abc`, `main`',
      '`sha256:1234`',
      '50.0 MiB',
      'inline (3 of 4 steps from cache)',
      '| Build | 12.3 s |',
      '| Push | 2 s |',
    ]) {
      expect(text).toContain(expected);
    }
  });
});
