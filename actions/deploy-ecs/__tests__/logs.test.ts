import { describe, expect, test } from '@jest/globals';
import { cleanLine, formatTail, logTarget, taskIdOf } from '../src/logs.js';

const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef';
const definition = (logConfiguration: unknown) => ({
  family: 'web',
  containerDefinitions: [
    { name: 'app', image: 'web:1', logConfiguration },
    { name: 'proxy', image: 'envoy:1' },
  ],
});

describe('logTarget', () => {
  test('awslogs with a prefix: the stream ECS names <prefix>/<container>/<task id>', () => {
    const target = logTarget(
      definition({ logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' } }),
      'app',
      TASK,
    );
    expect(target).toEqual({
      container: 'app',
      group: '/ecs/web',
      stream: 'ecs/app/0123456789abcdef',
      region: undefined,
    });
  });

  test('awslogs-region is kept', () => {
    const target = logTarget(
      definition({
        logDriver: 'awslogs',
        options: { 'awslogs-group': 'g', 'awslogs-stream-prefix': 'p', 'awslogs-region': 'eu-west-1' },
      }),
      'app',
      TASK,
    );
    expect(target?.region).toBe('eu-west-1');
  });

  test.each([
    ['another driver', { logDriver: 'splunk', options: { 'awslogs-group': 'g', 'awslogs-stream-prefix': 'p' } }, 'app'],
    [
      'no prefix (EC2 names the stream after the Docker id)',
      { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } },
      'app',
    ],
    ['no group', { logDriver: 'awslogs', options: { 'awslogs-stream-prefix': 'p' } }, 'app'],
    ['no log configuration', undefined, 'proxy'],
    [
      'an unknown container',
      { logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-stream-prefix': 'p' } },
      'db',
    ],
  ])('none for %s', (_name, configuration, container) => {
    expect(logTarget(definition(configuration), container, TASK)).toBeUndefined();
  });

  test('the task id is the last part of the ARN', () => {
    expect(taskIdOf(TASK)).toBe('0123456789abcdef');
  });
});

describe('cleanLine and formatTail', () => {
  test.each([
    ['plain', 'Error: listen EADDRINUSE :::3000', 'Error: listen EADDRINUSE :::3000'],
    ['colour codes', '\u001b[31mred\u001b[0m', 'red'],
    ['carriage returns and bells', 'a\rb\u0007c', 'abc'],
    ['bidi overrides', 'a\u202eb', 'ab'],
    ['a trailing newline', 'line\n', 'line'],
    ['an inner newline', 'one\ntwo', 'one ⏎ two'],
  ])('%s', (_name, input, expected) => {
    expect(cleanLine(input)).toBe(expected);
  });

  test('a long line is cut', () => {
    expect(cleanLine('x'.repeat(2000))).toHaveLength(500 + '… (cut)'.length);
  });

  test('lines are printed behind a marker, so none can start with :: (a workflow command)', () => {
    const target = { container: 'app', group: 'g', stream: 's' };
    const lines = formatTail({ target, lines: ['::set-output name=x::y', '::add-mask::z'] });
    expect(lines[0]).toBe('Last log lines of app (g s):');
    for (const line of lines) expect(line.trimStart().startsWith('::')).toBe(false);
    expect(formatTail({ target, lines: [], note: 'no such log group or stream' })).toEqual([
      'Last log lines of app (g s): no such log group or stream',
    ]);
  });
});
