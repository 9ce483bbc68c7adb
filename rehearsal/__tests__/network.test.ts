import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { startAwsEmulator, type AwsEmulator } from '@shipyard/emulators/aws';
import { SOURCE_LABEL } from '@shipyard/emulators/aws/ecs/runtime-process';
import { basicAuth, pushSyntheticImage } from '@shipyard/emulators/aws/registry-fixtures';
import { registryUnavailableReason } from '@shipyard/emulators/aws/registry';
import { listenOnLoopback, unusedPort, type Listening } from '@shipyard/harness/listen';
import { runAction } from '@shipyard/harness/run-action';
import { temporaryFolder } from '@shipyard/harness/temp';
import { parseAuthority, startForwardProxy, unroutedMessage, type ForwardProxy } from '../network.js';
import { repoRoot } from '../paths.js';

/**
 * The rehearsal's forward proxy (rehearsal/network.ts) stands in for DNS: processes given its
 * `env` reach the preview host names through it, by CONNECT (Node's fetch) or absolute-form
 * requests (Node's http, curl), and reach the emulators on 127.0.0.1 directly.
 */

/** The Node 24 `npm ci` installs: the one whose fetch and http honour NODE_USE_ENV_PROXY. */
const NODE = join(repoRoot, 'node_modules', '.bin', 'node');
const PREVIEW = 'pr-7.preview.rehearsal.test';

interface Seen {
  method: string;
  host: string | undefined;
  url: string;
  body: string;
}

let lastHeaders: IncomingHttpHeaders = {};

