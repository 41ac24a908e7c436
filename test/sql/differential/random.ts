// A small seeded random source for the differential test's generator: every schema and
// every query gets its own stream derived from (base seed, schema, query), so one failing
// query replays from its numbers alone, whatever ran before it.

export class Rand {
  private state: number;

  constructor(...seeds: number[]) {
    // FNV-1a over the seed words, then mulberry32 steps.
    let h = 0x811c9dc5;
    for (const s of seeds) {
      for (let k = 0; k < 4; k++) { h ^= (s >>> (k * 8)) & 0xff; h = Math.imul(h, 0x01000193); }
    }
    this.state = h >>> 0;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  }

  /** True with probability p. */
  chance(p: number): boolean { return this.int(1_000_000) < p * 1_000_000; }

  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }

  /** A random subset of a, in random order, of size between min and max. */
  some<T>(a: readonly T[], min: number, max: number): T[] {
    const rest = [...a];
    const n = Math.min(rest.length, min + this.int(Math.max(1, max - min + 1)));
    const out: T[] = [];
    for (let k = 0; k < n; k++) out.push(rest.splice(this.int(rest.length), 1)[0]);
    return out;
  }
}
