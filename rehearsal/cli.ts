import { playStory } from './story.js';

/** `npm run rehearse [-- --report PATH]`: plays the story and exits non-zero when it did not end well. */
const args = process.argv.slice(2);
const reportIndex = args.indexOf('--report');
const reportPath = reportIndex >= 0 ? args[reportIndex + 1] : undefined;
try {
  const result = await playStory({ reportPath });
  process.exitCode = result.exitCode;
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
}
