// Secondary indexes (CREATE INDEX), shard-local (docs/architecture.md "Secondary indexes").
//
// Every index entry lives in the engine table `tessera$index`, on the shard that owns
// the base row, in that shard's bucket partition (engine/local-index.ts):
//
//   partition key  b  the shard's bucket (int)
//   clustering key t  base table id, i  index id, k  entry key (bytes)
//   cells          p, c  the base row's encoded pkey and ckey
//
//   k = for each index column: 0x00 + order-preserving encoding of the value (engine/keys.ts)
//                              or 0x01 for NULL (NULLs sort after every value: NULLS LAST)
//       + the base row's full key (pkey + ckey), which makes k unique per row.
//
// Entries are written by the engine's derive hook (`sql.index`) on the owning shard, in
// the same synchronous step and the same commit-log record as the base row change, for
// every write path alike (INSERT, UPDATE, deltas, DELETE, COPY, COMMIT, batch-log replay).
// An index read re-derives the entry from the base row it fetched and drops the entry if
// they differ (`sql.indexCheck`), so an entry left stale (e.g. by a backfill racing a
// write) can never produce a wrong or duplicate row. Entries of dropped indexes and
// tables are deleted by `purgeIndexEntries`; until then they are unreachable garbage.

import type { Catalog } from '../engine/catalog.js';
import type { Engine } from '../engine/engine.js';
import { encodeTuple, keyKindOf, KeyError, PREFIX_END } from '../engine/keys.js';
import { bucketPkey, shardBucket } from '../engine/local-index.js';
import type { DeriveProc, ProcRegistry, RowChange } from '../engine/procs.js';
import type { KeyKind, LiveRow, Mutation, TableSchema, Value } from '../engine/types.js';
import { readMeta, type SqlIndexMeta } from './schema.js';
import { ApplyPipeline } from './writes.js';

export const INDEX_TABLE = 'tessera$index';
export const PROC_INDEX = { derive: 'sql.index', check: 'sql.indexCheck' } as const;
/** Entries read per index page and shard. */
export const INDEX_PAGE_ROWS = 1000;
/** Entries written per batch by a backfill or a purge. */
const BATCH_ENTRIES = 500;

export const INDEX_TABLE_DEF = {
  name: INDEX_TABLE,
  columns: [
    { name: 'b', type: 'int8' as const }, { name: 't', type: 'int8' as const }, { name: 'i', type: 'int8' as const },
    { name: 'k', type: 'bytea' as const }, { name: 'p', type: 'text' as const }, { name: 'c', type: 'text' as const },
  ],
  partitionKey: ['b'],
  clusteringKey: ['t', 'i', 'k'],
  options: { sql: { v: 1, oid: 0, pk: ['b', 't', 'i', 'k'], indexes: [], sequences: [], checks: [], reloptions: [], dropped: [], system: true } },
};

/** [column name, key kind] per index column. */
export type IndexColSpec = [string, KeyKind];

/** Index columns of a maintained index; undefined when a column cannot be indexed. */
export function indexColSpecs(schema: TableSchema, columns: readonly string[]): IndexColSpec[] | undefined {
  try {
    return columns.map((n) => {
      const c = schema.columns.find((x) => x.name === n);
      if (!c) throw new KeyError(`no column ${n}`);
      return [n, keyKindOf(c.type)];
    });
  } catch (e) {
    if (e instanceof KeyError) return undefined;
    throw e;
  }
}

/**
 * The encoding of one index column value inside k, marker byte included. Never throws: the
 * derive hook runs inside a shard's apply step. A stored value of the wrong type (another
 * front end wrote it) gets marker 0x02 and its text, after the NULLs, where no range or
 * equality bound of the right type reaches.
 */
export function encodeIndexValue(v: Value, kind: KeyKind): string {
  if (v === null || v === undefined) return '\x01';
  try {
    return '\x00' + encodeTuple([v], [kind]);
  } catch (e) {
    if (!(e instanceof KeyError)) throw e;
    return '\x02' + Buffer.from(JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) ?? '', 'utf8').toString('latin1').replace(/\x00/g, '') + '\x00';
  }
}

/** A bound's encoding: a value of the wrong type for the column cannot be a key (KeyError). */
export function encodeIndexBound(v: Value, kind: KeyKind): string {
  return '\x00' + encodeTuple([v], [kind]);
}

/** Escapes raw bytes as the engine's bytes key encoding does, without its terminator. */
export function escapeRaw(raw: string): string {
  return raw.includes('\x00') ? raw.replace(/\x00/g, '\x00\xff') : raw;
}

/** Encoded clustering-key prefix of one index's entries (t, i). */
export function indexPrefix(tableId: number, indexId: number): string {
  return encodeTuple([tableId, indexId], ['int', 'int']);
}

/** The entry's clustering key for a base row (values include the key columns). */
export function entryCkey(tableId: number, indexId: number, cols: readonly IndexColSpec[], values: Record<string, Value>, baseKey: string): string {
  let raw = '';
  for (const [name, kind] of cols) raw += encodeIndexValue(values[name] ?? null, kind);
  return indexPrefix(tableId, indexId) + escapeRaw(raw + baseKey) + '\x00\x00';
}

interface MaintainedIndex {
  id: number;
  cols: IndexColSpec[];
}

const maintainedCache = new WeakMap<TableSchema, MaintainedIndex[]>();

/** Indexes of a table that have entries (created with an id by this version). */
export function maintainedIndexes(schema: TableSchema): MaintainedIndex[] {
  let list = maintainedCache.get(schema);
  if (!list) {
    const meta = schema.options.sql === undefined ? undefined : readMeta(schema);
    list = [];
    for (const ix of meta?.indexes ?? []) {
      if (ix.id === undefined) continue;
      const cols = indexColSpecs(schema, ix.columns);
      if (cols) list.push({ id: ix.id, cols });
    }
    maintainedCache.set(schema, list);
  }
  return list;
}

