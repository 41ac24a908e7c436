// The engine as the SQL and Dynamo layers see it: one object per process that routes
// every request to the shard owning its token, locally or over IPC (DESIGN.md §1).

import { Catalog, type CatalogState, type Ddl } from './catalog.js';
import type { Hlc } from './hlc.js';
import { shardOf } from './keys.js';
import { maxTimestamp } from './rows.js';
import type { IndexScanRequest } from './local-index.js';
import type { RmwRequest, ScanPage, ScanRequest } from './shard.js';
import type { LiveRow, Mutation, TableSchema, Timestamp } from './types.js';

/** What one shard offers the rest of the node, wherever it runs. */
export interface ShardEndpoint {
  apply(mutations: Mutation[]): Promise<void>;
  get(table: number, pkey: string, ckey: string): Promise<LiveRow | undefined>;
  scan(req: ScanRequest): Promise<ScanPage>;
  rmw(req: RmwRequest): Promise<unknown>;
  /** Mutations and read-modify-write steps as one atomic, durable unit (Shard.commit). */
  commit(mutations: Mutation[], steps: RmwRequest[]): Promise<unknown[]>;
  indexScan(req: IndexScanRequest): Promise<ScanPage>;
  /** Unlogged bulk load into an invisible table (Shard.load); resolves to the shard's incarnation. */
  load(mutations: Mutation[]): Promise<number>;
  /** Makes everything applied or loaded so far durable in SSTables (Shard.flushDurable). */
  flush(): Promise<number>;
  /** Runs a registered task in the shard's process (Shard.runTask). */
  task(name: string, args: unknown): Promise<unknown>;
}

/** Serialises schema changes node-wide and returns the catalog after the change. */
export interface SchemaCoordinator {
  ddl(ddl: Ddl): Promise<CatalogState>;
}

const TWO32 = 2 ** 32;

/** The smallest key owned by shard i: keys start with the token's big-endian bytes. */
export function shardStartKey(i: number, shards: number): string {
  const top = Math.ceil((i * TWO32) / shards);
  return String.fromCharCode(top >>> 24, (top >>> 16) & 255, (top >>> 8) & 255, top & 255);
}

export interface EngineOptions {
  shards: ShardEndpoint[];
  catalog: Catalog;
  coordinator: SchemaCoordinator;
  hlc: Hlc;
  writerId: number;
}

export class Engine {
  readonly catalog: Catalog;
  readonly writerId: number;
  private readonly shards: ShardEndpoint[];
  private readonly coordinator: SchemaCoordinator;
  private readonly hlc: Hlc;

  constructor(opts: EngineOptions) {
    this.shards = opts.shards;
    this.catalog = opts.catalog;
    this.coordinator = opts.coordinator;
    this.hlc = opts.hlc;
    this.writerId = opts.writerId;
  }

  get shardCount(): number {
    return this.shards.length;
  }

  shardOf(pkey: string): number {
    return shardOf(pkey, this.shards.length);
  }

  /** A fresh HLC timestamp; one statement's writes share one. */
  now(): Timestamp {
    return this.hlc.now();
  }

  table(name: string): TableSchema {
    return this.catalog.require(name);
  }

  async ddl(ddl: Ddl): Promise<CatalogState> {
    const state = await this.coordinator.ddl(ddl);
    if (state.version > this.catalog.version) this.catalog.set(state);
    return state;
  }

  /** Applies mutations; each shard's part is atomic and durable when this resolves. */
  async apply(mutations: Mutation[]): Promise<void> {
    // The owning shard's clock observes these timestamps, but that may not be this
    // engine's clock: observe them here too, so now() orders later writes after them.
    for (const m of mutations) this.hlc.observe(maxTimestamp(m.row));
    if (this.shards.length === 1) return this.shards[0].apply(mutations);
    await Promise.all([...this.byShard(mutations)].map(([s, list]) => this.shards[s].apply(list)));
  }

  /** Items grouped by the shard owning their partition key, in their order. */
  private byShard<T extends { pkey: string }>(items: readonly T[]): Map<number, T[]> {
    const out = new Map<number, T[]>();
    for (const item of items) {
      const s = this.shardOf(item.pkey);
      let list = out.get(s);
      if (!list) out.set(s, (list = []));
      list.push(item);
    }
    return out;
  }

  /**
   * Bulk-loads mutations into a table nobody else can see yet, bypassing the commit log
   * (Shard.load). Returns, per shard written to, that shard's incarnation; the rows are
   * durable only once flush() returns the same incarnations.
   */
  async load(mutations: Mutation[]): Promise<Map<number, number>> {
    for (const m of mutations) this.hlc.observe(maxTimestamp(m.row));
    const out = new Map<number, number>();
    await Promise.all([...this.byShard(mutations)].map(async ([s, list]) => out.set(s, await this.shards[s].load(list))));
    return out;
  }

  /** Flushes every shard's memtables to fsynced SSTables; returns each shard's incarnation. */
  async flush(): Promise<number[]> {
    return Promise.all(this.shards.map((s) => s.flush()));
  }

