// Named procedures a shard runs on request: scan filters (pushed down) and row-level
// read-modify-write steps. Requests cross process boundaries as data, so the code they
// run is registered by name in every shard at start-up, by the layers that use them.

import type { Catalog } from './catalog.js';
import type { LiveRow, Mutation, TableSchema, Timestamp, WriterId } from './types.js';

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
export type RmwProc = (row: LiveRow | undefined, args: unknown, ctx: RmwContext) => {
  mutations: Mutation[];
  result?: unknown;
  /** The step failed: in a Shard.commit unit, nothing of the unit is applied. */
  abort?: boolean;
};

/** One row's change as a shard applies it: the live row before and after (undefined: absent). */
export interface RowChange {
  table: TableSchema;
  pkey: string;
  ckey: string;
  before: LiveRow | undefined;
  after: LiveRow | undefined;
  /** A fresh timestamp of the applying shard, above every derived write it made before. */
  ts: Timestamp;
  w: WriterId;
  /** The applying shard and the shard count: derived rows must stay on this shard. */
  shard: number;
  shards: number;
  catalog: Catalog;
}

/**
 * Derived writes (shard-local secondary index entries): given a row's change, the
 * mutations that keep derived rows in step. The shard logs them in the same commit-log
 * record as the change, so base rows and derived rows never disagree after a crash.
 * Every returned mutation must be owned by `change.shard`. Must not throw.
 */
export interface DeriveProc {
  /** Whether writes to this table have derived rows (decides whether the shard reads the row first). */
  applies(table: TableSchema): boolean;
  derive(change: RowChange): Mutation[];
}

/** Index reads: whether an index entry still describes the base row it points to (and the row passes the filter). */
export type IndexCheckProc = (entry: LiveRow, base: LiveRow, args: unknown) => boolean;

/** Runs in a shard's process; arguments and result are plain data (they cross RPC). */
export type TaskProc = (args: unknown) => Promise<unknown>;

export class ProcRegistry {
  private readonly filters = new Map<string, FilterProc>();
  private readonly tasks = new Map<string, TaskProc>();
  private readonly rmws = new Map<string, RmwProc>();
  private readonly indexChecks = new Map<string, IndexCheckProc>();
  private readonly derivers: DeriveProc[] = [];
  private readonly derivesBySchema = new WeakMap<TableSchema, DeriveProc[]>();

  registerDerive(proc: DeriveProc): this {
    this.derivers.push(proc);
    return this;
  }

  /** The derive procedures that apply to a table (cached per schema object). */
  derivesFor(table: TableSchema): DeriveProc[] {
    let list = this.derivesBySchema.get(table);
    if (!list) this.derivesBySchema.set(table, (list = this.derivers.filter((d) => d.applies(table))));
    return list;
  }

  registerIndexCheck(name: string, fn: IndexCheckProc): this {
    this.indexChecks.set(name, fn);
    return this;
  }

  indexCheck(name: string): IndexCheckProc {
    const fn = this.indexChecks.get(name);
    if (!fn) throw new Error(`unknown index check procedure "${name}"`);
    return fn;
  }

  /**
   * A task: a job a layer runs in a given shard's process (Engine.runTask), e.g. one
   * shard's slice of a bulk copy, next to the data it reads. Registered in every process.
   */
  registerTask(name: string, fn: TaskProc): this {
    this.tasks.set(name, fn);
    return this;
  }

  task(name: string): TaskProc {
    const fn = this.tasks.get(name);
    if (!fn) throw new Error(`unknown task "${name}"`);
    return fn;
  }

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
