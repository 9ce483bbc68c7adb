import { call, type Octokit } from './github.js';
import type { DeploymentOutcome } from './inputs.js';
import type { Repo } from './pulls.js';

/**
 * A GitHub deployment of the commit to the environment, with a status, so the pull request pages
 * and the repository's Environments list show where it is live. A rerun finds the deployment the
 * first attempt created for the same commit and environment and adds a status to it.
 */

export interface RecordedDeployment {
  id: number;
  reused: boolean;
}

const WRITE = 'deployments: write';

export async function recordDeployment(
  octokit: Octokit,
  repo: Repo,
  options: {
    sha: string;
    environment: string;
    status: DeploymentOutcome;
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
  let id = existing[0]?.id;
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
  await call({ doing: `set the status of deployment ${id}`, permission: WRITE }, () =>
    octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: id,
      state: options.status,
      environment,
      ...(options.environmentUrl ? { environment_url: options.environmentUrl } : {}),
      ...(options.logUrl ? { log_url: options.logUrl } : {}),
      description,
      auto_inactive: true,
    }),
  );
  return { id, reused: existing.length > 0 };
}

/** GitHub refuses a deployment status description longer than 140 characters. */
const DESCRIPTION_LIMIT = 140;

function shorten(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
