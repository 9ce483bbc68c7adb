import type { LogEvent, LogStore } from './logs-store.js';
import { AwsServiceError, type AwsService } from './types.js';

/**
 * Amazon CloudWatch Logs, the part a deploy tool reads after a task stopped: `GetLogEvents` (one
 * stream, newest page first unless `startFromHead`, with forward and backward tokens) and
 * `FilterLogEvents` (a group's streams interleaved by time, by stream names or a name prefix, and
 * a filter pattern of terms and quoted phrases). The events are those the ECS task runtimes put in
 * the shared log store (logs-store.ts) as the `awslogs` driver would send them.
 */

export const LOGS_TARGET_PREFIX = 'Logs_20140328';

type Body = Record<string, unknown>;

function invalid(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterException', message);
}

/** `logGroupName` or `logGroupIdentifier` (a name or an ARN), exactly one, as CloudWatch Logs requires. */
function groupName(body: Body): string {
  const name = body.logGroupName;
  const identifier = body.logGroupIdentifier;
  if (name !== undefined && identifier !== undefined) {
    throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  if (typeof identifier === 'string') {
    const arn = /^arn:aws[a-z-]*:logs:[^:]*:\d{12}:log-group:([^:]+)(?::\*)?$/.exec(identifier);
    return arn ? arn[1] : identifier;
  }
  if (typeof name === 'string') return name;
  throw invalid('Either logGroupName or logGroupIdentifier must be specified.');
}

function inWindow(event: LogEvent, body: Body): boolean {
  const start = typeof body.startTime === 'number' ? body.startTime : undefined;
  const end = typeof body.endTime === 'number' ? body.endTime : undefined;
  return (start === undefined || event.timestamp >= start) && (end === undefined || event.timestamp < end);
}

const TOKEN = /^([fb])\/(\d{56})$/;

function token(direction: 'f' | 'b', index: number): string {
  return `${direction}/${String(index).padStart(56, '0')}`;
}

/**
 * A filter pattern as CloudWatch Logs reads unstructured events: every term must occur
 * (case-sensitive), a quoted phrase as a whole; `?term ?other` matches an event with any of them;
 * `-term` excludes. JSON and space-delimited patterns are not supported here.
 */
export function matchesFilterPattern(pattern: string | undefined, message: string): boolean {
  if (pattern === undefined || pattern.trim() === '') return true;
  if (/^\s*[{[]/.test(pattern)) {
    throw invalid('This emulator understands term and phrase filter patterns only, not JSON or space-delimited ones.');
  }
  const terms = [...pattern.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)].map((match) => ({
    mode: match[1],
    text: (match[2] ?? match[3]).replace(/\\(.)/g, '$1'),
  }));
  const any = terms.filter((term) => term.mode === '?');
  const all = terms.filter((term) => term.mode === '');
  const none = terms.filter((term) => term.mode === '-');
  return (
    all.every((term) => message.includes(term.text)) &&
    none.every((term) => !message.includes(term.text)) &&
    (any.length === 0 || any.some((term) => message.includes(term.text)))
  );
}

export function createLogsService(store: LogStore): AwsService {
  const operations: Record<string, (body: Body) => unknown> = {
    GetLogEvents(body) {
      const group = groupName(body);
      const stream = String(body.logStreamName);
      if (!store.hasGroup(group))
        throw new AwsServiceError('ResourceNotFoundException', 'The specified log group does not exist.');
      const all = store.get(group, stream);
      if (!all) throw new AwsServiceError('ResourceNotFoundException', 'The specified log stream does not exist.');
      const events = all.filter((event) => inWindow(event, body));
      const limit = typeof body.limit === 'number' ? body.limit : 10_000;
      let start: number;
      let end: number;
      if (typeof body.nextToken === 'string') {
        const parsed = TOKEN.exec(body.nextToken);
        if (!parsed) throw invalid('The specified nextToken is invalid.');
        const index = Math.min(Number(parsed[2]), events.length);
        if (parsed[1] === 'f') {
          start = index;
          end = Math.min(events.length, index + limit);
        } else {
          end = index;
          start = Math.max(0, index - limit);
        }
      } else if (body.startFromHead === true) {
        start = 0;
        end = Math.min(events.length, limit);
      } else {
        end = events.length;
        start = Math.max(0, end - limit);
      }
      return {
        events: events.slice(start, end).map((event) => ({ ...event })),
        nextForwardToken: token('f', end),
        nextBackwardToken: token('b', start),
      };
    },

    FilterLogEvents(body) {
      const group = groupName(body);
      const streams = store.streams(group);
      if (!streams) throw new AwsServiceError('ResourceNotFoundException', 'The specified log group does not exist.');
      const names = body.logStreamNames as string[] | undefined;
      const prefix = body.logStreamNamePrefix as string | undefined;
      if (names !== undefined && prefix !== undefined) {
        throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
      }
      const chosen = streams.filter(
        (stream) =>
          (names === undefined || names.includes(stream.name)) &&
          (prefix === undefined || stream.name.startsWith(prefix)),
      );
      const pattern = body.filterPattern as string | undefined;
      const matched = chosen
        .flatMap((stream) =>
          stream.events.map((event, index) => ({
            logStreamName: stream.name,
            ...event,
            // Unique, and stable across calls: the stream's position in the group and the event's in the stream.
            eventId: `${String(event.timestamp).padStart(20, '0')}${String(streams.indexOf(stream)).padStart(6, '0')}${String(index).padStart(10, '0')}`,
          })),
        )
        .filter((event) => inWindow(event, body) && matchesFilterPattern(pattern, event.message))
        .sort((a, b) => a.timestamp - b.timestamp || (a.eventId < b.eventId ? -1 : 1));
      const limit = typeof body.limit === 'number' ? body.limit : 10_000;
      let start = 0;
      if (typeof body.nextToken === 'string') {
        const parsed = /^offset-(\d+)$/.exec(Buffer.from(body.nextToken, 'base64').toString('utf8'));
        if (!parsed) throw invalid('The specified nextToken is invalid.');
        start = Number(parsed[1]);
      }
      const page = matched.slice(start, start + limit);
      const next =
        start + limit < matched.length ? Buffer.from(`offset-${start + limit}`).toString('base64') : undefined;
      return {
        events: page,
        searchedLogStreams: chosen.map((stream) => ({ logStreamName: stream.name, searchedCompletely: true })),
        ...(next ? { nextToken: next } : {}),
      };
    },
  };

  return {
    name: 'logs',
    targetPrefix: LOGS_TARGET_PREFIX,
    mutatingOperations: new Set(),
    handle(operation, body) {
      const implementation = operations[operation];
      if (!implementation) {
        throw new AwsServiceError(
          'UnknownOperationException',
          `The operation ${operation} is not supported by this emulator.`,
        );
      }
      return implementation(body);
    },
    reset() {
      store.clear();
    },
  };
}
