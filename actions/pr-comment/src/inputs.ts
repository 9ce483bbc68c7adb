import { InputError } from '@shipyard/shared/errors';
import {
  readBoolean,
  inputVariable,
  readEnum,
  readKeyValueLines,
  readList,
  readRaw,
  readString,
  readUrl,
  type Env,
} from '@shipyard/shared/inputs';
import { readTextOrFile } from '@shipyard/shared/files';
import { shown } from '@shipyard/shared/text';
import { readRunContext, type RunContext } from '@shipyard/shared/context';
import { GITHUB_COMMENT_LIMIT, unknownPlaceholders, PLACEHOLDERS } from './body.js';
import type { CommentMode } from './comments.js';
import { findCredential } from './credentials.js';
import { STATUSES, type DeploymentStatus } from './facts.js';
import { isLoopback } from './loopback.js';

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

/** Output names, in step with action.yml. */
export const OUTPUT = {
  prNumbers: 'pr-numbers',
  commentIds: 'comment-ids',
  commentUrls: 'comment-urls',
  deploymentId: 'deployment-id',
} as const;

export const MODES: readonly CommentMode[] = ['upsert', 'create', 'skip-if-exists'];

export interface Inputs {
  token: string;
  sha: string;
  status: DeploymentStatus;
  environment: string;
  environmentUrl?: string;
  image?: string;
  taskDefinitionArn?: string;
  smokeReport?: string;
  mode: CommentMode;
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
  /** The workflow run, read once here (its event payload too): the sha may come from it. */
  run: RunContext;
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
  refuseCredentials(env);
  const token = readToken(env);
  const run = readRunContext(env as NodeJS.ProcessEnv);
  const sha = readSha(run, env);
  const status = readEnum(INPUT.status, STATUSES, 'success', env);
  const environment = readEnvironment(env);
  const environmentUrl = readEnvironmentUrl(env);
  const image = readImage(env);
  const taskDefinitionArn = readString(INPUT.taskDefinitionArn, {}, env);
  if (taskDefinitionArn !== undefined && !TASK_DEFINITION.test(taskDefinitionArn)) {
    throw new InputError(
      INPUT.taskDefinitionArn,
      `is not a task definition revision: ${shown(taskDefinitionArn)}`,
      'Give the ARN deploy-ecs outputs (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION) or FAMILY:REVISION',
    );
  }
  const smokeReport = readMarkdownFile(INPUT.smokeReport, /\.md$/i, env);
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
  const slackWebhookUrl = readWebhookUrl(env);
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
    run,
  };
}

function readSha(run: RunContext, env: Env): string {
  const given = readRaw(INPUT.sha, env);
  const sha = given ?? eventMergeCommit(run) ?? env.GITHUB_SHA?.trim();
  if (!sha) {
    throw new InputError(INPUT.sha, 'is required outside a workflow run', 'Set it to the commit that was deployed');
  }
  if (!SHA.test(sha)) {
    throw new InputError(INPUT.sha, `must be a full commit SHA (40 hexadecimal characters), got ${shown(sha)}`);
  }
  return sha.toLowerCase();
}

/** A merged pull_request event's merge commit: GITHUB_SHA there is the PR's test merge ref instead. */
function eventMergeCommit(run: RunContext): string | undefined {
  if (run.eventName !== 'pull_request' && run.eventName !== 'pull_request_target') return undefined;
  const pull = run.payload.pull_request as { merged?: boolean; merge_commit_sha?: string | null } | undefined;
  return pull?.merged ? (pull.merge_commit_sha ?? undefined) : undefined;
}

/**
 * Inputs that name or point at something are never a place for a credential: one found there is
 * refused before anything else is read, without a character of it in the error. (The free text
 * inputs, `smoke-report` and `template`, are redacted when posted instead; see outgoing.ts.)
 */
