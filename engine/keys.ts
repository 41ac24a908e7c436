// Order-preserving key encoding (DESIGN.md §1 "Sharding"). Encoded keys are latin1
// strings (one char per byte), so JS string comparison equals byte comparison and keys
// work directly as memtable and SSTable sort keys.
//
//   row key   = pkey + ckey
//   pkey      = token (8 chars) + tuple(partition key values)
//   ckey      = tuple(clustering key values), '' for partition-level entries
//   token     = murmur3 x64 h1 of tuple(partition key), sign bit flipped, big-endian
//
// Each tuple component is self-delimiting and prefix-free, so comparing two encoded
// tuples compares their values left to right:
//   int      8 bytes, two's complement big-endian with the sign bit flipped
//   float    8 bytes IEEE-754: sign flipped if positive, all bits inverted if negative
//   decimal  class byte (1 neg, 2 zero, 3 pos), 2-byte exponent, digits+1, 0x00 end;
//            negatives have exponent, digits and end inverted
//   text     UTF-8 with 0x00 escaped as 00 FF, ended by 00 00
//   bytes    as text, on the raw bytes
//   bool     one byte 0/1
//   uuid     16 bytes
// A descending clustering column has all its bytes inverted.

import { murmur3h1 } from './murmur3.js';
import type { ColumnType, KeyKind, TableSchema, Value } from './types.js';

export const TOKEN_CHARS = 8;
/** Greater than every encoded char: `prefix + PREFIX_END` bounds all keys starting with prefix. */
export const PREFIX_END = '\u0100';

export class KeyError extends Error {}

export function keyKindOf(type: ColumnType): KeyKind {
  switch (type) {
    case 'int2': case 'int4': case 'int8': case 'date': case 'timestamp': case 'timestamptz':
      return 'int';
    case 'float4': case 'float8': return 'float';
    case 'numeric': return 'decimal';
    case 'text': case 'varchar': case 'char': return 'text';
    case 'bytea': return 'bytes';
    case 'bool': return 'bool';
    case 'uuid': return 'uuid';
    case 'json': case 'jsonb': case 'any':
      throw new KeyError(`a column of type ${type} cannot be part of a key`);
    default: {
      const never: never = type;
      throw new Error(`unknown column type ${String(never)}`);
    }
  }
}

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);
const TWO32 = 2 ** 32;

function encodeInt(v: Value): string {
  let hi: number, lo: number;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new KeyError(`integer key out of range: ${v}`);
    hi = Math.floor(v / TWO32);
    lo = v - hi * TWO32;
    hi = hi >>> 0;
  } else if (typeof v === 'bigint') {
    if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new KeyError(`integer key out of range: ${v}`);
    const u = BigInt.asUintN(64, v);
    hi = Number(u >> 32n);
    lo = Number(u & 0xffffffffn);
  } else {
    throw new KeyError(`expected an integer key value, got ${typeof v}`);
  }
  hi = (hi ^ 0x80000000) >>> 0;
  return String.fromCharCode(hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255,
    lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
}

function encodeFloat(v: Value): string {
  if (typeof v !== 'number') throw new KeyError(`expected a float key value, got ${typeof v}`);
  f64[0] = Number.isNaN(v) ? NaN : v === 0 ? 0 : v; // one NaN, no -0
  // Float64Array is little-endian on every platform Node supports.
  const negative = (f64bytes[7] & 0x80) !== 0;
  let s = '';
  for (let i = 7; i >= 0; i--) {
    let b = f64bytes[i];
    if (negative) b = ~b & 255; else if (i === 7) b ^= 0x80;
    s += String.fromCharCode(b);
  }
  return s;
}

/** Splits a decimal into sign, significant digits and exponent e with value = 0.digits * 10^e. */
export function parseDecimal(input: Value): { negative: boolean; digits: string; exponent: number } {
  const text = typeof input === 'number' || typeof input === 'bigint' ? String(input) : input;
  if (typeof text !== 'string') throw new KeyError(`expected a decimal key value, got ${typeof input}`);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new KeyError(`invalid decimal key value: ${text}`);
  const intPart = m[2], frac = m[3] ?? '';
  let digits = intPart + frac;
  let exponent = intPart.length + (m[4] ? Number(m[4]) : 0);
  const lead = digits.search(/[1-9]/);
  if (lead < 0) return { negative: false, digits: '', exponent: 0 };
  digits = digits.slice(lead).replace(/0+$/, '');
  exponent -= lead;
  if (exponent > 0x7fff || exponent < -0x7fff) throw new KeyError(`decimal key out of range: ${text}`);
  return { negative: m[1] === '-', digits, exponent };
}

