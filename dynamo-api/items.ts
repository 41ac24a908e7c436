// Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem. Writes run as one
// read-modify-write step on the shard owning the item (procs.ts `dynamo.write`), so the
// condition, the update and the index entries of a write are atomic per item.
import {
  conditionalCheckFailed,
  invalidParameter,
  itemTooLarge,
  resourceNotFound,
  transactionConflict,
  validation,
  type DynamoError,
} from './errors.js';
import type { Projection, UpdateExpression } from './expressions/ast.js';
import { checkReturnValuesForWrite, checkUpdateSparesKeys, type ReturnValues } from './expressions/apply.js';
import { project } from './expressions/projection.js';
import { parseUpdate } from './expressions/update.js';
import {
  consumedCapacity,
  expressionAttributes,
  nowSec,
  parseKey,
  projectionOf,
  readUnits,
  requireDynamoTable,
  requireTable,
  stringParam,
  translateEngineError,
  wireItem,
  writeCondition,
  writeUnits,
  type DynamoContext,
} from './context.js';
import { clearIntent, ensureIndexLog } from './intents.js';
import { attributeUpdatesToUpdate, checkParameterStyle } from './legacy.js';
import { encodeKey, isExpired, keyOf, rowToItem, type View } from './meta.js';
import {
  Params,
  RETURN_CONSUMED_CAPACITY,
  RETURN_ITEM_COLLECTION_METRICS,
  RETURN_ON_CONDITION_FAILURE,
  RETURN_VALUES,
} from './params.js';
import { PROC, type WriteArgs, type WriteResult } from './procs.js';
import { checkKeyAttribute, ITEM_SIZE_BYTES_MAX, itemSizeBytes, parseItem, typeOf, type Item } from './values.js';
import { checkIndexKeys, type WriteOp } from './write.js';

export type Handler = (ctx: DynamoContext, body: unknown) => Promise<Record<string, unknown>>;

/** The outcome of a failed write step as the error DynamoDB returns. */
export function writeFailure(r: Extract<WriteResult, { ok: false }>): DynamoError {
  switch (r.code) {
    case 'ConditionalCheckFailed':
      return conditionalCheckFailed(wireItem(r.item));
    case 'TransactionConflict':
      return transactionConflict();
    case 'ResourceNotFound':
      return resourceNotFound();
    case 'ValidationError':
      return validation(r.message);
  }
}

/** Runs a write on the owning shard, then applies its GSI entries; returns the step's result. */
export async function runWrite(ctx: DynamoContext, view: View, key: Item, op: WriteOp): Promise<Extract<WriteResult, { ok: true }>> {
  const { pkey, ckey } = encodeKey(view, key, ctx.engine.catalog);
  let result: WriteResult;
  try {
    if (view.meta?.indexes.some((i) => i.kind === 'global')) await ensureIndexLog(ctx.engine);
    result = (await ctx.engine.rmw({ table: view.schema.id, pkey, ckey, proc: PROC.write, args: { op, nowSec: nowSec(ctx), frontEnd: ctx.engine.writerId } satisfies WriteArgs })) as WriteResult;
    if (result.ok && result.remote.length > 0) await ctx.engine.apply(result.remote);
    // The GSI entries are durable: the intent has served. Not awaited - if the deletion is
    // lost, recovery applies the entries once more, which changes nothing.
    if (result.ok && result.intent !== undefined) {
      clearIntent(ctx.engine, result.intent).catch((e: Error) => ctx.log('warn', 'could not delete an index intent', { error: e.message }));
    }
  } catch (e) {
    throw translateEngineError(e);
  }
  if (!result.ok) throw writeFailure(result);
  return result;
}

/** The common write parameters (ReturnValues and friends), checked. */
function writeParams(p: Params): { returnValues: ReturnValues; capacity?: string; returnOldOnFail: boolean } {
  const returnValues = (p.str('ReturnValues', { oneOf: RETURN_VALUES }) ?? 'NONE') as ReturnValues;
  const capacity = p.str('ReturnConsumedCapacity', { oneOf: RETURN_CONSUMED_CAPACITY });
  p.str('ReturnItemCollectionMetrics', { oneOf: RETURN_ITEM_COLLECTION_METRICS });
  const onFail = p.str('ReturnValuesOnConditionCheckFailure', { oneOf: RETURN_ON_CONDITION_FAILURE });
  return { returnValues, capacity, returnOldOnFail: onFail === 'ALL_OLD' };
}

/** PutItem's key checks, worded as PutItem words them. */
export function checkItemKeys(view: View, item: Item): void {
  for (const [k, role] of [[view.tableHash, 'hash'], [view.tableRange, 'range']] as const) {
    if (k === undefined) continue;
    const a = item[k.name];
    if (a === undefined) throw invalidParameter(`Missing the key ${k.name} in the item`);
    if (typeOf(a) !== k.type) throw invalidParameter(`Type mismatch for key ${k.name} expected: ${k.type} actual: ${typeOf(a)}`);
    checkKeyAttribute(k.name, a, k.type, role);
  }
}

