// DDL: CREATE/DROP/ALTER TABLE, CREATE/DROP INDEX, TRUNCATE, on the engine catalog.
//   - TRUNCATE builds an empty shadow table and renames it over the original in one
//     catalog step (inside a transaction: at COMMIT);
//   - ALTER TABLE ADD PRIMARY KEY copies the rows into a shadow table keyed by the new
//     primary key (detecting duplicates and NULLs) and swaps it in the same way;
//   - ADD COLUMN with a DEFAULT (or re-adding a dropped column name) backfills existing
//     rows with a timestamp taken before the backfill, so concurrent writes win;
//   - CREATE INDEX records the index (pg_index, \d), gives it an id and backfills its
//     shard-local entries (indexes.ts); from then on every write maintains them. DROP
//     INDEX/TABLE/COLUMN and TRUNCATE delete the entries they orphan. UNIQUE indexes and
//     constraints other than the primary key, and foreign keys, are refused with 0A000
//     since not enforcing them would accept rows PostgreSQL rejects.
// Writes that run concurrently with TRUNCATE or ADD PRIMARY KEY on the same table may
// be lost (PostgreSQL would block them on a lock).

import type { Engine } from '../engine/engine.js';
import { SchemaError, type TableDef } from '../engine/catalog.js';
import { PREFIX_END } from '../engine/keys.js';
import type { ColumnDef, Mutation, TableSchema, Timestamp, Value } from '../engine/types.js';
import type { AlterAction, ColumnDefAst, Statement } from './ast.js';
import { ExprBinder, Scope } from './binder.js';
import { SqlError, SqlState, undefinedTable, unsupported, type SqlErrorData } from './errors.js';
import { columnsUsed, hasAsync, type BExpr } from './expr.js';
import type { EvalCtx } from './functions.js';
import { compiled, decoder, resolveAsync, SCAN_PAGE_ROWS, type ExecEnv } from './executor.js';
import type { Planner } from './planner.js';
import { parseExpression } from './parser.js';
import {
  engineColumn, isHiddenTable, readMeta, ROWID_COLUMN, SHADOW_PREFIX, SqlTable, relationName, metaValue,
  type SqlCheckMeta, type SqlIndexMeta, type SqlSequenceMeta, type SqlTableMeta,
} from './schema.js';
import type { Sequences } from './sequences.js';
import type { Transaction } from './txn.js';
import { ApplyPipeline, APPLIES_IN_FLIGHT } from './writes.js';
import { PROC } from './procs.js';
import { backfillIndex, ensureIndexTable, indexColSpecs, purgeIndexEntries } from './indexes.js';
import { engineColumnType, isArray, Oid, resolveTypeName, T, typeName, type SqlType } from './types.js';
import { outputValue } from './values.js';
import { shardStartKey } from '../engine/engine.js';
import { dynamoTableReadOnly } from './dynamo-tables.js';

export interface Notice {
  severity: 'NOTICE' | 'WARNING';
  code: string;
  message: string;
}

export interface DdlContext {
  engine: Engine;
  sequences: Sequences;
  txn: Transaction | undefined;
  notices: Notice[];
  /** A fresh planner for binding DEFAULT and CHECK expressions. */
  planner(): Planner;
  table(name: string): SqlTable | undefined;
  env: ExecEnv;
  ctx: EvalCtx;
}

/** Storage parameters accepted in WITH (...): recorded, mostly without effect. */
const STORAGE_OPTIONS = new Set([
  'fillfactor', 'toast_tuple_target', 'parallel_workers', 'autovacuum_enabled', 'user_catalog_table',
  'log_autovacuum_min_duration', 'vacuum_index_cleanup', 'vacuum_truncate', 'oids',
]);

export function schemaError(e: unknown): unknown {
  if (!(e instanceof SchemaError)) return e;
  switch (e.code) {
    case 'table_exists': return new SqlError(SqlState.duplicateTable, e.message);
    case 'no_such_table': return new SqlError(SqlState.undefinedTable, e.message);
    case 'column_exists': return new SqlError(SqlState.duplicateColumn, e.message);
    case 'no_such_column': return new SqlError(SqlState.undefinedColumn, e.message);
    case 'invalid': return new SqlError(SqlState.invalidTableDefinition, e.message);
  }
}

async function ddl(engine: Engine, d: Parameters<Engine['ddl']>[0]): Promise<void> {
  try {
    await engine.ddl(d);
  } catch (e) {
    throw schemaError(e);
  }
}

function userTable(dc: DdlContext, parts: string[], pos: number): SqlTable | undefined {
  const { schema, name } = relationName(parts, pos);
  if (schema === 'pg_catalog' || schema === 'information_schema') throw new SqlError(SqlState.insufficientPrivilege, `permission denied: "${name}" is a system catalog`, { position: pos + 1 });
  if (schema !== undefined && schema !== 'public') throw new SqlError(SqlState.invalidSchemaName, `schema "${schema}" does not exist`, { position: pos + 1 });
  const t = dc.table(name);
  if (t?.document !== undefined) throw dynamoTableReadOnly(name, pos + 1);
  return t;
}

function requireTable(dc: DdlContext, parts: string[], pos: number): SqlTable {
  const t = userTable(dc, parts, pos);
  if (!t) throw undefinedTable(relationName(parts).name, pos + 1);
  return t;
}

function withMeta(schema: TableSchema, meta: SqlTableMeta): Record<string, Value> {
  return { ...schema.options, sql: metaValue(meta) };
}

async function setMeta(dc: DdlContext, t: SqlTable, meta: SqlTableMeta): Promise<void> {
  await ddl(dc.engine, { kind: 'setOptions', name: t.name, options: { sql: metaValue(meta) } });
}

// ---- CREATE TABLE ----

