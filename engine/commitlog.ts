/**
 * The per-shard commit log (DESIGN.md §1, "Storage per shard"): a write is acknowledged only
 * once it is durable here; on start the log is replayed into the memtable.
 *
 * On-disk format, version 1. Pinned: changing any of it needs a new format version.
 *
 *   dir/seg-<id>.log   one file per segment; <id> is 10 decimal digits, zero-padded.
 *                      Ids only grow and are never reused; replay goes in id order.
 *   segment  = header record*
 *   header   = "TCLG" (4 ASCII bytes) | u32 BE format version (= 1)
 *   record   = u32 BE payload length (1..PAYLOAD_BYTES_MAX)
 *            | u32 BE zlib.crc32(payload)
 *            | payload: engine/codec.ts encode(value) (msgpackr)
 *
 * Invariants
 * - One writer per directory (the shard process); one batch write+fdatasync in flight at a time.
 * - Segment S+1 is created only after every write to S has been fdatasync'ed. So after a crash
 *   only the newest segment can end in a torn (partly written) record; a bad record anywhere
 *   else, or one followed by a valid record, is corruption and is reported, never cut.
 * - An append resolves only after the fdatasync that covers its bytes. After a failed write or
 *   fdatasync the log accepts nothing more: the kernel may already have dropped the dirty pages,
 *   so a retried fdatasync could "succeed" without the data (PostgreSQL's "fsyncgate").
 * - Replay validates every segment before it modifies any file or delivers any record.
 */
import type { FileHandle } from 'node:fs/promises';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32 } from 'node:zlib';
import { decode, encode } from './codec.js';

const MAGIC = Buffer.from('TCLG', 'latin1');
const FORMAT_VERSION = 1;
const HEADER_BYTES = 8;
const FRAME_BYTES = 8; // length + crc in front of each payload
/** Largest payload accepted. Replay rejects bigger lengths, so a garbage length is never trusted. */
export const PAYLOAD_BYTES_MAX = 64 * 1024 * 1024;
const SEGMENT_SIZE_BYTES_DEFAULT = 32 * 1024 * 1024;
/** Bound on one group-commit write; the rest waits for the next batch. A bigger record goes alone. */
const BATCH_BYTES_MAX = 8 * 1024 * 1024;
const SEGMENT_ID_DIGITS = 10;
const SEGMENT_ID_MAX = 10 ** SEGMENT_ID_DIGITS - 1;
const SEGMENT_NAME = /^seg-(\d{10})\.log$/;

export interface CommitLogOptions {
  /** Created if missing. */
  dir: string;
  /** Roll to a new segment when the next record would take a segment past this. Default 32 MiB. */
  segmentSizeBytes?: number;
  /**
   * Metrics hook, called after each batch fdatasync with the batch's write+fdatasync latency.
   * Must not throw: a throw is treated like a failed write and stops the log.
   */
  onSync?: (latencyMs: number, records: number, bytes: number) => void;
}

export interface ReplayReport {
  /** Segment files found. */
  segments: number;
  /** Records delivered to onRecord. */
  records: number;
  /** Torn tail that was cut from the newest segment (bytes from offset to its old end). */
  cut?: { segment: string; offset: number; bytes: number; reason: string };
}

export interface CommitLog {
  /** Resolves only after the record is durable (written and fdatasync'ed). */
  append(payload: unknown): Promise<void>;
  /** Starts a new segment and returns its id; every record appended before the call is in an earlier segment. */
  rollover(): number;
  /** Deletes segments with id < segmentId (their data has been flushed to SSTables). */
  releaseBefore(segmentId: number): Promise<void>;
  /** Waits for in-flight syncs (queued appends are still written), closes files. */
  close(): Promise<void>;
  /** appends: records made durable; syncs: batch fdatasyncs; bytes: record bytes written. */
  readonly stats: { appends: number; syncs: number; bytes: number };
}

/** A segment is damaged somewhere a crash cannot explain. Nothing was modified. */
export class CommitLogCorruption extends Error {
  override readonly name = 'CommitLogCorruption';
  constructor(
    /** Path of the segment file. */
    readonly segment: string,
    /** Byte offset of the bad header (0) or record. */
    readonly offset: number,
    reason: string,
  ) {
    super(
      `commit log segment ${segment} is corrupt at byte ${offset} (${reason}); ` +
        'restore the file or move it away to discard its records',
    );
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`commitlog: invariant violated: ${message}`);
}

export function segmentFileName(id: number): string {
  assert(Number.isSafeInteger(id) && id >= 1 && id <= SEGMENT_ID_MAX, `segment id ${id} out of range`);
  return `seg-${String(id).padStart(SEGMENT_ID_DIGITS, '0')}.log`;
}

