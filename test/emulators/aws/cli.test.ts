import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@shipyard/harness/run-action';

// `npm run emulator -- aws --port N --scenario FILE`, as a developer starts it by hand.
describe('AWS emulator from the command line', () => {
  test('starts with the example scenario and --time-scale, and answers on the port it prints', async () => {
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(repoRoot, 'test', 'emulators', 'cli.ts'),
        'aws',
        '--port',
        '0',
        '--scenario',
        join(repoRoot, 'test', 'emulators', 'aws', 'example-scenario.json'),
        '--time-scale',
        '0.5',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${output}`)));
      });
      const health = (await (await fetch(`${url}/_emulator/health`)).json()) as { services: string[] };
      expect(health.services).toContain('ecs');
      const scenario = (await (await fetch(`${url}/_emulator/scenario`)).json()) as {
        seed: number;
        timeScale: number;
        ecs: { taskStartDelayMs: number };
      };
      expect(scenario).toMatchObject({ seed: 42, timeScale: 0.5, ecs: { taskStartDelayMs: 2000 } });
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
