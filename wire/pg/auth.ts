// Authentication exchanges (docs: "Message Flow, Start-up" and "SASL Authentication"):
// trust, cleartext password, MD5 and SCRAM-SHA-256, against a PgUserStore. The exchange is
// written against AuthChannel (send an 'R' message, read the next 'p' message) so it has no
// socket in it; connection.ts provides the channel.
//
// Like PostgreSQL, an unknown user goes through the same exchange as a known one (with a
// made-up secret) and fails with the same 28P01, so the reply does not reveal who exists.

import { createHash, timingSafeEqual } from 'node:crypto';

import { PgError, passwordFailed, protocolViolation } from './errors.js';
import { AuthCode } from './messages.js';
import {
  SCRAM_ITERATIONS_DEFAULT, SCRAM_MECHANISM, SCRAM_NONCE_BYTES, SCRAM_SALT_BYTES, parseClientFinal, parseClientFirst,
  scramCheckPassword, scramSecret, serverFirstMessage, verifyClientFinal, type ScramSecret,
} from './scram.js';
import { SqlState } from './sqlstate.js';

export type PgAuthMethod = 'trust' | 'password' | 'md5' | 'scram-sha-256';

/** What the server knows about a user. Passwords are never stored, only these digests. */
export interface PgUserRecord {
  /** `'md5' + md5hex(password + username)`, PostgreSQL's MD5 format; see md5Secret(). */
  md5?: string;
  /** SCRAM-SHA-256 secret; see scramSecret() and parseScramVerifier(). */
  scram?: ScramSecret;
  /** Reported to the client as ParameterStatus is_superuser (psql's `#` prompt). */
  superuser?: boolean;
  /** false: the role exists but may not log in (NOLOGIN): FATAL 28000 after authentication. */
  login?: boolean;
}

export interface PgUserStore {
  /** The user's record, or undefined when there is no such user. */
  getUser(name: string): PgUserRecord | undefined | Promise<PgUserRecord | undefined>;
}

export interface PgAuthOptions {
  /**
   * Like a pg_hba.conf method. 'md5' falls back to SCRAM for users with only a SCRAM secret,
   * as PostgreSQL does; 'password' checks a cleartext password against either digest.
   */
  method: PgAuthMethod;
  /** Required for every method but 'trust'; with 'trust' it only decides who exists. */
  users?: PgUserStore;
}

/** An in-memory PgUserStore: the reference implementation, for tests and embedding. */
export class MemoryUserStore implements PgUserStore {
  private readonly users = new Map<string, PgUserRecord>();

  constructor(private readonly random: (bytes: number) => Buffer) {}

  /** Stores both digests of `password` for `name`. */
  addUser(name: string, password: string, options: { superuser?: boolean; iterations?: number } = {}): this {
    this.users.set(name, {
      md5: md5Secret(name, password),
      scram: scramSecret(password, this.random(SCRAM_SALT_BYTES), options.iterations ?? SCRAM_ITERATIONS_DEFAULT),
      superuser: options.superuser,
    });
    return this;
  }

  setUser(name: string, record: PgUserRecord): this {
    this.users.set(name, record);
    return this;
  }

  getUser(name: string): PgUserRecord | undefined {
    return this.users.get(name);
  }
}

function md5hex(s: string | Buffer): string {
  return createHash('md5').update(s).digest('hex');
}

/** PostgreSQL's stored MD5 form: 'md5' + md5hex(password + username). */
export function md5Secret(user: string, password: string): string {
  return `md5${md5hex(password + user)}`;
}

/** What the client answers to an MD5 challenge (what libpq computes). */
export function md5Response(md5secret: string, salt: Buffer): string {
  return `md5${md5hex(Buffer.concat([Buffer.from(md5secret.slice(3)), salt]))}`;
}

export interface AuthChannel {
  /** Sends Authentication ('R') with `code` and `payload`, and flushes. */
  sendAuth(code: AuthCode, payload?: Buffer): void;
  /** The body of the next 'p' message; throws 08P01 on any other message or EOF. */
  readPasswordMessage(): Promise<Buffer>;
  random(bytes: number): Buffer;
}

