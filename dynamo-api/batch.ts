// BatchGetItem and BatchWriteItem: up to 100 keys / 25 writes over any tables, each item
// read or written on its own (no atomicity across items, as in DynamoDB). Items a batch could
// not process come back in UnprocessedKeys / UnprocessedItems for the client to retry: reads
// beyond the 16 MB response limit, writes to items locked by a running transaction.
import { DynamoError, invalidParameter, validation } from './errors.js';
import {
  consumedCapacity,
  expressionAttributes,
  parseKey,
  projectionOf,
  readUnits,
  requireDynamoTable,
  requireTable,
  wireItem,
  writeUnits,
  type DynamoContext,
} from './context.js';
import { applyProjection, checkPutItem, readItem, runWrite, type Handler } from './items.js';
import { checkParameterStyle } from './legacy.js';
import { encodeKey, keyOf, type View } from './meta.js';
import { Params, RETURN_CONSUMED_CAPACITY, RETURN_ITEM_COLLECTION_METRICS, structure } from './params.js';
import { itemSizeBytes, parseItem, type Item } from './values.js';

export const BATCH_GET_KEYS_MAX = 100;
export const BATCH_WRITE_ITEMS_MAX = 25;
/** BatchGetItem answers with at most this many bytes of items; the rest is unprocessed. */
export const BATCH_GET_RESPONSE_BYTES_MAX = 16 * 1024 * 1024;

/** A RequestItems map key must be a valid table name. */
function checkTableName(name: string): void {
  const t = new Params({ TableName: name });
  t.tableName();
  t.done();
}

function encodedKeyOf(ctx: DynamoContext, view: View, key: Item): string {
  const { pkey, ckey } = encodeKey(view, key, ctx.engine.catalog);
  return pkey + ckey;
}

export const batchGetItem: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const requestItems = p.map('RequestItems', { required: true, min: 1 });
  const capacity = p.str('ReturnConsumedCapacity', { oneOf: RETURN_CONSUMED_CAPACITY });
  p.done();
  interface TableRequest { name: string; raw: Record<string, unknown>; rawKeys: readonly unknown[]; projection: ReturnType<typeof projectionOf>; consistent: boolean }
  const requests: TableRequest[] = [];
  let total = 0;
  for (const name of Object.keys(requestItems!)) {
    checkTableName(name);
    const t = p.nested(`RequestItems.${name}`, requestItems![name]);
    const keysRaw = t.list('Keys', { required: true, min: 1, max: BATCH_GET_KEYS_MAX });
    t.list('AttributesToGet', { min: 1 });
    const consistent = t.bool('ConsistentRead') ?? false;
    p.done();
    total += keysRaw!.length;
    if (total > BATCH_GET_KEYS_MAX) throw validation('Too many items requested for the BatchGetItem call');
    checkParameterStyle('GetItem', t.body);
    const attrs = expressionAttributes(t);
    const projection = projectionOf(t, attrs);
    attrs.checkAllUsed();
    requests.push({ name, raw: t.body as Record<string, unknown>, rawKeys: keysRaw!, projection, consistent });
  }
  const resolved = requests.map((r) => {
    const view = requireTable(ctx, r.name);
    const seen = new Set<string>();
    const keys = r.rawKeys.map((k) => {
      const key = parseKey(view, k);
      const enc = encodedKeyOf(ctx, view, key);
      if (seen.has(enc)) throw invalidParameter('Provided list of item keys contains duplicates');
      seen.add(enc);
      return key;
    });
    return { ...r, view, keys };
  });

  const responses: Record<string, unknown[]> = {};
  const unprocessed: Record<string, Record<string, unknown>> = {};
  const capacities: Record<string, unknown>[] = [];
  let bytes = 0;
  for (const r of resolved) {
    responses[r.name] = [];
    const items = await Promise.all(r.keys.map((k) => readItem(ctx, r.view, k)));
    const left: Item[] = [];
    let tableBytes = 0;
    items.forEach((item, i) => {
      if (bytes >= BATCH_GET_RESPONSE_BYTES_MAX) {
        left.push(r.keys[i]);
        return;
      }
      if (item === undefined) return;
      const size = itemSizeBytes(item);
      bytes += size;
      tableBytes += size;
      responses[r.name].push(wireItem(applyProjection(item, r.projection)));
    });
    if (left.length > 0) unprocessed[r.name] = { ...r.raw, Keys: left.map((k) => wireItem(k)) };
    const cap = consumedCapacity(capacity, r.name, readUnits(tableBytes, r.consistent), 'read');
    if (cap) capacities.push(cap);
  }
  const out: Record<string, unknown> = { Responses: responses, UnprocessedKeys: unprocessed };
  if (capacities.length > 0) out.ConsumedCapacity = capacities;
  return out;
};

