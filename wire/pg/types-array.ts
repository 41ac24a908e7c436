// Arrays (array_out/array_in/array_send/array_recv) over an element codec. Values are JS
// arrays, nested for more than one dimension; lower bounds are always 1.

import { PgError } from './errors.js';
import { SqlState } from './sqlstate.js';
import type { PgValue } from './types.js';

/** PostgreSQL's MAXDIM. */
const ARRAY_DIMS_MAX = 6;

export interface ElementCodec {
  readonly oid: number;
  encodeText(v: PgValue): string;
  decodeText(s: string): PgValue;
  encodeBinary(v: PgValue): Buffer;
  decodeBinary(b: Buffer): PgValue;
}

const NEEDS_QUOTES = /[{}",\\ \t\n\r\v\f]/;

export function formatArrayText(value: readonly PgValue[], elem: ElementCodec): string {
  const items = value.map((v) => {
    if (v === null) return 'NULL';
    if (Array.isArray(v)) return formatArrayText(v, elem);
    const s = elem.encodeText(v);
    if (s === '' || s.toUpperCase() === 'NULL' || NEEDS_QUOTES.test(s)) {
      return `"${s.replace(/["\\]/g, (c) => '\\' + c)}"`;
    }
    return s;
  });
  return `{${items.join(',')}}`;
}

export function parseArrayText(text: string, elem: ElementCodec): PgValue[] {
  const malformed = (detail: string) =>
    new PgError(SqlState.InvalidTextRepresentation, `malformed array literal: "${text}"`, { detail });
  let pos = 0;
  const skipSpace = () => {
    while (pos < text.length && ' \t\n\r\v\f'.includes(text[pos])) pos++;
  };
  const parseLevel = (depth: number): PgValue[] => {
    if (depth > ARRAY_DIMS_MAX) {
      throw new PgError(SqlState.ProgramLimitExceeded, `number of array dimensions (${depth}) exceeds the maximum allowed (${ARRAY_DIMS_MAX})`);
    }
    pos++; // {
    const items: PgValue[] = [];
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return items;
    }
    let nested: boolean | undefined;
    for (;;) {
      skipSpace();
      if (pos >= text.length) throw malformed('Unexpected end of input.');
      const isSub = text[pos] === '{';
      // A level holds either sub-arrays or elements, never both.
      if (nested === false && isSub) throw malformed('Unexpected "{" character.');
      if (nested === true && !isSub) throw malformed('Unexpected array element.');
      nested = isSub;
      if (isSub) {
        items.push(parseLevel(depth + 1));
      } else if (text[pos] === '"') {
        pos++;
        let s = '';
        while (pos < text.length && text[pos] !== '"') {
          if (text[pos] === '\\') pos++;
          if (pos < text.length) s += text[pos++];
        }
        if (pos >= text.length) throw malformed('Unexpected end of input.');
        pos++;
        items.push(elem.decodeText(s));
      } else {
        let s = '';
        let escaped = false;
        while (pos < text.length && !',}'.includes(text[pos])) {
          if (text[pos] === '{') throw malformed('Unexpected "{" character.');
          if (text[pos] === '"') throw malformed('Unexpected array element.');
          if (text[pos] === '\\') {
            pos++;
            escaped = true;
          }
          if (pos < text.length) s += text[pos++];
        }
        s = s.replace(/[ \t\n\r\v\f]+$/, '');
        if (s === '') throw malformed(`Unexpected "${text[pos] ?? ','}" character.`);
        items.push(!escaped && s.toUpperCase() === 'NULL' ? null : elem.decodeText(s));
      }
      skipSpace();
      if (pos >= text.length) throw malformed('Unexpected end of input.');
      const c = text[pos++];
      if (c === '}') return items;
      if (c !== ',') throw malformed('Unexpected array element.');
    }
  };
  skipSpace();
  if (text[pos] !== '{') throw malformed('Array value must start with "{" or dimension information.');
  const result = parseLevel(1);
  skipSpace();
  if (pos < text.length) throw malformed('Junk after closing right brace.');
  checkRectangular(result, malformed);
  return result;
}

