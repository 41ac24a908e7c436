// SQL values: PostgreSQL's text input and output functions for every supported type,
// casts between types, type modifiers (varchar(n), char(n), numeric(p, s)), ordering
// and grouping keys. The value representation is the one agreed with wire/pg:
//   int2/int4/oid number · int8 bigint · float4/float8 number · numeric canonical string
//   text/varchar/char/name string · bool boolean · bytea Buffer · date days since 1970
//   timestamp/timestamptz microseconds since 1970 UTC · uuid lowercase dashed string
//   json/jsonb string · interval PostgreSQL output string · arrays JS arrays · NULL null

import { canonicalInterval, formatDate, formatTimestamp, intervalMicros, MICROS_PER_DAY, parseDate, parseInterval, parseTimestamp } from './datetime.js';
import { SqlError, SqlState, invalidInput, outOfRange } from './errors.js';
import { applyNumericTypmod, decCmp, decFromBigInt, decFromNumber, decToBigInt, formatDec, parseDec, roundDec, trimScale, type Dec } from './numeric.js';
import { category, elemType, formatType, isArray, isTextLike, numericPrecisionScale, Oid, resolveTypeName, T, typeName, type SqlType } from './types.js';
import { parseTypeName } from './parser.js';

export type SqlValue = null | boolean | number | bigint | string | Uint8Array | SqlValue[];

/** Catalog lookups some casts need (regclass and friends); absent inside shards. */
export interface CastCatalog {
  relationOid(name: string): number | undefined;
  relationName(oid: number): string | undefined;
  namespaceOid(name: string): number | undefined;
  namespaceName(oid: number): string | undefined;
}

const INT4_MIN = -2147483648, INT4_MAX = 2147483647;
const INT2_MIN = -32768, INT2_MAX = 32767;
const INT8_MIN = -(2n ** 63n), INT8_MAX = 2n ** 63n - 1n;

export function checkInt4(v: number): number {
  if (v < INT4_MIN || v > INT4_MAX || Number.isNaN(v)) throw outOfRange('integer');
  return v + 0; // integers have no -0 (0 * -1 or -(0) in a double would print as -0 when cast to float8)
}

export function checkInt2(v: number): number {
  if (v < INT2_MIN || v > INT2_MAX || Number.isNaN(v)) throw outOfRange('smallint');
  return v + 0; // integers have no -0 (0 * -1 or -(0) in a double would print as -0 when cast to float8)
}

export function checkInt8(v: bigint): bigint {
  if (v < INT8_MIN || v > INT8_MAX) throw outOfRange('bigint');
  return v;
}

// ---- input ----

const INT_RE = /^\s*([+-]?\d+)\s*$/;

function inputInt(text: string, t: 'smallint' | 'integer' | 'bigint'): number | bigint {
  const m = INT_RE.exec(text);
  if (!m) throw invalidInput(t, text);
  if (t === 'bigint') {
    const v = BigInt(m[1]);
    if (v < INT8_MIN || v > INT8_MAX) throw new SqlError(SqlState.numericValueOutOfRange, `value "${text}" is out of range for type bigint`);
    return v;
  }
  const v = Number(m[1]);
  const [lo, hi] = t === 'integer' ? [INT4_MIN, INT4_MAX] : [INT2_MIN, INT2_MAX];
  if (v < lo || v > hi) throw new SqlError(SqlState.numericValueOutOfRange, `value "${text}" is out of range for type ${t}`);
  return v + 0; // '-0' is 0
}

const FLOAT_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function inputFloat(text: string, single: boolean): number {
  const name = single ? 'real' : 'double precision';
  const s = text.trim().toLowerCase();
  if (s === 'nan') return NaN;
  if (s === 'infinity' || s === '+infinity' || s === 'inf' || s === '+inf') return Infinity;
  if (s === '-infinity' || s === '-inf') return -Infinity;
  if (!FLOAT_RE.test(text)) throw invalidInput(name, text);
  let v = Number(s);
  if (single) {
    const f = Math.fround(v);
    if (!Number.isFinite(f) && Number.isFinite(v)) throw new SqlError(SqlState.numericValueOutOfRange, `"${text}" is out of range for type real`);
    v = f;
  }
  if (!Number.isFinite(v)) throw new SqlError(SqlState.numericValueOutOfRange, `"${text}" is out of range for type ${name}`);
  return v;
}

