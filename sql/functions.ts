// Scalar functions and operators: implementations registered by id (so a shard can run
// a pushed-down expression by name) and their SQL signatures for overload resolution.
// Operators resolve to ids like `+:int4`; functions to ids like `length` or `round:numeric`.

import { createHash, randomUUID } from 'node:crypto';
import {
  civilParts, formatInterval, intervalAdd, intervalMicros, intervalMul, MICROS_PER_DAY, MICROS_PER_SECOND, parseInterval,
  timestampDiff, timestampPlusInterval, truncTimestamp, daysFromCivil,
} from './datetime.js';
import { SqlError, SqlState, divisionByZero } from './errors.js';
import {
  ceilDec, decAbs, decAdd, decDiv, decExp, decLn, decLog, decPower, decDivTrunc, decFromBigInt, decMod, decMul, decNeg, decSign,
  decSqrt, decToNumber, floorDec, formatDec, parseDec, roundDec, truncDec, type Dec,
} from './numeric.js';
import { arrayOf, elemType, formatType, Oid, T, type SqlType } from './types.js';
import {
  byteaHex, charLength, checkInt2, checkInt4, checkInt8, comparator, jsonbText, outputValue, parseJson, sliceChars,
  type CastCatalog, type Json, type SqlValue,
} from './values.js';

/** Session facts and catalog lookups that session-only functions need. */
export interface SessionInfo {
  user: string;
  database: string;
  searchPath: string[];
  applicationName: string;
  backendPid: number;
  /** Text of a relation's index definition etc., by oid (pg_get_indexdef, ...). */
  indexDef(oid: number): string | null;
  constraintDef(oid: number, pretty?: boolean): string | null;
  userName(oid: number): string | null;
  tableVisible(oid: number): boolean;
  setting(name: string): string | null;
}

export interface EvalCtx {
  params: SqlValue[];
  /** Rows of enclosing queries, innermost first (correlated references). */
  outer: SqlValue[][];
  /** Values of async nodes (subqueries, nextval) for the current row. */
  async: SqlValue[];
  /** now(): the transaction's start, microseconds since 1970. */
  nowMicros: number;
  catalog?: CastCatalog;
  session?: SessionInfo;
  random?: () => number;
}

export type Impl = (args: SqlValue[], ctx: EvalCtx, rt: SqlType, argTypes: SqlType[]) => SqlValue;

export interface FnDef {
  impl: Impl;
  /** Strict functions return NULL when any argument is NULL (the default). */
  strict?: boolean;
  /** Needs the session (user, catalog, clock): never runs inside a shard. */
  session?: boolean;
  /** A new value on every call (random(), clock_timestamp()): never folded into a constant. */
  volatile?: boolean;
}

export const FUNCTIONS = new Map<string, FnDef>();

function def(id: string, impl: Impl, opts: Omit<FnDef, 'impl'> = {}): void {
  if (FUNCTIONS.has(id)) throw new Error(`bug: function ${id} registered twice`);
  FUNCTIONS.set(id, { impl, ...opts });
}

// ---- signatures ----

export type ArgType = number | 'any' | 'anyelement' | 'anyarray' | 'anycompatible';

export interface Signature {
  args: ArgType[];
  /** Extra arguments of this type may follow. */
  variadic?: ArgType;
  ret: SqlType | 'arg0' | 'elem' | 'array' | 'common';
  id: string;
}

export const SIGNATURES = new Map<string, Signature[]>();

function sig(name: string, args: ArgType[], ret: Signature['ret'], id: string, variadic?: ArgType): void {
  let list = SIGNATURES.get(name);
  if (!list) SIGNATURES.set(name, (list = []));
  list.push({ args, ret, id, variadic });
}

/** Registers an implementation and one signature for it. */
function fn(name: string, args: ArgType[], ret: Signature['ret'], impl: Impl, opts: Omit<FnDef, 'impl'> & { id?: string } = {}): void {
  const id = opts.id ?? `${name}(${args.join(',')})`;
  if (!FUNCTIONS.has(id)) def(id, impl, opts);
  sig(name, args, ret, id);
}

// ---- arithmetic operators ----

const num = (v: SqlValue): number => v as number;
const big = (v: SqlValue): bigint => v as bigint;
const dec = (v: SqlValue): Dec => parseDec(v as string);
const str = (v: SqlValue): string => v as string;

function floatCheck(v: number, a: number, b: number): number {
  if (!Number.isFinite(v) && Number.isFinite(a) && Number.isFinite(b)) throw new SqlError(SqlState.numericValueOutOfRange, 'value out of range: overflow');
  return v;
}

type ArithOp = '+' | '-' | '*' | '/' | '%';

function intArith(op: ArithOp, check: (v: number) => number): Impl {
  switch (op) {
    case '+': return ([a, b]) => check(num(a) + num(b));
    case '-': return ([a, b]) => check(num(a) - num(b));
    case '*': return ([a, b]) => check(num(a) * num(b));
    case '/': return ([a, b]) => {
      if (num(b) === 0) throw divisionByZero();
      return check(Math.trunc(num(a) / num(b)));
    };
    case '%': return ([a, b]) => {
      if (num(b) === 0) throw divisionByZero();
      const r = num(a) % num(b);
      return r === 0 ? 0 : r;
    };
  }
}

function int8Arith(op: ArithOp): Impl {
  switch (op) {
    case '+': return ([a, b]) => checkInt8(big(a) + big(b));
    case '-': return ([a, b]) => checkInt8(big(a) - big(b));
    case '*': return ([a, b]) => checkInt8(big(a) * big(b));
    case '/': return ([a, b]) => {
      if (big(b) === 0n) throw divisionByZero();
      return checkInt8(big(a) / big(b));
    };
    case '%': return ([a, b]) => {
      if (big(b) === 0n) throw divisionByZero();
      return big(a) % big(b);
    };
  }
}

function floatArith(op: ArithOp, single: boolean): Impl {
  const r = single ? Math.fround : (x: number) => x;
  switch (op) {
    case '+': return ([a, b]) => floatCheck(r(num(a) + num(b)), num(a), num(b));
    case '-': return ([a, b]) => floatCheck(r(num(a) - num(b)), num(a), num(b));
    case '*': return ([a, b]) => floatCheck(r(num(a) * num(b)), num(a), num(b));
    case '/': return ([a, b]) => {
      if (num(b) === 0) throw divisionByZero();
      return floatCheck(r(num(a) / num(b)), num(a), num(b));
    };
    case '%': return () => {
      throw new SqlError(SqlState.undefinedFunction, 'operator does not exist: double precision % double precision');
    };
  }
}

function numericArith(op: ArithOp): Impl {
  switch (op) {
    case '+': return ([a, b]) => formatDec(decAdd(dec(a), dec(b)));
    case '-': return ([a, b]) => formatDec(decAdd(dec(a), decNeg(dec(b))));
    case '*': return ([a, b]) => formatDec(decMul(dec(a), dec(b)));
    case '/': return ([a, b]) => formatDec(decDiv(dec(a), dec(b)));
    case '%': return ([a, b]) => formatDec(decMod(dec(a), dec(b)));
  }
}

for (const op of ['+', '-', '*', '/', '%'] as ArithOp[]) {
  def(`${op}:int2`, intArith(op, checkInt2));
  def(`${op}:int4`, intArith(op, checkInt4));
  def(`${op}:int8`, int8Arith(op));
  def(`${op}:float4`, floatArith(op, true));
  def(`${op}:float8`, floatArith(op, false));
  def(`${op}:numeric`, numericArith(op));
}

