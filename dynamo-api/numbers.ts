// DynamoDB's Number: a decimal with up to 38 significant digits whose magnitude is 0 or lies
// between 1E-130 and 9.9999999999999999999999999999999999999E+125. Numbers travel as strings
// and are computed on exactly here: parsing, validation, the canonical spelling we store,
// comparison, addition and subtraction. No float ever touches a Number.
import { validation } from './errors.js';

export const NUMBER_PRECISION_DIGITS_MAX = 38;
/** Exponent of the leading digit of the largest magnitude (9.99..E+125). */
export const NUMBER_EXPONENT_MAX = 125;
/** Exponent of the leading digit of the smallest non-zero magnitude (1E-130). */
export const NUMBER_EXPONENT_MIN = -130;

/**
 * A finite decimal: sign × coefficient × 10^exponent. `coefficient` has no leading or trailing
 * zeros ('' for zero), so every value has exactly one representation.
 */
export interface Decimal {
  readonly sign: -1 | 0 | 1;
  readonly coefficient: string;
  readonly exponent: number;
}

const ZERO: Decimal = { sign: 0, coefficient: '', exponent: 0 };

// Java BigDecimal's grammar, which is what DynamoDB accepts: optional sign, digits with an
// optional point (at least one digit somewhere), optional exponent. No spaces, NaN, Infinity.
const NUMBER_SYNTAX = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The exponent string is clamped: anything this large is out of range whatever it says. */
const EXPONENT_DIGITS_MAX = 12;

/** Parses without range checks; undefined if `text` is not a number at all. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = NUMBER_SYNTAX.exec(text);
  if (m === null) return undefined;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart.length + fracPart.length === 0) return undefined;
  let exponent = 0;
  if (m[4] !== undefined) {
    const expText = m[4].replace(/^([+-]?)0+(?=\d)/, '$1');
    const digits = expText.replace(/^[+-]/, '');
    exponent = digits.length > EXPONENT_DIGITS_MAX ? (expText.startsWith('-') ? -1e15 : 1e15) : Number(expText);
  }
  return normalizeParts(m[1] === '-' ? -1 : 1, intPart + fracPart, exponent - fracPart.length);
}

/** Strips leading/trailing zeros of `digits` (a bare digit string) into a canonical Decimal. */
function normalizeParts(sign: -1 | 1, digits: string, exponent: number): Decimal {
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) end--;
  if (start === end) return ZERO;
  return { sign, coefficient: digits.slice(start, end), exponent: exponent + (digits.length - end) };
}

/** Exponent of the leading digit (scientific notation); meaningless for zero. */
export function adjustedExponent(d: Decimal): number {
  return d.exponent + d.coefficient.length - 1;
}

/**
 * Why `d` cannot be stored, in DynamoDB's words, or undefined if it can. `arithmetic` marks a
 * computed result: DynamoDB reports precision lost in `+`/`-` as an overflow.
 */
export function rangeError(d: Decimal, arithmetic = false): string | undefined {
  if (d.sign === 0) return undefined;
  if (d.coefficient.length > NUMBER_PRECISION_DIGITS_MAX) {
    return arithmetic
      ? 'Number overflow. Attempting to store a number with magnitude larger than supported range'
      : `Attempting to store more than ${NUMBER_PRECISION_DIGITS_MAX} significant digits in a Number`;
  }
  const adj = adjustedExponent(d);
  if (adj > NUMBER_EXPONENT_MAX) {
    return 'Number overflow. Attempting to store a number with magnitude larger than supported range';
  }
  if (adj < NUMBER_EXPONENT_MIN) {
    return 'Number underflow. Attempting to store a number with magnitude smaller than supported range';
  }
  return undefined;
}

/** The message DynamoDB gives for a string that is not a number. */
export function notANumberMessage(text: string): string {
  return text === ''
    ? 'The parameter cannot be converted to a numeric value'
    : `The parameter cannot be converted to a numeric value: ${text}`;
}

/**
 * Validates `text` as a storable Number and returns it parsed; the error message is bare
 * (callers add context such as "ExpressionAttributeValues contains invalid value: ").
 */
