import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsEmulator } from '@shipyard/emulators/aws';
import { temporaryFolder } from '@shipyard/harness/temp';
import { deploy, fargateDefinition, seedWebService, startEmulator, workspaceWith } from './helpers.js';

/**
 * Inputs written to break the action, each run through the bundle against the AWS emulator: every
 * one must end with exit code 1, exactly one `::error::` line that names the input (or variable)
 * at fault, never the hostile value whole anywhere in the log, and no call that changes anything.
 * The values are long (past the 80 characters an error may quote) or carry control characters, so
 * "not echoed whole" is something each case can fail.
 */

type Definition = ReturnType<typeof fargateDefinition> & Record<string, unknown>;
type Container = Definition['containerDefinitions'][number] &
  Record<string, unknown> & { environment: { name: string; value: string }[] };

interface HostileCase {
  /** What the error must name: `Input 'x'` for an input, the variable's name otherwise. */
  names: string;
  /** The hostile value: it must not appear whole in stdout or stderr. */
  value: string;
  inputs?: Record<string, string | undefined>;
  env?: Record<string, string | undefined>;
  /** The task definition file (td.json); changed by `edit` from the Fargate example. */
  edit?: (definition: Definition, container: Container) => void;
  /** A workspace of its own (for links); by default td.json holds the (edited) definition. */
  workspace?: () => string;
}

const long = (prefix: string, length = 120) => `${prefix}${'x'.repeat(Math.max(0, length - prefix.length))}`;
const longName = (length = 120) => 'n'.repeat(length);
const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const rolePath = 'p'.repeat(90);
const role = (account = ACCOUNT, partition = 'aws', region = '') =>
  `arn:${partition}:iam:${region}:${account}:role/${rolePath}/deploy`;
const ssm = (region = 'us-east-1', account = ACCOUNT) =>
  `arn:aws:ssm:${region}:${account}:parameter/${'q'.repeat(100)}`;
const base = { 'task-definition': 'td.json', 'container-name': 'app', image: 'nginx:2', service: 'web' };
// Outside the workspace and RUNNER_TEMP; removed after the file, with every workspace (temporaryFolder).
const outside = temporaryFolder('deploy-ecs-outside-');
writeFileSync(join(outside, 'td.json'), JSON.stringify(fargateDefinition()));

