// SSTable: an immutable, sorted file of rows (DESIGN.md §1, "Storage per shard").
//
// Glossary
//   row key    partition string + clustering string (latin1: one char is one byte, so JS
//              string order is byte order). Keys in a file are strictly ascending.
//   block      a run of consecutive rows, about blockSizeBytes encoded, read and cached whole.
//   index      one entry per block, [firstKey, offset, length]; the reader holds it in
//              memory and binary-searches it (a sparse index).
//   bloom      a filter over the file's partition strings (bloom.ts).
//
// On-disk format, version 2. All integers are unsigned big-endian; crc is zlib.crc32
// (CRC-32/ISO-HDLC); encode() is engine/codec.ts (msgpackr), so codec options are part of
// this format.
//
//   file    := block* metaBlock trailer
//   block   := u32 payloadLength, u32 crc(payload), payload
//              payload = u32 headerLength, header, row*
//              header  = encode([keys, ends])   keys ascending; ends[i] = end offset of
//                        row i in the row area (the bytes after the header)
//              row     = encodeRow(entry)       row-codec.ts; each row decodes on its own,
//                        so a point read decodes one row, not the block (version 1
//                        encoded the block's rows as one value)
//   meta    := encode({ meta, index, bloom })             no header: see the trailer
//              meta  = SSTableMeta without `bytes` (a reader takes that from the file size)
//              index = [[firstKey, offset, length], ...]  offset of the block's header,
//                      length of header + payload; blocks are contiguous from offset 0
//              bloom = { bitCount, hashCount, bits }      bloom.ts serialised form
//   trailer := u32 metaOffsetHi, u32 metaOffsetLo, u32 metaLength, u32 crc(meta),
//              magic "TSST" (54 53 53 54)                 20 bytes, at the very end
//
// metaOffset + metaLength + 20 equals the file size; a reader checks it, the trailer
// magic and the meta crc on open, and each block's length and crc when it reads it.
//
// Writing: rows are buffered into blocks and the file is written by async writes of about
// WRITE_CHUNK_BYTES to `path + '.tmp'`; finish() fsyncs it, renames it to `path` and
// fsyncs the directory, so `path` either does not exist or is complete.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as nodePath from 'node:path';
import { crc32 } from 'node:zlib';
import { BlockCache, blockBytes, type SSTableBlock } from './block-cache.js';
import { BloomFilter, type BloomParams } from './bloom.js';
import { decode, encode } from './codec.js';
import { decodeRow, decodeRows, encodeRow } from './row-codec.js';
import type { Cell, Deletion, RowEntry, Timestamp, Value } from './types.js';

export const SSTABLE_FORMAT_VERSION = 2;
// A point read that misses the block cache reads and checksums a whole block: 2 KiB keeps
// that cheap (bench/sstable-reads) while the sparse index stays small (one key per block).
export const SSTABLE_BLOCK_SIZE_BYTES_DEFAULT = 2 * 1024;
const MAGIC = 0x54535354; // "TSST"
const TRAILER_BYTES = 20;
const BLOCK_HEADER_BYTES = 8;
const U32_LIMIT = 2 ** 32;
/** Size of each async write. */
const WRITE_CHUNK_BYTES = 1024 * 1024;
/** Bytes buffered or in flight above which `needsDrain` asks the caller to await drain(). */
const WRITE_PENDING_BYTES_MAX = 8 * 1024 * 1024;
const BLOCK_SIZE_BYTES_MIN = 256;
const BLOCK_SIZE_BYTES_MAX = 16 * 1024 * 1024;

/** The file is damaged or not an SSTable: an operating condition, not a bug. */
export class SSTableCorruption extends Error {
  readonly path: string;
  readonly offset?: number;

  constructor(path: string, message: string, offset?: number) {
    super(`${path}: ${message}${offset === undefined ? '' : ` at offset ${offset}`}`);
    this.name = 'SSTableCorruption';
    this.path = path;
    this.offset = offset;
  }
}

