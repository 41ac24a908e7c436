// date, timestamp and timestamptz with DateStyle ISO, MDY and TimeZone UTC.
//
// Values: a date is a number of days since 1970-01-01; a timestamp(tz) is a number of
// microseconds since 1970-01-01 00:00:00 UTC. ±Infinity stand for 'infinity'/'-infinity'.
// A JS number holds every microsecond exactly only within ±2^53 µs (about 1685..2255);
// further out the encoders also accept a bigint, and decoders round to the nearest double.
// Calendar: proleptic Gregorian with astronomical years (year 0 = 1 BC), as PostgreSQL.
//
// Text input accepts what clients send in practice, not all of PostgreSQL's datetime parser:
// ISO 8601 dates (YYYY-MM-DD, YYYYMMDD) with an optional time (HH:MM[:SS[.frac]]) after a
// space or 'T', an optional zone (Z, UTC, GMT, ±HH[[:]MM[[:]SS]]), an optional AD/BC, and the
// words infinity, -infinity and epoch. Anything else is 22007 with PostgreSQL's message.

import { PgError } from './errors.js';
import { SqlState } from './sqlstate.js';

export const USEC_PER_SEC = 1_000_000;
export const USEC_PER_DAY = 86_400 * USEC_PER_SEC;
/** PostgreSQL's binary epoch, 2000-01-01, in our units. */
export const PG_EPOCH_DAYS = 10_957;
const PG_EPOCH_USEC = BigInt(PG_EPOCH_DAYS) * BigInt(USEC_PER_DAY);

const INT32_MAX = 0x7fffffff;
const INT32_MIN = -0x80000000;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

/** Ranges PostgreSQL accepts: 4714-11-24 BC .. 5874897-12-31 for date, ..294276-12-31 for timestamps. */
const DATE_MIN_DAYS = daysFromCivil(-4713, 11, 24);
const DATE_MAX_DAYS = daysFromCivil(5874897, 12, 31);
const TIMESTAMP_END_DAYS = daysFromCivil(294277, 1, 1);

// ---- Calendar arithmetic (H. Hinnant, "chrono-compatible low-level date algorithms") ----

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// ---- Output ----

function pad(n: number, width: number): string {
  return n.toString().padStart(width, '0');
}

/** `YYYY-MM-DD`, with ' BC' for years before 1 (date_out with DateStyle ISO). */
export function formatDate(days: number): string {
  if (days === Infinity) return 'infinity';
  if (days === -Infinity) return '-infinity';
  const { year, month, day } = civilFromDays(days);
  return `${pad(year > 0 ? year : 1 - year, 4)}-${pad(month, 2)}-${pad(day, 2)}${year > 0 ? '' : ' BC'}`;
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]`, fraction without trailing zeros, `+00` when withZone. */
export function formatTimestamp(usec: number | bigint, withZone: boolean): string {
  if (usec === Infinity) return 'infinity';
  if (usec === -Infinity) return '-infinity';
  const big = typeof usec === 'bigint' ? usec : BigInt(Math.round(usec));
  const dayUsec = BigInt(USEC_PER_DAY);
  let days = big / dayUsec;
  let rem = big % dayUsec;
  if (rem < 0n) {
    rem += dayUsec;
    days -= 1n;
  }
  const { year, month, day } = civilFromDays(Number(days));
  const timeUsec = Number(rem);
  const secs = Math.floor(timeUsec / USEC_PER_SEC);
  const frac = timeUsec % USEC_PER_SEC;
  const hh = Math.floor(secs / 3600);
  const mm = Math.floor((secs % 3600) / 60);
  const ss = secs % 60;
  const fracText = frac === 0 ? '' : `.${pad(frac, 6).replace(/0+$/, '')}`;
  const yearText = pad(year > 0 ? year : 1 - year, 4);
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)} ${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}${fracText}` +
    `${withZone ? '+00' : ''}${year > 0 ? '' : ' BC'}`;
}

// ---- Input ----

