// Commit log (engine/commitlog.ts; DESIGN.md §1 "Commit log"): durability, group commit,
// torn-tail cutting and mid-log corruption reporting. The on-disk format is checked with an
// independent parser below, so a change to the format fails here.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decode } from '../../engine/codec.js';
import { CommitLogCorruption, openCommitLog, type CommitLogOptions } from '../../engine/commitlog.js';

const dirs: string[] = [];

afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-commitlog-'));
  dirs.push(dir);
  return dir;
}

function record(i: number) {
  return { table: 7, pkey: `p${i}`, ckey: '', row: { cells: { v: { ts: i * 4096, w: 1, v: 'x'.repeat(i % 17) } } }, n: BigInt(i) };
}

async function open(dir: string, opts: Partial<CommitLogOptions> = {}) {
  const records: unknown[] = [];
  const { log, report } = await openCommitLog({ dir, ...opts }, (payload) => records.push(payload));
  return { log, report, records };
}

function segmentNames(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => /^seg-\d{10}\.log$/.test(name)).sort();
}

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(fs.readdirSync(dir).sort().map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

/** Independent reader of the documented format: header, then (u32 length, u32 crc32, payload)*. */
function parseSegment(buf: Buffer): { starts: number[]; ends: number[]; values: unknown[] } {
  expect(buf.subarray(0, 4).toString('latin1')).toBe('TCLG');
  expect(buf.readUInt32BE(4)).toBe(1);
  const starts: number[] = [];
  const ends: number[] = [];
  const values: unknown[] = [];
  for (let offset = 8; offset < buf.length; ) {
    const length = buf.readUInt32BE(offset);
    const payload = buf.subarray(offset + 8, offset + 8 + length);
    expect(payload.length).toBe(length);
    expect(crc32(payload)).toBe(buf.readUInt32BE(offset + 4));
    starts.push(offset);
    values.push(decode(payload));
    offset += 8 + length;
    ends.push(offset);
  }
  return { starts, ends, values };
}

/** Writes records 0..n-1 into a fresh log in one segment; returns that segment's name and bytes. */
async function writeOneSegment(n: number): Promise<{ name: string; bytes: Buffer }> {
  const dir = tempDir();
  const { log } = await open(dir);
  await Promise.all(Array.from({ length: n }, (_, i) => log.append(record(i))));
  await log.close();
  const [name] = segmentNames(dir);
  return { name, bytes: fs.readFileSync(path.join(dir, name)) };
}

function dirWith(files: Record<string, Buffer>): string {
  const dir = tempDir();
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
  return dir;
}

function flipByte(buf: Buffer, offset: number): Buffer {
  const copy = Buffer.from(buf);
  copy[offset] ^= 0x5a;
  return copy;
}

describe('append and replay', () => {
  it('round-trips records in order across rollovers, each record in the segment current at its append', async () => {
    const dir = tempDir();
    const first = await open(dir);
    expect(first.report).toEqual({ segments: 0, records: 0 });
    const { log } = first;
    for (let i = 0; i < 10; i++) await log.append(record(i));
    const second = log.rollover();
    await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(record(10 + i))));
    const pending = Array.from({ length: 10 }, (_, i) => log.append(record(20 + i)));
    const third = log.rollover(); // the 10 appends above were made before it: not in `third`
    await Promise.all(pending);
    await log.close();

    const names = segmentNames(dir);
    expect(names).toHaveLength(3);
    const values = names.map((name) => parseSegment(fs.readFileSync(path.join(dir, name))).values);
    expect(values).toEqual([
      Array.from({ length: 10 }, (_, i) => record(i)),
      Array.from({ length: 20 }, (_, i) => record(10 + i)),
      [],
    ]);
    expect(names[1]).toBe(`seg-${String(second).padStart(10, '0')}.log`);
    expect(names[2]).toBe(`seg-${String(third).padStart(10, '0')}.log`);

    const again = await open(dir);
    expect(again.report).toEqual({ segments: 3, records: 30 });
    expect(again.records).toEqual(Array.from({ length: 30 }, (_, i) => record(i)));
    await again.log.close();
    expect(segmentNames(dir)).toHaveLength(4); // replay opened a fresh segment for appends
  });

  it('rolls to a new segment when the next record would pass segmentSizeBytes', async () => {
    const dir = tempDir();
    const { log } = await open(dir, { segmentSizeBytes: 256 });
    await Promise.all(Array.from({ length: 60 }, (_, i) => log.append(record(i))));
    await log.close();
    const names = segmentNames(dir);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(fs.statSync(path.join(dir, name)).size).toBeLessThanOrEqual(256);
    const again = await open(dir);
    expect(again.records).toEqual(Array.from({ length: 60 }, (_, i) => record(i)));
    await again.log.close();
  });
});

