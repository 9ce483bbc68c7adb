import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from './clock.js';
import type { IdSource } from './faults.js';
import type { Scenario } from './scenario.js';

/**
 * The contract between the AWS emulator's core (HTTP server, SigV4 check, X-Amz-Target dispatch,
 * call log, faults) and each service it emulates (ECS, ECR). A service only sees parsed JSON
 * requests and answers with JSON or throws an `AwsServiceError`; the core writes the wire format.
 */

export interface AwsRequestContext {
  region: string;
  accountId: string;
  /** The emulator's clock in milliseconds; services use it, never Date.now, so tests can drive time. */
  now(): number;
}

export interface AwsService {
  /** The X-Amz-Target prefix, e.g. `AmazonEC2ContainerServiceV20141113`. */
  targetPrefix: string;
  /** The short service name used in the call log, in SigV4 credential scopes and in ARNs (`ecs`, `ecr`). */
  name: string;
  /** Operations that change state; the call log marks them so tests can prove "no mutating call". */
  mutatingOperations: ReadonlySet<string>;
  handle(operation: string, body: Record<string, unknown>, context: AwsRequestContext): Promise<unknown> | unknown;
  /** Plain HTTP routes the service owns (ECR's `/v2/` registry proxy); true when it answered. */
  routeHttp?(request: IncomingMessage, response: ServerResponse, context: AwsRequestContext): Promise<boolean>;
  reset(): void;
  close?(): Promise<void>;
}

/** An error as AWS JSON protocols send it: `{"__type": type, "message": message}` with a status. */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** A fault the scenario injected on purpose (any type a test wants): not judged by the service model. */
    readonly injected = false,
  ) {
    super(message);
    this.name = type;
  }
}

/** One entry of `GET /_emulator/calls`. */
export interface RecordedCall {
  /** Position in the log, from 1. */
  sequence: number;
  service: string;
  operation: string;
  mutating: boolean;
  status: number;
  /** The emulator clock when the call arrived, as ISO 8601, and in milliseconds. */
  time: string;
  timeMs: number;
  durationMs: number;
  /** `__type` of the error answered, if any. */
  errorType?: string;
  /** Set when the error was injected by the scenario's faults rather than caused by the request. */
  fault?: 'throttle' | 'throttle-burst' | 'server-error' | 'access-denied' | 'lost-answer' | 'slow-answer';
  /** The parsed JSON request body (API calls), for tests that check what reached the emulator. */
  request?: unknown;
  /** Why AWS's service model refused the request (every violation found), when it did. */
  modelViolations?: string[];
  /** What the service model caught in the emulator's own answer (then a 500): a test expects none. */
  problems?: string[];
}

/**
 * What every service is built from: the emulator's clock, the current scenario (it may change with
 * `PUT /_emulator/scenario`, so read it when needed rather than once), deterministic ids, and a way
 * to log calls that do not go through the JSON API (ECR's registry proxy).
 */
export interface AwsEmulatorEnvironment {
  clock: Clock;
  scenario(): Scenario;
  ids: IdSource;
  recordCall(call: Omit<RecordedCall, 'sequence'>): void;
  /** An answer of the emulator's own that AWS's model forbids, from a service that judges itself (ELBv2). */
  recordProblem?(problem: { service: string; operation: string; message: string }): void;
  /** Runs before a call is applied: the hooks a test set with `pauseBefore`. */
  beforeCall?(service: string, operation: string, request: Record<string, unknown>): Promise<void>;
}
