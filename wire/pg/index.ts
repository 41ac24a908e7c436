// Public surface of wire/pg: the PostgreSQL v3 protocol front end. See README.md.

export { PgServer, DEFAULT_SERVER_VERSION, PROCESS_ID_OWNER_MAX, processIdOwner, type PgServerOptions } from './server.js';
export type { PgWireLogger } from './connection.js';
export { DEFAULT_LIMITS, type PgWireLimits } from './limits.js';
export {
  commandTag,
  type PgBackend, type PgSession, type PgSessionStart, type PgClientChannel, type PgStatement, type PgPortal,
  type PgResult, type PgRow, type PgRowSource, type PgField, type PgTxStatus,
} from './backend.js';
export {
  PgError, isPgError, toPgError, protocolViolation, queryCanceled,
  type PgNotice, type PgErrorSeverity, type PgNoticeSeverity, type PgMessageFields,
} from './errors.js';
export { SqlState, sqlStateInfo, isSqlStateCode, type SqlStateCode, type SqlStateInfo } from './sqlstate.js';
export {
  MemoryUserStore, md5Secret, md5Response,
  type PgAuthMethod, type PgAuthOptions, type PgUserRecord, type PgUserStore,
} from './auth.js';
export { scramSecret, formatScramVerifier, parseScramVerifier, SCRAM_ITERATIONS_DEFAULT, type ScramSecret } from './scram.js';
export {
  PgType, PgFormat, codecFor, isKnownType, typeSize, arrayTypeOf,
  encodeText, decodeText, encodeBinary, decodeBinary, decodeUtf8,
  type PgValue, type TypeCodec,
} from './types.js';
export { CopyTextParser, encodeCopyTextRow, type CopyTextOptions, type CopyTextRow } from './copy-text.js';
