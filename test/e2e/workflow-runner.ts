import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot, runAction, type ActionRun } from '../harness/run-action.js';
import { evaluateCondition, interpolate, type ExpressionContext, type Value } from './expressions.js';

/**
 * Runs the jobs of a workflow in `.github/workflows/` the way the GitHub runner would, as far as
 * the actions of this repository are concerned: each step's `if:` and `with:` are evaluated from
 * the workflow file itself (so `${{ steps.promote.outputs.image-uri }}` is what feeds deploy-ecs,
 * not something the test wrote), every `uses: ./actions/<name>` step runs the bundled action
 * through the harness, and `run:` steps that produce outputs are stood in for by the test (they
 * call git or the AWS CLI). Third-party actions and `run:` steps without a stand-in are recorded
 * as not run: credentials come from the emulators, and a summary script changes nothing the
 * pipeline's later steps read.
 */

export interface WorkflowStep {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

export interface WorkflowJob {
  if?: string;
  needs?: string | string[];
  outputs?: Record<string, string>;
  steps: WorkflowStep[];
}

export interface Workflow {
  env?: Record<string, unknown>;
  jobs: Record<string, WorkflowJob>;
}

export function readWorkflow(name: string): Workflow {
  return parseYaml(readFileSync(join(repoRoot, '.github', 'workflows', name), 'utf8')) as Workflow;
}

export type Outcome = 'success' | 'failure' | 'skipped';

export interface StepRecord {
  id?: string;
  label: string;
  outcome: Outcome;
  /** Why the step did not run its action: skipped by its condition, or not emulated here. */
  note?: string;
  /** What the step's `with:` evaluated to (actions) or its `env:` (stand-ins). */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  /** The harness's record of an action step. */
  run?: ActionRun;
}

export interface JobResult {
  result: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
  steps: StepRecord[];
  /** Steps by id. */
  byId: Record<string, StepRecord>;
  /** Job outputs the runner would not hand on because they hold a masked value. */
  droppedOutputs: string[];
}

/** A test's stand-in for a `run:` step: it gets the step's evaluated `env:` and returns its outputs. */
export type RunStepStandIn = (env: Record<string, string>) => Promise<Record<string, string>>;

export interface RunJobOptions {
  workflow: Workflow;
  job: string;
  /** `github`, `vars`, `secrets` and `needs` as the run sees them. */
  contexts: { github: Record<string, string>; vars: Record<string, string>; secrets: Record<string, string> };
  needs?: Record<string, JobResult>;
  /** Stand-ins for `run:` steps, by step id. */
  standIns?: Record<string, RunStepStandIn>;
  /**
   * Inputs the test sets on top of the workflow's `with:`, by step id: only knobs that make the
   * run fast (a poll interval), never a value one step hands to the next.
   */
  overrides?: Record<string, Record<string, string>>;
  /** The runner's environment for every action: endpoints, credentials, GITHUB_* variables. */
  env: Record<string, string>;
  event: { name: string; payload: unknown };
  workspace: string;
  githubToken: string;
}

function stringRecord(values: Record<string, unknown> | undefined, context: ExpressionContext): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [key, interpolate(value, context)]));
}

const LOCAL_ACTION = /^\.\/actions\/([\w-]+)$/;

/** Step keys this runner honours or that change nothing it models; anything else (continue-on-error, say) throws. */
const UNDERSTOOD_STEP_KEYS = new Set(['id', 'name', 'if', 'uses', 'run', 'with', 'env', 'shell', 'timeout-minutes']);

