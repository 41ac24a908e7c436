// Bounded pipelining of engine writes for bulk work (INSERT ... SELECT into row-id
// tables, COPY, ADD PRIMARY KEY copies): several apply calls in flight let the commit
// log's group commit cover them with one fsync, instead of one fsync per batch.

import type { Engine } from '../engine/engine.js';
import type { Mutation } from '../engine/types.js';

/** Apply calls a bulk writer keeps in flight. */
export const APPLIES_IN_FLIGHT = 4;

export class ApplyPipeline {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  constructor(private readonly engine: Engine, private readonly max = APPLIES_IN_FLIGHT) {}

  /** Queues a batch; waits only when `max` batches are already in flight. */
  async write(mutations: Mutation[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (mutations.length === 0) return;
    const p: Promise<void> = this.engine.apply(mutations).then(
      () => {
        this.inFlight.delete(p);
      },
      (e: unknown) => {
        this.inFlight.delete(p);
        this.failure ??= e;
      },
    );
    this.inFlight.add(p);
    while (this.inFlight.size >= this.max) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for every queued batch to be durable; rethrows the first failure. */
  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }
}