function encodeDecimal(v: Value): string {
  const { negative, digits, exponent } = parseDecimal(v);
  if (digits === '') return '\x02';
  const e = exponent + 0x8000;
  const inv = negative ? 255 : 0;
  let s = String.fromCharCode(negative ? 1 : 3, ((e >>> 8) & 255) ^ inv, (e & 255) ^ inv);
  for (let i = 0; i < digits.length; i++) s += String.fromCharCode((digits.charCodeAt(i) - 47) ^ inv);
  return s + String.fromCharCode(inv);
}

function escapeBytes(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    s += b === 0 ? '\x00\xff' : String.fromCharCode(b);
  }
  return s + '\x00\x00';
}

function encodeText(v: Value): string {
  if (typeof v !== 'string') throw new KeyError(`expected a text key value, got ${typeof v}`);
  // Fast path: ASCII without NUL encodes as itself.
  if (/^[\x01-\x7f]*$/.test(v)) return v + '\x00\x00';
  return escapeBytes(Buffer.from(v, 'utf8'));
}

function encodeBytes(v: Value): string {
  if (!(v instanceof Uint8Array)) throw new KeyError(`expected a binary key value, got ${typeof v}`);
  return escapeBytes(v);
}

function encodeUuid(v: Value): string {
  const hex = typeof v === 'string' ? v.replace(/-/g, '') : '';
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new KeyError(`invalid uuid key value: ${String(v)}`);
  return Buffer.from(hex, 'hex').toString('latin1');
}

function encodeComponent(v: Value, kind: KeyKind): string {
  if (v === null || v === undefined) throw new KeyError('a key column cannot be null');
  switch (kind) {
    case 'int': return encodeInt(v);
    case 'float': return encodeFloat(v);
    case 'decimal': return encodeDecimal(v);
    case 'text': return encodeText(v);
    case 'bytes': return encodeBytes(v);
    case 'bool':
      if (typeof v !== 'boolean') throw new KeyError(`expected a boolean key value, got ${typeof v}`);
      return v ? '\x01' : '\x00';
    case 'uuid': return encodeUuid(v);
    default: {
      const never: never = kind;
      throw new Error(`unknown key kind ${String(never)}`);
    }
  }
}

function invert(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(255 - s.charCodeAt(i));
  return out;
}

export function encodeTuple(values: readonly Value[], kinds: readonly KeyKind[], desc?: readonly boolean[]): string {
  if (values.length > kinds.length) throw new KeyError(`expected at most ${kinds.length} key values, got ${values.length}`);
  let s = '';
  for (let i = 0; i < values.length; i++) {
    const c = encodeComponent(values[i], kinds[i]);
    s += desc?.[i] ? invert(c) : c;
  }
  return s;
}

