// TransactWriteItems and TransactGetItems.
//
// TransactWriteItems is all-or-nothing across items and shards:
//   1. prepare: each item's shard checks its condition, computes the write and takes an
//      in-memory write lock (procs.ts `dynamo.txPrepare`); nothing is written yet;
//   2. any failure: the locks are released and TransactionCanceledException lists a reason
//      per item (None for the others);
//   3. commit: the computed mutations are written durably to the transaction log
//      (`dynamo:txlog`), then applied item by item (releasing each lock), then the log
//      record is deleted. A crash after step 3 began is finished by the background task
//      (background.ts), which re-applies logged mutations: they are timestamped and
//      idempotent, so applying them twice or after newer writes changes nothing newer.
// Plain writes and other transactions meeting a lock fail with TransactionConflict.
// ClientRequestToken: a `dynamo:tokens` row per token (10 minutes) with the request's hash.
//
// TransactGetItems takes shared locks on every item (reading each under its lock), so the
// items read were all unchanged at the moment the last lock was taken: a serializable read.
import { createHash, randomUUID } from 'node:crypto';
import { SchemaError } from '../engine/catalog.js';
import type { Mutation, Value } from '../engine/types.js';
import {
  DynamoError,
  idempotentParameterMismatch,
  transactionCanceled,
  transactionInProgress,
  validation,
  type CancellationReason,
} from './errors.js';
import {
  consumedCapacity,
  expressionAttributes,
  nowSec,
  parseKey,
  projectionOf,
  requireDynamoTable,
  requireTable,
  translateEngineError,
  wireItem,
  writeCondition,
  writeUnits,
  type DynamoContext,
} from './context.js';
import type { Projection } from './expressions/ast.js';
import { checkReturnValuesForWrite, checkUpdateSparesKeys } from './expressions/apply.js';
import { applyProjection, checkPutItem, updateOf, type Handler } from './items.js';
import { checkParameterStyle } from './legacy.js';
import { encodeKey, keyOf, type View } from './meta.js';
import { Params, RETURN_CONSUMED_CAPACITY, RETURN_ITEM_COLLECTION_METRICS, RETURN_ON_CONDITION_FAILURE } from './params.js';
import { applyToExistingTables, clearIntent, ensureIndexLog, type IntentKey } from './intents.js';
import { PROC, type CommitArgs, type PrepareResult, type ReadResult, type TokenState } from './procs.js';
import { parseItem, type Item } from './values.js';
import type { WriteOp } from './write.js';

export const TRANSACT_ITEMS_MAX = 100;
export const TOKEN_TABLE = 'dynamo:tokens';
export const TXLOG_TABLE = 'dynamo:txlog';
/** How long a ClientRequestToken is remembered. */
export const TOKEN_TTL_MS = 10 * 60 * 1000;

/** Creates the layer's system tables on first use (idempotent, any process). */
export async function ensureSystemTable(ctx: DynamoContext, name: string): Promise<number> {
  const existing = ctx.engine.catalog.table(name);
  if (existing) return existing.id;
  await ctx.engine.ddl({
    kind: 'create',
    ifNotExists: true,
    // Deleted and expired rows need no 10-day grace: compaction may purge them after a minute.
    table: { name, columns: [{ name: 'id', type: 'text', notNull: true }], partitionKey: ['id'], clusteringKey: [], options: { dynamoSystem: true, gc_grace_seconds: 60 } },
  });
  return ctx.engine.catalog.require(name).id;
}

interface TxItem {
  readonly view: View;
  readonly key: Item;
  readonly pkey: string;
  readonly ckey: string;
  readonly op: WriteOp;
}