interface ColumnPlan {
  def: ColumnDef;
  type: SqlType;
  sequence?: SqlSequenceMeta;
  check?: SqlCheckMeta;
  primaryKey: boolean;
}

function planColumn(dc: DdlContext, table: string, c: ColumnDefAst, generation: string): ColumnPlan {
  if (c.name === ROWID_COLUMN) throw new SqlError(SqlState.reservedName, `column name "${ROWID_COLUMN}" is reserved`, { position: c.pos + 1 });
  const { type, serial } = resolveTypeName(c.type);
  const et = engineColumnType(type);
  if (!et) {
    throw new SqlError(SqlState.featureNotSupported, `columns of type ${typeName(type)} are not supported`, { position: c.type.pos + 1 });
  }
  const k = c.constraints;
  if (k.unique && !k.primaryKey) throw new SqlError(SqlState.featureNotSupported, 'UNIQUE constraints other than the primary key are not supported', { position: c.pos + 1 });
  if (k.references) throw new SqlError(SqlState.featureNotSupported, 'foreign keys are not supported', { position: c.pos + 1 });
  let def: string | undefined;
  let sequence: SqlSequenceMeta | undefined;
  if (serial) {
    if (k.default) throw new SqlError(SqlState.syntaxError, `multiple default values specified for column "${c.name}" of table "${table}"`, { position: c.pos + 1 });
    const name = `${table}_${c.name}_seq`.slice(0, 63);
    sequence = { column: c.name, name, key: `${name}@${generation}` };
    def = `nextval('${name}'::regclass)`;
  } else if (k.default) {
    validateDefault(dc, k.default.text, type, c.pos);
    def = k.default.text;
  }
  const check = k.check ? { name: `${table}_${c.name}_check`.slice(0, 63), text: k.check.text } : undefined;
  return {
    def: engineColumn(c.name, et, type.mod, !!(k.notNull || k.primaryKey || serial), def),
    type, sequence, check, primaryKey: !!k.primaryKey,
  };
}

function validateDefault(dc: DdlContext, text: string, type: SqlType, pos: number): void {
  const planner = dc.planner();
  const b = new ExprBinder(planner, new Scope(), { noAggWhere: 'DEFAULT expressions' });
  let e: BExpr;
  try {
    e = b.bind(parseExpression(text));
  } catch (err) {
    if (err instanceof SqlError && err.code === SqlState.undefinedColumn) throw new SqlError(SqlState.featureNotSupported, 'cannot use column reference in DEFAULT expression', { position: pos + 1 });
    throw err instanceof SqlError ? new SqlError(err.code, err.message, { ...err.fields(), position: undefined }) : err;
  }
  if (hasAsync(e) && !text.includes('nextval')) throw new SqlError(SqlState.featureNotSupported, 'cannot use subquery in DEFAULT expression', { position: pos + 1 });
  try {
    b.coerce(e, type, 'assignment');
  } catch (err) {
    if (err instanceof SqlError && (err.code === SqlState.datatypeMismatch || err.code === SqlState.cannotCoerce)) {
      throw new SqlError(SqlState.datatypeMismatch, `column is of type ${typeName(type)} but default expression is of type ${typeName(e.t)}`, { hint: 'You will need to rewrite or cast the expression.' });
    }
    throw err instanceof SqlError ? new SqlError(err.code, err.message, { ...err.fields(), position: undefined }) : err;
  }
}

function keyTypeCheck(name: string, type: SqlType, pos: number): void {
  if (type.oid === Oid.json || type.oid === Oid.jsonb || isArray(type)) {
    throw new SqlError(SqlState.featureNotSupported, `column "${name}" of type ${typeName(type)} cannot be part of a primary key`, { position: pos + 1 });
  }
}

/** Splits a primary key into partition and clustering columns (WITH (partition_key = 'a,b')). */
function keySplit(pk: string[], option: string | undefined, pos: number): { partition: string[]; clustering: string[] } {
  if (!option) return { partition: pk.slice(0, 1), clustering: pk.slice(1) };
  const partition = option.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (partition.length === 0) throw new SqlError(SqlState.invalidParameterValue, 'partition_key must name at least one column', { position: pos + 1 });
  for (const p of partition) {
    if (!pk.includes(p)) throw new SqlError(SqlState.invalidTableDefinition, `partition_key column "${p}" is not part of the primary key`, { position: pos + 1 });
  }
  return { partition, clustering: pk.filter((c) => !partition.includes(c)) };
}

