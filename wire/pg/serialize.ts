// Builds backend messages (docs: "Message Formats") into one growing buffer; the connection
// takes the bytes at flush points. Each method writes exactly one message.

import type { PgError, PgMessageFields, PgNotice } from './errors.js';
import { AuthCode, BackendCode, type PgTxStatus } from './messages.js';
import { PgFormat, codecFor, type PgValue } from './types.js';

/** A column as RowDescription describes it. */
export interface FieldDescription {
  name: string;
  tableOid: number;
  columnNumber: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  format: PgFormat;
}

const INITIAL_BYTES = 16 * 1024;
/** A buffer grown beyond this for one large message is dropped after it is taken. */
const RETAINED_BYTES_MAX = 1024 * 1024;
/** Strings up to this many UTF-16 units are sized by their worst case instead of measured. */
const MEASURE_STRING_UNITS_MIN = 4096;

/** Field type bytes of ErrorResponse/NoticeResponse, in the order PostgreSQL sends them. */
const FIELD_CODES: ReadonlyArray<[keyof PgMessageFields, string]> = [
  ['detail', 'D'], ['hint', 'H'], ['position', 'P'], ['internalPosition', 'p'], ['internalQuery', 'q'],
  ['where', 'W'], ['schema', 's'], ['table', 't'], ['column', 'c'], ['dataType', 'd'], ['constraint', 'n'],
];

