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
  /** For 'load': the incarnation each shard written to reported (Engine.load). */
  readonly incarnations = new Map<number, number>();

  /**
   * `mode` 'load' writes through Engine.load (no commit log; durable only after
   * Engine.flush) and is only for tables nobody else can see yet.
   */
  constructor(private readonly engine: Engine, private readonly max = APPLIES_IN_FLIGHT, private readonly mode: 'apply' | 'load' = 'apply') {}

  private send(mutations: Mutation[]): Promise<void> {
    if (this.mode === 'apply') return this.engine.apply(mutations);
    return this.engine.load(mutations).then((got) => {
      for (const [shard, incarnation] of got) {
        const seen = this.incarnations.get(shard);
        if (seen === undefined) this.incarnations.set(shard, incarnation);
        // Different incarnations: the shard restarted and lost what it had loaded.
        else if (seen !== incarnation) this.incarnations.set(shard, -1);
      }
    });
  }

  /** Queues a batch; waits only when `max` batches are already in flight. */
  async write(mutations: Mutation[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (mutations.length === 0) return;
    const p: Promise<void> = this.send(mutations).then(
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
