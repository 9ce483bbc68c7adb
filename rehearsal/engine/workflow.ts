import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  convertWorkflowTemplate,
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
  NoOperationTraceWriter,
  parseWorkflow,
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import type { Job } from '@actions/workflow-parser/model/workflow-template';
import { asPlain, evaluate, type Plain, type Status } from './expressions.js';

/**
 * A workflow file read with GitHub's own parser (`@actions/workflow-parser`): the file is checked
 * against GitHub's workflow schema, and GitHub's converter gives each job and step its `if:` (with
 * the implicit `success() && (...)` GitHub adds), its id (generated ids for steps without one) and
 * its `needs`. Everything the rehearsal cannot model is refused here, by name, before anything runs.
 */

export interface Where {
  file: string;
  job?: string;
  step?: string;
  key?: string;
}

function describe(where: Where): string {
  return [
    where.file,
    where.job ? `job '${where.job}'` : undefined,
    where.step ? `step '${where.step}'` : undefined,
    where.key ? `key '${where.key}'` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}

/** A construct the rehearsal does not model: it names where it is, and nothing is run. */
export class UnsupportedConstruct extends Error {
  constructor(
    readonly where: Where,
    reason: string,
  ) {
    super(`${describe(where)}: ${reason}`);
    this.name = 'UnsupportedConstruct';
  }
}

/** A workflow file GitHub's parser refuses. */
export class InvalidWorkflow extends Error {
  constructor(file: string, errors: string[]) {
    super(`${file} is not a valid workflow:\n${errors.map((e) => `  ${e}`).join('\n')}`);
    this.name = 'InvalidWorkflow';
  }
}

export interface StepModel {
  index: number;
  /** The step's id, or the one GitHub's converter generated (`__run`, `__actions_checkout`). */
  id: string;
  explicitId: boolean;
  /** `name`, else `Run <first line>` / `Run <uses>` as the runner shows it. */
  name?: TemplateToken;
  fallbackLabel: string;
  if: string;
  uses?: string;
  run?: TemplateToken;
  with?: MappingToken;
  env?: MappingToken;
  shell?: string;
  workingDirectory?: TemplateToken;
  timeoutMinutes?: TemplateToken;
  continueOnError?: TemplateToken;
}

export interface JobModel {
  id: string;
  name?: TemplateToken;
  needs: string[];
  if: string;
  runsOn?: TemplateToken;
  timeoutMinutes?: TemplateToken;
  environment?: TemplateToken;
  concurrency?: TemplateToken;
  permissions?: Plain;
  outputs?: MappingToken;
  env?: MappingToken;
  shell?: string;
  workingDirectory?: string;
  continueOnError?: TemplateToken;
  steps: StepModel[];
}

export interface WorkflowModel {
  file: string;
  name: string;
  runName?: TemplateToken;
  events: string[];
  env?: MappingToken;
  concurrency?: TemplateToken;
  permissions?: Plain;
  shell?: string;
  workingDirectory?: string;
  jobs: JobModel[];
}

const WORKFLOW_KEYS = new Set(['name', 'run-name', 'on', 'permissions', 'env', 'defaults', 'concurrency', 'jobs']);
const JOB_KEYS = new Set([
  'name',
  'needs',
  'if',
  'runs-on',
  'timeout-minutes',
  'environment',
  'concurrency',
  'permissions',
  'outputs',
  'env',
  'defaults',
  'continue-on-error',
  'steps',
]);
const STEP_KEYS = new Set([
  'id',
  'name',
  'if',
  'uses',
  'run',
  'with',
  'env',
  'shell',
  'working-directory',
  'timeout-minutes',
  'continue-on-error',
]);
const WHY: Record<string, string> = {
  strategy: 'a matrix would run the job once per combination',
  container: 'a job container changes where every step runs',
  services: 'service containers are not started',
  uses: 'a reusable workflow (jobs.<id>.uses) is not expanded',
  secrets: 'secrets passed to a reusable workflow are not modelled',
  with: 'inputs passed to a reusable workflow are not modelled',
  snapshot: 'custom runner images are not modelled',
};
const SHELLS = new Set(['bash', 'sh']);

function entries(mapping: MappingToken): [string, TemplateToken][] {
  const result: [string, TemplateToken][] = [];
  for (const pair of mapping as unknown as Iterable<{ key: TemplateToken; value: TemplateToken }>) {
    result.push([isString(pair.key) ? pair.key.value : String(pair.key), pair.value]);
  }
  return result;
}

/** A literal token as a plain value; expressions are refused (the key must be a literal there). */
export function literal(token: TemplateToken, where: Where): Plain {
  if (isString(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isSequence(token)) {
    const items: Plain[] = [];
    for (const item of token as unknown as Iterable<TemplateToken>) items.push(literal(item, where));
    return items;
  }
  if (isMapping(token)) return Object.fromEntries(entries(token).map(([key, value]) => [key, literal(value, where)]));
  if (isBasicExpression(token)) throw new UnsupportedConstruct(where, 'an expression here is not modelled');
  if (token.templateTokenType === 7 /* null */) return null;
  throw new UnsupportedConstruct(where, `a ${token.constructor.name} here is not modelled`);
}

/**
 * A token's value with every expression in it evaluated (`${{ }}` segments inside a string were
 * already turned into one `format(...)` expression by the parser).
 */
export function evaluateToken(
  token: TemplateToken,
  contexts: Record<string, Plain | undefined>,
  where: Where,
  status?: Status,
): Plain {
  if (isBasicExpression(token)) return asPlain(evaluate(token.expression, contexts, status));
  if (isSequence(token)) {
    const items: Plain[] = [];
    for (const item of token as unknown as Iterable<TemplateToken>) items.push(evaluateToken(item, contexts, where));
    return items;
  }
  if (isMapping(token)) {
    return Object.fromEntries(
      entries(token).map(([key, value]) => [key, evaluateToken(value, contexts, { ...where, key }, status)]),
    );
  }
  if (token.templateTokenType === 4 /* insert */)
    throw new UnsupportedConstruct(where, '${{ insert }} is not modelled');
  return literal(token, where);
}

/** What the runner puts in an environment variable or an input for a value. */
export function plainToString(value: Plain): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value, null, 2);
}