export class MessageWriter {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private pos = 0;
  private start = -1;

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far; the writer starts over (and gives back memory a big row took). */
  take(): Buffer {
    if (this.start !== -1) throw new Error('take() inside an unfinished message');
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    if (this.buf.length > RETAINED_BYTES_MAX) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    return out;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private begin(code: BackendCode): void {
    if (this.start !== -1) throw new Error('begin() inside an unfinished message');
    this.ensure(5);
    this.buf[this.pos] = code;
    this.start = this.pos + 1;
    this.pos += 5;
  }

  private end(): void {
    this.buf.writeInt32BE(this.pos - this.start, this.start);
    this.start = -1;
  }

  private byte(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  private int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  private int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  private uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  private bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** UTF-8 text, no terminator; returns its byte length. */
  private text(s: string): number {
    this.ensure(s.length < MEASURE_STRING_UNITS_MIN ? s.length * 3 : Buffer.byteLength(s, 'utf8'));
    const n = this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
    return n;
  }

  /** A NUL-terminated string; a NUL inside would end it early and desynchronise the client. */
  private cstring(s: string): void {
    this.text(s.includes('\0') ? s.replace(/\0/g, '') : s);
    this.byte(0);
  }

  /** A raw byte outside any message (the answer to SSLRequest/GSSENCRequest). */
  rawByte(v: number): void {
    this.byte(v);
  }

  authentication(code: AuthCode, payload?: Uint8Array): void {
    this.begin(BackendCode.Authentication);
    this.int32(code);
    if (payload !== undefined) this.bytes(payload);
    this.end();
  }

  parameterStatus(name: string, value: string): void {
    this.begin(BackendCode.ParameterStatus);
    this.cstring(name);
    this.cstring(value);
    this.end();
  }

  backendKeyData(processId: number, secretKey: number): void {
    this.begin(BackendCode.BackendKeyData);
    this.int32(processId);
    this.int32(secretKey);
    this.end();
  }

  negotiateProtocolVersion(minorSupported: number, unrecognized: readonly string[]): void {
    this.begin(BackendCode.NegotiateProtocolVersion);
    this.int32(minorSupported);
    this.int32(unrecognized.length);
    for (const option of unrecognized) this.cstring(option);
    this.end();
  }

  readyForQuery(status: PgTxStatus): void {
    this.begin(BackendCode.ReadyForQuery);
    this.byte(status.charCodeAt(0));
    this.end();
  }

  private empty(code: BackendCode): void {
    this.begin(code);
    this.end();
  }

  parseComplete(): void { this.empty(BackendCode.ParseComplete); }
  bindComplete(): void { this.empty(BackendCode.BindComplete); }
  closeComplete(): void { this.empty(BackendCode.CloseComplete); }
  noData(): void { this.empty(BackendCode.NoData); }
  portalSuspended(): void { this.empty(BackendCode.PortalSuspended); }
  emptyQueryResponse(): void { this.empty(BackendCode.EmptyQueryResponse); }
  copyDone(): void { this.empty(BackendCode.CopyDone); }

  commandComplete(tag: string): void {
    this.begin(BackendCode.CommandComplete);
    this.cstring(tag);
    this.end();
  }

  parameterDescription(typeOids: readonly number[]): void {
    this.begin(BackendCode.ParameterDescription);
    this.int16(typeOids.length);
    for (const oid of typeOids) this.uint32(oid);
    this.end();
  }

  rowDescription(fields: readonly FieldDescription[]): void {
    this.begin(BackendCode.RowDescription);
    this.int16(fields.length);
    for (const f of fields) {
      this.cstring(f.name);
      this.uint32(f.tableOid);
      this.int16(f.columnNumber);
      this.uint32(f.typeOid);
      this.int16(f.typeSize);
      this.int32(f.typeModifier);
      this.int16(f.format);
    }
    this.end();
  }

  /** One DataRow; values are encoded by their column's type and format. */
  dataRow(values: readonly PgValue[], fields: readonly FieldDescription[]): void {
    if (values.length !== fields.length) {
      throw new Error(`row has ${values.length} values for ${fields.length} columns`);
    }
    this.begin(BackendCode.DataRow);
    const messageAt = this.start - 1;
    try {
      this.dataRowValues(values, fields);
    } catch (e) {
      // A value that cannot be encoded is a backend bug: drop the half-written message.
      this.pos = messageAt;
      this.start = -1;
      throw e;
    }
    this.end();
  }

  private dataRowValues(values: readonly PgValue[], fields: readonly FieldDescription[]): void {
    this.int16(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) {
        this.int32(-1);
        continue;
      }
      const codec = codecFor(fields[i].typeOid);
      if (fields[i].format === PgFormat.Binary) {
        const b = codec.encodeBinary(v);
        this.int32(b.length);
        this.bytes(b);
      } else {
        const lengthAt = this.pos;
        this.int32(0);
        // text() may grow (replace) this.buf: write the length only after it returns,
        // into the buffer that holds the message now.
        const n = this.text(codec.encodeText(v));
        this.buf.writeInt32BE(n, lengthAt);
      }
    }
  }

  copyInResponse(format: PgFormat, columnFormats: readonly PgFormat[]): void {
    this.copyResponse(BackendCode.CopyInResponse, format, columnFormats);
  }

  copyOutResponse(format: PgFormat, columnFormats: readonly PgFormat[]): void {
    this.copyResponse(BackendCode.CopyOutResponse, format, columnFormats);
  }

  private copyResponse(code: BackendCode, format: PgFormat, columnFormats: readonly PgFormat[]): void {
    this.begin(code);
    this.byte(format);
    this.int16(columnFormats.length);
    for (const f of columnFormats) this.int16(f);
    this.end();
  }

  copyData(data: Uint8Array | string): void {
    this.begin(BackendCode.CopyData);
    if (typeof data === 'string') this.text(data);
    else this.bytes(data);
    this.end();
  }

  errorResponse(e: PgError): void {
    this.begin(BackendCode.ErrorResponse);
    this.fields(e.severity, e.code, e.message, e);
    this.end();
  }

  noticeResponse(n: PgNotice): void {
    this.begin(BackendCode.NoticeResponse);
    this.fields(n.severity, n.code, n.message, n);
    this.end();
  }

  private fields(severity: string, code: string, message: string, extra: PgMessageFields): void {
    // S is the localized severity, V the same untranslated (PostgreSQL ≥ 9.6 sends both).
    for (const [type, value] of [['S', severity], ['V', severity], ['C', code], ['M', message]]) {
      this.byte(type.charCodeAt(0));
      this.cstring(value);
    }
    for (const [key, type] of FIELD_CODES) {
      const value = extra[key];
      if (value === undefined) continue;
      this.byte(type.charCodeAt(0));
      this.cstring(String(value));
    }
    this.byte(0);
  }
}
