import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { temporaryFolder } from '@shipyard/harness/temp';
import type { StepRecord } from '../engine/run.js';
import { dockerUnavailable, storyUnavailable } from '../machine.js';
import { playStory, type StoryResult } from '../story.js';

/**
 * `npm run rehearse` with assertions: the whole story of issue 14, on a machine with Docker (the
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

    const stage = (index: number) => result.stages[index].run;
    const step = (index: number, job: string, id: string): StepRecord | undefined =>
      stage(index)
        .jobs.find((j) => j.id === job)
        ?.steps.find((s) => s.id === id && !s.post);

    test('every check of the story holds, and it exits 0', () => {
      expect(result.checks.filter((check) => !check.ok)).toEqual([]);
      expect(result.exitCode).toBe(0);
      expect(result.machine).toBe(kind);
    });

    test("A's digest, the one staging tested, runs in production, promoted not rebuilt", () => {
      expect(result.seen.stagingDigestA).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(result.seen.productionImage).toMatch(new RegExp(`@${result.seen.stagingDigestA}$`));
      expect(step(2, 'deploy', 'promote')?.outcome).toBe('success');
      expect(step(2, 'deploy', 'build')?.outcome).toBe('skipped');
      expect(result.figures['digest in production = digest staging tested']).toBe('yes');
    });

    test('exactly one comment on A (after the rerun too), none on B, Slack told', () => {
      expect(result.seen.commentsOnA).toHaveLength(1);
      expect(result.seen.commentsOnA[0]).toContain(result.seen.stagingDigestA);
      expect(result.seen.commentsOnB).toBe(0);
      expect(result.seen.slackMessages).toBeGreaterThanOrEqual(1);
      expect(printed).toContain(`The comment pull request #${result.seen.pullA} (A) received`);
    });

    test("B left staging on A's revision, serving A's commit", () => {
      expect(result.seen.stagingTaskDefinitionA).toMatch(/task-definition\/shipyard-demo-staging:\d+$/);
      expect(result.seen.stagingTaskDefinitionAfterB).toBe(result.seen.stagingTaskDefinitionA);
      expect(result.seen.stagingCommitAfterB).toBe(result.seen.commitA);
    });

    test("B's gate failed, and its deploy summary gives the stopped reason and the exit code", () => {
      const deploy = step(1, 'deploy', 'deploy');
      expect(deploy?.outcome).toBe('failure');
      expect(deploy?.outputs['rolled-back']).toBe('true');
      expect(deploy?.summary).toContain('Essential container in task exited');
      expect(deploy?.summary).toMatch(/exit code:? 1\b|exit(ed)? (with )?(code )?1\b/i);
      expect(stage(1).jobs.find((j) => j.id === 'gate')?.result).toBe('failure');
      expect(step(1, 'deploy', 'smoke')?.outcome).toBe('skipped');
    });

    test("B's crash is explained: the exit code and the app's last log line, in the deploy's log and summary, the printed story and the report", () => {
      const deploy = step(1, 'deploy', 'deploy');
      // What B's app prints as it throws at start-up (B_CRASH_LINE), read back from CloudWatch Logs.
      const crash = /Error: GREETING_URL is not set: the greeting service cannot be reached/;
      const log = deploy?.log.join('\n') ?? '';
      expect(log).toMatch(/Last log lines of app \(\/ecs\/shipyard-demo staging\/app\/[^)\s]+\):/);
      expect(log).toMatch(new RegExp(`^ *\\| .*${crash.source}`, 'm'));
      expect(log).toMatch(/\bexit(ed)?( with)?( code)? 1\b/i);
      const summary = deploy?.summary ?? '';
      expect(summary).toMatch(/\bapp: exit 1\b/);
      expect(summary).toContain('Last log lines of stopped tasks');
      expect(summary).toMatch(/Last log lines of app: \/ecs\/shipyard-demo staging\/app\//);
      expect(summary).toMatch(crash);
      expect(printed).toMatch(crash);
      expect(readFileSync(result.reportPath, 'utf8')).toMatch(crash);
    });

    test('the rerun of production registers no revision and succeeds', () => {
      expect(stage(3).conclusion).toBe('success');
      expect(result.seen.revisionsAfterRerun).toBe(result.seen.revisionsBeforeRerun);
    });

    test('prints stages, figures and the report', () => {
      expect(printed).toContain('Standing in here:');
      expect(printed).toMatch(/▶ job deploy to staging \[environment staging; concurrency deploy-staging\]/);
      expect(printed).toContain('Figures');
      for (const name of [
        'pull request opened -> staging-passed (s)',
        'merge -> production serving the new version (s)',
        'broken image -> red (s)',
      ])
        expect(result.figures[name]).toMatch(/^\d+\.\d$/);
      const report = readFileSync(result.reportPath, 'utf8');
      expect(report).toContain('## staging (staging.yml, on pull_request)');
      expect(report).toContain('## production (production.yml, on push)');
      expect(report).toContain('| digest in production = digest staging tested | yes |');
    });
  });
});
