// Physical plans: immutable trees of `node`-tagged objects built by planner.ts and run
// by executor.ts. Rows are arrays; each node documents the layout it produces. Plans
// are cached per statement text and per prepared statement, so they hold no parameter
// values: those arrive in the execution context.

import type { AggSpec } from './aggregates.js';
import type { BExpr, CmpOp } from './expr.js';
import type { SqlTable } from './schema.js';
import type { SqlType } from './types.js';
import type { VirtualTable } from './pgcatalog.js';

/** How a table scan reaches its rows. Key expressions are evaluated at run time. */
export type Access =
  /** Every key column bound by equality: one engine.get. */
  | { kind: 'point'; key: BExpr[] }
  /** One key column (the sole partition key, or the last clustering column) takes each of a list of values. */
  | { kind: 'points'; prefix: BExpr[]; values: BExpr[]; column: number }
  /** Integer sole partition key between bounds: expanded to point reads when the span is small, else a full scan. */
  | { kind: 'intRange'; lo?: Bound; hi?: Bound; column: number }
  /** Partition key bound: a clustering-key range inside one partition. */
  | { kind: 'partition'; pkey: BExpr[]; ckPrefix: BExpr[]; lo?: Bound; hi?: Bound }
  /**
   * A secondary index (sql/indexes.ts): equalities on its leading columns (`eq`), then
   * optionally a list of values or a range on the next one. Every shard scans its local
   * entries in parallel; rows are re-checked, so the access only narrows the scan.
   */
  | {
    /** `eq`: per leading column its value, or 'null' for IS NULL (NULLs are indexed). */
    kind: 'index'; name: string; id: number; columns: number[]; eq: (BExpr | 'null')[]; list?: BExpr[]; lo?: Bound; hi?: Bound;
    /**
     * ORDER BY the index columns after `eq` with LIMIT: the sort above needs only the first
     * `topK` rows in index order (descending when `reverse`), so each shard returns at most
     * that many. Set only when every conjunct is checked in the shards.
     */
    topK?: { limit: BExpr; offset: BExpr | null }; reverse?: boolean;
  }
  | { kind: 'full' };

export interface Bound {
  e: BExpr;
  inclusive: boolean;
}

export interface SortKey {
  e: BExpr;
  desc: boolean;
  nullsFirst: boolean;
}

/** Work a node needs done asynchronously per row before evaluating its expressions. */
export type AsyncSpec =
  | { id: number; kind: 'scalar' | 'exists' | 'array'; plan: Plan; correlated: boolean; type: SqlType }
  | { id: number; kind: 'in'; plan: Plan; correlated: boolean; lhs: BExpr; cmpType: SqlType; neg: boolean; type: SqlType }
  | { id: number; kind: 'quant'; plan: Plan; correlated: boolean; lhs: BExpr; op: CmpOp; all: boolean; cmpType: SqlType; type: SqlType }
  | { id: number; kind: 'nextval'; arg: BExpr; type: SqlType }
  | { id: number; kind: 'seqfn'; fn: 'currval' | 'setval' | 'lastval'; args: BExpr[]; type: SqlType }
  /** pg_sleep(seconds): waits without blocking the process; a cancel ends it with 57014. */
  | { id: number; kind: 'sleep'; arg: BExpr; type: SqlType };

export interface WindowCall {
  /** Window function name (row_number, lag, sum, ...). */
  name: string;
  args: BExpr[];
  partition: BExpr[];
  partitionTypes: SqlType[];
  order: SortKey[];
  /** Aggregates used as window functions. */
  agg?: AggSpec;
  /** 'range': the default frame (up to the current row's peers); 'rows': up to the current row; 'all': the whole partition. */
  frame: 'range' | 'rows' | 'all';
  type: SqlType;
}

export interface AggCall {
  spec: AggSpec;
  args: BExpr[];
  filter: BExpr | null;
  orderBy: SortKey[];
}

export type JoinKind = 'inner' | 'left' | 'right' | 'full';

export type Plan =
  /** Row layout: the table's columns in schema order (hidden row id included). */
  | { node: 'scan'; table: SqlTable; access: Access; pushed: BExpr | null; filter: BExpr | null; width: number }
  | { node: 'virtual'; table: VirtualTable; filter: BExpr | null; width: number }
  /** One row with no columns (SELECT without FROM). */
  | { node: 'result'; width: number }
  | { node: 'values'; rows: BExpr[][]; width: number }
  /** A set-returning function in FROM: its columns, then the ordinality. */
  | { node: 'srf'; fn: string; args: BExpr[]; ordinality: boolean; width: number }
  | { node: 'filter'; input: Plan; pred: BExpr; width: number }
  | { node: 'project'; input: Plan; exprs: BExpr[]; srf?: { index: number; fn: string; args: BExpr[] }; width: number }
  /** Left row ++ right row. Equi-join keys build a hash table of the right side. */
  | { node: 'join'; kind: JoinKind; left: Plan; right: Plan; leftKeys: BExpr[]; rightKeys: BExpr[]; keyTypes: SqlType[]; cond: BExpr | null; lateral: boolean; width: number }
  /** Output: group expressions, then aggregate results. */
  | { node: 'aggregate'; input: Plan; groups: BExpr[]; groupTypes: SqlType[]; aggs: AggCall[]; width: number }
  | { node: 'sort'; input: Plan; keys: SortKey[]; limit: BExpr | null; offset: BExpr | null; width: number }
  /** Keeps the first row of each distinct key (all columns, or the DISTINCT ON expressions). */
  | { node: 'distinct'; input: Plan; keys: BExpr[]; keyTypes: SqlType[]; width: number }
  | { node: 'limit'; input: Plan; limit: BExpr | null; offset: BExpr | null; width: number }
  | { node: 'setop'; op: 'union' | 'intersect' | 'except'; all: boolean; left: Plan; right: Plan; types: SqlType[]; width: number }
  | { node: 'cte'; id: number; plan: Plan; width: number }
  /** Window functions: the input rows (all of them, in input order) with each call's value appended. */
  | { node: 'window'; input: Plan; calls: WindowCall[]; width: number }
  /** WITH RECURSIVE: init rows, then step repeated over the previous round's rows (the work table) until none are new. */
  | { node: 'recursive'; id: number; init: Plan; step: Plan; all: boolean; types: SqlType[]; width: number }
  /** The rows of the previous round of a recursive CTE. */
  | { node: 'worktable'; id: number; width: number }
  /** Resolves async specs (subqueries) for each input row and appends their values as columns. */
  | { node: 'async'; input: Plan; specs: AsyncSpec[]; width: number };

/** A result column as RowDescription describes it. */
export interface OutputColumn {
  name: string;
  type: SqlType;
  /** pg_class oid and attnum when the column is a plain table column. */
  tableOid: number;
  attnum: number;
}

export interface PlannedQuery {
  plan: Plan;
  columns: OutputColumn[];
  /** Async specs referenced from anywhere in the plan, by id. */
  asyncs: AsyncSpec[];
}
