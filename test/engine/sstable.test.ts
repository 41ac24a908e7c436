// SSTable writer/reader (engine/sstable.ts) and the block cache (engine/block-cache.ts):
// round trip, point and range reads, meta, temp-file discipline, corruption detection.
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockCache, type SSTableBlock } from '../../engine/block-cache.js';
import { SSTABLE_BLOCK_SIZE_BYTES_DEFAULT, SSTableCorruption, SSTableReader, SSTableWriter, type SSTableMeta } from '../../engine/sstable.js';
import type { Cell, RowEntry, Value } from '../../engine/types.js';
import { rng } from '../helpers/rng.js';


type Rand = () => number;
const int = (rand: Rand, n: number): number => Math.floor(rand() * n);

function latin1(rand: Rand, n: number, min = 0): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(min + int(rand, 256 - min));
  return s;
}

function randomValue(rand: Rand, depth = 0): Value {
  switch (int(rand, depth > 1 ? 6 : 8)) {
    case 0: return int(rand, 2) === 0;
    case 1: return int(rand, 2) === 0 ? int(rand, 1_000_000) - 500_000 : rand() * 1e6;
    case 2: return BigInt(int(rand, 2 ** 31)) * BigInt(int(rand, 2 ** 31)) * (int(rand, 2) ? 1n : -1n);
    case 3: return latin1(rand, int(rand, 20), 128); // chars 128..255
    case 4: return latin1(rand, int(rand, 20));
    case 5: return Buffer.from(latin1(rand, int(rand, 32)), 'latin1');
    case 6: return Array.from({ length: int(rand, 4) }, () => randomValue(rand, depth + 1));
    default: {
      const obj: Record<string, Value> = {};
      for (let i = int(rand, 4); i > 0; i--) obj[latin1(rand, 1 + int(rand, 6), 32)] = randomValue(rand, depth + 1);
      return obj;
    }
  }
}

const TS_BASE = 2 ** 40;
const randomTs = (rand: Rand): number => TS_BASE + int(rand, 2 ** 30) * 4096 + int(rand, 4096);

function randomCell(rand: Rand): Cell {
  const cell: Cell = { ts: randomTs(rand), w: int(rand, 1 << 20), v: int(rand, 8) === 0 ? null : randomValue(rand) };
  if (int(rand, 10) === 0) cell.exp = 1_700_000_000_000 + int(rand, 1e9);
  return cell;
}

function randomEntry(rand: Rand, partitionLevel: boolean): RowEntry {
  const entry: RowEntry = {};
  if (int(rand, 2) === 0) entry.marker = { ts: randomTs(rand), w: int(rand, 100), v: true };
  if (int(rand, 10) === 0) entry.del = { ts: randomTs(rand), w: int(rand, 100) };
  if (partitionLevel && int(rand, 5) === 0) entry.pdel = { ts: randomTs(rand), w: int(rand, 100) };
  if (int(rand, 6) !== 0) {
    entry.cells = {};
    for (let i = 1 + int(rand, 5); i > 0; i--) entry.cells[`c${int(rand, 10)}`] = randomCell(rand);
  }
  return entry;
}

interface Row { key: string; partition: string; entry: RowEntry }

/** ~`n` rows in ascending key order: partitions of 1..8 rows under random 8-byte tokens. */
function randomRows(rand: Rand, n: number): Row[] {
  const partitions = new Set<string>();
  while (partitions.size < n / 4) partitions.add(latin1(rand, 8) + '\x01' + latin1(rand, 1 + int(rand, 6)) + '\x00');
  const rows: Row[] = [];
  for (const partition of partitions) {
    const clusterings = new Set<string>();
    if (int(rand, 3) === 0) clusterings.add('');
    for (let i = int(rand, 8); i > 0; i--) clusterings.add(latin1(rand, 1 + int(rand, 5)));
    if (clusterings.size === 0) clusterings.add('');
    for (const c of clusterings) {
      rows.push({ key: partition + c, partition, entry: randomEntry(rand, c === '') });
    }
  }
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows;
}

