// One item write as it runs on the owning shard, inside a read-modify-write step: read the
// current item, check the condition, compute the new item, and turn the change into engine
// mutations for the table and its indexes. Pure: the caller (procs.ts) supplies the row,
// the timestamp and the catalog, and applies or returns the mutations.
//
// Mutations, all at the step's timestamp `ts` (above everything the row holds):
//   replace (PutItem, or any write to an absent / expired item): row tombstone at ts-1,
//     marker and one cell per non-key attribute at ts;
//   update of a live item: marker, and cells only for the attributes that changed (a
//     tombstone cell for a removed one), so concurrent writers of other attributes survive;
//   delete: row tombstone at ts.
// Index entries follow the same rules on the index tables: an entry whose key changed or
// vanished gets a row tombstone, the new entry is written as a replacement. LSI entries share
// the item's partition key, hence its shard: they are applied with the item, atomically.
// GSI entries live on other shards: they are returned and applied by the front end.
import type { Catalog } from '../engine/catalog.js';
import type { Cell, Mutation, RowEntry, Timestamp, Value, WriterId } from '../engine/types.js';
import { DynamoError, invalidParameter, updatedItemTooLarge, validation } from './errors.js';
import type { Condition, UpdateExpression } from './expressions/ast.js';
import { applyUpdate, selectReturnValues, type ReturnValues, type UpdateResult } from './expressions/apply.js';
import { evaluateCondition } from './expressions/evaluate.js';
import {
  encodeKey,
  indexView,
  isExpired,
  rowToItem,
  tableView,
  type DynamoMeta,
  type IndexMeta,
  type View,
} from './meta.js';
import { ITEM_SIZE_BYTES_MAX, itemSizeBytes, typeOf, valuesEqual, type AttributeValue, type Item } from './values.js';

export type WriteOp =
  | { readonly kind: 'put'; readonly item: Item; readonly condition?: Condition; readonly returnValues: ReturnValues; readonly returnOldOnFail?: boolean }
  | { readonly kind: 'update'; readonly key: Item; readonly update: UpdateExpression; readonly condition?: Condition; readonly returnValues: ReturnValues; readonly returnOldOnFail?: boolean }
  | { readonly kind: 'delete'; readonly condition?: Condition; readonly returnValues: ReturnValues; readonly returnOldOnFail?: boolean }
  | { readonly kind: 'check'; readonly condition: Condition; readonly returnOldOnFail?: boolean }
  /** The TTL sweeper's delete: only while the stored item is still expired. */
  | { readonly kind: 'expire' };

export type FailureCode = 'ConditionalCheckFailed' | 'TransactionConflict' | 'ValidationError' | 'ResourceNotFound';

export type WriteOutcome =
  | {
      readonly ok: true;
      /** ReturnValues selection. */
      readonly attributes?: Item;
      /** Mutations for the owning shard (table and LSIs). */
      readonly local: Mutation[];
      /** GSI mutations for other shards. */
      readonly remote: Mutation[];
      /** Bytes of the item written or deleted (capacity accounting). */
      readonly sizeBytes: number;
    }
  | { readonly ok: false; readonly code: FailureCode; readonly message: string; readonly item?: Item };

export interface WriteContext {
  readonly table: number;
  readonly pkey: string;
  readonly ckey: string;
  readonly ts: Timestamp;
  readonly w: WriterId;
  readonly catalog: Catalog;
  readonly nowSec: number;
}

/** Index key attributes must have the declared type and not be empty. */
export function checkIndexKeys(meta: DynamoMeta | undefined, item: Item): void {
  if (meta === undefined) return;
  for (const index of meta.indexes) {
    for (const k of [index.hash, index.range]) {
      if (k === undefined) continue;
      const a = item[k.name];
      if (a === undefined) continue;
      const t = typeOf(a);
      if (t !== k.type) {
        throw invalidParameter(`Type mismatch for Index Key ${k.name} Expected: ${k.type} Actual: ${t} IndexName: ${index.name}`);
      }
      if (('S' in a && a.S === '') || ('B' in a && a.B.length === 0)) {
        throw validation(
          `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${t === 'S' ? 'string' : 'binary'} value. IndexName: ${index.name}, IndexKey: ${k.name}`,
        );
      }
    }
  }
}

