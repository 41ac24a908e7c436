// Size-tiered compaction (DESIGN.md §1): choose SSTables of similar size and rewrite them
// as one, dropping shadowed data, expired cells and tombstones past their grace period.
// Both functions are pure; the shard runs the I/O.

import { mergeDeletion, shadows } from './rows.js';
import type { Cell, Deletion, RowEntry, Timestamp } from './types.js';

export interface SizeTieredOptions {
  minThreshold: number;
  maxThreshold: number;
  bucketLow: number;
  bucketHigh: number;
  /** Files smaller than this all share one bucket. */
  minSSTableBytes: number;
}

export const defaultSizeTiered: SizeTieredOptions = {
  minThreshold: 4,
  maxThreshold: 32,
  bucketLow: 0.5,
  bucketHigh: 1.5,
  minSSTableBytes: 50 * 1024 * 1024,
};

/** Indices (into `sizes`) of the SSTables to compact together, or undefined. */
export function pickSizeTiered(sizes: readonly number[], opts: SizeTieredOptions = defaultSizeTiered): number[] | undefined {
  const order = sizes.map((bytes, i) => ({ bytes, i })).sort((a, b) => a.bytes - b.bytes);
  const buckets: { avg: number; members: { bytes: number; i: number }[] }[] = [];
  for (const t of order) {
    const bucket = buckets.find((b) =>
      (t.bytes >= b.avg * opts.bucketLow && t.bytes <= b.avg * opts.bucketHigh) ||
      (t.bytes < opts.minSSTableBytes && b.avg < opts.minSSTableBytes));
    if (bucket) {
      bucket.members.push(t);
      bucket.avg = bucket.members.reduce((n, m) => n + m.bytes, 0) / bucket.members.length;
    } else {
      buckets.push({ avg: t.bytes, members: [t] });
    }
  }
  const ready = buckets.filter((b) => b.members.length >= opts.minThreshold);
  if (ready.length === 0) return undefined;
  // Most files first (largest read-amplification win), then the cheapest to rewrite.
  ready.sort((a, b) => b.members.length - a.members.length || a.avg - b.avg);
  return ready[0].members.slice(0, opts.maxThreshold).map((m) => m.i);
}

function expire(c: Cell, nowMs: number): Cell {
  return c.exp !== undefined && c.exp <= nowMs ? { ts: c.ts, w: c.w, v: null } : c;
}

/**
 * One merged entry as it is rewritten: expired cells become tombstones, data shadowed by
 * the row or partition tombstone goes, and tombstones older than `purgeBefore` are
 * dropped. `purgeBefore` must be below every timestamp in the sources not being
 * compacted and below now - gc grace, so nothing a dropped tombstone shadowed can
 * reappear. Returns undefined when nothing is left.
 */
export function compactEntry(row: RowEntry, partitionDel: Deletion | undefined, nowMs: number, purgeBefore: Timestamp): RowEntry | undefined {
  const del = mergeDeletion(row.del, mergeDeletion(row.pdel, partitionDel));
  const result: RowEntry = {};
  if (row.pdel && row.pdel.ts >= purgeBefore) result.pdel = row.pdel;
  if (row.del && row.del.ts >= purgeBefore) result.del = row.del;
  const keep = (cell: Cell): Cell | undefined => {
    if (shadows(del, cell.ts)) return undefined;
    const c = expire(cell, nowMs);
    return c.v === null && c.ts < purgeBefore ? undefined : c;
  };
  const marker = row.marker && keep(row.marker);
  if (marker) result.marker = marker;
  if (row.cells) {
    for (const name in row.cells) {
      const c = keep(row.cells[name]);
      if (c) (result.cells ??= {})[name] = c;
    }
  }
  return result.pdel || result.del || result.marker || result.cells ? result : undefined;
}
