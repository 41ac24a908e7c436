// Partitioner hash (engine/murmur3.ts), order-preserving key encoding (engine/keys.ts)
// and the token-to-shard mapping (keys.ts shardOf, engine.ts shardStartKey).
// DESIGN.md §1 "Sharding": murmur3 64-bit token; a shard owns a contiguous token slice.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shardStartKey } from '../../engine/engine.js';
import {
  decodeTuple, encodeTuple, KeyCodec, shardOf, tokenChars, tokenOf, TOKEN_CHARS,
} from '../../engine/keys.js';
import { murmur3h1 } from '../../engine/murmur3.js';
import type { ColumnType, KeyKind, TableSchema, Value } from '../../engine/types.js';
import { rng } from '../helpers/rng.js';

// ---- MurmurHash3_x64_128, straight from the reference C++ (smhasher), in BigInt ----

const M64 = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;
const rotl64 = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M64;
function fmix64(k: bigint): bigint {
  k ^= k >> 33n;
  k = (k * 0xff51afd7ed558ccdn) & M64;
  k ^= k >> 33n;
  k = (k * 0xc4ceb9fe1a85ec53n) & M64;
  k ^= k >> 33n;
  return k;
}
function getblock64(data: Uint8Array, i: number): bigint {
  let k = 0n;
  for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(data[i + j]);
  return k;
}

/** h1 of MurmurHash3_x64_128(data, seed 0), as an unsigned 64-bit integer. */
function referenceH1(data: Uint8Array): bigint {
  const len = data.length;
  const nblocks = Math.floor(len / 16);
  let h1 = 0n;
  let h2 = 0n;
  for (let i = 0; i < nblocks; i++) {
    let k1 = getblock64(data, i * 16);
    let k2 = getblock64(data, i * 16 + 8);
    k1 = (k1 * C1) & M64; k1 = rotl64(k1, 31n); k1 = (k1 * C2) & M64; h1 ^= k1;
    h1 = rotl64(h1, 27n); h1 = (h1 + h2) & M64; h1 = (h1 * 5n + 0x52dce729n) & M64;
    k2 = (k2 * C2) & M64; k2 = rotl64(k2, 33n); k2 = (k2 * C1) & M64; h2 ^= k2;
    h2 = rotl64(h2, 31n); h2 = (h2 + h1) & M64; h2 = (h2 * 5n + 0x38495ab5n) & M64;
  }
  const tail = nblocks * 16;
  let k1 = 0n;
  let k2 = 0n;
  // The reference's fall-through switch: tail bytes 8..14 go into k2, 0..7 into k1, little-endian.
  const rem = len & 15;
  for (let j = rem - 1; j >= 8; j--) k2 ^= BigInt(data[tail + j]) << BigInt(8 * (j - 8));
  if (rem > 8) {
    k2 = (k2 * C2) & M64; k2 = rotl64(k2, 33n); k2 = (k2 * C1) & M64; h2 ^= k2;
  }
  for (let j = Math.min(rem, 8) - 1; j >= 0; j--) k1 ^= BigInt(data[tail + j]) << BigInt(8 * j);
  if (rem > 0) {
    k1 = (k1 * C1) & M64; k1 = rotl64(k1, 31n); k1 = (k1 * C2) & M64; h1 ^= k1;
  }
  h1 ^= BigInt(len); h2 ^= BigInt(len);
  h1 = (h1 + h2) & M64; h2 = (h2 + h1) & M64;
  h1 = fmix64(h1); h2 = fmix64(h2);
  h1 = (h1 + h2) & M64;
  return h1;
}

function engineH1(s: string): bigint {
  const [hi, lo] = murmur3h1(s);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

describe('murmur3h1 (MurmurHash3_x64_128, h1, seed 0)', () => {
  it('matches a published vector: mmh3.hash64("foo") = (-2129773440516405919, ...)', () => {
    // Python mmh3 README: hash64 returns h1, h2 of MurmurHash3_x64_128 as signed ints.
    const expected = BigInt.asUintN(64, -2129773440516405919n);
    expect(expected).toBe(16316970633193145697n);
    expect(referenceH1(Buffer.from('foo', 'latin1'))).toBe(expected);
    expect(engineH1('foo')).toBe(expected);
  });

  it('equals the BigInt reference for random latin1 strings of 0..100 chars', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary-ascii', maxLength: 100 }), (s) => {
      expect(engineH1(s)).toBe(referenceH1(Buffer.from(s, 'latin1')));
    }), { numRuns: 3000 });
  });

  it('equals the reference at every length 0..100 with high bytes (0x80..0xff) in the tail', () => {
    for (let len = 0; len <= 100; len++) {
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(0x80 + ((i * 37 + len) % 128));
      expect(engineH1(s)).toBe(referenceH1(Buffer.from(s, 'latin1')));
    }
  });
});

