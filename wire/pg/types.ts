// Type OIDs and the text/binary codecs of the values the SQL layer uses, byte for byte as
// PostgreSQL 15 writes them (DateStyle ISO, MDY; TimeZone UTC; extra_float_digits 1;
// bytea_output hex). The JS representation per type:
//
//   int2, int4, oid           number            int8                bigint
//   float4, float8            number            numeric             canonical decimal string
//   text, varchar, bpchar,    string            bool                boolean
//     name, "char", json, jsonb                 bytea               Uint8Array (Buffer out)
//   date                      days since 1970-01-01 (number, ±Infinity)
//   timestamp, timestamptz    µs since 1970-01-01 UTC (number, ±Infinity; bigint accepted)
//   uuid                      lowercase dashed string
//   arrays of the above       JS arrays (nested for several dimensions), null elements
//   NULL                      null (the protocol's -1 length; never reaches a codec)
//
// Decoders raise PgError with PostgreSQL's SQLSTATE and wording (22P02 for bad syntax of
// numbers, booleans, uuid, json; 22003 out of range; 22007/22008 for dates, as PostgreSQL).
// Encoders take what the backend produced; a value of the wrong JS type is a backend bug and
// throws a plain Error (reported as XX000).

import { PgError } from './errors.js';
import { SqlState } from './sqlstate.js';
import { decodeArrayBinary, encodeArrayBinary, formatArrayText, parseArrayText, type ElementCodec } from './types-array.js';
import {
  decodeDateBinary, decodeTimestampBinary, encodeDateBinary, encodeTimestampBinary,
  formatDate, formatTimestamp, parseDateText, parseTimestampText,
} from './types-datetime.js';
import { formatFloat4, formatFloat8, parseFloatText } from './types-float.js';
import { parseJsonbText, parseJsonText } from './types-json.js';
import { decodeNumericBinary, encodeNumericBinary, numberToNumericText, parseNumericText } from './types-numeric.js';

export type PgValue = null | boolean | number | bigint | string | Uint8Array | readonly PgValue[];

/** Format codes of Bind and RowDescription. */
export const enum PgFormat {
  Text = 0,
  Binary = 1,
}

/** pg_type OIDs (PostgreSQL 15 pg_type.dat). */
export const PgType = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
  // Array types (pg_type.typarray of each element type).
  _json: 199,
  _bool: 1000,
  _bytea: 1001,
  _char: 1002,
  _name: 1003,
  _int2: 1005,
  _int4: 1007,
  _text: 1009,
  _bpchar: 1014,
  _varchar: 1015,
  _int8: 1016,
  _float4: 1021,
  _float8: 1022,
  _oid: 1028,
  _timestamp: 1115,
  _date: 1182,
  _timestamptz: 1185,
  _numeric: 1231,
  _uuid: 2951,
  _jsonb: 3807,
} as const;

export interface TypeCodec extends ElementCodec {
  /** pg_type.typname */
  readonly name: string;
  /** pg_type.typlen: RowDescription's data type size (-1 variable, -2 C string). */
  readonly size: number;
}

// ---- Helpers ----

function wrongValue(type: string, v: PgValue): Error {
  const shown = typeof v === 'bigint' ? `${v}n`
    : v instanceof Uint8Array ? `<${v.length} bytes>`
    : Array.isArray(v) ? `<array of ${v.length}>`
    : JSON.stringify(v);
  return new Error(`cannot encode ${shown} (${typeof v}) as ${type}`);
}

