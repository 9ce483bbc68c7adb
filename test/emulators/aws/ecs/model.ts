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

/** DeploymentConfiguration.strategy (botocore 1.43's ECS model). */
export type DeploymentStrategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';

/** ServiceDeploymentStatus. */
export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

/** ServiceDeploymentLifecycleStage, in the order a blue/green, linear or canary deployment goes through them. */
export const LIFECYCLE_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** DeploymentLifecycleHookStage: the stages a hook can run at (PRE_PRODUCTION_TRAFFIC_SHIFT is a hook stage only). */
export const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;
export type HookStage = (typeof HOOK_STAGES)[number];

export const FINISHED_STATUSES: ReadonlySet<ServiceDeploymentStatus> = new Set([
  'SUCCESSFUL',
  'STOPPED',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
]);

/** A service revision: the configuration one deployment rolls out (DescribeServiceRevisions). */
export interface ServiceRevisionRecord {
  arn: string;
  serviceArn: string;
  clusterArn: string;
  taskDefinition: string;
  launchType?: string;
  capacityProviderStrategy?: Json[];
  platformVersion?: string;
  loadBalancers: Json[];
  networkConfiguration?: Json;
  containerImages: { containerName: string; image: string }[];
  createdAt: number;
}

export interface HookDetailRecord {
  hookId: string;
  stage: HookStage;
  targetType: string;
  targetArn: string;
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
}

/** A service deployment (ListServiceDeployments, DescribeServiceDeployments): one per deployment ECS starts. */
export interface ServiceDeploymentRecord {
  arn: string;
  id: string;
  serviceArn: string;
  clusterArn: string;
  serviceName: string;
  clusterName: string;
  strategy: DeploymentStrategy;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  lifecycleStage?: LifecycleStage;
  /** Every stage entered, with when, for tests and the README's walk-throughs (not in the API). */
  stageHistory: { stage: LifecycleStage; at: number }[];
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  stoppedAt?: number;
  updatedAt: number;
  sourceRevisionArns: string[];
  targetRevisionArn: string;
  /** The ecs-svc/ deployment (DescribeServices) rolling out the target revision, and the ones it replaces. */
  deploymentId: string;
  sourceDeploymentIds: string[];
  /** The service's deploymentConfiguration when the deployment started. */
  configuration: Json;
  breaker: { enabled: boolean; failureCount: number; threshold: number; triggered: boolean };
  alarms: { enabled: boolean; rollback: boolean; names: string[]; triggered: string[] };
  rollback?: { reason: string; startedAt: number; serviceRevisionArn?: string };
  hooks: HookDetailRecord[];
  /** The traffic the target revision is asked to take, in percent (blue/green, linear, canary). */
  weights: { production: number; test: number };
  /** Every change of `weights`, with when (not in the API: ECS reports the current weights only). */
  trafficHistory: { production: number; test: number; at: number }[];
  /** The service revision's counts once the deployment has finished (ServiceRevisionSummary). */
  finalCounts?: { requested: number; running: number; pending: number };
}

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
  /** The service deployment this deployment belongs to, and the revision it rolls out. */
  serviceDeploymentArn?: string;
  serviceRevisionArn?: string;
  strategy?: DeploymentStrategy;
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
    strategy?: DeploymentStrategy;
    bakeTimeInMinutes?: number;
    alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean };
    lifecycleHooks?: Json[];
    linearConfiguration?: { stepPercent?: number; stepBakeTimeInMinutes?: number };
    canaryConfiguration?: { canaryPercent?: number; canaryBakeTimeInMinutes?: number };
  };
  capacityProviderStrategy?: Json[];
  platformVersion?: string;
  roleArn?: string;
  enableExecuteCommand?: boolean;
  deploymentController?: { type: string };
  tags?: { key: string; value: string }[];
  /** Service deployments, newest first. */
  serviceDeployments: ServiceDeploymentRecord[];
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
  /** The container's awslogs destination, when its logConfiguration uses the awslogs driver. */
  logs?: { group: string; stream: string };
}

export interface TaskRecord {
  taskArn: string;
  taskId: string;
  clusterArn: string;
  serviceName: string;
  taskDefinitionArn: string;
  startedBy: string;
  /** `service:<name>` for a service's task, else RunTask's group (default `family:<family>`). */
  group: string;
  /** A task RunTask started (not a service's): it runs to STOPPED with its essential container's exit code. */
  oneOff?: boolean;
  overrides?: Json;
  capacityProviderName?: string;
  /** The service revision the task runs (a service's task). */
  revisionArn?: string;
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
