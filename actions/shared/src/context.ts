import { readFileSync } from 'node:fs';

/**
 * The run's GitHub context, read from the variables the runner sets. Kept apart from
 * `@actions/github` so actions that never call the API do not bundle Octokit.
 */
export interface RunContext {
  sha: string;
  ref: string;
  eventName: string;
  repository: { owner: string; repo: string; fullName: string };
  runId: string;
  runNumber: string;
  runAttempt: string;
  serverUrl: string;
  apiUrl: string;
  workflow: string;
  actor: string;
  /** The webhook payload of the event that started the run; `{}` when there is none. */
  payload: Record<string, unknown>;
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const fullName = env.GITHUB_REPOSITORY ?? '';
  const [owner = '', repo = ''] = fullName.split('/');
  return {
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    eventName: env.GITHUB_EVENT_NAME ?? '',
    repository: { owner, repo, fullName },
    runId: env.GITHUB_RUN_ID ?? '',
    runNumber: env.GITHUB_RUN_NUMBER ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    serverUrl: (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/$/, ''),
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, ''),
    workflow: env.GITHUB_WORKFLOW ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    payload: readPayload(env.GITHUB_EVENT_PATH),
  };
}

function readPayload(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The link to this workflow run, for summaries, comments and deployment statuses. */
export function runUrl(context: RunContext): string {
  const { serverUrl, repository, runId } = context;
  if (!repository.fullName || !runId) return '';
  return `${serverUrl}/${repository.fullName}/actions/runs/${runId}`;
}
