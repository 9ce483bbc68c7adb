// Start an emulator from the command line:
//   npm run emulator -- aws --port 4566 [--scenario FILE]
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
  },
});

const kind = positionals[0];
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got '${values.port}'`);
  process.exit(2);
}

if (kind !== 'aws' && kind !== 'github') {
  console.error('usage: npm run emulator -- <aws|github> [--port N] [--host H] [--scenario FILE]');
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
const scenario = values.scenario ? JSON.parse(readFileSync(values.scenario, 'utf8')) : undefined;
const start = kind === 'aws' ? module.startAwsEmulator : module.startGitHubEmulator;
const emulator = await start({ port, host: values.host, scenario });
console.log(`${kind} emulator listening on ${emulator.url}`);
if (emulator.slackWebhookUrl) console.log(`Slack webhook receiver at ${emulator.slackWebhookUrl}`);
const close = () => emulator.close();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void close().then(() => process.exit(0));
  });
}
