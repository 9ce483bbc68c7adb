import { Scheduler } from '../clock.js';
import { imageMatcher, type FailingImage } from '../scenario.js';
import type { AwsEmulatorEnvironment } from '../types.js';
import type { DeploymentRecord, Json, ServiceRecord, TaskDefinitionRecord, TaskRecord } from './model.js';

/**
 * ECS's rolling-update scheduler, reduced to what a deploy tool observes. A new PRIMARY deployment
 * launches its tasks (up to maximumPercent lets them run beside the old ones); each task is
 * PROVISIONING, then RUNNING, then HEALTHY when it has a health check. When all of them are ready
 * the older deployments' tasks are stopped, and once they are gone the deployment is COMPLETED with
 * the steady-state event. A task whose image matches a failing pattern stops with the scenario's
 * exit code and reason and is replaced; with the deployment circuit breaker on, the deployment
 * FAILS once its failed tasks reach the threshold and, with rollback, a new deployment of the last
 * completed task definition takes over.
 *
 * Every transition is scheduled on the emulator clock and applied by `settle()`, which the service
 * calls before answering any request, so state is exact at the time of each call.
 */

export class DeploymentEngine {
  readonly scheduler = new Scheduler();

  constructor(
    private readonly environment: AwsEmulatorEnvironment,
    private readonly tasks: Map<string, TaskRecord>,
    private readonly taskDefinitionByArn: (arn: string) => TaskDefinitionRecord | undefined,
  ) {}

  private get ecs() {
    return this.environment.scenario().ecs;
  }

  settle(): void {
    this.scheduler.runUntil(this.environment.clock.now());
  }

  reset(): void {
    this.scheduler.clear();
  }