interface SegmentFile {
  id: number;
  path: string;
}

async function listSegments(dir: string): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = [];
  for (const name of await fs.readdir(dir)) {
    const match = SEGMENT_NAME.exec(name);
    if (match) segments.push({ id: Number(match[1]), path: path.join(dir, name) });
  }
  return segments.sort((a, b) => a.id - b.id);
}

// ---------------------------------------------------------------------------------------------
// Reading

type ParsedRecord =
  | { ok: true; end: number; value: unknown }
  /** next: where the following record would start, if the length field fits in the file. */
  | { ok: false; reason: string; next?: number };

function parseRecord(buf: Buffer, offset: number): ParsedRecord {
  if (buf.length - offset < FRAME_BYTES) return { ok: false, reason: 'incomplete record header' };
  const length = buf.readUInt32BE(offset);
  const end = offset + FRAME_BYTES + length;
  const next = end <= buf.length ? end : undefined;
  // encode() never yields 0 bytes; a zero length is what a zero-filled tail looks like.
  if (length === 0 || length > PAYLOAD_BYTES_MAX) return { ok: false, reason: `invalid payload length ${length}`, next };
  if (next === undefined) return { ok: false, reason: `payload of ${length} bytes runs past the end of the file` };
  const payload = buf.subarray(offset + FRAME_BYTES, end);
  if (crc32(payload) !== buf.readUInt32BE(offset + 4)) return { ok: false, reason: 'checksum mismatch', next };
  try {
    return { ok: true, end, value: decode(payload) };
  } catch (err) {
    return { ok: false, reason: `undecodable payload: ${(err as Error).message}`, next };
  }
}

interface SegmentScan {
  records: number;
  /** Offset just past the last good record; 0 when the header itself is bad. */
  goodEnd: number;
  /** First bad spot. torn: it may be a torn tail (nothing valid follows it). */
  bad?: { offset: number; reason: string; torn: boolean };
}

/** Validates one segment's bytes; pure. */
function scanSegment(buf: Buffer): SegmentScan {
  if (buf.length < HEADER_BYTES) {
    return { records: 0, goodEnd: 0, bad: { offset: 0, reason: `${buf.length}-byte file is shorter than the header`, torn: true } };
  }
  if (!buf.subarray(0, 4).equals(MAGIC)) {
    // Valid records behind a damaged header mean the data was written: not a torn segment.
    const torn = !parseRecord(buf, HEADER_BYTES).ok;
    return { records: 0, goodEnd: 0, bad: { offset: 0, reason: 'bad magic', torn } };
  }
  const version = buf.readUInt32BE(4);
  if (version !== FORMAT_VERSION) {
    // Written by another version of Tessera: never cut it.
    return { records: 0, goodEnd: 0, bad: { offset: 0, reason: `unsupported format version ${version}`, torn: false } };
  }
  let records = 0;
  let offset = HEADER_BYTES;
  while (offset < buf.length) {
    const parsed = parseRecord(buf, offset);
    if (!parsed.ok) {
      const followedByValid = parsed.next !== undefined && parseRecord(buf, parsed.next).ok;
      return { records, goodEnd: offset, bad: { offset, reason: parsed.reason, torn: !followedByValid } };
    }
    records += 1;
    offset = parsed.end;
  }
  return { records, goodEnd: offset };
}

/**
 * Validates and replays every segment in order, calling onRecord for each payload; then opens a
 * NEW segment for appends. Throws CommitLogCorruption, having modified nothing, if a segment is
 * damaged other than by a torn tail of the newest one; such a tail is cut and reported.
 */
