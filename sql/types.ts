// SQL types as PostgreSQL numbers them (pg_type OIDs), their names, categories and
// type modifiers, and the mapping to engine column types. A SqlType is {oid, mod}; mod
// is PostgreSQL's atttypmod (-1 = none; varchar(n)/char(n): n + 4; numeric(p, s):
// ((p << 16) | s) + 4), so it can go to the wire (RowDescription) unchanged.

import type { TypeName } from './ast.js';
import type { ColumnType } from '../engine/types.js';
import { SqlError, SqlState } from './errors.js';

export const Oid = {
  bool: 16, bytea: 17, char: 18, name: 19, int8: 20, int2: 21, int2vector: 22, int4: 23, regproc: 24, text: 25,
  oid: 26, tid: 27, xid: 28, oidvector: 30, json: 114, pgNodeTree: 194, float4: 700, float8: 701, unknown: 705,
  aclitem: 1033, bpchar: 1042, varchar: 1043, date: 1082, time: 1083, timestamp: 1114, timestamptz: 1184,
  interval: 1186, numeric: 1700, regclass: 2205, regtype: 2206, record: 2249, void: 2278, uuid: 2950,
  jsonb: 3802, regnamespace: 4089, regrole: 4096,
  // arrays
  boolArray: 1000, byteaArray: 1001, charArray: 1002, nameArray: 1003, int2Array: 1005, int4Array: 1007,
  textArray: 1009, bpcharArray: 1014, varcharArray: 1015, int8Array: 1016, float4Array: 1021, float8Array: 1022,
  oidArray: 1028, aclitemArray: 1034, dateArray: 1182, timestampArray: 1115, timestamptzArray: 1185,
  numericArray: 1231, uuidArray: 2951, jsonArray: 199, jsonbArray: 3807, regtypeArray: 2211, intervalArray: 1187,
} as const;

export interface SqlType {
  oid: number;
  /** PostgreSQL typmod; -1 for none. */
  mod: number;
}

export type TypeCategory = 'A' | 'B' | 'D' | 'N' | 'S' | 'T' | 'U' | 'X' | 'P';

interface TypeInfo {
  oid: number;
  /** pg_type.typname */
  name: string;
  /** format_type() name without modifiers. */
  sqlName: string;
  len: number;
  category: TypeCategory;
  elem?: number;
  array?: number;
  preferred?: boolean;
}

