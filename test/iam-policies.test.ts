import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { repoRoot } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';
import {
  allowedActions,
  checkPermissionPolicy,
  checkTrustPolicy,
  cliActionsCalled,
  sdkActionsCalled,
  type CalledAction,
} from './policy/iam-policy.js';
import { parseWorkflow } from './policy/workflow-policy.js';

const iamDir = join(repoRoot, 'docs', 'iam');
const policyFiles = readdirSync(iamDir).filter((file) => file.endsWith('.json'));
const readPolicy = (file: string): unknown => JSON.parse(readFileSync(join(iamDir, file), 'utf8'));

/** The policies each environment's role has attached, as docs/aws-setup.md tells the reader. */
const roles = {
  staging: {
    trust: 'trust-policy.staging.json',
    permissions: ['build-push-ecr.json', 'deploy-ecs.staging.json'],
    actions: ['build-push-ecr', 'deploy-ecs'],
  },
  production: {
    trust: 'trust-policy.production.json',
    permissions: ['build-push-ecr.json', 'deploy-ecs.production.json'],
    actions: ['build-push-ecr', 'deploy-ecs'],
  },
  preview: {
    trust: 'trust-policy.preview.json',
    permissions: ['build-push-ecr.json', 'deploy-ecs.preview.json', 'preview-env.json'],
    actions: ['build-push-ecr', 'deploy-ecs', 'preview-env'],
  },
} as const;
type Environment = keyof typeof roles;

/** AWS CLI calls in the run steps of jobs that hold real AWS credentials, per environment. */
function workflowCliCalls(): Record<Environment, CalledAction[]> {
  const calls: Record<Environment, CalledAction[]> = { staging: [], production: [], preview: [] };
  const dir = join(repoRoot, '.github', 'workflows');
  for (const file of readdirSync(dir).filter((name) => /\.ya?ml$/.test(name))) {
    const { workflow } = parseWorkflow(file, readFileSync(join(dir, file), 'utf8'));
    for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
      const steps = job.steps ?? [];
      if (!steps.some((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))) continue;
      const environment = typeof job.environment === 'string' ? job.environment : job.environment?.name;
      if (environment !== 'staging' && environment !== 'production' && environment !== 'preview') {
        throw new Error(
          `${file} job ${jobId} assumes an AWS role outside the staging, production and preview environments`,
        );
      }
      for (const step of steps) {
        if (step.run) calls[environment].push(...cliActionsCalled(step.run, `${file} (job ${jobId})`));
      }
    }
  }
  return calls;
}

const sdkCalls = sdkActionsCalled(repoRoot);
const cliCalls = workflowCliCalls();
const allowed = allowedActions([...sdkCalls, ...cliCalls.staging, ...cliCalls.production, ...cliCalls.preview]);

describe('what the actions and workflows call, read from their code', () => {
  test('the SDK commands of deploy-ecs and build-push-ecr are found', () => {
    const bySource = (prefix: string) =>
      sdkCalls.filter((call) => call.source.startsWith(prefix)).map((call) => call.action);
    expect(bySource('actions/deploy-ecs/')).toEqual(
      expect.arrayContaining(['ecs:RegisterTaskDefinition', 'ecs:UpdateService', 'ecs:DescribeServices']),
    );
    expect(bySource('actions/build-push-ecr/')).toEqual(
      expect.arrayContaining(['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:PutImage']),
    );
    expect(bySource('actions/preview-env/')).toEqual(
      expect.arrayContaining(['ecs:CreateService', 'ecs:DeleteService', 'elasticloadbalancing:CreateRule']),
    );
    // smoke-test and pr-comment speak HTTP and GitHub, never AWS.
    expect(bySource('actions/smoke-test/')).toEqual([]);
    expect(bySource('actions/pr-comment/')).toEqual([]);
  });

  test("production's look-up of the tested image is an AWS CLI call it must be allowed", () => {
    expect(cliCalls.production.map((call) => call.action)).toContain('ecr:DescribeImages');
  });

  describe('derivation', () => {
    const root = temporaryFolder('shipyard-iam-');
    const write = (path: string, text: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    };

    test('commands sent directly or through a lazily imported module count; types do not', () => {
      write(
        'actions/one/src/ecs.ts',
        [
          "import type { UpdateServiceCommandInput } from '@aws-sdk/client-ecs';",
          "const sdk = await import('@aws-sdk/client-ecs');",
          'client.send(new sdk.UpdateServiceCommand(input as UpdateServiceCommandInput));',
          'client.send(new DescribeServicesCommand({}));',
        ].join('\n'),
      );
      write('actions/one/src/other.ts', 'new NotAwsCommand();');
      expect(sdkActionsCalled(root).map((call) => call.action)).toEqual(['ecs:UpdateService', 'ecs:DescribeServices']);
    });

    test('a module using two AWS clients is refused', () => {
      write(
        'actions/two/src/both.ts',
        "import '@aws-sdk/client-ecs';\nimport '@aws-sdk/client-ecr';\nnew PutImageCommand({});",
      );
      expect(() => sdkActionsCalled(root)).toThrow(/several AWS clients/);
    });

    test.each([
      ['aws ecr describe-images --repository-name x', ['ecr:DescribeImages']],
      ['digest=$(aws ecr describe-images --image-ids imageTag=x)', ['ecr:DescribeImages']],
      ['aws ecs update-service --cluster c && echo done', ['ecs:UpdateService']],
      ['echo "paws ecs update-service"', []],
    ])('CLI call in %j', (script, expected) => {
      expect(cliActionsCalled(script, 'x').map((call) => call.action)).toEqual(expected);
    });

    test('registering a task definition implies passing its roles and tagging it', () => {
      const derived = allowedActions([{ action: 'ecs:RegisterTaskDefinition', source: 'x' }]);
      expect([...derived].sort()).toEqual(['ecs:RegisterTaskDefinition', 'ecs:TagResource', 'iam:PassRole']);
    });
  });
});

