// Hybrid logical clock (DESIGN.md §1 "Timestamps"). A timestamp is one float64:
// (ms since TESSERA_EPOCH_MS) * 4096 + logical. Incrementing it carries the logical
// counter into the millisecond, so `max(last + 1, physical)` is the whole algorithm.

import type { Timestamp } from './types.js';

export const TESSERA_EPOCH_MS = Date.UTC(2020, 0, 1);
export const LOGICAL_PER_MS = 4096;

/** Injected wall clock, so simulations can replay time exactly. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export function timestampAt(ms: number): Timestamp {
  return (ms - TESSERA_EPOCH_MS) * LOGICAL_PER_MS;
}

/** Wall-clock milliseconds a timestamp was issued at. */
export function physicalMs(ts: Timestamp): number {
  return Math.floor(ts / LOGICAL_PER_MS) + TESSERA_EPOCH_MS;
}

export class Hlc {
  private last: Timestamp = 0;

  constructor(private readonly clock: Clock) {}

  /** A timestamp greater than every one issued or observed before. */
  now(): Timestamp {
    const physical = timestampAt(Math.floor(this.clock.nowMs()));
    this.last = Math.max(this.last + 1, physical);
    return this.last;
  }

  /** Take in a timestamp seen elsewhere (a remote write, a row read), keeping causality. */
  observe(ts: Timestamp): void {
    if (ts > this.last) this.last = ts;
  }
}
