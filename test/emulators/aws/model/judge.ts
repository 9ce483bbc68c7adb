import { AwsServiceError } from '../types.js';
import {
  checkShape,
  COMMON_ERRORS,
  serviceModel,
  type ServiceModel,
  type ServiceName,
  type Violation,
} from './index.js';

/**
 * What the emulator's HTTP core asks of the service model on every API call (server.ts):
 *
 * - before a request reaches a service, whether AWS would accept it. A JSON type the model does not
 *   allow (`"memory": "128"`) or a member it does not know is refused while deserialising, as a
 *   400 `SerializationException`; a missing required member, an enum value outside the list, or a
 *   length, range or pattern outside the model's constraints is the service's own validation
 *   error: ECS's `ClientException`, ECR's `InvalidParameterException`;
 * - after the service answered, whether the answer fits the operation's output shape, and whether
 *   an error it threw is one the model lists for that operation (or one every JSON 1.1 operation
 *   can give). Either failure is the emulator's own: a problem, answered with a 500.
 */

const VALIDATION_ERROR: Record<ServiceName, string> = {
  ecs: 'ClientException',
  ecr: 'InvalidParameterException',
  logs: 'InvalidParameterException',
};

function isModelled(name: string): name is ServiceName {
  return name === 'ecs' || name === 'ecr' || name === 'logs';
}

/** The model of a service the emulator speaks, loaded once per process. */
export function modelFor(service: string): ServiceModel | undefined {
  return isModelled(service) ? serviceModel(service) : undefined;
}

export interface Refusal {
  error: AwsServiceError;
  /** Every violation found, for the call log (`modelViolations`). */
  violations: string[];
}

const describe = (violation: Violation) => `${violation.path}: ${violation.message}`;

/** The error AWS answers a request with, or undefined when the model allows it. */
export function checkRequest(service: string, operation: string, body: Record<string, unknown>): Refusal | undefined {
  const model = modelFor(service);
  const input = model?.operations.get(operation)?.input;
  if (!model || !input) return undefined; // not in the model: the service answers UnknownOperationException
  const violations = checkShape(model, input, body, 'request');
  if (violations.length === 0) return undefined;
  // Deserialising comes first, so a wrong type or an unknown member anywhere is what AWS reports.
  const serialization = violations.find(
    (violation) => violation.kind === 'type' || violation.kind === 'unknown-member',
  );
  const first = serialization ?? violations[0];
  const type = serialization ? 'SerializationException' : VALIDATION_ERROR[model.service];
  return { error: new AwsServiceError(type, first.message, 400), violations: violations.map(describe) };
}

/**
 * The botocore series this emulator's answers were checked against. An older model (Debian's
 * python3-botocore 1.29, or the one inside Debian's awscli v2) cannot know members ECS and ECR added
 * since, and AWS's SDKs ignore answer members they do not know, so with an older model an unknown
 * member in an answer is tolerated; every other check stays.
 */
export const STRICT_FROM_BOTOCORE: readonly [number, number] = [1, 43];

function knowsEveryAnswerMember(model: ServiceModel): boolean {
  // botocore's own 1.x line; the botocore inside the AWS CLI v2 is a fork numbered 2.0.0devN, and
  // Debian's (awscli 2.9.19) is from January 2023, so it is judged as an older model.
  const [major = 0, minor = 0] = model.botocoreVersion.split('.').map(Number);
  return major === STRICT_FROM_BOTOCORE[0] && minor >= STRICT_FROM_BOTOCORE[1];
}

/** What is wrong with an answer of the emulator's, as messages; empty when it fits the model. */
export function checkResponse(service: string, operation: string, body: unknown): string[] {
  const model = modelFor(service);
  const output = model?.operations.get(operation)?.output;
  if (!model || !output) return [];
  const strict = knowsEveryAnswerMember(model);
  return checkShape(model, output, body, 'response')
    .filter((violation) => strict || violation.kind !== 'unknown-member')
    .map(describe);
}

/** A message when the model does not list this error for the operation, else undefined. */
export function checkError(service: string, operation: string, error: AwsServiceError): string | undefined {
  const model = modelFor(service);
  const declared = model?.operations.get(operation)?.errors;
  if (!model || !declared || error.injected) return undefined;
  if (declared.has(error.type) || COMMON_ERRORS.has(error.type)) return undefined;
  return `${operation} answered ${error.type}, which the ${service} model does not list for it (${[...declared].join(', ')})`;
}
