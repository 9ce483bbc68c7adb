// Start an emulator from the command line:
//   npm run emulator -- aws --port 4566 [--scenario FILE] [--time-scale 1] [--task-runtime docker|process|simulated]
//   npm run emulator -- github --port 4567
// It runs until interrupted and prints the URL it listens on.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    scenario: { type: 'string' },
    'time-scale': { type: 'string' },
    'task-runtime': { type: 'string' },
  },
});

const kind = positionals[0];
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got '${values.port}'`);
  process.exit(2);
}

if (kind !== 'aws' && kind !== 'github') {
  console.error('usage: npm run emulator -- <aws|github> [--port N] [--host H] [--scenario FILE] [--time-scale X]');
  process.exit(2);
}

// --time-scale (aws only) multiplies every ECS duration: 1 is real time, 0.001 a thousand times faster.
const timeScale = values['time-scale'] === undefined ? undefined : Number(values['time-scale']);
if (timeScale !== undefined && (kind !== 'aws' || !(timeScale > 0) || !Number.isFinite(timeScale))) {
  console.error(`--time-scale is for the aws emulator and must be a number > 0, got '${values['time-scale']}'`);
  process.exit(2);
}

// --task-runtime (aws only): where ECS tasks run (test/emulators/README.md, "Task runtimes").
const taskRuntime = values['task-runtime'];
if (taskRuntime !== undefined && (kind !== 'aws' || !['docker', 'process', 'simulated'].includes(taskRuntime))) {
  console.error(
    `--task-runtime is for the aws emulator and must be docker, process or simulated, got '${taskRuntime}'`,
  );
  process.exit(2);
}

// Each emulator's index exports start<Name>Emulator(options) resolving to { url, close() }.
interface StartedEmulator {
  url: string;
  slackWebhookUrl?: string;
  close(): Promise<void>;
}
const modulePath = `./${kind}/index.js`;
const module = (await import(modulePath)) as Record<string, (options: object) => Promise<StartedEmulator>>;
const fromFile = values.scenario ? (JSON.parse(readFileSync(values.scenario, 'utf8')) as object) : undefined;
const scenario = timeScale === undefined ? fromFile : { ...(fromFile ?? {}), timeScale };
const start = kind === 'aws' ? module.startAwsEmulator : module.startGitHubEmulator;
const emulator = await start({
  port,
  host: values.host,
  scenario,
  ...(taskRuntime ? { tasks: { runtime: taskRuntime } } : {}),
});
console.log(`${kind} emulator listening on ${emulator.url}`);
if (emulator.slackWebhookUrl) console.log(`Slack webhook receiver at ${emulator.slackWebhookUrl}`);
const close = () => emulator.close();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void close().then(() => process.exit(0));
  });
}
