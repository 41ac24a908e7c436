// Runs plans: every node is an async generator of row batches (arrays of rows), so a
// large result streams through in pages and nothing holds a whole table. Scans read
// the engine page by page (point reads, partition ranges on the owning shard, or all
// shards in parallel with the shippable filter pushed down) and overlay the session's
// uncommitted transaction writes (read-your-writes).
//
// Memory limits (54000 when exceeded): hash-join build sides, sorts without LIMIT,
// hash aggregation groups and DISTINCT sets hold at most ROWS_IN_MEMORY_MAX rows.

import { shardStartKey, type Engine } from '../engine/engine.js';
import { KeyError, PREFIX_END } from '../engine/keys.js';
import type { LiveRow, Value } from '../engine/types.js';
import { encodeIndexBound, encodeIndexValue, escapeRaw, INDEX_PAGE_ROWS, INDEX_TABLE, indexColSpecs, indexPrefix, PROC_INDEX, type IndexCheckArgs } from './indexes.js';
import { newAggState, type AggState } from './aggregates.js';
import { SqlError, SqlState } from './errors.js';
import { compile, compare, fastComparator, specialize, type BExpr, type Compiled, type Row } from './expr.js';
import { FUNCTIONS, type EvalCtx } from './functions.js';
import type { CatalogEnv } from './pgcatalog.js';
import type { Access, AggCall, AsyncSpec, Plan, SortKey, WindowCall } from './plan.js';
import { type SqlTable } from './schema.js';
import { parseDec, formatDec, decCmp, decAdd } from './numeric.js';
import { civilFromDays, parseInterval, timestampPlusInterval } from './datetime.js';
import { Oid, T, type SqlType } from './types.js';
import { comparator, groupKey, storedValue, type SqlValue } from './values.js';
import { dynamoDocument } from './dynamo-tables.js';

export const ROWS_IN_MEMORY_MAX = 2_000_000;
/** Rows per engine scan page. */
export const SCAN_PAGE_ROWS = 1000;
/** Point reads issued concurrently for IN lists and lookup joins. */
export const POINT_READS_IN_FLIGHT = 64;
export const BATCH_ROWS = 256;
/** Widest integer key range read as point reads instead of a scan of every shard. */
export const INT_RANGE_POINTS_MAX = 1024;

/** A pending (uncommitted) change to one row, kept by the session's transaction. */
export interface PendingRow {
  pkey: string;
  ckey: string;
  /** The stored row is gone (DELETE), possibly replaced by `values` (INSERT after DELETE). */
  deleted: boolean;
  /** The row was inserted in this transaction (marker). */
  inserted: boolean;
  /** New values by row-layout index. */
  values: Map<number, SqlValue>;
  /** `x = x + d` changes kept as deltas: applied to the committed value at COMMIT. */
  deltas: Map<number, { fn: string; value: SqlValue }[]>;
}

export interface TxnOverlay {
  /** Pending rows of a table by key (pkey + ckey), or undefined when there are none. */
  pendingFor(tableId: number): Map<string, PendingRow> | undefined;
}

/** What plan execution needs from the session. */
export interface ExecEnv {
  engine: Engine;
  asyncs: AsyncSpec[];
  txn?: TxnOverlay;
  /** Engine table id a SQL table reads from in this session (a TRUNCATE in a transaction redirects it). */
  tableId(table: SqlTable): number;
  catalogEnv(): CatalogEnv;
  nextval(relOid: number): Promise<bigint>;
  seqfn(fn: 'currval' | 'setval' | 'lastval', args: SqlValue[]): Promise<bigint>;
  /** Waits `ms` (pg_sleep); rejects with 57014 when the statement is cancelled. */
  sleep(ms: number): Promise<void>;
  /** Called once per batch a scan or set-returning function produces: yields to the event loop now and then, throws 57014 when cancelled. */
  interrupt?(): Promise<void> | void;
  /** Materialized CTEs and uncorrelated subqueries of this execution. */
  cache: Map<string, unknown>;
}

// ---- compiled expression cache (plans are cached, so their closures are too) ----

const compiledCache = new WeakMap<BExpr, Compiled>();

export function compiled(e: BExpr): Compiled {
  let f = compiledCache.get(e);
  if (!f) {
    f = compile(e);
    compiledCache.set(e, f);
  }
  return f;
}

function limitError(what: string): SqlError {
  return new SqlError(SqlState.programLimitExceeded, `${what} needs more than ${ROWS_IN_MEMORY_MAX} rows in memory`, { hint: 'Add a LIMIT, a narrower WHERE clause, or an index-friendly key condition.' });
}

// ---- row decoding ----

type Decoder = (live: LiveRow) => Row;
const decoders = new WeakMap<SqlTable, Decoder>();

/** Engine row -> SQL row in the table's layout, values normalised to their SQL representation. */
export function decoder(table: SqlTable): Decoder {
  let d = decoders.get(table);
  if (d) return d;
  const cols = table.columns.map((c) => ({ name: c.name, type: c.type }));
  const doc = table.document;
  d = (live) => {
    const v = live.values;
    const row = new Array<SqlValue>(cols.length);
    for (let i = 0; i < cols.length; i++) row[i] = storedValue(v[cols[i].name], cols[i].type);
    if (doc !== undefined) row[doc] = dynamoDocument(table.schema, v);
    return row;
  };
  decoders.set(table, d);
  return d;
}

/** Applies a pending change to a committed row (or to nothing). */
export function overlayRow(table: SqlTable, base: Row | undefined, p: PendingRow): Row | undefined {
  let row: Row | undefined;
  if (p.deleted && !p.inserted) return undefined;
  if (p.deleted || !base) {
    if (!p.inserted && !base) {
      // an UPDATE of a row that is gone now: nothing to show
      return undefined;
    }
    row = new Array<SqlValue>(table.columns.length).fill(null);
  } else row = [...base];
  for (const [i, v] of p.values) row[i] = v;
  for (const [i, list] of p.deltas) {
    for (const d of list) row[i] = applyDelta(row[i], d.fn, d.value);
  }
  return row;
}

export function applyDelta(cur: SqlValue, fn: string, delta: SqlValue): SqlValue {
  if (cur === null || delta === null) return null;
  const def = FUNCTIONS.get(fn);
  if (!def) throw new Error(`bug: unknown delta function ${fn}`);
  return def.impl([cur, delta], emptyCtx, T.unknown, []);
}

const emptyCtx: EvalCtx = { params: [], outer: [], async: [], nowMicros: 0 };

// ---- key values ----

