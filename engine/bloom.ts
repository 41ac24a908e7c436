// Bloom filter over partition keys, one per SSTable (DESIGN.md §1): a read for a partition
// skips every file whose filter says "not here".
//
// Hashing. A partition string begins with the 8 bytes of its 64-bit murmur3 token, which
// is already a good hash, so the filter does not hash the whole key: it takes the token's
// two 32-bit halves, passes each through murmur3's fmix32 (a shard owns a contiguous token
// slice, so the token's top bits are correlated within one file) and probes with double
// hashing, bit_i = (h1 + i * h2) mod bitCount for i in [0, hashCount) (Kirsch and
// Mitzenmacher). Two partitions with the same token share their probes: a false positive,
// never a false negative. Strings shorter than 8 chars (not real partitions) hash whole.
//
// Serialised form (part of the SSTable format): `bits`, a byte array of bitCount / 8
// bytes where bit j is `bits[j >>> 3] & (1 << (j & 7))`, plus the params
// { bitCount, hashCount }. Changing the hashing changes the on-disk format.

export interface BloomParams {
  /** Number of bits; a multiple of 8. */
  bitCount: number;
  /** Number of probes per key. */
  hashCount: number;
}

/** ~10 bits per key with 7 probes gives a false-positive rate of about 0.8%. */
export const BLOOM_BITS_PER_KEY_DEFAULT = 10;
const BLOOM_BITS_MIN = 64;
/** One Uint8Array; 2^31 bits is 256 MiB, far above any sane SSTable. */
const BLOOM_BITS_MAX = 2 ** 31;
const BLOOM_HASHES_MAX = 30;

const TOKEN_CHARS = 8;

export class BloomFilter {
  readonly bitCount: number;
  readonly hashCount: number;
  private readonly bits: Uint8Array;

  private constructor(params: BloomParams, bits: Uint8Array) {
    assertParams(params);
    if (bits.length !== params.bitCount / 8) {
      throw new Error(`bloom: ${bits.length} bytes for ${params.bitCount} bits`);
    }
    this.bitCount = params.bitCount;
    this.hashCount = params.hashCount;
    this.bits = bits;
  }

  /** An empty filter sized for `expectedKeys` keys at `bitsPerKey` bits each. */
  static forKeys(expectedKeys: number, bitsPerKey: number = BLOOM_BITS_PER_KEY_DEFAULT): BloomFilter {
    if (!Number.isSafeInteger(expectedKeys) || expectedKeys < 0) {
      throw new Error(`bloom: expectedKeys must be a non-negative integer, got ${expectedKeys}`);
    }
    if (!(bitsPerKey >= 1 && bitsPerKey <= 64)) throw new Error(`bloom: bitsPerKey ${bitsPerKey} out of range`);
    const wanted = Math.ceil((expectedKeys * bitsPerKey) / 8) * 8;
    const bitCount = Math.min(BLOOM_BITS_MAX, Math.max(BLOOM_BITS_MIN, wanted));
    // Optimal probe count is bitsPerKey * ln 2 (6.93 for 10 bits per key).
    const hashCount = Math.max(1, Math.min(BLOOM_HASHES_MAX, Math.round(bitsPerKey * Math.LN2)));
    return new BloomFilter({ bitCount, hashCount }, new Uint8Array(bitCount / 8));
  }

  /** Rebuilds a filter from `toBytes()` and `params()`; throws Error if they disagree. */
  static fromBytes(bytes: Uint8Array, params: BloomParams): BloomFilter {
    return new BloomFilter(params, bytes);
  }

  params(): BloomParams {
    return { bitCount: this.bitCount, hashCount: this.hashCount };
  }

  /** The bit array itself (not a copy): do not modify it. */
  toBytes(): Uint8Array {
    return this.bits;
  }

  add(partition: string): void {
    const [h1, h2] = baseHashes(partition);
    for (let i = 0; i < this.hashCount; i++) {
      const bit = (h1 + i * h2) % this.bitCount;
      this.bits[bit >>> 3] |= 1 << (bit & 7);
    }
  }

  /** False means the partition was never added; true means it may have been. */
  mayContain(partition: string): boolean {
    const [h1, h2] = baseHashes(partition);
    for (let i = 0; i < this.hashCount; i++) {
      const bit = (h1 + i * h2) % this.bitCount;
      if ((this.bits[bit >>> 3] & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }
}

function assertParams(params: BloomParams): void {
  const { bitCount, hashCount } = params;
  if (!Number.isSafeInteger(bitCount) || bitCount < 8 || bitCount > BLOOM_BITS_MAX || bitCount % 8 !== 0) {
    throw new Error(`bloom: bad bitCount ${bitCount}`);
  }
  if (!Number.isSafeInteger(hashCount) || hashCount < 1 || hashCount > BLOOM_HASHES_MAX) {
    throw new Error(`bloom: bad hashCount ${hashCount}`);
  }
}

/**
 * The two base hashes, as unsigned 32-bit numbers; h2 is odd so that successive probes
 * differ. (h1 + i * h2) stays below 2^37 for i < 30, exact in a float64.
 */
function baseHashes(partition: string): [number, number] {
  let hi: number;
  let lo: number;
  if (partition.length >= TOKEN_CHARS) {
    hi = ((partition.charCodeAt(0) << 24) | (partition.charCodeAt(1) << 16) |
      (partition.charCodeAt(2) << 8) | partition.charCodeAt(3)) >>> 0;
    lo = ((partition.charCodeAt(4) << 24) | (partition.charCodeAt(5) << 16) |
      (partition.charCodeAt(6) << 8) | partition.charCodeAt(7)) >>> 0;
  } else {
    hi = fnv1a(partition, 0x811c9dc5);
    lo = fnv1a(partition, 0x050c5d1f);
  }
  const h1 = fmix32(lo ^ Math.imul(hi, 0x9e3779b1));
  const h2 = (fmix32(hi ^ Math.imul(lo, 0x85ebca77) ^ 0x27d4eb2f) | 1) >>> 0;
  return [h1, h2];
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv1a(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
