// COPY's text format (docs: COPY, "Text Format"), for backends: a streaming row parser for
// COPY FROM STDIN and a row encoder for COPY TO STDOUT. Rows end with \n (or \r\n); fields are
// separated by the delimiter; the NULL string (default \N) is compared before de-escaping; a
// line holding only \. ends the data. CopyData boundaries need not match row boundaries.

import { PgError } from './errors.js';
import { SqlState } from './sqlstate.js';
import { decodeUtf8 } from './types.js';

export interface CopyTextOptions {
  /** One character; default tab. */
  delimiter?: string;
  /** Default `\N`. */
  null?: string;
  /** Longest line accepted; a longer one is 54000 instead of unbounded buffering. */
  lineBytesMax?: number;
}

/** A row: one string per field, null for the NULL string. */
export type CopyTextRow = (string | null)[];

const LINE_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

export class CopyTextParser {
  private readonly delimiter: string;
  private readonly nullString: string;
  private readonly lineBytesMax: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private sawEndMarker = false;

  constructor(options: CopyTextOptions = {}) {
    this.delimiter = options.delimiter ?? '\t';
    this.nullString = options.null ?? '\\N';
    this.lineBytesMax = options.lineBytesMax ?? LINE_BYTES_MAX_DEFAULT;
    if ([...this.delimiter].length !== 1) {
      throw new PgError(SqlState.FeatureNotSupported, 'COPY delimiter must be a single one-byte character');
    }
  }

  /** True once the `\.` end marker was seen; later data is ignored. */
  get ended(): boolean {
    return this.sawEndMarker;
  }

  /** Feeds one CopyData payload; returns the rows it completed. */
  push(chunk: Uint8Array): CopyTextRow[] {
    const rows: CopyTextRow[] = [];
    if (this.sawEndMarker) return rows;
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (;;) {
      const nl = data.indexOf(0x0a);
      if (nl < 0) break;
      const line = this.takeLine(data.subarray(0, nl));
      data = data.subarray(nl + 1);
      const row = this.parseLine(line);
      if (row === 'end') return rows;
      rows.push(row);
    }
    if (data.length > 0) {
      this.pendingBytes += data.length;
      if (this.pendingBytes > this.lineBytesMax) {
        throw new PgError(SqlState.ProgramLimitExceeded, `COPY line longer than ${this.lineBytesMax} bytes`);
      }
      this.pending.push(Buffer.from(data));
    }
    return rows;
  }

  /** At CopyDone: a last line without a newline is still a row. */
  finish(): CopyTextRow[] {
    if (this.sawEndMarker || this.pendingBytes === 0) return [];
    const row = this.parseLine(this.takeLine(Buffer.alloc(0)));
    return row === 'end' ? [] : [row];
  }

  private takeLine(tail: Buffer): string {
    let bytes = tail;
    if (this.pending.length > 0) {
      bytes = Buffer.concat([...this.pending, tail]);
      this.pending = [];
      this.pendingBytes = 0;
    }
    if (bytes.length > this.lineBytesMax) {
      throw new PgError(SqlState.ProgramLimitExceeded, `COPY line longer than ${this.lineBytesMax} bytes`);
    }
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    return decodeUtf8(bytes);
  }

  private parseLine(line: string): CopyTextRow | 'end' {
    if (line === '\\.') {
      this.sawEndMarker = true;
      return 'end';
    }
    return line.split(this.delimiter).map((raw) => (raw === this.nullString ? null : unescapeField(raw)));
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** De-escapes one field. Escapes yield bytes (\xhh, \ooo), so the result is decoded as UTF-8. */
function unescapeField(raw: string): string {
  if (!raw.includes('\\')) return raw;
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of raw.matchAll(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.?)/gs)) {
    parts.push(Buffer.from(raw.slice(last, m.index), 'utf8'));
    const e = m[1];
    if (e.length > 1 && e[0] === 'x') parts.push(Buffer.from([parseInt(e.slice(1), 16)]));
    else if (/^[0-7]/.test(e)) parts.push(Buffer.from([parseInt(e, 8) & 0xff]));
    else parts.push(Buffer.from(SIMPLE_ESCAPES[e] ?? e, 'utf8')); // '' for a lone trailing backslash
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(raw.slice(last), 'utf8'));
  return decodeUtf8(Buffer.concat(parts));
}

/** One row in text format, newline included: what COPY TO STDOUT puts in each CopyData. */
export function encodeCopyTextRow(fields: readonly (string | null)[], options: CopyTextOptions = {}): string {
  const delimiter = options.delimiter ?? '\t';
  const nullString = options.null ?? '\\N';
  return fields.map((f) => (f === null ? nullString : escapeField(f, delimiter))).join(delimiter) + '\n';
}

function escapeField(s: string, delimiter: string): string {
  let out = '';
  for (const ch of s) {
    switch (ch) {
      case '\\': out += '\\\\'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\v': out += '\\v'; break;
      default: out += ch === delimiter ? `\\${ch}` : ch;
    }
  }
  return out;
}
