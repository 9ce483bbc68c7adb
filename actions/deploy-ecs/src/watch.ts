import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { formatDuration } from '@shipyard/shared/duration';
import { errorMessage } from '@shipyard/shared/errors';
import { pollUntil } from '@shipyard/shared/poll';
import { isTransient } from '@shipyard/shared/aws-errors';

/**
 * Watching one deployment until it ends: poll DescribeServices at a fixed interval with the shared
 * `pollUntil` (no backoff, so the step ends within one interval of the rollout), print each new
 * service event once, track the deployment by its id, keep a timeline of what changed when, and
 * decide at every poll.
 */

export type Outcome =
  | 'COMPLETED'
  /** The deployment FAILED (circuit breaker, or the same threshold applied by us without one). */
  | 'FAILED'
  /** ECS's circuit breaker failed it and is rolling back (or has rolled back) by itself. */
  | 'ROLLED_BACK_BY_ECS'
  /** Another deployment replaced it (someone else deployed). */
  | 'SUPERSEDED'
  | 'TIMED_OUT';

export interface Verdict {
  done: boolean;
  outcome?: Outcome;
  reason: string;
  /** The PRIMARY deployment when ECS rolls back, so the caller can wait for it. */
  rollbackDeploymentId?: string;
}

export interface TimelineEntry {
  atMs: number;
  state: string;
  running: number;
  pending: number;
  failed: number;
}

export interface EventLine {
  id: string;
  createdAt?: Date;
  message: string;
}

export interface WatchResult {
  outcome: Outcome;
  reason: string;
  deployment?: Deployment;
  rollbackDeploymentId?: string;
  timeline: TimelineEntry[];
  startedAtMs: number;
  endedAtMs: number;
  polls: number;
}

/** ECS's circuit-breaker threshold: half the desired count, at least 3, at most 200. */
export function failureThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));
}

/** The deployment ECS is rolling out now (the newest one an UpdateService started). */
export function primaryDeployment(service: Service): Deployment | undefined {
  return service.deployments?.find((deployment) => deployment.status === 'PRIMARY');
}

/** One look at the service: is the tracked deployment done, and how? Pure. */
export function assess(service: Service, deploymentId: string): Verdict {
  const deployments = service.deployments ?? [];
  const deployment = deployments.find((candidate) => candidate.id === deploymentId);
  const primary = primaryDeployment(service);
  const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
  const rollingBack = primary && primary.id !== deploymentId && /rolling back/i.test(primary.rolloutStateReason ?? '');

  if (!deployment) {
    if (rollingBack || breaker?.rollback) {
      // The rollback may already be over by this poll; ECS's event still says why it failed.
      const failure = (service.events ?? []).find((event) =>
        event.message?.includes(`(deployment ${deploymentId}) deployment failed`),
      );
      return {
        done: true,
        outcome: 'ROLLED_BACK_BY_ECS',
        reason: failure?.message
          ? `ECS rolled it back: ${failure.message.replace(/^\(service [^)]*\) \(deployment [^)]*\) /, '')}`
          : `deployment ${deploymentId} is gone: ECS rolled it back`,
        rollbackDeploymentId: primary?.id,
      };
    }
    return { done: true, outcome: 'SUPERSEDED', reason: `deployment ${deploymentId} is no longer on the service` };
  }
  if (deployment.rolloutState === 'FAILED') {
    const reason = deployment.rolloutStateReason ?? 'rollout FAILED';
    if (rollingBack || (breaker?.rollback && primary && primary.id !== deploymentId)) {
      return { done: true, outcome: 'ROLLED_BACK_BY_ECS', reason, rollbackDeploymentId: primary?.id };
    }
    return { done: true, outcome: 'FAILED', reason };
  }
  if (deployment.status !== 'PRIMARY') {
    if (rollingBack) {
      return {
        done: true,
        outcome: 'ROLLED_BACK_BY_ECS',
        reason: primary?.rolloutStateReason ?? 'ECS is rolling back',
        rollbackDeploymentId: primary?.id,
      };
    }
    return { done: true, outcome: 'SUPERSEDED', reason: `deployment ${primary?.id ?? '?'} replaced ${deploymentId}` };
  }
  if (deployment.rolloutState === 'COMPLETED') {
    return { done: true, outcome: 'COMPLETED', reason: deployment.rolloutStateReason ?? 'rollout COMPLETED' };
  }
  const running = deployment.runningCount ?? 0;
  const desired = deployment.desiredCount ?? 0;
  const pending = deployment.pendingCount ?? 0;
  if (!breaker?.enable) {
    // Without a circuit breaker ECS would retry failing tasks forever; apply the rule it would.
    const failed = deployment.failedTasks ?? 0;
    const threshold = failureThreshold(desired);
    if (failed >= threshold) {
      return {
        done: true,
        outcome: 'FAILED',
        reason: `${failed} tasks of deployment ${deploymentId} failed (the circuit breaker's threshold for ${desired} tasks is ${threshold}, and the service has no circuit breaker)`,
      };
    }
    if (deployments.length === 1 && running === desired && pending === 0) {
      return {
        done: true,
        outcome: 'COMPLETED',
        reason: `${running} of ${desired} tasks running, the only deployment`,
      };
    }
  }
  return {
    done: false,
    reason: `${running}/${desired} tasks running${pending ? `, ${pending} pending` : ''}${deployment.failedTasks ? `, ${deployment.failedTasks} failed` : ''}, rollout ${deployment.rolloutState ?? 'in progress'}`,
  };
}

