// Cell and row merge (engine/rows.ts) and the memtable that applies it (engine/memtable.ts).
// DESIGN.md §1 "Timestamps": merging two versions of a cell keeps the greater
// (timestamp, writer); tombstones win ties; merge is commutative, associative and
// idempotent, so applying a mutation twice, or mutations in any order, gives the same
// state. These are fast-check properties over small timestamp and writer ranges, so
// ties and shadowing happen often.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Memtable } from '../../engine/memtable.js';
import { compareCells, liveValues, mergeCell, mergeDeletion, mergeRows } from '../../engine/rows.js';
import type { Cell, Deletion, RowEntry, Value } from '../../engine/types.js';

/** Canonical text of a state: object keys sorted, absent and undefined fields alike. */
function canon(x: unknown): string {
  if (x === undefined) return 'undefined';
  if (x === null) return 'null';
  switch (typeof x) {
    case 'bigint': return `${x}n`;
    case 'number': return Object.is(x, -0) ? '-0' : String(x);
    case 'string': return JSON.stringify(x);
    case 'boolean': return String(x);
    default: break;
  }
  if (x instanceof Uint8Array) return `bytes(${Buffer.from(x).toString('hex')})`;
  if (Array.isArray(x)) return `[${x.map(canon).join(',')}]`;
  const o = x as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canon(o[k])}`).join(',')}}`;
}

const NOW_MS = 110;

const tsArb = fc.integer({ min: 1, max: 12 });
const writerArb = fc.integer({ min: 0, max: 2 });
// No -0 (it encodes as 0) and no Buffer (it encodes as Uint8Array): values that differ
// structurally must differ in their encoding, the merge's last tie-breaker.
const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.boolean(),
  fc.string({ maxLength: 3 }),
  fc.bigInt({ min: -3n, max: 3n }),
  fc.uint8Array({ maxLength: 3 }),
  fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
  fc.dictionary(fc.constantFrom('x', 'y'), fc.integer({ min: 0, max: 2 }), { maxKeys: 2, noNullPrototype: true }),
);
const expArb = fc.integer({ min: NOW_MS - 10, max: NOW_MS + 10 });
const cellArb: fc.Arbitrary<Cell> = fc.record(
  { ts: tsArb, w: writerArb, v: fc.option(valueArb, { nil: null, freq: 3 }), exp: expArb },
  { requiredKeys: ['ts', 'w', 'v'] },
);
const markerArb: fc.Arbitrary<Cell> = fc.record(
  { ts: tsArb, w: writerArb, v: fc.constant(true), exp: expArb },
  { requiredKeys: ['ts', 'w', 'v'] },
);
const deletionArb: fc.Arbitrary<Deletion> = fc.record({ ts: tsArb, w: writerArb });
const rowArb: fc.Arbitrary<RowEntry> = fc.record(
  {
    marker: markerArb,
    del: deletionArb,
    pdel: deletionArb,
    cells: fc.dictionary(fc.constantFrom('a', 'b', 'c'), cellArb, { maxKeys: 3, noNullPrototype: true }),
  },
  { requiredKeys: [] },
);

function sameState(a: unknown, b: unknown): void {
  expect(canon(a)).toBe(canon(b));
}
const norm = (r: RowEntry): RowEntry => mergeRows({}, r);

describe('mergeCell / mergeDeletion (DESIGN.md §1 Timestamps)', () => {
  it('mergeCell is commutative, associative and idempotent', () => {
    fc.assert(fc.property(cellArb, cellArb, cellArb, (a, b, c) => {
      sameState(mergeCell(a, b), mergeCell(b, a));
      sameState(mergeCell(mergeCell(a, b), c), mergeCell(a, mergeCell(b, c)));
      sameState(mergeCell(a, a), a);
      sameState(mergeCell(mergeCell(a, b), b), mergeCell(a, b));
      sameState(mergeCell(a, undefined), a);
      sameState(mergeCell(undefined, a), a);
    }), { numRuns: 2000 });
  });

  it('mergeDeletion is commutative, associative and idempotent', () => {
    fc.assert(fc.property(deletionArb, deletionArb, deletionArb, (a, b, c) => {
      sameState(mergeDeletion(a, b), mergeDeletion(b, a));
      sameState(mergeDeletion(mergeDeletion(a, b), c), mergeDeletion(a, mergeDeletion(b, c)));
      sameState(mergeDeletion(a, a), a);
      sameState(mergeDeletion(undefined, a), a);
    }), { numRuns: 1000 });
  });

  it('the greater (ts, writer) wins', () => {
    fc.assert(fc.property(cellArb, cellArb, (a, b) => {
      fc.pre(a.ts !== b.ts || a.w !== b.w);
      const aWins = a.ts > b.ts || (a.ts === b.ts && a.w > b.w);
      expect(mergeCell(a, b)).toBe(aWins ? a : b);
      expect(mergeCell(b, a)).toBe(aWins ? a : b);
      expect(Math.sign(compareCells(a, b))).toBe(aWins ? 1 : -1);
    }), { numRuns: 1000 });
    fc.assert(fc.property(deletionArb, deletionArb, (a, b) => {
      fc.pre(a.ts !== b.ts || a.w !== b.w);
      const aWins = a.ts > b.ts || (a.ts === b.ts && a.w > b.w);
      expect(mergeDeletion(a, b)).toBe(aWins ? a : b);
      expect(mergeDeletion(b, a)).toBe(aWins ? a : b);
    }), { numRuns: 1000 });
  });

  it('a tombstone wins a tie with a value of the same (ts, writer)', () => {
    fc.assert(fc.property(tsArb, writerArb, valueArb, fc.option(expArb, { nil: undefined }), (ts, w, v, exp) => {
      const live: Cell = exp === undefined ? { ts, w, v } : { ts, w, v, exp };
      const tomb: Cell = { ts, w, v: null };
      expect(mergeCell(live, tomb)).toBe(tomb);
      expect(mergeCell(tomb, live)).toBe(tomb);
    }));
  });

  it('compareCells is a total order: antisymmetric and zero only for equal versions', () => {
    fc.assert(fc.property(cellArb, cellArb, (a, b) => {
      expect(Math.sign(compareCells(a, b)) + Math.sign(compareCells(b, a))).toBe(0);
      if (compareCells(a, b) === 0) sameState(a, b);
    }), { numRuns: 2000 });
  });
});