/** Attribute names an index entry holds besides its key columns (undefined: all). */
function projectedNames(meta: DynamoMeta, index: IndexMeta): Set<string> | undefined {
  if (index.projection.type === 'ALL') return undefined;
  const names = new Set<string>(index.projection.type === 'INCLUDE' ? index.projection.include ?? [] : []);
  // The TTL attribute always travels with the entry, so index reads can hide expired items.
  if (meta.ttl?.enabled) names.add(meta.ttl.attribute);
  return names;
}

/** The attributes an index shows for an item, or undefined when the item is not in it (sparse). */
export function indexEntry(meta: DynamoMeta, index: IndexMeta, item: Item | undefined): Item | undefined {
  if (item === undefined) return undefined;
  for (const k of [index.hash, index.range]) {
    if (k === undefined) continue;
    const a = item[k.name];
    if (a === undefined || typeOf(a) !== k.type) return undefined;
  }
  const names = projectedNames(meta, index);
  if (names === undefined) return item;
  const out: Record<string, AttributeValue> = {};
  for (const k of [index.hash, index.range, meta.hash, meta.range]) if (k !== undefined && item[k.name] !== undefined) out[k.name] = item[k.name];
  for (const n of names) if (item[n] !== undefined) out[n] = item[n];
  return out;
}

function cell(ts: Timestamp, w: WriterId, v: Value): Cell {
  return { ts, w, v };
}

function keyNames(view: View): Set<string> {
  return new Set(view.keyColumns.map((k) => k.name));
}

/** A replacement of the row at `key` by `item` (row tombstone just below ts, then the item). */
function replaceRow(view: View, item: Item, physical: boolean, ts: Timestamp, w: WriterId): RowEntry {
  const keys = keyNames(view);
  const cells: Record<string, Cell> = {};
  for (const name of Object.keys(item)) if (!keys.has(name)) cells[name] = cell(ts, w, item[name] as unknown as Value);
  const row: RowEntry = { marker: cell(ts, w, true), cells };
  if (physical) row.del = { ts: ts - 1, w };
  return row;
}

/** Cells for the attributes that differ between two versions of a live item. */
function diffRow(view: View, before: Item, after: Item, ts: Timestamp, w: WriterId): RowEntry {
  const keys = keyNames(view);
  const cells: Record<string, Cell> = {};
  for (const name of Object.keys(before)) {
    if (!keys.has(name) && after[name] === undefined) cells[name] = cell(ts, w, null);
  }
  for (const name of Object.keys(after)) {
    if (keys.has(name)) continue;
    const b = before[name];
    if (b === undefined || !valuesEqual(b, after[name])) cells[name] = cell(ts, w, after[name] as unknown as Value);
  }
  return { marker: cell(ts, w, true), cells };
}

function sameEntry(a: Item | undefined, b: Item | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] !== undefined && valuesEqual(a[k], b[k]));
}

/** Mutations keeping every index of the table in step with one item's change. */
export function indexMutations(
  view: View,
  before: Item | undefined,
  after: Item | undefined,
  ctx: Pick<WriteContext, 'ts' | 'w' | 'catalog'>,
): { local: Mutation[]; remote: Mutation[] } {
  const local: Mutation[] = [];
  const remote: Mutation[] = [];
  const meta = view.meta;
  if (meta === undefined) return { local, remote };
  for (const index of meta.indexes) {
    const iv = indexView(view.base, index, ctx.catalog);
    if (iv === undefined) continue; // being created or dropped
    const out = index.kind === 'local' ? local : remote;
    const oldEntry = indexEntry(meta, index, before);
    const newEntry = indexEntry(meta, index, after);
    if (sameEntry(oldEntry, newEntry)) continue;
    const oldKey = oldEntry && encodeKey(iv, oldEntry, ctx.catalog);
    const newKey = newEntry && encodeKey(iv, newEntry, ctx.catalog);
    if (oldKey && (!newKey || oldKey.pkey !== newKey.pkey || oldKey.ckey !== newKey.ckey)) {
      out.push({ table: iv.schema.id, pkey: oldKey.pkey, ckey: oldKey.ckey, row: { del: { ts: ctx.ts, w: ctx.w } } });
    }
    if (newKey && newEntry) {
      out.push({ table: iv.schema.id, pkey: newKey.pkey, ckey: newKey.ckey, row: replaceRow(iv, newEntry, true, ctx.ts, ctx.w) });
    }
  }
  return { local, remote };
}

