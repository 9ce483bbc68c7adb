import {
  DescribeServiceDeploymentsCommand,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  type ECSClient,
  type Service,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { classifyAwsError, explainAwsError, isTransient } from '@shipyard/shared/aws-errors';
import { errorMessage } from '@shipyard/shared/errors';
import { pollUntil } from '@shipyard/shared/poll';
import { formatDuration } from '@shipyard/shared/duration';
import { assess, newEvents, type EventLine, type Outcome, type TimelineEntry } from './watch.js';

/**
 * Watching a rollout through ECS's service deployment objects (2025): each UpdateService that
 * starts a deployment makes one (`ListServiceDeployments`, `DescribeServiceDeployments`), with its
 * status, the lifecycle stage it is in (blue/green: scale-up, test traffic, production traffic,
 * bake time, clean-up; linear and canary: each production traffic step), the circuit breaker's
 * failure count against its threshold, the CloudWatch alarms that fired, and the rollback. Where
 * the API is not there (an older region or partition, or a policy without it) the rollout is
 * followed through DescribeServices alone, as before.
 *
 * Each poll also describes the service, for its events and the deployment's failed task count; a
 * new failed task makes the caller look at the stopped tasks (fail fast, see stops.ts).
 */

export type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY' | 'CODE_DEPLOY' | 'EXTERNAL';

/** The strategy a service deploys with: its deployment controller when not ECS, else deploymentConfiguration.strategy. */
export function strategyOf(service: Service): Strategy {
  const controller = service.deploymentController?.type;
  if (controller === 'CODE_DEPLOY' || controller === 'EXTERNAL') return controller;
  return (service.deploymentConfiguration?.strategy as Strategy | undefined) ?? 'ROLLING';
}

/** Errors that say the service deployment API is not there for this caller: fall back, never fail. */
const UNAVAILABLE = new Set([
  'UnknownOperationException',
  'InvalidParameterException',
  'UnsupportedFeatureException',
  'InvalidAction',
  'AccessDeniedException',
  'AccessDenied',
]);

export function isApiUnavailable(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return UNAVAILABLE.has(name) || classifyAwsError(error) === 'permission';
}

export interface StageEntry {
  atMs: number;
  stage: string;
  status: string;
  /** Production and test traffic on the new revision, in percent, when ECS reports them. */
  production?: number;
  test?: number;
}

export interface CircuitBreakerState {
  status?: string;
  failureCount: number;
  threshold: number;
}

/** What a watch found out about the service deployment. */
export interface DeploymentFacts {
  arn?: string;
  strategy: Strategy;
  status?: string;
  statusReason?: string;
  finalStage?: string;
  stages: StageEntry[];
  circuitBreaker?: CircuitBreakerState;
  alarmsFired: string[];
  rollbackReason?: string;
  /** Why the service deployment API was not used, when it was not. */
  fallback?: string;
}

export class ServiceDeploymentApi {
  constructor(
    private readonly client: ECSClient,
    private readonly mutatingClient: ECSClient,
  ) {}

  /** The service deployment an UpdateService just started: the service names it, else the newest one listed. */
  async started(cluster: string, service: Service, since: Date): Promise<string | undefined> {
    if (service.currentServiceDeployment) return service.currentServiceDeployment;
    const { serviceDeployments = [] } = await this.send('ListServiceDeployments', () =>
      this.client.send(
        new ListServiceDeploymentsCommand({
          cluster,
          service: service.serviceArn ?? service.serviceName,
          // A minute of slack for a runner clock behind AWS's.
          createdAt: { after: new Date(since.getTime() - 60_000) },
          maxResults: 20,
        }),
      ),
    );
    const newest = [...serviceDeployments].sort(
      (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
    )[0];
    return newest?.serviceDeploymentArn;
  }

  async describe(arn: string): Promise<ServiceDeployment | undefined> {
    const { serviceDeployments = [] } = await this.send('DescribeServiceDeployments', () =>
      this.client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })),
    );
    return serviceDeployments[0];
  }

  /** StopServiceDeployment with a rollback: ECS puts the previous revision back (traffic at once for blue/green). */
  async rollBack(arn: string): Promise<void> {
    // Asking twice is harmless (a deployment rolling back is answered with a conflict), so the SDK may retry it.
    await this.send('StopServiceDeployment', () =>
      this.mutatingClient.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' })),
    );
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      // Unavailability is recognised by the caller from the SDK's error name: keep it as it came.
      if (isApiUnavailable(error)) throw error;
      throw explainAwsError(error, 'ecs', operation);
    }
  }
}

