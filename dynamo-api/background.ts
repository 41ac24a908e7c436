// Background work of the Dynamo layer in one process, over the token ranges of the shards
// it hosts (one in `tessera start`, all of them with openLocalNode):
//   - TTL: items past their expiry already vanish from every read; here they are deleted,
//     through the same conditional write as DeleteItem (so indexes follow and a write that
//     renewed the TTL meanwhile wins);
//   - transactions: log records older than TXLOG_RECOVER_AFTER_MS belong to a commit that
//     did not finish (its front end died); their mutations are applied again;
//   - once every INTENT_SWEEP_INTERVAL_MS, index intents that old (a GSI write that failed
//     without a crash; intents.ts);
//   - DescribeTable's item counts and sizes (stats.ts), within its own budget.
// `recoverAtStart`, before the process serves: every transaction-log record and index intent
// of its shards' ranges, and the index intents its own front end left on other shards.
// Every pass is bounded (TTL_DELETES_PER_PASS per table) and `stop()` waits for the current one.
import { shardStartKey } from '../engine/engine.js';
import { nowSec, type DynamoContext } from './context.js';
import { INTENT_SWEEP_INTERVAL_MS, recoverIndexIntents } from './intents.js';
import { runWrite } from './items.js';
import { keyOf, rowToItem, tableView } from './meta.js';
import { filterArgs, PROC, type FilterArgs } from './procs.js';
import { StatsCounter } from './stats.js';
import { recoverTransactions } from './transactions.js';

export const TTL_DELETES_PER_PASS = 1000;
export const TXLOG_RECOVER_AFTER_MS = 30_000;
const DEFAULT_INTERVAL_MS = 5000;

export interface BackgroundOptions {
  /** Shards whose token ranges this process sweeps. */
  readonly shards: readonly number[];
  readonly intervalMs?: number;
}

export interface Background {
  /** Runs one pass now (tests). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

function rangeOf(ctx: DynamoContext, shard: number): { from: string; to?: string } {
  const n = ctx.engine.shardCount;
  return { from: shard === 0 ? '' : shardStartKey(shard, n), to: shard + 1 < n ? shardStartKey(shard + 1, n) : undefined };
}

/** Deletes expired items of every TTL-enabled table in the range; returns how many. */
export async function sweepExpired(ctx: DynamoContext, range: { from: string; to?: string }): Promise<number> {
  let deleted = 0;
  for (const schema of ctx.engine.catalog.tables()) {
    const view = tableView(schema);
    const ttl = view?.meta?.ttl;
    if (!view || !ttl?.enabled) continue;
    const now = nowSec(ctx);
    const args: FilterArgs = { ...filterArgs(view, now, undefined), expiredOnly: true };
    let from = range.from;
    let perTable = 0;
    while (perTable < TTL_DELETES_PER_PASS) {
      const page = await ctx.engine.scanPage({ table: schema.id, from, to: range.to, limit: 100, filter: { proc: PROC.filter, args } });
      for (const row of page.rows) {
        const item = rowToItem(row.values, view);
        try {
          await runWrite(ctx, view, keyOf(view, item), { kind: 'expire' });
          perTable++;
        } catch {
          // Renewed, deleted meanwhile, or in a transaction: the next pass looks again.
        }
      }
      if (page.next === undefined) break;
      from = page.next;
    }
    deleted += perTable;
  }
  return deleted;
}

/**
 * Finishes what a crash interrupted, before serving: in these shards' ranges every index intent
 * and transaction-log record; in the other shards' ranges the index intents this process's front
 * end wrote (it died, they did not). GSIs and tables then agree from the first request.
 */
export async function recoverAtStart(ctx: DynamoContext, shards: readonly number[]): Promise<{ transactions: number; intents: number }> {
  let transactions = 0;
  let intents = 0;
  for (let shard = 0; shard < ctx.engine.shardCount; shard++) {
    const range = rangeOf(ctx, shard);
    if (shards.includes(shard)) {
      intents += await recoverIndexIntents(ctx.engine, range);
      transactions += await recoverTransactions(ctx, range, 0);
    } else {
      intents += await recoverIndexIntents(ctx.engine, range, { frontEnd: ctx.engine.writerId });
    }
  }
  return { transactions, intents };
}

export function startBackground(ctx: DynamoContext, opts: BackgroundOptions): Background {
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stats = new StatsCounter(ctx, opts.shards.map((shard) => ({ shard, ...rangeOf(ctx, shard) })));
  let intentsSweptMs = ctx.clock.nowMs();

  const pass = async (): Promise<void> => {
    for (const shard of opts.shards) {
      if (stopped) return;
      const range = rangeOf(ctx, shard);
      try {
        await recoverTransactions(ctx, range, TXLOG_RECOVER_AFTER_MS);
        await sweepExpired(ctx, range);
      } catch (e) {
        ctx.log('warn', 'dynamo background pass failed', { shard, error: (e as Error).message });
      }
    }
    const nowMs = ctx.clock.nowMs();
    if (nowMs - intentsSweptMs >= INTENT_SWEEP_INTERVAL_MS) {
      intentsSweptMs = nowMs;
      for (const shard of opts.shards) {
        if (stopped) return;
        try {
          await recoverIndexIntents(ctx.engine, rangeOf(ctx, shard), { writtenByMs: nowMs - INTENT_SWEEP_INTERVAL_MS });
        } catch (e) {
          ctx.log('warn', 'dynamo index intent sweep failed', { shard, error: (e as Error).message });
        }
      }
    }
    if (stopped) return;
    try {
      await stats.pass();
    } catch (e) {
      ctx.log('warn', 'dynamo table statistics pass failed', { error: (e as Error).message });
    }
  };
  const runOnce = (): Promise<void> => {
    running ??= pass().finally(() => { running = undefined; });
    return running;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void runOnce().finally(schedule), intervalMs);
    timer.unref();
  };
  schedule();
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
