import { Scheduler } from '../clock.js';
import { ecsPhaseTimes, imageMatcher, type EcsPhaseTimes, type FailingImage } from '../scenario.js';
import type { AwsEmulatorEnvironment } from '../types.js';
import type {
  CircuitBreakerConfiguration,
  DeploymentRecord,
  Json,
  ServiceRecord,
  TaskDefinitionRecord,
  TaskRecord,
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

/**
 * A real task runtime (docker or process, runtime.ts) as the engine drives it: the engine starts a
 * task's containers once it is PENDING and stops them once it is STOPPING; the runtime reports
 * back through the engine's `runtime*` methods at the real moments things happen.
 */
export interface EngineRuntimeHooks {
  start(task: TaskRecord, definition: Json): void;
  /** Stop it gracefully (after the load balancer drained it); false when the runtime never started it. */
  stop(task: TaskRecord): boolean;
  kill(task: TaskRecord): void;
}

export class DeploymentEngine {
  readonly scheduler = new Scheduler();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** Told after the timer or a real runtime changed state (what `until` waits on). */
  onChange?: () => void;

  /** With a real runtime, start/health/exit follow the containers; the rest keeps the time model. */
  private real: EngineRuntimeHooks | undefined;

  constructor(
    private readonly environment: AwsEmulatorEnvironment,
    private readonly tasks: Map<string, TaskRecord>,
    private readonly taskDefinitionByArn: (arn: string) => TaskDefinitionRecord | undefined,
  ) {}

  /** Drive tasks with a real runtime (before any task exists). */
  attachRuntime(hooks: EngineRuntimeHooks): void {
    this.real = hooks;
    // Real containers must start and stop when their moment comes even if nobody looks: a timer
    // settles the engine at the next scheduled instant.
    this.scheduler.onSchedule = () => this.arm();
  }

  private arm(): void {
    const next = this.scheduler.nextAt();
    if (next === undefined) return;
    if (this.timer && this.timerAt <= next) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.settle();
        this.onChange?.();
      },
      Math.max(0, next - this.environment.clock.now()),
    );
    this.timer.unref();
  }

  /** Stop the timer (the emulator closes). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.scheduler.onSchedule = undefined;
  }

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
    if (this.real) this.arm();
  }

  reset(): void {
    this.scheduler.clear();
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

  /** Make `deployment` the PRIMARY one and start rolling it out. */
  startDeployment(service: ServiceRecord, deployment: DeploymentRecord, at: number): void {
    for (const other of service.deployments) if (other.status === 'PRIMARY') other.status = 'ACTIVE';
    service.deployments.unshift(deployment);
    service.taskDefinition = deployment.taskDefinition;
    this.checkProgress(service, at);
  }

  /** A service that has been stable for a while: tasks RUNNING and healthy, deployment COMPLETED. */
  seedSteadyDeployment(service: ServiceRecord, deployment: DeploymentRecord, at: number): void {
    deployment.rolloutState = 'COMPLETED';
    deployment.rolloutStateReason = `ECS deployment ${deployment.id} completed.`;
    service.deployments = [deployment];
    service.lastCompleted = { deploymentId: deployment.id, taskDefinition: deployment.taskDefinition };
    if (this.real) {
      // Real containers cannot be already running: they start now, under a deployment that reads COMPLETED.
      this.launchTasks(service, deployment, deployment.desiredCount, at);
      return;
    }
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
      healthCheck: healthCheckTiming(definition),
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
      const times = this.times;
      if (this.real) {
        const real = this.real;
        // Provisioning stays simulated (the time model); the pull, the start, the health and the
        // exit are the runtime's.
        this.scheduler.schedule(at + times.provisioningMs, () => {
          if (task.lastStatus !== 'PROVISIONING' || task.desiredStatus !== 'RUNNING') return;
          task.lastStatus = 'PENDING';
          task.version += 1;
          real.start(task, this.taskDefinitionByArn(task.taskDefinitionArn)?.definition ?? {});
        });
        continue;
      }
      const failing = this.failingImageFor(task);
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
    if (task.hasHealthCheck && !this.real) {
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
      } else if (!neverStarted && !this.real) {
        container.exitCode = 143;
      }
    }
    // A real task's containers are killed now; their exit codes arrive with `runtimeStopped`.
    this.real?.kill(task);
    const deployment = service.deployments.find((candidate) => candidate.id === task.startedBy);
    // Once the circuit breaker has failed a deployment it counts no more of its failures.
    if (!deployment || deployment.rolloutState === 'FAILED') return;
    deployment.failedTasks += 1;
    deployment.breakerFailures = (deployment.breakerFailures ?? 0) + 1;
    deployment.updatedAt = at;
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
    } else if (deployment.status === 'PRIMARY' && deployment.rolloutState === 'COMPLETED') {
      // A steady service keeps its desired count: a task that failed (a real container that
      // exited or turned unhealthy) is replaced, with the same backoff.
      const backoff = Math.min(2 ** Math.min(deployment.failedTasks - 1, 5), 32);
      this.scheduler.schedule(at + this.times.restartMs * backoff, (when) => {
        if (deployment.status !== 'PRIMARY' || deployment.rolloutState !== 'COMPLETED') return;
        const missing = deployment.desiredCount - this.liveTasks(deployment).length;
        if (missing > 0) this.launchTasks(service, deployment, missing, when);
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

  /** Ready for traffic: RUNNING, HEALTHY when checked, its target healthy when load-balanced. */
  isReady(task: TaskRecord, service: ServiceRecord): boolean {
    return this.ready(task, service);
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
    const primary = primaryOf(service);
    if (!primary || primary.rolloutState !== 'IN_PROGRESS' || primary.draining) return;
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
      if (this.real) {
        const real = this.real;
        task.pendingStop = {
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: `Scaling activity initiated by (deployment ${by.id})`,
        };
        // The deregistration delay stays simulated; then SIGTERM, and STOPPED when the containers are gone.
        this.scheduler.schedule(at + drainMs, (when) => {
          if (task.lastStatus === 'STOPPED') return;
          task.lastStatus = 'STOPPING';
          task.version += 1;
          if (!real.stop(task)) this.runtimeStopped(service, task, {}, when);
        });
        continue;
      }
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

  // ---- what a real runtime reports (runtime.ts), each at the moment it happened --------------

  /** Every container of the task started. */
  runtimeRunning(
    service: ServiceRecord,
    task: TaskRecord,
    info: { ports: Record<string, number>; healthChecked: string[] },
  ): void {
    this.settle();
    if (task.lastStatus === 'STOPPED' || task.desiredStatus !== 'RUNNING') return;
    for (const container of task.containers) {
      if (info.ports[container.name] !== undefined) container.hostPort = info.ports[container.name];
      // The image's own HEALTHCHECK counts too, where the definition has none.
      if (info.healthChecked.includes(container.name)) container.healthStatus ??= 'UNKNOWN';
    }
    if (info.healthChecked.length > 0) task.hasHealthCheck = true;
    this.taskRunning(service, task, undefined, this.environment.clock.now());
  }

  runtimeHealth(
    service: ServiceRecord,
    task: TaskRecord,
    containerName: string,
    status: 'HEALTHY' | 'UNHEALTHY',
  ): void {
    this.settle();
    if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return;
    const at = this.environment.clock.now();
    const container = task.containers.find((candidate) => candidate.name === containerName);
    if (!container) return;
    container.healthStatus = status;
    const checked = task.containers.filter((candidate) => candidate.healthStatus !== undefined);
    const taskHealth = checked.some((candidate) => candidate.essential && candidate.healthStatus === 'UNHEALTHY')
      ? 'UNHEALTHY'
      : checked.every((candidate) => candidate.healthStatus === 'HEALTHY')
        ? 'HEALTHY'
        : 'UNKNOWN';
    const changed = taskHealth !== task.healthStatus;
    task.healthStatus = taskHealth;
    task.version += 1;
    if (!changed) return;
    if (taskHealth === 'HEALTHY') this.taskReady(service, task, at);
    if (taskHealth === 'UNHEALTHY') {
      // The scheduler replaces it, but not before the service's health-check grace period is over.
      const graceEnds = (task.startedAt ?? at) + this.times.seconds(service.healthCheckGracePeriodSeconds ?? 0);
      this.scheduler.schedule(Math.max(at, graceEnds), (when) => {
        if (task.healthStatus !== 'UNHEALTHY' || task.lastStatus !== 'RUNNING') return;
        this.failTask(
          service,
          task,
          {
            pattern: '',
            container: containerName,
            stopCode: 'ServiceSchedulerInitiated',
            stoppedReason: 'Task failed container health checks',
          },
          when,
        );
      });
    }
  }

  /** A container exited on its own. */
  runtimeExited(
    service: ServiceRecord,
    task: TaskRecord,
    containerName: string,
    exitCode: number,
    essential: boolean,
  ): void {
    this.settle();
    const at = this.environment.clock.now();
    const container = task.containers.find((candidate) => candidate.name === containerName);
    if (container && container.exitCode === undefined) {
      container.exitCode = exitCode;
      container.lastStatus = 'STOPPED';
    }
    if (!essential || task.lastStatus === 'STOPPED') {
      task.version += 1;
      return;
    }
    if (task.desiredStatus === 'STOPPED') {
      // It was being stopped anyway: it is STOPPED now, as the scheduler meant it.
      this.runtimeStopped(service, task, {}, at);
      return;
    }
    this.failTask(
      service,
      task,
      {
        pattern: '',
        container: containerName,
        exitCode,
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
      },
      at,
    );
  }

  /** Every container is gone (after a stop, a kill, or an essential container's exit). */
  runtimeStopped(service: ServiceRecord, task: TaskRecord, exitCodes: Record<string, number>, at?: number): void {
    if (at === undefined) this.settle();
    const when = at ?? this.environment.clock.now();
    for (const container of task.containers) {
      if (container.exitCode === undefined && exitCodes[container.name] !== undefined) {
        container.exitCode = exitCodes[container.name];
      }
      container.lastStatus = 'STOPPED';
    }
    task.version += 1;
    if (task.lastStatus === 'STOPPED') return;
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppedAt = when;
    task.stoppingAt ??= when;
    task.stopCode = task.pendingStop?.stopCode ?? 'ServiceSchedulerInitiated';
    task.stoppedReason = task.pendingStop?.stoppedReason ?? 'Task stopped by the emulator';
    this.requestProgress(service, when);
  }

  /** The task never ran: secrets, the pull, or the start failed. */
  runtimeFailedToStart(
    service: ServiceRecord,
    task: TaskRecord,
    failure: { stoppedReason: string; containerReason?: string; container?: string },
  ): void {
    this.settle();
    this.failTask(
      service,
      task,
      {
        pattern: '',
        container: failure.container ?? task.containers[0]?.name ?? '',
        reason: failure.containerReason,
        stoppedReason: failure.stoppedReason,
        stopCode: 'TaskFailedToStart',
      },
      this.environment.clock.now(),
    );
  }

  writeEvent(service: ServiceRecord, at: number, message: string): void {
    const id = `${this.environment.ids.hex(8)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(4)}-${this.environment.ids.hex(12)}`;
    service.events.unshift({ id, createdAt: at, message });
    // ECS returns the newest 100 events.
    if (service.events.length > 100) service.events.length = 100;
  }
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