export interface SSTableMeta {
  formatVersion: 2;
  rows: number;
  blocks: number;
  /** First and last row keys; '' when rows is 0. */
  firstKey: string;
  lastKey: string;
  /** Least and greatest timestamp of any marker, deletion or cell; 0 when there is none. */
  minTs: Timestamp;
  maxTs: Timestamp;
  /** Greatest timestamp of a row, partition or cell tombstone; null when there is none. */
  maxDeletionTs: Timestamp | null;
  /** Number of row tombstones + partition tombstones + cell tombstones (`v === null`). */
  tombstones: number;
  /** File size. */
  bytes: number;
}

type StoredMeta = Omit<SSTableMeta, 'bytes'>;
type IndexEntry = [firstKey: string, offset: number, length: number];
interface StoredBloom extends BloomParams {
  bits: Uint8Array;
}
interface MetaBlock {
  meta: StoredMeta;
  index: IndexEntry[];
  bloom: StoredBloom;
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`sstable: ${message}`);
}

// ---------------------------------------------------------------------------------------
// Writer

type WriterState = 'open' | 'finishing' | 'finished' | 'failed' | 'aborted';

export interface SSTableWriterOptions {
  /** Sizes the bloom filter; an overestimate costs space, an underestimate false positives. */
  expectedPartitions: number;
  blockSizeBytes?: number;
}

export class SSTableWriter {
  readonly path: string;
  readonly tmpPath: string;
  private state: WriterState = 'open';
  private fileClosed = false;
  private readonly blockSizeBytes: number;
  private readonly bloom: BloomFilter;
  private lastPartition: string | undefined;

  private blockKeys: string[] = [];
  private blockRows: Buffer[] = [];
  private blockRowBytes = 0;
  private readonly index: IndexEntry[] = [];
  /** Offset at which the next block starts. */
  private fileOffset = 0;

  /** Encoded bytes not yet handed to a write. */
  private out: Buffer[] = [];
  private outBytes = 0;
  /** Offset of the next write. */
  private writeOffset = 0;
  private pendingWriteBytes = 0;
  /** Chain of writes; never rejects (a failure lands in writeError). */
  private writing: Promise<void> = Promise.resolve();
  private writeError: unknown = undefined;

  private rows = 0;
  private firstKey = '';
  private lastKey = '';
  private minTs = Infinity;
  private maxTs = -Infinity;
  private maxDeletionTs: number | null = null;
  private tombstones = 0;

  private constructor(
    path: string,
    private readonly file: fsp.FileHandle,
    opts: SSTableWriterOptions,
  ) {
    this.path = path;
    this.tmpPath = path + '.tmp';
    this.blockSizeBytes = opts.blockSizeBytes ?? SSTABLE_BLOCK_SIZE_BYTES_DEFAULT;
    this.bloom = BloomFilter.forKeys(Math.max(1, opts.expectedPartitions));
  }

  /** Creates (or truncates a stale) `path + '.tmp'`; nothing appears at `path` before finish(). */
  static async create(path: string, opts: SSTableWriterOptions): Promise<SSTableWriter> {
    const blockSizeBytes = opts.blockSizeBytes ?? SSTABLE_BLOCK_SIZE_BYTES_DEFAULT;
    assert(Number.isSafeInteger(blockSizeBytes) && blockSizeBytes >= BLOCK_SIZE_BYTES_MIN &&
      blockSizeBytes <= BLOCK_SIZE_BYTES_MAX, `blockSizeBytes ${blockSizeBytes} out of range`);
    assert(Number.isSafeInteger(opts.expectedPartitions) && opts.expectedPartitions >= 0,
      `expectedPartitions ${opts.expectedPartitions} must be a non-negative integer`);
    const file = await fsp.open(path + '.tmp', 'w');
    return new SSTableWriter(path, file, opts);
  }

  /**
   * Appends one row. Keys must be strictly ascending and start with their partition.
   * Synchronous: the caller should await drain() whenever needsDrain is true.
   */
  add(key: string, partition: string, entry: RowEntry): void {
    assert(this.state === 'open', `add() on a writer that is ${this.state}`);
    assert(key.startsWith(partition), 'row key does not start with its partition');
    assert(this.rows === 0 || key > this.lastKey, 'keys must be strictly ascending');
    if (partition !== this.lastPartition) {
      this.bloom.add(partition);
      this.lastPartition = partition;
    }
    this.noteEntry(entry);
    if (this.rows === 0) this.firstKey = key;
    this.lastKey = key;
    this.rows++;
    const row = encodeRow(entry);
    this.blockKeys.push(key);
    this.blockRows.push(row);
    this.blockRowBytes += row.length;
    if (this.blockRowBytes + this.blockKeys.length * (key.length + 4) >= this.blockSizeBytes) this.sealBlock();
  }

