// The engine's data model (DESIGN.md §1). Everything here is plain data so it can be
// msgpackr-encoded to disk and across processes unchanged.

/**
 * Hybrid logical clock timestamp: (milliseconds since TESSERA_EPOCH_MS) * 4096 + logical
 * counter. A single float64 holds it exactly until ~2054 (2^52 / 4096 ms after 2020).
 */
export type Timestamp = number;

/** Writer id: (nodeId << 10) | shard. Breaks timestamp ties so every replica orders writes alike. */
export type WriterId = number;

/** A stored value. `null` is a tombstone (SQL NULL, Dynamo REMOVE). */
export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Value[]
  | { [key: string]: Value };

/** One version of one column. `v === null` is a cell tombstone. */
export interface Cell {
  ts: Timestamp;
  w: WriterId;
  v: Value;
  /** Expiry, wall-clock ms since the Unix epoch; past it the cell reads as a tombstone. */
  exp?: number;
}

/** A deletion's version; shadows every cell and marker with `ts <= del.ts`. */
export interface Deletion {
  ts: Timestamp;
  w: WriterId;
}

/**
 * All versions the engine holds for one key. The same shape is a mutation (what a write
 * merges in) and a stored row (the merge of everything written), so applying a mutation
 * is `mergeRows(stored, mutation)`.
 */
export interface RowEntry {
  /** Row marker: keeps a row alive with no live regular cell (INSERT of all NULLs). v is `true`. */
  marker?: Cell;
  /** Row tombstone. */
  del?: Deletion;
  /** Partition tombstone; only on the partition-level entry (clustering key ''). */
  pdel?: Deletion;
  /** Regular cells by column (SQL) or attribute (Dynamo) name. */
  cells?: Record<string, Cell>;
}

/** A write to one row, addressed by encoded keys (see keys.ts). */
export interface Mutation {
  table: number;
  /** Encoded partition key: 8-byte token + partition key tuple (latin1 string). */
  pkey: string;
  /** Encoded clustering key tuple ('' for the partition-level entry or a table without one). */
  ckey: string;
  row: RowEntry;
}

/** Engine-level key kinds: how a key column is encoded so byte order equals value order. */
export type KeyKind = 'int' | 'float' | 'decimal' | 'text' | 'bytes' | 'bool' | 'uuid';

export type ColumnType =
  | 'int2' | 'int4' | 'int8' | 'float4' | 'float8' | 'numeric'
  | 'text' | 'varchar' | 'char' | 'bool' | 'bytea'
  | 'date' | 'timestamp' | 'timestamptz' | 'uuid' | 'json' | 'jsonb'
  /** Schemaless document attribute (Dynamo non-key attributes). */
  | 'any';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** varchar(n)/char(n) length, numeric precision; layer-defined. */
  typmod?: number;
  notNull?: boolean;
  /** Opaque to the engine: the SQL layer stores its DEFAULT expression here. */
  default?: string;
}

export interface TableSchema {
  /** Unique for the life of the data directory; a re-created table gets a new id. */
  id: number;
  name: string;
  columns: ColumnDef[];
  partitionKey: string[];
  clusteringKey: string[];
  /** Per clustering column; default all 'asc'. */
  clusteringOrder?: ('asc' | 'desc')[];
  /** Engine options (gc_grace_seconds, default_ttl) and layer metadata (dynamo, cdc, ...). */
  options: Record<string, Value>;
}

/** A row as readers see it: shadowing and expiry applied, key columns decoded. */
export interface LiveRow {
  pkey: string;
  ckey: string;
  values: Record<string, Value>;
  /** Greatest timestamp among the live data read (for read-modify-write ordering). */
  maxTs: Timestamp;
}
