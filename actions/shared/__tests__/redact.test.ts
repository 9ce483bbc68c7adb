import { describe, expect, test } from '@jest/globals';
import { REDACTED, Redactor } from '../src/redact.js';

const secret = 'hunter2-S3cr3t/value+x';

describe('Redactor', () => {
  const redactor = new Redactor().add(secret);

  test.each([
    ['as it is', `token=${secret};`],
    ['URL-encoded', `https://example.com/?q=${encodeURIComponent(secret)}`],
    ['form-encoded', `q=${encodeURIComponent(`${secret} `).replace(/%20/g, '+')}`],
    ['inside a JSON string', JSON.stringify({ echo: `say "${secret}"` })],
    ['base64', Buffer.from(secret).toString('base64')],
    ['base64 after one byte', Buffer.from(`a${secret}`).toString('base64')],
    ['base64 after two bytes', Buffer.from(`ab${secret}`).toString('base64')],
    ['in a basic authorization header', `Basic ${Buffer.from(`user:${secret}`).toString('base64')}`],
    ['base64url', Buffer.from(`xy${secret}`).toString('base64url')],
  ])('removes the secret %s', (_, text) => {
    const redacted = redactor.redact(text);
    expect(redacted).toContain(REDACTED);
    expect(redacted).not.toContain(secret);
    // No base64 run that still decodes to the secret is left.
    for (const run of redacted.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
      for (const offset of [0, 1, 2, 3]) {
        expect(Buffer.from(run.slice(offset), 'base64').toString('latin1')).not.toContain(secret);
      }
    }
  });

  test('text without the secret is unchanged', () => {
    expect(redactor.redact('nothing to see here')).toBe('nothing to see here');
  });

  test('a JSON escape of a secret with quotes and backslashes is found', () => {
    const tricky = new Redactor().add('p"a\\ss');
    expect(tricky.redact(JSON.stringify({ v: 'p"a\\ss' }))).toBe('{"v":"***"}');
  });

  test('empty and blank values are not registered', () => {
    expect(new Redactor().add('').add('   ').add(undefined).size).toBe(0);
  });

  test('redactDeep walks objects and arrays', () => {
    expect(redactor.redactDeep({ a: [secret, 1, { b: `x${secret}` }], c: null })).toEqual({
      a: [REDACTED, 1, { b: `x${REDACTED}` }],
      c: null,
    });
  });

  test('all() lists every form, for core.setSecret', () => {
    expect(redactor.all()).toEqual(expect.arrayContaining([secret, encodeURIComponent(secret)]));
  });
});
