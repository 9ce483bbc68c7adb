import { AwsServiceError, type AwsEmulatorEnvironment, type AwsService } from './types.js';

/**
 * CloudWatch Logs, as far as a deploy tool reads it: the log events ECS's `awslogs` driver writes
 * for a task's containers (stream `<awslogs-stream-prefix>/<container>/<task id>` in
 * `awslogs-group`), read back with GetLogEvents, FilterLogEvents and DescribeLogStreams. The store
 * is kept small on purpose (`put`, `get`): the ECS emulator writes into it, tests read it.
 *
 * Held to botocore's `logs` model (2014-03-28) like ECS and ECR: requests and answers are judged
 * by model/judge.ts before and after this file sees them.
 */

export interface StoredLogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

interface StoredStream {
  name: string;
  createdAt: number;
  events: StoredLogEvent[];
}

export class LogStore {
  private readonly groups = new Map<string, { createdAt: number; streams: Map<string, StoredStream> }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Append events to a stream, creating the group and stream as the awslogs driver does (awslogs-create-group). */
  put(group: string, stream: string, events: { timestamp: number; message: string }[]): void {
    let entry = this.groups.get(group);
    if (!entry) {
      entry = { createdAt: this.now(), streams: new Map() };
      this.groups.set(group, entry);
    }
    let target = entry.streams.get(stream);
    if (!target) {
      target = { name: stream, createdAt: this.now(), events: [] };
      entry.streams.set(stream, target);
    }
    for (const event of events) {
      // CloudWatch Logs holds no empty event (a message is at least 1 character, and PutLogEvents
      // refuses one), and Docker's awslogs driver skips the blank lines a container prints.
      if (event.message === '') continue;
      target.events.push({ ...event, ingestionTime: Math.max(event.timestamp, this.now()) });
    }
    target.events.sort((a, b) => a.timestamp - b.timestamp);
  }

  /** A stream's events, oldest first; every stream of the group, by name, when no stream is named; undefined for an unknown group. */
  get(group: string, stream?: string): StoredLogEvent[] | undefined {
    const entry = this.groups.get(group);
    if (!entry) return undefined;
    if (stream !== undefined) return entry.streams.get(stream)?.events.map((event) => ({ ...event }));
    return [...entry.streams.values()].flatMap((s) => s.events.map((event) => ({ ...event })));
  }

  /** The group's streams (for the service below). */
  streams(group: string): StoredStream[] | undefined {
    const entry = this.groups.get(group);
    return entry ? [...entry.streams.values()] : undefined;
  }

  clear(): void {
    this.groups.clear();
  }
}

type Json = Record<string, unknown>;

const TARGET_PREFIX = 'Logs_20140328';

function invalid(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterException', message, 400);
}

function notFound(message: string): AwsServiceError {
  return new AwsServiceError('ResourceNotFoundException', message, 400);
}

/** `logGroupName`, or `logGroupIdentifier` (a name or an ARN `arn:aws:logs:<region>:<account>:log-group:<name>`), not both. */
function groupName(body: Json): string {
  const name = body.logGroupName as string | undefined;
  const identifier = body.logGroupIdentifier as string | undefined;
  if (name !== undefined && identifier !== undefined) {
    throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  const value = name ?? identifier;
  if (value === undefined) throw invalid('Either LogGroupName or LogGroupIdentifier must be specified.');
  const arn = /^arn:aws[a-z-]*:logs:[^:]*:\d{12}:log-group:([^:]+)(?::\*)?$/.exec(value);
  return arn ? arn[1] : value;
}

/** A token is an offset in a sorted list, written as CloudWatch Logs' tokens look (`f/`, `b/` and 56 digits). */
function token(direction: 'f' | 'b', offset: number): string {
  return `${direction}/${String(offset).padStart(56, '0')}`;
}

function readToken(value: unknown, size: number): { direction: 'f' | 'b'; offset: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^([fb])\/(\d{56})$/.exec(String(value));
  if (!match || Number(match[2]) > size) throw invalid('The specified nextToken is invalid.');
  return { direction: match[1] as 'f' | 'b', offset: Number(match[2]) };
}

function pageToken(value: unknown): number {
  if (value === undefined) return 0;
  const offset = Number(
    Buffer.from(String(value), 'base64')
      .toString('utf8')
      .replace(/^offset:/, ''),
  );
  if (!Number.isInteger(offset) || offset < 0) throw invalid('The specified nextToken is invalid.');
  return offset;
}

const nextPage = (offset: number, size: number, total: number) =>
  offset + size < total ? Buffer.from(`offset:${offset + size}`).toString('base64') : undefined;

/**
 * CloudWatch Logs' filter pattern for unstructured events, as far as this emulator needs it: terms
 * that must all appear (case-sensitive), a quoted phrase, `?term` alternatives; an empty pattern matches all.
 */
export function matchesFilterPattern(pattern: string | undefined, message: string): boolean {
  if (pattern === undefined || pattern.trim() === '') return true;
  const terms = [...pattern.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]);
  const optional = terms.filter((term) => term.startsWith('?')).map((term) => term.slice(1));
  const required = terms.filter((term) => !term.startsWith('?'));
  if (optional.length > 0 && !optional.some((term) => message.includes(term))) return false;
  return required.every((term) => (term.startsWith('-') ? !message.includes(term.slice(1)) : message.includes(term)));
}