function expectedMeta(rows: Row[]): Omit<SSTableMeta, 'blocks' | 'bytes'> {
  let minTs = Infinity;
  let maxTs = -Infinity;
  let maxDeletionTs: number | null = null;
  let tombstones = 0;
  const ts = (t: number): void => { minTs = Math.min(minTs, t); maxTs = Math.max(maxTs, t); };
  const del = (t: number): void => { ts(t); tombstones++; maxDeletionTs = Math.max(maxDeletionTs ?? -Infinity, t); };
  for (const { entry } of rows) {
    if (entry.marker) ts(entry.marker.ts);
    if (entry.del) del(entry.del.ts);
    if (entry.pdel) del(entry.pdel.ts);
    for (const cell of Object.values(entry.cells ?? {})) {
      if (cell.v === null) del(cell.ts);
      else ts(cell.ts);
    }
  }
  return {
    formatVersion: 2, rows: rows.length, firstKey: rows[0].key, lastKey: rows[rows.length - 1].key,
    minTs, maxTs, maxDeletionTs, tombstones,
  };
}

async function writeTable(file: string, rows: Row[], blockSizeBytes?: number): Promise<SSTableMeta> {
  const writer = await SSTableWriter.create(file, { expectedPartitions: new Set(rows.map((r) => r.partition)).size, blockSizeBytes });
  for (const r of rows) {
    writer.add(r.key, r.partition, r.entry);
    if (writer.needsDrain) await writer.drain();
  }
  return writer.finish();
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-sstable-'));
let fileIds = 0;
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });
const tablePath = (name: string): string => path.join(dir, name);
const open = (file: string, cache = new BlockCache(1 << 20)): SSTableReader =>
  SSTableReader.open(file, { id: ++fileIds, cache });

describe('SSTable round trip (20k rows)', () => {
  const rand = rng(42);
  const rows = randomRows(rand, 20_000);
  const keys = rows.map((r) => r.key);
  const file = tablePath('big.sst');
  let meta: SSTableMeta;
  let reader: SSTableReader;

  beforeAll(async () => {
    meta = await writeTable(file, rows, 8 * 1024);
    reader = open(file, new BlockCache(64 << 20)); // holds the whole file: ranges re-read blocks
  });
  afterAll(() => reader.close());

  it('writes the meta it reports, and the reader sees the same', () => {
    expect(rows.length).toBeGreaterThan(15_000);
    expect(meta).toMatchObject(expectedMeta(rows));
    expect(meta.blocks).toBeGreaterThan(50);
    expect(meta.bytes).toBe(fs.statSync(file).size);
    expect(reader.meta).toEqual(meta);
    expect(fs.existsSync(file + '.tmp')).toBe(false);
  });

  it('get finds every key with its entry intact', () => {
    for (const r of rows) expect(reader.get(r.key)).toEqual(r.entry);
    const withBigint = rows.find((r) => Object.values(r.entry.cells ?? {}).some((c) => typeof c.v === 'bigint'));
    expect(withBigint).toBeDefined();
    const withBuffer = rows.find((r) => Object.values(r.entry.cells ?? {}).some((c) => c.v instanceof Uint8Array));
    const cell = Object.values(reader.get(withBuffer!.key)!.cells!).find((c) => c.v instanceof Uint8Array);
    expect(cell?.v).toBeInstanceOf(Uint8Array);
  });

  it('get misses keys that are not there', () => {
    const present = new Set(keys);
    expect(reader.get('')).toBeUndefined();
    expect(reader.get('\xff'.repeat(20))).toBeUndefined();
    for (let i = 0; i < 5_000; i++) {
      const k = i % 2 === 0 ? latin1(rand, 8 + int(rand, 8)) : keys[int(rand, keys.length)] + '\x00';
      if (!present.has(k)) expect(reader.get(k)).toBeUndefined();
    }
    // Just below each block boundary probes the previous block's tail.
    for (let i = 1; i < keys.length; i += 97) {
      const k = keys[i].slice(0, -1);
      if (!present.has(k)) expect(reader.get(k)).toBeUndefined();
    }
  });

  it('the bloom filter knows every partition', () => {
    for (const r of rows) expect(reader.mayContainPartition(r.partition)).toBe(true);
    let positives = 0;
    for (let i = 0; i < 10_000; i++) if (reader.mayContainPartition(latin1(rand, 12))) positives++;
    expect(positives / 10_000).toBeLessThan(0.03);
  });

  it('iterate over the whole file yields every row in order', () => {
    const all = [...reader.iterate()];
    expect(all.map(([k]) => k)).toEqual(keys);
    expect(all.map(([, e]) => e)).toEqual(rows.map((r) => r.entry));
  });

  it('iterate over random ranges equals the filtered input', () => {
    const pick = (): string => {
      switch (int(rand, 4)) {
        case 0: return keys[int(rand, keys.length)];
        case 1: return keys[int(rand, keys.length)] + '\x00';
        case 2: return keys[int(rand, keys.length)].slice(0, 9);
        default: return latin1(rand, 1 + int(rand, 10));
      }
    };
    for (let i = 0; i < 120; i++) {
      const from = int(rand, 10) === 0 ? undefined : pick();
      const to = int(rand, 10) === 0 ? undefined : pick();
      const inclusive = int(rand, 2) === 0;
      const expected = keys.filter((k) => (from === undefined || k >= from) &&
        (to === undefined || (inclusive ? k <= to : k < to)));
      const got = [...reader.iterate(from, to, inclusive)].map(([k]) => k);
      // '\u0100' cannot occur in a latin1 key; a joined compare keeps many ranges fast.
      if (got.join('\u0100') !== expected.join('\u0100')) expect(got).toEqual(expected);
      expect(got.length).toBe(expected.length);
    }
  });

  it('iterate handles empty and single-key ranges', () => {
    const k = keys[1234];
    expect([...reader.iterate(k, k)]).toEqual([]);
    expect([...reader.iterate(k, k, true)].map(([key]) => key)).toEqual([k]);
    expect([...reader.iterate(keys[500], keys[400], true)]).toEqual([]);
    expect([...reader.iterate(undefined, keys[0])]).toEqual([]);
    expect([...reader.iterate(keys[keys.length - 1] + '\x00')]).toEqual([]);
    expect([...reader.iterate('\xff\xff\xff\xff\xff\xff\xff\xff\xff')]).toEqual([]);
  });

  it('iterate can stop early and resume independently', () => {
    const it1 = reader.iterate(keys[100]);
    const it2 = reader.iterate(keys[100]);
    expect(it1.next().value?.[0]).toBe(keys[100]);
    expect(it2.next().value?.[0]).toBe(keys[100]);
    expect(it1.next().value?.[0]).toBe(keys[101]);
    it1.return(undefined);
    expect(it2.next().value?.[0]).toBe(keys[101]);
  });
});

