// Size-tiered compaction (engine/compaction.ts), DESIGN.md §1 "Storage per shard":
// which SSTables are rewritten together, and what one entry becomes when rewritten
// (expired cells to tombstones, tombstones past purgeBefore dropped, shadowed data gone).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactEntry, pickSizeTiered, type SizeTieredOptions } from '../../engine/compaction.js';
import { liveValues, mergeRows } from '../../engine/rows.js';
import type { Cell, Deletion, RowEntry } from '../../engine/types.js';

const opts: SizeTieredOptions = { minThreshold: 4, maxThreshold: 32, bucketLow: 0.5, bucketHigh: 1.5, minSSTableBytes: 100 };
const sorted = (xs: number[] | undefined): number[] | undefined => xs && [...xs].sort((a, b) => a - b);
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('pickSizeTiered', () => {
  const cases: { name: string; sizes: number[]; o?: Partial<SizeTieredOptions>; expected: number[] | undefined }[] = [
    { name: 'no files', sizes: [], expected: undefined },
    { name: 'fewer than minThreshold similar files', sizes: [1000, 1000, 1000], expected: undefined },
    { name: 'four similar files', sizes: [1000, 1100, 900, 1050], expected: [0, 1, 2, 3] },
    { name: 'small files share one bucket whatever their ratio', sizes: [1, 50, 99, 10], expected: [0, 1, 2, 3] },
    { name: 'a large file does not join the small bucket', sizes: [10, 10, 10, 10_000], expected: undefined },
    { name: 'a file outside [0.5, 1.5] x average starts its own bucket', sizes: [1000, 1000, 1000, 3000], expected: undefined },
    { name: 'only the ready bucket is picked', sizes: [1000, 1000, 1000, 1000, 5000, 5000, 5000], expected: [0, 1, 2, 3] },
    { name: 'the bucket with most files wins', sizes: [1000, 1000, 1000, 1000, 8000, 8000, 8000, 8000, 8000], expected: [4, 5, 6, 7, 8] },
    { name: 'on equal counts the cheaper bucket wins', sizes: [8000, 8000, 8000, 8000, 1000, 1000, 1000, 1000], expected: [4, 5, 6, 7] },
    { name: 'at most maxThreshold files', sizes: new Array<number>(40).fill(1000), expected: range(0, 32) },
    { name: 'minThreshold is configurable', sizes: [1000, 1000], o: { minThreshold: 2 }, expected: [0, 1] },
    // 2000 > 1.5 x 1000, but the bucket's average has grown to 1383 when it is considered.
    { name: 'the average moves as files join', sizes: [2000, 1750, 1400, 1000], expected: [0, 1, 2, 3] },
    { name: 'a steadily growing series splits into buckets', sizes: [1000, 1400, 1900, 2600], expected: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(sorted(pickSizeTiered(c.sizes, { ...opts, ...c.o }))).toEqual(c.expected);
    });
  }

  it('picks distinct valid indices of files within one bucket, at least minThreshold of them', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 100_000 }), { maxLength: 60 }), (sizes) => {
      const pick = pickSizeTiered(sizes, opts);
      if (!pick) return;
      expect(new Set(pick).size).toBe(pick.length);
      expect(pick.length).toBeGreaterThanOrEqual(opts.minThreshold);
      expect(pick.length).toBeLessThanOrEqual(opts.maxThreshold);
      for (const i of pick) expect(i >= 0 && i < sizes.length).toBe(true);
    }));
  });
});

const NOW = 1_000;
const cell = (ts: number, v: Cell['v'], exp?: number): Cell => (exp === undefined ? { ts, w: 1, v } : { ts, w: 1, v, exp });
const del = (ts: number): Deletion => ({ ts, w: 1 });