export async function runJob(options: RunJobOptions): Promise<JobResult> {
  const definition = options.workflow.jobs[options.job];
  if (!definition) throw new Error(`The workflow has no job '${options.job}'`);
  const needs: Record<string, Value> = Object.fromEntries(
    Object.entries(options.needs ?? {}).map(([name, job]) => [name, { result: job.result, outputs: job.outputs }]),
  );
  const steps: Record<string, Value> = {};
  let failed = Object.values(options.needs ?? {}).some((job) => job.result === 'failure');
  const context = (): ExpressionContext => ({
    contexts: {
      github: options.contexts.github,
      vars: options.contexts.vars,
      secrets: options.contexts.secrets,
      env: workflowEnv,
      needs,
      steps,
      job: { status: failed ? 'failure' : 'success' },
    },
    failed,
  });
  // The workflow's env may read vars, github and secrets; it is evaluated once, before any step.
  let workflowEnv: Record<string, string> = {};
  workflowEnv = stringRecord(options.workflow.env, context());

  const skippedJob = (): JobResult => ({ result: 'skipped', outputs: {}, steps: [], byId: {}, droppedOutputs: [] });
  if (!evaluateCondition(definition.if, context())) return skippedJob();
  // Inside the job, the status functions look at its own steps only.
  failed = false;

  const records: StepRecord[] = [];
  for (const [index, step] of definition.steps.entries()) {
    const unknown = Object.keys(step).filter((key) => !UNDERSTOOD_STEP_KEYS.has(key));
    if (unknown.length > 0)
      throw new Error(
        `Step ${index + 1} of job '${options.job}' uses ${unknown.join(', ')}, which this runner does not model`,
      );
    const label = step.id ?? step.name ?? step.uses ?? `step ${index + 1}`;
    const record: StepRecord = { id: step.id, label, outcome: 'skipped', inputs: {}, outputs: {} };
    records.push(record);
    if (!evaluateCondition(step.if, context())) {
      record.note = 'its condition was false';
    } else {
      const localAction = step.uses ? LOCAL_ACTION.exec(step.uses)?.[1] : undefined;
      const standIn = step.id ? options.standIns?.[step.id] : undefined;
      if (localAction) {
        record.inputs = { ...stringRecord(step.with, context()), ...(options.overrides?.[step.id ?? ''] ?? {}) };
        const run = await runAction(localAction, {
          inputs: record.inputs,
          env: { ...workflowEnv, ...stringRecord(step.env, context()), ...options.env },
          event: options.event,
          workspace: options.workspace,
          githubToken: options.githubToken,
          timeoutMs: 60_000,
        });
        record.run = run;
        record.outputs = run.outputs;
        record.outcome = run.exitCode === 0 ? 'success' : 'failure';
      } else if (step.run !== undefined && step.id && !standIn) {
        throw new Error(
          `Step '${step.id}' of job '${options.job}' runs a script whose outputs later steps may read: give it a stand-in`,
        );
      } else if (step.run !== undefined && standIn) {
        record.inputs = { ...workflowEnv, ...stringRecord(step.env, context()) };
        try {
          record.outputs = await standIn(record.inputs);
          record.outcome = 'success';
        } catch (error) {
          record.note = error instanceof Error ? error.message : String(error);
          record.outcome = 'failure';
        }
      } else {
        record.note = 'not emulated (a third-party action or a script whose outputs no later step reads)';
        // Counted as a success, as on a runner where it worked: later steps run as they would.
        record.outcome = 'success';
      }
    }
    if (record.outcome === 'failure') failed = true;
    if (step.id) steps[step.id] = { outcome: record.outcome, conclusion: record.outcome, outputs: record.outputs };
  }

  // The runner does not pass on a job output that contains a value the job masked (a secret, or
  // anything an action gave `::add-mask::`): the next job would get an empty string.
  const masked = [
    ...records.flatMap((record) => record.run?.masked ?? []),
    ...Object.values(options.contexts.secrets),
  ].filter((value) => value !== '');
  const outputs = stringRecord(definition.outputs, context());
  const droppedOutputs = Object.keys(outputs).filter((name) => masked.some((value) => outputs[name].includes(value)));
  for (const name of droppedOutputs) outputs[name] = '';
  return {
    result: failed ? 'failure' : 'success',
    outputs,
    droppedOutputs,
    steps: records,
    byId: Object.fromEntries(records.filter((record) => record.id).map((record) => [record.id as string, record])),
  };
}
