import { LogStore } from '../logs.js';
import { AwsServiceError, type AwsEmulatorEnvironment, type AwsRequestContext, type AwsService } from '../types.js';
import { DeploymentEngine, primaryOf, type EngineRuntimeHooks } from './engine.js';
import { readImageConfig, resolveImage, type EcrAccess } from './images.js';
import { ListenerPool, ServiceLoadBalancer } from './load-balancer.js';
import type { TargetGroupMember } from '../elbv2-routing.js';
import { createDockerDriver } from './runtime-docker.js';
import { createProcessDriver } from './runtime-process.js';
import {
  TaskRuntimeController,
  type ContainerDriver,
  type TaskRuntimeKind,
  type TaskRuntimeOptions,
} from './runtime.js';
import {
  type CircuitBreakerConfiguration,
  clusterArn,
  epochSeconds,
  nameFromArnOrName,
  serviceArn,
  taskDefinitionArn,
  type ClusterRecord,
  type DeploymentRecord,
  type Json,
  type ServiceDeploymentRecord,
  type ServiceRecord,
  type TaskDefinitionRecord,
  type TaskRecord,
} from './model.js';
import { serviceDeploymentOperations, readDeploymentConfiguration } from './service-deployments.js';
import {
  clientError,
  invalidParameter,
  paginate,
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringList,
  rejectUnknownKeys,
  requireString,
  validateRegisterRequest,
} from './validation.js';

export { DeploymentEngine } from './engine.js';
export { ServiceLoadBalancer } from './load-balancer.js';
export type { TaskRuntimeKind, TaskRuntimeOptions } from './runtime.js';
export type * from './model.js';

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';

const MUTATING = new Set([
  'CreateCluster',
  'CreateService',
  'UpdateService',
  'DeleteService',
  'RegisterTaskDefinition',
  'DeregisterTaskDefinition',
  'RunTask',
  'StopTask',
  'StopServiceDeployment',
]);

export interface SeedServiceOptions {
  cluster?: string;
  serviceName: string;
  /** A task definition ARN, `family:revision` or family (its latest ACTIVE revision). */
  taskDefinition: string;
  desiredCount?: number;
  launchType?: string;
  circuitBreaker?: CircuitBreakerConfiguration;
  minimumHealthyPercent?: number;
  maximumPercent?: number;
  healthCheckGracePeriodSeconds?: number;
  /** Load-balanced tasks wait for their target's health and drain for the deregistration delay. */
  loadBalancers?: Json[];
  /** The rest of a deploymentConfiguration (strategy, bakeTimeInMinutes, alarms, lifecycleHooks, linear/canary), as CreateService takes it. */
  deploymentConfiguration?: Json;
  networkConfiguration?: Json;
}

export interface EcsServiceOptions {
  /** Where tasks run: simulated (default), docker or process; and the secrets tasks can read. */
  tasks?: TaskRuntimeOptions;
  /** Where the runtimes keep the containers' output (the awslogs driver's destination). */
  logs?: LogStore;
  /** The emulated ECR, from which a real runtime pulls. */
  ecr?: EcrAccess & { issueRegistryPassword(now: number): string };
}

export interface EcsService extends AwsService {
  /** Where tasks run (startAwsEmulator's `tasks.runtime`). */
  readonly taskRuntime: TaskRuntimeKind;
  /** Bind what must be ready before the emulator answers (the load balancers' spare listeners). */
  prepare(): Promise<void>;
  /**
   * The service's local load balancer: `http://127.0.0.1:PORT` (OS-chosen, the same for the life
   * of the service) sending each request to the next healthy running task (round robin), 503 when
   * there is none. Throws when the service does not exist.
   */
  serviceUrl(cluster: string, serviceName: string): string;
  /** The load balancer itself (what it routed, what is in flight), once `serviceUrl` made it. */
  serviceLoadBalancer(cluster: string, serviceName: string): ServiceLoadBalancer | undefined;
  /**
   * The services (not INACTIVE) whose `loadBalancers` name the target group, each with its local
   * load balancer's URL (made if need be) and how many healthy tasks it has now: the targets of an
   * ELBv2 listener's forward action (elbv2-routing.ts).
   */
  targetGroupMembers(targetGroupArn: string): TargetGroupMember[];
  /** A running task's own address (`http://127.0.0.1:<its PORT>`), with a real runtime. */
  taskEndpoint(task: string): string | undefined;
  /** A secret a container definition's `secrets[].valueFrom` can name (ARN, or an SSM parameter name). */
  putSecret(valueFrom: string, value: string): void;
  /**
   * Resolves with the first truthy value of `check`, evaluated now and again after every change a
   * real runtime or the engine's timer makes (no polling); rejects after `timeoutMs` with `what`.
   */
  until<T>(check: () => T | undefined | null | false, what: string, timeoutMs?: number): Promise<T>;
  /** Apply every transition due by now; direct reads call it themselves. */
  settle(): void;
  /** Direct set-up for tests, without HTTP: these do not appear in the call log. */
  seedCluster(name?: string): ClusterRecord;
  seedTaskDefinition(definition: Json): TaskDefinitionRecord;
  /** A service already stable on the given task definition: its deployment COMPLETED, tasks running. */
  seedService(options: SeedServiceOptions): ServiceRecord;
  service(name: string, cluster?: string): ServiceRecord | undefined;
  taskDefinitions(family?: string): TaskDefinitionRecord[];
  tasks(filter?: { serviceName?: string; startedBy?: string }): TaskRecord[];
  /** A service's service deployments, newest first. */
  serviceDeployments(serviceName: string, cluster?: string): ServiceDeploymentRecord[];
  /** The circuit breaker's threshold for a desired count, as ECS computes it. */
  circuitBreakerThreshold(
    desiredCount: number,
    threshold?: CircuitBreakerConfiguration['thresholdConfiguration'],
  ): number;
}

