// Dates, timestamps and intervals. A date is days since 1970-01-01; a timestamp or
// timestamptz is microseconds since 1970-01-01 00:00 UTC (the session time zone is
// always UTC; other zones are refused by SET). An interval travels as its PostgreSQL
// output text ('1 day 02:00:00') and is parsed into {months, days, micros} to compute.
// Civil-date conversions are Howard Hinnant's days_from_civil / civil_from_days.

import { SqlError, SqlState } from './errors.js';

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_DAY = 86_400_000_000;

export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { y: y + (m <= 2 ? 1 : 0), m, d };
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function badFormat(type: string, text: string): SqlError {
  return new SqlError(SqlState.invalidDatetimeFormat, `invalid input syntax for type ${type}: "${text}"`);
}

function outOfRange(text: string): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${text}"`);
}

const DATE_TIME_RE = /^\s*(\d{4,5})-(\d{1,2})-(\d{1,2})(?:(?:[ T]+|\s*)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?)?\s*(BC|AD)?\s*$/i;

interface Parsed {
  days: number;
  micros: number;
  /** Offset east of UTC in seconds, when the text had one. */
  offsetSeconds?: number;
}

function parseDateTime(text: string, type: string, nowMicros: number): Parsed {
  const lower = text.trim().toLowerCase();
  switch (lower) {
    case 'epoch': return { days: 0, micros: 0 };
    case 'now': return { days: Math.floor(nowMicros / MICROS_PER_DAY), micros: nowMicros - Math.floor(nowMicros / MICROS_PER_DAY) * MICROS_PER_DAY };
    case 'today': return { days: Math.floor(nowMicros / MICROS_PER_DAY), micros: 0 };
    case 'tomorrow': return { days: Math.floor(nowMicros / MICROS_PER_DAY) + 1, micros: 0 };
    case 'yesterday': return { days: Math.floor(nowMicros / MICROS_PER_DAY) - 1, micros: 0 };
    case 'infinity': case '-infinity':
      throw new SqlError(SqlState.featureNotSupported, `${type} value "${text}" is not supported`);
  }
  const m = DATE_TIME_RE.exec(text);
  if (!m) throw badFormat(type, text);
  if (m[9] && m[9].toUpperCase() === 'BC') throw new SqlError(SqlState.featureNotSupported, 'BC dates are not supported');
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw outOfRange(text);
  const days = daysFromCivil(y, mo, d);
  let micros = 0;
  if (m[4] !== undefined) {
    const h = Number(m[4]), mi = Number(m[5]), s = m[6] ? Number(m[6]) : 0;
    if (h > 24 || mi > 59 || s > 60 || (h === 24 && (mi > 0 || s > 0))) throw outOfRange(text);
    const frac = m[7] ? Math.round(Number('0.' + m[7]) * MICROS_PER_SECOND) : 0;
    micros = ((h * 60 + mi) * 60 + s) * MICROS_PER_SECOND + frac;
  }
  let offsetSeconds: number | undefined;
  if (m[8]) {
    const z = m[8].toUpperCase();
    if (z === 'Z' || z === 'UTC' || z === 'GMT') offsetSeconds = 0;
    else {
      const sign = z[0] === '-' ? -1 : 1;
      const digits = z.slice(1).replace(/:/g, '');
      const hh = Number(digits.slice(0, digits.length <= 2 ? digits.length : digits.length - (digits.length > 4 ? 4 : 2)));
      const rest = digits.length <= 2 ? '' : digits.slice(digits.length - (digits.length > 4 ? 4 : 2));
      const mm = rest ? Number(rest.slice(0, 2)) : 0;
      const ss = rest.length > 2 ? Number(rest.slice(2, 4)) : 0;
      offsetSeconds = sign * (hh * 3600 + mm * 60 + ss);
    }
  }
  return { days, micros, offsetSeconds };
}

export function parseDate(text: string, nowMicros = 0): number {
  return parseDateTime(text, 'date', nowMicros).days;
}

export function parseTimestamp(text: string, withTz: boolean, nowMicros = 0): number {
  const p = parseDateTime(text, withTz ? 'timestamp with time zone' : 'timestamp without time zone', nowMicros);
  let v = p.days * MICROS_PER_DAY + p.micros;
  if (withTz && p.offsetSeconds !== undefined) v -= p.offsetSeconds * MICROS_PER_SECOND;
  return v;
}