function bytes(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function expectLength(buf: Buffer, n: number): void {
  if (buf.length !== n) throw new PgError(SqlState.InvalidBinaryRepresentation, 'incorrect binary data format');
}

const INT_TEXT = /^[ \t\n\r\v\f]*([+-]?\d+)[ \t\n\r\v\f]*$/;

function intCodec(name: string, oid: number, sqlName: string, size: 2 | 4): TypeCodec {
  const max = size === 2 ? 0x7fff : 0x7fffffff;
  return {
    oid, name, size,
    encodeText(v) {
      if ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint') {
        if (v <= max && v >= -max - 1) return v.toString();
      }
      throw wrongValue(name, v);
    },
    decodeText(s) {
      const m = INT_TEXT.exec(s);
      if (m === null) throw new PgError(SqlState.InvalidTextRepresentation, `invalid input syntax for type ${sqlName}: "${s}"`);
      const n = Number(m[1]);
      if (n > max || n < -max - 1) throw new PgError(SqlState.NumericValueOutOfRange, `value "${s}" is out of range for type ${sqlName}`);
      return n;
    },
    encodeBinary(v) {
      const n = Number(this.encodeText(v));
      const out = Buffer.alloc(size);
      if (size === 2) out.writeInt16BE(n);
      else out.writeInt32BE(n);
      return out;
    },
    decodeBinary(b) {
      expectLength(b, size);
      return size === 2 ? b.readInt16BE(0) : b.readInt32BE(0);
    },
  };
}

const INT8_MAX = 0x7fffffffffffffffn;

const int8Codec: TypeCodec = {
  oid: PgType.int8, name: 'int8', size: 8,
  encodeText(v) {
    if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return v.toString();
    throw wrongValue('int8', v);
  },
  decodeText(s) {
    const m = INT_TEXT.exec(s);
    if (m === null) throw new PgError(SqlState.InvalidTextRepresentation, `invalid input syntax for type bigint: "${s}"`);
    const n = BigInt(m[1]);
    if (n > INT8_MAX || n < -INT8_MAX - 1n) throw new PgError(SqlState.NumericValueOutOfRange, `value "${s}" is out of range for type bigint`);
    return n;
  },
  encodeBinary(v) {
    const out = Buffer.alloc(8);
    out.writeBigInt64BE(BigInt(this.encodeText(v)));
    return out;
  },
  decodeBinary(b) {
    expectLength(b, 8);
    return b.readBigInt64BE(0);
  },
};

const OID_MAX = 0xffffffff;

const oidCodec: TypeCodec = {
  oid: PgType.oid, name: 'oid', size: 4,
  encodeText(v) {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= OID_MAX) return v.toString();
    throw wrongValue('oid', v);
  },
  decodeText(s) {
    const m = INT_TEXT.exec(s);
    if (m === null) throw new PgError(SqlState.InvalidTextRepresentation, `invalid input syntax for type oid: "${s}"`);
    const n = Number(m[1]);
    // oidin takes what strtoul takes: negative values within int32 wrap around.
    if (n > OID_MAX || n < -0x80000000) throw new PgError(SqlState.NumericValueOutOfRange, `value "${s}" is out of range for type oid`);
    return n < 0 ? n + OID_MAX + 1 : n;
  },
  encodeBinary(v) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(Number(this.encodeText(v)));
    return out;
  },
  decodeBinary(b) {
    expectLength(b, 4);
    return b.readUInt32BE(0);
  },
};

function floatCodec(bits: 32 | 64): TypeCodec {
  const name = bits === 32 ? 'float4' : 'float8';
  const size = bits / 8;
  return {
    oid: bits === 32 ? PgType.float4 : PgType.float8, name, size,
    encodeText(v) {
      if (typeof v !== 'number') throw wrongValue(name, v);
      return bits === 32 ? formatFloat4(v) : formatFloat8(v);
    },
    decodeText: (s) => parseFloatText(s, bits),
    encodeBinary(v) {
      if (typeof v !== 'number') throw wrongValue(name, v);
      const out = Buffer.alloc(size);
      if (bits === 32) out.writeFloatBE(v);
      else out.writeDoubleBE(v);
      return out;
    },
    decodeBinary(b) {
      expectLength(b, size);
      return bits === 32 ? b.readFloatBE(0) : b.readDoubleBE(0);
    },
  };
}

function numericText(v: PgValue): string {
  if (typeof v === 'string') return parseNumericText(v);
  if (typeof v === 'number') return numberToNumericText(v);
  if (typeof v === 'bigint') return v.toString();
  throw wrongValue('numeric', v);
}

const numericCodec: TypeCodec = {
  oid: PgType.numeric, name: 'numeric', size: -1,
  encodeText: numericText,
  decodeText: parseNumericText,
  encodeBinary: (v) => encodeNumericBinary(numericText(v)),
  decodeBinary: decodeNumericBinary,
};

