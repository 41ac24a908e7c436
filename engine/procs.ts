// Named procedures a shard runs on request: scan filters (pushed down) and row-level
// read-modify-write steps. Requests cross process boundaries as data, so the code they
// run is registered by name in every shard at start-up, by the layers that use them.

import type { Catalog } from './catalog.js';
import type { LiveRow, Mutation, Timestamp, WriterId } from './types.js';

export type FilterProc = (row: LiveRow, args: unknown) => boolean;

export interface RmwContext {
  /** The row addressed (also when it does not exist yet). */
  table: number;
  pkey: string;
  ckey: string;
  /** Timestamp for every cell the step writes: above anything the row holds. */
  ts: Timestamp;
  w: WriterId;
  nowMs: number;
  /**
   * The owning shard's catalog when the step runs: a layer that keeps metadata in table
   * options (Dynamo indexes, TTL) reads the current version here, not the one the request
   * was built with.
   */
  catalog: Catalog;
}

/** Reads the current row (undefined if absent) and returns writes to apply atomically. */
export type RmwProc = (row: LiveRow | undefined, args: unknown, ctx: RmwContext) => { mutations: Mutation[]; result?: unknown };

export class ProcRegistry {
  private readonly filters = new Map<string, FilterProc>();
  private readonly rmws = new Map<string, RmwProc>();

  registerFilter(name: string, fn: FilterProc): this {
    this.filters.set(name, fn);
    return this;
  }

  registerRmw(name: string, fn: RmwProc): this {
    this.rmws.set(name, fn);
    return this;
  }

  filter(name: string): FilterProc {
    const fn = this.filters.get(name);
    if (!fn) throw new Error(`unknown filter procedure "${name}"`);
    return fn;
  }

  rmw(name: string): RmwProc {
    const fn = this.rmws.get(name);
    if (!fn) throw new Error(`unknown read-modify-write procedure "${name}"`);
    return fn;
  }
}