export function formatDate(days: number): string {
  const { y, m, d } = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

export function formatTime(microsOfDay: number): string {
  const totalSec = Math.floor(microsOfDay / MICROS_PER_SECOND);
  const frac = microsOfDay - totalSec * MICROS_PER_SECOND;
  const h = Math.floor(totalSec / 3600), mi = Math.floor((totalSec % 3600) / 60), s = totalSec % 60;
  let out = `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`;
  if (frac) out += '.' + pad(frac, 6).replace(/0+$/, '');
  return out;
}

export function formatTimestamp(micros: number, withTz: boolean): string {
  const days = Math.floor(micros / MICROS_PER_DAY);
  const rest = micros - days * MICROS_PER_DAY;
  return `${formatDate(days)} ${formatTime(rest)}${withTz ? '+00' : ''}`;
}

/** ISO 8601 with a T, for to_json and json output. */
export function formatTimestampIso(micros: number, withTz: boolean): string {
  return formatTimestamp(micros, false).replace(' ', 'T') + (withTz ? '+00:00' : '');
}

// ---- intervals ----

export interface Interval {
  months: number;
  days: number;
  micros: number;
}

const UNIT_MAP: Record<string, [keyof Interval, number]> = {
  microsecond: ['micros', 1], microseconds: ['micros', 1], us: ['micros', 1], usec: ['micros', 1], usecs: ['micros', 1],
  millisecond: ['micros', 1000], milliseconds: ['micros', 1000], ms: ['micros', 1000], msec: ['micros', 1000], msecs: ['micros', 1000],
  second: ['micros', 1e6], seconds: ['micros', 1e6], sec: ['micros', 1e6], secs: ['micros', 1e6], s: ['micros', 1e6],
  minute: ['micros', 6e7], minutes: ['micros', 6e7], min: ['micros', 6e7], mins: ['micros', 6e7], m: ['micros', 6e7],
  hour: ['micros', 3.6e9], hours: ['micros', 3.6e9], hr: ['micros', 3.6e9], hrs: ['micros', 3.6e9], h: ['micros', 3.6e9],
  day: ['days', 1], days: ['days', 1], d: ['days', 1],
  week: ['days', 7], weeks: ['days', 7], w: ['days', 7],
  month: ['months', 1], months: ['months', 1], mon: ['months', 1], mons: ['months', 1],
  year: ['months', 12], years: ['months', 12], yr: ['months', 12], yrs: ['months', 12], y: ['months', 12],
  decade: ['months', 120], decades: ['months', 120], century: ['months', 1200], centuries: ['months', 1200],
};

export function parseInterval(text: string): Interval {
  const out: Interval = { months: 0, days: 0, micros: 0 };
  let s = text.trim().toLowerCase();
  if (s.startsWith('@')) s = s.slice(1).trim();
  let ago = false;
  if (s.endsWith(' ago')) {
    ago = true;
    s = s.slice(0, -4).trim();
  }
  if (s === '') throw badFormat('interval', text);
  // ISO 8601 durations are not supported; PostgreSQL verbose and SQL styles are.
  const re = /([+-]?\d+(?:\.\d+)?)\s*([a-z]+)|([+-]?)(\d+):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?|([+-]?\d+(?:\.\d+)?)/gy;
  let pos = 0;
  let matched = false;
  while (pos < s.length) {
    while (s[pos] === ' ' || s[pos] === ',') pos++;
    if (pos >= s.length) break;
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw badFormat('interval', text);
    matched = true;
    if (m[2] !== undefined) {
      const unit = UNIT_MAP[m[2]];
      if (!unit) throw badFormat('interval', text);
      const v = Number(m[1]) * unit[1];
      if (unit[0] === 'months' && !Number.isInteger(v)) {
        out.months += Math.trunc(v);
        out.days += Math.round((v - Math.trunc(v)) * 30);
      } else if (unit[0] === 'days' && !Number.isInteger(v)) {
        out.days += Math.trunc(v);
        out.micros += Math.round((v - Math.trunc(v)) * MICROS_PER_DAY);
      } else out[unit[0]] += unit[0] === 'micros' ? Math.round(v) : v;
    } else if (m[4] !== undefined) {
      const sign = m[3] === '-' ? -1 : 1;
      const frac = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
      out.micros += sign * (((Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6] ?? 0)) * MICROS_PER_SECOND + frac);
    } else {
      // a bare number means seconds
      out.micros += Math.round(Number(m[8]) * MICROS_PER_SECOND);
    }
    pos = re.lastIndex;
  }
  if (!matched) throw badFormat('interval', text);
  if (ago) return { months: -out.months, days: -out.days, micros: -out.micros };
  return out;
}

