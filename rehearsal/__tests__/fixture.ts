import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { temporaryFolder } from '@shipyard/harness/temp';
import { runWorkflow, type EventSpec, type RunOptions, type RunRecord, type StepRecord } from '../engine/run.js';

/**
 * A throwaway git repository holding one workflow and small node actions, so the engine can be
 * run on the constructs under test: the checkout, the bundles, the file commands are all real.
 */

export const ECHO_ACTION = {
  'actions/echo/action.yml': `name: echo
inputs:
  text:
    description: what to echo
    default: hello
  token:
    default: \${{ github.token }}
  secret-value:
    default: ''
outputs:
  said: { description: the text }
runs:
  using: node24
  main: dist/index.js
  post: dist/post.js
`,
  'actions/echo/dist/index.js': `const fs = require('node:fs');
const text = process.env.INPUT_TEXT;
if (process.env['INPUT_SECRET-VALUE']) console.log('::add-mask::' + process.env['INPUT_SECRET-VALUE']);
console.log('says ' + text + ' ' + (process.env['INPUT_SECRET-VALUE'] || ''));
fs.appendFileSync(process.env.GITHUB_OUTPUT, 'said=' + text + '\\n');
fs.appendFileSync(process.env.GITHUB_OUTPUT, 'token-length=' + process.env.INPUT_TOKEN.length + '\\n');
fs.appendFileSync(process.env.GITHUB_STATE, 'remember=' + text + '\\n');
fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, '## Echo\\n\\n| said | where |\\n| --- | --- |\\n| ' + text + ' | here |\\n');
if (text === 'fail') { console.log('::error title=Echo failed::it was asked to'); process.exit(1); }
`,
  'actions/echo/dist/post.js': `console.log('post remembers ' + process.env.STATE_remember);\n`,
};

export interface Fixture {
  repo: string;
  sha: string;
  close(): void;
}

export function makeRepository(files: Record<string, string>): Fixture {
  const repo = temporaryFolder('rehearsal-fixture-');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    ).trim();
  git('init', '--quiet');
  git('add', '.');
  git('commit', '--quiet', '-m', 'fixture');
  return { repo, sha: git('rev-parse', 'HEAD'), close: () => rmSync(repo, { recursive: true, force: true }) };
}

export const CHECKOUT = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1';

export function pushEvent(sha: string): EventSpec {
  return {
    name: 'push',
    payload: {
      ref: 'refs/heads/main',
      after: sha,
      repository: { full_name: 'octo-org/fixture' },
      sender: { login: 'alice' },
    },
  };
}

/** Run `workflow` (the YAML text) in a fresh fixture repository holding the echo action. */
export async function runFixture(
  workflow: string,
  options: Partial<RunOptions> & { files?: Record<string, string> } = {},
): Promise<RunRecord> {
  const fixture = makeRepository({ ...ECHO_ACTION, ...(options.files ?? {}), '.github/workflows/w.yml': workflow });
  try {
    return await runWorkflow({
      workflow: join(fixture.repo, '.github/workflows/w.yml'),
      event: pushEvent(fixture.sha),
      repository: fixture.repo,
      ...options,
    });
  } finally {
    fixture.close();
  }
}

export function step(run: RunRecord, job: string, label: string): StepRecord {
  const found = run.jobs.find((j) => j.id === job)?.steps.find((s) => s.label === label || s.id === label);
  if (!found) throw new Error(`no step ${label} in job ${job}`);
  return found;
}
