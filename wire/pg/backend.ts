// The contract between the protocol layer (this folder) and whatever executes SQL. The
// protocol layer owns bytes, message order, formats, statement/portal names and lifetimes,
// error recovery and flow control; the backend owns SQL text, types, transactions and rows.
// See README.md for the message-by-message walk-through. Nothing here touches a socket.

import type { PgNotice } from './errors.js';
import type { PgTxStatus } from './messages.js';
import type { PgFormat, PgValue } from './types.js';

export type { PgTxStatus } from './messages.js';

/** One result row: one value per column, typed as types.ts describes per column type. */
export type PgRow = readonly PgValue[];

/** A result column. Its RowDescription size comes from types.ts. */
export interface PgField {
  readonly name: string;
  readonly typeOid: number;
  /** atttypmod: varchar(n) → n + 4, numeric(p, s) → ((p << 16) | s) + 4; default -1. */
  readonly typeModifier?: number;
  /** Source table OID and column number, when the column is a plain table column; default 0. */
  readonly tableOid?: number;
  readonly columnNumber?: number;
}

/**
 * Rows, pulled one at a time as the client asks for them (Execute with a row limit stops
 * pulling; the next Execute resumes). A sync or async iterable; an array is fine.
 * Throwing a PgError while iterating ends the statement with that error. When the portal
 * is closed early, the iterator's return() is called.
 */
export type PgRowSource = Iterable<PgRow> | AsyncIterable<PgRow>;

/** What executing one statement produced. */
export type PgResult =
  /** A statement without rows; `tag` is the CommandComplete text, e.g. 'CREATE TABLE', 'UPDATE 3' (see commandTag). */
  | { readonly kind: 'command'; readonly tag: string }
  /**
   * Rows. The CommandComplete tag is `commandTag(command ?? 'SELECT', n)`. For SELECT, n
   * counts the rows sent by the Execute that finished the portal (PostgreSQL's behaviour); for
   * other commands (INSERT … RETURNING, FETCH) every row of the portal.
   */
  | { readonly kind: 'rows'; readonly fields: readonly PgField[]; readonly rows: PgRowSource; readonly command?: string }
  /** The statement was empty (e.g. ';' or only a comment): EmptyQueryResponse. */
  | { readonly kind: 'empty' }
  /**
   * COPY … FROM STDIN. The protocol layer sends CopyInResponse and calls `receive` with the
   * CopyData payloads as they arrive (boundaries need not match rows; copy-text.ts parses the
   * text format). The iterable ends at CopyDone; it throws 57014 on CopyFail or cancel.
   * Resolve with the number of rows loaded (tag 'COPY n'); throw a PgError to fail the COPY.
   */
  | {
    readonly kind: 'copyIn';
    readonly format: PgFormat;
    readonly columnFormats: readonly PgFormat[];
    receive(data: AsyncIterable<Buffer>): Promise<number>;
  }
  /**
   * COPY … TO STDOUT. Each item is one CopyData payload, by convention one row
   * (copy-text.ts encodes text rows); the tag is 'COPY <number of items>'.
   */
  | {
    readonly kind: 'copyOut';
    readonly format: PgFormat;
    readonly columnFormats: readonly PgFormat[];
    readonly data: Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;
  };

/** A parsed (prepared) statement, from Parse. The protocol layer owns its name. */
export interface PgStatement {
  /**
   * The type of each parameter $1..$n, with the client's unspecified (0) types inferred.
   * Reported in ParameterDescription and used to decode Bind values. A 0 left here means
   * "unknown": the value arrives as its text (string), or as raw bytes if sent in binary.
   */
  readonly paramTypes: readonly number[];
  /** The result columns, or null when the statement returns no rows (Describe → NoData). */
  readonly fields: readonly PgField[] | null;
  /**
   * Bind: parameter values already decoded by paramTypes (null for SQL NULL). Planning
   * errors, and 25P02 in a failed transaction, belong here as they do in PostgreSQL.
   */
  bind(params: readonly PgValue[]): PgPortal | Promise<PgPortal>;
  /** Close, replacement of the unnamed statement, or session end. */
  close?(): void;
}

/** A bound statement, ready to run. */
export interface PgPortal {
  /**
   * Runs the statement: called once, at the portal's first Execute. For 'rows', fields must
   * match the statement's fields; later Executes of a suspended portal pull more rows from the
   * same source.
   */
  execute(): PgResult | Promise<PgResult>;
  /** Close, end of transaction, or session end. Called after the rows' return(), if any. */
  close?(): void;
}