describe('SSTableWriter', () => {
  it('only path.tmp exists before finish, and abort removes it', async () => {
    const file = tablePath('aborted.sst');
    const rows = randomRows(rng(7), 2_000);
    const writer = await SSTableWriter.create(file, { expectedPartitions: 500, blockSizeBytes: 1024 });
    for (const r of rows) writer.add(r.key, r.partition, r.entry);
    await writer.drain();
    expect(fs.existsSync(file + '.tmp')).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
    await writer.abort();
    expect(fs.existsSync(file + '.tmp')).toBe(false);
    expect(fs.existsSync(file)).toBe(false);
    await writer.abort(); // idempotent
    expect(() => writer.add('zzzzzzzzz', 'zzzzzzzz', {})).toThrow();
  });

  it('path appears only at finish', async () => {
    const file = tablePath('finished.sst');
    const writer = await SSTableWriter.create(file, { expectedPartitions: 1 });
    writer.add('AAAAAAAAk', 'AAAAAAAA', { marker: { ts: 5, w: 1, v: true } });
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(file + '.tmp')).toBe(true);
    await writer.finish();
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.existsSync(file + '.tmp')).toBe(false);
    await expect(writer.abort()).rejects.toThrow();
  });

  it('asserts ascending keys and no add after finish', async () => {
    const file = tablePath('asserts.sst');
    const writer = await SSTableWriter.create(file, { expectedPartitions: 2 });
    writer.add('BBBBBBBBb', 'BBBBBBBB', {});
    expect(() => writer.add('BBBBBBBBb', 'BBBBBBBB', {})).toThrow(/ascending/);
    expect(() => writer.add('BBBBBBBBa', 'BBBBBBBB', {})).toThrow(/ascending/);
    expect(() => writer.add('CCCCCCCCc', 'DDDDDDDD', {})).toThrow(/partition/);
    writer.add('BBBBBBBBc', 'BBBBBBBB', {});
    const meta = await writer.finish();
    expect(meta).toMatchObject({ rows: 2, minTs: 0, maxTs: 0, maxDeletionTs: null, tombstones: 0 });
    expect(() => writer.add('ZZZZZZZZ', 'ZZZZZZZZ', {})).toThrow();
    await expect(writer.finish()).rejects.toThrow();
  });

  it('counts row, partition and cell tombstones and their timestamps', async () => {
    const file = tablePath('tombstones.sst');
    const writer = await SSTableWriter.create(file, { expectedPartitions: 1 });
    const p = 'TTTTTTTTp';
    writer.add(p, p, { pdel: { ts: 50, w: 1 } });
    writer.add(p + 'a', p, { marker: { ts: 10, w: 1, v: true }, cells: { x: { ts: 300, w: 1, v: 1 }, y: { ts: 70, w: 1, v: null } } });
    writer.add(p + 'b', p, { del: { ts: 60, w: 2 }, cells: { x: { ts: 20, w: 1, v: 'x', exp: 1e12 } } });
    const meta = await writer.finish();
    expect(meta).toMatchObject({ rows: 3, blocks: 1, minTs: 10, maxTs: 300, maxDeletionTs: 70, tombstones: 3, firstKey: p, lastKey: p + 'b' });
    const reader = open(file);
    expect(reader.meta).toEqual(meta);
    expect(reader.get(p + 'b')).toEqual({ del: { ts: 60, w: 2 }, cells: { x: { ts: 20, w: 1, v: 'x', exp: 1e12 } } });
    reader.close();
  });

  it('writes and reads an empty table', async () => {
    const file = tablePath('empty.sst');
    const writer = await SSTableWriter.create(file, { expectedPartitions: 0 });
    const meta = await writer.finish();
    expect(meta).toMatchObject({ rows: 0, blocks: 0, firstKey: '', lastKey: '', maxDeletionTs: null });
    const reader = open(file);
    expect(reader.get('anything')).toBeUndefined();
    expect([...reader.iterate()]).toEqual([]);
    expect(reader.mayContainPartition('AAAAAAAA')).toBe(false);
    reader.close();
  });

  it('a row larger than the block size gets a block of its own', async () => {
    const file = tablePath('wide.sst');
    const big = Buffer.alloc(300_000, 7);
    const writer = await SSTableWriter.create(file, { expectedPartitions: 3, blockSizeBytes: 4096 });
    writer.add('AAAAAAAA', 'AAAAAAAA', { cells: { v: { ts: 1, w: 0, v: 'small' } } });
    writer.add('BBBBBBBB', 'BBBBBBBB', { cells: { v: { ts: 2, w: 0, v: big } } });
    writer.add('CCCCCCCC', 'CCCCCCCC', { cells: { v: { ts: 3, w: 0, v: 'small' } } });
    const meta = await writer.finish();
    expect(meta.blocks).toBe(2);
    const reader = open(file);
    expect(Buffer.from(reader.get('BBBBBBBB')?.cells?.v.v as Uint8Array).equals(big)).toBe(true);
    expect([...reader.iterate()].map(([k]) => k)).toEqual(['AAAAAAAA', 'BBBBBBBB', 'CCCCCCCC']);
    reader.close();
  });

  it('uses SSTABLE_BLOCK_SIZE_BYTES_DEFAULT blocks by default', async () => {
    const rows = randomRows(rng(8), 5_000);
    const meta = await writeTable(tablePath('default.sst'), rows);
    const approxBlocks = meta.bytes / SSTABLE_BLOCK_SIZE_BYTES_DEFAULT;
    expect(meta.blocks).toBeGreaterThanOrEqual(Math.floor(approxBlocks * 0.5));
    expect(meta.blocks).toBeLessThanOrEqual(Math.ceil(approxBlocks * 2));
  });
});

