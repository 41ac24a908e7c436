// How DynamoDB tables live in the engine (docs/dynamo.md has the full mapping):
//   - a Dynamo table is an engine table: hash key -> partition key column, range key ->
//     clustering key column (S -> text, N -> numeric (decimal key kind), B -> bytea);
//   - every other top-level attribute is its own cell, holding the AttributeValue in its
//     internal form ({S: 'x'}, {N: '1.5'}, {B: Uint8Array}, {M: {...}}, ...), so concurrent
//     writers of different attributes both win;
//   - table metadata (key schema, attribute definitions, indexes, billing, TTL, tags, stream
//     spec) is `options.dynamo` of the engine TableSchema;
//   - a secondary index is an engine table `<table>:<index>` keyed (index hash | index range,
//     table hash, table range) holding the projected attributes, with `options.dynamoIndex`.
// An engine table without `options.dynamo` (a SQL table) is visible read-only when its key is
// one partition column and at most one clustering column of types that map to S, N or B.
import { createHash } from 'node:crypto';
import type { Catalog } from '../engine/catalog.js';
import { KeyError } from '../engine/keys.js';
import type { ColumnDef, ColumnType, TableSchema, Value } from '../engine/types.js';
import { validation } from './errors.js';
import { normalizeNumber } from './numbers.js';
import { ATTRIBUTE_TYPES, typeOf, type AttributeValue, type Item } from './values.js';

export type KeyType = 'S' | 'N' | 'B';

export interface KeyDef {
  readonly name: string;
  readonly type: KeyType;
}

export type ProjectionType = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';

export interface IndexMeta {
  readonly name: string;
  readonly kind: 'global' | 'local';
  readonly hash: KeyDef;
  readonly range?: KeyDef;
  readonly projection: { readonly type: ProjectionType; readonly include?: readonly string[] };
  /** The engine table holding the index. */
  readonly table: string;
  /** CREATING while a GSI added by UpdateTable is backfilled. */
  readonly status: 'CREATING' | 'ACTIVE';
  /** While CREATING: writer id of the front end running the backfill (it resumes it after a restart). */
  readonly backfillBy?: number;
  readonly provisioned?: { readonly read: number; readonly write: number };
}

export interface DynamoMeta {
  readonly format: 1;
  /** TableId of DescribeTable (a UUID). */
  readonly uuid: string;
  readonly attributes: readonly KeyDef[];
  readonly hash: KeyDef;
  readonly range?: KeyDef;
  readonly indexes: readonly IndexMeta[];
  readonly billingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
  readonly provisioned?: { readonly read: number; readonly write: number };
  readonly createdMs: number;
  readonly ttl?: { readonly attribute: string; readonly enabled: boolean };
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
  /** Reserved for CDC (DESIGN.md §4): stored and described, not acted on yet. */
  readonly stream?: { readonly enabled: boolean; readonly viewType?: string; readonly label?: string };
  readonly deletionProtection?: boolean;
  readonly tableClass?: string;
}

export interface IndexTableOptions {
  readonly table: string;
  readonly index: string;
}

export function dynamoMeta(schema: TableSchema): DynamoMeta | undefined {
  const m = schema.options.dynamo;
  return m === undefined || m === null ? undefined : (m as unknown as DynamoMeta);
}

export function isIndexTable(schema: TableSchema): boolean {
  return schema.options.dynamoIndex !== undefined;
}

export const ENGINE_NAME_MAX = 255;

/** Engine table name of an index; never a valid DynamoDB table name (it holds a ':'). */
export function indexTableName(table: string, index: string): string {
  const name = `${table}:${index}`;
  if (name.length <= ENGINE_NAME_MAX) return name;
  return `${table.slice(0, 200)}:${createHash('sha256').update(index).digest('hex').slice(0, 40)}`;
}

export function columnTypeOf(t: KeyType): ColumnType {
  return t === 'S' ? 'text' : t === 'N' ? 'numeric' : 'bytea';
}

/** The Dynamo type a SQL column shows as, when it can be a key. */
function keyTypeOfColumn(t: ColumnType): KeyType | undefined {
  switch (t) {
    case 'text': case 'varchar': case 'char': case 'uuid':
      return 'S';
    case 'int2': case 'int4': case 'int8': case 'float4': case 'float8': case 'numeric':
    case 'date': case 'timestamp': case 'timestamptz':
      return 'N';
    case 'bytea':
      return 'B';
    default:
      return undefined;
  }
}

/** The engine table definition of a Dynamo table. */
export function baseTableDef(name: string, meta: DynamoMeta): Omit<TableSchema, 'id'> {
  const keys = [meta.hash, ...(meta.range ? [meta.range] : [])];
  return {
    name,
    columns: keys.map((k): ColumnDef => ({ name: k.name, type: columnTypeOf(k.type), notNull: true })),
    partitionKey: [meta.hash.name],
    clusteringKey: meta.range ? [meta.range.name] : [],
    options: { dynamo: meta as unknown as Value },
  };
}