export function checkNumber(text: string): { ok: true; value: Decimal } | { ok: false; message: string } {
  const d = parseDecimal(text);
  if (d === undefined) return { ok: false, message: notANumberMessage(text) };
  const err = rangeError(d);
  if (err !== undefined) return { ok: false, message: err };
  return { ok: true, value: d };
}

/**
 * The canonical spelling: plain decimal notation, no exponent, no redundant zeros, no '+',
 * '-0' is '0'. Idempotent. Bounded: only called on in-range values (at most ~170 characters).
 */
export function formatDecimal(d: Decimal): string {
  if (d.sign === 0) return '0';
  const sign = d.sign < 0 ? '-' : '';
  const c = d.coefficient;
  if (d.exponent >= 0) return sign + c + '0'.repeat(d.exponent);
  const intLen = c.length + d.exponent;
  if (intLen > 0) return `${sign}${c.slice(0, intLen)}.${c.slice(intLen)}`;
  return `${sign}0.${'0'.repeat(-intLen)}${c}`;
}

/** Canonical spelling of a valid number string; throws ValidationException if invalid. */
export function normalizeNumber(text: string): string {
  const r = checkNumber(text);
  if (!r.ok) throw validation(r.message);
  return formatDecimal(r.value);
}

function compareMagnitude(a: Decimal, b: Decimal): number {
  const ea = adjustedExponent(a);
  const eb = adjustedExponent(b);
  if (ea !== eb) return ea < eb ? -1 : 1;
  // Same leading exponent: digit strings compare left-aligned, a shorter one padded with 0s.
  const n = Math.max(a.coefficient.length, b.coefficient.length);
  const ca = a.coefficient.padEnd(n, '0');
  const cb = b.coefficient.padEnd(n, '0');
  return ca === cb ? 0 : ca < cb ? -1 : 1;
}

/** Numeric order of two Decimals: -1, 0 or 1. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  const m = compareMagnitude(a, b);
  return m === 0 ? 0 : a.sign > 0 ? m : -m;
}

/** Numeric order of two number strings (canonical or not); both must parse. */
export function compareNumbers(a: string, b: string): number {
  return compareDecimal(mustParse(a), mustParse(b));
}

function mustParse(text: string): Decimal {
  const d = parseDecimal(text);
  if (d === undefined) throw new Error(`assertion failed: not a number: ${JSON.stringify(text)}`);
  return d;
}

function scaledBigInt(d: Decimal, exponent: number): bigint {
  if (d.sign === 0) return 0n;
  const v = BigInt(d.coefficient + '0'.repeat(d.exponent - exponent));
  return d.sign < 0 ? -v : v;
}

/** Exact a + b. The operands are in range, so the aligned digit strings stay short (< 300). */
export function addDecimal(a: Decimal, b: Decimal): Decimal {
  if (a.sign === 0) return b;
  if (b.sign === 0) return a;
  const exponent = Math.min(a.exponent, b.exponent);
  const sum = scaledBigInt(a, exponent) + scaledBigInt(b, exponent);
  if (sum === 0n) return ZERO;
  const neg = sum < 0n;
  return normalizeParts(neg ? -1 : 1, (neg ? -sum : sum).toString(), exponent);
}

export function negateDecimal(d: Decimal): Decimal {
  return d.sign === 0 ? d : { ...d, sign: d.sign > 0 ? -1 : 1 };
}

/**
 * `a + b` or `a - b` on number strings, checked against DynamoDB's range; returns the canonical
 * string or throws the ValidationException DynamoDB gives.
 */
export function arithmetic(op: '+' | '-', a: string, b: string): string {
  const da = mustParse(a);
  const db = mustParse(b);
  const r = addDecimal(da, op === '+' ? db : negateDecimal(db));
  const err = rangeError(r, true);
  if (err !== undefined) throw validation(err);
  return formatDecimal(r);
}

/**
 * Bytes DynamoDB charges for a number: digits are stored in base-100 pairs aligned on even
 * decimal exponents, plus one byte of exponent and one more for a negative sign.
 */
export function numberSizeBytes(text: string): number {
  const d = mustParse(text);
  if (d.sign === 0) return 1;
  const lead = adjustedExponent(d);
  const last = d.exponent;
  const pairs = Math.floor(lead / 2) - Math.floor(last / 2) + 1;
  return 1 + pairs + (d.sign < 0 ? 1 : 0);
}
