// The in-memory, sorted write buffer of one table on one shard. Entries are merged on
// write (mergeRows), so a key holds exactly one RowEntry however often it is written.

import btree from 'sorted-btree';
import { estimateBytes, mergeRows } from './rows.js';
import type { Source } from './sources.js';
import type { RowEntry, Timestamp } from './types.js';

// sorted-btree is CommonJS with its class on `exports.default`. Node's ESM loader hands
// the default import the exports object; loaders that honour `__esModule` (vitest/vite)
// hand it the class itself. Accept both.
type BTreeClass = typeof btree.default;
const BTree: BTreeClass = (btree as { default?: BTreeClass }).default ?? (btree as unknown as BTreeClass);
const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class Memtable implements Source {
  private readonly tree = new BTree<string, RowEntry>(undefined, compareKeys);
  /** Approximate heap bytes held, for the flush budget. */
  bytes = 0;
  minTs: Timestamp = Infinity;

  get rows(): number {
    return this.tree.size;
  }

  apply(key: string, row: RowEntry): void {
    const current = this.tree.get(key);
    const merged = current ? mergeRows(current, row) : mergeRows({}, row);
    this.tree.set(key, merged);
    this.bytes += estimateBytes(row) + (current ? 0 : 2 * key.length + 32);
    const ts = minTimestamp(row);
    if (ts < this.minTs) this.minTs = ts;
  }

  get(key: string): RowEntry | undefined {
    return this.tree.get(key);
  }

  mayContainPartition(): boolean {
    return true;
  }

  /** Ascending entries with from <= key, and key < to (or <= with toInclusive). */
  *iterate(from = '', to?: string, toInclusive = false): Generator<[string, RowEntry]> {
    for (const [key, row] of this.tree.entries(from)) {
      if (to !== undefined && (toInclusive ? key > to : key >= to)) return;
      yield [key, row];
    }
  }

  /** Descending entries with from <= key, and key < to (or <= with toInclusive). */
  *iterateReverse(from = '', to?: string, toInclusive = false): Generator<[string, RowEntry]> {
    const it = to === undefined ? this.tree.entriesReversed() : this.tree.entriesReversed(to, undefined, !toInclusive);
    for (const [key, row] of it) {
      if (key < from) return;
      if (to !== undefined && (toInclusive ? key > to : key >= to)) continue;
      yield [key, row];
    }
  }
}

/** Smallest timestamp anywhere in the entry (Infinity for an empty one). */
function minTimestamp(row: RowEntry): Timestamp {
  let ts = Math.min(row.del?.ts ?? Infinity, row.pdel?.ts ?? Infinity, row.marker?.ts ?? Infinity);
  if (row.cells) for (const name in row.cells) ts = Math.min(ts, row.cells[name].ts);
  return ts;
}
