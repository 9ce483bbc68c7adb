import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { awsRequestHandlerOptions } from '@shipyard/shared/aws-client';
import { classifyAwsError } from '@shipyard/shared/aws-errors';
import { errorMessage } from '@shipyard/shared/errors';

/**
 * A container's last log lines from CloudWatch Logs, for the containers that log with the
 * `awslogs` driver: what a stopped task or a one-off task said before it ended. The stream is the
 * one ECS names, `<awslogs-stream-prefix>/<container>/<task id>`; without a prefix (possible on
 * EC2) the stream is named after the Docker container id, which the task does not tell, and the
 * lines are not looked for. Reading logs only explains: a failure to read them is a note, never
 * the step's failure.
 */

type Json = Record<string, unknown>;

export interface LogTarget {
  container: string;
  group: string;
  stream: string;
  /** `awslogs-region`, when the container logs to another region than the task's. */
  region?: string;
}

export interface LogTail {
  target: LogTarget;
  lines: string[];
  /** Why there are no lines, when there are none (no stream yet, not allowed). */
  note?: string;
}

/** How many lines a tail shows, and how long a line may be (the rest is cut). */
export const TAIL_LINES = 20;
const LINE_CHARACTERS = 500;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The task id at the end of a task ARN (`…:task/cluster/abc123` is `abc123`). */
export function taskIdOf(taskArn: string): string {
  return taskArn.split('/').pop() ?? taskArn;
}

/** Where a container of `definition` writes its logs in task `taskArn`; undefined when not awslogs with a prefix. */
export function logTarget(definition: Json | undefined, container: string, taskArn: string): LogTarget | undefined {
  const containers = Array.isArray(definition?.containerDefinitions) ? (definition.containerDefinitions as Json[]) : [];
  const found = containers.find((candidate) => isObject(candidate) && candidate.name === container);
  const log = found?.logConfiguration;
  if (!isObject(log) || log.logDriver !== 'awslogs' || !isObject(log.options)) return undefined;
  const group = log.options['awslogs-group'];
  const prefix = log.options['awslogs-stream-prefix'];
  const region = log.options['awslogs-region'];
  if (typeof group !== 'string' || group === '' || typeof prefix !== 'string' || prefix === '') return undefined;
  return {
    container,
    group,
    stream: `${prefix}/${container}/${taskIdOf(taskArn)}`,
    region: typeof region === 'string' && region !== '' ? region : undefined,
  };
}

// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCE = /\u001b\[[0-9;?]*[A-Za-z]/g;
/** Control characters but tab and newline, and the characters that reorder or hide text. */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A log line made safe to print: control characters (escape sequences, carriage returns) removed,
 * cut at LINE_CHARACTERS. Callers print it after a `| ` so that a line a program wrote can never
 * start with `::` and be read by the runner as a workflow command.
 */
export function cleanLine(message: string): string {
  const text = message.replace(ESCAPE_SEQUENCE, '').replace(INVISIBLE, '');
  const line = text.replace(/\n+$/, '').replace(/\n/g, ' ⏎ ');
  return line.length > LINE_CHARACTERS ? `${line.slice(0, LINE_CHARACTERS)}… (cut)` : line;
}

/** The lines as the log prints them, each behind `| `. */
export function formatTail(tail: LogTail): string[] {
  const head = `Last log lines of ${tail.target.container} (${tail.target.group} ${tail.target.stream}):`;
  if (tail.lines.length === 0) return [`${head} ${tail.note ?? 'none'}`];
  return [head, ...tail.lines.map((line) => `  | ${line}`)];
}

export class Logs {
  private readonly clients = new Map<string, CloudWatchLogsClient>();

  constructor(private readonly options: { region: string; maxAttempts: number }) {}

  private client(region = this.options.region): CloudWatchLogsClient {
    let client = this.clients.get(region);
    if (!client) {
      client = new CloudWatchLogsClient({
        region,
        maxAttempts: this.options.maxAttempts,
        retryMode: 'standard',
        requestHandler: awsRequestHandlerOptions(),
      });
      this.clients.set(region, client);
    }
    return client;
  }

  /** The newest `limit` lines of the target's stream, oldest first. */
  async tail(target: LogTarget, limit = TAIL_LINES): Promise<LogTail> {
    try {
      const { events = [] } = await this.client(target.region).send(
        new GetLogEventsCommand({
          logGroupName: target.group,
          logStreamName: target.stream,
          startFromHead: false,
          limit,
        }),
      );
      const lines = events.map((event) => cleanLine(event.message ?? '')).slice(-limit);
      return { target, lines, note: lines.length === 0 ? 'the stream has no events' : undefined };
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (name === 'ResourceNotFoundException') return { target, lines: [], note: 'no such log group or stream' };
      if (classifyAwsError(error) === 'permission') {
        return { target, lines: [], note: 'not allowed to read it (allow logs:GetLogEvents on the log group)' };
      }
      return { target, lines: [], note: `could not read it: ${errorMessage(error)}` };
    }
  }
}
