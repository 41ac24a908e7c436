// INSERT, UPDATE and DELETE: planning and execution.
//
// Outside a transaction every row change is one read-modify-write on the row's owning
// shard (procs.ts): INSERT checks the primary key there (23505, ON CONFLICT), UPDATE
// re-checks its WHERE and computes SET from the row it reads (so `SET x = x + 1` is
// atomic), DELETE re-checks WHERE. Tables keyed by the hidden row id take INSERTs as
// blind batched writes, one timestamp per statement. Inside BEGIN..COMMIT changes go
// to the transaction buffer (txn.ts) and `x = x + d` is kept as a delta.

import type { Expr, Statement, Target } from './ast.js';
import { ExprBinder, Scope, type RelColumn } from './binder.js';
import { SqlError, SqlState, undefinedColumn, unsupported } from './errors.js';
import { andAll, asyncIds, columnsUsed, conjuncts, hasAsync, isShippable, specialize, type BExpr, type Row } from './expr.js';
import type { EvalCtx } from './functions.js';
import { collect, compiled, decoder, keyValue, overlayRow, resolveAsync, run, type ExecEnv, type PendingRow } from './executor.js';
import type { Cell, Mutation } from '../engine/types.js';
import { ApplyPipeline } from './writes.js';
import { parseExpression } from './parser.js';
import type { AsyncSpec, OutputColumn, Plan } from './plan.js';
import { figureColname, type Planner } from './planner.js';
import { PROC, type ColSpec, type DeleteArgs, type InsertArgs, type RmwResult, type RowShape, type UpdateArgs } from './procs.js';
import { relationName, type SqlTable } from './schema.js';
import type { Transaction } from './txn.js';
import { Oid, T, typeName, type SqlType } from './types.js';
import { outputValue, type SqlValue } from './values.js';
import { dynamoTableReadOnly } from './dynamo-tables.js';

/** Row read-modify-writes issued concurrently by one statement. */
export const RMW_IN_FLIGHT = 64;
/** Multi-row INSERTs up to this many rows are checked for duplicate keys before any row is written. */
const PRECHECK_ROWS_MAX = 10_000;
/** Rows per engine.apply for blind (row id) inserts. */
const BLIND_BATCH_ROWS = 1000;
/** Fresh row ids tried for one that lands on the wanted shard (each has a 1/shards chance). */
const ROW_ID_PLACEMENT_TRIES = 64;

export interface Returning {
  exprs: BExpr[];
  columns: OutputColumn[];
}

export interface InsertPlan {
  kind: 'insert';
  table: SqlTable;
  /** Full rows in the table's layout (defaults filled in, values coerced). */
  source: Plan;
  rowIdColumn: number | undefined;
  onConflict?: { action: 'nothing' | 'update'; sets: [number, BExpr][]; where: BExpr | null };
  checks: { name: string; expr: BExpr }[];
  returning?: Returning;
}

export interface UpdatePlan {
  kind: 'update';
  table: SqlTable;
  /** Rows matching WHERE, in the table's layout. */
  scan: Plan;
  where: BExpr | null;
  sets: [number, BExpr][];
  /** Per set: the function and operand when it has the form `x = x op d` (d not reading the row). */
  deltas: ({ fn: string; operand: BExpr } | undefined)[];
  keyUpdate: boolean;
  checks: { name: string; expr: BExpr }[];
  returning?: Returning;
  /** UPDATE ... FROM: `scan` yields the target row followed by the FROM items' columns. */
  joined: boolean;
}

export interface DeletePlan {
  kind: 'delete';
  table: SqlTable;
  scan: Plan;
  where: BExpr | null;
  returning?: Returning;
  /** DELETE ... USING: `scan` yields the target row followed by the USING items' columns. */
  joined: boolean;
}

export type DmlPlan = InsertPlan | UpdatePlan | DeletePlan;

// ---- planning ----

function targetTable(planner: Planner, name: string[], pos: number): SqlTable {
  const { schema, name: n } = relationName(name, pos);
  const t = planner.resolveTable(schema, n, pos);
  if ('rows' in t) throw new SqlError(SqlState.insufficientPrivilege, `cannot change system catalog "${n}"`, { position: pos + 1 });
  if (t.document !== undefined) throw dynamoTableReadOnly(n, pos + 1);
  return t;
}

function tableRel(t: SqlTable): RelColumn[] {
  return t.columns.map((c) => ({ name: c.name, type: c.type, hidden: c.hidden, tableOid: t.oid, attnum: c.attnum }));
}

const defaultCache = new Map<string, Expr>();

/** The bound DEFAULT of a column (NULL when it has none). */
export function bindDefault(planner: Planner, t: SqlTable, col: number): BExpr {
  const c = t.columns[col];
  if (c.default === undefined) return { k: 'const', v: null, t: c.type };
  let ast = defaultCache.get(c.default);
  if (!ast) {
    ast = parseExpression(c.default);
    defaultCache.set(c.default, ast);
  }
  const b = new ExprBinder(planner, new Scope(), { noAggWhere: 'DEFAULT expressions' });
  return b.coerce(b.bind(ast), c.type, 'assignment');
}

