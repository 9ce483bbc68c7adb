import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AwsServiceError } from './types.js';

/**
 * AWS refuses a request without a Signature Version 4 `Authorization` header, and so does the
 * emulator: a client that forgot to sign (or signed for the wrong service) fails here as it would
 * against AWS. When the scenario lists credentials, the signature itself is recomputed and checked.
 */

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

export type SignatureCheck = { ok: true; scope: CredentialScope } | { ok: false; error: AwsServiceError };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request, ?SignedHeaders=([^,\s]+), ?Signature=([0-9a-f]{64})$/;

export function verifySignature(
  request: IncomingMessage,
  body: Buffer,
  credentials: readonly { accessKeyId: string; secretAccessKey: string }[] | undefined,
): SignatureCheck {
  const header = request.headers.authorization;
  if (!header) {
    return {
      ok: false,
      error: new AwsServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403),
    };
  }
  const match = AUTHORIZATION.exec(header);
  if (!match) {
    return {
      ok: false,
      error: new AwsServiceError(
        'IncompleteSignatureException',
        `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256). Authorization=${header.split(' ')[0]}`,
        403,
      ),
    };
  }
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match;
  const scope: CredentialScope = { accessKeyId, date, region, service };
  if (!credentials || credentials.length === 0) return { ok: true, scope };

  const known = credentials.find((candidate) => candidate.accessKeyId === accessKeyId);
  if (!known) {
    return {
      ok: false,
      error: new AwsServiceError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        403,
      ),
    };
  }
  const expected = computeSignature(request, body, scope, signedHeaders.split(';'), known.secretAccessKey);
  if (!expected || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return {
      ok: false,
      error: new AwsServiceError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
        403,
      ),
    };
  }
  return { ok: true, scope };
}

function computeSignature(
  request: IncomingMessage,
  body: Buffer,
  scope: CredentialScope,
  signedHeaders: string[],
  secretAccessKey: string,
): string | undefined {
  const amzDate = request.headers['x-amz-date'];
  if (typeof amzDate !== 'string') return undefined;
  const url = new URL(request.url ?? '/', 'http://emulator');
  const canonicalQuery = [...url.searchParams.entries()]
    .map(([key, value]) => [encode(key), encode(value)])
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = request.headers[name];
      const text = Array.isArray(value) ? value.join(',') : (value ?? '');
      return `${name}:${text.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const payloadHash = (request.headers['x-amz-content-sha256'] as string | undefined) ?? sha256(body);
  const canonicalRequest = [
    request.method,
    url.pathname.split('/').map(encode).join('/') || '/',
    canonicalQuery,
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${secretAccessKey}`, scope.date);
  for (const part of [scope.region, scope.service, 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function encode(text: string): string {
  return encodeURIComponent(decodeURIComponent(text)).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