const BOOL_TRUE = ['true', 'yes', 'on', '1'];
const BOOL_FALSE = ['false', 'no', 'off', '0'];

function inputBool(text: string): boolean {
  const s = text.trim().toLowerCase();
  if (s.length > 0) {
    if (s === 'on') return true;
    if (s === 'of' || s === 'o') throw invalidInput('boolean', text);
    if (BOOL_TRUE.some((w) => w.startsWith(s)) || s === 't' || s === 'y') return true;
    if (BOOL_FALSE.some((w) => w.startsWith(s)) || s === 'f' || s === 'n') return false;
  }
  throw invalidInput('boolean', text);
}

function inputBytea(text: string): Buffer {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2).replace(/\s+/g, '');
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new SqlError(SqlState.invalidTextRepresentation, 'invalid hexadecimal data: odd number of digits');
    return Buffer.from(hex, 'hex');
  }
  // escape format: \\ for a backslash, \ooo octal
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 92) {
      if (c > 255) {
        for (const b of Buffer.from(text[i], 'utf8')) out.push(b);
      } else out.push(c);
      continue;
    }
    if (text[i + 1] === '\\') {
      out.push(92);
      i++;
    } else if (/^[0-3][0-7]{2}$/.test(text.slice(i + 1, i + 4))) {
      out.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else throw invalidInput('bytea', text);
  }
  return Buffer.from(out);
}

const UUID_RE = /^\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$/;

export function inputUuid(text: string): string {
  const m = UUID_RE.exec(text.trim());
  if (!m) throw invalidInput('uuid', text);
  return `${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`.toLowerCase();
}

function inputOid(text: string): number {
  const m = INT_RE.exec(text);
  if (!m) throw invalidInput('oid', text);
  let v = Number(m[1]);
  if (v < 0 && v >= -2147483648) v += 4294967296;
  if (v < 0 || v > 4294967295) throw new SqlError(SqlState.numericValueOutOfRange, `value "${text}" is out of range for type oid`);
  return v;
}

/** PostgreSQL's text input function for `t` (with its typmod applied). */
export function inputValue(text: string, t: SqlType, cat?: CastCatalog, nowMicros = 0): SqlValue {
  switch (t.oid) {
    case Oid.bool: return inputBool(text);
    case Oid.int2: return inputInt(text, 'smallint');
    case Oid.int4: return inputInt(text, 'integer');
    case Oid.int8: return inputInt(text, 'bigint');
    case Oid.float4: return inputFloat(text, true);
    case Oid.float8: return inputFloat(text, false);
    case Oid.numeric: {
      let d: Dec;
      try {
        d = parseDec(text);
      } catch (e) {
        if (/^\s*(nan|[+-]?inf(inity)?)\s*$/i.test(text)) throw new SqlError(SqlState.featureNotSupported, `numeric value ${text.trim()} is not supported`);
        throw e;
      }
      return formatDec(applyNumericMod(d, t.mod));
    }
    case Oid.text: case Oid.unknown: return text;
    case Oid.varchar: return applyCharMod(text, t, false, false);
    case Oid.bpchar: return applyCharMod(text, t, false, false);
    case Oid.name: return truncateBytes(text, 63);
    case Oid.char: return text === '' ? '' : Buffer.from(text, 'utf8').subarray(0, 1).toString('latin1');
    case Oid.bytea: return inputBytea(text);
    case Oid.date: return parseDate(text, nowMicros);
    case Oid.timestamp: return parseTimestamp(text, false, nowMicros);
    case Oid.timestamptz: return parseTimestamp(text, true, nowMicros);
    case Oid.interval: return canonicalInterval(text);
    case Oid.uuid: return inputUuid(text);
    case Oid.json: parseJson(text); return text;
    case Oid.jsonb: return jsonbText(parseJson(text));
    case Oid.oid: case Oid.regproc: case Oid.regrole: return inputOid(text);
    case Oid.regclass: {
      if (/^\s*\d+\s*$/.test(text)) return inputOid(text);
      const name = parseRelName(text);
      const oid = cat?.relationOid(name);
      if (oid === undefined) throw new SqlError(SqlState.undefinedTable, `relation "${name}" does not exist`);
      return oid;
    }
    case Oid.regnamespace: {
      if (/^\s*\d+\s*$/.test(text)) return inputOid(text);
      const oid = cat?.namespaceOid(text.trim().replace(/^"|"$/g, ''));
      if (oid === undefined) throw new SqlError(SqlState.undefinedObject, `schema "${text}" does not exist`);
      return oid;
    }
    case Oid.regtype: {
      if (/^\s*\d+\s*$/.test(text)) return inputOid(text);
      try {
        return resolveTypeName(parseTypeName(text)).type.oid;
      } catch {
        throw new SqlError(SqlState.undefinedObject, `type "${text}" does not exist`);
      }
    }
    case Oid.int2vector: case Oid.oidvector:
      return text.trim() === '' ? [] : text.trim().split(/\s+/).map((x) => inputInt(x, 'integer') as number);
    default:
      if (isArray(t)) return inputArray(text, elemType(t), cat, nowMicros);
      throw new SqlError(SqlState.featureNotSupported, `input of type ${typeName(t)} is not supported`);
  }
}