/** Runs the exchange for `user`; resolves when authenticated (before AuthenticationOk). */
export async function authenticate(
  user: string, options: PgAuthOptions, channel: AuthChannel,
): Promise<PgUserRecord | undefined> {
  const record = await exchange(user, options, channel);
  if (record?.login === false) {
    throw new PgError(SqlState.InvalidAuthorizationSpecification, `role "${user}" is not permitted to log in`, {}, 'FATAL');
  }
  return record;
}

async function exchange(user: string, options: PgAuthOptions, channel: AuthChannel): Promise<PgUserRecord | undefined> {
  const record = await options.users?.getUser(user);
  switch (options.method) {
    case 'trust':
      if (options.users !== undefined && record === undefined) {
        throw new PgError(SqlState.InvalidAuthorizationSpecification, `role "${user}" does not exist`, {}, 'FATAL');
      }
      return record;
    case 'password':
      await cleartext(user, record, channel);
      return record;
    case 'md5':
      if (record?.md5 === undefined && record?.scram !== undefined) await scram(user, record, channel);
      else await md5(user, record, channel);
      return record;
    case 'scram-sha-256':
      await scram(user, record, channel);
      return record;
    default: {
      const never: never = options.method;
      throw new Error(`unknown auth method ${String(never)}`);
    }
  }
}

/** A NUL-terminated string that must fill the message exactly. */
function cstringBody(body: Buffer): string {
  if (body.length === 0 || body[body.length - 1] !== 0 || body.indexOf(0) !== body.length - 1) {
    throw protocolViolation('invalid password packet size');
  }
  return body.toString('utf8', 0, body.length - 1);
}

async function cleartext(user: string, record: PgUserRecord | undefined, channel: AuthChannel): Promise<void> {
  channel.sendAuth(AuthCode.CleartextPassword);
  const password = cstringBody(await channel.readPasswordMessage());
  if (password === '') throw passwordFailed(user);
  const ok = record?.scram !== undefined
    ? scramCheckPassword(password, record.scram)
    : record?.md5 !== undefined && safeEqual(md5Secret(user, password), record.md5);
  if (!ok) throw passwordFailed(user);
}

async function md5(user: string, record: PgUserRecord | undefined, channel: AuthChannel): Promise<void> {
  const salt = channel.random(4);
  channel.sendAuth(AuthCode.Md5Password, salt);
  const answer = cstringBody(await channel.readPasswordMessage());
  const ok = record?.md5 !== undefined && safeEqual(answer, md5Response(record.md5, salt));
  if (!ok) throw passwordFailed(user);
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

async function scram(user: string, record: PgUserRecord | undefined, channel: AuthChannel): Promise<void> {
  // Unknown users (or users without a SCRAM secret) get a made-up secret and fail at the end.
  const secret = record?.scram ?? scramSecret(channel.random(16).toString('base64'), channel.random(SCRAM_SALT_BYTES));
  channel.sendAuth(AuthCode.Sasl, Buffer.from(`${SCRAM_MECHANISM}\0\0`));

  // SASLInitialResponse: mechanism (cstring), int32 length (-1: none), initial response.
  const initial = await channel.readPasswordMessage();
  const nul = initial.indexOf(0);
  if (nul < 0 || initial.length < nul + 5) throw protocolViolation('invalid SASL initial response');
  const mechanism = initial.toString('utf8', 0, nul);
  if (mechanism !== SCRAM_MECHANISM) {
    throw protocolViolation('client selected an invalid SASL authentication mechanism');
  }
  const length = initial.readInt32BE(nul + 1);
  if (length !== initial.length - nul - 5) throw protocolViolation('invalid SASL initial response');
  const first = parseClientFirst(initial.toString('utf8', nul + 5));

  const nonce = first.clientNonce + channel.random(SCRAM_NONCE_BYTES).toString('base64');
  const serverFirst = serverFirstMessage(nonce, secret);
  channel.sendAuth(AuthCode.SaslContinue, Buffer.from(serverFirst));

  const final = parseClientFinal((await channel.readPasswordMessage()).toString('utf8'));
  const serverFinal = verifyClientFinal(first, serverFirst, nonce, final, secret);
  if (serverFinal === undefined || record?.scram === undefined) throw passwordFailed(user);
  channel.sendAuth(AuthCode.SaslFinal, Buffer.from(serverFinal));
}