const cases: [string, HostileCase][] = [
  // ---- ARNs given as inputs ----
  [
    'task-role-arn in the China partition',
    {
      names: "Input 'task-role-arn'",
      value: role(ACCOUNT, 'aws-cn'),
      inputs: { 'task-role-arn': role(ACCOUNT, 'aws-cn') },
    },
  ],
  [
    'task-role-arn naming a user',
    {
      names: "Input 'task-role-arn'",
      value: long(`arn:aws:iam::${ACCOUNT}:user/`),
      inputs: { 'task-role-arn': long(`arn:aws:iam::${ACCOUNT}:user/`) },
    },
  ],
  [
    'execution-role-arn with a region',
    {
      names: "Input 'execution-role-arn'",
      value: role(ACCOUNT, 'aws', 'us-east-1'),
      inputs: { 'execution-role-arn': role(ACCOUNT, 'aws', 'us-east-1') },
    },
  ],
  [
    'execution-role-arn in another account than task-role-arn',
    {
      names: "Input 'execution-role-arn'",
      value: role(OTHER),
      inputs: { 'task-role-arn': role(), 'execution-role-arn': role(OTHER) },
    },
  ],
  [
    'task-role-arn in another account than AWS_ACCOUNT_ID',
    {
      names: "Input 'task-role-arn'",
      value: role(OTHER),
      inputs: { 'task-role-arn': role(OTHER) },
      env: { AWS_ACCOUNT_ID: ACCOUNT },
    },
  ],
  [
    'a secret from S3',
    {
      names: "Input 'secrets'",
      value: long('arn:aws:s3:::bucket/'),
      inputs: { secrets: `DB=${long('arn:aws:s3:::bucket/')}` },
    },
  ],
  [
    'a secret in another region',
    { names: "Input 'secrets'", value: ssm('eu-west-1'), inputs: { secrets: `DB=${ssm('eu-west-1')}` } },
  ],
  [
    'a secret that is a KMS key',
    {
      names: "Input 'secrets'",
      value: long(`arn:aws:kms:us-east-1:${ACCOUNT}:key/`),
      inputs: { secrets: `DB=${long(`arn:aws:kms:us-east-1:${ACCOUNT}:key/`)}` },
    },
  ],
  [
    'a secret in another account than the role',
    {
      names: "Input 'secrets'",
      value: ssm('us-east-1', OTHER),
      inputs: { 'task-role-arn': role(), secrets: `DB=${ssm('us-east-1', OTHER)}` },
    },
  ],
  [
    'a secret value pasted where its ARN belongs',
    {
      names: "Input 'secrets'",
      value: long('-----BEGIN PRIVATE KEY----- MIIEv'),
      inputs: { secrets: `KEY=${long('-----BEGIN PRIVATE KEY----- MIIEv')}` },
    },
  ],
  [
    'a cluster ARN in another region',
    {
      names: "Input 'cluster'",
      value: long(`arn:aws:ecs:us-west-2:${ACCOUNT}:cluster/`),
      inputs: { cluster: long(`arn:aws:ecs:us-west-2:${ACCOUNT}:cluster/`) },
    },
  ],
  [
    'a service ARN of a task',
    {
      names: "Input 'service'",
      value: long(`arn:aws:ecs:us-east-1:${ACCOUNT}:task/`),
      inputs: { service: long(`arn:aws:ecs:us-east-1:${ACCOUNT}:task/`) },
    },
  ],
  [
    'a task-definition-arn in another region',
    {
      names: "Input 'task-definition-arn'",
      value: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${longName()}:1`,
      inputs: {
        'task-definition': undefined,
        'task-definition-arn': `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${longName()}:1`,
      },
    },
  ],
  [
    'a task-definition-arn in another account',
    {
      names: "Input 'task-definition-arn'",
      value: `arn:aws:ecs:us-east-1:${OTHER}:task-definition/${longName()}:1`,
      inputs: {
        'task-definition': undefined,
        'task-definition-arn': `arn:aws:ecs:us-east-1:${OTHER}:task-definition/${longName()}:1`,
      },
      env: { AWS_ACCOUNT_ID: ACCOUNT },
    },
  ],
  [
    'a task-definition-arn of revision 0',
    {
      names: "Input 'task-definition-arn'",
      value: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${longName()}:0`,
      inputs: {
        'task-definition': undefined,
        'task-definition-arn': `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${longName()}:0`,
      },
    },
  ],

  // ---- ARNs inside the task definition file ----
  [
    'a file task role that is a user',
    {
      names: "Input 'task-definition'",
      value: long(`arn:aws:iam::${ACCOUNT}:user/`),
      edit: (d) => (d.taskRoleArn = long(`arn:aws:iam::${ACCOUNT}:user/`)),
    },
  ],
  [
    'a file execution role in another partition',
    {
      names: "Input 'task-definition'",
      value: role(ACCOUNT, 'aws-us-gov'),
      edit: (d) => (d.executionRoleArn = role(ACCOUNT, 'aws-us-gov')),
    },
  ],
  [
    'a file secret from S3',
    {
      names: "Input 'task-definition'",
      value: long('arn:aws:s3:::bucket/'),
      edit: (_, c) => (c.secrets = [{ name: 'DB', valueFrom: long('arn:aws:s3:::bucket/') }]),
    },
  ],
  [
    'a file log secret in another region',
    {
      names: "Input 'task-definition'",
      value: ssm('ap-south-1'),
      edit: (_, c) =>
        (c.logConfiguration = {
          logDriver: 'awsfirelens',
          secretOptions: [{ name: 'apikey', valueFrom: ssm('ap-south-1') }],
        }),
    },
  ],
  [
    'file registry credentials in SSM',
    {
      names: "Input 'task-definition'",
      value: ssm(),
      edit: (_, c) => (c.repositoryCredentials = { credentialsParameter: ssm() }),
    },
  ],
  [
    'a file environment file that is not in S3',
    {
      names: "Input 'task-definition'",
      value: ssm(),
      edit: (_, c) => (c.environmentFiles = [{ value: ssm(), type: 's3' }]),
    },
  ],
  [
    'a file execution role in another account than the task role input',
    {
      names: "Input 'task-definition'",
      value: role(OTHER),
      inputs: { 'task-role-arn': role() },
      edit: (d) => (d.executionRoleArn = role(OTHER)),
    },
  ],

  // ---- sizes ----
  [
    'a file over 64 KiB',
    {
      names: "Input 'task-definition'",
      value: long('big', 70_000),
      edit: (_, c) => c.environment.push({ name: 'BIG', value: long('big', 70_000) }),
    },
  ],
  [
    'an environment variable that renders over 64 KiB',
    {
      names: "Input 'task-definition'",
      value: long('huge', 66_000),
      inputs: { 'environment-variables': `HUGE=${long('huge', 66_000)}` },
    },
  ],
  [
    'a family whose overrides render over 64 KiB',
    {
      names: "Input 'task-definition-family'",
      value: long('wide', 66_000),
      inputs: {
        'task-definition': undefined,
        'task-definition-family': 'web',
        'environment-variables': `WIDE=${long('wide', 66_000)}`,
      },
    },
  ],
  [
    'an image of 300 characters',
    { names: "Input 'image'", value: `nginx:${'t'.repeat(300)}`, inputs: { image: `nginx:${'t'.repeat(300)}` } },
  ],
  [
    'a family of 300 characters',
    {
      names: "Input 'task-definition-family'",
      value: longName(300),
      inputs: { 'task-definition': undefined, 'task-definition-family': longName(300) },
    },
  ],
  [
    'a service name of 300 characters',
    { names: "Input 'service'", value: longName(300), inputs: { service: longName(300) } },
  ],
  [
    'a propagate-tags of 200 characters',
    {
      names: "Input 'propagate-tags'",
      value: long('SERVICE', 200),
      inputs: { 'propagate-tags': long('SERVICE', 200) },
    },
  ],
  [
    'a container-name of 200 characters',
    { names: "Input 'container-name'", value: longName(200), inputs: { 'container-name': longName(200) } },
  ],
  [
    'an images line for a container of 300 characters',
    {
      names: "Input 'images'",
      value: longName(300),
      inputs: { image: undefined, 'container-name': undefined, images: `${longName(300)}=nginx:2` },
    },
  ],
  [
    'a file family of 300 characters',
    { names: "Input 'task-definition'", value: longName(300), edit: (d) => (d.family = longName(300)) },
  ],
  [
    'a file misspelt field of 200 characters',
    { names: "Input 'task-definition'", value: long('famly', 200), edit: (d) => (d[long('famly', 200)] = 'web') },
  ],

  // ---- control characters in inputs ----
  [
    'an image with an escape sequence',
    { names: "Input 'image'", value: 'nginx:2\u001b[2K', inputs: { image: 'nginx:2\u001b[2K' } },
  ],
  [
    'a container-name with a right-to-left override',
    { names: "Input 'container-name'", value: 'app\u202Egnp', inputs: { 'container-name': 'app\u202Egnp' } },
  ],
  [
    'an environment value with an escape',
    {
      names: "Input 'environment-variables'",
      value: 'red\u001b[31m',
      inputs: { 'environment-variables': 'COLOR=red\u001b[31m' },
    },
  ],
  [
    'a service with a carriage return',
    { names: "Input 'service'", value: 'web\rprod', inputs: { service: 'web\rprod' } },
  ],
  [
    'a task-definition path with a line feed',
    {
      names: "Input 'task-definition'",
      value: 'td.json\n::warning::x',
      inputs: { 'task-definition': 'td.json\n::warning::x' },
    },
  ],

  // ---- control characters in the file ----
  [
    'a file container name with a line feed',
    {
      names: "Input 'task-definition'",
      value: 'app\n::error::forged',
      inputs: { 'container-name': undefined, image: undefined },
      edit: (_, c) => (c.name = 'app\n::error::forged'),
    },
  ],
  [
    'a file image with a right-to-left override',
    {
      names: "Input 'task-definition'",
      value: 'nginx:1\u202E',
      inputs: { image: undefined },
      edit: (_, c) => (c.image = 'nginx:1\u202E'),
    },
  ],
  [
    'a file environment name with NUL',
    {
      names: "Input 'task-definition'",
      value: 'A\u0000B',
      edit: (_, c) => c.environment.push({ name: 'A\u0000B', value: '1' }),
    },
  ],
  [
    'a file environment value with an escape',
    {
      names: "Input 'task-definition'",
      value: 'v\u001b]0;pwned\u0007',
      edit: (_, c) => c.environment.push({ name: 'X', value: 'v\u001b]0;pwned\u0007' }),
    },
  ],
  [
    'a file docker label key with a line feed',
    {
      names: "Input 'task-definition'",
      value: 'team\nevil',
      edit: (_, c) => (c.dockerLabels = { 'team\nevil': 'web' }),
    },
  ],
  [
    'a file docker label value with an isolate',
    {
      names: "Input 'task-definition'",
      value: 'web\u2066x',
      edit: (_, c) => (c.dockerLabels = { team: 'web\u2066x' }),
    },
  ],
  [
    'a file log option with NUL',
    {
      names: "Input 'task-definition'",
      value: 'group\u0000',
      edit: (_, c) => (c.logConfiguration = { logDriver: 'awslogs', options: { 'awslogs-group': 'group\u0000' } }),
    },
  ],
  [
    'a file tag key with a carriage return',
    { names: "Input 'task-definition'", value: 'team\rx', edit: (d) => (d.tags = [{ key: 'team\rx', value: 'web' }]) },
  ],
  [
    'a file tag value over 256 bytes',
    {
      names: "Input 'task-definition'",
      value: long('v', 300),
      edit: (d) => (d.tags = [{ key: 'team', value: long('v', 300) }]),
    },
  ],
  [
    'a file tag key AWS reserves',
    {
      names: "Input 'task-definition'",
      value: long('aws:cloudformation:', 100),
      edit: (d) => (d.tags = [{ key: long('aws:cloudformation:', 100), value: 'x' }]),
    },
  ],
  [
    'a file family with a line feed',
    {
      names: "Input 'task-definition'",
      value: 'web\n::error::forged',
      edit: (d) => (d.family = 'web\n::error::forged'),
    },
  ],

  // ---- files from elsewhere ----
  [
    'a task-definition link to a file outside the workspace',
    {
      names: "Input 'task-definition'",
      value: JSON.stringify(fargateDefinition()),
      workspace: () => {
        const workspace = workspaceWith({});
        symlinkSync(join(outside, 'td.json'), join(workspace, 'td.json'));
        return workspace;
      },
    },
  ],
  [
    'an absolute task-definition path outside',
    {
      names: "Input 'task-definition'",
      value: join(outside, 'td.json'),
      inputs: { 'task-definition': join(outside, 'td.json') },
    },
  ],
  [
    'a task-definition in a linked folder outside',
    {
      names: "Input 'task-definition'",
      value: 'linked/td.json',
      inputs: { 'task-definition': 'linked/td.json' },
      workspace: () => {
        const workspace = workspaceWith({});
        symlinkSync(outside, join(workspace, 'linked'));
        return workspace;
      },
    },
  ],
  [
    'a task-definition climbing out with ..',
    {
      names: "Input 'task-definition'",
      value: '../../../../../../etc/passwd',
      inputs: { 'task-definition': '../../../../../../etc/passwd' },
    },
  ],

  // ---- issue 15: run-task, keep-null-value-keys, typed fields of the file ----
  [
    'a run-task-command with a control character',
    {
      names: "Input 'run-task-command'",
      value: long('npm\u0007run migrate '),
      inputs: { 'run-task': 'true', 'run-task-command': long('npm\u0007run migrate ') },
    },
  ],
  [
    'a run-task-command array with a bidi override',
    {
      names: "Input 'run-task-command'",
      value: long('["npm", "\u202erun'),
      inputs: { 'run-task': 'true', 'run-task-command': `${long('["npm", "\u202erun')}"]` },
    },
  ],
  [
    'a run-task-container far past a name',
    {
      names: "Input 'run-task-container'",
      value: long('app;', 300),
      inputs: { 'run-task': 'true', 'run-task-container': long('app;', 300) },
    },
  ],
  [
    'run-task-container-overrides with a long unknown field',
    {
      names: "Input 'run-task-container-overrides'",
      value: long('commandx'),
      inputs: { 'run-task': 'true', 'run-task-container-overrides': `[{"name": "app", "${long('commandx')}": []}]` },
    },
  ],
  [
    'run-task-capacity-provider-strategy with a long provider name',
    {
      names: "Input 'run-task-capacity-provider-strategy'",
      value: long('FARGATE SPOT '),
      inputs: {
        'run-task': 'true',
        'run-task-capacity-provider-strategy': `[{"capacityProvider": "${long('FARGATE SPOT ')}"}]`,
      },
    },
  ],
  [
    'run-task-subnets with a long id',
    {
      names: "Input 'run-task-subnets'",
      value: long('subnet-'),
      inputs: { 'run-task': 'true', 'run-task-subnets': long('subnet-') },
    },
  ],
  [
    'run-task-started-by far past 128 characters',
    {
      names: "Input 'run-task-started-by'",
      value: long('deploy ', 200),
      inputs: { 'run-task': 'true', 'run-task-started-by': long('deploy ', 200) },
    },
  ],
  [
    'run-task-tags with a reserved key',
    {
      names: "Input 'run-task-tags'",
      value: long('aws:'),
      inputs: { 'run-task': 'true', 'run-task-tags': `[{"key": "${long('aws:')}", "value": "v"}]` },
    },
  ],
  [
    'a run-task input without run-task',
    {
      names: "Input 'run-task-subnets'",
      value: long('subnet-0123456789abcdef0,'),
      inputs: { 'run-task-subnets': long('subnet-0123456789abcdef0,') },
    },
  ],
  [
    'keep-null-value-keys with a long key that is no field',
    {
      names: "Input 'keep-null-value-keys'",
      value: long('docker labels'),
      inputs: { 'keep-null-value-keys': long('docker labels') },
    },
  ],
  [
    'a containerPort written as a long string of digits',
    {
      names: "Input 'task-definition'",
      value: '8'.repeat(120),
      edit: (_definition, container) => {
        container.portMappings = [{ containerPort: '8'.repeat(120) as unknown as number }];
      },
    },
  ],

  // ---- the environment ----
  [
    'an AWS_REGION that is not a region',
    { names: 'AWS_REGION', value: long('us-east-1;'), env: { AWS_REGION: long('us-east-1;') } },
  ],
  [
    'an AWS_ACCOUNT_ID that is not an account',
    { names: 'AWS_ACCOUNT_ID', value: long('1234'), env: { AWS_ACCOUNT_ID: long('1234') } },
  ],
];

