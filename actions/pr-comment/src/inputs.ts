import { readFileSync } from 'node:fs';
import { InputError } from '../../shared/src/errors.js';
import {
  readBoolean,
  readEnum,
  readKeyValues,
  readList,
  readRaw,
  readString,
  readUrl,
  type Env,
} from '../../shared/src/inputs.js';
import { resolveInputPath } from '../../shared/src/paths.js';
import { unknownPlaceholders, PLACEHOLDERS } from './body.js';

/** Input names, in step with action.yml. */
export const INPUT = {
  token: 'token',
  sha: 'sha',
  status: 'status',
  environment: 'environment',
  environmentUrl: 'environment-url',
  image: 'image',
  taskDefinitionArn: 'task-definition-arn',
  smokeReport: 'smoke-report',
  mode: 'mode',
  template: 'template',
  mentionAuthor: 'mention-author',
  sinceLastDeployment: 'since-last-deployment',
  prNumber: 'pr-number',
  createDeployment: 'create-deployment',
  slackWebhookUrl: 'slack-webhook-url',
  slackUserMap: 'slack-user-map',
  failOnNotifyError: 'fail-on-notify-error',
} as const;

export const MODES = ['upsert', 'create', 'skip-if-exists'] as const;
export type Mode = (typeof MODES)[number];
export const STATUSES = ['success', 'failure'] as const;
export type DeploymentOutcome = (typeof STATUSES)[number];