function assign(b: ExprBinder, e: BExpr, t: SqlTable, col: number, pos: number): BExpr {
  const c = t.columns[col];
  try {
    return b.coerce(e, c.type, 'assignment', pos);
  } catch (err) {
    if (err instanceof SqlError && (err.code === SqlState.datatypeMismatch || err.code === SqlState.cannotCoerce)) {
      throw new SqlError(SqlState.datatypeMismatch, `column "${c.name}" is of type ${typeName(c.type)} but expression is of type ${typeName(e.t)}`, { position: pos + 1, hint: 'You will need to rewrite or cast the expression.' });
    }
    throw err;
  }
}

function bindChecks(planner: Planner, t: SqlTable): { name: string; expr: BExpr }[] {
  if (t.meta.checks.length === 0) return [];
  const scope = new Scope();
  scope.addRel(t.name, tableRel(t), 0);
  const b = new ExprBinder(planner, scope, { noAggWhere: 'check constraints' });
  return t.meta.checks.map((c) => ({ name: c.name, expr: b.boolArg(b.bind(parseExpression(c.text)), 'CHECK', 0) }));
}

function bindReturning(planner: Planner, scope: Scope, targets: Target[] | undefined): Returning | undefined {
  if (!targets) return undefined;
  const b = new ExprBinder(planner, scope, { noAggWhere: 'RETURNING' });
  const exprs: BExpr[] = [];
  const columns: OutputColumn[] = [];
  for (const target of targets) {
    if (target.expr.kind === 'star') {
      for (const rel of scope.rels) {
        if (target.expr.table && rel.alias !== target.expr.table[target.expr.table.length - 1]) continue;
        rel.columns.forEach((c, i) => {
          if (c.hidden) return;
          exprs.push({ k: 'col', i: rel.offset + i, t: c.type });
          columns.push({ name: c.name, type: c.type, tableOid: c.tableOid, attnum: c.attnum });
        });
      }
      continue;
    }
    const e = b.settle(b.bind(target.expr));
    if (hasAsync(e)) throw unsupported('subqueries in RETURNING', target.pos + 1);
    exprs.push(e);
    let tableOid = 0, attnum = 0;
    if (e.k === 'col' && target.expr.kind === 'column') {
      const rel = scope.rels[0];
      const c = rel.columns[e.i - rel.offset];
      if (c) {
        tableOid = c.tableOid;
        attnum = c.attnum;
      }
    }
    columns.push({ name: target.alias ?? figureColname(target.expr), type: e.t, tableOid, attnum });
  }
  return { exprs, columns };
}

