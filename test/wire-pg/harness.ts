// Test helpers: a listening PgServer with the toy backend, a raw-frame client, and psql.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

import { serialize } from 'pg-protocol';

import { MemoryUserStore, PgServer, type PgAuthOptions, type PgServerOptions } from '../../wire/pg/index.js';
import { ToyBackend } from './toy-backend.js';

export { serialize };

export interface TestServer {
  server: PgServer;
  backend: ToyBackend;
  port: number;
  internalErrors: unknown[];
  close(): Promise<void>;
}

export async function startServer(options: Partial<PgServerOptions> & { auth?: PgAuthOptions } = {}): Promise<TestServer> {
  const backend = new ToyBackend();
  const internalErrors: unknown[] = [];
  const server = new PgServer({
    backend,
    log: { error: (obj) => internalErrors.push(obj) },
    ...options,
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, backend, port, internalErrors, close: () => server.close() };
}

/** A user store with users alice (password "secret"), bob (password "hunter2", superuser). */
export function testUsers(): MemoryUserStore {
  return new MemoryUserStore(randomBytes).addUser('alice', 'secret').addUser('bob', 'hunter2', { superuser: true });
}

/** A StartupMessage with exactly these parameters (pg-protocol's adds client_encoding). */
export function startupPacket(params: Record<string, string>, version = 3 << 16): Buffer {
  const body = Buffer.from(Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('') + '\0');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(version, 4);
  return Buffer.concat([head, body]);
}

/** One backend message, undecoded: type character and body. */
export interface BackendMessage {
  type: string;
  body: Buffer;
}

export function cstrings(body: Buffer): string[] {
  return body.toString('utf8').split('\0').slice(0, -1);
}

/** ErrorResponse/NoticeResponse fields by their one-letter code. */
export function errorFields(m: BackendMessage): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < m.body.length && m.body[pos] !== 0) {
    const code = String.fromCharCode(m.body[pos]);
    const end = m.body.indexOf(0, pos + 1);
    out[code] = m.body.toString('utf8', pos + 1, end);
    pos = end + 1;
  }
  return out;
}

/** DataRow values as raw bytes (null for NULL). */
export function dataRowValues(m: BackendMessage): (Buffer | null)[] {
  const n = m.body.readInt16BE(0);
  const out: (Buffer | null)[] = [];
  let pos = 2;
  for (let i = 0; i < n; i++) {
    const len = m.body.readInt32BE(pos);
    pos += 4;
    if (len < 0) {
      out.push(null);
      continue;
    }
    out.push(m.body.subarray(pos, pos + len));
    pos += len;
  }
  return out;
}

export function rowDescription(m: BackendMessage): { name: string; typeOid: number; typeSize: number; typeModifier: number; format: number }[] {
  const n = m.body.readInt16BE(0);
  const out = [];
  let pos = 2;
  for (let i = 0; i < n; i++) {
    const end = m.body.indexOf(0, pos);
    const name = m.body.toString('utf8', pos, end);
    pos = end + 1;
    out.push({
      name,
      typeOid: m.body.readUInt32BE(pos + 6),
      typeSize: m.body.readInt16BE(pos + 10),
      typeModifier: m.body.readInt32BE(pos + 12),
      format: m.body.readInt16BE(pos + 16),
    });
    pos += 18;
  }
  return out;
}

/** Compact transcript line per message, e.g. "T", "D 1,2", "C SELECT 2", "Z I", "E 42601". */
export function summarize(m: BackendMessage): string {
  switch (m.type) {
    case 'D':
      return `D ${dataRowValues(m).map((v) => (v === null ? 'NULL' : v.toString('utf8'))).join(',')}`;
    case 'C':
      return `C ${cstrings(m.body)[0]}`;
    case 'Z':
      return `Z ${String.fromCharCode(m.body[0])}`;
    case 'E':
    case 'N':
      return `${m.type} ${errorFields(m).C}`;
    case 'S':
      return `S ${cstrings(m.body).join('=')}`;
    default:
      return m.type;
  }
}

/** A client that speaks raw frames, for what drivers never send. */
export class RawClient {
  private buf = Buffer.alloc(0);
  private readonly queue: BackendMessage[] = [];
  private waiter: (() => void) | undefined;
  ended = false;
  /** The server's answer to SSLRequest/GSSENCRequest, read as a single byte. */
  private expectByte = false;
  private byteWaiter: ((b: number) => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
    const done = () => {
      this.ended = true;
      this.waiter?.();
    };
    socket.on('close', done);
    socket.on('error', done);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.expectByte && this.buf.length > 0) {
      const b = this.buf[0];
      this.buf = this.buf.subarray(1);
      this.expectByte = false;
      this.byteWaiter?.(b);
    }
    while (this.buf.length >= 5) {
      const len = this.buf.readInt32BE(1);
      if (this.buf.length < len + 1) break;
      this.queue.push({ type: String.fromCharCode(this.buf[0]), body: this.buf.subarray(5, len + 1) });
      this.buf = this.buf.subarray(len + 1);
    }
    this.waiter?.();
  }

  send(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }

  /** Sends a packet whose answer is one raw byte (SSLRequest, GSSENCRequest). */
  async sendForByte(frame: Buffer): Promise<string> {
    this.expectByte = true;
    const b = new Promise<number>((resolve) => (this.byteWaiter = resolve));
    this.socket.write(frame);
    return String.fromCharCode(await b);
  }

  /** The next message, or undefined once the server closed the connection. */
  async next(): Promise<BackendMessage | undefined> {
    while (this.queue.length === 0) {
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return this.queue.shift();
  }

  /** Messages up to and including the first of `type` (or all until the connection ends). */
  async until(type: string): Promise<BackendMessage[]> {
    const out: BackendMessage[] = [];
    for (;;) {
      const m = await this.next();
      if (m === undefined) return out;
      out.push(m);
      if (m.type === type) return out;
    }
  }

  /** Transcript of messages up to and including ReadyForQuery. */
  async transcript(): Promise<string[]> {
    return (await this.until('Z')).map(summarize);
  }

  /** Startup as user/database with trust auth; returns the messages up to ReadyForQuery. */
  async startup(user = 'u', database = 'd', extra: Record<string, string> = {}): Promise<BackendMessage[]> {
    this.send(serialize.startup({ user, database, ...extra }));
    return this.until('Z');
  }

  /** Waits until the server closes the connection. */
  async closed(): Promise<BackendMessage[]> {
    const rest: BackendMessage[] = [];
    for (;;) {
      const m = await this.next();
      if (m === undefined) return rest;
      rest.push(m);
    }
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface PsqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs psql against the test server; never throws on a non-zero exit. */
export function psql(port: number, args: string[], env: Record<string, string> = {}, user = 'u'): Promise<PsqlResult> {
  return new Promise((resolve) => {
    execFile('/usr/bin/psql', ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', 'd', ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PGPASSFILE: '/nonexistent/.pgpass', PGCONNECT_TIMEOUT: '10', LC_ALL: 'C.UTF-8', ...env },
      timeout: 30_000,
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}
