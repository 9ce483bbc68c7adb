import { Scheduler } from '../clock.js';
import type { LogStore } from '../logs.js';
import { ecsPhaseTimes, imageMatcher, type EcsPhaseTimes, type FailingImage } from '../scenario.js';
import type { AwsEmulatorEnvironment } from '../types.js';
import {
  FINISHED_STATUSES,
  LIFECYCLE_STAGES,
  type CircuitBreakerConfiguration,
  type DeploymentRecord,
  type HookStage,
  type Json,
  type LifecycleStage,
  type ServiceDeploymentRecord,
  type ServiceRecord,
  type ServiceRevisionRecord,
  type TaskDefinitionRecord,
  type TaskRecord,
} from './model.js';

/**
 * ECS's rolling-update scheduler, reduced to what a deploy tool observes. A new PRIMARY deployment
 * launches as many tasks as maximumPercent leaves room for beside the running ones; each task is
 * PROVISIONING, PENDING (the image pull), then RUNNING, then ready: HEALTHY when a container has a
 * health check, its target healthy when the service has a load balancer. Old tasks are stopped as
 * far as minimumHealthyPercent allows (ready new tasks count), drain for the deregistration delay
 * when load-balanced, stop, and make room for more new tasks; once only ready new tasks remain the
 * deployment is COMPLETED with the steady-state event. Durations come from the scenario's time
 * model (`ecsPhaseTimes`), scaled by its timeScale. A task whose image matches a failing pattern stops with the scenario's
 * exit code and reason and is replaced; with the deployment circuit breaker on, the deployment
 * FAILS once its failed tasks reach the threshold and, with rollback, a new deployment of the last
 * completed task definition takes over.
 *
 * Every transition is scheduled on the emulator clock and applied by `settle()`, which the service
 * calls before answering any request, so state is exact at the time of each call.
 */

export class DeploymentEngine {
  readonly scheduler = new Scheduler();

  /** Service deployments and service revisions by ARN (DescribeServiceDeployments, DescribeServiceRevisions). */
  readonly serviceDeployments = new Map<string, ServiceDeploymentRecord>();
  readonly revisions = new Map<string, ServiceRevisionRecord>();

  constructor(
    private readonly environment: AwsEmulatorEnvironment,
    private readonly tasks: Map<string, TaskRecord>,
    private readonly taskDefinitionByArn: (arn: string) => TaskDefinitionRecord | undefined,
    private readonly logs?: LogStore,
  ) {}

  private get ecs() {
    return this.environment.scenario().ecs;
  }

  private get times(): EcsPhaseTimes {
    return ecsPhaseTimes(this.environment.scenario());
  }

  /** Services whose progress check is already queued for the current instant. */
  private readonly progressQueued = new WeakSet<ServiceRecord>();

  settle(): void {
    this.scheduler.runUntil(this.environment.clock.now());
  }

  reset(): void {
    this.scheduler.clear();
    this.serviceDeployments.clear();
    this.revisions.clear();
  }

  /**
   * ECS's failure threshold (ThresholdConfiguration in the ECS API reference): BOUNDED_PERCENT
   * (the default, value 50) multiplies the value by the service's desired count and clamps it to
   * 3..200; UNBOUNDED_PERCENT does not clamp; COUNT is the value itself. ECS does not say how a
   * half task is rounded: it is rounded up here.
   */
  static circuitBreakerThreshold(
    desiredCount: number,
    threshold?: CircuitBreakerConfiguration['thresholdConfiguration'],
  ): number {
    const type = threshold?.type ?? 'BOUNDED_PERCENT';
    const value = threshold?.value ?? 50;
    if (type === 'COUNT') return Math.max(1, value);
    const computed = Math.ceil((desiredCount * value) / 100);
    return type === 'UNBOUNDED_PERCENT' ? Math.max(1, computed) : Math.min(200, Math.max(3, computed));
  }

  newDeploymentId(): string {
    return `ecs-svc/${this.environment.ids.digits(19)}`;
  }

  /**
   * Start a new service deployment rolling out `deployment` (CreateService, UpdateService): a service
   * revision for the service's configuration now, a service deployment from the revisions running
   * to it, and `deployment` made PRIMARY. A deployment still ongoing is superseded (STOPPED).
   */
  startDeployment(service: ServiceRecord, deployment: DeploymentRecord, at: number): ServiceDeploymentRecord {
    const strategy = service.deploymentConfiguration.strategy ?? 'ROLLING';
    deployment.strategy = strategy;
    for (const ongoing of service.serviceDeployments.filter((record) => !FINISHED_STATUSES.has(record.status))) {
      this.finish(ongoing, 'STOPPED', at, `Superseded by a newer service deployment.`);
    }
    const revision = this.createRevision(service, deployment.taskDefinition, at);
    const sources = service.deployments.filter((other) => this.liveTasks(other).length > 0);
    const record = this.createServiceDeployment(service, deployment, revision, sources, at);
    this.activate(service, deployment, at);
    // PENDING until the scheduler takes it up (the next instant anybody looks).
    this.scheduler.schedule(at, (when) => {
      if (record.status !== 'PENDING') return;
      record.status = 'IN_PROGRESS';
      record.startedAt = when;
      record.updatedAt = when;
      this.armAlarms(service, record, undefined, when);
      if (strategy !== 'ROLLING') this.startStaged(service, record, when);
      else this.checkProgress(service, when);
    });
    return record;
  }

  /** Make `deployment` the PRIMARY one and let the scheduler roll it out. */
  private activate(service: ServiceRecord, deployment: DeploymentRecord, at: number): void {
    for (const other of service.deployments) if (other.status === 'PRIMARY') other.status = 'ACTIVE';
    service.deployments = [deployment, ...service.deployments.filter((other) => other !== deployment)];
    service.taskDefinition = deployment.taskDefinition;
    this.checkProgress(service, at);
  }

  createRevision(service: ServiceRecord, taskDefinition: string, at: number): ServiceRevisionRecord {
    const definition = this.taskDefinitionByArn(taskDefinition)?.definition ?? {};
    const revision: ServiceRevisionRecord = {
      arn: `${service.serviceArn.replace(':service/', ':service-revision/')}/${this.environment.ids.digits(19)}`,
      serviceArn: service.serviceArn,
      clusterArn: service.clusterArn,
      taskDefinition,
      ...(service.capacityProviderStrategy?.length
        ? { capacityProviderStrategy: service.capacityProviderStrategy }
        : { launchType: service.launchType }),
      ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
      loadBalancers: service.loadBalancers ?? [],
      ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
      containerImages: ((definition.containerDefinitions as Json[] | undefined) ?? []).map((container) => ({
        containerName: String(container.name),
        image: String(container.image),
      })),
      createdAt: at,
    };
    this.revisions.set(revision.arn, revision);
    return revision;
  }