const indexTableIds = new WeakMap<Catalog, { version: number; id: number | undefined }>();

function indexTableId(catalog: Catalog): number | undefined {
  const cached = indexTableIds.get(catalog);
  if (cached && cached.version === catalog.version) return cached.id;
  const id = catalog.table(INDEX_TABLE)?.id;
  indexTableIds.set(catalog, { version: catalog.version, id });
  return id;
}

/** The entry mutations of one base row change (deletes of entries that no longer hold, inserts of new ones). */
export function entryMutations(change: RowChange, indexTable: number): Mutation[] {
  const out: Mutation[] = [];
  const pkey = bucketPkey(shardBucket(change.shard, change.shards));
  const baseKey = change.pkey + change.ckey;
  const { ts, w } = change;
  for (const ix of maintainedIndexes(change.table)) {
    const before = change.before && entryCkey(change.table.id, ix.id, ix.cols, change.before.values, baseKey);
    const after = change.after && entryCkey(change.table.id, ix.id, ix.cols, change.after.values, baseKey);
    if (before === after) continue;
    if (before !== undefined) out.push({ table: indexTable, pkey, ckey: before, row: { del: { ts, w } } });
    if (after !== undefined) out.push(entryInsert(indexTable, pkey, after, change.pkey, change.ckey, ts, w));
  }
  return out;
}

function entryInsert(indexTable: number, pkey: string, ckey: string, basePkey: string, baseCkey: string, ts: number, w: number): Mutation {
  return { table: indexTable, pkey, ckey, row: { marker: { ts, w, v: true }, cells: { p: { ts, w, v: basePkey }, c: { ts, w, v: baseCkey } } } };
}

const deriveIndexes: DeriveProc = {
  applies: (table) => table.name !== INDEX_TABLE && maintainedIndexes(table).length > 0,
  derive: (change) => {
    const id = indexTableId(change.catalog);
    if (id === undefined) throw new Error(`assertion failed: table ${change.table.name} has indexes but ${INDEX_TABLE} does not exist`);
    return entryMutations(change, id);
  },
};

export interface IndexCheckArgs {
  table: number;
  index: number;
  cols: IndexColSpec[];
  /** The pushed-down filter (sql.filter's arguments), re-checked on the base row. */
  filter?: unknown;
}

/** Registers the derive hook and the index read check; part of registerSqlProcs. */
export function registerIndexProcs(procs: ProcRegistry, filterProc: string): ProcRegistry {
  return procs.registerDerive(deriveIndexes).registerIndexCheck(PROC_INDEX.check, (entry: LiveRow, base: LiveRow, raw) => {
    const a = raw as IndexCheckArgs;
    if (entry.ckey !== entryCkey(a.table, a.index, a.cols, base.values, base.pkey + base.ckey)) return false;
    return a.filter === undefined || procs.filter(filterProc)(base, a.filter);
  });
}

// ---- DDL support ----

/** Creates the entries table once (idempotent). */
export async function ensureIndexTable(engine: Engine): Promise<void> {
  if (engine.catalog.table(INDEX_TABLE)) return;
  await engine.ddl({ kind: 'create', table: INDEX_TABLE_DEF, ifNotExists: true });
}

/**
 * Writes the entries of every row already in the table (CREATE INDEX on a populated
 * table). Writes that race the backfill maintain their entries themselves (the shards
 * already have the index in their catalog); an entry the backfill writes from an older
 * version of a row is stale and dropped by every read's check.
 */
export async function backfillIndex(engine: Engine, schema: TableSchema, index: SqlIndexMeta): Promise<void> {
  const cols = index.id === undefined ? undefined : indexColSpecs(schema, index.columns);
  const indexTable = engine.catalog.table(INDEX_TABLE)?.id;
  if (!cols || indexTable === undefined) return;
  const pipe = new ApplyPipeline(engine);
  const n = engine.shardCount;
  let batch: Mutation[] = [];
  for await (const row of engine.scan({ table: schema.id })) {
    const shard = engine.shardOf(row.pkey);
    const ckey = entryCkey(schema.id, index.id!, cols, row.values, row.pkey + row.ckey);
    batch.push(entryInsert(indexTable, bucketPkey(shardBucket(shard, n)), ckey, row.pkey, row.ckey, engine.now(), engine.writerId));
    if (batch.length >= BATCH_ENTRIES) {
      await pipe.write(batch);
      batch = [];
    }
  }
  await pipe.write(batch);
  await pipe.flush();
}

/** Deletes the entries of one index (or of every index of a table): after DROP INDEX/TABLE/COLUMN, TRUNCATE. */
export async function purgeIndexEntries(engine: Engine, tableId: number, indexId?: number): Promise<void> {
  const indexTable = engine.catalog.table(INDEX_TABLE)?.id;
  if (indexTable === undefined) return;
  const prefix = indexId === undefined ? encodeTuple([tableId], ['int']) : indexPrefix(tableId, indexId);
  const n = engine.shardCount;
  const pipe = new ApplyPipeline(engine);
  for (let s = 0; s < n; s++) {
    const pkey = bucketPkey(shardBucket(s, n));
    let from: string | undefined = pkey + prefix;
    const to = pkey + prefix + PREFIX_END;
    while (from !== undefined) {
      const page = await engine.scanPage({ table: indexTable, from, to, limit: BATCH_ENTRIES });
      const ts = engine.now();
      await pipe.write(page.rows.map((r) => ({ table: indexTable, pkey: r.pkey, ckey: r.ckey, row: { del: { ts, w: engine.writerId } } })));
      from = page.next;
    }
  }
  await pipe.flush();
}
