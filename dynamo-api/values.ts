// DynamoDB AttributeValues: the wire JSON is validated once at the edge (`parseAttributeValue`,
// `parseItem`) into an internal form that differs from the wire in two ways only: binary is a
// Uint8Array (not base64) and every number is in canonical spelling (numbers.ts). Everything
// past the edge - expressions, evaluation, storage mapping - works on the internal form.
import {
  DynamoError,
  invalidParameter,
  serialization,
  validation,
} from './errors.js';
import { checkNumber, compareNumbers, formatDecimal, numberSizeBytes } from './numbers.js';

export type AttributeType = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'M' | 'L' | 'SS' | 'NS' | 'BS';

export const ATTRIBUTE_TYPES: readonly AttributeType[] = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];

export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: Uint8Array }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly M: AttributeMap }
  | { readonly L: readonly AttributeValue[] }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly Uint8Array[] };

export type AttributeMap = { readonly [name: string]: AttributeValue };

/** An item: top-level attribute name to value. */
export type Item = AttributeMap;

/** Partition (hash) key values: 1..2048 bytes. */
export const HASH_KEY_BYTES_MAX = 2048;
/** Sort (range) key values: 1..1024 bytes. */
export const RANGE_KEY_BYTES_MAX = 1024;

/** DynamoDB's item size limit, 400 KB (binary units). */
export const ITEM_SIZE_BYTES_MAX = 400 * 1024;
/** Documented nesting limit of maps and lists inside an attribute. */
export const NESTING_LEVELS_MAX = 32;

export function typeOf(v: AttributeValue): AttributeType {
  if ('S' in v) return 'S';
  if ('N' in v) return 'N';
  if ('B' in v) return 'B';
  if ('BOOL' in v) return 'BOOL';
  if ('NULL' in v) return 'NULL';
  if ('M' in v) return 'M';
  if ('L' in v) return 'L';
  if ('SS' in v) return 'SS';
  if ('NS' in v) return 'NS';
  if ('BS' in v) return 'BS';
  throw new Error(`assertion failed: not an AttributeValue: ${JSON.stringify(v)}`);
}

export function isSetType(t: AttributeType): t is 'SS' | 'NS' | 'BS' {
  return t === 'SS' || t === 'NS' || t === 'BS';
}

/** Types the ordering operators (<, BETWEEN, ...) and key attributes accept. */
export function isOrderedType(t: AttributeType): t is 'S' | 'N' | 'B' {
  return t === 'S' || t === 'N' || t === 'B';
}

/** The long type names DynamoDB prints for ADD/DELETE operand errors. */
export function longTypeName(t: AttributeType): string {
  switch (t) {
    case 'S': return 'STRING';
    case 'N': return 'NUMBER';
    case 'B': return 'BINARY';
    case 'BOOL': return 'BOOLEAN';
    case 'NULL': return 'NULL';
    case 'M': return 'MAP';
    case 'L': return 'LIST';
    case 'SS': return 'STRING_SET';
    case 'NS': return 'NUMBER_SET';
    case 'BS': return 'BINARY_SET';
  }
}

// ---- Wire validation -------------------------------------------------------------------------

/** Where a wire value came from; decides how DynamoDB words its validation errors. */
export interface ParseContext {
  /** ExpressionAttributeValues key, e.g. ':v' - wraps messages as DynamoDB does there. */
  readonly placeholder?: string;
}

function describeJsonType(v: unknown): string {
  if (typeof v === 'number') return 'NUMBER_VALUE';
  if (typeof v === 'boolean') return v ? 'TRUE_VALUE' : 'FALSE_VALUE';
  if (typeof v === 'string') return 'STRING_VALUE';
  return 'VALUE';
}

function expectString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) throw serialization('Start of list found where not expected');
  if (typeof v === 'object' && v !== null) throw serialization('Start of structure or map found where not expected');
  throw serialization(`${describeJsonType(v)} cannot be converted to String`);
}

function expectBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) throw serialization('Start of list found where not expected');
  if (typeof v === 'object' && v !== null) throw serialization('Start of structure or map found where not expected');
  throw serialization(`${describeJsonType(v)} cannot be converted to Boolean`);
}

function expectArray(v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v;
  throw serialization('Unexpected field type');
}