function parseTxItem(ctx: DynamoContext, p: Params, i: number, raw: unknown): TxItem {
  const m = p.member('TransactItems', i, raw);
  const kinds = (['ConditionCheck', 'Put', 'Delete', 'Update'] as const).filter((k) => m.has(k));
  if (kinds.length !== 1) {
    throw validation('TransactItems can only contain one of Check, Put, Update or Delete');
  }
  const kind = kinds[0];
  const t = m.nested(kind, m.raw(kind));
  const tableName = t.tableName();
  if (kind === 'Put') t.map('Item', { required: true });
  else t.map('Key', { required: true });
  if (kind === 'ConditionCheck') t.str('ConditionExpression', { required: true });
  if (kind === 'Update') t.str('UpdateExpression', { required: true });
  const onFail = t.str('ReturnValuesOnConditionCheckFailure', { oneOf: RETURN_ON_CONDITION_FAILURE });
  p.done();
  checkParameterStyle(kind === 'ConditionCheck' ? 'ConditionCheck' : kind === 'Put' ? 'PutItem' : kind === 'Delete' ? 'DeleteItem' : 'UpdateItem', t.body);
  const attrs = expressionAttributes(t);
  const update = kind === 'Update' ? updateOf(t, attrs) : undefined;
  const condition = writeCondition(t, attrs);
  attrs.checkAllUsed();
  const returnOldOnFail = onFail === 'ALL_OLD';
  const view = requireDynamoTable(requireTable(ctx, tableName!));
  let key: Item;
  let op: WriteOp;
  switch (kind) {
    case 'Put': {
      const item = parseItem(t.raw('Item'));
      checkPutItem(view, item);
      key = keyOf(view, item);
      op = { kind: 'put', item, condition, returnValues: 'NONE', returnOldOnFail };
      break;
    }
    case 'Delete':
      key = parseKey(view, t.raw('Key'));
      op = { kind: 'delete', condition, returnValues: 'NONE', returnOldOnFail };
      break;
    case 'Update':
      key = parseKey(view, t.raw('Key'));
      checkUpdateSparesKeys(update!, view.keyColumns.map((k) => k.name));
      op = { kind: 'update', key, update: update!, condition, returnValues: 'NONE', returnOldOnFail };
      break;
    case 'ConditionCheck':
      key = parseKey(view, t.raw('Key'));
      op = { kind: 'check', condition: condition!, returnOldOnFail };
      break;
  }
  checkReturnValuesForWrite('NONE');
  const { pkey, ckey } = encodeKey(view, key, ctx.engine.catalog);
  return { view, key, pkey, ckey, op };
}

function rowId(item: { view: View; pkey: string; ckey: string }): string {
  return `${item.view.schema.id}:${item.pkey}${item.ckey}`;
}

async function tokenStep(ctx: DynamoContext, token: string, mode: 'begin' | 'done' | 'abort', hash: string): Promise<TokenState | null> {
  const table = await ensureSystemTable(ctx, TOKEN_TABLE);
  const codec = ctx.engine.catalog.codec(table);
  return (await ctx.engine.rmw({
    table, pkey: codec.pkey([token]), ckey: '', proc: PROC.token,
    args: { mode, hash, nowMs: ctx.clock.nowMs(), ttlMs: TOKEN_TTL_MS },
  })) as TokenState | null;
}

async function release(ctx: DynamoContext, items: readonly TxItem[], txId: string): Promise<void> {
  await Promise.all(items.map((it) =>
    ctx.engine.rmw({ table: it.view.schema.id, pkey: it.pkey, ckey: it.ckey, proc: PROC.txRelease, args: { txId } }).catch(() => undefined)));
}

