import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { inputVariable } from '@shipyard/harness/inputs';
import {
  CommandReader,
  FileCommandError,
  maskText,
  parseFileCommand,
  parsePathFile,
  runProcess,
  type Annotation,
} from './commands.js';
import { evaluate, interpolate, isTruthy, type Plain, type Status } from './expressions.js';
import { buildxVersion, installBuilder, type BuilderStandIn } from './builder.js';
import { resolveUses, type ThirdPartyAction } from './third-party.js';
import {
  evaluateMapping,
  evaluateToken,
  loadWorkflow,
  mappingKeys,
  plainToString,
  UnsupportedConstruct,
  type JobModel,
  type StepModel,
  type Where,
  type WorkflowModel,
} from './workflow.js';

/**
 * Runs a workflow's jobs in dependency order, and each job's steps in order, the way GitHub's
 * runner does on ubuntu-latest: expressions by GitHub's evaluator, `run:` steps in bash with the
 * runner's environment and file commands, `uses: ./...` node actions as `node <main>` with INPUT_*
 * variables (and their `post:` step), and the pinned third-party actions by their local meaning.
 * Jobs run one after another (GitHub may run independent jobs at the same time; results are the
 * same for workflows whose jobs share nothing but `needs`).
 *
 * Runs may overlap in one process (two pull requests' runs at once): a run keeps everything it
 * changes in its own Runner and its own work folder, never touches process.env or the working
 * directory, and waits for its processes (git included) without blocking the event loop, so the
 * emulators the runs talk to, in the same process, keep answering.
 */

/** What beforeJob may hand back: the job's own GITHUB_TOKEN (a token minted for its permissions). */
export interface JobToken {
  token: string;
}

export type Result = 'success' | 'failure' | 'skipped' | 'cancelled';

export interface EventSpec {
  name: string;
  payload: Record<string, unknown>;
}

export interface AwsStandIn {
  /** The environment a configured AWS SDK or CLI needs: endpoint, credentials (region is set from the step). */
  env: Record<string, string>;
  accountId: string;
}

export interface RunOptions {
  /** Path of the workflow file. */
  workflow: string;
  event: EventSpec;
  /** Overrides of the `github` context (the rest is derived from the event). */
  github?: Record<string, string>;
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Per environment name: variables and secrets that environment adds. */
  environments?: Record<string, { vars?: Record<string, string>; secrets?: Record<string, string> }>;
  /** The git repository actions/checkout checks out from. */
  repository: string;
  /** Maps a ref or SHA the event names to a commit of `repository` (the emulator's SHAs are not git's). */
  resolveCommit?: (ref: string) => string | undefined;
  /** Environment every process gets on top of the runner's own (GITHUB_API_URL, say). */
  env?: Record<string, string>;
  /** What configure-aws-credentials stands for; without it, that step fails saying so. */
  aws?: AwsStandIn;
  /**
   * What docker/setup-buildx-action sets up where the machine has no `docker buildx`
   * (engine/builder.ts); without it, that step fails there, saying so.
   */
  builder?: BuilderStandIn;
  /** Extra inputs by `<job>.<step id>` (knobs that make a run fast, never a value a step hands on). */
  inputOverrides?: Record<string, Record<string, string>>;
  /** Where jobs get their workspace and temp folders; a fresh temp folder (removed after) by default. */
  workRoot?: string;
  reporter?: Reporter;
  /**
   * Called as each job that runs starts, before its first step: the place to mint the job's token
   * for its permissions (`github.mintToken(tokenPermissions(job.permissions))`). When it returns
   * (or resolves to) `{ token }`, that token is the job's GITHUB_TOKEN: `github.token`,
   * `secrets.GITHUB_TOKEN` and so the `${{ github.token }}` default of action inputs, masked like
   * the run's. Returning nothing keeps the run's token (`github.token` of the run).
   */
  beforeJob?: (job: JobRecord) => void | JobToken | Promise<void | JobToken>;
}

export interface StepRecord {
  id: string;
  label: string;
  post: boolean;
  outcome: Result;
  conclusion: Result;
  durationMs: number;
  exitCode?: number | null;
  note?: string;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  log: string[];
}

export interface JobRecord {
  id: string;
  name: string;
  result: Result;
  durationMs: number;
  note?: string;
  outputs: Record<string, string>;
  droppedOutputs: string[];
  steps: StepRecord[];
  environment?: { name: string; url: string };
  concurrency?: { group: string; cancelInProgress: boolean };
  permissions?: Plain;
  runsOn?: string;
}

export interface RunRecord {
  file: string;
  name: string;
  event: string;
  concurrency?: { group: string; cancelInProgress: boolean };
  permissions?: Plain;
  jobs: JobRecord[];
  conclusion: 'success' | 'failure';
  durationMs: number;
}

export interface Reporter {
  jobStart?(job: JobRecord): void;
  stepStart?(job: JobRecord, step: StepRecord): void;
  line?(job: JobRecord, step: StepRecord, line: string): void;
  stepEnd?(job: JobRecord, step: StepRecord): void;
  jobEnd?(job: JobRecord): void;
}

/** The largest step summary the runner uploads. */
const SUMMARY_LIMIT_BYTES = 1024 * 1024;

