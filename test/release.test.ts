import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';

// What users write, `uses: <owner>/shipyard/actions/<name>@v1`, only works if the release workflow
// moves that very major tag and <name> is an action this repository has. The workflow computes the
// major tag from the release tag, so its own script is run here on this package's version.

interface Step {
  name?: string;
  id?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Workflow {
  on: { push: { tags: string[] } };
  jobs: Record<string, { steps: Step[]; outputs?: Record<string, string> }>;
}

const workflowPath = join(repoRoot, '.github', 'workflows', 'release.yml');
const workflowText = readFileSync(workflowPath, 'utf8');
const workflow = parseYaml(workflowText) as Workflow;
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

const actions = readdirSync(join(repoRoot, 'actions')).filter((name) =>
  existsSync(join(repoRoot, 'actions', name, 'action.yml')),
);

/** README.md, docs/*.md, each action's README and the release workflow itself. */
const documents = [
  join(repoRoot, 'README.md'),
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(repoRoot, 'docs', name)),
  ...actions.map((name) => join(repoRoot, 'actions', name, 'README.md')),
  workflowPath,
];

interface Reference {
  file: string;
  line: number;
  text: string;
  owner: string;
  action: string;
  ref: string | undefined;
}

/** Every `<owner>/shipyard/actions/<name>[@ref]` (the ref may be a `<placeholder>`). */
function references(file: string): Reference[] {
  const found: Reference[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      for (const match of text.matchAll(/([\w<>.-]+)\/shipyard\/actions\/([\w<>.-]+)(?:@(<[^>]*>|[\w.-]+))?/g)) {
        found.push({
          file: relative(repoRoot, file),
          line: index + 1,
          text: match[0],
          owner: match[1],
          action: match[2],
          ref: match[3],
        });
      }
    });
  return found;
}

const allReferences = documents.flatMap(references);

let major: string;
let moveMajor: string;
let temp: string;

beforeAll(() => {
  // The workflow's own "read the version from the tag" step, on a repository tagged v<version>.
  temp = temporaryFolder('shipyard-release-');
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd: temp, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  };
  const identity = ['-c', 'user.name=Release Test', '-c', 'user.email=release@example.com'];
  git('init', '--quiet');
  git(...identity, 'commit', '--quiet', '--allow-empty', '-m', 'a release');
  git(...identity, 'tag', '-a', `v${version}`, '-m', `v${version}`);

  const step = workflow.jobs.verify.steps.find((each) => each.id === 'version');
  if (!step?.run) throw new Error('release.yml: the verify job has no `version` step');
  const output = join(temp, 'github-output');
  writeFileSync(output, '');
  const result = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', step.run], {
    cwd: temp,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: temp, TAG: `v${version}`, GITHUB_OUTPUT: output },
  });
  if (result.status !== 0) throw new Error(`the version step failed: ${result.stdout}${result.stderr}`);
  const outputs = Object.fromEntries(
    readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  major = outputs.major;
  moveMajor = outputs['move-major'];
});

describe('the release workflow and the docs agree on the major tag', () => {
  test('releasing this version (package.json) moves the major tag v1', () => {
    expect(workflow.on.push.tags).toEqual(['v*.*.*']);
    expect({ major, moveMajor }).toEqual({ major: `v${version.split('.')[0]}`, moveMajor: 'true' });
    expect(major).toBe('v1');
  });

  test('the step that moves it moves the tag the version step computed', () => {
    expect(workflow.jobs.verify.outputs?.major).toBe('${{ steps.version.outputs.major }}');
    const move = Object.values(workflow.jobs)
      .flatMap((job) => job.steps)
      .find((step) => step.name === 'Move the major tag');
    expect(move?.env?.MAJOR).toBe('${{ needs.verify.outputs.major }}');
    expect(move?.run).toContain('refs/tags/$MAJOR');
  });

  test('the README, docs, action READMEs and the workflow reference the actions', () => {
    const files = new Set(allReferences.map((each) => each.file));
    expect([...files]).toEqual(
      expect.arrayContaining(['README.md', ...actions.map((name) => `actions/${name}/README.md`)]),
    );
    // Each action is referenced by name at least once, from the README's example or its own README.
    for (const name of actions) expect(allReferences.some((each) => each.action === name)).toBe(true);
  });

  test('every reference names an action that exists, as <owner>/shipyard/actions/<name>', () => {
    const wrong = allReferences.filter(
      (each) => each.owner !== '<owner>' || !(actions.includes(each.action) || each.action === '<name>'),
    );
    expect(wrong).toEqual([]);
  });

  test('every reference uses the major tag the workflow moves (or pins a full commit SHA)', () => {
    const pinned = (ref: string) => /^[0-9a-f]{40}$/.test(ref) || /^<[^>]*\bSHA\b[^>]*>$/.test(ref);
    const wrong = allReferences.filter((each) => each.ref === undefined || (each.ref !== major && !pinned(each.ref)));
    expect(wrong).toEqual([]);
    expect(allReferences.filter((each) => each.ref === major).length).toBeGreaterThan(actions.length);
  });

  test('prose that names the tag users reference (`@vN`) names the same one', () => {
    const mentions = documents.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/`@(v\d+)`/g)].map((match) => ({
        file: relative(repoRoot, file),
        tag: match[1],
      })),
    );
    expect(mentions.length).toBeGreaterThan(0);
    expect(mentions.filter((each) => each.tag !== major)).toEqual([]);
  });

  test('the check catches a wrong major tag and an action that does not exist', () => {
    const probe = join(temp, 'probe.md');
    writeFileSync(
      probe,
      [
        'uses: <owner>/shipyard/actions/deploy-ecs@v2',
        'uses: <owner>/shipyard/actions/deploy-eks@v1',
        'uses: <owner>/shipyard/actions/smoke-test',
      ].join('\n'),
    );
    const found = references(probe);
    expect(found.map(({ action, ref }) => ({ action, ref }))).toEqual([
      { action: 'deploy-ecs', ref: 'v2' },
      { action: 'deploy-eks', ref: 'v1' },
      { action: 'smoke-test', ref: undefined },
    ]);
    expect(found.filter((each) => each.ref !== major)).toHaveLength(2);
    expect(found.filter((each) => !actions.includes(each.action))).toHaveLength(1);
  });
});
