/** The ECS state the emulator keeps, shaped as close to ECS's responses as is useful. */

export type Json = Record<string, unknown>;

export interface ClusterRecord {
  clusterArn: string;
  clusterName: string;
  status: 'ACTIVE' | 'INACTIVE';
  tags: { key: string; value: string }[];
}

export interface TaskDefinitionRecord {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  /** The definition as DescribeTaskDefinition returns it (ECS's defaults filled in). */
  definition: Json;
  tags: { key: string; value: string }[];
  registeredAt: number;
  deregisteredAt?: number;
}

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface DeploymentRecord {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  launchType?: string;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  /** When `rolloutState` last changed, on the emulator clock; benchmarks measure from it. */
  rolloutStateChangedAt: number;
  /** Set once the deployment's own tasks are ready and the older deployments are being drained. */
  draining: boolean;
  /** The deployment this one rolls back from (the circuit breaker's rollback). */
  rollbackOf?: string;
  unstableEventWritten?: boolean;
  /** Failures the circuit breaker counts: reset by a task turning healthy unless `resetOnHealthyTask` is false. */
  breakerFailures?: number;
  /** After a failure the scheduler launches no replacement before this time (its backoff). */
  nextLaunchAt?: number;
}

/** ECS's DeploymentCircuitBreaker (AWS SDK for JavaScript v3 model, @aws-sdk/client-ecs 3.1164.0). */
export interface CircuitBreakerConfiguration {
  enable: boolean;
  rollback: boolean;
  /** Default true: a task reaching a healthy state resets the failure count to 0. */
  resetOnHealthyTask?: boolean;
  /** Default BOUNDED_PERCENT 50: 0.5 x the service's desired count, at least 3 and at most 200. */
  thresholdConfiguration?: { type: 'COUNT' | 'BOUNDED_PERCENT' | 'UNBOUNDED_PERCENT'; value: number };
}

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface ServiceRecord {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  clusterName: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  taskDefinition: string;
  launchType?: string;
  deploymentConfiguration: {
    deploymentCircuitBreaker: CircuitBreakerConfiguration;
    maximumPercent: number;
    minimumHealthyPercent: number;
  };
  /** The service's health-check grace period: an unhealthy task is not replaced before it has passed. */
  healthCheckGracePeriodSeconds?: number;
  /** The load balancers as given: a load-balanced task waits for its target's health and drains for the deregistration delay. */
  loadBalancers?: Json[];
  deployments: DeploymentRecord[];
  events: ServiceEvent[];
  createdAt: number;
  networkConfiguration?: Json;
  propagateTags: string;
  enableECSManagedTags: boolean;
  /** The task definition of the newest COMPLETED deployment: what the circuit breaker rolls back to. */
  lastCompleted?: { deploymentId: string; taskDefinition: string };
  extra: Json;
}

export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPING' | 'STOPPED';

export interface ContainerRecord {
  containerArn: string;
  name: string;
  image: string;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
  healthStatus?: string;
  essential: boolean;
  /** With a real task runtime: the host port the OS picked for it (the app is told with PORT). */
  hostPort?: number;
  /** The definition's first containerPort, reported beside the host port. */
  containerPort?: number;
}

export interface TaskRecord {
  taskArn: string;
  taskId: string;
  clusterArn: string;
  serviceName: string;
  taskDefinitionArn: string;
  startedBy: string;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  healthStatus: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';
  hasHealthCheck: boolean;
  /** The task definition's health check timing (seconds), for the time model; undefined: ECS's defaults. */
  healthCheck?: { interval?: number; retries?: number; startPeriod?: number };
  /** Set once a load-balanced task's target passed its health checks. */
  targetHealthy?: boolean;
  containers: ContainerRecord[];
  createdAt: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  launchType?: string;
  cpu?: string;
  memory?: string;
  version: number;
  /** With a real task runtime: how the task is to read once its containers have stopped. */
  pendingStop?: { stopCode: string; stoppedReason: string };
}

export function clusterArn(region: string, account: string, name: string): string {
  return `arn:aws:ecs:${region}:${account}:cluster/${name}`;
}

export function serviceArn(region: string, account: string, cluster: string, name: string): string {
  return `arn:aws:ecs:${region}:${account}:service/${cluster}/${name}`;
}

export function taskDefinitionArn(region: string, account: string, family: string, revision: number): string {
  return `arn:aws:ecs:${region}:${account}:task-definition/${family}:${revision}`;
}

/** `cluster-name` or `arn:aws:ecs:...:cluster/cluster-name` to the name. */
export function nameFromArnOrName(value: string, resource: string): string {
  const match = new RegExp(`^arn:aws[a-z-]*:ecs:[^:]*:\\d{12}:${resource}/(?:[^/]+/)?([^/]+)$`).exec(value);
  return match ? match[1] : value;
}

export function epochSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}