export async function openCommitLog(
  opts: CommitLogOptions,
  onRecord: (payload: unknown) => void,
): Promise<{ log: CommitLog; report: ReplayReport }> {
  const segmentSizeBytes = opts.segmentSizeBytes ?? SEGMENT_SIZE_BYTES_DEFAULT;
  if (!Number.isSafeInteger(segmentSizeBytes) || segmentSizeBytes <= HEADER_BYTES) {
    throw new Error(`commit log segmentSizeBytes must be an integer > ${HEADER_BYTES}, got ${segmentSizeBytes}`);
  }
  await fs.mkdir(opts.dir, { recursive: true });
  const segments = await listSegments(opts.dir);

  // 1. Validate everything and modify nothing, so a corrupt log is left exactly as found.
  const scans: SegmentScan[] = [];
  let newestSizeBytes = 0;
  for (const [i, segment] of segments.entries()) {
    const buf = await fs.readFile(segment.path);
    const scan = scanSegment(buf);
    const newest = i === segments.length - 1;
    if (scan.bad && !(newest && scan.bad.torn)) {
      const reason = newest ? `${scan.bad.reason}, and a valid record follows it` : scan.bad.reason;
      throw new CommitLogCorruption(segment.path, scan.bad.offset, reason);
    }
    scans.push(scan);
    newestSizeBytes = buf.length;
  }

  // 2. Cut the torn tail of the newest segment, durably, before anything is appended after it.
  let cut: ReplayReport['cut'];
  const newest = segments.at(-1);
  const newestScan = scans.at(-1);
  if (newest && newestScan?.bad) {
    const { offset, reason } = newestScan.bad;
    cut = { segment: newest.path, offset, bytes: newestSizeBytes - offset, reason };
    if (newestScan.goodEnd === 0) {
      // A torn header: the segment holds no record. Delete it rather than leave a headerless file.
      await fs.rm(newest.path);
      await fsyncDir(opts.dir);
    } else {
      assert(newestScan.goodEnd === offset, 'a cut starts at the end of the last good record');
      const handle = await fs.open(newest.path, 'r+');
      try {
        await handle.truncate(offset);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }

  // 3. Deliver the records. Validated above, so every parse must succeed now.
  let records = 0;
  for (const [i, segment] of segments.entries()) {
    if (scans[i].goodEnd === 0) continue;
    const buf = await fs.readFile(segment.path);
    assert(buf.length === scans[i].goodEnd, `${segment.path} changed during replay`);
    for (let offset = HEADER_BYTES; offset < buf.length; ) {
      const parsed = parseRecord(buf, offset);
      assert(parsed.ok, `${segment.path} record at ${offset} failed after validation`);
      onRecord(parsed.value);
      records += 1;
      offset = parsed.end;
    }
  }
  assert(records === scans.reduce((sum, scan) => sum + scan.records, 0), 'replayed every validated record');

  // 4. Appends go to a fresh segment; replayed ones stay until releaseBefore.
  const file = await createSegment(opts.dir, (newest?.id ?? 0) + 1);
  const log = new FileCommitLog(opts.dir, segmentSizeBytes, opts.onSync, file);
  return { log, report: { segments: segments.length, records, cut } };
}

// ---------------------------------------------------------------------------------------------
// Writing

interface OpenSegment {
  id: number;
  handle: FileHandle;
  /** Bytes written (and synced) so far: where the next batch goes. */
  bytes: number;
}

interface PendingAppend {
  segmentId: number;
  frame: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeFully(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written, position + written);
    if (bytesWritten <= 0) throw new Error(`write made no progress at byte ${position + written}`);
    written += bytesWritten;
  }
}

async function createSegment(dir: string, id: number): Promise<OpenSegment> {
  // 'wx': ids are never reused, so an existing file here would be a bug worth failing on.
  const handle = await fs.open(path.join(dir, segmentFileName(id)), 'wx');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32BE(FORMAT_VERSION, 4);
    await writeFully(handle, header, 0);
    await handle.datasync();
    // The new name must survive a crash before any record in it is acknowledged.
    await fsyncDir(dir);
  } catch (err) {
    await handle.close().catch(() => undefined); // report the original error, not the close's
    throw err;
  }
  return { id, handle, bytes: HEADER_BYTES };
}

function frameRecord(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt32BE(crc32(payload), 4);
  payload.copy(frame, FRAME_BYTES);
  return frame;
}

class FileCommitLog implements CommitLog {
  readonly stats = { appends: 0, syncs: 0, bytes: 0 };
  /** Segment that new appends are assigned to; the writer may still be finishing earlier ones. */
  private segmentId: number;
  /** Header + records assigned to segmentId, to decide when to roll. */
  private segmentAssignedBytes = HEADER_BYTES;
  /** Appends not yet durable, in order. The head batch stays here while it is in flight. */
  private queue: PendingAppend[] = [];
  private file: OpenSegment | null;
  /** The running writer loop, if any. At most one, so at most one write+fdatasync in flight. */
  private writer: Promise<void> | null = null;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private progressWaiters: (() => void)[] = [];

  constructor(
    private readonly dir: string,
    private readonly segmentSizeBytes: number,
    private readonly onSync: CommitLogOptions['onSync'],
    file: OpenSegment,
  ) {
    this.file = file;
    this.segmentId = file.id;
  }