function parseRelName(text: string): string {
  const s = text.trim();
  const parts = s.split('.');
  const last = parts[parts.length - 1];
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last.toLowerCase();
}

function truncateBytes(text: string, max: number): string {
  const b = Buffer.from(text, 'utf8');
  if (b.length <= max) return text;
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

/** varchar(n) / char(n) length rules: explicit casts truncate; assignments fail unless the excess is spaces. */
export function applyCharMod(text: string, t: SqlType, explicit: boolean, _assign: boolean): string {
  if (t.mod < 0) return t.oid === Oid.bpchar ? text : text;
  const n = t.mod - 4;
  const len = charLength(text);
  if (len > n) {
    const cut = sliceChars(text, 0, n);
    if (!explicit && !/^ *$/.test(sliceChars(text, n))) {
      throw new SqlError(SqlState.stringDataRightTruncation, `value too long for type ${t.oid === Oid.bpchar ? 'character' : 'character varying'}(${n})`);
    }
    text = cut;
  }
  if (t.oid === Oid.bpchar && len < n) text = text + ' '.repeat(n - len);
  return text;
}

/** Length in characters (code points), as PostgreSQL's length(). */
export function charLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

export function sliceChars(s: string, start: number, end?: number): string {
  if (!/[\ud800-\udbff]/.test(s)) return s.slice(start, end);
  return Array.from(s).slice(start, end).join('');
}

export function applyNumericMod(d: Dec, mod: number): Dec {
  const ps = numericPrecisionScale(mod);
  return ps ? applyNumericTypmod(d, ps.precision, ps.scale) : d;
}

// ---- arrays ----

function inputArray(text: string, elem: SqlType, cat: CastCatalog | undefined, nowMicros: number): SqlValue[] {
  const s = text.trim();
  if (s[0] !== '{' || s[s.length - 1] !== '}') throw new SqlError(SqlState.invalidTextRepresentation, `malformed array literal: "${text}"`, { detail: 'Array value must start with "{" or dimension information.' });
  const out: SqlValue[] = [];
  let i = 1;
  const end = s.length - 1;
  if (s.slice(1, end).trim() === '') return out;
  while (i <= end) {
    while (s[i] === ' ') i++;
    let raw = '';
    let quoted = false;
    if (s[i] === '"') {
      quoted = true;
      i++;
      while (i < end && s[i] !== '"') {
        if (s[i] === '\\') i++;
        raw += s[i++];
      }
      i++;
    } else if (s[i] === '{') {
      throw new SqlError(SqlState.featureNotSupported, 'multidimensional arrays are not supported');
    } else {
      while (i < end && s[i] !== ',') {
        if (s[i] === '\\') i++;
        raw += s[i++];
      }
      raw = raw.trim();
    }
    while (s[i] === ' ') i++;
    out.push(!quoted && raw.toUpperCase() === 'NULL' ? null : inputValue(raw, elem, cat, nowMicros));
    if (s[i] === ',') i++;
    else if (i >= end) break;
    else throw new SqlError(SqlState.invalidTextRepresentation, `malformed array literal: "${text}"`);
  }
  return out;
}

function arrayElementText(v: SqlValue, t: SqlType): string {
  if (v === null) return 'NULL';
  const s = outputValue(v, t);
  if (s === '' || /[{},"\\\s]/.test(s) || s.toUpperCase() === 'NULL') return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"';
  return s;
}

// ---- output ----

/** PostgreSQL's float8out / float4out (shortest exact digits, exponent outside [-4, 15) or [-4, 6)). */
export function formatFloat(v: number, single: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  let digits: string;
  let exp: number;
  if (single) {
    let p = 1;
    let e = v.toExponential(p - 1);
    while (p < 9 && Math.fround(Number(e)) !== v) e = v.toExponential(++p - 1);
    [digits, exp] = splitExp(e);
  } else [digits, exp] = splitExp(v.toExponential());
  const neg = digits.startsWith('-');
  if (neg) digits = digits.slice(1);
  digits = digits.replace('.', '');
  const limit = single ? 6 : 15;
  let out: string;
  if (exp < -4 || exp >= limit) {
    out = digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  } else if (exp < 0) out = '0.' + '0'.repeat(-exp - 1) + digits;
  else if (digits.length <= exp + 1) out = digits + '0'.repeat(exp + 1 - digits.length);
  else out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  return (neg ? '-' : '') + out;
}

function splitExp(e: string): [string, number] {
  const i = e.indexOf('e');
  return [e.slice(0, i), Number(e.slice(i + 1))];
}

export function byteaHex(b: Uint8Array): string {
  return '\\x' + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** PostgreSQL's text output function for `t`. */
export function outputValue(v: SqlValue, t: SqlType): string {
  if (v === null) throw new Error('bug: outputValue(null)');
  switch (t.oid) {
    case Oid.bool: return v ? 't' : 'f';
    case Oid.float4: return formatFloat(v as number, true);
    case Oid.float8: return formatFloat(v as number, false);
    case Oid.bytea: return byteaHex(v as Uint8Array);
    case Oid.date: return formatDate(v as number);
    case Oid.timestamp: return formatTimestamp(v as number, false);
    case Oid.timestamptz: return formatTimestamp(v as number, true);
    case Oid.int2vector: case Oid.oidvector: return (v as SqlValue[]).join(' ');
    default:
      if (Array.isArray(v)) {
        const et = isArray(t) ? elemType(t) : T.text;
        return '{' + v.map((x) => arrayElementText(x, et)).join(',') + '}';
      }
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'bigint') return String(v);
      if (typeof v === 'boolean') return v ? 't' : 'f';
      return byteaHex(v);
  }
}

// ---- JSON ----

/** A JSON value with numbers kept as text (jsonb stores them as numeric). */
export type Json = null | boolean | string | { num: string } | Json[] | Map<string, Json>;

export function parseJson(text: string): Json {
  let i = 0;
  const fail = (): never => {
    throw new SqlError(SqlState.invalidTextRepresentation, 'invalid input syntax for type json', { detail: `Token at position ${i + 1} is invalid.` });
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const str = (): string => {
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail();
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail();
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default: fail();
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail();
      out += c;
      i++;
    }
  };
  const value = (depth: number): Json => {
    if (depth > 1000) throw new SqlError(SqlState.programLimitExceeded, 'JSON nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const m = new Map<string, Json>();
      ws();
      if (text[i] === '}') {
        i++;
        return m;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const k = str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        m.set(k, value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return m;
        }
        fail();
      }
    }
    if (c === '[') {
      i++;
      const a: Json[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return a;
        }
        fail();
      }
    }
    if (c === '"') return str();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0] !== '') {
      i += m[0].length;
      return { num: m[0] };
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail();
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail();
  return v;
}

function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c < 0x20) {
      if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (ch === '\b') out += '\\b';
      else if (ch === '\f') out += '\\f';
      else out += '\\u' + c.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + '"';
}

/** jsonb's output: keys sorted by length then bytes, `": "` and `", "` separators. */
export function jsonbText(v: Json): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return jsonString(v);
  if (Array.isArray(v)) return '[' + v.map(jsonbText).join(', ') + ']';
  if (v instanceof Map) {
    const keys = [...v.keys()].sort((a, b) => {
      const la = Buffer.byteLength(a), lb = Buffer.byteLength(b);
      if (la !== lb) return la - lb;
      return Buffer.compare(Buffer.from(a), Buffer.from(b));
    });
    return '{' + keys.map((k) => jsonString(k) + ': ' + jsonbText(v.get(k)!)).join(', ') + '}';
  }
  return formatDec(parseDec(v.num));
}