/** Writes the log record, applies every item's mutations, deletes the record. */
async function commit(ctx: DynamoContext, txId: string, items: readonly TxItem[], prepared: readonly Extract<PrepareResult, { ok: true }>[]): Promise<void> {
  const all: Mutation[] = prepared.flatMap((r) => [...r.local, ...r.remote]);
  let logKey: { table: number; pkey: string } | undefined;
  // One item is one atomic step (its GSI entries ride along as an index intent); several
  // items need the log to be all-or-nothing across a crash.
  if (items.length > 1) {
    const table = await ensureSystemTable(ctx, TXLOG_TABLE);
    const pkey = ctx.engine.catalog.codec(table).pkey([txId]);
    const ts = ctx.engine.now();
    const w = ctx.engine.writerId;
    await ctx.engine.apply([{
      table, pkey, ckey: '',
      row: { marker: { ts, w, v: true }, cells: { muts: { ts, w, v: all as unknown as Value }, at: { ts, w, v: ctx.clock.nowMs() } } },
    }]);
    logKey = { table, pkey };
  }
  const remote = prepared.flatMap((r) => r.remote);
  if (logKey === undefined && remote.length > 0) await ensureIndexLog(ctx.engine);
  const intents = await Promise.all(items.map((it, i) => ctx.engine.rmw({
    table: it.view.schema.id, pkey: it.pkey, ckey: it.ckey, proc: PROC.txCommit,
    args: { txId, mutations: prepared[i].local, ...(logKey === undefined ? { remote: prepared[i].remote, frontEnd: ctx.engine.writerId } : {}) } satisfies CommitArgs,
  }) as Promise<IntentKey | null>));
  if (remote.length > 0) await ctx.engine.apply(remote);
  for (const key of intents) {
    if (key !== null) clearIntent(ctx.engine, key).catch((e: Error) => ctx.log('warn', 'could not delete an index intent', { error: e.message }));
  }
  if (logKey) await ctx.engine.apply([{ table: logKey.table, pkey: logKey.pkey, ckey: '', row: { del: { ts: ctx.engine.now(), w: ctx.engine.writerId } } }]);
}

function reasonOf(r: PrepareResult): CancellationReason {
  if (r.ok) return { Code: 'None' };
  switch (r.code) {
    case 'ConditionalCheckFailed':
      return r.item === undefined ? { Code: 'ConditionalCheckFailed', Message: r.message } : { Code: 'ConditionalCheckFailed', Message: r.message, Item: wireItem(r.item) };
    case 'TransactionConflict':
      return { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' };
    case 'ValidationError':
    case 'ResourceNotFound':
      return { Code: 'ValidationError', Message: r.message };
  }
}

export const transactWriteItems: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const list = p.list('TransactItems', { required: true, min: 1, max: TRANSACT_ITEMS_MAX });
  const token = p.str('ClientRequestToken', { min: 1, max: 36 });
  const capacity = p.str('ReturnConsumedCapacity', { oneOf: RETURN_CONSUMED_CAPACITY });
  p.str('ReturnItemCollectionMetrics', { oneOf: RETURN_ITEM_COLLECTION_METRICS });
  p.done();
  const items = list!.map((raw, i) => parseTxItem(ctx, p, i, raw));
  const ids = new Set<string>();
  for (const it of items) {
    const id = rowId(it);
    if (ids.has(id)) throw validation('Transaction request cannot include multiple operations on one item');
    ids.add(id);
  }

  const hash = token === undefined ? '' : createHash('sha256').update(JSON.stringify(list)).digest('hex');
  if (token !== undefined) {
    const state = await tokenStep(ctx, token, 'begin', hash);
    if (state === 'mismatch') throw idempotentParameterMismatch();
    if (state === 'running') throw transactionInProgress();
    if (state === 'done') return {};
  }
  const txId = randomUUID();
  try {
    const nowS = nowSec(ctx);
    const prepared = await Promise.all(items.map((it) =>
      ctx.engine.rmw({ table: it.view.schema.id, pkey: it.pkey, ckey: it.ckey, proc: PROC.txPrepare, args: { txId, op: it.op, nowSec: nowS } })
        .catch((e: unknown) => {
          const t = translateEngineError(e);
          if (t instanceof DynamoError) return { ok: false, code: 'ValidationError', message: t.message } as PrepareResult;
          throw t;
        }) as Promise<PrepareResult>));
    if (prepared.some((r) => !r.ok)) {
      await release(ctx, items.filter((_, i) => prepared[i].ok), txId);
      throw transactionCanceled(prepared.map(reasonOf));
    }
    await commit(ctx, txId, items, prepared as Extract<PrepareResult, { ok: true }>[]);
    if (token !== undefined) await tokenStep(ctx, token, 'done', hash);
    const out: Record<string, unknown> = {};
    if (capacity !== undefined && capacity !== 'NONE') {
      const units = new Map<string, number>();
      items.forEach((it, i) => units.set(it.view.tableName, (units.get(it.view.tableName) ?? 0) + 2 * writeUnits((prepared[i] as { sizeBytes: number }).sizeBytes)));
      out.ConsumedCapacity = [...units].map(([t, u]) => consumedCapacity(capacity, t, u, 'write'));
    }
    return out;
  } catch (e) {
    if (token !== undefined) await tokenStep(ctx, token, 'abort', hash).catch(() => undefined);
    throw translateEngineError(e);
  }
};