const KEEP_ENV = ['HOME', 'LANG', 'TZ', 'DOCKER_HOST', 'DOCKER_CONFIG', 'TMPDIR'];

function machinePath(): string {
  // The runner has node on PATH; ours is the Node 24 this process runs on.
  return [dirname(process.execPath), process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(':');
}

/** The `github` context a run of this event sees (GITHUB_SHA, GITHUB_REF and the rest). */
export function githubContext(event: EventSpec, overrides: Record<string, string> = {}): Record<string, Plain> {
  const payload = event.payload as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const repository = payload.repository?.full_name ?? 'octo-org/shipyard-demo';
  let sha = '';
  let ref = '';
  let headRef = '';
  let baseRef = '';
  if (event.name === 'pull_request' || event.name === 'pull_request_target') {
    const pull = payload.pull_request ?? {};
    sha = pull.merge_commit_sha ?? pull.head?.sha ?? '';
    ref = `refs/pull/${payload.number ?? pull.number}/merge`;
    headRef = pull.head?.ref ?? '';
    baseRef = pull.base?.ref ?? '';
  } else if (event.name === 'push') {
    sha = payload.after ?? '';
    ref = payload.ref ?? '';
  } else if (event.name === 'merge_group') {
    sha = payload.merge_group?.head_sha ?? '';
    ref = payload.merge_group?.head_ref ?? '';
  }
  const actor = payload.sender?.login ?? 'octocat';
  const context: Record<string, Plain> = {
    event_name: event.name,
    event: payload as Plain,
    sha,
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags|pull)\//, ''),
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    head_ref: headRef,
    base_ref: baseRef,
    repository,
    repository_owner: repository.split('/')[0],
    run_id: '7000000001',
    run_number: '1',
    run_attempt: '1',
    actor,
    triggering_actor: actor,
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    graphql_url: 'https://api.github.com/graphql',
    token: 'ghs_rehearsal000000000000000000000000000',
    retention_days: '90',
  };
  return { ...context, ...overrides };
}

interface JobState {
  model: JobModel;
  record: JobRecord;
  workspace: string;
  temp: string;
  env: Record<string, string>;
  path: string[];
  steps: Record<string, Plain>;
  failed: boolean;
  masks: Set<string>;
  /** The job's GITHUB_TOKEN when beforeJob gave one; the run's otherwise. */
  token?: string;
  deadline?: number;
  timedOut?: boolean;
  posts: {
    step: StepModel;
    label: string;
    entry: string;
    actionDir: string;
    inputs: Record<string, string>;
    state: Record<string, string>;
    postIf: string;
  }[];
}

class Runner {
  private readonly masks = new Set<string>();
  private readonly results = new Map<string, JobRecord>();
  private readonly github: Record<string, Plain>;
  private readonly secrets: Record<string, string>;

  constructor(
    private readonly workflow: WorkflowModel,
    private readonly options: RunOptions,
    private readonly root: string,
  ) {
    this.github = githubContext(options.event, options.github);
    this.secrets = { GITHUB_TOKEN: String(this.github.token), ...(options.secrets ?? {}) };
    for (const value of Object.values(this.secrets)) for (const mask of secretMasks(value)) this.masks.add(mask);
  }

  /** The run's secrets, with the job's own GITHUB_TOKEN where it has one. */
  private jobSecrets(state: JobState | undefined): Record<string, string> {
    return state?.token !== undefined ? { ...this.secrets, GITHUB_TOKEN: state.token } : this.secrets;
  }

  private where(job?: string, step?: StepModel, key?: string): Where {
    return {
      file: this.workflow.file,
      job,
      step: step ? (step.explicitId ? step.id : `#${step.index + 1}`) : undefined,
      key,
    };
  }

  private needsContext(job: JobModel): Record<string, Plain> {
    return Object.fromEntries(
      job.needs.map((need) => {
        const record = this.results.get(need);
        return [need, { result: record?.result ?? 'skipped', outputs: record?.outputs ?? {} }];
      }),
    );
  }

  /** Every job this one needs, directly or through others. */
  private ancestors(job: JobModel): JobRecord[] {
    const seen = new Set<string>();
    const visit = (id: string) => {
      if (seen.has(id)) return;
      seen.add(id);
      for (const need of this.workflow.jobs.find((j) => j.id === id)?.needs ?? []) visit(need);
    };
    for (const need of job.needs) visit(need);
    return [...seen].map((id) => this.results.get(id)).filter((r): r is JobRecord => r !== undefined);
  }

  private contexts(state: JobState | undefined, extra: Record<string, Plain> = {}): Record<string, Plain | undefined> {
    const vars = { ...(this.options.vars ?? {}) };
    const token = state?.token;
    return {
      github: {
        ...this.github,
        ...(token !== undefined ? { token } : {}),
        workflow: this.workflow.name,
        workflow_ref: `${String(this.github.repository)}/.github/workflows/${this.workflow.file}@${String(this.github.ref)}`,
        ...(state
          ? {
              job: state.model.id,
              workspace: state.workspace,
              event_path: join(state.temp, '_github_workflow', 'event.json'),
            }
          : {}),
      },
      vars,
      secrets: this.jobSecrets(state),
      inputs: {},
      strategy: {},
      matrix: {},
      needs: state ? this.needsContext(state.model) : {},
      env: state ? state.env : {},
      steps: state ? state.steps : {},
      job: state ? { status: state.timedOut ? 'cancelled' : state.failed ? 'failure' : 'success' } : {},
      runner: state
        ? {
            os: 'Linux',
            arch: 'X64',
            name: 'rehearsal',
            temp: state.temp,
            tool_cache: join(this.root, 'tool-cache'),
            environment: 'github-hosted',
            debug: '',
          }
        : {},
      ...extra,
    };
  }

