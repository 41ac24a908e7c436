// Cell and row merge (DESIGN.md §1 "Timestamps"): last-write-wins per cell by
// (timestamp, writer), tombstones winning ties. Every comparison here is a total order,
// so merge = max is commutative, associative and idempotent: the foundation for
// replication, repair and replay. Tests: test/engine/rows.test.ts (fast-check).

import { encode } from './codec.js';
import type { Cell, Deletion, LiveRow, RowEntry, Timestamp, Value } from './types.js';

function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  return Buffer.compare(encode(a), encode(b));
}

/** Total order on cell versions; the greater one wins a merge. */
export function compareCells(a: Cell, b: Cell): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  if (a.w !== b.w) return a.w < b.w ? -1 : 1;
  const aTomb = a.v === null, bTomb = b.v === null;
  if (aTomb !== bTomb) return aTomb ? 1 : -1;
  const aExp = a.exp ?? Infinity, bExp = b.exp ?? Infinity;
  if (aExp !== bExp) return aExp < bExp ? -1 : 1;
  return compareValues(a.v, b.v);
}

export function mergeCell(a: Cell | undefined, b: Cell | undefined): Cell | undefined {
  if (!a) return b;
  if (!b) return a;
  return compareCells(a, b) >= 0 ? a : b;
}

export function mergeDeletion(a: Deletion | undefined, b: Deletion | undefined): Deletion | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.ts !== b.ts) return a.ts > b.ts ? a : b;
  return a.w >= b.w ? a : b;
}

/** True when a deletion shadows data written at `ts` (deletions win ties). */
export function shadows(del: Deletion | undefined, ts: Timestamp): boolean {
  return del !== undefined && ts <= del.ts;
}

/**
 * Merges two versions of a row. Cells shadowed by the merged row tombstone are dropped:
 * that keeps memory bounded and changes no read, and since a tombstone only grows under
 * merge, dropping early or late gives the same state.
 */
export function mergeRows(a: RowEntry, b: RowEntry): RowEntry {
  const del = mergeDeletion(a.del, b.del);
  const pdel = mergeDeletion(a.pdel, b.pdel);
  const out: RowEntry = {};
  if (del) out.del = del;
  if (pdel) out.pdel = pdel;
  const marker = mergeCell(a.marker, b.marker);
  if (marker && !shadows(del, marker.ts)) out.marker = marker;
  if (a.cells || b.cells) {
    const cells: Record<string, Cell> = {};
    let any = false;
    for (const src of [a.cells, b.cells]) {
      if (!src) continue;
      for (const name in src) {
        const c = mergeCell(cells[name], src[name])!;
        if (shadows(del, c.ts)) continue;
        cells[name] = c;
        any = true;
      }
    }
    if (any) out.cells = cells;
  }
  return out;
}

export function isLiveCell(c: Cell | undefined, nowMs: number): c is Cell {
  return c !== undefined && c.v !== null && (c.exp === undefined || c.exp > nowMs);
}

/** Greatest timestamp anywhere in the entry (0 for an empty one). */
export function maxTimestamp(row: RowEntry): Timestamp {
  let ts = Math.max(row.del?.ts ?? 0, row.pdel?.ts ?? 0, row.marker?.ts ?? 0);
  if (row.cells) for (const name in row.cells) ts = Math.max(ts, row.cells[name].ts);
  return ts;
}

/**
 * What a reader sees of a row: live cells not shadowed by the row's or its partition's
 * tombstone and not expired. A row exists while its marker or any cell is live.
 * Returns the live values (key columns are added by the caller) or undefined.
 */
export function liveValues(row: RowEntry, partitionDel: Deletion | undefined, nowMs: number): Record<string, Value> | undefined {
  const del = mergeDeletion(row.del, partitionDel);
  let live = isLiveCell(row.marker, nowMs) && !shadows(del, row.marker.ts);
  const values: Record<string, Value> = {};
  if (row.cells) {
    for (const name in row.cells) {
      const c = row.cells[name];
      if (isLiveCell(c, nowMs) && !shadows(del, c.ts)) {
        values[name] = c.v;
        live = true;
      }
    }
  }
  return live ? values : undefined;
}

export function toLiveRow(pkey: string, ckey: string, values: Record<string, Value>, maxTs: Timestamp): LiveRow {
  return { pkey, ckey, values, maxTs };
}

/** Rough in-memory size of an entry, for memtable budgets. */
export function estimateBytes(row: RowEntry): number {
  let n = 64;
  if (row.cells) {
    for (const name in row.cells) n += 48 + name.length + valueBytes(row.cells[name].v);
  }
  return n;
}

function valueBytes(v: Value): number {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return 8;
  if (typeof v === 'string') return v.length;
  if (v instanceof Uint8Array) return v.length;
  if (Array.isArray(v)) return v.reduce<number>((n, x) => n + 8 + valueBytes(x), 16);
  let n = 16;
  for (const k in v) n += k.length + 8 + valueBytes(v[k]);
  return n;
}
