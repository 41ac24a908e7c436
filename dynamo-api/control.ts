// Control plane: CreateTable, DescribeTable, ListTables, UpdateTable (GSI create with backfill,
// delete), DeleteTable, UpdateTimeToLive, DescribeTimeToLive, TagResource, UntagResource,
// ListTagsOfResource, DescribeEndpoints. Tables are ACTIVE as soon as CreateTable returns.
// Table metadata is `options.dynamo` of the engine table (meta.ts); changes to it are
// serialised per process and written with one setOptions DDL each.
import { randomUUID } from 'node:crypto';
import { SchemaError } from '../engine/catalog.js';
import type { Mutation, Value } from '../engine/types.js';
import {
  invalidParameter,
  limitExceeded,
  resourceInUse,
  resourceNotFound,
  serialization,
  tableAlreadyExists,
  tableNotFound,
  validation,
} from './errors.js';
import { nowSec, requireTable, tableArn, type DynamoContext } from './context.js';
import type { Handler } from './items.js';
import {
  baseTableDef,
  dynamoMeta,
  encodeKey,
  indexTableDef,
  indexTableName,
  indexView,
  isExpired,
  rowToItem,
  tableView,
  type DynamoMeta,
  type IndexMeta,
  type KeyDef,
  type KeyType,
  type ProjectionType,
  type View,
} from './meta.js';
import { NAME_PATTERN, NAME_PATTERN_TEXT, Params, TABLE_NAME_BYTES_MAX, TABLE_NAME_BYTES_MIN } from './params.js';
import { readStats, type TableStats } from './stats.js';
import { indexEntry } from './write.js';

/** DynamoDB's tag keys: 1 to 128 characters. */
const TAG_KEY_LENGTH_MAX = 128;

export const GSI_PER_TABLE_MAX = 20;
export const LSI_PER_TABLE_MAX = 5;
export const TAGS_PER_RESOURCE_MAX = 50;
export const LIST_TABLES_LIMIT_MAX = 100;
/** Rows written per engine call while backfilling a new GSI. */
const BACKFILL_BATCH_ROWS = 200;

// ---- Serialising metadata changes ----

const queues = new WeakMap<DynamoContext, Promise<unknown>>();

/** Runs control-plane changes of this process one at a time (read meta, change, write). */
function serial<T>(ctx: DynamoContext, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(ctx) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  queues.set(ctx, run.catch(() => undefined));
  return run;
}

async function setMeta(ctx: DynamoContext, name: string, meta: DynamoMeta): Promise<void> {
  await ctx.engine.ddl({ kind: 'setOptions', name, options: { dynamo: meta as unknown as Value } });
}

function requireDynamoMeta(ctx: DynamoContext, name: string): { view: View; meta: DynamoMeta } {
  const view = requireTable(ctx, name, `Requested resource not found: Table: ${name} not found`);
  if (view.meta === undefined) throw validation(`Table ${name} is a SQL table; change it through SQL`);
  return { view, meta: view.meta };
}

// ---- Parsing key schemas, indexes, throughput ----

interface ParsedKeySchema {
  readonly hash: string;
  readonly range?: string;
}

type KeyElements = { attr?: string; type?: string }[];

/** Collects a KeySchema's member constraints (reported by the caller's `done()`). */
function keyElements(p: Params, name: string, list: readonly unknown[] | undefined): KeyElements | undefined {
  return list?.map((e, i) => {
    const m = p.member(name, i, e);
    const attr = m.str('AttributeName', { required: true, min: 1, max: 255 });
    const type = m.str('KeyType', { required: true, oneOf: ['HASH', 'RANGE'] });
    return { attr, type };
  });
}

function parseKeySchema(p: Params, name: string, list: readonly unknown[] | undefined): ParsedKeySchema | undefined {
  const elems = keyElements(p, name, list);
  p.done();
  return keySchemaOf(elems);
}