const INFO: TypeInfo[] = [
  { oid: Oid.bool, name: 'bool', sqlName: 'boolean', len: 1, category: 'B', array: Oid.boolArray, preferred: true },
  { oid: Oid.bytea, name: 'bytea', sqlName: 'bytea', len: -1, category: 'U', array: Oid.byteaArray },
  { oid: Oid.char, name: 'char', sqlName: '"char"', len: 1, category: 'S', array: Oid.charArray },
  { oid: Oid.name, name: 'name', sqlName: 'name', len: 64, category: 'S', array: Oid.nameArray },
  { oid: Oid.int8, name: 'int8', sqlName: 'bigint', len: 8, category: 'N', array: Oid.int8Array },
  { oid: Oid.int2, name: 'int2', sqlName: 'smallint', len: 2, category: 'N', array: Oid.int2Array },
  { oid: Oid.int2vector, name: 'int2vector', sqlName: 'int2vector', len: -1, category: 'A', elem: Oid.int2 },
  { oid: Oid.int4, name: 'int4', sqlName: 'integer', len: 4, category: 'N', array: Oid.int4Array },
  { oid: Oid.regproc, name: 'regproc', sqlName: 'regproc', len: 4, category: 'N' },
  { oid: Oid.text, name: 'text', sqlName: 'text', len: -1, category: 'S', array: Oid.textArray, preferred: true },
  { oid: Oid.oid, name: 'oid', sqlName: 'oid', len: 4, category: 'N', array: Oid.oidArray },
  { oid: Oid.oidvector, name: 'oidvector', sqlName: 'oidvector', len: -1, category: 'A', elem: Oid.oid },
  { oid: Oid.json, name: 'json', sqlName: 'json', len: -1, category: 'U', array: Oid.jsonArray },
  { oid: Oid.pgNodeTree, name: 'pg_node_tree', sqlName: 'pg_node_tree', len: -1, category: 'S' },
  { oid: Oid.float4, name: 'float4', sqlName: 'real', len: 4, category: 'N', array: Oid.float4Array },
  { oid: Oid.float8, name: 'float8', sqlName: 'double precision', len: 8, category: 'N', array: Oid.float8Array, preferred: true },
  { oid: Oid.unknown, name: 'unknown', sqlName: 'unknown', len: -2, category: 'X' },
  { oid: Oid.aclitem, name: 'aclitem', sqlName: 'aclitem', len: 12, category: 'U', array: Oid.aclitemArray },
  { oid: Oid.bpchar, name: 'bpchar', sqlName: 'character', len: -1, category: 'S', array: Oid.bpcharArray },
  { oid: Oid.varchar, name: 'varchar', sqlName: 'character varying', len: -1, category: 'S', array: Oid.varcharArray },
  { oid: Oid.date, name: 'date', sqlName: 'date', len: 4, category: 'D', array: Oid.dateArray },
  { oid: Oid.timestamp, name: 'timestamp', sqlName: 'timestamp without time zone', len: 8, category: 'D', array: Oid.timestampArray },
  { oid: Oid.timestamptz, name: 'timestamptz', sqlName: 'timestamp with time zone', len: 8, category: 'D', array: Oid.timestamptzArray, preferred: true },
  { oid: Oid.interval, name: 'interval', sqlName: 'interval', len: 16, category: 'T', array: Oid.intervalArray, preferred: true },
  { oid: Oid.numeric, name: 'numeric', sqlName: 'numeric', len: -1, category: 'N', array: Oid.numericArray },
  { oid: Oid.regclass, name: 'regclass', sqlName: 'regclass', len: 4, category: 'N' },
  { oid: Oid.regtype, name: 'regtype', sqlName: 'regtype', len: 4, category: 'N', array: Oid.regtypeArray },
  { oid: Oid.regnamespace, name: 'regnamespace', sqlName: 'regnamespace', len: 4, category: 'N' },
  { oid: Oid.regrole, name: 'regrole', sqlName: 'regrole', len: 4, category: 'N' },
  { oid: Oid.record, name: 'record', sqlName: 'record', len: -1, category: 'P' },
  { oid: Oid.void, name: 'void', sqlName: 'void', len: 4, category: 'P' },
  { oid: Oid.uuid, name: 'uuid', sqlName: 'uuid', len: 16, category: 'U', array: Oid.uuidArray },
  { oid: Oid.jsonb, name: 'jsonb', sqlName: 'jsonb', len: -1, category: 'U', array: Oid.jsonbArray },
];

const byOid = new Map<number, TypeInfo>();
for (const t of INFO) {
  byOid.set(t.oid, t);
  if (t.array) byOid.set(t.array, { oid: t.array, name: '_' + t.name, sqlName: t.sqlName + '[]', len: -1, category: 'A', elem: t.oid });
}

export function typeInfo(oid: number): TypeInfo {
  const t = byOid.get(oid);
  if (!t) throw new Error(`bug: unknown type oid ${oid}`);
  return t;
}

export function knownType(oid: number): boolean {
  return byOid.has(oid);
}

export const allTypeOids = (): number[] => [...byOid.keys()];