// ---- value order per key kind ----

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const strCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function parseDecimalRational(s: string): { m: bigint; e: number } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) throw new Error(`test bug: not a decimal: ${s}`);
  const frac = m[3] ?? '';
  const mant = BigInt((m[2] + frac) || '0');
  return { m: m[1] === '-' ? -mant : mant, e: Number(m[4] ?? 0) - frac.length };
}

function compareDecimal(a: string, b: string): number {
  const x = parseDecimalRational(a);
  const y = parseDecimalRational(b);
  const e = Math.min(x.e, y.e);
  const xs = x.m * 10n ** BigInt(x.e - e);
  const ys = y.m * 10n ** BigInt(y.e - e);
  return xs < ys ? -1 : xs > ys ? 1 : 0;
}

function compareFloat(a: number, b: number): number {
  // One NaN, above +Infinity; -0 equals 0.
  const an = Number.isNaN(a), bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface KindSpec {
  type: ColumnType;
  arb: fc.Arbitrary<Value>;
  /** A few values, so tuples often share prefixes. */
  small: fc.Arbitrary<Value>;
  compare(a: Value, b: Value): number;
  /** Asserts `decoded` is the canonical decoding of `input`. */
  roundTrip(input: Value, decoded: Value): void;
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const digits = (max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom('0', '0', '1', '5', '9', '3'), maxLength: max });

const decimalArb: fc.Arbitrary<string> = fc.oneof(
  fc.record({
    sign: fc.constantFrom('', '-', '+'),
    int: digits(6),
    frac: fc.option(digits(6), { nil: undefined }),
    exp: fc.option(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: -40, max: 40 }) }, { weight: 1, arbitrary: fc.integer({ min: -32_000, max: 32_000 }) }), { nil: undefined }),
    e: fc.constantFrom('e', 'E'),
  })
    .filter((d) => d.int !== '' || (d.frac ?? '') !== '')
    .map((d) => `${d.sign}${d.int}${d.frac === undefined ? '' : '.' + d.frac}${d.exp === undefined ? '' : d.e + d.exp}`),
  fc.constantFrom('0', '-0', '0.000', '+0e7', '1', '-1', '10', '1e1', '0.1', '-0.1', '1E-3', '-1e+3', '99.99', '-99.99', '100.5'),
);