/** Service events not seen before, oldest first; marks them seen. */
export function newEvents(service: Service, seen: Set<string>): EventLine[] {
  const fresh: EventLine[] = [];
  for (const event of service.events ?? []) {
    const id = event.id ?? `${event.createdAt?.toISOString()} ${event.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    fresh.push({ id, createdAt: event.createdAt, message: event.message ?? '' });
  }
  return fresh.reverse();
}

export interface WatchOptions {
  describe: () => Promise<Service>;
  deploymentId: string;
  intervalMs: number;
  timeoutMs: number;
  /** Events already printed (or present before the deployment started). */
  seenEvents: Set<string>;
  onEvent: (event: EventLine) => void;
  onWaiting: (text: string) => void;
  onTransientError: (text: string) => void;
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
}

/**
 * Poll (shared `pollUntil`: fixed interval, the last look at the deadline) until `assess` says the
 * deployment ended or the timeout passes.
 */
export async function watchDeployment(options: WatchOptions): Promise<WatchResult> {
  const now = options.now ?? Date.now;
  const startedAtMs = now();
  const timeline: TimelineEntry[] = [];
  let lastKey = '';
  let lastDeployment: Deployment | undefined;
  let lastReason = 'no answer from ECS yet';

  const result = await pollUntil<Verdict & { outcome: Outcome }>({
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    now,
    wait: options.wait,
    check: async () => {
      let service: Service;
      try {
        service = await options.describe();
      } catch (error) {
        // A permission or validation error will not heal by waiting: only transient ones are retried.
        if (!isTransient(error)) throw error;
        options.onTransientError(`DescribeServices failed (${errorMessage(error)}); polling again`);
        return { done: false, waitingFor: lastReason };
      }
      for (const event of newEvents(service, options.seenEvents)) options.onEvent(event);
      const deployment = service.deployments?.find((candidate) => candidate.id === options.deploymentId);
      if (deployment) {
        lastDeployment = deployment;
        const entry: TimelineEntry = {
          atMs: now(),
          state: `${deployment.status ?? '?'} ${deployment.rolloutState ?? ''}`.trim(),
          running: deployment.runningCount ?? 0,
          pending: deployment.pendingCount ?? 0,
          failed: deployment.failedTasks ?? 0,
        };
        const key = `${entry.state}|${entry.running}|${entry.pending}|${entry.failed}`;
        if (key !== lastKey) timeline.push(entry);
        lastKey = key;
      }
      const verdict = assess(service, options.deploymentId);
      lastReason = verdict.reason;
      if (verdict.done && verdict.outcome) return { done: true, value: { ...verdict, outcome: verdict.outcome } };
      options.onWaiting(`Waiting for ${options.deploymentId}: ${verdict.reason}`);
      return { done: false, waitingFor: verdict.reason };
    },
  });

  const watched = { deployment: lastDeployment, timeline, startedAtMs, endedAtMs: now(), polls: result.attempts };
  if (result.done) {
    const { outcome, reason, rollbackDeploymentId } = result.value;
    return { outcome, reason, rollbackDeploymentId, ...watched };
  }
  return {
    outcome: 'TIMED_OUT',
    reason: `timed out after ${formatDuration(options.timeoutMs)}: ${result.waitingFor}`,
    ...watched,
  };
}
