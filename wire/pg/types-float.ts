// float4/float8 text format as PostgreSQL 15 writes and reads it (extra_float_digits = 1, the
// default since PG12): the shortest decimal that reads back to the same value (Ryu), fixed
// notation for decimal exponents in [-4, 15) for float8 and [-4, 6) for float4, otherwise
// `d.ddde+XX` with at least two exponent digits; `NaN`, `Infinity`, `-Infinity`, `-0`.

import { PgError } from './errors.js';
import { SqlState } from './sqlstate.js';

/** Largest decimal exponent printed in fixed notation, plus one (DBL_DIG and FLT_DIG). */
const FLOAT8_FIXED_EXP_LIMIT = 15;
const FLOAT4_FIXED_EXP_LIMIT = 6;

export function formatFloat8(x: number): string {
  const special = formatSpecial(x);
  if (special !== undefined) return special;
  // toExponential() without an argument gives the shortest round-trip digits (ECMA-262
  // Number::toString's choice: fewest digits, then closest), which is what Ryu's d2s gives.
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
  if (m === null) throw new Error(`unexpected toExponential output for ${x}`);
  return layout(m[1], m[2] + (m[3] ?? ''), Number(m[4]), FLOAT8_FIXED_EXP_LIMIT);
}

export function formatFloat4(x: number): string {
  const f = Math.fround(x);
  const special = formatSpecial(f);
  if (special !== undefined) return special;
  const { digits, exp } = shortestFloat32(Math.abs(f));
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

/**
 * Shortest decimal that Math.fround maps back to `f` (f > 0, a float32 value); among the
 * shortest, the closest to `f`. Checks the correctly rounded candidate and its two neighbours
 * at each length, because next to a power of two the interval of values that round to `f` is
 * lopsided and the nearest candidate can fall outside it while a neighbour is inside.
 */
function shortestFloat32(f: number): { digits: string; exp: number } {
  const FLOAT32_DIGITS_MAX = 9;
  for (let p = 1; p <= FLOAT32_DIGITS_MAX; p++) {
    const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(f.toExponential(p - 1));
    if (m === null) throw new Error(`unexpected toExponential output for ${f}`);
    const mant = BigInt(m[1] + (m[2] ?? ''));
    const exp = Number(m[3]);
    let best: { digits: string; exp: number; dist: number } | undefined;
    for (const delta of [0n, -1n, 1n]) {
      const c = mant + delta;
      if (c <= 0n) continue;
      const value = Number(`${c}e${exp - p + 1}`);
      if (Math.fround(value) !== f) continue;
      const dist = Math.abs(value - f);
      if (best === undefined || dist < best.dist) {
        const s = c.toString();
        // A neighbour can gain a digit (999 + 1); keep the digit count honest.
        best = { digits: s.replace(/0+$/, '') || '0', exp: exp + (s.length - p), dist };
      }
    }
    if (best !== undefined) return { digits: best.digits, exp: best.exp };
  }
  throw new Error(`no ${FLOAT32_DIGITS_MAX}-digit representation for float4 ${f}`);
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
