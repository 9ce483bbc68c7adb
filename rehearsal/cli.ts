import { playStory, type TaskRuntime } from './story.js';

/**
 * `npm run rehearse [-- --report PATH] [--tasks docker|process|simulated]`: plays the story and
 * exits non-zero when it did not end as it must.
 */
const args = process.argv.slice(2);
const value = (name: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const tasks = value('--tasks');
try {
  if (tasks !== undefined && !['docker', 'process', 'simulated'].includes(tasks))
    throw new Error(`--tasks is docker, process or simulated, not '${tasks}'`);
  const result = await playStory({ reportPath: value('--report'), tasks: tasks as TaskRuntime | undefined });
  process.exitCode = result.exitCode;
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
}
