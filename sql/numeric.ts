// Exact decimal arithmetic for the numeric type: a value is n / 10^s with n a bigint and
// s >= 0 its display scale, as PostgreSQL keeps it (12.50 stays 12.50). Division picks
// its result scale like PostgreSQL's select_div_scale so avg() and / print the same
// digits. NaN and infinities are not supported (rejected on input).

import { SqlError, SqlState, divisionByZero, invalidInput } from './errors.js';

export interface Dec {
  n: bigint;
  s: number;
}

const TEN = 10n;
const pow10Cache: bigint[] = [1n];
export function pow10(k: number): bigint {
  if (k < 0) throw new Error('bug: negative power of ten');
  while (pow10Cache.length <= k) pow10Cache.push(pow10Cache[pow10Cache.length - 1] * TEN);
  return pow10Cache[k];
}

/** Most digits after the decimal point PostgreSQL displays (NUMERIC_MAX_DISPLAY_SCALE). */
const MAX_SCALE = 1000;
/** Guard against absurd exponents in input such as 1e100000000. */
const MAX_DIGITS = 131072 + 16383;

const NUMERIC_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

export function parseDec(text: string): Dec {
  const m = NUMERIC_RE.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw invalidInput('numeric', text);
  const frac = m[3] ?? '';
  let digits = m[2] + frac;
  let s = frac.length;
  if (m[4]) {
    const e = Number(m[4]);
    if (Math.abs(e) > MAX_DIGITS) throw new SqlError(SqlState.numericValueOutOfRange, 'value overflows numeric format');
    s -= e;
  }
  if (s < 0) {
    digits += '0'.repeat(-s);
    s = 0;
  }
  if (s > MAX_SCALE) throw new SqlError(SqlState.numericValueOutOfRange, 'value overflows numeric format');
  const n = BigInt(digits === '' ? '0' : digits);
  return { n: m[1] === '-' ? -n : n, s };
}

export function formatDec(d: Dec): string {
  const neg = d.n < 0n;
  let abs = (neg ? -d.n : d.n).toString();
  if (d.s === 0) return (neg ? '-' : '') + abs;
  if (abs.length <= d.s) abs = '0'.repeat(d.s - abs.length + 1) + abs;
  return (neg ? '-' : '') + abs.slice(0, abs.length - d.s) + '.' + abs.slice(abs.length - d.s);
}

export function decFromBigInt(n: bigint): Dec {
  return { n, s: 0 };
}

export function decFromNumber(v: number): Dec {
  if (!Number.isFinite(v)) throw new SqlError(SqlState.featureNotSupported, `cannot convert ${v} to numeric`);
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 53) return { n: BigInt(v), s: 0 };
  // PostgreSQL converts float8 to numeric through its 15-significant-digit text form.
  const text = v.toPrecision(15);
  const d = parseDec(text);
  return trimScale(d);
}

/** Removes trailing fractional zeros (used after conversions from float). */
export function trimScale(d: Dec): Dec {
  let { n, s } = d;
  while (s > 0 && n % TEN === 0n) {
    n /= TEN;
    s--;
  }
  return { n, s };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  if (a.s === b.s) return [a.n, b.n, a.s];
  if (a.s > b.s) return [a.n, b.n * pow10(a.s - b.s), a.s];
  return [a.n * pow10(b.s - a.s), b.n, b.s];
}

export function decAdd(a: Dec, b: Dec): Dec {
  const [x, y, s] = align(a, b);
  return { n: x + y, s };
}

export function decSub(a: Dec, b: Dec): Dec {
  const [x, y, s] = align(a, b);
  return { n: x - y, s };
}

export function decMul(a: Dec, b: Dec): Dec {
  const s = a.s + b.s;
  if (s > MAX_SCALE) return roundDec({ n: a.n * b.n, s }, MAX_SCALE);
  return { n: a.n * b.n, s };
}

export function decCmp(a: Dec, b: Dec): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function decNeg(a: Dec): Dec {
  return { n: -a.n, s: a.s };
}

export function decAbs(a: Dec): Dec {
  return a.n < 0n ? decNeg(a) : a;
}

export function decSign(a: Dec): number {
  return a.n < 0n ? -1 : a.n > 0n ? 1 : 0;
}

