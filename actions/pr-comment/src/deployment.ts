import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import { call, RateLimitExhausted, type Octokit } from './github.js';
import type { DeploymentStatus } from './facts.js';
import type { Repo } from './pulls.js';

/**
 * A GitHub deployment of the commit to the environment, with a status, so the pull request pages
 * and the repository's Environments list show where it is live. A rerun finds the deployment the
 * first attempt created for the same commit and environment; it adds a status only when the state
 * changed (a rerun that changes nothing writes nothing).
 *
 * No deployment is left without a status. The status is retried by Octokit's retry plugin (5xx,
 * three times); when it still fails, the deployment this run created is deleted again, so GitHub
 * looks as it did before the run and a rerun starts clean. An `error` status instead would need the
 * very endpoint that just failed, and a deployment with no status shows as pending forever.
 */

export interface RecordedDeployment {
  id: number;
  reused: boolean;
  /** Whether this run added a status (false when the latest one already said the same). */
  statusAdded: boolean;
}

const WRITE = 'deployments: write';

export async function recordDeployment(
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
  const { sha, environment } = options;
  const description = shorten(options.description, DESCRIPTION_LIMIT);
  const { data: existing } = await call(
    { doing: `look for a deployment of ${sha.slice(0, 7)} to ${environment}`, permission: 'deployments: read' },
    () => octokit.rest.repos.listDeployments({ ...repo, sha, environment, per_page: 1 }),
  );
  const reusedId = existing[0]?.id;
  if (reusedId !== undefined) {
    const { data: latest } = await call(
      { doing: `read the statuses of deployment ${reusedId}`, permission: 'deployments: read' },
      () => octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: reusedId, per_page: 1 }),
    );
    const last = latest[0];
    if (
      last &&
      last.state === options.status &&
      last.description === description &&
      (last.environment_url ?? '') === (options.environmentUrl ?? '')
    ) {
      return { id: reusedId, reused: true, statusAdded: false };
    }
  }
  let id = reusedId;
  if (id === undefined) {
    const { data } = await call({ doing: `create a deployment to ${environment}`, permission: WRITE }, () =>
      octokit.rest.repos.createDeployment({
        ...repo,
        ref: sha,
        environment,
        // The commit is already deployed: no merge of the default branch, no wait for status checks.
        auto_merge: false,
        required_contexts: [],
        description,
        payload: options.payload,
        production_environment: /^prod(uction)?$/i.test(environment),
      }),
    );
    if (!('id' in data)) throw new Error(`GitHub did not create the deployment: ${data.message ?? 'no reason given'}`);
    id = data.id;
  }
  const deploymentId = id;
  try {
    await call({ doing: `set the status of deployment ${deploymentId}`, permission: WRITE }, () =>
      octokit.rest.repos.createDeploymentStatus({
        ...repo,
        deployment_id: deploymentId,
        state: options.status,
        environment,
        ...(options.environmentUrl ? { environment_url: options.environmentUrl } : {}),
        ...(options.logUrl ? { log_url: options.logUrl } : {}),
        description,
        auto_inactive: true,
      }),
    );
  } catch (error) {
    // A deployment an earlier run made keeps its earlier statuses; one this run made has none.
    if (reusedId !== undefined) throw error;
    // Out of requests until a far reset: deleting it would be refused too. The rerun finds this
    // deployment (same commit and environment) and gives it its status; nothing is duplicated.
    if (error instanceof RateLimitExhausted) {
      throw new RateLimitExhausted({
        ...error,
        left: `Deployment ${deploymentId}, created by this run, has no status yet; the rerun gives it one`,
      });
    }
    throw await withdraw(octokit, repo, deploymentId, error as Error);
  }
  return { id: deploymentId, reused: reusedId !== undefined, statusAdded: true };
}

/** Delete the deployment this run created and could not give a status; the error says what became of it. */
async function withdraw(octokit: Octokit, repo: Repo, id: number, cause: Error): Promise<Error> {
  try {
    await call({ doing: `delete deployment ${id}, which has no status`, permission: WRITE }, () =>
      octokit.rest.repos.deleteDeployment({ ...repo, deployment_id: id }),
    );
    return new ActionFailure(
      `${cause.message}. Deployment ${id}, created by this run, was deleted again so that none is left without a status; rerun the job to record it`,
    );
  } catch (error) {
    return new ActionFailure(
      `${cause.message}. Deployment ${id} was created but has no status, and deleting it failed too (${errorMessage(
        error,
      )}); a rerun of the job gives it its status`,
    );
  }
}
/** GitHub refuses a deployment status description longer than 140 characters. */
const DESCRIPTION_LIMIT = 140;

function shorten(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
