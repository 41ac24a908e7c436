// SSTable row codec (engine/row-codec.ts, SSTable format 2): every RowEntry round-trips
// exactly, alone and as a block's back-to-back row area.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, decode } from '../../engine/codec.js';
import { decodeRow, decodeRows, encodeRow } from '../../engine/row-codec.js';
import type { Cell, Deletion, RowEntry, Value } from '../../engine/types.js';

const tsArb = fc.oneof(fc.integer({ min: 1, max: 2 ** 40 }), fc.double({ min: 1, max: 2 ** 52, noNaN: true }));
const valueArb: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.boolean(),
    fc.string(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.uint8Array({ maxLength: 8 }),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('v'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).v;
const cellArb: fc.Arbitrary<Cell> = fc.record(
  { ts: tsArb, w: fc.integer({ min: 0, max: 2 ** 20 }), v: fc.option(valueArb, { nil: null }), exp: fc.integer({ min: 0, max: 2 ** 45 }) },
  { requiredKeys: ['ts', 'w', 'v'] },
);
const deletionArb: fc.Arbitrary<Deletion> = fc.record({ ts: tsArb, w: fc.integer({ min: 0, max: 2 ** 20 }) });
const rowArb: fc.Arbitrary<RowEntry> = fc.record({
  marker: fc.record({ ts: tsArb, w: fc.integer({ min: 0, max: 1024 }), v: fc.constant(true), exp: fc.integer({ min: 0, max: 2 ** 45 }) }, { requiredKeys: ['ts', 'w', 'v'] }),
  del: deletionArb,
  pdel: deletionArb,
  // Column and Dynamo attribute names are any strings (__proto__, which the shared codec
  // does not keep, has its own test below).
  cells: fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), cellArb, { maxKeys: 4, noNullPrototype: true }),
}, { requiredKeys: [] });

/** What the shared codec makes of a row: the reference for how values come back. */
const viaSharedCodec = (row: RowEntry): RowEntry => decode(encode(row));

describe('row codec', () => {
  it('round-trips any row exactly as the shared codec does', () => {
    fc.assert(fc.property(rowArb, (row) => {
      const back = decodeRow(encodeRow(row));
      expect(back).toStrictEqual(viaSharedCodec(row));
      expect(Object.keys(back.cells ?? {})).toEqual(Object.keys(row.cells ?? {}));
    }), { numRuns: 500 });
  });

  it('decodes back-to-back rows in one call, in order', () => {
    fc.assert(fc.property(fc.array(rowArb, { minLength: 1, maxLength: 12 }), (rows) => {
      const area = Buffer.concat(rows.map((r) => Buffer.from(encodeRow(r))));
      expect(decodeRows(area)).toStrictEqual(rows.map(viaSharedCodec));
    }), { numRuns: 200 });
  });

  it('keeps a cell named __proto__ as a cell, not the prototype', () => {
    const cell: Cell = { ts: 5, w: 1, v: 'x' };
    const row: RowEntry = { cells: JSON.parse('{"__proto__": {"ts": 5, "w": 1, "v": "x"}}') as Record<string, Cell> };
    const back = decodeRow(encodeRow(row));
    expect(Object.getPrototypeOf(back.cells)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back.cells, '__proto__')?.value).toEqual(cell);
  });

  it('rejects bytes that are not a row', () => {
    expect(() => decodeRow(encode({ a: 1 }))).toThrow(/not \[marker, del, pdel, cells\]/);
    expect(() => decodeRow(encode([null, null, null, ['a', 1, 1]]))).toThrow(/name, ts, w, v, exp/);
  });
});