  private createServiceDeployment(
    service: ServiceRecord,
    deployment: DeploymentRecord,
    revision: ServiceRevisionRecord,
    sources: DeploymentRecord[],
    at: number,
  ): ServiceDeploymentRecord {
    const id = this.deploymentIdText();
    const configuration = service.deploymentConfiguration;
    const breaker = configuration.deploymentCircuitBreaker;
    const alarms = configuration.alarms;
    const record: ServiceDeploymentRecord = {
      arn: `${service.serviceArn.replace(':service/', ':service-deployment/')}/${id}`,
      id,
      serviceArn: service.serviceArn,
      clusterArn: service.clusterArn,
      serviceName: service.serviceName,
      clusterName: service.clusterName,
      strategy: configuration.strategy ?? 'ROLLING',
      status: 'PENDING',
      stageHistory: [],
      createdAt: at,
      updatedAt: at,
      sourceRevisionArns: [
        ...new Set(sources.map((source) => source.serviceRevisionArn).filter((arn): arn is string => !!arn)),
      ],
      targetRevisionArn: revision.arn,
      deploymentId: deployment.id,
      sourceDeploymentIds: sources.map((source) => source.id),
      configuration: JSON.parse(JSON.stringify(configuration)) as Json,
      breaker: {
        enabled: breaker.enable,
        failureCount: 0,
        threshold: DeploymentEngine.circuitBreakerThreshold(service.desiredCount, breaker.thresholdConfiguration),
        triggered: false,
      },
      alarms: {
        enabled: alarms?.enable === true,
        rollback: alarms?.rollback === true,
        names: alarms?.alarmNames ?? [],
        triggered: [],
      },
      hooks: [],
      weights: { production: 0, test: 0 },
      trafficHistory: [],
    };
    deployment.serviceDeploymentArn = record.arn;
    deployment.serviceRevisionArn = revision.arn;
    service.serviceDeployments.unshift(record);
    this.serviceDeployments.set(record.arn, record);
    return record;
  }

  /** Service deployment ids look like ECS's: 22 characters of base64url. */
  private deploymentIdText(): string {
    return Buffer.from(this.environment.ids.hex(32), 'hex').toString('base64url').slice(0, 22);
  }

  serviceDeploymentOf(deployment: DeploymentRecord | undefined): ServiceDeploymentRecord | undefined {
    return deployment?.serviceDeploymentArn ? this.serviceDeployments.get(deployment.serviceDeploymentArn) : undefined;
  }

  /** A service deployment reaches one of its final states. */
  private finish(
    record: ServiceDeploymentRecord,
    status: ServiceDeploymentRecord['status'],
    at: number,
    reason?: string,
  ): void {
    record.status = status;
    if (reason !== undefined) record.statusReason = reason;
    record.finishedAt = at;
    if (status === 'STOPPED') record.stoppedAt = at;
    record.updatedAt = at;
    const counts = this.revisionCounts(record.targetRevisionArn);
    record.finalCounts = counts;
  }