const DATETIME =
  /^(?:(\d{4,})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2}))(?:(?:\s+|T)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?)?)?(?:\s*(z|utc|gmt|[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?))?(?:\s+(ad|bc))?$/i;

interface ParsedDateTime {
  days: number;
  /** Microseconds since midnight, may be a full day (24:00:00, 23:59:60). */
  timeUsec: number;
  /** Zone offset east of UTC in seconds, if the input named one. */
  zoneSec?: number;
}

type DateTimeType = 'date' | 'timestamp' | 'timestamp with time zone';

function syntaxError(type: DateTimeType, text: string): PgError {
  return new PgError(SqlState.InvalidDatetimeFormat, `invalid input syntax for type ${type}: "${text}"`);
}

function fieldOutOfRange(text: string): PgError {
  return new PgError(SqlState.DatetimeFieldOverflow, `date/time field value out of range: "${text}"`);
}

/** Round half to even, as rint() does. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function parseDateTime(text: string, type: DateTimeType): ParsedDateTime | 'infinity' | '-infinity' {
  const s = text.trim();
  const word = s.toLowerCase();
  if (word === 'infinity' || word === '+infinity') return 'infinity';
  if (word === '-infinity') return '-infinity';
  if (word === 'epoch') return { days: 0, timeUsec: 0 };
  const m = DATETIME.exec(s);
  if (m === null) throw syntaxError(type, text);
  let year = Number(m[1] ?? m[4]);
  const month = Number(m[2] ?? m[5]);
  const day = Number(m[3] ?? m[6]);
  if (year === 0) throw fieldOutOfRange(text); // there is no year 0 AD or BC
  if (m[12]?.toLowerCase() === 'bc') year = 1 - year;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw fieldOutOfRange(text);
  const hh = Number(m[7] ?? 0);
  const mi = Number(m[8] ?? 0);
  const ss = Number(m[9] ?? 0);
  const fracUsec = m[10] ? rint(Number(`0.${m[10]}`) * USEC_PER_SEC) : 0;
  const fullDay = hh === 24 && mi === 0 && ss === 0 && fracUsec === 0;
  if ((hh > 23 && !fullDay) || mi > 59 || ss > 60) throw fieldOutOfRange(text);
  const timeUsec = ((hh * 60 + mi) * 60 + ss) * USEC_PER_SEC + fracUsec;
  const result: ParsedDateTime = { days: daysFromCivil(year, month, day), timeUsec };
  if (m[11] !== undefined) result.zoneSec = parseZone(m[11]);
  return result;
}

function parseZone(zone: string): number {
  if (/^(z|utc|gmt)$/i.test(zone)) return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(/:/g, '');
  // ±H, ±HH, ±HHMM, ±HHMMSS
  const hLen = digits.length % 2 === 1 ? 1 : 2;
  const h = Number(digits.slice(0, hLen));
  const mi = Number(digits.slice(hLen, hLen + 2) || 0);
  const s = Number(digits.slice(hLen + 2, hLen + 4) || 0);
  return sign * (h * 3600 + mi * 60 + s);
}

/** date_in: days since 1970-01-01 (±Infinity for infinity); a time part is dropped. */
export function parseDateText(text: string): number {
  const p = parseDateTime(text, 'date');
  if (p === 'infinity') return Infinity;
  if (p === '-infinity') return -Infinity;
  if (p.days < DATE_MIN_DAYS || p.days > DATE_MAX_DAYS) {
    throw new PgError(SqlState.DatetimeFieldOverflow, `date out of range: "${text}"`);
  }
  return p.days;
}

/**
 * timestamp_in / timestamptz_in: microseconds since 1970-01-01 UTC. timestamp ignores a
 * zone in the input (as PostgreSQL does); timestamptz without a zone is in UTC.
 */
export function parseTimestampText(text: string, withZone: boolean): number {
  const type: DateTimeType = withZone ? 'timestamp with time zone' : 'timestamp';
  const p = parseDateTime(text, type);
  if (p === 'infinity') return Infinity;
  if (p === '-infinity') return -Infinity;
  const zoneUsec = withZone && p.zoneSec !== undefined ? p.zoneSec * USEC_PER_SEC : 0;
  const usec = p.days * USEC_PER_DAY + p.timeUsec - zoneUsec;
  if (usec < DATE_MIN_DAYS * USEC_PER_DAY || usec >= TIMESTAMP_END_DAYS * USEC_PER_DAY) {
    throw new PgError(SqlState.DatetimeFieldOverflow, `timestamp out of range: "${text}"`);
  }
  return usec;
}

// ---- Binary ----

export function encodeDateBinary(days: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(days === Infinity ? INT32_MAX : days === -Infinity ? INT32_MIN : days - PG_EPOCH_DAYS);
  return out;
}

export function decodeDateBinary(buf: Buffer): number {
  const v = buf.readInt32BE(0);
  return v === INT32_MAX ? Infinity : v === INT32_MIN ? -Infinity : v + PG_EPOCH_DAYS;
}

export function encodeTimestampBinary(usec: number | bigint): Buffer {
  const out = Buffer.alloc(8);
  let v: bigint;
  if (usec === Infinity) v = INT64_MAX;
  else if (usec === -Infinity) v = INT64_MIN;
  else v = (typeof usec === 'bigint' ? usec : BigInt(Math.round(usec))) - PG_EPOCH_USEC;
  out.writeBigInt64BE(v);
  return out;
}

export function decodeTimestampBinary(buf: Buffer): number {
  const v = buf.readBigInt64BE(0);
  return v === INT64_MAX ? Infinity : v === INT64_MIN ? -Infinity : Number(v + PG_EPOCH_USEC);
}