def('neg:int2', ([a]) => checkInt2(-num(a)));
def('neg:int4', ([a]) => checkInt4(-num(a)));
def('neg:int8', ([a]) => checkInt8(-big(a)));
def('neg:float4', ([a]) => -num(a));
def('neg:float8', ([a]) => -num(a));
def('neg:numeric', ([a]) => formatDec(decNeg(dec(a))));
def('neg:interval', ([a]) => {
  const iv = parseInterval(str(a));
  return formatInterval({ months: -iv.months, days: -iv.days, micros: -iv.micros });
});

def('^:float8', ([a, b]) => {
  const x = num(a), y = num(b);
  if (x === 0 && y < 0) throw new SqlError(SqlState.invalidArgumentForPowerFunction, 'zero raised to a negative power is undefined');
  if (x < 0 && !Number.isInteger(y)) throw new SqlError(SqlState.invalidArgumentForPowerFunction, 'a negative number raised to a non-integer power yields a complex result');
  return floatCheck(Math.pow(x, y), x, y);
});
def('^:numeric', ([a, b]) => formatDec(decPower(dec(a), dec(b))));

// date and time arithmetic
// PostgreSQL's date range in days from 1970-01-01: 4714-11-24 BC … 5874897-12-31.
const DATE_DAYS_MIN = -2440588;
const DATE_DAYS_MAX = 2145042905;
function checkDate(d: number): number {
  if (d < DATE_DAYS_MIN || d > DATE_DAYS_MAX) throw new SqlError(SqlState.datetimeFieldOverflow, 'date out of range');
  return d;
}
def('+:date_int', ([a, b]) => checkDate(num(a) + num(b)));
def('-:date_int', ([a, b]) => checkDate(num(a) - num(b)));
def('-:date', ([a, b]) => num(a) - num(b));
def('+:date_interval', ([a, b]) => timestampPlusInterval(num(a) * MICROS_PER_DAY, parseInterval(str(b)), 1));
def('-:date_interval', ([a, b]) => timestampPlusInterval(num(a) * MICROS_PER_DAY, parseInterval(str(b)), -1));
def('+:ts_interval', ([a, b]) => timestampPlusInterval(num(a), parseInterval(str(b)), 1));
def('-:ts_interval', ([a, b]) => timestampPlusInterval(num(a), parseInterval(str(b)), -1));
def('-:ts', ([a, b]) => formatInterval(timestampDiff(num(a), num(b))));
def('+:interval', ([a, b]) => formatInterval(intervalAdd(parseInterval(str(a)), parseInterval(str(b)), 1)));
def('-:interval', ([a, b]) => formatInterval(intervalAdd(parseInterval(str(a)), parseInterval(str(b)), -1)));
def('*:interval', ([a, b]) => formatInterval(intervalMul(parseInterval(str(a)), num(b))));
def('/:interval', ([a, b]) => {
  if (num(b) === 0) throw divisionByZero();
  return formatInterval(intervalMul(parseInterval(str(a)), 1 / num(b)));
});

// strings
def('||:text', ([a, b]) => str(a) + str(b));
def('||:array', ([a, b]) => (a === null ? b : b === null ? a : [...(a as SqlValue[]), ...(b as SqlValue[])]), { strict: false });
def('||:array_elem', ([a, b]) => [...(a as SqlValue[]), b], { strict: false });
def('||:elem_array', ([a, b]) => [a, ...(b as SqlValue[])], { strict: false });
def('||:jsonb', ([a, b]) => {
  const x = parseJson(str(a)), y = parseJson(str(b));
  if (x instanceof Map && y instanceof Map) return jsonbText(new Map([...x, ...y]));
  const ax = Array.isArray(x) ? x : [x], ay = Array.isArray(y) ? y : [y];
  return jsonbText([...ax, ...ay]);
});

// ---- LIKE and regular expressions ----

const REGEX_CACHE_MAX = 256;
const regexCache = new Map<string, RegExp>();

function cachedRegex(key: string, build: () => RegExp): RegExp {
  let re = regexCache.get(key);
  if (!re) {
    if (regexCache.size >= REGEX_CACHE_MAX) regexCache.clear();
    re = build();
    regexCache.set(key, re);
  }
  return re;
}

export function likeRegex(pattern: string, ci: boolean, escape = '\\'): RegExp {
  return cachedRegex(`L${ci ? 'i' : ''}${escape}\u0000${pattern}`, () => {
    let src = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i];
      if (escape !== '' && c === escape) {
        i++;
        if (i >= pattern.length) throw new SqlError(SqlState.invalidEscapeSequence, 'LIKE pattern must not end with escape character');
        src += pattern[i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      } else if (c === '%') src += '.*';
      else if (c === '_') src += '.';
      else src += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    return new RegExp('^' + src + '$', ci ? 'is' : 's');
  });
}

export function posixRegex(pattern: string, flags: string): RegExp {
  return cachedRegex(`R${flags}\u0000${pattern}`, () => {
    try {
      // POSIX classes ([[:alpha:]]) have no JS form; translate the common ones.
      const src = pattern
        .replace(/\[\[:alpha:\]\]/g, '[A-Za-z]').replace(/\[:alpha:\]/g, 'A-Za-z')
        .replace(/\[\[:digit:\]\]/g, '\\d').replace(/\[:digit:\]/g, '0-9')
        .replace(/\[\[:space:\]\]/g, '\\s').replace(/\[:space:\]/g, '\\s')
        .replace(/\[\[:alnum:\]\]/g, '[A-Za-z0-9]').replace(/\[:alnum:\]/g, 'A-Za-z0-9')
        .replace(/\[\[:upper:\]\]/g, '[A-Z]').replace(/\[:upper:\]/g, 'A-Z')
        .replace(/\[\[:lower:\]\]/g, '[a-z]').replace(/\[:lower:\]/g, 'a-z');
      return new RegExp(src, flags);
    } catch (e) {
      throw new SqlError(SqlState.invalidRegularExpression, `invalid regular expression: ${(e as Error).message}`);
    }
  });
}

def('like', ([a, p, e]) => likeRegex(str(p), false, e === undefined ? '\\' : str(e)).test(str(a)));
def('ilike', ([a, p, e]) => likeRegex(str(p), true, e === undefined ? '\\' : str(e)).test(str(a)));
def('~', ([a, p]) => posixRegex(str(p), 's').test(str(a)));
def('~*', ([a, p]) => posixRegex(str(p), 'is').test(str(a)));
def('!~', ([a, p]) => !posixRegex(str(p), 's').test(str(a)));
def('!~*', ([a, p]) => !posixRegex(str(p), 'is').test(str(a)));

// ---- JSON operators ----

function jsonGet(doc: string, key: SqlValue): Json | undefined {
  const j = parseJson(doc);
  if (typeof key === 'number') {
    if (!Array.isArray(j)) return undefined;
    const i = key < 0 ? j.length + key : key;
    return j[i];
  }
  if (j instanceof Map) return j.get(key as string);
  return undefined;
}

function jsonAsText(v: Json): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  return jsonbText(v);
}

