import type { getOctokit } from '@actions/github';
import { ActionFailure, errorMessage } from './errors.js';

/**
 * GitHub deployments, written one way for every action that records one (pr-comment for production,
 * preview-env for `preview/pr-<N>`): a deployment of the commit to the environment with a status,
 * so the pull request pages and the repository's Environments list show where it is live, and the
 * deployments of an environment marked inactive when it is gone.
 *
 * A rerun finds the deployment the first attempt created for the same commit and environment; it
 * adds a status only when the state, description or URL changed (a rerun that changes nothing
 * writes nothing). No deployment is left without a status: when the status of a deployment this
 * run created cannot be set (after Octokit's own retries), the deployment is deleted again, so
 * GitHub looks as it did before the run and a rerun starts clean. An `error` status instead would
 * need the very endpoint that just failed, and a deployment with no status shows as pending forever.
 *
 * Each action keeps its own Octokit (plugins, rate-limit policy) and its own way of explaining a
 * refused call: both come in as arguments.
 */

export type Octokit = ReturnType<typeof getOctokit>;

export interface Repo {
  owner: string;
  repo: string;
}

/** What a call is for, in the words of a workflow's `permissions:` block. */
export interface CallPurpose {
  /** "create a deployment to production". */
  doing: string;
  /** "deployments: write". */
  permission: string;
}

/** Runs one API call; a refusal comes back as the action's own explained error. */
export type GitHubCall = <T>(purpose: CallPurpose, send: () => Promise<T>) => Promise<T>;

/** The states a deployment status can take (GitHub's REST API). */
export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface DeploymentRecord {
  sha: string;
  environment: string;
  state: DeploymentState;
  environmentUrl?: string;
  /** The run's page; left out when empty. */
  logUrl?: string;
  /** Cut to GitHub's 140 characters, with an ellipsis. */
  description: string;
  payload?: Record<string, string>;
  /** An environment that goes away (a preview): GitHub's `transient_environment`. Not sent when unset. */
  transient?: boolean;
  /** GitHub's `production_environment`. Default: the environment is named `prod` or `production`. */
  production?: boolean;
}

export interface RecordedDeployment {
  id: number;
  reused: boolean;
  /** Whether this run added a status (false when the latest one already said the same). */
  statusAdded: boolean;
}

export interface DeploymentWriter {
  call: GitHubCall;
  /**
   * When setting the status of a deployment this run created failed: an error to throw instead of
   * deleting the deployment (for a failure under which the delete would fail too, such as a rate
   * limit exhausted until a far reset; the rerun then finds the deployment and gives it its status).
   */
  keepWithoutStatus?: (error: unknown, deploymentId: number) => Error | undefined;
}

const READ = 'deployments: read';
const WRITE = 'deployments: write';
/** GitHub refuses a deployment or status description longer than 140 characters. */
export const DESCRIPTION_LIMIT = 140;

export function shortDescription(text: string): string {
  return text.length <= DESCRIPTION_LIMIT ? text : `${text.slice(0, DESCRIPTION_LIMIT - 1)}…`;
}

/** The deployment of `sha` to the environment with a status; created, or found from an earlier run. */
export async function recordDeployment(
  octokit: Octokit,
  repo: Repo,
  record: DeploymentRecord,
  { call, keepWithoutStatus }: DeploymentWriter,
): Promise<RecordedDeployment> {
  const { sha, environment } = record;
  const description = shortDescription(record.description);
  const { data: existing } = await call(
    { doing: `look for a deployment of ${sha.slice(0, 7)} to ${environment}`, permission: READ },
    () => octokit.rest.repos.listDeployments({ ...repo, sha, environment, per_page: 1 }),
  );
  const reusedId = existing[0]?.id;
  if (reusedId !== undefined) {
    const { data: latest } = await call(
      { doing: `read the statuses of deployment ${reusedId}`, permission: READ },
      () => octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: reusedId, per_page: 1 }),
    );
    const last = latest[0];
    if (
      last &&
      last.state === record.state &&
      last.description === description &&
      (last.environment_url ?? '') === (record.environmentUrl ?? '')
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
        ...(record.payload ? { payload: record.payload } : {}),
        ...(record.transient !== undefined ? { transient_environment: record.transient } : {}),
        production_environment: record.production ?? /^prod(uction)?$/i.test(environment),
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
        state: record.state,
        environment,
        ...(record.environmentUrl ? { environment_url: record.environmentUrl } : {}),
        ...(record.logUrl ? { log_url: record.logUrl } : {}),
        description,
        auto_inactive: true,
      }),
    );
  } catch (error) {
    // A deployment an earlier run made keeps its earlier statuses; one this run made has none.
    if (reusedId !== undefined) throw error;
    const kept = keepWithoutStatus?.(error, deploymentId);
    if (kept) throw kept;
    throw await withdraw(octokit, repo, deploymentId, error as Error, call);
  }
  return { id: deploymentId, reused: reusedId !== undefined, statusAdded: true };
}

/** Delete the deployment this run created and could not give a status; the error says what became of it. */
async function withdraw(octokit: Octokit, repo: Repo, id: number, cause: Error, call: GitHubCall): Promise<Error> {
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

/**
 * Mark every deployment to `environment` inactive (what it deployed is gone); one already inactive
 * is left as it is. Returns how many changed.
 */
export async function deactivateDeployments(
  octokit: Octokit,
  repo: Repo,
  { environment, description }: { environment: string; description: string },
  { call }: Pick<DeploymentWriter, 'call'>,
): Promise<number> {
  const deployments = await call({ doing: `list the deployments to ${environment}`, permission: READ }, () =>
    octokit.paginate(octokit.rest.repos.listDeployments, { ...repo, environment, per_page: 100 }),
  );
  let changed = 0;
  for (const deployment of deployments) {
    const { data: statuses } = await call(
      { doing: `read the statuses of deployment ${deployment.id}`, permission: READ },
      () => octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: deployment.id, per_page: 1 }),
    );
    if (statuses[0]?.state === 'inactive') continue;
    await call({ doing: `mark deployment ${deployment.id} inactive`, permission: WRITE }, () =>
      octokit.rest.repos.createDeploymentStatus({
        ...repo,
        deployment_id: deployment.id,
        state: 'inactive',
        description: shortDescription(description),
      }),
    );
    changed += 1;
  }
  return changed;
}
