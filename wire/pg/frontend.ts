// Decodes the bodies of frontend messages (docs: "Message Formats") into typed values. Every
// read is bounds-checked and every message must be consumed exactly; anything else is a
// malformed message: FATAL 08P01, the connection ends.

import { protocolViolation } from './errors.js';
import { FrontendCode, PROTOCOL_MAJOR, StartupCode, TargetKind } from './messages.js';
import { decodeUtf8 } from './types.js';

export type FrontendMessage =
  | { kind: 'query'; sql: string }
  | { kind: 'parse'; name: string; sql: string; paramTypes: number[] }
  | { kind: 'bind'; portal: string; statement: string; paramFormats: number[]; params: (Buffer | null)[]; resultFormats: number[] }
  | { kind: 'describe'; target: TargetKind; name: string }
  | { kind: 'execute'; portal: string; maxRows: number }
  | { kind: 'close'; target: TargetKind; name: string }
  | { kind: 'sync' }
  | { kind: 'flush' }
  | { kind: 'terminate' }
  | { kind: 'copyData'; data: Buffer }
  | { kind: 'copyDone' }
  | { kind: 'copyFail'; message: string }
  | { kind: 'functionCall' }
  | { kind: 'password'; body: Buffer };

export type StartupPacket =
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; processId: number; secretKey: number }
  | { kind: 'startup'; major: number; minor: number; params: Map<string, string> };

/** Sequential reader over one message body. */
export class BodyReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw protocolViolation('insufficient data left in message');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw protocolViolation('invalid string in message');
    const s = decodeUtf8(this.buf.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  rest(): Buffer {
    const v = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return v;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** pq_getmsgend: the message must be consumed exactly. */
  end(): void {
    if (this.pos !== this.buf.length) throw protocolViolation('invalid message format');
  }
}

/** A count (int16) that must be non-negative and fit the bytes left at `bytesEach` apiece. */
function count(r: BodyReader, bytesEach: number, what: string): number {
  const n = r.int16();
  if (n < 0 || n * bytesEach > r.remaining) throw protocolViolation(`invalid ${what} count ${n}`);
  return n;
}

function target(r: BodyReader, what: string): TargetKind {
  const t = r.byte();
  if (t !== TargetKind.Statement && t !== TargetKind.Portal) {
    throw protocolViolation(`invalid ${what} message subtype ${t}`);
  }
  return t;
}

function formatCodes(r: BodyReader): number[] {
  const n = count(r, 2, 'format code');
  const codes: number[] = [];
  for (let i = 0; i < n; i++) codes.push(r.int16());
  return codes;
}

export function parseFrontendMessage(code: FrontendCode, body: Buffer): FrontendMessage {
  const r = new BodyReader(body);
  let m: FrontendMessage;
  switch (code) {
    case FrontendCode.Query:
      m = { kind: 'query', sql: r.cstring() };
      break;
    case FrontendCode.Parse: {
      const name = r.cstring();
      const sql = r.cstring();
      const n = count(r, 4, 'parameter type');
      const paramTypes: number[] = [];
      for (let i = 0; i < n; i++) paramTypes.push(r.uint32());
      m = { kind: 'parse', name, sql, paramTypes };
      break;
    }
    case FrontendCode.Bind: {
      const portal = r.cstring();
      const statement = r.cstring();
      const paramFormats = formatCodes(r);
      const n = count(r, 4, 'parameter');
      const params: (Buffer | null)[] = [];
      for (let i = 0; i < n; i++) {
        const len = r.int32();
        if (len < -1) throw protocolViolation(`invalid parameter length ${len}`);
        params.push(len === -1 ? null : r.bytes(len));
      }
      m = { kind: 'bind', portal, statement, paramFormats, params, resultFormats: formatCodes(r) };
      break;
    }
    case FrontendCode.Describe:
      m = { kind: 'describe', target: target(r, 'DESCRIBE'), name: r.cstring() };
      break;
    case FrontendCode.Execute:
      m = { kind: 'execute', portal: r.cstring(), maxRows: r.int32() };
      break;
    case FrontendCode.Close:
      m = { kind: 'close', target: target(r, 'CLOSE'), name: r.cstring() };
      break;
    case FrontendCode.Sync:
      m = { kind: 'sync' };
      break;
    case FrontendCode.Flush:
      m = { kind: 'flush' };
      break;
    case FrontendCode.Terminate:
      m = { kind: 'terminate' };
      break;
    case FrontendCode.CopyData:
      m = { kind: 'copyData', data: r.rest() };
      break;
    case FrontendCode.CopyDone:
      m = { kind: 'copyDone' };
      break;
    case FrontendCode.CopyFail:
      m = { kind: 'copyFail', message: r.cstring() };
      break;
    case FrontendCode.FunctionCall:
      r.rest(); // refused as a whole; its layout does not matter
      m = { kind: 'functionCall' };
      break;
    case FrontendCode.Password:
      m = { kind: 'password', body: r.rest() };
      break;
    default: {
      const never: never = code;
      throw protocolViolation(`invalid frontend message type ${String(never)}`);
    }
  }
  r.end();
  return m;
}

/** Decodes a startup-phase packet body (after its length). */
export function parseStartupPacket(body: Buffer): StartupPacket {
  const r = new BodyReader(body);
  const code = r.int32();
  switch (code) {
    case StartupCode.SslRequest:
      r.end();
      return { kind: 'ssl' };
    case StartupCode.GssEncRequest:
      r.end();
      return { kind: 'gssenc' };
    case StartupCode.CancelRequest: {
      const processId = r.int32();
      const secretKey = r.int32();
      r.end();
      return { kind: 'cancel', processId, secretKey };
    }
    default:
      break;
  }
  const major = (code >>> 16) & 0xffff;
  const minor = code & 0xffff;
  const params = new Map<string, string>();
  if (major !== PROTOCOL_MAJOR) return { kind: 'startup', major, minor, params };
  // Name/value pairs of NUL-terminated strings, then one more NUL.
  if (body[body.length - 1] !== 0) {
    throw protocolViolation('invalid startup packet layout: expected terminator as last byte');
  }
  for (;;) {
    const name = r.cstring();
    if (name === '') break;
    if (r.remaining === 0) throw protocolViolation('invalid startup packet layout: expected terminator as last byte');
    params.set(name, r.cstring());
  }
  r.end();
  return { kind: 'startup', major, minor, params };
}