function parseOptions(options: Record<string, string>, pos: number): { reloptions: string[]; engine: Record<string, Value>; partitionKey?: string } {
  const reloptions: string[] = [];
  const engine: Record<string, Value> = {};
  let partitionKey: string | undefined;
  for (const [k, v] of Object.entries(options)) {
    if (k === 'partition_key') partitionKey = v;
    else if (k === 'gc_grace_seconds' || k === 'default_ttl') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "${k}": "${v}"`, { position: pos + 1 });
      engine[k] = n;
      reloptions.push(`${k}=${v}`);
    } else if (k === 'consistency') {
      if (v.toLowerCase() !== 'eventual') throw new SqlError(SqlState.featureNotSupported, `consistency = '${v}' is not supported yet`, { position: pos + 1 });
    } else if (k.startsWith('cdc')) {
      throw new SqlError(SqlState.featureNotSupported, 'CDC tables are not supported yet', { position: pos + 1 });
    } else if (STORAGE_OPTIONS.has(k) || k.startsWith('autovacuum_') || k.startsWith('toast.')) {
      reloptions.push(`${k}=${v}`);
    } else {
      throw new SqlError(SqlState.invalidParameterValue, `unrecognized parameter "${k}"`, { position: pos + 1 });
    }
  }
  return { reloptions, engine, partitionKey };
}

export async function createTable(stmt: Statement & { kind: 'createTable' }, dc: DdlContext): Promise<void> {
  if (stmt.temporary) throw unsupported('temporary tables', stmt.pos + 1);
  const { schema, name } = relationName(stmt.name, stmt.pos);
  if (schema === 'pg_catalog' || schema === 'information_schema') throw new SqlError(SqlState.insufficientPrivilege, `permission denied to create "${schema}.${name}"`, { position: stmt.pos + 1 });
  if (schema !== undefined && schema !== 'public') throw new SqlError(SqlState.invalidSchemaName, `schema "${schema}" does not exist`, { position: stmt.pos + 1 });
  if (name.startsWith('tessera$')) throw new SqlError(SqlState.reservedName, `table name "${name}" is reserved`, { position: stmt.pos + 1 });
  if (dc.engine.catalog.table(name)) {
    if (stmt.ifNotExists) {
      dc.notices.push({ severity: 'NOTICE', code: SqlState.duplicateTable, message: `relation "${name}" already exists, skipping` });
      return;
    }
    throw new SqlError(SqlState.duplicateTable, `relation "${name}" already exists`);
  }
  const generation = String(dc.engine.now());
  const seen = new Set<string>();
  const cols = stmt.columns.map((c) => {
    if (seen.has(c.name)) throw new SqlError(SqlState.duplicateColumn, `column "${c.name}" specified more than once`, { position: c.pos + 1 });
    seen.add(c.name);
    return planColumn(dc, name, c, generation);
  });
  let pk: string[] | undefined;
  let pkName: string | undefined;
  const checks: SqlCheckMeta[] = cols.flatMap((c) => (c.check ? [c.check] : []));
  for (const c of cols) {
    if (!c.primaryKey) continue;
    if (pk) throw new SqlError(SqlState.invalidTableDefinition, `multiple primary keys for table "${name}" are not allowed`, { position: stmt.pos + 1 });
    pk = [c.def.name];
  }
  for (const tc of stmt.constraints) {
    switch (tc.kind) {
      case 'primaryKey':
        if (pk) throw new SqlError(SqlState.invalidTableDefinition, `multiple primary keys for table "${name}" are not allowed`, { position: tc.pos + 1 });
        pk = tc.columns;
        pkName = tc.name;
        break;
      case 'unique':
        if (!(pk && sameSet(pk, tc.columns))) throw new SqlError(SqlState.featureNotSupported, 'UNIQUE constraints other than the primary key are not supported', { position: tc.pos + 1 });
        break;
      case 'check':
        checks.push({ name: tc.name ?? `${name}_check${checks.length ? checks.length : ''}`, text: tc.text });
        break;
      case 'foreignKey':
        throw new SqlError(SqlState.featureNotSupported, 'foreign keys are not supported', { position: tc.pos + 1 });
    }
  }
  const opts = parseOptions(stmt.options, stmt.pos);
  const columns = cols.map((c) => c.def);
  let partitionKey: string[], clusteringKey: string[];
  if (pk) {
    if (new Set(pk).size !== pk.length) throw new SqlError(SqlState.duplicateColumn, 'column appears twice in primary key constraint', { position: stmt.pos + 1 });
    for (const k of pk) {
      const c = cols.find((x) => x.def.name === k);
      if (!c) throw new SqlError(SqlState.undefinedColumn, `column "${k}" named in key does not exist`, { position: stmt.pos + 1 });
      keyTypeCheck(k, c.type, stmt.pos);
      c.def.notNull = true;
    }
    ({ partition: partitionKey, clustering: clusteringKey } = keySplit(pk, opts.partitionKey, stmt.pos));
  } else {
    if (opts.partitionKey) throw new SqlError(SqlState.invalidTableDefinition, 'partition_key needs a primary key', { position: stmt.pos + 1 });
    columns.push({ name: ROWID_COLUMN, type: 'uuid' });
    partitionKey = [ROWID_COLUMN];
    clusteringKey = [];
  }
  const meta: SqlTableMeta = {
    v: 1, oid: 0, pk: pk ?? [], pkName, indexes: [],
    sequences: cols.flatMap((c) => (c.sequence ? [c.sequence] : [])),
    checks, reloptions: opts.reloptions, dropped: [],
  };
  if (checks.length) validateChecks(dc, { name, columns, partitionKey, clusteringKey, options: { sql: metaValue(meta) } });
  const def: TableDef = { name, columns, partitionKey, clusteringKey, options: { ...opts.engine, sql: metaValue(meta) } };
  for (const s of meta.sequences) {
    await dc.sequences.ensureTable();
    await dc.sequences.set(s.key, 0n);
  }
  try {
    await dc.engine.ddl({ kind: 'create', table: def, ifNotExists: false });
  } catch (e) {
    if (e instanceof SchemaError && e.code === 'table_exists' && stmt.ifNotExists) {
      dc.notices.push({ severity: 'NOTICE', code: SqlState.duplicateTable, message: `relation "${name}" already exists, skipping` });
      return;
    }
    throw schemaError(e);
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function validateChecks(dc: DdlContext, def: Omit<TableSchema, 'id'>): void {
  const t = new SqlTable({ ...def, id: 0 } as TableSchema);
  const scope = new Scope();
  scope.addRel(t.name, t.columns.map((c) => ({ name: c.name, type: c.type, hidden: c.hidden, tableOid: 0, attnum: c.attnum })), 0);
  const b = new ExprBinder(dc.planner(), scope, { noAggWhere: 'check constraints' });
  for (const c of t.meta.checks) {
    const e = b.bind(parseExpression(c.text));
    b.boolArg(e, 'CHECK', 0);
    if (hasAsync(e)) throw unsupported('subqueries in check constraints');
  }
}

// ---- shadows: TRUNCATE and re-keying ----

async function createShadow(dc: DdlContext, t: SqlTable, def?: Omit<TableDef, 'name'>): Promise<{ name: string; id: number }> {
  const name = `${SHADOW_PREFIX}${t.name}$${dc.engine.now()}`;
  const base: Omit<TableDef, 'name'> = def ?? {
    columns: t.schema.columns, partitionKey: t.schema.partitionKey, clusteringKey: t.schema.clusteringKey,
    clusteringOrder: t.schema.clusteringOrder, options: withMeta(t.schema, { ...t.meta, oid: t.oid }),
  };
  if (base.clusteringOrder === undefined) delete (base as { clusteringOrder?: unknown }).clusteringOrder;
  await ddl(dc.engine, { kind: 'create', table: { ...base, name } });
  const created = dc.engine.catalog.table(name);
  if (!created) throw new Error(`bug: shadow table ${name} missing after create`);
  return { name, id: created.id };
}

export async function truncate(stmt: Statement & { kind: 'truncate' }, dc: DdlContext): Promise<void> {
  const tables = stmt.tables.map((n) => requireTable(dc, n, stmt.pos));
  for (const t of tables) {
    if (dc.txn) {
      const old = dc.txn.shadows.get(t.name);
      if (old) {
        await ddl(dc.engine, { kind: 'drop', name: old.shadowName, ifExists: true });
        await purgeIndexEntries(dc.engine, old.shadowId);
      }
      dc.txn.discard(t.id);
      const s = await createShadow(dc, t);
      dc.txn.shadows.set(t.name, { name: t.name, shadowName: s.name, shadowId: s.id, table: t });
    } else {
      const s = await createShadow(dc, t);
      await ddl(dc.engine, { kind: 'rename', name: s.name, to: t.name, replace: true });
      await purgeIndexEntries(dc.engine, t.id);
    }
    if (stmt.restartIdentity) for (const s of t.meta.sequences) await dc.sequences.set(s.key, 0n);
  }
}

// ---- DROP ----

export async function drop(stmt: Statement & { kind: 'drop' }, dc: DdlContext): Promise<void> {
  switch (stmt.object) {
    case 'table': {
      const targets: SqlTable[] = [];
      for (const n of stmt.names) {
        const t = userTable(dc, n, stmt.pos);
        const { name } = relationName(n);
        if (!t) {
          if (stmt.ifExists) dc.notices.push({ severity: 'NOTICE', code: SqlState.successfulCompletion, message: `table "${name}" does not exist, skipping` });
          else throw new SqlError(SqlState.undefinedTable, `table "${name}" does not exist`);
          continue;
        }
        targets.push(t);
      }
      for (const t of targets) {
        const shadow = dc.txn?.shadows.get(t.name);
        if (shadow) {
          await ddl(dc.engine, { kind: 'drop', name: shadow.shadowName, ifExists: true });
          await purgeIndexEntries(dc.engine, shadow.shadowId);
          dc.txn!.shadows.delete(t.name);
        }
        dc.txn?.discard(t.id);
        await ddl(dc.engine, { kind: 'drop', name: t.name });
        for (const s of t.meta.sequences) await dc.sequences.drop(s.key);
        await purgeIndexEntries(dc.engine, t.id);
      }
      return;
    }
    case 'index': {
      for (const n of stmt.names) {
        const { name } = relationName(n);
        const owner = dc.engine.catalog.tables().map((s) => new SqlTable(s)).find((t) => !isHiddenTable(t.schema) && t.meta.indexes.some((i) => i.name === name));
        if (!owner) {
          const pkOwner = dc.engine.catalog.tables().map((s) => new SqlTable(s)).find((t) => t.meta.pk.length > 0 && t.primaryKeyName === name);
          if (pkOwner) throw new SqlError(SqlState.dependentObjectsStillExist, `cannot drop index ${name} because constraint ${name} on table ${pkOwner.name} requires it`, { hint: `You can drop constraint ${name} on table ${pkOwner.name} instead.` });
          if (stmt.ifExists) dc.notices.push({ severity: 'NOTICE', code: SqlState.successfulCompletion, message: `index "${name}" does not exist, skipping` });
          else throw new SqlError(SqlState.undefinedObject, `index "${name}" does not exist`);
          continue;
        }
        await setMeta(dc, owner, { ...owner.meta, indexes: owner.meta.indexes.filter((i) => i.name !== name) });
        const id = owner.meta.indexes.find((i) => i.name === name)!.id;
        if (id !== undefined) await purgeIndexEntries(dc.engine, owner.id, id);
      }
      return;
    }
    default: {
      const what = stmt.object;
      for (const n of stmt.names) {
        const { name } = relationName(n);
        if (what === 'schema' && (name === 'public')) throw unsupported('DROP SCHEMA public');
        if (!stmt.ifExists) {
          throw new SqlError(what === 'view' ? SqlState.undefinedTable : what === 'schema' ? SqlState.undefinedSchema : SqlState.undefinedTable, `${what} "${name}" does not exist`);
        }
        dc.notices.push({ severity: 'NOTICE', code: SqlState.successfulCompletion, message: `${what} "${name}" does not exist, skipping` });
      }
    }
  }
}

// ---- CREATE INDEX ----

function relationNameTaken(dc: DdlContext, name: string): boolean {
  for (const s of dc.engine.catalog.tables()) {
    if (s.name === name) return true;
    const t = new SqlTable(s);
    if (t.meta.indexes.some((i) => i.name === name)) return true;
    if (t.meta.pk.length && t.primaryKeyName === name) return true;
    if (t.meta.sequences.some((q) => q.name === name)) return true;
  }
  return false;
}

export async function createIndex(stmt: Statement & { kind: 'createIndex' }, dc: DdlContext): Promise<void> {
  const t = requireTable(dc, stmt.table, stmt.pos);
  const cols = stmt.columns.map((c) => {
    const col = t.column(c.name);
    if (!col || col.hidden) throw new SqlError(SqlState.undefinedColumn, `column "${c.name}" does not exist`, { position: c.pos + 1 });
    return c.name;
  });
  if (stmt.unique && !(t.meta.pk.length && sameSet(t.meta.pk, cols))) {
    throw new SqlError(SqlState.featureNotSupported, 'UNIQUE indexes on columns other than the primary key are not supported', { position: stmt.pos + 1 });
  }
  let name = stmt.name;
  if (!name) {
    const base = `${t.name}_${cols.join('_')}_idx`.slice(0, 63);
    name = base;
    for (let k = 1; relationNameTaken(dc, name); k++) name = `${base.slice(0, 60)}${k}`;
  }
  if (relationNameTaken(dc, name)) {
    if (stmt.ifNotExists) {
      dc.notices.push({ severity: 'NOTICE', code: SqlState.duplicateTable, message: `relation "${name}" already exists, skipping` });
      return;
    }
    throw new SqlError(SqlState.duplicateTable, `relation "${name}" already exists`);
  }
  if (stmt.unique) {
    // the primary key's own uniqueness covers it: record it (for \d) without entries
    await setMeta(dc, t, { ...t.meta, indexes: [...t.meta.indexes, { name, columns: cols, unique: true }] });
    return;
  }
  for (const c of stmt.columns) {
    const type = t.column(c.name)!.type;
    if (type.oid === Oid.json) throw new SqlError(SqlState.undefinedObject, `data type json has no default operator class for access method "btree"`, { hint: 'You must specify an operator class for the index or define a default operator class for the data type.', position: c.pos + 1 });
    if (!indexColSpecs(t.schema, [c.name])) throw unsupported(`an index on a column of type ${typeName(type)}`, c.pos + 1);
  }
  await ensureIndexTable(dc.engine);
  // a fresh id per index: entries of a dropped index with the same name are never reused
  const index: SqlIndexMeta = { name, columns: cols, unique: false, id: dc.engine.catalog.version + 1 };
  await setMeta(dc, t, { ...t.meta, indexes: [...t.meta.indexes, index] });
  const after = dc.table(t.name)!;
  await backfillIndex(dc.engine, after.schema, after.meta.indexes.find((i) => i.name === name)!);
}

// ---- row-by-row helpers ----

/** Every committed row of an engine table, page by page, shard by shard. */
export async function* scanAll(engine: Engine, tableId: number, filter?: { proc: string; args: unknown }): AsyncGenerator<import('../engine/types.js').LiveRow[]> {
  const n = engine.shardCount;
  for (let i = 0; i < n; i++) {
    let from: string | undefined = i === 0 ? '' : shardStartKey(i, n);
    const to = i + 1 < n ? shardStartKey(i + 1, n) : undefined;
    while (from !== undefined) {
      const page = await engine.scanPage({ table: tableId, from, to, filter, limit: SCAN_PAGE_ROWS });
      if (page.rows.length) yield page.rows;
      from = page.next !== undefined && page.next !== to ? page.next : undefined;
    }
  }
}

async function anyRow(engine: Engine, tableId: number): Promise<boolean> {
  for await (const page of scanAll(engine, tableId)) if (page.length) return true;
  return false;
}

// ---- ALTER TABLE ----

export async function alterTable(stmt: Statement & { kind: 'alterTable' }, dc: DdlContext): Promise<void> {
  let t = userTable(dc, stmt.table, stmt.pos);
  if (!t) {
    if (stmt.ifExists) {
      dc.notices.push({ severity: 'NOTICE', code: SqlState.successfulCompletion, message: `relation "${relationName(stmt.table).name}" does not exist, skipping` });
      return;
    }
    throw undefinedTable(relationName(stmt.table).name, stmt.pos + 1);
  }
  if (dc.txn?.shadows.has(t.name)) throw unsupported('ALTER TABLE on a table truncated in the same transaction', stmt.pos + 1);
  for (const action of stmt.actions) {
    await alterOne(action, t, dc);
    t = dc.table(action.kind === 'renameTable' ? action.to : t.name)!;
  }
}

async function alterOne(a: AlterAction, t: SqlTable, dc: DdlContext): Promise<void> {
  switch (a.kind) {
    case 'addColumn': return addColumn(a, t, dc);
    case 'dropColumn': {
      const c = t.column(a.name);
      if (!c || c.hidden) {
        if (a.ifExists) {
          dc.notices.push({ severity: 'NOTICE', code: SqlState.successfulCompletion, message: `column "${a.name}" of relation "${t.name}" does not exist, skipping` });
          return;
        }
        throw new SqlError(SqlState.undefinedColumn, `column "${a.name}" of relation "${t.name}" does not exist`);
      }
      if (t.isKeyColumn(c.index)) throw unsupported('dropping a primary key column', a.pos + 1);
      await ddl(dc.engine, { kind: 'dropColumns', name: t.name, columns: [a.name] });
      const after = dc.table(t.name)!;
      await setMeta(dc, after, {
        ...after.meta,
        dropped: [...new Set([...after.meta.dropped, a.name])],
        indexes: after.meta.indexes.filter((i) => !i.columns.includes(a.name)),
        sequences: after.meta.sequences.filter((s) => s.column !== a.name),
        checks: after.meta.checks.filter((k) => !new RegExp(`\\b${a.name}\\b`).test(k.text)),
      });
      for (const ix of after.meta.indexes) if (ix.columns.includes(a.name) && ix.id !== undefined) await purgeIndexEntries(dc.engine, t.id, ix.id);
      return;
    }
    case 'addConstraint': {
      const tc = a.constraint;
      switch (tc.kind) {
        case 'primaryKey':
          if (t.meta.pk.length) throw new SqlError(SqlState.invalidTableDefinition, `multiple primary keys for table "${t.name}" are not allowed`, { position: a.pos + 1 });
          return rekey(t, tc.columns, tc.name, dc);
        case 'unique':
          if (t.meta.pk.length && sameSet(t.meta.pk, tc.columns)) return;
          throw new SqlError(SqlState.featureNotSupported, 'UNIQUE constraints other than the primary key are not supported', { position: a.pos + 1 });
        case 'foreignKey':
          throw new SqlError(SqlState.featureNotSupported, 'foreign keys are not supported', { position: a.pos + 1 });
        case 'check': {
          const text = tc.text;
          const name = tc.name ?? `${t.name}_check${t.meta.checks.length ? t.meta.checks.length : ''}`;
          const check = { name, text };
          validateChecks(dc, { ...t.schema, options: withMeta(t.schema, { ...t.meta, checks: [check] }) });
          await verifyRows(dc, t, check);
          await setMeta(dc, t, { ...t.meta, checks: [...t.meta.checks, check] });
          return;
        }
      }
      return;
    }
    case 'renameTable': {
      if (dc.engine.catalog.table(a.to)) throw new SqlError(SqlState.duplicateTable, `relation "${a.to}" already exists`);
      await ddl(dc.engine, { kind: 'rename', name: t.name, to: a.to });
      return;
    }
    case 'renameColumn':
      throw unsupported('ALTER TABLE RENAME COLUMN', a.pos + 1);
    case 'alterColumn': {
      const c = t.column(a.column);
      if (!c || c.hidden) throw new SqlError(SqlState.undefinedColumn, `column "${a.column}" of relation "${t.name}" does not exist`);
      const old = t.schema.columns[c.index];
      const next: ColumnDef = { ...old };
      switch (a.action) {
        case 'setDefault':
          validateDefault(dc, a.default!.text, c.type, a.pos);
          next.default = a.default!.text;
          break;
        case 'dropDefault':
          delete next.default;
          break;
        case 'setNotNull':
          await verifyNotNull(dc, t, c.index);
          next.notNull = true;
          break;
        case 'dropNotNull':
          if (t.isKeyColumn(c.index)) throw new SqlError(SqlState.invalidTableDefinition, `column "${c.name}" is in a primary key`);
          delete next.notNull;
          break;
      }
      await ddl(dc.engine, { kind: 'alterColumn', name: t.name, column: next });
      return;
    }
    case 'setOptions': {
      const opts = parseOptions(a.options, a.pos);
      if (opts.partitionKey) throw unsupported('changing partition_key', a.pos + 1);
      const keep = t.meta.reloptions.filter((r) => !opts.reloptions.some((o) => o.split('=')[0] === r.split('=')[0]));
      await ddl(dc.engine, { kind: 'setOptions', name: t.name, options: { ...opts.engine, sql: metaValue({ ...t.meta, reloptions: [...keep, ...opts.reloptions] }) } });
      return;
    }
  }
}

async function verifyNotNull(dc: DdlContext, t: SqlTable, col: number): Promise<void> {
  const decode = decoder(t);
  for await (const page of scanAll(dc.engine, dc.env.tableId(t))) {
    for (const live of page) {
      if (decode(live)[col] === null) throw new SqlError(SqlState.notNullViolation, `column "${t.columns[col].name}" of relation "${t.name}" contains null values`, { table: t.name, column: t.columns[col].name });
    }
  }
}

async function verifyRows(dc: DdlContext, t: SqlTable, check: SqlCheckMeta): Promise<void> {
  const scope = new Scope();
  scope.addRel(t.name, t.columns.map((c) => ({ name: c.name, type: c.type, hidden: c.hidden, tableOid: 0, attnum: c.attnum })), 0);
  const b = new ExprBinder(dc.planner(), scope, { noAggWhere: 'check constraints' });
  const pred = compiled(b.boolArg(b.bind(parseExpression(check.text)), 'CHECK', 0));
  const decode = decoder(t);
  for await (const page of scanAll(dc.engine, dc.env.tableId(t))) {
    for (const live of page) {
      if (pred(decode(live), dc.ctx) === false) throw new SqlError(SqlState.checkViolation, `check constraint "${check.name}" of relation "${t.name}" is violated by some row`);
    }
  }
}

async function addColumn(a: AlterAction & { kind: 'addColumn' }, t: SqlTable, dc: DdlContext): Promise<void> {
  if (t.column(a.column.name)) {
    if (a.ifNotExists) {
      dc.notices.push({ severity: 'NOTICE', code: SqlState.duplicateColumn, message: `column "${a.column.name}" of relation "${t.name}" already exists, skipping` });
      return;
    }
    throw new SqlError(SqlState.duplicateColumn, `column "${a.column.name}" of relation "${t.name}" already exists`);
  }
  const c = planColumn(dc, t.name, a.column, String(dc.engine.now()));
  if (c.primaryKey) throw unsupported('ADD COLUMN ... PRIMARY KEY; add the column, then ADD PRIMARY KEY', a.pos + 1);
  const hasRows = await anyRow(dc.engine, dc.env.tableId(t));
  if (c.def.notNull && c.def.default === undefined && hasRows) {
    throw new SqlError(SqlState.notNullViolation, `column "${c.def.name}" of relation "${t.name}" contains null values`, { table: t.name, column: c.def.name });
  }
  const ts0 = dc.engine.now();
  for (const s of c.sequence ? [c.sequence] : []) await dc.sequences.set(s.key, 0n);
  await ddl(dc.engine, { kind: 'addColumns', name: t.name, columns: [c.def] });
  const after = dc.table(t.name)!;
  const meta: SqlTableMeta = {
    ...after.meta,
    sequences: [...after.meta.sequences, ...(c.sequence ? [c.sequence] : [])],
    checks: [...after.meta.checks, ...(c.check ? [c.check] : [])],
    dropped: after.meta.dropped.filter((n) => n !== c.def.name),
  };
  await setMeta(dc, after, meta);
  const reAdded = t.meta.dropped.includes(c.def.name);
  if (!hasRows || (c.def.default === undefined && !reAdded)) return;
  // backfill: the default (or NULL over a dropped column's old cells) at a timestamp older than any later write
  const table = dc.table(t.name)!;
  const col = table.column(c.def.name)!;
  const planner = dc.planner();
  const b = new ExprBinder(planner, new Scope(), { noAggWhere: 'DEFAULT expressions' });
  const defExpr: BExpr = c.def.default === undefined ? { k: 'const', v: null, t: c.type } : b.coerce(b.bind(parseExpression(c.def.default)), c.type, 'assignment');
  const f = compiled(defExpr);
  const asyncIdsUsed = planner.asyncs.map((s) => s.id);
  const tableId = dc.env.tableId(table);
  const env: ExecEnv = { ...dc.env, asyncs: planner.asyncs };
  for await (const page of scanAll(dc.engine, tableId)) {
    const muts: Mutation[] = [];
    for (const live of page) {
      const ctx: EvalCtx = { ...dc.ctx, async: [] };
      for (const id of asyncIdsUsed) ctx.async[id] = await resolveAsync(planner.asyncs[id], [], env, dc.ctx);
      const v = f([], ctx);
      if (v === null && !reAdded) continue;
      if (v === null && col.notNull) throw new SqlError(SqlState.notNullViolation, `column "${col.name}" of relation "${t.name}" contains null values`);
      muts.push({ table: tableId, pkey: live.pkey, ckey: live.ckey, row: { cells: { [col.name]: { ts: ts0, w: dc.engine.writerId, v: v as Value } } } });
    }
    if (muts.length) await dc.engine.apply(muts);
  }
}

export const REKEY_SLICE_TASK = 'sql.rekeySlice';

export interface RekeySliceArgs {
  /** The table being re-keyed and its shadow, keyed by the new primary key. */
  source: number;
  shadow: number;
  /** The shard whose slice of `source` to copy; the task runs in its process. */
  shard?: number;
  ts: Timestamp;
  w: number;
}

export interface RekeySliceResult {
  copied: number;
  /** [shard, incarnation] of every shard rows were loaded into (Engine.load). */
  incarnations: [number, number][];
  /** A NULL in a key column (23502), as data so its SQLSTATE crosses the RPC boundary. */
  err?: SqlErrorData;
}

/**
 * One shard's part of ADD PRIMARY KEY: reads this shard's slice of the old table, re-keys
 * every row by the shadow's primary key and bulk-loads it (no commit log: the shadow is
 * invisible until the coordinator has flushed every shard and renamed it).
 */
export async function rekeySlice(engine: Engine, a: RekeySliceArgs): Promise<RekeySliceResult> {
  const source = engine.catalog.tableById(a.source);
  const shadow = engine.catalog.tableById(a.shadow);
  if (!source || !shadow || a.shard === undefined) throw new Error(`bug: rekeySlice of tables ${a.source} -> ${a.shadow} on shard ${a.shard}: unknown here`);
  const t = new SqlTable(source);
  const target = new SqlTable(shadow);
  const codec = engine.catalog.codec(a.shadow);
  const decode = decoder(t);
  const keyIdx = target.meta.pk.map((k) => t.column(k)!.index);
  // For each target column, the source column holding its value (-1: none, NULL).
  const srcOf = (i: number): number => t.column(target.columns[i].name)?.index ?? -1;
  const pk = target.partitionKey.map(srcOf);
  const ck = target.clusteringKey.map(srcOf);
  const keys = new Set(target.keyColumns);
  const cellCols = target.columns.map((c, i) => ({ name: c.name, src: srcOf(i) })).filter((c, i) => !keys.has(i) && c.src >= 0);
  const pipeline = new ApplyPipeline(engine, APPLIES_IN_FLIGHT, 'load');
  const n = engine.shardCount;
  let from: string | undefined = a.shard === 0 ? '' : shardStartKey(a.shard, n);
  const to = a.shard + 1 < n ? shardStartKey(a.shard + 1, n) : undefined;
  let copied = 0;
  try {
    while (from !== undefined) {
      const page = await engine.scanPage({ table: a.source, from, to, limit: REKEY_PAGE_ROWS });
      from = page.next !== undefined && page.next !== to ? page.next : undefined;
      const muts: Mutation[] = [];
      for (const live of page.rows) {
        const row = decode(live);
        for (const i of keyIdx) {
          if (row[i] === null) throw new SqlError(SqlState.notNullViolation, `column "${t.columns[i].name}" of relation "${t.name}" contains null values`, { table: t.name, column: t.columns[i].name });
        }
        const cells: Record<string, { ts: number; w: number; v: Value }> = {};
        for (const c of cellCols) {
          const v = row[c.src];
          if (v !== null) cells[c.name] = { ts: a.ts, w: a.w, v: v as Value };
        }
        muts.push({
          table: a.shadow,
          pkey: codec.pkey(pk.map((i) => row[i] as never)),
          ckey: codec.ckey(ck.map((i) => row[i] as never)),
          row: { marker: { ts: a.ts, w: a.w, v: true }, cells },
        });
      }
      copied += muts.length;
      await pipeline.write(muts);
    }
    await pipeline.flush();
  } catch (e) {
    await pipeline.flush().catch(() => undefined);
    if (e instanceof SqlError) return { copied, incarnations: [], err: e.toData() };
    throw e;
  }
  return { copied, incarnations: [...pipeline.incarnations] };
}

/** Rows a re-keying shard reads per page of its slice (and loads per batch). */
const REKEY_PAGE_ROWS = 2000;

/** Entries a shard examines per page of a count (no rows travel back, only the count). */
const COUNT_PAGE_SCANNED = 50_000;

/** Live rows of a table, counted by every shard in parallel without sending the rows. */
async function countLive(engine: Engine, tableId: number): Promise<number> {
  const n = engine.shardCount;
  const perShard = await Promise.all(Array.from({ length: n }, async (_, i) => {
    let from: string | undefined = i === 0 ? '' : shardStartKey(i, n);
    const to = i + 1 < n ? shardStartKey(i + 1, n) : undefined;
    let count = 0;
    while (from !== undefined) {
      const page = await engine.scanPage({ table: tableId, from, to, filter: { proc: PROC.none, args: null }, maxScanned: COUNT_PAGE_SCANNED });
      if (page.rows.length !== 0 || page.evaluated === undefined) throw new Error(`assertion failed: a ${PROC.none} scan returned rows or no count`);
      count += page.evaluated;
      from = page.next !== undefined && page.next !== to ? page.next : undefined;
    }
    return count;
  }));
  return perShard.reduce((a, b) => a + b, 0);
}

/** "Key (a)=(1) is duplicated." for the first duplicate key, found with a bounded window of keys. */
async function duplicateDetail(dc: DdlContext, t: SqlTable, keyIdx: number[], pkCols: string[]): Promise<string> {
  const decode = decoder(t);
  const window = new Map<string, string>();
  for await (const page of scanAll(dc.engine, dc.env.tableId(t))) {
    for (const live of page) {
      const row = decode(live);
      const text = keyIdx.map((i) => outputValue(row[i], t.columns[i].type)).join(', ');
      if (window.has(text)) return `Key (${pkCols.join(', ')})=(${text}) is duplicated.`;
      if (window.size < DUPLICATE_SEARCH_KEYS_MAX) window.set(text, text);
    }
  }
  return `Key (${pkCols.join(', ')}) is duplicated.`;
}

/** Keys remembered while looking for the duplicate to name in ADD PRIMARY KEY's error. */
const DUPLICATE_SEARCH_KEYS_MAX = 1_000_000;

/** ALTER TABLE ADD PRIMARY KEY: copy into a table keyed by the new primary key, then swap it in. */
async function rekey(t: SqlTable, pkCols: string[], pkName: string | undefined, dc: DdlContext): Promise<void> {
  if (new Set(pkCols).size !== pkCols.length) throw new SqlError(SqlState.duplicateColumn, 'column appears twice in primary key constraint');
  for (const k of pkCols) {
    const c = t.column(k);
    if (!c || c.hidden) throw new SqlError(SqlState.undefinedColumn, `column "${k}" of relation "${t.name}" does not exist`);
    keyTypeCheck(k, c.type, 0);
  }
  if (dc.txn?.pendingFor(t.id)) throw unsupported('ADD PRIMARY KEY on a table with uncommitted changes in this transaction');
  const columns = t.schema.columns.filter((c) => c.name !== ROWID_COLUMN || t.meta.pk.length > 0).map((c) => (pkCols.includes(c.name) ? { ...c, notNull: true } : c));
  const { partition, clustering } = keySplit(pkCols, undefined, 0);
  const meta: SqlTableMeta = { ...t.meta, oid: t.oid, pk: pkCols, pkName };
  const shadow = await createShadow(dc, t, { columns, partitionKey: partition, clusteringKey: clustering, options: withMeta(t.schema, meta) });
  const keyIdx = pkCols.map((k) => t.column(k)!.index);
  try {
    // Every shard re-keys its own slice of the old table in its own process (rekeySlice):
    // the old rows never cross a process boundary, only re-keyed rows owned elsewhere do.
    const args: RekeySliceArgs = { source: dc.env.tableId(t), shadow: shadow.id, ts: dc.engine.now(), w: dc.engine.writerId };
    const slices = await Promise.all(Array.from({ length: dc.engine.shardCount }, (_, shard) => dc.engine.runTask(shard, REKEY_SLICE_TASK, { ...args, shard }) as Promise<RekeySliceResult>));
    let copied = 0;
    const incarnations = new Map<number, number>();
    for (const r of slices) {
      if (r.err) throw SqlError.fromData(r.err);
      copied += r.copied;
      for (const [shard, incarnation] of r.incarnations) {
        const seen = incarnations.get(shard);
        incarnations.set(shard, seen === undefined || seen === incarnation ? incarnation : -1);
      }
    }
    const flushed = await dc.engine.flush();
    for (const [shard, incarnation] of incarnations) {
      // A shard restarted during the load lost the unlogged rows it had taken.
      if (flushed[shard] !== incarnation) throw new SqlError(SqlState.internalError, `shard ${shard} restarted during ALTER TABLE ADD PRIMARY KEY; nothing was changed, retry it`);
    }
    // Duplicate keys collapse into one row: fewer rows than copied means the key is not unique.
    // (Counting keeps memory bounded for any table size; the duplicate is found by a second look.)
    const count = await countLive(dc.engine, shadow.id);
    if (count !== copied) {
      const name = pkName ?? `${t.name}_pkey`;
      throw new SqlError(SqlState.uniqueViolation, `could not create unique index "${name}"`, { detail: await duplicateDetail(dc, t, keyIdx, pkCols), table: t.name, constraint: name });
    }
    await ddl(dc.engine, { kind: 'rename', name: shadow.name, to: t.name, replace: true });
  } catch (e) {
    await dc.engine.ddl({ kind: 'drop', name: shadow.name, ifExists: true }).catch(() => undefined);
    await purgeIndexEntries(dc.engine, shadow.id).catch(() => undefined);
    throw e;
  }
  await purgeIndexEntries(dc.engine, t.id);
}

export { readMeta, T, PREFIX_END, columnsUsed };