/** Key columns of an index table: index keys, then the table's keys not already among them. */
export function indexKeyColumns(meta: DynamoMeta, index: IndexMeta): KeyDef[] {
  const out: KeyDef[] = [];
  for (const k of [index.hash, index.range, meta.hash, meta.range]) {
    if (k !== undefined && !out.some((o) => o.name === k.name)) out.push(k);
  }
  return out;
}

export function indexTableDef(tableName: string, meta: DynamoMeta, index: IndexMeta): Omit<TableSchema, 'id'> {
  const cols = indexKeyColumns(meta, index);
  return {
    name: index.table,
    columns: cols.map((k): ColumnDef => ({ name: k.name, type: columnTypeOf(k.type), notNull: true })),
    partitionKey: [cols[0].name],
    clusteringKey: cols.slice(1).map((k) => k.name),
    options: { dynamoIndex: { table: tableName, index: index.name } satisfies IndexTableOptions as unknown as Value },
  };
}

// ---- Views: what one request reads or writes ----

/** A table or index as a request sees it. */
export interface View {
  /** The engine table read (the index table for an index). */
  readonly schema: TableSchema;
  /** The base table. */
  readonly base: TableSchema;
  readonly tableName: string;
  /** undefined: a SQL table seen through the Dynamo API (read-only). */
  readonly meta: DynamoMeta | undefined;
  readonly index: IndexMeta | undefined;
  /** The key schema of the table or index. */
  readonly hash: KeyDef;
  readonly range: KeyDef | undefined;
  /** The base table's key schema. */
  readonly tableHash: KeyDef;
  readonly tableRange: KeyDef | undefined;
  /** Engine key columns in order (partition then clustering). */
  readonly keyColumns: readonly KeyDef[];
  /** Column types of key columns, and of every column of a SQL table. */
  readonly columnTypes: Readonly<Record<string, ColumnType>>;
  /** Non-key cells hold internal AttributeValues (Dynamo tables and indexes). */
  readonly tagged: boolean;
}

const views = new WeakMap<TableSchema, View>();

function sqlView(schema: TableSchema): View | undefined {
  if (schema.partitionKey.length !== 1 || schema.clusteringKey.length > 1) return undefined;
  const types: Record<string, ColumnType> = {};
  for (const c of schema.columns) types[c.name] = c.type;
  const key = (name: string): KeyDef | undefined => {
    const t = keyTypeOfColumn(types[name]);
    return t === undefined ? undefined : { name, type: t };
  };
  const hash = key(schema.partitionKey[0]);
  const range = schema.clusteringKey.length === 1 ? key(schema.clusteringKey[0]) : undefined;
  if (hash === undefined || (schema.clusteringKey.length === 1 && range === undefined)) return undefined;
  return {
    schema, base: schema, tableName: schema.name, meta: undefined, index: undefined,
    hash, range, tableHash: hash, tableRange: range,
    keyColumns: range ? [hash, range] : [hash],
    columnTypes: types, tagged: false,
  };
}

/** The view of a base table, or undefined when the Dynamo API cannot show it. */
export function tableView(schema: TableSchema): View | undefined {
  const cached = views.get(schema);
  if (cached !== undefined) return cached;
  if (isIndexTable(schema)) return undefined;
  const meta = dynamoMeta(schema);
  let view: View | undefined;
  if (meta === undefined) {
    view = sqlView(schema);
  } else {
    const keyColumns = meta.range ? [meta.hash, meta.range] : [meta.hash];
    const columnTypes: Record<string, ColumnType> = {};
    for (const k of keyColumns) columnTypes[k.name] = columnTypeOf(k.type);
    view = {
      schema, base: schema, tableName: schema.name, meta, index: undefined,
      hash: meta.hash, range: meta.range, tableHash: meta.hash, tableRange: meta.range,
      keyColumns, columnTypes, tagged: true,
    };
  }
  if (view !== undefined) views.set(schema, view);
  return view;
}

/** The view of an index of a Dynamo table (its engine table must exist in `catalog`). */
export function indexView(base: TableSchema, index: IndexMeta, catalog: Catalog): View | undefined {
  const meta = dynamoMeta(base);
  const schema = catalog.table(index.table);
  if (meta === undefined || schema === undefined) return undefined;
  const keyColumns = indexKeyColumns(meta, index);
  const columnTypes: Record<string, ColumnType> = {};
  for (const k of keyColumns) columnTypes[k.name] = columnTypeOf(k.type);
  return {
    schema, base, tableName: base.name, meta, index,
    hash: index.hash, range: index.range, tableHash: meta.hash, tableRange: meta.range,
    keyColumns, columnTypes, tagged: true,
  };
}

// ---- Values between the engine and AttributeValues ----

function isAttributeValue(v: Value): v is Value & AttributeValue {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (ATTRIBUTE_TYPES as readonly string[]).includes(keys[0]);
}

function numberOrString(text: string): AttributeValue {
  try {
    return { N: normalizeNumber(text) };
  } catch {
    return { S: text };
  }
}