  /** True when enough output is buffered or in flight that the caller should await drain(). */
  get needsDrain(): boolean {
    return this.pendingWriteBytes + this.outBytes > WRITE_PENDING_BYTES_MAX;
  }

  /** Waits for the writes issued so far; rethrows a write failure. */
  async drain(): Promise<void> {
    await this.writing;
    if (this.writeError !== undefined) throw this.writeError;
  }

  /** Writes the last block, meta and trailer, fsyncs, renames into place, fsyncs the directory. */
  async finish(): Promise<SSTableMeta> {
    assert(this.state === 'open', `finish() on a writer that is ${this.state}`);
    this.state = 'finishing';
    try {
      if (this.blockKeys.length > 0) this.sealBlock();
      const meta = this.storedMeta();
      const bloom: StoredBloom = { ...this.bloom.params(), bits: this.bloom.toBytes() };
      const metaPayload = encode({ meta, index: this.index, bloom } satisfies MetaBlock);
      const metaOffset = this.fileOffset;
      const trailer = Buffer.alloc(TRAILER_BYTES);
      trailer.writeUInt32BE(Math.floor(metaOffset / U32_LIMIT), 0);
      trailer.writeUInt32BE(metaOffset % U32_LIMIT, 4);
      trailer.writeUInt32BE(metaPayload.length, 8);
      trailer.writeUInt32BE(crc32(metaPayload), 12);
      trailer.writeUInt32BE(MAGIC, 16);
      this.push(metaPayload);
      this.push(trailer);
      this.fileOffset += metaPayload.length + TRAILER_BYTES;
      this.submitWrite();
      await this.drain();
      assert(this.writeOffset === this.fileOffset, 'written size differs from the layout');
      await this.file.sync();
      this.fileClosed = true;
      await this.file.close();
      await fsp.rename(this.tmpPath, this.path);
      await fsyncDirectory(nodePath.dirname(this.path));
      this.state = 'finished';
      return { ...meta, bytes: this.fileOffset };
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
  }

  /** Discards the file: closes it and removes `path + '.tmp'`. A no-op when already aborted. */
  async abort(): Promise<void> {
    assert(this.state !== 'finished', 'abort() after a successful finish()');
    assert(this.state !== 'finishing', 'abort() while finish() runs');
    if (this.state === 'aborted') return;
    this.state = 'aborted';
    this.blockKeys = [];
    this.blockRows = [];
    this.out = [];
    this.outBytes = 0;
    await this.writing;
    if (!this.fileClosed) {
      this.fileClosed = true;
      await this.file.close().catch(() => undefined);
    }
    await fsp.rm(this.tmpPath, { force: true });
  }

  private sealBlock(): void {
    assert(this.blockKeys.length > 0, 'sealing an empty block');
    const ends: number[] = [];
    let end = 0;
    for (const row of this.blockRows) ends.push((end += row.length));
    const blockHeader = encode([this.blockKeys, ends]);
    const headerLength = Buffer.allocUnsafe(4);
    headerLength.writeUInt32BE(blockHeader.length, 0);
    const payload = Buffer.concat([headerLength, blockHeader, ...this.blockRows]);
    const header = Buffer.allocUnsafe(BLOCK_HEADER_BYTES);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc32(payload), 4);
    const length = BLOCK_HEADER_BYTES + payload.length;
    this.index.push([this.blockKeys[0], this.fileOffset, length]);
    this.fileOffset += length;
    this.blockKeys = [];
    this.blockRows = [];
    this.blockRowBytes = 0;
    this.push(header);
    this.push(payload);
    if (this.outBytes >= WRITE_CHUNK_BYTES) this.submitWrite();
  }

  private push(bytes: Buffer): void {
    this.out.push(bytes);
    this.outBytes += bytes.length;
  }

