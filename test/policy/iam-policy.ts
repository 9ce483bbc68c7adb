import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the IAM documents in docs/iam may grant, derived from the code rather than written down a
 * second time: the AWS SDK commands the actions send, the AWS CLI calls the workflows make, and the
 * permissions AWS checks on the side of those calls (a registered task definition passes its roles
 * and may carry tags; `docker push` speaks the registry API). When an action starts or stops
 * calling something, the allowed list moves with it, and a policy naming anything else fails.
 */

const clientServices: Record<string, string> = {
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
};

export interface CalledAction {
  /** `ecs:UpdateService` */
  action: string;
  /** `actions/deploy-ecs/src/ecs.ts`, or a workflow file for CLI calls. */
  source: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every `XxxCommand` an action's source sends through an AWS SDK v3 client, as `service:Xxx`. A file
 * that uses two clients could not say which command belongs to which, so it is refused.
 */
export function sdkActionsCalled(root: string): CalledAction[] {
  const called: CalledAction[] = [];
  const actionsDir = join(root, 'actions');
  for (const action of readdirSync(actionsDir)) {
    let files: string[];
    try {
      files = sourceFiles(join(actionsDir, action, 'src'));
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const services = Object.entries(clientServices)
        .filter(([client]) => text.includes(`'${client}'`))
        .map(([, service]) => service);
      if (services.length === 0) continue;
      const source = file.slice(root.length + 1);
      const commands = new Set(
        Array.from(text.matchAll(/\bnew\s+(?:[\w.]+\.)?([A-Z][A-Za-z0-9]*)Command\s*\(/g), (match) => match[1]),
      );
      if (commands.size > 0 && services.length > 1) {
        throw new Error(`${source} sends commands through several AWS clients; keep one client per module`);
      }
      for (const command of commands) called.push({ action: `${services[0]}:${command}`, source });
    }
  }
  return called;
}

const pascal = (kebab: string) =>
  kebab
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

/** `aws ecr describe-images ...` in a script -> `ecr:DescribeImages`. */
export function cliActionsCalled(script: string, source: string): CalledAction[] {
  return Array.from(script.matchAll(/(?:^|[\s;|&(`$])aws\s+([a-z0-9-]+)\s+([a-z][a-z0-9-]*)\b/gm), (match) => ({
    action: `${match[1]}:${pascal(match[2])}`,
    source,
  }));
}

/**
 * Permissions AWS checks beside a call, which no SDK command names. Each entry is granted only
 * when the call that implies it is made.
 */
export const impliedPermissions: Record<string, { actions: string[]; why: string }> = {
  'ecs:RegisterTaskDefinition': {
    actions: ['iam:PassRole', 'ecs:TagResource'],
    why: 'a task definition passes its task and execution roles to ECS, and tags on registration need ecs:TagResource',
  },
  'ecs:CreateService': {
    actions: ['ecs:TagResource'],
    why: 'preview-env creates the preview service with its tags, and tags on creation need ecs:TagResource',
  },
  'elasticloadbalancing:CreateTargetGroup': {
    actions: ['elasticloadbalancing:AddTags'],
    why: 'preview-env creates target groups with their tags, and tags on creation need AddTags',
  },
  'elasticloadbalancing:CreateRule': {
    actions: ['elasticloadbalancing:AddTags'],
    why: 'preview-env creates listener rules with their tags, and tags on creation need AddTags',
  },
  // build-push-ecr logs Docker in with the token and pushes and pulls through the registry API.
  'ecr:GetAuthorizationToken': {
    actions: [
      'ecr:BatchCheckLayerAvailability',
      'ecr:GetDownloadUrlForLayer',
      'ecr:InitiateLayerUpload',
      'ecr:UploadLayerPart',
      'ecr:CompleteLayerUpload',
      'ecr:PutImage',
      'ecr:BatchGetImage',
    ],
    why: 'docker push and pull (and the registry build cache) speak the registry API with the token',
  },
};

/** Everything a policy in docs/iam may name. */
export function allowedActions(called: CalledAction[]): Set<string> {
  const allowed = new Set(called.map((entry) => entry.action));
  for (const action of [...allowed]) {
    for (const implied of impliedPermissions[action]?.actions ?? []) allowed.add(implied);
  }
  return allowed;
}

// ---------------------------------------------------------------------------------------------
// Document checks. Each returns the problems found, as sentences.

type Statement = Record<string, unknown>;

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** Actions that AWS does not let a policy scope to a resource: `"Resource": "*"` is the only way. */
export const actionsWithoutResourceScope = new Set([
  'ecr:GetAuthorizationToken',
  'ecs:DescribeTaskDefinition',
  'ecs:ListTaskDefinitions',
  'ecs:RegisterTaskDefinition',
  'ecs:DeregisterTaskDefinition',
  'ecs:ListTasks',
  'ecs:TagResource',
  // Scoped by the ecs:cluster condition instead.
  'ecs:ListServices',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeRules',
  'elasticloadbalancing:DescribeTags',
]);

function documentShape(document: unknown): { statements: Statement[]; problems: string[] } {
  const problems: string[] = [];
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    return { statements: [], problems: ['the document is not a JSON object'] };
  }
  const { Version, Statement: statement, ...rest } = document as Record<string, unknown>;
  if (Version !== '2012-10-17') problems.push(`"Version" must be "2012-10-17", got ${JSON.stringify(Version)}`);
  if (Object.keys(rest).length > 0 && !('Id' in rest && Object.keys(rest).length === 1)) {
    problems.push(`unknown top-level keys: ${Object.keys(rest).join(', ')}`);
  }
  const statements = asList(statement);
  if (statements.length === 0) problems.push('"Statement" is empty');
  const sids = new Set<string>();
  statements.forEach((entry, index) => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push(`statement ${index + 1} is not an object`);
      return;
    }
    const s = entry as Statement;
    const label = typeof s.Sid === 'string' ? s.Sid : `statement ${index + 1}`;
    if (s.Sid !== undefined) {
      if (typeof s.Sid !== 'string' || !/^[A-Za-z0-9]+$/.test(s.Sid))
        problems.push(`${label}: "Sid" must be alphanumeric`);
      else if (sids.has(s.Sid)) problems.push(`${label}: the "Sid" is used twice`);
      else sids.add(s.Sid);
    }
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') problems.push(`${label}: "Effect" must be Allow or Deny`);
    for (const key of ['NotAction', 'NotResource', 'NotPrincipal']) {
      if (key in s) problems.push(`${label}: "${key}" grants everything not listed; name what is allowed`);
    }
    const actions = asList(s.Action);
    if (actions.length === 0 || !actions.every((action) => typeof action === 'string')) {
      problems.push(`${label}: "Action" must be a string or a list of strings`);
    }
    for (const action of actions) {
      if (typeof action === 'string' && !/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action)) {
        problems.push(`${label}: "${action}" is not one action (no wildcards)`);
      }
    }
  });
  return { statements: statements.filter((s): s is Statement => !!s && typeof s === 'object'), problems };
}

/** A role's permission policy: only the allowed actions, scoped to resources wherever AWS can. */
export function checkPermissionPolicy(document: unknown, allowed: Set<string>): string[] {
  const { statements, problems } = documentShape(document);
  for (const [index, s] of statements.entries()) {
    const label = typeof s.Sid === 'string' ? s.Sid : `statement ${index + 1}`;
    if ('Principal' in s) problems.push(`${label}: a permission policy has no "Principal"`);
    const resources = asList(s.Resource);
    if (resources.length === 0 || !resources.every((resource) => typeof resource === 'string')) {
      problems.push(`${label}: "Resource" must be a string or a list of strings`);
    }
    for (const action of asList(s.Action).filter((value): value is string => typeof value === 'string')) {
      if (!allowed.has(action)) {
        problems.push(`${label}: ${action} is not called by any action or workflow of this repository`);
      }
      if (resources.includes('*') && !actionsWithoutResourceScope.has(action)) {
        problems.push(`${label}: ${action} on "*"; scope it to the resources it acts on`);
      }
      if (action === 'iam:PassRole') {
        if (
          !resources.every(
            (resource) => typeof resource === 'string' && /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(resource),
          )
        ) {
          problems.push(`${label}: iam:PassRole must name the task roles' ARNs, without wildcards`);
        }
        const passedTo = (s.Condition as Record<string, Record<string, unknown>> | undefined)?.StringEquals?.[
          'iam:PassedToService'
        ];
        if (passedTo !== 'ecs-tasks.amazonaws.com') {
          problems.push(`${label}: iam:PassRole needs the condition iam:PassedToService = ecs-tasks.amazonaws.com`);
        }
      }
    }
  }
  return problems;
}

const oidcHost = 'token.actions.githubusercontent.com';

/** A role's trust policy: GitHub's OIDC provider, our audience, one repository's one environment. */
export function checkTrustPolicy(document: unknown, environment: string): string[] {
  const { statements, problems } = documentShape(document);
  for (const [index, s] of statements.entries()) {
    const label = typeof s.Sid === 'string' ? s.Sid : `statement ${index + 1}`;
    if (s.Effect !== 'Allow') continue;
    const federated = (s.Principal as Record<string, unknown> | undefined)?.Federated;
    if (
      typeof federated !== 'string' ||
      !new RegExp(`^arn:aws:iam::\\d{12}:oidc-provider/${oidcHost}$`).test(federated)
    ) {
      problems.push(
        `${label}: the principal must be GitHub's OIDC provider (arn:aws:iam::<account>:oidc-provider/${oidcHost})`,
      );
    }
    const actions = asList(s.Action);
    if (actions.length !== 1 || actions[0] !== 'sts:AssumeRoleWithWebIdentity') {
      problems.push(`${label}: a trust policy for GitHub allows sts:AssumeRoleWithWebIdentity and nothing else`);
    }
    const condition = (s.Condition ?? {}) as Record<string, Record<string, unknown>>;
    const operators = Object.keys(condition);
    if (operators.some((operator) => operator !== 'StringEquals')) {
      problems.push(
        `${label}: only StringEquals conditions: a pattern (${operators.join(', ')}) lets other branches or repositories in`,
      );
    }
    const equals = condition.StringEquals ?? {};
    if (equals[`${oidcHost}:aud`] !== 'sts.amazonaws.com') {
      problems.push(`${label}: ${oidcHost}:aud must equal sts.amazonaws.com`);
    }
    const subject = equals[`${oidcHost}:sub`];
    const expected = new RegExp(`^repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:environment:${environment}$`);
    if (typeof subject !== 'string' || !expected.test(subject)) {
      problems.push(`${label}: ${oidcHost}:sub must be exactly repo:<owner>/<repo>:environment:${environment}`);
    }
  }
  return problems;
}