describe(`deploy-ecs against ${cases.length} hostile inputs`, () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  test.each(cases)('%s', async (_name, hostile) => {
    seedWebService(emulator);
    const definition = fargateDefinition() as Definition;
    hostile.edit?.(definition, definition.containerDefinitions[0] as Container);
    const workspace = hostile.workspace?.() ?? workspaceWith({ 'td.json': JSON.stringify(definition) });
    const run = await deploy(emulator, { ...base, ...(hostile.inputs ?? {}) }, { workspace, env: hostile.env });

    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(hostile.names);
    expect(run.stdout.includes(hostile.value)).toBe(false);
    expect(run.stderr.includes(hostile.value)).toBe(false);
    expect(run.stdout).not.toMatch(/\s+at .*\.js:\d+/);
    // One line for the error, whatever the value held: no forged workflow command.
    expect(run.stdout.split('\n').filter((line) => line.startsWith('::error'))).toHaveLength(1);
    expect(run.annotations.filter((annotation) => annotation.level === 'warning')).toEqual([]);
    expect(emulator.calls({ mutating: true })).toEqual([]);
  });

  test('the suite holds at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));
});

// The roots a file input may come from, proven the other way: a link inside the workspace to a
// file in RUNNER_TEMP is followed and read.
describe('deploy-ecs file inputs inside the allowed roots', () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  test('a link to a file inside the workspace is read', async () => {
    seedWebService(emulator);
    const workspace = workspaceWith({ 'real.json': JSON.stringify(fargateDefinition()) });
    mkdirSync(join(workspace, 'deploy'));
    symlinkSync(join(workspace, 'real.json'), join(workspace, 'deploy', 'td.json'));
    const run = await deploy(emulator, { ...base, 'task-definition': 'deploy/td.json', wait: false }, { workspace });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
  });
});