/** A mapping whose values are evaluated to strings (env:, with:, outputs:). */
export function evaluateMapping(
  mapping: MappingToken | undefined,
  contexts: Record<string, Plain | undefined>,
  where: Where,
  status?: Status,
): Record<string, string> {
  if (!mapping) return {};
  return Object.fromEntries(
    entries(mapping).map(([key, value]) => [
      key,
      plainToString(evaluateToken(value, contexts, { ...where, key }, status)),
    ]),
  );
}

export function mappingKeys(mapping: MappingToken | undefined): string[] {
  return mapping ? entries(mapping).map(([key]) => key) : [];
}

function defaults(token: TemplateToken | undefined, where: Where): { shell?: string; workingDirectory?: string } {
  if (!token) return {};
  const value = literal(token, { ...where, key: 'defaults' });
  const run = (value as { run?: Record<string, Plain> } | null)?.run ?? {};
  for (const key of Object.keys(value ?? {}))
    if (key !== 'run') throw new UnsupportedConstruct({ ...where, key: `defaults.${key}` }, 'not modelled');
  const shell = run.shell === undefined ? undefined : String(run.shell);
  if (shell !== undefined && !SHELLS.has(shell))
    throw new UnsupportedConstruct({ ...where, key: 'defaults.run.shell' }, `shell '${shell}' is not modelled`);
  return {
    shell,
    workingDirectory: run['working-directory'] === undefined ? undefined : String(run['working-directory']),
  };
}

function firstLine(token: TemplateToken | undefined): string {
  if (!token) return '';
  const text = isString(token) ? token.value : isBasicExpression(token) ? (token.source ?? token.expression) : '';
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim();
}

