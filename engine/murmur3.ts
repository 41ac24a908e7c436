// MurmurHash3 x64 128-bit, first 64 bits (h1): the partitioner hash of Cassandra and Scylla.
// 64-bit lanes are (hi, lo) pairs of uint32 so the hot path needs no BigInt.
// Input is a latin1 string (one char = one byte), the form every encoded key takes.

let h1h = 0, h1l = 0, h2h = 0, h2l = 0, kh = 0, kl = 0;
// Scratch result of mul64/rotl64/fmix64.
let rh = 0, rl = 0;

function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rl = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  rh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

function rotl64(h: number, l: number, r: number): void {
  if (r >= 32) { const t = h; h = l; l = t; r -= 32; }
  if (r === 0) { rh = h; rl = l; return; }
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

function add64(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

function fmix64(h: number, l: number): void {
  l = (l ^ (h >>> 1)) >>> 0; // k ^= k >>> 33
  mul64(h, l, 0xff51afd7, 0xed558ccd);
  h = rh; l = (rl ^ (rh >>> 1)) >>> 0;
  mul64(h, l, 0xc4ceb9fe, 0x1a85ec53);
  h = rh; l = (rl ^ (rh >>> 1)) >>> 0;
  rh = h; rl = l;
}

const C1H = 0x87c37b91, C1L = 0x114253d5, C2H = 0x4cf5ad43, C2L = 0x2745937f;

function mixK1(): void {
  mul64(kh, kl, C1H, C1L); rotl64(rh, rl, 31); mul64(rh, rl, C2H, C2L);
  h1h = (h1h ^ rh) >>> 0; h1l = (h1l ^ rl) >>> 0;
}

function mixK2(): void {
  mul64(kh, kl, C2H, C2L); rotl64(rh, rl, 33); mul64(rh, rl, C1H, C1L);
  h2h = (h2h ^ rh) >>> 0; h2l = (h2l ^ rl) >>> 0;
}

function le32(s: string, i: number): number {
  return (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
}

/** Returns h1 of murmur3_x64_128(seed 0) as [hi, lo] uint32 (the scratch array is reused). */
export function murmur3h1(s: string): [number, number] {
  const len = s.length;
  h1h = h1l = h2h = h2l = 0;
  const blocks = len >>> 4;
  for (let b = 0; b < blocks; b++) {
    const i = b << 4;
    kl = le32(s, i); kh = le32(s, i + 4); mixK1();
    rotl64(h1h, h1l, 27); add64(rh, rl, h2h, h2l);
    mul64(rh, rl, 0, 5); add64(rh, rl, 0, 0x52dce729); h1h = rh; h1l = rl;
    kl = le32(s, i + 8); kh = le32(s, i + 12); mixK2();
    rotl64(h2h, h2l, 31); add64(rh, rl, h1h, h1l);
    mul64(rh, rl, 0, 5); add64(rh, rl, 0, 0x38495ab5); h2h = rh; h2l = rl;
  }
  const tail = blocks << 4, rem = len & 15;
  if (rem > 8) {
    kh = 0; kl = 0;
    for (let j = rem - 1; j >= 8; j--) {
      const byte = s.charCodeAt(tail + j), shift = (j - 8) * 8;
      if (shift >= 32) kh = (kh | (byte << (shift - 32))) >>> 0; else kl = (kl | (byte << shift)) >>> 0;
    }
    mixK2();
  }
  if (rem > 0) {
    kh = 0; kl = 0;
    for (let j = Math.min(rem, 8) - 1; j >= 0; j--) {
      const byte = s.charCodeAt(tail + j), shift = j * 8;
      if (shift >= 32) kh = (kh | (byte << (shift - 32))) >>> 0; else kl = (kl | (byte << shift)) >>> 0;
    }
    mixK1();
  }
  h1l = (h1l ^ len) >>> 0; h2l = (h2l ^ len) >>> 0; // len < 2^32
  add64(h1h, h1l, h2h, h2l); h1h = rh; h1l = rl;
  add64(h2h, h2l, h1h, h1l); h2h = rh; h2l = rl;
  fmix64(h1h, h1l); h1h = rh; h1l = rl;
  fmix64(h2h, h2l); h2h = rh; h2l = rl;
  add64(h1h, h1l, h2h, h2l);
  out[0] = rh; out[1] = rl;
  return out;
}
const out: [number, number] = [0, 0];
