/**
 * The access log: one JSON line per answered request,
 * `{"level":30,"time":…,"pid":…,"reqId":…,"req":{"method":…,"url":…},"res":{"statusCode":…},"responseTime":…,"msg":"request completed"}`,
 * at `error` with `"msg":"request failed"` for a 5xx.
 *
 * `pinoAccessLog` writes it through any pino logger. `plainAccessLog` writes the very same line for
 * a logger made by `createLogger` (pino with its default formatting, `base: { pid }`, no mixin,
 * redaction, formatters or hooks) by concatenating it, straight into that logger's line writer:
 * pino's generic path (walk the object, look up serializers per key, stringify the nested objects)
 * measured about 4 µs a line against 1 µs, on a request that costs the server 25 µs in all.
 * A test holds the two to the same output.
 */
import type { Logger } from 'pino';
import type { LineSink } from './log-destination.js';

export interface AccessEntry {
  reqId: string;
  method: string;
  url: string;
  statusCode: number;
  /** Milliseconds, rounded to the microsecond. */
  responseTime: number;
}

export type AccessLog = (entry: AccessEntry) => void;

const INFO = 30;

function fields(entry: AccessEntry) {
  return {
    reqId: entry.reqId,
    req: { method: entry.method, url: entry.url },
    res: { statusCode: entry.statusCode },
    responseTime: entry.responseTime,
  };
}

export function pinoAccessLog(logger: Logger): AccessLog {
  return (entry) => {
    if (entry.statusCode >= 500) logger.error(fields(entry), 'request failed');
    else logger.info(fields(entry), 'request completed');
  };
}

/**
 * For a logger from `createLogger` only, writing to `sink`, the stream that logger writes to. Lines
 * for 5xx answers, which are rare and must carry the logger's error handling, still go through pino.
 */
export function plainAccessLog(logger: Logger, sink: LineSink): AccessLog {
  const viaPino = pinoAccessLog(logger);
  const pid = `,"pid":${process.pid}`;
  return (entry) => {
    if (entry.statusCode >= 500) return viaPino(entry);
    // The level can change at run time; pino checks it on every call too.
    if (logger.levelVal > INFO) return;
    sink.write(
      `{"level":30,"time":${Date.now()}${pid},"reqId":${JSON.stringify(entry.reqId)},"req":{"method":${JSON.stringify(entry.method)},"url":${JSON.stringify(entry.url)}},"res":{"statusCode":${entry.statusCode}},"responseTime":${entry.responseTime},"msg":"request completed"}\n`,
    );
  };
}
