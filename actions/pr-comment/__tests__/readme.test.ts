import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { commentBody, PLACEHOLDERS } from '../src/body.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const section = (name: string) => readme.split(/^## /m).find((part) => part.startsWith(`${name}\n`)) ?? '';

// README, action.yml, INPUT and OUTPUT (tables, names, defaults, runs) are checked for every action
// in test/manifests.test.ts; what only this README says is checked here.
describe('README says what the action does', () => {
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
});