describe('SSTable corruption', () => {
  const rows = randomRows(rng(9), 3_000);
  const good = tablePath('good.sst');
  let meta: SSTableMeta;
  beforeAll(async () => { meta = await writeTable(good, rows, 2048); });

  function copyWith(name: string, change: (bytes: Buffer) => Buffer): string {
    const file = tablePath(name);
    fs.writeFileSync(file, change(fs.readFileSync(good)));
    return file;
  }

  it('a flipped byte in a data block fails reads of that block only', () => {
    const file = copyWith('flipped.sst', (b) => { b[40] ^= 0x01; return b; });
    const reader = open(file);
    let error: unknown;
    try { reader.get(rows[0].key); } catch (err) { error = err; }
    expect(error).toBeInstanceOf(SSTableCorruption);
    expect((error as SSTableCorruption).path).toBe(file);
    expect((error as SSTableCorruption).offset).toBe(0);
    expect((error as Error).message).toContain(file);
    expect(() => [...reader.iterate()]).toThrow(SSTableCorruption);
    // Rows in other blocks still read.
    const last = rows[rows.length - 1];
    expect(reader.get(last.key)).toEqual(last.entry);
    expect(meta.blocks).toBeGreaterThan(2);
    reader.close();
  });

  it('a flipped byte in a later block names that block offset', () => {
    const bytes = fs.readFileSync(good);
    const firstLength = bytes.readUInt32BE(0) + 8;
    const file = copyWith('flipped2.sst', (b) => { b[firstLength + 8 + 5] ^= 0x80; return b; });
    const reader = open(file);
    expect(reader.get(rows[0].key)).toEqual(rows[0].entry);
    const error = (() => { try { [...reader.iterate()]; } catch (err) { return err; } return undefined; })();
    expect(error).toBeInstanceOf(SSTableCorruption);
    expect((error as SSTableCorruption).offset).toBe(firstLength);
    reader.close();
  });

  it('a flipped byte in the meta block makes open throw', () => {
    const file = copyWith('flipped-meta.sst', (b) => { b[b.length - 30] ^= 0xff; return b; });
    expect(() => open(file)).toThrow(SSTableCorruption);
  });

  it('a truncated file makes open throw', () => {
    for (const cut of [1, 5, 20, 21, 100, meta.bytes / 2, meta.bytes - 1]) {
      const file = copyWith(`truncated-${cut}.sst`, (b) => b.subarray(0, b.length - Math.floor(cut)));
      expect(() => open(file), `cut ${cut}`).toThrow(SSTableCorruption);
    }
  });

  it('an empty file or trailing garbage makes open throw', () => {
    expect(() => open(copyWith('zero.sst', () => Buffer.alloc(0)))).toThrow(SSTableCorruption);
    expect(() => open(copyWith('appended.sst', (b) => Buffer.concat([b, Buffer.from('junk')])))).toThrow(SSTableCorruption);
  });
});

