// Query and Scan. Both compile to one engine key range read page by page:
//   Query: KeyConditionExpression -> the partition of the hash key, narrowed on the first
//          clustering column by the range term; served by the owning shard, ascending or
//          descending (ScanIndexForward=false uses the engine's reverse scan);
//   Scan:  the whole table, or the token range [s·2^64/T, (s+1)·2^64/T) of segment s of T.
// The FilterExpression and TTL are evaluated in the shards (`dynamo.filter`), Limit counts
// items evaluated before the filter (`evaluatedMax`), a response stops at 1 MB of items.
// LastEvaluatedKey is the key of the last item evaluated, so the next page resumes right after.
import { PREFIX_END, TOKEN_CHARS } from '../engine/keys.js';
import type { LiveRow } from '../engine/types.js';
import type { ScanPage } from '../engine/shard.js';
import { invalidParameter, validation } from './errors.js';
import type { Condition, KeyTerm, Path, Projection } from './expressions/ast.js';
import { parseCondition } from './expressions/condition.js';
import { bindKeyCondition, parseKeyCondition } from './expressions/keycondition.js';
import {
  consumedCapacity,
  expressionAttributes,
  nowSec,
  projectionOf,
  readUnits,
  requireIndex,
  requireTable,
  stringParam,
  translateEngineError,
  wireItem,
  type DynamoContext,
} from './context.js';
import { applyProjection, readItem, type Handler } from './items.js';
import { checkParameterStyle, filterToCondition, keyConditionsToKeyCondition } from './legacy.js';
import { attributeToKey, encodeKey, keyOf, rowToItem, type View } from './meta.js';
import { Params, RETURN_CONSUMED_CAPACITY, SELECT_VALUES } from './params.js';
import { filterArgs, PROC } from './procs.js';
import { checkKeyAttribute, itemSizeBytes, parseItem, type AttributeValue, type Item } from './values.js';

/** A response carries at most this many bytes of items (DynamoDB's 1 MB page). */
export const RESPONSE_BYTES_MAX = 1024 * 1024;
/** Rows one engine page returns at most. */
const ENGINE_PAGE_ROWS = 1000;
/** Engine pages one request reads at most before it answers with a LastEvaluatedKey. */
const ENGINE_PAGES_MAX = 64;
export const TOTAL_SEGMENTS_MAX = 1_000_000;

type Select = (typeof SELECT_VALUES)[number];

interface ReadPlan {
  readonly view: View;
  from: string;
  to: string | undefined;
  toInclusive: boolean;
  readonly reverse: boolean;
  readonly filter: Condition | undefined;
  readonly limit: number | undefined;
  readonly projection: Projection | undefined;
  readonly select: Select;
  /** LSI reads that need attributes the index does not hold fetch the table's item. */
  readonly fetchTable: View | undefined;
}

interface ReadResult {
  readonly items: Item[];
  readonly count: number;
  readonly scanned: number;
  readonly lastKey: Item | undefined;
  readonly bytes: number;
}

/** The item key of an engine row key (`key` as stored, no resume suffix). */
function decodeKey(ctx: DynamoContext, view: View, key: string): Item {
  const values = {};
  ctx.engine.catalog.codec(view.schema.id).decode(key, values);
  return keyOf(view, rowToItem(values, view));
}

/** An engine `next` is a real row key unless it is a shard's 4-byte start key. */
function isShardBoundary(next: string): boolean {
  return next.length < TOKEN_CHARS;
}

/** Attributes an index shows (the TTL attribute rides along in the entry but is not projected). */
function indexVisible(view: View, item: Item): Item {
  const index = view.index;
  if (index === undefined || index.projection.type === 'ALL') return item;
  const out: Record<string, AttributeValue> = {};
  for (const k of view.keyColumns) if (item[k.name] !== undefined) out[k.name] = item[k.name];
  for (const n of index.projection.include ?? []) if (item[n] !== undefined) out[n] = item[n];
  return out;
}