  async run(): Promise<RunRecord> {
    const started = Date.now();
    const workflowWhere = this.where();
    const topContexts = this.contexts(undefined);
    const concurrency = this.concurrency(this.workflow.concurrency, topContexts, workflowWhere);
    const order = this.order();
    for (const job of order) this.results.set(job.id, await this.runJob(job));
    const jobs = order.map((job) => this.results.get(job.id) as JobRecord);
    return {
      file: this.workflow.file,
      name: this.workflow.name,
      event: this.options.event.name,
      concurrency,
      permissions: this.workflow.permissions,
      jobs,
      conclusion: jobs.some((job) => job.result === 'failure' || job.result === 'cancelled') ? 'failure' : 'success',
      durationMs: Date.now() - started,
    };
  }

  /** Jobs in an order where each comes after everything it needs (file order among equals). */
  private order(): JobModel[] {
    const done = new Set<string>();
    const result: JobModel[] = [];
    const pending = [...this.workflow.jobs];
    while (pending.length > 0) {
      const index = pending.findIndex((job) => job.needs.every((need) => done.has(need)));
      if (index < 0)
        throw new UnsupportedConstruct(
          { file: this.workflow.file, job: pending[0].id, key: 'needs' },
          'the needs form a cycle or name a job that does not exist',
        );
      const [job] = pending.splice(index, 1);
      done.add(job.id);
      result.push(job);
    }
    return result;
  }

  private concurrency(token: JobModel['concurrency'], contexts: Record<string, Plain | undefined>, where: Where) {
    if (!token) return undefined;
    const value = evaluateToken(token, contexts, { ...where, key: 'concurrency' });
    if (typeof value === 'string') return { group: value, cancelInProgress: false };
    const mapping = value as Record<string, Plain>;
    return { group: plainToString(mapping.group ?? ''), cancelInProgress: mapping['cancel-in-progress'] === true };
  }

