import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults.js';
import { resolveScenario, type Scenario, type ScenarioInput } from './scenario.js';
import {
  AwsServiceError,
  type AwsEmulatorEnvironment,
  type AwsRequestContext,
  type AwsService,
  type RecordedCall,
} from './types.js';
import { verifySignature } from './sigv4.js';
import { checkRequest, checkResponse, checkError, modelFor } from './model/judge.js';
import { readBody } from './read-body.js';

/**
 * The emulator's HTTP core, shared by every AWS service it emulates: the control routes under
 * `/_emulator/`, plain HTTP routes a service owns (ECR's `/v2/`), and the JSON 1.1 API, where a
 * request is authenticated (SigV4 `Authorization` header, as AWS requires), routed by the service
 * in its credential scope and its `X-Amz-Target`, possibly answered with an injected fault, and
 * logged.
 */

export interface AwsServerOptions {
  services: readonly AwsService[];
  environment: AwsEmulatorEnvironment;
  getScenario(): Scenario;
  setScenario(input: ScenarioInput): Scenario;
  /** Clears every service's state, the call log and the fault counters; the scenario stays. */
  reset(): void;
  calls(): RecordedCall[];
  faults(): FaultInjector;
  /** An answer of the emulator's own that AWS's model forbids (see model/judge.ts). */
  recordProblem(problem: AwsModelProblem): void;
}

/** One answer the service model caught the emulator giving; a test expects none. */
export interface AwsModelProblem {
  service: string;
  operation: string;
  message: string;
}

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export function createAwsServer(options: AwsServerOptions): Server {
  // AWS's own model of each service, read once per process, before the port opens.
  for (const service of options.services) modelFor(service.name);
  return createServer((request, response) => {
    handle(request, response, options).catch((error: unknown) => {
      if (!response.headersSent) {
        sendJson(response, 500, {
          message: `emulator error: ${error instanceof Error ? error.message : String(error)}`,
        });
      } else response.destroy();
    });
  });
}

async function handle(request: IncomingMessage, response: ServerResponse, options: AwsServerOptions): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://emulator');
  if (url.pathname.startsWith('/_emulator/')) return handleControl(request, response, url, options);

  const scenario = options.getScenario();
  const context: AwsRequestContext = {
    region: scenario.region,
    accountId: scenario.accountId,
    now: () => options.environment.clock.now(),
  };
  for (const service of options.services) {
    if (service.routeHttp && (await service.routeHttp(request, response, context))) return;
  }

  const target = request.headers['x-amz-target'];
  if (request.method !== 'POST' || typeof target !== 'string') {
    return sendJson(response, 404, { message: `no route for ${request.method} ${url.pathname}` });
  }
  await handleApiCall(request, response, target, options);
}

