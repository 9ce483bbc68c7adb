import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { inputVariable, type InputValue } from './inputs.js';
import { temporaryFolder } from './temp.js';

export { inputVariable, type InputValue };

/**
 * Runs a bundled action exactly as the GitHub runner does: `node actions/<name>/dist/index.js` in
 * a child process, inputs as `INPUT_<NAME>` variables (upper-cased, hyphens kept) with the defaults
 * `action.yml` declares filled in, and the file commands (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
 * GITHUB_ENV, GITHUB_STATE) pointing at temporary files that are read back afterwards.
 *
 * The child is spawned asynchronously so emulators started in the test's own process keep serving.
 */

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const DEFAULT_SHA = '3f786850e387550fdab836ed7e6dc881de23001b';

export interface RunActionOptions {
  /** Inputs by their action.yml names; `undefined` leaves the input unset (its default applies). */
  inputs?: Record<string, InputValue>;
  /** Extra environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** The event that started the run: written to a file that GITHUB_EVENT_PATH names. */
  event?: { name: string; payload: unknown };
  /** `post` runs the action's `post:` entry with the state the main step saved. */
  phase?: 'main' | 'post';
  state?: Record<string, string>;
  /** Working directory and GITHUB_WORKSPACE; a fresh temporary folder when not given. */
  workspace?: string;
  /** Kill the action after this long (it then counts as exit code null). */
  timeoutMs?: number;
  /** Value the runner would give `${{ github.token }}` in input defaults. */
  githubToken?: string;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: string;
}

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  annotations: Annotation[];
  errors: string[];
  warnings: string[];
  notices: string[];
  /** Values the action asked the runner to mask (`::add-mask::`). */
  masked: string[];
  summary: string;
  exportedEnv: Record<string, string>;
  state: Record<string, string>;
  /** The run's temporary folder (RUNNER_TEMP and the file commands live below it). */
  tempDir: string;
  runnerTemp: string;
  durationMs: number;
}

interface ActionManifest {
  inputs?: Record<string, { default?: unknown; required?: boolean }>;
  outputs?: Record<string, unknown>;
  runs: { using: string; main: string; post?: string };
}

export function readActionManifest(action: string): ActionManifest {
  return parseYaml(readFileSync(join(repoRoot, 'actions', action, 'action.yml'), 'utf8')) as ActionManifest;
}

/** Minimal, predictable environment: nothing from the developer's shell leaks into a run. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'TZ', 'SYSTEMROOT', 'DOCKER_HOST', 'DOCKER_CONFIG'];
  const env: Record<string, string> = {};
  for (const key of keep) if (process.env[key] !== undefined) env[key] = process.env[key] as string;
  return env;
}

function evaluateDefault(value: unknown, githubToken: string | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value);
  return text.replace(/\$\{\{\s*github\.token\s*\}\}/g, githubToken ?? '').replace(/\$\{\{[^}]*\}\}/g, '');
}

export async function runAction(action: string, options: RunActionOptions = {}): Promise<ActionRun> {
  const manifest = readActionManifest(action);
  const phase = options.phase ?? 'main';
  const entry = phase === 'post' ? manifest.runs.post : manifest.runs.main;
  if (!entry) throw new Error(`actions/${action}/action.yml has no ${phase} entry`);

  // Below the temporary root of this test file (or process), removed when it is done (temp.ts).
  const tempDir = temporaryFolder(`${action}-`);
  const runnerTemp = join(tempDir, 'runner-temp');
  mkdirSync(runnerTemp);
  const workspace = options.workspace ?? join(tempDir, 'workspace');
  if (!existsSync(workspace)) mkdirSync(workspace, { recursive: true });
  const files = {
    output: join(tempDir, 'github-output'),
    summary: join(tempDir, 'step-summary.md'),
    env: join(tempDir, 'github-env'),
    state: join(tempDir, 'github-state'),
    path: join(tempDir, 'github-path'),
    event: join(tempDir, 'event.json'),
  };
  for (const file of [files.output, files.summary, files.env, files.state, files.path]) writeFileSync(file, '');
  writeFileSync(files.event, JSON.stringify(options.event?.payload ?? {}));

  const env: Record<string, string | undefined> = {
    ...baseEnv(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: '__run',
    GITHUB_ACTOR: 'octocat',
    GITHUB_REPOSITORY: 'octo-org/shipyard-demo',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_SHA: DEFAULT_SHA,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: options.event?.name ?? 'push',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_RUN_ID: '7000000001',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'test',
    GITHUB_JOB: 'test',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    GITHUB_STATE: files.state,
    GITHUB_PATH: files.path,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
  };
  for (const [name, spec] of Object.entries(manifest.inputs ?? {})) {
    const fallback = evaluateDefault(spec?.default, options.githubToken);
    if (fallback !== undefined) env[inputVariable(name)] = fallback;
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (value === undefined) delete env[inputVariable(name)];
    else env[inputVariable(name)] = String(value);
  }
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }

  const started = Date.now();
  const { exitCode, stdout, stderr } = await spawnNode(join(repoRoot, 'actions', action, entry), {
    cwd: workspace,
    env: env as NodeJS.ProcessEnv,
    timeoutMs: options.timeoutMs,
  });
  const durationMs = Date.now() - started;

  const annotations = parseAnnotations(stdout);
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseFileCommand(readFileSync(files.output, 'utf8')),
    annotations,
    errors: annotations.filter((a) => a.level === 'error').map((a) => a.message),
    warnings: annotations.filter((a) => a.level === 'warning').map((a) => a.message),
    notices: annotations.filter((a) => a.level === 'notice').map((a) => a.message),
    masked: parseMasks(stdout),
    summary: readFileSync(files.summary, 'utf8'),
    exportedEnv: parseFileCommand(readFileSync(files.env, 'utf8')),
    state: parseFileCommand(readFileSync(files.state, 'utf8')),
    tempDir,
    runnerTemp,
    durationMs,
  };
}

/** What a suite passes to every run of its action; the run's own options come on top. */
export type RunDefaults = RunActionOptions | ((call: RunActionOptions) => RunActionOptions);