export function formatInterval(iv: Interval): string {
  const parts: string[] = [];
  const years = Math.trunc(iv.months / 12);
  const mons = iv.months - years * 12;
  const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (years) parts.push(plural(years, 'year'));
  if (mons) parts.push(plural(mons, 'mon'));
  if (iv.days) parts.push(plural(iv.days, 'day'));
  if (iv.micros || parts.length === 0) {
    const neg = iv.micros < 0;
    const abs = Math.abs(iv.micros);
    const totalSec = Math.floor(abs / MICROS_PER_SECOND);
    const frac = abs - totalSec * MICROS_PER_SECOND;
    const h = Math.floor(totalSec / 3600), mi = Math.floor((totalSec % 3600) / 60), sec = totalSec % 60;
    let t = `${neg ? '-' : parts.length && (iv.days < 0 || iv.months < 0) ? '+' : ''}${pad(h, 2)}:${pad(mi, 2)}:${pad(sec, 2)}`;
    if (frac) t += '.' + pad(frac, 6).replace(/0+$/, '');
    parts.push(t);
  }
  return parts.join(' ');
}

export function canonicalInterval(text: string): string {
  return formatInterval(parseInterval(text));
}

function addMonths(days: number, months: number): number {
  if (months === 0) return days;
  const { y, m, d } = civilFromDays(days);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return daysFromCivil(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

export function timestampPlusInterval(ts: number, iv: Interval, sign: 1 | -1): number {
  let days = Math.floor(ts / MICROS_PER_DAY);
  const rest = ts - days * MICROS_PER_DAY;
  days = addMonths(days, sign * iv.months) + sign * iv.days;
  return days * MICROS_PER_DAY + rest + sign * iv.micros;
}

/** timestamp - timestamp, as PostgreSQL justifies it: days and a time part. */
export function timestampDiff(a: number, b: number): Interval {
  const diff = a - b;
  const days = Math.trunc(diff / MICROS_PER_DAY);
  return { months: 0, days, micros: diff - days * MICROS_PER_DAY };
}

export function intervalAdd(a: Interval, b: Interval, sign: 1 | -1): Interval {
  return { months: a.months + sign * b.months, days: a.days + sign * b.days, micros: a.micros + sign * b.micros };
}

export function intervalMul(a: Interval, f: number): Interval {
  const months = a.months * f;
  const wholeMonths = Math.trunc(months);
  const days = a.days * f + (months - wholeMonths) * 30;
  const wholeDays = Math.trunc(days);
  return { months: wholeMonths, days: wholeDays, micros: Math.round(a.micros * f + (days - wholeDays) * MICROS_PER_DAY) };
}

/** Total length in microseconds with 30-day months (for comparisons and epoch). */
export function intervalMicros(a: Interval): number {
  return (a.months * 30 + a.days) * MICROS_PER_DAY + a.micros;
}

export function civilParts(micros: number): { y: number; m: number; d: number; h: number; mi: number; s: number; us: number; dow: number; doy: number } {
  const days = Math.floor(micros / MICROS_PER_DAY);
  const rest = micros - days * MICROS_PER_DAY;
  const { y, m, d } = civilFromDays(days);
  const totalSec = Math.floor(rest / MICROS_PER_SECOND);
  return {
    y, m, d,
    h: Math.floor(totalSec / 3600), mi: Math.floor((totalSec % 3600) / 60), s: totalSec % 60,
    us: rest - totalSec * MICROS_PER_SECOND,
    dow: ((days % 7) + 11) % 7, // 1970-01-01 was a Thursday (4)
    doy: days - daysFromCivil(y, 1, 1) + 1,
  };
}

export function truncTimestamp(field: string, micros: number): number {
  const p = civilParts(micros);
  const days = Math.floor(micros / MICROS_PER_DAY);
  switch (field) {
    case 'microseconds': return micros;
    case 'milliseconds': return Math.floor(micros / 1000) * 1000;
    case 'second': return Math.floor(micros / MICROS_PER_SECOND) * MICROS_PER_SECOND;
    case 'minute': return Math.floor(micros / 6e7) * 6e7;
    case 'hour': return Math.floor(micros / 3.6e9) * 3.6e9;
    case 'day': return days * MICROS_PER_DAY;
    case 'week': return (days - ((p.dow + 6) % 7)) * MICROS_PER_DAY;
    case 'month': return daysFromCivil(p.y, p.m, 1) * MICROS_PER_DAY;
    case 'quarter': return daysFromCivil(p.y, Math.floor((p.m - 1) / 3) * 3 + 1, 1) * MICROS_PER_DAY;
    case 'year': return daysFromCivil(p.y, 1, 1) * MICROS_PER_DAY;
    case 'decade': return daysFromCivil(Math.floor(p.y / 10) * 10, 1, 1) * MICROS_PER_DAY;
    case 'century': return daysFromCivil(Math.floor((p.y - 1) / 100) * 100 + 1, 1, 1) * MICROS_PER_DAY;
    default:
      throw new SqlError(SqlState.invalidParameterValue, `unit "${field}" not recognized for type timestamp`);
  }
}