export const T = {
  bool: { oid: Oid.bool, mod: -1 },
  int2: { oid: Oid.int2, mod: -1 },
  int4: { oid: Oid.int4, mod: -1 },
  int8: { oid: Oid.int8, mod: -1 },
  float4: { oid: Oid.float4, mod: -1 },
  float8: { oid: Oid.float8, mod: -1 },
  numeric: { oid: Oid.numeric, mod: -1 },
  text: { oid: Oid.text, mod: -1 },
  varchar: { oid: Oid.varchar, mod: -1 },
  bpchar: { oid: Oid.bpchar, mod: -1 },
  name: { oid: Oid.name, mod: -1 },
  char: { oid: Oid.char, mod: -1 },
  bytea: { oid: Oid.bytea, mod: -1 },
  date: { oid: Oid.date, mod: -1 },
  timestamp: { oid: Oid.timestamp, mod: -1 },
  timestamptz: { oid: Oid.timestamptz, mod: -1 },
  interval: { oid: Oid.interval, mod: -1 },
  uuid: { oid: Oid.uuid, mod: -1 },
  json: { oid: Oid.json, mod: -1 },
  jsonb: { oid: Oid.jsonb, mod: -1 },
  oid: { oid: Oid.oid, mod: -1 },
  regclass: { oid: Oid.regclass, mod: -1 },
  regtype: { oid: Oid.regtype, mod: -1 },
  regnamespace: { oid: Oid.regnamespace, mod: -1 },
  regproc: { oid: Oid.regproc, mod: -1 },
  unknown: { oid: Oid.unknown, mod: -1 },
  void: { oid: Oid.void, mod: -1 },
  record: { oid: Oid.record, mod: -1 },
  textArray: { oid: Oid.textArray, mod: -1 },
  nameArray: { oid: Oid.nameArray, mod: -1 },
  oidArray: { oid: Oid.oidArray, mod: -1 },
  int2vector: { oid: Oid.int2vector, mod: -1 },
  oidvector: { oid: Oid.oidvector, mod: -1 },
  charArray: { oid: Oid.charArray, mod: -1 },
  aclitemArray: { oid: Oid.aclitemArray, mod: -1 },
  pgNodeTree: { oid: Oid.pgNodeTree, mod: -1 },
} satisfies Record<string, SqlType>;

export function isArray(t: SqlType): boolean {
  return typeInfo(t.oid).category === 'A';
}

export function elemType(t: SqlType): SqlType {
  const e = typeInfo(t.oid).elem;
  if (e === undefined) throw new Error(`bug: ${typeName(t)} is not an array`);
  return { oid: e, mod: -1 };
}

export function arrayOf(t: SqlType): SqlType {
  const a = typeInfo(t.oid).array;
  if (a === undefined) throw new SqlError(SqlState.undefinedObject, `could not find array type for data type ${typeName(t)}`);
  return { oid: a, mod: -1 };
}

export function category(t: SqlType): TypeCategory {
  return typeInfo(t.oid).category;
}

export function sameType(a: SqlType, b: SqlType): boolean {
  return a.oid === b.oid;
}

export const isTextLike = (oid: number): boolean =>
  oid === Oid.text || oid === Oid.varchar || oid === Oid.bpchar || oid === Oid.name || oid === Oid.char || oid === Oid.unknown;

export const isIntegerType = (oid: number): boolean => oid === Oid.int2 || oid === Oid.int4 || oid === Oid.int8;

export const isOidLike = (oid: number): boolean =>
  oid === Oid.oid || oid === Oid.regclass || oid === Oid.regtype || oid === Oid.regnamespace || oid === Oid.regproc || oid === Oid.regrole;

/** Numeric types in promotion order (PostgreSQL's implicit casts go up this list). */
const NUMERIC_RANK: Record<number, number> = { [Oid.int2]: 1, [Oid.int4]: 2, [Oid.int8]: 3, [Oid.numeric]: 4, [Oid.float4]: 5, [Oid.float8]: 6 };

export function numericRank(oid: number): number | undefined {
  return NUMERIC_RANK[oid];
}

/** typmod helpers */
export const varcharMod = (n: number): number => n + 4;
export const numericMod = (p: number, s: number): number => ((p << 16) | s) + 4;
export function numericPrecisionScale(mod: number): { precision: number; scale: number } | undefined {
  if (mod < 4) return undefined;
  const m = mod - 4;
  return { precision: (m >> 16) & 0xffff, scale: m & 0xffff };
}

/** PostgreSQL's format_type(oid, typmod). */
export function formatType(oid: number, mod = -1): string {
  const info = byOid.get(oid);
  if (!info) return '???';
  if (info.category === 'A' && info.elem !== undefined && oid !== Oid.int2vector && oid !== Oid.oidvector) return formatType(info.elem, mod) + '[]';
  const base = info.sqlName;
  if (mod < 0) return base;
  switch (oid) {
    case Oid.varchar: return `character varying(${mod - 4})`;
    case Oid.bpchar: return `character(${mod - 4})`;
    case Oid.numeric: {
      const ps = numericPrecisionScale(mod)!;
      return `numeric(${ps.precision},${ps.scale})`;
    }
    case Oid.timestamp: return `timestamp(${mod}) without time zone`;
    case Oid.timestamptz: return `timestamp(${mod}) with time zone`;
    default: return base;
  }
}