  async append(payload: unknown): Promise<void> {
    this.assertUsable();
    const bytes = encode(payload);
    assert(bytes.length > 0, 'encode() returned no bytes');
    if (bytes.length > PAYLOAD_BYTES_MAX) {
      throw new Error(`commit log record of ${bytes.length} bytes exceeds the ${PAYLOAD_BYTES_MAX}-byte limit`);
    }
    const frame = frameRecord(bytes);
    const segmentHasRecords = this.segmentAssignedBytes > HEADER_BYTES;
    if (segmentHasRecords && this.segmentAssignedBytes + frame.length > this.segmentSizeBytes) this.rollover();
    this.segmentAssignedBytes += frame.length;
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ segmentId: this.segmentId, frame, resolve, reject });
      this.startWriter();
    });
  }

  rollover(): number {
    this.assertUsable();
    assert(this.segmentId < SEGMENT_ID_MAX, 'segment ids exhausted');
    this.segmentId += 1;
    this.segmentAssignedBytes = HEADER_BYTES;
    this.startWriter(); // creates the new segment even if nothing is appended to it yet
    return this.segmentId;
  }

  async releaseBefore(segmentId: number): Promise<void> {
    if (this.closing) throw new Error('commit log is closed');
    assert(Number.isSafeInteger(segmentId), `segment id ${segmentId}`);
    assert(segmentId <= this.segmentId, `cannot release segment ${this.segmentId}: appends still go to it`);
    // The writer may still be finishing a batch for an older segment: wait until it moves on.
    while (this.writer !== null && this.file !== null && this.file.id < segmentId) await this.nextProgress();
    const openId = this.file?.id;
    assert(this.failure !== null || (openId !== undefined && openId >= segmentId), 'writer stopped behind segmentId');
    const released = (await listSegments(this.dir)).filter((s) => s.id < segmentId && s.id !== openId);
    // Oldest first, so a crash in between leaves a contiguous suffix of the log.
    for (const segment of released) await fs.rm(segment.path, { force: true });
    if (released.length > 0) await fsyncDir(this.dir);
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    // Appends accepted before close are still written; new ones are refused (closing is set).
    if (this.writer) await this.writer;
    assert(this.queue.length === 0, 'queue drained on close');
    const file = this.file;
    this.file = null;
    if (file) await file.handle.close();
  }

  private assertUsable(): void {
    if (this.closing) throw new Error('commit log is closed');
    if (this.failure) throw this.failure;
  }

  private startWriter(): void {
    if (this.writer === null) this.writer = this.runWriter();
  }

  /** Writes batches until the queue is empty and the newest segment exists; one step at a time. */
  private async runWriter(): Promise<void> {
    await null; // let appends made in the same tick join the first batch
    try {
      while (this.failure === null) {
        const file = this.file;
        assert(file !== null, 'writer running without an open segment');
        const target = this.queue.length > 0 ? this.queue[0].segmentId : this.segmentId;
        assert(target >= file.id, 'queued append for an already closed segment');
        if (target > file.id) await this.switchSegment(file, target);
        else if (this.queue.length > 0) await this.writeBatch(file);
        else break;
        this.notifyProgress();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      // Synchronous with the empty-queue check above, so no append can be left without a writer.
      this.writer = null;
      this.notifyProgress();
    }
  }

  private async switchSegment(old: OpenSegment, id: number): Promise<void> {
    // Every write to `old` has been fdatasync'ed (batches run one at a time), which is what lets
    // replay treat a bad record in any segment but the newest as corruption.
    this.file = await createSegment(this.dir, id);
    await old.handle.close();
  }

  private async writeBatch(file: OpenSegment): Promise<void> {
    let count = 0;
    let bytes = 0;
    for (const pending of this.queue) {
      if (pending.segmentId !== file.id) break;
      if (count > 0 && bytes + pending.frame.length > BATCH_BYTES_MAX) break;
      count += 1;
      bytes += pending.frame.length;
    }
    assert(count > 0, 'writeBatch with nothing to write');
    const frames = this.queue.slice(0, count).map((pending) => pending.frame);
    const startMs = performance.now();
    // On failure the batch is still at the head of the queue, so fail() rejects it with the rest.
    await writeFully(file.handle, count === 1 ? frames[0] : Buffer.concat(frames, bytes), file.bytes);
    await file.handle.datasync();
    const latencyMs = performance.now() - startMs;
    file.bytes += bytes;
    this.stats.syncs += 1;
    this.stats.appends += count;
    this.stats.bytes += bytes;
    for (const pending of this.queue.splice(0, count)) pending.resolve();
    this.onSync?.(latencyMs, count, bytes);
  }

  private fail(cause: unknown): void {
    const detail = cause instanceof Error ? cause.message : String(cause);
    this.failure = new Error(`commit log write failed; the log accepts no more appends: ${detail}`, { cause });
    const waiting = this.queue;
    this.queue = [];
    for (const pending of waiting) pending.reject(this.failure);
  }

  private nextProgress(): Promise<void> {
    return new Promise((resolve) => this.progressWaiters.push(resolve));
  }

  private notifyProgress(): void {
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