/** Types whose text and binary forms are both the UTF-8 text. */
function textCodec(name: string, oid: number, size = -1): TypeCodec {
  return {
    oid, name, size,
    encodeText(v) {
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
      throw wrongValue(name, v);
    },
    decodeText: (s) => s,
    encodeBinary(v) {
      return Buffer.from(this.encodeText(v), 'utf8');
    },
    decodeBinary: (b) => decodeUtf8(b),
  };
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/**
 * Client bytes → string. Invalid UTF-8 and NUL bytes are 22021, as PostgreSQL checks every
 * string a client sends (text can never hold NUL there).
 */
export function decodeUtf8(b: Uint8Array): string {
  let s: string | undefined;
  try {
    s = utf8Fatal.decode(b);
  } catch {
    s = undefined;
  }
  if (s !== undefined && !s.includes('\0')) return s;
  const i = firstBadByte(b);
  const shown = Array.from(b.subarray(i, i + 2), (x) => `0x${x.toString(16).padStart(2, '0')}`).join(' ');
  throw new PgError(SqlState.CharacterNotInRepertoire, `invalid byte sequence for encoding "UTF8": ${shown}`);
}

/** Offset of the first NUL or of the first byte that does not start a valid UTF-8 sequence. */
function firstBadByte(b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0) return i;
    if (b[i] < 0x80) continue;
    const n = b[i] >= 0xf0 ? 4 : b[i] >= 0xe0 ? 3 : b[i] >= 0xc2 ? 2 : 0;
    if (n === 0) return i;
    try {
      utf8Fatal.decode(b.subarray(i, i + n));
    } catch {
      return i;
    }
    i += n - 1;
  }
  return 0;
}

const BOOL_WORDS: ReadonlyArray<[string, boolean, number]> = [
  // word, value, shortest accepted prefix (parse_bool_with_len)
  ['true', true, 1], ['false', false, 1], ['yes', true, 1], ['no', false, 1],
  ['on', true, 2], ['off', false, 2], ['1', true, 1], ['0', false, 1],
];

const boolCodec: TypeCodec = {
  oid: PgType.bool, name: 'bool', size: 1,
  encodeText(v) {
    if (typeof v !== 'boolean') throw wrongValue('bool', v);
    return v ? 't' : 'f';
  },
  decodeText(s) {
    const w = s.trim().toLowerCase();
    for (const [word, value, minLen] of BOOL_WORDS) {
      if (w.length >= minLen && w.length <= word.length && word.startsWith(w)) return value;
    }
    throw new PgError(SqlState.InvalidTextRepresentation, `invalid input syntax for type boolean: "${s}"`);
  },
  encodeBinary(v) {
    return Buffer.from([this.encodeText(v) === 't' ? 1 : 0]);
  },
  decodeBinary(b) {
    expectLength(b, 1);
    return b[0] !== 0;
  },
};

const HEX_DIGIT = /^[0-9a-fA-F]$/;

function parseBytea(s: string): Buffer {
  if (s.startsWith('\\x')) {
    const out: number[] = [];
    let i = 2;
    while (i < s.length) {
      if (' \t\n\r'.includes(s[i])) {
        i++;
        continue;
      }
      if (!HEX_DIGIT.test(s[i])) throw new PgError(SqlState.InvalidParameterValue, `invalid hexadecimal digit: "${s[i]}"`);
      if (i + 1 >= s.length) throw new PgError(SqlState.InvalidParameterValue, 'invalid hexadecimal data: odd number of digits');
      if (!HEX_DIGIT.test(s[i + 1])) throw new PgError(SqlState.InvalidParameterValue, `invalid hexadecimal digit: "${s[i + 1]}"`);
      out.push(parseInt(s.slice(i, i + 2), 16));
      i += 2;
    }
    return Buffer.from(out);
  }
  // Escape format: \\ is a backslash, \ooo an octal byte, anything else literal.
  const src = Buffer.from(s, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) {
    if (src[i] !== 0x5c) {
      out.push(src[i]);
    } else if (src[i + 1] === 0x5c) {
      out.push(0x5c);
      i++;
    } else {
      const oct = src.subarray(i + 1, i + 4).toString('latin1');
      if (!/^[0-3][0-7][0-7]$/.test(oct)) throw new PgError(SqlState.InvalidTextRepresentation, 'invalid input syntax for type bytea');
      out.push(parseInt(oct, 8));
      i += 3;
    }
  }
  return Buffer.from(out);
}