function keySchemaOf(elems: KeyElements | undefined): ParsedKeySchema | undefined {
  if (elems === undefined || elems.length === 0) return undefined;
  if (elems[0].type !== 'HASH') throw validation('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  if (elems.length > 1 && elems[1].type !== 'RANGE') throw validation('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  if (elems.length > 1 && elems[0].attr === elems[1].attr) {
    throw validation('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  }
  return elems.length > 1 ? { hash: elems[0].attr!, range: elems[1].attr! } : { hash: elems[0].attr! };
}

/** Collects AttributeDefinitions' member constraints (reported by the caller's `done()`). */
function attributeDefinitions(p: Params, list: readonly unknown[]): KeyDef[] {
  return list.map((e, i) => {
    const m = p.member('AttributeDefinitions', i, e);
    const name = m.str('AttributeName', { required: true, min: 1, max: 255 });
    const type = m.str('AttributeType', { required: true, oneOf: ['S', 'N', 'B'] });
    return { name: name!, type: type as KeyType };
  });
}

function parseAttributeDefinitions(p: Params, list: readonly unknown[]): KeyDef[] {
  const defs = attributeDefinitions(p, list);
  p.done();
  return uniqueDefinitions(defs);
}

function uniqueDefinitions(defs: KeyDef[]): KeyDef[] {
  const seen = new Set<string>();
  for (const d of defs) {
    if (seen.has(d.name)) throw invalidParameter('Duplicate AttributeName in AttributeDefinitions');
    seen.add(d.name);
  }
  return defs;
}

function parseThroughput(p: Params, name: string, raw: unknown): { read: number; write: number } | undefined {
  if (raw === undefined || raw === null) return undefined;
  const t = p.nested(name, raw);
  const read = t.int('ReadCapacityUnits', { required: true, min: 1 });
  const write = t.int('WriteCapacityUnits', { required: true, min: 1 });
  return read === undefined || write === undefined ? undefined : { read, write };
}

function parseProjection(p: Params, raw: unknown, indexName: string): IndexMeta['projection'] {
  if (raw === undefined || raw === null) {
    p.constraint('Projection', null, 'Member must not be null');
    return { type: 'ALL' };
  }
  const m = p.nested('Projection', raw);
  const type = (m.str('ProjectionType', { oneOf: ['ALL', 'KEYS_ONLY', 'INCLUDE'] }) ?? 'ALL') as ProjectionType;
  const include = m.list('NonKeyAttributes', { min: 1, max: 20 });
  p.done();
  if (include !== undefined && type !== 'INCLUDE') {
    throw invalidParameter(`ProjectionType is ${type}, but NonKeyAttributes is specified`);
  }
  if (type === 'INCLUDE' && include === undefined) {
    throw invalidParameter(`NonKeyAttributes must be specified for index ${indexName} when ProjectionType is INCLUDE`);
  }
  const names = (include ?? []).map((n) => {
    if (typeof n !== 'string' || n.length === 0) throw invalidParameter('NonKeyAttributes must contain attribute names');
    return n;
  });
  return type === 'INCLUDE' ? { type, include: names } : { type };
}

function keyDef(defs: readonly KeyDef[], name: string): KeyDef {
  const d = defs.find((x) => x.name === name);
  if (d === undefined) throw new Error(`assertion failed: ${name} has no definition`);
  return d;
}

function checkDefined(defs: readonly KeyDef[], names: readonly string[]): void {
  const missing = names.filter((n) => !defs.some((d) => d.name === n));
  if (missing.length > 0) {
    throw invalidParameter(
      `Some index key attributes are not defined in AttributeDefinitions. Keys: [${missing.join(', ')}], AttributeDefinitions: [${defs.map((d) => d.name).join(', ')}]`,
    );
  }
}

interface IndexSpec {
  readonly name: string;
  readonly keys: ParsedKeySchema;
  readonly projection: IndexMeta['projection'];
  readonly provisioned?: { read: number; write: number };
}

function parseIndexSpecs(p: Params, listName: string, list: readonly unknown[] | undefined, global: boolean): IndexSpec[] {
  if (list === undefined) return [];
  const specs: IndexSpec[] = [];
  list.forEach((e, i) => {
    const m = p.member(listName, i, e);
    const name = m.str('IndexName', { required: true, min: 3, max: 255, pattern: NAME_PATTERN, patternText: NAME_PATTERN_TEXT });
    const ks = m.list('KeySchema', { required: true, min: 1, max: 2 });
    const projection = parseProjection(m, m.raw('Projection'), name ?? '');
    const provisioned = global ? parseThroughput(m, 'ProvisionedThroughput', m.raw('ProvisionedThroughput')) : undefined;
    p.done();
    const keys = parseKeySchema(m, 'KeySchema', ks);
    if (keys === undefined) return;
    specs.push({ name: name!, keys, projection, provisioned });
  });
  return specs;
}

function newIndexMeta(tableName: string, defs: readonly KeyDef[], spec: IndexSpec, kind: 'global' | 'local', status: IndexMeta['status']): IndexMeta {
  const meta: IndexMeta = {
    name: spec.name,
    kind,
    hash: keyDef(defs, spec.keys.hash),
    range: spec.keys.range === undefined ? undefined : keyDef(defs, spec.keys.range),
    projection: spec.projection,
    table: indexTableName(tableName, spec.name),
    status,
    provisioned: spec.provisioned,
  };
  return JSON.parse(JSON.stringify(meta)) as IndexMeta; // drop undefined members (plain data)
}

// ---- Describing ----

function keySchemaWire(hash: KeyDef, range: KeyDef | undefined): Record<string, string>[] {
  const out = [{ AttributeName: hash.name, KeyType: 'HASH' }];
  if (range) out.push({ AttributeName: range.name, KeyType: 'RANGE' });
  return out;
}

function projectionWire(p: IndexMeta['projection']): Record<string, unknown> {
  return p.type === 'INCLUDE' ? { ProjectionType: 'INCLUDE', NonKeyAttributes: p.include } : { ProjectionType: p.type };
}

function throughputWire(t: { read: number; write: number } | undefined): Record<string, unknown> {
  return { NumberOfDecreasesToday: 0, ReadCapacityUnits: t?.read ?? 0, WriteCapacityUnits: t?.write ?? 0 };
}

/** Item counts and sizes by engine table id (DescribeTable reads them; other answers show 0). */
export type StatsByTable = ReadonlyMap<number, TableStats>;

export function describeTable(ctx: DynamoContext, view: View, status = 'ACTIVE', stats: StatsByTable = new Map()): Record<string, unknown> {
  const arn = tableArn(ctx, view.tableName);
  const countOf = (table: string): TableStats => {
    const id = ctx.engine.catalog.table(table)?.id;
    return (id === undefined ? undefined : stats.get(id)) ?? { count: 0, bytes: 0 };
  };
  const own = countOf(view.schema.name);
  const m = view.meta;
  if (m === undefined) {
    const defs = view.range ? [view.hash, view.range] : [view.hash];
    return {
      AttributeDefinitions: defs.map((d) => ({ AttributeName: d.name, AttributeType: d.type })),
      TableName: view.tableName,
      KeySchema: keySchemaWire(view.hash, view.range),
      TableStatus: status,
      CreationDateTime: 0,
      ProvisionedThroughput: throughputWire(undefined),
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      TableSizeBytes: own.bytes,
      ItemCount: own.count,
      TableArn: arn,
      DeletionProtectionEnabled: false,
    };
  }
  const out: Record<string, unknown> = {
    AttributeDefinitions: m.attributes.map((d) => ({ AttributeName: d.name, AttributeType: d.type })),
    TableName: view.tableName,
    KeySchema: keySchemaWire(m.hash, m.range),
    TableStatus: status,
    CreationDateTime: m.createdMs / 1000,
    ProvisionedThroughput: throughputWire(m.provisioned),
    TableSizeBytes: own.bytes,
    ItemCount: own.count,
    TableArn: arn,
    TableId: m.uuid,
    BillingModeSummary: m.billingMode === 'PAY_PER_REQUEST'
      ? { BillingMode: 'PAY_PER_REQUEST', LastUpdateToPayPerRequestDateTime: m.createdMs / 1000 }
      : { BillingMode: 'PROVISIONED' },
    DeletionProtectionEnabled: m.deletionProtection === true,
  };
  const lsis = m.indexes.filter((i) => i.kind === 'local');
  const gsis = m.indexes.filter((i) => i.kind === 'global');
  if (lsis.length > 0) {
    out.LocalSecondaryIndexes = lsis.map((i) => ({
      IndexName: i.name, KeySchema: keySchemaWire(i.hash, i.range), Projection: projectionWire(i.projection),
      IndexSizeBytes: countOf(i.table).bytes, ItemCount: countOf(i.table).count, IndexArn: `${arn}/index/${i.name}`,
    }));
  }
  if (gsis.length > 0) {
    out.GlobalSecondaryIndexes = gsis.map((i) => {
      const g: Record<string, unknown> = {
        IndexName: i.name, KeySchema: keySchemaWire(i.hash, i.range), Projection: projectionWire(i.projection),
        IndexStatus: i.status, ProvisionedThroughput: throughputWire(i.provisioned),
        IndexSizeBytes: countOf(i.table).bytes, ItemCount: countOf(i.table).count, IndexArn: `${arn}/index/${i.name}`,
      };
      if (i.status === 'CREATING') g.Backfilling = true;
      return g;
    });
  }
  if (m.stream !== undefined) {
    out.StreamSpecification = m.stream.enabled ? { StreamEnabled: true, StreamViewType: m.stream.viewType } : { StreamEnabled: false };
    if (m.stream.enabled && m.stream.label) {
      out.LatestStreamLabel = m.stream.label;
      out.LatestStreamArn = `${arn}/stream/${m.stream.label}`;
    }
  }
  if (m.tableClass !== undefined) out.TableClassSummary = { TableClass: m.tableClass };
  return out;
}

// ---- CreateTable ----

function parseStream(p: Params, now: number): DynamoMeta['stream'] {
  if (!p.has('StreamSpecification')) return undefined;
  const s = p.nested('StreamSpecification', p.raw('StreamSpecification'));
  const enabled = s.bool('StreamEnabled');
  if (enabled === undefined) s.constraint('StreamEnabled', null, 'Member must not be null');
  const viewType = s.str('StreamViewType', { oneOf: ['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'] });
  p.done();
  if (enabled && viewType === undefined) {
    throw invalidParameter('You must specify a StreamViewType when enabling a stream');
  }
  if (!enabled && viewType !== undefined) {
    throw invalidParameter('You cannot modify stream status while updating table with other parameters');
  }
  return enabled ? { enabled: true, viewType, label: new Date(now).toISOString().replace(/Z$/, '') } : { enabled: false };
}

function parseTags(p: Params, list: readonly unknown[] | undefined): { Key: string; Value: string }[] {
  if (list === undefined) return [];
  const tags = list.map((e, i) => {
    const m = p.member('Tags', i, e);
    const key = m.str('Key', { required: true, min: 1, max: TAG_KEY_LENGTH_MAX });
    const value = m.str('Value', { required: true, min: 0, max: 256 });
    return { Key: key!, Value: value! };
  });
  p.done();
  return tags;
}

export const createTable: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const tableName = p.tableName()!;
  const defsRaw = p.list('AttributeDefinitions', { required: true });
  const ksRaw = p.list('KeySchema', { required: true, min: 1, max: 2 });
  const billing = (p.str('BillingMode', { oneOf: ['PROVISIONED', 'PAY_PER_REQUEST'] }) ?? 'PROVISIONED') as DynamoMeta['billingMode'];
  const provisioned = parseThroughput(p, 'ProvisionedThroughput', p.raw('ProvisionedThroughput'));
  const lsiRaw = p.list('LocalSecondaryIndexes');
  const gsiRaw = p.list('GlobalSecondaryIndexes');
  const tagsRaw = p.list('Tags', { max: TAGS_PER_RESOURCE_MAX });
  const deletionProtection = p.bool('DeletionProtectionEnabled');
  const tableClass = p.str('TableClass', { oneOf: ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'] });
  const defsCollected = defsRaw === undefined ? [] : attributeDefinitions(p, defsRaw);
  const keyElems = keyElements(p, 'KeySchema', ksRaw);
  p.done();
  const defs = uniqueDefinitions(defsCollected);
  const keys = keySchemaOf(keyElems)!;
  const lsiSpecs = parseIndexSpecs(p, 'LocalSecondaryIndexes', lsiRaw, false);
  const gsiSpecs = parseIndexSpecs(p, 'GlobalSecondaryIndexes', gsiRaw, true);
  const stream = parseStream(p, ctx.clock.nowMs());
  const tags = parseTags(p, tagsRaw);

  checkDefined(defs, [keys.hash, ...(keys.range ? [keys.range] : [])]);
  if (billing === 'PROVISIONED' && provisioned === undefined) {
    throw invalidParameter('ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED');
  }
  if (billing === 'PAY_PER_REQUEST' && p.has('ProvisionedThroughput')) {
    throw invalidParameter('Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
  }
  if (lsiSpecs.length > 0 && keys.range === undefined) {
    throw invalidParameter('Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex');
  }
  if (lsiSpecs.length > LSI_PER_TABLE_MAX) throw invalidParameter(`Number of LocalSecondaryIndexes exceeds per-table limit of ${LSI_PER_TABLE_MAX}`);
  if (gsiSpecs.length > GSI_PER_TABLE_MAX) throw invalidParameter(`GlobalSecondaryIndex count exceeds the per-table limit of ${GSI_PER_TABLE_MAX}`);
  const names = new Set<string>();
  for (const s of [...lsiSpecs, ...gsiSpecs]) {
    if (names.has(s.name)) throw invalidParameter(`Duplicate index name: ${s.name}`);
    names.add(s.name);
  }
  for (const s of lsiSpecs) {
    if (s.keys.range === undefined) throw invalidParameter(`Index KeySchema does not have a range key for index: ${s.name}`);
    if (s.keys.hash !== keys.hash) {
      throw invalidParameter(
        `Index KeySchema does not have the same leading hash key as table KeySchema for index: ${s.name}. index hash key: ${s.keys.hash}, table hash key: ${keys.hash}`,
      );
    }
    checkDefined(defs, [s.keys.hash, s.keys.range]);
  }
  for (const s of gsiSpecs) {
    checkDefined(defs, [s.keys.hash, ...(s.keys.range ? [s.keys.range] : [])]);
    if (billing === 'PROVISIONED' && s.provisioned === undefined) {
      throw invalidParameter(`ProvisionedThroughput must be specified for index: ${s.name}`);
    }
  }
  const used = new Set<string>([keys.hash, ...(keys.range ? [keys.range] : [])]);
  for (const s of [...lsiSpecs, ...gsiSpecs]) {
    used.add(s.keys.hash);
    if (s.keys.range) used.add(s.keys.range);
  }
  if (used.size !== defs.length) {
    throw invalidParameter('Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions');
  }

  const nowMs = ctx.clock.nowMs();
  const meta: DynamoMeta = JSON.parse(JSON.stringify({
    format: 1,
    uuid: randomUUID(),
    attributes: defs,
    hash: keyDef(defs, keys.hash),
    range: keys.range === undefined ? undefined : keyDef(defs, keys.range),
    indexes: [
      ...lsiSpecs.map((s) => newIndexMeta(tableName, defs, s, 'local', 'ACTIVE')),
      ...gsiSpecs.map((s) => newIndexMeta(tableName, defs, s, 'global', 'ACTIVE')),
    ],
    billingMode: billing,
    provisioned: billing === 'PROVISIONED' ? provisioned : undefined,
    createdMs: nowMs,
    tags,
    stream,
    deletionProtection: deletionProtection === true ? true : undefined,
    tableClass,
  } satisfies DynamoMeta)) as DynamoMeta;

  return serial(ctx, async () => {
    if (ctx.engine.catalog.table(tableName) !== undefined) throw tableAlreadyExists(tableName);
    // The base table claims the name; index tables follow (an orphan left by a crash is replaced).
    try {
      await ctx.engine.ddl({ kind: 'create', table: baseTableDef(tableName, meta) });
    } catch (e) {
      if (e instanceof SchemaError && e.code === 'table_exists') throw tableAlreadyExists(tableName);
      throw e;
    }
    for (const index of meta.indexes) await createIndexTable(ctx, tableName, meta, index);
    return { TableDescription: describeTable(ctx, requireTable(ctx, tableName)) };
  });
};

async function createIndexTable(ctx: DynamoContext, tableName: string, meta: DynamoMeta, index: IndexMeta): Promise<void> {
  await ctx.engine.ddl({ kind: 'drop', name: index.table, ifExists: true });
  await ctx.engine.ddl({ kind: 'create', table: indexTableDef(tableName, meta, index) });
}

// ---- DescribeTable / ListTables / DeleteTable ----

export const describeTableOp: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const name = p.tableName()!;
  p.done();
  const view = requireTable(ctx, name, `Requested resource not found: Table: ${name} not found`);
  const tables = [view.schema, ...(view.meta?.indexes ?? []).map((i) => ctx.engine.catalog.table(i.table))].filter((t) => t !== undefined);
  const stats = new Map(await Promise.all(tables.map(async (t) => [t.id, await readStats(ctx, t.id)] as const)));
  return { Table: describeTable(ctx, view, 'ACTIVE', stats) };
};

/** The tables the Dynamo API shows, sorted by name. */
export function visibleTables(ctx: DynamoContext): string[] {
  const names: string[] = [];
  for (const t of ctx.engine.catalog.tables()) {
    if (t.name.length < TABLE_NAME_BYTES_MIN || t.name.length > TABLE_NAME_BYTES_MAX || !NAME_PATTERN.test(t.name)) continue;
    if (tableView(t) !== undefined) names.push(t.name);
  }
  return names.sort();
}

export const listTables: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const start = p.tableName('ExclusiveStartTableName', false);
  const limit = p.int('Limit', { min: 1, max: LIST_TABLES_LIMIT_MAX }) ?? LIST_TABLES_LIMIT_MAX;
  p.done();
  const all = visibleTables(ctx).filter((n) => start === undefined || n > start);
  const page = all.slice(0, limit);
  const out: Record<string, unknown> = { TableNames: page };
  if (all.length > limit) out.LastEvaluatedTableName = page[page.length - 1];
  return out;
};

export const deleteTable: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const name = p.tableName()!;
  p.done();
  return serial(ctx, async () => {
    const { view, meta } = requireDynamoMeta(ctx, name);
    if (meta.deletionProtection) {
      throw validation('Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.');
    }
    const description = describeTable(ctx, view, 'DELETING');
    try {
      await ctx.engine.ddl({ kind: 'drop', name });
    } catch (e) {
      if (e instanceof SchemaError && e.code === 'no_such_table') throw tableNotFound(name);
      throw e;
    }
    for (const index of meta.indexes) await ctx.engine.ddl({ kind: 'drop', name: index.table, ifExists: true });
    return { TableDescription: description };
  });
};

// ---- UpdateTable ----

export const updateTable: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const name = p.tableName()!;
  const defsRaw = p.list('AttributeDefinitions');
  const billing = p.str('BillingMode', { oneOf: ['PROVISIONED', 'PAY_PER_REQUEST'] }) as DynamoMeta['billingMode'] | undefined;
  const provisioned = parseThroughput(p, 'ProvisionedThroughput', p.raw('ProvisionedThroughput'));
  const updatesRaw = p.list('GlobalSecondaryIndexUpdates');
  const deletionProtection = p.bool('DeletionProtectionEnabled');
  const tableClass = p.str('TableClass', { oneOf: ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'] });
  p.done();
  const defs = defsRaw === undefined ? [] : parseAttributeDefinitions(p, defsRaw);
  const stream = parseStream(p, ctx.clock.nowMs());

  interface GsiUpdate { create?: IndexSpec; delete?: string; update?: { name: string; provisioned?: { read: number; write: number } } }
  const updates: GsiUpdate[] = (updatesRaw ?? []).map((e, i) => {
    const m = p.member('GlobalSecondaryIndexUpdates', i, e);
    const out: GsiUpdate = {};
    if (m.has('Create')) {
      const specs = parseIndexSpecs(m, 'Create', [m.raw('Create')], true);
      if (specs.length > 0) out.create = specs[0];
    }
    if (m.has('Delete')) {
      const d = m.nested('Delete', m.raw('Delete'));
      out.delete = d.str('IndexName', { required: true, min: 3, max: 255 });
    }
    if (m.has('Update')) {
      const u = m.nested('Update', m.raw('Update'));
      const idx = u.str('IndexName', { required: true, min: 3, max: 255 });
      out.update = { name: idx ?? '', provisioned: parseThroughput(u, 'ProvisionedThroughput', u.raw('ProvisionedThroughput')) };
    }
    return out;
  });
  p.done();
  for (const u of updates) {
    const n = (u.create ? 1 : 0) + (u.delete ? 1 : 0) + (u.update ? 1 : 0);
    if (n !== 1) throw invalidParameter('One of GlobalSecondaryIndexUpdate.Create, Update or Delete must be specified');
  }
  if (billing === undefined && provisioned === undefined && updates.length === 0 && stream === undefined
    && deletionProtection === undefined && tableClass === undefined) {
    throw validation(
      'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
    );
  }
  if (updates.filter((u) => u.create || u.delete).length > 1) {
    throw limitExceeded('Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table');
  }

  return serial(ctx, async () => {
    const { meta } = requireDynamoMeta(ctx, name);
    let next: DynamoMeta = { ...meta };
    const attributes = [...meta.attributes];
    for (const d of defs) {
      const have = attributes.find((a) => a.name === d.name);
      if (have && have.type !== d.type) throw invalidParameter(`Cannot change the type of attribute ${d.name}`);
      if (!have) attributes.push(d);
    }
    if (billing !== undefined) next = { ...next, billingMode: billing };
    if (provisioned !== undefined) {
      if ((billing ?? meta.billingMode) === 'PAY_PER_REQUEST') {
        throw invalidParameter('Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
      }
      next = { ...next, provisioned };
    }
    if (billing === 'PROVISIONED' && meta.billingMode !== 'PROVISIONED' && provisioned === undefined) {
      throw invalidParameter('ProvisionedThroughput must be specified when BillingMode is PROVISIONED');
    }
    if (stream !== undefined) next = { ...next, stream };
    if (deletionProtection !== undefined) next = { ...next, deletionProtection };
    if (tableClass !== undefined) next = { ...next, tableClass };

    let created: IndexMeta | undefined;
    let dropped: IndexMeta | undefined;
    let indexes = [...meta.indexes];
    for (const u of updates) {
      if (u.create) {
        const s = u.create;
        if (indexes.some((i) => i.name === s.name)) throw validation(`Attempting to create an index which already exists`);
        if (indexes.filter((i) => i.kind === 'global').length >= GSI_PER_TABLE_MAX) {
          throw limitExceeded(`Subscriber limit exceeded: Number of GlobalSecondaryIndexes exceeds per-table limit of ${GSI_PER_TABLE_MAX}`);
        }
        checkDefined(attributes, [s.keys.hash, ...(s.keys.range ? [s.keys.range] : [])]);
        if ((next.billingMode) === 'PROVISIONED' && s.provisioned === undefined) {
          throw invalidParameter(`ProvisionedThroughput must be specified for index: ${s.name}`);
        }
        created = { ...newIndexMeta(name, attributes, s, 'global', 'CREATING'), backfillBy: ctx.engine.writerId };
        indexes.push(created);
      } else if (u.delete) {
        const idx = indexes.find((i) => i.name === u.delete && i.kind === 'global');
        if (idx === undefined) throw resourceNotFound(`Requested resource not found: Index: ${u.delete} not found`);
        if (idx.status === 'CREATING') throw resourceInUse(`Attempting to delete an index which is being created: ${idx.name}`);
        dropped = idx;
        indexes = indexes.filter((i) => i !== idx);
      } else if (u.update) {
        const at = indexes.findIndex((i) => i.name === u.update!.name && i.kind === 'global');
        if (at < 0) throw resourceNotFound(`Requested resource not found: Index: ${u.update.name} not found`);
        if (u.update.provisioned) indexes[at] = { ...indexes[at], provisioned: u.update.provisioned };
      }
    }
    // Attribute definitions must cover exactly the key attributes in use.
    const used = new Set<string>([meta.hash.name, ...(meta.range ? [meta.range.name] : [])]);
    for (const i of indexes) {
      used.add(i.hash.name);
      if (i.range) used.add(i.range.name);
    }
    next = JSON.parse(JSON.stringify({ ...next, indexes, attributes: attributes.filter((a) => used.has(a.name)) })) as DynamoMeta;

    if (created) await createIndexTable(ctx, name, next, created);
    await setMeta(ctx, name, next);
    if (dropped) await ctx.engine.ddl({ kind: 'drop', name: dropped.table, ifExists: true });
    if (created) startBackfill(ctx, name, created.name);
    return { TableDescription: describeTable(ctx, requireTable(ctx, name)) };
  });
};

function startBackfill(ctx: DynamoContext, table: string, index: string): void {
  const job = backfill(ctx, table, index).catch((e: Error) => ctx.log('error', 'GSI backfill failed', { table, index, error: e.message }));
  ctx.background.add(job);
  void job.finally(() => ctx.background.delete(job));
}

/**
 * Restarts the backfills this front end was running when its process died (indexes still
 * CREATING with `backfillBy` = its writer id); returns how many. A backfill is idempotent -
 * entries carry their data's timestamps - so starting over is safe.
 */
export function resumeBackfills(ctx: DynamoContext): number {
  let n = 0;
  for (const schema of ctx.engine.catalog.tables()) {
    const meta = dynamoMeta(schema);
    for (const index of meta?.indexes ?? []) {
      if (index.status !== 'CREATING' || index.backfillBy !== ctx.engine.writerId) continue;
      ctx.log('info', 'resuming an interrupted GSI backfill', { table: schema.name, index: index.name });
      startBackfill(ctx, schema.name, index.name);
      n++;
    }
  }
  return n;
}

/**
 * Writes the entries of a new GSI for every item already in the table, then marks it ACTIVE.
 * Writes that arrive meanwhile maintain the index themselves (the catalog lists it before the
 * backfill starts); backfilled entries carry the timestamp of the data they were computed
 * from, so a newer write always wins whatever the order.
 */
async function backfill(ctx: DynamoContext, tableName: string, indexName: string): Promise<void> {
  const view = requireTable(ctx, tableName);
  const meta = view.meta!;
  const index = meta.indexes.find((i) => i.name === indexName);
  const iv = index && indexView(view.base, index, ctx.engine.catalog);
  if (!index || !iv) return;
  let batch: Mutation[] = [];
  const now = nowSec(ctx);
  for await (const row of ctx.engine.scan({ table: view.schema.id })) {
    const item = rowToItem(row.values, view);
    if (isExpired(meta, item, now)) continue;
    const entry = indexEntry(meta, index, item);
    if (entry === undefined) continue;
    const { pkey, ckey } = encodeKey(iv, entry, ctx.engine.catalog);
    const ts = row.maxTs;
    const cells: Record<string, { ts: number; w: number; v: Value }> = {};
    const keyNames = new Set(iv.keyColumns.map((k) => k.name));
    for (const n of Object.keys(entry)) if (!keyNames.has(n)) cells[n] = { ts, w: ctx.engine.writerId, v: entry[n] as unknown as Value };
    batch.push({ table: iv.schema.id, pkey, ckey, row: { del: { ts: ts - 1, w: ctx.engine.writerId }, marker: { ts, w: ctx.engine.writerId, v: true }, cells } });
    if (batch.length >= BACKFILL_BATCH_ROWS) {
      await ctx.engine.apply(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await ctx.engine.apply(batch);
  await serial(ctx, async () => {
    const current = ctx.engine.catalog.table(tableName);
    const m = current && dynamoMeta(current);
    if (!m || !m.indexes.some((i) => i.name === indexName)) return;
    const active = (i: IndexMeta): IndexMeta => {
      const { backfillBy: _done, ...rest } = i;
      return { ...rest, status: 'ACTIVE' };
    };
    await setMeta(ctx, tableName, { ...m, indexes: m.indexes.map((i) => (i.name === indexName ? active(i) : i)) });
  });
}

// ---- TTL ----

export const updateTimeToLive: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const name = p.tableName()!;
  const specRaw = p.map('TimeToLiveSpecification', { required: true });
  let enabled: boolean | undefined;
  let attribute: string | undefined;
  if (specRaw !== undefined) {
    const s = p.nested('TimeToLiveSpecification', specRaw);
    enabled = s.bool('Enabled');
    if (enabled === undefined) s.constraint('Enabled', null, 'Member must not be null');
    attribute = s.str('AttributeName', { required: true, min: 1, max: 255 });
  }
  p.done();
  return serial(ctx, async () => {
    const { meta } = requireDynamoMeta(ctx, name);
    const current = meta.ttl?.enabled === true;
    if (enabled && current) throw validation('TimeToLive is already enabled');
    if (!enabled && !current) throw validation('TimeToLive is already disabled');
    if (!enabled && meta.ttl?.attribute !== attribute) {
      throw validation(`TimeToLive is active on a different AttributeName: current AttributeName is ${meta.ttl?.attribute}`);
    }
    await setMeta(ctx, name, { ...meta, ttl: { attribute: attribute!, enabled: enabled! } });
    return { TimeToLiveSpecification: { Enabled: enabled, AttributeName: attribute } };
  });
};

export const describeTimeToLive: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const name = p.tableName()!;
  p.done();
  const view = requireTable(ctx, name, `Requested resource not found: Table: ${name} not found`);
  const ttl = view.meta?.ttl;
  return {
    TimeToLiveDescription: ttl?.enabled
      ? { TimeToLiveStatus: 'ENABLED', AttributeName: ttl.attribute }
      : { TimeToLiveStatus: 'DISABLED' },
  };
};

// ---- Tags ----

const ARN = /^arn:aws[a-zA-Z-]*:dynamodb:[^:]*:[^:]*:table\/([a-zA-Z0-9_.-]{3,255})$/;

function tableOfArn(ctx: DynamoContext, arn: string): { name: string; meta: DynamoMeta } {
  const m = ARN.exec(arn);
  if (m === null) throw validation(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  const schema = ctx.engine.catalog.table(m[1]);
  const meta = schema && dynamoMeta(schema);
  if (meta === undefined) throw resourceNotFound(`Requested resource not found: ResourcArn: ${arn} not found`);
  return { name: m[1], meta };
}

export const tagResource: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const arn = p.str('ResourceArn', { required: true, min: 1, max: 1283 })!;
  const tagsRaw = p.list('Tags', { required: true });
  p.done();
  const tags = parseTags(p, tagsRaw);
  return serial(ctx, async () => {
    const { name, meta } = tableOfArn(ctx, arn);
    const merged = meta.tags.filter((t) => !tags.some((n) => n.Key === t.Key));
    merged.push(...tags);
    if (merged.length > TAGS_PER_RESOURCE_MAX) {
      throw limitExceeded(`The number of tags on the resource exceeds the maximum of ${TAGS_PER_RESOURCE_MAX}`);
    }
    await setMeta(ctx, name, { ...meta, tags: merged });
    return {};
  });
};

export const untagResource: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const arn = p.str('ResourceArn', { required: true, min: 1, max: 1283 })!;
  const keysRaw = p.list('TagKeys', { required: true });
  const keys = (keysRaw ?? []).map((k) => {
    if (typeof k !== 'string') throw serialization(`${typeof k === 'number' ? 'NUMBER_VALUE' : 'VALUE'} cannot be converted to String`);
    return k;
  });
  if (keys.some((k) => k.length < 1 || k.length > TAG_KEY_LENGTH_MAX)) {
    p.constraint('TagKeys', keys, `Member must satisfy constraint: [Member must have length less than or equal to ${TAG_KEY_LENGTH_MAX}, Member must have length greater than or equal to 1]`);
  }
  p.done();
  return serial(ctx, async () => {
    const { name, meta } = tableOfArn(ctx, arn);
    await setMeta(ctx, name, { ...meta, tags: meta.tags.filter((t) => !keys.includes(t.Key)) });
    return {};
  });
};

export const listTagsOfResource: Handler = async (ctx, body) => {
  const p = Params.of(body);
  const arn = p.str('ResourceArn', { required: true, min: 1, max: 1283 })!;
  p.str('NextToken');
  p.done();
  const { meta } = tableOfArn(ctx, arn);
  return { Tags: meta.tags };
};

// ---- Endpoints ----

export function describeEndpoints(host: string): Record<string, unknown> {
  return { Endpoints: [{ Address: host, CachePeriodInMinutes: 1440 }] };
}

/** For tests: waits for background work (backfills) to finish. */
export async function settle(ctx: DynamoContext): Promise<void> {
  while (ctx.background.size > 0) await Promise.allSettled([...ctx.background]);
}

export { nowSec };
