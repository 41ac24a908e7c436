// AWS Signature Version 4 verification of a DynamoDB request (Authorization header form),
// with DynamoDB's errors: no signature -> MissingAuthenticationToken, a malformed header ->
// IncompleteSignature, an unknown access key -> UnrecognizedClient, a date more than 15
// minutes off -> InvalidSignature "Signature expired" / "not yet current", a mismatch ->
// InvalidSignature. Pure: time comes in as an argument.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { incompleteSignature, invalidSignature, missingAuthenticationToken, unrecognizedClient } from './errors.js';

export const SIGNATURE_SKEW_MS_MAX = 15 * 60 * 1000;
const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface SignedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body bytes as sent (before any gunzip). */
  readonly body: Buffer;
}

/** Access key id -> secret access key. */
export type Credentials = ReadonlyMap<string, string>;

function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 encoding as SigV4 wants it. */
function uriEncode(s: string, keepSlash: boolean): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(keepSlash ? /%2F/g : /$^/g, '/');
}

function canonicalUri(path: string): string {
  if (path === '' || path === '/') return '/';
  return path.split('/').map((seg) => {
    let decoded = seg;
    try {
      decoded = decodeURIComponent(seg);
    } catch { /* keep as sent */ }
    return uriEncode(decoded, false);
  }).join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query.split('&').filter((x) => x !== '').map((kv) => {
    const i = kv.indexOf('=');
    const k = i < 0 ? kv : kv.slice(0, i);
    const v = i < 0 ? '' : kv.slice(i + 1);
    const dec = (x: string): string => {
      try {
        return decodeURIComponent(x.replace(/\+/g, ' '));
      } catch {
        return x;
      }
    };
    return [uriEncode(dec(k), false), uriEncode(dec(v), false)] as const;
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** 20240131T235959Z -> ms since the epoch, or undefined. */
function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? undefined : ms;
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

interface ParsedAuthorization {
  readonly accessKey: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: string[];
  readonly signature: string;
}

function parseAuthorization(auth: string): ParsedAuthorization {
  if (!auth.startsWith(`${ALGORITHM} `)) {
    throw incompleteSignature(`Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=${auth}`);
  }
  const params = new Map<string, string>();
  for (const part of auth.slice(ALGORITHM.length + 1).split(',')) {
    const i = part.indexOf('=');
    if (i > 0) params.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((k) => !params.get(k));
  if (missing.length > 0) {
    throw incompleteSignature(`${missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' ')} Authorization=${auth}`);
  }
  const scope = params.get('Credential')!.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw incompleteSignature(`Credential should be scoped to a valid region. `);
  }
  return {
    accessKey: scope[0],
    date: scope[1],
    region: scope[2],
    service: scope[3],
    signedHeaders: params.get('SignedHeaders')!.split(';'),
    signature: params.get('Signature')!,
  };
}

/** Throws DynamoDB's authentication error unless `req` is correctly signed by a known key. */
export function verifySigV4(req: SignedRequest, credentials: Credentials, nowMs: number): void {
  const auth = header(req, 'authorization');
  if (auth === undefined || auth === '') throw missingAuthenticationToken();
  const a = parseAuthorization(auth);
  const amzDate = header(req, 'x-amz-date') ?? header(req, 'date');
  if (amzDate === undefined) {
    throw incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const secret = credentials.get(a.accessKey);
  if (secret === undefined) throw unrecognizedClient();
  const dateMs = parseAmzDate(amzDate) ?? Date.parse(amzDate);
  if (Number.isNaN(dateMs)) throw incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  if (dateMs < nowMs - SIGNATURE_SKEW_MS_MAX) {
    throw invalidSignature(
      `Signature expired: ${formatAmzDate(dateMs)} is now earlier than ${formatAmzDate(nowMs - SIGNATURE_SKEW_MS_MAX)} (${formatAmzDate(nowMs)} - 15 min.)`,
    );
  }
  if (dateMs > nowMs + SIGNATURE_SKEW_MS_MAX) {
    throw invalidSignature(
      `Signature not yet current: ${formatAmzDate(dateMs)} is still later than ${formatAmzDate(nowMs + SIGNATURE_SKEW_MS_MAX)} (${formatAmzDate(nowMs)} + 15 min.)`,
    );
  }
  if (!a.signedHeaders.includes('host')) {
    throw invalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const canonicalHeaders = a.signedHeaders.map((h) => `${h}:${(header(req, h) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payloadHash = sha256Hex(req.body);
  const canonicalRequest = [req.method, canonicalUri(path), canonicalQuery(query), canonicalHeaders, a.signedHeaders.join(';'), payloadHash].join('\n');
  const scope = `${a.date}/${a.region}/${a.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, a.date), a.region), a.service), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  const given = Buffer.from(a.signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected, 'utf8'))) {
    throw invalidSignature(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
}