export interface LogsService extends AwsService {
  store: LogStore;
}

export function createLogsService(
  environment: AwsEmulatorEnvironment,
  store: LogStore,
  /** Called before each request is answered: ECS writes the events due by now (its engine's settle). */
  beforeRequest: () => void = () => undefined,
): LogsService {
  const withinTime = (event: StoredLogEvent, body: Json) =>
    (body.startTime === undefined || event.timestamp >= (body.startTime as number)) &&
    (body.endTime === undefined || event.timestamp < (body.endTime as number));

  function streamsOf(group: string) {
    const streams = store.streams(group);
    if (!streams) throw notFound('The specified log group does not exist.');
    return streams;
  }

  function getLogEvents(body: Json): Json {
    const group = groupName(body);
    const name = String(body.logStreamName);
    const stream = streamsOf(group).find((candidate) => candidate.name === name);
    if (!stream) throw notFound('The specified log stream does not exist.');
    const events = stream.events.filter((event) => withinTime(event, body));
    const limit = (body.limit as number | undefined) ?? 10_000;
    const given = readToken(body.nextToken, events.length);
    // Without a token, startFromHead (default false) picks the oldest or the newest page.
    let start: number;
    let end: number;
    if (given?.direction === 'f' || (!given && body.startFromHead === true)) {
      start = given?.offset ?? 0;
      end = Math.min(events.length, start + limit);
    } else {
      end = given?.offset ?? events.length;
      start = Math.max(0, end - limit);
    }
    return {
      events: events.slice(start, end).map(({ timestamp, message, ingestionTime }) => ({
        timestamp,
        message,
        ingestionTime,
      })),
      nextForwardToken: token('f', end),
      nextBackwardToken: token('b', start),
    };
  }

  function filterLogEvents(body: Json): Json {
    const group = groupName(body);
    const names = body.logStreamNames as string[] | undefined;
    const prefix = body.logStreamNamePrefix as string | undefined;
    if (names !== undefined && prefix !== undefined) {
      throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
    }
    const streams = streamsOf(group).filter(
      (stream) =>
        (names === undefined || names.includes(stream.name)) &&
        (prefix === undefined || stream.name.startsWith(prefix)),
    );
    const events = streams
      .flatMap((stream) =>
        stream.events
          .filter((event) => withinTime(event, body))
          .filter((event) => matchesFilterPattern(body.filterPattern as string | undefined, event.message))
          .map((event) => ({ stream: stream.name, event })),
      )
      .sort((a, b) => a.event.timestamp - b.event.timestamp);
    const limit = (body.limit as number | undefined) ?? 10_000;
    const offset = pageToken(body.nextToken);
    const page = events.slice(offset, offset + limit);
    const next = nextPage(offset, limit, events.length);
    return {
      events: page.map(({ stream, event }, index) => ({
        logStreamName: stream,
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime: event.ingestionTime,
        eventId: String(event.timestamp * 1000 + offset + index).padStart(56, '0'),
      })),
      searchedLogStreams: streams.map((stream) => ({ logStreamName: stream.name, searchedCompletely: true })),
      ...(next ? { nextToken: next } : {}),
    };
  }

  function describeLogStreams(body: Json): Json {
    const group = groupName(body);
    const context = environment.scenario();
    const orderBy = (body.orderBy as string | undefined) ?? 'LogStreamName';
    const prefix = body.logStreamNamePrefix as string | undefined;
    if (prefix !== undefined && orderBy === 'LastEventTime') {
      throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
    }
    const streams = streamsOf(group).filter((stream) => prefix === undefined || stream.name.startsWith(prefix));
    const last = (stream: StoredStream) => stream.events.at(-1)?.timestamp ?? 0;
    streams.sort((a, b) =>
      orderBy === 'LastEventTime' ? last(a) - last(b) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    if (body.descending === true) streams.reverse();
    const limit = (body.limit as number | undefined) ?? 50;
    const offset = pageToken(body.nextToken);
    const next = nextPage(offset, limit, streams.length);
    return {
      logStreams: streams.slice(offset, offset + limit).map((stream) => ({
        logStreamName: stream.name,
        creationTime: stream.createdAt,
        ...(stream.events.length > 0
          ? {
              firstEventTimestamp: stream.events[0].timestamp,
              lastEventTimestamp: last(stream),
              lastIngestionTime: stream.events.at(-1)?.ingestionTime,
            }
          : {}),
        arn: `arn:aws:logs:${context.region}:${context.accountId}:log-group:${group}:log-stream:${stream.name}`,
        storedBytes: 0,
      })),
      ...(next ? { nextToken: next } : {}),
    };
  }

  const operations: Record<string, (body: Json) => Json> = {
    GetLogEvents: getLogEvents,
    FilterLogEvents: filterLogEvents,
    DescribeLogStreams: describeLogStreams,
  };

  return {
    name: 'logs',
    targetPrefix: TARGET_PREFIX,
    mutatingOperations: new Set<string>(),
    store,
    handle(operation, body) {
      const implementation = operations[operation];
      if (!implementation) {
        throw new AwsServiceError(
          'UnknownOperationException',
          `The operation ${operation} is not supported by this emulator.`,
        );
      }
      beforeRequest();
      return implementation(body);
    },
    reset() {
      store.clear();
    },
  };
}