type WriteRequest = { kind: 'put'; item: Item; raw: unknown } | { kind: 'delete'; key: Item; raw: unknown };

export const batchWriteItem: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const requestItems = p.map('RequestItems', { required: true, min: 1 });
  const capacity = p.str('ReturnConsumedCapacity', { oneOf: RETURN_CONSUMED_CAPACITY });
  p.str('ReturnItemCollectionMetrics', { oneOf: RETURN_ITEM_COLLECTION_METRICS });
  p.done();
  const parsed: { name: string; writes: WriteRequest[] }[] = [];
  let total = 0;
  for (const name of Object.keys(requestItems!)) {
    checkTableName(name);
    const list = requestItems![name];
    if (!Array.isArray(list)) throw new DynamoError('SerializationException', 'Unexpected field type');
    if (list.length === 0) {
      throw validation(`1 validation error detected: Value '{${name}=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]`);
    }
    total += list.length;
    if (total > BATCH_WRITE_ITEMS_MAX) throw validation('Too many items requested for the BatchWriteItem call');
    const writes = list.map((raw): WriteRequest => {
      const w = structure(raw);
      const put = w.PutRequest;
      const del = w.DeleteRequest;
      const hasPut = put !== undefined && put !== null;
      const hasDel = del !== undefined && del !== null;
      if (hasPut === hasDel) throw invalidParameter('WriteRequest must contain exactly one of PutRequest or DeleteRequest');
      if (hasPut) {
        const item = structure(put).Item;
        if (item === undefined || item === null) throw validation("1 validation error detected: Value null at 'requestItems.member.putRequest.item' failed to satisfy constraint: Member must not be null");
        return { kind: 'put', item: parseItem(item), raw };
      }
      const key = structure(del).Key;
      if (key === undefined || key === null) throw validation("1 validation error detected: Value null at 'requestItems.member.deleteRequest.key' failed to satisfy constraint: Member must not be null");
      return { kind: 'delete', key: parseItem(key), raw };
    });
    parsed.push({ name, writes });
  }
  const jobs: { view: View; key: Item; w: WriteRequest; table: string }[] = [];
  for (const t of parsed) {
    const view = requireDynamoTable(requireTable(ctx, t.name));
    const seen = new Set<string>();
    for (const w of t.writes) {
      let key: Item;
      if (w.kind === 'put') {
        checkPutItem(view, w.item);
        key = keyOf(view, w.item);
      } else {
        key = parseKey(view, w.raw && (structure(structure(w.raw).DeleteRequest).Key));
      }
      const enc = encodedKeyOf(ctx, view, key);
      if (seen.has(enc)) throw invalidParameter('Provided list of item keys contains duplicates');
      seen.add(enc);
      jobs.push({ view, key, w, table: t.name });
    }
  }
  const unprocessed: Record<string, unknown[]> = {};
  const units = new Map<string, number>();
  const results = await Promise.allSettled(jobs.map((j) => runWrite(ctx, j.view, j.key, j.w.kind === 'put'
    ? { kind: 'put', item: j.w.item, returnValues: 'NONE' }
    : { kind: 'delete', returnValues: 'NONE' })));
  results.forEach((r, i) => {
    const j = jobs[i];
    if (r.status === 'fulfilled') {
      units.set(j.table, (units.get(j.table) ?? 0) + writeUnits(r.value.sizeBytes));
      return;
    }
    const e = r.reason as unknown;
    if (e instanceof DynamoError && e.type === 'TransactionConflictException') {
      (unprocessed[j.table] ??= []).push(j.w.raw);
      return;
    }
    throw e;
  });
  const out: Record<string, unknown> = { UnprocessedItems: unprocessed };
  const caps = [...units].map(([t, u]) => consumedCapacity(capacity, t, u, 'write')).filter((c) => c !== undefined);
  if (caps.length > 0) out.ConsumedCapacity = caps;
  return out;
};
