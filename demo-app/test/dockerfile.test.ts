/**
 * The Dockerfile checked against the code it packages, without an engine: a renamed entry point,
 * a moved file or a changed default port fails here, not in the Docker suite or on ECS. The image
 * itself is built and run by build-push-ecr's Docker suite (`npm run test:docker`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { DEFAULTS } from '../src/config.js';
import { repoRoot } from './spawn-server.js';

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Instructions with continuation lines joined and comments dropped; `stage` counts FROMs. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (line.trimEnd().endsWith('\\')) {
      pending += `${line.trimEnd().slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full) logical.push(full);
  }
  let stage = -1;
  return logical.map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    if (keyword.toUpperCase() === 'FROM') stage += 1;
    return { keyword: keyword.toUpperCase(), args: rest.join(' '), stage };
  });
}

const dockerfile = parseDockerfile(readFileSync(join(repoRoot, 'demo-app/Dockerfile'), 'utf8'));
const finalStage = Math.max(...dockerfile.map((instruction) => instruction.stage));
const inFinal = (keyword: string) =>
  dockerfile.filter((instruction) => instruction.stage === finalStage && instruction.keyword === keyword);

describe('demo-app/Dockerfile', () => {
  test('the base image is a build argument defaulting to an official Node 24 image', () => {
    const [nodeImage] = dockerfile.filter((instruction) => instruction.keyword === 'ARG' && instruction.stage === -1);
    expect(nodeImage.args).toMatch(/^NODE_IMAGE=node:24(-alpine|-slim)?$/);
    const froms = dockerfile.filter((instruction) => instruction.keyword === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from.args).toMatch(/^\$\{NODE_IMAGE\}/);
  });

  test('every file it copies from the context exists in the repository (the context is its root)', () => {
    const copies = dockerfile.filter(
      (instruction) => instruction.keyword === 'COPY' && !/--from=/.test(instruction.args),
    );
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const parts = copy.args.split(/\s+/).filter((part) => !part.startsWith('--'));
      for (const source of parts.slice(0, -1))
        expect([source, existsSync(join(repoRoot, source))]).toEqual([source, true]);
    }
  });

  test('dependencies come from the root lock file, production only in the final image', () => {
    const installs = dockerfile.filter(
      (instruction) => instruction.keyword === 'RUN' && /npm ci/.test(instruction.args),
    );
    expect(installs).toHaveLength(2);
    for (const install of installs) expect(install.args).toMatch(/--workspace demo-app/);
    expect(installs.filter((install) => /--omit=dev/.test(install.args))).toHaveLength(1);
    const copiedModules = inFinal('COPY').find((copy) => /node_modules/.test(copy.args));
    const prodStage = dockerfile.find((instruction) => /--omit=dev/.test(instruction.args))?.stage;
    const prodStageName = dockerfile
      .find((instruction) => instruction.keyword === 'FROM' && instruction.stage === prodStage)
      ?.args.split(/\s+AS\s+/i)[1];
    expect(copiedModules?.args).toContain(`--from=${prodStageName}`);
  });

  test('it runs the compiled server and health check as a non-root user', () => {
    expect(inFinal('CMD').at(-1)?.args).toBe('["node", "dist/server.js"]');
    expect(existsSync(join(repoRoot, 'demo-app/src/server.ts'))).toBe(true);
    expect(inFinal('HEALTHCHECK').at(-1)?.args).toMatch(/CMD \["node", "dist\/healthcheck\.js"\]$/);
    expect(existsSync(join(repoRoot, 'demo-app/src/healthcheck.ts'))).toBe(true);
    const user = inFinal('USER').at(-1)?.args ?? 'root';
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    // The compiled files are ES modules: the final image needs the package.json that says so.
    expect(inFinal('COPY').some((copy) => copy.args === 'demo-app/package.json ./package.json')).toBe(true);
    expect(JSON.parse(readFileSync(join(repoRoot, 'demo-app/package.json'), 'utf8')).type).toBe('module');
  });

  test('it exposes the port the server listens on by default', () => {
    expect(inFinal('EXPOSE').map((expose) => expose.args)).toEqual([String(DEFAULTS.port)]);
    expect(inFinal('ENV').some((env) => new RegExp(`\\bPORT=${DEFAULTS.port}\\b`).test(env.args))).toBe(true);
  });

  test('APP_VERSION, GIT_SHA and BUILT_AT flow from build arguments into the environment and OCI labels', () => {
    const args = inFinal('ARG').map((arg) => arg.args.split('=')[0]);
    expect(args).toEqual(expect.arrayContaining(['APP_VERSION', 'GIT_SHA', 'BUILT_AT']));
    const env = inFinal('ENV')
      .map((instruction) => instruction.args)
      .join(' ');
    for (const name of ['APP_VERSION', 'GIT_SHA', 'BUILT_AT']) expect(env).toContain(`${name}=\${${name}}`);
    const labels = inFinal('LABEL')
      .map((instruction) => instruction.args)
      .join(' ');
    expect(labels).toContain('org.opencontainers.image.version="${APP_VERSION}"');
    expect(labels).toContain('org.opencontainers.image.revision="${GIT_SHA}"');
    expect(labels).toContain('org.opencontainers.image.created="${BUILT_AT}"');
    for (const label of ['title', 'source', 'licenses', 'description']) {
      expect(labels).toContain(`org.opencontainers.image.${label}=`);
    }
  });

  test('.dockerignore keeps node_modules, git metadata and local builds out of the context', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.git', '**/node_modules', '**/dist']));
  });
});
