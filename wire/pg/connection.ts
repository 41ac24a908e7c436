// One client connection: the protocol state machine (docs: "Message Flow"). Startup
// (SSLRequest/GSSENCRequest refused with 'N', CancelRequest, StartupMessage), authentication,
// then the command loop: simple Query, the extended protocol with named and unnamed
// statements and portals, COPY in both directions, and error recovery (after an ERROR in an
// extended-protocol message, everything up to Sync is discarded).
//
// Invariants:
// - Messages are handled one at a time, in order; a session is never called concurrently.
// - Every ERROR sent is followed by session.abort(); FATAL ends the connection.
// - session.close() runs exactly once, after the last other session call has finished.
// - Output is gathered in one buffer and written at ReadyForQuery, Flush, COPY turnarounds,
//   and every outputFlushBytes while streaming, where the connection also yields so that
//   cancel requests and socket events are handled during long results.

import type { Socket } from 'node:net';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

import { authenticate, type AuthChannel, type PgAuthOptions } from './auth.js';
import {
  commandTag, type PgBackend, type PgField, type PgPortal, type PgResult, type PgRow, type PgSession, type PgStatement,
} from './backend.js';
import { PgError, protocolError, protocolViolation, queryCanceled, toPgError, type PgNotice } from './errors.js';
import { FrameReader, type MessageFrame } from './frame-reader.js';
import { parseFrontendMessage, parseStartupPacket, type FrontendMessage } from './frontend.js';
import type { PgWireLimits } from './limits.js';
import { AuthCode, FrontendCode, PROTOCOL_MAJOR, PROTOCOL_MINOR_LATEST, TargetKind } from './messages.js';
import { MessageWriter, type FieldDescription } from './serialize.js';
import { SqlState } from './sqlstate.js';
import { PgFormat, decodeBinary, decodeText, decodeUtf8, typeSize, type PgValue } from './types.js';

/** Minimal logger (pino-compatible call shape). */
export interface PgWireLogger {
  error(obj: object, msg: string): void;
}

/** What a connection needs from its server. */
export interface ConnectionContext {
  readonly backend: PgBackend;
  readonly auth: PgAuthOptions;
  readonly limits: PgWireLimits;
  readonly serverVersion: string;
  readonly log: PgWireLogger;
  random(bytes: number): Buffer;
  /** Assigns BackendKeyData and makes the connection reachable by CancelRequest. */
  register(conn: PgConnection): { processId: number; secretKey: number };
  unregister(conn: PgConnection): void;
  /** A CancelRequest arrived on this connection. */
  cancel(processId: number, secretKey: number): void;
}

/** The client went away (EOF, socket error): unwind quietly. */
class ConnectionGone extends Error {
  constructor() {
    super('connection gone');
  }
}

/** Terminate received: unwind quietly. */
class Terminated extends Error {
  constructor() {
    super('terminated');
  }
}

/** A statement the protocol layer answers itself: empty SQL. */
const BLANK_STATEMENT: PgStatement = {
  paramTypes: [],
  fields: null,
  bind: () => ({ execute: () => ({ kind: 'empty' }) }),
};

const BLANK_SQL = /^[ \t\n\r\f]*$/;

interface PortalEntry {
  readonly name: string;
  readonly portal: PgPortal;
  /** Result columns with their bound formats, or null for NoData. */
  readonly fields: FieldDescription[] | null;
  state: 'ready' | 'running' | 'done';
  result?: PgResult;
  rows?: Iterator<PgRow> | AsyncIterator<PgRow>;
  rowsSent: number;
}

type AnyIterator<T> = Iterator<T> | AsyncIterator<T>;

function iteratorOf<T>(source: Iterable<T> | AsyncIterable<T>): AnyIterator<T> {
  return Symbol.asyncIterator in source
    ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (source as Iterable<T>)[Symbol.iterator]();
}

async function nextOf<T>(it: AnyIterator<T>): Promise<IteratorResult<T>> {
  const r = it.next();
  return r instanceof Promise ? await r : r;
}

async function closeIterator(it: AnyIterator<unknown> | undefined): Promise<void> {
  if (it?.return === undefined) return;
  try {
    await it.return();
  } catch {
    // The source failed while cleaning up; the statement is over either way.
  }
}

