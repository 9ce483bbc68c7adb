// The toolchain runs on the runtime the actions declare: every action.yml's `runs.using`, the
// version files nvm/fnm/setup-node read, `engines`, and the Node.js running this very test agree.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { repoRoot } from '@shipyard/harness/run-action';

const root = repoRoot;
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const declared = read('.nvmrc').trim();
const actionNames = readdirSync(join(root, 'actions')).filter((name) => name !== 'shared');

describe('one Node.js major everywhere', () => {
  test('.nvmrc and .node-version name the same major', () => {
    expect(declared).toMatch(/^\d+$/);
    expect(read('.node-version').trim()).toBe(declared);
  });

  test.each(actionNames)('actions/%s/action.yml runs on it', (name) => {
    const manifest = parse(read(`actions/${name}/action.yml`)) as { runs: { using: string } };
    expect(manifest.runs.using).toBe(`node${declared}`);
  });

  test('the tests themselves run on it (npm ci puts the registry node first on PATH)', () => {
    expect(process.versions.node.split('.')[0]).toBe(declared);
  });

  test('engines and @types/node follow it', () => {
    const manifest = JSON.parse(read('package.json')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(manifest.engines.node).toBe(`>=${declared}`);
    expect(manifest.devDependencies['node']).toMatch(new RegExp(`^\\^${declared}\\.`));
    expect(manifest.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${declared}\\.`));
  });
});