export function typeName(t: SqlType): string {
  return formatType(t.oid, t.mod);
}

/** What a type name in DDL or a cast means. `serial` types come back with serial set. */
/** PostgreSQL built-in types Tessera does not have: valid SQL, so 0A000 rather than 42704. */
const UNSUPPORTED_BUILTIN_TYPES = new Set([
  'time', 'timetz', 'money', 'inet', 'cidr', 'macaddr', 'macaddr8', 'point', 'line', 'lseg', 'box', 'path',
  'polygon', 'circle', 'bit', 'varbit', 'xml', 'tsvector', 'tsquery', 'int4range', 'int8range', 'numrange',
  'daterange', 'tsrange', 'tstzrange', 'txid_snapshot', 'pg_lsn',
]);

export function resolveTypeName(tn: TypeName): { type: SqlType; serial?: boolean } {
  const names = tn.names[0] === 'pg_catalog' && tn.names.length === 2 ? [tn.names[1]] : tn.names;
  if (names.length !== 1) throw new SqlError(SqlState.undefinedObject, `type "${tn.names.join('.')}" does not exist`, { position: tn.pos + 1 });
  const name = names[0];
  const mods = tn.mods;
  let type: SqlType;
  let serial = false;
  const noMods = (): void => {
    if (mods.length) throw new SqlError(SqlState.syntaxError, `type modifier is not allowed for type "${name}"`, { position: tn.pos + 1 });
  };
  switch (name) {
    case 'int': case 'integer': case 'int4': noMods(); type = T.int4; break;
    case 'smallint': case 'int2': noMods(); type = T.int2; break;
    case 'bigint': case 'int8': noMods(); type = T.int8; break;
    case 'serial': case 'serial4': noMods(); type = T.int4; serial = true; break;
    case 'bigserial': case 'serial8': noMods(); type = T.int8; serial = true; break;
    case 'smallserial': case 'serial2': noMods(); type = T.int2; serial = true; break;
    case 'real': case 'float4': noMods(); type = T.float4; break;
    case 'double precision': case 'float8': noMods(); type = T.float8; break;
    case 'float': {
      if (mods.length > 1) throw new SqlError(SqlState.syntaxError, 'too many type modifiers for float', { position: tn.pos + 1 });
      const p = mods[0] ?? 53;
      if (p < 1 || p > 53) throw new SqlError(SqlState.invalidParameterValue, `precision for type float must be between 1 and 53 bits`, { position: tn.pos + 1 });
      type = p <= 24 ? T.float4 : T.float8;
      break;
    }
    case 'numeric': case 'decimal': {
      if (mods.length === 0) type = T.numeric;
      else {
        const p = mods[0];
        const s = mods[1] ?? 0;
        if (p < 1 || p > 1000) throw new SqlError(SqlState.invalidParameterValue, `NUMERIC precision ${p} must be between 1 and 1000`, { position: tn.pos + 1 });
        if (s < 0 || s > p) throw new SqlError(SqlState.invalidParameterValue, `NUMERIC scale ${s} must be between 0 and precision ${p}`, { position: tn.pos + 1 });
        type = { oid: Oid.numeric, mod: numericMod(p, s) };
      }
      break;
    }
    case 'text': noMods(); type = T.text; break;
    case 'varchar': case 'character varying':
      type = mods.length ? { oid: Oid.varchar, mod: lengthMod(mods[0], 'varchar', tn.pos) } : T.varchar;
      break;
    case 'char': case 'character': case 'bpchar':
      // char without length is char(1); bpchar without length is unlimited.
      type = { oid: Oid.bpchar, mod: mods.length ? lengthMod(mods[0], 'char', tn.pos) : name === 'bpchar' ? -1 : varcharMod(1) };
      break;
    case 'bool': case 'boolean': noMods(); type = T.bool; break;
    case 'bytea': noMods(); type = T.bytea; break;
    case 'date': noMods(); type = T.date; break;
    case 'timestamp': type = T.timestamp; break;
    case 'timestamptz': type = T.timestamptz; break;
    case 'uuid': noMods(); type = T.uuid; break;
    case 'json': noMods(); type = T.json; break;
    case 'jsonb': noMods(); type = T.jsonb; break;
    case 'oid': type = T.oid; break;
    case 'name': type = T.name; break;
    case 'regclass': type = T.regclass; break;
    case 'regtype': type = T.regtype; break;
    case 'regnamespace': type = T.regnamespace; break;
    case 'regproc': case 'regprocedure': type = T.regproc; break;
    case '"char"': type = T.char; break;
    case 'interval': type = T.interval; break;
    case 'int2vector': type = T.int2vector; break;
    case 'oidvector': type = T.oidvector; break;
    case 'pg_node_tree': type = T.pgNodeTree; break;
    case 'aclitem': type = { oid: Oid.aclitem, mod: -1 }; break;
    case 'unknown': type = T.unknown; break;
    default:
      if (UNSUPPORTED_BUILTIN_TYPES.has(name)) throw new SqlError(SqlState.featureNotSupported, `type ${name} is not supported`, { position: tn.pos + 1 });
      throw new SqlError(SqlState.undefinedObject, `type "${tn.names.join('.')}" does not exist`, { position: tn.pos + 1 });
  }
  if (tn.arrayDims > 0) {
    if (serial) throw new SqlError(SqlState.featureNotSupported, 'array of serial is not supported', { position: tn.pos + 1 });
    if (tn.arrayDims > 1) throw new SqlError(SqlState.featureNotSupported, 'multidimensional arrays are not supported', { position: tn.pos + 1 });
    type = arrayOf(type);
  }
  return serial ? { type, serial } : { type };
}