  /** Hands the buffered bytes to the write chain as one positional write. */
  private submitWrite(): void {
    if (this.outBytes === 0) return;
    const chunk = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out, this.outBytes);
    const position = this.writeOffset;
    this.out = [];
    this.outBytes = 0;
    this.writeOffset += chunk.length;
    this.pendingWriteBytes += chunk.length;
    this.writing = this.writing
      .then(() => (this.writeError === undefined ? writeFully(this.file, chunk, position) : undefined))
      .then(
        () => { this.pendingWriteBytes -= chunk.length; },
        (err: unknown) => {
          this.pendingWriteBytes -= chunk.length;
          this.writeError ??= err;
        },
      );
  }

  private noteEntry(entry: RowEntry): void {
    if (entry.marker !== undefined) this.noteTs(entry.marker.ts);
    if (entry.del !== undefined) this.noteDeletion(entry.del);
    if (entry.pdel !== undefined) this.noteDeletion(entry.pdel);
    if (entry.cells !== undefined) {
      for (const name in entry.cells) {
        const cell: Cell = entry.cells[name];
        this.noteTs(cell.ts);
        if (cell.v === null) this.noteDeletion(cell);
      }
    }
  }

  private noteDeletion(deletion: Deletion): void {
    this.noteTs(deletion.ts);
    this.tombstones++;
    if (this.maxDeletionTs === null || deletion.ts > this.maxDeletionTs) this.maxDeletionTs = deletion.ts;
  }

  private noteTs(ts: Timestamp): void {
    assert(Number.isFinite(ts), `timestamp ${ts} is not a finite number`);
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
  }

  private storedMeta(): StoredMeta {
    const anyTs = this.minTs <= this.maxTs;
    return {
      formatVersion: SSTABLE_FORMAT_VERSION,
      rows: this.rows,
      blocks: this.index.length,
      firstKey: this.firstKey,
      lastKey: this.lastKey,
      minTs: anyTs ? this.minTs : 0,
      maxTs: anyTs ? this.maxTs : 0,
      maxDeletionTs: this.maxDeletionTs,
      tombstones: this.tombstones,
    };
  }
}