/** The 8-char sortable token of an encoded partition tuple. */
export function tokenChars(partitionTuple: string): string {
  const [hi, lo] = murmur3h1(partitionTuple);
  const h = (hi ^ 0x80000000) >>> 0;
  return String.fromCharCode(h >>> 24, (h >>> 16) & 255, (h >>> 8) & 255, h & 255,
    lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
}

/** The token as a signed 64-bit integer, as Cassandra prints it. */
export function tokenOf(pkey: string): bigint {
  let u = 0n;
  for (let i = 0; i < TOKEN_CHARS; i++) u = (u << 8n) | BigInt(pkey.charCodeAt(i));
  return BigInt.asIntN(64, u ^ (1n << 63n));
}

/** Shard owning a partition: shards own equal, contiguous token ranges in token order. */
export function shardOf(pkey: string, shards: number): number {
  const top = ((pkey.charCodeAt(0) << 24) | (pkey.charCodeAt(1) << 16) | (pkey.charCodeAt(2) << 8) | pkey.charCodeAt(3)) >>> 0;
  return Math.floor((top * shards) / TWO32);
}

// ---- decoding ----

function readEscaped(s: string, i: number, inv: number): { bytes: Buffer; end: number } {
  const out: number[] = [];
  for (;;) {
    if (i >= s.length) throw new KeyError('truncated key');
    const b = s.charCodeAt(i) ^ inv;
    if (b === 0) {
      const next = s.charCodeAt(i + 1) ^ inv;
      if (next === 0) return { bytes: Buffer.from(out), end: i + 2 };
      out.push(0);
      i += 2;
    } else {
      out.push(b);
      i++;
    }
  }
}

function readFixed(s: string, i: number, n: number, inv: number): number[] {
  if (i + n > s.length) throw new KeyError('truncated key');
  const out = new Array<number>(n);
  for (let j = 0; j < n; j++) out[j] = s.charCodeAt(i + j) ^ inv;
  return out;
}

function decodeComponent(s: string, i: number, kind: KeyKind, inv: number): { value: Value; end: number } {
  switch (kind) {
    case 'int': {
      const b = readFixed(s, i, 8, inv);
      const hi = (((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) ^ 0x80000000) | 0;
      const lo = ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
      const n = hi * TWO32 + lo;
      const value = Number.isSafeInteger(n) ? n : (BigInt(hi) << 32n) | BigInt(lo);
      return { value, end: i + 8 };
    }
    case 'float': {
      const b = readFixed(s, i, 8, inv);
      const negative = (b[0] & 0x80) === 0;
      for (let j = 0; j < 8; j++) f64bytes[7 - j] = negative ? ~b[j] & 255 : j === 0 ? b[j] ^ 0x80 : b[j];
      return { value: f64[0], end: i + 8 };
    }
    case 'decimal': {
      const cls = s.charCodeAt(i) ^ inv;
      if (cls === 2) return { value: '0', end: i + 1 };
      const negative = cls === 1;
      const dinv = inv ^ (negative ? 255 : 0);
      const e = (((s.charCodeAt(i + 1) ^ dinv) << 8) | (s.charCodeAt(i + 2) ^ dinv)) - 0x8000;
      let digits = '';
      let j = i + 3;
      for (;; j++) {
        if (j >= s.length) throw new KeyError('truncated key');
        const d = s.charCodeAt(j) ^ dinv;
        if (d === 0) break;
        digits += String.fromCharCode(d + 47);
      }
      return { value: decimalText(negative, digits, e), end: j + 1 };
    }
    case 'text': {
      const { bytes, end } = readEscaped(s, i, inv);
      return { value: bytes.toString('utf8'), end };
    }
    case 'bytes': {
      const { bytes, end } = readEscaped(s, i, inv);
      return { value: bytes, end };
    }
    case 'bool': return { value: (s.charCodeAt(i) ^ inv) === 1, end: i + 1 };
    case 'uuid': {
      const hex = Buffer.from(readFixed(s, i, 16, inv)).toString('hex');
      return { value: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, end: i + 16 };
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown key kind ${String(never)}`);
    }
  }
}

export function decimalText(negative: boolean, digits: string, e: number): string {
  let t: string;
  if (e <= 0) t = '0.' + '0'.repeat(-e) + digits;
  else if (e >= digits.length) t = digits + '0'.repeat(e - digits.length);
  else t = digits.slice(0, e) + '.' + digits.slice(e);
  return negative ? '-' + t : t;
}

export function decodeTuple(s: string, offset: number, kinds: readonly KeyKind[], desc?: readonly boolean[]): { values: Value[]; end: number } {
  const values: Value[] = [];
  let i = offset;
  for (let k = 0; k < kinds.length && i < s.length; k++) {
    const r = decodeComponent(s, i, kinds[k], desc?.[k] ? 255 : 0);
    values.push(r.value);
    i = r.end;
  }
  return { values, end: i };
}

/** Key layout of one table: encodes and decodes its partition and clustering keys. */
export class KeyCodec {
  readonly pkKinds: KeyKind[];
  readonly ckKinds: KeyKind[];
  readonly ckDesc: boolean[];

  constructor(readonly table: TableSchema) {
    const typeOf = (name: string): ColumnType => {
      const col = table.columns.find((c) => c.name === name);
      if (!col) throw new KeyError(`key column "${name}" is not a column of ${table.name}`);
      return col.type;
    };
    this.pkKinds = table.partitionKey.map((n) => keyKindOf(typeOf(n)));
    this.ckKinds = table.clusteringKey.map((n) => keyKindOf(typeOf(n)));
    this.ckDesc = table.clusteringKey.map((_, i) => table.clusteringOrder?.[i] === 'desc');
  }

  pkey(values: readonly Value[]): string {
    if (values.length !== this.pkKinds.length) throw new KeyError(`expected ${this.pkKinds.length} partition key values, got ${values.length}`);
    const tuple = encodeTuple(values, this.pkKinds);
    return tokenChars(tuple) + tuple;
  }

  /** A full or prefix clustering key. */
  ckey(values: readonly Value[]): string {
    return encodeTuple(values, this.ckKinds, this.ckDesc);
  }

  /** Length of the pkey part of a row key. */
  pkeyLength(key: string): number {
    return decodeTuple(key, TOKEN_CHARS, this.pkKinds).end;
  }

  /** Key column values of a row key, by column name. */
  decode(key: string, into: Record<string, Value>): void {
    const pk = decodeTuple(key, TOKEN_CHARS, this.pkKinds);
    this.table.partitionKey.forEach((n, i) => { into[n] = pk.values[i]; });
    const ck = decodeTuple(key, pk.end, this.ckKinds, this.ckDesc);
    this.table.clusteringKey.forEach((n, i) => { if (i < ck.values.length) into[n] = ck.values[i]; });
  }
}