/** Converts a value to what the key column stores; undefined when no stored key can equal it. */
export function keyValue(v: SqlValue, col: { type: SqlType }): SqlValue | undefined {
  if (v === null) return undefined;
  switch (col.type.oid) {
    case Oid.int2: case Oid.int4: {
      // A bigint beyond the column's range (int8 = int4 in a lookup join) matches no row;
      // converted to a number it could round onto a stored key or fail to encode.
      const limit = col.type.oid === Oid.int2 ? 2 ** 15 : 2 ** 31;
      if (typeof v === 'bigint') return v >= -BigInt(limit) && v < BigInt(limit) ? Number(v) : undefined;
      const n = v as number;
      return Number.isInteger(n) && n >= -limit && n < limit ? n : undefined;
    }
    case Oid.int8: return typeof v === 'number' ? (Number.isInteger(v) ? BigInt(v) : undefined) : v;
    case Oid.bpchar: {
      const n = col.type.mod - 4;
      const s = (v as string).replace(/ +$/, '');
      if (col.type.mod < 0) return s;
      return s.length > n ? undefined : s.padEnd(n, ' ');
    }
    default: return v;
  }
}

// ---- the executor ----

/**
 * The leaves that can produce rows without end (scans, set-returning functions) pass
 * each batch through env.interrupt(), which lets the event loop run now and then and
 * throws 57014 once the statement is cancelled: an aggregate over a huge scan neither
 * blocks the other sessions of the process nor ignores a CancelRequest.
 */
async function* interruptible(source: AsyncGenerator<Row[]>, env: ExecEnv): AsyncGenerator<Row[]> {
  if (!env.interrupt) return yield* source;
  for await (const batch of source) {
    await env.interrupt();
    yield batch;
  }
}

export async function* run(p: Plan, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  switch (p.node) {
    case 'result': yield [[]]; return;
    case 'values': yield* runValues(p, env, ctx); return;
    case 'scan': yield* interruptible(runScan(p, env, ctx), env); return;
    case 'virtual': yield* runVirtual(p, env, ctx); return;
    case 'srf': yield* interruptible(runSrf(p, env, ctx), env); return;
    case 'filter': {
      const pred = compiled(p.pred);
      for await (const batch of run(p.input, env, ctx)) {
        const out = batch.filter((r) => pred(r, ctx) === true);
        if (out.length) yield out;
      }
      return;
    }
    case 'project': yield* runProject(p, env, ctx); return;
    case 'join': yield* runJoin(p, env, ctx); return;
    case 'aggregate': yield* runAggregate(p, env, ctx); return;
    case 'sort': yield* runSort(p, env, ctx); return;
    case 'distinct': {
      const keys = p.keys.map(compiled);
      const seen = new Set<string>();
      for await (const batch of run(p.input, env, ctx)) {
        const out: Row[] = [];
        for (const r of batch) {
          const k = keys.map((f, i) => groupKey(f(r, ctx), p.keyTypes[i])).join('\u0001');
          if (seen.has(k)) continue;
          if (seen.size >= ROWS_IN_MEMORY_MAX) throw limitError('DISTINCT');
          seen.add(k);
          out.push(r);
        }
        if (out.length) yield out;
      }
      return;
    }
    case 'limit': {
      const limit = p.limit ? limitValue(compiled(p.limit)([], ctx), 'LIMIT') : Infinity;
      let skip = p.offset ? limitValue(compiled(p.offset)([], ctx), 'OFFSET') : 0;
      if (limit === 0) return;
      let left = limit;
      for await (const batch of run(p.input, env, ctx)) {
        let b = batch;
        if (skip > 0) {
          if (b.length <= skip) {
            skip -= b.length;
            continue;
          }
          b = b.slice(skip);
          skip = 0;
        }
        if (b.length >= left) {
          yield b.slice(0, left);
          return;
        }
        left -= b.length;
        yield b;
      }
      return;
    }
    case 'setop': yield* runSetop(p, env, ctx); return;
    case 'cte': {
      const key = `cte:${p.id}`;
      let rows = env.cache.get(key) as Row[] | undefined;
      if (!rows) {
        rows = [];
        for await (const b of run(p.plan, env, ctx)) {
          rows.push(...b);
          if (rows.length > ROWS_IN_MEMORY_MAX) throw limitError('WITH query');
        }
        env.cache.set(key, rows);
      }
      for (let i = 0; i < rows.length; i += BATCH_ROWS) yield rows.slice(i, i + BATCH_ROWS);
      return;
    }
    case 'recursive': yield* runRecursive(p, env, ctx); return;
    case 'window': yield* runWindow(p, env, ctx); return;
    case 'worktable': {
      const rows = (env.cache.get(`wt:${p.id}`) as Row[] | undefined) ?? [];
      for (let i = 0; i < rows.length; i += BATCH_ROWS) yield rows.slice(i, i + BATCH_ROWS);
      return;
    }
    case 'async': {
      for await (const batch of run(p.input, env, ctx)) {
        const out: Row[] = [];
        for (const r of batch) {
          const extra: SqlValue[] = [];
          for (const s of p.specs) extra.push(await resolveAsync(s, r, env, ctx));
          out.push([...r, ...extra]);
        }
        yield out;
      }
      return;
    }
    default: {
      const never: never = p;
      throw new Error(`bug: unknown plan node ${JSON.stringify(never)}`);
    }
  }
}

function limitValue(v: SqlValue, what: string): number {
  if (v === null) return what === 'LIMIT' ? Infinity : 0;
  const n = Number(v);
  if (n < 0) throw new SqlError(SqlState.invalidRowCountInLimitClause, `${what} must not be negative`);
  return n;
}

/** Runs a plan to completion and returns its rows (subqueries, tests). */
export async function collect(p: Plan, env: ExecEnv, ctx: EvalCtx, max = ROWS_IN_MEMORY_MAX): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of run(p, env, ctx)) {
    out.push(...b);
    if (out.length > max) throw limitError('a subquery');
  }
  return out;
}