describe('docs/iam', () => {
  test('holds a trust policy and permission policies for each environment', () => {
    expect(policyFiles.sort()).toEqual(
      [...new Set(Object.values(roles).flatMap((role) => [role.trust, ...role.permissions]))].sort(),
    );
  });

  test.each(policyFiles)('%s is valid JSON', (file) => {
    expect(() => readPolicy(file)).not.toThrow();
  });

  test.each(Object.entries(roles).map(([environment, role]) => [role.trust, environment]))(
    '%s lets only the %s environment of one repository assume the role',
    (file, environment) => {
      expect(checkTrustPolicy(readPolicy(file), environment)).toEqual([]);
    },
  );

  test.each(policyFiles.filter((file) => !file.startsWith('trust-policy.')))(
    '%s names only actions the actions call, scoped to their resources',
    (file) => {
      expect(checkPermissionPolicy(readPolicy(file), allowed)).toEqual([]);
    },
  );

  test.each(Object.keys(roles) as Environment[])('the %s role may do everything its deploy job does', (environment) => {
    const granted = new Set(
      roles[environment].permissions.flatMap((file) =>
        (readPolicy(file) as { Statement: { Effect: string; Action: string | string[] }[] }).Statement.filter(
          (statement) => statement.Effect === 'Allow',
        ).flatMap((statement) => ([] as string[]).concat(statement.Action)),
      ),
    );
    // CreateRepository only runs with `create-repository: true`, which the deploy workflows never
    // set: the repository is created once, by whoever sets up AWS.
    // What the actions its jobs run call: only the preview role runs preview-env.
    const used = sdkCalls.filter((call) =>
      (roles[environment].actions as readonly string[]).some((action) => call.source.startsWith(`actions/${action}/`)),
    );
    const needed = allowedActions([...used, ...cliCalls[environment]]);
    needed.delete('ecr:CreateRepository');
    // RunTask and StopTask only run with deploy-ecs's `run-task: true` (issue 15), which the deploy
    // workflows never set: their roles need not start tasks.
    needed.delete('ecs:RunTask');
    needed.delete('ecs:StopTask');
    expect([...needed].filter((action) => !granted.has(action)).sort()).toEqual([]);
  });

  test("the example task definition's roles are exactly the ones the deploy roles may pass", () => {
    const taskDefinition = JSON.parse(readFileSync(join(repoRoot, 'docs', 'ecs', 'task-definition.json'), 'utf8')) as {
      taskRoleArn: string;
      executionRoleArn: string;
    };
    for (const environment of Object.keys(roles) as Environment[]) {
      const document = readPolicy(`deploy-ecs.${environment}.json`) as {
        Statement: { Action: unknown; Resource: unknown }[];
      };
      const passable = document.Statement.filter((statement) =>
        ([] as unknown[]).concat(statement.Action).includes('iam:PassRole'),
      )
        .flatMap((statement) => ([] as unknown[]).concat(statement.Resource))
        .sort();
      expect(passable).toEqual([taskDefinition.executionRoleArn, taskDefinition.taskRoleArn].sort());
    }
  });

  test('docs/aws-setup.md links every policy file', () => {
    const setup = readFileSync(join(repoRoot, 'docs', 'aws-setup.md'), 'utf8');
    for (const file of policyFiles) expect(setup).toContain(`(iam/${file})`);
  });
});