def('->', ([a, k]) => {
  const v = jsonGet(str(a), k);
  return v === undefined ? null : jsonbText(v);
});
def('->>', ([a, k]) => {
  const v = jsonGet(str(a), k);
  return v === undefined ? null : jsonAsText(v);
});
def('@>:jsonb', ([a, b]) => jsonContains(parseJson(str(a)), parseJson(str(b))));
def('-:jsonb', ([a, k]) => {
  const j = parseJson(str(a));
  if (typeof k === 'number') {
    if (!Array.isArray(j)) throw new SqlError(SqlState.invalidParameterValue, 'cannot delete from object using integer index');
    const i = k < 0 ? j.length + k : k;
    return jsonbText(j.filter((_x, n) => n !== i));
  }
  if (j instanceof Map) {
    j.delete(str(k));
    return jsonbText(j);
  }
  if (Array.isArray(j)) return jsonbText(j.filter((x) => x !== str(k)));
  throw new SqlError(SqlState.invalidParameterValue, 'cannot delete from scalar');
});
def('?:jsonb', ([a, k]) => {
  const j = parseJson(str(a));
  if (j instanceof Map) return j.has(str(k));
  if (Array.isArray(j)) return j.some((x) => x === str(k));
  return false;
});

function jsonContains(a: Json, b: Json): boolean {
  if (b instanceof Map) {
    if (!(a instanceof Map)) return false;
    for (const [k, v] of b) if (!a.has(k) || !jsonContains(a.get(k)!, v)) return false;
    return true;
  }
  if (Array.isArray(b)) {
    if (!Array.isArray(a)) return false;
    return b.every((x) => a.some((y) => jsonContains(y, x)));
  }
  if (Array.isArray(a)) return a.some((y) => jsonContains(y, b));
  return jsonbText(a) === jsonbText(b);
}

// array containment
function arrayHas(arr: SqlValue[], v: SqlValue, t: SqlType): boolean {
  const c = comparator(t);
  return arr.some((x) => x !== null && v !== null && c(x, v) === 0);
}
def('@>:array', ([a, b], _c, _rt, ts) => (b as SqlValue[]).every((x) => arrayHas(a as SqlValue[], x, elemType(ts[0]))));
def('<@:array', ([a, b], _c, _rt, ts) => (a as SqlValue[]).every((x) => arrayHas(b as SqlValue[], x, elemType(ts[0]))));
def('&&:array', ([a, b], _c, _rt, ts) => (a as SqlValue[]).some((x) => arrayHas(b as SqlValue[], x, elemType(ts[0]))));

// ---- numeric functions ----

const NUMS = [Oid.int2, Oid.int4, Oid.int8, Oid.numeric, Oid.float4, Oid.float8];

for (const t of NUMS) {
  fn('abs', [t], 'arg0', ([a]) => {
    if (t === Oid.int8) return checkInt8(big(a) < 0n ? -big(a) : big(a));
    if (t === Oid.numeric) return formatDec(decAbs(dec(a)));
    if (t === Oid.int4) return checkInt4(Math.abs(num(a)));
    if (t === Oid.int2) return checkInt2(Math.abs(num(a)));
    return Math.abs(num(a));
  });
}
fn('round', [Oid.numeric], T.numeric, ([a]) => formatDec(roundDec(dec(a), 0)));
fn('round', [Oid.numeric, Oid.int4], T.numeric, ([a, s]) => formatDec(roundDec(dec(a), num(s))));
fn('round', [Oid.float8], T.float8, ([a]) => {
  const x = num(a);
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
});
fn('trunc', [Oid.numeric], T.numeric, ([a]) => formatDec(truncDec(dec(a), 0)));
fn('trunc', [Oid.numeric, Oid.int4], T.numeric, ([a, s]) => formatDec(truncDec(dec(a), num(s))));
fn('trunc', [Oid.float8], T.float8, ([a]) => Math.trunc(num(a)));
for (const name of ['ceil', 'ceiling']) {
  fn(name, [Oid.numeric], T.numeric, ([a]) => formatDec(ceilDec(dec(a))), { id: 'ceil:numeric' });
  fn(name, [Oid.float8], T.float8, ([a]) => Math.ceil(num(a)), { id: 'ceil:float8' });
}
fn('floor', [Oid.numeric], T.numeric, ([a]) => formatDec(floorDec(dec(a))));
fn('floor', [Oid.float8], T.float8, ([a]) => Math.floor(num(a)));
fn('sign', [Oid.numeric], T.numeric, ([a]) => String(decSign(dec(a))));
fn('sign', [Oid.float8], T.float8, ([a]) => Math.sign(num(a)));
fn('mod', [Oid.int2, Oid.int2], T.int2, FUNCTIONS.get('%:int2')!.impl);
fn('mod', [Oid.int4, Oid.int4], T.int4, FUNCTIONS.get('%:int4')!.impl);
fn('mod', [Oid.int8, Oid.int8], T.int8, FUNCTIONS.get('%:int8')!.impl);
fn('mod', [Oid.numeric, Oid.numeric], T.numeric, FUNCTIONS.get('%:numeric')!.impl);
fn('div', [Oid.numeric, Oid.numeric], T.numeric, ([a, b]) => formatDec(decDivTrunc(dec(a), dec(b))));
fn('sqrt', [Oid.float8], T.float8, ([a]) => {
  if (num(a) < 0) throw new SqlError(SqlState.invalidArgumentForPowerFunction, 'cannot take square root of a negative number');
  return Math.sqrt(num(a));
});
fn('sqrt', [Oid.numeric], T.numeric, ([a]) => formatDec(decSqrt(dec(a))));
fn('cbrt', [Oid.float8], T.float8, ([a]) => Math.cbrt(num(a)));
for (const name of ['power', 'pow']) {
  fn(name, [Oid.float8, Oid.float8], T.float8, FUNCTIONS.get('^:float8')!.impl, { id: 'power:float8' });
  fn(name, [Oid.numeric, Oid.numeric], T.numeric, FUNCTIONS.get('^:numeric')!.impl, { id: 'power:numeric' });
}
fn('exp', [Oid.float8], T.float8, ([a]) => floatCheck(Math.exp(num(a)), num(a), 0));
fn('exp', [Oid.numeric], T.numeric, ([a]) => formatDec(decExp(dec(a))));
fn('ln', [Oid.numeric], T.numeric, ([a]) => formatDec(decLn(dec(a))));
fn('log', [Oid.numeric, Oid.numeric], T.numeric, ([b, x]) => formatDec(decLog(dec(b), dec(x))));
fn('ln', [Oid.float8], T.float8, ([a]) => {
  if (num(a) <= 0) throw new SqlError(SqlState.invalidArgumentForPowerFunction, num(a) === 0 ? 'cannot take logarithm of zero' : 'cannot take logarithm of a negative number');
  return Math.log(num(a));
});
fn('log', [Oid.float8], T.float8, ([a]) => {
  if (num(a) <= 0) throw new SqlError(SqlState.invalidArgumentForPowerFunction, num(a) === 0 ? 'cannot take logarithm of zero' : 'cannot take logarithm of a negative number');
  return Math.log10(num(a));
});
fn('log10', [Oid.float8], T.float8, ([a]) => Math.log10(num(a)));
// log(numeric) and log10(numeric) are log(10, x) in PostgreSQL's catalog (numeric, with
// that function's result scale), not the float logarithm.
for (const name of ['log', 'log10']) {
  fn(name, [Oid.numeric], T.numeric, ([x]) => formatDec(decLog({ n: 10n, s: 0 }, dec(x))), { id: `${name}:numeric` });
}
fn('pi', [], T.float8, () => Math.PI);
fn('degrees', [Oid.float8], T.float8, ([a]) => (num(a) * 180) / Math.PI);
fn('radians', [Oid.float8], T.float8, ([a]) => (num(a) * Math.PI) / 180);
for (const f of ['sin', 'cos', 'tan', 'asin', 'acos', 'atan'] as const) fn(f, [Oid.float8], T.float8, ([a]) => Math[f](num(a)));
fn('atan2', [Oid.float8, Oid.float8], T.float8, ([a, b]) => Math.atan2(num(a), num(b)));
fn('random', [], T.float8, (_a, ctx) => (ctx.random ?? Math.random)(), { session: true, volatile: true });
fn('gcd', [Oid.int8, Oid.int8], T.int8, ([a, b]) => {
  let x = big(a) < 0n ? -big(a) : big(a), y = big(b) < 0n ? -big(b) : big(b);
  while (y) [x, y] = [y, x % y];
  return x;
});
fn('width_bucket', [Oid.float8, Oid.float8, Oid.float8, Oid.int4], T.int4, ([v, lo, hi, n]) => {
  const x = num(v), l = num(lo), h = num(hi), c = num(n);
  if (x < l) return 0;
  if (x >= h) return c + 1;
  return Math.floor(((x - l) / (h - l)) * c) + 1;
});