const CANONICAL_DECIMAL = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const textUnit = fc.oneof(
  fc.constantFrom('\0', '\x01', '\x7f', '\x80', '\xff', 'a', 'b', 'é', '\uffff', '\u{10000}', '\u{10ffff}'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

const KINDS: Record<KeyKind, KindSpec> = {
  int: {
    type: 'int8',
    arb: fc.oneof(
      fc.integer(),
      fc.maxSafeInteger(),
      fc.bigInt({ min: I64_MIN, max: I64_MAX }),
      fc.constantFrom<Value>(0, -1, 1, 2 ** 31, -(2 ** 31), 2 ** 32, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER,
        I64_MIN, I64_MAX, I64_MIN + 1n, I64_MAX - 1n, 2n ** 53n, -(2n ** 53n), 0n, -1n),
    ),
    small: fc.constantFrom<Value>(-1, 0, 1n, 7),
    compare: (a, b) => { const x = BigInt(a as number | bigint), y = BigInt(b as number | bigint); return x < y ? -1 : x > y ? 1 : 0; },
    roundTrip: (input, decoded) => {
      expect(BigInt(decoded as number | bigint)).toBe(BigInt(input as number | bigint));
      // Safe integers come back as numbers, the rest as bigints.
      expect(typeof decoded).toBe(Number.isSafeInteger(Number(input)) && BigInt(Number(input)) === BigInt(input as number | bigint) ? 'number' : 'bigint');
    },
  },
  float: {
    type: 'float8',
    arb: fc.oneof(
      fc.double(),
      fc.double({ min: -1e-306, max: 1e-306 }), // subnormals and their neighbours
      fc.constantFrom(-0, 0, Infinity, -Infinity, NaN, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308,
        -2.2250738585072014e-308, 2.225073858507201e-308, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1, 0.1, -0.1),
    ),
    small: fc.constantFrom(-0, 0, 1.5, NaN, -Infinity),
    compare: (a, b) => compareFloat(a as number, b as number),
    roundTrip: (input, decoded) => {
      // -0 is stored as 0 (they are equal keys); every other value, NaN included, survives.
      expect(Object.is(decoded, Object.is(input, -0) ? 0 : input)).toBe(true);
    },
  },
  decimal: {
    type: 'numeric',
    arb: decimalArb,
    small: fc.constantFrom('0', '1', '-1', '1.50'),
    compare: (a, b) => compareDecimal(a as string, b as string),
    roundTrip: (input, decoded) => {
      expect(typeof decoded).toBe('string');
      expect(decoded).toMatch(CANONICAL_DECIMAL);
      expect(decoded).not.toBe('-0');
      expect(compareDecimal(decoded as string, input as string)).toBe(0);
    },
  },
  text: {
    type: 'text',
    arb: fc.string({ unit: textUnit, maxLength: 8 }),
    small: fc.constantFrom('', 'a', '\0', 'é'),
    // Code point order, which is UTF-8 byte order (not JS UTF-16 order).
    compare: (a, b) => Buffer.compare(utf8(a as string), utf8(b as string)),
    roundTrip: (input, decoded) => expect(decoded).toBe(input),
  },
  bytes: {
    type: 'bytea',
    arb: fc.array(fc.oneof(fc.constantFrom(0, 255, 1, 254), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).map((a) => Uint8Array.from(a)),
    small: fc.constantFrom(new Uint8Array([]), new Uint8Array([0]), new Uint8Array([255]), new Uint8Array([0, 255])),
    compare: (a, b) => Buffer.compare(a as Uint8Array, b as Uint8Array),
    roundTrip: (input, decoded) => {
      expect(decoded).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(decoded as Uint8Array).equals(Buffer.from(input as Uint8Array))).toBe(true);
    },
  },
  bool: {
    type: 'bool',
    arb: fc.boolean(),
    small: fc.boolean(),
    compare: (a, b) => Number(a) - Number(b),
    roundTrip: (input, decoded) => expect(decoded).toBe(input),
  },
  uuid: {
    type: 'uuid',
    arb: fc.oneof(fc.uuid(), fc.uuid().map((u) => u.toUpperCase()), fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff')),
    small: fc.constantFrom('00000000-0000-0000-0000-000000000000', '123e4567-e89b-12d3-a456-426614174000'),
    compare: (a, b) => strCompare((a as string).toLowerCase(), (b as string).toLowerCase()),
    roundTrip: (input, decoded) => expect(decoded).toBe((input as string).toLowerCase()),
  },
};
const KIND_NAMES = Object.keys(KINDS) as KeyKind[];

describe('order-preserving key encoding (keys.ts)', () => {
  for (const kind of KIND_NAMES) {
    const spec = KINDS[kind];
    const value = fc.oneof({ weight: 3, arbitrary: spec.arb }, { weight: 1, arbitrary: spec.small });

    it(`${kind}: encoded order equals value order, ascending and descending`, () => {
      fc.assert(fc.property(value, value, (a, b) => {
        const expected = sign(spec.compare(a, b));
        expect(sign(strCompare(encodeTuple([a], [kind]), encodeTuple([b], [kind])))).toBe(expected);
        expect(sign(strCompare(encodeTuple([a], [kind], [true]), encodeTuple([b], [kind], [true])))).toBe(expected === 0 ? 0 : -expected);
      }), { numRuns: 3000 });
    });

    it(`${kind}: decode(encode(x)) round-trips, ascending and descending`, () => {
      fc.assert(fc.property(value, fc.boolean(), (x, desc) => {
        const enc = encodeTuple([x], [kind], [desc]);
        for (let i = 0; i < enc.length; i++) expect(enc.charCodeAt(i)).toBeLessThan(256);
        const { values, end } = decodeTuple(enc, 0, [kind], [desc]);
        expect(end).toBe(enc.length);
        expect(values).toHaveLength(1);
        spec.roundTrip(x, values[0]);
      }), { numRuns: 2000 });
    });
  }

  it('decimals: numbers and bigints encode like their decimal text', () => {
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.double({ noNaN: true, noDefaultInfinity: true })), (n) => {
      expect(encodeTuple([n], ['decimal'])).toBe(encodeTuple([String(n)], ['decimal']));
    }));
  });

  const column = fc.record({ kind: fc.constantFrom(...KIND_NAMES), desc: fc.boolean() });
  const tupleOf = (schema: { kind: KeyKind }[]): fc.Arbitrary<Value[]> =>
    fc.tuple(...schema.map((c) => fc.oneof(KINDS[c.kind].small, KINDS[c.kind].arb)));
  const compareTuples = (schema: { kind: KeyKind; desc: boolean }[], a: Value[], b: Value[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = sign(KINDS[schema[i].kind].compare(a[i], b[i]));
      if (c !== 0) return schema[i].desc ? -c : c;
    }
    return sign(a.length - b.length); // a prefix sorts first
  };
  const composite = fc.array(column, { minLength: 1, maxLength: 4 }).chain((schema) =>
    fc.record({
      schema: fc.constant(schema),
      a: tupleOf(schema),
      b: tupleOf(schema),
      cutA: fc.nat({ max: schema.length }),
      cutB: fc.nat({ max: schema.length }),
    }));

  it('composite tuples mixing kinds and desc order compare lexicographically, prefixes first', () => {
    fc.assert(fc.property(composite, ({ schema, a, b, cutA, cutB }) => {
      const kinds = schema.map((c) => c.kind);
      const desc = schema.map((c) => c.desc);
      const pa = a.slice(0, cutA), pb = b.slice(0, cutB);
      const ea = encodeTuple(pa, kinds, desc), eb = encodeTuple(pb, kinds, desc);
      expect(sign(strCompare(ea, eb))).toBe(compareTuples(schema, pa, pb));
      // A prefix tuple encodes as a string prefix: what partition and range scans rely on.
      expect(encodeTuple(a, kinds, desc).startsWith(ea)).toBe(true);
      const dec = decodeTuple(ea, 0, kinds, desc);
      expect(dec.end).toBe(ea.length);
      expect(dec.values).toHaveLength(pa.length);
      pa.forEach((v, i) => KINDS[kinds[i]].roundTrip(v, dec.values[i]));
    }), { numRuns: 3000 });
  });
});