async function runRead(ctx: DynamoContext, plan: ReadPlan): Promise<ReadResult> {
  const { view } = plan;
  const items: Item[] = [];
  let count = 0;
  let scanned = 0;
  let bytes = 0;
  const args = filterArgs(view, nowSec(ctx), plan.filter);
  for (let pages = 0; ; pages++) {
    const remaining = plan.limit === undefined ? undefined : plan.limit - scanned;
    let page: ScanPage;
    try {
      page = await ctx.engine.scanPage({
        table: view.schema.id,
        from: plan.from,
        to: plan.to,
        toInclusive: plan.toInclusive,
        reverse: plan.reverse,
        limit: ENGINE_PAGE_ROWS,
        evaluatedMax: remaining,
        filter: { proc: PROC.filter, args },
      });
    } catch (e) {
      throw translateEngineError(e);
    }
    scanned += page.evaluated ?? page.rows.length;
    for (let i = 0; i < page.rows.length; i++) {
      const row: LiveRow = page.rows[i];
      let item = indexVisible(view, rowToItem(row.values, view));
      if (plan.fetchTable !== undefined) {
        const full = await readItem(ctx, plan.fetchTable, keyOf(plan.fetchTable, item));
        if (full === undefined) continue;
        item = full;
      }
      count++;
      const size = itemSizeBytes(item);
      bytes += size;
      if (plan.select !== 'COUNT') items.push(applyProjection(item, plan.projection));
      if (bytes >= RESPONSE_BYTES_MAX && (i < page.rows.length - 1 || page.next !== undefined)) {
        return { items, count, scanned, bytes, lastKey: decodeKey(ctx, view, row.pkey + row.ckey) };
      }
    }
    if (page.next === undefined) return { items, count, scanned, bytes, lastKey: undefined };
    if (plan.reverse) {
      plan.to = page.next;
      plan.toInclusive = false;
    } else {
      plan.from = page.next;
    }
    if (isShardBoundary(page.next)) continue;
    const resume = plan.reverse ? page.next : page.next.slice(0, -1);
    if ((plan.limit !== undefined && scanned >= plan.limit) || pages + 1 >= ENGINE_PAGES_MAX) {
      return { items, count, scanned, bytes, lastKey: decodeKey(ctx, view, resume) };
    }
  }
}

function respond(plan: ReadPlan, r: ReadResult, capacity: string | undefined, consistent: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (plan.select !== 'COUNT') out.Items = r.items.map((i) => wireItem(i));
  out.Count = r.count;
  out.ScannedCount = r.scanned;
  if (r.lastKey !== undefined) out.LastEvaluatedKey = wireItem(r.lastKey);
  const cap = consumedCapacity(capacity, plan.view.tableName, readUnits(r.bytes, consistent), 'read');
  if (cap !== undefined) out.ConsumedCapacity = cap;
  return out;
}

/** Parses ExclusiveStartKey: the key attributes of the table (and index), nothing else. */
function startKey(view: View, json: unknown): Item {
  const key = parseItem(json);
  const bad = (): Error => validation('The provided starting key is invalid: The provided key element does not match the schema');
  if (Object.keys(key).length !== view.keyColumns.length) throw bad();
  for (const k of view.keyColumns) {
    const a = key[k.name];
    if (a === undefined) throw bad();
    try {
      checkKeyAttribute(k.name, a, k.type, k === view.keyColumns[0] ? 'hash' : 'range');
    } catch {
      throw bad();
    }
  }
  return key;
}

/** Narrows the plan to start after ExclusiveStartKey. */
function resumeAfter(ctx: DynamoContext, plan: ReadPlan, esk: Item): void {
  const { pkey, ckey } = encodeKey(plan.view, esk, ctx.engine.catalog);
  const key = pkey + ckey;
  if (plan.reverse) {
    if (plan.to === undefined || key <= plan.to) {
      plan.to = key;
      plan.toInclusive = false;
    }
  } else if (key + '\x00' > plan.from) {
    plan.from = key + '\x00';
  }
}

