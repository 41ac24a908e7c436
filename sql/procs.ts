// The SQL layer's procedures, registered in every shard (engine/procs.ts): they run on
// the shard that owns the row, inside its single-threaded read-modify-write step, so
// a uniqueness check, a conditional update or `SET x = x + 1` is atomic per row.
// Arguments and results are plain data (they cross process boundaries as msgpackr):
// expressions travel as bound trees (expr.ts) with parameters already substituted.
// Expected failures (22003, 23502, ...) are returned as {err}, never thrown, so their
// SQLSTATE survives the RPC boundary.

import type { ProcRegistry, RmwContext } from '../engine/procs.js';
import type { Cell, LiveRow, Mutation, Value } from '../engine/types.js';
import { SqlError, SqlState, type SqlErrorData } from './errors.js';
import { compile, type BExpr, type Compiled, type Row } from './expr.js';
import { FUNCTIONS, type EvalCtx } from './functions.js';
import { registerIndexProcs } from './indexes.js';
import { storedValue, type SqlValue } from './values.js';

/** Cell holding the ids of the last batches whose deltas were applied to a row. */
export const APPLIED_BATCHES = 'tessera$batches';
/** Batch ids remembered per row; a crashed batch is replayed at start-up, well within this. */
export const APPLIED_BATCHES_MAX = 64;

export const PROC = {
  filter: 'sql.filter',
  /** Accepts no row: a scan with it returns only `evaluated`, a shard-side count. */
  none: 'sql.none',
  insert: 'sql.insert',
  update: 'sql.update',
  delete: 'sql.delete',
  delta: 'sql.delta',
  nextval: 'sql.nextval',
} as const;

/** [name, type oid, typmod, not null] per column of the row layout. */
export type ColSpec = [string, number, number, boolean?];

export interface RowShape {
  table: string;
  cols: ColSpec[];
  /** Row-layout indexes of key columns (stored in the key, not as cells). */
  keys: number[];
  /** CHECK constraints: [name, predicate over the row]. */
  checks?: [string, BExpr][];
}

export interface FilterArgs {
  cols: [string, number, number][];
  pred: BExpr;
}

export interface InsertArgs extends RowShape {
  row: SqlValue[];
  conflict: 'error' | 'nothing' | 'update';
  /** DO UPDATE: SET expressions over [existing row ++ excluded row]. */
  sets?: [number, BExpr][];
  where?: BExpr | null;
  nowMicros: number;
}

export interface UpdateArgs extends RowShape {
  where: BExpr | null;
  sets: [number, BExpr][];
  nowMicros: number;
}

export interface DeleteArgs extends RowShape {
  where: BExpr | null;
  nowMicros: number;
}

export interface DeltaArgs extends RowShape {
  deltas: [number, string, SqlValue][];
  /** Batch-log id: remembered in the row so a replay of the batch applies it once. */
  batch?: string;
}

export type RmwResult =
  | { s: 'ins'; row: SqlValue[] }
  | { s: 'dup' }
  | { s: 'skip' }
  | { s: 'upd'; row: SqlValue[]; old?: SqlValue[] }
  | { s: 'del'; row: SqlValue[] }
  | { s: 'none' }
  | { err: SqlErrorData };

/** Compiled expressions per argument object (local shards reuse args across pages). */
const compiledArgs = new WeakMap<object, Compiled>();

function compiledOnce(owner: object, e: BExpr): Compiled {
  let f = compiledArgs.get(owner);
  if (!f) {
    f = compile(e);
    compiledArgs.set(owner, f);
  }
  return f;
}

const exprCache = new WeakMap<BExpr, Compiled>();
function compiledExpr(e: BExpr): Compiled {
  let f = exprCache.get(e);
  if (!f) {
    f = compile(e);
    exprCache.set(e, f);
  }
  return f;
}

function toRow(live: LiveRow, cols: ColSpec[] | [string, number, number][]): Row {
  const row = new Array<SqlValue>(cols.length);
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i];
    row[i] = storedValue(live.values[c[0]], { oid: c[1], mod: c[2] });
  }
  return row;
}

function evalCtx(nowMicros: number): EvalCtx {
  return { params: [], outer: [], async: [], nowMicros };
}

function notNullCheck(shape: RowShape, row: SqlValue[], ctx: EvalCtx): void {
  shape.cols.forEach((c, i) => {
    if (c[3] && row[i] === null) {
      throw new SqlError(SqlState.notNullViolation, `null value in column "${c[0]}" of relation "${shape.table}" violates not-null constraint`, { table: shape.table, column: c[0] });
    }
  });
  for (const [name, e] of shape.checks ?? []) {
    if (compiledExpr(e)(row, ctx) === false) {
      throw new SqlError(SqlState.checkViolation, `new row for relation "${shape.table}" violates check constraint "${name}"`, { table: shape.table, constraint: name });
    }
  }
}

function cellsOf(shape: RowShape, row: SqlValue[], ts: number, w: number, only?: Set<number>, skipNulls = false): Record<string, Cell> {
  const cells: Record<string, Cell> = {};
  const keys = new Set(shape.keys);
  shape.cols.forEach((c, i) => {
    if (keys.has(i)) return;
    if (only && !only.has(i)) return;
    if (skipNulls && row[i] === null) return;
    cells[c[0]] = { ts, w, v: row[i] as Value };
  });
  return cells;
}

function mutation(ctx: RmwContext, row: Mutation['row']): Mutation {
  return { table: ctx.table, pkey: ctx.pkey, ckey: ctx.ckey, row };
}

