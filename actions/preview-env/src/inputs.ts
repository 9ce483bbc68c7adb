import {
  ACCOUNT_PATTERN,
  checkArn,
  ecsResource,
  REGION_PATTERN,
  type ArnContext,
  type ArnRule,
} from '@shipyard/shared/arn';
import { InputError } from '@shipyard/shared/errors';
import { readEnum, readInteger, readKeyValues, readString, type Env } from '@shipyard/shared/inputs';
import { shown } from '@shipyard/shared/text';
import { SMOKE_OUTCOMES, type SmokeOutcome } from './comment.js';

/** Input names, in step with action.yml. */
export const INPUT = {
  command: 'command',
  cluster: 'cluster',
  service: 'service',
  prNumber: 'pr-number',
  image: 'image',
  containerName: 'container-name',
  environmentVariables: 'environment-variables',
  listenerArn: 'listener-arn',
  previewDomain: 'preview-domain',
  urlScheme: 'url-scheme',
  maxPreviews: 'max-previews',
  desiredCount: 'desired-count',
  rulePriorities: 'rule-priorities',
  token: 'token',
  sha: 'sha',
  smokeOutcome: 'smoke-outcome',
  maxAttempts: 'max-attempts',
} as const;

/** Output names, in step with action.yml. */
export const OUTPUT = {
  url: 'url',
  service: 'service',
  targetGroupArn: 'target-group-arn',
  ruleArn: 'rule-arn',
  taskDefinitionArn: 'task-definition-arn',
  created: 'created',
  removed: 'removed',
  previews: 'previews',
} as const;

export const COMMANDS = ['up', 'down', 'sweep', 'report'] as const;
export type Command = (typeof COMMANDS)[number];
export { SMOKE_OUTCOMES, type SmokeOutcome };

export interface Inputs {
  command: Command;
  region: string;
  /** `owner/repo`, from GITHUB_REPOSITORY: the tag that keeps one repository's previews apart from another's. */
  repository: string;
  cluster: string;
  /** The staging service the previews copy (a name). */
  service: string;
  pr?: number;
  image?: string;
  containerName?: string;
  /** Set in the container's environment (a key already there gets the new value). */
  environment: Map<string, string>;
  listenerArn?: string;
  previewDomain?: string;
  urlScheme: 'https' | 'http';
  maxPreviews: number;
  desiredCount: number;
  priorities: { from: number; to: number };
  token?: string;
  sha?: string;
  smokeOutcome: SmokeOutcome;
  maxAttempts: number;
}

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;
/** Room for `-pr-<9 digits>` after the service name, within ECS's 255 characters. */
const SERVICE_NAME = /^[a-zA-Z0-9_-]{1,241}$/;
const PR_NUMBER = /^[1-9]\d{0,8}$/;
const SHA = /^[0-9a-f]{40}$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IMAGE =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const LISTENER: ArnRule = {
  what: 'an Application Load Balancer listener',
  services: ['elasticloadbalancing'],
  resources: { elasticloadbalancing: /^listener\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}$/ },
  example: 'arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<load balancer>/<id>/<id>',
};
const CLUSTER_ARN = ecsResource('cluster', /^cluster\/[a-zA-Z0-9_-]{1,255}$/);

/** What each command needs beyond the common inputs. */
const REQUIRED: Record<Command, readonly string[]> = {
  up: [INPUT.prNumber, INPUT.image, INPUT.listenerArn, INPUT.previewDomain],
  down: [INPUT.prNumber, INPUT.listenerArn],
  sweep: [INPUT.listenerArn, INPUT.token],
  report: [INPUT.prNumber, INPUT.previewDomain, INPUT.token],
};