async function handleApiCall(
  request: IncomingMessage,
  response: ServerResponse,
  target: string,
  options: AwsServerOptions,
): Promise<void> {
  const started = Date.now();
  const { environment, services } = options;
  const arrivedAt = environment.clock.now();
  const [prefix, operation = ''] = target.split('.', 2);
  const service = services.find((candidate) => candidate.targetPrefix === prefix);
  const body = await readBody(request);
  const scenario = options.getScenario();

  const log = (status: number, extra: Partial<RecordedCall> = {}) =>
    environment.recordCall({
      service: service?.name ?? prefix,
      operation,
      mutating: service?.mutatingOperations.has(operation) ?? false,
      status,
      time: new Date(arrivedAt).toISOString(),
      timeMs: arrivedAt,
      durationMs: Date.now() - started,
      ...extra,
    });
  const fail = (error: AwsServiceError, extra: Partial<RecordedCall> = {}) => {
    log(error.status, { errorType: error.type, ...extra });
    sendError(response, error);
  };

  let parsed: Record<string, unknown>;
  try {
    parsed = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Record<string, unknown>);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
  } catch {
    return fail(new AwsServiceError('SerializationException', 'Request body is not a JSON object', 400));
  }

  const auth = verifySignature(request, body, scenario.credentials);
  if (!auth.ok) return fail(auth.error, { request: parsed });

  if (!service) {
    return fail(new AwsServiceError('UnknownOperationException', `Unknown target prefix ${prefix}`, 400), {
      request: parsed,
    });
  }
  if (auth.scope.service !== service.name) {
    return fail(
      new AwsServiceError(
        'InvalidSignatureException',
        `Credential should be scoped to correct service: '${service.name}'. `,
        400,
      ),
      { request: parsed },
    );
  }

  await options.faults().barrier(service.name, operation);
  const decision = options.faults().decide(service.name, operation);
  if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
  if (decision.fault?.kind === 'throttle' || decision.fault?.kind === 'throttle-burst') {
    return fail(new AwsServiceError('ThrottlingException', 'Rate exceeded', 400), {
      fault: decision.fault.kind,
      request: parsed,
    });
  }
  if (decision.fault?.kind === 'access-denied') {
    const action = `${service.name}:${operation}`;
    return fail(
      new AwsServiceError(
        'AccessDeniedException',
        `User: arn:aws:sts::${scenario.accountId}:assumed-role/deployer/session is not authorized to perform: ${action} on resource: * because no identity-based policy allows the ${action} action`,
        400,
      ),
      { fault: 'access-denied', request: parsed },
    );
  }
  if (decision.fault?.kind === 'server-error') {
    return fail(new AwsServiceError('ServerException', 'Service Unavailable. Please try again later.', 500), {
      fault: 'server-error',
      request: parsed,
    });
  }

  await environment.beforeCall?.(service.name, operation, parsed);
  const context: AwsRequestContext = {
    region: auth.scope.region,
    accountId: scenario.accountId,
    now: () => environment.clock.now(),
  };
  // The model judges the request first, as AWS deserialises and validates it before acting.
  const refusal = checkRequest(service.name, operation, parsed);
  if (refusal) return fail(refusal.error, { request: parsed, modelViolations: refusal.violations });

  const problem = (message: string): AwsServiceError => {
    options.recordProblem({ service: service.name, operation, message });
    return new AwsServiceError('ServerException', `emulator answer breaks the ${service.name} model: ${message}`, 500);
  };
  let result: unknown;
  try {
    result = (await service.handle(operation, parsed, context)) ?? {};
  } catch (error) {
    if (error instanceof AwsServiceError) {
      const undeclared = checkError(service.name, operation, error);
      if (undeclared) return fail(problem(undeclared), { request: parsed, problems: [undeclared] });
      return fail(error, { request: parsed });
    }
    // A bug in the emulator: answer as AWS answers an internal failure, and keep it in the log.
    const detail = error instanceof Error ? error.message : String(error);
    const message = `emulator error in ${operation}: ${detail}`;
    options.recordProblem({ service: service.name, operation, message });
    return fail(new AwsServiceError('InternalFailure', message, 500), { request: parsed, problems: [message] });
  }
  const broken = checkResponse(service.name, operation, result);
  if (broken.length > 0) return fail(problem(broken.join('; ')), { request: parsed, problems: broken });
  if (decision.fault?.kind === 'lost-answer') {
    // Applied, and then the answer is lost: the connection is reset without a byte written back.
    log(200, { fault: 'lost-answer', request: parsed });
    request.socket.resetAndDestroy();
    return;
  }
  if (decision.fault?.kind === 'slow-answer') {
    // Applied, and the answer held past the client's timeout; written if the client still waits.
    log(200, { fault: 'slow-answer', request: parsed });
    await holdAnswer(response, decision.fault.holdMs);
    if (!response.destroyed) sendJson(response, 200, result, JSON_CONTENT_TYPE);
    return;
  }
  log(200, { request: parsed });
  sendJson(response, 200, result, JSON_CONTENT_TYPE);
}

async function handleControl(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  options: AwsServerOptions,
): Promise<void> {
  const route = `${request.method} ${url.pathname}`;
  switch (route) {
    case 'GET /_emulator/health':
      return sendJson(response, 200, { status: 'ok', services: options.services.map((service) => service.name) });
    case 'GET /_emulator/calls': {
      let calls = options.calls();
      const service = url.searchParams.get('service');
      const mutating = url.searchParams.get('mutating');
      if (service) calls = calls.filter((call) => call.service === service);
      if (mutating) calls = calls.filter((call) => String(call.mutating) === mutating);
      return sendJson(response, 200, { calls });
    }
    case 'POST /_emulator/reset':
      options.reset();
      return sendJson(response, 200, { status: 'reset' });
    case 'GET /_emulator/scenario':
      return sendJson(response, 200, options.getScenario());
    case 'PUT /_emulator/scenario': {
      const body = await readBody(request);
      try {
        const scenario = options.setScenario(JSON.parse(body.toString('utf8') || '{}') as ScenarioInput);
        return sendJson(response, 200, scenario);
      } catch (error) {
        return sendJson(response, 400, { message: error instanceof Error ? error.message : String(error) });
      }
    }
    default:
      return sendJson(response, 404, { message: `no control route ${route}` });
  }
}

/** Wait `ms`, or less if the client gives up first (its socket closes) or the server closes. */
function holdAnswer(response: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      response.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    response.once('close', done);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: AwsServiceError): void {
  response.setHeader('x-amzn-errortype', error.type);
  sendJson(response, error.status, { __type: error.type, message: error.message }, JSON_CONTENT_TYPE);
}

export function serverUrl(server: Server, host: string): string {
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${address.port}`;
}

export { resolveScenario };
