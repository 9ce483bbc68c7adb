/**
 * The log events an emulator keeps, by log group and stream, as CloudWatch Logs keeps what the
 * `awslogs` driver sends: each line a container writes is one event with the time it was written
 * (`timestamp`) and the time it was stored (`ingestionTime`), in the order they arrived. The ECS
 * task runtimes (docker, process) put their containers' output here; the CloudWatch Logs API
 * (logs.ts) reads it.
 */

export interface LogEvent {
  /** When the line was written, epoch milliseconds. */
  timestamp: number;
  message: string;
  /** When the store received it, epoch milliseconds. */
  ingestionTime: number;
}

export interface LogStream {
  name: string;
  createdAt: number;
  events: LogEvent[];
}

/** CloudWatch Logs' own limit on one event (256 KiB with its 26 bytes of overhead). */
const MAX_MESSAGE_BYTES = 256 * 1024 - 26;

export class LogStore {
  private readonly groups = new Map<string, Map<string, LogStream>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Make the group exist (the awslogs driver's `awslogs-create-group`). */
  createGroup(group: string): void {
    if (!this.groups.has(group)) this.groups.set(group, new Map());
  }

  /** Append events to a stream, making the group and stream when they are new. */
  put(group: string, stream: string, events: { timestamp?: number; message: string }[]): void {
    this.createGroup(group);
    const streams = this.groups.get(group) as Map<string, LogStream>;
    let target = streams.get(stream);
    if (!target) {
      target = { name: stream, createdAt: this.now(), events: [] };
      streams.set(stream, target);
    }
    const ingestionTime = this.now();
    for (const event of events) {
      const message =
        Buffer.byteLength(event.message) > MAX_MESSAGE_BYTES
          ? Buffer.from(event.message).subarray(0, MAX_MESSAGE_BYTES).toString('utf8')
          : event.message;
      target.events.push({ timestamp: event.timestamp ?? ingestionTime, message, ingestionTime });
    }
  }

  /** The events of one stream, oldest first (a copy), or undefined when there is no such stream. */
  get(group: string, stream: string): LogEvent[] | undefined {
    const found = this.groups.get(group)?.get(stream);
    return found ? [...found.events] : undefined;
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  /** The streams of a group, by name; undefined when there is no such group. */
  streams(group: string): LogStream[] | undefined {
    const streams = this.groups.get(group);
    return streams ? [...streams.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : undefined;
  }

  clear(): void {
    this.groups.clear();
  }
}
