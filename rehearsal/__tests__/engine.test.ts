import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startGitHubEmulator, type GitHubEmulator } from '@shipyard/emulators/github';
import { listenOnLoopback, type Listening } from '@shipyard/harness/listen';
import { consoleReporter } from '../engine/output.js';
import { tokenPermissions } from '../engine/permissions.js';
import { githubContext, type JobRecord } from '../engine/run.js';
import { UnsupportedConstruct } from '../engine/workflow.js';
import { CHECKOUT, pushEvent, runFixture, step } from './fixture.js';

const AWS_ACTION = 'aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c';

describe('expressions', () => {
  test('env (workflow, job, step), with and if read vars, github, env and steps', async () => {
    const run = await runFixture(
      `on: push
env:
  REGION: \${{ vars.REGION || 'us-east-1' }}
jobs:
  one:
    runs-on: ubuntu-latest
    env:
      WHO: \${{ github.actor }}
    steps:
      - uses: ${CHECKOUT}
      - id: first
        uses: ./actions/echo
        with:
          text: \${{ env.REGION }}-\${{ env.WHO }}
      - id: shown
        env:
          FROM_STEP: \${{ steps.first.outputs.said }}
          SAME: \${{ github.repository == 'OCTO-ORG/fixture' }}
          NUMBER: \${{ 3 }}
          WORKFLOW: \${{ github.workflow }}/\${{ github.job }}
        run: |
          echo "from-step=$FROM_STEP same=$SAME number=$NUMBER sha=$GITHUB_SHA"
          test "$WORKFLOW" = ".github/workflows/w.yml/one" && test "$GITHUB_WORKFLOW" = .github/workflows/w.yml
          echo "value=$FROM_STEP" >>"$GITHUB_OUTPUT"
      - if: steps.shown.outputs.value != 'eu-west-1-alice'
        run: exit 1
`,
      { vars: { REGION: 'eu-west-1' } },
    );
    expect(run.conclusion).toBe('success');
    // The action's `${{ github.token }}` default was evaluated: a 40-character token reached it.
    expect(step(run, 'one', 'first').outputs).toEqual({ said: 'eu-west-1-alice', 'token-length': '40' });
    expect(step(run, 'one', 'shown').log[0]).toMatch(/^from-step=eu-west-1-alice same=true number=3 sha=[0-9a-f]{40}$/);
    expect(run.jobs[0].steps.map((s) => s.outcome)).toEqual(['success', 'success', 'success', 'skipped', 'success']);
  });

  test('after a failing step: success() steps skip, failure()/always() run, job.status is failure', async () => {
    const run = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - id: bad
        run: exit 3
      - id: skipped
        run: echo never
      - id: on-failure
        if: failure() && steps.bad.outcome == 'failure'
        run: echo "status=\${{ job.status }}"
      - id: always
        if: always() && !cancelled()
        run: echo "conclusion=\${{ steps.bad.conclusion }}"
`);
    expect(run.jobs[0].result).toBe('failure');
    expect(run.jobs[0].steps.map((s) => [s.id, s.outcome])).toEqual([
      ['bad', 'failure'],
      ['skipped', 'skipped'],
      ['on-failure', 'success'],
      ['always', 'success'],
    ]);
    expect(step(run, 'one', 'bad').note).toBe('exit code 3');
    expect(step(run, 'one', 'on-failure').log).toEqual(['status=failure']);
    expect(step(run, 'one', 'always').log).toEqual(['conclusion=failure']);
  });
});

describe('jobs: needs, skip propagation, outputs', () => {
  const workflow = `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      made: \${{ steps.make.outputs.thing }}
    steps:
      - id: make
        run: echo "thing=from-a" >>"$GITHUB_OUTPUT"
      - run: test "\${{ vars.FAIL_A }}" != yes
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: echo "b got \${{ needs.a.outputs.made }}"
  c:
    needs: b
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "b was \${{ needs.b.result }}"
  d:
    needs: c
    runs-on: ubuntu-latest
    steps:
      - run: echo d ran
  e:
    needs: [a]
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: echo "a was \${{ needs.a.result }}"
`;

  test('all good: outputs flow through needs, failure() jobs skip', async () => {
    const run = await runFixture(workflow);
    expect(Object.fromEntries(run.jobs.map((j) => [j.id, j.result]))).toEqual({
      a: 'success',
      b: 'success',
      c: 'success',
      d: 'success',
      e: 'skipped',
    });
    expect(run.jobs.find((j) => j.id === 'a')?.outputs).toEqual({ made: 'from-a' });
    expect(run.jobs.find((j) => j.id === 'b')?.steps[0].log).toEqual(['b got from-a']);
    expect(run.conclusion).toBe('success');
  });

  test('a failure skips its dependents, always() still runs, and success() downstream sees the skipped ancestor', async () => {
    const run = await runFixture(workflow, { vars: { FAIL_A: 'yes' } });
    expect(Object.fromEntries(run.jobs.map((j) => [j.id, j.result]))).toEqual({
      a: 'failure',
      b: 'skipped',
      c: 'success',
      d: 'skipped',
      e: 'success',
    });
    expect(run.jobs.find((j) => j.id === 'c')?.steps[0].log).toEqual(['b was skipped']);
    expect(run.jobs.find((j) => j.id === 'e')?.steps[0].log).toEqual(['a was failure']);
    expect(run.conclusion).toBe('failure');
  });

  test('a job output holding a masked value is not handed on', async () => {
    const run = await runFixture(
      `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      leak: \${{ steps.s.outputs.v }}
      fine: \${{ steps.s.outputs.w }}
    steps:
      - id: s
        run: |
          echo "v=prefix-\${{ secrets.API_KEY }}" >>"$GITHUB_OUTPUT"
          echo "w=plain" >>"$GITHUB_OUTPUT"
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: echo "leak=[\${{ needs.a.outputs.leak }}] fine=\${{ needs.a.outputs.fine }}"
`,
      { secrets: { API_KEY: 's3cr3t-value' } },
    );
    expect(run.jobs[0].droppedOutputs).toEqual(['leak']);
    expect(run.jobs[1].steps[0].log).toEqual(['leak=[] fine=plain']);
  });
});

describe('steps: file commands, masks, actions, shells', () => {
  test('GITHUB_ENV (heredoc too), GITHUB_PATH, summary, state and the post step', async () => {
    const run = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - run: |
          echo "PLAIN=one" >>"$GITHUB_ENV"
          { echo "MULTI<<EOF"; echo "line 1"; echo "line 2"; echo "EOF"; } >>"$GITHUB_ENV"
          mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\\necho tool ran\\n' >"$RUNNER_TEMP/bin/mytool" && chmod +x "$RUNNER_TEMP/bin/mytool"
          echo "$RUNNER_TEMP/bin" >>"$GITHUB_PATH"
      - env:
          FROM_CONTEXT: \${{ env.PLAIN }}
        run: |
          echo "$PLAIN $FROM_CONTEXT"
          echo "$MULTI"
          mytool
          test "\${{ runner.temp }}" = "$RUNNER_TEMP"
      - id: echo
        uses: ./actions/echo
        with:
          text: kept
      - run: echo after
`);
    expect(run.conclusion).toBe('success');
    const steps = run.jobs[0].steps;
    expect(steps[2].log).toEqual(['one one', 'line 1', 'line 2', 'tool ran']);
    expect(step(run, 'one', 'echo').summary).toContain('| kept | here |');
    // The post step runs after every main step, with the state the main step saved.
    expect(steps.map((s) => s.label)).toEqual([
      `Run ${CHECKOUT}`,
      'Run echo "PLAIN=one" >>"$GITHUB_ENV"',
      'Run echo "$PLAIN $FROM_CONTEXT"',
      'Run ./actions/echo',
      'Run echo after',
      'Post Run ./actions/echo',
    ]);
    expect(steps[5].log).toEqual(['post remembers kept']);
  });

  test('GITHUB_ENV cannot change GITHUB_* or RUNNER_* variables, and refuses NODE_OPTIONS', async () => {
    const run = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - run: echo "GITHUB_SHA=forged" >>"$GITHUB_ENV"
      - run: test "$GITHUB_SHA" != forged && echo kept
      - run: echo "NODE_OPTIONS=--require /tmp/x.js" >>"$GITHUB_ENV"
`);
    const [forge, check, node] = run.jobs[0].steps;
    expect(forge.annotations).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/^GITHUB_SHA set through GITHUB_ENV is ignored/),
      }),
    ]);
    expect(check.log).toEqual(['kept']);
    expect(node).toMatchObject({ outcome: 'failure', note: expect.stringMatching(/Can't store NODE_OPTIONS/) });
  });

  test('an unterminated heredoc in GITHUB_OUTPUT fails the step; ::stop-commands:: pauses command reading', async () => {
    const run = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "::stop-commands::pause-token"
          echo "::add-mask::not-a-mask"
          echo "::pause-token::"
          echo "::warning::read again"
      - if: always()
        run: echo "broken<<EOF" >>"$GITHUB_OUTPUT"
`);
    const [paused, broken] = run.jobs[0].steps;
    expect(paused.log).toEqual(['::add-mask::not-a-mask', 'Warning: read again']);
    expect(broken).toMatchObject({ outcome: 'failure', note: "GITHUB_OUTPUT: matching delimiter not found 'EOF'" });
  });

  test('a step summary over 1 MiB is not shown, as the runner does not upload it', async () => {
    const run = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - run: yes a | head -c 1048577 >>"$GITHUB_STEP_SUMMARY"
      - run: yes b | head -c 1048576 >>"$GITHUB_STEP_SUMMARY"
`);
    const [over, limit] = run.jobs[0].steps;
    expect(over.summary).toBe('');
    expect(over.annotations).toEqual([
      expect.objectContaining({ level: 'error', message: expect.stringMatching(/upload aborted/) }),
    ]);
    expect(limit.summary).toHaveLength(1048576);
  });

  test('::add-mask:: and secrets are masked in the log, summary and annotations', async () => {
    const run = await runFixture(
      `on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - uses: ./actions/echo
        with:
          secret-value: hunter22
          text: fail
        continue-on-error: true
      - id: given-a-secret
        uses: ./actions/echo
        with:
          text: \${{ secrets.TOKEN }}
      - run: |
          echo "again hunter22 and \${{ secrets.TOKEN }}"
          echo "::warning title=Careful: really::the token is \${{ secrets.TOKEN }}"
          echo "one line of a key: line-two-secret"
`,
      { secrets: { TOKEN: 'tok-abc-123', KEY: 'line-one-secret\nline-two-secret' } },
    );
    const [, echo, given, script] = run.jobs[0].steps;
    expect(given.inputs.text).toBe('***');
    expect(given.log).toEqual(['says *** ']);
    expect(echo.log).toEqual(['says fail ***', 'Error: Echo failed: it was asked to']);
    expect(script.log).toEqual([
      'again *** and ***',
      'Warning: Careful: really: the token is ***',
      'one line of a key: ***',
    ]);
    expect(script.annotations).toEqual([{ level: 'warning', title: 'Careful: really', message: 'the token is ***' }]);
  });

  test('continue-on-error: outcome failure, conclusion success, the job goes on and succeeds', async () => {
    const run = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - id: flaky
        continue-on-error: true
        run: exit 1
      - run: echo "\${{ steps.flaky.outcome }}/\${{ steps.flaky.conclusion }}/\${{ job.status }}"
`);
    expect(run.jobs[0].result).toBe('success');
    expect(run.jobs[0].steps[0]).toMatchObject({ outcome: 'failure', conclusion: 'success' });
    expect(run.jobs[0].steps[1].log).toEqual(['failure/success/success']);
  });

  test('defaults.run.shell bash adds pipefail; without a shell the runner uses bash -e', async () => {
    const script = `false | true\n          echo "survived"`;
    const withShell = await runFixture(`on: push
defaults:
  run:
    shell: bash
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - run: |
          ${script}
`);
    const without = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - run: |
          ${script}
`);
    expect(withShell.jobs[0].result).toBe('failure');
    expect(without.jobs[0].steps[0].log).toEqual(['survived']);
  });

  test('timeout-minutes kills a step that runs past it', async () => {
    const run = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - timeout-minutes: 0.002
        run: sleep 30
`);
    expect(run.jobs[0].steps[0]).toMatchObject({ outcome: 'failure', note: 'killed: it ran past its timeout' });
  });

  test("a job's timeout-minutes ends its running step; only always()/cancelled() steps run after", async () => {
    const run = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    timeout-minutes: 0.003
    steps:
      - run: sleep 30
      - if: failure()
        run: echo on failure
      - if: cancelled()
        run: echo cleanup
      - run: echo never
`);
    expect(run.jobs[0].result).toBe('failure');
    expect(run.jobs[0].steps.map((s) => s.outcome)).toEqual(['failure', 'skipped', 'success', 'skipped']);
    expect(run.jobs[0].steps[3].note).toBe('the job ran past its timeout-minutes');
  });

  test('working-directory: defaults.run and the step', async () => {
    const run = await runFixture(
      `on: push
defaults:
  run:
    working-directory: actions
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - run: basename "$PWD"
      - working-directory: actions/echo/dist
        run: basename "$PWD"
`,
    );
    expect(run.jobs[0].steps.slice(1).map((s) => s.log)).toEqual([['actions'], ['dist']]);
  });

  test('a local action without a checkout fails as on the runner', async () => {
    const run = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - uses: ./actions/echo
`);
    expect(run.jobs[0].steps[0].outcome).toBe('failure');
    expect(run.jobs[0].steps[0].note).toMatch(/Did you forget to run actions\/checkout/);
  });

  test('configure-aws-credentials exports the emulator environment and needs id-token: write for a role', async () => {
    const workflow = (permissions: string) => `on: push
jobs:
  one:
    runs-on: ubuntu-latest
    permissions:
      ${permissions}
    steps:
      - id: creds
        uses: ${AWS_ACTION}
        with:
          role-to-assume: arn:aws:iam::123456789012:role/x
          aws-region: eu-central-1
          allowed-account-ids: '123456789012'
      - run: echo "$AWS_REGION $AWS_ENDPOINT_URL $AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY"
`;
    const aws = {
      accountId: '123456789012',
      env: {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        AWS_ACCESS_KEY_ID: 'AKIDEMO',
        AWS_SECRET_ACCESS_KEY: 'secret-key',
      },
    };
    const good = await runFixture(workflow('id-token: write'), { aws });
    expect(good.jobs[0].steps[1].log).toEqual(['eu-central-1 http://127.0.0.1:1 AKIDEMO ***']);
    expect(good.jobs[0].steps[0].log.join('\n')).toContain('Credentials for account *** in eu-central-1');
    const denied = await runFixture(workflow('contents: read'), { aws });
    expect(denied.jobs[0].steps[0]).toMatchObject({ outcome: 'failure' });
    expect(denied.jobs[0].steps[0].note).toMatch(/id-token: write/);
  });
});

