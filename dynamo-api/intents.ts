// Index intents: what makes a GSI follow its table across a crash.
//
// A write step (procs.ts `dynamo.write`, and `dynamo.txCommit` of a one-item transaction) runs on
// the item's shard; the item's GSI entries live on other shards and are applied by the front end
// afterwards. A crash in between (of the front end's process or of the whole node) would leave
// the index without the change. So when a step has GSI mutations, it also writes an *intent* -
// the GSI mutations themselves, and the front end's writer id - into the `dynamo:indexlog`
// table, in the same commit-log record as the item: after any crash, either neither exists or
// both do. The front end applies the GSI mutations, then deletes the intent. Intents left behind
// are applied again when a shard process starts, before it serves or reports ready
// (`recoverAtStart` in background.ts):
//   - every intent in its own shard's range: the node (or this shard) crashed;
//   - the intents in every other shard's range that its own front end wrote: this process died
//     while other shards lived on (the supervisor restarts it).
// A GSI write can also fail without a crash (the index's shard unreachable for longer than the
// RPC retries): the background task re-applies its shards' intents older than
// INTENT_SWEEP_INTERVAL_MS, once per that interval. That is the only scan of the intent table
// while the node runs; gc_grace_seconds INTENT_GC_GRACE_SECONDS lets compaction purge deleted
// intents soon, so the scan stays short.
// GSI mutations carry the item's timestamp, so applying them late or twice never undoes a newer
// write: re-applying is always safe, also while a front end is still applying them itself.
//
// Placement: an intent must live on the item's shard, and a step does not know the shard count.
// Its partition key is therefore the item's token followed by the encoded tuple ('i'): the token
// decides the shard (engine/keys.ts `shardOf`), so the intent shares the item's shard and token
// range (and would move with it). The clustering key is the step's timestamp and writer id,
// unique per shard.
import { SchemaError, type Catalog } from '../engine/catalog.js';
import type { Engine } from '../engine/engine.js';
import { TOKEN_CHARS } from '../engine/keys.js';
import { RemoteError } from '../engine/rpc.js';
import type { Cell, Mutation, Timestamp, Value, WriterId } from '../engine/types.js';

export const INDEX_LOG_TABLE = 'dynamo:indexlog';
/** Deleted intents are purged by the first compaction after this (engine default: 10 days). */
export const INTENT_GC_GRACE_SECONDS = 60;
/** How often, and from what age, the background re-applies intents its front ends left. */
export const INTENT_SWEEP_INTERVAL_MS = 60_000;
/** Intent rows read per page during recovery. */
const RECOVERY_PAGE_ROWS = 100;
/** Pages one recovery call reads at most (the next pass continues). */
const RECOVERY_PAGES_MAX = 1000;

/** Where an intent is, and the timestamp a deletion must reach to remove it. */
export interface IntentKey {
  readonly table: number;
  readonly pkey: string;
  readonly ckey: string;
  readonly ts: Timestamp;
  readonly w: WriterId;
}

/** Creates the intent table if it is missing (idempotent; any process). */
export async function ensureIndexLog(engine: Engine): Promise<void> {
  if (engine.catalog.table(INDEX_LOG_TABLE) !== undefined) return;
  await engine.ddl({
    kind: 'create',
    ifNotExists: true,
    table: {
      name: INDEX_LOG_TABLE,
      columns: [{ name: 'bucket', type: 'text', notNull: true }, { name: 'id', type: 'text', notNull: true }],
      partitionKey: ['bucket'],
      clusteringKey: ['id'],
      options: { dynamoSystem: true, gc_grace_seconds: INTENT_GC_GRACE_SECONDS },
    },
  });
}

/**
 * The intent mutation for a step's GSI mutations, on the item's shard (same token as `itemPkey`);
 * undefined when the intent table does not exist in this catalog (a front end creates it first).
 */
export function intentFor(
  catalog: Catalog,
  step: { readonly pkey: string; readonly ts: Timestamp; readonly w: WriterId; readonly nowMs: number; readonly frontEnd?: WriterId },
  remote: readonly Mutation[],
): { mutation: Mutation; key: IntentKey } | undefined {
  const schema = catalog.table(INDEX_LOG_TABLE);
  if (schema === undefined || remote.length === 0) return undefined;
  const codec = catalog.codec(schema.id);
  const pkey = step.pkey.slice(0, TOKEN_CHARS) + codec.pkey(['i']).slice(TOKEN_CHARS);
  const ckey = codec.ckey([`${step.ts}/${step.w}`]);
  const { ts, w } = step;
  const cells: Record<string, Cell> = { muts: { ts, w, v: remote as unknown as Value }, at: { ts, w, v: step.nowMs } };
  if (step.frontEnd !== undefined) cells.fe = { ts, w, v: step.frontEnd };
  const mutation: Mutation = { table: schema.id, pkey, ckey, row: { marker: { ts, w, v: true }, cells } };
  return { mutation, key: { table: schema.id, pkey, ckey, ts, w } };
}

/** Deletes an intent whose mutations were applied (a row tombstone at the intent's timestamp). */
export function clearIntent(engine: Engine, key: IntentKey): Promise<void> {
  return engine.apply([{ table: key.table, pkey: key.pkey, ckey: key.ckey, row: { del: { ts: key.ts, w: key.w } } }]);
}

/**
 * Applies logged mutations, leaving out those of tables dropped since (a GSI deleted, a table
 * deleted): they have nothing left to repair, and recovery must not fail on them.
 */
export async function applyToExistingTables(engine: Engine, logged: unknown): Promise<void> {
  if (!Array.isArray(logged)) return;
  const live = (logged as Mutation[]).filter((m) => engine.catalog.tableById(m.table) !== undefined);
  if (live.length === 0) return;
  try {
    await engine.apply(live);
  } catch (e) {
    // Dropped between the check and the apply: the same as above.
    if (e instanceof SchemaError || (e instanceof RemoteError && e.remoteName === 'SchemaError')) return;
    throw e;
  }
}

/** Which intents a recovery applies. */
export interface IntentSelection {
  /** Only those this front end wrote. */
  readonly frontEnd?: WriterId;
  /** Only those written at or before this wall-clock time. */
  readonly writtenByMs?: number;
}

/**
 * Applies the selected intents in [from, to), then deletes them. Returns how many it finished.
 * Bounded: RECOVERY_PAGES_MAX pages per call.
 */
export async function recoverIndexIntents(engine: Engine, range: { from?: string; to?: string }, select: IntentSelection = {}): Promise<number> {
  const schema = engine.catalog.table(INDEX_LOG_TABLE);
  if (schema === undefined) return 0;
  const filter = select.frontEnd === undefined ? undefined : { proc: 'engine.eq', args: { column: 'fe', value: select.frontEnd } };
  let n = 0;
  let from = range.from;
  for (let pages = 0; pages < RECOVERY_PAGES_MAX; pages++) {
    const page = await engine.scanPage({ table: schema.id, from, to: range.to, limit: RECOVERY_PAGE_ROWS, filter });
    for (const row of page.rows) {
      const at = row.values.at;
      if (select.writtenByMs !== undefined && typeof at === 'number' && at > select.writtenByMs) continue;
      await applyToExistingTables(engine, row.values.muts);
      await engine.apply([{ table: schema.id, pkey: row.pkey, ckey: row.ckey, row: { del: { ts: row.maxTs, w: engine.writerId } } }]);
      n++;
    }
    if (page.next === undefined) return n;
    from = page.next;
  }
  return n;
}
