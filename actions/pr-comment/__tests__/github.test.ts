import { describe, expect, test } from '@jest/globals';
import { acceptedPermissions, explain } from '../src/github.js';

const purpose = { doing: 'comment on pull request #12', permission: 'pull-requests: write or issues: write' };
const requestError = (status: number, message: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`${message} - https://docs.github.com/rest`), {
    status,
    response: { headers, data: { message } },
  });

describe('naming the missing permission', () => {
  test.each([
    ['issues=write; pull_requests=write', 'issues: write or pull-requests: write'],
    ['contents=read,pull_requests=read', 'contents: read and pull-requests: read'],
    ['deployments=write', 'deployments: write'],
    ['', undefined],
    [undefined, undefined],
  ])('x-accepted-github-permissions %j', (header, expected) => {
    expect(acceptedPermissions(header)).toBe(expected);
  });

  test.each([
    [
      requestError(403, 'Resource not accessible by integration', { 'x-accepted-github-permissions': 'issues=write' }),
      "GitHub refused to comment on pull request #12 (403 Resource not accessible by integration). The token needs the 'issues: write' permission: add 'issues: write' under the job's 'permissions:'",
    ],
    [
      requestError(403, 'Resource not accessible by integration'),
      "The token needs the 'pull-requests: write or issues: write' permission: add 'pull-requests: write'",
    ],
    [
      requestError(401, 'Bad credentials'),
      "GitHub refused the token while trying to comment on pull request #12 (401 Bad credentials). Check the 'token' input",
    ],
    [requestError(404, 'Not Found'), 'GitHub found nothing when trying to comment on pull request #12 (404 Not Found)'],
    [
      requestError(403, 'You have exceeded a secondary rate limit'),
      'Could not comment on pull request #12: GitHub answered 403 You have exceeded a secondary rate limit',
    ],
    [requestError(502, 'Server Error'), 'Could not comment on pull request #12: GitHub answered 502 Server Error'],
    [new Error('socket hang up'), 'Could not comment on pull request #12: socket hang up'],
  ])('%s', (error, message) => {
    expect(explain(error, purpose).message).toContain(message);
  });
});
