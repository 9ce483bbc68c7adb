import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { temporaryFolder } from '@shipyard/harness/temp';
import { encodedForms } from '@shipyard/shared/redact';
import { findInvisible } from '@shipyard/shared/text';
import { actionRunner, type ActionRun } from '@shipyard/harness/run-action';
import { recordingServer } from './servers.js';

/**
 * Hostile input, run through the bundle as the runner runs it. Every bad input must end the step
 * with exit code 1 and exactly one `::error::` line that names the input, holds no control
 * character, never echoes a long value whole nor any part of a secret, and the app under test
 * must not have been asked anything. Then a server that echoes the request's headers back (raw,
 * URL-encoded, base64) in a 500 page and in its own headers: nothing the action stores or emits
 * may carry the secrets, and the report says something was redacted.
 */

const fast = { 'interval-seconds': 0.1, 'timeout-seconds': 5, 'request-timeout-seconds': 2 };

const smokeTest = actionRunner('smoke-test', { timeoutMs: 20_000, inputs: fast });

const SECRET = 'ghp_S3cr3tT0kenThatMustNeverLeave0123456789';
const LONG = `x${'y'.repeat(300)}z`;

/** A YAML document whose aliases expand to 10^8 nodes. */
const aliasBomb = [
  'a: &a [x, x, x, x, x, x, x, x, x, x]',
  ...'bcdefgh'.split('').map((name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
].join('\n');

let outside: string;
let workspace: string;
let app: Awaited<ReturnType<typeof recordingServer>>;

beforeAll(async () => {
  app = await recordingServer((_, res) => res.end('ok'));
  outside = temporaryFolder('smoke-outside-');
  workspace = temporaryFolder('smoke-hostile-workspace-');
  writeFileSync(join(outside, 'checks.yml'), '- path: /health\n');
  mkdirSync(join(workspace, '.github'));
  symlinkSync(join(outside, 'checks.yml'), join(workspace, '.github', 'link.yml'));
  symlinkSync(outside, join(workspace, 'linked-dir'));
  const files: Record<string, string> = {
    'ctrl.yml': `- path: /health\n  headers: { X-Token: "${SECRET}\\r\\nX-Injected: 1" }\n`,
    'nul.yml': `- path: /health\n  headers: { X-Token: "${SECRET}\\u0000" }\n`,
    'bidi.yml': '- path: /health\n  name: "admin \\u202e gnp.exe"\n',
    'raw-ctrl.yml': `- path: /health\n  name: "a\u0007b"\n`,
    'bomb.yml': `${aliasBomb}\n`,
    'big-body.yml': `- path: /login\n  method: POST\n  body: "${'b'.repeat(1024 * 1024 + 10)}"\n`,
    'many.yml': Array.from({ length: 201 }, (_, i) => `- path: /c${i}`).join('\n'),
    'deep.yml': `- path: /x\n  method: POST\n  body: ${'['.repeat(40)}1${']'.repeat(40)}\n`,
    'header-long.yml': `- path: /health\n  headers: { X-Token: "${SECRET}${'k'.repeat(9000)}" }\n`,
    'not-yaml.txt': '- path: /health\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(workspace, '.github', name), text);
});

afterAll(async () => {
  await app.close();
});

interface HostileCase {
  title: string;
  /** The input the one error must name. */
  input: string;
  /** Inputs on top of a valid url (a function: the server's url is known only once it runs). */
  inputs: (url: string) => Record<string, string | number | undefined>;
  /** Text that must appear nowhere in what the action printed (a secret, a whole long value). */
  hidden?: string[];
}

const checkCase = (title: string, checks: string, hidden?: string[]): HostileCase => ({
  title,
  input: 'checks',
  inputs: () => ({ checks }),
  hidden,
});

const cases: HostileCase[] = [
  // url
  { title: 'url without a scheme', input: 'url', inputs: () => ({ url: 'staging.example.com' }) },
  { title: 'url with an ftp scheme', input: 'url', inputs: () => ({ url: 'ftp://files.example.com/' }) },
  {
    title: 'url with credentials',
    input: 'url',
    inputs: (url) => ({ url: url.replace('//', `//deploy:${SECRET}@`) }),
    hidden: [SECRET],
  },
  { title: 'url with CR LF and a header', input: 'url', inputs: (url) => ({ url: `${url}/\r\nX-Injected: 1` }) },
  { title: 'url with an ESC (terminal escape)', input: 'url', inputs: (url) => ({ url: `${url}/\u001b[2J` }) },
  { title: 'url with a bidi override', input: 'url', inputs: (url) => ({ url: `${url}/\u202egpj.exe` }) },
  { title: 'url with a line separator', input: 'url', inputs: (url) => ({ url: `${url}/\u2028x` }) },
  { title: 'url of 3000 characters', input: 'url', inputs: (url) => ({ url: `${url}/${'p'.repeat(3000)}` }) },
  { title: 'url with a query', input: 'url', inputs: (url) => ({ url: `${url}/?token=${SECRET}` }), hidden: [SECRET] },
  { title: 'url missing', input: 'url', inputs: () => ({ url: undefined }) },
  // headers
  { title: 'header line without a name', input: 'headers', inputs: () => ({ headers: SECRET }), hidden: [SECRET] },
  {
    title: 'header line without a colon',
    input: 'headers',
    inputs: () => ({ headers: `Authorization Bearer ${SECRET}` }),
    hidden: [SECRET],
  },
  {
    title: 'header name with a space',
    input: 'headers',
    inputs: () => ({ headers: `X ${SECRET}: x` }),
    hidden: [SECRET],
  },
  {
    title: 'header value with an ESC (environment variables cannot carry a NUL)',
    input: 'headers',
    inputs: () => ({ headers: `Authorization: Bearer ${SECRET}\u001b[0m` }),
    hidden: [SECRET],
  },
  {
    title: 'header value with a lone CR (response splitting)',
    input: 'headers',
    inputs: () => ({ headers: `X-Token: ${SECRET}\rX-Injected: 1` }),
    hidden: [SECRET],
  },
  {
    title: 'header value with a bidi isolate',
    input: 'headers',
    inputs: () => ({ headers: `X-Token: ${SECRET}\u2066` }),
    hidden: [SECRET],
  },
  {
    title: 'header value of 9000 characters',
    input: 'headers',
    inputs: () => ({ headers: `X-Token: ${SECRET}${'k'.repeat(9000)}` }),
    hidden: [SECRET],
  },
  {
    title: '65 headers',
    input: 'headers',
    inputs: () => ({ headers: Array.from({ length: 65 }, (_, i) => `X-H${i}: ${SECRET}`).join('\n') }),
    hidden: [SECRET],
  },
  {
    title: 'header name of 300 characters',
    input: 'headers',
    inputs: () => ({ headers: `X-${'n'.repeat(300)}: ${SECRET}` }),
    hidden: [SECRET],
  },
  // checks, inline
  checkCase('checks that are not YAML', '- path: /health\n  expect-status: [200'),
  checkCase('checks that are an alias bomb', aliasBomb),
  checkCase('check header value with an escaped CR LF', `- { path: /, headers: { X-Token: "${SECRET}\\r\\nX: 1" } }`, [
    SECRET,
  ]),
  checkCase('check header value with an escaped NUL', `- { path: /, headers: { X-Token: "${SECRET}\\0" } }`, [SECRET]),
  checkCase(
    'check header value of 9000 characters',
    `- { path: /, headers: { X-Token: "${SECRET}${LONG.repeat(30)}" } }`,
    [SECRET],
  ),
  checkCase('check header name that is not a token', `- { path: /, headers: { "X Token": "${SECRET}" } }`, [SECRET]),
  checkCase('check name with an escaped bidi override', '- { path: /, name: "admin \\u202e gnp.exe" }'),
  checkCase('check name of 300 characters', `- { path: /, name: ${LONG} }`, [LONG]),
  checkCase('check path with an escaped line feed', '- { path: "/health\\nX-Injected: 1" }'),
  checkCase('check path with a space', '- { path: /a b }'),
  checkCase('check path without a leading slash', `- { path: ${LONG} }`, [LONG]),
  checkCase('check path of 3000 characters', `- { path: /${'p'.repeat(3000)} }`, ['p'.repeat(3000)]),
  checkCase('check path with an escaped tab', '- { path: "/a\\tb" }'),
  checkCase('regex with a backreference', '- { path: /, expect-header: { etag: "/(a+)\\\\1/" } }'),
  checkCase('regex with a named backreference', '- { path: /, expect-json: { a: "/(?<x>a)\\\\k<x>/" } }'),
  checkCase('regex with a lookahead', '- { path: /, expect-json: { a: "/^(?=a+)+b/" } }'),
  checkCase('regex with a lookbehind', '- { path: /, expect-header: { etag: "/(?<!a)b/" } }'),
  checkCase('regex with the v flag', '- { path: /, expect-header: { etag: "/[a--b]/v" } }'),
  checkCase('regex of 1200 characters', `- { path: /, expect-header: { etag: "/${'a'.repeat(1200)}/" } }`, [
    'a'.repeat(1200),
  ]),
  checkCase('regex with a repeat count over 1000', '- { path: /, expect-header: { etag: "/a{1001}/" } }'),
  checkCase('an unknown key of 300 characters', `- { path: /, ${LONG}: 1 }`, [LONG]),
  checkCase(
    'an expect-body-contains of 20000 characters',
    `- { path: /, expect-body-contains: ${'t'.repeat(20000)} }`,
    ['t'.repeat(20000)],
  ),
  checkCase('an expect-status that is a long word', `- { path: /, expect-status: ${LONG} }`, [LONG]),
  checkCase(
    'two checks with the same long name',
    `- { path: /a, name: ${'n'.repeat(90)} }\n- { path: /b, name: ${'n'.repeat(90)} }`,
    ['n'.repeat(90)],
  ),
  checkCase('a body on a GET', '- { path: /, body: { a: 1 } }'),
  // checks, files
  checkCase('checks file outside the workspace (absolute)', '/etc/passwd.yml'),
  checkCase('checks file outside the workspace (../)', '../../../../etc/shadow.yml'),
  checkCase('checks file that is a symlink leading outside', '.github/link.yml'),
  checkCase('checks file in a linked folder outside', 'linked-dir/checks.yml'),
  checkCase('checks file with an escaped CR LF in a header value', '.github/ctrl.yml', [SECRET]),
  checkCase('checks file with an escaped NUL in a header value', '.github/nul.yml', [SECRET]),
  checkCase('checks file with a bidi override in a name', '.github/bidi.yml'),
  checkCase('checks file with a raw BEL in a name', '.github/raw-ctrl.yml'),
  checkCase('checks file that is an alias bomb', '.github/bomb.yml'),
  checkCase('checks file with a body over 1 MiB', '.github/big-body.yml'),
  checkCase('checks file with 201 checks', '.github/many.yml'),
  checkCase('checks file nested 40 deep', '.github/deep.yml'),
  checkCase('checks file with a 9000-character header value', '.github/header-long.yml', [SECRET]),
  // other inputs
  { title: 'negative timeout', input: 'timeout-seconds', inputs: () => ({ 'timeout-seconds': -1 }) },
  { title: 'zero interval', input: 'interval-seconds', inputs: () => ({ 'interval-seconds': 0 }) },
  {
    title: 'request timeout too long',
    input: 'request-timeout-seconds',
    inputs: () => ({ 'request-timeout-seconds': 601 }),
  },
  { title: 'samples as a word', input: 'samples', inputs: () => ({ samples: LONG }), hidden: [LONG] },
  { title: 'concurrency of zero', input: 'concurrency', inputs: () => ({ concurrency: 0 }) },
  { title: 'latency as a word', input: 'latency-p95-ms', inputs: () => ({ 'latency-p95-ms': 'fast' }) },
  { title: 'follow-redirects as a word', input: 'follow-redirects', inputs: () => ({ 'follow-redirects': 'maybe' }) },
  {
    title: 'forward-headers-on-redirect as a word',
    input: 'forward-headers-on-redirect',
    inputs: () => ({ 'forward-headers-on-redirect': 'yes' }),
  },
  {
    title: 'expect-version with a line break',
    input: 'expect-version',
    inputs: () => ({ 'expect-version': 'abc1234\n::error::forged' }),
  },
  {
    title: 'expect-version of 300 characters',
    input: 'expect-version',
    inputs: () => ({ 'expect-version': LONG }),
    hidden: [LONG],
  },
  {
    title: 'version-path without a slash',
    input: 'version-path',
    inputs: () => ({ 'version-path': LONG }),
    hidden: [LONG],
  },
  { title: 'version-path with a space', input: 'version-path', inputs: () => ({ 'version-path': '/ver sion' }) },
  { title: 'version-path with a DEL', input: 'version-path', inputs: () => ({ 'version-path': '/version\u007f' }) },
  {
    title: 'version-field with an empty segment',
    input: 'version-field',
    inputs: () => ({ 'version-field': 'build..sha' }),
  },
  {
    title: 'version-field of 300 characters',
    input: 'version-field',
    inputs: () => ({ 'version-field': LONG }),
    hidden: [LONG],
  },
];

const tally = { tried: 0, clean: 0 };

describe('hostile input: one error naming the input, nothing echoed whole, no request sent', () => {
  afterAll(() => {
    // The figure for the report: every case tried, and how many held.
    process.stdout.write(`hostile inputs: ${tally.clean} clean of ${tally.tried} tried\n`);
  });

  test(`there are at least 40 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases.map((c) => [c.title, c] as const))('%s', async (_, hostile) => {
    tally.tried += 1;
    const inputs = { url: app.url, ...hostile.inputs(app.url) };
    app.requests.length = 0;
    const run = await smokeTest(inputs, { workspace });
    const errorLines = run.stdout.split('\n').filter((line) => line.startsWith('::error'));
    expect({ exitCode: run.exitCode, errorLines: errorLines.length }).toEqual({ exitCode: 1, errorLines: 1 });
    const [message] = run.errors;
    expect(message.startsWith(`Input '${hostile.input}' `)).toBe(true);
    expect(findInvisible(message, { singleLine: true })).toBeUndefined();
    const printed = `${run.stdout}\n${run.stderr}`;
    for (const value of Object.values(inputs)) {
      if (typeof value === 'string' && value.length > 80) expect(printed).not.toContain(value);
    }
    for (const hidden of hostile.hidden ?? []) expect(printed).not.toContain(hidden);
    expect(run.outputs).toEqual({});
    expect(app.requests).toEqual([]);
    tally.clean += 1;
  });
});

/* ---------------------------------------------------------------------------------------------- */

const TOKEN = 'tok_9Qe7LkP2xZ4vB8nM1cR6tY3uW5sA0dF';
const SESSION = 'sess-7f3e9a1b2c4d6e8f0a1b';
const API_KEY = 'key-41d8cd98f00b204e9800998ecf8427e';
const PASSWORD = 'correct-horse-battery';
const BASIC = Buffer.from(`deployer:${PASSWORD}`).toString('base64');
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'echoed-report.md');

/** Every secret of the echo run, in every form the runner would also mask. */
const secretForms = [
  TOKEN,
  `Bearer ${TOKEN}`,
  SESSION,
  API_KEY,
  PASSWORD,
  `deployer:${PASSWORD}`,
  `Basic ${BASIC}`,
].flatMap(encodedForms);
const leaks = (text: string) => secretForms.filter((form) => text.includes(form));

/** A debug page that shows the request headers as they came, URL-encoded and in base64. */
function echoHeaders(headers: IncomingHttpHeaders): string {
  const lines = Object.entries(headers).map(([name, value]) => {
    const text = String(value);
    return `${name}: ${text} | url: ${encodeURIComponent(text)} | b64: ${Buffer.from(text).toString('base64')}`;
  });
  return `<h1>500 Internal Server Error</h1><pre>${lines.join('\n')}</pre>`;
}

describe('a server that echoes the request headers: no secret leaves', () => {
  let echo: Awaited<ReturnType<typeof recordingServer>>;
  const sent: string[] = [];
  let run: ActionRun;

  beforeAll(async () => {
    echo = await recordingServer((req, res) => {
      const { authorization = '', 'x-api-key': key = '' } = req.headers as Record<string, string>;
      const echoed = {
        'x-echo-auth': authorization,
        'x-echo-auth-url': encodeURIComponent(authorization),
        'x-echo-auth-b64': Buffer.from(authorization).toString('base64'),
        'x-echo-key': String(key),
      };
      let body: string;
      if (req.url === '/version') {
        body = JSON.stringify({ commit: String(key || authorization) });
        res.writeHead(200, { 'content-type': 'application/json', ...echoed });
      } else if (req.url === '/headers') {
        body = JSON.stringify({
          auth: authorization,
          decoded: authorization.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString() : '',
        });
        res.writeHead(200, { 'content-type': 'application/json', ...echoed });
      } else {
        body = echoHeaders(req.headers);
        res.writeHead(500, { 'content-type': 'text/html', ...echoed });
      }
      sent.push(body, ...Object.values(echoed));
      res.end(body);
    });
    run = await smokeTest({
      url: echo.url,
      headers: `Authorization: Bearer ${TOKEN}\nX-Session: ${SESSION}`,
      checks: [
        '- name: debug page',
        '  path: /debug',
        '- name: echo in headers and JSON',
        '  path: /headers',
        '  expect-header: { x-echo-auth: nope, x-echo-auth-url: nope, x-echo-auth-b64: nope, x-echo-key: nope }',
        '  expect-json: { auth: nope, decoded: nope }',
        '- name: basic credentials',
        '  path: /headers',
        `  headers: { Authorization: "Basic ${BASIC}", X-Api-Key: ${API_KEY} }`,
        '  expect-json: { auth: nope, decoded: nope }',
        '  expect-header: { x-echo-key: nope }',
        '- name: with a key, on the debug page',
        '  path: /debug-key',
        `  headers: { X-Api-Key: ${API_KEY} }`,
      ].join('\n'),
    });
  });
  afterAll(() => echo.close());

  test('the app did echo every secret, raw, URL-encoded and in base64 (or this test proves nothing)', () => {
    const everything = sent.join('\n');
    for (const secret of [TOKEN, SESSION, API_KEY, PASSWORD]) expect(everything).toContain(secret);
    expect(everything).toContain(encodeURIComponent(`Bearer ${TOKEN}`));
    expect(everything).toContain(Buffer.from(`Bearer ${TOKEN}`).toString('base64'));
    expect(run.exitCode).toBe(1);
  });

  test('the report, results and version outputs, the summary and every annotation hold none of them', () => {
    expect(leaks(run.outputs.report)).toEqual([]);
    expect(leaks(run.outputs.results)).toEqual([]);
    expect(leaks(run.outputs.version)).toEqual([]);
    expect(leaks(run.summary)).toEqual([]);
    expect(leaks(run.errors.join('\n'))).toEqual([]);
    expect(leaks(Object.values(run.outputs).join('\n'))).toEqual([]);
  });

  test('nor does the log, but for the masks the runner is asked to apply', () => {
    const log = run.stdout.replace(/^::add-mask::.*$/gm, '');
    expect(leaks(log)).toEqual([]);
    expect(leaks(run.stderr)).toEqual([]);
    expect(run.masked).toEqual(expect.arrayContaining([TOKEN, SESSION, API_KEY, PASSWORD]));
  });

  test('the report says something was redacted, and still says what failed', () => {
    expect(run.outputs.report).toContain('| Redacted | secrets sent in headers were found');
    expect(run.outputs.report).toContain('***');
    expect(run.outputs.report).toContain('`debug page` | ❌ failed | 500');
    expect(run.outputs.report).toContain('500 Internal Server Error');
    expect(run.outputs.version).toBe('***');
    const results = JSON.parse(run.outputs.results) as { name: string; failure?: string }[];
    expect(results.find((r) => r.name === 'echo in headers and JSON')?.failure).toContain(
      'expected header x-echo-auth "nope", got "***"',
    );
  });

  test('the report saved for the pr-comment chain is this redacted report', () => {
    // UPDATE_FIXTURES=1 writes it again; otherwise the saved one is held to the same rules.
    if (process.env.UPDATE_FIXTURES === '1' || !existsSync(FIXTURE)) writeFileSync(FIXTURE, run.outputs.report);
    const saved = readFileSync(FIXTURE, 'utf8');
    expect(leaks(saved)).toEqual([]);
    expect(saved).toContain('| Redacted | secrets sent in headers were found');
    // Figures, ports and the echoed host differ from run to run; rows and their first cells do not.
    const shape = (report: string) => report.split('\n').map((line) => line.split('|').slice(0, 2).join('|'));
    expect(shape(saved)).toEqual(shape(run.outputs.report));
  });
});
