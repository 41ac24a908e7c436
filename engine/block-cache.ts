// LRU cache of SSTable data blocks, one per shard, shared by all its readers.
//
// Keyed by (file id, block offset). Its budget is in bytes, counted per block as what it
// costs in memory (blockBytes): its bytes as read (rows still encoded, outside the V8
// heap) plus the heap its decoded keys and its objects take. A block larger than the
// budget is not cached.
//
// Invariants: usedBytes is the sum of the cached blocks' sizes and never exceeds
// capacityBytes after a call returns. Cached blocks are shared between readers and
// callers: nobody may mutate a block.

/**
 * A data block as read from disk: its keys (ascending) decoded, its rows still encoded.
 * Row i is rows[ends[i-1] .. ends[i]) (from 0 for i = 0), decoded on each read of it.
 */
export interface SSTableBlock {
  readonly keys: readonly string[];
  readonly ends: readonly number[];
  readonly rows: Buffer;
}

/** Heap of a cached block besides its keys: its buffer views, ends array and entry (measured: ~1 KiB a 2 KiB block with its keys). */
const BLOCK_HEAP_BYTES = 320;
/** Heap of one decoded key besides its characters (string header and array slot). */
const KEY_HEAP_BYTES = 32;

/** What caching a block read as `length` bytes costs in memory, the cache's unit. */
export function blockBytes(block: SSTableBlock, length: number): number {
  let bytes = length + BLOCK_HEAP_BYTES;
  for (const k of block.keys) bytes += KEY_HEAP_BYTES + k.length;
  return bytes;
}

interface CacheEntry {
  fileId: number;
  offset: number;
  block: SSTableBlock;
  bytes: number;
  /** Neighbours in recency order; `older` of the least recently used is undefined. */
  older: CacheEntry | undefined;
  newer: CacheEntry | undefined;
}

// An intrusive doubly linked list keeps recency: a Map used as an LRU (delete + set on each
// hit, evict from the front) walks over its deleted slots on every eviction, which cost
// 11% of a point read from SSTables in bench/sstable-reads.
export class BlockCache {
  readonly capacityBytes: number;
  private usedBytesNow = 0;
  private count = 0;
  /** fileId -> block offset -> entry; per file so a closed file's blocks go in O(its blocks). */
  private readonly files = new Map<number, Map<number, CacheEntry>>();
  private oldest: CacheEntry | undefined;
  private newest: CacheEntry | undefined;
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
    return this.count;
  }

  get(fileId: number, offset: number): SSTableBlock | undefined {
    const entry = this.files.get(fileId)?.get(offset);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (entry !== this.newest) {
      this.unlink(entry);
      this.link(entry);
    }
    return entry.block;
  }

  /** Whether a block is cached, without counting a hit or a miss or touching its recency. */
  peek(fileId: number, offset: number): boolean {
    return this.files.get(fileId)?.has(offset) ?? false;
  }

  /** Caches a block (replacing any block at the same key) and evicts down to the budget. */
  set(fileId: number, offset: number, block: SSTableBlock, bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`block cache: bad block size ${bytes}`);
    if (!Number.isSafeInteger(fileId) || !Number.isSafeInteger(offset) || offset < 0) {
      throw new Error(`block cache: bad key (${fileId}, ${offset})`);
    }
    const old = this.files.get(fileId)?.get(offset);
    if (old !== undefined) this.remove(old);
    if (bytes > this.capacityBytes) return;
    let blocks = this.files.get(fileId); // after remove(), which drops a file's emptied map
    if (blocks === undefined) this.files.set(fileId, (blocks = new Map()));
    const entry: CacheEntry = { fileId, offset, block, bytes, older: undefined, newer: undefined };
    blocks.set(offset, entry);
    this.link(entry);
    this.count++;
    this.usedBytesNow += bytes;
    while (this.usedBytesNow > this.capacityBytes && this.oldest !== undefined) this.remove(this.oldest);
    if (this.usedBytesNow > this.capacityBytes) throw new Error('block cache: over budget after eviction');
  }

  /** Drops every block of one file (closed, or deleted by compaction). O(the file's cached blocks). */
  evictFile(fileId: number): void {
    const blocks = this.files.get(fileId);
    if (blocks === undefined) return;
    for (const entry of [...blocks.values()]) this.remove(entry);
  }

  clear(): void {
    this.files.clear();
    this.oldest = this.newest = undefined;
    this.count = 0;
    this.usedBytesNow = 0;
  }

  private remove(entry: CacheEntry): void {
    const blocks = this.files.get(entry.fileId)!;
    blocks.delete(entry.offset);
    if (blocks.size === 0) this.files.delete(entry.fileId);
    this.unlink(entry);
    this.count--;
    this.usedBytesNow -= entry.bytes;
  }

  /** Makes `entry` the most recently used. */
  private link(entry: CacheEntry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private unlink(entry: CacheEntry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = entry.newer = undefined;
  }
}