const NO_CREDENTIALS: readonly string[] = [
  INPUT.sha,
  INPUT.status,
  INPUT.environment,
  INPUT.environmentUrl,
  INPUT.image,
  INPUT.taskDefinitionArn,
  INPUT.mode,
  INPUT.mentionAuthor,
  INPUT.sinceLastDeployment,
  INPUT.prNumber,
  INPUT.createDeployment,
  INPUT.slackUserMap,
  INPUT.failOnNotifyError,
];

function refuseCredentials(env: Env): void {
  for (const name of NO_CREDENTIALS) {
    const value = env[inputVariable(name)];
    const kind = value === undefined ? undefined : findCredential(value);
    if (kind) {
      throw new InputError(
        name,
        `holds what looks like a ${kind} (not shown)`,
        'A credential never belongs in this input; remove it, and revoke it if the run log is public',
      );
    }
  }
}

/** Longer than any token GitHub issues (255) with room for GitHub Enterprise Server's. */
const TOKEN_LIMIT = 2048;

/**
 * The token goes into an HTTP header as it is: only visible ASCII, no spaces. It is described by
 * position, never shown, not even in part: a malformed token is still a secret.
 */
function readToken(env: Env): string {
  const token = readString(INPUT.token, { required: true }, env);
  if (token.length > TOKEN_LIMIT) {
    throw new InputError(INPUT.token, `is ${token.length} characters long, more than a token can be (${TOKEN_LIMIT})`);
  }
  const bad = /[^\x21-\x7e]/.exec(token);
  if (bad) {
    throw new InputError(
      INPUT.token,
      `has a character a token cannot hold at character ${bad.index + 1} (the value is not shown)`,
      'Give the token itself: visible ASCII characters, no spaces',
    );
  }
  return token;
}

/** GitHub's limit for an environment name. */
const ENVIRONMENT_LIMIT = 255;

function readEnvironment(env: Env): string {
  const environment = readString(INPUT.environment, { fallback: 'production' }, env) as string;
  const length = Array.from(environment).length;
  if (length > ENVIRONMENT_LIMIT) {
    throw new InputError(
      INPUT.environment,
      `is ${length} characters long; GitHub allows at most ${ENVIRONMENT_LIMIT}`,
      'Give the name of the environment',
    );
  }
  return environment;
}

/** A URL shown in the comment, the deployment status and Slack. */
const URL_LIMIT = 2048;

function readEnvironmentUrl(env: Env): string | undefined {
  const url = readUrl(INPUT.environmentUrl, {}, env);
  if (url === undefined) return undefined;
  if (url.username || url.password) {
    throw new InputError(
      INPUT.environmentUrl,
      'holds a user name or password (not shown); it would be posted where everyone can read it',
      'Give the URL without credentials',
    );
  }
  const text = url.toString();
  if (text.length > URL_LIMIT) {
    throw new InputError(INPUT.environmentUrl, `is ${text.length} characters long; at most ${URL_LIMIT} are allowed`);
  }
  return text;
}

/** An image reference: registry, repository, tag or digest (Docker's grammar, loosely). */
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;
const IMAGE_LIMIT = 512;

function readImage(env: Env): string | undefined {
  const image = readString(INPUT.image, {}, env);
  if (image === undefined) return undefined;
  if (image.length > IMAGE_LIMIT) {
    throw new InputError(
      INPUT.image,
      `is ${image.length} characters long; an image reference has at most ${IMAGE_LIMIT}`,
    );
  }
  if (!IMAGE.test(image)) {
    throw new InputError(
      INPUT.image,
      `must be one image reference (letters, digits and . _ - / : @), got ${shown(image)}`,
      'Give REGISTRY/REPOSITORY:TAG or REGISTRY/REPOSITORY@sha256:DIGEST',
    );
  }
  return image;
}

/**
 * The webhook URL is a secret from its first character: whatever is wrong with it is said without
 * any of it (not its scheme, not its host). It must be https (Slack's are), except on this machine,
 * where the tests' receiver listens.
 */