describe('each check catches a bad policy', () => {
  const allow = (statement: Record<string, unknown>) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', ...statement }],
  });
  const serviceArn = 'arn:aws:ecs:us-east-1:123456789012:service/shipyard/web';
  const passRole = {
    Action: 'iam:PassRole',
    Resource: 'arn:aws:iam::123456789012:role/task',
    Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  };

  test('a good permission policy passes', () => {
    expect(checkPermissionPolicy(allow({ Action: 'ecs:UpdateService', Resource: serviceArn }), allowed)).toEqual([]);
    expect(checkPermissionPolicy(allow(passRole), allowed)).toEqual([]);
  });

  test.each<[string, unknown, RegExp]>([
    ['a wildcard action', allow({ Action: 'ecs:*', Resource: serviceArn }), /not one action/],
    ['a prefix wildcard', allow({ Action: 'ecr:Describe*', Resource: '*' }), /not one action/],
    ['an action nothing calls', allow({ Action: 'ecs:DeleteCluster', Resource: serviceArn }), /not called/],
    ['a scopable action on *', allow({ Action: 'ecs:UpdateService', Resource: '*' }), /scope it/],
    ['PassRole on *', allow({ ...passRole, Resource: '*' }), /task roles' ARNs/],
    [
      'PassRole on a wildcard role',
      allow({ ...passRole, Resource: 'arn:aws:iam::123456789012:role/*' }),
      /without wildcards/,
    ],
    ['PassRole to any service', allow({ ...passRole, Condition: undefined }), /PassedToService/],
    ['NotAction', allow({ NotAction: 'iam:*', Action: 'ecs:UpdateService', Resource: serviceArn }), /NotAction/],
    ['a principal', allow({ Principal: '*', Action: 'ecs:UpdateService', Resource: serviceArn }), /Principal/],
    ['the old policy language', { Version: '2008-10-17', Statement: [] }, /Version/],
    ['a missing resource', allow({ Action: 'ecs:UpdateService' }), /Resource/],
  ])('permission policy: %s', (_what, document, problem) => {
    const problems = checkPermissionPolicy(document, allowed);
    expect(problems.join('\n')).toMatch(problem);
  });

  const trust = (condition: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
    allow({
      Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: condition,
      ...overrides,
    });
  const aud = { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' };
  const sub = (value: string) => ({ 'token.actions.githubusercontent.com:sub': value });

  test('a good trust policy passes', () => {
    expect(
      checkTrustPolicy(trust({ StringEquals: { ...aud, ...sub('repo:o/r:environment:staging') } }), 'staging'),
    ).toEqual([]);
  });

  test.each<[string, unknown, RegExp]>([
    ['a subject pattern', trust({ StringEquals: aud, StringLike: sub('repo:o/*') }), /only StringEquals/],
    [
      'any branch of the repository',
      trust({ StringEquals: { ...aud, ...sub('repo:o/r:ref:refs/heads/main') } }),
      /:sub/,
    ],
    ['another environment', trust({ StringEquals: { ...aud, ...sub('repo:o/r:environment:production') } }), /:sub/],
    ['no audience', trust({ StringEquals: sub('repo:o/r:environment:staging') }), /:aud/],
    [
      'anyone',
      trust({ StringEquals: { ...aud, ...sub('repo:o/r:environment:staging') } }, { Principal: '*' }),
      /OIDC provider/,
    ],
    [
      'more than web identity',
      trust(
        { StringEquals: { ...aud, ...sub('repo:o/r:environment:staging') } },
        { Action: ['sts:AssumeRoleWithWebIdentity', 'sts:AssumeRole'] },
      ),
      /nothing else/,
    ],
  ])('trust policy: %s', (_what, document, problem) => {
    expect(checkTrustPolicy(document, 'staging').join('\n')).toMatch(problem);
  });
});
