// Public surface of the SQL layer (see README.md). wire/pg and other front ends use
// only what is exported here.

export { createSqlEngine, SqlEngine, Session, toSqlError } from './session.js';
export type {
  ExecuteResult, Field, Portal, PortalBatch, PreparedStatement, SessionOptions, SqlEngineOptions, TxStatus, Notice,
} from './session.js';
export type { CopyInSink } from './copy.js';
export { registerSqlProcs } from './procs.js';
export { SqlError, SqlState, type SqlStateCode } from './errors.js';
export { Oid, formatType, typeSize } from './types.js';
export { inputValue, outputValue, coerceParam, type SqlValue } from './values.js';
export { SERVER_VERSION } from './vars.js';