  private async runJob(model: JobModel): Promise<JobRecord> {
    const started = Date.now();
    const where = this.where(model.id);
    const jobDir = mkdtempSync(join(this.root, `${model.id}-`));
    const workspace = join(jobDir, 'workspace');
    const temp = join(jobDir, 'temp');
    mkdirSync(workspace);
    mkdirSync(temp);
    const record: JobRecord = {
      id: model.id,
      name: model.id,
      result: 'success',
      durationMs: 0,
      outputs: {},
      droppedOutputs: [],
      steps: [],
      permissions: model.permissions ?? this.workflow.permissions,
    };
    const state: JobState = {
      model,
      record,
      workspace,
      temp,
      env: {},
      path: [],
      steps: {},
      failed: false,
      masks: new Set(this.masks),
      posts: [],
    };
    if (model.name)
      record.name = plainToString(evaluateToken(model.name, this.contexts(state), { ...where, key: 'name' }));

    // The job's `if:` sees its ancestors: success() when all of them succeeded, failure() when one failed.
    const ancestors = this.ancestors(model);
    const status: Status = {
      success: ancestors.every((job) => job.result === 'success'),
      failure: ancestors.some((job) => job.result === 'failure'),
      cancelled: false,
    };
    const run = isTruthy(evaluateSafely(model.if, this.contexts(state), status, { ...where, key: 'if' }));
    if (!run) {
      record.result = 'skipped';
      record.note = `its condition \`${model.if}\` was false`;
      this.options.reporter?.jobStart?.(record);
      this.options.reporter?.jobEnd?.(record);
      return record;
    }

    if (model.runsOn) {
      const runsOn = plainToString(evaluateToken(model.runsOn, this.contexts(state), { ...where, key: 'runs-on' }));
      if (!/^ubuntu-/.test(runsOn))
        throw new UnsupportedConstruct(
          { ...where, key: 'runs-on' },
          `'${runsOn}' is not modelled (this machine stands in for ubuntu-*)`,
        );
      record.runsOn = runsOn;
    }
    record.concurrency = this.concurrency(model.concurrency, this.contexts(state), where);
    let environmentName: string | undefined;
    if (model.environment) {
      const value = evaluateToken(model.environment, this.contexts(state), { ...where, key: 'environment' });
      environmentName = typeof value === 'string' ? value : plainToString((value as Record<string, Plain>).name ?? '');
      record.environment = { name: environmentName, url: '' };
    }
    const environment = environmentName ? this.options.environments?.[environmentName] : undefined;
    const jobContexts = () => {
      const contexts = this.contexts(state);
      if (environment) {
        contexts.vars = { ...(contexts.vars as Record<string, string>), ...(environment.vars ?? {}) };
        contexts.secrets = { ...this.jobSecrets(state), ...(environment.secrets ?? {}) };
      }
      return contexts;
    };
    for (const value of Object.values(environment?.secrets ?? {}))
      for (const mask of secretMasks(value)) state.masks.add(mask);

    if (model.continueOnError) {
      const value = evaluateToken(model.continueOnError, jobContexts(), { ...where, key: 'continue-on-error' });
      if (value === true || value === 'true')
        throw new UnsupportedConstruct(
          { ...where, key: 'continue-on-error' },
          'a job that continues on error is not modelled',
        );
    }
    if (model.timeoutMinutes) {
      const minutes = Number(evaluateToken(model.timeoutMinutes, jobContexts(), { ...where, key: 'timeout-minutes' }));
      state.deadline = started + minutes * 60_000;
    }

    this.options.reporter?.jobStart?.(record);
    const given = await this.options.beforeJob?.(record);
    if (given !== undefined && given !== null) {
      if (typeof given.token !== 'string' || given.token === '')
        throw new Error(`beforeJob for job '${model.id}' returned a token that is not a non-empty string`);
      state.token = given.token;
      for (const mask of secretMasks(given.token)) state.masks.add(mask);
    }
    // The workflow's env, then the job's, each evaluated once as the job starts.
    state.env = evaluateMapping(this.workflow.env, jobContexts(), { file: this.workflow.file, key: 'env' });
    state.env = { ...state.env, ...evaluateMapping(model.env, jobContexts(), { ...where, key: 'env' }) };

    for (const step of model.steps) {
      const stepRecord = await this.runStep(state, step, jobContexts);
      record.steps.push(stepRecord);
      if (stepRecord.outcome === 'failure' && stepRecord.conclusion === 'failure') state.failed = true;
      state.steps[step.id] = {
        outcome: stepRecord.outcome,
        conclusion: stepRecord.conclusion,
        outputs: stepRecord.outputs,
      };
    }
    for (const post of state.posts.reverse()) {
      const stepRecord = await this.runPost(state, post, jobContexts);
      record.steps.push(stepRecord);
      if (stepRecord.conclusion === 'failure') state.failed = true;
    }

    record.result = state.failed ? 'failure' : 'success';
    if (state.timedOut || (state.deadline !== undefined && Date.now() > state.deadline)) {
      record.result = 'failure';
      record.note = 'the job ran past its timeout-minutes';
    }
    // Outputs holding a masked value are not handed on (the runner warns and skips them).
    const outputs = evaluateMapping(model.outputs, jobContexts(), { ...where, key: 'outputs' });
    for (const [name, value] of Object.entries(outputs)) {
      if ([...state.masks].some((mask) => value.includes(mask))) {
        record.droppedOutputs.push(name);
        outputs[name] = '';
      }
    }
    record.outputs = Object.fromEntries(
      Object.entries(outputs).filter(([name]) => !record.droppedOutputs.includes(name)),
    );
    if (record.environment && model.environment) {
      const value = evaluateToken(model.environment, jobContexts(), { ...where, key: 'environment' });
      if (value && typeof value === 'object' && !Array.isArray(value))
        record.environment.url = plainToString(value.url ?? '');
    }
    record.durationMs = Date.now() - started;
    for (const mask of state.masks) this.masks.add(mask);
    this.options.reporter?.jobEnd?.(record);
    return record;
  }

  private stepLabel(step: StepModel, contexts: Record<string, Plain | undefined>, where: Where): string {
    if (!step.name) return step.fallbackLabel;
    return plainToString(evaluateToken(step.name, contexts, { ...where, key: 'name' }));
  }

  private newStep(state: JobState, step: StepModel, label: string, post: boolean): StepRecord {
    return {
      id: step.id,
      label,
      post,
      outcome: 'skipped',
      conclusion: 'skipped',
      durationMs: 0,
      inputs: {},
      outputs: {},
      summary: '',
      annotations: [],
      log: [],
    };
  }