const byteaCodec: TypeCodec = {
  oid: PgType.bytea, name: 'bytea', size: -1,
  encodeText(v) {
    if (!(v instanceof Uint8Array)) throw wrongValue('bytea', v);
    return `\\x${bytes(v).toString('hex')}`;
  },
  decodeText: parseBytea,
  encodeBinary(v) {
    if (!(v instanceof Uint8Array)) throw wrongValue('bytea', v);
    return bytes(v);
  },
  decodeBinary: (b) => Buffer.from(b),
};

/** string_to_uuid: optional braces, a hyphen allowed after any group of four hex digits. */
const UUID_TEXT = /^(\{?)([0-9a-fA-F]{4}-?){7}[0-9a-fA-F]{4}(\}?)$/;

const uuidCodec: TypeCodec = {
  oid: PgType.uuid, name: 'uuid', size: 16,
  encodeText(v) {
    if (typeof v !== 'string') throw wrongValue('uuid', v);
    return v;
  },
  decodeText(s) {
    const m = UUID_TEXT.exec(s);
    if (m === null || m[1].length !== m[3].length) {
      throw new PgError(SqlState.InvalidTextRepresentation, `invalid input syntax for type uuid: "${s}"`);
    }
    const hex = s.replace(/[{}-]/g, '').toLowerCase();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  },
  encodeBinary(v) {
    const hex = this.encodeText(v).replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw wrongValue('uuid', v);
    return Buffer.from(hex, 'hex');
  },
  decodeBinary(b) {
    expectLength(b, 16);
    const hex = b.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  },
};

const JSONB_VERSION = 1;

const jsonCodec: TypeCodec = { ...textCodec('json', PgType.json), decodeText: parseJsonText, decodeBinary: (b) => parseJsonText(decodeUtf8(b)) };

const jsonbCodec: TypeCodec = {
  ...textCodec('jsonb', PgType.jsonb),
  decodeText: parseJsonbText,
  encodeBinary(v) {
    return Buffer.concat([Buffer.from([JSONB_VERSION]), Buffer.from(jsonCodec.encodeText(v), 'utf8')]);
  },
  decodeBinary(b) {
    if (b[0] !== JSONB_VERSION) throw new PgError(SqlState.InvalidBinaryRepresentation, `unsupported jsonb version number ${b[0]}`);
    return parseJsonbText(decodeUtf8(b.subarray(1)));
  },
};

/** A date (days) or timestamp (µs): an integer or ±Infinity; timestamps also take a bigint. */
function dateLikeValue(name: string, v: PgValue): number | bigint {
  if (typeof v === 'number' && (Number.isInteger(v) || v === Infinity || v === -Infinity)) return v;
  if (typeof v === 'bigint' && name !== 'date') return v;
  throw wrongValue(name, v);
}

const dateCodec: TypeCodec = {
  oid: PgType.date, name: 'date', size: 4,
  encodeText: (v) => formatDate(Number(dateLikeValue('date', v))),
  decodeText: parseDateText,
  encodeBinary: (v) => encodeDateBinary(Number(dateLikeValue('date', v))),
  decodeBinary(b) {
    expectLength(b, 4);
    return decodeDateBinary(b);
  },
};

function timestampCodec(withZone: boolean): TypeCodec {
  const name = withZone ? 'timestamptz' : 'timestamp';
  return {
    oid: withZone ? PgType.timestamptz : PgType.timestamp, name, size: 8,
    encodeText: (v) => formatTimestamp(dateLikeValue(name, v), withZone),
    decodeText: (s) => parseTimestampText(s, withZone),
    encodeBinary: (v) => encodeTimestampBinary(dateLikeValue(name, v)),
    decodeBinary(b) {
      expectLength(b, 8);
      return decodeTimestampBinary(b);
    },
  };
}

