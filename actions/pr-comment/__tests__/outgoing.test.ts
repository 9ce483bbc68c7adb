import { describe, expect, test } from '@jest/globals';
import { Outgoing } from '../src/outgoing.js';
import { FAKE } from './fixtures/credentials.js';

describe("Outgoing: the action's own secrets in every encoding, and the kinds by shape", () => {
  const token = 'ghs_emulatortoken0000000000000000000000';
  const webhook = 'http://127.0.0.1:4567/slack/services/T0SHIPYARD/B0SHIPYARD/emulatorwebhooksecret000';
  test.each([
    ['raw', token],
    ['URL-encoded', encodeURIComponent(webhook)],
    ['JSON-escaped', JSON.stringify(webhook).slice(1, -1)],
    ['base64', Buffer.from(`x-access-token:${token}`).toString('base64')],
    ['base64 at an offset', Buffer.from(`ab${webhook}`).toString('base64')],
  ])('%s', (_, form) => {
    const outgoing = new Outgoing([token, webhook]);
    const { text, redacted } = outgoing.scan(`before ${form} after`);
    expect(redacted).toBe(true);
    expect(text).not.toContain(form);
    expect(outgoing.redacted).toBe(true);
  });

  test('a text without secrets passes unchanged and leaves no trace', () => {
    const outgoing = new Outgoing([token, webhook]);
    expect(outgoing.scan('Deployed app:1')).toEqual({ text: 'Deployed app:1', redacted: false });
    expect(outgoing.redacted).toBe(false);
  });

  test('deep cleans every string in a structure', () => {
    const outgoing = new Outgoing([]);
    expect(outgoing.deep({ a: [FAKE.ghp, 1, { b: FAKE.xoxb }], c: true })).toEqual({
      a: ['***', 1, { b: '***' }],
      c: true,
    });
  });
});
