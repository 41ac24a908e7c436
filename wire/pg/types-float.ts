// float4/float8 text format as PostgreSQL 15 writes and reads it (extra_float_digits = 1, the
// default since PG12): the shortest decimal that reads back to the same value (Ryu), fixed
// notation for decimal exponents in [-4, 15) for float8 and [-4, 6) for float4, otherwise
// `d.ddde+XX` with at least two exponent digits; `NaN`, `Infinity`, `-Infinity`, `-0`.
//
// PostgreSQL's Ryu treats the rounding interval of a value as open at both ends and breaks a
// tie between two equally close candidates towards the even one. JavaScript's shortest
// representation (Number#toString) closes the interval for even mantissas and rounds ties up,
// so the two differ for floats in a few percent of cases and for doubles at 2^52 and above;
// there we search exactly, with BigInt arithmetic.

import { PgError } from './errors.js';
import { SqlState } from './sqlstate.js';

/** Largest decimal exponent printed in fixed notation, plus one (DBL_DIG and FLT_DIG). */
const FLOAT8_FIXED_EXP_LIMIT = 15;
const FLOAT4_FIXED_EXP_LIMIT = 6;
/** Below this magnitude JavaScript's shortest double is PostgreSQL's (see above). */
const FLOAT8_FAST_PATH_LIMIT = 2 ** 52;
/** Digits that always suffice to tell floats (9) and doubles (17) apart. */
const FLOAT4_DIGITS_MAX = 9;
const FLOAT8_DIGITS_MAX = 17;

export function formatFloat8(x: number): string {
  const special = formatSpecial(x);
  if (special !== undefined) return special;
  const sign = x < 0 ? '-' : '';
  if (Math.abs(x) < FLOAT8_FAST_PATH_LIMIT) {
    const m = /^-?(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
    if (m === null) throw new Error(`unexpected toExponential output for ${x}`);
    return layout(sign, m[1] + (m[2] ?? ''), Number(m[3]), FLOAT8_FIXED_EXP_LIMIT);
  }
  const { digits, exp } = shortestExact(Math.abs(x), 64);
  return layout(sign, digits, exp, FLOAT8_FIXED_EXP_LIMIT);
}

export function formatFloat4(x: number): string {
  const f = Math.fround(x);
  const special = formatSpecial(f);
  if (special !== undefined) return special;
  const { digits, exp } = shortestExact(Math.abs(f), 32);
  return layout(f < 0 ? '-' : '', digits, exp, FLOAT4_FIXED_EXP_LIMIT);
}

function formatSpecial(x: number): string | undefined {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return undefined;
}

/** `digits` without leading zeros, `exp` the decimal exponent of the first digit. */
function layout(sign: string, digits: string, exp: number, fixedExpLimit: number): string {
  if (exp >= -4 && exp < fixedExpLimit) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return frac === '' ? sign + intPart : `${sign}${intPart}.${frac}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp).toString().padStart(2, '0');
  return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${e}`;
}

/** x = m · 2^e exactly; lowerCloser when x is a power of two whose lower neighbour is closer. */
function decompose(x: number, bits: 32 | 64): { m: bigint; e: number; lowerCloser: boolean } {
  if (bits === 64) {
    const raw = Buffer.alloc(8);
    raw.writeDoubleBE(x);
    const b = raw.readBigUInt64BE(0);
    const biased = Number((b >> 52n) & 0x7ffn);
    const frac = b & ((1n << 52n) - 1n);
    if (biased === 0) return { m: frac, e: -1074, lowerCloser: false };
    return { m: frac | (1n << 52n), e: biased - 1075, lowerCloser: frac === 0n && biased > 1 };
  }
  const raw = Buffer.alloc(4);
  raw.writeFloatBE(x);
  const b = raw.readUInt32BE(0);
  const biased = (b >>> 23) & 0xff;
  const frac = BigInt(b & 0x7fffff);
  if (biased === 0) return { m: frac, e: -149, lowerCloser: false };
  return { m: frac | (1n << 23n), e: biased - 150, lowerCloser: frac === 0n && biased > 1 };
}

/**
 * Ryu's answer by exact search: at each length, the candidates next to the correctly
 * rounded one that lie strictly inside the rounding interval; the closest wins, ties to even.
 */
function shortestExact(x: number, bits: 32 | 64): { digits: string; exp: number } {
  const { m, e, lowerCloser } = decompose(x, bits);
  // In units of 2^(e-2): the value is 4m, the interval (4m-2 or 4m-1, 4m+2).
  const value = 4n * m;
  const high = value + 2n;
  const low = value - (lowerCloser ? 1n : 2n);
  const twoUp = 2n ** BigInt(Math.max(2 - e, 0));
  const twoDown = 2n ** BigInt(Math.max(e - 2, 0));
  const digitsMax = bits === 64 ? FLOAT8_DIGITS_MAX : FLOAT4_DIGITS_MAX;
  for (let p = 1; p <= digitsMax; p++) {
    const parsed = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential(p - 1));
    if (parsed === null) throw new Error(`unexpected toExponential output for ${x}`);
    const rounded = BigInt(parsed[1] + (parsed[2] ?? ''));
    const scale = Number(parsed[3]) - p + 1; // candidate = c · 10^scale
    const tenUp = 10n ** BigInt(Math.max(scale, 0));
    const tenDown = 10n ** BigInt(Math.max(-scale, 0));
    // Both sides scaled to integers: c·10^scale ↔ c·tenUp·twoUp, y·2^(e-2) ↔ y·tenDown·twoDown.
    const lhs = (c: bigint) => c * tenUp * twoUp;
    const rhs = (y: bigint) => y * tenDown * twoDown;
    let best: { c: bigint; dist: bigint } | undefined;
    for (const c of [rounded - 1n, rounded, rounded + 1n]) {
      if (c <= 0n || lhs(c) <= rhs(low) || lhs(c) >= rhs(high)) continue;
      const d = lhs(c) - rhs(value);
      const dist = d < 0n ? -d : d;
      if (best === undefined || dist < best.dist || (dist === best.dist && c % 2n === 0n)) best = { c, dist };
    }
    if (best !== undefined) {
      const s = best.c.toString();
      const digits = s.replace(/0+$/, '');
      return { digits, exp: scale + s.length - 1 };
    }
  }
  throw new Error(`no ${digitsMax}-digit representation for ${x}`);
}