export function jsonToText(v: Json): string {
  return jsonbText(v);
}

// ---- casts ----

export type CastMode = 'implicit' | 'assignment' | 'explicit';
export type Converter = (v: SqlValue, cat?: CastCatalog) => SqlValue;

function toDec(v: SqlValue, from: number): Dec {
  switch (from) {
    case Oid.numeric: return parseDec(v as string);
    case Oid.int8: return decFromBigInt(v as bigint);
    case Oid.float4: case Oid.float8: return decFromNumber(v as number);
    default: return decFromBigInt(BigInt(v as number));
  }
}

/** Round half to even, as rint() does for float to integer casts. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function numericConverter(from: number, to: SqlType): Converter | undefined {
  switch (to.oid) {
    case Oid.int2: case Oid.int4: {
      const check = to.oid === Oid.int2 ? checkInt2 : checkInt4;
      if (from === Oid.int2 || from === Oid.int4 || from === Oid.oid) return (v) => check(v as number);
      if (from === Oid.int8) return (v) => check(Number(checkInt8(v as bigint)));
      if (from === Oid.float4 || from === Oid.float8) return (v) => {
        if (!Number.isFinite(v as number)) throw outOfRange(to.oid === Oid.int2 ? 'smallint' : 'integer');
        return check(rint(v as number));
      };
      if (from === Oid.numeric) return (v) => check(Number(decToBigInt(roundDec(parseDec(v as string), 0))));
      return undefined;
    }
    case Oid.int8: {
      if (from === Oid.int2 || from === Oid.int4 || from === Oid.oid) return (v) => BigInt(v as number);
      if (from === Oid.float4 || from === Oid.float8) return (v) => {
        const x = v as number;
        if (!Number.isFinite(x) || Math.abs(x) >= 9.223372036854776e18) throw outOfRange('bigint');
        return checkInt8(BigInt(rint(x)));
      };
      if (from === Oid.numeric) return (v) => checkInt8(decToBigInt(roundDec(parseDec(v as string), 0)));
      return undefined;
    }
    case Oid.float4: case Oid.float8: {
      const single = to.oid === Oid.float4;
      const fin = (x: number): number => {
        if (single) {
          const f = Math.fround(x);
          if (!Number.isFinite(f) && Number.isFinite(x)) throw outOfRange('real');
          return f;
        }
        return x;
      };
      if (from === Oid.int8) return (v) => fin(Number(v as bigint));
      if (from === Oid.numeric) return (v) => fin(Number(v as string));
      return (v) => fin(v as number);
    }
    case Oid.numeric:
      return (v) => formatDec(applyNumericMod(toDec(v, from), to.mod));
    case Oid.oid: case Oid.regclass: case Oid.regtype: case Oid.regnamespace: case Oid.regproc: case Oid.regrole:
      if (from === Oid.int8) return (v) => {
        const n = Number(v as bigint);
        if (n < 0 || n > 4294967295) throw outOfRange('OID');
        return n;
      };
      if (from === Oid.int4 || from === Oid.int2) return (v) => ((v as number) < 0 ? (v as number) + 4294967296 : v);
      return undefined;
    default:
      return undefined;
  }
}

const NUMERICISH = new Set<number>([Oid.int2, Oid.int4, Oid.int8, Oid.numeric, Oid.float4, Oid.float8]);
const OIDISH = new Set<number>([Oid.oid, Oid.regclass, Oid.regtype, Oid.regnamespace, Oid.regproc, Oid.regrole]);

/** Text form of a value for casts to text (reg* types print names; booleans as true/false). */
function textOf(v: SqlValue, from: SqlType, cat: CastCatalog | undefined): string {
  if (from.oid === Oid.bool) return v ? 'true' : 'false';
  if (from.oid === Oid.regclass) return cat?.relationName(v as number) ?? String(v);
  if (from.oid === Oid.regnamespace) return cat?.namespaceName(v as number) ?? String(v);
  if (from.oid === Oid.regtype) return formatType(v as number);
  return outputValue(v, from);
}

