import { taskDefinitionRevision } from '@shipyard/shared/arn';
import { errorMessage } from '@shipyard/shared/errors';
import type { Ecs } from './ecs.js';
import { familyOf, type Json, type RegisteredTaskDefinition } from './render.js';

/**
 * Task definition revisions: the register step (reuse a revision that already holds the rendered
 * definition, else register it once) and the clean-up after a rollout (`keep-revisions`).
 */

export interface Registration {
  arn: string;
  /** An existing revision is used rather than a new one registered. */
  reused: boolean;
}

export async function registerOrReuse(
  ecs: Ecs,
  options: {
    definition: Json;
    /** A revision that already holds `definition`, used when `skipUnchanged`. */
    reusable?: RegisteredTaskDefinition;
    skipUnchanged: boolean;
    /** The family's latest revision number before this run (0 for none). */
    newerThan: number;
  },
  log: { info: (text: string) => void; warning: (text: string) => void },
): Promise<Registration> {
  const { reusable } = options;
  if (options.skipUnchanged && reusable) {
    log.info(`Unchanged: ${taskDefinitionRevision(reusable.arn)} already holds this definition; reusing it`);
    return { arn: reusable.arn, reused: true };
  }
  const { revision, found } = await ecs.registerTaskDefinitionOnce(options.definition, {
    newerThan: options.newerThan,
    log: (text) => log.warning(text),
  });
  if (!found) log.info(`Registered ${revision.arn}`);
  return { arn: revision.arn, reused: found };
}

/** Deregister ACTIVE revisions beyond the newest `keep`, never the new one nor the previous one. */
export async function deregisterOld(
  ecs: Ecs,
  { newArn, previousArn, keep }: { newArn: string; previousArn: string | undefined; keep: number },
  log: { info: (text: string) => void; warning: (text: string) => void },
): Promise<string[]> {
  const family = familyOf(newArn);
  try {
    const active = await ecs.activeRevisions(family);
    const keepSet = new Set([newArn, previousArn]);
    const excess = active.slice(keep).filter((arn) => !keepSet.has(arn));
    for (const arn of excess) {
      await ecs.deregisterTaskDefinition(arn);
      log.info(`Deregistered ${taskDefinitionRevision(arn)}`);
    }
    if (excess.length === 0) log.info(`Nothing to deregister: ${active.length} ACTIVE revisions, keeping ${keep}`);
    return excess;
  } catch (error) {
    log.warning(`Could not deregister old revisions: ${errorMessage(error)}`);
    return [];
  }
}