describe('group commit', () => {
  it('coalesces 500 concurrent appends into far fewer fdatasyncs', async () => {
    const dir = tempDir();
    const synced = { calls: 0, records: 0, bytes: 0 };
    const { log } = await open(dir, {
      onSync: (latencyMs, records, bytes) => {
        expect(latencyMs).toBeGreaterThanOrEqual(0);
        synced.calls += 1;
        synced.records += records;
        synced.bytes += bytes;
      },
    });
    await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(record(i))));
    expect(log.stats.appends).toBe(500);
    expect(log.stats.syncs).toBeGreaterThanOrEqual(1);
    expect(log.stats.syncs).toBeLessThan(50);
    expect(synced).toEqual({ calls: log.stats.syncs, records: 500, bytes: log.stats.bytes });
    await log.close();
    const again = await open(dir);
    expect(again.records).toEqual(Array.from({ length: 500 }, (_, i) => record(i)));
    await again.log.close();
  });

  it('bounds the bytes of one batch write (8 MiB)', async () => {
    const dir = tempDir();
    const { log } = await open(dir);
    const big = (i: number) => ({ i, blob: Buffer.alloc(5 * 1024 * 1024, i) });
    await Promise.all([0, 1, 2].map((i) => log.append(big(i))));
    expect(log.stats.syncs).toBe(3); // 5 MiB + 5 MiB would pass the bound: one record per batch
    await log.close();
    const again = await open(dir);
    expect(again.records).toHaveLength(3);
    expect((again.records[2] as { i: number }).i).toBe(2);
    await again.log.close();
  });

  it('rejects every waiter of a batch whose fdatasync fails, and every later append', async () => {
    const dir = tempDir();
    const { log } = await open(dir);
    await log.append(record(0));
    const probe = await fs.promises.open(path.join(dir, segmentNames(dir)[0]), 'r');
    const fileHandlePrototype = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    vi.spyOn(fileHandlePrototype, 'datasync').mockRejectedValue(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));

    const results = await Promise.allSettled([1, 2, 3].map((i) => log.append(record(i))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    vi.restoreAllMocks();
    await expect(log.append(record(4))).rejects.toThrow(/commit log write failed.*EIO/);
    expect(() => log.rollover()).toThrow(/commit log write failed/);
    expect(log.stats.appends).toBe(1);
    await log.close();
  });
});

describe('releaseBefore', () => {
  it('deletes segments older than the given id', async () => {
    const dir = tempDir();
    const { log } = await open(dir);
    await log.append(record(0));
    log.rollover();
    await log.append(record(1));
    const pending = log.append(record(2));
    const current = log.rollover();
    await log.releaseBefore(current); // waits for the in-flight batch to leave the old segment
    await pending;
    await log.append(record(3));
    expect(segmentNames(dir)).toEqual([`seg-${String(current).padStart(10, '0')}.log`]);
    await log.close();
    const again = await open(dir);
    expect(again.records).toEqual([record(3)]);
    await again.log.close();
  });
});

