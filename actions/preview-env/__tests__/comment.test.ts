import { describe, expect, test } from '@jest/globals';
import { commentMarker, liveCommentBody, removedCommentBody } from '../src/comment.js';

describe('comment bodies', () => {
  test.each([
    ['success', '✅ passed'],
    ['failure', '❌ failed'],
    ['pending', '⏳ pending'],
  ] as const)('smoke %s reads %s', (smoke, words) => {
    const body = liveCommentBody({
      service: 'web',
      pr: 7,
      url: 'https://pr-7.p.example.com',
      sha: 'a'.repeat(40),
      smoke,
      runUrl: '',
    });
    expect(body.startsWith(commentMarker('web', 7))).toBe(true);
    expect(body).toContain(`| Smoke test | ${words} |`);
    expect(body).toContain('`aaaaaaaaaaaa`');
  });

  test('the marker keeps previews of two services apart; the removed body keeps the marker', () => {
    expect(commentMarker('web', 7)).not.toBe(commentMarker('api', 7));
    expect(removedCommentBody({ service: 'web', pr: 7, runUrl: 'https://run' })).toContain(commentMarker('web', 7));
  });
});