  /** ECS's threshold: half the desired count, at least 3 and at most 200. */
  static circuitBreakerThreshold(desiredCount: number): number {
    return Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));
  }

  newDeploymentId(): string {
    return `ecs-svc/${this.environment.ids.digits(19)}`;
  }

  /** Make `deployment` the PRIMARY one and start rolling it out. */
  startDeployment(service: ServiceRecord, deployment: DeploymentRecord, at: number): void {
    for (const other of service.deployments) if (other.status === 'PRIMARY') other.status = 'ACTIVE';
    service.deployments.unshift(deployment);
    service.taskDefinition = deployment.taskDefinition;
    this.launchTasks(service, deployment, deployment.desiredCount, at);
    this.checkProgress(service, at);
  }

  /** A service that has been stable for a while: tasks RUNNING and healthy, deployment COMPLETED. */
  seedSteadyDeployment(service: ServiceRecord, deployment: DeploymentRecord, at: number): void {
    deployment.rolloutState = 'COMPLETED';
    deployment.rolloutStateReason = `ECS deployment ${deployment.id} completed.`;
    service.deployments = [deployment];
    service.lastCompleted = { deploymentId: deployment.id, taskDefinition: deployment.taskDefinition };
    for (let i = 0; i < deployment.desiredCount; i += 1) {
      const task = this.createTask(service, deployment, at);
      task.lastStatus = 'RUNNING';
      task.startedAt = at;
      task.healthStatus = task.hasHealthCheck ? 'HEALTHY' : 'UNKNOWN';
      for (const container of task.containers) container.lastStatus = 'RUNNING';
    }
  }

  /** Change the PRIMARY deployment's desired count without a new deployment (UpdateService desiredCount only). */
  scale(service: ServiceRecord, desiredCount: number, at: number): void {
    const primary = primaryOf(service);
    service.desiredCount = desiredCount;
    if (!primary) return;
    primary.desiredCount = desiredCount;
    const live = this.liveTasks(primary);
    if (live.length < desiredCount) this.launchTasks(service, primary, desiredCount - live.length, at);
    if (live.length > desiredCount) this.stopTasks(service, live.slice(desiredCount), primary, at);
    this.checkProgress(service, at);
  }

  liveTasks(deployment: DeploymentRecord): TaskRecord[] {
    return [...this.tasks.values()].filter(
      (task) => task.startedBy === deployment.id && task.desiredStatus === 'RUNNING' && task.lastStatus !== 'STOPPED',
    );
  }

  private createTask(service: ServiceRecord, deployment: DeploymentRecord, at: number): TaskRecord {
    const taskDefinition = this.taskDefinitionByArn(deployment.taskDefinition);
    const definition = taskDefinition?.definition ?? {};
    const taskId = this.environment.ids.hex(32);
    const clusterPrefix = service.clusterArn.replace(':cluster/', ':task/');
    const containers = ((definition.containerDefinitions as Json[] | undefined) ?? []).map((container) => ({
      containerArn: `${service.clusterArn.replace(':cluster/', ':container/')}/${taskId}/${this.environment.ids.hex(8)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(12)}`,
      name: String(container.name),
      image: String(container.image),
      lastStatus: 'PENDING',
      essential: container.essential !== false,
      healthStatus: container.healthCheck ? 'UNKNOWN' : undefined,
    }));
    const task: TaskRecord = {
      taskArn: `${clusterPrefix}/${taskId}`,
      taskId,
      clusterArn: service.clusterArn,
      serviceName: service.serviceName,
      taskDefinitionArn: deployment.taskDefinition,
      startedBy: deployment.id,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      hasHealthCheck: ((definition.containerDefinitions as Json[] | undefined) ?? []).some((c) => c.healthCheck),
      containers,
      createdAt: at,
      launchType: service.launchType,
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
      if (failing && failing.exitCode === undefined && failing.reason) {
        // The container never runs (an image that cannot be pulled): the task fails while starting.
        this.scheduler.schedule(at + this.ecs.taskStartDelayMs, (when) => this.failTask(service, task, failing, when));
      } else {
        this.scheduler.schedule(at + this.startDelayFor(task), (when) =>
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

  private startDelayFor(task: TaskRecord): number {
    const slow = this.ecs.slowImages.find((candidate) =>
      task.containers.some((container) => imageMatcher(candidate.pattern)(container.image)),
    );
    return slow ? slow.startDelayMs : this.ecs.taskStartDelayMs;
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
    if (failing) {
      this.scheduler.schedule(at + (failing.afterMs ?? this.ecs.taskFailDelayMs), (when) =>
        this.failTask(service, task, failing, when),
      );
      return;
    }
    if (task.hasHealthCheck) {
      this.scheduler.schedule(at + this.ecs.taskHealthyDelayMs, (when) => {
        if (task.lastStatus !== 'RUNNING') return;
        task.healthStatus = 'HEALTHY';
        for (const container of task.containers) if (container.healthStatus) container.healthStatus = 'HEALTHY';
        this.checkProgress(service, when);
      });
      return;
    }
    this.checkProgress(service, at);
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
      } else if (!neverStarted) {
        container.exitCode = 143;
      }
    }
    const deployment = service.deployments.find((candidate) => candidate.id === task.startedBy);
    if (!deployment) return;
    deployment.failedTasks += 1;
    deployment.updatedAt = at;
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    if (
      breaker.enable &&
      deployment.rolloutState === 'IN_PROGRESS' &&
      deployment.failedTasks >= DeploymentEngine.circuitBreakerThreshold(deployment.desiredCount)
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
      this.scheduler.schedule(at + this.ecs.taskRestartDelayMs * backoff, (when) => {
        if (deployment.status !== 'PRIMARY' || deployment.rolloutState !== 'IN_PROGRESS') return;
        const missing = deployment.desiredCount - this.liveTasks(deployment).length;
        this.launchTasks(service, deployment, missing, when);
      });
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
    const target = service.lastCompleted;
    if (!breaker.rollback || !target || target.taskDefinition === deployment.taskDefinition) return;
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
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${target.deploymentId}.`,
      rolloutStateChangedAt: at,
      draining: false,
      rollbackOf: deployment.id,
    };
    this.writeEvent(service, at, `(service ${service.serviceName}) rolling back to deployment ${rollback.id}.`);
    this.startDeployment(service, rollback, at);
  }

  private ready(task: TaskRecord): boolean {
    return (
      task.lastStatus === 'RUNNING' &&
      task.desiredStatus === 'RUNNING' &&
      (!task.hasHealthCheck || task.healthStatus === 'HEALTHY')
    );
  }

  /** When the PRIMARY deployment's tasks are all ready, drain the others, then complete. */
  private checkProgress(service: ServiceRecord, at: number): void {
    const primary = primaryOf(service);
    if (!primary || primary.rolloutState !== 'IN_PROGRESS' || primary.draining) return;
    const ready = this.liveTasks(primary).filter((task) => this.ready(task)).length;
    if (ready < primary.desiredCount) return;
    primary.draining = true;
    const others = service.deployments.filter((deployment) => deployment !== primary);
    const oldTasks = others.flatMap((deployment) => this.liveTasks(deployment));
    if (oldTasks.length === 0) {
      this.scheduler.schedule(at + this.ecs.steadyStateDelayMs, (when) => this.complete(service, primary, when));
      return;
    }
    this.stopTasks(service, oldTasks, primary, at);
    this.scheduler.schedule(at + this.ecs.taskStopDelayMs + this.ecs.steadyStateDelayMs, (when) =>
      this.complete(service, primary, when),
    );
  }

  private stopTasks(service: ServiceRecord, tasks: TaskRecord[], by: DeploymentRecord, at: number): void {
    for (const task of tasks) {
      task.desiredStatus = 'STOPPED';
      task.lastStatus = 'DEACTIVATING';
      task.stoppingAt = at;
      task.version += 1;
      this.scheduler.schedule(at + this.ecs.taskStopDelayMs, (when) => {
        task.lastStatus = 'STOPPED';
        task.stoppedAt = when;
        task.stopCode = 'ServiceSchedulerInitiated';
        task.stoppedReason = `Scaling activity initiated by (deployment ${by.id})`;
        task.version += 1;
        for (const container of task.containers) {
          container.lastStatus = 'STOPPED';
          container.exitCode ??= 0;
        }
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

export function primaryOf(service: ServiceRecord): DeploymentRecord | undefined {
  return service.deployments.find((deployment) => deployment.status === 'PRIMARY');
}