/**
 * A function converting values of `from` to `to`, or undefined when PostgreSQL has no
 * such cast in this mode. NULL is handled by the caller.
 */
export function castConverter(from: SqlType, to: SqlType, mode: CastMode): Converter | undefined {
  const f = from.oid, t = to.oid;
  if (f === t) {
    if (to.mod < 0 || from.mod === to.mod) return (v) => v;
    if (t === Oid.varchar || t === Oid.bpchar) return (v) => applyCharMod(v as string, to, mode === 'explicit', mode === 'assignment');
    if (t === Oid.numeric) return (v) => formatDec(applyNumericMod(parseDec(v as string), to.mod));
    return (v) => v;
  }
  // unknown literals and text-like sources: the target's input function
  if (f === Oid.unknown) return (v, cat) => inputValue(v as string, to, cat);
  const fromCat = category(from), toCat = category(to);
  if (isTextLike(t)) {
    if (isTextLike(f)) {
      if (t === Oid.bpchar || t === Oid.varchar) return (v) => applyCharMod(f === Oid.bpchar ? (v as string).replace(/ +$/, '') : (v as string), to, mode === 'explicit', mode === 'assignment');
      if (f === Oid.bpchar) return (v) => (v as string).replace(/ +$/, '');
      if (t === Oid.name) return (v) => truncateBytes(v as string, 63);
      if (t === Oid.char) return (v) => inputValue(v as string, to);
      return (v) => v;
    }
    if (mode === 'implicit') return undefined;
    return (v, cat) => {
      const s = textOf(v, from, cat);
      return t === Oid.varchar || t === Oid.bpchar ? applyCharMod(s, to, mode === 'explicit', mode === 'assignment') : s;
    };
  }
  if (isTextLike(f)) {
    if (mode === 'implicit') return undefined;
    if (mode === 'assignment' && t !== Oid.json && t !== Oid.jsonb && !OIDISH.has(t)) return undefined;
    return (v, cat) => inputValue(f === Oid.bpchar ? (v as string).replace(/ +$/, '') : (v as string), to, cat);
  }
  if (NUMERICISH.has(f) && (NUMERICISH.has(t) || OIDISH.has(t))) {
    if (mode === 'implicit' && !implicitNumeric(f, t)) return undefined;
    if (mode === 'assignment' && OIDISH.has(t) && f === Oid.numeric) return undefined;
    return numericConverter(f, to);
  }
  if (OIDISH.has(f) && OIDISH.has(t)) return (v) => v;
  if (OIDISH.has(f) && (t === Oid.int4 || t === Oid.int8)) {
    if (mode === 'implicit') return undefined;
    return t === Oid.int8 ? (v) => BigInt(v as number) : (v) => checkInt4((v as number) > INT4_MAX ? (v as number) - 4294967296 : (v as number));
  }
  if (f === Oid.bool && t === Oid.int4 && mode === 'explicit') return (v) => (v ? 1 : 0);
  if (f === Oid.int4 && t === Oid.bool && mode === 'explicit') return (v) => v !== 0;
  if (f === Oid.date && (t === Oid.timestamp || t === Oid.timestamptz)) return (v) => (v as number) * MICROS_PER_DAY;
  if ((f === Oid.timestamp || f === Oid.timestamptz) && t === Oid.date) {
    if (mode === 'implicit') return undefined;
    return (v) => Math.floor((v as number) / MICROS_PER_DAY);
  }
  if ((f === Oid.timestamp && t === Oid.timestamptz) || (f === Oid.timestamptz && t === Oid.timestamp)) {
    if (mode === 'implicit' && f === Oid.timestamptz) return undefined;
    return (v) => v;
  }
  if (f === Oid.json && t === Oid.jsonb) return (v) => jsonbText(parseJson(v as string));
  if (f === Oid.jsonb && t === Oid.json) return mode === 'implicit' ? undefined : (v) => v;
  if (fromCat === 'A' && toCat === 'A') {
    const ef = elemType(from), et = elemType(to);
    const conv = castConverter(ef, et, mode);
    if (!conv) return undefined;
    return (v, cat) => (v as SqlValue[]).map((x) => (x === null ? null : conv(x, cat)));
  }
  if ((f === Oid.int2vector && t === Oid.int2Array) || (f === Oid.oidvector && t === Oid.oidArray)) return (v) => v;
  if (f === Oid.interval && t === Oid.interval) return (v) => v;
  return undefined;
}