/** Validates a whole item for PutItem (also used by BatchWriteItem and transactions). */
export function checkPutItem(view: View, item: Item): void {
  checkItemKeys(view, item);
  if (itemSizeBytes(item) > ITEM_SIZE_BYTES_MAX) throw itemTooLarge();
  checkIndexKeys(view.meta, item);
}

export const putItem: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const tableName = p.tableName();
  p.map('Item', { required: true });
  const w = writeParams(p);
  p.done();
  checkParameterStyle('PutItem', p.body);
  const item = parseItem(p.raw('Item'));
  const attrs = expressionAttributes(p);
  const condition = writeCondition(p, attrs);
  attrs.checkAllUsed();
  checkReturnValuesForWrite(w.returnValues);
  const view = requireDynamoTable(requireTable(ctx, tableName!));
  checkPutItem(view, item);
  const op: WriteOp = { kind: 'put', item, condition, returnValues: w.returnValues, returnOldOnFail: w.returnOldOnFail };
  const r = await runWrite(ctx, view, keyOf(view, item), op);
  return response(r.attributes, consumedCapacity(w.capacity, view.tableName, writeUnits(r.sizeBytes), 'write'));
};

export const deleteItem: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const tableName = p.tableName();
  p.map('Key', { required: true });
  const w = writeParams(p);
  p.done();
  checkParameterStyle('DeleteItem', p.body);
  const attrs = expressionAttributes(p);
  const condition = writeCondition(p, attrs);
  attrs.checkAllUsed();
  checkReturnValuesForWrite(w.returnValues);
  const view = requireDynamoTable(requireTable(ctx, tableName!));
  const key = parseKey(view, p.raw('Key'));
  const op: WriteOp = { kind: 'delete', condition, returnValues: w.returnValues, returnOldOnFail: w.returnOldOnFail };
  const r = await runWrite(ctx, view, key, op);
  return response(r.attributes, consumedCapacity(w.capacity, view.tableName, writeUnits(r.sizeBytes), 'write'));
};

/** UpdateExpression, else the legacy AttributeUpdates, else an update that changes nothing. */
export function updateOf(p: Params, attrs: ReturnType<typeof expressionAttributes>): UpdateExpression {
  const expr = stringParam(p, 'UpdateExpression');
  if (expr !== undefined) return parseUpdate(expr, attrs);
  if (p.has('AttributeUpdates')) return attributeUpdatesToUpdate(p.raw('AttributeUpdates'));
  return { kind: 'update', actions: [] };
}

export const updateItem: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const tableName = p.tableName();
  p.map('Key', { required: true });
  const w = writeParams(p);
  p.done();
  checkParameterStyle('UpdateItem', p.body);
  const attrs = expressionAttributes(p);
  const update = updateOf(p, attrs);
  const condition = writeCondition(p, attrs);
  attrs.checkAllUsed();
  const view = requireDynamoTable(requireTable(ctx, tableName!));
  const key = parseKey(view, p.raw('Key'));
  checkUpdateSparesKeys(update, view.keyColumns.map((k) => k.name));
  const op: WriteOp = { kind: 'update', key, update, condition, returnValues: w.returnValues, returnOldOnFail: w.returnOldOnFail };
  const r = await runWrite(ctx, view, key, op);
  return response(r.attributes, consumedCapacity(w.capacity, view.tableName, writeUnits(r.sizeBytes), 'write'));
};

function response(attributes: Item | undefined, capacity: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (attributes !== undefined) out.Attributes = wireItem(attributes);
  if (capacity !== undefined) out.ConsumedCapacity = capacity;
  return out;
}

/** Reads one item by key (TTL applied); undefined when absent. */
export async function readItem(ctx: DynamoContext, view: View, key: Item): Promise<Item | undefined> {
  const { pkey, ckey } = encodeKey(view, key, ctx.engine.catalog);
  let row;
  try {
    row = await ctx.engine.get(view.schema.id, pkey, ckey);
  } catch (e) {
    throw translateEngineError(e);
  }
  if (row === undefined) return undefined;
  const item = rowToItem(row.values, view);
  return isExpired(view.meta, item, nowSec(ctx)) ? undefined : item;
}

export function applyProjection(item: Item, projection: Projection | undefined): Item {
  return projection === undefined ? item : project(projection.paths, item);
}

export const getItem: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const tableName = p.tableName();
  p.map('Key', { required: true });
  p.list('AttributesToGet', { min: 1 });
  const consistent = p.bool('ConsistentRead') ?? false;
  const capacity = p.str('ReturnConsumedCapacity', { oneOf: RETURN_CONSUMED_CAPACITY });
  p.done();
  checkParameterStyle('GetItem', p.body);
  const attrs = expressionAttributes(p);
  const projection = projectionOf(p, attrs);
  attrs.checkAllUsed();
  const view = requireTable(ctx, tableName!);
  const key = parseKey(view, p.raw('Key'));
  const item = await readItem(ctx, view, key);
  const out: Record<string, unknown> = {};
  if (item !== undefined) out.Item = wireItem(applyProjection(item, projection));
  const cap = consumedCapacity(capacity, view.tableName, readUnits(item ? itemSizeBytes(item) : 0, consistent), 'read');
  if (cap !== undefined) out.ConsumedCapacity = cap;
  return out;
};