async function writeFully(file: fsp.FileHandle, bytes: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    assert(bytesWritten > 0, 'write made no progress');
    done += bytesWritten;
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------
// Reader

export interface SSTableReaderOptions {
  /** Unique per file for the cache's lifetime: it keys the file's blocks in the cache. */
  id: number;
  cache: BlockCache;
}

export class SSTableReader {
  readonly path: string;
  readonly meta: SSTableMeta;
  readonly id: number;
  private readonly cache: BlockCache;
  private fd: number | undefined;
  private readonly bloom: BloomFilter;
  private readonly blockFirstKeys: string[];
  private readonly blockOffsets: number[];
  private readonly blockLengths: number[];

  private constructor(path: string, fd: number, opts: SSTableReaderOptions, meta: SSTableMeta,
    index: IndexEntry[], bloom: BloomFilter) {
    this.path = path;
    this.fd = fd;
    this.id = opts.id;
    this.cache = opts.cache;
    this.meta = meta;
    this.bloom = bloom;
    this.blockFirstKeys = index.map((e) => e[0]);
    this.blockOffsets = index.map((e) => e[1]);
    this.blockLengths = index.map((e) => e[2]);
  }

  /** Opens and validates trailer, meta crc and index; throws SSTableCorruption. */
  static open(path: string, opts: SSTableReaderOptions): SSTableReader {
    assert(Number.isSafeInteger(opts.id), `reader id ${opts.id} must be an integer`);
    const fd = fs.openSync(path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size < TRAILER_BYTES) throw new SSTableCorruption(path, `file of ${size} bytes has no trailer`, 0);
      const trailerOffset = size - TRAILER_BYTES;
      const trailer = readExactly(fd, path, trailerOffset, TRAILER_BYTES);
      if (trailer.readUInt32BE(16) !== MAGIC) {
        throw new SSTableCorruption(path, 'bad trailer magic (truncated, or not an SSTable)', trailerOffset);
      }
      const metaOffset = trailer.readUInt32BE(0) * U32_LIMIT + trailer.readUInt32BE(4);
      const metaLength = trailer.readUInt32BE(8);
      if (metaOffset + metaLength !== trailerOffset) {
        throw new SSTableCorruption(path, `trailer places meta at ${metaOffset}+${metaLength}, ` +
          `but the trailer starts at ${trailerOffset}`, trailerOffset);
      }
      const metaBytes = readExactly(fd, path, metaOffset, metaLength);
      if (crc32(metaBytes) !== trailer.readUInt32BE(12)) {
        throw new SSTableCorruption(path, 'meta checksum mismatch', metaOffset);
      }
      let parsed: unknown;
      try {
        parsed = decode(metaBytes);
      } catch (err) {
        throw new SSTableCorruption(path, `meta does not decode: ${String(err)}`, metaOffset);
      }
      const { meta, index, bloom } = validateMetaBlock(parsed, path, metaOffset);
      return new SSTableReader(path, fd, opts, { ...meta, bytes: size }, index, bloom);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** False when no row of this partition is in the file. */
  mayContainPartition(partition: string): boolean {
    return this.bloom.mayContain(partition);
  }

  /** The entry stored under `key`, freshly decoded. */
  get(key: string): RowEntry | undefined {
    if (this.meta.rows === 0 || key < this.meta.firstKey || key > this.meta.lastKey) return undefined;
    const b = this.blockFor(key);
    const block = this.loadBlock(b);
    const i = lowerBound(block.keys, key);
    return i < block.keys.length && block.keys[i] === key ? this.rowAt(block, i, b) : undefined;
  }

  /**
   * Ascending [key, entry] pairs with from <= key (< or <=) to; synchronous (fs.readSync)
   * so a shard can serve a page without yielding.
   */
  *iterate(from?: string, to?: string, toInclusive = false, fillCache = true): Generator<[string, RowEntry]> {
    if (this.meta.rows === 0) return;
    const pastEnd = (key: string): boolean =>
      to !== undefined && (toInclusive ? key > to : key >= to);
    const first = from === undefined ? 0 : Math.max(0, this.blockFor(from));
    for (let b = first; b < this.blockFirstKeys.length; b++) {
      if (b > first && pastEnd(this.blockFirstKeys[b])) return;
      const block = this.loadBlock(b, fillCache);
      const start = b === first && from !== undefined ? lowerBound(block.keys, from) : 0;
      const rows = this.rowsOf(block, b);
      for (let i = start; i < block.keys.length; i++) {
        const key = block.keys[i];
        if (pastEnd(key)) return;
        yield [key, rows[i]];
      }
    }
  }

  /** The same range as `iterate`, in descending key order, block by block from the end. */
  *iterateReverse(from?: string, to?: string, toInclusive = false): Generator<[string, RowEntry]> {
    if (this.meta.rows === 0) return;
    const pastEnd = (key: string): boolean =>
      to !== undefined && (toInclusive ? key > to : key >= to);
    const last = to === undefined ? this.blockFirstKeys.length - 1 : this.blockFor(to);
    for (let b = last; b >= 0; b--) {
      const block = this.loadBlock(b);
      const rows = this.rowsOf(block, b);
      for (let i = block.keys.length - 1; i >= 0; i--) {
        const key = block.keys[i];
        if (pastEnd(key)) continue;
        if (from !== undefined && key < from) return;
        yield [key, rows[i]];
      }
    }
  }

  /** Smallest timestamp in the file (Source contract: tombstone purge safety). */
  get minTs(): number {
    return this.meta.minTs;
  }

  /** Closes the file and drops its blocks from the cache. Idempotent. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    this.cache.evictFile(this.id);
    fs.closeSync(fd);
  }

  /** Index of the last block whose first key is <= key; -1 if key precedes the file. */
  private blockFor(key: string): number {
    let lo = 0;
    let hi = this.blockFirstKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.blockFirstKeys[mid] <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Block b, from the cache or the file; a block read for a compaction (fill false) is not cached. */
  private loadBlock(b: number, fill = true): SSTableBlock {
    assert(this.fd !== undefined, `read from closed SSTable ${this.path}`);
    assert(b >= 0 && b < this.blockOffsets.length, `block ${b} out of range`);
    const offset = this.blockOffsets[b];
    const cached = this.cache.get(this.id, offset);
    if (cached !== undefined) return cached;
    const length = this.blockLengths[b];
    // Its own allocation, not a slice of Buffer's shared pool: a cached block must not keep
    // a pool slab (and its neighbours' bytes) alive.
    const block = this.checkBlock(b, readExactly(this.fd, this.path, offset, length, fill));
    if (fill) this.cache.set(this.id, offset, block, blockBytes(block, length));
    return block;
  }

  /** Verifies block b's bytes (as on disk, header included) and splits them. */
  private checkBlock(b: number, bytes: Buffer): SSTableBlock {
    const offset = this.blockOffsets[b];
    if (bytes.readUInt32BE(0) !== this.blockLengths[b] - BLOCK_HEADER_BYTES) {
      throw new SSTableCorruption(this.path, 'block length disagrees with the index', offset);
    }
    const payload = bytes.subarray(BLOCK_HEADER_BYTES);
    if (crc32(payload) !== bytes.readUInt32BE(4)) {
      throw new SSTableCorruption(this.path, 'block checksum mismatch', offset);
    }
    const nextFirstKey = b + 1 < this.blockFirstKeys.length ? this.blockFirstKeys[b + 1] : undefined;
    return parseBlock(payload, this.blockFirstKeys[b], nextFirstKey, this.path, offset);
  }

  /** Next block warm() looks at. */
  private warmCursor = 0;

  /**
   * Reads about `bytes` more of the file, in order, into the block cache, as long as the
   * blocks fit in the cache's free space (it never evicts: what readers use stays).
   * Returns false when there is nothing more to do: the file is read, closed, or the
   * cache is full. Blocks already cached are skipped.
   */
  warm(bytes: number): boolean {
    if (this.fd === undefined) return false;
    const free = (): number => this.cache.capacityBytes - this.cache.usedBytes;
    const budget = Math.min(bytes, free());
    while (this.warmCursor < this.blockOffsets.length && this.cache.peek(this.id, this.blockOffsets[this.warmCursor])) this.warmCursor++;
    const first = this.warmCursor;
    let end = first;
    let span = 0;
    while (end < this.blockOffsets.length && span + this.blockLengths[end] <= budget) span += this.blockLengths[end++];
    if (end === first) return false;
    const start = this.blockOffsets[first];
    const run = readExactly(this.fd, this.path, start, span);
    for (let b = first; b < end; b++) {
      const at = this.blockOffsets[b] - start;
      if (this.cache.peek(this.id, this.blockOffsets[b])) continue;
      // a copy of its own, so one evicted block does not keep the whole run alive
      const own = Buffer.allocUnsafeSlow(this.blockLengths[b]);
      run.copy(own, 0, at, at + this.blockLengths[b]);
      const block = this.checkBlock(b, own);
      const size = blockBytes(block, own.length);
      if (size > free()) {
        this.warmCursor = b;
        return false;
      }
      this.cache.set(this.id, this.blockOffsets[b], block, size);
    }
    this.warmCursor = end;
    return end < this.blockOffsets.length && free() >= this.blockLengths[end];
  }

  /** Decodes row i of block b (the crc has matched, so a failure here is a writer bug or worse). */
  private rowAt(block: SSTableBlock, i: number, b: number): RowEntry {
    try {
      return decodeRow(block.rows.subarray(i === 0 ? 0 : block.ends[i - 1], block.ends[i]));
    } catch (err) {
      throw new SSTableCorruption(this.path, `row ${i} does not decode: ${String(err)}`, this.blockOffsets[b]);
    }
  }

  /** Decodes all rows of block b in one call (scans). */
  private rowsOf(block: SSTableBlock, b: number): RowEntry[] {
    let rows: RowEntry[];
    try {
      rows = decodeRows(block.rows);
    } catch (err) {
      throw new SSTableCorruption(this.path, `rows do not decode: ${String(err)}`, this.blockOffsets[b]);
    }
    if (rows.length !== block.keys.length) throw new SSTableCorruption(this.path, 'block holds more rows than keys', this.blockOffsets[b]);
    return rows;
  }
}

/** First index whose key is >= key (rows.length if none). */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function readExactly(fd: number, path: string, position: number, length: number, ownMemory = false): Buffer {
  const bytes = ownMemory ? Buffer.allocUnsafeSlow(length) : Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, bytes, done, length - done, position + done);
    if (n === 0) throw new SSTableCorruption(path, `unexpected end of file reading ${length} bytes`, position);
    done += n;
  }
  return bytes;
}

/** Splits a block payload into its header (keys, row ends) and row area, checking shape and order. */
function parseBlock(payload: Buffer, firstKey: string, nextFirstKey: string | undefined,
  path: string, offset: number): SSTableBlock {
  const bad = (what: string): SSTableCorruption => new SSTableCorruption(path, `block ${what}`, offset);
  if (payload.length < 4) throw bad('is too short for its header length');
  const headerLength = payload.readUInt32BE(0);
  if (4 + headerLength > payload.length) throw bad('header runs past the block');
  let header: unknown;
  try {
    header = decode(payload.subarray(4, 4 + headerLength));
  } catch (err) {
    throw bad(`header does not decode: ${String(err)}`);
  }
  if (!Array.isArray(header) || header.length !== 2 || !Array.isArray(header[0]) || !Array.isArray(header[1])) {
    throw bad('header is not [keys, ends]');
  }
  const [keys, ends] = header as [unknown[], unknown[]];
  const rows = payload.subarray(4 + headerLength);
  if (keys.length === 0 || keys.length !== ends.length) throw bad('has no rows, or as many keys as row ends');
  let previousKey: string | undefined;
  let previousEnd = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i], end = ends[i];
    if (typeof key !== 'string') throw bad('has a non-string key');
    if (previousKey !== undefined && !(key > previousKey)) throw bad('keys are not ascending');
    if (typeof end !== 'number' || !Number.isSafeInteger(end) || end <= previousEnd) throw bad('row ends are not ascending');
    previousKey = key;
    previousEnd = end;
  }
  if (previousEnd !== rows.length) throw bad('row ends disagree with its length');
  if (keys[0] !== firstKey) throw bad('first key disagrees with the index');
  if (nextFirstKey !== undefined && !(previousKey! < nextFirstKey)) throw bad('overlaps the next block');
  return { keys: keys as string[], ends: ends as number[], rows };
}

