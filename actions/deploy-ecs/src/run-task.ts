import { randomUUID } from 'node:crypto';
import type {
  CapacityProviderStrategyItem,
  LaunchType,
  NetworkConfiguration,
  RunTaskCommandInput,
  Service,
  Task,
} from '@aws-sdk/client-ecs';

/**
 * A one-off task from the new revision before the rollout (a database migration, say), as the
 * official deploy action's `run-task` runs one, but waited for and judged: the service's network
 * configuration and launch type or capacity provider strategy unless given, a command override,
 * and the verdict from the essential container's exit code. Pure (SDK types only), so inputs.ts
 * checks a one-off task before anything loads the SDK; one-off-task.ts runs it.
 */

type Json = Record<string, unknown>;

export type AssignPublicIp = 'ENABLED' | 'DISABLED';

/** What the step's inputs say about the one-off task; undefined means "as the service has it". */
export interface RunTaskOptions {
  cluster: string;
  /** The container that gets `command`, and whose exit code decides (else the essential ones). */
  container?: string;
  command?: string[];
  /** Whole container overrides, as the official action's `run-task-container-overrides` takes them. */
  containerOverrides?: Json[];
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  subnets?: string[];
  securityGroups?: string[];
  assignPublicIp?: AssignPublicIp;
  startedBy: string;
  tags?: { key: string; value?: string }[];
  enableEcsManagedTags?: boolean;
}

/** The RunTask request: the inputs first, then the service's settings, then what the definition needs. Pure. */
export function runTaskRequest(
  taskDefinitionArn: string,
  definition: Json,
  options: RunTaskOptions,
  service?: Service,
): RunTaskCommandInput {
  const request: RunTaskCommandInput = {
    cluster: options.cluster,
    taskDefinition: taskDefinitionArn,
    count: 1,
    startedBy: options.startedBy,
    clientToken: randomUUID(),
  };
  // Launch type or capacity providers: either given, else the service's, else the definition's.
  if (options.capacityProviderStrategy?.length) request.capacityProviderStrategy = options.capacityProviderStrategy;
  else if (options.launchType) request.launchType = options.launchType;
  else if (service?.capacityProviderStrategy?.length)
    request.capacityProviderStrategy = service.capacityProviderStrategy;
  else if (service?.launchType) request.launchType = service.launchType;
  else request.launchType = defaultLaunchType(definition);
  if (request.launchType === 'FARGATE' && service?.platformVersion && !options.launchType) {
    request.platformVersion = service.platformVersion;
  }

  const network = networkConfiguration(options, service);
  if (network) request.networkConfiguration = network;

  const overrides = (options.containerOverrides ?? []).map((override) => ({ ...override }));
  if (options.command) {
    const container = options.container ?? onlyEssentialContainer(definition);
    const existing = overrides.find((override) => override.name === container);
    if (existing) existing.command = options.command;
    else overrides.push({ name: container, command: options.command });
  }
  if (overrides.length > 0) request.overrides = { containerOverrides: overrides };
  if (options.tags?.length) request.tags = options.tags;
  if (options.enableEcsManagedTags !== undefined) request.enableECSManagedTags = options.enableEcsManagedTags;
  return request;
}

function defaultLaunchType(definition: Json): LaunchType {
  const compatibilities = Array.isArray(definition.requiresCompatibilities) ? definition.requiresCompatibilities : [];
  return compatibilities.includes('FARGATE') || compatibilities.length === 0 ? 'FARGATE' : 'EC2';
}

function networkConfiguration(options: RunTaskOptions, service?: Service): NetworkConfiguration | undefined {
  const fromService = service?.networkConfiguration?.awsvpcConfiguration;
  if (!options.subnets && !options.securityGroups && !options.assignPublicIp) {
    return fromService ? { awsvpcConfiguration: { ...fromService } } : undefined;
  }
  const subnets = options.subnets ?? fromService?.subnets ?? [];
  const securityGroups = options.securityGroups ?? fromService?.securityGroups;
  const assignPublicIp = options.assignPublicIp ?? fromService?.assignPublicIp;
  return {
    awsvpcConfiguration: {
      subnets,
      ...(securityGroups ? { securityGroups } : {}),
      ...(assignPublicIp ? { assignPublicIp } : {}),
    },
  };
}