/**
 * Asynchronous messages to the client. During a call from the protocol layer they go out in
 * order with that call's results; between calls they are sent at once.
 */
export interface PgClientChannel {
  /** NoticeResponse, e.g. 00000 "table "t" does not exist, skipping". */
  notice(notice: PgNotice): void;
  /** ParameterStatus, for a reported setting that changed (SET application_name, TimeZone …). */
  parameterStatus(name: string, value: string): void;
}

/** What the protocol layer knows when a connection has authenticated. */
export interface PgSessionStart {
  readonly user: string;
  /** The `database` startup parameter, defaulting to the user name as in PostgreSQL. */
  readonly database: string;
  /** Every StartupMessage parameter as sent (user, database, application_name, options …). */
  readonly parameters: ReadonlyMap<string, string>;
  /** BackendKeyData's process id: unique among this server's open connections. */
  readonly processId: number;
  readonly remoteAddress: string | undefined;
  /** From the user store; false under trust without a store. */
  readonly superuser: boolean;
  readonly client: PgClientChannel;
}

/**
 * One client connection's SQL state: transaction, settings, prepared plans. The protocol
 * layer never calls a session concurrently: each call (and the rows/COPY it returns) is
 * finished before the next starts, except cancel(), which can come at any time.
 */
export interface PgSession {
  /**
   * ParameterStatus values to report at startup on top of the protocol layer's defaults
   * (server_version, client_encoding, DateStyle, TimeZone …; see README.md).
   */
  readonly startupParameters?: Readonly<Record<string, string>>;

  /** ReadyForQuery's status: 'I' idle, 'T' in a transaction block, 'E' in a failed one. */
  txStatus(): PgTxStatus;

  /**
   * Simple Query with one or more statements. Yield one result per statement; the next
   * statement runs only when the protocol layer asks for the next result, after sending the
   * previous one completely. Throw (from the iterator, or from a rows/COPY source) to end the
   * query; later statements do not run. A string of only whitespace never reaches here
   * (EmptyQueryResponse); ';' and comments do, and yield { kind: 'empty' }. As in PostgreSQL, a
   * multi-statement string outside a transaction block runs as one implicit transaction.
   */
  query(sql: string): Iterable<PgResult> | AsyncIterable<PgResult>;

  /**
   * Parse one statement. `paramTypes` are the client's OIDs (0 = infer; there may be fewer
   * than the statement's parameters). Several statements in `sql` are 42601 "cannot insert
   * multiple commands into a prepared statement". Whitespace-only SQL never reaches here.
   */
  prepare(sql: string, paramTypes: readonly number[]): PgStatement | Promise<PgStatement>;

  /**
   * Sync: the end of an extended-query batch. Commit the implicit transaction if one is open
   * (not inside BEGIN…COMMIT). A PgError thrown here is sent before ReadyForQuery.
   */
  sync(): void | Promise<void>;

  /**
   * The protocol layer reported an ERROR itself (unknown statement or portal, bad Bind
   * values …). PostgreSQL aborts the transaction on every ERROR: inside a transaction block
   * the status must become 'E'; outside, an implicit transaction rolls back.
   */
  abort(error: Error): void;

  /**
   * CancelRequest for this connection: stop the running statement with 57014 "canceling
   * statement due to user request" if one runs; otherwise nothing. Called from outside the
   * connection's flow, so it must only set state and must not throw. The protocol layer also
   * stops a rows/COPY stream it is sending by itself.
   */
  cancel(): void;

  /**
   * The connection is gone (Terminate, EOF, network error, FATAL, server stop). Roll back an
   * open transaction and release everything. Called exactly once; nothing follows it.
   */
  close(): void | Promise<void>;
}

/** Creates the sessions; one per authenticated connection. */
export interface PgBackend {
  /**
   * Throw a PgError to refuse the connection (e.g. 3D000 database "x" does not exist); it is
   * sent as FATAL after AuthenticationOk, as PostgreSQL does.
   */
  openSession(start: PgSessionStart): PgSession | Promise<PgSession>;
}

/** Tags whose row count is part of the text; INSERT's carries the historical OID 0. */
const COUNTED_TAGS = new Set(['SELECT', 'UPDATE', 'DELETE', 'MERGE', 'FETCH', 'MOVE', 'COPY']);

/** CommandComplete text for `command` having affected or returned `rows` rows. */
export function commandTag(command: string, rows: number): string {
  if (command === 'INSERT') return `INSERT 0 ${rows}`;
  return COUNTED_TAGS.has(command) ? `${command} ${rows}` : command;
}