describe('compactEntry', () => {
  it('turns expired cells (exp <= now) into tombstones at their own timestamp, keeps the rest', () => {
    const row: RowEntry = {
      marker: cell(10, true, NOW),
      cells: { gone: cell(10, 'x', NOW - 1), edge: cell(11, 'y', NOW), alive: cell(12, 'z', NOW + 1), plain: cell(13, 'p') },
    };
    expect(compactEntry(row, undefined, NOW, 0)).toEqual({
      marker: { ts: 10, w: 1, v: null },
      cells: { gone: { ts: 10, w: 1, v: null }, edge: { ts: 11, w: 1, v: null }, alive: cell(12, 'z', NOW + 1), plain: cell(13, 'p') },
    });
  });

  it('drops tombstones older than purgeBefore and keeps newer ones', () => {
    const row: RowEntry = {
      del: del(5),
      cells: { old: cell(9, null), boundary: cell(10, null), young: cell(11, null), expiredOld: cell(8, 'v', NOW - 1), live: cell(7, 'v') },
    };
    expect(compactEntry(row, undefined, NOW, 10)).toEqual({
      cells: { boundary: cell(10, null), young: cell(11, null), live: cell(7, 'v') },
    });
    // The row tombstone itself survives while it is younger than purgeBefore.
    expect(compactEntry({ del: del(5) }, undefined, NOW, 5)).toEqual({ del: del(5) });
    expect(compactEntry({ del: del(5) }, undefined, NOW, 6)).toBeUndefined();
    expect(compactEntry({ pdel: del(5) }, undefined, NOW, 5)).toEqual({ pdel: del(5) });
    expect(compactEntry({ pdel: del(5) }, undefined, NOW, 6)).toBeUndefined();
  });

  it('drops data shadowed by the row, partition or caller-given partition tombstone', () => {
    const row: RowEntry = { marker: cell(5, true), cells: { a: cell(5, 1), b: cell(6, 2), c: cell(7, 3) } };
    expect(compactEntry({ ...row, del: del(5) }, undefined, NOW, 0)).toEqual({ del: del(5), cells: { b: cell(6, 2), c: cell(7, 3) } });
    expect(compactEntry({ ...row, pdel: del(6) }, undefined, NOW, 0)).toEqual({ pdel: del(6), cells: { c: cell(7, 3) } });
    expect(compactEntry(row, del(7), NOW, 0)).toBeUndefined();
    // A purged tombstone still takes what it shadowed with it.
    expect(compactEntry({ ...row, del: del(6) }, undefined, NOW, 100)).toEqual({ cells: { c: cell(7, 3) } });
  });

  const tsArb = fc.integer({ min: 1, max: 20 });
  const cellArb: fc.Arbitrary<Cell> = fc.record(
    { ts: tsArb, w: fc.integer({ min: 0, max: 2 }), v: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }), exp: fc.integer({ min: NOW - 5, max: NOW + 5 }) },
    { requiredKeys: ['ts', 'w', 'v'] },
  );
  const delArb: fc.Arbitrary<Deletion> = fc.record({ ts: tsArb, w: fc.integer({ min: 0, max: 2 }) });
  const rowArb: fc.Arbitrary<RowEntry> = fc.record({
    marker: cellArb.map((c) => ({ ...c, v: c.v === null ? null : true })),
    del: delArb,
    pdel: delArb,
    cells: fc.dictionary(fc.constantFrom('a', 'b', 'c'), cellArb, { maxKeys: 3, noNullPrototype: true }),
  }, { requiredKeys: [] });

  it('changes no read, now or later, whatever purgeBefore', () => {
    fc.assert(fc.property(rowArb, fc.option(delArb, { nil: undefined }), tsArb, fc.integer({ min: 0, max: 10 }), (raw, pdel, purgeBefore, later) => {
      const row = mergeRows({}, raw);
      const out = compactEntry(row, row.pdel ? undefined : pdel, NOW, purgeBefore) ?? {};
      for (const at of [NOW, NOW + later]) {
        if (row.pdel) {
          // The partition-level entry: read with its own partition tombstone.
          expect(liveValues(out, out.pdel, at)).toEqual(liveValues(row, row.pdel, at));
        } else {
          // A row of the partition: read with the partition's tombstone, or without it
          // once that tombstone is itself old enough to be purged.
          const before = liveValues(row, pdel, at);
          expect(liveValues(out, pdel, at)).toEqual(before);
          if (!pdel || pdel.ts < purgeBefore) expect(liveValues(out, undefined, at)).toEqual(before);
        }
      }
      // Nothing older than purgeBefore survives as a tombstone, and nothing expired survives live.
      for (const c of [out.marker, ...Object.values(out.cells ?? {})]) {
        if (!c) continue;
        if (c.v === null) expect(c.ts).toBeGreaterThanOrEqual(purgeBefore);
        else expect(c.exp === undefined || c.exp > NOW).toBe(true);
      }
      if (out.del) expect(out.del.ts).toBeGreaterThanOrEqual(purgeBefore);
    }), { numRuns: 3000 });
  });
});
