import { describe, expect, test } from '@jest/globals';
import { SecretFilter } from '../src/secrets.js';

const TOKEN = 's3cr3t-token-value';

describe('SecretFilter', () => {
  test('registers every form the runner should mask: raw, URL-encoded, JSON-escaped, base64', () => {
    const forms = new SecretFilter(['a/b"c d']).forms();
    expect(forms).toEqual(expect.arrayContaining(['a/b"c d', encodeURIComponent('a/b"c d'), 'a/b\\"c d']));
    expect(forms.some((form) => Buffer.from('a/b"c d').toString('base64').includes(form))).toBe(true);
  });

  test('redacts a secret wherever it appears and counts the texts it cleaned', () => {
    const filter = new SecretFilter([TOKEN]);
    expect(filter.redactions).toBe(0);
    expect(filter.redact('nothing here')).toBe('nothing here');
    expect(filter.redactions).toBe(0);
    expect(filter.redact(`Bearer ${TOKEN}; again ${TOKEN}`)).not.toContain(TOKEN);
    expect(filter.redact(`?token=${encodeURIComponent(TOKEN)}`)).not.toContain(TOKEN);
    expect(filter.redactions).toBe(2);
  });

  test('redact keeps working when handed around on its own', () => {
    const { redact } = new SecretFilter([TOKEN]);
    expect(redact(TOKEN)).not.toContain(TOKEN);
  });

  test('redactDeep cleans every string of plain objects and arrays, and leaves other values alone', () => {
    const filter = new SecretFilter([TOKEN]);
    const when = new Date(0);
    const cleaned = filter.redactDeep({ a: [TOKEN, 1, { b: `x${TOKEN}` }], c: true, when, none: undefined });
    expect(JSON.stringify(cleaned)).not.toContain(TOKEN);
    expect(cleaned.a[1]).toBe(1);
    expect(cleaned.c).toBe(true);
    expect(cleaned.when).toBe(when);
    expect(cleaned.none).toBeUndefined();
  });

  test('with no secrets, nothing changes', () => {
    const filter = new SecretFilter([]);
    expect(filter.forms()).toEqual([]);
    expect(filter.redact('Bearer abc')).toBe('Bearer abc');
  });
});