describe('replay of a damaged log', () => {
  it('cuts a torn tail at any offset: replays exactly a prefix, reports the cut, reopens clean', async () => {
    const { name, bytes } = await writeOneSegment(12);
    const { starts, ends, values } = parseSegment(bytes);
    const boundaries = new Set([8, ...ends]);
    const offsets = Array.from({ length: bytes.length }, (_, i) => i).filter(
      (i) => i <= 24 || i % 7 === 0 || [...boundaries].some((b) => Math.abs(b - i) <= 2),
    );
    for (const length of offsets) {
      const dir = dirWith({ [name]: bytes.subarray(0, length) });
      const segment = path.join(dir, name);
      const first = await open(dir);
      const kept = ends.filter((end) => end <= length).length;
      expect(first.records).toEqual(values.slice(0, kept));
      if (length < 8) {
        expect(first.report.cut).toMatchObject({ segment, offset: 0, bytes: length });
        expect(fs.existsSync(segment)).toBe(false); // a headerless segment holds nothing: deleted
      } else if (boundaries.has(length)) {
        expect(first.report.cut).toBeUndefined();
      } else {
        const offset = kept === 0 ? 8 : ends[kept - 1];
        expect(starts.includes(offset) || offset === bytes.length).toBe(true);
        expect(first.report.cut).toMatchObject({ segment, offset, bytes: length - offset });
        expect(fs.statSync(segment).size).toBe(offset);
      }
      await first.log.close();
      const second = await open(dir);
      expect(second.report.cut).toBeUndefined();
      expect(second.records).toEqual(values.slice(0, kept));
      await second.log.close();
    }
  });

  it('cuts a last record with a flipped byte', async () => {
    const { name, bytes } = await writeOneSegment(5);
    const { starts, values } = parseSegment(bytes);
    const dir = dirWith({ [name]: flipByte(bytes, bytes.length - 3) });
    const { records, report, log } = await open(dir);
    expect(records).toEqual(values.slice(0, 4));
    expect(report.cut).toEqual({ segment: path.join(dir, name), offset: starts[4], bytes: bytes.length - starts[4], reason: 'checksum mismatch' });
    await log.close();
  });

  it('reports a flipped byte in a middle record of the newest segment and modifies nothing', async () => {
    const { name, bytes } = await writeOneSegment(5);
    const { starts } = parseSegment(bytes);
    const dir = dirWith({ [name]: flipByte(bytes, starts[2] + 10) });
    const before = snapshot(dir);
    const error = await open(dir).then(
      () => expect.fail('open succeeded'),
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(CommitLogCorruption);
    const corruption = error as CommitLogCorruption;
    expect(corruption.segment).toBe(path.join(dir, name));
    expect(corruption.offset).toBe(starts[2]);
    expect(corruption.message).toContain(`${path.join(dir, name)} is corrupt at byte ${starts[2]}`);
    expect(corruption.message).toMatch(/restore the file or move it away/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('reports damage in an older segment, even where it would be a torn tail in the newest', async () => {
    const dir = tempDir();
    const { log } = await open(dir);
    for (let i = 0; i < 4; i++) await log.append(record(i));
    log.rollover();
    await log.append(record(4));
    await log.close();
    const [older, newer] = segmentNames(dir);
    const olderBytes = fs.readFileSync(path.join(dir, older));
    const { starts } = parseSegment(olderBytes);
    const damaged: [string, Buffer, number][] = [
      ['flipped byte in the last record', flipByte(olderBytes, olderBytes.length - 2), starts[3]],
      ['truncated last record', olderBytes.subarray(0, olderBytes.length - 2), starts[3]],
      ['bad magic', flipByte(olderBytes, 1), 0],
      ['shorter than its header', olderBytes.subarray(0, 5), 0],
    ];
    for (const [, olderDamaged, offset] of damaged) {
      const copy = dirWith({ [older]: olderDamaged, [newer]: fs.readFileSync(path.join(dir, newer)) });
      const before = snapshot(copy);
      await expect(open(copy)).rejects.toMatchObject({ name: 'CommitLogCorruption', segment: path.join(copy, older), offset });
      expect(snapshot(copy)).toEqual(before);
    }
  });

  it('treats a damaged header of the newest segment as torn only when no valid record follows', async () => {
    const { name, bytes } = await writeOneSegment(3);
    const zeroedHeader = Buffer.concat([Buffer.alloc(8), bytes.subarray(8)]);
    const withRecords = dirWith({ [name]: zeroedHeader });
    await expect(open(withRecords)).rejects.toMatchObject({ name: 'CommitLogCorruption', offset: 0 });

    const headerOnly = dirWith({ [name]: Buffer.alloc(8) });
    const { report, records, log } = await open(headerOnly);
    expect(records).toEqual([]);
    expect(report.cut).toMatchObject({ offset: 0, bytes: 8, reason: 'bad magic' });
    await log.close();
  });

  it('refuses a segment written by an unknown format version', async () => {
    const { name, bytes } = await writeOneSegment(1);
    const future = Buffer.from(bytes);
    future.writeUInt32BE(2, 4);
    const dir = dirWith({ [name]: future });
    await expect(open(dir)).rejects.toThrow(/unsupported format version 2/);
  });

  it('accepts an empty newest segment', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.log.close();
    const second = await open(dir);
    expect(second.report).toEqual({ segments: 1, records: 0 });
    await second.log.close();
  });
});