function expectObject(v: unknown): Record<string, unknown> {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  throw serialization('Unexpected field type');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBase64(text: string): Uint8Array {
  if (!BASE64.test(text)) {
    throw serialization(
      text.length % 4 === 0
        ? 'Base64 encoded value contains an invalid character'
        : `Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`,
    );
  }
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function bytesKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

function parseNumberText(text: string): string {
  const r = checkNumber(text);
  if (!r.ok) throw validation(r.message);
  return formatDecimal(r.value);
}

function parseValue(json: unknown, depth: number): AttributeValue {
  if (depth > NESTING_LEVELS_MAX) {
    throw validation('Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit');
  }
  const obj = expectObject(json);
  // Each present member is checked before counting them: DynamoDB reports a bad number in
  // {"S": "a", "N": "x"} rather than the two datatypes.
  const found: AttributeValue[] = [];
  for (const t of ATTRIBUTE_TYPES) {
    const raw = obj[t];
    if (raw === undefined || raw === null) continue;
    found.push(parseMember(t, raw, depth));
  }
  if (found.length === 0) {
    throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  }
  if (found.length > 1) {
    throw validation(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  }
  return found[0];
}

function parseMember(t: AttributeType, raw: unknown, depth: number): AttributeValue {
  switch (t) {
    case 'S':
      return { S: expectString(raw) };
    case 'N':
      return { N: parseNumberText(expectString(raw)) };
    case 'B':
      return { B: decodeBase64(expectString(raw)) };
    case 'BOOL':
      return { BOOL: expectBoolean(raw) };
    case 'NULL':
      if (!expectBoolean(raw)) throw invalidParameter('Null attribute value types must have the value of true');
      return { NULL: true };
    case 'M': {
      const m = expectObject(raw);
      const out: Record<string, AttributeValue> = {};
      for (const k of Object.keys(m)) out[k] = parseValue(m[k], depth + 1);
      return { M: out };
    }
    case 'L':
      return { L: expectArray(raw).map((e) => parseValue(e, depth + 1)) };
    case 'SS': {
      const members = expectArray(raw).map(expectString);
      if (members.length === 0) throw invalidParameter('An string set  may not be empty');
      if (new Set(members).size !== members.length) {
        throw invalidParameter(`Input collection [${members.join(', ')}] contains duplicates.`);
      }
      return { SS: members };
    }
    case 'NS': {
      const texts = expectArray(raw).map(expectString);
      if (texts.length === 0) throw invalidParameter('An number set  may not be empty');
      const members = texts.map(parseNumberText);
      if (new Set(members).size !== members.length) throw validation('Input collection contains duplicates');
      return { NS: members };
    }
    case 'BS': {
      const texts = expectArray(raw).map(expectString);
      if (texts.length === 0) throw invalidParameter('Binary sets should not be empty');
      const members = texts.map(decodeBase64);
      if (new Set(members.map(bytesKey)).size !== members.length) {
        throw invalidParameter(`Input collection [${texts.join(', ')}]of type BS contains duplicates.`);
      }
      return { BS: members };
    }
  }
}

/**
 * Validates one wire AttributeValue (DynamoDB JSON) and converts it to the internal form.
 * Throws ValidationException/SerializationException with DynamoDB's messages; with a
 * `placeholder` context they read "ExpressionAttributeValues contains invalid value: ... for key :v".
 */
export function parseAttributeValue(json: unknown, ctx: ParseContext = {}): AttributeValue {
  if (ctx.placeholder === undefined) return parseValue(json, 1);
  try {
    return parseValue(json, 1);
  } catch (e) {
    if (e instanceof DynamoError && e.type === 'ValidationException') {
      throw validation(`ExpressionAttributeValues contains invalid value: ${e.message} for key ${ctx.placeholder}`);
    }
    throw e;
  }
}

/** Validates a wire item (or key) map. */
export function parseItem(json: unknown): Item {
  const obj = expectObject(json);
  const out: Record<string, AttributeValue> = {};
  for (const k of Object.keys(obj)) out[k] = parseValue(obj[k], 1);
  return out;
}

/** The wire JSON of an internal value. */
export function toWire(v: AttributeValue): Record<string, unknown> {
  if ('B' in v) return { B: Buffer.from(v.B.buffer, v.B.byteOffset, v.B.byteLength).toString('base64') };
  if ('BS' in v) return { BS: v.BS.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')) };
  if ('M' in v) return { M: itemToWire(v.M) };
  if ('L' in v) return { L: v.L.map(toWire) };
  return v as Record<string, unknown>;
}

export function itemToWire(item: Item): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(item)) out[k] = toWire(item[k]);
  return out;
}

/** `{S:abc}` as DynamoDB prints an operand in messages (e.g. BETWEEN bounds). */
export function describeValue(v: AttributeValue): string {
  const t = typeOf(v);
  const w = toWire(v)[t];
  return `{${t}:${typeof w === 'string' || typeof w === 'boolean' ? String(w) : JSON.stringify(w)}}`;
}

// ---- Order and equality ----------------------------------------------------------------------

/**
 * Orders strings by their UTF-8 bytes (= code point order), which is DynamoDB's order for S.
 * UTF-16 code-unit order differs only where a surrogate meets U+E000..U+FFFF; remapping the
 * units (surrogates above everything else in the BMP) fixes that without encoding.
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Unsigned lexicographic byte order, DynamoDB's order for B. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}

function numbersEqual(a: string, b: string): boolean {
  return a === b || compareNumbers(a, b) === 0;
}

/**
 * Orders two values of the same ordered type (S, N, B); undefined when they are not
 * comparable (different types, or a type without an order), which conditions treat as false.
 */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  if ('S' in a && 'S' in b) return compareStrings(a.S, b.S);
  if ('N' in a && 'N' in b) return compareNumbers(a.N, b.N);
  if ('B' in a && 'B' in b) return compareBytes(a.B, b.B);
  return undefined;
}

function setEqual<T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean): boolean {
  if (a.length !== b.length) return false;
  return a.every((x) => b.some((y) => eq(x, y)));
}

