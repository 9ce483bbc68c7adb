import type { Deployment, Service } from '@aws-sdk/client-ecs';

/**
 * What DescribeServices says about one deployment: whether it ended and how (`assess`), the
 * service events not printed yet, and the circuit breaker's threshold. The polling loop that asks
 * at a fixed interval is `watchRollout` (service-deployments.ts), which also follows the service
 * deployment object where the API exists and falls back to these verdicts where it does not.
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