describe('mergeRows (DESIGN.md §1 Timestamps)', () => {
  it('is commutative', () => {
    fc.assert(fc.property(rowArb, rowArb, (a, b) => {
      sameState(mergeRows(a, b), mergeRows(b, a));
    }), { numRuns: 2000 });
  });

  it('is associative', () => {
    fc.assert(fc.property(rowArb, rowArb, rowArb, (a, b, c) => {
      sameState(mergeRows(mergeRows(a, b), c), mergeRows(a, mergeRows(b, c)));
    }), { numRuns: 2000 });
  });

  it('is idempotent: merging a state, or a mutation, again changes nothing', () => {
    fc.assert(fc.property(rowArb, rowArb, (a, b) => {
      const n = norm(a);
      sameState(mergeRows(n, n), n);
      sameState(norm(n), n);
      sameState(mergeRows(n, {}), n);
      const ab = mergeRows(a, b);
      sameState(mergeRows(ab, b), ab);
      sameState(mergeRows(ab, a), ab);
      sameState(mergeRows(a, a), n);
    }), { numRuns: 2000 });
  });

  it('a row deletion shadows cells and markers at or below its timestamp, whatever the writers', () => {
    fc.assert(fc.property(tsArb, writerArb, writerArb, valueArb, (ts, w1, w2, v) => {
      const data: RowEntry = { marker: { ts, w: w1, v: true }, cells: { a: { ts, w: w1, v } } };
      const del: RowEntry = { del: { ts, w: w2 } };
      for (const merged of [mergeRows(data, del), mergeRows(del, data)]) {
        expect(merged.marker).toBeUndefined();
        expect(merged.cells).toBeUndefined();
        expect(liveValues(merged, undefined, NOW_MS)).toBeUndefined();
      }
      const later: RowEntry = { cells: { a: { ts: ts + 1, w: 0, v } } };
      expect(liveValues(mergeRows(mergeRows(data, del), later), undefined, NOW_MS)).toEqual({ a: v });
    }));
  });
});

interface Keyed { key: string; row: RowEntry }

// 'P' is a partition-level entry (its pdel shadows the partition); 'P\x01', 'P\x02' rows in it.
const KEYS = ['P', 'P\x01', 'P\x02'];
const mutationArb: fc.Arbitrary<Keyed> = fc.record({ key: fc.constantFrom(...KEYS), row: rowArb });

/** A permutation of 0..n-1 with up to n duplicates inserted at random places. */
function orderArb(n: number): fc.Arbitrary<number[]> {
  const idx = Array.from({ length: n }, (_, i) => i);
  return fc
    .tuple(
      fc.shuffledSubarray(idx, { minLength: n, maxLength: n }),
      fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.nat()), { maxLength: n }),
    )
    .map(([perm, dups]) => {
      const order = [...perm];
      for (const [i, pos] of dups) order.splice(pos % (order.length + 1), 0, i);
      return order;
    });
}

/** Merges rows as a binary tree whose split points come from `splits`. */
function mergeTree(rows: RowEntry[], splits: number[]): RowEntry {
  let cursor = 0;
  const go = (lo: number, hi: number): RowEntry => {
    if (hi - lo === 1) return norm(rows[lo]);
    const mid = lo + 1 + (splits[cursor++ % splits.length] % (hi - lo - 1));
    return mergeRows(go(lo, mid), go(mid, hi));
  };
  return rows.length === 0 ? {} : go(0, rows.length);
}

type State = Map<string, RowEntry>;

function viaMemtable(muts: Keyed[], order: number[]): State {
  const m = new Memtable();
  for (const i of order) m.apply(muts[i].key, muts[i].row);
  const keys = [...m.iterate()].map(([k]) => k);
  expect(keys).toEqual([...keys].sort());
  return new Map(m.iterate());
}