// ---- KeyCodec over a table schema ----

function schemaFor(pk: KeyKind[], ck: { kind: KeyKind; desc: boolean }[]): TableSchema {
  return {
    id: 1,
    name: 't',
    columns: [
      ...pk.map((k, i) => ({ name: `p${i}`, type: KINDS[k].type })),
      ...ck.map((c, i) => ({ name: `c${i}`, type: KINDS[c.kind].type })),
      { name: 'v', type: 'any' as const },
    ],
    partitionKey: pk.map((_, i) => `p${i}`),
    clusteringKey: ck.map((_, i) => `c${i}`),
    clusteringOrder: ck.map((c) => (c.desc ? 'desc' : 'asc')),
    options: {},
  };
}

describe('KeyCodec', () => {
  const layout = fc.record({
    pk: fc.array(fc.constantFrom(...KIND_NAMES), { minLength: 1, maxLength: 3 }),
    ck: fc.array(fc.record({ kind: fc.constantFrom(...KIND_NAMES), desc: fc.boolean() }), { maxLength: 3 }),
  }).chain(({ pk, ck }) => fc.record({
    pk: fc.constant(pk),
    ck: fc.constant(ck),
    pv: fc.tuple(...pk.map((k) => KINDS[k].arb)),
    cv: ck.length === 0 ? fc.constant([] as Value[]) : fc.tuple(...ck.map((c) => KINDS[c.kind].arb)),
    cut: fc.nat({ max: ck.length }),
  }));

  it('pkeyLength finds the partition prefix; decode returns every key column', () => {
    fc.assert(fc.property(layout, ({ pk, ck, pv, cv, cut }) => {
      const codec = new KeyCodec(schemaFor(pk, ck));
      const pkey = codec.pkey(pv);
      const ckey = codec.ckey(cv.slice(0, cut));
      const tuple = encodeTuple(pv, pk);
      expect(pkey).toBe(tokenChars(tuple) + tuple);
      expect(pkey.length).toBe(TOKEN_CHARS + tuple.length);
      expect(codec.pkeyLength(pkey + ckey)).toBe(pkey.length);
      expect(codec.pkeyLength(pkey)).toBe(pkey.length);
      const out: Record<string, Value> = {};
      codec.decode(pkey + ckey, out);
      expect(Object.keys(out).sort()).toEqual([...pk.map((_, i) => `p${i}`), ...ck.slice(0, cut).map((_, i) => `c${i}`)].sort());
      pv.forEach((v, i) => KINDS[pk[i]].roundTrip(v, out[`p${i}`]));
      cv.slice(0, cut).forEach((v, i) => KINDS[ck[i].kind].roundTrip(v, out[`c${i}`]));
    }), { numRuns: 1500 });
  });

  it('the token is the signed murmur3 h1 of the partition tuple, and leads the key in token order', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (a, b) => {
      const codec = new KeyCodec(schemaFor(['text'], []));
      const ka = codec.pkey([a]), kb = codec.pkey([b]);
      const ta = tokenOf(ka), tb = tokenOf(kb);
      expect(ta).toBe(BigInt.asIntN(64, referenceH1(Buffer.from(encodeTuple([a], ['text']), 'latin1'))));
      if (ta !== tb) expect(sign(strCompare(ka, kb))).toBe(ta < tb ? -1 : 1);
    }), { numRuns: 1000 });
  });
});