/** Read and check every input before anything talks to AWS or GitHub. Pure. */
export function getInputs(env: Env = process.env): Inputs {
  const command = readEnum(INPUT.command, COMMANDS, 'up', env);
  for (const name of REQUIRED[command]) {
    if (readString(name, {}, env) === undefined) {
      throw new InputError(name, `is required for command '${command}'`, `Set '${name}' in the step's with: block`);
    }
  }
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || '';
  if (command !== 'report') {
    if (!region) {
      throw new Error(
        'No AWS region: set AWS_REGION (aws-actions/configure-aws-credentials does, with its aws-region input) or AWS_DEFAULT_REGION',
      );
    }
    if (!REGION_PATTERN.test(region)) throw new Error(`AWS_REGION is not an AWS region: ${shown(region)}`);
  }
  const account = env.AWS_ACCOUNT_ID?.trim() || undefined;
  if (account !== undefined && !ACCOUNT_PATTERN.test(account)) {
    throw new Error(`AWS_ACCOUNT_ID is not a 12-digit AWS account id: ${shown(account)}`);
  }
  const arnContext: ArnContext = { region, account, accountSource: account ? 'AWS_ACCOUNT_ID' : undefined };

  const repository = env.GITHUB_REPOSITORY?.trim() ?? '';
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new Error('GITHUB_REPOSITORY is not set to owner/repo: preview-env runs inside a GitHub Actions workflow');
  }

  const service = readString(INPUT.service, { required: true }, env);
  if (!SERVICE_NAME.test(service)) {
    throw new InputError(
      INPUT.service,
      `is not an ECS service name: ${shown(service)}`,
      'Give the staging service by name: up to 241 letters, digits, hyphens and underscores (room for -pr-<number>)',
    );
  }
  const cluster = readString(INPUT.cluster, {}, env) ?? 'default';
  if (cluster.startsWith('arn:')) checkArn(INPUT.cluster, cluster, CLUSTER_ARN, arnContext);
  else if (!NAME.test(cluster)) {
    throw new InputError(INPUT.cluster, `is not an ECS cluster name or ARN: ${shown(cluster)}`);
  }

  const prText = readString(INPUT.prNumber, {}, env);
  if (prText !== undefined && !PR_NUMBER.test(prText)) {
    throw new InputError(
      INPUT.prNumber,
      `is not a pull request number: ${shown(prText)}`,
      'Give the number alone, such as ${{ github.event.pull_request.number }}',
    );
  }
  const pr = prText === undefined ? undefined : Number(prText);

  const image = readString(INPUT.image, {}, env);
  if (image !== undefined && !IMAGE.test(image)) {
    throw new InputError(
      INPUT.image,
      `is not a valid image reference: ${shown(image)}`,
      'Expected [registry/]repository[:tag][@sha256:digest], repository in lower case',
    );
  }
  const containerName = readString(INPUT.containerName, {}, env);
  if (containerName !== undefined && !NAME.test(containerName)) {
    throw new InputError(INPUT.containerName, `is not a container name: ${shown(containerName)}`);
  }

  const listenerArn = readString(INPUT.listenerArn, {}, env);
  if (listenerArn !== undefined && command !== 'report') checkArn(INPUT.listenerArn, listenerArn, LISTENER, arnContext);

  const previewDomain = readString(INPUT.previewDomain, {}, env)?.toLowerCase();
  if (previewDomain !== undefined) checkDomain(previewDomain);
  const priorities = readPriorities(env);
  const token = readString(INPUT.token, {}, env);
  const sha = readString(INPUT.sha, {}, env) ?? env.GITHUB_SHA;
  if (sha !== undefined && !SHA.test(sha)) {
    throw new InputError(INPUT.sha, `is not a full commit SHA: ${shown(sha)}`, 'Give the 40-character commit SHA');
  }

  return {
    command,
    region,
    repository,
    cluster,
    service,
    pr,
    image,
    containerName,
    environment: readKeyValues(
      INPUT.environmentVariables,
      {
        keyPattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
        keyDescription: 'Variable names start with a letter or underscore and hold letters, digits and underscores',
      },
      env,
    ),
    listenerArn,
    previewDomain,
    urlScheme: readEnum(INPUT.urlScheme, ['https', 'http'] as const, 'https', env),
    maxPreviews: readInteger(INPUT.maxPreviews, 10, { min: 1, max: 1000 }, env),
    desiredCount: readInteger(INPUT.desiredCount, 1, { min: 1, max: 10 }, env),
    priorities,
    token,
    sha,
    smokeOutcome: readEnum(INPUT.smokeOutcome, SMOKE_OUTCOMES, 'pending', env),
    maxAttempts: readInteger(INPUT.maxAttempts, 5, { min: 1, max: 20 }, env),
  };
}

function checkDomain(domain: string): void {
  const labels = domain.split('.');
  const fix =
    'Give a domain such as preview.example.com whose wildcard (*.preview.example.com) points at the load balancer';
  // At most 110, so that `pr-<9 digits>.` in front stays within the 128 characters of an ELBv2 host condition.
  if (domain.length > 110 || labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    throw new InputError(INPUT.previewDomain, `is not a DNS domain: ${shown(domain)}`, fix);
  }
  // ELBv2 host conditions allow only letters after the last dot.
  if (!/^[a-z]+$/.test(labels[labels.length - 1])) {
    throw new InputError(INPUT.previewDomain, `must end in a top-level domain of letters: ${shown(domain)}`, fix);
  }
}

/** `1000-1999`: the listener rule priorities previews may take (unique per listener, 1 to 50000). */
function readPriorities(env: Env): { from: number; to: number } {
  const text = readString(INPUT.rulePriorities, {}, env) ?? '40000-49999';
  const match = /^(\d{1,5})\s*-\s*(\d{1,5})$/.exec(text);
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || from < 1 || to > 50000 || from > to) {
    throw new InputError(
      INPUT.rulePriorities,
      `is not a range of listener rule priorities: ${shown(text)}`,
      'Give FROM-TO within 1-50000, such as 40000-49999, that no other rule on the listener uses',
    );
  }
  return { from, to };
}
