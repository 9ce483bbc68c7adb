import { InputError } from './errors.js';
import { shown } from './text.js';

/**
 * Amazon Resource Names: `arn:partition:service:region:account-id:resource`, parsed and held to
 * what the service they name accepts, so that a role in another account, a secret in another
 * region or an S3 object given where a secret belongs is an input error before any call, not an
 * AccessDenied or a task that fails to start minutes later. Pure and dependency-free, like the
 * input readers.
 */

export interface Arn {
  partition: string;
  service: string;
  /** Empty for global services (IAM, S3). */
  region: string;
  /** Empty for S3. */
  account: string;
  /** Everything after the fifth colon; it may hold colons itself (`secret:db-AbCdEf:password::`). */
  resource: string;
}

export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
export const ACCOUNT_PATTERN = /^\d{12}$/;
const PARTITION_PATTERN = /^aws(-[a-z]+)*$/;
const SERVICE_PATTERN = /^[a-z0-9-]+$/;

/** The parts of an ARN, or undefined when the value does not have the six parts of one. */
export function parseArn(value: string): Arn | undefined {
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account] = parts;
  const resource = parts.slice(5).join(':');
  if (!PARTITION_PATTERN.test(partition) || !SERVICE_PATTERN.test(service) || resource === '') return undefined;
  if (region !== '' && !REGION_PATTERN.test(region)) return undefined;
  if (account !== '' && !ACCOUNT_PATTERN.test(account)) return undefined;
  return { partition, service, region, account, resource };
}

/** The partition a region belongs to (`cn-north-1` is `aws-cn`, `us-gov-west-1` is `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

export interface ArnRule {
  /** What the ARN must name, for the error: `an IAM role`. */
  what: string;
  /** The services that may appear (`['iam']`; `['secretsmanager', 'ssm']`). */
  services: readonly string[];
  /** The resource part, per service (`{ iam: /^role\/.../ }`); any resource when a service has none. */
  resources?: Readonly<Record<string, RegExp>>;
  /** An example of a right value, for the fix: `arn:aws:iam::<account>:role/<name>`. */
  example: string;
  /** Global services (IAM, S3) have no region in their ARNs; all others must be in `region`. */
  regionless?: boolean;
  /** S3 ARNs have no account either. */
  accountless?: boolean;
}

export interface ArnContext {
  /** The region the action works in; regional ARNs must name it, and its partition must match. */
  region: string;
  /**
   * The account the action works in, where known: every ARN with an account must name it. An
   * `ArnContext` without one learns it from the first ARN checked, so ARNs given together agree.
   */
  account?: string;
  /** Where the account came from, for the error (`AWS_ACCOUNT_ID`, `task-role-arn`). */
  accountSource?: string;
}

/**
 * Parse `value` and hold it to `rule` and `context`; an `InputError` on `input` says which part is
 * wrong (quoting at most 80 characters of the value) and what a right one looks like. `where` says
 * where in the input the ARN sits (`line 2`, `containerDefinitions[0].secrets[1].valueFrom`).
 */
export function checkArn(input: string, value: string, rule: ArnRule, context: ArnContext, where?: string): Arn {
  const at = where ? ` (${where})` : '';
  const fix = `Expected ${rule.what}: ${rule.example}`;
  const arn = parseArn(value);
  if (!arn) throw new InputError(input, `is not a valid ARN${at}: ${shown(value)}`, fix);
  if (!rule.services.includes(arn.service)) {
    throw new InputError(input, `names a '${arn.service}' ARN${at}, not ${rule.what}: ${shown(value)}`, fix);
  }
  const resource = rule.resources?.[arn.service];
  if (resource && !resource.test(arn.resource)) {
    throw new InputError(input, `is not ${rule.what}${at}: ${shown(value)}`, fix);
  }
  const partition = partitionOf(context.region);
  if (arn.partition !== partition) {
    throw new InputError(
      input,
      `is in the partition '${arn.partition}'${at}, but the region ${context.region} is in '${partition}'`,
      `Use arn:${partition}:… ARNs in ${context.region}`,
    );
  }
  if (rule.regionless && arn.region !== '') {
    throw new InputError(input, `has a region ('${arn.region}')${at}, which ${rule.what} ARN never has`, fix);
  }
  if (!rule.regionless && arn.region !== context.region) {
    throw new InputError(
      input,
      `names the region '${arn.region || '(none)'}'${at}, not the configured region ${context.region}`,
      `Give ${rule.what} in ${context.region}, or configure that region`,
    );
  }
  if (rule.accountless) {
    if (arn.account !== '') throw new InputError(input, `has an account${at}, which ${rule.what} ARN never has`, fix);
    return arn;
  }
  if (arn.account === '') {
    throw new InputError(input, `has no account${at}: ${shown(value)}`, fix);
  }
  if (context.account === undefined) {
    context.account = arn.account;
    context.accountSource = input;
  } else if (arn.account !== context.account) {
    throw new InputError(
      input,
      `names the account ${arn.account}${at}, not ${context.account} (from ${context.accountSource ?? 'the other ARNs'})`,
      `Give ${rule.what} in account ${context.account}`,
    );
  }
  return arn;
}

/** IAM role ARNs: `role/` then an optional path and a name of up to 64 characters. */
export const IAM_ROLE: ArnRule = {
  what: 'an IAM role',
  services: ['iam'],
  resources: { iam: /^role\/(?:[\w+=,.@-]+\/){0,20}[\w+=,.@-]{1,64}$/ },
  example: 'arn:aws:iam::<account>:role/<name>',
  regionless: true,
};

/**
 * Where an ECS secret (`secrets`, `logConfiguration.secretOptions`) comes from: a Secrets Manager
 * secret (optionally with `:json-key:version-stage:version-id`) or an SSM Parameter Store
 * parameter. Nothing else (an S3 object, a KMS key) holds a secret ECS can read.
 */
export const SECRET_SOURCE: ArnRule = {
  what: 'a Secrets Manager secret or SSM parameter',
  services: ['secretsmanager', 'ssm'],
  resources: {
    secretsmanager: /^secret:[\w/+=.@-]{1,512}(:[^:]*){0,3}$/,
    ssm: /^parameter\/[\w.\-/]{1,2048}$/,
  },
  example: 'arn:aws:secretsmanager:<region>:<account>:secret:<name> or arn:aws:ssm:<region>:<account>:parameter/<name>',
};

/** Where ECS reads private registry credentials (`repositoryCredentials`): a Secrets Manager secret. */
export const SECRETS_MANAGER_SECRET: ArnRule = {
  what: 'a Secrets Manager secret',
  services: ['secretsmanager'],
  resources: SECRET_SOURCE.resources,
  example: 'arn:aws:secretsmanager:<region>:<account>:secret:<name>',
};

/** An S3 object (`environmentFiles`): no region, no account. */
export const S3_OBJECT: ArnRule = {
  what: 'an S3 object',
  services: ['s3'],
  resources: { s3: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/ },
  example: 'arn:aws:s3:::<bucket>/<key>',
  regionless: true,
  accountless: true,
};

/** A task definition ARN as people name it: `arn:aws:ecs:…:task-definition/web:12` is `web:12`. */
export function taskDefinitionRevision(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** An ECS resource of one type (`cluster`, `service`, `task-definition`, `capacity-provider`). */
export function ecsResource(type: string, resource: RegExp, name = '<name>'): ArnRule {
  return {
    what: `an ECS ${type.replace('-', ' ')}`,
    services: ['ecs'],
    resources: { ecs: resource },
    example: `arn:aws:ecs:<region>:<account>:${type}/${name}`,
  };
}
