import { taskDefinitionRevision } from '@shipyard/shared/arn';
import type { Service } from '@aws-sdk/client-ecs';
import { ActionFailure } from '@shipyard/shared/errors';
import { shown } from '@shipyard/shared/text';
import type { Ecs, UpdateServiceRequest } from './ecs.js';
import { primaryDeployment } from './watch.js';

/**
 * The update step: UpdateService to the new revision, applied once, and the deployment it started
 * (or, when the service already ran that revision, the one that is already there).
 */

export interface StartedDeployment {
  id: string;
  /** COMPLETED when the service already ran this revision; otherwise IN_PROGRESS. */
  rolloutState: string;
}

export async function startDeployment(
  ecs: Ecs,
  request: UpdateServiceRequest,
  /** The service as it was before the update. */
  before: Service,
  log: { info: (text: string) => void; warning: (text: string) => void },
): Promise<StartedDeployment> {
  const updated = await ecs.updateServiceOnce(request, { before, log: (text) => log.warning(text) });
  const primary = primaryDeployment(updated);
  if (!primary?.id)
    throw new ActionFailure(`UpdateService left service ${shown(request.service)} without a PRIMARY deployment`);
  if (primary.taskDefinition !== request.taskDefinition) {
    throw new ActionFailure(
      `UpdateService did not start a deployment of ${request.taskDefinition} (PRIMARY runs ${primary.taskDefinition})`,
    );
  }
  if (primary.rolloutState === 'COMPLETED') {
    log.info(
      `The service already runs ${taskDefinitionRevision(request.taskDefinition)}; no new deployment (set force-new-deployment to replace the tasks)`,
    );
  } else {
    log.info(
      `Deployment ${primary.id} started: ${before.taskDefinition ? taskDefinitionRevision(before.taskDefinition) : '—'} -> ${taskDefinitionRevision(request.taskDefinition)}`,
    );
  }
  return { id: primary.id, rolloutState: primary.rolloutState ?? 'IN_PROGRESS' };
}
