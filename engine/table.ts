// One table's LSM tree on one shard: the active memtable, memtables being flushed, and
// SSTables, newest first. Point reads and range scans merge all of them by timestamp.

import type { KeyCodec } from './keys.js';
import { Memtable } from './memtable.js';
import { mergeDeletion, mergeRows } from './rows.js';
import { mergeSorted, type Source } from './sources.js';
import type { SSTableReader } from './sstable.js';
import type { Deletion, RowEntry, TableSchema } from './types.js';

/** A merged entry of a scan with the tombstone of its partition. */
export interface ScannedEntry {
  key: string;
  pkeyLength: number;
  row: RowEntry;
  partitionDel: Deletion | undefined;
}

export class TableStore {
  active = new Memtable();
  /** Frozen memtables being written to SSTables, newest first. */
  frozen: Memtable[] = [];
  /** Newest first. */
  sstables: SSTableReader[] = [];
  readonly hasClustering: boolean;

  constructor(public schema: TableSchema, public codec: KeyCodec, readonly dir: string) {
    this.hasClustering = schema.clusteringKey.length > 0;
  }

  private sources(): Source[] {
    return [this.active, ...this.frozen, ...this.sstables];
  }

  get memtableBytes(): number {
    return this.active.bytes + this.frozen.reduce((n, m) => n + m.bytes, 0);
  }

  apply(key: string, row: RowEntry): void {
    this.active.apply(key, row);
  }

  /** Merged entry at exactly `key`, and how many SSTables were read for it. */
  private readKey(key: string, pkey: string): { row: RowEntry | undefined; sstablesRead: number } {
    // The hottest loop of a point read: no array of sources, no closure.
    let row = this.active.get(key);
    for (const m of this.frozen) {
      const r = m.get(key);
      if (r) row = row ? mergeRows(row, r) : r;
    }
    let sstablesRead = 0;
    for (const s of this.sstables) {
      if (!s.mayContainPartition(pkey)) continue;
      sstablesRead++;
      const r = s.get(key);
      if (r) row = row ? mergeRows(row, r) : r;
    }
    return { row, sstablesRead };
  }

  /** The row at (pkey, ckey) merged with its partition's tombstone. */
  read(pkey: string, ckey: string): { row: RowEntry | undefined; partitionDel: Deletion | undefined; sstablesRead: number } {
    const r = this.readKey(pkey + ckey, pkey);
    if (ckey === '' || !this.hasClustering) return { row: r.row, partitionDel: r.row?.pdel, sstablesRead: r.sstablesRead };
    const p = this.readKey(pkey, pkey);
    return { row: r.row, partitionDel: p.row?.pdel, sstablesRead: Math.max(r.sstablesRead, p.sstablesRead) };
  }

  /**
   * Merged entries with from <= key < to (<= with toInclusive), each with the tombstone
   * of its partition. Synchronous: a shard serves a page without yielding.
   */
  *scan(from = '', to?: string, toInclusive = false): Generator<ScannedEntry> {
    const iterators = this.sources().map((s) => s.iterate(from, to, toInclusive));
    let currentPkey: string | undefined;
    let currentDel: Deletion | undefined;
    for (const [key, row] of mergeSorted(iterators)) {
      const pkeyLength = this.codec.pkeyLength(key);
      const pkey = pkeyLength === key.length ? key : key.slice(0, pkeyLength);
      if (pkey !== currentPkey) {
        currentPkey = pkey;
        // The partition-level entry sorts first in its partition; when the scan began
        // inside the partition it was not visited, so look it up.
        currentDel = this.hasClustering && pkey < from ? this.read(pkey, '').partitionDel : undefined;
      }
      if (key === pkey) currentDel = mergeDeletion(currentDel, row.pdel);
      yield { key, pkeyLength, row, partitionDel: currentDel };
    }
  }

  /**
   * The entries of `scan(from, to, toInclusive)` in descending key order. A partition's
   * own entry sorts before its rows, so its tombstone is looked up when the partition starts.
   */
  *scanReverse(from = '', to?: string, toInclusive = false): Generator<ScannedEntry> {
    const iterators = this.sources().map((s) => s.iterateReverse(from, to, toInclusive));
    let currentPkey: string | undefined;
    let currentDel: Deletion | undefined;
    for (const [key, row] of mergeSorted(iterators, true)) {
      const pkeyLength = this.codec.pkeyLength(key);
      const pkey = pkeyLength === key.length ? key : key.slice(0, pkeyLength);
      if (pkey !== currentPkey) {
        currentPkey = pkey;
        currentDel = this.hasClustering && key !== pkey ? this.read(pkey, '').partitionDel : undefined;
      }
      if (key === pkey) currentDel = mergeDeletion(currentDel, row.pdel);
      yield { key, pkeyLength, row, partitionDel: currentDel };
    }
  }
}
