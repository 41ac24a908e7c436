// How a SQL table lives in the engine catalog (DESIGN.md §2 "storage mapping"):
//   - one engine table per SQL table; PRIMARY KEY (a, b, c) -> partition key a,
//     clustering key (b, c), unless WITH (partition_key = 'a,b');
//   - a table without a primary key gets a hidden uuid column `tessera_rowid` as its key
//     (unique: HLC timestamp + writer id + per-process counter);
//   - columns keep their SQL type and typmod (PostgreSQL's atttypmod), NOT NULL and the
//     DEFAULT expression's text in the engine's ColumnDef;
//   - what the engine does not know lives in TableSchema.options.sql (SqlTableMeta):
//     the pg_class oid, primary key, indexes, serial sequences, CHECK constraints.
// Tables written by other front ends (Dynamo) have no options.sql; they read with their
// engine key as primary key and `any` attributes as jsonb.

import type { ColumnDef, TableSchema, Value } from '../engine/types.js';
import { documentColumnName, isDynamoTable } from './dynamo-tables.js';
import { SqlError, SqlState } from './errors.js';
import { sqlTypeOfEngine, type SqlType } from './types.js';

export const ROWID_COLUMN = 'tessera_rowid';
/** Engine table holding every sequence's current value (name -> int8). */
export const SEQUENCES_TABLE = 'tessera$sequences';
/** Prefix of private tables (TRUNCATE inside a transaction, ADD PRIMARY KEY rebuilds). */
export const SHADOW_PREFIX = 'tessera$shadow$';

/** First OID given to user tables, as in PostgreSQL (FirstNormalObjectId). */
export const FIRST_USER_OID = 16384;
/** OIDs per table: the table, its primary key index, sequences and indexes take oid + k. */
export const OIDS_PER_TABLE = 64;

export interface SqlIndexMeta {
  name: string;
  columns: string[];
  unique: boolean;
  /**
   * Maintained index (sql/indexes.ts): its id among the table's index entries. Absent on
   * indexes recorded before indexes were maintained: those have no entries and are not used.
   */
  id?: number;
}

export interface SqlSequenceMeta {
  column: string;
  name: string;
  /** Row key in the sequences table: name@generation, unique per table incarnation. */
  key: string;
}

export interface SqlCheckMeta {
  name: string;
  /** The CHECK expression as written. */
  text: string;
}

export interface SqlTableMeta {
  v: 1;
  /** pg_class oid; 0 means derived from the engine table id. Kept across TRUNCATE and re-keying. */
  oid: number;
  /** Declared primary key columns; empty when the hidden row id is the key. */
  pk: string[];
  pkName?: string;
  indexes: SqlIndexMeta[];
  sequences: SqlSequenceMeta[];
  checks: SqlCheckMeta[];
  /** Storage parameters as given in WITH (...), for \d+. */
  reloptions: string[];
  /** Column names dropped at some point: re-adding one must first clear old cells. */
  dropped: string[];
  /** Private tables (sequences, shadows) are invisible to SQL. */
  system?: boolean;
}

export interface SqlColumn {
  name: string;
  type: SqlType;
  notNull: boolean;
  /** DEFAULT expression text, as written (nextval('t_id_seq'::regclass) for serial). */
  default?: string;
  hidden: boolean;
  /** 1-based attribute number (pg_attribute.attnum) among visible columns; 0 for hidden. */
  attnum: number;
  /** Index in the table's row layout (= engine column order). */
  index: number;
}

/** The SQL view of one engine table. Immutable; rebuilt when the catalog changes. */
export class SqlTable {
  readonly name: string;
  readonly id: number;
  readonly oid: number;
  readonly columns: SqlColumn[];
  readonly visible: SqlColumn[];
  readonly byName = new Map<string, SqlColumn>();
  /** Row-layout indexes of the partition and clustering key columns. */
  readonly partitionKey: number[];
  readonly clusteringKey: number[];
  /** Row-layout indexes of the declared primary key (empty with a hidden row id). */
  readonly primaryKey: number[];
  readonly hiddenRowId: number | undefined;
  readonly meta: SqlTableMeta;
  /** Row-layout index of the `document` column of a table created through the DynamoDB API (dynamo-tables.ts). */
  readonly document: number | undefined;

