import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { registryUnavailableReason } from '../../test/emulators/aws/registry.js';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from '../../test/emulators/aws/registry-fixtures.js';
import {
  ACCOUNT_ID,
  ECR_REPOSITORY,
  REPOSITORY,
  TOKEN,
  startProductionWorld,
  tagDigests,
  type ProductionWorld,
} from '../../test/e2e/production-world.js';
import { pushEvent } from '../engine/events.js';
import { runWorkflow, type RunRecord } from '../engine/run.js';
import { repoRoot } from '../paths.js';

/**
 * production.yml, the file itself, run by the engine in test/e2e's production world: every step
 * runs for real (the `aws` CLI against the emulator, the committed bundles, bash scripts), so
 * this is the engine's proof on the workflow it will replace test/e2e's runner for.
 */

const noRegistry = registryUnavailableReason();
const noAwsCli = (() => {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'the aws CLI is not installed';
  }
})();
const skipReason = noRegistry ?? noAwsCli;
if (skipReason) console.warn(`production.yml through the engine skipped: ${skipReason}`);
const describeIfPossible = skipReason ? describe.skip : describe;

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

describeIfPossible('production.yml through the engine', () => {
  let world: ProductionWorld;
  let folder: string;
  let run: RunRecord;
  let tree: string;

  beforeAll(async () => {
    world = await startProductionWorld();
    folder = mkdtempSync(join(tmpdir(), 'rehearsal-production-'));
    const clone = join(folder, 'repository');
    git(tmpdir(), ['clone', '--quiet', '--shared', repoRoot, clone]);
    const commit = git(clone, ['rev-parse', 'HEAD']);
    tree = git(clone, ['rev-parse', 'HEAD^{tree}']);
    // Staging tested this tree: the same image the world staged, tagged for the local tree.
    const answer = await world.ecr.send(new GetAuthorizationTokenCommand({}));
    const { username, password } = credentialsFromToken(answer.authorizationData?.[0]?.authorizationToken ?? '');
    const pushed = await pushSyntheticImage(world.aws.url, {
      authorization: basicAuth(username, password),
      repository: ECR_REPOSITORY,
      tag: `tested-${tree}`,
      content: 'the release staging tested (good)',
    });
    expect(pushed.digest).toBe(world.staged.digest);
    run = await runWorkflow({
      workflow: join(repoRoot, '.github', 'workflows', 'production.yml'),
      event: pushEvent({
        repository: { fullName: REPOSITORY },
        before: world.previousImage.slice(-40),
        after: world.sha,
      }),
      github: { token: TOKEN, api_url: world.github.url },
      vars: {
        AWS_ACCOUNT_ID: ACCOUNT_ID,
        AWS_ROLE_ARN_PRODUCTION: `arn:aws:iam::${ACCOUNT_ID}:role/shipyard-production`,
        PRODUCTION_URL: world.appUrl,
      },
      secrets: { SLACK_WEBHOOK_URL: world.github.slackWebhookUrl },
      repository: clone,
      resolveCommit: (ref) => (ref === world.sha ? commit : undefined),
      env: { GITHUB_API_URL: world.github.url },
      aws: { accountId: ACCOUNT_ID, env: world.aws.clientEnv() },
      inputOverrides: { 'deploy.deploy': { 'poll-interval-seconds': '1' } },
    });
  }, 120_000);

  afterAll(async () => {
    await world?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  test('the tested image is promoted by digest, deployed, smoke-tested, and the pull request told', async () => {
    const [deploy, notify] = run.jobs;
    const failed = deploy.steps
      .filter((s) => s.outcome === 'failure')
      .map((s) => `${s.label}: ${s.note} ${s.log.slice(-5).join(' / ')}`);
    expect(failed).toEqual([]);
    expect(deploy.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['__actions_checkout', 'success'],
      ['__run', 'success'],
      ['source', 'success'],
      ['__aws-actions_configure-aws-credentials', 'success'],
      ['tested', 'success'],
      ['promote', 'success'],
      ['__docker_setup-buildx-action', 'skipped'],
      ['build', 'skipped'],
      ['deploy', 'success'],
      ['smoke', 'success'],
      ['rollback', 'skipped'],
      ['__run_2', 'success'],
      ['promote', 'success'], // build-push-ecr's post step
    ]);
    expect(deploy.steps.find((s) => s.id === 'source')?.outputs.tree).toBe(tree);
    expect(deploy.outputs['image-uri']).toContain(`@${world.staged.digest}`);
    expect(await tagDigests(world, ['main'])).toEqual({ main: world.staged.digest });
    expect(notify.result).toBe('success');
    expect(world.github.state.comments(REPOSITORY, world.pull.number)).toHaveLength(1);
    expect(world.github.slackMessages()).toHaveLength(1);
    expect(run.conclusion).toBe('success');
  });
});