/** Sizes per dimension; throws unless every sub-array at a level has the same shape. */
function dimensionsOf(value: readonly PgValue[], onError: (detail: string) => Error): number[] {
  if (value.length === 0) return [];
  const nested = value.map((v) => Array.isArray(v));
  if (nested.every((n) => !n)) return [value.length];
  if (!nested.every((n) => n)) throw onError('Multidimensional arrays must have sub-arrays with matching dimensions.');
  const inner = (value as PgValue[][]).map((v) => dimensionsOf(v, onError));
  const first = JSON.stringify(inner[0]);
  if (inner.some((d) => JSON.stringify(d) !== first) || inner[0].length === 0) {
    throw onError('Multidimensional arrays must have sub-arrays with matching dimensions.');
  }
  return [value.length, ...inner[0]];
}

function checkRectangular(value: readonly PgValue[], onError: (detail: string) => Error): void {
  dimensionsOf(value, onError);
}

export function encodeArrayBinary(value: readonly PgValue[], elem: ElementCodec): Buffer {
  const dims = dimensionsOf(value, (d) => new Error(`array value is not rectangular: ${d}`));
  const flat: PgValue[] = [];
  const collect = (v: readonly PgValue[], depth: number): void => {
    for (const x of v) {
      if (depth > 1) collect(x as PgValue[], depth - 1);
      else flat.push(x);
    }
  };
  collect(value, dims.length);
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12 + 8 * dims.length);
  header.writeInt32BE(dims.length, 0);
  header.writeInt32BE(flat.includes(null) ? 1 : 0, 4);
  header.writeUInt32BE(elem.oid, 8);
  dims.forEach((n, i) => {
    header.writeInt32BE(n, 12 + 8 * i);
    header.writeInt32BE(1, 16 + 8 * i);
  });
  parts.push(header);
  for (const v of flat) {
    const len = Buffer.alloc(4);
    if (v === null) {
      len.writeInt32BE(-1);
      parts.push(len);
      continue;
    }
    const body = elem.encodeBinary(v);
    len.writeInt32BE(body.length);
    parts.push(len, body);
  }
  return Buffer.concat(parts);
}

export function decodeArrayBinary(buf: Buffer, elem: ElementCodec): PgValue[] {
  const bad = (message: string) => new PgError(SqlState.InvalidBinaryRepresentation, message);
  if (buf.length < 12) throw bad('insufficient data left in message');
  const ndim = buf.readInt32BE(0);
  const flags = buf.readInt32BE(4);
  const elemOid = buf.readUInt32BE(8);
  if (ndim < 0 || ndim > ARRAY_DIMS_MAX) throw bad(`invalid number of dimensions: ${ndim}`);
  if (flags !== 0 && flags !== 1) throw bad('invalid array flags');
  if (elemOid !== elem.oid) throw new PgError(SqlState.DatatypeMismatch, 'wrong element type');
  if (buf.length < 12 + 8 * ndim) throw bad('insufficient data left in message');
  const dims: number[] = [];
  let total = ndim === 0 ? 0 : 1;
  for (let i = 0; i < ndim; i++) {
    const n = buf.readInt32BE(12 + 8 * i);
    if (n < 0) throw bad('invalid array dimension');
    dims.push(n);
    total *= n;
  }
  // Each element needs at least its 4-byte length: refuse sizes the message cannot hold.
  let pos = 12 + 8 * ndim;
  if (total > (buf.length - pos) / 4) throw bad('insufficient data left in message');
  const flat: PgValue[] = [];
  for (let i = 0; i < total; i++) {
    if (pos + 4 > buf.length) throw bad('insufficient data left in message');
    const len = buf.readInt32BE(pos);
    pos += 4;
    if (len === -1) {
      flat.push(null);
      continue;
    }
    if (len < 0 || pos + len > buf.length) throw bad('insufficient data left in message');
    flat.push(elem.decodeBinary(buf.subarray(pos, pos + len)));
    pos += len;
  }
  if (pos !== buf.length) throw bad('incorrect binary data format in array');
  // Re-nest from the innermost dimension outwards.
  let nested: PgValue[] = flat;
  for (let d = dims.length - 1; d > 0; d--) {
    const groups: PgValue[] = [];
    for (let i = 0; i < nested.length; i += dims[d]) groups.push(nested.slice(i, i + dims[d]));
    nested = groups;
  }
  return nested;
}