export function createEcsService(environment: AwsEmulatorEnvironment, options: EcsServiceOptions = {}): EcsService {
  const clusters = new Map<string, ClusterRecord>();
  const taskDefinitions = new Map<string, TaskDefinitionRecord>();
  const services = new Map<string, ServiceRecord>();
  const tasks = new Map<string, TaskRecord>();
  const runtimeKind: TaskRuntimeKind = options.tasks?.runtime ?? 'simulated';
  const secrets = new Map(Object.entries(options.tasks?.secrets ?? {}));
  const logs = options.logs ?? new LogStore(() => environment.clock.now());
  const balancers = new Map<string, ServiceLoadBalancer>();
  const listeners = new ListenerPool();
  const serviceOfTask = (task: TaskRecord) =>
    [...services.values()].find(
      (service) => service.clusterArn === task.clusterArn && service.serviceName === task.serviceName,
    );
  let controller: TaskRuntimeController | undefined;
  const hooks: EngineRuntimeHooks | undefined =
    runtimeKind === 'simulated'
      ? undefined
      : {
          start: (task, definition) => controller?.start(task, definition),
          stop: (task) => {
            if (!controller?.has(task.taskArn)) return false;
            const balancer = balancers.get(`${task.clusterArn}/${task.serviceName}`);
            // In-flight requests finish first (bounded by the deregistration delay's real default, 300 s).
            void controller.stop(task.taskArn, balancer?.drained(task.taskId, 300_000));
            return true;
          },
          kill: (task) => void controller?.kill(task.taskArn),
        };
  const engine = new DeploymentEngine(environment, tasks, (arn) => taskDefinitions.get(arn), logs);
  if (hooks) engine.attachRuntime(hooks);
  const watchers = new Set<() => void>();
  const notify = () => {
    for (const watcher of [...watchers]) watcher();
  };
  engine.onChange = notify;
  if (runtimeKind !== 'simulated') {
    const ecr = options.ecr;
    if (!ecr) throw new Error(`the ${runtimeKind} task runtime needs the emulated ECR`);
    const driver: ContainerDriver =
      runtimeKind === 'docker'
        ? createDockerDriver({ registryPassword: () => ecr.issueRegistryPassword(environment.clock.now()) })
        : createProcessDriver({ readImageConfig: (image) => readImageConfig(image, ecr) });
    const withService = (task: TaskRecord, act: (service: ServiceRecord) => void) => {
      const service = serviceOfTask(task);
      if (service) act(service);
      notify();
    };
    controller = new TaskRuntimeController({
      driver,
      logs,
      secrets,
      resolveImage: (image) => resolveImage(image, ecr),
      events: {
        running: (task, info) => withService(task, (service) => engine.runtimeRunning(service, task, info)),
        health: (task, container, status) =>
          withService(task, (service) => engine.runtimeHealth(service, task, container, status)),
        exited: (task, container, exitCode, essential) =>
          withService(task, (service) => engine.runtimeExited(service, task, container, exitCode, essential)),
        stopped: (task, exitCodes) => withService(task, (service) => engine.runtimeStopped(service, task, exitCodes)),
        failedToStart: (task, failure) =>
          withService(task, (service) => engine.runtimeFailedToStart(service, task, failure)),
      },
    });
  }
  const now = () => environment.clock.now();
  const defaultContext = (): AwsRequestContext => ({
    region: environment.scenario().region,
    accountId: environment.scenario().accountId,
    now,
  });

  // ---- lookups ---------------------------------------------------------------------------

  function findCluster(value: unknown, context: AwsRequestContext): ClusterRecord {
    const name = nameFromArnOrName(typeof value === 'string' && value !== '' ? value : 'default', 'cluster');
    const cluster = clusters.get(name);
    if (!cluster || cluster.status !== 'ACTIVE')
      throw new AwsServiceError('ClusterNotFoundException', 'Cluster not found.');
    void context;
    return cluster;
  }

  function serviceKey(cluster: string, name: string): string {
    return `${cluster}/${name}`;
  }

  function findService(cluster: ClusterRecord, value: string): ServiceRecord | undefined {
    return services.get(serviceKey(cluster.clusterName, nameFromArnOrName(value, 'service')));
  }

  /** `family`, `family:revision` or a full ARN; a bare family means its latest ACTIVE revision. */
  function resolveTaskDefinition(value: unknown): TaskDefinitionRecord | undefined {
    if (typeof value !== 'string' || value === '') return undefined;
    const reference = nameFromArnOrName(value, 'task-definition');
    const [family, revisionText] = reference.split(':');
    if (revisionText === undefined) {
      return latestActive(family);
    }
    if (!/^\d+$/.test(revisionText)) return undefined;
    return [...taskDefinitions.values()].find(
      (record) => record.family === family && record.revision === Number(revisionText),
    );
  }

  function latestActive(family: string): TaskDefinitionRecord | undefined {
    return [...taskDefinitions.values()]
      .filter((record) => record.family === family && record.status === 'ACTIVE')
      .sort((a, b) => b.revision - a.revision)[0];
  }

  // ---- shapes ----------------------------------------------------------------------------

  function describeCluster(cluster: ClusterRecord): Json {
    const clusterServices = [...services.values()].filter(
      (s) => s.clusterArn === cluster.clusterArn && s.status === 'ACTIVE',
    );
    const clusterTasks = [...tasks.values()].filter((t) => t.clusterArn === cluster.clusterArn);
    return {
      clusterArn: cluster.clusterArn,
      clusterName: cluster.clusterName,
      status: cluster.status,
      registeredContainerInstancesCount: 0,
      runningTasksCount: clusterTasks.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingTasksCount: clusterTasks.filter((t) => t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING')
        .length,
      activeServicesCount: clusterServices.length,
      statistics: [],
      tags: cluster.tags,
      settings: [{ name: 'containerInsights', value: 'disabled' }],
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [],
    };
  }

  function describeTaskDefinitionRecord(record: TaskDefinitionRecord): Json {
    return {
      ...record.definition,
      taskDefinitionArn: record.arn,
      family: record.family,
      revision: record.revision,
      status: record.status,
      requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
      compatibilities: [
        'EC2',
        ...(((record.definition.requiresCompatibilities as string[]) ?? []).includes('FARGATE') ? ['FARGATE'] : []),
      ],
      registeredAt: epochSeconds(record.registeredAt),
      registeredBy: `arn:aws:sts::${environment.scenario().accountId}:assumed-role/deployer/session`,
      ...(record.deregisteredAt ? { deregisteredAt: epochSeconds(record.deregisteredAt) } : {}),
    };
  }

  function describeDeployment(deployment: DeploymentRecord): Json {
    const own = [...tasks.values()].filter(
      (task) => task.startedBy === deployment.id && task.desiredStatus === 'RUNNING',
    );
    return {
      id: deployment.id,
      status: deployment.status,
      taskDefinition: deployment.taskDefinition,
      desiredCount: deployment.desiredCount,
      pendingCount: own.filter((t) => t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING').length,
      runningCount: own.filter((t) => t.lastStatus === 'RUNNING').length,
      failedTasks: deployment.failedTasks,
      createdAt: epochSeconds(deployment.createdAt),
      updatedAt: epochSeconds(deployment.updatedAt),
      ...(deployment.launchType ? { launchType: deployment.launchType } : {}),
      rolloutState: deployment.rolloutState,
      rolloutStateReason: deployment.rolloutStateReason,
    };
  }

  function describeService(service: ServiceRecord): Json {
    const live = [...tasks.values()].filter(
      (t) =>
        t.serviceName === service.serviceName && t.clusterArn === service.clusterArn && t.desiredStatus === 'RUNNING',
    );
    return {
      serviceArn: service.serviceArn,
      serviceName: service.serviceName,
      clusterArn: service.clusterArn,
      loadBalancers: service.loadBalancers ?? [],
      serviceRegistries: [],
      ...(service.healthCheckGracePeriodSeconds !== undefined
        ? { healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds }
        : {}),
      status: service.status,
      desiredCount: service.desiredCount,
      runningCount: live.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingCount: live.filter((t) => t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING').length,
      ...(service.capacityProviderStrategy?.length
        ? { capacityProviderStrategy: service.capacityProviderStrategy }
        : service.launchType
          ? { launchType: service.launchType }
          : {}),
      ...(service.launchType === 'FARGATE' || service.capacityProviderStrategy?.length
        ? { platformVersion: service.platformVersion ?? 'LATEST', platformFamily: 'Linux' }
        : {}),
      taskDefinition: service.taskDefinition,
      deploymentConfiguration: service.deploymentConfiguration,
      deployments: service.deployments.map(describeDeployment),
      ...currentServiceDeployment(service),
      ...(service.roleArn ? { roleArn: service.roleArn } : {}),
      events: service.events.map((event) => ({
        id: event.id,
        createdAt: epochSeconds(event.createdAt),
        message: event.message,
      })),
      createdAt: epochSeconds(service.createdAt),
      placementConstraints: [],
      placementStrategy: [],
      ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
      schedulingStrategy: 'REPLICA',
      deploymentController: service.deploymentController ?? { type: 'ECS' },
      ...(service.tags?.length ? { tags: service.tags } : {}),
      createdBy: `arn:aws:iam::${environment.scenario().accountId}:role/deployer`,
      enableECSManagedTags: service.enableECSManagedTags,
      propagateTags: service.propagateTags,
      enableExecuteCommand: service.enableExecuteCommand ?? false,
      availabilityZoneRebalancing: 'ENABLED',
    };
  }

  /** The newest service deployment not superseded, and the revisions with tasks (DescribeServices). */
  function currentServiceDeployment(service: ServiceRecord): Json {
    const current = service.serviceDeployments.find(
      (record) => record.status !== 'STOPPED' || record.stoppedAt === undefined,
    );
    const revisions = [
      ...new Set(service.deployments.map((d) => d.serviceRevisionArn).filter((arn): arn is string => !!arn)),
    ];
    return {
      ...(current ? { currentServiceDeployment: current.arn } : {}),
      currentServiceRevisions: revisions.map((arn) => {
        const deployment = service.deployments.find((d) => d.serviceRevisionArn === arn);
        const counts = engine.revisionCounts(arn);
        return {
          arn,
          requestedTaskCount: deployment?.desiredCount ?? counts.requested,
          runningTaskCount: counts.running,
          pendingTaskCount: counts.pending,
        };
      }),
    };
  }

  function describeTask(task: TaskRecord): Json {
    return {
      taskArn: task.taskArn,
      clusterArn: task.clusterArn,
      taskDefinitionArn: task.taskDefinitionArn,
      group: task.group,
      overrides: task.overrides ?? { containerOverrides: [], inferenceAcceleratorOverrides: [] },
      ...(task.capacityProviderName ? { capacityProviderName: task.capacityProviderName } : {}),
      startedBy: task.startedBy,
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
      healthStatus: task.healthStatus,
      containers: task.containers.map((container) => ({
        containerArn: container.containerArn,
        taskArn: task.taskArn,
        name: container.name,
        image: container.image,
        lastStatus: container.lastStatus,
        ...(container.exitCode !== undefined ? { exitCode: container.exitCode } : {}),
        ...(container.reason ? { reason: container.reason } : {}),
        ...(container.healthStatus ? { healthStatus: container.healthStatus } : {}),
        ...(container.hostPort !== undefined
          ? {
              networkBindings: [
                {
                  bindIP: '127.0.0.1',
                  containerPort: container.hostPort,
                  hostPort: container.hostPort,
                  protocol: 'tcp',
                },
              ],
            }
          : {}),
        networkInterfaces: [],
      })),
      createdAt: epochSeconds(task.createdAt),
      ...(task.startedAt
        ? {
            startedAt: epochSeconds(task.startedAt),
            pullStartedAt: epochSeconds(task.createdAt),
            pullStoppedAt: epochSeconds(task.startedAt),
          }
        : {}),
      ...(task.stoppingAt ? { stoppingAt: epochSeconds(task.stoppingAt) } : {}),
      ...(task.stoppedAt
        ? { stoppedAt: epochSeconds(task.stoppedAt), executionStoppedAt: epochSeconds(task.stoppedAt) }
        : {}),
      ...(task.stopCode ? { stopCode: task.stopCode } : {}),
      ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
      ...(task.launchType ? { launchType: task.launchType } : {}),
      ...(task.cpu ? { cpu: task.cpu } : {}),
      ...(task.memory ? { memory: task.memory } : {}),
      version: task.version,
      attachments: [],
      tags: [],
    };
  }

  // ---- operations ------------------------------------------------------------------------

  function createCluster(body: Json, context: AwsRequestContext): Json {
    rejectUnknownKeys(
      body,
      new Set([
        'clusterName',
        'tags',
        'settings',
        'configuration',
        'capacityProviders',
        'defaultCapacityProviderStrategy',
        'serviceConnectDefaults',
      ]),
      'CreateClusterRequest',
    );
    const name = optionalString(body, 'clusterName') ?? 'default';
    if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name)) {
      throw invalidParameter(
        'Cluster name can have up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
      );
    }
    const existing = clusters.get(name);
    if (existing && existing.status === 'ACTIVE') return { cluster: describeCluster(existing) };
    const cluster: ClusterRecord = {
      clusterArn: clusterArn(context.region, context.accountId, name),
      clusterName: name,
      status: 'ACTIVE',
      tags: (body.tags as ClusterRecord['tags'] | undefined) ?? [],
    };
    clusters.set(name, cluster);
    return { cluster: describeCluster(cluster) };
  }

  function describeClusters(body: Json): Json {
    rejectUnknownKeys(body, new Set(['clusters', 'include']), 'DescribeClustersRequest');
    const wanted = optionalStringList(body, 'clusters') ?? ['default'];
    const found: Json[] = [];
    const failures: Json[] = [];
    for (const value of wanted) {
      const cluster = clusters.get(nameFromArnOrName(value, 'cluster'));
      if (cluster) found.push(describeCluster(cluster));
      else
        failures.push({
          arn: value.startsWith('arn:')
            ? value
            : clusterArn(environment.scenario().region, environment.scenario().accountId, value),
          reason: 'MISSING',
        });
    }
    return { clusters: found, failures };
  }

  const SERVICE_KEYS = new Set([
    'cluster',
    'serviceName',
    'taskDefinition',
    'availabilityZoneRebalancing',
    'loadBalancers',
    'serviceRegistries',
    'desiredCount',
    'clientToken',
    'launchType',
    'capacityProviderStrategy',
    'platformVersion',
    'role',
    'deploymentConfiguration',
    'placementConstraints',
    'placementStrategy',
    'networkConfiguration',
    'healthCheckGracePeriodSeconds',
    'schedulingStrategy',
    'deploymentController',
    'tags',
    'enableECSManagedTags',
    'propagateTags',
    'enableExecuteCommand',
    'serviceConnectConfiguration',
    'volumeConfigurations',
    'vpcLatticeConfigurations',
  ]);

  function readCircuitBreaker(body: Json): CircuitBreakerConfiguration | undefined {
    const configuration = body.deploymentConfiguration as Json | undefined;
    const breaker = configuration?.deploymentCircuitBreaker as Json | undefined;
    if (!breaker) return undefined;
    if (typeof breaker.enable !== 'boolean' || typeof breaker.rollback !== 'boolean') {
      throw invalidParameter('deploymentCircuitBreaker requires both enable and rollback.');
    }
    const read: CircuitBreakerConfiguration = { enable: breaker.enable, rollback: breaker.rollback };
    if (typeof breaker.resetOnHealthyTask === 'boolean') read.resetOnHealthyTask = breaker.resetOnHealthyTask;
    const threshold = breaker.thresholdConfiguration as Json | undefined;
    if (threshold !== undefined) {
      if (
        !['COUNT', 'BOUNDED_PERCENT', 'UNBOUNDED_PERCENT'].includes(threshold.type as string) ||
        !Number.isInteger(threshold.value) ||
        (threshold.value as number) < 1
      ) {
        throw invalidParameter('thresholdConfiguration requires a type and a positive integer value.');
      }
      read.thresholdConfiguration = threshold as unknown as CircuitBreakerConfiguration['thresholdConfiguration'];
    }
    return read;
  }

  const PROPAGATE = ['TASK_DEFINITION', 'SERVICE', 'NONE'];

  /** launchType and capacityProviderStrategy exclude each other, as ECS says. */
  function readPlacement(body: Json): { launchType?: string; capacityProviderStrategy?: Json[] } {
    const launchType = optionalString(body, 'launchType');
    const strategy = body.capacityProviderStrategy as Json[] | undefined;
    if (launchType !== undefined && strategy?.length) {
      throw invalidParameter('Specifying both a launch type and capacity provider strategy is not supported.');
    }
    for (const item of strategy ?? []) {
      if (!['FARGATE', 'FARGATE_SPOT'].includes(String(item.capacityProvider))) {
        throw invalidParameter(
          `The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.`,
        );
      }
    }
    return {
      ...(launchType ? { launchType } : {}),
      ...(strategy?.length ? { capacityProviderStrategy: strategy } : {}),
    };
  }

  function createService(body: Json, context: AwsRequestContext): Json {
    rejectUnknownKeys(body, SERVICE_KEYS, 'CreateServiceRequest');
    const cluster = findCluster(body.cluster, context);
    const name = requireString(body, 'serviceName', 'Service name can not be blank.');
    if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name)) {
      throw invalidParameter(
        'Service name can have up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
      );
    }
    const existing = services.get(serviceKey(cluster.clusterName, name));
    if (existing && existing.status === 'ACTIVE') throw invalidParameter('Creation of service was not idempotent.');
    if (existing && existing.status === 'DRAINING') {
      throw invalidParameter('Unable to Start a service that is still Draining.');
    }
    const taskDefinition = resolveTaskDefinition(body.taskDefinition);
    if (!taskDefinition || taskDefinition.status !== 'ACTIVE') {
      throw invalidParameter('TaskDefinition not found.');
    }
    const desiredCount = optionalInteger(body, 'desiredCount') ?? 0;
    if (desiredCount < 0) throw invalidParameter('Desired count must be >= 0.');
    const propagate = optionalString(body, 'propagateTags') ?? 'NONE';
    if (!PROPAGATE.includes(propagate)) throw invalidParameter(`Invalid propagateTags value '${propagate}'.`);
    const placement = readPlacement(body);
    const networkMode = taskDefinition.definition.networkMode;
    if (networkMode === 'awsvpc' && body.networkConfiguration === undefined) {
      throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    }
    const at = context.now();
    const configuration = (body.deploymentConfiguration as Json | undefined) ?? {};
    const loadBalancers = (body.loadBalancers as Json[] | undefined) ?? [];
    const deploymentController = body.deploymentController as { type: string } | undefined;
    const strategyPart = readDeploymentConfiguration(configuration, {}, { loadBalancers, deploymentController });
    const role = optionalString(body, 'role');
    if (role !== undefined && networkMode === 'awsvpc') {
      throw invalidParameter('You cannot specify an IAM role for services that require a service linked role.');
    }
    const service: ServiceRecord = {
      serviceArn: serviceArn(context.region, context.accountId, cluster.clusterName, name),
      serviceName: name,
      clusterArn: cluster.clusterArn,
      clusterName: cluster.clusterName,
      status: 'ACTIVE',
      desiredCount,
      taskDefinition: taskDefinition.arn,
      launchType: placement.capacityProviderStrategy ? undefined : (placement.launchType ?? 'FARGATE'),
      ...(placement.capacityProviderStrategy ? { capacityProviderStrategy: placement.capacityProviderStrategy } : {}),
      ...(optionalString(body, 'platformVersion') ? { platformVersion: optionalString(body, 'platformVersion') } : {}),
      deploymentConfiguration: {
        deploymentCircuitBreaker: readCircuitBreaker(body) ?? { enable: false, rollback: false },
        maximumPercent: (configuration.maximumPercent as number | undefined) ?? 200,
        minimumHealthyPercent: (configuration.minimumHealthyPercent as number | undefined) ?? 100,
        ...strategyPart,
      },
      deployments: [],
      serviceDeployments: [],
      events: [],
      createdAt: at,
      networkConfiguration: body.networkConfiguration as Json | undefined,
      healthCheckGracePeriodSeconds: optionalInteger(body, 'healthCheckGracePeriodSeconds'),
      loadBalancers,
      propagateTags: propagate,
      enableECSManagedTags: optionalBoolean(body, 'enableECSManagedTags') ?? false,
      enableExecuteCommand: optionalBoolean(body, 'enableExecuteCommand') ?? false,
      ...(role
        ? {
            roleArn: role.startsWith('arn:') ? role : `arn:aws:iam::${context.accountId}:role/${role}`,
          }
        : {}),
      ...(deploymentController ? { deploymentController } : {}),
      tags: (body.tags as ServiceRecord['tags']) ?? [],
      extra: {},
    };
    services.set(serviceKey(cluster.clusterName, name), service);
    engine.startDeployment(service, newDeployment(service, taskDefinition.arn, desiredCount, at), at);
    return { service: describeService(service) };
  }

  function newDeployment(
    service: ServiceRecord,
    taskDefinition: string,
    desiredCount: number,
    at: number,
  ): DeploymentRecord {
    const id = engine.newDeploymentId();
    return {
      id,
      status: 'PRIMARY',
      taskDefinition,
      desiredCount,
      failedTasks: 0,
      createdAt: at,
      updatedAt: at,
      launchType: service.launchType,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment ${id} in progress.`,
      rolloutStateChangedAt: at,
      draining: false,
    };
  }

  function updateService(body: Json, context: AwsRequestContext): Json {
    rejectUnknownKeys(
      body,
      new Set([
        'cluster',
        'service',
        'desiredCount',
        'taskDefinition',
        'capacityProviderStrategy',
        'deploymentConfiguration',
        'availabilityZoneRebalancing',
        'networkConfiguration',
        'placementConstraints',
        'placementStrategy',
        'platformVersion',
        'forceNewDeployment',
        'healthCheckGracePeriodSeconds',
        'deploymentController',
        'enableExecuteCommand',
        'enableECSManagedTags',
        'loadBalancers',
        'propagateTags',
        'serviceRegistries',
        'serviceConnectConfiguration',
        'volumeConfigurations',
        'vpcLatticeConfigurations',
      ]),
      'UpdateServiceRequest',
    );
    const cluster = findCluster(body.cluster, context);
    const name = requireString(body, 'service', 'Service can not be blank.');
    const service = findService(cluster, name);
    if (!service) throw new AwsServiceError('ServiceNotFoundException', 'Service not found.');
    if (service.status !== 'ACTIVE') throw new AwsServiceError('ServiceNotActiveException', 'Service was not ACTIVE.');
    const at = context.now();

    const desiredCount = optionalInteger(body, 'desiredCount');
    if (desiredCount !== undefined && desiredCount < 0) throw invalidParameter('Desired count must be >= 0.');
    let taskDefinitionArnWanted = service.taskDefinition;
    if (body.taskDefinition !== undefined) {
      const record = resolveTaskDefinition(body.taskDefinition);
      if (!record) throw invalidParameter('TaskDefinition not found.');
      if (record.status !== 'ACTIVE' && record.arn !== service.taskDefinition) {
        throw clientError(`TaskDefinition is inactive: ${record.arn}`);
      }
      taskDefinitionArnWanted = record.arn;
    }
    const loadBalancers = Array.isArray(body.loadBalancers) ? (body.loadBalancers as Json[]) : service.loadBalancers;
    // Validated before anything changes: a refused strategy leaves the service as it was.
    const strategyPart = readDeploymentConfiguration(
      body.deploymentConfiguration as Json | undefined,
      service.deploymentConfiguration,
      { loadBalancers, deploymentController: service.deploymentController },
    );
    const placement = body.capacityProviderStrategy !== undefined ? readPlacement(body) : undefined;
    const breaker = readCircuitBreaker(body);
    if (breaker) service.deploymentConfiguration.deploymentCircuitBreaker = breaker;
    Object.assign(service.deploymentConfiguration, strategyPart);
    const configuration = (body.deploymentConfiguration as Json | undefined) ?? {};
    for (const key of ['maximumPercent', 'minimumHealthyPercent'] as const) {
      if (typeof configuration[key] === 'number') service.deploymentConfiguration[key] = configuration[key];
    }
    if (placement?.capacityProviderStrategy) {
      service.capacityProviderStrategy = placement.capacityProviderStrategy;
      service.launchType = undefined;
    }
    const grace = optionalInteger(body, 'healthCheckGracePeriodSeconds');
    if (grace !== undefined) service.healthCheckGracePeriodSeconds = grace;
    if (Array.isArray(body.loadBalancers)) service.loadBalancers = body.loadBalancers as Json[];
    const propagate = optionalString(body, 'propagateTags');
    if (propagate !== undefined) {
      if (!PROPAGATE.includes(propagate)) throw invalidParameter(`Invalid propagateTags value '${propagate}'.`);
      service.propagateTags = propagate;
    }
    const managedTags = optionalBoolean(body, 'enableECSManagedTags');
    if (managedTags !== undefined) service.enableECSManagedTags = managedTags;
    const execute = optionalBoolean(body, 'enableExecuteCommand');
    if (execute !== undefined) service.enableExecuteCommand = execute;
    if (body.networkConfiguration !== undefined) service.networkConfiguration = body.networkConfiguration as Json;

    const force = optionalBoolean(body, 'forceNewDeployment') ?? false;
    if (desiredCount !== undefined) service.desiredCount = desiredCount;
    if (force || taskDefinitionArnWanted !== service.taskDefinition) {
      engine.startDeployment(service, newDeployment(service, taskDefinitionArnWanted, service.desiredCount, at), at);
    } else if (desiredCount !== undefined) {
      engine.scale(service, desiredCount, at);
    }
    return { service: describeService(service) };
  }

  function deleteService(body: Json, context: AwsRequestContext): Json {
    const cluster = findCluster(body.cluster, context);
    const service = findService(cluster, String(body.service));
    if (!service || service.status === 'INACTIVE') {
      throw new AwsServiceError('ServiceNotFoundException', 'Service not found.');
    }
    const force = optionalBoolean(body, 'force') ?? false;
    if (service.status === 'ACTIVE' && service.desiredCount > 0 && !force) {
      throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
    }
    if (service.status === 'DRAINING') return { service: describeService(service) };
    const at = context.now();
    engine.deleteService(service, at);
    return { service: describeService(service) };
  }

  function listServices(body: Json, context: AwsRequestContext): Json {
    const cluster = findCluster(body.cluster, context);
    const launchType = optionalString(body, 'launchType');
    const matching = [...services.values()].filter(
      (service) =>
        service.clusterArn === cluster.clusterArn &&
        service.status !== 'INACTIVE' &&
        (launchType === undefined || service.launchType === launchType),
    );
    const { page, next } = paginate(
      matching.map((service) => service.serviceArn),
      body,
      10,
    ) as { page: string[]; next?: string };
    return { serviceArns: page, ...(next ? { nextToken: next } : {}) };
  }

  function runTask(body: Json, context: AwsRequestContext): Json {
    const cluster = findCluster(body.cluster, context);
    const record = resolveTaskDefinition(body.taskDefinition);
    if (!record) throw invalidParameter('TaskDefinition not found.');
    if (record.status !== 'ACTIVE') throw clientError(`TaskDefinition is inactive: ${record.arn}`);
    const count = optionalInteger(body, 'count') ?? 1;
    if (count < 1 || count > 10) throw invalidParameter('count must be between 1 and 10.');
    const placement = readPlacement(body);
    if (record.definition.networkMode === 'awsvpc' && body.networkConfiguration === undefined) {
      throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    }
    const launchType = placement.capacityProviderStrategy ? undefined : (placement.launchType ?? 'FARGATE');
    if (
      launchType === 'FARGATE' &&
      !((record.definition.requiresCompatibilities as string[] | undefined) ?? []).includes('FARGATE')
    ) {
      throw clientError('Task definition does not support launch_type FARGATE.');
    }
    const overrides = body.overrides as Json | undefined;
    const names = new Set(
      ((record.definition.containerDefinitions as Json[] | undefined) ?? []).map((container) => container.name),
    );
    for (const override of (overrides?.containerOverrides as Json[] | undefined) ?? []) {
      if (override.name === undefined || !names.has(override.name)) {
        throw invalidParameter(
          `Override for container named ${String(override.name)} is not a container in the TaskDefinition.`,
        );
      }
    }
    const at = context.now();
    const started: TaskRecord[] = [];
    for (let i = 0; i < count; i += 1) {
      const task = engine.createTaskRecord({
        clusterArn: cluster.clusterArn,
        serviceName: '',
        taskDefinitionArn: record.arn,
        startedBy: optionalString(body, 'startedBy') ?? '',
        group: optionalString(body, 'group') ?? `family:${record.family}`,
        launchType,
        capacityProviderName: placement.capacityProviderStrategy?.[0]?.capacityProvider as string | undefined,
        overrides: {
          containerOverrides: (overrides?.containerOverrides as Json[] | undefined) ?? [],
          inferenceAcceleratorOverrides: [],
          ...Object.fromEntries(
            Object.entries(overrides ?? {}).filter(([key]) => !['containerOverrides'].includes(key)),
          ),
        },
        oneOff: true,
        at,
      });
      engine.startOneOff(task, at);
      started.push(task);
    }
    return { tasks: started.map(describeTask), failures: [] };
  }

  function stopTask(body: Json, context: AwsRequestContext): Json {
    const cluster = findCluster(body.cluster, context);
    const id = String(body.task).split('/').pop() ?? '';
    const task = [...tasks.values()].find(
      (candidate) => candidate.clusterArn === cluster.clusterArn && candidate.taskId === id,
    );
    if (!task) throw invalidParameter('The referenced task was not found.');
    const service = task.serviceName ? findService(cluster, task.serviceName) : undefined;
    engine.stopTask(task, optionalString(body, 'reason') ?? 'Task stopped by user', context.now(), service);
    return { task: describeTask(task) };
  }

  function describeServices(body: Json, context: AwsRequestContext): Json {
    rejectUnknownKeys(body, new Set(['cluster', 'services', 'include']), 'DescribeServicesRequest');
    const cluster = findCluster(body.cluster, context);
    const wanted = optionalStringList(body, 'services');
    if (!wanted || wanted.length === 0) throw invalidParameter('Services cannot be empty.');
    if (wanted.length > 10) throw invalidParameter('Services cannot have more than 10 items.');
    const found: Json[] = [];
    const failures: Json[] = [];
    for (const value of wanted) {
      const service = findService(cluster, value);
      if (service) found.push(describeService(service));
      else
        failures.push({
          arn: value.startsWith('arn:')
            ? value
            : serviceArn(context.region, context.accountId, cluster.clusterName, value),
          reason: 'MISSING',
        });
    }
    return { services: found, failures };
  }

  function registerTaskDefinition(body: Json, context: AwsRequestContext): Json {
    const definition = validateRegisterRequest(body);
    const family = String(definition.family);
    const revision =
      1 + Math.max(0, ...[...taskDefinitions.values()].filter((r) => r.family === family).map((r) => r.revision));
    const record: TaskDefinitionRecord = {
      arn: taskDefinitionArn(context.region, context.accountId, family, revision),
      family,
      revision,
      status: 'ACTIVE',
      definition,
      tags: (body.tags as TaskDefinitionRecord['tags'] | undefined) ?? [],
      registeredAt: context.now(),
    };
    taskDefinitions.set(record.arn, record);
    return { taskDefinition: describeTaskDefinitionRecord(record), tags: record.tags };
  }

  function describeTaskDefinition(body: Json): Json {
    rejectUnknownKeys(body, new Set(['taskDefinition', 'include']), 'DescribeTaskDefinitionRequest');
    requireString(body, 'taskDefinition', 'TaskDefinition can not be blank.');
    const record = resolveTaskDefinition(body.taskDefinition);
    if (!record) throw clientError('Unable to describe task definition.');
    const include = optionalStringList(body, 'include') ?? [];
    return {
      taskDefinition: describeTaskDefinitionRecord(record),
      ...(include.includes('TAGS') ? { tags: record.tags } : {}),
    };
  }

  function deregisterTaskDefinition(body: Json, context: AwsRequestContext): Json {
    rejectUnknownKeys(body, new Set(['taskDefinition']), 'DeregisterTaskDefinitionRequest');
    const value = requireString(body, 'taskDefinition', 'TaskDefinition can not be blank.');
    if (!nameFromArnOrName(value, 'task-definition').includes(':')) {
      throw clientError(
        'Revision number is required to deregister a task definition (family:revision or the full ARN).',
      );
    }
    const record = resolveTaskDefinition(value);
    if (!record) throw clientError('The specified task definition does not exist.');
    if (record.status === 'ACTIVE') {
      record.status = 'INACTIVE';
      record.deregisteredAt = context.now();
    }
    return { taskDefinition: describeTaskDefinitionRecord(record) };
  }

  function listTaskDefinitions(body: Json): Json {
    rejectUnknownKeys(
      body,
      new Set(['familyPrefix', 'status', 'sort', 'nextToken', 'maxResults']),
      'ListTaskDefinitionsRequest',
    );
    const family = optionalString(body, 'familyPrefix');
    const status = optionalString(body, 'status') ?? 'ACTIVE';
    const sort = optionalString(body, 'sort') ?? 'ASC';
    if (!['ASC', 'DESC'].includes(sort)) throw invalidParameter(`Invalid sort '${sort}'.`);
    const records = [...taskDefinitions.values()]
      .filter((record) => record.status === status && (family === undefined || record.family === family))
      .sort((a, b) => (a.family === b.family ? a.revision - b.revision : a.family < b.family ? -1 : 1));
    if (sort === 'DESC') records.reverse();
    const { page, next } = paginate(
      records.map((record) => record.arn),
      body,
      100,
    ) as { page: string[]; next?: string };
    return { taskDefinitionArns: page, ...(next ? { nextToken: next } : {}) };
  }

  function listTasks(body: Json, context: AwsRequestContext): Json {
    rejectUnknownKeys(
      body,
      new Set([
        'cluster',
        'containerInstance',
        'family',
        'nextToken',
        'maxResults',
        'startedBy',
        'serviceName',
        'desiredStatus',
        'launchType',
      ]),
      'ListTasksRequest',
    );
    const cluster = findCluster(body.cluster, context);
    const serviceName = optionalString(body, 'serviceName');
    const family = optionalString(body, 'family');
    const startedBy = optionalString(body, 'startedBy');
    const desiredStatus = optionalString(body, 'desiredStatus') ?? 'RUNNING';
    if (serviceName !== undefined && !findService(cluster, serviceName))
      throw new AwsServiceError('ServiceNotFoundException', 'Service not found.');
    const matching = [...tasks.values()].filter(
      (task) =>
        task.clusterArn === cluster.clusterArn &&
        (serviceName === undefined || task.serviceName === nameFromArnOrName(serviceName, 'service')) &&
        (startedBy === undefined || task.startedBy === startedBy) &&
        (family === undefined ||
          nameFromArnOrName(task.taskDefinitionArn, 'task-definition').split(':')[0] === family) &&
        (desiredStatus === 'STOPPED' ? task.desiredStatus === 'STOPPED' : task.desiredStatus === 'RUNNING'),
    );
    const { page, next } = paginate(
      matching.map((task) => task.taskArn),
      body,
      100,
    ) as { page: string[]; next?: string };
    return { taskArns: page, ...(next ? { nextToken: next } : {}) };
  }

  function describeTasks(body: Json, context: AwsRequestContext): Json {
    rejectUnknownKeys(body, new Set(['cluster', 'tasks', 'include']), 'DescribeTasksRequest');
    const cluster = findCluster(body.cluster, context);
    const wanted = optionalStringList(body, 'tasks');
    if (!wanted || wanted.length === 0) throw invalidParameter('Tasks cannot be empty.');
    if (wanted.length > 100) throw invalidParameter('Tasks cannot have more than 100 items.');
    const found: Json[] = [];
    const failures: Json[] = [];
    for (const value of wanted) {
      const id = value.split('/').pop() ?? value;
      const task = [...tasks.values()].find(
        (candidate) => candidate.clusterArn === cluster.clusterArn && candidate.taskId === id,
      );
      if (task) found.push(describeTask(task));
      else failures.push({ arn: value, reason: 'MISSING' });
    }
    return { tasks: found, failures };
  }

  const operations: Record<string, (body: Json, context: AwsRequestContext) => Json> = {
    CreateCluster: createCluster,
    DescribeClusters: describeClusters,
    CreateService: createService,
    UpdateService: updateService,
    DescribeServices: describeServices,
    RegisterTaskDefinition: registerTaskDefinition,
    DescribeTaskDefinition: describeTaskDefinition,
    DeregisterTaskDefinition: deregisterTaskDefinition,
    ListTaskDefinitions: listTaskDefinitions,
    ListTasks: listTasks,
    DescribeTasks: describeTasks,
    DeleteService: deleteService,
    ListServices: listServices,
    RunTask: runTask,
    StopTask: stopTask,
    ...serviceDeploymentOperations({
      engine,
      services: () => services.values(),
      findService(body, context) {
        const cluster = findCluster(body.cluster, context);
        const service = findService(cluster, String(body.service));
        if (!service) throw new AwsServiceError('ServiceNotFoundException', 'Service not found.');
        return service;
      },
    }),
  };

  return {
    name: 'ecs',
    targetPrefix: TARGET_PREFIX,
    mutatingOperations: MUTATING,

    handle(operation, body, context) {
      const implementation = operations[operation];
      if (!implementation) {
        throw new AwsServiceError(
          'UnknownOperationException',
          `The operation ${operation} is not supported by this emulator.`,
        );
      }
      engine.settle();
      return implementation(body, context);
    },

    reset() {
      void controller?.killAll();
      for (const balancer of balancers.values()) void balancer.close();
      balancers.clear();
      clusters.clear();
      taskDefinitions.clear();
      services.clear();
      tasks.clear();
      engine.reset();
      logs?.clear();
    },

    taskRuntime: runtimeKind,

    async prepare() {
      try {
        await controller?.init();
      } catch (error) {
        await controller?.close();
        await listeners.close();
        throw error;
      }
      await listeners.fill();
    },

    async close() {
      engine.dispose();
      await controller?.close();
      await Promise.all([...balancers.values()].map((balancer) => balancer.close()));
      balancers.clear();
      await listeners.close();
    },

    serviceUrl(cluster, serviceName) {
      engine.settle();
      const clusterName = nameFromArnOrName(cluster || 'default', 'cluster');
      const service = services.get(serviceKey(clusterName, nameFromArnOrName(serviceName, 'service')));
      if (!service) throw new Error(`serviceUrl: no service '${serviceName}' in cluster '${clusterName}'`);
      const key = `${service.clusterArn}/${service.serviceName}`;
      let balancer = balancers.get(key);
      if (!balancer) {
        balancer = new ServiceLoadBalancer(
          listeners.take(),
          () => {
            engine.settle();
            return [...tasks.values()]
              .filter(
                (task) =>
                  task.clusterArn === service.clusterArn &&
                  task.serviceName === service.serviceName &&
                  engine.isReady(task, service),
              )
              .flatMap((task) => {
                const port = controller?.endpoint(task.taskArn);
                return port === undefined ? [] : [{ taskId: task.taskId, port }];
              });
          },
          // Requests beginning and ending are changes `until` re-checks on (after the current step).
          () => queueMicrotask(notify),
        );
        balancers.set(key, balancer);
      }
      return balancer.url;
    },

    targetGroupMembers(targetGroupArn) {
      engine.settle();
      return [...services.values()]
        .filter(
          (service) =>
            service.status !== 'INACTIVE' &&
            (service.loadBalancers ?? []).some((entry) => entry.targetGroupArn === targetGroupArn),
        )
        .map((service) => {
          const url = this.serviceUrl(service.clusterName, service.serviceName);
          const balancer = balancers.get(`${service.clusterArn}/${service.serviceName}`);
          return {
            cluster: service.clusterName,
            serviceName: service.serviceName,
            url,
            healthy: balancer?.healthyTargets().length ?? 0,
          };
        });
    },

    serviceLoadBalancer(cluster, serviceName) {
      const clusterName = nameFromArnOrName(cluster || 'default', 'cluster');
      const service = services.get(serviceKey(clusterName, nameFromArnOrName(serviceName, 'service')));
      return service ? balancers.get(`${service.clusterArn}/${service.serviceName}`) : undefined;
    },

    taskEndpoint(task) {
      engine.settle();
      const id = task.split('/').pop() ?? task;
      const record = [...tasks.values()].find((candidate) => candidate.taskId === id);
      const port = record ? controller?.endpoint(record.taskArn) : undefined;
      return port === undefined ? undefined : `http://127.0.0.1:${port}`;
    },

    putSecret(valueFrom, value) {
      secrets.set(valueFrom, value);
    },

    until(check, what, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const watcher = () => {
          engine.settle();
          let value;
          try {
            value = check();
          } catch (error) {
            watchers.delete(watcher);
            clearTimeout(timer);
            reject(error as Error);
            return;
          }
          if (!value) return;
          watchers.delete(watcher);
          clearTimeout(timer);
          resolve(value);
        };
        const timer = setTimeout(() => {
          watchers.delete(watcher);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        watchers.add(watcher);
        watcher();
      });
    },

    settle: () => engine.settle(),

    seedCluster(name = 'default') {
      createCluster({ clusterName: name }, defaultContext());
      return clusters.get(name) as ClusterRecord;
    },

    seedTaskDefinition(definition) {
      const { taskDefinition } = registerTaskDefinition(definition, defaultContext()) as { taskDefinition: Json };
      return taskDefinitions.get(String(taskDefinition.taskDefinitionArn)) as TaskDefinitionRecord;
    },

    seedService(options) {
      engine.settle();
      const context = defaultContext();
      const clusterName = options.cluster ?? 'default';
      if (!clusters.has(clusterName)) createCluster({ clusterName }, context);
      const cluster = clusters.get(clusterName) as ClusterRecord;
      const taskDefinition = resolveTaskDefinition(options.taskDefinition);
      if (!taskDefinition) throw new Error(`seedService: no task definition '${options.taskDefinition}'`);
      const at = context.now();
      const desiredCount = options.desiredCount ?? 1;
      const loadBalancers = options.loadBalancers ?? [];
      const strategyPart = readDeploymentConfiguration(options.deploymentConfiguration, {}, { loadBalancers });
      const service: ServiceRecord = {
        serviceArn: serviceArn(context.region, context.accountId, clusterName, options.serviceName),
        serviceName: options.serviceName,
        clusterArn: cluster.clusterArn,
        clusterName,
        status: 'ACTIVE',
        desiredCount,
        taskDefinition: taskDefinition.arn,
        launchType: options.launchType ?? 'FARGATE',
        deploymentConfiguration: {
          deploymentCircuitBreaker: options.circuitBreaker ?? { enable: false, rollback: false },
          maximumPercent: options.maximumPercent ?? 200,
          minimumHealthyPercent: options.minimumHealthyPercent ?? 100,
          ...strategyPart,
        },
        healthCheckGracePeriodSeconds: options.healthCheckGracePeriodSeconds,
        loadBalancers,
        ...(options.networkConfiguration ? { networkConfiguration: options.networkConfiguration } : {}),
        deployments: [],
        serviceDeployments: [],
        events: [],
        createdAt: at,
        propagateTags: 'NONE',
        enableECSManagedTags: false,
        extra: {},
      };
      services.set(serviceKey(clusterName, options.serviceName), service);
      engine.seedSteadyDeployment(service, newDeployment(service, taskDefinition.arn, desiredCount, at), at);
      engine.writeEvent(service, at, `(service ${options.serviceName}) has reached a steady state.`);
      return service;
    },

    service(name, cluster = 'default') {
      engine.settle();
      return services.get(serviceKey(cluster, name));
    },

    taskDefinitions(family) {
      engine.settle();
      return [...taskDefinitions.values()].filter((record) => family === undefined || record.family === family);
    },

    tasks(filter = {}) {
      engine.settle();
      return [...tasks.values()].filter(
        (task) =>
          (filter.serviceName === undefined || task.serviceName === filter.serviceName) &&
          (filter.startedBy === undefined || task.startedBy === filter.startedBy),
      );
    },

    serviceDeployments(serviceName, cluster = 'default') {
      engine.settle();
      return services.get(serviceKey(cluster, serviceName))?.serviceDeployments ?? [];
    },

    circuitBreakerThreshold: (desiredCount, threshold) =>
      DeploymentEngine.circuitBreakerThreshold(desiredCount, threshold),
  };
}

export { primaryOf };