/** A schemaless engine value as an AttributeValue (SQL 'any' / json columns). */
function genericAttribute(v: Value): AttributeValue | undefined {
  if (v === null) return undefined;
  if (typeof v === 'string') return { S: v };
  if (typeof v === 'boolean') return { BOOL: v };
  if (typeof v === 'number' || typeof v === 'bigint') return numberOrString(String(v));
  if (v instanceof Uint8Array) return { B: v };
  if (Array.isArray(v)) return { L: v.map((x) => genericAttribute(x) ?? { NULL: true }) };
  const m: Record<string, AttributeValue> = {};
  for (const k of Object.keys(v)) {
    const a = genericAttribute(v[k]);
    if (a !== undefined) m[k] = a;
  }
  return { M: m };
}

/** An engine value of a typed column as an AttributeValue (undefined for NULL). */
export function columnToAttribute(v: Value, type: ColumnType): AttributeValue | undefined {
  if (v === null || v === undefined) return undefined;
  switch (type) {
    case 'text': case 'varchar': case 'char': case 'uuid':
      return { S: String(v) };
    case 'int2': case 'int4': case 'int8': case 'float4': case 'float8': case 'numeric':
    case 'date': case 'timestamp': case 'timestamptz':
      return numberOrString(String(v));
    case 'bool':
      return typeof v === 'boolean' ? { BOOL: v } : genericAttribute(v);
    case 'bytea':
      return v instanceof Uint8Array ? { B: v } : genericAttribute(v);
    case 'json': case 'jsonb':
      return { S: typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) };
    case 'any':
      return isAttributeValue(v) ? v : genericAttribute(v);
    default: {
      const never: never = type;
      throw new Error(`unknown column type ${String(never)}`);
    }
  }
}

/** The engine key value of a key AttributeValue for a column of `type`. */
export function attributeToKey(a: AttributeValue, type: ColumnType): Value {
  const mismatch = (): Error => validation('The provided key element does not match the schema');
  switch (type) {
    case 'text': case 'varchar': case 'char': case 'uuid':
      if (!('S' in a)) throw mismatch();
      return a.S;
    case 'numeric':
      if (!('N' in a)) throw mismatch();
      return a.N;
    case 'int2': case 'int4': case 'int8': case 'date': case 'timestamp': case 'timestamptz': {
      if (!('N' in a) || !/^-?\d+$/.test(a.N)) throw mismatch();
      const n = Number(a.N);
      return Number.isSafeInteger(n) ? n : BigInt(a.N);
    }
    case 'float4': case 'float8':
      if (!('N' in a)) throw mismatch();
      return Number(a.N);
    case 'bytea':
      if (!('B' in a)) throw mismatch();
      return a.B;
    default:
      throw mismatch();
  }
}

/** A row's live values as an item. */
export function rowToItem(values: Readonly<Record<string, Value>>, view: View): Item {
  const out: Record<string, AttributeValue> = {};
  for (const name of Object.keys(values)) {
    const type = view.columnTypes[name];
    const v = values[name];
    let a: AttributeValue | undefined;
    if (type !== undefined) a = columnToAttribute(v, type);
    else if (view.tagged && isAttributeValue(v)) a = v;
    else a = genericAttribute(v);
    if (a === undefined) continue;
    // `__proto__` is a valid attribute name: define it rather than set the prototype.
    if (name === '__proto__') Object.defineProperty(out, name, { value: a, enumerable: true, writable: true, configurable: true });
    else out[name] = a;
  }
  return out;
}

export interface EncodedKey {
  readonly pkey: string;
  readonly ckey: string;
}

/**
 * The engine key of `item` in the view's table. Every key column must be present with its
 * declared type (callers validated that); a value the column cannot hold is a mismatch.
 */
export function encodeKey(view: View, item: Item, catalog: Catalog): EncodedKey {
  const codec = catalog.codec(view.schema.id);
  const values = (names: readonly string[]): Value[] => names.map((n) => {
    const a = item[n];
    if (a === undefined) throw validation('The provided key element does not match the schema');
    return attributeToKey(a, view.columnTypes[n] ?? columnTypeOf(typeOf(a) as KeyType));
  });
  try {
    return { pkey: codec.pkey(values(view.schema.partitionKey)), ckey: codec.ckey(values(view.schema.clusteringKey)) };
  } catch (e) {
    if (e instanceof KeyError) throw validation('The provided key element does not match the schema');
    throw e;
  }
}

/** The key attributes of an item (table keys, plus index keys for an index view). */
export function keyOf(view: View, item: Item): Item {
  const out: Record<string, AttributeValue> = {};
  for (const k of view.keyColumns) if (item[k.name] !== undefined) out[k.name] = item[k.name];
  return out;
}

/** Whether the item is past its TTL (DynamoDB: a Number of epoch seconds, in the past). */
export function isExpired(meta: DynamoMeta | undefined, item: Item | undefined, nowSec: number): boolean {
  if (meta?.ttl === undefined || !meta.ttl.enabled || item === undefined) return false;
  const a = item[meta.ttl.attribute];
  if (a === undefined || !('N' in a)) return false;
  const t = Number(a.N);
  // DynamoDB ignores TTL values more than five years in the past.
  return Number.isFinite(t) && t <= nowSec && t > nowSec - 5 * 365 * 24 * 3600;
}