/** Run `code` in a child Node with `env` on top of PATH and HOME; what it printed, trimmed. */
async function child(code: string, env: Record<string, string>): Promise<string> {
  const process_ = spawn(NODE, ['-e', code], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  process_.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  process_.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await once(process_, 'close');
  return out.trim();
}

const FETCH = (url: string) =>
  `fetch(${JSON.stringify(url)}).then(async (r) => console.log(r.status + ' ' + (await r.text())), (e) => console.log('error ' + e.message))`;
const HTTP_GET = (url: string) =>
  `require('node:http').get(${JSON.stringify(url)}, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log(r.statusCode + ' ' + b)); }).on('error', (e) => console.log('error ' + e.message))`;

/** Send `head` on a raw connection to the proxy; resolves with everything it answered until it closed. */
async function raw(proxy: ForwardProxy, head: string): Promise<string> {
  const { port } = new URL(proxy.url);
  const socket = connect({ host: '127.0.0.1', port: Number(port) });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.write(head);
  await once(socket, 'close');
  return text;
}

describe('the forward proxy', () => {
  let app: Listening;
  let proxy: ForwardProxy;
  let seen: Seen[] = [];
  let asked: string[] = [];
  let deadPort: number;

  beforeAll(async () => {
    app = await listenOnLoopback((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', host: req.headers.host, url: req.url ?? '', body });
        lastHeaders = req.headers;
        res.writeHead(200, { 'content-type': 'text/plain', 'x-app': 'preview' });
        res.end(`${req.headers.host} ${req.url}`);
      });
    });
    deadPort = await unusedPort();
    proxy = await startForwardProxy(async (host, port) => {
      asked.push(`${host}:${port}`);
      if (host === PREVIEW) return { host: '127.0.0.1', port: app.port };
      if (host === 'gone.preview.rehearsal.test') return { host: '127.0.0.1', port: deadPort };
      return undefined;
    });
  });
  afterAll(async () => {
    await proxy.close();
    await app.close();
  });
  const reset = () => {
    seen = [];
    asked = [];
  };

  test('its env: the proxy for http and https in both cases, loopback direct, NODE_USE_ENV_PROXY', () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(proxy.env).toEqual({
      HTTP_PROXY: proxy.url,
      http_proxy: proxy.url,
      HTTPS_PROXY: proxy.url,
      https_proxy: proxy.url,
      NO_PROXY: '127.0.0.1,localhost,::1',
      no_proxy: '127.0.0.1,localhost,::1',
      NODE_USE_ENV_PROXY: '1',
    });
  });

  test("Node's fetch (a CONNECT tunnel) reaches the routed server, which sees the preview's Host and the path", async () => {
    reset();
    expect(await child(FETCH(`http://${PREVIEW}/version`), proxy.env)).toBe(`200 ${PREVIEW} /version`);
    expect(seen).toEqual([{ method: 'GET', host: PREVIEW, url: '/version', body: '' }]);
    expect(asked).toEqual([`${PREVIEW}:80`]);
  });

  test("Node's http (an absolute-form request) is forwarded with its Host header and the path only", async () => {
    reset();
    expect(await child(HTTP_GET(`http://${PREVIEW}/version?full=1`), proxy.env)).toBe(`200 ${PREVIEW} /version?full=1`);
    expect(seen).toEqual([{ method: 'GET', host: PREVIEW, url: '/version?full=1', body: '' }]);
  });

  test('an absolute-form POST: its body and end-to-end headers go on, hop-by-hop ones do not', async () => {
    reset();
    const { port } = new URL(proxy.url);
    const answer = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>(
      (resolve, reject) => {
        const sent = request(
          {
            host: '127.0.0.1',
            port: Number(port),
            method: 'POST',
            path: `http://${PREVIEW}:8080/deploy`,
            headers: { host: `${PREVIEW}:8080`, 'proxy-authorization': 'Basic c2VjcmV0', 'x-check': 'kept' },
          },
          (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
          },
        );
        sent.on('error', reject);
        sent.end('payload');
      },
    );
    expect(answer).toMatchObject({ status: 200, body: `${PREVIEW}:8080 /deploy` });
    expect(answer.headers['x-app']).toBe('preview');
    expect(lastHeaders['x-check']).toBe('kept');
    expect(lastHeaders['proxy-authorization']).toBeUndefined();
    expect(seen).toEqual([{ method: 'POST', host: `${PREVIEW}:8080`, url: '/deploy', body: 'payload' }]);
    expect(asked).toEqual([`${PREVIEW}:8080`]);
  });

  test.each([
    ['fetch (CONNECT)', FETCH],
    ['http (absolute-form)', HTTP_GET],
  ])('%s: a host with no route gets 502 and the reason, and nothing is reached', async (_, code) => {
    reset();
    expect(await child(code('http://nowhere.example/version'), proxy.env)).toBe(
      `502 ${unroutedMessage('nowhere.example')}`,
    );
    expect(unroutedMessage('nowhere.example')).toBe(
      'the rehearsal has no network beyond loopback: nowhere.example is not one of its names',
    );
    expect(seen).toEqual([]);
  });

  test('CONNECT to an unrouted host on 443 is refused at once with the 502 and the reason', async () => {
    const answer = await raw(proxy, 'CONNECT nowhere.example:443 HTTP/1.1\r\nhost: nowhere.example:443\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(answer.endsWith(`\r\n\r\n${unroutedMessage('nowhere.example')}`)).toBe(true);
  });

  test.each([
    ['fetch (CONNECT)', FETCH],
    ['http (absolute-form)', HTTP_GET],
  ])('%s: a route to a port nobody listens on is a 502 saying so', async (_, code) => {
    expect(await child(code('http://gone.preview.rehearsal.test/'), proxy.env)).toBe(
      `502 the rehearsal forward proxy could not reach gone.preview.rehearsal.test:80 (127.0.0.1:${deadPort}): ECONNREFUSED`,
    );
  });

  test('requests for 127.0.0.1 and localhost go direct: the proxy is never asked', async () => {
    reset();
    for (const host of ['127.0.0.1', 'localhost']) {
      const url = `http://${host}:${app.port}/direct`;
      expect(await child(FETCH(url), proxy.env)).toBe(`200 ${host}:${app.port} /direct`);
      expect(await child(HTTP_GET(url), proxy.env)).toBe(`200 ${host}:${app.port} /direct`);
    }
    expect(asked).toEqual([]);
    expect(seen).toHaveLength(4);
  });

  test('names given as direct join NO_PROXY: clients do not ask the proxy for them', async () => {
    const names: string[] = [];
    const other = await startForwardProxy(
      (host) => {
        names.push(host);
        return undefined;
      },
      { direct: ['registry.rehearsal.invalid'] },
    );
    try {
      expect(other.env.NO_PROXY).toBe('127.0.0.1,localhost,::1,registry.rehearsal.invalid');
      expect(other.env.no_proxy).toBe(other.env.NO_PROXY);
      // Direct, so the resolver is asked, and knows no such name (.invalid never resolves).
      expect(await child(FETCH('http://registry.rehearsal.invalid/v2/'), other.env)).toBe('error fetch failed');
      expect(await child(FETCH('http://pr-1.preview.rehearsal.test/'), other.env)).toMatch(/^502 /);
      expect(names).toEqual(['pr-1.preview.rehearsal.test']);
    } finally {
      await other.close();
    }
  });

  test('requests the proxy cannot take: origin-form, and CONNECT without a port', async () => {
    expect(await raw(proxy, 'GET /version HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*takes absolute-form http:\/\/ requests and CONNECT/,
    );
    expect(await raw(proxy, 'CONNECT nowhere.example HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  test.each([
    ['pr-7.preview.rehearsal.test:80', { host: 'pr-7.preview.rehearsal.test', port: 80 }],
    ['PR-7.Preview.Rehearsal.Test:8080', { host: 'pr-7.preview.rehearsal.test', port: 8080 }],
    ['[::1]:443', { host: '::1', port: 443 }],
    ['pr-7.preview.rehearsal.test', undefined],
    ['host:0', undefined],
    ['host:65536', undefined],
    ['a:b:80', undefined],
  ])('the CONNECT authority %p is %p', (authority, expected) => {
    expect(parseAuthority(authority)).toEqual(expected);
  });
});

describe('closing', () => {
  test('close() ends an open tunnel and the listener: nothing is left open', async () => {
    const upstream = await listenOnLoopback((_, res) => res.end('ok'));
    const proxy = await startForwardProxy(() => ({ host: '127.0.0.1', port: upstream.port }));
    const socket: Socket = connect({ host: '127.0.0.1', port: Number(new URL(proxy.url).port) });
    socket.write(`CONNECT ${PREVIEW}:80 HTTP/1.1\r\nhost: ${PREVIEW}:80\r\n\r\n`);
    const [established] = (await once(socket, 'data')) as [Buffer];
    expect(established.toString()).toBe('HTTP/1.1 200 Connection Established\r\n\r\n');
    // The tunnel is open and idle: close() must not wait for it.
    const closed = once(socket, 'close');
    await proxy.close();
    await closed;
    await upstream.close();
    await expect(fetch(proxy.url)).rejects.toThrow('fetch failed');
  });
});

const unavailable = registryUnavailableReason();
if (unavailable) console.warn(`the proxy-to-listener test with the process runtime is skipped: ${unavailable}`);
const describeWithRegistry = unavailable ? describe.skip : describe;

/** A demo-app-like app: /version says the commit and the Host it was asked for, /health is 200. */
const APP = `
const http = require('node:http');
http.createServer((request, response) => {
  if (request.url === '/health') return response.end('ok');
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({ commit: process.env.GIT_SHA, host: request.headers.host, path: request.url }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
const HEALTH = `fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));`;

describeWithRegistry('a preview host name, through the proxy, to its ECS service behind the listener', () => {
  const SHA = '5d41402abc4b2a76b9719d911017c592ae1b3c4f';
  let aws: AwsEmulator;
  let proxy: ForwardProxy;
  let listenerArn: string;

  beforeAll(async () => {
    const source = temporaryFolder('shipyard-proxy-image-');
    writeFileSync(join(source, 'app.js'), APP);
    writeFileSync(join(source, 'health.js'), HEALTH);
    aws = await startAwsEmulator({ scenario: { timeScale: 0.001 }, tasks: { runtime: 'process' } });
    const ecr = new ECRClient(aws.clientConfig());
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    ecr.destroy();
    await pushSyntheticImage(aws.url, {
      authorization: basicAuth('AWS', aws.ecr.issueRegistryPassword(aws.clock.now())),
      repository: 'web',
      tag: 'v1',
      config: { Cmd: ['node', 'app.js'], Labels: { [SOURCE_LABEL]: source } },
    });
    aws.ecs.seedCluster('staging');
    ({
      listenerArns: [listenerArn],
    } = aws.elbv2.seedLoadBalancer({ name: 'staging', listeners: [{ port: 80 }] }));
    const group = aws.elbv2.seedTargetGroup({ name: 'web-pr-7', port: 8080 });
    aws.elbv2.seedRule({ listenerArn, priority: 7, hosts: [PREVIEW], targetGroupArn: group });
    const revision = aws.ecs.seedTaskDefinition({
      family: 'web-pr-7',
      containerDefinitions: [
        {
          name: 'web',
          image: `${aws.ecr.registryHost()}/web:v1`,
          essential: true,
          memory: 256,
          portMappings: [{ containerPort: 8080 }],
          environment: [{ name: 'GIT_SHA', value: SHA }],
          healthCheck: { command: ['CMD', 'node', 'health.js'], interval: 5, timeout: 5, retries: 2, startPeriod: 60 },
        },
      ],
    });
    aws.ecs.seedService({
      cluster: 'staging',
      serviceName: 'web-pr-7',
      taskDefinition: revision.arn,
      desiredCount: 1,
      loadBalancers: [{ targetGroupArn: group, containerName: 'web', containerPort: 8080 }],
    });
    await aws.ecs.until(
      () =>
        aws.ecs
          .tasks({ serviceName: 'web-pr-7' })
          .some((task) => task.lastStatus === 'RUNNING' && task.healthStatus === 'HEALTHY' && task.targetHealthy) ||
        undefined,
      'a healthy task of web-pr-7',
    );
    const door = new URL(aws.elbv2.listenerUrl(listenerArn));
    // The preview domain's names go to the listener's front door, as DNS would send them to the ALB.
    proxy = await startForwardProxy((host) =>
      host.endsWith('.preview.rehearsal.test') ? { host: door.hostname, port: Number(door.port) } : undefined,
    );
  });
  afterAll(async () => {
    await proxy?.close();
    await aws?.close();
  });

  test("smoke-test's bundle, given the proxy's env, passes against http://pr-7.preview.rehearsal.test", async () => {
    const run = await runAction('smoke-test', {
      inputs: {
        url: `http://${PREVIEW}`,
        'expect-version': SHA,
        'timeout-seconds': '20',
        'interval-seconds': '0.2',
      },
      env: proxy.env,
      timeoutMs: 60_000,
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', version: SHA });
    // The listener routed it by the preview's Host header to the preview's own task.
    const routed = aws.elbv2.listenerFrontDoor(listenerArn)!.routed();
    expect(routed.length).toBeGreaterThan(0);
    expect(routed.every((entry) => entry.host === PREVIEW && entry.service === 'staging/web-pr-7')).toBe(true);
    expect(aws.problems()).toEqual([]);
  });

  test('a name outside the preview domain is refused by the proxy, and smoke-test says why', async () => {
    const run = await runAction('smoke-test', {
      inputs: { url: 'http://pr-7.elsewhere.test', 'timeout-seconds': '0' },
      env: proxy.env,
      timeoutMs: 60_000,
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toBe(
      `GET /health: expected status 2xx, got 502; body: ${unroutedMessage('pr-7.elsewhere.test')}`,
    );
  });
});