/** Integer division of bigints rounding half away from zero. */
function divRound(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r = num % den;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const absDen = den < 0n ? -den : den;
  if (twice >= absDen) return (num < 0n) !== (den < 0n) ? q - 1n : q + 1n;
  return q;
}

/** Round to `scale` fractional digits, half away from zero (PostgreSQL's round()). */
export function roundDec(a: Dec, scale: number): Dec {
  if (scale >= a.s) return { n: a.n * pow10(scale - a.s), s: scale };
  if (scale < 0) {
    const r = roundDec(a, 0);
    const f = pow10(-scale);
    return { n: divRound(r.n, f) * f, s: 0 };
  }
  return { n: divRound(a.n, pow10(a.s - scale)), s: scale };
}

export function truncDec(a: Dec, scale: number): Dec {
  if (scale >= a.s) return { n: a.n * pow10(scale - a.s), s: scale };
  if (scale < 0) {
    const f = pow10(-scale);
    const t = truncDec(a, 0);
    return { n: (t.n / f) * f, s: 0 };
  }
  return { n: a.n / pow10(a.s - scale), s: scale };
}

export function floorDec(a: Dec): Dec {
  const t = truncDec(a, 0);
  if (a.n < 0n && decCmp(t, a) !== 0) return { n: t.n - 1n, s: 0 };
  return t;
}

export function ceilDec(a: Dec): Dec {
  const t = truncDec(a, 0);
  if (a.n > 0n && decCmp(t, a) !== 0) return { n: t.n + 1n, s: 0 };
  return t;
}

/** Weight and first digit in base 10000, as PostgreSQL's NumericVar holds them. */
function weightAndFirstDigit(a: Dec): { weight: number; first: number } {
  const abs = (a.n < 0n ? -a.n : a.n).toString();
  const intLen = abs.length - a.s;
  if (intLen > 0) {
    const intPart = abs.slice(0, intLen).replace(/^0+/, '');
    if (intPart !== '') {
      const groups = Math.ceil(intPart.length / 4);
      const firstLen = intPart.length - 4 * (groups - 1);
      return { weight: groups - 1, first: Number(intPart.slice(0, firstLen)) };
    }
  }
  let frac = intLen >= 0 ? abs.slice(intLen) : '0'.repeat(-intLen) + abs;
  frac = frac.padEnd(Math.ceil(frac.length / 4) * 4, '0');
  for (let g = 0; g * 4 < frac.length; g++) {
    const v = Number(frac.slice(g * 4, g * 4 + 4));
    if (v !== 0) return { weight: -(g + 1), first: v };
  }
  return { weight: 0, first: 0 };
}

/** PostgreSQL's select_div_scale. */
function divScale(a: Dec, b: Dec): number {
  const wa = weightAndFirstDigit(a);
  const wb = weightAndFirstDigit(b);
  let qweight = wa.weight - wb.weight;
  if (wa.first <= wb.first) qweight--;
  let rscale = 16 - qweight * 4;
  rscale = Math.max(rscale, a.s, b.s, 0);
  return Math.min(rscale, MAX_SCALE);
}

export function decDiv(a: Dec, b: Dec, scale?: number): Dec {
  if (b.n === 0n) throw divisionByZero();
  const rscale = scale ?? divScale(a, b);
  // a/b = (a.n / 10^a.s) / (b.n / 10^b.s); result n = a.n * 10^(b.s + rscale) / (b.n * 10^a.s)
  const num = a.n * pow10(b.s + rscale);
  const den = b.n * pow10(a.s);
  return { n: divRound(num, den), s: rscale };
}

/** Truncating integer division (div()). */
export function decDivTrunc(a: Dec, b: Dec): Dec {
  if (b.n === 0n) throw divisionByZero();
  const [x, y] = align(a, b);
  return { n: x / y, s: 0 };
}

export function decMod(a: Dec, b: Dec): Dec {
  if (b.n === 0n) throw divisionByZero();
  const [x, y, s] = align(a, b);
  return { n: x % y, s };
}

export function decToNumber(a: Dec): number {
  return Number(formatDec(a));
}

export function decIsInteger(a: Dec): boolean {
  return a.s === 0 || a.n % pow10(a.s) === 0n;
}

