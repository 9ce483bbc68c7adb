import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runAction } from '../../../test/harness/run-action.js';

/**
 * ECR's API and its login tokens are regional: a `registry` in another region than AWS_REGION must
 * be asked in its own region, or the token does not open it and a created repository lands in the
 * wrong region. A server that records each request's SigV4 credential scope shows where the bundled
 * action signed its calls for.
 */

let server: Server;
let url: string;
const scopes: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\//.exec(request.headers.authorization ?? '');
    scopes.push(scope ? `${scope[2]} ${scope[1]}` : 'unsigned');
    request.resume();
    response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'recorded' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('the region of the calls to ECR', () => {
  test.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'ecr eu-west-1'],
    [undefined, 'ecr us-east-1'],
  ])('registry %s: signed for %s', async (registry, expected) => {
    scopes.length = 0;
    const result = await runAction('build-push-ecr', {
      inputs: { repository: 'web', registry, 'source-tag': 'candidate', tags: 'production', 'max-attempts': 1 },
      env: {
        AWS_ENDPOINT_URL: url,
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: undefined,
        AWS_ACCESS_KEY_ID: 'AKIAREGIONTEST000000',
        AWS_SECRET_ACCESS_KEY: 'region-test-secret',
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toContain('Permission denied for ecr:GetAuthorizationToken');
    expect(scopes).toEqual([expected]);
  });
});
