import { runUrl, type RunContext } from '@shipyard/shared/context';

/**
 * What every message about one deployment says, whoever reads it (the pull-request comment, the
 * Slack message): gathered once per run, from the inputs and the workflow run. Pure.
 */

export const STATUSES = ['success', 'failure'] as const;
export type DeploymentStatus = (typeof STATUSES)[number];

export interface DeploymentFacts {
  status: DeploymentStatus;
  environment: string;
  environmentUrl?: string;
  /** The deployed commit, 40 (or 64) hex characters. */
  sha: string;
  /** `owner/name`. */
  repository: string;
  serverUrl: string;
  /** The link to this workflow run; empty outside a run. */
  runUrl: string;
  runNumber: string;
}

export function deploymentFacts(
  deployed: Pick<DeploymentFacts, 'status' | 'environment' | 'environmentUrl' | 'sha'>,
  run: RunContext,
): DeploymentFacts {
  return {
    status: deployed.status,
    environment: deployed.environment,
    environmentUrl: deployed.environmentUrl,
    sha: deployed.sha,
    repository: run.repository.fullName,
    serverUrl: run.serverUrl,
    runUrl: runUrl(run),
    runNumber: run.runNumber,
  };
}