  private async runStep(
    state: JobState,
    step: StepModel,
    jobContexts: () => Record<string, Plain | undefined>,
  ): Promise<StepRecord> {
    const where = this.where(state.model.id, step);
    const label = this.stepLabel(step, jobContexts(), where);
    const record = this.newStep(state, step, label, false);
    // Past the job's timeout-minutes the job is being cancelled: only steps whose condition holds
    // then (always(), cancelled()) still run, as on GitHub.
    const timedOut = state.deadline !== undefined && Date.now() > state.deadline;
    if (timedOut) state.timedOut = true;
    const status: Status = { success: !state.failed && !timedOut, failure: state.failed, cancelled: timedOut };
    if (!isTruthy(evaluateSafely(step.if, jobContexts(), status, { ...where, key: 'if' }))) {
      record.note = timedOut ? 'the job ran past its timeout-minutes' : `its condition \`${step.if}\` was false`;
      return record;
    }
    // The step's env is evaluated with the job's env in the `env` context, then joins it.
    const stepEnv = { ...state.env, ...evaluateMapping(step.env, jobContexts(), { ...where, key: 'env' }, status) };
    const contexts = { ...jobContexts(), env: stepEnv };
    const continueOnError = step.continueOnError
      ? isTrue(evaluateToken(step.continueOnError, contexts, { ...where, key: 'continue-on-error' }))
      : false;
    let timeoutMs: number | undefined;
    if (step.timeoutMinutes)
      timeoutMs = Number(evaluateToken(step.timeoutMinutes, contexts, { ...where, key: 'timeout-minutes' })) * 60_000;
    if (state.deadline !== undefined && !timedOut)
      timeoutMs = Math.min(timeoutMs ?? Infinity, state.deadline - Date.now());

    this.options.reporter?.stepStart?.(state.record, record);
    const started = Date.now();
    try {
      if (step.run !== undefined) {
        const script = plainToString(evaluateToken(step.run, contexts, { ...where, key: 'run' }));
        const workingDirectory = step.workingDirectory
          ? plainToString(evaluateToken(step.workingDirectory, contexts, { ...where, key: 'working-directory' }))
          : (state.model.workingDirectory ?? this.workflow.workingDirectory);
        await this.runScript(
          state,
          record,
          script,
          step.shell ?? state.model.shell ?? this.workflow.shell,
          workingDirectory,
          stepEnv,
          timeoutMs,
        );
      } else {
        const uses = step.uses as string;
        const reference = resolveUses(uses);
        if (reference.kind === 'refused') throw new UnsupportedConstruct({ ...where, key: 'uses' }, reference.reason);
        const inputs = {
          ...evaluateMapping(step.with, contexts, { ...where, key: 'with' }, status),
          ...(this.options.inputOverrides?.[`${state.model.id}.${step.id}`] ?? {}),
        };
        // Kept for the record with masks applied (a webhook URL from secrets must not reach a report).
        record.inputs = Object.fromEntries(
          Object.entries(inputs).map(([name, value]) => [name, maskText(value, state.masks)]),
        );
        if (reference.kind === 'local')
          await this.runLocalAction(state, step, record, reference.path, inputs, stepEnv, contexts, timeoutMs);
        else await this.runThirdParty(state, step, record, reference.action, inputs);
      }
    } catch (error) {
      if (error instanceof UnsupportedConstruct) throw error;
      if (error instanceof FileCommandError) {
        record.outcome = 'failure';
        record.note = error.message;
      } else throw error;
    }
    record.durationMs = Date.now() - started;
    record.conclusion = record.outcome === 'failure' && continueOnError ? 'success' : record.outcome;
    if (record.outcome === 'failure' && continueOnError) record.note = 'failed; continue-on-error kept the job going';
    this.options.reporter?.stepEnd?.(state.record, record);
    return record;
  }

  /** The runner's environment for a process of this step. */
  private processEnv(state: JobState, stepEnv: Record<string, string>, files: Record<string, string>, stepId: string) {
    const env: Record<string, string> = {};
    for (const key of KEEP_ENV) if (process.env[key] !== undefined) env[key] = process.env[key] as string;
    const g = this.github;
    Object.assign(env, {
      PATH: [...state.path, machinePath()].join(':'),
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION: stepId,
      GITHUB_ACTOR: String(g.actor),
      GITHUB_TRIGGERING_ACTOR: String(g.triggering_actor),
      GITHUB_REPOSITORY: String(g.repository),
      GITHUB_REPOSITORY_OWNER: String(g.repository_owner),
      GITHUB_SHA: String(g.sha),
      GITHUB_REF: String(g.ref),
      GITHUB_REF_NAME: String(g.ref_name),
      GITHUB_REF_TYPE: String(g.ref_type),
      GITHUB_HEAD_REF: String(g.head_ref),
      GITHUB_BASE_REF: String(g.base_ref),
      GITHUB_EVENT_NAME: String(g.event_name),
      GITHUB_EVENT_PATH: join(state.temp, '_github_workflow', 'event.json'),
      GITHUB_RUN_ID: String(g.run_id),
      GITHUB_RUN_NUMBER: String(g.run_number),
      GITHUB_RUN_ATTEMPT: String(g.run_attempt),
      GITHUB_WORKFLOW: this.workflow.name,
      GITHUB_WORKFLOW_REF: `${String(g.repository)}/.github/workflows/${this.workflow.file}@${String(g.ref)}`,
      GITHUB_JOB: state.model.id,
      GITHUB_SERVER_URL: String(g.server_url),
      GITHUB_API_URL: String(g.api_url),
      GITHUB_GRAPHQL_URL: String(g.graphql_url),
      GITHUB_WORKSPACE: state.workspace,
      RUNNER_TEMP: state.temp,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'rehearsal',
      RUNNER_TOOL_CACHE: join(this.root, 'tool-cache'),
      RUNNER_WORKSPACE: dirname(state.workspace),
      ...(this.options.env ?? {}),
      ...stepEnv,
      ...files,
    });
    if (stepEnv.PATH === undefined) env.PATH = [...state.path, machinePath()].join(':');
    const eventFile = env.GITHUB_EVENT_PATH;
    if (!existsSync(eventFile)) {
      mkdirSync(dirname(eventFile), { recursive: true });
      writeFileSync(eventFile, JSON.stringify(this.options.event.payload, null, 2));
    }
    return env;
  }

