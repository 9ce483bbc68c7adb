import { taskDefinitionRevision } from '@shipyard/shared/arn';
import type { Service } from '@aws-sdk/client-ecs';
import { capBytes } from '@shipyard/shared/text';
import { diffTaskDefinitions } from './diff.js';
import type { Ecs } from './ecs.js';
import {
  imagesByContainer,
  sameTaskDefinition,
  type Json,
  type RegisteredTaskDefinition,
  type RenderedTaskDefinition,
} from './render.js';
import type { ImageChange } from './report.js';

/**
 * The compare step: what the rendered definition changes against what is registered and running,
 * and whether a registered revision already holds it (so it need not be registered again).
 */

/** The most of the diff the log, the summary and the `diff` output show (a task definition is at most 64 KiB). */
const DIFF_BYTES = 32 * 1024;

export interface Comparison {
  service?: Service;
  running?: RegisteredTaskDefinition;
  latest?: RegisteredTaskDefinition;
  /**
   * A registered revision that already holds the rendered definition: the one it was rendered from
   * (a rollback to `task-definition-arn` puts back that very revision, not a copy), else the
   * family's latest.
   */
  reusable?: RegisteredTaskDefinition;
  diff: string;
  /** Each container's image before (running, else latest) and after. */
  images: ImageChange[];
}

export async function compare(
  ecs: Ecs,
  { cluster, service: serviceName }: { cluster: string; service?: string },
  { definition: rendered, source }: RenderedTaskDefinition,
  log: { info: (text: string) => void },
): Promise<Comparison> {
  const service = serviceName ? await ecs.describeService(cluster, serviceName) : undefined;
  const running = service?.taskDefinition ? await ecs.findTaskDefinition(service.taskDefinition) : undefined;
  const family = String(rendered.family);
  const latest = await ecs.findTaskDefinition(family);
  const reusable = [source, latest].find(
    (revision) => revision !== undefined && sameTaskDefinition(revision.definition, rendered),
  );
  const base = running ?? latest;
  // The diff holds the user's values (environment, labels): cut to a size a log and a summary carry.
  const diff = capBytes(
    diffTaskDefinitions(base?.definition, rendered, {
      before: base
        ? `${taskDefinitionRevision(base.arn)}${running ? ' (running)' : ' (latest)'}`
        : '(nothing registered)',
      after: 'rendered',
    }),
    DIFF_BYTES,
    'diff',
  );
  if (service) {
    log.info(
      `Service ${service.serviceName} runs ${service.taskDefinition ? taskDefinitionRevision(service.taskDefinition) : '—'}`,
    );
  }
  log.info(
    latest
      ? `Latest revision of ${family}: ${taskDefinitionRevision(latest.arn)}`
      : `No ACTIVE revision of ${family} yet`,
  );
  const against = base ? taskDefinitionRevision(base.arn) : '—';
  log.info(diff ? `Diff against ${against}:\n${diff}` : `No difference from ${against}`);
  return { service, running, latest, reusable, diff, images: imageChanges(base?.definition, rendered) };
}

export function imageChanges(before: Json | undefined, after: Json): ImageChange[] {
  const old = imagesByContainer(before);
  return [...imagesByContainer(after)].map(([container, image]) => ({
    container,
    before: old.get(container),
    after: image,
  }));
}