function validateMetaBlock(parsed: unknown, path: string, offset: number):
  { meta: StoredMeta; index: IndexEntry[]; bloom: BloomFilter } {
  const bad = (what: string): SSTableCorruption => new SSTableCorruption(path, `meta ${what}`, offset);
  if (typeof parsed !== 'object' || parsed === null) throw bad('is not an object');
  const { meta, index, bloom } = parsed as Partial<MetaBlock>;
  if (typeof meta !== 'object' || meta === null) throw bad('lacks meta');
  if (meta.formatVersion !== SSTABLE_FORMAT_VERSION) throw bad(`has unsupported format version ${String(meta.formatVersion)}`);
  for (const field of ['rows', 'blocks', 'minTs', 'maxTs', 'tombstones'] as const) {
    if (typeof meta[field] !== 'number') throw bad(`field ${field} is not a number`);
  }
  if (typeof meta.firstKey !== 'string' || typeof meta.lastKey !== 'string') throw bad('keys are not strings');
  if (meta.maxDeletionTs !== null && typeof meta.maxDeletionTs !== 'number') throw bad('maxDeletionTs is malformed');
  if (!Array.isArray(index) || index.length !== meta.blocks) throw bad('index length differs from meta.blocks');
  if ((meta.rows === 0) !== (index.length === 0)) throw bad('rows and blocks disagree');
  let expectedOffset = 0;
  let previousKey: string | undefined;
  for (const entry of index) {
    if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== 'string' ||
      entry[1] !== expectedOffset || !Number.isSafeInteger(entry[2]) || entry[2] <= BLOCK_HEADER_BYTES) {
      throw bad(`index entry for the block at ${expectedOffset} is malformed`);
    }
    if (previousKey !== undefined && !(entry[0] > previousKey)) throw bad('index keys are not ascending');
    previousKey = entry[0];
    expectedOffset += entry[2];
  }
  if (expectedOffset !== offset) throw bad('index does not end where the meta block starts');
  if (index.length > 0 && index[0][0] !== meta.firstKey) throw bad('first key disagrees with the index');
  if (typeof bloom !== 'object' || bloom === null || !(bloom.bits instanceof Uint8Array)) throw bad('lacks a bloom filter');
  let filter: BloomFilter;
  try {
    filter = BloomFilter.fromBytes(bloom.bits, { bitCount: bloom.bitCount, hashCount: bloom.hashCount });
  } catch (err) {
    throw bad(`bloom filter is malformed: ${String(err)}`);
  }
  return { meta, index, bloom: filter };
}