function essentialContainers(definition: Json): string[] {
  const containers = Array.isArray(definition.containerDefinitions) ? (definition.containerDefinitions as Json[]) : [];
  return containers.filter((container) => container.essential !== false).map((container) => String(container.name));
}

function onlyEssentialContainer(definition: Json): string {
  const essential = essentialContainers(definition);
  return essential.length === 1 ? essential[0] : String((definition.containerDefinitions as Json[])[0]?.name ?? '');
}

/**
 * What stops a RunTask before it is sent, for the definition it will run: a command without a
 * container to give it to, a container the definition lacks, awsvpc without subnets. Returns the
 * problem and which input fixes it, or undefined.
 */
export function runTaskProblem(
  request: RunTaskCommandInput,
  definition: Json,
  options: RunTaskOptions,
):
  | { input: 'run-task-container' | 'run-task-subnets' | 'run-task-container-overrides'; problem: string; fix: string }
  | undefined {
  const names = Array.isArray(definition.containerDefinitions)
    ? (definition.containerDefinitions as Json[]).map((container) => String(container.name))
    : [];
  if (options.container !== undefined && !names.includes(options.container)) {
    return {
      input: 'run-task-container',
      problem: `names a container the task definition does not have`,
      fix: `Its containers are ${names.slice(0, 10).join(', ')}`,
    };
  }
  if (options.command && options.container === undefined && essentialContainers(definition).length !== 1) {
    return {
      input: 'run-task-container',
      problem: `is needed with run-task-command: the task definition has ${essentialContainers(definition).length} essential containers`,
      fix: 'Name the container that gets the command',
    };
  }
  for (const override of options.containerOverrides ?? []) {
    if (!names.includes(String(override.name))) {
      return {
        input: 'run-task-container-overrides',
        problem: 'names a container the task definition does not have',
        fix: `Its containers are ${names.slice(0, 10).join(', ')}`,
      };
    }
  }
  const awsvpc = definition.networkMode === 'awsvpc' || request.launchType === 'FARGATE';
  if (awsvpc && !request.networkConfiguration?.awsvpcConfiguration?.subnets?.length) {
    return {
      input: 'run-task-subnets',
      problem:
        'is needed: the task uses awsvpc networking and there is no service to copy the network configuration from',
      fix: 'Give the subnets (and run-task-security-groups) the task runs in, or a service whose network configuration it copies',
    };
  }
  return undefined;
}

export interface TaskVerdict {
  success: boolean;
  /** The exit code of the deciding container (undefined when it never ran). */
  exitCode?: number;
  container?: string;
  reason: string;
}

/** The verdict on a STOPPED task: every deciding container exited 0. Pure. */
export function taskVerdict(task: Task, definition: Json, decidingContainer?: string): TaskVerdict {
  const deciding = decidingContainer ? [decidingContainer] : essentialContainers(definition);
  const containers = (task.containers ?? []).filter((container) => deciding.includes(container.name ?? ''));
  const stopped = `${task.stopCode ? `${task.stopCode}: ` : ''}${task.stoppedReason ?? 'no reason given'}`;
  if (containers.length === 0) return { success: false, reason: `the task stopped (${stopped})` };
  const failed = containers.find((container) => container.exitCode !== 0);
  if (!failed) {
    const first = containers[0];
    return { success: true, exitCode: 0, container: first.name, reason: `${first.name} exited with code 0` };
  }
  if (failed.exitCode === undefined || failed.exitCode === null) {
    return {
      success: false,
      container: failed.name,
      reason: `${failed.name} never ran to an exit code${failed.reason ? ` (${failed.reason})` : ''}; the task stopped (${stopped})`,
    };
  }
  return {
    success: false,
    exitCode: failed.exitCode,
    container: failed.name,
    reason: `${failed.name} exited with code ${failed.exitCode}${failed.reason ? ` (${failed.reason})` : ''}`,
  };
}
