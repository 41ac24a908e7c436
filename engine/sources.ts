// The sorted sources of one table (memtables and SSTables) and their merge, shared by
// reads and compaction.

import { mergeRows } from './rows.js';
import type { RowEntry, Timestamp } from './types.js';

/** Anything a table reads from: a memtable or an SSTable. */
export interface Source {
  get(key: string): RowEntry | undefined;
  iterate(from?: string, to?: string, toInclusive?: boolean): Iterator<[string, RowEntry]>;
  /** The same range as `iterate`, in descending key order. */
  iterateReverse(from?: string, to?: string, toInclusive?: boolean): Iterator<[string, RowEntry]>;
  /** False when the source certainly holds nothing of this partition (bloom filter). */
  mayContainPartition(pkey: string): boolean;
  /** Smallest timestamp the source may hold (tombstone purge safety). */
  readonly minTs: Timestamp;
}

/**
 * Merges sorted iterators into one sorted stream; equal keys are merged into one entry.
 * With `descending`, the iterators and the output are in descending key order.
 */
export function* mergeSorted(iterators: Iterator<[string, RowEntry]>[], descending = false): Generator<[string, RowEntry]> {
  const heads: ([string, RowEntry] | undefined)[] = iterators.map((it) => {
    const r = it.next();
    return r.done ? undefined : r.value;
  });
  for (;;) {
    let min: string | undefined;
    for (const h of heads) if (h && (min === undefined || (descending ? h[0] > min : h[0] < min))) min = h[0];
    if (min === undefined) return;
    let row: RowEntry | undefined;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (!h || h[0] !== min) continue;
      row = row ? mergeRows(row, h[1]) : h[1];
      const r = iterators[i].next();
      heads[i] = r.done ? undefined : r.value;
    }
    yield [min, row!];
  }
}
