// DescribeTable's ItemCount / TableSizeBytes and each index's ItemCount / IndexSizeBytes.
//
// DynamoDB refreshes these about every six hours; here each shard process counts its own shard's
// slice of every Dynamo table and index table
// in the background and publishes the result as a row of `dynamo:stats` (`<engine table id>/<shard>`:
// count, bytes, at). DescribeTable, in any process, sums the rows of all shards.
//
// Cost is bounded twice:
//   - per background pass, a shard process evaluates at most STATS_ROWS_PER_PASS rows (a sweep
//     of a large table continues in the next pass, where it stopped);
//   - after a sweep of a table finishes, the next one starts no sooner than
//     max(STATS_SWEEP_GAP_MS_MIN, STATS_SWEEP_GAP_FACTOR × the time the sweep spent scanning),
//     so counting takes about 1/STATS_SWEEP_GAP_FACTOR of a shard's time at most, and small
//     tables are fresh within seconds.
// A count covers live, unexpired items as they were while the sweep passed them: items written
// or deleted during a sweep may or may not be counted, as with DynamoDB's periodic figure.
// Sizes are DynamoDB's item sizes (values.ts `itemSizeBytes`).
import { performance } from 'node:perf_hooks';
import type { DynamoContext } from './context.js';
import { indexView, rowToItem, tableView, type View } from './meta.js';
import { filterArgs, PROC } from './procs.js';
import { ensureSystemTable } from './transactions.js';
import { itemSizeBytes } from './values.js';

export const STATS_TABLE = 'dynamo:stats';
export const STATS_ROWS_PER_PASS = 20_000;
export const STATS_SWEEP_GAP_MS_MIN = 5_000;
export const STATS_SWEEP_GAP_FACTOR = 50;
const PAGE_ROWS = 1000;

export interface TableStats {
  readonly count: number;
  readonly bytes: number;
}

interface Sweep {
  /** Resume key of the sweep in progress; undefined between sweeps. */
  from?: string;
  count: number;
  bytes: number;
  busyMs: number;
  nextStartMs: number;
}

function statsKey(tableId: number, shard: number): string {
  return `${tableId}/${shard}`;
}

/**
 * The views counted: Dynamo tables and their indexes. SQL tables are not (DescribeTable shows 0
 * for them): counting them would add background scans to SQL workloads that never ask.
 */
function countedViews(ctx: DynamoContext): View[] {
  const out: View[] = [];
  for (const schema of ctx.engine.catalog.tables()) {
    const view = tableView(schema);
    if (view?.meta === undefined) continue;
    out.push(view);
    for (const index of view.meta?.indexes ?? []) {
      const iv = indexView(schema, index, ctx.engine.catalog);
      if (iv !== undefined) out.push(iv);
    }
  }
  return out;
}

/** One process's counting over the ranges of its shards; `pass()` is called by the background task. */
export class StatsCounter {
  private readonly sweeps = new Map<string, Sweep>();

  constructor(
    private readonly ctx: DynamoContext,
    private readonly ranges: readonly { readonly shard: number; readonly from: string; readonly to?: string }[],
  ) {}

  async pass(): Promise<void> {
    let budget = STATS_ROWS_PER_PASS;
    const views = countedViews(this.ctx);
    const live = new Set<string>();
    for (const range of this.ranges) {
      for (const view of views) {
        const key = statsKey(view.schema.id, range.shard);
        live.add(key);
        if (budget <= 0) continue;
        budget -= await this.advance(view, range, key, budget);
      }
    }
    for (const k of this.sweeps.keys()) if (!live.has(k)) this.sweeps.delete(k); // dropped tables
  }

  /** Continues (or starts, when due) the sweep of one table on one shard; returns rows evaluated. */
  private async advance(view: View, range: { shard: number; from: string; to?: string }, key: string, budget: number): Promise<number> {
    const nowMs = this.ctx.clock.nowMs();
    let s = this.sweeps.get(key);
    if (s === undefined) {
      s = { count: 0, bytes: 0, busyMs: 0, nextStartMs: 0 };
      this.sweeps.set(key, s);
    }
    if (s.from === undefined) {
      if (nowMs < s.nextStartMs) return 0;
      s.from = range.from;
      s.count = 0;
      s.bytes = 0;
      s.busyMs = 0;
    }
    const args = filterArgs(view, Math.floor(nowMs / 1000), undefined);
    let evaluated = 0;
    while (evaluated < budget) {
      const started = performance.now();
      const page = await this.ctx.engine.scanPage({ table: view.schema.id, from: s.from, to: range.to, limit: PAGE_ROWS, filter: { proc: PROC.filter, args } });
      for (const row of page.rows) {
        s.count++;
        s.bytes += itemSizeBytes(rowToItem(row.values, view));
      }
      s.busyMs += performance.now() - started;
      evaluated += Math.max(1, page.evaluated ?? page.rows.length);
      if (page.next === undefined) {
        await this.publish(view.schema.id, range.shard, { count: s.count, bytes: s.bytes });
        s.from = undefined;
        s.nextStartMs = this.ctx.clock.nowMs() + Math.max(STATS_SWEEP_GAP_MS_MIN, STATS_SWEEP_GAP_FACTOR * s.busyMs);
        break;
      }
      s.from = page.next;
    }
    return evaluated;
  }

  private async publish(tableId: number, shard: number, stats: TableStats): Promise<void> {
    const table = await ensureSystemTable(this.ctx, STATS_TABLE);
    const pkey = this.ctx.engine.catalog.codec(table).pkey([statsKey(tableId, shard)]);
    const ts = this.ctx.engine.now();
    const w = this.ctx.engine.writerId;
    await this.ctx.engine.apply([{
      table, pkey, ckey: '',
      row: { marker: { ts, w, v: true }, cells: { count: { ts, w, v: stats.count }, bytes: { ts, w, v: stats.bytes }, at: { ts, w, v: this.ctx.clock.nowMs() } } },
    }]);
  }
}

/** The latest published figures of an engine table, summed over every shard (0 before the first sweep). */
export async function readStats(ctx: DynamoContext, tableId: number): Promise<TableStats> {
  const table = ctx.engine.catalog.table(STATS_TABLE);
  if (table === undefined) return { count: 0, bytes: 0 };
  const codec = ctx.engine.catalog.codec(table.id);
  const rows = await Promise.all(Array.from({ length: ctx.engine.shardCount }, (_, shard) =>
    ctx.engine.get(table.id, codec.pkey([statsKey(tableId, shard)]), '')));
  let count = 0;
  let bytes = 0;
  for (const r of rows) {
    if (typeof r?.values.count === 'number') count += r.values.count;
    if (typeof r?.values.bytes === 'number') bytes += r.values.bytes;
  }
  return { count, bytes };
}