/** Read, validate and convert a workflow file; refuses what the rehearsal cannot model. */
export async function loadWorkflow(path: string): Promise<WorkflowModel> {
  const file = basename(path);
  const parsed = parseWorkflow({ name: file, content: readFileSync(path, 'utf8') }, new NoOperationTraceWriter());
  const parseErrors = parsed.context.errors.getErrors().map((error) => error.message);
  if (parseErrors.length > 0 || !parsed.value) throw new InvalidWorkflow(file, parseErrors);
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  const convertErrors = (template.errors ?? []).map((error) => error.Message);
  if (convertErrors.length > 0) throw new InvalidWorkflow(file, convertErrors);

  const root = parsed.value as MappingToken;
  const top = new Map(entries(root));
  for (const key of top.keys())
    if (!WORKFLOW_KEYS.has(key)) throw new UnsupportedConstruct({ file, key }, 'this workflow key is not modelled');
  const workflowDefaults = defaults(top.get('defaults'), { file });
  const rawJobs = new Map(entries(top.get('jobs') as MappingToken));

  const jobs: JobModel[] = template.jobs.map((converted) => {
    const id = converted.id.value;
    const where: Where = { file, job: id };
    if (converted.type !== 'job') throw new UnsupportedConstruct({ ...where, key: 'uses' }, WHY.uses);
    const raw = new Map(entries(rawJobs.get(id) as MappingToken));
    for (const key of raw.keys()) {
      if (!JOB_KEYS.has(key))
        throw new UnsupportedConstruct({ ...where, key }, WHY[key] ?? 'this job key is not modelled');
    }
    const job = converted as Job;
    const rawSteps = [...((raw.get('steps') as unknown as Iterable<TemplateToken>) ?? [])];
    if (rawSteps.length !== job.steps.length)
      throw new InvalidWorkflow(file, [
        `job '${id}': the converter kept ${job.steps.length} of ${rawSteps.length} steps`,
      ]);
    const jobDefaults = defaults(raw.get('defaults'), where);
    // Literal values that cannot be modelled are refused now, even for a job that will be skipped.
    const runsOn = raw.get('runs-on');
    if (runsOn && isString(runsOn) && !/^ubuntu-/.test(runsOn.value))
      throw new UnsupportedConstruct(
        { ...where, key: 'runs-on' },
        `'${runsOn.value}' is not modelled (this machine stands in for ubuntu-*)`,
      );
    const continueOnError = raw.get('continue-on-error');
    if (continueOnError && isBoolean(continueOnError) && continueOnError.value)
      throw new UnsupportedConstruct(
        { ...where, key: 'continue-on-error' },
        'a job that continues on error is not modelled',
      );
    const steps: StepModel[] = job.steps.map((step, index) => {
      const rawStep = new Map(entries(rawSteps[index] as MappingToken));
      const explicitId = rawStep.has('id');
      const stepWhere: Where = { ...where, step: explicitId ? step.id : `#${index + 1}` };
      for (const key of rawStep.keys())
        if (!STEP_KEYS.has(key)) throw new UnsupportedConstruct({ ...stepWhere, key }, 'this step key is not modelled');
      if (!('run' in step) && !('uses' in step))
        throw new UnsupportedConstruct(stepWhere, 'only run: and uses: steps are modelled');
      const shellToken = rawStep.get('shell');
      const shell = shellToken ? String(literal(shellToken, { ...stepWhere, key: 'shell' })) : undefined;
      if (shell !== undefined && !SHELLS.has(shell))
        throw new UnsupportedConstruct({ ...stepWhere, key: 'shell' }, `shell '${shell}' is not modelled`);
      const uses = 'uses' in step ? step.uses.value : undefined;
      const run = 'run' in step ? (step.run as TemplateToken) : undefined;
      const coe = rawStep.get('continue-on-error');
      return {
        index,
        id: step.id,
        explicitId,
        name: step.name,
        fallbackLabel: uses ? `Run ${uses}` : `Run ${firstLine(run)}`,
        if: step.if?.expression ?? 'success()',
        uses,
        run,
        with: rawStep.get('with') as MappingToken | undefined,
        env: step.env,
        shell,
        workingDirectory: rawStep.get('working-directory'),
        timeoutMinutes: rawStep.get('timeout-minutes'),
        continueOnError: coe,
      };
    });
    return {
      id,
      name: job.name,
      needs: (job.needs ?? []).map((need) => need.value),
      if: job.if.expression,
      runsOn: job['runs-on'],
      timeoutMinutes: raw.get('timeout-minutes'),
      environment: job.environment,
      concurrency: job.concurrency,
      permissions: raw.has('permissions')
        ? literal(raw.get('permissions') as TemplateToken, { ...where, key: 'permissions' })
        : undefined,
      outputs: job.outputs,
      env: job.env,
      shell: jobDefaults.shell,
      workingDirectory: jobDefaults.workingDirectory,
      continueOnError: raw.get('continue-on-error'),
      steps,
    };
  });

  return {
    file,
    // Without a name, GitHub names a workflow by its path in the repository.
    name: top.has('name')
      ? String(literal(top.get('name') as TemplateToken, { file, key: 'name' }))
      : `.github/workflows/${file}`,
    runName: top.get('run-name'),
    events: Object.keys(template.events ?? {}),
    env: top.get('env') as MappingToken | undefined,
    concurrency: top.get('concurrency'),
    permissions: top.has('permissions')
      ? literal(top.get('permissions') as TemplateToken, { file, key: 'permissions' })
      : undefined,
    shell: workflowDefaults.shell,
    workingDirectory: workflowDefaults.workingDirectory,
    jobs,
  };
}
