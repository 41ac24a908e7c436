// LRU cache of decoded SSTable data blocks, one per shard, shared by all its readers.
//
// Keyed by (file id, block offset). Its budget is in bytes, counted as each block's encoded
// length on disk: a cheap, stable proxy for the decoded size (which is a few times larger,
// so size the budget with that in mind). A block larger than the whole budget is not cached.
//
// Invariants: usedBytes is the sum of the cached blocks' sizes and never exceeds
// capacityBytes after a call returns. Cached blocks are shared between readers and
// callers: nobody may mutate a block or the RowEntry objects in it.
import type { RowEntry } from './types.js';

/** A decoded data block: its [key, entry] rows in ascending key order. */
export type SSTableBlock = ReadonlyArray<readonly [string, RowEntry]>;

interface CacheEntry {
  fileId: number;
  block: SSTableBlock;
  bytes: number;
}

export class BlockCache {
  readonly capacityBytes: number;
  private usedBytesNow = 0;
  /** Insertion order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<string, CacheEntry>();
  hits = 0;
  misses = 0;

  constructor(capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
      throw new Error(`block cache: capacityBytes must be a non-negative integer, got ${capacityBytes}`);
    }
    this.capacityBytes = capacityBytes;
  }

  get usedBytes(): number {
    return this.usedBytesNow;
  }

  /** Number of cached blocks. */
  get size(): number {
    return this.entries.size;
  }

  get(fileId: number, offset: number): SSTableBlock | undefined {
    const key = cacheKey(fileId, offset);
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.block;
  }

  /** Caches a block (replacing any block at the same key) and evicts down to the budget. */
  set(fileId: number, offset: number, block: SSTableBlock, bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`block cache: bad block size ${bytes}`);
    const key = cacheKey(fileId, offset);
    this.remove(key);
    if (bytes > this.capacityBytes) return;
    this.entries.set(key, { fileId, block, bytes });
    this.usedBytesNow += bytes;
    for (const [oldest] of this.entries) {
      if (this.usedBytesNow <= this.capacityBytes) break;
      this.remove(oldest);
    }
    if (this.usedBytesNow > this.capacityBytes) throw new Error('block cache: over budget after eviction');
  }

  /** Drops every block of one file (closed, or deleted by compaction). O(cached blocks). */
  evictFile(fileId: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.fileId === fileId) this.remove(key);
    }
  }

  clear(): void {
    this.entries.clear();
    this.usedBytesNow = 0;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.usedBytesNow -= entry.bytes;
  }
}

function cacheKey(fileId: number, offset: number): string {
  if (!Number.isSafeInteger(fileId) || !Number.isSafeInteger(offset) || offset < 0) {
    throw new Error(`block cache: bad key (${fileId}, ${offset})`);
  }
  return `${fileId}:${offset}`;
}
