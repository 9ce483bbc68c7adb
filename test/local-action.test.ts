import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { repoRoot } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';

// GitHub's local runner (@github/local-action, a devDependency) runs deploy-ecs from its source
// with the action's own .env.example, as the action's README tells a developer to, against the AWS
// emulator on a port the OS picked: the outputs, the job summary and the AWS calls must all be there.

const bin = join(repoRoot, 'node_modules', '@github', 'local-action', 'bin', 'local-action.js');
const available = existsSync(bin);
if (!available) console.warn(`local-action.test: skipped, @github/local-action is not installed (${bin}); run npm ci`);
const whenAvailable = available ? describe : describe.skip;

interface LocalRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** `local-action <action path> <entry> <env file>` from the repository root, as its README runs it. */
function localAction(args: string[]): Promise<LocalRun> {
  // Only what npm and node need from the developer's shell; the rest comes from the .env file.
  const env: Record<string, string> = { NO_COLOR: '1' };
  for (const key of ['HOME', 'LANG', 'TZ', 'TMPDIR']) if (process.env[key]) env[key] = process.env[key] as string;
  env.PATH = [join(repoRoot, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter);
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

/** The action's .env.example with some values replaced (the emulator's port, a temporary summary). */
function envFileFrom(example: string, replace: Record<string, string>, into: string): string {
  const lines = readFileSync(example, 'utf8').split('\n');
  const seen = new Set<string>();
  const out = lines.map((line) => {
    const key = /^([\w.-]+)=/.exec(line)?.[1];
    if (key === undefined || !(key in replace)) return line;
    seen.add(key);
    return `${key}=${replace[key]}`;
  });
  for (const key of Object.keys(replace)) if (!seen.has(key)) throw new Error(`${example} does not set ${key}`);
  writeFileSync(into, out.join('\n'));
  return into;
}

/** local-action's "Action Outputs" table, as name -> value. */
function outputsTable(stdout: string): Record<string, string> {
  const section = stdout.slice(stdout.lastIndexOf('Action Outputs'));
  const outputs: Record<string, string> = {};
  for (const match of section.matchAll(/│\s*\d+\s*│\s*'([^']+)'\s*│\s*'([^']*)'\s*│/g)) outputs[match[1]] = match[2];
  return outputs;
}

whenAvailable('@github/local-action runs an action from source', () => {
  let aws: AwsEmulator;
  let temp: string;

  beforeAll(async () => {
    aws = await startAwsEmulator(); // port 0: the OS picks one
    temp = temporaryFolder('shipyard-local-action-');
  });

  afterAll(async () => {
    await aws?.close();
  });

  test('deploy-ecs with its .env.example: local-action calls the exported run(), its core stand-in records the outputs and the summary', async () => {
    const summary = join(temp, 'summary.md');
    const envFile = envFileFrom(
      join(repoRoot, 'actions', 'deploy-ecs', '.env.example'),
      { AWS_ENDPOINT_URL: aws.url, GITHUB_STEP_SUMMARY: summary },
      join(temp, 'deploy-ecs.env'),
    );

    const run = await localAction(['actions/deploy-ecs', 'src/index.ts', envFile]);

    expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 0, stderr: expect.any(String) });
    expect(run.stdout).toContain('Running Action');
    expect(run.stdout).not.toContain('does not export a run() function');
    // Outputs reach local-action's report only through its @actions/core stand-in.
    expect(run.stdout).not.toContain('No outputs were set!');
    const outputs = outputsTable(run.stdout);
    expect(outputs).toMatchObject({
      'task-definition-arn': 'arn:aws:ecs:us-east-1:123456789012:task-definition/shipyard-demo-staging:1',
      'previous-task-definition-arn': '',
      'rolled-back': 'false',
    });
    expect(outputs['task-definition']).toMatch(/task-definition-shipyard-demo-staging\.json$/);
    expect(readFileSync(summary, 'utf8')).toContain('| New revision | `shipyard-demo-staging:1` |');

    // It really went to the emulator, once: the step ran once, not at import and again when called.
    const registered = aws.calls().filter((call) => call.operation === 'RegisterTaskDefinition');
    expect(registered).toHaveLength(1);
    expect(JSON.stringify(registered[0].request)).toContain('shipyard-demo:local');
  }, 180_000);

  test('a bad input fails before anything is called, with the one ::error:: line, and local-action exits non-zero', async () => {
    const envFile = envFileFrom(
      join(repoRoot, 'actions', 'deploy-ecs', '.env.example'),
      { AWS_ENDPOINT_URL: aws.url, GITHUB_STEP_SUMMARY: join(temp, 'bad.md'), 'INPUT_CONTAINER-NAME': 'web' },
      join(temp, 'bad.env'),
    );
    const before = aws.calls().length;

    const run = await localAction(['actions/deploy-ecs', 'src/index.ts', envFile]);

    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(
      /^::error::Input 'container-name' names container 'web', which is not in the task definition/m,
    );
    expect(aws.calls()).toHaveLength(before);
  }, 180_000);
});
