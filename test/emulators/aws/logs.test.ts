import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { startAwsEmulator, type AwsEmulator } from './index.js';
import { matchesFilterPattern } from './logs.js';

/**
 * The CloudWatch Logs API the emulator answers for what ECS tasks wrote (the log store), through
 * the real SDK: GetLogEvents' pages and tokens, FilterLogEvents across streams, its errors, and
 * every answer judged by botocore's logs model (the harness fails a test on any problem).
 */

let aws: AwsEmulator;
let logs: CloudWatchLogsClient;

const GROUP = '/ecs/web';
const messages = (events: { message?: string }[] | undefined) => (events ?? []).map((event) => event.message);

describe('CloudWatch Logs', () => {
  beforeAll(async () => {
    aws = await startAwsEmulator();
    logs = new CloudWatchLogsClient(aws.clientConfig());
  });
  afterAll(async () => {
    logs?.destroy();
    await aws?.close();
  });
  afterEach(() => aws.reset());

  function seed() {
    aws.logs.store.put(
      GROUP,
      'ecs/web/a',
      ['one', 'two', 'three', 'four', 'five'].map((message, index) => ({ timestamp: 1000 + index * 10, message })),
    );
    aws.logs.store.put(GROUP, 'ecs/web/b', [
      { timestamp: 1005, message: 'Error: boom' },
      { timestamp: 1015, message: 'listening on 8080' },
    ]);
  }

  test('a blank line a container prints is not an event (CloudWatch Logs holds none; the answer stays within the model)', async () => {
    aws.logs.store.put(GROUP, 'ecs/web/c', [
      { timestamp: 1000, message: 'Error: GREETING_URL is not set' },
      { timestamp: 1001, message: '' },
      { timestamp: 1002, message: '    at start (server.js:3:9)' },
    ]);
    const answer = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 'ecs/web/c' }));
    expect(messages(answer.events)).toEqual(['Error: GREETING_URL is not set', '    at start (server.js:3:9)']);
  });

  test('GetLogEvents gives the newest page first, and its tokens page backwards and forwards', async () => {
    seed();
    const last = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 'ecs/web/a', limit: 2 }),
    );
    expect(messages(last.events)).toEqual(['four', 'five']);
    const before = await logs.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 'ecs/web/a',
        limit: 2,
        nextToken: last.nextBackwardToken,
      }),
    );
    expect(messages(before.events)).toEqual(['two', 'three']);
    const first = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 'ecs/web/a', limit: 2, startFromHead: true }),
    );
    expect(messages(first.events)).toEqual(['one', 'two']);
    const next = await logs.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 'ecs/web/a',
        limit: 2,
        nextToken: first.nextForwardToken,
      }),
    );
    expect(messages(next.events)).toEqual(['three', 'four']);
    // At the end the forward token stays put and the page is empty, as CloudWatch Logs answers.
    const end = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 'ecs/web/a', nextToken: last.nextForwardToken }),
    );
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(last.nextForwardToken);
    expect(first.events?.[0]).toEqual({ timestamp: 1000, message: 'one', ingestionTime: expect.any(Number) });
  });

  test('GetLogEvents keeps to startTime (inclusive) and endTime (exclusive)', async () => {
    seed();
    const window = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 'ecs/web/a', startTime: 1010, endTime: 1030 }),
    );
    expect(messages(window.events)).toEqual(['two', 'three']);
  });

  test.each([
    ['an unknown group', { logGroupName: '/ecs/none', logStreamName: 'x' }, 'The specified log group does not exist.'],
    [
      'an unknown stream',
      { logGroupName: GROUP, logStreamName: 'ecs/web/none' },
      'The specified log stream does not exist.',
    ],
  ])('GetLogEvents on %s is ResourceNotFoundException', async (_, input, message) => {
    seed();
    const error = await logs.send(new GetLogEventsCommand(input)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).message).toBe(message);
  });

  test("FilterLogEvents interleaves a group's streams by time and filters by pattern, names and prefix", async () => {
    seed();
    const all = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP }));
    expect(messages(all.events)).toEqual(['one', 'Error: boom', 'two', 'listening on 8080', 'three', 'four', 'five']);
    expect(new Set(all.events?.map((event) => event.eventId)).size).toBe(7);
    const errors = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'Error' }));
    expect(errors.events?.map((event) => [event.logStreamName, event.message])).toEqual([['ecs/web/b', 'Error: boom']]);
    const named = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNames: ['ecs/web/b'] }));
    expect(messages(named.events)).toEqual(['Error: boom', 'listening on 8080']);
    const paged = await logs.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNamePrefix: 'ecs/web/a', limit: 3 }),
    );
    expect(messages(paged.events)).toEqual(['one', 'two', 'three']);
    const rest = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: GROUP,
        logStreamNamePrefix: 'ecs/web/a',
        limit: 3,
        nextToken: paged.nextToken,
      }),
    );
    expect(messages(rest.events)).toEqual(['four', 'five']);
    expect(rest.nextToken).toBeUndefined();
  });

  test.each([
    ['', 'anything', true],
    ['boom', 'Error: boom', true],
    ['boom', 'Error: BOOM', false],
    ['Error boom', 'Error: boom', true],
    ['Error boom', 'Error: bang', false],
    ['"cannot start"', 'boom: cannot start', true],
    ['"cannot start"', 'start cannot', false],
    ['?boom ?bang', 'a bang', true],
    ['?boom ?bang', 'a thud', false],
    ['Error -boom', 'Error: boom', false],
    ['Error -boom', 'Error: bang', true],
  ])('filter pattern %j on %j matches: %s', (pattern, message, expected) => {
    expect(matchesFilterPattern(pattern, message)).toBe(expected);
  });
});