  constructor(readonly schema: TableSchema) {
    this.name = schema.name;
    this.id = schema.id;
    this.meta = readMeta(schema);
    this.oid = this.meta.oid || FIRST_USER_OID + schema.id * OIDS_PER_TABLE;
    let attnum = 0;
    this.columns = schema.columns.map((c, index) => {
      const hidden = c.name === ROWID_COLUMN && this.meta.pk.length === 0;
      const col: SqlColumn = {
        name: c.name,
        type: sqlTypeOfEngine(c.type, c.typmod),
        notNull: !!c.notNull || schema.partitionKey.includes(c.name) || schema.clusteringKey.includes(c.name),
        default: c.default,
        hidden,
        attnum: hidden ? 0 : ++attnum,
        index,
      };
      this.byName.set(c.name, col);
      return col;
    });
    this.document = undefined;
    if (isDynamoTable(schema)) {
      const doc: SqlColumn = { name: documentColumnName(schema), type: sqlTypeOfEngine('jsonb', undefined), notNull: false, hidden: false, attnum: ++attnum, index: this.columns.length };
      this.columns.push(doc);
      this.byName.set(doc.name, doc);
      this.document = doc.index;
    }
    this.visible = this.columns.filter((c) => !c.hidden);
    const idx = (n: string): number => this.byName.get(n)!.index;
    this.partitionKey = schema.partitionKey.map(idx);
    this.clusteringKey = schema.clusteringKey.map(idx);
    this.primaryKey = this.meta.pk.map(idx);
    this.hiddenRowId = this.meta.pk.length === 0 && this.byName.has(ROWID_COLUMN) ? idx(ROWID_COLUMN) : undefined;
  }

  column(name: string): SqlColumn | undefined {
    return this.byName.get(name);
  }

  /** Every key column (partition then clustering), as row-layout indexes. */
  get keyColumns(): number[] {
    return [...this.partitionKey, ...this.clusteringKey];
  }

  isKeyColumn(index: number): boolean {
    return this.partitionKey.includes(index) || this.clusteringKey.includes(index);
  }

  get primaryKeyName(): string {
    return this.meta.pkName ?? `${this.name}_pkey`;
  }

  /** OIDs of the objects that belong to the table (pg_class rows). */
  get pkeyIndexOid(): number {
    return this.oid + 1;
  }

  sequenceOid(k: number): number {
    return this.oid + 2 + k;
  }

  indexOid(k: number): number {
    return this.oid + 16 + k;
  }
}

export function readMeta(schema: TableSchema): SqlTableMeta {
  const raw = schema.options.sql as unknown as SqlTableMeta | undefined;
  if (raw && raw.v === 1) return raw;
  // A table another front end created: its engine key is its primary key.
  return {
    v: 1,
    oid: 0,
    pk: [...schema.partitionKey, ...schema.clusteringKey],
    indexes: [],
    sequences: [],
    checks: [],
    reloptions: [],
    dropped: [],
  };
}

export function metaValue(meta: SqlTableMeta): Value {
  return meta as unknown as Value;
}

/** True for engine tables SQL must not show (sequences, shadows, other layers' internals). */
export function isHiddenTable(schema: TableSchema): boolean {
  if (schema.name.startsWith('tessera$')) return true;
  // the DynamoDB API's index tables and transaction log
  if (schema.options.dynamoIndex !== undefined || schema.options.dynamoSystem !== undefined || schema.name.startsWith('dynamo:')) return true;
  const meta = schema.options.sql as unknown as SqlTableMeta | undefined;
  return !!meta?.system;
}

/** Caches SqlTable views per engine schema object. */
export class SqlTableCache {
  private cache = new WeakMap<TableSchema, SqlTable>();

  get(schema: TableSchema): SqlTable {
    let t = this.cache.get(schema);
    if (!t) {
      t = new SqlTable(schema);
      this.cache.set(schema, t);
    }
    return t;
  }
}

/** Splits "schema.table" names; only public and pg_catalog/information_schema exist. */
export function relationName(parts: string[], pos?: number): { schema?: string; name: string } {
  if (parts.length === 1) return { name: parts[0] };
  if (parts.length === 2) return { schema: parts[0], name: parts[1] };
  if (parts.length === 3) return { schema: parts[1], name: parts[2] };
  throw new SqlError(SqlState.syntaxError, `improper qualified name (too many dotted names): ${parts.join('.')}`, { position: pos === undefined ? undefined : pos + 1 });
}

export function engineColumn(name: string, type: ColumnDef['type'], typmod: number, notNull: boolean, def?: string): ColumnDef {
  const c: ColumnDef = { name, type };
  if (typmod >= 0) c.typmod = typmod;
  if (notNull) c.notNull = true;
  if (def !== undefined) c.default = def;
  return c;
}
