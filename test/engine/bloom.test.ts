// BloomFilter (engine/bloom.ts): no false negatives, ~1% false positives at 10 bits/key,
// and a serialised form that reads back identically.
import { describe, expect, it } from 'vitest';
import { BloomFilter } from '../../engine/bloom.js';
import { rng } from '../helpers/rng.js';


function bytes(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rand() * 256));
  return s;
}

/** A partition string: 8 token bytes then an encoded key tail. */
function partition(rand: () => number, tokenPrefix = ''): string {
  return tokenPrefix + bytes(rand, 8 - tokenPrefix.length) + bytes(rand, 1 + Math.floor(rand() * 12));
}

function falsePositiveRate(filter: BloomFilter, members: Set<string>, probe: () => string, n: number): number {
  let positives = 0;
  let tried = 0;
  while (tried < n) {
    const p = probe();
    if (members.has(p)) continue;
    tried++;
    if (filter.mayContain(p)) positives++;
  }
  return positives / n;
}

describe('BloomFilter', () => {
  it('has no false negatives and under 3% false positives for 10k partitions', () => {
    const rand = rng(1);
    const keys = new Set<string>();
    while (keys.size < 10_000) keys.add(partition(rand));
    const filter = BloomFilter.forKeys(keys.size);
    expect(filter.hashCount).toBe(7);
    expect(filter.bitCount).toBe(100_000);
    for (const k of keys) filter.add(k);
    for (const k of keys) expect(filter.mayContain(k)).toBe(true);
    const rate = falsePositiveRate(filter, keys, () => partition(rand), 100_000);
    expect(rate).toBeLessThan(0.03);
  });

  it('stays under 3% when tokens share their top bytes (one shard owns a token slice)', () => {
    const rand = rng(2);
    const slice = '\x7f\x3c';
    const keys = new Set<string>();
    while (keys.size < 10_000) keys.add(partition(rand, slice));
    const filter = BloomFilter.forKeys(keys.size);
    for (const k of keys) filter.add(k);
    for (const k of keys) expect(filter.mayContain(k)).toBe(true);
    expect(falsePositiveRate(filter, keys, () => partition(rand, slice), 50_000)).toBeLessThan(0.03);
  });

  it('hashes strings shorter than a token whole', () => {
    const rand = rng(3);
    const keys = new Set<string>(['', 'a', '\xff']);
    while (keys.size < 2_000) keys.add(bytes(rand, Math.floor(rand() * 8)));
    const filter = BloomFilter.forKeys(keys.size);
    for (const k of keys) filter.add(k);
    for (const k of keys) expect(filter.mayContain(k)).toBe(true);
    const rate = falsePositiveRate(filter, keys, () => bytes(rand, 1 + Math.floor(rand() * 7)), 20_000);
    expect(rate).toBeLessThan(0.03);
  });

  it('only the token decides: partitions with the same token share their answer', () => {
    const filter = BloomFilter.forKeys(10);
    filter.add('TOKEN123' + 'alice');
    expect(filter.mayContain('TOKEN123' + 'bob')).toBe(true);
  });

  it('round-trips through bytes and params', () => {
    const rand = rng(4);
    const filter = BloomFilter.forKeys(1_000);
    const keys: string[] = [];
    for (let i = 0; i < 1_000; i++) keys.push(partition(rand));
    for (const k of keys) filter.add(k);
    const copy = BloomFilter.fromBytes(Uint8Array.from(filter.toBytes()), filter.params());
    for (const k of keys) expect(copy.mayContain(k)).toBe(true);
    for (let i = 0; i < 5_000; i++) {
      const p = partition(rand);
      expect(copy.mayContain(p)).toBe(filter.mayContain(p));
    }
  });

  it('an empty filter contains nothing; bad params are rejected', () => {
    const filter = BloomFilter.forKeys(0);
    expect(filter.bitCount).toBeGreaterThanOrEqual(64);
    expect(filter.mayContain('abcdefgh')).toBe(false);
    expect(() => BloomFilter.fromBytes(new Uint8Array(3), { bitCount: 64, hashCount: 7 })).toThrow();
    expect(() => BloomFilter.fromBytes(new Uint8Array(8), { bitCount: 64, hashCount: 0 })).toThrow();
    expect(() => BloomFilter.forKeys(-1)).toThrow();
  });
});
