// Hybrid logical clock (engine/hlc.ts), DESIGN.md §1 "Timestamps": every write gets an
// HLC timestamp and the writer's id as tie-breaker, so any two writes are totally ordered.
// The wall clock is injected, so every scenario here is exact.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hlc, LOGICAL_PER_MS, physicalMs, TESSERA_EPOCH_MS, timestampAt, type Clock } from '../../engine/hlc.js';
import { compareCells, mergeCell } from '../../engine/rows.js';
import type { Cell } from '../../engine/types.js';

const T0 = Date.UTC(2024, 0, 1);

/** A clock that returns whatever the test sets. */
function manualClock(ms = T0): Clock & { ms: number } {
  return { ms, nowMs() { return this.ms; } };
}

describe('Hlc.now() is strictly monotonic', () => {
  it('under a clock that stands still', () => {
    const clock = manualClock();
    const hlc = new Hlc(clock);
    let prev = hlc.now();
    expect(prev).toBe(timestampAt(T0));
    for (let i = 0; i < 10_000; i++) {
      const ts = hlc.now();
      expect(ts).toBeGreaterThan(prev);
      prev = ts;
    }
    // 10k ticks within one millisecond carry into later milliseconds, never back.
    expect(physicalMs(prev)).toBeGreaterThanOrEqual(T0 + Math.floor(10_000 / LOGICAL_PER_MS));
  });

  it('under a clock that goes backwards, stands still or jumps (any sequence)', () => {
    const step = fc.oneof(
      fc.constant(0),
      fc.integer({ min: -5_000, max: -1 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1_000, max: 10_000_000 }),
      fc.double({ min: -3, max: 3, noNaN: true }), // sub-millisecond clocks
    );
    fc.assert(fc.property(fc.array(fc.tuple(step, fc.integer({ min: 1, max: 5 })), { maxLength: 60 }), (steps) => {
      const clock = manualClock();
      const hlc = new Hlc(clock);
      let prev = -Infinity;
      for (const [delta, calls] of steps) {
        clock.ms += delta;
        for (let i = 0; i < calls; i++) {
          const ts = hlc.now();
          expect(ts).toBeGreaterThan(prev);
          expect(Number.isInteger(ts)).toBe(true);
          // Never behind the wall clock.
          expect(ts).toBeGreaterThanOrEqual(timestampAt(Math.floor(clock.ms)));
          prev = ts;
        }
      }
    }), { numRuns: 500 });
  });

  it('after a jump forward, timestamps follow the new wall time', () => {
    const clock = manualClock();
    const hlc = new Hlc(clock);
    for (let i = 0; i < 100; i++) hlc.now();
    clock.ms += 60_000;
    expect(hlc.now()).toBe(timestampAt(T0 + 60_000));
    clock.ms -= 120_000; // and a step back keeps counting from there
    expect(hlc.now()).toBe(timestampAt(T0 + 60_000) + 1);
  });
});

describe('Hlc.observe()', () => {
  it('makes the next now() exceed a larger remote timestamp', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: -1000, max: 1000 }), (aheadTicks, clockDelta) => {
      const clock = manualClock();
      const hlc = new Hlc(clock);
      const local = hlc.now();
      const remote = local + aheadTicks;
      hlc.observe(remote);
      clock.ms += clockDelta;
      const next = hlc.now();
      expect(next).toBeGreaterThan(remote);
      expect(next).toBeGreaterThan(local);
    }), { numRuns: 500 });
  });

  it('of a smaller timestamp changes nothing', () => {
    const clock = manualClock();
    const a = new Hlc(clock);
    const b = new Hlc(clock);
    a.now(); b.now();
    a.observe(timestampAt(T0 - 10_000));
    expect(a.now()).toBe(b.now());
  });
});

describe('timestamp layout', () => {
  it('physicalMs(timestampAt(ms)) === ms, also with any logical counter', () => {
    fc.assert(fc.property(
      fc.integer({ min: TESSERA_EPOCH_MS, max: TESSERA_EPOCH_MS + 2 ** 40 }),
      fc.integer({ min: 0, max: LOGICAL_PER_MS - 1 }),
      (ms, logical) => {
        expect(physicalMs(timestampAt(ms))).toBe(ms);
        expect(physicalMs(timestampAt(ms) + logical)).toBe(ms);
        expect(Number.isSafeInteger(timestampAt(ms) + logical)).toBe(true);
      },
    ), { numRuns: 2000 });
  });

  it('timestamps order like wall time', () => {
    fc.assert(fc.property(fc.integer({ min: TESSERA_EPOCH_MS, max: T0 * 2 }), fc.integer({ min: TESSERA_EPOCH_MS, max: T0 * 2 }), (a, b) => {
      expect(Math.sign(timestampAt(a) - timestampAt(b))).toBe(Math.sign(a - b));
    }));
  });
});

describe('ties between equal timestamps break by writer id (DESIGN.md §1 Timestamps)', () => {
  it('two writers stamping in the same instant are ordered by writer id, alike on every replica', () => {
    const clock = manualClock();
    const ts1 = new Hlc(clock).now();
    const ts2 = new Hlc(clock).now();
    expect(ts1).toBe(ts2);
    const fromWriter1: Cell = { ts: ts1, w: (1 << 10) | 0, v: 'one' };
    const fromWriter2: Cell = { ts: ts2, w: (2 << 10) | 0, v: 'two' };
    expect(compareCells(fromWriter1, fromWriter2)).toBeLessThan(0);
    expect(compareCells(fromWriter2, fromWriter1)).toBeGreaterThan(0);
    expect(mergeCell(fromWriter1, fromWriter2)).toBe(fromWriter2);
    expect(mergeCell(fromWriter2, fromWriter1)).toBe(fromWriter2);
  });

  it('the writer id decides only when timestamps are equal', () => {
    fc.assert(fc.property(fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), fc.nat({ max: 1 << 20 }), fc.nat({ max: 1 << 20 }), (t1, t2, w1, w2) => {
      const a: Cell = { ts: t1, w: w1, v: 1 };
      const b: Cell = { ts: t2, w: w2, v: 1 };
      const expected = t1 !== t2 ? Math.sign(t1 - t2) : Math.sign(w1 - w2);
      expect(Math.sign(compareCells(a, b))).toBe(expected);
    }));
  });
});