  /** Tasks of a revision not yet stopped, as ServiceRevisionSummary counts them. */
  revisionCounts(revisionArn: string): { requested: number; running: number; pending: number } {
    const tasks = [...this.tasks.values()].filter(
      (task) => task.revisionArn === revisionArn && task.desiredStatus === 'RUNNING' && task.lastStatus !== 'STOPPED',
    );
    return {
      requested: tasks.length,
      running: tasks.filter((task) => task.lastStatus === 'RUNNING').length,
      pending: tasks.filter((task) => task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING').length,
    };
  }

  /** A service that has been stable for a while: tasks RUNNING and healthy, deployment COMPLETED. */
  seedSteadyDeployment(service: ServiceRecord, deployment: DeploymentRecord, at: number): void {
    deployment.rolloutState = 'COMPLETED';
    deployment.rolloutStateReason = `ECS deployment ${deployment.id} completed.`;
    deployment.strategy = service.deploymentConfiguration.strategy ?? 'ROLLING';
    const record = this.createServiceDeployment(
      service,
      deployment,
      this.createRevision(service, deployment.taskDefinition, at),
      [],
      at,
    );
    record.status = 'SUCCESSFUL';
    record.startedAt = at;
    record.finishedAt = at;
    if (record.strategy !== 'ROLLING') {
      record.lifecycleStage = 'CLEAN_UP';
      record.weights = { production: 100, test: 100 };
    }
    service.deployments = [deployment];
    service.lastCompleted = { deploymentId: deployment.id, taskDefinition: deployment.taskDefinition };
    for (let i = 0; i < deployment.desiredCount; i += 1) {
      const task = this.createTask(service, deployment, at);
      task.lastStatus = 'RUNNING';
      task.startedAt = at;
      task.healthStatus = task.hasHealthCheck ? 'HEALTHY' : 'UNKNOWN';
      task.targetHealthy = true;
      for (const container of task.containers) {
        container.lastStatus = 'RUNNING';
        if (container.healthStatus) container.healthStatus = 'HEALTHY';
      }
    }
  }

  /** Change the PRIMARY deployment's desired count without a new deployment (UpdateService desiredCount only). */
  scale(service: ServiceRecord, desiredCount: number, at: number): void {
    const primary = primaryOf(service);
    service.desiredCount = desiredCount;
    if (!primary) return;
    primary.desiredCount = desiredCount;
    const live = this.liveTasks(primary);
    if (live.length > desiredCount) this.stopTasks(service, live.slice(desiredCount), primary, at);
    // A settled deployment simply gets more tasks; one in progress takes the new count in its next step.
    if (primary.rolloutState !== 'IN_PROGRESS' && live.length < desiredCount) {
      this.launchTasks(service, primary, desiredCount - live.length, at);
    }
    this.checkProgress(service, at);
  }

  liveTasks(deployment: DeploymentRecord): TaskRecord[] {
    return [...this.tasks.values()].filter(
      (task) => task.startedBy === deployment.id && task.desiredStatus === 'RUNNING' && task.lastStatus !== 'STOPPED',
    );
  }

  private createTask(service: ServiceRecord, deployment: DeploymentRecord, at: number): TaskRecord {
    return this.createTaskRecord({
      clusterArn: service.clusterArn,
      serviceName: service.serviceName,
      taskDefinitionArn: deployment.taskDefinition,
      startedBy: deployment.id,
      group: `service:${service.serviceName}`,
      launchType: service.capacityProviderStrategy?.length ? undefined : service.launchType,
      capacityProviderName: service.capacityProviderStrategy?.[0]?.capacityProvider as string | undefined,
      revisionArn: deployment.serviceRevisionArn,
      at,
    });
  }

  /** A task of any origin (a service's deployment or RunTask), PROVISIONING. */
  createTaskRecord(options: {
    clusterArn: string;
    serviceName: string;
    taskDefinitionArn: string;
    startedBy: string;
    group: string;
    launchType?: string;
    capacityProviderName?: string;
    revisionArn?: string;
    overrides?: Json;
    oneOff?: boolean;
    at: number;
  }): TaskRecord {
    const { clusterArn, at } = options;
    const taskDefinition = this.taskDefinitionByArn(options.taskDefinitionArn);
    const definition = taskDefinition?.definition ?? {};
    const taskId = this.environment.ids.hex(32);
    const clusterPrefix = clusterArn.replace(':cluster/', ':task/');
    const containers = ((definition.containerDefinitions as Json[] | undefined) ?? []).map((container) => {
      const logConfiguration = container.logConfiguration as { logDriver?: string; options?: Json } | undefined;
      const logOptions = logConfiguration?.options ?? {};
      const prefix = logOptions['awslogs-stream-prefix'] as string | undefined;
      return {
        containerArn: `${clusterArn.replace(':cluster/', ':container/')}/${taskId}/${this.environment.ids.hex(8)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(12)}`,
        name: String(container.name),
        image: String(container.image),
        lastStatus: 'PENDING',
        essential: container.essential !== false,
        healthStatus: container.healthCheck ? 'UNKNOWN' : undefined,
        ...(logConfiguration?.logDriver === 'awslogs' && typeof logOptions['awslogs-group'] === 'string'
          ? {
              logs: {
                group: logOptions['awslogs-group'],
                // ECS's awslogs stream name: prefix/container-name/ecs-task-id (the task id alone without a prefix).
                stream: prefix ? `${prefix}/${String(container.name)}/${taskId}` : taskId,
              },
            }
          : {}),
      };
    });
    const task: TaskRecord = {
      taskArn: `${clusterPrefix}/${taskId}`,
      taskId,
      clusterArn,
      serviceName: options.serviceName,
      taskDefinitionArn: options.taskDefinitionArn,
      startedBy: options.startedBy,
      group: options.group,
      ...(options.oneOff ? { oneOff: true } : {}),
      ...(options.overrides ? { overrides: options.overrides } : {}),
      ...(options.capacityProviderName ? { capacityProviderName: options.capacityProviderName } : {}),
      ...(options.revisionArn ? { revisionArn: options.revisionArn } : {}),
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      hasHealthCheck: ((definition.containerDefinitions as Json[] | undefined) ?? []).some((c) => c.healthCheck),
      healthCheck: healthCheckTiming(definition),
      containers,
      createdAt: at,
      launchType: options.launchType,
      cpu: definition.cpu as string | undefined,
      memory: definition.memory as string | undefined,
      version: 1,
    };
    this.tasks.set(task.taskArn, task);
    return task;
  }

  private launchTasks(service: ServiceRecord, deployment: DeploymentRecord, count: number, at: number): void {
    if (count <= 0) return;
    const launched: TaskRecord[] = [];
    for (let i = 0; i < count; i += 1) {
      const task = this.createTask(service, deployment, at);
      launched.push(task);
      const failing = this.failingImageFor(task);
      const times = this.times;
      if (times.provisioningMs > 0) {
        this.scheduler.schedule(at + times.provisioningMs, () => {
          if (task.lastStatus !== 'PROVISIONING') return;
          task.lastStatus = 'PENDING';
          task.version += 1;
        });
      }
      if (failing && failing.exitCode === undefined && failing.reason && !failing.unhealthy) {
        // The container never runs (an image that cannot be pulled): the task fails while starting.
        this.scheduler.schedule(at + times.provisioningMs + times.pendingMs, (when) =>
          this.failTask(service, task, failing, when),
        );
      } else {
        this.scheduler.schedule(at + this.startDelayFor(task, times), (when) =>
          this.taskRunning(service, task, failing, when),
        );
      }
    }
    this.writeEvent(
      service,
      at,
      `(service ${service.serviceName}) has started ${count} tasks: ${launched.map((task) => `(task ${task.taskId})`).join(' ')}.`,
    );
  }

  private startDelayFor(task: TaskRecord, times: EcsPhaseTimes): number {
    const slow = this.ecs.slowImages.find((candidate) =>
      task.containers.some((container) => imageMatcher(candidate.pattern)(container.image)),
    );
    return slow ? slow.startDelayMs : times.provisioningMs + times.pendingMs;
  }

  private failingImageFor(task: TaskRecord): (FailingImage & { container: string }) | undefined {
    for (const failing of this.ecs.failingImages) {
      const matches = imageMatcher(failing.pattern);
      const container = task.containers.find((candidate) => candidate.essential && matches(candidate.image));
      if (container) return { ...failing, container: container.name };
    }
    return undefined;
  }

  private taskRunning(
    service: ServiceRecord,
    task: TaskRecord,
    failing: (FailingImage & { container: string }) | undefined,
    at: number,
  ): void {
    if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED') return;
    task.lastStatus = 'RUNNING';
    task.startedAt = at;
    task.version += 1;
    for (const container of task.containers) container.lastStatus = 'RUNNING';
    const times = this.times;
    if (failing?.unhealthy && task.hasHealthCheck) {
      // Running but failing its health check: UNHEALTHY after its retries; the scheduler replaces
      // it once the service's health-check grace period (counted from the start) is over too.
      const unhealthyAt =
        at +
        times.containerUnhealthyMs(
          task.healthCheck?.interval,
          task.healthCheck?.retries,
          task.healthCheck?.startPeriod,
        );
      this.scheduler.schedule(unhealthyAt, () => {
        if (task.lastStatus !== 'RUNNING') return;
        task.healthStatus = 'UNHEALTHY';
        for (const container of task.containers) if (container.healthStatus) container.healthStatus = 'UNHEALTHY';
        task.version += 1;
      });
      const graceEnds = at + times.seconds(service.healthCheckGracePeriodSeconds ?? 0);
      this.scheduler.schedule(Math.max(unhealthyAt, graceEnds), (when) =>
        this.failTask(
          service,
          task,
          {
            ...failing,
            stopCode: failing.stopCode ?? 'ServiceSchedulerInitiated',
            stoppedReason: failing.stoppedReason ?? 'Task failed container health checks',
          },
          when,
        ),
      );
      return;
    }
    if (failing) {
      this.scheduler.schedule(at + (failing.afterMs ?? times.crashMs), (when) =>
        this.failTask(service, task, failing, when),
      );
      return;
    }
    if (task.hasHealthCheck) {
      this.scheduler.schedule(at + times.containerHealthyMs(task.healthCheck?.interval), (when) => {
        if (task.lastStatus !== 'RUNNING') return;
        task.healthStatus = 'HEALTHY';
        for (const container of task.containers) if (container.healthStatus) container.healthStatus = 'HEALTHY';
        task.version += 1;
        this.taskReady(service, task, when);
      });
    }
    if (service.loadBalancers?.length) {
      this.scheduler.schedule(at + times.targetHealthyMs, (when) => {
        if (task.lastStatus !== 'RUNNING') return;
        task.targetHealthy = true;
        this.taskReady(service, task, when);
      });
    }
    this.taskReady(service, task, at);
  }

  /** A task that may just have become ready: reset the breaker's count (resetOnHealthyTask) and look at progress. */
  private taskReady(service: ServiceRecord, task: TaskRecord, at: number): void {
    if (!this.ready(task, service)) return;
    const deployment = service.deployments.find((candidate) => candidate.id === task.startedBy);
    if (deployment && service.deploymentConfiguration.deploymentCircuitBreaker.resetOnHealthyTask !== false) {
      deployment.breakerFailures = 0;
      const record = this.serviceDeploymentOf(deployment);
      if (record && !record.breaker.triggered && record.deploymentId === deployment.id) record.breaker.failureCount = 0;
    }
    this.requestProgress(service, at);
  }

  /**
   * Look at the rollout once every transition due at this instant has happened, so tasks that
   * become ready together are handled together (one "has stopped" event, as ECS writes it).
   */
  private requestProgress(service: ServiceRecord, at: number): void {
    if (this.progressQueued.has(service)) return;
    this.progressQueued.add(service);
    this.scheduler.schedule(at, (when) => {
      this.progressQueued.delete(service);
      this.checkProgress(service, when);
    });
  }

  private failTask(
    service: ServiceRecord,
    task: TaskRecord,
    failing: FailingImage & { container: string },
    at: number,
  ): void {
    if (task.lastStatus === 'STOPPED') return;
    const neverStarted = task.lastStatus !== 'RUNNING';
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppingAt = at;
    task.stoppedAt = at;
    task.version += 1;
    task.stopCode = failing.stopCode ?? (neverStarted ? 'TaskFailedToStart' : 'EssentialContainerExited');
    task.stoppedReason =
      failing.stoppedReason ?? (neverStarted && failing.reason ? failing.reason : 'Essential container in task exited');
    for (const container of task.containers) {
      container.lastStatus = 'STOPPED';
      if (container.name === failing.container) {
        if (failing.exitCode !== undefined) container.exitCode = failing.exitCode;
        if (failing.reason) container.reason = failing.reason;
        if (!neverStarted && failing.logLines?.length) this.writeLogs(task, container, failing.logLines, at);
      } else if (!neverStarted) {
        container.exitCode = 143;
      }
    }
    if (task.oneOff) return;
    const deployment = service.deployments.find((candidate) => candidate.id === task.startedBy);
    // Once the circuit breaker has failed a deployment it counts no more of its failures.
    if (!deployment || deployment.rolloutState === 'FAILED') return;
    deployment.failedTasks += 1;
    deployment.breakerFailures = (deployment.breakerFailures ?? 0) + 1;
    deployment.updatedAt = at;
    const record = this.serviceDeploymentOf(deployment);
    if (record && record.deploymentId === deployment.id && !record.breaker.triggered) {
      record.breaker.failureCount = deployment.breakerFailures;
      record.updatedAt = at;
    }
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    if (
      breaker.enable &&
      deployment.rolloutState === 'IN_PROGRESS' &&
      deployment.breakerFailures >=
        DeploymentEngine.circuitBreakerThreshold(service.desiredCount, breaker.thresholdConfiguration)
    ) {
      this.failDeployment(service, deployment, at);
      return;
    }
    if (!breaker.enable && deployment.failedTasks >= 3 && !deployment.unstableEventWritten) {
      deployment.unstableEventWritten = true;
      this.writeEvent(
        service,
        at,
        `(service ${service.serviceName}) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
      );
    }
    if (deployment.status === 'PRIMARY' && deployment.rolloutState === 'IN_PROGRESS') {
      // The scheduler replaces a failed task, backing off as failures repeat (as ECS throttles launches).
      const backoff = Math.min(2 ** Math.min(deployment.failedTasks - 1, 5), 32);
      deployment.nextLaunchAt = at + this.times.restartMs * backoff;
      this.scheduler.schedule(deployment.nextLaunchAt, (when) => this.checkProgress(service, when));
    }
  }

  private failDeployment(service: ServiceRecord, deployment: DeploymentRecord, at: number): void {
    this.setRollout(deployment, 'FAILED', 'ECS deployment circuit breaker: tasks failed to start.', at);
    this.writeEvent(
      service,
      at,
      `(service ${service.serviceName}) (deployment ${deployment.id}) deployment failed: tasks failed to start.`,
    );
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    const record = this.serviceDeploymentOf(deployment);
    if (record) {
      record.breaker.triggered = true;
      record.updatedAt = at;
    }
    if (record && record.strategy !== 'ROLLING' && record.deploymentId === deployment.id) {
      this.rollBackStaged(service, record, 'ECS deployment circuit breaker: tasks failed to start.', at, {
        rollback: breaker.rollback,
        requested: false,
      });
      return;
    }
    if (deployment.rollbackOf) {
      if (record && !FINISHED_STATUSES.has(record.status)) {
        this.finish(
          record,
          'ROLLBACK_FAILED',
          at,
          'ECS deployment circuit breaker: the rollback failed to start tasks.',
        );
      }
      return;
    }
    const target = service.lastCompleted;
    if (!breaker.rollback || !target || target.taskDefinition === deployment.taskDefinition) {
      if (record && !FINISHED_STATUSES.has(record.status)) {
        this.finish(record, 'STOPPED', at, 'ECS deployment circuit breaker: tasks failed to start.');
      }
      return;
    }
    this.startRollingRollback(service, deployment, record, {
      reason: `ECS deployment circuit breaker: rolling back to deploymentId ${target.deploymentId}.`,
      rollbackReason: 'Circuit breaker: tasks failed to start.',
      at,
      requested: false,
    });
  }

  /** A rolling deployment rolled back: a new PRIMARY deployment of the last completed task definition. */
  private startRollingRollback(
    service: ServiceRecord,
    failed: DeploymentRecord,
    record: ServiceDeploymentRecord | undefined,
    options: { reason: string; rollbackReason: string; at: number; requested: boolean },
  ): void {
    const { at } = options;
    const target = service.lastCompleted;
    if (!target) {
      if (record)
        this.finish(record, 'STOPPED', at, `${options.rollbackReason} No completed deployment to roll back to.`);
      return;
    }
    const rollback: DeploymentRecord = {
      id: this.newDeploymentId(),
      status: 'PRIMARY',
      taskDefinition: target.taskDefinition,
      desiredCount: service.desiredCount,
      failedTasks: 0,
      createdAt: at,
      updatedAt: at,
      launchType: service.launchType,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: options.reason,
      rolloutStateChangedAt: at,
      draining: false,
      rollbackOf: failed.id,
      strategy: 'ROLLING',
    };
    if (record) {
      const sourceRevision = record.sourceRevisionArns[0];
      rollback.serviceDeploymentArn = record.arn;
      rollback.serviceRevisionArn = sourceRevision ?? this.createRevision(service, target.taskDefinition, at).arn;
      record.rollback = {
        reason: options.rollbackReason,
        startedAt: at,
        serviceRevisionArn: rollback.serviceRevisionArn,
      };
      record.status = options.requested ? 'ROLLBACK_REQUESTED' : 'ROLLBACK_IN_PROGRESS';
      record.updatedAt = at;
      if (options.requested) {
        this.scheduler.schedule(at + this.times.seconds(1), (when) => {
          if (record.status !== 'ROLLBACK_REQUESTED') return;
          record.status = 'ROLLBACK_IN_PROGRESS';
          record.updatedAt = when;
        });
      }
    }
    this.writeEvent(service, at, `(service ${service.serviceName}) rolling back to deployment ${rollback.id}.`);
    this.activate(service, rollback, at);
  }

  // ---- blue/green, linear and canary: lifecycle stages -------------------------------------

  private startStaged(service: ServiceRecord, record: ServiceDeploymentRecord, at: number): void {
    // RECONCILE_SERVICE happens only when more than one service revision is running.
    this.enterStage(service, record, record.sourceRevisionArns.length > 1 ? 'RECONCILE_SERVICE' : 'PRE_SCALE_UP', at);
  }

  private primaryFor(service: ServiceRecord, record: ServiceDeploymentRecord): DeploymentRecord | undefined {
    return service.deployments.find((deployment) => deployment.id === record.deploymentId);
  }

  private setWeights(record: ServiceDeploymentRecord, weights: ServiceDeploymentRecord['weights'], at: number): void {
    record.weights = weights;
    record.trafficHistory.push({ ...weights, at });
    record.updatedAt = at;
  }

  /** Run `action` later only if the deployment is still IN_PROGRESS in the same stage. */
  private later(record: ServiceDeploymentRecord, at: number, action: (when: number) => void): void {
    const stage = record.lifecycleStage;
    this.scheduler.schedule(at, (when) => {
      if (record.status !== 'IN_PROGRESS' || record.lifecycleStage !== stage) return;
      action(when);
    });
  }

  private enterStage(service: ServiceRecord, record: ServiceDeploymentRecord, stage: LifecycleStage, at: number): void {
    if (record.status !== 'IN_PROGRESS') return;
    record.lifecycleStage = stage;
    record.stageHistory.push({ stage, at });
    record.updatedAt = at;
    this.armAlarms(service, record, stage, at);
    const next = (following: LifecycleStage) => (when: number) => this.enterStage(service, record, following, when);
    const times = this.times;
    const configuration = record.configuration as ServiceRecord['deploymentConfiguration'];
    switch (stage) {
      case 'RECONCILE_SERVICE':
        return this.runHooks(service, record, 'RECONCILE_SERVICE', at, next('PRE_SCALE_UP'));
      case 'PRE_SCALE_UP':
        return this.runHooks(service, record, 'PRE_SCALE_UP', at, next('SCALE_UP'));
      case 'SCALE_UP':
        // The green revision scales up to 100 % beside the blue one; stagedProgress moves on once all are ready.
        return this.checkProgress(service, at);
      case 'POST_SCALE_UP':
        return this.runHooks(service, record, 'POST_SCALE_UP', at, next('TEST_TRAFFIC_SHIFT'));
      case 'TEST_TRAFFIC_SHIFT':
        return this.later(record, at + times.trafficShiftMs, (when) => {
          this.setWeights(record, { ...record.weights, test: 100 }, when);
          this.runHooks(service, record, 'TEST_TRAFFIC_SHIFT', when, next('POST_TEST_TRAFFIC_SHIFT'));
        });
      case 'POST_TEST_TRAFFIC_SHIFT':
        return this.runHooks(service, record, 'POST_TEST_TRAFFIC_SHIFT', at, next('PRODUCTION_TRAFFIC_SHIFT'));
      case 'PRODUCTION_TRAFFIC_SHIFT':
        return this.runHooks(service, record, 'PRE_PRODUCTION_TRAFFIC_SHIFT', at, (when) =>
          this.shiftProduction(service, record, productionSteps(configuration), 0, when),
        );
      case 'POST_PRODUCTION_TRAFFIC_SHIFT':
        return this.runHooks(service, record, 'POST_PRODUCTION_TRAFFIC_SHIFT', at, next('BAKE_TIME'));
      case 'BAKE_TIME':
        return this.later(record, at + times.seconds((configuration.bakeTimeInMinutes ?? 0) * 60), next('CLEAN_UP'));
      case 'CLEAN_UP': {
        const primary = this.primaryFor(service, record);
        if (!primary) return;
        const blue = service.deployments
          .filter((deployment) => deployment !== primary)
          .flatMap((d) => this.liveTasks(d));
        if (blue.length > 0) this.stopTasks(service, blue, primary, at);
        const drainMs = service.loadBalancers?.length ? times.deregistrationMs : 0;
        return this.later(record, at + (blue.length > 0 ? drainMs + times.stoppingMs : 0), (when) =>
          this.complete(service, primary, when),
        );
      }
    }
  }

  /** One production traffic step after another (blue/green: one step to 100 %; linear: stepPercent each; canary: canaryPercent, then 100 %). */
  private shiftProduction(
    service: ServiceRecord,
    record: ServiceDeploymentRecord,
    steps: { percent: number; waitMs: number }[],
    index: number,
    at: number,
  ): void {
    this.later(record, at + this.times.trafficShiftMs, (when) => {
      const step = steps[index];
      this.setWeights(record, { ...record.weights, production: step.percent }, when);
      if (index === steps.length - 1) {
        this.runHooks(service, record, 'PRODUCTION_TRAFFIC_SHIFT', when, (after) =>
          this.enterStage(service, record, 'POST_PRODUCTION_TRAFFIC_SHIFT', after),
        );
        return;
      }
      this.later(record, when + this.times.seconds(step.waitMs / 1000), (after) =>
        this.shiftProduction(service, record, steps, index + 1, after),
      );
    });
  }

  /**
   * Run the hooks configured for a hook stage (all at once, as ECS invokes them), then `then`. Each
   * answers as the scenario's hookResults say (SUCCEEDED by default, after hookSeconds); a FAILED
   * hook rolls the deployment back.
   */
  private runHooks(
    service: ServiceRecord,
    record: ServiceDeploymentRecord,
    stage: HookStage,
    at: number,
    then: (when: number) => void,
  ): void {
    const configured = ((record.configuration.lifecycleHooks as Json[] | undefined) ?? []).filter((hook) =>
      ((hook.lifecycleStages as string[] | undefined) ?? []).includes(stage),
    );
    if (configured.length === 0) {
      then(at);
      return;
    }
    const images = this.revisions.get(record.targetRevisionArn)?.containerImages.map((c) => c.image) ?? [];
    record.hooks = configured.map((hook) => ({
      hookId: this.environment.ids.hex(32),
      stage,
      targetType: String(hook.targetType ?? 'AWS_LAMBDA'),
      targetArn: String(hook.hookTargetArn ?? ''),
      status: 'IN_PROGRESS',
    }));
    const round = record.hooks;
    for (const detail of round) {
      const rule = this.ecs.hookResults.find(
        (candidate) =>
          (candidate.stage === undefined || candidate.stage === stage) &&
          (candidate.hookTargetArn === undefined || imageMatcher(candidate.hookTargetArn)(detail.targetArn)) &&
          (candidate.image === undefined || images.some(imageMatcher(candidate.image))),
      );
      this.later(record, at + (rule?.afterMs ?? this.times.hookMs), (when) => {
        if (record.hooks !== round) return;
        detail.status = rule?.status ?? 'SUCCEEDED';
        record.updatedAt = when;
        if (detail.status === 'FAILED') {
          this.rollBackStaged(service, record, `Lifecycle hook ${detail.targetArn} failed at ${stage}.`, when, {
            rollback: true,
            requested: false,
          });
          return;
        }
        if (round.every((hook) => hook.status === 'SUCCEEDED')) then(when);
      });
    }
  }

  /** The green revision scaling up (SCALE_UP), and replacing failed green tasks until clean-up. */
  private stagedProgress(service: ServiceRecord, primary: DeploymentRecord, at: number): void {
    const record = this.serviceDeploymentOf(primary);
    if (!record || record.status !== 'IN_PROGRESS' || !record.lifecycleStage) return;
    const stage = LIFECYCLE_STAGES.indexOf(record.lifecycleStage);
    if (stage < LIFECYCLE_STAGES.indexOf('SCALE_UP') || stage >= LIFECYCLE_STAGES.indexOf('CLEAN_UP')) return;
    const live = this.liveTasks(primary);
    if (at >= (primary.nextLaunchAt ?? 0) && live.length < primary.desiredCount) {
      this.launchTasks(service, primary, primary.desiredCount - live.length, at);
    }
    const ready = this.liveTasks(primary).filter((task) => this.ready(task, service)).length;
    if (record.lifecycleStage === 'SCALE_UP' && ready >= primary.desiredCount) {
      this.enterStage(service, record, 'POST_SCALE_UP', at);
    }
  }

  /**
   * A blue/green (linear, canary) deployment fails or is stopped: production and test traffic go
   * back to the blue revision at once, the blue deployment is PRIMARY again, the green tasks stop.
   * With `rollback` the service deployment ends ROLLBACK_SUCCESSFUL, else STOPPED.
   */
  rollBackStaged(
    service: ServiceRecord,
    record: ServiceDeploymentRecord,
    reason: string,
    at: number,
    options: { rollback: boolean; requested: boolean },
  ): void {
    if (FINISHED_STATUSES.has(record.status)) return;
    const green = this.primaryFor(service, record);
    // Blue is the revision that last completed; a superseded green still running is not gone back to.
    const sources = service.deployments.filter(
      (deployment) => deployment !== green && record.sourceDeploymentIds.includes(deployment.id),
    );
    const blue = sources.find((deployment) => deployment.rolloutState === 'COMPLETED') ?? sources[0];
    this.setWeights(record, { production: 0, test: 0 }, at);
    if (green && green.rolloutState === 'IN_PROGRESS') this.setRollout(green, 'FAILED', reason, at);
    if (!blue) {
      // Nothing to go back to (the service's first deployment): it stops where it is.
      this.finish(record, 'STOPPED', at, reason);
      return;
    }
    if (options.rollback) {
      record.rollback = { reason, startedAt: at, serviceRevisionArn: blue.serviceRevisionArn };
      record.status = options.requested ? 'ROLLBACK_REQUESTED' : 'ROLLBACK_IN_PROGRESS';
      if (options.requested) {
        this.scheduler.schedule(at + this.times.seconds(1), (when) => {
          if (record.status !== 'ROLLBACK_REQUESTED') return;
          record.status = 'ROLLBACK_IN_PROGRESS';
          record.updatedAt = when;
        });
      }
    } else {
      record.status = 'STOP_REQUESTED';
    }
    if (green) green.status = 'ACTIVE';
    blue.status = 'PRIMARY';
    service.deployments = [blue, ...service.deployments.filter((deployment) => deployment !== blue)];
    service.taskDefinition = blue.taskDefinition;
    this.writeEvent(service, at, `(service ${service.serviceName}) rolling back to deployment ${blue.id}.`);
    const greenTasks = green ? this.liveTasks(green) : [];
    if (greenTasks.length > 0 && green) this.stopTasks(service, greenTasks, blue, at);
    const times = this.times;
    const drainMs = service.loadBalancers?.length ? times.deregistrationMs : 0;
    this.scheduler.schedule(at + (greenTasks.length > 0 ? drainMs + times.stoppingMs : 0), (when) => {
      if (FINISHED_STATUSES.has(record.status)) return;
      if (green) {
        green.status = 'INACTIVE';
        service.deployments = service.deployments.filter((deployment) => deployment !== green);
      }
      this.finish(record, options.rollback ? 'ROLLBACK_SUCCESSFUL' : 'STOPPED', when, reason);
    });
  }

  // ---- alarms ------------------------------------------------------------------------------

  /** Schedule the scenario's alarm triggers for this moment of the deployment (its start, or a stage). */
  private armAlarms(
    service: ServiceRecord,
    record: ServiceDeploymentRecord,
    stage: LifecycleStage | undefined,
    at: number,
  ): void {
    const images = this.revisions.get(record.targetRevisionArn)?.containerImages.map((c) => c.image) ?? [];
    for (const trigger of this.ecs.alarmTriggers) {
      if (trigger.stage !== stage || !record.alarms.names.includes(trigger.alarmName)) continue;
      if (trigger.image !== undefined && !images.some(imageMatcher(trigger.image))) continue;
      this.scheduler.schedule(at + (trigger.afterMs ?? 0), (when) =>
        this.alarmFired(service, record, trigger.alarmName, when),
      );
    }
  }

  private alarmFired(service: ServiceRecord, record: ServiceDeploymentRecord, alarmName: string, at: number): void {
    if (record.status !== 'IN_PROGRESS' || !record.alarms.enabled) return;
    if (!record.alarms.triggered.includes(alarmName)) record.alarms.triggered.push(alarmName);
    record.updatedAt = at;
    const reason = `CloudWatch alarm ${alarmName} is in ALARM state.`;
    const primary = this.primaryFor(service, record);
    if (record.strategy !== 'ROLLING') {
      this.rollBackStaged(service, record, reason, at, { rollback: record.alarms.rollback, requested: false });
      return;
    }
    if (!primary) return;
    this.setRollout(primary, 'FAILED', `ECS deployment alarms: ${reason}`, at);
    this.writeEvent(
      service,
      at,
      `(service ${service.serviceName}) (deployment ${primary.id}) deployment failed: alarm detected.`,
    );
    if (!record.alarms.rollback) {
      this.finish(record, 'STOPPED', at, reason);
      return;
    }
    this.startRollingRollback(service, primary, record, {
      reason: `ECS deployment alarms: rolling back to deploymentId ${service.lastCompleted?.deploymentId ?? ''}.`,
      rollbackReason: reason,
      at,
      requested: false,
    });
  }

  // ---- StopServiceDeployment ------------------------------------------------------------------

  /**
   * StopServiceDeployment on an ongoing deployment: ROLLBACK goes ROLLBACK_REQUESTED, then
   * ROLLBACK_IN_PROGRESS, to ROLLBACK_SUCCESSFUL (whether or not the service configured rollback);
   * ABORT goes STOP_REQUESTED to STOPPED, leaving a rolling deployment where it is and a blue/green
   * one with its traffic back on blue.
   */
  stopServiceDeployment(
    service: ServiceRecord,
    record: ServiceDeploymentRecord,
    stopType: 'ROLLBACK' | 'ABORT',
    at: number,
  ): void {
    const primary = this.primaryFor(service, record);
    const reason =
      stopType === 'ROLLBACK'
        ? 'Service deployment rolled back by StopServiceDeployment.'
        : 'Service deployment stopped by StopServiceDeployment.';
    if (record.strategy !== 'ROLLING') {
      this.rollBackStaged(service, record, reason, at, { rollback: stopType === 'ROLLBACK', requested: true });
      return;
    }
    if (stopType === 'ABORT' || !primary) {
      record.status = 'STOP_REQUESTED';
      record.updatedAt = at;
      if (primary && primary.rolloutState === 'IN_PROGRESS') this.setRollout(primary, 'FAILED', reason, at);
      this.scheduler.schedule(at + this.times.seconds(1), (when) => {
        if (record.status === 'STOP_REQUESTED') this.finish(record, 'STOPPED', when, reason);
      });
      return;
    }
    if (primary.rolloutState === 'IN_PROGRESS') this.setRollout(primary, 'FAILED', reason, at);
    this.startRollingRollback(service, primary, record, {
      reason: `Service deployment rollback requested: rolling back to deploymentId ${service.lastCompleted?.deploymentId ?? ''}.`,
      rollbackReason: reason,
      at,
      requested: true,
    });
  }

  /**
   * DeleteService: the service goes DRAINING with its desired count at 0, its tasks stop (draining
   * from the load balancer first), then it is INACTIVE; its service deployments are deleted with it.
   */
  deleteService(service: ServiceRecord, at: number): void {
    service.status = 'DRAINING';
    service.desiredCount = 0;
    for (const deployment of service.deployments) deployment.desiredCount = 0;
    const primary = primaryOf(service);
    const live = service.deployments.flatMap((deployment) => this.liveTasks(deployment));
    if (live.length > 0 && primary) this.stopTasks(service, live, primary, at);
    // Tasks already stopping (a scale to 0 just before) keep it DRAINING until they have stopped too.
    this.scheduler.schedule(at, (when) => this.drained(service, when));
  }

  /** A DRAINING service with no task left running becomes INACTIVE; its service deployments go with it. */
  private drained(service: ServiceRecord, at: number): void {
    if (service.status !== 'DRAINING' || this.unstopped(service).length > 0) return;
    service.status = 'INACTIVE';
    for (const record of service.serviceDeployments) this.serviceDeployments.delete(record.arn);
    service.serviceDeployments = [];
    void at;
  }

  // ---- one-off tasks (RunTask, StopTask) --------------------------------------------------------

  /**
   * A task RunTask started: PROVISIONING, PENDING, RUNNING, then STOPPED with its essential
   * container's exit code once it has run (the scenario's oneOffTasks, by command or image, or exit 0).
   * An image in failingImages fails as a service's task would; log lines go to awslogs streams.
   */
  startOneOff(task: TaskRecord, at: number): void {
    const times = this.times;
    const essential = task.containers.find((container) => container.essential) ?? task.containers[0];
    const failing = this.failingImageFor(task);
    const command = this.commandOf(task, essential?.name);
    const rule = this.ecs.oneOffTasks.find(
      (candidate) =>
        (candidate.command === undefined || imageMatcher(candidate.command)(command)) &&
        (candidate.image === undefined || (essential !== undefined && imageMatcher(candidate.image)(essential.image))),
    );
    if (times.provisioningMs > 0) {
      this.scheduler.schedule(at + times.provisioningMs, () => {
        if (task.lastStatus !== 'PROVISIONING') return;
        task.lastStatus = 'PENDING';
        task.version += 1;
      });
    }
    const noService = undefined as unknown as ServiceRecord;
    if (failing && failing.exitCode === undefined && failing.reason && !failing.unhealthy) {
      this.scheduler.schedule(at + times.provisioningMs + times.pendingMs, (when) =>
        this.failTask(noService, task, failing, when),
      );
      return;
    }
    this.scheduler.schedule(at + this.startDelayFor(task, times), (when) => {
      if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED') return;
      task.lastStatus = 'RUNNING';
      task.startedAt = when;
      task.version += 1;
      for (const container of task.containers) container.lastStatus = 'RUNNING';
      if (failing) {
        this.scheduler.schedule(when + (failing.afterMs ?? times.crashMs), (end) =>
          this.failTask(noService, task, failing, end),
        );
        return;
      }
      const runMs = rule?.runMs ?? times.oneOffRunMs;
      if (essential && rule?.logLines?.length) this.writeLogs(task, essential, rule.logLines, when, runMs);
      this.scheduler.schedule(when + runMs, (end) => {
        if (task.lastStatus !== 'RUNNING') return;
        task.lastStatus = 'STOPPED';
        task.desiredStatus = 'STOPPED';
        task.stoppingAt = end;
        task.stoppedAt = end;
        task.stopCode = 'EssentialContainerExited';
        task.stoppedReason = 'Essential container in task exited';
        task.version += 1;
        for (const container of task.containers) {
          container.lastStatus = 'STOPPED';
          container.exitCode = container === essential ? (rule?.exitCode ?? 0) : 0;
        }
      });
    });
  }

  /** The command a container runs: the RunTask override, else the definition's, joined by spaces. */
  private commandOf(task: TaskRecord, containerName: string | undefined): string {
    const overrides = (task.overrides?.containerOverrides as Json[] | undefined) ?? [];
    const override = overrides.find((candidate) => candidate.name === containerName)?.command as string[] | undefined;
    if (override) return override.join(' ');
    const definition = this.taskDefinitionByArn(task.taskDefinitionArn)?.definition ?? {};
    const container = ((definition.containerDefinitions as Json[] | undefined) ?? []).find(
      (candidate) => candidate.name === containerName,
    );
    return ((container?.command as string[] | undefined) ?? []).join(' ');
  }

  /** StopTask: STOPPING, then STOPPED with stopCode UserInitiated; a service replaces its task. */
  stopTask(task: TaskRecord, reason: string, at: number, service: ServiceRecord | undefined): void {
    if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED') return;
    const wasRunning = task.lastStatus === 'RUNNING';
    task.desiredStatus = 'STOPPED';
    task.lastStatus = 'STOPPING';
    task.stoppingAt = at;
    task.stopCode = 'UserInitiated';
    task.stoppedReason = reason;
    task.version += 1;
    this.scheduler.schedule(at + this.times.stoppingMs, (when) => {
      if (task.lastStatus === 'STOPPED') return;
      task.lastStatus = 'STOPPED';
      task.stoppedAt = when;
      task.version += 1;
      for (const container of task.containers) {
        container.lastStatus = 'STOPPED';
        // SIGTERM, then SIGKILL: a process that does not handle SIGTERM exits 143.
        if (wasRunning) container.exitCode ??= 143;
      }
      if (service) this.replaceStopped(service, when);
    });
  }

  /** A settled service whose task was stopped from outside gets a new one, as the scheduler keeps desiredCount. */
  private replaceStopped(service: ServiceRecord, at: number): void {
    const primary = primaryOf(service);
    if (!primary || primary.rolloutState === 'IN_PROGRESS' || service.status !== 'ACTIVE') return;
    const missing = primary.desiredCount - this.liveTasks(primary).length;
    if (missing > 0) this.launchTasks(service, primary, missing, at);
  }

  /** Log lines a container writes, one a millisecond from `at` (spread over `spanMs` when given). */
  private writeLogs(
    task: TaskRecord,
    container: TaskRecord['containers'][number],
    lines: string[],
    at: number,
    spanMs?: number,
  ): void {
    if (!container.logs || !this.logs) return;
    const step = spanMs && lines.length > 1 ? Math.max(1, Math.floor(spanMs / lines.length)) : 1;
    const start = spanMs === undefined ? at - lines.length : at;
    this.logs.put(
      container.logs.group,
      container.logs.stream,
      lines.map((message, index) => ({ timestamp: Math.round(start + index * step), message })),
    );
    void task;
  }

  private ready(task: TaskRecord, service: ServiceRecord): boolean {
    return (
      task.lastStatus === 'RUNNING' &&
      task.desiredStatus === 'RUNNING' &&
      (!task.hasHealthCheck || task.healthStatus === 'HEALTHY') &&
      (!service.loadBalancers?.length || task.targetHealthy === true)
    );
  }

  /** Tasks of the service not yet STOPPED (draining ones too: they still run and count against maximumPercent). */
  private unstopped(service: ServiceRecord): TaskRecord[] {
    const ids = new Set(service.deployments.map((deployment) => deployment.id));
    return [...this.tasks.values()].filter((task) => ids.has(task.startedBy) && task.lastStatus !== 'STOPPED');
  }

  /**
   * One step of the rolling update, within the service's deployment configuration: ready tasks
   * (new and old) stay at or above minimumHealthyPercent of the desired count (rounded up), all
   * tasks not yet stopped at or below maximumPercent (rounded down), as ECS's rolling update does.
   */
  private checkProgress(service: ServiceRecord, at: number): void {
    if (service.status === 'DRAINING') {
      this.drained(service, at);
      return;
    }
    const primary = primaryOf(service);
    if (!primary || primary.rolloutState !== 'IN_PROGRESS' || primary.draining) return;
    if (primary.strategy && primary.strategy !== 'ROLLING') {
      this.stagedProgress(service, primary, at);
      return;
    }
    const desired = primary.desiredCount;
    const { maximumPercent, minimumHealthyPercent } = service.deploymentConfiguration;
    const maxTasks = Math.floor((desired * maximumPercent) / 100);
    const minHealthy = Math.ceil((desired * minimumHealthyPercent) / 100);
    const others = service.deployments.filter((deployment) => deployment !== primary);
    const oldLive = others.flatMap((deployment) => this.liveTasks(deployment));
    const newLive = this.liveTasks(primary);
    const newReady = newLive.filter((task) => this.ready(task, service)).length;

    // Stop old tasks as far as the healthy floor allows (an old task that is not ready goes first).
    const oldReady = oldLive.filter((task) => this.ready(task, service));
    const oldNotReady = oldLive.filter((task) => !this.ready(task, service));
    const stoppable = Math.max(0, newReady + oldReady.length - minHealthy);
    const toStop = [...oldNotReady, ...oldReady.slice(0, Math.min(stoppable, oldReady.length))];
    if (toStop.length > 0) this.stopTasks(service, toStop, primary, at);

    // Launch new tasks into the room maximumPercent leaves (tasks still draining count).
    if (at >= (primary.nextLaunchAt ?? 0)) {
      const room = maxTasks - this.unstopped(service).length;
      const launch = Math.min(desired - newLive.length, room);
      if (launch > 0) this.launchTasks(service, primary, launch, at);
    }

    if (newReady >= desired && this.unstopped(service).length <= newReady && oldLive.length === 0) {
      primary.draining = true;
      this.scheduler.schedule(at + this.times.steadyStateMs, (when) => this.complete(service, primary, when));
    }
  }

  private stopTasks(service: ServiceRecord, tasks: TaskRecord[], by: DeploymentRecord, at: number): void {
    const times = this.times;
    const drainMs = service.loadBalancers?.length ? times.deregistrationMs : 0;
    for (const task of tasks) {
      task.desiredStatus = 'STOPPED';
      task.lastStatus = 'DEACTIVATING';
      task.stoppingAt = at;
      task.version += 1;
      // DEACTIVATING while the target drains, then STOPPING (with a fixed taskStopDelayMs it stays
      // DEACTIVATING until STOPPED, as before the time model).
      if (!times.fixedStop) {
        this.scheduler.schedule(at + drainMs, () => {
          if (task.lastStatus === 'STOPPED') return;
          task.lastStatus = 'STOPPING';
          task.version += 1;
        });
      }
      this.scheduler.schedule(at + drainMs + times.stoppingMs, (when) => {
        if (task.lastStatus === 'STOPPED') return;
        task.lastStatus = 'STOPPED';
        task.stoppedAt = when;
        task.stopCode = 'ServiceSchedulerInitiated';
        task.stoppedReason = `Scaling activity initiated by (deployment ${by.id})`;
        task.version += 1;
        for (const container of task.containers) {
          container.lastStatus = 'STOPPED';
          container.exitCode ??= 0;
        }
        this.requestProgress(service, when);
      });
    }
    this.writeEvent(
      service,
      at,
      `(service ${service.serviceName}) has stopped ${tasks.length} running tasks: ${tasks.map((task) => `(task ${task.taskId})`).join(' ')}.`,
    );
  }

  private complete(service: ServiceRecord, primary: DeploymentRecord, at: number): void {
    if (primary.status !== 'PRIMARY' || primary.rolloutState !== 'IN_PROGRESS') return;
    for (const other of service.deployments) if (other !== primary) other.status = 'INACTIVE';
    service.deployments = [primary];
    this.setRollout(primary, 'COMPLETED', `ECS deployment ${primary.id} completed.`, at);
    service.lastCompleted = { deploymentId: primary.id, taskDefinition: primary.taskDefinition };
    const record = this.serviceDeploymentOf(primary);
    if (record && !FINISHED_STATUSES.has(record.status)) {
      if (primary.rollbackOf) this.finish(record, 'ROLLBACK_SUCCESSFUL', at);
      else if (record.status === 'IN_PROGRESS') this.finish(record, 'SUCCESSFUL', at);
    }
    this.writeEvent(service, at, `(service ${service.serviceName}) (deployment ${primary.id}) deployment completed.`);
    this.writeEvent(service, at, `(service ${service.serviceName}) has reached a steady state.`);
  }

  private setRollout(
    deployment: DeploymentRecord,
    state: DeploymentRecord['rolloutState'],
    reason: string,
    at: number,
  ): void {
    deployment.rolloutState = state;
    deployment.rolloutStateReason = reason;
    deployment.rolloutStateChangedAt = at;
    deployment.updatedAt = at;
  }

  writeEvent(service: ServiceRecord, at: number, message: string): void {
    const id = `${this.environment.ids.hex(8)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(12)}`;
    service.events.unshift({ id, createdAt: at, message });
    // ECS returns the newest 100 events.
    if (service.events.length > 100) service.events.length = 100;
  }
}

/** The production traffic steps of a strategy, with the wait after each (ms of real time, scaled later). */
function productionSteps(
  configuration: ServiceRecord['deploymentConfiguration'],
): { percent: number; waitMs: number }[] {
  const tenth = (value: number) => Math.round(value * 10) / 10;
  if (configuration.strategy === 'LINEAR') {
    const step = configuration.linearConfiguration?.stepPercent ?? 10;
    const waitMs = (configuration.linearConfiguration?.stepBakeTimeInMinutes ?? 6) * 60_000;
    const steps: { percent: number; waitMs: number }[] = [];
    for (let i = 1; tenth(i * step) < 100; i += 1) steps.push({ percent: tenth(i * step), waitMs });
    return [...steps, { percent: 100, waitMs: 0 }];
  }
  if (configuration.strategy === 'CANARY') {
    const percent = configuration.canaryConfiguration?.canaryPercent ?? 5;
    const waitMs = (configuration.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10) * 60_000;
    return percent >= 100
      ? [{ percent: 100, waitMs: 0 }]
      : [
          { percent, waitMs },
          { percent: 100, waitMs: 0 },
        ];
  }
  return [{ percent: 100, waitMs: 0 }];
}

/** The slowest container health check's timing in a task definition (seconds), as ECS's HealthCheck gives it. */
function healthCheckTiming(definition: Json): TaskRecord['healthCheck'] {
  let timing: TaskRecord['healthCheck'];
  for (const container of (definition.containerDefinitions as Json[] | undefined) ?? []) {
    const check = container.healthCheck as Json | undefined;
    if (!check) continue;
    const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
    timing = {
      interval: Math.max(timing?.interval ?? 0, number(check.interval) ?? 0) || undefined,
      retries: Math.max(timing?.retries ?? 0, number(check.retries) ?? 0) || undefined,
      startPeriod: Math.max(timing?.startPeriod ?? 0, number(check.startPeriod) ?? 0) || undefined,
    };
  }
  return timing;
}

export function primaryOf(service: ServiceRecord): DeploymentRecord | undefined {
  return service.deployments.find((deployment) => deployment.status === 'PRIMARY');
}