  private commandFiles(state: JobState, withState: boolean): Record<string, string> {
    const dir = join(state.temp, '_runner_file_commands');
    mkdirSync(dir, { recursive: true });
    const id = randomUUID();
    const files: Record<string, string> = {
      GITHUB_OUTPUT: join(dir, `set_output_${id}`),
      GITHUB_ENV: join(dir, `set_env_${id}`),
      GITHUB_PATH: join(dir, `add_path_${id}`),
      GITHUB_STEP_SUMMARY: join(dir, `step_summary_${id}`),
    };
    if (withState) files.GITHUB_STATE = join(dir, `save_state_${id}`);
    for (const file of Object.values(files)) writeFileSync(file, '');
    return files;
  }

  /** Run a process as a step does, and read back what it wrote and printed. */
  private async execute(
    state: JobState,
    record: StepRecord,
    command: string,
    args: string[],
    options: { cwd: string; env: Record<string, string>; files: Record<string, string>; timeoutMs?: number },
  ): Promise<{ state: Record<string, string> }> {
    const reader = new CommandReader();
    const result = await runProcess(command, args, {
      cwd: options.cwd,
      env: options.env,
      timeoutMs: options.timeoutMs,
      onLine: (line) => {
        const shown = reader.read(line);
        for (const mask of reader.masks) state.masks.add(mask);
        if (shown === undefined) return;
        const masked = maskText(shown, state.masks);
        record.log.push(masked);
        this.options.reporter?.line?.(state.record, record, masked);
      },
    });
    record.annotations.push(
      ...reader.annotations.map((a) => ({
        ...a,
        message: maskText(a.message, state.masks),
        title: a.title && maskText(a.title, state.masks),
      })),
    );
    for (const warning of reader.warnings) record.annotations.push({ level: 'warning', message: warning });
    record.exitCode = result.exitCode;
    record.outcome = result.exitCode === 0 ? 'success' : 'failure';
    if (result.timedOut) record.note = 'killed: it ran past its timeout';
    else if (result.exitCode !== 0) record.note = `exit code ${result.exitCode}`;
    const { files } = options;
    record.outputs = parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8'), 'GITHUB_OUTPUT');
    for (const [name, value] of Object.entries(
      parseFileCommand(readFileSync(files.GITHUB_ENV, 'utf8'), 'GITHUB_ENV'),
    )) {
      // The runner refuses NODE_OPTIONS (it would reach every later node action) and keeps its own
      // GITHUB_* and RUNNER_* variables.
      if (name.toUpperCase() === 'NODE_OPTIONS')
        throw new FileCommandError("Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.");
      if (/^(GITHUB|RUNNER)_/i.test(name)) {
        record.annotations.push({
          level: 'warning',
          message: `${name} set through GITHUB_ENV is ignored: the runner keeps its own`,
        });
        continue;
      }
      state.env[name] = value;
    }
    state.path.unshift(...parsePathFile(readFileSync(files.GITHUB_PATH, 'utf8')).reverse());
    const summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
    if (Buffer.byteLength(summary) > SUMMARY_LIMIT_BYTES) {
      // The runner refuses to upload a step summary over 1 MiB: the job page shows none.
      record.annotations.push({
        level: 'error',
        message: `$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k, got ${Math.ceil(Buffer.byteLength(summary) / 1024)}k.`,
      });
    } else record.summary = maskText(summary, state.masks);
    const saved = files.GITHUB_STATE ? parseFileCommand(readFileSync(files.GITHUB_STATE, 'utf8'), 'GITHUB_STATE') : {};
    return { state: saved };
  }

  private async runScript(
    state: JobState,
    record: StepRecord,
    script: string,
    shell: string | undefined,
    workingDirectory: string | undefined,
    stepEnv: Record<string, string>,
    timeoutMs: number | undefined,
  ) {
    const file = join(state.temp, `${randomUUID()}.sh`);
    writeFileSync(file, script);
    // The runner's templates: `bash -e {0}` when no shell is named, else the named shell's own.
    const [command, ...args] =
      shell === 'bash'
        ? ['bash', '--noprofile', '--norc', '-eo', 'pipefail', file]
        : shell === 'sh'
          ? ['sh', '-e', file]
          : ['bash', '-e', file];
    const cwd = workingDirectory ? resolve(state.workspace, workingDirectory) : state.workspace;
    const files = this.commandFiles(state, false);
    await this.execute(state, record, command, args, {
      cwd,
      env: this.processEnv(state, stepEnv, files, record.id),
      files,
      timeoutMs,
    });
  }