export const transactGetItems: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const list = p.list('TransactItems', { required: true, min: 1, max: TRANSACT_ITEMS_MAX });
  const capacity = p.str('ReturnConsumedCapacity', { oneOf: RETURN_CONSUMED_CAPACITY });
  p.done();
  const gets = list!.map((raw, i) => {
    const m = p.member('TransactItems', i, raw);
    if (!m.has('Get')) {
      m.constraint('Get', null, 'Member must not be null');
      p.done();
    }
    const g = m.nested('Get', m.raw('Get'));
    const tableName = g.tableName();
    g.map('Key', { required: true });
    p.done();
    checkParameterStyle('GetItem', g.body);
    const attrs = expressionAttributes(g);
    const projection: Projection | undefined = projectionOf(g, attrs);
    attrs.checkAllUsed();
    const view = requireTable(ctx, tableName!);
    const key = parseKey(view, g.raw('Key'));
    const { pkey, ckey } = encodeKey(view, key, ctx.engine.catalog);
    return { view, key, pkey, ckey, projection };
  });
  const ids = new Set<string>();
  for (const g of gets) {
    const id = rowId(g);
    if (ids.has(id)) throw validation('Transaction request cannot include multiple operations on one item');
    ids.add(id);
  }
  const txId = randomUUID();
  const nowS = nowSec(ctx);
  let reads: ReadResult[];
  try {
    reads = await Promise.all(gets.map((g) =>
      ctx.engine.rmw({ table: g.view.schema.id, pkey: g.pkey, ckey: g.ckey, proc: PROC.txRead, args: { txId, nowSec: nowS } }) as Promise<ReadResult>));
  } catch (e) {
    throw translateEngineError(e);
  } finally {
    await Promise.all(gets.map((g) =>
      ctx.engine.rmw({ table: g.view.schema.id, pkey: g.pkey, ckey: g.ckey, proc: PROC.txRelease, args: { txId } }).catch(() => undefined)));
  }
  if (reads.some((r) => !r.ok)) {
    throw transactionCanceled(reads.map((r): CancellationReason => (r.ok ? { Code: 'None' } : { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' })));
  }
  const out: Record<string, unknown> = {
    Responses: reads.map((r, i) => {
      const item = r.ok ? r.item : undefined;
      return item === undefined ? {} : { Item: wireItem(applyProjection(item, gets[i].projection)) };
    }),
  };
  if (capacity !== undefined && capacity !== 'NONE') {
    out.ConsumedCapacity = [...new Set(gets.map((g) => g.view.tableName))].map((t) => consumedCapacity(capacity, t, 2 * gets.filter((g) => g.view.tableName === t).length, 'read'));
  }
  return out;
};

/**
 * Finishes transactions whose log record is older than `olderThanMs` in [from, to): applies
 * their mutations again (idempotent) and deletes the record. Returns how many it finished.
 */
export async function recoverTransactions(ctx: DynamoContext, range: { from?: string; to?: string }, olderThanMs: number): Promise<number> {
  const schema = ctx.engine.catalog.table(TXLOG_TABLE);
  if (schema === undefined) return 0;
  let n = 0;
  let from = range.from;
  for (let pages = 0; pages < 100; pages++) {
    let page;
    try {
      page = await ctx.engine.scanPage({ table: schema.id, from, to: range.to, limit: 100 });
    } catch (e) {
      if (e instanceof SchemaError) return n;
      throw e;
    }
    for (const row of page.rows) {
      const at = row.values.at;
      if (typeof at !== 'number' || at > ctx.clock.nowMs() - olderThanMs) continue;
      await applyToExistingTables(ctx.engine, row.values.muts);
      await ctx.engine.apply([{ table: schema.id, pkey: row.pkey, ckey: row.ckey, row: { del: { ts: ctx.engine.now(), w: ctx.engine.writerId } } }]);
      n++;
    }
    if (page.next === undefined) return n;
    from = page.next;
  }
  return n;
}