/** The integral value (truncating toward zero). */
export function decToBigInt(a: Dec): bigint {
  return a.s === 0 ? a.n : a.n / pow10(a.s);
}

/** Rounds to the column's scale and checks its precision (numeric(p, s)). */
export function applyNumericTypmod(a: Dec, precision: number, scale: number): Dec {
  const r = roundDec(a, scale);
  const abs = r.n < 0n ? -r.n : r.n;
  const intDigits = abs === 0n ? 0 : Math.max(0, abs.toString().length - scale);
  if (intDigits > precision - scale) {
    throw new SqlError(SqlState.numericValueOutOfRange, 'numeric field overflow', {
      detail: `A field with precision ${precision}, scale ${scale} must round to an absolute value less than ${precision - scale === 0 ? '1' : `10^${precision - scale}`}.`,
    });
  }
  return r;
}

/** Canonical text of a numeric value given in any accepted form. */
export function canonicalNumeric(text: string): string {
  return formatDec(parseDec(text));
}

/** Square root to PostgreSQL's scale rules (approximately: at least 16 significant digits). */
export function decSqrt(a: Dec): Dec {
  if (a.n < 0n) throw new SqlError(SqlState.invalidArgumentForPowerFunction, 'cannot take square root of a negative number');
  if (a.n === 0n) return { n: 0n, s: Math.max(a.s, 16) };
  const { weight } = weightAndFirstDigit(a);
  // PostgreSQL's numeric_sqrt: sweight = (weight + 1) * DEC_DIGITS / 2 - 1; rscale = 16 - sweight
  const sweight = Math.trunc(((weight + 1) * 4) / 2) - 1;
  const rscale = Math.min(Math.max(16 - sweight, a.s, 0), MAX_SCALE);
  // integer square root of a.n * 10^(2*rscale - a.s) (+2 guard digits), then round
  const shift = 2 * (rscale + 1) - a.s;
  const target = shift >= 0 ? a.n * pow10(shift) : a.n / pow10(-shift);
  const root = isqrt(target);
  return roundDec({ n: root, s: rscale + 1 }, rscale);
}

function isqrt(v: bigint): bigint {
  if (v < 2n) return v;
  let x = 1n << BigInt(Math.ceil(v.toString(2).length / 2));
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

// ---- transcendental functions at a requested scale (fixed point on bigints) ----

/** ln(x) * 10^S as a bigint, x > 0 given as a fixed-point bigint with scale S. */
function lnFixed(x: bigint, S: number): bigint {
  const one = pow10(S);
  // bring x near 1 by square roots: ln(x) = 2^k ln(x^(1/2^k))
  let k = 0;
  const near = one / 100n;
  while ((x > one ? x - one : one - x) > near) {
    x = isqrt(x * one);
    k++;
    if (k > 2000) throw new Error('bug: ln did not converge');
  }
  // ln(x) = 2 atanh(z), z = (x - 1) / (x + 1)
  const z = ((x - one) * one) / (x + one);
  const z2 = (z * z) / one;
  let term = z;
  let sum = 0n;
  for (let n = 1n; term !== 0n; n += 2n) {
    sum += term / n;
    term = (term * z2) / one;
  }
  return (2n * sum) << BigInt(k);
}

/** e^x * 10^S for a fixed-point x with scale S. */
function expFixed(x: bigint, S: number): bigint {
  const one = pow10(S);
  let k = 0;
  const small = one / 1000n;
  while ((x < 0n ? -x : x) > small) {
    x /= 2n;
    k++;
  }
  let term = one;
  let sum = one;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * x) / one / n;
    sum += term;
  }
  for (let i = 0; i < k; i++) sum = (sum * sum) / one;
  return sum;
}

function toFixed(a: Dec, S: number): bigint {
  return S >= a.s ? a.n * pow10(S - a.s) : a.n / pow10(a.s - S);
}

/** PostgreSQL's (int) truncation of an estimated decimal weight. */
const truncToward0 = (v: number): number => (v < 0 ? Math.ceil(v) : Math.floor(v));