/** Select and projection rules; returns the effective Select. */
function checkSelect(view: View, select: Select | undefined, projection: Projection | undefined, projectionParam: string): Select {
  if (select === 'SPECIFIC_ATTRIBUTES' && projection === undefined) {
    throw invalidParameter('Select type SPECIFIC_ATTRIBUTES requires a ProjectionExpression or AttributesToGet');
  }
  if (projection !== undefined && select !== undefined && select !== 'SPECIFIC_ATTRIBUTES') {
    throw invalidParameter(`Cannot specify the ${projectionParam} when choosing to get ${select}`);
  }
  if (select === 'ALL_PROJECTED_ATTRIBUTES' && view.index === undefined) {
    throw invalidParameter('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
  }
  const effective: Select = projection !== undefined ? 'SPECIFIC_ATTRIBUTES' : select ?? (view.index ? 'ALL_PROJECTED_ATTRIBUTES' : 'ALL_ATTRIBUTES');
  const index = view.index;
  if (index !== undefined && index.kind === 'global') {
    if (index.status === 'CREATING') throw validation(`Cannot read from backfilling global secondary index: ${index.name}`);
    if (effective === 'ALL_ATTRIBUTES' && index.projection.type !== 'ALL') {
      throw invalidParameter(
        `Select type ALL_ATTRIBUTES is not supported for global secondary index ${index.name} because its projection type is not ALL`,
      );
    }
  }
  return effective;
}

/** For an LSI: whether the read needs attributes the index does not hold. */
function needsTable(view: View, select: Select, projection: Projection | undefined): boolean {
  const index = view.index;
  if (index === undefined || index.kind !== 'local' || index.projection.type === 'ALL') return false;
  if (select === 'ALL_ATTRIBUTES') return true;
  if (projection === undefined) return false;
  const held = new Set([...view.keyColumns.map((k) => k.name), ...(index.projection.include ?? [])]);
  return projection.paths.some((p: Path) => !held.has(p[0] as string));
}

function commonParams(p: Params): { indexName?: string; limit?: number; consistent: boolean; select?: Select; capacity?: string } {
  const indexName = p.str('IndexName', { min: 3, max: 255 });
  const limit = p.int('Limit', { min: 1 });
  const consistent = p.bool('ConsistentRead') ?? false;
  const select = p.str('Select', { oneOf: SELECT_VALUES }) as Select | undefined;
  const capacity = p.str('ReturnConsumedCapacity', { oneOf: RETURN_CONSUMED_CAPACITY });
  p.list('AttributesToGet', { min: 1 });
  p.str('ConditionalOperator', { oneOf: ['AND', 'OR'] });
  return { indexName, limit, consistent, select, capacity };
}

function targetView(ctx: DynamoContext, tableName: string, indexName: string | undefined, consistent: boolean): View {
  const table = requireTable(ctx, tableName);
  if (indexName === undefined) return table;
  const view = requireIndex(ctx, table, indexName);
  if (consistent && view.index?.kind === 'global') throw validation('Consistent reads are not supported on global secondary indexes');
  return view;
}

// ---- Query ----

function keyRange(ctx: DynamoContext, view: View, hash: AttributeValue, range: KeyTerm | undefined): { from: string; to: string; toInclusive: boolean } {
  const codec = ctx.engine.catalog.codec(view.schema.id);
  const pkey = codec.pkey([attributeToKey(hash, view.columnTypes[view.hash.name])]);
  const whole = { from: pkey, to: pkey + PREFIX_END, toInclusive: false };
  if (range === undefined) return whole;
  const type = view.columnTypes[range.name];
  const enc = (v: AttributeValue): string => pkey + codec.ckey([attributeToKey(v, type)]);
  switch (range.kind) {
    case 'eq': return { from: enc(range.value), to: enc(range.value) + PREFIX_END, toInclusive: false };
    case 'lt': return { from: pkey, to: enc(range.value), toInclusive: false };
    case 'le': return { from: pkey, to: enc(range.value) + PREFIX_END, toInclusive: false };
    case 'gt': return { from: enc(range.value) + PREFIX_END, to: whole.to, toInclusive: false };
    case 'ge': return { from: enc(range.value), to: whole.to, toInclusive: false };
    case 'between': return { from: enc(range.low), to: enc(range.high) + PREFIX_END, toInclusive: false };
    case 'begins_with': {
      if ('N' in range.prefix) {
        throw validation('Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N');
      }
      // Text and bytes encode as escaped bytes ended by 00 00: without the end, a prefix.
      const prefix = enc(range.prefix).slice(0, -2);
      return { from: prefix, to: prefix + PREFIX_END, toInclusive: false };
    }
  }
}

/** Filters may not name the key attributes of what they read. */
function checkFilterSparesKeys(view: View, filter: Condition | undefined, label: string): void {
  if (filter === undefined) return;
  const keys = [view.hash.name, ...(view.range ? [view.range.name] : [])];
  const visit = (c: Condition): void => {
    const paths: Path[] = [];
    const operand = (o: { kind: string; path?: Path; operand?: unknown }): void => {
      if (o.kind === 'path' && o.path) paths.push(o.path);
      if (o.kind === 'size') operand(o.operand as { kind: string });
    };
    switch (c.kind) {
      case 'and': case 'or': visit(c.left); visit(c.right); return;
      case 'not': visit(c.operand); return;
      case 'compare': operand(c.left); operand(c.right); break;
      case 'between': operand(c.operand); operand(c.low); operand(c.high); break;
      case 'in': operand(c.operand); c.list.forEach(operand); break;
      case 'attribute_exists': case 'attribute_not_exists': paths.push(c.path); break;
      case 'attribute_type': operand(c.operand); break;
      case 'begins_with': operand(c.operand); operand(c.prefix); break;
      case 'contains': operand(c.operand); operand(c.needle); break;
    }
    for (const p of paths) {
      if (keys.includes(p[0] as string)) {
        throw validation(`${label} can only contain non-primary key attributes: Primary key attribute: ${p[0] as string}`);
      }
    }
  };
  visit(filter);
}

export const query: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const tableName = p.tableName()!;
  const common = commonParams(p);
  const forward = p.bool('ScanIndexForward') ?? true;
  if (p.has('ExclusiveStartKey')) p.map('ExclusiveStartKey');
  p.done();
  checkParameterStyle('Query', p.body);
  const attrs = expressionAttributes(p);
  const kce = stringParam(p, 'KeyConditionExpression');
  const keyCondition = kce !== undefined ? parseKeyCondition(kce, attrs) : undefined;
  const filterText = stringParam(p, 'FilterExpression');
  const filter = filterText !== undefined
    ? parseCondition(filterText, attrs, 'FilterExpression')
    : p.has('QueryFilter') ? filterToCondition('QueryFilter', p.raw('QueryFilter'), p.raw('ConditionalOperator')) : undefined;
  const projection = projectionOf(p, attrs);
  attrs.checkAllUsed();
  const view = targetView(ctx, tableName, common.indexName, common.consistent);
  let kc = keyCondition;
  if (kc === undefined) {
    if (!p.has('KeyConditions')) {
      throw validation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
    }
    kc = keyConditionsToKeyCondition(p.raw('KeyConditions'), view.hash.name);
  }
  const bound = bindKeyCondition(kc, { hash: view.hash, range: view.range });
  checkFilterSparesKeys(view, filter, filterText !== undefined ? 'Filter Expression' : 'QueryFilter');
  const select = checkSelect(view, common.select, projection, p.has('ProjectionExpression') ? 'ProjectionExpression' : 'AttributesToGet');
  const range = keyRange(ctx, view, bound.hashValue, bound.range);
  const plan: ReadPlan = {
    view, ...range, reverse: !forward, filter, limit: common.limit, projection, select,
    fetchTable: needsTable(view, select, projection) ? requireTable(ctx, tableName) : undefined,
  };
  if (p.has('ExclusiveStartKey')) resumeAfter(ctx, plan, startKey(view, p.raw('ExclusiveStartKey')));
  return respond(plan, await runRead(ctx, plan), common.capacity, common.consistent);
};