async function* runValues(p: Plan & { node: 'values' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  let out: Row[] = [];
  for (const row of p.rows) {
    const asyncs = new Set<number>();
    for (const e of row) collectAsyncIds(e, asyncs);
    const rowCtx: EvalCtx = asyncs.size ? { ...ctx, async: [...ctx.async] } : ctx;
    for (const id of asyncs) rowCtx.async[id] = await resolveAsync(env.asyncs[id], [], env, ctx);
    out.push(row.map((e) => compiled(e)([], rowCtx)));
    if (out.length >= BATCH_ROWS) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}

function collectAsyncIds(e: BExpr, into: Set<number>): void {
  const visit = (x: BExpr): void => {
    if (x.k === 'async') into.add(x.id);
    for (const c of children(x)) visit(c);
  };
  visit(e);
}

function children(e: BExpr): BExpr[] {
  switch (e.k) {
    case 'call': case 'and': case 'or': case 'coalesce': return e.args;
    case 'cast': case 'not': case 'isnull': case 'istruth': return [e.e];
    case 'cmp': case 'distinct': return [e.l, e.r];
    case 'case': return [...e.whens.flat(), ...(e.else ? [e.else] : [])];
    case 'in': return [e.e, ...e.list];
    case 'quant': return [e.l, e.arr];
    case 'array': return e.elems;
    default: return [];
  }
}

// ---- async values: subqueries and sequences ----

export async function resolveAsync(s: AsyncSpec, row: Row, env: ExecEnv, ctx: EvalCtx): Promise<SqlValue> {
  const subCtx = (): EvalCtx => ({ ...ctx, outer: [row, ...ctx.outer], async: [] });
  const rows = async (plan: Plan, max?: number): Promise<Row[]> => {
    if ('correlated' in s && !s.correlated) {
      const key = `sub:${s.id}`;
      let cached = env.cache.get(key) as Row[] | undefined;
      if (!cached) {
        cached = await collect(plan, env, subCtx());
        env.cache.set(key, cached);
      }
      return cached;
    }
    if (max !== undefined) {
      const out: Row[] = [];
      for await (const b of run(plan, env, subCtx())) {
        out.push(...b);
        if (out.length >= max) break;
      }
      return out;
    }
    return collect(plan, env, subCtx());
  };
  switch (s.kind) {
    case 'scalar': {
      const r = await rows(s.plan, 2);
      if (r.length > 1) throw new SqlError(SqlState.cardinalityViolation, 'more than one row returned by a subquery used as an expression');
      return r.length ? r[0][0] : null;
    }
    case 'exists': return (await rows(s.plan, 1)).length > 0;
    case 'array': {
      const r = await rows(s.plan);
      return r.map((x) => x[0]);
    }
    case 'in': {
      const v = compiled(s.lhs)(row, ctx);
      const key = `inset:${s.id}`;
      let set = !s.correlated ? (env.cache.get(key) as { keys: Set<string>; hasNull: boolean; size: number } | undefined) : undefined;
      if (!set) {
        const r = await rows(s.plan);
        set = { keys: new Set(), hasNull: false, size: r.length };
        for (const x of r) {
          if (x[0] === null) set.hasNull = true;
          else set.keys.add(groupKey(x[0], s.cmpType));
        }
        if (!s.correlated) env.cache.set(key, set);
      }
      if (set.size === 0) return s.neg;
      if (v === null) return null;
      if (set.keys.has(groupKey(v, s.cmpType))) return !s.neg;
      return set.hasNull ? null : s.neg;
    }
    case 'quant': {
      const v = compiled(s.lhs)(row, ctx);
      const r = await rows(s.plan);
      if (r.length === 0) return s.all;
      if (v === null) return null;
      const cmp = fastComparator(s.cmpType);
      let sawNull = false;
      for (const x of r) {
        if (x[0] === null) {
          sawNull = true;
          continue;
        }
        const ok = compare(s.op, cmp(v, x[0]));
        if (s.all && !ok) return false;
        if (!s.all && ok) return true;
      }
      return sawNull ? null : s.all;
    }
    case 'nextval': {
      const oid = compiled(s.arg)(row, ctx);
      if (oid === null) return null;
      return env.nextval(oid as number);
    }
    case 'seqfn': return env.seqfn(s.fn, s.args.map((a) => compiled(a)(row, ctx)));
    case 'sleep': {
      const seconds = compiled(s.arg)(row, ctx);
      if (seconds !== null && (seconds as number) > 0) await env.sleep((seconds as number) * 1000);
      return '';
    }
  }
}

// ---- scans ----

function evalKey(exprs: BExpr[], cols: number[], table: SqlTable, ctx: EvalCtx): SqlValue[] | undefined {
  const out: SqlValue[] = [];
  for (let i = 0; i < exprs.length; i++) {
    const v = keyValue(compiled(exprs[i])([], ctx), table.columns[cols[i]]);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

interface ScanState {
  tableId: number;
  table: SqlTable;
  decode: Decoder;
  filter: Compiled | null;
  pending: Map<string, PendingRow> | undefined;
}

async function readPoint(st: ScanState, env: ExecEnv, pkey: string, ckey: string): Promise<Row | undefined> {
  const p = st.pending?.get(pkey + ckey);
  if (p && p.deleted && !p.inserted) return undefined;
  const live = p && p.deleted ? undefined : await env.engine.get(st.tableId, pkey, ckey);
  const base = live ? st.decode(live) : undefined;
  return p ? overlayRow(st.table, base, p) : base;
}

type PointScan = Plan & { node: 'scan'; access: Access & { kind: 'point' } };

/** The scan of a plan that reads at most one row by its whole key, optionally projected; else undefined. */
function pointScanOf(p: Plan): PointScan | undefined {
  const scan = p.node === 'project' && !p.srf ? p.input : p;
  return scan.node === 'scan' && scan.access.kind === 'point' ? (scan as PointScan) : undefined;
}

/** Whether runPoint can answer this plan: most OLTP SELECTs (`... WHERE pk = $1`) are this shape. */
export function isPointPlan(p: Plan): boolean {
  return pointScanOf(p) !== undefined;
}

/**
 * Runs a point plan (isPointPlan) with one engine read and one await, without the
 * generator pipeline that `run` stacks per plan node: same rows as `run` gives.
 */
export async function runPoint(p: Plan, env: ExecEnv, ctx: EvalCtx): Promise<Row[]> {
  const row = await pointRow(pointScanOf(p)!, env, ctx);
  if (row === undefined) return [];
  if (p.node !== 'project') return [row];
  const out = new Array<SqlValue>(p.exprs.length);
  for (let i = 0; i < p.exprs.length; i++) out[i] = compiled(p.exprs[i])(row, ctx);
  return [out];
}

/** The row a point scan reads (this session's writes overlaid), if it passes the scan's filter. */
async function pointRow(p: PointScan, env: ExecEnv, ctx: EvalCtx): Promise<Row | undefined> {
  const table = p.table;
  const pkCols = table.partitionKey;
  const key = evalKey(p.access.key, [...pkCols, ...table.clusteringKey], table, ctx);
  if (!key) return undefined;
  const tableId = env.tableId(table);
  const codec = env.engine.catalog.codec(tableId);
  const st: ScanState = { tableId, table, decode: decoder(table), filter: null, pending: env.txn?.pendingFor(tableId) };
  const row = await readPoint(st, env, codec.pkey(key.slice(0, pkCols.length)), codec.ckey(key.slice(pkCols.length)));
  return row !== undefined && (!p.filter || compiled(p.filter)(row, ctx) === true) ? row : undefined;
}

async function* runScan(p: Plan & { node: 'scan' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  const table = p.table;
  const tableId = env.tableId(table);
  const codec = env.engine.catalog.codec(tableId);
  const st: ScanState = { tableId, table, decode: decoder(table), filter: p.filter ? compiled(p.filter) : null, pending: env.txn?.pendingFor(tableId) };
  const pass = (r: Row | undefined): r is Row => r !== undefined && (!st.filter || st.filter(r, ctx) === true);
  const pkCols = table.partitionKey, ckCols = table.clusteringKey;
  const access: Access = p.access;
  switch (access.kind) {
    case 'point': {
      const row = await pointRow(p as PointScan, env, ctx);
      if (row) yield [row];
      return;
    }
    case 'points': {
      const keyCols = [...pkCols, ...ckCols];
      const prefix = evalKey(access.prefix, keyCols.slice(0, access.prefix.length), table, ctx);
      if (!prefix) return;
      const col = table.columns[access.column];
      const seen = new Set<string>();
      const keys: { pkey: string; ckey: string }[] = [];
      for (const e of access.values) {
        const v = keyValue(compiled(e)([], ctx), col);
        if (v === undefined) continue;
        const full = [...prefix, v];
        const pkey = codec.pkey(full.slice(0, pkCols.length));
        const ckey = codec.ckey(full.slice(pkCols.length));
        if (seen.has(pkey + ckey)) continue;
        seen.add(pkey + ckey);
        keys.push({ pkey, ckey });
      }
      yield* pointReads(keys, st, env, pass);
      return;
    }
    case 'intRange': {
      const lo = access.lo ? compiled(access.lo.e)([], ctx) : null;
      const hi = access.hi ? compiled(access.hi.e)([], ctx) : null;
      if (lo === null || hi === null) return;
      let a = Math.ceil(Number(lo)), b = Math.floor(Number(hi));
      if (!access.lo!.inclusive && a === Number(lo)) a++;
      if (!access.hi!.inclusive && b === Number(hi)) b--;
      if (a > b) return;
      if (b - a + 1 <= INT_RANGE_POINTS_MAX && Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
        const col = table.columns[access.column];
        const keys: { pkey: string; ckey: string }[] = [];
        for (let v = a; v <= b; v++) {
          const kv = keyValue(col.type.oid === Oid.int8 ? BigInt(v) : v, col)!;
          keys.push({ pkey: codec.pkey([kv]), ckey: '' });
        }
        yield* pointReads(keys, st, env, pass);
        return;
      }
      yield* fullScan(p, st, env, ctx, pass);
      return;
    }
    case 'partition': {
      const pk = evalKey(access.pkey, pkCols, table, ctx);
      if (!pk) return;
      const pre = evalKey(access.ckPrefix, ckCols.slice(0, access.ckPrefix.length), table, ctx);
      if (!pre) return;
      const pkey = codec.pkey(pk);
      const prefix = pkey + codec.ckey(pre);
      let from = prefix;
      let to = prefix + PREFIX_END;
      const next = ckCols[access.ckPrefix.length];
      if (access.lo) {
        const v = keyValue(compiled(access.lo.e)([], ctx), table.columns[next]);
        if (v !== undefined && table.columns[next].type.oid !== Oid.bpchar) {
          const k = codec.ckey([...pre, v]);
          from = pkey + k + (access.lo.inclusive ? '' : PREFIX_END);
        }
      }
      if (access.hi) {
        const v = keyValue(compiled(access.hi.e)([], ctx), table.columns[next]);
        if (v !== undefined && table.columns[next].type.oid !== Oid.bpchar) {
          const k = codec.ckey([...pre, v]);
          to = pkey + k + (access.hi.inclusive ? PREFIX_END : '');
        }
      }
      const pushed = p.pushed && table.document === undefined ? { proc: 'sql.filter', args: filterArgs(table, specialize(p.pushed, ctx)) } : undefined;
      let cursor: string | undefined = from;
      const inRange = (key: string): boolean => key >= from && key < to;
      while (cursor !== undefined) {
        const page = await env.engine.scanPage({ table: tableId, from: cursor, to, filter: pushed, limit: SCAN_PAGE_ROWS });
        const out = mergePage(page.rows, st, pass);
        if (out.length) yield out;
        cursor = page.next;
      }
      yield* pendingRows(st, env, pass, inRange);
      return;
    }
    case 'index': {
      const ranges = indexRanges(access, table, tableId, env, ctx);
      if (ranges === 'scan') yield* fullScan(p, st, env, ctx, pass);
      else yield* indexScan(p, access, ranges, st, env, ctx, pass);
      return;
    }
    case 'full':
      yield* fullScan(p, st, env, ctx, pass);
      return;
  }
}

/**
 * Clustering-key ranges [from, to) of the index entries an index access reads (sql/indexes.ts
 * key layout); [] when a bound is NULL (no row can match); 'scan' when a value has no key
 * encoding (then a full scan answers).
 */
function indexRanges(a: Access & { kind: 'index' }, table: SqlTable, tableId: number, env: ExecEnv, ctx: EvalCtx): [string, string][] | 'scan' {
  const specs = indexColSpecs(env.engine.catalog.tableById(tableId) ?? table.schema, a.columns.map((i) => table.columns[i].name));
  if (!specs) return 'scan';
  const value = (e: BExpr, k: number): SqlValue | undefined => keyValue(compiled(e)([], ctx), table.columns[a.columns[k]]);
  try {
    let raw = '';
    for (let k = 0; k < a.eq.length; k++) {
      const e = a.eq[k];
      if (e === 'null') {
        raw += encodeIndexValue(null, specs[k][1]);
        continue;
      }
      const v = value(e, k);
      if (v === undefined) return [];
      raw += encodeIndexBound(v as Value, specs[k][1]);
    }
    const prefix = indexPrefix(tableId, a.id);
    const n = a.eq.length;
    if (a.list) {
      const keys = new Set<string>();
      for (const e of a.list) {
        const v = value(e, n);
        if (v !== undefined) keys.add(escapeRaw(raw + encodeIndexBound(v as Value, specs[n][1])));
      }
      return [...keys].map((k) => [prefix + k, prefix + k + PREFIX_END]);
    }
    if (!a.lo && !a.hi) return [[prefix + escapeRaw(raw), prefix + escapeRaw(raw) + PREFIX_END]];
    // a range never matches NULL: from the first non-null value to the NULLs
    let from = prefix + escapeRaw(raw + '\x00');
    let to = prefix + escapeRaw(raw + '\x01');
    if (a.lo) {
      const v = value(a.lo.e, n);
      if (v === undefined) return [];
      const k = prefix + escapeRaw(raw + encodeIndexBound(v as Value, specs[n][1]));
      from = a.lo.inclusive ? k : k + PREFIX_END;
    }
    if (a.hi) {
      const v = value(a.hi.e, n);
      if (v === undefined) return [];
      const k = prefix + escapeRaw(raw + encodeIndexBound(v as Value, specs[n][1]));
      to = a.hi.inclusive ? k + PREFIX_END : k;
    }
    return from < to ? [[from, to]] : [];
  } catch (e) {
    if (e instanceof KeyError) return 'scan';
    throw e;
  }
}

/** Every shard reads its local entries of each range in parallel, page by page, and returns the base rows. */
async function* indexScan(p: Plan & { node: 'scan' }, a: Access & { kind: 'index' }, ranges: [string, string][], st: ScanState, env: ExecEnv, ctx: EvalCtx, pass: (r: Row | undefined) => r is Row): AsyncGenerator<Row[]> {
  const engine = env.engine;
  const indexTable = engine.catalog.table(INDEX_TABLE);
  const specs = indexColSpecs(engine.catalog.tableById(st.tableId) ?? st.table.schema, a.columns.map((i) => st.table.columns[i].name));
  if (indexTable && specs) {
    const filter = p.pushed ? filterArgs(st.table, specialize(p.pushed, ctx)) : undefined;
    const check = { proc: PROC_INDEX.check, args: { table: st.tableId, index: a.id, cols: specs, ...(filter ? { filter } : {}) } satisfies IndexCheckArgs };
    // ORDER BY … LIMIT: each shard's first rows in index order suffice, unless this
    // transaction's own writes to the table overlay the committed rows
    const topK = a.topK && !st.pending?.size ? limitValue(compiled(a.topK.limit)([], ctx), 'LIMIT') + (a.topK.offset ? limitValue(compiled(a.topK.offset)([], ctx), 'OFFSET') : 0) : Infinity;
    const reverse = !!a.reverse && topK < Infinity;
    const page = (s: number, from: string, to: string, want: number) => engine.indexScanPage(s, { index: indexTable.id, base: st.tableId, from, to, reverse, limit: Math.min(INDEX_PAGE_ROWS, want), check });
    for (const [from, to] of ranges) {
      if (topK === 0) break;
      // shards in parallel; a shard with more rows than one page continues on its own
      const shards = Array.from({ length: engine.shardCount }, (_, s) => s);
      const firsts = shards.map((s) => page(s, from, to, topK));
      for (const s of shards) {
        let current = await firsts[s];
        let got = current.rows.length;
        for (;;) {
          const more = current.next !== undefined && got < topK;
          const ahead = more ? (reverse ? page(s, from, current.next!, topK - got) : page(s, current.next!, to, topK - got)) : undefined;
          const out = mergePage(current.rows, st, pass);
          if (out.length) yield out;
          if (!ahead) break;
          current = await ahead;
          got += current.rows.length;
        }
      }
    }
  }
  yield* pendingRows(st, env, pass, () => true);
}

function mergePage(rows: LiveRow[], st: ScanState, pass: (r: Row | undefined) => r is Row): Row[] {
  const out: Row[] = [];
  for (const live of rows) {
    if (st.pending?.has(live.pkey + live.ckey)) continue; // emitted with the pending rows
    const r = st.decode(live);
    if (pass(r)) out.push(r);
  }
  return out;
}

/** Pending rows of the scanned table (inserted or changed in this transaction) within the range. */
async function* pendingRows(st: ScanState, env: ExecEnv, pass: (r: Row | undefined) => r is Row, inRange: (key: string) => boolean): AsyncGenerator<Row[]> {
  if (!st.pending) return;
  let out: Row[] = [];
  for (const [key, p] of st.pending) {
    if (!inRange(key)) continue;
    const row = await readPoint(st, env, p.pkey, p.ckey);
    if (pass(row)) out.push(row);
    if (out.length >= BATCH_ROWS) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}

async function* pointReads(keys: { pkey: string; ckey: string }[], st: ScanState, env: ExecEnv, pass: (r: Row | undefined) => r is Row): AsyncGenerator<Row[]> {
  for (let i = 0; i < keys.length; i += POINT_READS_IN_FLIGHT) {
    const chunk = keys.slice(i, i + POINT_READS_IN_FLIGHT);
    const rows = await Promise.all(chunk.map((k) => readPoint(st, env, k.pkey, k.ckey)));
    const out = rows.filter(pass);
    if (out.length) yield out;
  }
}

export function filterArgs(table: SqlTable, pred: BExpr): FilterArgs {
  return { cols: table.columns.map((c) => [c.name, c.type.oid, c.type.mod]), pred };
}

export interface FilterArgs {
  cols: [string, number, number][];
  pred: BExpr;
}

/** All shards in parallel, page by page, in key order per shard. */
async function* fullScan(p: Plan & { node: 'scan' }, st: ScanState, env: ExecEnv, ctx: EvalCtx, pass: (r: Row | undefined) => r is Row): AsyncGenerator<Row[]> {
  const engine = env.engine;
  // Dynamo tables: no push-down, their document column is built by the session's decoder.
  const pushed = p.pushed && st.table.document === undefined ? { proc: 'sql.filter', args: filterArgs(st.table, specialize(p.pushed, ctx)) } : undefined;
  const n = engine.shardCount;
  const starts = Array.from({ length: n }, (_, i) => (i === 0 ? '' : shardStartKey(i, n)));
  const ends = Array.from({ length: n }, (_, i) => (i + 1 < n ? shardStartKey(i + 1, n) : undefined));
  const fetch = (i: number, from: string) => engine.scanPage({ table: st.tableId, from, to: ends[i], filter: pushed, limit: SCAN_PAGE_ROWS });
  // first pages of every shard in parallel, then each shard's pages with one page of read-ahead
  const firsts = starts.map((s, i) => fetch(i, s));
  for (let i = 0; i < n; i++) {
    let page = await firsts[i];
    for (;;) {
      const next = page.next !== undefined && page.next !== ends[i] ? page.next : undefined;
      const ahead = next !== undefined ? fetch(i, next) : undefined;
      const out = mergePage(page.rows, st, pass);
      if (out.length) yield out;
      if (!ahead) break;
      page = await ahead;
    }
  }
  yield* pendingRows(st, env, pass, () => true);
}

async function* runVirtual(p: Plan & { node: 'virtual' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  const rows = p.table.rows(env.catalogEnv());
  const filter = p.filter ? compiled(p.filter) : null;
  const out = filter ? rows.filter((r) => filter(r, ctx) === true) : rows;
  for (let i = 0; i < out.length; i += BATCH_ROWS) yield out.slice(i, i + BATCH_ROWS);
}

// ---- set-returning functions ----

function* srfValues(fn: string, args: SqlValue[], types: SqlType[], env: ExecEnv): Generator<SqlValue> {
  if (args.some((a) => a === null) && fn !== 'unnest') return;
  switch (fn) {
    case 'generate_series:int4': case 'generate_series:int8': {
      const big = fn.endsWith('int8');
      const start = BigInt(args[0] as number | bigint), stop = BigInt(args[1] as number | bigint);
      const step = args.length > 2 ? BigInt(args[2] as number | bigint) : 1n;
      if (step === 0n) throw new SqlError(SqlState.invalidParameterValue, 'step size cannot equal zero');
      for (let v = start; step > 0n ? v <= stop : v >= stop; v += step) yield big ? v : Number(v);
      return;
    }
    case 'generate_series:numeric': {
      const start = parseDec(args[0] as string), stop = parseDec(args[1] as string);
      const step = args.length > 2 ? parseDec(args[2] as string) : { n: 1n, s: 0 };
      if (step.n === 0n) throw new SqlError(SqlState.invalidParameterValue, 'step size cannot equal zero');
      for (let v = start; step.n > 0n ? decCmp(v, stop) <= 0 : decCmp(v, stop) >= 0; v = decAdd(v, step)) yield formatDec(v);
      return;
    }
    case 'generate_series:ts': {
      const iv = parseInterval(args[2] as string);
      if (iv.months === 0 && iv.days === 0 && iv.micros === 0) throw new SqlError(SqlState.invalidParameterValue, 'step size cannot equal zero');
      const stop = args[1] as number;
      const forward = iv.months > 0 || iv.days > 0 || iv.micros > 0;
      for (let v = args[0] as number, k = 0; forward ? v <= stop : v >= stop; k++) {
        yield v;
        v = timestampPlusInterval(v, iv, 1);
        if (k > 100_000_000) break;
      }
      return;
    }
    case 'unnest':
      if (args[0] === null) return;
      yield* args[0] as SqlValue[];
      return;
    case 'generate_subscripts': {
      const a = args[0] as SqlValue[];
      if (args[1] !== 1) return;
      for (let i = 1; i <= a.length; i++) yield i;
      return;
    }
    case 'pg_partition_ancestors': {
      const oid = args[0] as number;
      if (env.catalogEnv().tables.some((t) => t.oid === oid)) yield oid;
      return;
    }
    case 'json_array_elements': {
      const text = args[0] as string;
      const parsed = JSON.parse(text) as unknown;
      if (!Array.isArray(parsed)) throw new SqlError(SqlState.invalidParameterValue, 'cannot extract elements from an object');
      for (const x of parsed) yield JSON.stringify(x);
      return;
    }
    case 'regexp_matches': {
      const flags = (args[2] as string | undefined) ?? '';
      const re = new RegExp(args[1] as string, 'g' + (flags.includes('i') ? 'i' : ''));
      for (const m of (args[0] as string).matchAll(re)) {
        yield m.length > 1 ? m.slice(1).map((x) => x ?? null) : [m[0]];
        if (!flags.includes('g')) return;
      }
      return;
    }
    default:
      throw new Error(`bug: unknown set-returning function ${fn} (${types.length})`);
  }
}

async function* runSrf(p: Plan & { node: 'srf' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  const args = p.args.map((a) => compiled(a)([], ctx));
  let out: Row[] = [];
  let n = 0n;
  for (const v of srfValues(p.fn, args, p.args.map((a) => a.t), env)) {
    n++;
    out.push(p.ordinality ? [v, n] : [v]);
    if (out.length >= SCAN_PAGE_ROWS) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}

async function* runProject(p: Plan & { node: 'project' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  const exprs = p.exprs.map(compiled);
  const srf = p.srf;
  for await (const batch of run(p.input, env, ctx)) {
    const out: Row[] = [];
    for (const r of batch) {
      const row = exprs.map((f) => f(r, ctx));
      if (!srf) {
        out.push(row);
        continue;
      }
      const args = srf.args.map((a) => compiled(a)(r, ctx));
      for (const v of srfValues(srf.fn, args, srf.args.map((a) => a.t), env)) {
        const copy = [...row];
        copy[srf.index] = v;
        out.push(copy);
      }
    }
    if (out.length) yield out;
  }
}

// ---- joins ----

async function* runJoin(p: Plan & { node: 'join' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  const cond = p.cond ? compiled(p.cond) : null;
  const rightWidth = p.right.width;
  const leftWidth = p.left.width;
  const nullsRight = new Array<SqlValue>(rightWidth).fill(null);
  if (p.lateral) {
    // The right side runs once per left row; the rows of a batch run concurrently
    // (lookup joins become parallel point reads).
    const rightRowsOf = async (l: Row): Promise<Row[]> => {
      const rctx: EvalCtx = { ...ctx, outer: [l, ...ctx.outer] };
      const rows: Row[] = [];
      for await (const rb of run(p.right, env, rctx)) rows.push(...rb);
      return rows;
    };
    for await (const batch of run(p.left, env, ctx)) {
      const out: Row[] = [];
      for (let i = 0; i < batch.length; i += POINT_READS_IN_FLIGHT) {
        const chunk = batch.slice(i, i + POINT_READS_IN_FLIGHT);
        const rights = await Promise.all(chunk.map(rightRowsOf));
        chunk.forEach((l, k) => {
          let matched = false;
          for (const r of rights[k]) {
            const row = [...l, ...r];
            if (cond && cond(row, ctx) !== true) continue;
            matched = true;
            out.push(row);
          }
          if (!matched && p.kind === 'left') out.push([...l, ...nullsRight]);
        });
      }
      if (out.length) yield out;
    }
    return;
  }
  // materialize the right side
  const rightRows: Row[] = [];
  for await (const rb of run(p.right, env, ctx)) {
    rightRows.push(...rb);
    if (rightRows.length > ROWS_IN_MEMORY_MAX) throw limitError('a join');
  }
  const rkeys = p.rightKeys.map(compiled);
  const lkeys = p.leftKeys.map(compiled);
  const keyOf = (fs: Compiled[], r: Row): string | undefined => {
    let k = '';
    for (let i = 0; i < fs.length; i++) {
      const v = fs[i](r, ctx);
      if (v === null) return undefined;
      k += groupKey(v, p.keyTypes[i]) + '\u0001';
    }
    return k;
  };
  let hash: Map<string, number[]> | undefined;
  if (rkeys.length) {
    hash = new Map();
    rightRows.forEach((r, i) => {
      const k = keyOf(rkeys, r);
      if (k === undefined) return;
      let list = hash!.get(k);
      if (!list) hash!.set(k, (list = []));
      list.push(i);
    });
  }
  const all = rightRows.map((_, i) => i);
  const matchedRight = p.kind === 'right' || p.kind === 'full' ? new Uint8Array(rightRows.length) : undefined;
  for await (const batch of run(p.left, env, ctx)) {
    const out: Row[] = [];
    for (const l of batch) {
      let candidates: number[];
      if (hash) {
        const k = keyOf(lkeys, l);
        candidates = k === undefined ? [] : hash.get(k) ?? [];
      } else candidates = all;
      let matched = false;
      for (const ri of candidates) {
        const row = [...l, ...rightRows[ri]];
        if (cond && cond(row, ctx) !== true) continue;
        matched = true;
        if (matchedRight) matchedRight[ri] = 1;
        out.push(row);
      }
      if (!matched && (p.kind === 'left' || p.kind === 'full')) out.push([...l, ...nullsRight]);
    }
    if (out.length) yield out;
  }
  if (matchedRight) {
    const nullsLeft = new Array<SqlValue>(leftWidth).fill(null);
    const out: Row[] = [];
    rightRows.forEach((r, i) => {
      if (!matchedRight[i]) out.push([...nullsLeft, ...r]);
    });
    if (out.length) yield out;
  }
}

// ---- aggregation ----

class OrderedAgg implements AggState {
  private items: { args: SqlValue[]; keys: SqlValue[] }[] = [];
  constructor(private readonly call: AggCall, private readonly cmp: (a: SqlValue[], b: SqlValue[]) => number) {}
  step(args: SqlValue[], keys?: SqlValue[]): void {
    this.items.push({ args, keys: keys ?? [] });
  }
  final(): SqlValue {
    this.items.sort((a, b) => this.cmp(a.keys, b.keys));
    const s = newAggState(this.call.spec);
    for (const it of this.items) s.step(it.args);
    return s.final();
  }
}

async function* runAggregate(p: Plan & { node: 'aggregate' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  const groups = p.groups.map(compiled);
  const calls = p.aggs.map((a) => ({
    call: a,
    args: a.args.map(compiled),
    filter: a.filter ? compiled(a.filter) : null,
    keys: a.orderBy.map((o) => compiled(o.e)),
    cmp: rowComparator(a.orderBy),
  }));
  const newStates = (): AggState[] => calls.map((c) => (c.keys.length ? new OrderedAgg(c.call, c.cmp) : newAggState(c.call.spec)));
  const table = new Map<string, { key: SqlValue[]; states: AggState[] }>();
  for await (const batch of run(p.input, env, ctx)) {
    for (const r of batch) {
      const gvals = groups.map((g) => g(r, ctx));
      const k = gvals.length ? gvals.map((v, i) => groupKey(v, p.groupTypes[i])).join('\u0001') : '';
      let g = table.get(k);
      if (!g) {
        if (table.size >= ROWS_IN_MEMORY_MAX) throw limitError('GROUP BY');
        g = { key: gvals, states: newStates() };
        table.set(k, g);
      }
      for (let i = 0; i < calls.length; i++) {
        const c = calls[i];
        if (c.filter && c.filter(r, ctx) !== true) continue;
        const args = c.args.map((f) => f(r, ctx));
        if (c.keys.length) (g.states[i] as OrderedAgg).step(args, c.keys.map((f) => f(r, ctx)));
        else g.states[i].step(args);
      }
    }
  }
  if (table.size === 0 && groups.length === 0) table.set('', { key: [], states: newStates() });
  let out: Row[] = [];
  for (const g of table.values()) {
    out.push([...g.key, ...g.states.map((s) => s.final())]);
    if (out.length >= BATCH_ROWS) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}

// ---- sorting ----

/** Compares rows of precomputed sort-key values. */
export function rowComparator(keys: SortKey[]): (a: SqlValue[], b: SqlValue[]) => number {
  const cmps = keys.map((k) => comparator(k.e.t.oid === Oid.unknown ? T.text : k.e.t));
  return (a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a[i], y = b[i];
      const k = keys[i];
      if (x === null || y === null) {
        if (x === null && y === null) continue;
        // nulls sort as larger than any value unless nullsFirst
        const nullFirst = k.nullsFirst;
        return (x === null) === nullFirst ? -1 : 1;
      }
      let c = cmps[i](x, y);
      if (k.desc) c = -c;
      if (c !== 0) return c;
    }
    return 0;
  };
}

async function* runSort(p: Plan & { node: 'sort' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  const keys = p.keys.map((k) => compiled(k.e));
  const cmp = rowComparator(p.keys);
  const limit = p.limit ? limitValue(compiled(p.limit)([], ctx), 'LIMIT') : Infinity;
  const offset = p.offset ? limitValue(compiled(p.offset)([], ctx), 'OFFSET') : 0;
  const keep = limit + offset;
  let items: { k: SqlValue[]; r: Row; seq: number }[] = [];
  let seq = 0;
  const order = (a: { k: SqlValue[]; seq: number }, b: { k: SqlValue[]; seq: number }): number => cmp(a.k, b.k) || a.seq - b.seq;
  for await (const batch of run(p.input, env, ctx)) {
    for (const r of batch) items.push({ k: keys.map((f) => f(r, ctx)), r, seq: seq++ });
    if (keep < Infinity && items.length > Math.max(2 * keep, 1024)) {
      items.sort(order);
      items = items.slice(0, keep);
    }
    if (items.length > ROWS_IN_MEMORY_MAX) throw limitError('ORDER BY');
  }
  items.sort(order);
  if (keep < items.length) items = items.slice(0, keep);
  for (let i = 0; i < items.length; i += BATCH_ROWS) yield items.slice(i, i + BATCH_ROWS).map((x) => x.r);
}

// ---- window functions ----

async function* runWindow(p: Plan & { node: 'window' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  const rows = await collect(p.input, env, ctx);
  const results = p.calls.map((c) => windowValues(c, rows, ctx));
  const out: Row[] = rows.map((r, i) => [...r, ...results.map((v) => v[i])]);
  for (let i = 0; i < out.length; i += BATCH_ROWS) yield out.slice(i, i + BATCH_ROWS);
}

/** One window function's value for every row. */
function windowValues(c: WindowCall, rows: Row[], ctx: EvalCtx): SqlValue[] {
  const part = c.partition.map(compiled);
  const keys = c.order.map((o) => compiled(o.e));
  const args = c.args.map(compiled);
  const cmp = rowComparator(c.order);
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const k = part.map((f, j) => groupKey(f(r, ctx), c.partitionTypes[j])).join('\u0001');
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(i);
  });
  const out = new Array<SqlValue>(rows.length).fill(null);
  const orderKey = rows.map((r) => keys.map((f) => f(r, ctx)));
  for (const idx of groups.values()) {
    idx.sort((a, b) => cmp(orderKey[a], orderKey[b]) || a - b);
    const n = idx.length;
    // peer groups: rows equal on ORDER BY
    const peerEnd = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) peerEnd[i] = i + 1 < n && cmp(orderKey[idx[i]], orderKey[idx[i + 1]]) === 0 ? peerEnd[i + 1] : i;
    const peerStart = new Array<number>(n);
    for (let i = 0; i < n; i++) peerStart[i] = i > 0 && cmp(orderKey[idx[i]], orderKey[idx[i - 1]]) === 0 ? peerStart[i - 1] : i;
    const frameEnd = (i: number): number => (c.frame === 'all' ? n - 1 : c.frame === 'rows' ? i : peerEnd[i]);
    const arg = (i: number, a = 0): SqlValue => args[a](rows[idx[i]], ctx);
    if (c.agg) {
      // running aggregate over the frame (start of partition .. frame end)
      const state = newAggState(c.agg);
      let done = -1;
      if (c.frame === 'all') {
        for (let i = 0; i < n; i++) state.step(args.map((f) => f(rows[idx[i]], ctx)));
        const v = state.final();
        for (let i = 0; i < n; i++) out[idx[i]] = v;
        continue;
      }
      for (let i = 0; i < n; i++) {
        const end = frameEnd(i);
        while (done < end) {
          done++;
          state.step(args.map((f) => f(rows[idx[done]], ctx)));
        }
        // every aggregate state can be read and then stepped further
        out[idx[i]] = state.final();
      }
      continue;
    }
    for (let i = 0; i < n; i++) {
      let v: SqlValue = null;
      switch (c.name) {
        case 'row_number': v = BigInt(i + 1); break;
        case 'rank': v = BigInt(peerStart[i] + 1); break;
        case 'dense_rank': {
          let d = 1;
          for (let j = 1; j <= peerStart[i]; j++) if (peerStart[j] === j) d++;
          v = BigInt(d);
          break;
        }
        case 'percent_rank': v = n > 1 ? peerStart[i] / (n - 1) : 0; break;
        case 'cume_dist': v = (peerEnd[i] + 1) / n; break;
        case 'ntile': {
          const buckets = arg(i) as number;
          if (buckets === null || buckets <= 0) throw new SqlError(SqlState.invalidParameterValue, 'argument of ntile must be greater than zero');
          const per = Math.floor(n / buckets), extra = n % buckets;
          let b = 0, start = 0;
          while (b < buckets) {
            const size = per + (b < extra ? 1 : 0);
            if (i < start + size) break;
            start += size;
            b++;
          }
          v = b + 1;
          break;
        }
        case 'lag': case 'lead': {
          const off = args.length > 1 ? (arg(i, 1) as number) : 1;
          const j = c.name === 'lag' ? i - off : i + off;
          v = j >= 0 && j < n ? arg(j) : args.length > 2 ? arg(i, 2) : null;
          break;
        }
        case 'first_value': v = arg(0); break;
        case 'last_value': v = arg(frameEnd(i)); break;
        case 'nth_value': {
          const k = arg(i, 1) as number;
          if (k <= 0) throw new SqlError(SqlState.invalidParameterValue, 'argument of nth_value must be greater than zero');
          v = k - 1 <= frameEnd(i) ? arg(k - 1) : null;
          break;
        }
        default: throw new Error(`bug: unknown window function ${c.name}`);
      }
      out[idx[i]] = v;
    }
  }
  return out;
}

// ---- recursive CTEs ----

async function* runRecursive(p: Plan & { node: 'recursive' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  const seen = p.all ? undefined : new Set<string>();
  const key = (r: Row): string => r.map((v, i) => groupKey(v, p.types[i])).join('\u0001');
  let total = 0;
  const fresh = (rows: Row[]): Row[] => {
    const out = seen ? rows.filter((r) => {
      const k = key(r);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    }) : rows;
    total += out.length;
    if (total > ROWS_IN_MEMORY_MAX) throw limitError('WITH RECURSIVE');
    return out;
  };
  let working = fresh(await collect(p.init, env, ctx));
  while (working.length) {
    for (let i = 0; i < working.length; i += BATCH_ROWS) yield working.slice(i, i + BATCH_ROWS);
    env.cache.set(`wt:${p.id}`, working);
    working = fresh(await collect(p.step, env, ctx));
  }
}

// ---- set operations ----

async function* runSetop(p: Plan & { node: 'setop' }, env: ExecEnv, ctx: EvalCtx): AsyncGenerator<Row[]> {
  const key = (r: Row): string => r.map((v, i) => groupKey(v, p.types[i])).join('\u0001');
  if (p.op === 'union') {
    if (p.all) {
      yield* run(p.left, env, ctx);
      yield* run(p.right, env, ctx);
      return;
    }
    const seen = new Set<string>();
    for (const side of [p.left, p.right]) {
      for await (const batch of run(side, env, ctx)) {
        const out = batch.filter((r) => {
          const k = key(r);
          if (seen.has(k)) return false;
          if (seen.size >= ROWS_IN_MEMORY_MAX) throw limitError('UNION');
          seen.add(k);
          return true;
        });
        if (out.length) yield out;
      }
    }
    return;
  }
  const counts = new Map<string, number>();
  for await (const batch of run(p.right, env, ctx)) {
    for (const r of batch) {
      const k = key(r);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      if (counts.size > ROWS_IN_MEMORY_MAX) throw limitError(p.op.toUpperCase());
    }
  }
  const emitted = new Set<string>();
  for await (const batch of run(p.left, env, ctx)) {
    const out: Row[] = [];
    for (const r of batch) {
      const k = key(r);
      const c = counts.get(k) ?? 0;
      if (p.op === 'intersect') {
        if (c === 0) continue;
        if (p.all) counts.set(k, c - 1);
        else {
          if (emitted.has(k)) continue;
          emitted.add(k);
        }
        out.push(r);
      } else {
        if (p.all) {
          if (c > 0) {
            counts.set(k, c - 1);
            continue;
          }
        } else {
          if (c > 0 || emitted.has(k)) continue;
          emitted.add(k);
        }
        out.push(r);
      }
    }
    if (out.length) yield out;
  }
}

export { civilFromDays };