describe('BlockCache', () => {
  const block = (n: number): SSTableBlock => ({ keys: [`k${n}`], ends: [1], rows: Buffer.from([0x80]) });

  it('behaves like a textbook LRU over any sequence of gets, sets and file evictions', () => {
    type Op = { op: 'get' | 'set' | 'evict'; file: number; offset: number; bytes: number };
    const op = fc.record({ op: fc.constantFrom('get', 'set', 'set', 'evict'), file: fc.integer({ min: 1, max: 3 }), offset: fc.integer({ min: 0, max: 5 }), bytes: fc.integer({ min: 0, max: 400 }) }) as fc.Arbitrary<Op>;
    fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const cache = new BlockCache(1000);
      const model: { key: string; file: number; bytes: number; n: number }[] = []; // oldest first
      for (const o of ops) {
        const key = `${o.file}:${o.offset}`;
        const i = model.findIndex((e) => e.key === key);
        if (o.op === 'get') {
          const got = cache.get(o.file, o.offset);
          if (i < 0) expect(got).toBeUndefined();
          else {
            expect(got).toEqual(block(model[i].n));
            model.push(...model.splice(i, 1));
          }
        } else if (o.op === 'set') {
          cache.set(o.file, o.offset, block(o.bytes), o.bytes);
          if (i >= 0) model.splice(i, 1);
          model.push({ key, file: o.file, bytes: o.bytes, n: o.bytes });
          while (model.reduce((t, e) => t + e.bytes, 0) > 1000) model.shift();
        } else {
          cache.evictFile(o.file);
          for (let j = model.length - 1; j >= 0; j--) if (model[j].file === o.file) model.splice(j, 1);
        }
        expect(cache.size).toBe(model.length);
        expect(cache.usedBytes).toBe(model.reduce((t, e) => t + e.bytes, 0));
      }
    }));
  });

  it('evicts least recently used blocks to stay within its byte budget', () => {
    const cache = new BlockCache(1000);
    cache.set(1, 0, block(0), 400);
    cache.set(1, 400, block(1), 400);
    expect(cache.usedBytes).toBe(800);
    expect(cache.get(1, 0)).toEqual(block(0)); // now most recent
    cache.set(2, 0, block(2), 400);
    expect(cache.usedBytes).toBe(800);
    expect(cache.get(1, 400)).toBeUndefined();
    expect(cache.get(1, 0)).toEqual(block(0));
    expect(cache.get(2, 0)).toEqual(block(2));
    cache.set(3, 0, block(3), 5000); // larger than the whole budget: not cached
    expect(cache.get(3, 0)).toBeUndefined();
    expect(cache.usedBytes).toBe(800);
    cache.set(1, 0, block(9), 100); // replaces
    expect(cache.usedBytes).toBe(500);
    expect(cache.get(1, 0)).toEqual(block(9));
    cache.evictFile(1);
    expect(cache.size).toBe(1);
    expect(cache.usedBytes).toBe(400);
  });

  it('readers share it and stay within budget', async () => {
    const rows = randomRows(rng(10), 4_000);
    const file = tablePath('cached.sst');
    const meta = await writeTable(file, rows, 2048);
    const budget = 16 * 1024;
    const cache = new BlockCache(budget);
    const a = open(file, cache);
    const b = open(file, cache);
    let n = 0;
    for (const [key] of a.iterate()) {
      if (n++ % 50 === 0) expect(cache.usedBytes).toBeLessThanOrEqual(budget);
      expect(key).toBe(rows[n - 1].key);
    }
    expect(cache.usedBytes).toBeLessThanOrEqual(budget);
    expect(cache.usedBytes).toBeGreaterThan(budget / 2);
    expect(cache.misses).toBeGreaterThanOrEqual(meta.blocks);
    const hitsBefore = cache.hits;
    const last = rows[rows.length - 1];
    expect(b.get(last.key)).toEqual(last.entry); // b's own id: a miss
    expect(b.get(last.key)).toEqual(last.entry); // now a hit
    expect(cache.hits).toBe(hitsBefore + 1);
    a.close();
    b.close();
    expect(cache.size).toBe(0);
    expect(() => a.get(last.key)).toThrow(/closed/);
  });

  it('warm() fills only the free room, in file order, and point reads then hit', async () => {
    const rows = randomRows(rng(11), 4_000);
    const file = tablePath('warm.sst');
    const meta = await writeTable(file, rows, 2048);
    // a cache that holds the whole file: warm() reads all of it, a few blocks at a time
    const roomy = new BlockCache(8 << 20);
    const a = open(file, roomy);
    let steps = 0;
    while (a.warm(8 * 1024)) steps++;
    expect(steps).toBeGreaterThan(3);
    expect(roomy.size).toBe(meta.blocks);
    expect(roomy.misses).toBe(0);
    for (const r of rows) expect(a.get(r.key)).toEqual(r.entry);
    expect(roomy.misses).toBe(0);
    expect(a.warm(8 * 1024)).toBe(false);
    a.close();

    // a small cache already holding a reader's block: warm() stops at the budget, evicts nothing
    const budget = 32 * 1024;
    const small = new BlockCache(budget);
    const b = open(file, small);
    const c = open(file, small);
    const hot = rows[rows.length - 1];
    expect(b.get(hot.key)).toEqual(hot.entry);
    while (c.warm(4096));
    expect(small.usedBytes).toBeLessThanOrEqual(budget);
    expect(small.usedBytes).toBeGreaterThan(budget - 4096);
    const misses = small.misses;
    expect(b.get(hot.key)).toEqual(hot.entry); // still cached
    expect(c.get(rows[0].key)).toEqual(rows[0].entry); // warmed: the file's first block
    expect(small.misses).toBe(misses);
    b.close();
    c.close();
    expect(c.warm(4096)).toBe(false);
  });
});
