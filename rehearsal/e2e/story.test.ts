import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { temporaryFolder } from '@shipyard/harness/temp';
import type { StepRecord } from '../engine/run.js';
import { dockerUnavailable, storyUnavailable } from '../machine.js';
import { playStory, type StoryResult } from '../story.js';

/**
 * `npm run rehearse` with assertions: the whole story of issues 14 and 16, on a machine with Docker (the
 * images built by the engine, the tasks its containers) and on one without (the process builder,
 * the tasks local processes). Figures are printed by the story, never asserted.
 */

const skipAll = storyUnavailable();
const noDocker = dockerUnavailable();
if (skipAll) console.warn(`the rehearsal story skipped: ${skipAll}`);
else if (noDocker) console.warn(`the rehearsal story on a Docker machine skipped: ${noDocker}`);

const machines = [
  { kind: 'process' as const, skip: skipAll },
  { kind: 'docker' as const, skip: skipAll ?? noDocker },
];

describe.each(machines)('npm run rehearse on a $kind machine', ({ kind, skip }) => {
  const suite = skip ? describe.skip : describe;
  suite('the story', () => {
    let result: StoryResult;
    let printed = '';
    let folder = '';

    beforeAll(async () => {
      folder = temporaryFolder('rehearsal-story-');
      const output: string[] = [];
      result = await playStory({
        write: (text) => output.push(text),
        reportPath: join(folder, 'report.md'),
        machine: kind,
      });
      printed = output.join('');
    }, 900_000);

    const stage = (key: string, index = 0) => {
      const found = result.stages.find((candidate) => candidate.key === key);
      if (!found) throw new Error(`the story has no stage '${key}'`);
      return found.runs[index];
    };
    const step = (key: string, index: number, job: string, id: string): StepRecord | undefined =>
      stage(key, index)
        .jobs.find((j) => j.id === job)
        ?.steps.find((s) => s.id === id && !s.post);

    test('every check of the story holds, and it exits 0', () => {
      expect(result.checks.filter((check) => !check.ok)).toEqual([]);
      expect(result.exitCode).toBe(0);
      expect(result.machine).toBe(kind);
      expect(result.stages.map((s) => s.key)).toEqual([
        'previews A+B',
        'close B',
        'merge queue',
        'close A',
        'production',
        'production rerun',
      ]);
    });

    test('A and B ran at the same time, each deploying a preview of its own in its own queue', () => {
      expect(result.seen.overlapMs).toBeGreaterThan(0);
      expect(result.seen.previewsLiveTogether).toBe(true);
      for (const [index, pull] of [
        [0, result.seen.pullA],
        [1, result.seen.pullB],
      ] as const) {
        const run = stage('previews A+B', index);
        expect(run.event).toBe('pull_request');
        const preview = run.jobs.find((j) => j.id === 'preview');
        expect(preview).toMatchObject({
          environment: { name: 'preview' },
          concurrency: { group: `deploy-preview-pr-${pull}`, cancelInProgress: false },
        });
        expect(run.jobs.find((j) => j.id === 'deploy')?.result).toBe('skipped');
      }
      expect(step('previews A+B', 0, 'preview', 'up')?.outputs).toMatchObject({
        url: result.seen.previewUrlA,
        service: `shipyard-demo-staging-pr-${result.seen.pullA}`,
        created: 'true',
      });
      // The two runs' lines, interleaved, each behind its pull request's mark.
      expect(printed).toMatch(
        /^\[A\] ▶ job deploy the preview \[environment preview; concurrency deploy-preview-pr-\d+\]$/m,
      );
      expect(printed).toMatch(
        /^\[B\] ▶ job deploy the preview \[environment preview; concurrency deploy-preview-pr-\d+\]$/m,
      );
    });

    test("A's preview served A's commit at its own host name, through the staging load balancer", () => {
      expect(result.seen.previewUrlA).toBe(`http://pr-${result.seen.pullA}.preview.rehearsal.test`);
      expect(result.seen.previewCommitA).toBe(result.seen.commitA);
      expect(step('previews A+B', 0, 'preview', 'smoke')?.outcome).toBe('success');
      expect(stage('previews A+B', 0).jobs.find((j) => j.id === 'gate')?.result).toBe('success');
      expect(result.seen.previewCommentOnA).toContain(result.seen.previewUrlA);
    });

    test("B's gate failed, and its preview's deploy gives the stopped reason, the exit code and the app's last log line", () => {
      const deploy = step('previews A+B', 1, 'preview', 'deploy');
      expect(deploy?.outcome).toBe('failure');
      expect(stage('previews A+B', 1).jobs.find((j) => j.id === 'gate')?.result).toBe('failure');
      expect(step('previews A+B', 1, 'preview', 'smoke')?.outcome).toBe('skipped');
      // What B's app prints as it throws at start-up (B_CRASH_LINE), read back from CloudWatch Logs.
      const crash = /Error: GREETING_URL is not set: the greeting service cannot be reached/;
      const log = deploy?.log.join('\n') ?? '';
      expect(log).toMatch(/Last log lines of app \(\/ecs\/shipyard-demo [^)\s]+\):/);
      expect(log).toMatch(new RegExp(`^ *\\| .*${crash.source}`, 'm'));
      expect(log).toMatch(/\bexit(ed)?( with)?( code)? 1\b/i);
      const summary = deploy?.summary ?? '';
      expect(summary).toContain('Essential container in task exited');
      expect(summary).toMatch(/\bapp: exit 1\b/);
      expect(summary).toMatch(crash);
      expect(printed).toMatch(crash);
      expect(readFileSync(result.reportPath, 'utf8')).toMatch(crash);
    });

    test("closing B removed everything its preview created, and B's comment says so; A's went when it merged", () => {
      expect(result.seen.leftOfB).toEqual([]);
      expect(result.seen.leftOfA).toEqual([]);
      expect(step('close B', 0, 'remove-preview', 'down')?.outputs.removed).toBe(String(result.seen.pullB));
      expect(result.seen.previewCommentOnB).toMatch(/removed/i);
      expect(stage('close B').jobs.find((j) => j.id === 'gate')?.result).toBe('skipped');
    });

    test('the merge queue tested the merge group commit on staging, and exactly that commit landed on main', () => {
      const run = stage('merge queue');
      expect(run.event).toBe('merge_group');
      expect(run.jobs.find((j) => j.id === 'deploy')).toMatchObject({
        result: 'success',
        concurrency: { group: 'deploy-staging' },
      });
      expect(run.jobs.find((j) => j.id === 'preview')?.result).toBe('skipped');
      expect(result.seen.mainAfterQueue).toBe(result.seen.mergeGroupSha);
    });

    test('the digest the merge group tested runs in production, promoted not rebuilt', () => {
      expect(result.seen.mergeGroupDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(result.seen.productionImage).toMatch(new RegExp(`@${result.seen.mergeGroupDigest}$`));
      expect(step('production', 0, 'deploy', 'promote')?.outcome).toBe('success');
      expect(step('production', 0, 'deploy', 'build')?.outcome).toBe('skipped');
      expect(result.figures['digest in production = digest the merge group tested']).toBe('yes');
    });

    test('exactly one production comment on A (after the rerun too), Slack told', () => {
      expect(result.seen.productionComments).toHaveLength(1);
      expect(result.seen.productionComments[0]).toContain(result.seen.mergeGroupDigest);
      expect(result.seen.slackMessages).toBeGreaterThanOrEqual(1);
      expect(printed).toContain(`The comments pull request #${result.seen.pullA} (A) received`);
    });

    test('the rerun of production registers no revision and succeeds', () => {
      expect(stage('production rerun').conclusion).toBe('success');
      expect(result.seen.revisionsAfterRerun).toBe(result.seen.revisionsBeforeRerun);
    });

    test('prints stages, figures and the report', () => {
      expect(printed).toContain('Standing in here:');
      expect(printed).toMatch(/▶ job deploy to staging \[environment staging; concurrency deploy-staging\]/);
      expect(printed).toContain('Figures');
      for (const name of [
        'pull request opened -> staging-passed on its preview (s)',
        'broken image -> red (s)',
        'two previews in flight at once (s)',
        'closed -> preview removed (s)',
        'queued -> merged (s)',
        'merge -> production serving the new version (s)',
      ])
        expect(result.figures[name]).toMatch(/^\d+\.\d$/);
      const report = readFileSync(result.reportPath, 'utf8');
      expect(report).toContain('## staging (staging.yml, on pull_request)');
      expect(report).toContain('## staging (staging.yml, on merge_group)');
      expect(report).toContain('## production (production.yml, on push)');
      expect(report).toContain('| digest in production = digest the merge group tested | yes |');
    });
  });
});