const ROLLING_BACK = new Set(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS']);

export interface DeploymentVerdict {
  done: boolean;
  outcome?: Outcome;
  reason: string;
}

/**
 * One look at a service deployment during the rollout. Pure. ECS rolling back (circuit breaker or
 * alarm) ends the rollout as ROLLED_BACK_BY_ECS; the caller then follows the same object to the
 * end of its rollback with `assessRollback`.
 */
export function assessServiceDeployment(deployment: ServiceDeployment): DeploymentVerdict {
  const status = deployment.status ?? 'PENDING';
  const why = deployment.statusReason ?? deployment.rollback?.reason;
  switch (status) {
    case 'SUCCESSFUL':
      return { done: true, outcome: 'COMPLETED', reason: why ?? 'service deployment SUCCESSFUL' };
    case 'ROLLBACK_REQUESTED':
    case 'ROLLBACK_IN_PROGRESS':
    case 'ROLLBACK_SUCCESSFUL':
    case 'ROLLBACK_FAILED':
      return { done: true, outcome: 'ROLLED_BACK_BY_ECS', reason: failureReason(deployment) };
    case 'STOPPED':
    case 'STOP_REQUESTED':
      return {
        done: true,
        // Stopped by its own circuit breaker or alarm without a rollback (none asked for, or no
        // earlier revision, as on a service's first deployment): it failed. Otherwise a newer
        // deployment or a person stopped it.
        outcome: stoppedByItsMonitors(deployment) ? 'FAILED' : 'SUPERSEDED',
        reason: `service deployment ${status}${why ? `: ${why}` : ''}`,
      };
    default:
      return { done: false, reason: progress(deployment) };
  }
}

function stoppedByItsMonitors(deployment: ServiceDeployment): boolean {
  return deployment.deploymentCircuitBreaker?.status === 'TRIGGERED' || deployment.alarms?.status === 'TRIGGERED';
}

/** One look at a service deployment rolling back. Pure. */
export function assessRollback(deployment: ServiceDeployment): DeploymentVerdict {
  const status = deployment.status ?? '';
  if (status === 'ROLLBACK_SUCCESSFUL') return { done: true, outcome: 'COMPLETED', reason: 'ROLLBACK_SUCCESSFUL' };
  if (status === 'ROLLBACK_FAILED') {
    return {
      done: true,
      outcome: 'FAILED',
      reason: `ROLLBACK_FAILED${deployment.statusReason ? `: ${deployment.statusReason}` : ''}`,
    };
  }
  if (ROLLING_BACK.has(status)) return { done: false, reason: `rollback ${status}, ${progress(deployment)}` };
  // Finished otherwise (SUCCESSFUL, STOPPED): there is no rollback to wait for.
  return {
    done: true,
    outcome: status === 'SUCCESSFUL' ? 'COMPLETED' : 'SUPERSEDED',
    reason: `service deployment ${status}`,
  };
}

function failureReason(deployment: ServiceDeployment): string {
  const alarms = deployment.alarms?.triggeredAlarmNames ?? [];
  const breaker = deployment.deploymentCircuitBreaker;
  const parts = [
    (deployment.rollback?.reason ?? deployment.statusReason)?.replace(/\.+$/, ''),
    alarms.length > 0 ? `alarms fired: ${alarms.join(', ')}` : undefined,
    breaker?.status === 'TRIGGERED'
      ? `circuit breaker: ${breaker.failureCount ?? 0} of ${breaker.threshold ?? '?'} tasks failed`
      : undefined,
  ].filter(Boolean);
  return `ECS is rolling back (${deployment.status})${parts.length > 0 ? `: ${parts.join('; ')}` : ''}`;
}

function percent(weight: number | undefined): number | undefined {
  if (weight === undefined || weight === null) return undefined;
  // ECS reports the weight as a percentage (0 to 100).
  return Math.round(weight * 100) / 100;
}

function progress(deployment: ServiceDeployment): string {
  const target = deployment.targetServiceRevision;
  const parts = [
    `${deployment.status ?? 'PENDING'}${deployment.lifecycleStage ? ` in ${deployment.lifecycleStage}` : ''}`,
    target ? `${target.runningTaskCount ?? 0}/${target.requestedTaskCount ?? 0} new tasks running` : undefined,
    percent(target?.requestedProductionTrafficWeight) !== undefined
      ? `${percent(target?.requestedProductionTrafficWeight)}% of production traffic`
      : undefined,
    circuitBreakerText(deployment),
  ].filter(Boolean);
  return parts.join(', ');
}

function circuitBreakerText(deployment: ServiceDeployment): string | undefined {
  const breaker = deployment.deploymentCircuitBreaker;
  if (!breaker || breaker.status === 'DISABLED') return undefined;
  return `circuit breaker ${breaker.failureCount ?? 0}/${breaker.threshold ?? '?'} failed tasks`;
}

/** What is new in a service deployment since the last look, as log lines; updates `facts`. */
export function observe(facts: DeploymentFacts, deployment: ServiceDeployment, atMs: number): string[] {
  const lines: string[] = [];
  facts.status = deployment.status;
  facts.statusReason = deployment.statusReason;
  if (deployment.lifecycleStage) facts.finalStage = deployment.lifecycleStage;
  const entry: StageEntry = {
    atMs,
    stage: deployment.lifecycleStage ?? '—',
    status: deployment.status ?? 'PENDING',
    production: percent(deployment.targetServiceRevision?.requestedProductionTrafficWeight),
    test: percent(deployment.targetServiceRevision?.requestedTestTrafficWeight),
  };
  const last = facts.stages.at(-1);
  if (
    !last ||
    last.stage !== entry.stage ||
    last.status !== entry.status ||
    last.production !== entry.production ||
    last.test !== entry.test
  ) {
    facts.stages.push(entry);
    // The time since the first look, so the log shows how long each stage took.
    const since = `+${formatDuration(entry.atMs - facts.stages[0].atMs)}`;
    const traffic = [
      entry.test !== undefined ? `test traffic ${entry.test}%` : undefined,
      entry.production !== undefined ? `production traffic ${entry.production}%` : undefined,
    ].filter(Boolean);
    lines.push(
      `${since} service deployment ${entry.status}, stage ${entry.stage}${traffic.length ? ` (${traffic.join(', ')} on the new revision)` : ''}`,
    );
  }
  const breaker = deployment.deploymentCircuitBreaker;
  if (breaker && breaker.status !== 'DISABLED') {
    const now: CircuitBreakerState = {
      status: breaker.status,
      failureCount: breaker.failureCount ?? 0,
      threshold: breaker.threshold ?? 0,
    };
    const before = facts.circuitBreaker;
    if (!before || before.failureCount !== now.failureCount || before.status !== now.status) {
      if (now.failureCount > 0 || now.status === 'TRIGGERED') {
        lines.push(`Circuit breaker: ${now.failureCount} of ${now.threshold} failed tasks (${now.status ?? '?'})`);
      }
    }
    facts.circuitBreaker = now;
  }
  for (const alarm of deployment.alarms?.triggeredAlarmNames ?? []) {
    if (!facts.alarmsFired.includes(alarm)) {
      facts.alarmsFired.push(alarm);
      lines.push(`CloudWatch alarm fired: ${alarm}`);
    }
  }
  if (deployment.rollback?.reason && facts.rollbackReason !== deployment.rollback.reason) {
    facts.rollbackReason = deployment.rollback.reason;
    lines.push(`Rollback: ${deployment.rollback.reason}`);
  }
  return lines;
}

export interface RolloutWatchOptions {
  describeService: () => Promise<Service>;
  /** Absent when the API is unavailable or no service deployment was found: DescribeServices alone. */
  api?: ServiceDeploymentApi;
  facts: DeploymentFacts;
  /** The ECS deployment (`ecs-svc/…`) in DescribeServices. */
  deploymentId: string;
  mode: 'rollout' | 'rollback';
  intervalMs: number;
  timeoutMs: number;
  seenEvents: Set<string>;
  onEvent: (event: EventLine) => void;
  onLog: (text: string) => void;
  onTransientError: (text: string) => void;
  /**
   * Called when the count of failed tasks grows (fail fast): a reason to stop waiting, or undefined.
   * Only in the rollout.
   */
  onFailedTasks?: () => Promise<string | undefined>;
  now?: () => number;
  /** How to wait between polls (the shared sleep; tests pass a clock of their own). */
  wait?: (ms: number) => Promise<void>;
}

export interface RolloutWatchResult {
  outcome: Outcome;
  reason: string;
  rollbackDeploymentId?: string;
  timeline: TimelineEntry[];
  startedAtMs: number;
  endedAtMs: number;
  polls: number;
  /** The poll that first showed a failed task, and whether fail fast ended the watch. */
  firstFailurePoll?: number;
  failedFast: boolean;
}

/**
 * Poll at a fixed interval until the rollout (or the rollback) ends or times out. Each poll
 * describes the service (events, the deployment's tasks) and, with the API, the service
 * deployment (status, stage, circuit breaker, alarms); the service deployment decides where there
 * is one, DescribeServices otherwise.
 */
export async function watchRollout(options: RolloutWatchOptions): Promise<RolloutWatchResult> {
  const now = options.now ?? Date.now;
  const startedAtMs = now();
  const timeline: TimelineEntry[] = [];
  let lastKey = '';
  let failedSeen = 0;
  let firstFailurePoll: number | undefined;
  let api = options.facts.arn ? options.api : undefined;
  let lastReason = 'no answer from ECS yet';

  const result = await pollUntil<RolloutWatchResult>({
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    now,
    wait: options.wait,
    check: async (poll) => {
      const finish = (outcome: Outcome, reason: string, extra: Partial<RolloutWatchResult> = {}) => ({
        done: true as const,
        value: {
          outcome,
          reason,
          timeline,
          startedAtMs,
          endedAtMs: now(),
          polls: poll,
          firstFailurePoll,
          failedFast: false,
          ...extra,
        },
      });
      let service: Service | undefined;
      let deployment: ServiceDeployment | undefined;
      try {
        service = await options.describeService();
      } catch (error) {
        if (!isTransient(error)) throw error;
        options.onTransientError(`DescribeServices failed (${errorMessage(error)}); polling again`);
      }
      if (api && options.facts.arn) {
        try {
          deployment = await api.describe(options.facts.arn);
        } catch (error) {
          if (isApiUnavailable(error)) {
            options.facts.fallback = `DescribeServiceDeployments is not available (${errorMessage(error)}); following DescribeServices alone`;
            options.onLog(options.facts.fallback);
            api = undefined;
          } else if (isTransient(error)) {
            options.onTransientError(`DescribeServiceDeployments failed (${errorMessage(error)}); polling again`);
          } else throw error;
        }
      }
      if (deployment) for (const line of observe(options.facts, deployment, now())) options.onLog(line);

      let failed = deployment?.deploymentCircuitBreaker?.failureCount ?? 0;
      if (service) {
        for (const event of newEvents(service, options.seenEvents)) options.onEvent(event);
        const tracked = service.deployments?.find((candidate) => candidate.id === options.deploymentId);
        if (tracked) {
          const entry: TimelineEntry = {
            atMs: now(),
            state: `${tracked.status ?? '?'} ${tracked.rolloutState ?? ''}`.trim(),
            running: tracked.runningCount ?? 0,
            pending: tracked.pendingCount ?? 0,
            failed: tracked.failedTasks ?? 0,
          };
          const key = `${entry.state}|${entry.running}|${entry.pending}|${entry.failed}`;
          if (key !== lastKey) timeline.push(entry);
          lastKey = key;
          failed = Math.max(failed, tracked.failedTasks ?? 0);
        }
      }
      if (failed > 0 && firstFailurePoll === undefined) firstFailurePoll = poll;

      if (options.mode === 'rollback') {
        if (deployment) {
          const verdict = assessRollback(deployment);
          lastReason = verdict.reason;
          if (verdict.done && verdict.outcome) return finish(verdict.outcome, verdict.reason);
        } else if (service) {
          const verdict = assess(service, options.deploymentId);
          lastReason = verdict.reason;
          if (verdict.done && verdict.outcome) return finish(verdict.outcome, verdict.reason);
        }
        options.onLog(`Waiting for the rollback: ${lastReason}`);
        return { done: false, waitingFor: lastReason };
      }

      const fromService = service ? assess(service, options.deploymentId) : undefined;
      if (deployment) {
        const verdict = assessServiceDeployment(deployment);
        // DescribeServices words the tasks (running, pending, failed); the service deployment adds its stage.
        lastReason =
          fromService && !fromService.done
            ? `${fromService.reason}; service deployment ${progress(deployment)}`
            : verdict.reason;
        if (verdict.done && verdict.outcome) {
          // ECS's rollback runs on this same object; DescribeServices shows it as a new PRIMARY deployment.
          const primary = service?.deployments?.find((candidate) => candidate.status === 'PRIMARY')?.id;
          const rollingBack = verdict.outcome === 'ROLLED_BACK_BY_ECS';
          const alarms = deployment.alarms?.triggeredAlarmNames ?? [];
          // ECS's own event says best why a rolling deployment failed; without one, the service deployment's reason.
          const fromEvent =
            rollingBack && fromService?.outcome === 'ROLLED_BACK_BY_ECS' && !/ is gone: /.test(fromService.reason);
          const reason = fromEvent
            ? `${fromService.reason}${alarms.length > 0 ? ` (alarms fired: ${alarms.join(', ')})` : ''}`
            : verdict.reason;
          return finish(verdict.outcome, reason, {
            rollbackDeploymentId: rollingBack ? (primary ?? options.deploymentId) : undefined,
          });
        }
      }
      if (service && fromService) {
        // With a service deployment it decides; DescribeServices adds only our threshold for a service without a circuit breaker.
        const counts =
          !deployment ||
          (fromService.outcome === 'FAILED' && !service.deploymentConfiguration?.deploymentCircuitBreaker?.enable);
        if (counts) {
          if (!deployment) lastReason = fromService.reason;
          if (fromService.done && fromService.outcome) {
            return finish(fromService.outcome, fromService.reason, {
              rollbackDeploymentId: fromService.rollbackDeploymentId,
            });
          }
        }
      }
      if (failed > failedSeen && options.onFailedTasks) {
        failedSeen = failed;
        const permanent = await options.onFailedTasks();
        if (permanent) return finish('FAILED', permanent, { failedFast: true });
      }
      options.onLog(`Waiting: ${lastReason}`);
      return { done: false, waitingFor: lastReason };
    },
  });
  if (result.done) return result.value;
  return {
    outcome: 'TIMED_OUT',
    reason: `timed out after ${formatDuration(options.timeoutMs)}: ${result.waitingFor}`,
    timeline,
    startedAtMs,
    endedAtMs: now(),
    polls: result.attempts,
    firstFailurePoll,
    failedFast: false,
  };
}

/** Deployment states in which StopServiceDeployment can still roll back. */
const STOPPABLE = new Set(['PENDING', 'IN_PROGRESS']);

/**
 * The action's own rollback through StopServiceDeployment (stopType ROLLBACK), the way ECS rolls
 * back (for blue/green, production traffic goes back to the old revision at once), then followed
 * to ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED. Undefined when the service deployment cannot be
 * stopped this way (no object, already finished, or the call refused): the caller then updates the
 * service to the previous revision.
 */
export async function rollBackServiceDeployment(
  api: ServiceDeploymentApi | undefined,
  facts: DeploymentFacts,
  /** The revision it goes back to, as the note names it (`web:1`). */
  previous: string,
  watch: () => Promise<{ outcome: Outcome; reason: string }>,
  log: { info: (text: string) => void; warning: (text: string) => void },
): Promise<{ rolledBack: boolean; note: string } | undefined> {
  if (!api || !facts.arn || facts.fallback) return undefined;
  let now: ServiceDeployment | undefined;
  try {
    now = await api.describe(facts.arn);
  } catch (error) {
    log.warning(
      `Could not read service deployment ${facts.arn} (${errorMessage(error)}); rolling back by updating the service`,
    );
    return undefined;
  }
  if (!now?.status || !STOPPABLE.has(now.status)) return undefined;
  try {
    log.warning(`Rolling back service deployment ${facts.arn} with StopServiceDeployment (ROLLBACK)`);
    await api.rollBack(facts.arn);
  } catch (error) {
    log.warning(
      `StopServiceDeployment refused the rollback (${errorMessage(error)}); rolling back by updating the service`,
    );
    return undefined;
  }
  const settled = await watch();
  return settled.outcome === 'COMPLETED'
    ? { rolledBack: true, note: `Rolled back to ${previous} by StopServiceDeployment (ROLLBACK): ${settled.reason}.` }
    : {
        rolledBack: false,
        note: `StopServiceDeployment's rollback did not complete: ${settled.outcome} (${settled.reason}).`,
      };
}
