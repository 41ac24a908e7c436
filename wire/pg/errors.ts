// Errors and notices as PostgreSQL reports them (protocol §"Error and Notice Message Fields").
// Every expected failure that reaches a client is a PgError; the connection serialises it as
// ErrorResponse in one place (serialize.ts). Anything else thrown is a bug and is reported as
// XX000 without closing the connection.

import { SqlState, type SqlStateCode } from './sqlstate.js';

/** ERROR ends the statement; FATAL ends the connection; PANIC is never sent by Tessera. */
export type PgErrorSeverity = 'ERROR' | 'FATAL' | 'PANIC';
export type PgNoticeSeverity = 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';

/** The optional fields of ErrorResponse/NoticeResponse, by their PostgreSQL names. */
export interface PgMessageFields {
  detail?: string;
  hint?: string;
  /** 1-based character (not byte) offset into the query string, as PostgreSQL counts it. */
  position?: number;
  /** Position inside `internalQuery` (a query the server generated itself). */
  internalPosition?: number;
  internalQuery?: string;
  /** Context: a call stack of sorts, one line per level, e.g. "JSON data, line 1: {x". */
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
}

// The optional fields come from PgMessageFields by declaration merging.
export interface PgError extends PgMessageFields {}

export class PgError extends Error {
  readonly code: SqlStateCode;
  readonly severity: PgErrorSeverity;

  constructor(code: SqlStateCode, message: string, fields: PgMessageFields = {}, severity: PgErrorSeverity = 'ERROR') {
    super(message);
    this.name = 'PgError';
    this.code = code;
    this.severity = severity;
    Object.assign(this, fields);
  }

  /** The same error with FATAL severity (ends the connection once sent). */
  fatal(): PgError {
    return new PgError(this.code, this.message, fieldsOf(this), 'FATAL');
  }
}

/** A NoticeResponse: sent to the client, never ends a statement. */
export interface PgNotice extends PgMessageFields {
  severity: PgNoticeSeverity;
  code: SqlStateCode;
  message: string;
}

export function isPgError(e: unknown): e is PgError {
  return e instanceof PgError;
}

export function fieldsOf(e: PgMessageFields): PgMessageFields {
  const { detail, hint, position, internalPosition, internalQuery, where, schema, table, column, dataType, constraint } = e;
  return { detail, hint, position, internalPosition, internalQuery, where, schema, table, column, dataType, constraint };
}

// ---- Named factories for the errors the protocol layer raises itself ----

/** A malformed or unexpected message: FATAL 08P01, the connection ends. */
export function protocolViolation(message: string): PgError {
  return new PgError(SqlState.ProtocolViolation, message, {}, 'FATAL');
}

/** A protocol error that PostgreSQL reports as a plain ERROR (the connection survives). */
export function protocolError(message: string): PgError {
  return new PgError(SqlState.ProtocolViolation, message);
}

export function queryCanceled(): PgError {
  return new PgError(SqlState.QueryCanceled, 'canceling statement due to user request');
}

export function passwordFailed(user: string): PgError {
  return new PgError(SqlState.InvalidPassword, `password authentication failed for user "${user}"`, {}, 'FATAL');
}

/** Wraps anything that is not a PgError: a bug somewhere behind the protocol layer. */
export function internalError(e: unknown): PgError {
  const message = e instanceof Error ? e.message : String(e);
  return new PgError(SqlState.InternalError, `internal error: ${message}`);
}

export function toPgError(e: unknown): PgError {
  return e instanceof PgError ? e : internalError(e);
}
