import { describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { pinoAccessLog, plainAccessLog, type AccessEntry } from '../src/access-log.js';
import { BatchedLineWriter } from '../src/log-destination.js';

/** A sink that keeps every chunk it is given. */
function chunks() {
  const written: string[] = [];
  return { written, sink: { write: (chunk: string) => written.push(chunk) } };
}

/** A logger made as `createLogging` makes it, writing to an array. */
function logger(level = 'info') {
  const { written, sink } = chunks();
  return { written, sink, logger: pino({ level, base: { pid: process.pid } }, sink) };
}

const parsedLines = (written: string[]) =>
  written
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('plainAccessLog', () => {
  const entries: AccessEntry[] = [
    {
      reqId: 'f438304a-429d-409b-933d-a775f4079f1c',
      method: 'GET',
      url: '/health',
      statusCode: 200,
      responseTime: 0.009,
    },
    { reqId: 'Root=1-abc/def+x', method: 'HEAD', url: '/version?x=1', statusCode: 200, responseTime: 12.5 },
    { reqId: 'id', method: 'POST', url: '/health', statusCode: 405, responseTime: 0 },
    // What a client may put in a path: quotes, backslashes, control characters, non-ASCII.
    { reqId: 'id', method: 'GET', url: '/a"b\\c\u0001\u001f/é/😀/%22', statusCode: 404, responseTime: 1 },
    { reqId: 'id', method: 'GET', url: '/boom', statusCode: 500, responseTime: 3.25 },
  ];

  test.each(entries)('writes what pino writes for %j', (entry) => {
    const viaPino = logger();
    const plain = logger();
    pinoAccessLog(viaPino.logger)(entry);
    plainAccessLog(plain.logger, plain.sink)(entry);
    const [expected] = parsedLines(viaPino.written);
    const [actual] = parsedLines(plain.written);
    expect(typeof actual.time).toBe('number');
    // The same keys in the same order, the same values; only the clock may differ.
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    expect({ ...actual, time: 0 }).toEqual({ ...expected, time: 0 });
    expect(plain.written.join('').endsWith('\n')).toBe(true);
  });

  test('honours the logger level, also when it changes at run time', () => {
    const { logger: quiet, written, sink } = logger('warn');
    const log = plainAccessLog(quiet, sink);
    log(entries[0]);
    expect(written).toEqual([]);
    log(entries[4]);
    expect(parsedLines(written)).toMatchObject([{ level: 50, msg: 'request failed' }]);
    quiet.level = 'info';
    log(entries[0]);
    expect(parsedLines(written)[1]).toMatchObject({ level: 30, msg: 'request completed' });
  });
});

describe('BatchedLineWriter', () => {
  test('lines written in one turn reach the sink together, in order, at the end of the turn', async () => {
    const { written, sink } = chunks();
    const writer = new BatchedLineWriter(sink);
    writer.write('a\n');
    writer.write('b\n');
    writer.write('c\n');
    expect(written).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toEqual(['a\nb\nc\n']);
    writer.write('d\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toEqual(['a\nb\nc\n', 'd\n']);
  });

  test('flush writes what is pending at once (as on exit), and nothing when nothing is', () => {
    const { written, sink } = chunks();
    const writer = new BatchedLineWriter(sink);
    writer.flush();
    writer.write('last\n');
    writer.flush();
    expect(written).toEqual(['last\n']);
  });
});