/** Runs the suite's action: the inputs of this run, and any other option for this run only. */
export type ActionRunner = (
  inputs?: RunActionOptions['inputs'],
  options?: Omit<RunActionOptions, 'inputs'>,
) => Promise<ActionRun>;

/**
 * The one way a suite runs its bundle with its own defaults (an emulator's endpoint, fast
 * intervals, a workspace holding a Dockerfile): `const run = actionRunner('smoke-test', { inputs:
 * fast, timeoutMs: 20_000 })`, then `run({ url })` or `run({ url }, { env: { … } })`. The call's
 * inputs, env and state are merged over the defaults' (a call's `undefined` input unsets one);
 * any other option the call gives replaces the default. `defaults` may be a function, called per
 * run with the call's options, for values that exist only once a suite has started (an emulator's
 * URL) or that must be fresh for each run (a temporary workspace).
 */
export function actionRunner(action: string, defaults: RunDefaults = {}): ActionRunner {
  return (inputs = {}, options = {}) => {
    const call: RunActionOptions = { ...options, inputs };
    const base = typeof defaults === 'function' ? defaults(call) : defaults;
    return runAction(action, mergeRunOptions(base, call));
  };
}

/** `over` on top of `base`: inputs, env and state merged key by key, other options replaced. */
export function mergeRunOptions(base: RunActionOptions, over: RunActionOptions): RunActionOptions {
  const given = Object.fromEntries(Object.entries(over).filter(([, value]) => value !== undefined));
  return {
    ...base,
    ...given,
    inputs: { ...base.inputs, ...over.inputs },
    env: { ...base.env, ...over.env },
    ...(base.state || over.state ? { state: { ...base.state, ...over.state } } : {}),
  };
}

function spawnNode(
  script: string,
  { cwd, env, timeoutMs }: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = timeoutMs ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolvePromise({
        exitCode: code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** `name=value` lines and `name<<DELIMITER` heredocs, the two forms the runner accepts. */
export function parseFileCommand(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      for (i += 1; i < lines.length && lines[i] !== delimiter; i += 1) body.push(lines[i]);
      values[name] = body.join('\n');
      continue;
    }
    const separator = line.indexOf('=');
    if (separator > 0) values[line.slice(0, separator)] = line.slice(separator + 1);
  }
  return values;
}

function unescapeCommandData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export function parseAnnotations(stdout: string): Annotation[] {
  const annotations: Annotation[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::(error|warning|notice)( [^:]*)?::(.*)$/.exec(line);
    if (match) {
      annotations.push({
        level: match[1] as Annotation['level'],
        properties: (match[2] ?? '').trim(),
        message: unescapeCommandData(match[3]),
      });
    }
  }
  return annotations;
}

export function parseMasks(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .map((line) => /^::add-mask::(.*)$/.exec(line)?.[1])
    .filter((value): value is string => value !== undefined)
    .map(unescapeCommandData);
}