function lengthMod(n: number, what: string, pos: number): number {
  if (n < 1) throw new SqlError(SqlState.invalidParameterValue, `length for type ${what} must be at least 1`, { position: pos + 1 });
  if (n > 10485760) throw new SqlError(SqlState.invalidParameterValue, `length for type ${what} cannot exceed 10485760`, { position: pos + 1 });
  return varcharMod(n);
}

/** The engine column type that stores a SQL type, or undefined when tables cannot hold it. */
export function engineColumnType(t: SqlType): ColumnType | undefined {
  switch (t.oid) {
    case Oid.int2: return 'int2';
    case Oid.int4: return 'int4';
    case Oid.int8: return 'int8';
    case Oid.float4: return 'float4';
    case Oid.float8: return 'float8';
    case Oid.numeric: return 'numeric';
    case Oid.text: return 'text';
    case Oid.varchar: return 'varchar';
    case Oid.bpchar: return 'char';
    case Oid.bool: return 'bool';
    case Oid.bytea: return 'bytea';
    case Oid.date: return 'date';
    case Oid.timestamp: return 'timestamp';
    case Oid.timestamptz: return 'timestamptz';
    case Oid.uuid: return 'uuid';
    case Oid.json: return 'json';
    case Oid.jsonb: return 'jsonb';
    default: return undefined;
  }
}

/** The SQL type of an engine column (Dynamo tables' `any` attributes read as jsonb). */
export function sqlTypeOfEngine(type: ColumnType, typmod: number | undefined): SqlType {
  const mod = typmod ?? -1;
  switch (type) {
    case 'int2': return T.int2;
    case 'int4': return T.int4;
    case 'int8': return T.int8;
    case 'float4': return T.float4;
    case 'float8': return T.float8;
    case 'numeric': return { oid: Oid.numeric, mod };
    case 'text': return T.text;
    case 'varchar': return { oid: Oid.varchar, mod };
    case 'char': return { oid: Oid.bpchar, mod };
    case 'bool': return T.bool;
    case 'bytea': return T.bytea;
    case 'date': return T.date;
    case 'timestamp': return T.timestamp;
    case 'timestamptz': return T.timestamptz;
    case 'uuid': return T.uuid;
    case 'json': return T.json;
    case 'jsonb': return T.jsonb;
    case 'any': return T.jsonb;
    default: {
      const never: never = type;
      throw new Error(`unknown engine column type ${String(never)}`);
    }
  }
}

/** Storage size in bytes for RowDescription's typlen. */
export function typeSize(oid: number): number {
  return byOid.get(oid)?.len ?? -1;
}