export function planInsert(planner: Planner, stmt: Statement & { kind: 'insert' }): InsertPlan {
  const t = targetTable(planner, stmt.table, stmt.pos);
  const alias = stmt.alias ?? t.name;
  const explicit = stmt.columns?.map((c) => {
    const col = t.column(c.name);
    if (!col || col.hidden) throw new SqlError(SqlState.undefinedColumn, `column "${c.name}" of relation "${t.name}" does not exist`, { position: c.pos + 1 });
    return col.index;
  });
  if (explicit) {
    const seen = new Set<number>();
    explicit.forEach((i, k) => {
      if (seen.has(i)) throw new SqlError(SqlState.duplicateColumn, `column "${t.columns[i].name}" specified more than once`, { position: stmt.columns![k].pos + 1 });
      seen.add(i);
    });
  }
  // Without a column list the values fill the first columns in order.
  const firstColumns = (n: number, pos: number): number[] => {
    if (n > t.visible.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more expressions than target columns', { position: pos + 1 });
    return t.visible.slice(0, n).map((c) => c.index);
  };
  const b = new ExprBinder(planner, new Scope(), { noAggWhere: 'VALUES' });
  const defaultsFor = (targets: number[]): BExpr[] => t.columns.map((c, i) => (targets.includes(i) ? ({ k: 'const', v: null, t: c.type } as BExpr) : bindDefault(planner, t, i)));
  let source: Plan;
  const src = stmt.source;
  if (src === 'default') {
    source = { node: 'values', rows: [t.columns.map((_, i) => bindDefault(planner, t, i))], width: t.columns.length };
  } else if (src.body.kind === 'values' && !src.with && src.orderBy.length === 0 && !src.limit && !src.offset) {
    const body = src.body;
    const targets = explicit ?? firstColumns(Math.max(...body.rows.map((r) => r.length)), body.pos);
    const defaults = defaultsFor(targets);
    const rows = body.rows.map((r) => {
      if (r.length > targets.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more expressions than target columns', { position: r[targets.length].pos + 1 });
      if (r.length < targets.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more target columns than expressions', { position: (stmt.columns?.[r.length].pos ?? stmt.pos) + 1 });
      const full = [...defaults];
      r.forEach((e, k) => {
        const col = targets[k];
        full[col] = e.kind === 'default' ? bindDefault(planner, t, col) : assign(b, b.bind(e), t, col, e.pos);
      });
      return full;
    });
    source = { node: 'values', rows, width: t.columns.length };
  } else {
    const q = planner.planSelect(src);
    const targets = explicit ?? firstColumns(q.columns.length, src.pos);
    if (q.columns.length > targets.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more expressions than target columns', { position: src.pos + 1 });
    if (q.columns.length < targets.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more target columns than expressions', { position: src.pos + 1 });
    const exprs = defaultsFor(targets);
    targets.forEach((col, k) => {
      exprs[col] = assign(b, { k: 'col', i: k, t: q.columns[k].type }, t, col, src.pos);
    });
    const wrapped = planner.withAsync(q.plan, exprs);
    source = { node: 'project', input: wrapped.plan, exprs: exprs.map(wrapped.map), width: exprs.length };
  }

  let onConflict: InsertPlan['onConflict'];
  if (stmt.onConflict) {
    const oc = stmt.onConflict;
    const pk = t.primaryKey.length ? t.primaryKey : undefined;
    if (oc.target) {
      const cols = oc.target.map((n) => {
        const c = t.column(n);
        if (!c) throw undefinedColumn(n, oc.pos + 1);
        return c.index;
      });
      if (!pk || cols.length !== pk.length || !cols.every((c) => pk.includes(c))) {
        throw new SqlError(SqlState.invalidColumnReference, 'there is no unique or exclusion constraint matching the ON CONFLICT specification', { position: oc.pos + 1 });
      }
    } else if (oc.action === 'update') {
      throw new SqlError(SqlState.syntaxError, 'ON CONFLICT DO UPDATE requires inference specification or constraint name', { position: oc.pos + 1, hint: 'For example, ON CONFLICT (column_name).' });
    }
    if (!pk) throw new SqlError(SqlState.invalidColumnReference, 'there is no unique or exclusion constraint matching the ON CONFLICT specification', { position: oc.pos + 1 });
    const scope = new Scope();
    scope.addRel(alias, tableRel(t), 0);
    scope.addRel('excluded', tableRel(t), 1);
    const ub = new ExprBinder(planner, scope, { noAggWhere: 'ON CONFLICT DO UPDATE' });
    const sets: [number, BExpr][] = (oc.sets ?? []).map((s) => {
      const c = t.column(s.column);
      if (!c || c.hidden) throw new SqlError(SqlState.undefinedColumn, `column "${s.column}" of relation "${t.name}" does not exist`, { position: s.pos + 1 });
      if (t.isKeyColumn(c.index)) throw unsupported('ON CONFLICT DO UPDATE of a primary key column', s.pos + 1);
      const e = s.value.kind === 'default' ? bindDefault(planner, t, c.index) : assign(ub, ub.bind(s.value), t, c.index, s.value.pos);
      if (hasAsync(e) || !isShippable(e)) throw unsupported('subqueries or volatile functions in ON CONFLICT DO UPDATE', s.pos + 1);
      return [c.index, e];
    });
    const where = oc.where ? ub.boolArg(ub.bind(oc.where), 'WHERE', oc.where.pos) : null;
    if (where && (hasAsync(where) || !isShippable(where))) throw unsupported('subqueries in ON CONFLICT ... WHERE', oc.pos + 1);
    onConflict = { action: oc.action, sets, where };
  }
  const scope = new Scope();
  scope.addRel(alias, tableRel(t), 0);
  return {
    kind: 'insert', table: t, source, rowIdColumn: t.hiddenRowId,
    onConflict, checks: bindChecks(planner, t), returning: bindReturning(planner, scope, stmt.returning),
  };
}

/** Recognises `col op d` / `d + col` where d does not read the row: kept as a delta in transactions. */
function deltaForm(col: number, e: BExpr): { fn: string; operand: BExpr } | undefined {
  if (e.k !== 'call' || e.args.length !== 2) return undefined;
  const m = /^([+-]):(int2|int4|int8|numeric|float4|float8)$/.exec(e.fn);
  if (!m) return undefined;
  const [a, b] = e.args;
  const isCol = (x: BExpr): boolean => x.k === 'col' && x.i === col;
  const pure = (x: BExpr): boolean => columnsUsed(x).size === 0 && !hasAsync(x) && isShippable(x);
  if (isCol(a) && pure(b)) return { fn: e.fn, operand: b };
  if (m[1] === '+' && isCol(b) && pure(a)) return { fn: e.fn, operand: a };
  return undefined;
}

function planScanOf(planner: Planner, t: SqlTable, where: BExpr | null): Plan {
  return planner.scanPlan(t, conjuncts(where));
}

/** The target table as the first FROM item, then UPDATE's FROM / DELETE's USING items, joined under WHERE. */
function joinedScan(planner: Planner, t: SqlTable, stmt: { table: string[]; alias?: string; where?: Expr; pos: number }, extra: import('./ast.js').FromItem[], scope: Scope): Plan {
  const target: import('./ast.js').FromItem = { kind: 'table', name: stmt.table, alias: stmt.alias ? { name: stmt.alias } : undefined, pos: stmt.pos };
  const plan = planner.planFrom([target, ...extra], stmt.where, scope);
  if (scope.rels[0].columns.length !== t.columns.length) throw new Error('bug: target relation is not first in the join');
  return plan;
}

export function planUpdate(planner: Planner, stmt: Statement & { kind: 'update' }): UpdatePlan {
  const t = targetTable(planner, stmt.table, stmt.pos);
  const scope = new Scope();
  const joined = stmt.from.length > 0;
  let scan: Plan | undefined;
  let where: BExpr | null = null;
  if (joined) scan = joinedScan(planner, t, stmt, stmt.from, scope);
  else scope.addRel(stmt.alias ?? t.name, tableRel(t), 0);
  const b = new ExprBinder(planner, scope, { noAggWhere: 'UPDATE' });
  const seen = new Set<number>();
  const sets: [number, BExpr][] = stmt.sets.map((s) => {
    const c = t.column(s.column);
    if (!c || c.hidden) throw new SqlError(SqlState.undefinedColumn, `column "${s.column}" of relation "${t.name}" does not exist`, { position: s.pos + 1 });
    if (seen.has(c.index)) throw new SqlError(SqlState.syntaxError, `multiple assignments to same column "${s.column}"`, { position: s.pos + 1 });
    seen.add(c.index);
    const e = s.value.kind === 'default' ? bindDefault(planner, t, c.index) : assign(b, b.bind(s.value), t, c.index, s.value.pos);
    return [c.index, e];
  });
  if (!joined) {
    const wb = new ExprBinder(planner, scope, { noAggWhere: 'WHERE' });
    where = stmt.where ? wb.boolArg(wb.bind(stmt.where), 'WHERE', stmt.where.pos) : null;
    scan = planScanOf(planner, t, where);
  }
  const keyUpdate = sets.some(([i]) => t.isKeyColumn(i));
  return {
    kind: 'update', table: t, scan: scan!, where, sets,
    deltas: sets.map(([i, e]) => deltaForm(i, e)),
    keyUpdate, checks: bindChecks(planner, t), returning: bindReturning(planner, scope, stmt.returning), joined,
  };
}

export function planDelete(planner: Planner, stmt: Statement & { kind: 'delete' }): DeletePlan {
  const t = targetTable(planner, stmt.table, stmt.pos);
  const scope = new Scope();
  if (stmt.using.length) {
    const scan = joinedScan(planner, t, stmt, stmt.using, scope);
    return { kind: 'delete', table: t, scan, where: null, returning: bindReturning(planner, scope, stmt.returning), joined: true };
  }
  scope.addRel(stmt.alias ?? t.name, tableRel(t), 0);
  const b = new ExprBinder(planner, scope, { noAggWhere: 'WHERE' });
  const where = stmt.where ? b.boolArg(b.bind(stmt.where), 'WHERE', stmt.where.pos) : null;
  return { kind: 'delete', table: t, scan: planScanOf(planner, t, where), where, returning: bindReturning(planner, scope, stmt.returning), joined: false };
}

// ---- execution ----

export interface DmlContext {
  env: ExecEnv;
  ctx: EvalCtx;
  txn: Transaction | undefined;
  /** Unique row id for tables without a primary key. */
  rowId(): string;
}

export interface DmlResult {
  count: number;
  rows: Row[];
}

function shapeOf(t: SqlTable, checks: { name: string; expr: BExpr }[] = []): RowShape & { checks: [string, BExpr][] } {
  const cols: ColSpec[] = t.columns.map((c) => [c.name, c.type.oid, c.type.mod, c.notNull]);
  return { table: t.name, cols, keys: t.keyColumns, checks: checks.map((c) => [c.name, c.expr]) };
}

function notNullError(t: SqlTable, col: number): SqlError {
  return new SqlError(SqlState.notNullViolation, `null value in column "${t.columns[col].name}" of relation "${t.name}" violates not-null constraint`, { table: t.name, column: t.columns[col].name });
}

function checkRow(t: SqlTable, row: Row, checks: { name: string; expr: BExpr }[], ctx: EvalCtx): void {
  t.columns.forEach((c, i) => {
    if (c.notNull && row[i] === null && i !== t.hiddenRowId) throw notNullError(t, i);
  });
  for (const c of checks) {
    if (compiled(c.expr)(row, ctx) === false) {
      throw new SqlError(SqlState.checkViolation, `new row for relation "${t.name}" violates check constraint "${c.name}"`, { table: t.name, constraint: c.name });
    }
  }
}

function keyText(t: SqlTable, row: Row): string {
  const cols = t.primaryKey.length ? t.primaryKey : t.keyColumns;
  return `(${cols.map((i) => t.columns[i].name).join(', ')})=(${cols.map((i) => (row[i] === null ? 'null' : outputValue(row[i], t.columns[i].type))).join(', ')})`;
}

function duplicateKey(t: SqlTable, row: Row): SqlError {
  return new SqlError(SqlState.uniqueViolation, `duplicate key value violates unique constraint "${t.primaryKeyName}"`, { detail: `Key ${keyText(t, row)} already exists.`, table: t.name, constraint: t.primaryKeyName });
}

function rowKeys(dc: DmlContext, t: SqlTable, row: Row): { tableId: number; pkey: string; ckey: string } {
  const tableId = dc.env.tableId(t);
  const codec = dc.env.engine.catalog.codec(tableId);
  for (const i of t.keyColumns) if (row[i] === null) throw notNullError(t, i);
  return {
    tableId,
    pkey: codec.pkey(t.partitionKey.map((i) => row[i] as never)),
    ckey: codec.ckey(t.clusteringKey.map((i) => row[i] as never)),
  };
}

function rmwError(r: RmwResult): void {
  if ('err' in r) throw SqlError.fromData(r.err);
}

function returningRow(ret: Returning | undefined, row: Row, ctx: EvalCtx): Row | undefined {
  return ret ? ret.exprs.map((e) => compiled(e)(row, ctx)) : undefined;
}

async function inChunks<T, R>(items: T[], fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += RMW_IN_FLIGHT) out.push(...(await Promise.all(items.slice(i, i + RMW_IN_FLIGHT).map(fn))));
  return out;
}

/** Reads one row as this session sees it (committed data plus its transaction's writes). */
async function readRow(dc: DmlContext, t: SqlTable, tableId: number, pkey: string, ckey: string): Promise<Row | undefined> {
  const p = dc.txn?.get(tableId, pkey + ckey);
  if (p && p.deleted && !p.inserted) return undefined;
  const live = p?.deleted ? undefined : await dc.env.engine.get(tableId, pkey, ckey);
  const base = live ? decoder(t)(live) : undefined;
  return p ? overlayRow(t, base, p) : base;
}

export async function runInsert(plan: InsertPlan, dc: DmlContext, rows?: AsyncIterable<Row[]>): Promise<DmlResult> {
  const t = plan.table;
  const ctx = dc.ctx;
  const source = (): AsyncIterable<Row[]> => rows ?? run(plan.source, dc.env, ctx);
  const out: Row[] = [];
  let count = 0;
  const buffered = dc.txn !== undefined && !dc.txn.shadows.has(t.name);
  const seen = new Set<string>();

  const prepare = (row: Row): Row => {
    if (plan.rowIdColumn !== undefined) {
      row[plan.rowIdColumn] = dc.rowId();
      // A small transaction's new hidden row ids go to the shard of its first write, so a
      // transaction like pgbench's (UPDATE one row, INSERT into a table without a key)
      // commits on one shard, without the batch log.
      const homePkey = buffered ? dc.txn!.homePkey : undefined;
      const home = homePkey === undefined ? undefined : dc.env.engine.shardOf(homePkey);
      if (home !== undefined) {
        for (let i = 0; i < ROW_ID_PLACEMENT_TRIES && dc.env.engine.shardOf(rowKeys(dc, t, row).pkey) !== home; i++) row[plan.rowIdColumn] = dc.rowId();
      }
    }
    checkRow(t, row, plan.checks, ctx);
    return row;
  };

  if (plan.rowIdColumn !== undefined && !buffered) {
    // blind batched writes: a fresh row id can never conflict
    const ts = dc.env.engine.now();
    const w = dc.env.engine.writerId;
    const pipeline = new ApplyPipeline(dc.env.engine);
    let batch: Mutation[] = [];
    const keys = new Set(t.keyColumns);
    for await (const batchRows of source()) {
      for (const raw of batchRows) {
        const row = prepare([...raw]);
        const { tableId, pkey, ckey } = rowKeys(dc, t, row);
        const cells: Record<string, Cell> = {};
        t.columns.forEach((c, i) => {
          if (!keys.has(i) && row[i] !== null) cells[c.name] = { ts, w, v: row[i] as never };
        });
        batch.push({ table: tableId, pkey, ckey, row: { marker: { ts, w, v: true }, cells } });
        count++;
        const r = returningRow(plan.returning, row, ctx);
        if (r) out.push(r);
        if (batch.length >= BLIND_BATCH_ROWS) {
          await pipeline.write(batch);
          batch = [];
        }
      }
    }
    await pipeline.write(batch);
    await pipeline.flush();
    return { count, rows: out };
  }

  const shape = shapeOf(t, plan.checks);
  /** Inserts one row; returns its RETURNING row (or null when it wrote nothing). */
  const insertOne = async (row: Row): Promise<Row | null> => {
    const { tableId, pkey, ckey } = rowKeys(dc, t, row);
    const k = pkey + ckey;
    if (plan.onConflict?.action === 'update') {
      if (seen.has(k)) throw new SqlError(SqlState.cardinalityViolation, 'ON CONFLICT DO UPDATE command cannot affect row a second time', { hint: 'Ensure that no rows proposed for insertion within the same command have duplicate constrained values.' });
      seen.add(k);
    }
    if (buffered) {
      const before = out.length;
      const wrote = await insertBuffered(plan, dc, row, tableId, pkey, ckey, out);
      if (wrote) count++;
      return out.length > before ? out.pop()! : wrote ? [] : null;
    }
    const args: InsertArgs = {
      ...shape, row,
      conflict: plan.onConflict?.action ?? 'error',
      sets: plan.onConflict?.sets.map(([i, e]) => [i, specialize(e, ctx)]),
      where: plan.onConflict?.where ? specialize(plan.onConflict.where, ctx) : null,
      nowMicros: ctx.nowMicros,
    };
    const r = (await dc.env.engine.rmw({ table: tableId, pkey, ckey, proc: PROC.insert, args })) as RmwResult;
    rmwError(r);
    if ('s' in r && r.s === 'dup') throw duplicateKey(t, row);
    if ('s' in r && (r.s === 'ins' || r.s === 'upd')) {
      count++;
      return returningRow(plan.returning, r.row, ctx) ?? [];
    }
    return null;
  };

  // Small sources are materialized so every key is checked before any row is written
  // (a failing multi-row INSERT writes nothing); big ones stream in batches.
  const small: Row[] = [];
  let streaming = false;
  for await (const batchRows of source()) {
    if (!streaming) {
      for (const raw of batchRows) small.push(prepare([...raw]));
      if (small.length > PRECHECK_ROWS_MAX) {
        streaming = true;
        await writeAll(small.splice(0));
      }
      continue;
    }
    await writeAll(batchRows.map((raw) => prepare([...raw])));
  }
  if (!streaming) {
    if (small.length > 1) await precheck(small);
    await writeAll(small);
  }
  return { count, rows: out };

  async function writeAll(rows: Row[]): Promise<void> {
    const results = buffered || plan.onConflict?.action === 'update' ? await serial(rows, insertOne) : await inChunks(rows, insertOne);
    if (!plan.returning) return;
    for (const r of results) if (r) out.push(r);
  }

  async function precheck(rows: Row[]): Promise<void> {
    const keys = rows.map((r) => rowKeys(dc, t, r));
    if (plan.rowIdColumn !== undefined) return;
    const dup = new Set<string>();
    keys.forEach((k, i) => {
      const s = k.pkey + k.ckey;
      if (dup.has(s)) {
        if (!plan.onConflict) throw duplicateKey(t, rows[i]);
        if (plan.onConflict.action === 'update') throw new SqlError(SqlState.cardinalityViolation, 'ON CONFLICT DO UPDATE command cannot affect row a second time', { hint: 'Ensure that no rows proposed for insertion within the same command have duplicate constrained values.' });
      }
      dup.add(s);
    });
    if (plan.onConflict || buffered) return;
    const existing = await inChunks(keys, (k) => dc.env.engine.get(k.tableId, k.pkey, k.ckey));
    existing.forEach((e, i) => {
      if (e) throw duplicateKey(t, rows[i]);
    });
  }
}

async function insertBuffered(plan: InsertPlan, dc: DmlContext, row: Row, tableId: number, pkey: string, ckey: string, out: Row[]): Promise<boolean> {
  const t = plan.table;
  const ctx = dc.ctx;
  const txn = dc.txn!;
  const current = plan.rowIdColumn === undefined ? await readRow(dc, t, tableId, pkey, ckey) : undefined;
  if (current) {
    if (!plan.onConflict) throw duplicateKey(t, row);
    if (plan.onConflict.action === 'nothing') return false;
    const both = [...current, ...row];
    if (plan.onConflict.where && compiled(plan.onConflict.where)(both, ctx) !== true) return false;
    const next = [...current];
    const p = txn.row(t, tableId, pkey, ckey);
    for (const [i, e] of plan.onConflict.sets) {
      next[i] = compiled(e)(both, ctx);
      p.values.set(i, next[i]);
      p.deltas.delete(i);
    }
    checkRow(t, next, plan.checks, ctx);
    const r = returningRow(plan.returning, next, ctx);
    if (r) out.push(r);
    return true;
  }
  // Not visible: either no committed row, or this transaction deleted it (p.deleted stays set
  // so COMMIT overwrites every column of the old row).
  const p = txn.row(t, tableId, pkey, ckey);
  p.inserted = true;
  p.values.clear();
  p.deltas.clear();
  row.forEach((v, i) => p.values.set(i, v));
  const r = returningRow(plan.returning, row, ctx);
  if (r) out.push(r);
  return true;
}

/** Rows matching an UPDATE/DELETE's WHERE, as this session sees them. */
async function* matchingRows(plan: UpdatePlan | DeletePlan, dc: DmlContext): AsyncGenerator<Row[]> {
  yield* run(plan.scan, dc.env, dc.ctx);
}

export async function runUpdate(plan: UpdatePlan, dc: DmlContext): Promise<DmlResult> {
  const t = plan.table;
  const ctx = dc.ctx;
  const out: Row[] = [];
  let count = 0;
  const buffered = dc.txn !== undefined && !dc.txn.shadows.has(t.name);
  const syncSets = plan.sets.every(([, e]) => !hasAsync(e) && isShippable(e));
  const shape = shapeOf(t, plan.checks);

  if (!plan.joined && !buffered && !plan.keyUpdate && syncSets && plan.scan.node === 'scan' && plan.scan.access.kind === 'point' && (!plan.where || isShippable(plan.where))) {
    // One read-modify-write on the owning shard: the hot path of pgbench and sysbench.
    const key = plan.scan.access.key.map((e, i) => keyValue(compiled(e)([], ctx), t.columns[t.keyColumns[i]]));
    if (key.some((v) => v === undefined)) return { count: 0, rows: [] };
    const row = new Array<SqlValue>(t.columns.length).fill(null);
    t.keyColumns.forEach((c, i) => { row[c] = key[i]!; });
    const r = await updateRow(row);
    return { count: r ? 1 : 0, rows: out };
  }

  const width = t.columns.length;
  const pending: Row[] = [];
  const updatedKeys = new Set<string>();
  for await (const rows of matchingRows(plan, dc)) {
    for (const row of rows) {
      if (plan.joined) {
        // UPDATE ... FROM: a target row joined to several FROM rows is updated once
        const k = rowKeys(dc, t, row.slice(0, width));
        if (updatedKeys.has(k.pkey + k.ckey)) continue;
        updatedKeys.add(k.pkey + k.ckey);
      }
      pending.push(row);
    }
    if (plan.keyUpdate) continue; // collect all first: changing keys moves rows
    if (pending.length >= RMW_IN_FLIGHT) await flush();
  }
  await flush();
  return { count, rows: out };

  async function flush(): Promise<void> {
    const rows = pending.splice(0);
    if (buffered || plan.keyUpdate || !syncSets || plan.joined) {
      for (const r of rows) if (await updateRow(r)) count++;
    } else {
      const done = await Promise.all(rows.map(updateRow));
      count += done.filter(Boolean).length;
    }
  }

  /** The row RETURNING sees: the new target row, then the FROM items' columns. */
  function returned(next: Row, full: Row): Row | undefined {
    return returningRow(plan.returning, plan.joined ? [...next, ...full.slice(width)] : next, ctx);
  }

  async function updateRow(full: Row): Promise<boolean> {
    const old = plan.joined ? full.slice(0, width) : full;
    const { tableId, pkey, ckey } = rowKeys(dc, t, old);
    if (buffered) return updateBuffered(full, tableId, pkey, ckey);
    if (plan.keyUpdate || !syncSets || plan.joined) {
      // compute in the session, then write through read-modify-writes
      const next = await computeSets(full);
      checkRow(t, next, plan.checks, ctx);
      if (plan.keyUpdate && t.keyColumns.some((i) => next[i] !== old[i])) {
        const nk = rowKeys(dc, t, next);
        const ins = (await dc.env.engine.rmw({ table: nk.tableId, pkey: nk.pkey, ckey: nk.ckey, proc: PROC.insert, args: { ...shape, row: next, conflict: 'error', nowMicros: ctx.nowMicros } satisfies InsertArgs })) as RmwResult;
        rmwError(ins);
        if ('s' in ins && ins.s === 'dup') throw duplicateKey(t, next);
        const del = (await dc.env.engine.rmw({ table: tableId, pkey, ckey, proc: PROC.delete, args: { ...shape, where: null, nowMicros: ctx.nowMicros } satisfies DeleteArgs })) as RmwResult;
        rmwError(del);
      } else {
        const sets: [number, BExpr][] = plan.sets.map(([i]) => [i, { k: 'const', v: next[i], t: t.columns[i].type }]);
        const r = (await dc.env.engine.rmw({ table: tableId, pkey, ckey, proc: PROC.update, args: { ...shape, where: null, sets, nowMicros: ctx.nowMicros } satisfies UpdateArgs })) as RmwResult;
        rmwError(r);
        if (!('s' in r) || r.s !== 'upd') return false;
      }
      const ret = returned(next, full);
      if (ret) out.push(ret);
      return true;
    }
    const args: UpdateArgs = {
      ...shape,
      where: plan.where && isShippable(plan.where) ? specialize(plan.where, ctx) : null,
      sets: plan.sets.map(([i, e]) => [i, specialize(e, ctx)]),
      nowMicros: ctx.nowMicros,
    };
    const r = (await dc.env.engine.rmw({ table: tableId, pkey, ckey, proc: PROC.update, args })) as RmwResult;
    rmwError(r);
    if (!('s' in r) || r.s !== 'upd') return false;
    const ret = returningRow(plan.returning, r.row, ctx);
    if (ret) out.push(ret);
    return true;
  }

  /** New target values, with SET evaluated over the whole (joined) row. */
  async function computeSets(full: Row): Promise<Row> {
    const next = full.slice(0, width);
    const rowCtx: EvalCtx = { ...ctx, async: [...ctx.async] };
    for (const [i, e] of plan.sets) {
      for (const id of asyncIds(e)) rowCtx.async[id] = await resolveAsync(dc.env.asyncs[id], full, dc.env, ctx);
      next[i] = compiled(e)(full, rowCtx);
    }
    return next;
  }

  async function updateBuffered(full: Row, tableId: number, pkey: string, ckey: string): Promise<boolean> {
    const txn = dc.txn!;
    const old = full.slice(0, width);
    if (plan.keyUpdate && t.keyColumns.some((i) => plan.sets.some(([c]) => c === i))) {
      const next = await computeSets(full);
      checkRow(t, next, plan.checks, ctx);
      if (t.keyColumns.some((i) => next[i] !== old[i])) {
        const nk = rowKeys(dc, t, next);
        if (await readRow(dc, t, nk.tableId, nk.pkey, nk.ckey)) throw duplicateKey(t, next);
        markDeleted(txn, t, tableId, pkey, ckey);
        const p = txn.row(t, nk.tableId, nk.pkey, nk.ckey);
        p.inserted = true;
        p.values.clear();
        p.deltas.clear();
        next.forEach((v, i) => p.values.set(i, v));
        const ret = returned(next, full);
        if (ret) out.push(ret);
        return true;
      }
    }
    const next = await computeSets(full);
    checkRow(t, next, plan.checks, ctx);
    const p = txn.row(t, tableId, pkey, ckey);
    plan.sets.forEach(([i], k) => {
      const d = plan.deltas[k];
      if (d && !p.inserted && !p.values.has(i)) {
        let list = p.deltas.get(i);
        if (!list) p.deltas.set(i, (list = []));
        list.push({ fn: d.fn, value: compiled(d.operand)(full, ctx) });
      } else {
        p.values.set(i, next[i]);
        p.deltas.delete(i);
      }
    });
    const ret = returned(next, full);
    if (ret) out.push(ret);
    return true;
  }
}


function markDeleted(txn: Transaction, t: SqlTable, tableId: number, pkey: string, ckey: string): void {
  const existing = txn.get(tableId, pkey + ckey);
  if (existing && existing.inserted && !existing.deleted) {
    txn.forget(tableId, pkey + ckey);
    return;
  }
  const p = txn.row(t, tableId, pkey, ckey);
  p.deleted = true;
  p.inserted = false;
  p.values.clear();
  p.deltas.clear();
}

export async function runDelete(plan: DeletePlan, dc: DmlContext): Promise<DmlResult> {
  const t = plan.table;
  const ctx = dc.ctx;
  const out: Row[] = [];
  let count = 0;
  const buffered = dc.txn !== undefined && !dc.txn.shadows.has(t.name);
  const shape = shapeOf(t);
  const whereShippable = !plan.where || (isShippable(plan.where) && !hasAsync(plan.where));

  const width = t.columns.length;
  const deletedKeys = new Set<string>();
  const deleteRow = async (full: Row): Promise<boolean> => {
    const row = plan.joined ? full.slice(0, width) : full;
    const { tableId, pkey, ckey } = rowKeys(dc, t, row);
    if (plan.joined) {
      // DELETE ... USING: a target row joined to several USING rows is deleted once
      if (deletedKeys.has(pkey + ckey)) return false;
      deletedKeys.add(pkey + ckey);
    }
    if (buffered) {
      markDeleted(dc.txn!, t, tableId, pkey, ckey);
      const ret = returningRow(plan.returning, full, ctx);
      if (ret) out.push(ret);
      return true;
    }
    const args: DeleteArgs = { ...shape, where: whereShippable && plan.where ? specialize(plan.where, ctx) : null, nowMicros: ctx.nowMicros };
    const r = (await dc.env.engine.rmw({ table: tableId, pkey, ckey, proc: PROC.delete, args })) as RmwResult;
    rmwError(r);
    if (!('s' in r) || r.s !== 'del') return false;
    const ret = returningRow(plan.returning, plan.joined ? [...r.row, ...full.slice(width)] : r.row, ctx);
    if (ret) out.push(ret);
    return true;
  };

  if (!plan.joined && !buffered && whereShippable && plan.scan.node === 'scan' && plan.scan.access.kind === 'point') {
    const key = plan.scan.access.key.map((e, i) => keyValue(compiled(e)([], ctx), t.columns[t.keyColumns[i]]));
    if (key.some((v) => v === undefined)) return { count: 0, rows: [] };
    const row = new Array<SqlValue>(t.columns.length).fill(null);
    t.keyColumns.forEach((c, i) => { row[c] = key[i]!; });
    return { count: (await deleteRow(row)) ? 1 : 0, rows: out };
  }
  for await (const rows of matchingRows(plan, dc)) {
    const done = buffered || plan.joined ? await serial(rows, deleteRow) : await inChunks(rows, deleteRow);
    count += done.filter(Boolean).length;
  }
  return { count, rows: out };
}

async function serial<T, R>(items: T[], fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const x of items) out.push(await fn(x));
  return out;
}

export { collect, andAll, T, Oid };
export type { AsyncSpec, SqlType, PendingRow };