  private async runLocalAction(
    state: JobState,
    step: StepModel,
    record: StepRecord,
    path: string,
    inputs: Record<string, string>,
    stepEnv: Record<string, string>,
    contexts: Record<string, Plain | undefined>,
    timeoutMs: number | undefined,
  ) {
    const where = this.where(state.model.id, step, 'uses');
    const actionDir = resolve(state.workspace, path);
    const manifestFile = ['action.yml', 'action.yaml']
      .map((name) => join(actionDir, name))
      .find((file) => existsSync(file));
    if (!manifestFile) {
      // What the runner says when the workspace does not hold the action.
      record.outcome = 'failure';
      record.note = `Can't find 'action.yml' or 'action.yaml' under '${actionDir}'. Did you forget to run actions/checkout before running your local action?`;
      record.log.push(record.note);
      return;
    }
    const manifest = parseYaml(readFileSync(manifestFile, 'utf8')) as {
      inputs?: Record<string, { default?: unknown } | null>;
      runs?: { using?: string; main?: string; post?: string; pre?: string; 'post-if'?: string };
    };
    const runs = manifest.runs ?? {};
    if (!/^node\d+$/.test(runs.using ?? ''))
      throw new UnsupportedConstruct(where, `${path} runs with '${runs.using}'; only node actions are modelled`);
    if (runs.pre) throw new UnsupportedConstruct(where, `${path} declares a pre: step, which is not modelled`);
    const declared = Object.keys(manifest.inputs ?? {});
    const unexpected = Object.keys(inputs).filter(
      (name) => !declared.some((d) => d.toLowerCase() === name.toLowerCase()),
    );
    if (unexpected.length > 0)
      record.annotations.push({
        level: 'warning',
        message: `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${declared.join("', '")}']`,
      });
    const inputEnv: Record<string, string> = {};
    for (const [name, spec] of Object.entries(manifest.inputs ?? {})) {
      if (spec?.default === undefined || spec.default === null) continue;
      inputEnv[inputVariable(name)] = interpolate(String(spec.default), contexts);
    }
    for (const [name, value] of Object.entries(inputs)) inputEnv[inputVariable(name)] = value;
    const files = this.commandFiles(state, true);
    const env = { ...this.processEnv(state, stepEnv, files, record.id), ...inputEnv, GITHUB_ACTION_PATH: actionDir };
    const { state: saved } = await this.execute(
      state,
      record,
      process.execPath,
      [join(actionDir, runs.main ?? 'index.js')],
      {
        cwd: state.workspace,
        env,
        files,
        timeoutMs,
      },
    );
    if (runs.post)
      state.posts.push({
        step,
        label: `Post ${record.label}`,
        entry: join(actionDir, runs.post),
        actionDir,
        inputs: inputEnv,
        state: saved,
        postIf: runs['post-if'] ?? 'always()',
      });
  }

  private async runPost(
    state: JobState,
    post: JobState['posts'][number],
    jobContexts: () => Record<string, Plain | undefined>,
  ) {
    const record = this.newStep(state, post.step, post.label, true);
    const status: Status = { success: !state.failed, failure: state.failed, cancelled: false };
    if (
      !isTruthy(evaluateSafely(post.postIf, jobContexts(), status, this.where(state.model.id, post.step, 'post-if')))
    ) {
      record.note = `its post-if \`${post.postIf}\` was false`;
      return record;
    }
    this.options.reporter?.stepStart?.(state.record, record);
    const started = Date.now();
    const files = this.commandFiles(state, false);
    const stateEnv = Object.fromEntries(Object.entries(post.state).map(([name, value]) => [`STATE_${name}`, value]));
    const env = {
      ...this.processEnv(state, state.env, files, record.id),
      ...post.inputs,
      ...stateEnv,
      GITHUB_ACTION_PATH: post.actionDir,
    };
    await this.execute(state, record, process.execPath, [post.entry], { cwd: state.workspace, env, files });
    record.conclusion = record.outcome;
    record.durationMs = Date.now() - started;
    this.options.reporter?.stepEnd?.(state.record, record);
    return record;
  }