const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

/**
 * float8in/float4in: strtod syntax (decimal, hexadecimal, inf/infinity/nan in any case) with
 * surrounding whitespace. Overflow, and underflow to zero of a non-zero literal, are 22003.
 */
export function parseFloatText(text: string, bits: 32 | 64): number {
  const sqlName = bits === 64 ? 'double precision' : 'real';
  const s = text.trim();
  const special = SPECIAL_FLOATS.get(s.toLowerCase());
  if (special !== undefined) return special;
  let value: number;
  let nonZeroLiteral: boolean;
  if (DECIMAL_FLOAT.test(s)) {
    value = Number(s);
    nonZeroLiteral = /[1-9]/.test(s.split(/[eE]/)[0]);
  } else {
    const hex = HEX_FLOAT.exec(s);
    if (hex === null || (hex[2] === '' && (hex[3] ?? '') === '')) {
      throw new PgError(SqlState.InvalidTextRepresentation, `invalid input syntax for type ${sqlName}: "${text}"`);
    }
    const frac = hex[3] ?? '';
    const mant = BigInt(`0x${hex[2]}${frac}`);
    value = Number(mant) * 2 ** (Number(hex[4] ?? '0') - 4 * frac.length);
    if (hex[1] === '-') value = -value;
    nonZeroLiteral = mant !== 0n;
  }
  if (bits === 32) value = Math.fround(value);
  if (!Number.isFinite(value) || (value === 0 && nonZeroLiteral)) {
    throw new PgError(SqlState.NumericValueOutOfRange, `"${text}" is out of range for type ${sqlName}`);
  }
  return value;
}

const SPECIAL_FLOATS = new Map<string, number>([
  ['nan', NaN], ['+nan', NaN], ['-nan', NaN],
  ['inf', Infinity], ['+inf', Infinity], ['-inf', -Infinity],
  ['infinity', Infinity], ['+infinity', Infinity], ['-infinity', -Infinity],
]);
