// Protocol constants of PostgreSQL's frontend/backend protocol v3.0 (docs: "Message Formats").
// Message codes are the ASCII type byte of each message.

/** Messages a client sends after the startup packet. */
export const enum FrontendCode {
  Bind = 0x42, // 'B'
  Close = 0x43, // 'C'
  CopyData = 0x64, // 'd'
  CopyDone = 0x63, // 'c'
  CopyFail = 0x66, // 'f'
  Describe = 0x44, // 'D'
  Execute = 0x45, // 'E'
  Flush = 0x48, // 'H'
  FunctionCall = 0x46, // 'F'
  Parse = 0x50, // 'P'
  /** PasswordMessage, SASLInitialResponse and SASLResponse share this code. */
  Password = 0x70, // 'p'
  Query = 0x51, // 'Q'
  Sync = 0x53, // 'S'
  Terminate = 0x58, // 'X'
}

/** Messages the server sends. */
export const enum BackendCode {
  Authentication = 0x52, // 'R'
  BackendKeyData = 0x4b, // 'K'
  BindComplete = 0x32, // '2'
  CloseComplete = 0x33, // '3'
  CommandComplete = 0x43, // 'C'
  CopyData = 0x64, // 'd'
  CopyDone = 0x63, // 'c'
  CopyInResponse = 0x47, // 'G'
  CopyOutResponse = 0x48, // 'H'
  DataRow = 0x44, // 'D'
  EmptyQueryResponse = 0x49, // 'I'
  ErrorResponse = 0x45, // 'E'
  NegotiateProtocolVersion = 0x76, // 'v'
  NoData = 0x6e, // 'n'
  NoticeResponse = 0x4e, // 'N'
  ParameterDescription = 0x74, // 't'
  ParameterStatus = 0x53, // 'S'
  ParseComplete = 0x31, // '1'
  PortalSuspended = 0x73, // 's'
  ReadyForQuery = 0x5a, // 'Z'
  RowDescription = 0x54, // 'T'
}

/** The int32 after the length of an untyped startup-phase packet. */
export const enum StartupCode {
  /** Protocol 3.0: major 3 in the high 16 bits, minor 0. */
  Protocol3 = 196608,
  CancelRequest = 80877102,
  SslRequest = 80877103,
  GssEncRequest = 80877104,
}

/** The int32 that starts an Authentication ('R') message. */
export const enum AuthCode {
  Ok = 0,
  CleartextPassword = 3,
  Md5Password = 5,
  Sasl = 10,
  SaslContinue = 11,
  SaslFinal = 12,
}

/** Byte that Describe and Close use to say what they name. */
export const enum TargetKind {
  Statement = 0x53, // 'S'
  Portal = 0x50, // 'P'
}

/** ReadyForQuery's transaction status byte. */
export type PgTxStatus = 'I' | 'T' | 'E';

export const PROTOCOL_MAJOR = 3;
export const PROTOCOL_MINOR_LATEST = 0;

export function isFrontendCode(code: number): code is FrontendCode {
  switch (code) {
    case FrontendCode.Bind:
    case FrontendCode.Close:
    case FrontendCode.CopyData:
    case FrontendCode.CopyDone:
    case FrontendCode.CopyFail:
    case FrontendCode.Describe:
    case FrontendCode.Execute:
    case FrontendCode.Flush:
    case FrontendCode.FunctionCall:
    case FrontendCode.Parse:
    case FrontendCode.Password:
    case FrontendCode.Query:
    case FrontendCode.Sync:
    case FrontendCode.Terminate:
      return true;
    default:
      return false;
  }
}

/** Messages that may carry bulk data and get the large size limit (PostgreSQL's choice). */
export function isLargeMessage(code: FrontendCode): boolean {
  return code === FrontendCode.Query || code === FrontendCode.Parse || code === FrontendCode.Bind ||
    code === FrontendCode.FunctionCall || code === FrontendCode.CopyData || code === FrontendCode.CopyFail;
}
