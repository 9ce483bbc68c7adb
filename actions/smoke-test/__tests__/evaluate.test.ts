import { describe, expect, test } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { parseChecks } from '../src/checks.js';
import { bodyExcerpt, deepEqual, evaluateResponse, type ObservedResponse } from '../src/evaluate.js';

const check = (yaml: string) =>
  parseChecks(parseYaml(`- path: /\n  ${yaml.trim().replace(/\n/g, '\n  ')}`), 'inline')[0];

const response = (
  overrides: Partial<Omit<ObservedResponse, 'headers'>> & { headers?: Record<string, string> } = {},
) => ({
  status: overrides.status ?? 200,
  body: overrides.body ?? '{"status":"ok","version":"1.2.3","build":{"number":7},"items":[{"id":1},{"id":2}]}',
  headers: new Headers(
    overrides.headers ?? { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r-1' },
  ),
});

describe('evaluateResponse', () => {
  test.each([
    ['default 2xx', '', {}],
    ['exact status', 'expect-status: 204', { status: 204 }],
    ['status list', 'expect-status: [301, 302]', { status: 302 }],
    ['body contains', 'expect-body-contains: [ok, "1.2.3"]', {}],
    ['JSON string', 'expect-json: { status: ok }', {}],
    ['JSON number in nested object', 'expect-json: { build.number: 7 }', {}],
    ['JSON array index', 'expect-json: { "items.1.id": 2, "items[0]": { id: 1 } }', {}],
    ['JSON whole array', 'expect-json: { items: [{ id: 1 }, { id: 2 }] }', {}],
    ['JSON pattern', 'expect-json: { version: "/^1\\\\.2\\\\./" }', {}],
    ['JSON pattern on a number', 'expect-json: { build.number: "/^\\\\d+$/" }', {}],
    ['header exact', 'expect-header: { X-Request-Id: r-1 }', {}],
    ['header exact ignores surrounding space', 'expect-header: { x-request-id: " r-1 " }', {}],
    ['header pattern', 'expect-header: { content-type: "/^application\\\\/json/" }', {}],
    ['header absent', 'expect-header: { x-powered-by: null }', {}],
  ])('%s passes', (_, yaml, overrides) => {
    expect(evaluateResponse(check(yaml), response(overrides))).toEqual([]);
  });

  test.each([
    ['status', '', { status: 503 }, [{ kind: 'status', expected: 'status 2xx', actual: '503' }]],
    [
      'status of a redirect not followed',
      '',
      { status: 302, headers: { location: '/login?next=%2F' } },
      [{ kind: 'status', expected: 'status 2xx', actual: '302 (location: /login?next=%2F)' }],
    ],
    [
      'status list',
      'expect-status: [200, 3xx]',
      { status: 404 },
      [{ kind: 'status', expected: 'status 200, 3xx', actual: '404' }],
    ],
    [
      'body',
      'expect-body-contains: [ok, degraded]',
      {},
      [{ kind: 'body', expected: 'body containing "degraded"', actual: 'not found' }],
    ],
    [
      'JSON value',
      'expect-json: { version: "2.0.0" }',
      {},
      [{ kind: 'json', expected: 'JSON version = "2.0.0"', actual: '"1.2.3"' }],
    ],
    [
      'JSON type',
      'expect-json: { build.number: "7" }',
      {},
      [{ kind: 'json', expected: 'JSON build.number = "7"', actual: '7' }],
    ],
    [
      'JSON missing',
      'expect-json: { items.5.id: 1 }',
      {},
      [{ kind: 'json', expected: 'JSON items.5.id = 1', actual: '(missing)' }],
    ],
    [
      'JSON pattern',
      'expect-json: { version: "/^2/" }',
      {},
      [{ kind: 'json', expected: 'JSON version = matching /^2/', actual: '"1.2.3"' }],
    ],
    [
      'JSON pattern on an object',
      'expect-json: { build: "/7/" }',
      {},
      [{ kind: 'json', expected: 'JSON build = matching /7/', actual: '{"number":7}' }],
    ],
    [
      'not JSON',
      'expect-json: { a: 1 }',
      { body: '<html>' },
      [{ kind: 'json', expected: 'a JSON body', actual: 'not JSON' }],
    ],
    [
      'header exact',
      'expect-header: { content-type: application/json }',
      {},
      [
        {
          kind: 'header',
          expected: 'header content-type "application/json"',
          actual: '"application/json; charset=utf-8"',
        },
      ],
    ],
    [
      'header present that must be absent',
      'expect-header: { x-request-id: null }',
      {},
      [{ kind: 'header', expected: 'header x-request-id absent', actual: '"r-1"' }],
    ],
    [
      'header absent',
      'expect-header: { etag: "/./" }',
      {},
      [{ kind: 'header', expected: 'header etag matching /./', actual: '(absent)' }],
    ],
  ])('%s fails with expected and actual', (_, yaml, overrides, mismatches) => {
    expect(evaluateResponse(check(yaml), response(overrides))).toEqual(mismatches);
  });

  test('a wrong status is the only mismatch reported: the rest would be about an error page', () => {
    const judged = evaluateResponse(
      check('expect-body-contains: nope\nexpect-json: { a: 1 }\nexpect-header: { etag: x }'),
      response({ status: 500, body: 'oops' }),
    );
    expect(judged.map((m) => m.kind)).toEqual(['status']);
  });

  test('every other mismatch is reported at once', () => {
    const judged = evaluateResponse(
      check('expect-body-contains: nope\nexpect-json: { status: bad }\nexpect-header: { etag: x }'),
      response(),
    );
    expect(judged.map((m) => m.kind)).toEqual(['body', 'json', 'header']);
  });
});

describe('deepEqual', () => {
  test.each([
    [1, 1, true],
    [1, '1', false],
    [null, null, true],
    [null, {}, false],
    [[1, 2], [1, 2], true],
    [[1, 2], [2, 1], false],
    [[], {}, false],
    [{ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: undefined }, { b: undefined }, false],
  ])('%j and %j: %s', (a, b, equal) => {
    expect(deepEqual(a, b)).toBe(equal);
  });
});

describe('bodyExcerpt', () => {
  test('one line, whitespace collapsed', () => {
    expect(bodyExcerpt('<html>\n  <body>\r\n\tdown\n</body>')).toBe('<html> <body> down </body>');
  });
  test('at most 500 characters, marked when cut', () => {
    const excerpt = bodyExcerpt('x'.repeat(2000));
    expect(excerpt).toHaveLength(500);
    expect(excerpt.endsWith('…')).toBe(true);
    expect(bodyExcerpt('y'.repeat(500))).toBe('y'.repeat(500));
  });
});
