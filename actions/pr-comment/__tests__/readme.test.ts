import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { manifestNames, readmeTableNames } from '@shipyard/harness/manifest';
import { readActionManifest } from '@shipyard/harness/run-action';
import { commentBody, PLACEHOLDERS } from '../src/body.js';
import { INPUT } from '../src/inputs.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const section = (name: string) => readme.split(/^## /m).find((part) => part.startsWith(`${name}\n`)) ?? '';
/** A table row under `## <section>` whose first cell is the name in backticks (prettier pads cells). */
const row = (name: string, key: string) =>
  section(name)
    .split('\n')
    .find((line) => new RegExp(`^\\|\\s*\`${key.replace(/[$()]/g, '\\$&')}\`\\s*\\|`).test(line));

describe('README and action.yml stay in step', () => {
  test.each(['Inputs', 'Outputs'] as const)('%s table lists exactly what action.yml declares', (heading) => {
    const kind = heading === 'Inputs' ? 'inputs' : 'outputs';
    expect(readmeTableNames('pr-comment', heading)).toEqual(manifestNames('pr-comment', kind));
  });

  test('the input names in the code are the ones action.yml declares', () => {
    expect(Object.values(INPUT).sort()).toEqual(manifestNames('pr-comment', 'inputs').sort());
  });

  test('the defaults in the README are the ones action.yml declares', () => {
    for (const [name, spec] of Object.entries(readActionManifest('pr-comment').inputs ?? {})) {
      const shown = String(spec.default) === '' ? "''" : String(spec.default);
      expect(row('Inputs', name)?.split('|').at(-2)?.trim()).toBe(`\`${shown}\``);
    }
  });

  test('every placeholder is documented', () => {
    for (const name of PLACEHOLDERS) expect(section('Placeholders')).toContain(`{{${name}}}`);
  });

  test('the picture of the comment is what the action writes for those inputs', () => {
    const body = commentBody({
      status: 'success',
      environment: 'production',
      environmentUrl: 'https://app.example.com/',
      image:
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-app@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/demo-app:42',
      smokeReport: '### Smoke test passed ✅\n\n| Check | Result |\n| --- | --- |\n| GET /health | ✅ 200 in 12 ms |',
      runUrl: 'https://github.com/octo-org/shipyard-demo/actions/runs/7000000001',
      runNumber: '42',
      sha: '3f786850e387550fdab836ed7e6dc881de23001b',
      repository: 'octo-org/shipyard-demo',
      serverUrl: 'https://github.com',
      pull: {
        number: 12,
        title: 'Add the health check',
        url: 'https://github.com/octo-org/shipyard-demo/pull/12',
        author: 'octocat',
      },
      mentionAuthor: true,
    });
    // Prettier pads the README's table cells, so compare cell by cell with whitespace squeezed.
    const squeeze = (text: string) =>
      text
        .split('\n')
        .map((line) =>
          line
            .replace(/\s*\|\s*/g, '|')
            .replace(/-{3,}/g, '---')
            .trim(),
        )
        .filter((line) => line !== '');
    const picture = squeeze(section('The comment it writes').split(/^---$/m)[1]);
    expect(picture).toEqual(squeeze(body).slice(1));
  });

  test('runs on node24 from the committed bundle', () => {
    expect(readActionManifest('pr-comment').runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});