export function decLn(a: Dec): Dec {
  if (a.n <= 0n) throw new SqlError(SqlState.invalidArgumentForPowerFunction, a.n === 0n ? 'cannot take logarithm of zero' : 'cannot take logarithm of a negative number');
  const approx = Math.log(decToNumber(a));
  const rscale = Math.min(Math.max(16 - truncToward0(Math.log10(Math.abs(approx) || 1)), a.s, 0), MAX_SCALE);
  const S = rscale + 10;
  return roundDec({ n: lnFixed(toFixed(a, S), S), s: S }, rscale);
}

/** PostgreSQL's estimate_ln_dweight: the decimal weight of ln(a), for choosing scales. */
function estimateLnDweight(a: Dec): number {
  const v = decToNumber(a);
  if (v >= 0.9 && v <= 1.1) {
    const x = decSub(a, { n: 1n, s: 0 });
    return x.n === 0n ? 0 : Math.floor(Math.log10(Math.abs(decToNumber(x))));
  }
  return truncToward0(Math.log10(Math.abs(Math.log(v))));
}

/**
 * log(b, x) as PostgreSQL's log_var computes it: at least 16 significant digits and no
 * fewer decimals than either input, from natural logarithms carried with guard digits.
 */
export function decLog(b: Dec, x: Dec): Dec {
  for (const a of [b, x]) {
    if (a.n <= 0n) throw new SqlError(SqlState.invalidArgumentForPowerFunction, a.n === 0n ? 'cannot take logarithm of zero' : 'cannot take logarithm of a negative number');
  }
  const resultDweight = estimateLnDweight(x) - estimateLnDweight(b);
  const rscale = Math.min(Math.max(16 - resultDweight, b.s, x.s, 0), MAX_SCALE);
  const S = rscale + 12 + Math.abs(resultDweight) + Math.abs(estimateLnDweight(b)) + Math.abs(estimateLnDweight(x));
  const lb = lnFixed(toFixed(b, S), S);
  if (lb === 0n) throw new SqlError(SqlState.divisionByZero, 'division by zero');
  const lx = lnFixed(toFixed(x, S), S);
  return { n: divRound(lx * pow10(rscale), lb), s: rscale };
}

export function decExp(a: Dec): Dec {
  const approx = decToNumber(a);
  if (approx > 6000) throw new SqlError(SqlState.numericValueOutOfRange, 'value overflows numeric format');
  const rscale = Math.min(Math.max(16 - truncToward0(approx * 0.434294481903252), 0), MAX_SCALE);
  const S = rscale + 10 + Math.max(0, Math.ceil(approx * 0.4343));
  return roundDec({ n: expFixed(toFixed(a, S), S), s: S }, rscale);
}

export function decPower(x: Dec, y: Dec): Dec {
  if (x.n === 0n && y.n < 0n) throw new SqlError(SqlState.invalidArgumentForPowerFunction, 'zero raised to a negative power is undefined');
  const integral = y.s === 0 || y.n % pow10(y.s) === 0n;
  if (integral) {
    const e = y.s === 0 ? y.n : y.n / pow10(y.s);
    if (e > 100000n || e < -100000n) throw new SqlError(SqlState.numericValueOutOfRange, 'value overflows numeric format');
    const rscale = Math.min(Math.max(16, x.s, y.s), MAX_SCALE);
    let r: Dec = { n: 1n, s: 0 };
    let b = x;
    let k = e < 0n ? -e : e;
    while (k > 0n) {
      if (k & 1n) r = decMul(r, b);
      k >>= 1n;
      if (k > 0n) b = decMul(b, b);
    }
    if (e < 0n) return decDiv({ n: 1n, s: 0 }, r, rscale);
    return roundDec(r, rscale);
  }
  if (x.n < 0n) throw new SqlError(SqlState.invalidArgumentForPowerFunction, 'a negative number raised to a non-integer power yields a complex result');
  if (x.n === 0n) return { n: 0n, s: 16 };
  const val = decToNumber(y) * Math.log10(decToNumber(x));
  if (val > 100000) throw new SqlError(SqlState.numericValueOutOfRange, 'value overflows numeric format');
  const rscale = Math.min(Math.max(16 - truncToward0(val), x.s, y.s, 0), MAX_SCALE);
  const S = rscale + 12 + Math.max(0, Math.ceil(val));
  const lnx = lnFixed(toFixed(x, S), S);
  const prod = (lnx * toFixed(y, S)) / pow10(S);
  return roundDec({ n: expFixed(prod, S), s: S }, rscale);
}