// ---- string functions ----

const TXT = Oid.text;
fn('length', [TXT], T.int4, ([a]) => charLength(str(a)), { id: 'length' });
fn('length', [Oid.bytea], T.int4, ([a]) => (a as Uint8Array).length, { id: 'length:bytea' });
fn('char_length', [TXT], T.int4, ([a]) => charLength(str(a)), { id: 'length' });
fn('character_length', [TXT], T.int4, ([a]) => charLength(str(a)), { id: 'length' });
fn('octet_length', [TXT], T.int4, ([a]) => Buffer.byteLength(str(a)));
fn('octet_length', [Oid.bytea], T.int4, ([a]) => (a as Uint8Array).length, { id: 'length:bytea' });
fn('bit_length', [TXT], T.int4, ([a]) => Buffer.byteLength(str(a)) * 8);
// The database's LC_CTYPE is C: case mapping changes ASCII letters only, as in PostgreSQL.
const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const asciiUpper = (s: string): string => s.replace(/[a-z]/g, (c) => c.toUpperCase());
fn('lower', [TXT], T.text, ([a]) => asciiLower(str(a)));
fn('upper', [TXT], T.text, ([a]) => asciiUpper(str(a)));
fn('initcap', [TXT], T.text, ([a]) => asciiLower(str(a)).replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase()));
function substr(s: string, from: number, len?: number): string {
  // PostgreSQL: characters from position `from` (1-based, may be <= 0), `len` characters of the window.
  if (len !== undefined && len < 0) throw new SqlError(SqlState.substringError, 'negative substring length not allowed');
  const start = from - 1;
  const end = len === undefined ? Infinity : start + len;
  const s0 = Math.max(start, 0);
  if (end <= s0) return '';
  return sliceChars(s, s0, end === Infinity ? undefined : end);
}
fn('substring', [TXT, Oid.int4], T.text, ([a, f]) => substr(str(a), num(f)), { id: 'substr2' });
fn('substring', [TXT, Oid.int4, Oid.int4], T.text, ([a, f, l]) => substr(str(a), num(f), num(l)), { id: 'substr3' });
fn('substr', [TXT, Oid.int4], T.text, ([a, f]) => substr(str(a), num(f)), { id: 'substr2' });
fn('substr', [TXT, Oid.int4, Oid.int4], T.text, ([a, f, l]) => substr(str(a), num(f), num(l)), { id: 'substr3' });
fn('substring', [TXT, TXT], T.text, ([a, p]) => {
  const m = posixRegex(str(p), 's').exec(str(a));
  if (!m) return null;
  return m.length > 1 ? m[1] ?? null : m[0];
}, { id: 'substring:regex' });
fn('strpos', [TXT, TXT], T.int4, ([a, b]) => {
  const i = str(a).indexOf(str(b));
  return i < 0 ? 0 : charLength(str(a).slice(0, i)) + 1;
});
fn('replace', [TXT, TXT, TXT], T.text, ([a, b, c]) => (str(b) === '' ? str(a) : str(a).split(str(b)).join(str(c))));
fn('translate', [TXT, TXT, TXT], T.text, ([a, from, to]) => {
  const f = Array.from(str(from)), t = Array.from(str(to));
  return Array.from(str(a)).map((ch) => {
    const i = f.indexOf(ch);
    return i < 0 ? ch : i < t.length ? t[i] : '';
  }).join('');
});
function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  const set = new Set(Array.from(chars));
  const arr = Array.from(s);
  let i = 0, j = arr.length;
  if (left) while (i < j && set.has(arr[i])) i++;
  if (right) while (j > i && set.has(arr[j - 1])) j--;
  return arr.slice(i, j).join('');
}
for (const [name, l, r] of [['btrim', true, true], ['ltrim', true, false], ['rtrim', false, true]] as const) {
  fn(name, [TXT], T.text, ([a]) => trimChars(str(a), ' ', l, r));
  fn(name, [TXT, TXT], T.text, ([a, c]) => trimChars(str(a), str(c), l, r));
}
function pad(s: string, len: number, fill: string, left: boolean): string {
  const arr = Array.from(s);
  if (len <= arr.length) return arr.slice(0, Math.max(len, 0)).join('');
  if (fill === '') return s;
  const f = Array.from(fill);
  const need = len - arr.length;
  const padding = Array.from({ length: need }, (_, i) => f[i % f.length]).join('');
  return left ? padding + s : s + padding;
}
fn('lpad', [TXT, Oid.int4], T.text, ([a, n]) => pad(str(a), num(n), ' ', true));
fn('lpad', [TXT, Oid.int4, TXT], T.text, ([a, n, f]) => pad(str(a), num(n), str(f), true));
fn('rpad', [TXT, Oid.int4], T.text, ([a, n]) => pad(str(a), num(n), ' ', false));
fn('rpad', [TXT, Oid.int4, TXT], T.text, ([a, n, f]) => pad(str(a), num(n), str(f), false));
fn('left', [TXT, Oid.int4], T.text, ([a, n]) => {
  const arr = Array.from(str(a));
  return (num(n) >= 0 ? arr.slice(0, num(n)) : arr.slice(0, Math.max(arr.length + num(n), 0))).join('');
});
fn('right', [TXT, Oid.int4], T.text, ([a, n]) => {
  const arr = Array.from(str(a));
  return (num(n) >= 0 ? arr.slice(Math.max(arr.length - num(n), 0)) : arr.slice(-num(n))).join('');
});
fn('repeat', [TXT, Oid.int4], T.text, ([a, n]) => {
  if (num(n) * str(a).length > 256 * 1024 * 1024) throw new SqlError(SqlState.programLimitExceeded, 'requested length too large');
  return str(a).repeat(Math.max(num(n), 0));
});
fn('reverse', [TXT], T.text, ([a]) => Array.from(str(a)).reverse().join(''));
fn('split_part', [TXT, TXT, Oid.int4], T.text, ([a, d, n]) => {
  const i = num(n);
  if (i === 0) throw new SqlError(SqlState.invalidParameterValue, 'field position must not be zero');
  const parts = str(d) === '' ? [str(a)] : str(a).split(str(d));
  const p = i > 0 ? parts[i - 1] : parts[parts.length + i];
  return p ?? '';
});
fn('starts_with', [TXT, TXT], T.bool, ([a, b]) => str(a).startsWith(str(b)));
fn('md5', [TXT], T.text, ([a]) => md5(str(a)));
fn('to_hex', [Oid.int8], T.text, ([a]) => BigInt.asUintN(64, big(a)).toString(16));
fn('ascii', [TXT], T.int4, ([a]) => str(a).codePointAt(0) ?? 0);
fn('chr', [Oid.int4], T.text, ([a]) => {
  if (num(a) <= 0) throw new SqlError(SqlState.programLimitExceeded, 'null character not permitted');
  return String.fromCodePoint(num(a));
});
fn('quote_ident', [TXT], T.text, ([a]) => (/^[a-z_][a-z0-9_$]*$/.test(str(a)) ? str(a) : '"' + str(a).replace(/"/g, '""') + '"'));
fn('quote_literal', [TXT], T.text, ([a]) => (str(a).includes('\\') ? 'E' : '') + "'" + str(a).replace(/\\/g, '\\\\').replace(/'/g, "''") + "'");
fn('quote_nullable', [TXT], T.text, ([a]) => (a === null ? 'NULL' : "'" + str(a).replace(/'/g, "''") + "'"), { strict: false });
fn('regexp_replace', [TXT, TXT, TXT], T.text, ([a, p, r]) => str(a).replace(posixRegex(str(p), 's'), pgReplacement(str(r))));
fn('regexp_replace', [TXT, TXT, TXT, TXT], T.text, ([a, p, r, f]) => {
  const flags = str(f);
  return str(a).replace(posixRegex(str(p), 's' + (flags.includes('g') ? 'g' : '') + (flags.includes('i') ? 'i' : '')), pgReplacement(str(r)));
});
fn('regexp_match', [TXT, TXT], T.textArray, ([a, p]) => {
  const m = posixRegex(str(p), 's').exec(str(a));
  if (!m) return null;
  return m.length > 1 ? m.slice(1).map((x) => x ?? null) : [m[0]];
});
fn('string_to_array', [TXT, TXT], T.textArray, ([a, d]) => (str(a) === '' ? [] : str(a).split(str(d))));
def('concat', (args, _c, _r, ts) => args.map((v, i) => (v === null ? '' : textOf(v, ts[i]))).join(''), { strict: false });
SIGNATURES.set('concat', [{ args: [], variadic: 'any', ret: T.text, id: 'concat' }]);
def('concat_ws', (args, _c, _r, ts) => {
  if (args[0] === null) return null;
  return args.slice(1).map((v, i) => (v === null ? null : textOf(v, ts[i + 1]))).filter((x) => x !== null).join(str(args[0]));
}, { strict: false });
SIGNATURES.set('concat_ws', [{ args: [TXT], variadic: 'any', ret: T.text, id: 'concat_ws' }]);
fn('encode', [Oid.bytea, TXT], T.text, ([a, f]) => {
  const b = Buffer.from(a as Uint8Array);
  switch (str(f)) {
    case 'hex': return b.toString('hex');
    case 'base64': return b.toString('base64');
    case 'escape': return byteaHex(b);
    default: throw new SqlError(SqlState.invalidParameterValue, `unrecognized encoding: "${str(f)}"`);
  }
});
fn('decode', [TXT, TXT], T.bytea, ([a, f]) => {
  switch (str(f)) {
    case 'hex': return Buffer.from(str(a), 'hex');
    case 'base64': return Buffer.from(str(a), 'base64');
    default: throw new SqlError(SqlState.invalidParameterValue, `unrecognized encoding: "${str(f)}"`);
  }
});
def('format', (args, _c, _r, ts) => (args[0] === null ? null : formatString(str(args[0]), args.slice(1), ts.slice(1))), { strict: false });
SIGNATURES.set('format', [{ args: [TXT], variadic: 'any', ret: T.text, id: 'format' }]);

function pgReplacement(r: string): string {
  // PostgreSQL uses \1 for groups and & for the whole match; JS uses $1 and $&.
  return r.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1').replace(/\\&/g, '&').replace(/(^|[^\\])&/g, '$1$$&');
}

function formatString(f: string, args: SqlValue[], ts: SqlType[]): string {
  let k = 0;
  return f.replace(/%([%sIL])/g, (_m, c: string) => {
    if (c === '%') return '%';
    if (k >= args.length) throw new SqlError(SqlState.invalidParameterValue, 'too few arguments for format()');
    const v = args[k], t = ts[k];
    k++;
    if (c === 's') return v === null ? '' : textOf(v, t);
    if (c === 'I') {
      if (v === null) throw new SqlError(SqlState.nullValueNotAllowed, 'null values cannot be formatted as an SQL identifier');
      const s = textOf(v, t);
      return /^[a-z_][a-z0-9_$]*$/.test(s) ? s : '"' + s.replace(/"/g, '""') + '"';
    }
    return v === null ? 'NULL' : "'" + textOf(v, t).replace(/'/g, "''") + "'";
  });
}

export function textOf(v: SqlValue, t: SqlType): string {
  if (t.oid === Oid.regtype) return formatType(v as number);
  return outputValue(v, t);
}

function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

// ---- date/time functions ----

fn('now', [], T.timestamptz, (_a, ctx) => ctx.nowMicros, { session: true });
fn('current_timestamp', [], T.timestamptz, (_a, ctx) => ctx.nowMicros, { session: true, id: 'now()' });
fn('current_timestamp', [Oid.int4], T.timestamptz, ([p], ctx) => roundMicros(ctx.nowMicros, num(p)), { session: true, id: 'current_timestamp(p)' });
fn('transaction_timestamp', [], T.timestamptz, (_a, ctx) => ctx.nowMicros, { session: true, id: 'now()' });
fn('statement_timestamp', [], T.timestamptz, (_a, ctx) => ctx.nowMicros, { session: true, id: 'now()' });
fn('clock_timestamp', [], T.timestamptz, () => Date.now() * 1000, { session: true, volatile: true });
fn('localtimestamp', [], T.timestamp, (_a, ctx) => ctx.nowMicros, { session: true });
fn('localtimestamp', [Oid.int4], T.timestamp, ([p], ctx) => roundMicros(ctx.nowMicros, num(p)), { session: true, id: 'localtimestamp(p)' });
fn('current_date', [], T.date, (_a, ctx) => Math.floor(ctx.nowMicros / MICROS_PER_DAY), { session: true });
fn('current_time', [], T.text, (_a, ctx) => {
  const rest = ctx.nowMicros - Math.floor(ctx.nowMicros / MICROS_PER_DAY) * MICROS_PER_DAY;
  return formatInterval({ months: 0, days: 0, micros: rest }) + '+00';
}, { session: true });
function roundMicros(v: number, p: number): number {
  const f = 10 ** (6 - Math.min(Math.max(p, 0), 6));
  return Math.round(v / f) * f;
}

fn('date_trunc', [TXT, Oid.timestamp], T.timestamp, ([f, v]) => truncTimestamp(str(f).toLowerCase(), num(v)), { id: 'date_trunc:ts' });
fn('date_trunc', [TXT, Oid.timestamptz], T.timestamptz, ([f, v]) => truncTimestamp(str(f).toLowerCase(), num(v)), { id: 'date_trunc:ts' });

function extractField(field: string, micros: number, isDate: boolean): Dec {
  const p = civilParts(micros);
  const i = (n: number): Dec => decFromBigInt(BigInt(n));
  switch (field) {
    case 'year': return i(p.y);
    case 'month': return i(p.m);
    case 'day': return i(p.d);
    case 'hour': return i(p.h);
    case 'minute': return i(p.mi);
    case 'second': return { n: BigInt(p.s * 1_000_000 + p.us), s: 6 };
    case 'milliseconds': return { n: BigInt(p.s * 1_000_000 + p.us), s: 3 };
    case 'microseconds': return i(p.s * 1_000_000 + p.us);
    case 'dow': return i(p.dow);
    case 'isodow': return i(p.dow === 0 ? 7 : p.dow);
    case 'doy': return i(p.doy);
    case 'quarter': return i(Math.floor((p.m - 1) / 3) + 1);
    case 'week': {
      const days = Math.floor(micros / MICROS_PER_DAY);
      const thursday = days - ((p.dow + 6) % 7) + 3;
      const ty = civilParts(thursday * MICROS_PER_DAY).y;
      return i(Math.floor((thursday - daysFromCivil(ty, 1, 1)) / 7) + 1);
    }
    case 'decade': return i(Math.floor(p.y / 10));
    case 'century': return i(Math.floor((p.y - 1) / 100) + 1);
    case 'millennium': return i(Math.floor((p.y - 1) / 1000) + 1);
    case 'epoch': return isDate ? i(micros / MICROS_PER_SECOND) : { n: BigInt(micros), s: 6 };
    case 'julian': return i(Math.floor(micros / MICROS_PER_DAY) + 2440588);
    default:
      throw new SqlError(SqlState.invalidParameterValue, `unit "${field}" not recognized for type ${isDate ? 'date' : 'timestamp'}`);
  }
}
function extractInterval(field: string, text: string): Dec {
  const iv = parseInterval(text);
  const i = (n: number): Dec => decFromBigInt(BigInt(Math.trunc(n)));
  const timeMicros = iv.micros;
  switch (field) {
    case 'epoch': return { n: BigInt(intervalMicros(iv)), s: 6 };
    case 'year': return i(iv.months / 12);
    case 'month': return i(iv.months % 12);
    case 'day': return i(iv.days);
    case 'hour': return i(timeMicros / 3.6e9);
    case 'minute': return i((timeMicros % 3.6e9) / 6e7);
    case 'second': return { n: BigInt(timeMicros % 6e7), s: 6 };
    default: throw new SqlError(SqlState.invalidParameterValue, `unit "${field}" not recognized for type interval`);
  }
}
const trimDec = (d: Dec): string => {
  // extract() returns numeric with the scale PostgreSQL shows (trailing zeros dropped for whole numbers of seconds only in epoch/second when exact)
  return formatDec(d);
};
fn('extract', [TXT, Oid.timestamp], T.numeric, ([f, v]) => trimDec(extractField(str(f).toLowerCase(), num(v), false)), { id: 'extract:ts' });
fn('extract', [TXT, Oid.timestamptz], T.numeric, ([f, v]) => trimDec(extractField(str(f).toLowerCase(), num(v), false)), { id: 'extract:ts' });
fn('extract', [TXT, Oid.date], T.numeric, ([f, v]) => trimDec(extractField(str(f).toLowerCase(), num(v) * MICROS_PER_DAY, true)), { id: 'extract:date' });
fn('extract', [TXT, Oid.interval], T.numeric, ([f, v]) => trimDec(extractInterval(str(f).toLowerCase(), str(v))), { id: 'extract:interval' });
fn('date_part', [TXT, Oid.timestamp], T.float8, ([f, v]) => decToNumber(extractField(str(f).toLowerCase(), num(v), false)), { id: 'date_part:ts' });
fn('date_part', [TXT, Oid.timestamptz], T.float8, ([f, v]) => decToNumber(extractField(str(f).toLowerCase(), num(v), false)), { id: 'date_part:ts' });
fn('date_part', [TXT, Oid.interval], T.float8, ([f, v]) => decToNumber(extractInterval(str(f).toLowerCase(), str(v))), { id: 'date_part:interval' });
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** to_char for timestamps: the common template patterns; others are refused (never misprinted). */
function toCharTs(micros: number, fmt: string): string {
  const p = civilParts(micros);
  const tokens: [string, (fm: boolean) => string][] = [
    ['YYYY', (fm) => (fm ? String(p.y) : String(p.y).padStart(4, '0'))], ['YY', () => String(p.y % 100).padStart(2, '0')],
    ['MONTH', (fm) => (fm ? MONTHS[p.m - 1].toUpperCase() : MONTHS[p.m - 1].toUpperCase().padEnd(9))], ['Month', (fm) => (fm ? MONTHS[p.m - 1] : MONTHS[p.m - 1].padEnd(9))],
    ['MON', () => MONTHS[p.m - 1].slice(0, 3).toUpperCase()], ['Mon', () => MONTHS[p.m - 1].slice(0, 3)], ['MM', (fm) => (fm ? String(p.m) : String(p.m).padStart(2, '0'))],
    ['DAY', (fm) => (fm ? DAYS[p.dow].toUpperCase() : DAYS[p.dow].toUpperCase().padEnd(9))], ['Day', (fm) => (fm ? DAYS[p.dow] : DAYS[p.dow].padEnd(9))],
    ['DY', () => DAYS[p.dow].slice(0, 3).toUpperCase()], ['Dy', () => DAYS[p.dow].slice(0, 3)], ['DDD', () => String(p.doy).padStart(3, '0')],
    ['DD', (fm) => (fm ? String(p.d) : String(p.d).padStart(2, '0'))], ['D', () => String(p.dow + 1)],
    ['HH24', (fm) => (fm ? String(p.h) : String(p.h).padStart(2, '0'))], ['HH12', (fm) => { const h = p.h % 12 || 12; return fm ? String(h) : String(h).padStart(2, '0'); }],
    ['HH', (fm) => { const h = p.h % 12 || 12; return fm ? String(h) : String(h).padStart(2, '0'); }],
    ['MI', (fm) => (fm ? String(p.mi) : String(p.mi).padStart(2, '0'))], ['SS', (fm) => (fm ? String(p.s) : String(p.s).padStart(2, '0'))],
    ['MS', () => String(Math.floor(p.us / 1000)).padStart(3, '0')], ['US', () => String(p.us).padStart(6, '0')],
    ['AM', () => (p.h < 12 ? 'AM' : 'PM')], ['PM', () => (p.h < 12 ? 'AM' : 'PM')], ['am', () => (p.h < 12 ? 'am' : 'pm')], ['pm', () => (p.h < 12 ? 'am' : 'pm')],
    ['Q', () => String(Math.floor((p.m - 1) / 3) + 1)], ['TZ', () => 'UTC'], ['OF', () => '+00'],
  ];
  let out = '';
  let i = 0;
  while (i < fmt.length) {
    if (fmt[i] === '"') {
      const j = fmt.indexOf('"', i + 1);
      out += fmt.slice(i + 1, j < 0 ? fmt.length : j);
      i = j < 0 ? fmt.length : j + 1;
      continue;
    }
    let fm = false;
    if (fmt.startsWith('FM', i)) {
      fm = true;
      i += 2;
    }
    const tok = tokens.find(([t]) => fmt.startsWith(t, i));
    if (tok) {
      out += tok[1](fm);
      i += tok[0].length;
      continue;
    }
    if (/[A-Za-z]/.test(fmt[i]) && !/[TtZ]/.test(fmt[i])) throw new SqlError(SqlState.featureNotSupported, `to_char template pattern at "${fmt.slice(i, i + 4)}" is not supported`);
    out += fmt[i++];
  }
  return out;
}
fn('to_char', [Oid.timestamptz, TXT], T.text, ([v, f]) => toCharTs(num(v), str(f)), { id: 'to_char:ts' });
fn('to_char', [Oid.timestamp, TXT], T.text, ([v, f]) => toCharTs(num(v), str(f)), { id: 'to_char:ts' });
fn('make_date', [Oid.int4, Oid.int4, Oid.int4], T.date, ([y, m, d]) => daysFromCivil(num(y), num(m), num(d)));
fn('to_timestamp', [Oid.float8], T.timestamptz, ([s]) => Math.round(num(s) * MICROS_PER_SECOND));
fn('age', [Oid.timestamptz, Oid.timestamptz], T.interval, ([a, b]) => formatInterval(timestampDiff(num(a), num(b))));

// ---- arrays ----

fn('array_length', ['anyarray', Oid.int4], T.int4, ([a, d]) => (num(d) === 1 && (a as SqlValue[]).length > 0 ? (a as SqlValue[]).length : null));
fn('array_upper', ['anyarray', Oid.int4], T.int4, ([a, d]) => (num(d) === 1 && (a as SqlValue[]).length > 0 ? (a as SqlValue[]).length : null));
fn('array_lower', ['anyarray', Oid.int4], T.int4, ([a, d]) => (num(d) === 1 && (a as SqlValue[]).length > 0 ? 1 : null));
fn('cardinality', ['anyarray'], T.int4, ([a]) => (a as SqlValue[]).length);
fn('array_position', ['anyarray', 'anyelement'], T.int4, ([a, v], _c, _r, ts) => {
  if (a === null) return null;
  const cmp = comparator(elemType(ts[0]));
  const i = (a as SqlValue[]).findIndex((x) => (x === null ? v === null : v !== null && cmp(x, v) === 0));
  return i < 0 ? null : i + 1;
}, { strict: false });
fn('array_append', ['anyarray', 'anyelement'], 'arg0', ([a, v]) => [...((a as SqlValue[]) ?? []), v], { strict: false });
fn('array_prepend', ['anyelement', 'anyarray'], 'array', ([v, a]) => [v, ...((a as SqlValue[]) ?? [])], { strict: false });
fn('array_cat', ['anyarray', 'anyarray'], 'arg0', ([a, b]) => [...((a as SqlValue[]) ?? []), ...((b as SqlValue[]) ?? [])], { strict: false });
fn('array_to_string', ['anyarray', TXT], T.text, ([a, d], _c, _r, ts) => (a as SqlValue[]).filter((x) => x !== null).map((x) => textOf(x, elemType(ts[0]))).join(str(d)));
fn('array_to_string', ['anyarray', TXT, TXT], T.text, ([a, d, n], _c, _r, ts) => {
  if (a === null || d === null) return null;
  return (a as SqlValue[]).filter((x) => x !== null || n !== null).map((x) => (x === null ? str(n) : textOf(x, elemType(ts[0])))).join(str(d));
}, { strict: false });

// ---- misc ----

fn('gen_random_uuid', [], T.uuid, () => randomUuid(), { session: true, volatile: true });
fn('uuid_generate_v4', [], T.uuid, () => randomUuid(), { session: true, volatile: true, id: 'gen_random_uuid()' });
function randomUuid(): string {
  return randomUUID();
}
fn('pg_typeof', ['any'], T.regtype, (_a, _c, _r, ts) => ts[0].oid, { strict: false });
fn('num_nulls', [], T.int4, (args) => args.filter((a) => a === null).length, { strict: false, id: 'num_nulls' });
SIGNATURES.set('num_nulls', [{ args: [], variadic: 'any', ret: T.int4, id: 'num_nulls' }]);
fn('num_nonnulls', [], T.int4, (args) => args.filter((a) => a !== null).length, { strict: false, id: 'num_nonnulls' });
SIGNATURES.set('num_nonnulls', [{ args: [], variadic: 'any', ret: T.int4, id: 'num_nonnulls' }]);
fn('to_json', ['any'], T.json, ([v], _c, _r, ts) => toJsonText(v, ts[0]), { strict: false, id: 'to_json' });
fn('to_jsonb', ['any'], T.jsonb, ([v], _c, _r, ts) => jsonbText(parseJson(toJsonText(v, ts[0]))), { strict: false });
for (const [name, binary] of [['json_build_object', false], ['jsonb_build_object', true]] as const) {
  def(name, (args, _c, _r, ts) => {
    if (args.length % 2 !== 0) throw new SqlError(SqlState.invalidParameterValue, 'argument list must have even number of elements');
    const parts: string[] = [];
    for (let i = 0; i < args.length; i += 2) {
      if (args[i] === null) throw new SqlError(SqlState.nullValueNotAllowed, 'null value not allowed for object key');
      parts.push(`${JSON.stringify(textOf(args[i], ts[i]))} : ${toJsonText(args[i + 1], ts[i + 1])}`);
    }
    const text = '{' + parts.join(', ') + '}';
    return binary ? jsonbText(parseJson(text)) : text;
  }, { strict: false });
  SIGNATURES.set(name, [{ args: [], variadic: 'any', ret: binary ? T.jsonb : T.json, id: name }]);
}
for (const [name, binary] of [['json_build_array', false], ['jsonb_build_array', true]] as const) {
  def(name, (args, _c, _r, ts) => {
    const text = '[' + args.map((v, i) => toJsonText(v, ts[i])).join(', ') + ']';
    return binary ? jsonbText(parseJson(text)) : text;
  }, { strict: false });
  SIGNATURES.set(name, [{ args: [], variadic: 'any', ret: binary ? T.jsonb : T.json, id: name }]);
}
fn('jsonb_typeof', [Oid.jsonb], T.text, ([a]) => jsonTypeOf(parseJson(str(a))));
fn('json_typeof', [Oid.json], T.text, ([a]) => jsonTypeOf(parseJson(str(a))));
fn('jsonb_array_length', [Oid.jsonb], T.int4, ([a]) => {
  const j = parseJson(str(a));
  if (!Array.isArray(j)) throw new SqlError(SqlState.invalidParameterValue, 'cannot get array length of a non-array');
  return j.length;
});
fn('jsonb_pretty', [Oid.jsonb], T.text, ([a]) => str(a));

function jsonTypeOf(j: Json): string {
  if (j === null) return 'null';
  if (typeof j === 'boolean') return 'boolean';
  if (typeof j === 'string') return 'string';
  if (Array.isArray(j)) return 'array';
  if (j instanceof Map) return 'object';
  return 'number';
}

export function toJsonText(v: SqlValue, t: SqlType): string {
  if (v === null) return 'null';
  switch (t.oid) {
    case Oid.json: case Oid.jsonb: return str(v);
    case Oid.int2: case Oid.int4: case Oid.int8: case Oid.numeric: case Oid.oid: return String(v);
    case Oid.float4: case Oid.float8: return Number.isFinite(v as number) ? outputValue(v, t) : JSON.stringify(outputValue(v, t));
    case Oid.bool: return v ? 'true' : 'false';
    case Oid.timestamp: case Oid.timestamptz:
      return JSON.stringify(outputValue(v, t).replace(' ', 'T').replace(/\+00$/, '+00:00'));
    default:
      if (Array.isArray(v)) return '[' + v.map((x) => toJsonText(x, elemType(t))).join(',') + ']';
      return JSON.stringify(textOf(v, t));
  }
}

// ---- session and catalog functions (never pushed to shards) ----

const S = { session: true } as const;
const sess = (ctx: EvalCtx): SessionInfo => {
  if (!ctx.session) throw new Error('bug: session function evaluated without a session');
  return ctx.session;
};
fn('current_user', [], T.name, (_a, ctx) => sess(ctx).user, S);
fn('session_user', [], T.name, (_a, ctx) => sess(ctx).user, { ...S, id: 'current_user()' });
fn('user', [], T.name, (_a, ctx) => sess(ctx).user, { ...S, id: 'current_user()' });
fn('current_role', [], T.name, (_a, ctx) => sess(ctx).user, { ...S, id: 'current_user()' });
const EXISTING_SCHEMAS = new Set(['public', 'pg_catalog', 'information_schema']);
fn('current_schema', [], T.name, (_a, ctx) => sess(ctx).searchPath.find((s) => EXISTING_SCHEMAS.has(s) && s !== 'pg_catalog') ?? null, { ...S, strict: false });
fn('current_database', [], T.name, (_a, ctx) => sess(ctx).database, S);
fn('current_catalog', [], T.name, (_a, ctx) => sess(ctx).database, { ...S, id: 'current_database()' });
fn('current_schemas', [Oid.bool], T.nameArray, ([implicit], ctx) => {
  // only schemas that exist, as PostgreSQL reports them
  const path = sess(ctx).searchPath.filter((s) => EXISTING_SCHEMAS.has(s));
  return implicit && !path.includes('pg_catalog') ? ['pg_catalog', ...path] : path;
}, S);
fn('version', [], T.text, () => 'PostgreSQL 15.20 (Tessera 0.1) on x86_64-pc-linux-gnu, compiled by TypeScript, 64-bit', S);
fn('pg_backend_pid', [], T.int4, (_a, ctx) => sess(ctx).backendPid, S);
fn('inet_server_port', [], T.int4, () => null, { ...S, strict: false });
fn('pg_postmaster_start_time', [], T.timestamptz, (_a, ctx) => ctx.nowMicros, S);
fn('current_setting', [TXT], T.text, ([n], ctx) => {
  const v = sess(ctx).setting(str(n).toLowerCase());
  if (v === null) throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${str(n)}"`);
  return v;
}, S);
fn('current_setting', [TXT, Oid.bool], T.text, ([n], ctx) => sess(ctx).setting(str(n).toLowerCase()), S);
fn('pg_get_userbyid', [Oid.oid], T.name, ([o], ctx) => sess(ctx).userName(num(o)) ?? `unknown (OID=${num(o)})`, S);
fn('to_regclass', [TXT], T.regclass, ([n], ctx) => ctx.catalog?.relationOid(str(n).trim().replace(/^public\./, '').replace(/^"(.*)"$/, '$1')) ?? null, S);
fn('pg_table_is_visible', [Oid.oid], T.bool, ([o], ctx) => sess(ctx).tableVisible(num(o)), S);
fn('pg_type_is_visible', [Oid.oid], T.bool, () => true, S);
fn('pg_function_is_visible', [Oid.oid], T.bool, () => true, S);
fn('pg_encoding_to_char', [Oid.int4], T.name, ([e]) => (num(e) === 6 ? 'UTF8' : 'SQL_ASCII'), S);
fn('format_type', [Oid.oid, Oid.int4], T.text, ([o, m]) => (o === null ? null : formatType(num(o), m === null ? -1 : num(m))), { ...S, strict: false });
fn('pg_get_expr', [Oid.pgNodeTree, Oid.oid], T.text, ([e]) => e, S);
fn('pg_get_expr', [Oid.pgNodeTree, Oid.oid, Oid.bool], T.text, ([e]) => e, S);
fn('pg_get_indexdef', [Oid.oid], T.text, ([o], ctx) => sess(ctx).indexDef(num(o)), S);
fn('pg_get_indexdef', [Oid.oid, Oid.int4, Oid.bool], T.text, ([o], ctx) => sess(ctx).indexDef(num(o)), S);
fn('pg_get_constraintdef', [Oid.oid], T.text, ([o], ctx) => sess(ctx).constraintDef(num(o)), S);
fn('pg_get_constraintdef', [Oid.oid, Oid.bool], T.text, ([o, p], ctx) => sess(ctx).constraintDef(num(o), p === true), S);
fn('pg_get_triggerdef', [Oid.oid], T.text, () => null, { ...S, strict: false });
fn('pg_get_triggerdef', [Oid.oid, Oid.bool], T.text, () => null, { ...S, strict: false });
fn('pg_get_statisticsobjdef_columns', [Oid.oid], T.text, () => null, { ...S, strict: false });
fn('pg_get_function_result', [Oid.oid], T.text, () => null, { ...S, strict: false });
fn('pg_get_function_arguments', [Oid.oid], T.text, () => null, { ...S, strict: false });
fn('pg_get_viewdef', [Oid.oid], T.text, () => null, { ...S, strict: false });
fn('pg_get_viewdef', [Oid.oid, Oid.bool], T.text, () => null, { ...S, strict: false });
fn('pg_relation_is_publishable', [Oid.regclass], T.bool, () => false, S);
fn('obj_description', [Oid.oid], T.text, () => null, { ...S, strict: false });
fn('obj_description', [Oid.oid, Oid.name], T.text, () => null, { ...S, strict: false });
fn('col_description', [Oid.oid, Oid.int4], T.text, () => null, { ...S, strict: false });
fn('shobj_description', [Oid.oid, Oid.name], T.text, () => null, { ...S, strict: false });
fn('pg_relation_size', [Oid.regclass], T.int8, () => 0n, S);
fn('pg_total_relation_size', [Oid.regclass], T.int8, () => 0n, S);
fn('pg_table_size', [Oid.regclass], T.int8, () => 0n, S);
fn('pg_size_pretty', [Oid.int8], T.text, ([b]) => `${big(b)} bytes`);
fn('has_table_privilege', [TXT, TXT], T.bool, () => true, S);
fn('has_table_privilege', [TXT, TXT, TXT], T.bool, () => true, S);
fn('has_schema_privilege', [TXT, TXT], T.bool, () => true, S);
fn('has_schema_privilege', [TXT, TXT, TXT], T.bool, () => true, S);
fn('has_database_privilege', [TXT, TXT], T.bool, () => true, S);
fn('pg_is_in_recovery', [], T.bool, () => false, S);
fn('txid_current', [], T.int8, (_a, ctx) => BigInt(Math.floor(ctx.nowMicros)), S);

export function registeredFunctionNames(): string[] {
  return [...SIGNATURES.keys()];
}

export { arrayOf };

// ---- operator-like helpers the binder emits ----

def('subscript', ([a, i]) => (a as SqlValue[])[num(i) - 1] ?? null);
def('subscript0', ([a, i]) => (a as SqlValue[])[num(i)] ?? null);
for (const [id, sign] of [['greatest', 1], ['least', -1]] as const) {
  def(id, (args, _c, rt) => {
    const cmp = comparator(rt);
    let best: SqlValue = null;
    for (const v of args) if (v !== null && (best === null || sign * cmp(v, best) > 0)) best = v;
    return best;
  }, { strict: false });
}
