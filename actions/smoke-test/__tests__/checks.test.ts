import { describe, expect, test } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { InputError } from '@shipyard/shared/errors';
import {
  cut,
  defaultCheck,
  matcherText,
  parseChecks,
  parseStatusExpectation,
  quoted,
  statusMatches,
} from '../src/checks.js';

const fromYaml = (text: string) => parseChecks(parseYaml(text), 'inline');
const failWith = (problem: string): never => {
  throw new Error(problem);
};

describe('parseChecks', () => {
  test('a bare path gets GET, a name and 2xx', () => {
    expect(fromYaml('- path: /health')).toEqual([{ ...defaultCheck(), followRedirects: undefined }]);
  });

  test('every key', () => {
    const [check] = fromYaml(`
- name: create order
  path: /orders?dry-run=1
  method: post
  headers: { X-Trace: abc, Authorization: Bearer t0ken }
  body: { item: 42 }
  expect-status: [201, 3xx]
  expect-body-contains: [created, "42"]
  expect-json: { id: 7, "items[0].sku": /^SKU-/, tags: [a, b] }
  expect-header: { Content-Type: /json/i, cache-control: no-store }
  max-latency-ms: 250
  follow-redirects: false
`);
    expect(check).toMatchObject({
      name: 'create order',
      method: 'POST',
      path: '/orders?dry-run=1',
      headers: { 'X-Trace': 'abc', Authorization: 'Bearer t0ken', 'content-type': 'application/json' },
      body: '{"item":42}',
      expectStatus: { codes: [201], classes: [3], text: '201, 3xx' },
      expectBodyContains: ['created', '42'],
      maxLatencyMs: 250,
      followRedirects: false,
    });
    expect(check.expectJson.map(({ path, segments, expected }) => ({ path, segments, expected }))).toEqual([
      { path: 'id', segments: ['id'], expected: 7 },
      { path: 'items[0].sku', segments: ['items', '0', 'sku'], expected: '/^SKU-/' },
      { path: 'tags', segments: ['tags'], expected: ['a', 'b'] },
    ]);
    expect(String(check.expectJson[1].pattern)).toBe('/^SKU-/');
    expect(check.expectHeader).toEqual([
      {
        name: 'content-type',
        matcher: { kind: 'pattern', pattern: expect.objectContaining({ source: 'json', flags: 'i' }) },
      },
      { name: 'cache-control', matcher: { kind: 'exact', value: 'no-store' } },
    ]);
  });

  test('a string body is sent as it is, with the content type the check gives', () => {
    const [check] = fromYaml(`
- path: /echo
  method: PUT
  headers: { content-type: text/plain }
  body: hello
`);
    expect(check.body).toBe('hello');
    expect(check.headers).toEqual({ 'content-type': 'text/plain' });
  });

  test('JSON works as well as YAML', () => {
    expect(parseChecks(JSON.parse('[{"path": "/a", "expect-status": "2xx"}, {"path": "/b"}]'), 'inline')).toHaveLength(
      2,
    );
  });

  test('expect-header null: the header must be absent', () => {
    const [check] = fromYaml('- { path: /, expect-header: { X-Powered-By: null, etag: ~, server: nginx } }');
    expect(check.expectHeader).toEqual([
      { name: 'server', matcher: { kind: 'exact', value: 'nginx' } },
      { name: 'x-powered-by', matcher: { kind: 'absent' } },
      { name: 'etag', matcher: { kind: 'absent' } },
    ]);
  });

  test('regex flags g and y are dropped so a pattern gives the same answer every sample', () => {
    const [check] = fromYaml('- { path: /, expect-header: { etag: /W/gy } }');
    expect(check.expectHeader[0].matcher).toMatchObject({ kind: 'pattern', pattern: { source: 'W', flags: '' } });
  });

  test.each([
    ['not a list', 'path: /health', /must be a YAML list of checks.*got a mapping/],
    ['a string', 'checks.txt', /must be a YAML list.*got the text 'checks.txt'/],
    ['empty list', '[]', /empty list/],
    ['an entry that is a string', '- /health', /check 1: must be a mapping/],
    [
      'misspelt key',
      '- { path: /, expect-stauts: 200 }',
      /check 1: unknown key 'expect-stauts'. Did you mean 'expect-status'\?/,
    ],
    [
      'snake case key',
      '- { path: /, expect_status: 200 }',
      /unknown key 'expect_status'. Did you mean 'expect-status'/,
    ],
    ['unrelated key', '- { path: /, retries: 3 }', /unknown key 'retries'. Known keys: name, path/],
    ['no path', '- { method: GET }', /check 1: needs a 'path'/],
    ['relative path', '- { path: health }', /path 'health' must start with \//],
    ['a full URL as path', '- { path: "https://x.test/health" }', /must start with \//],
    ['bad method', '- { path: /, method: FETCH }', /method 'FETCH' is not one of GET, HEAD/],
    ['GET with a body', '- { path: /, body: x }', /a GET request cannot have a body/],
    ['status word', '- { path: /, expect-status: ok }', /expect-status "ok" is not a status code or class/],
    ['status out of range', '- { path: /, expect-status: 999 }', /999 is not an HTTP status code/],
    ['status class typo', '- { path: /, expect-status: 2xy }', /"2xy" is not a status code or class/],
    ['status 6xx', '- { path: /, expect-status: 6xx }', /"6xx" is not a status code or class/],
    ['status fraction', '- { path: /, expect-status: 200.5 }', /"200.5" is not a status code or class/],
    ['status empty list', '- { path: /, expect-status: [] }', /expect-status is an empty list/],
    ['body contains mapping', '- { path: /, expect-body-contains: { a: b } }', /expect-body-contains must be a string/],
    ['body contains empty', '- { path: /, expect-body-contains: "" }', /empty string/],
    ['json not a mapping', '- { path: /, expect-json: [a] }', /expect-json must be a mapping/],
    ['json bad path', '- { path: /, expect-json: { "a..b": 1 } }', /expect-json path 'a..b' has an empty segment/],
    ['json bad regex', '- { path: /, expect-json: { a: "/(/" } }', /expect-json a is not a valid regular expression/],
    ['header list', '- { path: /, expect-header: [x] }', /expect-header must be a mapping/],
    ['header bad name', '- { path: /, expect-header: { "bad name": x } }', /invalid header name 'bad name'/],
    ['absent header bad name', '- { path: /, expect-header: { "bad name": null } }', /invalid header name 'bad name'/],
    ['header string', '- { path: /, expect-header: "content-type: x" }', /expect-header must be a mapping/],
    ['header bad regex', '- { path: /, expect-header: { etag: "/[/" } }', /expect-header etag is not a valid regular/],
    ['request header object', '- { path: /, headers: { x: { y: 1 } } }', /headers x must be a string/],
    ['latency zero', '- { path: /, max-latency-ms: 0 }', /max-latency-ms must be a positive number/],
    ['latency text', '- { path: /, max-latency-ms: fast }', /max-latency-ms must be a positive number/],
    ['redirects text', '- { path: /, follow-redirects: sometimes }', /follow-redirects must be true or false/],
    ['HEAD with body check', '- { path: /, method: HEAD, expect-body-contains: x }', /HEAD response has no body/],
    ['two checks, one name', '- { path: /a, name: x }\n- { path: /b, name: x }', /two checks named 'x'/],
    ['same default name', '- { path: /a }\n- { path: /a }', /two checks named 'GET \/a'/],
  ])('%s is an input error', (_, text, message) => {
    let thrown: unknown;
    try {
      fromYaml(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).input).toBe('checks');
    expect((thrown as Error).message).toMatch(/^Input 'checks' /);
    expect((thrown as Error).message).toMatch(message);
  });

  test('a later check names its position and its name', () => {
    expect(() => fromYaml('- path: /a\n- { path: /b, expect-status: nope }')).toThrow(
      /check 2 \(GET \/b\): expect-status "nope"/,
    );
  });

  test('a file origin is named in the error', () => {
    expect(() => parseChecks({}, '/repo/smoke.yml')).toThrow(/\(in \/repo\/smoke.yml\)/);
  });
});

describe('expect-status', () => {
  test.each([
    [200, 200, true],
    ['204', 204, true],
    ['2xx', 299, true],
    ['2XX', 200, true],
    ['2xx', 301, false],
    [[200, 204], 204, true],
    [[200, 204], 201, false],
    [['3xx', 404], 404, true],
    [['3xx', 404], 302, true],
    [['3xx', 404], 500, false],
    ['5xx', 503, true],
  ])('%j accepts %d: %s', (expectation, status, accepted) => {
    expect(statusMatches(parseStatusExpectation(expectation, failWith), status)).toBe(accepted);
  });
});

describe('how the values of a check read in a failure or the report', () => {
  test.each([
    ['short', 'ok', '"ok"'],
    ['with a quote, JSON-escaped', 'say "hi"', '"say \\"hi\\""'],
    ['past the limit, cut with a note', 'x'.repeat(85), `"${'x'.repeat(80)}"… (5 more characters not shown)`],
  ])('quoted: %s', (_, text, shown) => {
    expect(quoted(text)).toBe(shown);
  });
  test.each([
    ['short', 'text', 'text'],
    ['past the limit', 'y'.repeat(90), `${'y'.repeat(80)}… (10 more characters not shown)`],
  ])('cut: %s', (_, text, shown) => {
    expect(cut(text)).toBe(shown);
  });
  test('matcherText: an exact value quoted, an absent header named', () => {
    expect(matcherText({ kind: 'exact', value: 'application/json' })).toBe('"application/json"');
    expect(matcherText({ kind: 'absent' })).toBe('absent');
  });
});
