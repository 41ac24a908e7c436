// numeric: values travel as canonical decimal strings, exactly as PostgreSQL prints them: no
// exponent, no leading zeros, the display scale (digits after the point) kept from input
// ('1.50' stays '1.50'), no sign on zero, and 'NaN', 'Infinity', '-Infinity'.
// Binary format (numeric_send/numeric_recv): int16 ndigits, int16 weight, uint16 sign,
// int16 dscale, then ndigits base-10000 digits, most significant first.

import { PgError } from './errors.js';
import { SqlState } from './sqlstate.js';

/** Most digits before the decimal point numeric can hold (NUMERIC_WEIGHT_MAX + 1 groups of 4). */
const NUMERIC_INT_DIGITS_MAX = 131_072;
/** NUMERIC_DSCALE_MAX: most digits after the decimal point. */
const NUMERIC_DSCALE_MAX = 0x3fff;

const SIGN_POS = 0x0000;
const SIGN_NEG = 0x4000;
const SIGN_NAN = 0xc000;
const SIGN_PINF = 0xd000;
const SIGN_NINF = 0xf000;
/** numeric_send reports dscale 32 for ±Infinity: the header bits it reads it from. */
const INFINITY_DSCALE_QUIRK = 32;

const NUMERIC_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

const SPECIAL_NUMERICS = new Map<string, string>([
  ['nan', 'NaN'], ['infinity', 'Infinity'], ['+infinity', 'Infinity'], ['-infinity', '-Infinity'],
  ['inf', 'Infinity'], ['+inf', 'Infinity'], ['-inf', '-Infinity'],
]);

/** numeric_in: any accepted spelling → the canonical string numeric_out would print. */
export function parseNumericText(text: string): string {
  const s = text.trim();
  const special = SPECIAL_NUMERICS.get(s.toLowerCase());
  if (special !== undefined) return special;
  const m = NUMERIC_TEXT.exec(s);
  const intDigits = m?.[2] ?? '';
  const fracDigits = m?.[3] ?? '';
  if (m === null || intDigits + fracDigits === '') {
    throw new PgError(SqlState.InvalidTextRepresentation, `invalid input syntax for type numeric: "${text}"`);
  }
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  // Check the size before building any string: '1e2147483648' must not allocate.
  const significant = (intDigits + fracDigits).replace(/^0+/, '');
  const leadingZeros = intDigits.length + fracDigits.length - significant.length;
  const intLength = intDigits.length + exp - leadingZeros;
  const scale = Math.max(0, fracDigits.length - exp);
  if ((significant !== '' && intLength > NUMERIC_INT_DIGITS_MAX) || scale > NUMERIC_DSCALE_MAX) {
    throw new PgError(SqlState.NumericValueOutOfRange, 'value overflows numeric format');
  }
  if (significant === '') return scale === 0 ? '0' : `0.${'0'.repeat(scale)}`;
  let all = intDigits + fracDigits;
  let point = intDigits.length + exp;
  if (point < 0) {
    all = '0'.repeat(-point) + all;
    point = 0;
  } else if (point > all.length) {
    all = all.padEnd(point, '0');
  }
  const intPart = all.slice(0, point).replace(/^0+/, '') || '0';
  const fracPart = all.slice(point);
  const sign = m[1] === '-' ? '-' : '';
  return fracPart === '' ? sign + intPart : `${sign}${intPart}.${fracPart}`;
}

/** A JS number as numeric text: its shortest round-trip digits, without exponent. */
export function numberToNumericText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return parseNumericText(x.toString());
}

export function encodeNumericBinary(canonical: string): Buffer {
  const special = { NaN: SIGN_NAN, Infinity: SIGN_PINF, '-Infinity': SIGN_NINF }[canonical];
  if (special !== undefined) {
    const out = Buffer.alloc(8);
    out.writeUInt16BE(special, 4);
    out.writeInt16BE(special === SIGN_NAN ? 0 : INFINITY_DSCALE_QUIRK, 6);
    return out;
  }
  const negative = canonical.startsWith('-');
  const [intPart, fracPart = ''] = (negative ? canonical.slice(1) : canonical).split('.');
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const all = intPadded + fracPadded;
  const groups: number[] = [];
  for (let i = 0; i < all.length; i += 4) groups.push(Number(all.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  let first = 0;
  while (first < groups.length && groups[first] === 0) {
    first++;
    weight--;
  }
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  const digits = groups.slice(first, last);
  if (digits.length === 0) weight = 0;
  const out = Buffer.alloc(8 + 2 * digits.length);
  out.writeInt16BE(digits.length, 0);
  out.writeInt16BE(weight, 2);
  out.writeUInt16BE(negative ? SIGN_NEG : SIGN_POS, 4);
  out.writeInt16BE(fracPart.length, 6);
  digits.forEach((d, i) => out.writeUInt16BE(d, 8 + 2 * i));
  return out;
}

export function decodeNumericBinary(buf: Buffer): string {
  const bad = (what: string) => new PgError(SqlState.InvalidBinaryRepresentation, `invalid ${what} in external "numeric" value`);
  if (buf.length < 8) throw new PgError(SqlState.InvalidBinaryRepresentation, 'insufficient data left in message');
  const ndigits = buf.readInt16BE(0);
  const weight = buf.readInt16BE(2);
  const sign = buf.readUInt16BE(4);
  const dscale = buf.readInt16BE(6);
  if (ndigits < 0 || buf.length !== 8 + 2 * ndigits) {
    throw new PgError(SqlState.InvalidBinaryRepresentation, 'incorrect binary data format');
  }
  if (sign === SIGN_NAN) return 'NaN';
  if (sign === SIGN_PINF) return 'Infinity';
  if (sign === SIGN_NINF) return '-Infinity';
  if (sign !== SIGN_POS && sign !== SIGN_NEG) throw bad('sign');
  if (dscale < 0 || dscale > NUMERIC_DSCALE_MAX) throw bad('scale');
  const groups: string[] = [];
  for (let i = 0; i < ndigits; i++) {
    const d = buf.readUInt16BE(8 + 2 * i);
    if (d > 9999) throw bad('digit');
    groups.push(d.toString().padStart(4, '0'));
  }
  // Place the groups around the decimal point: group i has weight (weight - i).
  const intGroupCount = weight + 1;
  let intPart: string;
  let fracPart: string;
  if (intGroupCount <= 0) {
    intPart = '0';
    fracPart = '0000'.repeat(-intGroupCount) + groups.join('');
  } else {
    const ints = groups.slice(0, intGroupCount);
    while (ints.length < intGroupCount) ints.push('0000');
    intPart = ints.join('').replace(/^0+/, '') || '0';
    fracPart = groups.slice(intGroupCount).join('');
  }
  // numeric_recv truncates digits the display scale hides.
  fracPart = fracPart.slice(0, dscale).padEnd(dscale, '0');
  const isZero = intPart === '0' && !/[1-9]/.test(fracPart);
  const prefix = sign === SIGN_NEG && !isZero ? '-' : '';
  return fracPart === '' ? prefix + intPart : `${prefix}${intPart}.${fracPart}`;
}