  private async runThirdParty(
    state: JobState,
    step: StepModel,
    record: StepRecord,
    action: ThirdPartyAction,
    inputs: Record<string, string>,
  ) {
    const where = this.where(state.model.id, step, 'with');
    for (const key of Object.keys(inputs))
      if (!action.inputs.includes(key))
        throw new UnsupportedConstruct(
          { ...where, key: `with.${key}` },
          `${action.name}'s input '${key}' is not modelled`,
        );
    const say = (line: string) => {
      const masked = maskText(line, state.masks);
      record.log.push(masked);
      this.options.reporter?.line?.(state.record, record, masked);
    };
    const fail = (message: string) => {
      record.outcome = 'failure';
      record.note = message;
      record.annotations.push({ level: 'error', message });
      say(`Error: ${message}`);
    };
    say(`(stand-in) ${action.meaning}`);
    record.outcome = 'success';
    switch (action.name) {
      case 'actions/checkout': {
        const ref = inputs.ref || String(this.github.sha);
        const commit = this.options.resolveCommit?.(ref) ?? ref;
        try {
          await git(this.options.repository, ['rev-parse', '--verify', '--quiet', `${commit}^{commit}`]);
        } catch {
          fail(`The commit '${ref}' is not in the local repository ${this.options.repository}`);
          return;
        }
        rmSync(state.workspace, { recursive: true, force: true });
        await git(dirname(state.workspace), [
          'clone',
          '--quiet',
          '--shared',
          '--no-checkout',
          this.options.repository,
          state.workspace,
        ]);
        const sparse = (inputs['sparse-checkout'] ?? '')
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean);
        if (sparse.length > 0)
          await git(state.workspace, [
            'sparse-checkout',
            'set',
            ...(inputs['sparse-checkout-cone-mode'] === 'false' ? ['--no-cone'] : []),
            ...sparse,
          ]);
        await git(state.workspace, ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', commit]);
        say(`Checked out ${commit}${sparse.length ? ` (sparse: ${sparse.join(', ')})` : ''} into ${state.workspace}`);
        return;
      }
      case 'actions/setup-node': {
        const wanted = inputs['node-version'] ?? '';
        const have = process.versions.node;
        if (wanted && wanted.replace(/^v/, '').split('.')[0] !== have.split('.')[0]) {
          fail(`node-version '${wanted}' asked for, but this machine's Node.js is ${have}`);
          return;
        }
        say(`Node.js ${have} on PATH`);
        return;
      }
      case 'docker/setup-buildx-action': {
        const builder = this.options.builder;
        const version = buildxVersion();
        if (version && !builder) {
          say(version);
          return;
        }
        if (!builder) {
          fail('docker buildx is not installed on this machine (the Docker CLI plugin `docker-buildx`)');
          return;
        }
        if (version) say(version);
        const folder = join(state.temp, '_builder');
        try {
          for (const line of installBuilder(folder, builder)) say(line);
        } catch (error) {
          fail(`No builder could be set up: ${error instanceof Error ? error.message : String(error)}`);
          return;
        }
        state.path.unshift(folder);
        return;
      }
      case 'aws-actions/configure-aws-credentials': {
        const aws = this.options.aws;
        if (!aws) {
          fail('No AWS emulator was given to the rehearsal, so there are no credentials to configure');
          return;
        }
        const region = inputs['aws-region'];
        if (!region) {
          fail('Input required and not supplied: aws-region');
          return;
        }
        const permissions = (state.model.permissions ?? this.workflow.permissions) as
          Record<string, string> | null | undefined;
        if (inputs['role-to-assume'] && !(permissions && permissions['id-token'] === 'write')) {
          fail("Could not get an OIDC token: the job's permissions do not grant id-token: write");
          return;
        }
        const allowed = (inputs['allowed-account-ids'] ?? '')
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean);
        if (allowed.length > 0 && !allowed.includes(aws.accountId)) {
          fail(`The account ${aws.accountId} is not in allowed-account-ids`);
          return;
        }
        const exported: Record<string, string> = { ...aws.env, AWS_REGION: region, AWS_DEFAULT_REGION: region };
        for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
          if (exported[name]) state.masks.add(exported[name]);
        if (inputs['mask-aws-account-id'] !== 'false') state.masks.add(aws.accountId);
        Object.assign(state.env, exported);
        record.outputs = { 'aws-account-id': aws.accountId };
        say(
          `Credentials for account ${maskText(aws.accountId, state.masks)} in ${region}${inputs['role-to-assume'] ? ` as ${inputs['role-to-assume']}` : ''}; endpoint ${aws.env.AWS_ENDPOINT_URL ?? '(default)'}`,
        );
        return;
      }
      default:
        throw new UnsupportedConstruct(where, `no local meaning for ${action.name}`);
    }
  }
}

/** Every `uses:` is checked before anything runs, skipped steps included: nothing unknown is passed over. */
export function validateUses(workflow: WorkflowModel): void {
  for (const job of workflow.jobs) {
    for (const step of job.steps) {
      if (!step.uses) continue;
      const where: Where = { file: workflow.file, job: job.id, step: step.explicitId ? step.id : `#${step.index + 1}` };
      const reference = resolveUses(step.uses);
      if (reference.kind === 'refused') throw new UnsupportedConstruct({ ...where, key: 'uses' }, reference.reason);
      if (reference.kind === 'third-party') {
        for (const key of mappingKeys(step.with))
          if (!reference.action.inputs.includes(key))
            throw new UnsupportedConstruct(
              { ...where, key: `with.${key}` },
              `${reference.action.name}'s input '${key}' is not modelled`,
            );
      }
    }
  }
}

/** A secret is masked whole, and each line of a multi-line secret on its own, as the runner does. */
export function secretMasks(value: string): string[] {
  if (value === '') return [];
  const lines = value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return [value, ...(lines.length > 1 ? lines : [])];
}

function isTrue(value: Plain): boolean {
  return value === true || value === 'true';
}

function evaluateSafely(expression: string, contexts: Record<string, Plain | undefined>, status: Status, where: Where) {
  try {
    return evaluate(expression, contexts, status);
  } catch (error) {
    throw new UnsupportedConstruct(where, error instanceof Error ? error.message : String(error));
  }
}

const execFileAsync = promisify(execFile);

/** git, awaited without blocking the event loop (another run, or an emulator, may need it meanwhile). */
async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Read a workflow file and run it. Errors (UnsupportedConstruct, InvalidWorkflow) come before any step runs where they can. */
export async function runWorkflow(options: RunOptions): Promise<RunRecord> {
  const workflow = await loadWorkflow(options.workflow);
  validateUses(workflow);
  const root = options.workRoot ?? mkdtempSync(join(tmpdir(), 'shipyard-rehearsal-'));
  if (!isAbsolute(root)) throw new Error('workRoot must be an absolute path');
  mkdirSync(root, { recursive: true });
  try {
    return await new Runner(workflow, options, root).run();
  } finally {
    if (!options.workRoot) rmSync(root, { recursive: true, force: true });
  }
}
