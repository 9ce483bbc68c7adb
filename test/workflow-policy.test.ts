import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { spawnSync } from 'node:child_process';
import { createApp } from '@shipyard/demo-app/app';
import { resolveScenario } from '@shipyard/emulators/aws/scenario';
import { listenOnLoopback } from '@shipyard/harness/listen';
import { repoRoot, runAction } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';
import {
  actionContractsFrom,
  checkWorkflow,
  consistentPins,
  formatViolation,
  parseWorkflow,
  type ActionContract,
  type ContractLookup,
  type RuleId,
} from './policy/workflow-policy.js';

const workflowsDir = join(repoRoot, '.github', 'workflows');
const workflowFiles = readdirSync(workflowsDir).filter((file) => /\.ya?ml$/.test(file));
const repositoryWorkflows = workflowFiles.map((file) =>
  parseWorkflow(`.github/workflows/${file}`, readFileSync(join(workflowsDir, file), 'utf8')),
);
const workflowNamed = (file: string) => {
  const found = repositoryWorkflows.find((parsed) => parsed.file === `.github/workflows/${file}`);
  if (!found) throw new Error(`.github/workflows/${file} is missing`);
  return found.workflow;
};
const readDoc = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

describe("this repository's workflows", () => {
  test('the pipeline is all there', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(['ci.yml', 'staging.yml', 'production.yml', 'release.yml']));
  });

  test.each(workflowFiles)('%s keeps every rule', (file) => {
    const parsed = repositoryWorkflows.find((workflow) => workflow.file.endsWith(`/${file}`))!;
    expect(checkWorkflow(parsed, actionContractsFrom(repoRoot)).map(formatViolation)).toEqual([]);
  });

  test('each third-party action is pinned to one commit everywhere', () => {
    expect(consistentPins(repositoryWorkflows).map(formatViolation)).toEqual([]);
  });

  test('ci runs every action from the working tree', () => {
    const used = Object.values(workflowNamed('ci.yml').jobs ?? {}).flatMap((job) =>
      (job.steps ?? []).map((step) => step.uses),
    );
    for (const action of ['smoke-test', 'deploy-ecs', 'build-push-ecr', 'pr-comment']) {
      expect(used).toContain(`./actions/${action}`);
    }
  });

  test("staging's last job is the documented required check and waits for every other job", () => {
    const jobs = workflowNamed('staging.yml').jobs ?? {};
    const gates = Object.entries(jobs).filter(([id]) =>
      Object.keys(jobs)
        .filter((other) => other !== id)
        .every((other) => ([] as string[]).concat(jobs[id].needs ?? []).includes(other)),
    );
    expect(gates).toHaveLength(1);
    const [, gate] = gates[0];
    expect(gate.if).toMatch(/always\(\)/);
    expect(gate.name).toBeTruthy();
    // Branch protection matches the check by this exact name: the docs must say it.
    expect(readDoc('docs/pipeline.md')).toContain(`\`${gate.name}\``);
    expect(readDoc('docs/github-setup.md')).toContain(`\`${gate.name}\``);
  });

  test('the branch protection docs name every ci check', () => {
    const setup = readDoc('docs/github-setup.md');
    const names = Object.values(workflowNamed('ci.yml').jobs ?? {}).map((job) => job.name);
    expect(names.length).toBeGreaterThan(1);
    for (const name of names) expect(setup).toContain(`\`${name}\``);
  });

  test('every variable and secret the workflows read is documented, with the default they use', () => {
    const documented = new Map(
      Array.from(readDoc('docs/github-setup.md').matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|/gm), (match) => [
        match[1],
        match[2].trim(),
      ]),
    );
    const defaults = new Map<string, string | undefined>();
    for (const file of workflowFiles) {
      const text = readFileSync(join(workflowsDir, file), 'utf8');
      for (const [, , name, fallback] of text.matchAll(
        /\b(vars|secrets)\.([A-Z][A-Z0-9_]*)(?:\s*\|\|\s*'([^']*)')?/g,
      )) {
        expect({ name, documented: documented.has(name) }).toEqual({ name, documented: true });
        if (defaults.has(name)) {
          // One default per variable, whichever workflow reads it.
          expect({ name, fallback }).toEqual({ name, fallback: defaults.get(name) });
        }
        defaults.set(name, fallback);
        if (fallback !== undefined)
          expect({ name, cell: documented.get(name) }).toEqual({ name, cell: `\`${fallback}\`` });
      }
    }
    expect(defaults.size).toBeGreaterThan(5);
  });

  test("the pipeline's docs link only to files and headings that exist", () => {
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    const anchors = (markdown: string) =>
      new Set(
        Array.from(markdown.matchAll(/^#{1,6}\s+(.+)$/gm), (match) =>
          match[1]
            .trim()
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\s_-]/gu, '')
            .replace(/\s/g, '-'),
        ),
      );
    const docs = readdirSync(join(repoRoot, 'docs')).filter((file) => file.endsWith('.md'));
    const broken: string[] = [];
    let checked = 0;
    for (const doc of docs) {
      const text = readDoc(`docs/${doc}`).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const file = path === '' ? join(repoRoot, 'docs', doc) : join(repoRoot, 'docs', dirname(doc), path);
        checked += 1;
        if (!existsSync(file)) broken.push(`docs/${doc}: ${target} (no such file)`);
        else if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
          broken.push(`docs/${doc}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  test('Dependabot watches npm and the pinned actions', () => {
    const config = parse(readDoc('.github/dependabot.yml')) as {
      version: number;
      updates: { 'package-ecosystem': string; directory: string }[];
    };
    expect(config.version).toBe(2);
    expect(config.updates.map((update) => update['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
  });
});

describe('the smoke test staging and production run', () => {
  const commit = '0123456789abcdef0123456789abcdef01234567';
  const serve = listenOnLoopback;
  const demoApp = () => createApp({ version: '1.0.0', commit, environment: 'staging', logger: false }).callback();

  /** The `with:` of staging's smoke step, its expressions replaced by the local app's values. */
  function stagingSmokeInputs(url: string): Record<string, string> {
    const step = (workflowNamed('staging.yml').jobs?.deploy.steps ?? []).find((candidate) => candidate.id === 'smoke');
    if (!step?.with) throw new Error("staging.yml's deploy job has no step `smoke`");
    return Object.fromEntries(
      Object.entries(step.with).map(([name, value]) => {
        if (name === 'url') return [name, url];
        if (name === 'expect-version') return [name, commit];
        expect(String(value)).not.toContain('${{');
        return [name, String(value)];
      }),
    );
  }

  test('passes against the demo app with the checks file the workflows use', async () => {
    const app = await serve(demoApp());
    try {
      const run = await runAction('smoke-test', { inputs: stagingSmokeInputs(app.url), workspace: repoRoot });
      expect(run.errors).toEqual([]);
      expect(run.outputs.passed).toBe('true');
      expect(JSON.parse(run.outputs.results).length).toBeGreaterThanOrEqual(4);
    } finally {
      await app.close();
    }
  });

  test('fails when the app is not healthy', async () => {
    const healthy = demoApp();
    const app = await serve((request, response) => {
      if (request.url === '/health') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"degraded"}');
      } else healthy(request, response);
    });
    try {
      // A failing check is retried until the deadline; keep it short.
      const inputs = { ...stagingSmokeInputs(app.url), 'timeout-seconds': '2', 'interval-seconds': '1' };
      const run = await runAction('smoke-test', { inputs, workspace: repoRoot });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.passed).toBe('false');
      expect(run.errors.join('\n')).toMatch(/health/);
    } finally {
      await app.close();
    }
  });
});

describe('the scripts and files the workflows run', () => {
  const temp = temporaryFolder('shipyard-scripts-');
  const script = (name: string, args: string[], env: Record<string, string>) => {
    const summary = join(mkdtempSync(join(temp, 'run-')), 'summary.md');
    writeFileSync(summary, '');
    const result = spawnSync('bash', [join(repoRoot, '.github', 'scripts', name), ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, GITHUB_STEP_SUMMARY: summary, ...env },
    });
    return { ...result, summary: readFileSync(summary, 'utf8') };
  };

  test.each([
    [{ A: 'x', B: 'y' }, 0, []],
    [{ A: 'x', B: '' }, 1, ['B']],
    [{}, 1, ['A', 'B']],
  ])('require-config.sh with %j', (env, status, missing) => {
    const result = script('require-config.sh', ['A', 'B'], env);
    expect(result.status).toBe(status);
    const named = Array.from(
      result.stdout.matchAll(/^::error .*The repository variable (\w+) is not set/gm),
      (m) => m[1],
    );
    expect(named).toEqual(missing);
  });

  test('deploy-summary.sh writes a table of what it was given, and no empty rows', () => {
    const result = script('deploy-summary.sh', [], {
      SUMMARY_TITLE: 'Staging: pull request #7',
      SUMMARY_RESULT: 'success',
      SUMMARY_COMMIT: 'abc123',
      SUMMARY_IMAGE: '',
    });
    expect(result.status).toBe(0);
    expect(result.summary).toContain('## Staging: pull request #7');
    expect(result.summary).toContain('| result | success |');
    expect(result.summary).toContain('| commit | `abc123` |');
    expect(result.summary).not.toContain('| image |');
  });

  test('the emulator scenario ci starts the AWS emulator with is one it accepts', () => {
    const scenario = resolveScenario(JSON.parse(readDoc('.github/ci/aws-scenario.json')));
    // ci's deploy-ecs job deploys an image with this tag and expects the circuit breaker to trip.
    expect(scenario.ecs.failingImages.map((image) => image.pattern)).toContain(':crash-on-start');
    expect(readDoc('.github/workflows/ci.yml')).toContain(':crash-on-start');
  });
});

// ---------------------------------------------------------------------------------------------
// Every rule catches a bad example, and the same example written correctly passes: the rules
// can fail, and they do not fail on the right way of doing it.

const contracts: Record<string, ActionContract> = {
  'deploy-ecs': {
    inputs: { cluster: { default: 'default' }, service: {}, image: {}, 'container-name': {} },
    outputs: ['task-definition-arn', 'previous-task-definition-arn'],
  },
  'smoke-test': { inputs: { url: { required: true } }, outputs: ['passed', 'report'] },
  'pr-comment': { inputs: { token: { required: true, default: '${{ github.token }}' } }, outputs: ['pr-numbers'] },
};
const fakeContracts: ContractLookup = (action) => contracts[action];

const checkout = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1';
const awsCredentials = 'aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3';

/** A workflow whose single job `j` has the given lines (indented as a job's body). */
function workflow(job: string, { header = 'on: push\npermissions: {}', more = '' } = {}): string {
  const body = job
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return `${header}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n${body}\n${more}`;
}

const rulesBroken = (text: string, lookup: ContractLookup = fakeContracts) =>
  checkWorkflow(parseWorkflow('example.yml', text), lookup).map((violation) => violation.rule);

interface Example {
  rule: RuleId;
  what: string;
  bad: string;
  fixed: string;
}

const deploySteps = (cluster = 'staging') => `
steps:
  - uses: ./actions/deploy-ecs
    with:
      cluster: ${cluster}
`;

const productionJob = `permissions: {}\nenvironment: production\nconcurrency:\n  group: deploy-production\n  cancel-in-progress: false${deploySteps('production')}`;

const examples: Example[] = [
  {
    rule: 'pinned-uses',
    what: 'a tag',
    bad: workflow('permissions: {}\nsteps:\n  - uses: actions/setup-node@v7'),
    fixed: workflow(
      'permissions: {}\nsteps:\n  - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
    ),
  },
  {
    rule: 'pinned-uses',
    what: 'a branch',
    bad: workflow('permissions: {}\nsteps:\n  - uses: someone/action@main'),
    fixed: workflow(
      'permissions: {}\nsteps:\n  - uses: someone/action@0123456789abcdef0123456789abcdef01234567 # v2.1.0',
    ),
  },
  {
    rule: 'pinned-uses',
    what: 'a short SHA',
    bad: workflow('permissions: {}\nsteps:\n  - uses: someone/action@0123456 # v2'),
    fixed: workflow('permissions: {}\nsteps:\n  - uses: someone/action@0123456789abcdef0123456789abcdef01234567 # v2'),
  },
  {
    rule: 'pinned-uses',
    what: 'a SHA without its version comment',
    bad: workflow('permissions: {}\nsteps:\n  - uses: someone/action@0123456789abcdef0123456789abcdef01234567'),
    fixed: workflow(
      'permissions: {}\nsteps:\n  - uses: someone/action@0123456789abcdef0123456789abcdef01234567 # v1.2.3',
    ),
  },
  {
    rule: 'pinned-uses',
    what: 'a Docker image by tag',
    bad: workflow('permissions: {}\nsteps:\n  - uses: docker://alpine:3'),
    fixed: workflow(`permissions: {}\nsteps:\n  - uses: docker://alpine@sha256:${'a'.repeat(64)}`),
  },
  {
    rule: 'pinned-uses',
    what: 'a reusable workflow by tag',
    bad: 'on: push\npermissions: {}\njobs:\n  j:\n    permissions: {}\n    uses: someone/repo/.github/workflows/x.yml@v1\n',
    fixed:
      'on: push\npermissions: {}\njobs:\n  j:\n    permissions: {}\n    uses: someone/repo/.github/workflows/x.yml@0123456789abcdef0123456789abcdef01234567 # v1.0.0\n',
  },
  {
    rule: 'permissions',
    what: 'no top-level permissions',
    bad: workflow('permissions: {}\nsteps:\n  - run: "true"', { header: 'on: push' }),
    fixed: workflow('permissions: {}\nsteps:\n  - run: "true"', { header: 'on: push\npermissions: {}' }),
  },
  {
    rule: 'permissions',
    what: 'top-level write-all',
    bad: workflow('permissions: {}\nsteps:\n  - run: "true"', { header: 'on: push\npermissions: write-all' }),
    fixed: workflow('permissions: {}\nsteps:\n  - run: "true"', { header: 'on: push\npermissions:\n  contents: read' }),
  },
  {
    rule: 'permissions',
    what: 'a top-level write scope',
    bad: workflow('permissions: {}\nsteps:\n  - run: "true"', { header: 'on: push\npermissions:\n  contents: write' }),
    fixed: workflow('permissions: {}\nsteps:\n  - run: "true"', { header: 'on: push\npermissions:\n  contents: read' }),
  },
  {
    rule: 'permissions',
    what: 'a job without permissions',
    bad: workflow('steps:\n  - run: "true"'),
    fixed: workflow('permissions: {}\nsteps:\n  - run: "true"'),
  },
  {
    rule: 'permissions',
    what: 'a job with read-all',
    bad: workflow('permissions: read-all\nsteps:\n  - run: "true"'),
    fixed: workflow('permissions:\n  contents: read\nsteps:\n  - run: "true"'),
  },
  {
    rule: 'permissions',
    what: 'id-token: write without AWS',
    bad: workflow('permissions:\n  id-token: write\nsteps:\n  - run: "true"'),
    fixed: workflow('permissions: {}\nsteps:\n  - run: "true"'),
  },
  {
    rule: 'permissions',
    what: 'pull-requests: write outside the comment job',
    bad: workflow(
      `permissions:\n  pull-requests: write\nsteps:\n  - uses: ./actions/smoke-test\n    with:\n      url: http://x`,
    ),
    fixed: workflow(`permissions: {}\nsteps:\n  - uses: ./actions/smoke-test\n    with:\n      url: http://x`),
  },
  {
    rule: 'permissions',
    what: 'contents: write on a pull request',
    bad: workflow('permissions:\n  contents: write\nsteps:\n  - run: "true"', {
      header: 'on: pull_request\npermissions: {}',
    }),
    fixed: workflow('permissions:\n  contents: write\nsteps:\n  - run: "true"', {
      header: "on:\n  push:\n    tags: ['v*.*.*']\npermissions: {}",
    }),
  },
  {
    rule: 'permissions',
    what: 'a write scope nothing needs',
    bad: workflow('permissions:\n  issues: write\n  checks: write\nsteps:\n  - run: "true"'),
    fixed: workflow('permissions:\n  issues: read\nsteps:\n  - run: "true"'),
  },
  {
    rule: 'no-pull-request-target',
    what: 'pull_request_target',
    bad: workflow('permissions: {}\nsteps:\n  - run: "true"', {
      header: 'on:\n  pull_request_target:\npermissions: {}',
    }),
    fixed: workflow('permissions: {}\nsteps:\n  - run: "true"', { header: 'on:\n  pull_request:\npermissions: {}' }),
  },
  ...[
    'github.event.pull_request.title',
    'github.event.pull_request.body',
    'github.event.pull_request.head.ref',
    'github.event.pull_request.head.label',
    'github.head_ref',
    'github.event.issue.title',
    'github.event.comment.body',
    'github.event.review.body',
    'github.event.head_commit.message',
    'github.event.commits[0].message',
    'github.event.head_commit.author.email',
    'github.event.workflow_run.head_branch',
    'toJSON(github.event)',
    'github.event',
  ].map((context): Example => ({
    rule: 'untrusted-context-in-run',
    what: context,
    bad: workflow(`permissions: {}\nsteps:\n  - run: echo "\${{ ${context} }}"`),
    fixed: workflow(`permissions: {}\nsteps:\n  - run: echo "$VALUE"\n    env:\n      VALUE: \${{ ${context} }}`),
  })),
  {
    rule: 'untrusted-context-in-run',
    what: "github-script's script",
    bad: workflow(
      'permissions: {}\nsteps:\n  - uses: actions/github-script@0123456789abcdef0123456789abcdef01234567 # v8.0.0\n    with:\n      script: console.log("${{ github.event.pull_request.body }}")',
    ),
    fixed: workflow(
      'permissions: {}\nsteps:\n  - uses: actions/github-script@0123456789abcdef0123456789abcdef01234567 # v8.0.0\n    env:\n      BODY: ${{ github.event.pull_request.body }}\n    with:\n      script: console.log(process.env.BODY)',
    ),
  },
  {
    rule: 'checkout-credentials',
    what: 'checkout with its defaults',
    bad: workflow(`permissions:\n  contents: read\nsteps:\n  - uses: ${checkout}`),
    fixed: workflow(
      `permissions:\n  contents: read\nsteps:\n  - uses: ${checkout}\n    with:\n      persist-credentials: false`,
    ),
  },
  {
    rule: 'checkout-credentials',
    what: 'persist-credentials: true',
    bad: workflow(
      `permissions:\n  contents: read\nsteps:\n  - uses: ${checkout}\n    with:\n      persist-credentials: true`,
    ),
    fixed: workflow(
      `permissions:\n  contents: read\nsteps:\n  - uses: ${checkout}\n    with:\n      persist-credentials: "false"`,
    ),
  },
  {
    rule: 'aws-oidc',
    what: 'stored access keys',
    bad: workflow(
      `environment: staging\npermissions: {}\nsteps:\n  - uses: ${awsCredentials}\n    with:\n      aws-access-key-id: \${{ secrets.KEY }}\n      aws-secret-access-key: \${{ secrets.SECRET }}\n      role-to-assume: arn\n      allowed-account-ids: "1"`,
    ),
    fixed: workflow(
      `environment: staging\npermissions:\n  id-token: write\nsteps:\n  - uses: ${awsCredentials}\n    with:\n      role-to-assume: arn\n      allowed-account-ids: "1"`,
    ),
  },
  {
    rule: 'aws-oidc',
    what: 'no allowed-account-ids',
    bad: workflow(
      `environment: staging\npermissions:\n  id-token: write\nsteps:\n  - uses: ${awsCredentials}\n    with:\n      role-to-assume: arn`,
    ),
    fixed: workflow(
      `environment: staging\npermissions:\n  id-token: write\nsteps:\n  - uses: ${awsCredentials}\n    with:\n      role-to-assume: arn\n      allowed-account-ids: "1"`,
    ),
  },
  {
    rule: 'aws-oidc',
    what: 'AWS outside an environment',
    bad: workflow(
      `permissions:\n  id-token: write\nsteps:\n  - uses: ${awsCredentials}\n    with:\n      role-to-assume: arn\n      allowed-account-ids: "1"`,
    ),
    fixed: workflow(
      `environment: staging\npermissions:\n  id-token: write\nsteps:\n  - uses: ${awsCredentials}\n    with:\n      role-to-assume: arn\n      allowed-account-ids: "1"`,
    ),
  },
  {
    rule: 'deploy-job',
    what: 'a deploy without an environment',
    bad: workflow(`permissions: {}\nconcurrency: deploy-staging${deploySteps()}`),
    fixed: workflow(`permissions: {}\nenvironment: staging\nconcurrency: deploy-staging${deploySteps()}`),
  },
  {
    rule: 'deploy-job',
    what: 'a deploy to an endpoint that is not a loopback emulator',
    bad: workflow(`permissions: {}\nenv:\n  AWS_ENDPOINT_URL: http://ecs.internal.example.com${deploySteps()}`),
    fixed: workflow(`permissions: {}\nenv:\n  AWS_ENDPOINT_URL: http://127.0.0.1:4566${deploySteps()}`),
  },
  {
    rule: 'deploy-job',
    what: 'a deploy without a concurrency group',
    bad: workflow(`permissions: {}\nenvironment: staging${deploySteps()}`),
    fixed: workflow(`permissions: {}\nenvironment: staging\nconcurrency: deploy-staging${deploySteps()}`),
  },
  {
    rule: 'deploy-job',
    what: 'a concurrency group shared by environments',
    bad: workflow(`permissions: {}\nenvironment: staging\nconcurrency: deploy${deploySteps()}`),
    fixed: workflow(`permissions: {}\nenvironment: staging\nconcurrency: deploy-staging${deploySteps()}`),
  },
  {
    rule: 'deploy-job',
    what: 'production cancelled by its own group',
    bad: workflow(
      `permissions: {}\nenvironment:\n  name: production\nconcurrency:\n  group: deploy-production\n  cancel-in-progress: true${deploySteps('production')}`,
    ),
    fixed: workflow(
      `permissions: {}\nenvironment:\n  name: production\nconcurrency:\n  group: deploy-production\n  cancel-in-progress: false${deploySteps('production')}`,
    ),
  },
  {
    rule: 'deploy-job',
    what: 'production without an explicit cancel-in-progress: false',
    bad: workflow(
      `permissions: {}\nenvironment: production\nconcurrency: deploy-production${deploySteps('production')}`,
    ),
    fixed: workflow(
      `permissions: {}\nenvironment: production\nconcurrency:\n  group: deploy-production\n  cancel-in-progress: false${deploySteps('production')}`,
    ),
  },
  {
    rule: 'deploy-job',
    what: "production cancelled by the workflow's group",
    bad: workflow(productionJob, {
      header: 'on: push\npermissions: {}\nconcurrency:\n  group: prod-${{ github.ref }}\n  cancel-in-progress: true',
    }),
    fixed: workflow(productionJob, {
      header: 'on: push\npermissions: {}\nconcurrency:\n  group: prod-${{ github.ref }}',
    }),
  },
  {
    rule: 'action-contract',
    what: 'an input the action does not declare',
    bad: workflow(
      'permissions: {}\nsteps:\n  - uses: ./actions/smoke-test\n    with:\n      url: http://x\n      expected: abc',
    ),
    fixed: workflow('permissions: {}\nsteps:\n  - uses: ./actions/smoke-test\n    with:\n      url: http://x'),
  },
  {
    rule: 'action-contract',
    what: 'a required input left out',
    bad: workflow('permissions: {}\nsteps:\n  - uses: ./actions/smoke-test'),
    fixed: workflow('permissions: {}\nsteps:\n  - uses: ./actions/smoke-test\n    with:\n      url: http://x'),
  },
  {
    rule: 'action-contract',
    what: 'an output the action does not declare',
    bad: workflow(
      'permissions: {}\nsteps:\n  - id: smoke\n    uses: ./actions/smoke-test\n    with:\n      url: http://x\n  - run: echo "$R"\n    env:\n      R: ${{ steps.smoke.outputs.summary }}',
    ),
    fixed: workflow(
      'permissions: {}\nsteps:\n  - id: smoke\n    uses: ./actions/smoke-test\n    with:\n      url: http://x\n  - run: echo "$R"\n    env:\n      R: ${{ steps.smoke.outputs.report }}',
    ),
  },
  {
    rule: 'action-contract',
    what: "a job output read from another action's undeclared output",
    bad: workflow(
      'permissions: {}\noutputs:\n  arn: ${{ steps.deploy.outputs.task-definition }}\nenvironment: staging\nconcurrency: deploy-staging\nsteps:\n  - id: deploy\n    uses: ./actions/deploy-ecs',
    ),
    fixed: workflow(
      'permissions: {}\noutputs:\n  arn: ${{ steps.deploy.outputs.task-definition-arn }}\nenvironment: staging\nconcurrency: deploy-staging\nsteps:\n  - id: deploy\n    uses: ./actions/deploy-ecs',
    ),
  },
  {
    rule: 'action-contract',
    what: 'a step id that does not exist',
    bad: workflow(
      'permissions: {}\nsteps:\n  - id: smoke\n    uses: ./actions/smoke-test\n    with:\n      url: http://x\n  - if: steps.smok.outputs.passed == \'true\'\n    run: "true"',
    ),
    fixed: workflow(
      'permissions: {}\nsteps:\n  - id: smoke\n    uses: ./actions/smoke-test\n    with:\n      url: http://x\n  - if: steps.smoke.outputs.passed == \'true\'\n    run: "true"',
    ),
  },
  {
    rule: 'action-contract',
    what: 'an action whose action.yml is missing',
    bad: workflow('permissions: {}\nsteps:\n  - uses: ./actions/no-such-action'),
    fixed: workflow('permissions: {}\nsteps:\n  - uses: ./actions/pr-comment'),
  },
  {
    rule: 'action-contract',
    what: 'an output of another job that it does not declare',
    bad: workflow('permissions: {}\noutputs:\n  a: x\nsteps:\n  - run: "true"', {
      more: '  k:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    needs: j\n    permissions: {}\n    steps:\n      - run: echo "$B"\n        env:\n          B: ${{ needs.j.outputs.b }}\n',
    }),
    fixed: workflow('permissions: {}\noutputs:\n  a: x\nsteps:\n  - run: "true"', {
      more: '  k:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    needs: j\n    permissions: {}\n    steps:\n      - run: echo "$B"\n        env:\n          B: ${{ needs.j.outputs.a }}\n',
    }),
  },
];

examples.push({
  rule: 'job-timeout',
  what: 'a job without a timeout',
  bad: 'on: push\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    permissions: {}\n    steps:\n      - run: "true"\n',
  fixed:
    'on: push\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    permissions: {}\n    steps:\n      - run: "true"\n',
});

describe('each rule catches a bad example', () => {
  test.each(examples)('$rule: $what', ({ rule, bad, fixed }) => {
    const broken = rulesBroken(bad);
    expect(broken).toContain(rule);
    // The example breaks only the rule it is about, and the fix breaks nothing.
    expect(new Set(broken)).toEqual(new Set([rule]));
    expect(rulesBroken(fixed)).toEqual([]);
  });

  test('every rule has an example', () => {
    const covered = new Set<RuleId>([...examples.map((example) => example.rule), 'consistent-pins']);
    expect([...covered].sort()).toEqual(
      [
        'action-contract',
        'aws-oidc',
        'checkout-credentials',
        'consistent-pins',
        'deploy-job',
        'job-timeout',
        'no-pull-request-target',
        'permissions',
        'pinned-uses',
        'untrusted-context-in-run',
      ].sort(),
    );
  });

  test('consistent-pins: one action pinned to two commits', () => {
    const pinned = (sha: string) => workflow(`permissions: {}\nsteps:\n  - uses: actions/setup-node@${sha} # v7.0.0`);
    const a = parseWorkflow('a.yml', pinned('820762786026740c76f36085b0efc47a31fe5020'));
    const b = parseWorkflow('b.yml', pinned('0123456789abcdef0123456789abcdef01234567'));
    expect(consistentPins([a, b]).map((violation) => violation.rule)).toEqual(['consistent-pins']);
    expect(consistentPins([a, a])).toEqual([]);
  });

  test('a violation names the file and line', () => {
    const [violation] = checkWorkflow(
      parseWorkflow('example.yml', workflow('permissions: {}\nsteps:\n  - uses: someone/action@main')),
      fakeContracts,
    );
    expect(formatViolation(violation)).toMatch(/^example\.yml:9 \(job j\) \[pinned-uses\] someone\/action@main/);
  });
});

describe('action contracts come from action.yml', () => {
  const root = temporaryFolder('shipyard-policy-');
  mkdirSync(join(root, 'actions', 'example'), { recursive: true });
  writeFileSync(
    join(root, 'actions', 'example', 'action.yml'),
    [
      'name: example',
      'inputs:',
      '  needed: { description: d, required: true }',
      '  defaulted: { description: d, required: true, default: x }',
      '  optional: { description: d }',
      'outputs:',
      '  result: { description: d }',
      'runs: { using: node24, main: dist/index.js }',
    ].join('\n'),
  );
  const lookup = actionContractsFrom(root);

  test('inputs and outputs are read from the file', () => {
    expect(lookup('example')).toEqual({
      inputs: {
        needed: { description: 'd', required: true },
        defaulted: { description: 'd', required: true, default: 'x' },
        optional: { description: 'd' },
      },
      outputs: ['result'],
    });
    expect(lookup('absent')).toBeUndefined();
  });

  test.each([
    ['needed: a', []],
    ['optional: a', ['action-contract']],
    ['needed: a\n      other: b', ['action-contract']],
  ])('with %j', (given, expected) => {
    const text = workflow(`permissions: {}\nsteps:\n  - uses: ./actions/example\n    with:\n      ${given}`);
    expect(rulesBroken(text, lookup)).toEqual(expected);
  });
});