/** Deep equality; sets are unordered, numbers compare numerically, lists are ordered. */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a) return 'S' in b && a.S === b.S;
  if ('N' in a) return 'N' in b && numbersEqual(a.N, b.N);
  if ('B' in a) return 'B' in b && bytesEqual(a.B, b.B);
  if ('BOOL' in a) return 'BOOL' in b && a.BOOL === b.BOOL;
  if ('NULL' in a) return 'NULL' in b;
  if ('M' in a) return 'M' in b && itemsEqual(a.M, b.M);
  if ('L' in a) return 'L' in b && a.L.length === b.L.length && a.L.every((x, i) => valuesEqual(x, b.L[i]));
  if ('SS' in a) return 'SS' in b && a.SS.length === b.SS.length && new Set([...a.SS, ...b.SS]).size === a.SS.length;
  if ('NS' in a) return 'NS' in b && setEqual(a.NS, b.NS, numbersEqual);
  if ('BS' in a) return 'BS' in b && setEqual(a.BS, b.BS, bytesEqual);
  return false;
}

export function itemsEqual(a: AttributeMap, b: AttributeMap): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && valuesEqual(a[k], b[k]));
}

// ---- Size ------------------------------------------------------------------------------------

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Bytes DynamoDB counts for a value (Developer Guide, "Item sizes"): strings and binary by
 * length, numbers by base-100 digit pairs, booleans and null 1 byte, maps and lists 3 bytes
 * plus 1 per element (plus the key's length for maps), sets the sum of their members.
 */
export function valueSizeBytes(v: AttributeValue): number {
  if ('S' in v) return utf8Length(v.S);
  if ('N' in v) return numberSizeBytes(v.N);
  if ('B' in v) return v.B.length;
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('M' in v) {
    let size = 3;
    for (const k of Object.keys(v.M)) size += utf8Length(k) + valueSizeBytes(v.M[k]) + 1;
    return size;
  }
  if ('L' in v) {
    let size = 3;
    for (const e of v.L) size += valueSizeBytes(e) + 1;
    return size;
  }
  if ('SS' in v) return v.SS.reduce((s, m) => s + utf8Length(m), 0);
  if ('NS' in v) return v.NS.reduce((s, m) => s + numberSizeBytes(m), 0);
  return v.BS.reduce((s, m) => s + m.length, 0);
}

/** Item size as DynamoDB counts it against the 400 KB limit: names plus values. */
export function itemSizeBytes(item: Item): number {
  let size = 0;
  for (const k of Object.keys(item)) size += utf8Length(k) + valueSizeBytes(item[k]);
  return size;
}

// ---- Key attributes ----

/**
 * Checks one key attribute of a Key or Item against its declared type: scalar of that type,
 * not empty, within the key length limits. Messages are DynamoDB's.
 */
export function checkKeyAttribute(
  name: string,
  value: AttributeValue | undefined,
  type: 'S' | 'N' | 'B',
  role: 'hash' | 'range',
): void {
  if (value === undefined || typeOf(value) !== type) {
    throw validation('The provided key element does not match the schema');
  }
  if (('S' in value && value.S === '') || ('B' in value && value.B.length === 0)) {
    throw validation(
      `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${'S' in value ? 'string' : 'binary'} value. Key: ${name}`,
    );
  }
  const size = 'S' in value ? utf8Length(value.S) : 'B' in value ? value.B.length : 0;
  if (role === 'hash' && size > HASH_KEY_BYTES_MAX) {
    throw invalidParameter(`Size of hashkey has exceeded the maximum size limit of${HASH_KEY_BYTES_MAX} bytes`);
  }
  if (role === 'range' && size > RANGE_KEY_BYTES_MAX) {
    throw invalidParameter(`Aggregated size of all range keys has exceeded the size limit of ${RANGE_KEY_BYTES_MAX} bytes`);
  }
}
