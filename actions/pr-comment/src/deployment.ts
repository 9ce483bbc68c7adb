import { recordDeployment as recordWith, type RecordedDeployment } from '@shipyard/shared/github-deployments';
import { call, RateLimitExhausted, type Octokit } from './github.js';
import type { DeploymentStatus } from './facts.js';
import type { Repo } from './pulls.js';

/**
 * The production deployment and its status, written by the shared writer
 * (@shipyard/shared/github-deployments: found again on a rerun, no deployment left without a
 * status) with this action's explained calls. A rate limit exhausted until a far reset keeps the
 * deployment this run created: deleting it would be refused too, and the rerun finds it (same
 * commit and environment) and gives it its status, so nothing is duplicated.
 */

export type { RecordedDeployment };

export function recordDeployment(
  octokit: Octokit,
  repo: Repo,
  options: {
    sha: string;
    environment: string;
    status: DeploymentStatus;
    environmentUrl?: string;
    logUrl: string;
    description: string;
    payload: Record<string, string>;
  },
): Promise<RecordedDeployment> {
  const { status, ...record } = options;
  return recordWith(
    octokit,
    repo,
    { ...record, state: status },
    {
      call,
      keepWithoutStatus: (error, id) =>
        error instanceof RateLimitExhausted
          ? new RateLimitExhausted({
              ...error,
              left: `Deployment ${id}, created by this run, has no status yet; the rerun gives it one`,
            })
          : undefined,
    },
  );
}