function implicitNumeric(f: number, t: number): boolean {
  const rank: Record<number, number> = { [Oid.int2]: 1, [Oid.int4]: 2, [Oid.int8]: 3, [Oid.numeric]: 4, [Oid.float4]: 5, [Oid.float8]: 6 };
  if (OIDISH.has(t)) return f === Oid.int2 || f === Oid.int4 || f === Oid.int8;
  return rank[f] < rank[t];
}

export function castError(from: SqlType, to: SqlType, position?: number): SqlError {
  return new SqlError(SqlState.cannotCoerce, `cannot cast type ${typeName(from)} to ${typeName(to)}`, { position });
}

/** Applies a cast to one value (NULL passes through). */
export function castValue(v: SqlValue, from: SqlType, to: SqlType, mode: CastMode = 'explicit', cat?: CastCatalog): SqlValue {
  if (v === null) return null;
  const conv = castConverter(from, to, mode);
  if (!conv) throw castError(from, to);
  return conv(v, cat);
}

// ---- ordering, equality, grouping ----

export type Comparator = (a: SqlValue, b: SqlValue) => number;

const cmpPrim = (a: number | bigint | string, b: number | bigint | string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareNumbers(a: number, b: number): number {
  // PostgreSQL orders NaN above every other float and equal to itself.
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Comparator for non-null values of one type. */
export function comparator(t: SqlType): Comparator {
  switch (t.oid) {
    case Oid.float4: case Oid.float8: return (a, b) => compareNumbers(a as number, b as number);
    case Oid.numeric: return (a, b) => decCmp(parseDec(a as string), parseDec(b as string));
    case Oid.bpchar: return (a, b) => cmpPrim((a as string).replace(/ +$/, ''), (b as string).replace(/ +$/, ''));
    case Oid.bool: return (a, b) => (a === b ? 0 : a ? 1 : -1);
    case Oid.bytea: return (a, b) => Buffer.compare(a as Uint8Array, b as Uint8Array);
    case Oid.interval: return (a, b) => compareNumbers(intervalMicros(parseInterval(a as string)), intervalMicros(parseInterval(b as string)));
    case Oid.json: return () => {
      throw new SqlError(SqlState.undefinedFunction, 'could not identify an equality operator for type json');
    };
    default:
      if (isArray(t)) {
        const ec = comparator(elemType(t));
        return (a, b) => {
          const x = a as SqlValue[], y = b as SqlValue[];
          for (let i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i] === null || y[i] === null) {
              if (x[i] === null && y[i] === null) continue;
              return x[i] === null ? 1 : -1;
            }
            const c = ec(x[i], y[i]);
            if (c !== 0) return c;
          }
          return x.length - y.length;
        };
      }
      return (a, b) => cmpPrim(a as number, b as number);
  }
}