function guarded(fn: () => { mutations: Mutation[]; result: RmwResult }): { mutations: Mutation[]; result: RmwResult; abort?: boolean } {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SqlError) return { mutations: [], result: { err: e.toData() }, abort: true };
    throw e;
  }
}

/** Registers the SQL layer's procedures; call it in every shard process at start-up. */
export function registerSqlProcs(procs: ProcRegistry): ProcRegistry {
  registerIndexProcs(procs, PROC.filter);
  procs.registerFilter(PROC.filter, (live, raw) => {
    const args = raw as FilterArgs;
    const pred = compiledOnce(args, args.pred);
    try {
      return pred(toRow(live, args.cols), evalCtx(0)) === true;
    } catch {
      // The session re-evaluates every predicate and raises the error with its SQLSTATE.
      return true;
    }
  });

  procs.registerFilter(PROC.none, () => false);

  procs.registerRmw(PROC.insert, (live, raw, ctx) => guarded(() => {
    const a = raw as InsertArgs;
    if (!live) {
      return { mutations: [mutation(ctx, { marker: { ts: ctx.ts, w: ctx.w, v: true }, cells: cellsOf(a, a.row, ctx.ts, ctx.w, undefined, true) })], result: { s: 'ins', row: a.row } };
    }
    if (a.conflict === 'error') return { mutations: [], result: { s: 'dup' } };
    if (a.conflict === 'nothing') return { mutations: [], result: { s: 'skip' } };
    const old = toRow(live, a.cols);
    const both = [...old, ...a.row];
    const ectx = evalCtx(a.nowMicros);
    if (a.where && compiledExpr(a.where)(both, ectx) !== true) return { mutations: [], result: { s: 'skip' } };
    const next = [...old];
    const changed = new Set<number>();
    for (const [i, e] of a.sets ?? []) {
      next[i] = compiledExpr(e)(both, ectx);
      changed.add(i);
    }
    notNullCheck(a, next, ectx);
    return { mutations: [mutation(ctx, { cells: cellsOf(a, next, ctx.ts, ctx.w, changed) })], result: { s: 'upd', row: next } };
  }));

  procs.registerRmw(PROC.update, (live, raw, ctx) => guarded(() => {
    const a = raw as UpdateArgs;
    if (!live) return { mutations: [], result: { s: 'none' } };
    const old = toRow(live, a.cols);
    const ectx = evalCtx(a.nowMicros);
    if (a.where && compiledExpr(a.where)(old, ectx) !== true) return { mutations: [], result: { s: 'none' } };
    const next = [...old];
    const changed = new Set<number>();
    for (const [i, e] of a.sets) {
      next[i] = compiledExpr(e)(old, ectx);
      changed.add(i);
    }
    notNullCheck(a, next, ectx);
    return { mutations: [mutation(ctx, { cells: cellsOf(a, next, ctx.ts, ctx.w, changed) })], result: { s: 'upd', row: next, old } };
  }));

  procs.registerRmw(PROC.delete, (live, raw, ctx) => guarded(() => {
    const a = raw as DeleteArgs;
    if (!live) return { mutations: [], result: { s: 'none' } };
    const old = toRow(live, a.cols);
    if (a.where && compiledExpr(a.where)(old, evalCtx(a.nowMicros)) !== true) return { mutations: [], result: { s: 'none' } };
    return { mutations: [mutation(ctx, { del: { ts: ctx.ts, w: ctx.w } })], result: { s: 'del', row: old } };
  }));

  procs.registerRmw(PROC.delta, (live, raw, ctx) => guarded(() => {
    const a = raw as DeltaArgs;
    if (!live) return { mutations: [], result: { s: 'none' } };
    const row = toRow(live, a.cols);
    // Batches applied to this row recently (bounded): a replayed batch is recognised and skipped.
    const seen = Array.isArray(live.values[APPLIED_BATCHES]) ? (live.values[APPLIED_BATCHES] as string[]) : [];
    if (a.batch !== undefined && seen.includes(a.batch)) return { mutations: [], result: { s: 'upd', row } };
    const changed = new Set<number>();
    for (const [i, fn, d] of a.deltas) {
      const def = FUNCTIONS.get(fn);
      if (!def) throw new Error(`bug: unknown delta function ${fn}`);
      row[i] = row[i] === null || d === null ? null : def.impl([row[i], d], evalCtx(0), { oid: a.cols[i][1], mod: -1 }, []);
      changed.add(i);
    }
    const cells = cellsOf(a, row, ctx.ts, ctx.w, changed);
    if (a.batch !== undefined) cells[APPLIED_BATCHES] = { ts: ctx.ts, w: ctx.w, v: [...seen.slice(-(APPLIED_BATCHES_MAX - 1)), a.batch] };
    return { mutations: [mutation(ctx, { cells })], result: { s: 'upd', row } };
  }));

  procs.registerRmw(PROC.nextval, (live, raw, ctx) => {
    const { count } = raw as { count: number };
    const cur = live?.values.value;
    const current = typeof cur === 'bigint' ? cur : typeof cur === 'number' ? BigInt(cur) : 0n;
    const last = current + BigInt(count);
    return {
      mutations: [mutation(ctx, { marker: { ts: ctx.ts, w: ctx.w, v: true }, cells: { value: { ts: ctx.ts, w: ctx.w, v: last } } })],
      result: { first: current + 1n, last },
    };
  });

  return procs;
}