describe('refusals name the construct', () => {
  test.each([
    [
      'an unknown third-party action',
      `      - uses: someone/unknown-action@v1`,
      /job 'one', step '#1', key 'uses': the third-party action 'someone\/unknown-action' is unknown/,
    ],
    [
      'a pin other than the checked one',
      `      - uses: actions/checkout@v4`,
      /'actions\/checkout' is used at 'v4', but the pinned commit is 3d3c42e5/,
    ],
    [
      'an input of a third-party action not modelled',
      `      - uses: ${CHECKOUT}\n        with:\n          submodules: true`,
      /key 'with.submodules': actions\/checkout's input 'submodules' is not modelled/,
    ],
    ['a shell not modelled', `      - shell: pwsh\n        run: echo`, /key 'shell': shell 'pwsh' is not modelled/],
    [
      'a Docker container action',
      `      - uses: docker://alpine:3`,
      /key 'uses': 'docker:\/\/alpine:3': Docker container actions are not modelled/,
    ],
  ])('%s', async (_name, stepText, message) => {
    // The unknown construct sits behind a false `if:` too: it is refused before anything runs.
    await expect(
      runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
${stepText.replace('      - ', '      - if: false\n        ')}
`),
    ).rejects.toThrow(message);
  });

  test.each([
    ['strategy', `    strategy:\n      matrix:\n        n: [1, 2]`, /job 'one', key 'strategy': a matrix/],
    ['container', `    container: node:24`, /key 'container'/],
    ['services', `    services:\n      db:\n        image: postgres`, /key 'services'/],
    ['runs-on', `    runs-on: windows-latest`, /key 'runs-on': 'windows-latest' is not modelled/],
    [
      'continue-on-error',
      `    continue-on-error: true`,
      /key 'continue-on-error': a job that continues on error is not modelled/,
    ],
  ])('job key %s', async (_name, jobText, message) => {
    const workflow = `on: push
jobs:
  one:
${jobText.includes('runs-on') ? '' : '    runs-on: ubuntu-latest\n'}${jobText}
    steps:
      - run: echo
`;
    const attempt = runFixture(workflow);
    await expect(attempt).rejects.toThrow(UnsupportedConstruct);
    await expect(runFixture(workflow)).rejects.toThrow(message);
  });

  test('a refused job key is refused even when the job would be skipped', async () => {
    await expect(
      runFixture(`on: push
jobs:
  one:
    if: false
    runs-on: macos-latest
    steps:
      - run: echo
`),
    ).rejects.toThrow(/job 'one', key 'runs-on'/);
  });

  test('an invalid workflow is refused with GitHub parser errors', async () => {
    await expect(runFixture(`on: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    stepz: []\n`)).rejects.toThrow(
      /not a valid workflow/,
    );
  });
});

describe('what a job reports', () => {
  test('environment (name, url at the end), concurrency, permissions; environment vars and secrets', async () => {
    const run = await runFixture(
      `on: push
concurrency: whole-\${{ github.ref }}
permissions: {}
jobs:
  one:
    runs-on: ubuntu-latest
    environment:
      name: \${{ vars.WHERE }}
      url: \${{ steps.up.outputs.url }}
    concurrency:
      group: deploy-\${{ vars.WHERE }}
      cancel-in-progress: true
    permissions:
      contents: read
    steps:
      - id: up
        run: |
          echo "url=https://\${{ vars.HOST }}/" >>"$GITHUB_OUTPUT"
          echo "key=\${{ secrets.ENV_KEY }}"
`,
      {
        vars: { WHERE: 'staging', HOST: 'repo.example' },
        environments: { staging: { vars: { HOST: 'staging.example' }, secrets: { ENV_KEY: 'env-secret-1' } } },
      },
    );
    expect(run.concurrency).toEqual({ group: 'whole-refs/heads/main', cancelInProgress: false });
    expect(run.permissions).toEqual({});
    expect(run.jobs[0]).toMatchObject({
      environment: { name: 'staging', url: 'https://staging.example/' },
      concurrency: { group: 'deploy-staging', cancelInProgress: true },
      permissions: { contents: 'read' },
      runsOn: 'ubuntu-latest',
    });
    expect(run.jobs[0].steps[0].log).toEqual(['key=***']);
  });

  test('checkout: ref and sparse-checkout', async () => {
    const run = await runFixture(`on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
        with:
          ref: \${{ github.sha }}
          sparse-checkout: actions/echo
          persist-credentials: false
      - run: |
          test "$(git rev-parse HEAD)" = "$GITHUB_SHA"
          ls actions/echo/action.yml
          test ! -e .github/workflows/w.yml && echo "sparse"
`);
    expect(run.jobs[0].result).toBe('success');
    expect(run.jobs[0].steps[1].log).toEqual(['actions/echo/action.yml', 'sparse']);
  });

  test('the terminal shows each step with its time and its summary rendered', async () => {
    const printed: string[] = [];
    await runFixture(
      `on: push
jobs:
  one:
    name: the \${{ github.event_name }} job
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - name: Echo it
        uses: ./actions/echo
        with:
          text: shown
`,
      { reporter: consoleReporter((text) => printed.push(text)) },
    );
    const text = printed.join('');
    expect(text).toMatch(/▶ job the push job\n/);
    expect(text).toMatch(
      /✓ Echo it \(\d+\.\d s\)\n {4}┆ Echo\n {4}┆ =+\n {4}┆\n {4}┆ said {3}where\n {4}┆ shown {2}here\n/,
    );
    expect(text).toMatch(/✓ Post Echo it \(\d+\.\d s\)/);
    expect(text).toMatch(/✓ job the push job: success in \d+\.\d s/);
  });
});

describe("a job's own token, and runs at once", () => {
  const RUN_TOKEN = String(githubContext(pushEvent('0'.repeat(40))).token);

  test('beforeJob gives a job its token: github.token, secrets.GITHUB_TOKEN, the action default; masked', async () => {
    const JOB_TOKEN = 'ghs_JobTokenFromBeforeJob0000000000000000000';
    const seen: string[] = [];
    const run = await runFixture(
      `on: push
jobs:
  minted:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - id: echo
        uses: ./actions/echo
      - id: shown
        env:
          TOKEN: \${{ secrets.GITHUB_TOKEN }}
        run: |
          echo "token=$TOKEN github=\${{ github.token }}"
          echo "same=\${{ github.token == secrets.GITHUB_TOKEN }} run-token=\${{ github.token == '${RUN_TOKEN}' }} job-token=\${{ github.token == '${JOB_TOKEN}' }}"
  plain:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - id: echo
        uses: ./actions/echo
      - id: shown
        run: echo "run-token=\${{ github.token == '${RUN_TOKEN}' }} \${{ secrets.GITHUB_TOKEN }}"
`,
      {
        beforeJob: async (job: JobRecord) => {
          seen.push(job.id);
          return job.id === 'minted' ? { token: JOB_TOKEN } : undefined;
        },
      },
    );
    expect(run.conclusion).toBe('success');
    expect(seen).toEqual(['minted', 'plain']);
    // The action's `${{ github.token }}` default: the job's token (43 characters), the run's (40) without one.
    expect(step(run, 'minted', 'echo').outputs['token-length']).toBe(String(JOB_TOKEN.length));
    expect(step(run, 'plain', 'echo').outputs['token-length']).toBe(String(RUN_TOKEN.length));
    expect(step(run, 'minted', 'shown').log).toEqual([
      'token=*** github=***',
      'same=true run-token=false job-token=true',
    ]);
    expect(step(run, 'plain', 'shown').log).toEqual(['run-token=true ***']);
  });

  describe('two runs at once, each with its jobs’ own tokens', () => {
    const REPOSITORY = 'octo-org/fixture';
    let github: GitHubEmulator;
    let meeting: Listening;
    let waiting: { name: string; response: ServerResponse }[] = [];

    beforeAll(async () => {
      github = await startGitHubEmulator({ tokens: [RUN_TOKEN] });
      // Each run's first step waits here until the other's arrives: the runs can only both get past
      // it when they really run at the same time (one after the other, the first would wait alone).
      meeting = await listenOnLoopback((request, response) => {
        waiting.push({ name: request.url ?? '', response });
        if (waiting.length < 2) return;
        for (const { response: each } of waiting) each.end(waiting.map((w) => w.name).join(' '));
        waiting = [];
      });
    });
    afterAll(async () => {
      await meeting.close();
      await github.close();
    });

    const COMMENT_ACTION = {
      'actions/comment/action.yml': `name: comment
inputs:
  number: { description: the pull request }
  body: { description: the comment }
  token:
    default: \${{ github.token }}
runs:
  using: node24
  main: index.js
`,
      'actions/comment/index.js': `const { GITHUB_API_URL, GITHUB_REPOSITORY, INPUT_NUMBER, INPUT_BODY, INPUT_TOKEN } = process.env;
fetch(GITHUB_API_URL + '/repos/' + GITHUB_REPOSITORY + '/issues/' + INPUT_NUMBER + '/comments', {
  method: 'POST',
  headers: { authorization: 'token ' + INPUT_TOKEN, 'content-type': 'application/json' },
  body: JSON.stringify({ body: INPUT_BODY }),
}).then(async (answer) => {
  console.log('status ' + answer.status + ' ' + (answer.ok ? '' : (await answer.json()).message));
  if (!answer.ok) process.exit(1);
});
`,
      'meet.js': `fetch(process.env.MEET + '/' + process.argv[2], { signal: AbortSignal.timeout(20000) })
  .then((answer) => answer.text())
  .then((text) => console.log('met: ' + text.split(' ').sort().join(' ')));
`,
    };
    const workflow = (name: string, level: 'read' | 'write', number: number) => `on: push
permissions:
  contents: read
  pull-requests: ${level}
jobs:
  comment:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - id: meet
        run: node meet.js ${name}
      - id: comment
        uses: ./actions/comment
        with:
          number: ${number}
          body: from ${name}
`;

    test('a write token comments while a read-only one, in the other run at the same time, gets 403', async () => {
      github.state.createRepository(REPOSITORY);
      const pull = github.state.openPullRequest(REPOSITORY, {});
      const minted: string[] = [];
      const beforeJob = (job: JobRecord) => {
        const token = github.mintToken(tokenPermissions(job.permissions));
        minted.push(token);
        return { token };
      };
      const options = {
        files: COMMENT_ACTION,
        env: { GITHUB_API_URL: github.url, MEET: meeting.url },
        beforeJob,
      };
      const [writer, reader] = await Promise.all([
        runFixture(workflow('writer', 'write', pull.number), options),
        runFixture(workflow('reader', 'read', pull.number), options),
      ]);
      expect(step(writer, 'comment', 'meet').log).toEqual(['met: /reader /writer']);
      expect(step(reader, 'comment', 'meet').log).toEqual(['met: /reader /writer']);
      expect(step(writer, 'comment', 'comment').log).toEqual(['status 201 ']);
      expect(writer.conclusion).toBe('success');
      expect(step(reader, 'comment', 'comment').log).toEqual(['status 403 Resource not accessible by integration']);
      expect(reader.conclusion).toBe('failure');
      expect(github.state.comments(REPOSITORY, pull.number).map((c) => [c.body, c.author])).toEqual([
        ['from writer', 'github-actions[bot]'],
      ]);
      expect(new Set(minted).size).toBe(2);
      expect(github.problems()).toEqual([]);
    });
  });
});
