// SCRAM-SHA-256 (RFC 5802, RFC 7677) server side, without channel binding (no -PLUS: we do
// not speak TLS). Pure functions; the exchange itself runs in auth.ts.

import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

import { PgError, protocolViolation } from './errors.js';
import { SqlState } from './sqlstate.js';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
/** PostgreSQL's default scram_iterations. */
export const SCRAM_ITERATIONS_DEFAULT = 4096;
/** Bytes of randomness in the server nonce and in a generated salt (PostgreSQL's sizes). */
export const SCRAM_NONCE_BYTES = 18;
export const SCRAM_SALT_BYTES = 16;
const SCRAM_KEY_BYTES = 32;

/** What the server stores for a user (PostgreSQL's pg_authid.rolpassword, parsed). */
export interface ScramSecret {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

function hmac(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/**
 * SASLprep (RFC 4013) as PostgreSQL applies it: map non-ASCII spaces to space, drop
 * "mapped to nothing" characters, NFKC; if the result has prohibited characters, the raw
 * password is used instead (PostgreSQL does the same, so such passwords still work).
 */
export function saslPrep(password: string): string {
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  const mapped = password
    .replace(/[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g, ' ')
    .replace(/[\u00ad\u034f\u1806\u180b-\u180d\u200c\u200d\u2060\ufe00-\ufe0f\ufeff]/g, '')
    .normalize('NFKC');
  const prohibited = /[\u0000-\u001f\u007f-\u009f\u0340\u0341\u200e\u200f\u202a-\u202e\u206a-\u206f\ud800-\udfff\ue000-\uf8ff\ufff9-\ufffd]/;
  return mapped === '' || prohibited.test(mapped) ? password : mapped;
}

export function saltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(saslPrep(password), 'utf8'), salt, iterations, SCRAM_KEY_BYTES, 'sha256');
}

/** Derives what to store for `password`. `salt` is SCRAM_SALT_BYTES of randomness. */
export function scramSecret(password: string, salt: Buffer, iterations = SCRAM_ITERATIONS_DEFAULT): ScramSecret {
  const salted = saltedPassword(password, salt, iterations);
  return {
    salt,
    iterations,
    storedKey: sha256(hmac(salted, 'Client Key')),
    serverKey: hmac(salted, 'Server Key'),
  };
}

/** PostgreSQL's text form: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`. */
export function formatScramVerifier(s: ScramSecret): string {
  return `${SCRAM_MECHANISM}$${s.iterations}:${s.salt.toString('base64')}$${s.storedKey.toString('base64')}:${s.serverKey.toString('base64')}`;
}

export function parseScramVerifier(text: string): ScramSecret | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(text);
  if (m === null) return undefined;
  const secret = {
    iterations: Number(m[1]),
    salt: Buffer.from(m[2], 'base64'),
    storedKey: Buffer.from(m[3], 'base64'),
    serverKey: Buffer.from(m[4], 'base64'),
  };
  return secret.storedKey.length === SCRAM_KEY_BYTES && secret.serverKey.length === SCRAM_KEY_BYTES ? secret : undefined;
}

/** Checks a cleartext password against a stored secret. */
export function scramCheckPassword(password: string, s: ScramSecret): boolean {
  const computed = scramSecret(password, s.salt, s.iterations);
  return timingSafeEqual(computed.storedKey, s.storedKey);
}

function malformed(detail: string): PgError {
  const e = protocolViolation('malformed SCRAM message');
  e.detail = detail;
  return e;
}

export interface ClientFirst {
  /** gs2 header, e.g. "n,," (kept to check the c= attribute of client-final). */
  gs2Header: string;
  /** client-first-message-bare, part of the AuthMessage. */
  bare: string;
  clientNonce: string;
}

/** Parses client-first-message: gs2-header client-first-message-bare. */
export function parseClientFirst(message: string): ClientFirst {
  const cbind = message[0];
  if (cbind === 'p') {
    throw malformed('The client selected SCRAM-SHA-256-PLUS channel binding, which this server does not support.');
  }
  if ((cbind !== 'n' && cbind !== 'y') || message[1] !== ',') {
    throw malformed(`Unexpected channel-binding flag "${cbind ?? ''}".`);
  }
  const authzEnd = message.indexOf(',', 2);
  if (authzEnd < 0) throw malformed('Comma expected, but found end of string.');
  if (authzEnd !== 2) {
    throw new PgError(SqlState.FeatureNotSupported, 'client uses authorization identity, but it is not supported', {}, 'FATAL');
  }
  const gs2Header = message.slice(0, 3);
  const bare = message.slice(3);
  const attrs = bare.split(',');
  // n=<user> (ignored: the StartupMessage names the user; libpq sends it empty), r=<nonce>
  if (attrs.length < 2 || !attrs[0].startsWith('n=')) throw malformed('Expected attribute "n".');
  if (!attrs[1].startsWith('r=')) throw malformed('Expected attribute "r".');
  const clientNonce = attrs[1].slice(2);
  // printable ASCII except ','
  if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) throw malformed('Invalid nonce.');
  if (attrs.slice(2).some((a) => a.startsWith('m='))) {
    throw malformed('Client requires an unsupported SCRAM extension.');
  }
  return { gs2Header, bare, clientNonce };
}

export function serverFirstMessage(nonce: string, secret: ScramSecret): string {
  return `r=${nonce},s=${secret.salt.toString('base64')},i=${secret.iterations}`;
}

export interface ClientFinal {
  channelBinding: string;
  nonce: string;
  proof: Buffer;
  /** client-final-message-without-proof, part of the AuthMessage. */
  withoutProof: string;
}

export function parseClientFinal(message: string): ClientFinal {
  const proofAt = message.lastIndexOf(',p=');
  if (proofAt < 0) throw malformed('Could not find proof in client-final-message.');
  const withoutProof = message.slice(0, proofAt);
  const attrs = withoutProof.split(',');
  if (!attrs[0]?.startsWith('c=')) throw malformed('Expected attribute "c".');
  if (!attrs[1]?.startsWith('r=')) throw malformed('Expected attribute "r".');
  const proofText = message.slice(proofAt + 3);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(proofText)) throw malformed('Malformed proof in client-final-message.');
  const proof = Buffer.from(proofText, 'base64');
  if (proof.length !== SCRAM_KEY_BYTES) throw malformed('Malformed proof in client-final-message.');
  return { channelBinding: attrs[0].slice(2), nonce: attrs[1].slice(2), proof, withoutProof };
}

/**
 * Verifies the client's proof. Returns the server-final-message on success, undefined when
 * the password was wrong. Throws 08P01 when the message does not belong to this exchange.
 */
export function verifyClientFinal(
  first: ClientFirst, serverFirst: string, nonce: string, final: ClientFinal, secret: ScramSecret,
): string | undefined {
  if (final.channelBinding !== Buffer.from(first.gs2Header).toString('base64')) {
    throw malformed('SCRAM channel binding check failed.');
  }
  if (final.nonce !== nonce) throw malformed('Nonce does not match.');
  const authMessage = `${first.bare},${serverFirst},${final.withoutProof}`;
  const clientSignature = hmac(secret.storedKey, authMessage);
  const clientKey = xor(final.proof, clientSignature);
  if (!timingSafeEqual(sha256(clientKey), secret.storedKey)) return undefined;
  return `v=${hmac(secret.serverKey, authMessage).toString('base64')}`;
}
