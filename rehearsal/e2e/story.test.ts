import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { playStory } from '../story.js';

function hasBuildx(): boolean {
  try {
    execFileSync('docker', ['buildx', 'version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('npm run rehearse, first slice: pull request A through staging.yml', () => {
  test('says what it stands in for, runs staging.yml from the file, and ends green or on a named known gap', async () => {
    const output: string[] = [];
    const folder = mkdtempSync(join(tmpdir(), 'rehearsal-story-'));
    const result = await playStory({ write: (text) => output.push(text), reportPath: join(folder, 'report.md') });
    try {
      const printed = output.join('');
      expect(printed).toContain('Standing in here:');
      expect(printed).toMatch(/▶ job deploy to staging \[environment staging; concurrency deploy-staging\]/);
      expect(printed).toMatch(/✓ Identify the source tree/);
      expect(result.figures).toHaveProperty(['pull request opened -> staging-passed (s)']);
      const report = readFileSync(result.reportPath, 'utf8');
      expect(report).toContain('## staging (staging.yml, on pull_request)');
      if (hasBuildx()) {
        // Where the machine can build, A must go green (a later slice makes this the only case).
        expect(result.gaps).toEqual([]);
      } else {
        expect(result.exitCode).toBe(2);
        expect(result.gaps).toEqual([expect.stringContaining('no `docker buildx`')]);
        expect(printed).toContain('Known gaps');
        // The gate ran (if: always()) and failed for the right reason.
        expect(printed).toMatch(/Staging did not pass: The staging deploy ended as 'failure'/);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