// ---- Scan ----

/** The first key of token range s of t: tokens are the keys' first 8 bytes, unsigned order. */
export function segmentStart(s: number, t: number): string {
  if (s === 0) return '';
  const start = (BigInt(s) * 2n ** 64n + BigInt(t) - 1n) / BigInt(t);
  let out = '';
  for (let i = 7; i >= 0; i--) out += String.fromCharCode(Number((start >> BigInt(8 * i)) & 255n));
  return out;
}

export const scan: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const tableName = p.tableName()!;
  const common = commonParams(p);
  const segment = p.int('Segment', { min: 0, max: TOTAL_SEGMENTS_MAX - 1 });
  const total = p.int('TotalSegments', { min: 1, max: TOTAL_SEGMENTS_MAX });
  if (p.has('ExclusiveStartKey')) p.map('ExclusiveStartKey');
  p.done();
  if (segment !== undefined && total === undefined) {
    throw validation('The TotalSegments parameter is required but was not present in the request when Segment parameter is present');
  }
  if (total !== undefined && segment === undefined) {
    throw validation('The Segment parameter is required but was not present in the request when parameter TotalSegments is present');
  }
  if (segment !== undefined && total !== undefined && segment >= total) {
    throw validation(`The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${segment} is not less than TotalSegments: ${total}`);
  }
  checkParameterStyle('Scan', p.body);
  const attrs = expressionAttributes(p);
  const filterText = stringParam(p, 'FilterExpression');
  const filter = filterText !== undefined
    ? parseCondition(filterText, attrs, 'FilterExpression')
    : p.has('ScanFilter') ? filterToCondition('ScanFilter', p.raw('ScanFilter'), p.raw('ConditionalOperator')) : undefined;
  const projection = projectionOf(p, attrs);
  attrs.checkAllUsed();
  const view = targetView(ctx, tableName, common.indexName, common.consistent);
  const select = checkSelect(view, common.select, projection, p.has('ProjectionExpression') ? 'ProjectionExpression' : 'AttributesToGet');
  const s = segment ?? 0;
  const t = total ?? 1;
  const plan: ReadPlan = {
    view,
    from: segmentStart(s, t),
    to: s + 1 < t ? segmentStart(s + 1, t) : undefined,
    toInclusive: false,
    reverse: false,
    filter,
    limit: common.limit,
    projection,
    select,
    fetchTable: needsTable(view, select, projection) ? requireTable(ctx, tableName) : undefined,
  };
  if (p.has('ExclusiveStartKey')) resumeAfter(ctx, plan, startKey(view, p.raw('ExclusiveStartKey')));
  return respond(plan, await runRead(ctx, plan), common.capacity, common.consistent);
};