// ---- shards own contiguous token ranges ----


const charsOf32 = (top: number): string =>
  String.fromCharCode(top >>> 24, (top >>> 16) & 255, (top >>> 8) & 255, top & 255);

describe('shardOf / shardStartKey', () => {
  const rand = rng(42);
  const textCodec = new KeyCodec(schemaFor(['text'], []));
  const intCodec = new KeyCodec(schemaFor(['int', 'uuid'], []));
  const keys: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    if (i % 2 === 0) keys.push(textCodec.pkey([`user-${Math.floor(rand() * 1e9)}`]));
    else keys.push(intCodec.pkey([Math.floor(rand() * 2 ** 40) - 2 ** 39, '123e4567-e89b-12d3-a456-426614174000']));
  }
  const sorted = [...keys].sort(strCompare);

  it('in key (token) order, shard indices never decrease; every shard of 1..8 gets keys', () => {
    for (let n = 1; n <= 8; n++) {
      const counts = new Array<number>(n).fill(0);
      let prev = 0;
      for (const k of sorted) {
        const s = shardOf(k, n);
        expect(s).toBeGreaterThanOrEqual(prev);
        expect(s).toBeLessThan(n);
        prev = s;
        counts[s]++;
      }
      for (const c of counts) expect(c).toBeGreaterThan(0);
    }
  });

  it('shardStartKey(i, n) is the boundary: shard i owns [start(i), start(i+1))', () => {
    for (let n = 1; n <= 8; n++) {
      expect(shardStartKey(0, n)).toBe('\0\0\0\0');
      for (const k of keys) {
        const s = shardOf(k, n);
        expect(k >= shardStartKey(s, n)).toBe(true);
        if (s + 1 < n) expect(k < shardStartKey(s + 1, n)).toBe(true);
      }
    }
  });

  it('the first and last possible token prefix of each shard map to it, for 1..64 shards', () => {
    for (let n = 1; n <= 64; n++) {
      for (let i = 0; i < n; i++) {
        const start = shardStartKey(i, n);
        expect(start).toHaveLength(4);
        expect(shardOf(start + '\0\0\0\0', n)).toBe(i);
        const endTop = i + 1 < n ? Math.ceil(((i + 1) * 2 ** 32) / n) - 1 : 2 ** 32 - 1;
        expect(shardOf(charsOf32(endTop) + '\xff\xff\xff\xff', n)).toBe(i);
      }
    }
  });

  it('is monotonic over arbitrary 8-char token prefixes', () => {
    fc.assert(fc.property(
      fc.string({ unit: 'binary-ascii', minLength: 8, maxLength: 8 }),
      fc.string({ unit: 'binary-ascii', minLength: 8, maxLength: 8 }),
      fc.integer({ min: 1, max: 64 }),
      (a, b, n) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(shardOf(lo, n)).toBeLessThanOrEqual(shardOf(hi, n));
      },
    ), { numRuns: 2000 });
  });
});