function viaTree(muts: Keyed[], order: number[], splits: number[]): State {
  const out: State = new Map();
  for (const key of KEYS) {
    const rows = order.filter((i) => muts[i].key === key).map((i) => muts[i].row);
    if (rows.length > 0) out.set(key, mergeTree(rows, splits));
  }
  return out;
}

function reads(state: State): Record<string, Record<string, Value> | undefined> {
  const pdel = state.get('P')?.pdel;
  const out: Record<string, Record<string, Value> | undefined> = {};
  for (const key of KEYS) {
    const row = state.get(key);
    out[key] = row && liveValues(row, pdel, NOW_MS);
  }
  return out;
}

const stateText = (s: State): string => canon(Object.fromEntries([...s].sort(([a], [b]) => (a < b ? -1 : 1))));

describe('any interleaving of the same mutations gives the same state (DESIGN.md §1 Timestamps)', () => {
  it('Memtable.apply and pairwise mergeRows trees, in any order and with duplicates, agree', () => {
    const scenario = fc.array(mutationArb, { minLength: 1, maxLength: 14 }).chain((muts) =>
      fc.record({
        muts: fc.constant(muts),
        orderA: orderArb(muts.length),
        orderB: orderArb(muts.length),
        splits: fc.array(fc.nat(), { minLength: 1, maxLength: 32 }),
      }));
    fc.assert(fc.property(scenario, ({ muts, orderA, orderB, splits }) => {
      const inOrder = muts.map((_, i) => i);
      const reference = viaMemtable(muts, inOrder);
      const states = [
        viaMemtable(muts, orderA),
        viaMemtable(muts, orderB),
        viaTree(muts, orderA, splits),
        viaTree(muts, orderB, splits),
        viaTree(muts, inOrder, [0]),
      ];
      for (const s of states) {
        expect(stateText(s)).toBe(stateText(reference));
        expect(canon(reads(s))).toBe(canon(reads(reference)));
      }
    }), { numRuns: 1500 });
  });
});

/** What a reader must see, written independently of rows.ts. */
function modelLive(row: RowEntry, pdel: Deletion | undefined, nowMs: number): Record<string, Value> | undefined {
  const delTs = Math.max(row.del?.ts ?? -Infinity, pdel?.ts ?? -Infinity);
  const live = (c: Cell | undefined): boolean =>
    c !== undefined && c.v !== null && (c.exp === undefined || c.exp > nowMs) && c.ts > delTs;
  let exists = live(row.marker);
  const values: Record<string, Value> = {};
  for (const [name, c] of Object.entries(row.cells ?? {})) {
    if (live(c)) {
      values[name] = c.v;
      exists = true;
    }
  }
  return exists ? values : undefined;
}

describe('liveValues: shadowing and expiry', () => {
  it('matches the model: ts <= deletion ts is shadowed (row or partition), exp <= now is expired', () => {
    fc.assert(fc.property(rowArb, fc.option(deletionArb, { nil: undefined }), expArb, (row, pdel, nowMs) => {
      expect(canon(liveValues(row, pdel, nowMs))).toBe(canon(modelLive(row, pdel, nowMs)));
      expect(canon(liveValues(norm(row), pdel, nowMs))).toBe(canon(modelLive(row, pdel, nowMs)));
    }), { numRuns: 3000 });
  });

  it('examples at the boundaries', () => {
    const cell = (ts: number, v: Value, exp?: number): Cell => (exp === undefined ? { ts, w: 0, v } : { ts, w: 0, v, exp });
    // Row deletion: ties shadow, a later write survives.
    expect(liveValues({ del: { ts: 5, w: 0 }, cells: { a: cell(5, 1) } }, undefined, NOW_MS)).toBeUndefined();
    expect(liveValues({ del: { ts: 5, w: 9 }, cells: { a: cell(6, 1) } }, undefined, NOW_MS)).toEqual({ a: 1 });
    // Partition deletion likewise, and the greater of the two deletions counts.
    expect(liveValues({ cells: { a: cell(5, 1) } }, { ts: 5, w: 0 }, NOW_MS)).toBeUndefined();
    expect(liveValues({ del: { ts: 2, w: 0 }, cells: { a: cell(5, 1), b: cell(7, 2) } }, { ts: 6, w: 0 }, NOW_MS)).toEqual({ b: 2 });
    // Expiry: exp is the first millisecond the cell is gone.
    expect(liveValues({ cells: { a: cell(5, 1, NOW_MS) } }, undefined, NOW_MS)).toBeUndefined();
    expect(liveValues({ cells: { a: cell(5, 1, NOW_MS + 1) } }, undefined, NOW_MS)).toEqual({ a: 1 });
    // A live marker keeps a row of NULLs alive; an expired or shadowed one does not.
    expect(liveValues({ marker: cell(5, true), cells: { a: cell(5, null) } }, undefined, NOW_MS)).toEqual({});
    expect(liveValues({ marker: cell(5, true, NOW_MS), cells: { a: cell(5, null) } }, undefined, NOW_MS)).toBeUndefined();
    expect(liveValues({ marker: cell(5, true) }, { ts: 5, w: 0 }, NOW_MS)).toBeUndefined();
  });
});