export interface Inputs {
  token: string;
  sha: string;
  status: DeploymentOutcome;
  environment: string;
  environmentUrl?: string;
  image?: string;
  taskDefinitionArn?: string;
  smokeReport?: string;
  mode: Mode;
  /** The template text, read from its file when the input named one. */
  template?: string;
  mentionAuthor: boolean;
  sinceLastDeployment: boolean;
  /** Pull requests given explicitly; empty when they are to be found. */
  prNumbers: number[];
  createDeployment: boolean;
  slackWebhookUrl?: string;
  /** GitHub login (lower-cased) to Slack member ID. */
  slackUserMap: Map<string, string>;
  failOnNotifyError: boolean;
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const TASK_DEFINITION = /^(?:arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/)?[A-Za-z0-9_-]{1,255}:\d+$/;
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;
const SLACK_MEMBER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * Every input, parsed and checked before anything is sent anywhere. Pure apart from reading the
 * template and smoke-report files the inputs name.
 */
export function getInputs(env: Env = process.env): Inputs {
  const token = readString(INPUT.token, { required: true }, env);
  const sha = readSha(env);
  const status = readEnum(INPUT.status, STATUSES, 'success', env);
  const environment = readEnvironment(env);
  const environmentUrl = readUrl(INPUT.environmentUrl, {}, env)?.toString();
  const image = readString(INPUT.image, {}, env);
  if (image !== undefined && /\s/.test(image)) {
    throw new InputError(INPUT.image, `must be one image reference without spaces, got '${image}'`);
  }
  const taskDefinitionArn = readString(INPUT.taskDefinitionArn, {}, env);
  if (taskDefinitionArn !== undefined && !TASK_DEFINITION.test(taskDefinitionArn)) {
    throw new InputError(
      INPUT.taskDefinitionArn,
      `is not a task definition revision: '${taskDefinitionArn}'`,
      'Give the ARN deploy-ecs outputs (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION) or FAMILY:REVISION',
    );
  }
  const smokeReport = readMarkdownOrFile(INPUT.smokeReport, env, /\.md$/i);
  const mode = readEnum(INPUT.mode, MODES, 'upsert', env);
  const template = readTemplate(env);
  const mentionAuthor = readBoolean(INPUT.mentionAuthor, true, env);
  const sinceLastDeployment = readBoolean(INPUT.sinceLastDeployment, false, env);
  const prNumbers = readPullNumbers(env);
  if (prNumbers.length > 0 && sinceLastDeployment) {
    throw new InputError(
      INPUT.prNumber,
      `cannot be combined with '${INPUT.sinceLastDeployment}: true'`,
      'Give the pull requests, or let the action find those merged since the last deployment',
    );
  }
  const createDeployment = readBoolean(INPUT.createDeployment, false, env);
  const slackWebhookUrl = readUrl(
    INPUT.slackWebhookUrl,
    { secret: true, example: 'the incoming-webhook URL Slack shows, https://hooks.slack.com/services/...' },
    env,
  )?.toString();
  const slackUserMap = readSlackUserMap(env);
  const failOnNotifyError = readBoolean(INPUT.failOnNotifyError, false, env);
  return {
    token,
    sha,
    status,
    environment,
    environmentUrl,
    image,
    taskDefinitionArn,
    smokeReport,
    mode,
    template,
    mentionAuthor,
    sinceLastDeployment,
    prNumbers,
    createDeployment,
    slackWebhookUrl,
    slackUserMap,
    failOnNotifyError,
  };
}

function readSha(env: Env): string {
  const given = readRaw(INPUT.sha, env);
  const sha = given ?? eventMergeCommit(env) ?? env.GITHUB_SHA?.trim();
  if (!sha) {
    throw new InputError(INPUT.sha, 'is required outside a workflow run', 'Set it to the commit that was deployed');
  }
  if (!SHA.test(sha)) {
    throw new InputError(INPUT.sha, `must be a full commit SHA (40 hexadecimal characters), got '${sha}'`);
  }
  return sha.toLowerCase();
}

/** A merged pull_request event's merge commit: GITHUB_SHA there is the PR's test merge ref instead. */
function eventMergeCommit(env: Env): string | undefined {
  if (env.GITHUB_EVENT_NAME !== 'pull_request' && env.GITHUB_EVENT_NAME !== 'pull_request_target') return undefined;
  if (!env.GITHUB_EVENT_PATH) return undefined;
  try {
    const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
      pull_request?: { merged?: boolean; merge_commit_sha?: string | null };
    };
    return payload.pull_request?.merged ? (payload.pull_request.merge_commit_sha ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}

function readEnvironment(env: Env): string {
  const environment = readString(INPUT.environment, { fallback: 'production' }, env) as string;
  if (environment.length > 255 || /[\r\n]/.test(environment)) {
    throw new InputError(INPUT.environment, 'must be one line of at most 255 characters');
  }
  return environment;
}

function readPullNumbers(env: Env): number[] {
  const numbers = readList(INPUT.prNumber, env).map((item) => {
    const match = /^#?(\d{1,9})$/.exec(item);
    if (!match || Number(match[1]) === 0) {
      throw new InputError(INPUT.prNumber, `must be pull request numbers, got '${item}'`, 'Write them like 12, 15');
    }
    return Number(match[1]);
  });
  return [...new Set(numbers)];
}

/**
 * A value that is inline text, or one line naming a file (by the extension given, or any extension
 * for templates) whose text is read. A named file that cannot be read is an input error, not text.
 */
function readMarkdownOrFile(name: string, env: Env, filePattern: RegExp): string | undefined {
  const value = readRaw(name, env);
  if (value === undefined) return undefined;
  if (value.includes('\n') || value.includes('{{') || !filePattern.test(value)) return value;
  const path = resolveInputPath(name, value, env);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(
      name,
      `names a file that cannot be read: ${path} (${code})`,
      'Check the path; it is relative to the workspace',
    );
  }
}

function readTemplate(env: Env): string | undefined {
  // One line ending in a file extension (`.github/deployed.md`) is a path; anything else is the template.
  const template = readMarkdownOrFile(INPUT.template, env, /^[^\s]+\.[A-Za-z0-9]{1,10}$/);
  if (template === undefined) return undefined;
  if (template.trim() === '') throw new InputError(INPUT.template, 'is empty');
  const unknown = unknownPlaceholders(template);
  if (unknown.length > 0) {
    throw new InputError(
      INPUT.template,
      `has unknown placeholders ${unknown.map((name) => `{{${name}}}`).join(', ')}`,
      `Use ${PLACEHOLDERS.map((name) => `{{${name}}}`).join(', ')}`,
    );
  }
  return template;
}

function readSlackUserMap(env: Env): Map<string, string> {
  const pairs = readKeyValues(INPUT.slackUserMap, env, {
    keyPattern: GITHUB_LOGIN,
    keyDescription: 'Keys are GitHub logins: one github-login=SLACK_MEMBER_ID a line',
  });
  const map = new Map<string, string>();
  for (const [login, member] of pairs) {
    if (!SLACK_MEMBER_ID.test(member)) {
      throw new InputError(
        INPUT.slackUserMap,
        `maps '${login}' to '${member}', which is not a Slack member ID`,
        'A member ID looks like U024BE7LH (Slack: profile, ⋮, Copy member ID)',
      );
    }
    map.set(login.toLowerCase(), member);
  }
  return map;
}