  /** Runs the task `name` (ProcRegistry.registerTask) in the process of shard `shard`. */
  runTask(shard: number, name: string, args: unknown): Promise<unknown> {
    if (!(shard >= 0 && shard < this.shards.length)) throw new Error(`assertion failed: task for shard ${shard} of ${this.shards.length}`);
    return this.shards[shard].task(name, args);
  }

  get(table: number, pkey: string, ckey: string): Promise<LiveRow | undefined> {
    return this.shards[this.shardOf(pkey)].get(table, pkey, ckey);
  }

  rmw(req: RmwRequest): Promise<unknown> {
    return this.shards[this.shardOf(req.pkey)].rmw(req);
  }

  /**
   * Applies mutations and read-modify-write steps that all belong to one shard as one
   * atomic, durable unit there (Shard.commit); returns the steps' results. A step that
   * aborts leaves everything unapplied.
   */
  commit(mutations: Mutation[], steps: RmwRequest[]): Promise<unknown[]> {
    const first = mutations[0]?.pkey ?? steps[0]?.pkey;
    if (first === undefined) return Promise.resolve([]);
    const shard = this.shardOf(first);
    if (mutations.some((m) => this.shardOf(m.pkey) !== shard) || steps.some((r) => this.shardOf(r.pkey) !== shard)) {
      throw new Error('assertion failed: Engine.commit spans shards');
    }
    for (const m of mutations) this.hlc.observe(maxTimestamp(m.row));
    return this.shards[shard].commit(mutations, steps);
  }

  /**
   * Engine.commit of each shard's part of mutations and steps, all shards in parallel:
   * atomic per shard, not across them. Settles every part, so a caller sees all outcomes.
   */
  commitPerShard(mutations: Mutation[], steps: RmwRequest[]): Promise<PromiseSettledResult<unknown[]>[]> {
    const muts = this.byShard(mutations), reqs = this.byShard(steps);
    const shards = new Set([...muts.keys(), ...reqs.keys()]);
    return Promise.allSettled([...shards].map((s) => this.commit(muts.get(s) ?? [], reqs.get(s) ?? [])));
  }

  /** One page of a shard-local index read on shard `shard` (engine/local-index.ts). */
  indexScanPage(shard: number, req: IndexScanRequest): Promise<ScanPage> {
    return this.shards[shard].indexScan(req);
  }

  /**
   * One page of a key-ordered scan over [from, to). Shards own contiguous token ranges
   * in order, so a page comes from the shard owning `from`; `next` moves on to the next
   * shard when this one's part of the range is exhausted.
   */
  async scanPage(req: ScanRequest): Promise<ScanPage> {
    if (req.reverse) return this.scanPageReverse(req);
    const from = req.from ?? '';
    const i = from === '' ? 0 : this.shardOf(from.padEnd(4, '\x00'));
    const boundary = i + 1 < this.shards.length ? shardStartKey(i + 1, this.shards.length) : undefined;
    const clipped = boundary !== undefined && (req.to === undefined || req.to > boundary);
    const page = await this.shards[i].scan({ ...req, from, to: clipped ? boundary : req.to, toInclusive: clipped ? false : req.toInclusive });
    if (page.next === undefined && clipped) return { ...page, next: boundary };
    return page;
  }

  /**
   * One page of a descending scan over [from, to): from the shard owning the top of the
   * range; `next` is the following page's exclusive `to`, the shard's start key when this
   * shard's part is exhausted.
   */
  private async scanPageReverse(req: ScanRequest): Promise<ScanPage> {
    const from = req.from ?? '';
    const n = this.shards.length;
    let j = req.to === undefined ? n - 1 : this.shardOf(req.to.padEnd(4, '\x00'));
    if (j > 0 && req.to !== undefined && !req.toInclusive && req.to <= shardStartKey(j, n)) j--;
    const start = j > 0 ? shardStartKey(j, n) : '';
    const clipped = from < start;
    const page = await this.shards[j].scan({ ...req, from: clipped ? start : from });
    if (page.next === undefined && clipped) return { ...page, next: start };
    return page;
  }

  /** Streams every live row in [from, to) in key order; first pages of all shards are fetched in parallel. */
  async *scan(req: ScanRequest): AsyncGenerator<LiveRow> {
    if (req.reverse) throw new Error('assertion failed: Engine.scan streams ascending; page descending scans with scanPage');
    const from = req.from ?? '';
    const first = from === '' ? 0 : this.shardOf(from.padEnd(4, '\x00'));
    const last = req.to === undefined ? this.shards.length - 1 : this.shardOf(req.to.padEnd(4, '\x00'));
    const pending: Promise<ScanPage>[] = [];
    for (let i = first; i <= last; i++) {
      const start = i === first ? from : shardStartKey(i, this.shards.length);
      pending.push(this.scanPage({ ...req, from: start }));
    }
    for (let k = 0; k < pending.length; k++) {
      const shardEnd = first + k + 1 < this.shards.length ? shardStartKey(first + k + 1, this.shards.length) : undefined;
      let page = await pending[k];
      for (;;) {
        const next = page.next !== undefined && page.next !== shardEnd ? page.next : undefined;
        const ahead = next !== undefined ? this.scanPage({ ...req, from: next }) : undefined;
        yield* page.rows;
        if (!ahead) break;
        page = await ahead;
      }
    }
  }
}