/** A string that is equal for equal values of one type (GROUP BY, DISTINCT, hash joins). */
export function groupKey(v: SqlValue, t: SqlType): string {
  if (v === null) return '\u0000N';
  switch (t.oid) {
    case Oid.numeric: return formatDec(trimScale(parseDec(v as string)));
    case Oid.bpchar: return (v as string).replace(/ +$/, '');
    case Oid.bytea: return Buffer.from(v as Uint8Array).toString('latin1');
    case Oid.float4: case Oid.float8: return Object.is(v, -0) ? '0' : String(v);
    case Oid.interval: return String(intervalMicros(parseInterval(v as string)));
    default:
      if (Array.isArray(v)) {
        const et = isArray(t) ? elemType(t) : T.text;
        return '[' + v.map((x) => JSON.stringify(groupKey(x, et))).join(',') + ']';
      }
      return typeof v === 'bigint' ? v.toString() : String(v);
  }
}

/** Normalises a stored or received value to the representation of `t` (int8 as bigint, Buffers, ...). */
export function normalize(v: unknown, t: SqlType): SqlValue {
  if (v === null || v === undefined) return null;
  switch (t.oid) {
    case Oid.int8: return typeof v === 'bigint' ? v : BigInt(v as number);
    case Oid.int2: case Oid.int4: case Oid.oid: return typeof v === 'bigint' ? Number(v) : (v as number);
    case Oid.bytea: return Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array);
    case Oid.numeric: {
      if (typeof v === 'string') return v;
      return formatDec(typeof v === 'bigint' ? decFromBigInt(v) : decFromNumber(v as number));
    }
    default: return v as SqlValue;
  }
}