function failure(code: FailureCode, message: string, item?: Item): WriteOutcome {
  return item === undefined ? { ok: false, code, message } : { ok: false, code, message, item };
}

/**
 * Runs one write against the current row (`values` undefined: no row). Never throws for a
 * client's mistake: the outcome carries it, because it must cross process boundaries as data.
 */
export function computeWrite(values: Readonly<Record<string, Value>> | undefined, op: WriteOp, ctx: WriteContext): WriteOutcome {
  const base = ctx.catalog.tableById(ctx.table);
  const view = base && tableView(base);
  if (view === undefined || view.meta === undefined) return failure('ResourceNotFound', 'Requested resource not found');
  const physical = values !== undefined;
  const stored = values && rowToItem(values, view);
  const old = isExpired(view.meta, stored, ctx.nowSec) ? undefined : stored;

  if (op.kind === 'expire') {
    if (!physical || old !== undefined) return failure('ConditionalCheckFailed', 'The conditional request failed');
    const idx = indexMutations(view, stored, undefined, ctx);
    return { ok: true, local: [{ table: ctx.table, pkey: ctx.pkey, ckey: ctx.ckey, row: { del: { ts: ctx.ts, w: ctx.w } } }, ...idx.local], remote: idx.remote, sizeBytes: 0 };
  }
  if (op.condition !== undefined && !evaluateCondition(op.condition, old)) {
    return failure('ConditionalCheckFailed', 'The conditional request failed', op.returnOldOnFail ? old : undefined);
  }
  if (op.kind === 'check') return { ok: true, local: [], remote: [], sizeBytes: old ? itemSizeBytes(old) : 0 };

  let next: Item | undefined;
  let update: UpdateResult | undefined;
  try {
    switch (op.kind) {
      case 'put':
        next = op.item;
        break;
      case 'update': {
        update = applyUpdate(op.update, old);
        next = { ...update.item, ...op.key };
        if (itemSizeBytes(next) > ITEM_SIZE_BYTES_MAX) throw updatedItemTooLarge();
        checkIndexKeys(view.meta, next);
        update = { ...update, item: next };
        break;
      }
      case 'delete':
        next = undefined;
        break;
    }
  } catch (e) {
    if (e instanceof DynamoError) return failure('ValidationError', e.message);
    throw e;
  }

  const local: Mutation[] = [];
  const { pkey, ckey } = ctx;
  if (next === undefined) {
    if (physical) local.push({ table: ctx.table, pkey, ckey, row: { del: { ts: ctx.ts, w: ctx.w } } });
  } else if (op.kind === 'update' && old !== undefined) {
    local.push({ table: ctx.table, pkey, ckey, row: diffRow(view, old, next, ctx.ts, ctx.w) });
  } else {
    local.push({ table: ctx.table, pkey, ckey, row: replaceRow(view, next, physical, ctx.ts, ctx.w) });
  }
  // Index entries follow what is stored (an expired item may still have entries).
  const idx = indexMutations(view, stored, next, ctx);
  local.push(...idx.local);
  const attributes = selectReturnValues(op.returnValues, old, update);
  const sizeBytes = Math.max(old ? itemSizeBytes(old) : 0, next ? itemSizeBytes(next) : 0);
  return attributes === undefined
    ? { ok: true, local, remote: idx.remote, sizeBytes }
    : { ok: true, attributes, local, remote: idx.remote, sizeBytes };
}
