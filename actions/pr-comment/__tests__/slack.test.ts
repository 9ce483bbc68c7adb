import { describe, expect, test } from '@jest/globals';
import { blocksProblem } from '@shipyard/emulators/github/slack';
import { escapeMrkdwn, slackAuthor, slackMessage, type SlackFacts } from '../src/slack.js';

const pull = (number: number, author = 'octocat', title = `Change ${number}`) => ({
  number,
  title,
  url: `https://github.com/o/r/pull/${number}`,
  author,
  merged: true,
  fromFork: false,
});

const facts: SlackFacts = {
  status: 'success',
  environment: 'production',
  environmentUrl: 'https://app.example.com/',
  repository: 'o/r',
  serverUrl: 'https://github.com',
  sha: '3f786850e387550fdab836ed7e6dc881de23001b',
  runUrl: 'https://github.com/o/r/actions/runs/1',
  runNumber: '9',
  pulls: [pull(12, 'Alice', 'Faster <builds> & more'), pull(15, 'bob')],
  userMap: new Map([['alice', 'U024BE7LH']]),
};

const texts = (message: ReturnType<typeof slackMessage>) =>
  message.blocks.map((block) => JSON.stringify(block)).join('\n');

describe('the Slack message', () => {
  test.each([
    ['a < b & c > d', 'a &lt; b &amp; c &gt; d'],
    ['plain', 'plain'],
  ])('escapeMrkdwn(%s)', (text, expected) => {
    expect(escapeMrkdwn(text)).toBe(expected);
  });

  test.each([
    ['Alice', '<@U024BE7LH>'],
    ['bob', 'bob'],
    ['<evil>', '&lt;evil&gt;'],
  ])('author %s is %s', (login, expected) => {
    expect(slackAuthor(login, facts.userMap)).toBe(expected);
  });

  test('header, one line a pull request with link and author, and a context line', () => {
    const message = slackMessage(facts);
    expect(message.text).toBe('✅ Deployed to production: #12, #15 (o/r)');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '✅ Deployed to production', emoji: true },
    });
    const section = (message.blocks[1] as { text: { text: string } }).text.text;
    expect(section.split('\n')).toEqual([
      '2 pull requests shipped to *production* (<https://app.example.com/|https://app.example.com/>):',
      '• <https://github.com/o/r/pull/12|#12 Faster &lt;builds&gt; &amp; more> by <@U024BE7LH>',
      '• <https://github.com/o/r/pull/15|#15 Change 15> by bob',
    ]);
    expect(texts(message)).toContain('<https://github.com/o/r/actions/runs/1|run #9>');
    expect(blocksProblem(message.blocks)).toBeUndefined();
  });

  test('a failure and no pull requests still make a valid message', () => {
    const message = slackMessage({ ...facts, status: 'failure', pulls: [], environmentUrl: undefined });
    expect(message.text).toBe('❌ Deployment to production failed: no pull requests (o/r)');
    expect(texts(message)).toContain('No pull request was found for this deployment to *production*.');
    expect(blocksProblem(message.blocks)).toBeUndefined();
  });

  test('hundreds of pull requests stay within Block Kit limits', () => {
    const many = Array.from({ length: 400 }, (_, i) => pull(i + 1, 'octocat', 'x'.repeat(200)));
    const message = slackMessage({ ...facts, pulls: many });
    expect(blocksProblem(message.blocks)).toBeUndefined();
    expect(message.blocks.length).toBeLessThanOrEqual(50);
  });

  test('thousands of pull requests: the notification text within its limit, and the ones past 40 sections counted', () => {
    const many = Array.from({ length: 3000 }, (_, i) => pull(i + 1, 'octocat', 'y'.repeat(250)));
    const message = slackMessage({ ...facts, pulls: many });
    expect(blocksProblem(message.blocks)).toBeUndefined();
    expect(message.text.length).toBeLessThanOrEqual(3000);
    const sections = message.blocks.filter((block) => block.type === 'section');
    expect(sections).toHaveLength(40);
    const shown = texts(message).match(/• /g)?.length ?? 0;
    expect(texts(message)).toContain(`… and ${3000 - shown} more (see the run)`);
  });

  test('a very long environment name is clipped in the header', () => {
    const message = slackMessage({ ...facts, environment: 'e'.repeat(300) });
    expect(blocksProblem(message.blocks)).toBeUndefined();
  });
});