/**
 * A value read from the engine in its SQL representation: normalize(), plus numeric(p, s)
 * key columns (whose key encoding drops trailing zeros) shown at the column's scale.
 */
export function storedValue(v: unknown, t: SqlType): SqlValue {
  const x = normalize(v, t);
  if (t.oid === Oid.numeric && t.mod >= 4 && typeof x === 'string') {
    const ps = numericPrecisionScale(t.mod)!;
    return formatDec(roundDec(parseDec(x), ps.scale));
  }
  return x;
}

/** Coerces a parameter value supplied by a client (strings are text-format input). */
export function coerceParam(v: unknown, t: SqlType, cat?: CastCatalog): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' && !isTextLike(t.oid)) return inputValue(v, t, cat);
  switch (t.oid) {
    case Oid.int2: case Oid.int4: {
      const n = typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : (v as number);
      if (!Number.isInteger(n)) throw invalidInput(t.oid === Oid.int2 ? 'smallint' : 'integer', String(v));
      return t.oid === Oid.int2 ? checkInt2(n) : checkInt4(n);
    }
    case Oid.int8:
      if (typeof v === 'number') {
        if (!Number.isInteger(v)) throw invalidInput('bigint', String(v));
        return BigInt(v);
      }
      return v as bigint;
    case Oid.numeric:
      if (typeof v === 'number' || typeof v === 'bigint') return normalize(v, t);
      return v as SqlValue;
    case Oid.float4: case Oid.float8:
      return typeof v === 'bigint' ? Number(v) : (v as number);
    case Oid.text: case Oid.varchar: case Oid.bpchar: case Oid.name: case Oid.unknown:
      if (typeof v !== 'string') return typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' ? outputValue(v, typeof v === 'boolean' ? T.bool : typeof v === 'bigint' ? T.int8 : T.float8) : (v as SqlValue);
      return t.mod >= 0 ? applyCharMod(v, t, false, true) : v;
    case Oid.bytea:
      return Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array);
    default:
      return v as SqlValue;
  }
}

/** Numeric value of a number-like SQL value (for aggregates and functions). */
export function toDecimal(v: SqlValue, t: SqlType): Dec {
  return toDec(v, t.oid);
}

export { formatDec, parseDec };
