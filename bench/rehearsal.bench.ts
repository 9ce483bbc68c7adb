// The rehearsal's figures (issue 14): `npm run rehearse`'s story played on each kind of machine
// this one can be, a Docker machine (where an engine and the local base image answer) and one
// without an engine (the process builder), with each run's figures side by side.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryFolder } from '@shipyard/harness/temp';
import { dockerUnavailable, type MachineKind } from '../rehearsal/machine.js';
import { playStory, type StoryResult } from '../rehearsal/story.js';
import { notMeasured, type BenchSection } from './lib.js';

export default async function rehearsalBenchmark(): Promise<BenchSection> {
  const noDocker = dockerUnavailable();
  const results = new Map<MachineKind, StoryResult | string>();
  // The reports go here and with it (the figures are what the benchmark keeps).
  const folder = temporaryFolder('bench-rehearsal-');
  for (const machine of ['docker', 'process'] as const) {
    if (machine === 'docker' && noDocker) {
      results.set(machine, notMeasured(noDocker));
      continue;
    }
    try {
      results.set(machine, await playStory({ machine, write: () => {}, reportPath: join(folder, `${machine}.md`) }));
    } catch (error) {
      results.set(machine, notMeasured(error instanceof Error ? error.message : String(error)));
    }
  }
  rmSync(folder, { recursive: true, force: true });
  const names = new Set<string>();
  for (const result of results.values())
    if (typeof result !== 'string') Object.keys(result.figures).forEach((n) => names.add(n));
  const column = (machine: MachineKind, name: string) => {
    const result = results.get(machine);
    return typeof result === 'string' ? result : (result?.figures[name] ?? 'n/a');
  };
  const rows = [...names].map((name) => [name, column('docker', name), column('process', name)]);
  const runtime = (machine: MachineKind) => {
    const result = results.get(machine);
    return typeof result === 'string'
      ? result
      : `${result?.runtime} tasks, story ${result?.exitCode === 0 ? 'held' : 'did not hold'}`;
  };
  rows.unshift(['ECS tasks', runtime('docker'), runtime('process')]);
  return {
    title: 'Rehearsal: the whole story (two pull requests, a merge, a rerun) against the emulators',
    headers: ['figure', 'Docker machine', 'no Docker engine'],
    rows,
    notes: [
      'One run of the story per kind of machine; stage times include the builds (the classic builder on a vfs engine is slow).',
      'GitHub requests and AWS calls are those the workflows made in that stage, not the set-up of the story.',
    ],
  };
}