/** Extended-protocol messages: an ERROR in one of them discards everything up to Sync. */
const EXTENDED_CODES = new Set<number>([
  FrontendCode.Parse, FrontendCode.Bind, FrontendCode.Describe, FrontendCode.Execute, FrontendCode.Close, FrontendCode.Flush,
]);

const CLIENT_ENCODINGS = new Map<string, string>([
  ['utf8', 'UTF8'], ['utf-8', 'UTF8'], ['unicode', 'UTF8'], ['sql_ascii', 'SQL_ASCII'],
]);

export class PgConnection {
  processId = 0;
  secretKey = 0;

  private readonly reader: FrameReader;
  private readonly out = new MessageWriter();
  private session: PgSession | undefined;
  private readonly statements = new Map<string, PgStatement>();
  private readonly portals = new Map<string, PortalEntry>();
  private ignoreTillSync = false;
  /** A command is being processed (notices then ride along with its output). */
  private busy = false;
  private cancelRequested = false;
  private eof = false;
  private paused = false;
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;
  private startupTimer: NodeJS.Timeout | undefined;

  constructor(private readonly socket: Socket, private readonly ctx: ConnectionContext) {
    this.reader = new FrameReader(ctx.limits);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onGone());
    socket.on('close', () => this.onGone());
    socket.on('error', () => this.onGone());
    socket.on('drain', () => this.notifyDrained());
    this.startupTimer = setTimeout(() => socket.destroy(), ctx.limits.startupTimeoutMs);
    this.startupTimer.unref();
  }

  // ---- Socket plumbing ----

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    if (!this.paused && this.reader.bufferedBytes > this.ctx.limits.inputBufferBytesHigh && this.reader.hasCompleteFrame()) {
      this.paused = true;
      this.socket.pause();
    }
    this.notifyInput();
  }

  private onGone(): void {
    // Nobody will read the answer: stop a statement that may otherwise run for a long time.
    if (this.busy && !this.eof) this.session?.cancel();
    this.eof = true;
    this.notifyInput();
    this.notifyDrained();
  }

  private notifyInput(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private notifyDrained(): void {
    const drained = this.drained;
    this.drained = undefined;
    drained?.();
  }

  private get gone(): boolean {
    return this.eof || this.socket.destroyed;
  }

  private maybeResume(): void {
    if (this.paused && (this.reader.bufferedBytes <= this.ctx.limits.inputBufferBytesHigh || !this.reader.hasCompleteFrame())) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /**
   * The next frame; null once the client is gone (what it sent before leaving is dropped:
   * nobody would read the answers). Throws FATAL 08P01 for a bad frame header.
   */
  private async nextFrame(expectPassword = false): Promise<MessageFrame | null> {
    for (;;) {
      if (this.gone) return null;
      const frame = this.reader.next(expectPassword);
      this.maybeResume();
      if (frame !== undefined) {
        if (frame.kind !== 'message') throw new Error('startup packet after startup');
        return frame;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private flush(): void {
    if (this.out.length === 0) return;
    const bytes = this.out.take();
    if (!this.gone) this.socket.write(bytes);
  }

  /** Writes what is gathered, waits for the socket to drain, and lets other work run. */
  private async flushAndYield(): Promise<void> {
    this.flush();
    if (this.socket.writableNeedDrain && !this.gone) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
    await yieldToEventLoop();
  }

  private async maybeFlush(): Promise<void> {
    if (this.out.length >= this.ctx.limits.outputFlushBytes) await this.flushAndYield();
  }

  /** Between rows: stop for a cancel request or a vanished client. */
  private checkInterrupts(): void {
    if (this.gone) throw new ConnectionGone();
    if (this.cancelRequested) {
      this.cancelRequested = false;
      throw queryCanceled();
    }
  }

  // ---- Lifecycle ----

  /** Runs the connection to its end. Never throws. */
  async run(): Promise<void> {
    try {
      if (await this.startup()) await this.commandLoop();
    } catch (e) {
      if (!(e instanceof ConnectionGone) && !(e instanceof Terminated)) {
        const err = toPgError(e);
        if (!(e instanceof PgError)) this.ctx.log.error({ err: e }, 'pg wire: connection failed');
        this.out.errorResponse(err.severity === 'ERROR' ? err.fatal() : err);
        this.flush();
      }
    } finally {
      await this.shutdown();
    }
  }

  /** Asks the connection to end (server stop): cancels what runs and closes the socket. */
  terminate(): void {
    this.session?.cancel();
    this.socket.destroy();
  }

  /** CancelRequest from another connection. */
  cancel(): void {
    if (!this.busy) return; // PostgreSQL ignores a cancel that arrives between commands.
    this.cancelRequested = true;
    this.session?.cancel();
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.startupTimer);
    this.ctx.unregister(this);
    for (const name of [...this.portals.keys()]) await this.closePortal(name);
    for (const name of [...this.statements.keys()]) this.closeStatement(name);
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) {
      try {
        await session.close();
      } catch (e) {
        this.ctx.log.error({ err: e }, 'pg wire: session close failed');
      }
    }
    this.socket.end(() => this.socket.destroy());
  }

  // ---- Startup and authentication ----

  /** Returns false when the connection ends without a session (cancel request). */
  private async startup(): Promise<boolean> {
    let sslAnswered = false;
    let gssAnswered = false;
    for (;;) {
      const frame = this.reader.next();
      this.maybeResume();
      if (frame === undefined) {
        if (this.gone) return false;
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      if (frame.kind !== 'startup') throw new Error('typed message during startup');
      const packet = parseStartupPacket(frame.body);
      switch (packet.kind) {
        case 'ssl':
        case 'gssenc': {
          const already = packet.kind === 'ssl' ? sslAnswered : gssAnswered;
          if (already) throw protocolViolation(`duplicate ${packet.kind === 'ssl' ? 'SSL' : 'GSSAPI'} negotiation request`);
          if (packet.kind === 'ssl') sslAnswered = true;
          else gssAnswered = true;
          this.out.rawByte(0x4e); // 'N': no encryption here; the client continues in clear
          this.flush();
          continue;
        }
        case 'cancel':
          this.ctx.cancel(packet.processId, packet.secretKey);
          return false;
        case 'startup':
          if (packet.major !== PROTOCOL_MAJOR) {
            throw new PgError(SqlState.FeatureNotSupported,
              `unsupported frontend protocol ${packet.major}.${packet.minor}: server supports ${PROTOCOL_MAJOR}.0 to ${PROTOCOL_MAJOR}.${PROTOCOL_MINOR_LATEST}`,
              {}, 'FATAL');
          }
          this.reader.endStartupPhase();
          await this.login(packet.minor, packet.params);
          return true;
        default: {
          const never: never = packet;
          throw new Error(`unknown startup packet ${JSON.stringify(never)}`);
        }
      }
    }
  }

  private async login(minor: number, params: Map<string, string>): Promise<void> {
    const unrecognized = [...params.keys()].filter((k) => k.startsWith('_pq_.'));
    if (minor > PROTOCOL_MINOR_LATEST || unrecognized.length > 0) {
      this.out.negotiateProtocolVersion((PROTOCOL_MAJOR << 16) | PROTOCOL_MINOR_LATEST, unrecognized);
    }
    for (const k of unrecognized) params.delete(k);
    const user = params.get('user') ?? '';
    if (user === '') {
      throw new PgError(SqlState.InvalidAuthorizationSpecification, 'no PostgreSQL user name specified in startup packet', {}, 'FATAL');
    }
    const database = params.get('database') || user;
    const requestedEncoding = params.get('client_encoding');
    const clientEncoding = requestedEncoding === undefined ? 'UTF8' : CLIENT_ENCODINGS.get(requestedEncoding.toLowerCase());
    if (clientEncoding === undefined) {
      throw new PgError(SqlState.InvalidParameterValue,
        `invalid value for parameter "client_encoding": "${requestedEncoding}"`, { detail: 'Tessera speaks UTF8 only.' }, 'FATAL');
    }

    const channel: AuthChannel = {
      sendAuth: (code, payload) => {
        this.out.authentication(code, payload);
        this.flush();
      },
      readPasswordMessage: async () => {
        const frame = await this.nextFrame(true);
        if (frame === null) throw new ConnectionGone();
        return frame.body;
      },
      random: (n) => this.ctx.random(n),
    };
    const record = await authenticate(user, this.ctx.auth, channel);
    clearTimeout(this.startupTimer);
    this.out.authentication(AuthCode.Ok);

    const keys = this.ctx.register(this);
    this.processId = keys.processId;
    this.secretKey = keys.secretKey;
    const superuser = record?.superuser ?? false;
    try {
      this.session = await this.ctx.backend.openSession({
        user, database, parameters: params, processId: this.processId,
        remoteAddress: this.socket.remoteAddress, superuser,
        client: { notice: (n) => this.notice(n), parameterStatus: (k, v) => this.parameterStatus(k, v) },
      });
    } catch (e) {
      throw toPgError(e).fatal();
    }
    const reported: Record<string, string> = {
      application_name: params.get('application_name') ?? '',
      client_encoding: clientEncoding,
      DateStyle: 'ISO, MDY',
      default_transaction_read_only: 'off',
      in_hot_standby: 'off',
      integer_datetimes: 'on',
      IntervalStyle: 'postgres',
      is_superuser: superuser ? 'on' : 'off',
      server_encoding: 'UTF8',
      server_version: this.ctx.serverVersion,
      session_authorization: user,
      standard_conforming_strings: 'on',
      TimeZone: 'Etc/UTC',
      ...this.session.startupParameters,
    };
    for (const [k, v] of Object.entries(reported)) this.out.parameterStatus(k, v);
    this.out.backendKeyData(this.processId, this.secretKey);
    await this.readyForQuery();
  }

  private notice(n: PgNotice): void {
    this.out.noticeResponse(n);
    if (!this.busy) this.flush();
  }

  private parameterStatus(name: string, value: string): void {
    this.out.parameterStatus(name, value);
    if (!this.busy) this.flush();
  }

  // ---- Command loop ----

  private async commandLoop(): Promise<void> {
    for (;;) {
      const frame = await this.nextFrame();
      if (frame === null) return;
      try {
        const msg = parseFrontendMessage(frame.code, frame.body);
        if (this.ignoreTillSync && msg.kind !== 'sync' && msg.kind !== 'terminate') continue;
        await this.handle(msg);
      } catch (e) {
        this.reportError(e);
        if (EXTENDED_CODES.has(frame.code)) this.ignoreTillSync = true;
        // A Query that failed before it ran (e.g. invalid UTF-8) still ends with ReadyForQuery.
        if (frame.code === FrontendCode.Query) await this.readyForQuery();
      }
    }
  }

  /**
   * Sends a non-fatal error and lets the session abort its transaction. Rethrows what must
   * end the connection (FATAL, client gone, Terminate).
   */
  private reportError(e: unknown): void {
    if (e instanceof ConnectionGone || e instanceof Terminated) throw e;
    const err = toPgError(e);
    if (err.severity !== 'ERROR') throw err;
    if (!(e instanceof PgError)) this.ctx.log.error({ err: e }, 'pg wire: internal error');
    this.out.errorResponse(err);
    try {
      this.session?.abort(err);
    } catch (abortError) {
      this.ctx.log.error({ err: abortError }, 'pg wire: session abort failed');
    }
  }

  private async handle(msg: FrontendMessage): Promise<void> {
    switch (msg.kind) {
      case 'query':
        return this.simpleQuery(msg.sql);
      case 'parse':
        return this.parse(msg.name, msg.sql, msg.paramTypes);
      case 'bind':
        return this.bind(msg);
      case 'describe':
        return this.describe(msg.target, msg.name);
      case 'execute':
        return this.execute(msg.portal, msg.maxRows);
      case 'close':
        if (msg.target === TargetKind.Statement) this.closeStatement(msg.name);
        else await this.closePortal(msg.name);
        this.out.closeComplete();
        return;
      case 'sync':
        return this.sync();
      case 'flush':
        this.flush();
        return;
      case 'terminate':
        throw new Terminated();
      case 'copyData':
      case 'copyDone':
      case 'copyFail':
        return; // Left over from a failed COPY: PostgreSQL drops them too.
      case 'functionCall':
        this.reportError(new PgError(SqlState.FeatureNotSupported, 'the function call protocol message is not supported'));
        await this.readyForQuery();
        return;
      case 'password':
        throw protocolViolation(`invalid frontend message type ${FrontendCode.Password}`);
      default: {
        const never: never = msg;
        throw new Error(`unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  private async readyForQuery(): Promise<void> {
    const status = this.session?.txStatus() ?? 'I';
    if (status === 'I') {
      // Portals live until the end of their transaction.
      for (const name of [...this.portals.keys()]) await this.closePortal(name);
    }
    this.out.readyForQuery(status);
    this.flush();
  }

  private sessionOrThrow(): PgSession {
    if (this.session === undefined) throw new Error('no session');
    return this.session;
  }

  private beginCommand(): void {
    this.busy = true;
    this.cancelRequested = false;
  }

  private endCommand(): void {
    this.busy = false;
    this.cancelRequested = false;
  }

  // ---- Simple query ----

  private async simpleQuery(sql: string): Promise<void> {
    this.beginCommand();
    try {
      // The simple protocol reuses the unnamed statement and portal slots.
      this.closeStatement('');
      await this.closePortal('');
      if (BLANK_SQL.test(sql)) {
        this.out.emptyQueryResponse();
      } else {
        const results = iteratorOf(this.sessionOrThrow().query(sql));
        let done = false;
        try {
          for (;;) {
            this.checkInterrupts();
            const r = await nextOf(results);
            if (r.done) {
              done = true;
              break;
            }
            await this.sendResult(r.value, undefined, 0);
          }
        } finally {
          if (!done) await closeIterator(results);
        }
      }
    } catch (e) {
      this.reportError(e);
    } finally {
      this.endCommand();
    }
    await this.readyForQuery();
  }

  /** Sends one statement's result; for a portal, honours maxRows and suspension. */
  private async sendResult(result: PgResult, portal: PortalEntry | undefined, maxRows: number): Promise<void> {
    switch (result.kind) {
      case 'command':
        this.out.commandComplete(result.tag);
        return;
      case 'empty':
        this.out.emptyQueryResponse();
        return;
      case 'rows': {
        if (portal === undefined) {
          const fields = describeFields(result.fields, []);
          this.out.rowDescription(fields);
          const rows = iteratorOf(result.rows);
          const { count } = await this.pumpRows(rows, fields, 0);
          this.out.commandComplete(commandTag(result.command ?? 'SELECT', count));
          return;
        }
        if (portal.fields === null || portal.fields.length !== result.fields.length) {
          throw new Error(`portal "${portal.name}" returned ${result.fields.length} columns, its statement described ${portal.fields?.length ?? 'none'}`);
        }
        portal.rows ??= iteratorOf(result.rows);
        const { count, done } = await this.pumpRows(portal.rows, portal.fields, maxRows);
        portal.rowsSent += count;
        if (!done) {
          this.out.portalSuspended();
          return;
        }
        portal.state = 'done';
        const command = result.command ?? 'SELECT';
        this.out.commandComplete(commandTag(command, command === 'SELECT' ? count : portal.rowsSent));
        return;
      }
      case 'copyIn':
        this.out.commandComplete(commandTag('COPY', await this.copyIn(result)));
        return;
      case 'copyOut':
        this.out.commandComplete(commandTag('COPY', await this.copyOut(result)));
        return;
      default: {
        const never: never = result;
        throw new Error(`unknown result ${JSON.stringify(never)}`);
      }
    }
  }

  /** Sends up to maxRows rows (0: all). Closes the source on error; `done` when exhausted. */
  private async pumpRows(rows: AnyIterator<PgRow>, fields: FieldDescription[], maxRows: number): Promise<{ count: number; done: boolean }> {
    let count = 0;
    try {
      while (maxRows <= 0 || count < maxRows) {
        this.checkInterrupts();
        const r = await nextOf(rows);
        if (r.done) return { count, done: true };
        this.out.dataRow(r.value, fields);
        count++;
        await this.maybeFlush();
      }
      return { count, done: false };
    } catch (e) {
      await closeIterator(rows);
      throw e;
    }
  }

  // ---- COPY ----

  private async copyIn(result: Extract<PgResult, { kind: 'copyIn' }>): Promise<number> {
    this.out.copyInResponse(result.format, result.columnFormats);
    this.flush();
    const state = { finished: false };
    const rows = await result.receive(this.copyInStream(state));
    if (!state.finished) {
      // The backend stopped reading early: the protocol still needs CopyDone (or CopyFail).
      for await (const chunk of this.copyInStream(state)) void chunk;
    }
    return rows;
  }

  private async *copyInStream(state: { finished: boolean }): AsyncGenerator<Buffer, void, undefined> {
    while (!state.finished) {
      const frame = await this.nextFrame();
      if (frame === null) throw new ConnectionGone();
      switch (frame.code) {
        case FrontendCode.CopyData:
          this.checkInterrupts();
          yield frame.body;
          break;
        case FrontendCode.CopyDone:
          state.finished = true;
          return;
        case FrontendCode.CopyFail: {
          state.finished = true;
          const msg = parseFrontendMessage(frame.code, frame.body);
          throw new PgError(SqlState.QueryCanceled, `COPY from stdin failed: ${msg.kind === 'copyFail' ? msg.message : ''}`);
        }
        case FrontendCode.Flush:
        case FrontendCode.Sync:
          break; // libpq may send these without noticing the command was COPY
        default:
          state.finished = true;
          throw protocolError(`unexpected message type 0x${frame.code.toString(16).toUpperCase()} during COPY from stdin`);
      }
    }
  }

  private async copyOut(result: Extract<PgResult, { kind: 'copyOut' }>): Promise<number> {
    this.out.copyOutResponse(result.format, result.columnFormats);
    const data = iteratorOf<Uint8Array | string>(result.data);
    let count = 0;
    try {
      for (;;) {
        this.checkInterrupts();
        const r = await nextOf(data);
        if (r.done) break;
        this.out.copyData(r.value);
        count++;
        await this.maybeFlush();
      }
    } catch (e) {
      await closeIterator(data);
      throw e;
    }
    this.out.copyDone();
    return count;
  }

  // ---- Extended protocol ----

  private async parse(name: string, sql: string, paramTypes: number[]): Promise<void> {
    if (name !== '' && this.statements.has(name)) {
      throw new PgError(SqlState.DuplicatePstatement, `prepared statement "${name}" already exists`);
    }
    if (name === '') this.closeStatement('');
    if (this.statements.size >= this.ctx.limits.statementsMax) {
      throw new PgError(SqlState.ProgramLimitExceeded, `too many prepared statements (at most ${this.ctx.limits.statementsMax})`,
        { hint: 'Close prepared statements that are no longer needed.' });
    }
    this.beginCommand();
    try {
      const stmt = BLANK_SQL.test(sql) ? BLANK_STATEMENT : await this.sessionOrThrow().prepare(sql, paramTypes);
      this.statements.set(name, stmt);
    } finally {
      this.endCommand();
    }
    this.out.parseComplete();
  }

  private closeStatement(name: string): void {
    const stmt = this.statements.get(name);
    if (stmt === undefined) return;
    this.statements.delete(name);
    stmt.close?.();
  }

  private statementOrThrow(name: string): PgStatement {
    const stmt = this.statements.get(name);
    if (stmt === undefined) {
      throw new PgError(SqlState.InvalidSqlStatementName,
        name === '' ? 'unnamed prepared statement does not exist' : `prepared statement "${name}" does not exist`);
    }
    return stmt;
  }

  private portalOrThrow(name: string): PortalEntry {
    const portal = this.portals.get(name);
    if (portal === undefined) throw new PgError(SqlState.InvalidCursorName, `portal "${name}" does not exist`);
    return portal;
  }

  private async bind(msg: Extract<FrontendMessage, { kind: 'bind' }>): Promise<void> {
    const stmt = this.statementOrThrow(msg.statement);
    if (msg.portal !== '' && this.portals.has(msg.portal)) {
      throw new PgError(SqlState.DuplicateCursor, `portal "${msg.portal}" already exists`);
    }
    if (msg.portal === '') await this.closePortal('');
    if (this.portals.size >= this.ctx.limits.portalsMax) {
      throw new PgError(SqlState.ProgramLimitExceeded, `too many open portals (at most ${this.ctx.limits.portalsMax})`);
    }
    const n = stmt.paramTypes.length;
    if (msg.params.length !== n) {
      throw protocolError(`bind message supplies ${msg.params.length} parameters, but prepared statement "${msg.statement}" requires ${n}`);
    }
    if (msg.paramFormats.length > 1 && msg.paramFormats.length !== n) {
      throw protocolError(`bind message has ${msg.paramFormats.length} parameter formats but ${n} parameters`);
    }
    const values = msg.params.map((raw, i) => this.decodeParam(msg.portal, stmt.paramTypes[i], formatAt(msg.paramFormats, i), raw, i));
    const fields = stmt.fields === null ? null : describeFields(stmt.fields, msg.resultFormats);
    this.beginCommand();
    let portal: PgPortal;
    try {
      portal = await stmt.bind(values);
    } finally {
      this.endCommand();
    }
    this.portals.set(msg.portal, { name: msg.portal, portal, fields, state: 'ready', rowsSent: 0 });
    this.out.bindComplete();
  }

  private decodeParam(portal: string, oid: number, format: number, raw: Buffer | null, i: number): PgValue {
    if (raw === null) return null;
    if (format === PgFormat.Binary) {
      try {
        return decodeBinary(oid, raw);
      } catch (e) {
        if (!(e instanceof PgError)) throw e;
        throw new PgError(SqlState.InvalidBinaryRepresentation, `incorrect binary data format in bind parameter ${i + 1}`);
      }
    }
    if (format !== PgFormat.Text) throw new PgError(SqlState.InvalidParameterValue, `unsupported format code: ${format}`);
    const text = decodeUtf8(raw);
    try {
      return decodeText(oid, text);
    } catch (e) {
      if (e instanceof PgError && e.where === undefined) {
        e.where = `${portal === '' ? 'unnamed portal' : `portal "${portal}"`} parameter $${i + 1} = '${text}'`;
      }
      throw e;
    }
  }

  private async closePortal(name: string): Promise<void> {
    const entry = this.portals.get(name);
    if (entry === undefined) return;
    this.portals.delete(name);
    await closeIterator(entry.rows);
    entry.portal.close?.();
  }

  private describe(target: TargetKind, name: string): void {
    if (target === TargetKind.Statement) {
      const stmt = this.statementOrThrow(name);
      this.out.parameterDescription(stmt.paramTypes);
      if (stmt.fields === null) this.out.noData();
      else this.out.rowDescription(describeFields(stmt.fields, []));
      return;
    }
    const portal = this.portalOrThrow(name);
    if (portal.fields === null) this.out.noData();
    else this.out.rowDescription(portal.fields);
  }

  private async execute(name: string, maxRows: number): Promise<void> {
    const portal = this.portalOrThrow(name);
    this.beginCommand();
    try {
      if (portal.state === 'ready') {
        portal.state = 'running';
        portal.result = await portal.portal.execute();
      } else if (portal.state === 'done') {
        const result = portal.result;
        if (result?.kind === 'rows') {
          // A finished SELECT portal yields no more rows, like PostgreSQL's.
          const command = result.command ?? 'SELECT';
          this.out.commandComplete(commandTag(command, command === 'SELECT' ? 0 : portal.rowsSent));
          return;
        }
        if (result?.kind === 'empty') {
          this.out.emptyQueryResponse();
          return;
        }
        throw new PgError(SqlState.ObjectNotInPrerequisiteState, `portal "${name}" cannot be run`);
      }
      if (portal.result === undefined) throw new Error('portal without a result');
      if (portal.result.kind !== 'rows') portal.state = 'done';
      await this.sendResult(portal.result, portal, maxRows);
    } catch (e) {
      portal.state = 'done';
      await closeIterator(portal.rows);
      throw e;
    } finally {
      this.endCommand();
    }
  }

  private async sync(): Promise<void> {
    this.ignoreTillSync = false;
    this.beginCommand();
    try {
      await this.sessionOrThrow().sync();
    } catch (e) {
      this.reportError(e);
    } finally {
      this.endCommand();
    }
    await this.readyForQuery();
  }
}

function formatAt(formats: readonly number[], i: number): number {
  return formats.length === 0 ? PgFormat.Text : formats.length === 1 ? formats[0] : formats[i];
}

/** RowDescription columns from backend fields and Bind's result format codes. */
function describeFields(fields: readonly PgField[], resultFormats: readonly number[]): FieldDescription[] {
  if (resultFormats.length > 1 && resultFormats.length !== fields.length) {
    throw protocolError(`bind message has ${resultFormats.length} result formats but query has ${fields.length} columns`);
  }
  return fields.map((f, i) => {
    const format = formatAt(resultFormats, i);
    if (format !== PgFormat.Text && format !== PgFormat.Binary) {
      throw new PgError(SqlState.InvalidParameterValue, `unsupported format code: ${format}`);
    }
    return {
      name: f.name,
      tableOid: f.tableOid ?? 0,
      columnNumber: f.columnNumber ?? 0,
      typeOid: f.typeOid,
      typeSize: typeSize(f.typeOid),
      typeModifier: f.typeModifier ?? -1,
      format,
    };
  });
}