function readWebhookUrl(env: Env): string | undefined {
  const value = readString(INPUT.slackWebhookUrl, {}, env);
  if (value === undefined) return undefined;
  const fix = 'Give the incoming-webhook URL Slack shows, https://hooks.slack.com/services/..., through a secret';
  if (value.length > URL_LIMIT) {
    throw new InputError(INPUT.slackWebhookUrl, `is longer than ${URL_LIMIT} characters (not shown)`, fix);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(INPUT.slackWebhookUrl, 'is not a valid URL (not shown, as it is a secret)', fix);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(value))) {
    throw new InputError(INPUT.slackWebhookUrl, 'must be an https URL (not shown, as it is a secret)', fix);
  }
  if (url.username || url.password) {
    throw new InputError(INPUT.slackWebhookUrl, 'holds a user name or password (not shown)', fix);
  }
  return url.toString();
}

function readPullNumbers(env: Env): number[] {
  const numbers = readList(INPUT.prNumber, {}, env).map((item) => {
    const match = /^#?(\d{1,9})$/.exec(item);
    if (!match || Number(match[1]) === 0) {
      throw new InputError(
        INPUT.prNumber,
        `must be pull request numbers, got ${shown(item)}`,
        'Write them like 12, 15',
      );
    }
    return Number(match[1]);
  });
  return [...new Set(numbers)];
}

/** The most a file input may hold: a step output's limit, which is what smoke-test's report fits in. */
export const FILE_LIMIT_BYTES = 1024 * 1024;

/** Where a smoke-report or template file is read from, and how large it may be. */
function readMarkdownFile(name: string, filePattern: RegExp, env: Env): string | undefined {
  return readTextOrFile(
    name,
    {
      filePattern,
      maxBytes: FILE_LIMIT_BYTES,
      tooLargeFix: 'Give a shorter file (the comment keeps only its first 65,536 characters anyway)',
    },
    env,
  );
}

function readTemplate(env: Env): string | undefined {
  // One line ending in a file extension (`.github/deployed.md`) is a path; anything else is the template.
  const template = readMarkdownFile(INPUT.template, /^[^\s]+\.[A-Za-z0-9]{1,10}$/, env);
  if (template === undefined) return undefined;
  if (template.trim() === '') throw new InputError(INPUT.template, 'is empty');
  if (template.length > GITHUB_COMMENT_LIMIT) {
    throw new InputError(
      INPUT.template,
      `is ${template.length} characters long; a comment holds at most ${GITHUB_COMMENT_LIMIT}`,
      'Shorten the template',
    );
  }
  const unknown = unknownPlaceholders(template);
  if (unknown.length > 0) {
    const listed = unknown.slice(0, 5).map((name) => `{{${name.length > 40 ? `${name.slice(0, 40)}…` : name}}}`);
    throw new InputError(
      INPUT.template,
      `has unknown placeholders ${listed.join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`,
      `Use ${PLACEHOLDERS.map((name) => `{{${name}}}`).join(', ')}`,
    );
  }
  return template;
}

function readSlackUserMap(env: Env): Map<string, string> {
  const pairs = readKeyValueLines(
    INPUT.slackUserMap,
    { keyPattern: GITHUB_LOGIN, keyDescription: 'Keys are GitHub logins: one github-login=SLACK_MEMBER_ID a line' },
    env,
  );
  const map = new Map<string, string>();
  for (const { key: login, value: member, line } of pairs) {
    if (!SLACK_MEMBER_ID.test(member)) {
      throw new InputError(
        INPUT.slackUserMap,
        `maps '${login}' on line ${line} to something that is not a Slack member ID (not shown)`,
        'A member ID looks like U024BE7LH (Slack: profile, ⋮, Copy member ID)',
      );
    }
    map.set(login.toLowerCase(), member);
  }
  return map;
}
