import { taskDefinitionRevision } from '@shipyard/shared/arn';
import { errorMessage } from '@shipyard/shared/errors';
import { shown } from '@shipyard/shared/text';
import type { Ecs, StoppedTask } from './ecs.js';
import { describeStoppedTasks } from './report.js';
import { primaryDeployment, type WatchResult } from './watch.js';

/**
 * After a rollout that did not complete: why its tasks stopped, and putting the previous revision
 * back (or saying why not: ECS rolled back by itself, someone else deployed, rollback is off).
 */

type Log = { info: (text: string) => void; warning: (text: string) => void };

/** The new revision's stopped tasks, logged; none when they cannot be listed (a warning says why). */
export async function explainStoppedTasks(
  ecs: Ecs,
  { cluster, service, taskDefinitionArn }: { cluster: string; service: string; taskDefinitionArn: string },
  log: Log,
): Promise<StoppedTask[]> {
  let tasks: StoppedTask[];
  try {
    tasks = await ecs.stoppedTasks(cluster, service, taskDefinitionArn);
  } catch (error) {
    log.warning(`Could not list the stopped tasks: ${errorMessage(error)}`);
    tasks = [];
  }
  for (const line of describeStoppedTasks(tasks)) log.info(line);
  if (tasks.length === 0) log.info(`No stopped tasks of ${taskDefinitionRevision(taskDefinitionArn)} were found`);
  return tasks;
}

export interface RollbackOptions {
  cluster: string;
  service: string;
  /** How the rollout ended. */
  rollout: WatchResult;
  /** The revision the service ran before (undefined when it had none). */
  previousArn: string | undefined;
  newArn: string;
  rollbackOnFailure: boolean;
  /** Why ECS rolled back, when it was not the circuit breaker (an alarm, a failed lifecycle hook). */
  ecsRollbackCause?: string;
  /** Watch a deployment to its end: the rollback's, or ECS's own rollback. */
  watch: (deploymentId: string, phase: string) => Promise<WatchResult>;
}

export interface Rollback {
  rolledBack: boolean;
  note: string;
}

export async function rollBack(ecs: Ecs, options: RollbackOptions, log: Log): Promise<Rollback> {
  const { cluster, service, rollout, previousArn, newArn, watch } = options;
  if (rollout.outcome === 'ROLLED_BACK_BY_ECS') {
    const to = previousArn ? ` to ${taskDefinitionRevision(previousArn)}` : '';
    const note = options.ecsRollbackCause
      ? `ECS rolled the service back${to}: ${options.ecsRollbackCause.replace(/\.+$/, '')}.`
      : `The ECS deployment circuit breaker rolled the service back${to}.`;
    log.warning(note);
    if (rollout.rollbackDeploymentId) {
      const settled = await watch(rollout.rollbackDeploymentId, 'ECS rollback');
      // Only a rollback that finished put the service back; one that failed or is still going did not.
      return {
        rolledBack: settled.outcome === 'COMPLETED',
        note: `${note} Its rollback deployment ${settled.outcome}${settled.outcome === 'COMPLETED' ? '' : ` (${settled.reason})`}.`,
      };
    }
    return { rolledBack: true, note };
  }
  if (rollout.outcome === 'SUPERSEDED')
    return { rolledBack: false, note: 'Another deployment replaced it; not rolling back.' };
  if (!options.rollbackOnFailure)
    return { rolledBack: false, note: 'rollback-on-failure is off; the service was left as it is.' };
  if (!previousArn) return { rolledBack: false, note: 'There is no previous task definition to roll back to.' };
  if (previousArn === newArn) {
    return {
      rolledBack: false,
      note: `The service already ran ${taskDefinitionRevision(newArn)} before this deployment (its first deployment, or an earlier one that was not rolled back): there is no earlier revision to roll back to.`,
    };
  }
  log.warning(`Rolling back service ${shown(service)} to ${taskDefinitionRevision(previousArn)}`);
  const updated = await ecs.updateServiceOnce(
    { cluster, service, taskDefinition: previousArn },
    { log: (text) => log.warning(text) },
  );
  const primary = primaryDeployment(updated);
  if (!primary?.id) return { rolledBack: false, note: 'The rollback update left no PRIMARY deployment.' };
  const result = await watch(primary.id, 'Rollback');
  if (result.outcome === 'COMPLETED') {
    return {
      rolledBack: true,
      note: `Rolled back to ${taskDefinitionRevision(previousArn)} (deployment ${primary.id} COMPLETED).`,
    };
  }
  return {
    rolledBack: false,
    note: `Rolling back to ${taskDefinitionRevision(previousArn)} did not complete: ${result.outcome} (${result.reason}).`,
  };
}
