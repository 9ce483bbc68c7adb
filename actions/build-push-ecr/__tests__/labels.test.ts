import { describe, expect, test } from '@jest/globals';
import { imageLabels } from '../src/labels.js';

describe('labels', () => {
  test('the OCI labels, with the user labels merged over them', () => {
    const labels = imageLabels({
      run: { serverUrl: 'https://github.com', repository: { owner: 'o', repo: 'app', fullName: 'o/app' }, sha: 'abc' },
      version: '1.2.3',
      created: new Date('2026-01-02T03:04:05Z'),
      userLabels: new Map([
        ['org.opencontainers.image.title', 'Custom'],
        ['team', 'web'],
      ]),
    });
    expect(Object.fromEntries(labels)).toEqual({
      'org.opencontainers.image.source': 'https://github.com/o/app',
      'org.opencontainers.image.title': 'Custom',
      'org.opencontainers.image.revision': 'abc',
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
      'org.opencontainers.image.version': '1.2.3',
      team: 'web',
    });
  });
});