const SCALARS: readonly TypeCodec[] = [
  boolCodec, byteaCodec, textCodec('char', PgType.char, 1), textCodec('name', PgType.name, 64), int8Codec,
  intCodec('int2', PgType.int2, 'smallint', 2), intCodec('int4', PgType.int4, 'integer', 4),
  textCodec('text', PgType.text), oidCodec, jsonCodec, floatCodec(32), floatCodec(64),
  textCodec('unknown', PgType.unknown, -2), textCodec('bpchar', PgType.bpchar), textCodec('varchar', PgType.varchar),
  dateCodec, timestampCodec(false), timestampCodec(true), numericCodec, uuidCodec, jsonbCodec,
];

/** Element OID → array OID. */
const ARRAY_OF: ReadonlyMap<number, number> = new Map([
  [PgType.json, PgType._json], [PgType.bool, PgType._bool], [PgType.bytea, PgType._bytea], [PgType.char, PgType._char],
  [PgType.name, PgType._name], [PgType.int2, PgType._int2], [PgType.int4, PgType._int4], [PgType.text, PgType._text],
  [PgType.bpchar, PgType._bpchar], [PgType.varchar, PgType._varchar], [PgType.int8, PgType._int8],
  [PgType.float4, PgType._float4], [PgType.float8, PgType._float8], [PgType.oid, PgType._oid],
  [PgType.timestamp, PgType._timestamp], [PgType.date, PgType._date], [PgType.timestamptz, PgType._timestamptz],
  [PgType.numeric, PgType._numeric], [PgType.uuid, PgType._uuid], [PgType.jsonb, PgType._jsonb],
]);

function arrayCodec(elem: TypeCodec, oid: number): TypeCodec {
  const asArray = (v: PgValue): readonly PgValue[] => {
    if (!Array.isArray(v)) throw wrongValue(`_${elem.name}`, v);
    return v;
  };
  return {
    oid, name: `_${elem.name}`, size: -1,
    encodeText: (v) => formatArrayText(asArray(v), elem),
    decodeText: (s) => parseArrayText(s, elem),
    encodeBinary: (v) => encodeArrayBinary(asArray(v), elem),
    decodeBinary: (b) => decodeArrayBinary(b, elem),
  };
}

const CODECS: ReadonlyMap<number, TypeCodec> = new Map([
  ...SCALARS.map((c): [number, TypeCodec] => [c.oid, c]),
  ...SCALARS.filter((c) => ARRAY_OF.has(c.oid)).map((c): [number, TypeCodec] => [ARRAY_OF.get(c.oid)!, arrayCodec(c, ARRAY_OF.get(c.oid)!)]),
]);

/**
 * A type this module does not know (OID 0 = unspecified, or a type the SQL layer adds):
 * strings pass through as UTF-8 in both formats, byte arrays as raw bytes.
 */
const PASSTHROUGH: TypeCodec = {
  oid: 0, name: 'unknown', size: -1,
  encodeText(v) {
    if (v instanceof Uint8Array) return decodeUtf8(v);
    if (Array.isArray(v)) throw wrongValue('a type without a codec', v);
    return String(v);
  },
  decodeText: (s) => s,
  encodeBinary: (v) => (v instanceof Uint8Array ? bytes(v) : Buffer.from(PASSTHROUGH.encodeText(v), 'utf8')),
  decodeBinary: (b) => Buffer.from(b),
};

export function codecFor(oid: number): TypeCodec {
  return CODECS.get(oid) ?? PASSTHROUGH;
}

/** True for the OIDs with a codec here (others pass through as text or bytes). */
export function isKnownType(oid: number): boolean {
  return CODECS.has(oid);
}

/** RowDescription's data type size for `oid`. */
export function typeSize(oid: number): number {
  return codecFor(oid).size;
}

export function arrayTypeOf(elementOid: number): number | undefined {
  return ARRAY_OF.get(elementOid);
}

export function encodeText(oid: number, value: PgValue): string {
  return codecFor(oid).encodeText(value);
}

export function decodeText(oid: number, text: string): PgValue {
  return codecFor(oid).decodeText(text);
}

export function encodeBinary(oid: number, value: PgValue): Buffer {
  return codecFor(oid).encodeBinary(value);
}

export function decodeBinary(oid: number, data: Uint8Array): PgValue {
  return codecFor(oid).decodeBinary(bytes(data));
}
