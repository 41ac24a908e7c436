// Binding: resolves names against scopes, types every expression the way PostgreSQL's
// parse analysis does (unknown literals take their type from context, parameters are
// inferred from where they are used, operators and functions resolve by argument type
// with implicit casts), and produces bound expressions (expr.ts).

import type { Expr, SelectStmt, TypeName, WindowSpec } from './ast.js';
import { aggregateArgTypes, aggregateType, isAggregateName, type AggSpec } from './aggregates.js';
import { SqlError, SqlState, undefinedColumn } from './errors.js';
import { BOOL, compile, mapExpr, sameExpr, type BExpr, type CmpOp } from './expr.js';
import { FUNCTIONS, SIGNATURES, type ArgType, type EvalCtx, type Signature } from './functions.js';
import type { AggCall, AsyncSpec, PlannedQuery, SortKey, WindowCall } from './plan.js';
import { parseDec, formatDec } from './numeric.js';
import {
  arrayOf, category, elemType, formatType, isArray, isIntegerType, isOidLike, isTextLike, numericRank, Oid, resolveTypeName, T, typeName, type SqlType,
} from './types.js';
import { castConverter, type CastMode, type SqlValue } from './values.js';

// ---- scopes ----

export interface RelColumn {
  name: string;
  type: SqlType;
  /** Not expanded by `*` (hidden row id, the right column of a USING join). */
  hidden: boolean;
  /** Unqualified references skip it (the right column of a USING join). */
  merged?: boolean;
  tableOid: number;
  attnum: number;
}

export interface ScopeRel {
  alias: string;
  schema?: string;
  columns: RelColumn[];
  /** Offset of the first column in the scope's row layout. */
  offset: number;
  /** Index of the FROM leaf that produced it (planner bookkeeping). */
  leaf: number;
}

export class Scope {
  readonly rels: ScopeRel[] = [];
  width = 0;
  constructor(readonly parent?: Scope) {}

  addRel(alias: string, columns: RelColumn[], leaf: number, schema?: string): ScopeRel {
    if (this.rels.some((r) => r.alias === alias && r.schema === schema)) {
      throw new SqlError(SqlState.duplicateAlias, `table name "${alias}" specified more than once`);
    }
    const rel: ScopeRel = { alias, schema, columns, offset: this.width, leaf };
    this.rels.push(rel);
    this.width += columns.length;
    return rel;
  }
}

// ---- parameters ----

export class Params {
  readonly types: (SqlType | undefined)[];
  constructor(given: number[], count: number) {
    this.types = [];
    for (let i = 0; i < Math.max(count, given.length); i++) {
      const oid = given[i];
      this.types.push(oid ? { oid, mod: -1 } : undefined);
    }
  }

  ensure(i: number): void {
    while (this.types.length <= i) this.types.push(undefined);
  }

  /** Final parameter types; unresolved ones default to text as PostgreSQL does for unknown. */
  final(): SqlType[] {
    return this.types.map((t) => t ?? T.text);
  }
}

// ---- aggregate collection ----

/** Collects aggregate calls and matches GROUP BY expressions while binding a grouped query's outputs. */
export class AggCollector {
  readonly calls: AggCall[] = [];
  constructor(readonly groups: BExpr[]) {}

  add(call: AggCall): number {
    return this.calls.push(call) - 1;
  }
}

const AGG_MARK = 'agg$';

/** Rewrites a pre-aggregation expression to the aggregate node's output layout. */
export function toPostAgg(e: BExpr, collector: AggCollector, pos?: number, scope?: Scope): BExpr {
  const groups = collector.groups;
  const nameOf = (i: number): string => {
    const rel = scope?.rels.find((r) => i >= r.offset && i < r.offset + r.columns.length);
    return rel ? `${rel.alias}.${rel.columns[i - rel.offset].name}` : `#${i}`;
  };
  const visit = (x: BExpr): BExpr => {
    for (let g = 0; g < groups.length; g++) if (sameExpr(x, groups[g])) return { k: 'col', i: g, t: x.t };
    if (x.k === 'call' && x.fn.startsWith(AGG_MARK)) return { k: 'col', i: groups.length + Number(x.fn.slice(AGG_MARK.length)), t: x.t };
    if (windowIndex(x) !== undefined) return x;
    if (x.k === 'col') {
      throw new SqlError(SqlState.groupingError, `column "${nameOf(x.i)}" must appear in the GROUP BY clause or be used in an aggregate function`, { position: pos === undefined ? undefined : pos + 1 });
    }
    return mapChildren(x, visit);
  };
  return visit(e);
}

function mapChildren(e: BExpr, f: (x: BExpr) => BExpr): BExpr {
  // one level of mapping (mapExpr is bottom-up over the whole tree)
  switch (e.k) {
    case 'call': return { ...e, args: e.args.map(f) };
    case 'and': case 'or': case 'coalesce': return { ...e, args: e.args.map(f) };
    case 'cast': case 'not': case 'isnull': case 'istruth': return { ...e, e: f(e.e) };
    case 'cmp': case 'distinct': return { ...e, l: f(e.l), r: f(e.r) };
    case 'case': return { ...e, whens: e.whens.map(([w, t]) => [f(w), f(t)] as [BExpr, BExpr]), else: e.else ? f(e.else) : null };
    case 'in': return { ...e, e: f(e.e), list: e.list.map(f) };
    case 'quant': return { ...e, l: f(e.l), arr: f(e.arr) };
    case 'array': return { ...e, elems: e.elems.map(f) };
    default: return e;
  }
}

// ---- the binder ----

export interface BinderHost {
  /** Plans a subquery with `scope` as its enclosing scope. */
  planSubquery(stmt: SelectStmt, scope: Scope): PlannedQuery;
  params: Params;
  asyncs: AsyncSpec[];
  /** Evaluation context for constant folding (no params, session functions excluded). */
  foldCtx: EvalCtx;
  /** True when a subquery's plan references rows of the query it is nested in (or further out). */
  isCorrelated(q: PlannedQuery): boolean;
}

/** Collects window function calls while binding a query's outputs. */
export class WindowCollector {
  readonly calls: WindowCall[] = [];
}

const WIN_MARK = 'win$';

export function windowIndex(e: BExpr): number | undefined {
  return e.k === 'call' && e.fn.startsWith(WIN_MARK) ? Number(e.fn.slice(WIN_MARK.length)) : undefined;
}

const RANKING = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile']);
const VALUE_FNS = new Set(['lag', 'lead', 'first_value', 'last_value', 'nth_value']);

export function isWindowOnlyName(name: string): boolean {
  return RANKING.has(name) || VALUE_FNS.has(name);
}

export interface BindOptions {
  /** Window functions allowed: collects them (select list and ORDER BY). */
  win?: WindowCollector;
  /** Aggregates allowed: collects them (grouped query outputs). */
  agg?: AggCollector;
  /** Where aggregates are not allowed, the clause name for the error. */
  noAggWhere?: string;
}

const SRF_NAMES = new Set(['generate_series', 'unnest', 'pg_partition_ancestors', 'generate_subscripts', 'json_array_elements', 'jsonb_array_elements', 'regexp_matches']);

export function isSrfName(name: string): boolean {
  return SRF_NAMES.has(name);
}

export function funcName(parts: string[]): string {
  return parts.length === 2 && parts[0] === 'pg_catalog' ? parts[1] : parts[parts.length - 1];
}

export class ExprBinder {
  constructor(readonly host: BinderHost, readonly scope: Scope, readonly opts: BindOptions = {}) {}

  private err(code: SqlState0, message: string, pos: number | undefined, extra: { hint?: string; detail?: string } = {}): SqlError {
    return new SqlError(code, message, { position: pos === undefined ? undefined : pos + 1, ...extra });
  }

  // ---- columns ----

  resolveColumn(parts: string[], pos: number): BExpr {
    let scope: Scope | undefined = this.scope;
    let level = 0;
    const colName = parts[parts.length - 1];
    const relParts = parts.slice(0, -1);
    while (scope) {
      const found = this.findInScope(scope, relParts, colName, pos);
      if (found) {
        const { rel, col, idx } = found;
        const i = rel.offset + idx;
        return level === 0 ? { k: 'col', i, t: col.type } : { k: 'outer', level, i, t: col.type };
      }
      scope = scope.parent;
      level++;
    }
    if (relParts.length > 0) {
      const relName = relParts[relParts.length - 1];
      if (!this.anyRel(relName)) throw this.err(SqlState.undefinedTable, `missing FROM-clause entry for table "${relName}"`, pos);
      throw this.err(SqlState.undefinedColumn, `column ${relName}.${colName} does not exist`, pos);
    }
    throw undefinedColumn(colName, pos + 1);
  }

  private anyRel(name: string): boolean {
    for (let s: Scope | undefined = this.scope; s; s = s.parent) if (s.rels.some((r) => r.alias === name)) return true;
    return false;
  }

  private findInScope(scope: Scope, relParts: string[], colName: string, pos: number): { rel: ScopeRel; col: RelColumn; idx: number } | undefined {
    if (relParts.length > 0) {
      const relName = relParts[relParts.length - 1];
      const schema = relParts.length > 1 ? relParts[relParts.length - 2] : undefined;
      const rels = scope.rels.filter((r) => r.alias === relName && (schema === undefined || r.schema === undefined || r.schema === schema));
      if (rels.length === 0) return undefined;
      const rel = rels[0];
      const idx = rel.columns.findIndex((c) => c.name === colName);
      if (idx < 0) throw this.err(SqlState.undefinedColumn, `column ${relName}.${colName} does not exist`, pos);
      return { rel, col: rel.columns[idx], idx };
    }
    let hit: { rel: ScopeRel; col: RelColumn; idx: number } | undefined;
    for (const rel of scope.rels) {
      const idx = rel.columns.findIndex((c) => c.name === colName && !c.merged);
      if (idx < 0) continue;
      if (hit) throw this.err(SqlState.ambiguousColumn, `column reference "${colName}" is ambiguous`, pos);
      hit = { rel, col: rel.columns[idx], idx };
    }
    return hit;
  }

  // ---- entry ----

  bind(e: Expr): BExpr {
    switch (e.kind) {
      case 'literal': return this.literal(e);
      case 'param': {
        const i = e.index - 1;
        this.host.params.ensure(i);
        const t = this.host.params.types[i];
        return { k: 'param', i, t: t ?? T.unknown };
      }
      case 'column': return this.resolveColumn(e.parts, e.pos);
      case 'star': throw this.err(SqlState.syntaxError, 'a "*" is not allowed here', e.pos);
      case 'unary': return this.unary(e.op, this.bind(e.arg), e.pos);
      case 'binary': {
        if (e.op === 'and' || e.op === 'or') {
          const l = this.boolArg(this.bind(e.left), e.op.toUpperCase(), e.left.pos);
          const r = this.boolArg(this.bind(e.right), e.op.toUpperCase(), e.right.pos);
          const args = [...(l.k === e.op ? l.args : [l]), ...(r.k === e.op ? r.args : [r])];
          return { k: e.op, args, t: BOOL };
        }
        return this.operator(e.op, this.bind(e.left), this.bind(e.right), e.pos);
      }
      case 'not': return { k: 'not', e: this.boolArg(this.bind(e.arg), 'NOT', e.arg.pos), t: BOOL };
      case 'isNull': return { k: 'isnull', e: this.settle(this.bind(e.arg)), neg: e.not, t: BOOL };
      case 'isBool': return { k: 'istruth', e: this.boolArg(this.bind(e.arg), 'IS', e.pos), value: e.value, neg: e.not, t: BOOL };
      case 'isDistinct': {
        const [l, r, ct] = this.comparable(this.bind(e.left), this.bind(e.right), '=', e.pos);
        return { k: 'distinct', l, r, ct, neg: e.not, t: BOOL };
      }
      case 'between': {
        const arg = this.bind(e.arg);
        const low = this.bind(e.low), high = this.bind(e.high);
        const range = (lo: BExpr, hi: BExpr): BExpr => ({ k: 'and', args: [this.compare('>=', arg, lo, e.pos), this.compare('<=', arg, hi, e.pos)], t: BOOL });
        let out = range(low, high);
        if (e.symmetric) out = { k: 'or', args: [out, range(high, low)], t: BOOL };
        return e.not ? { k: 'not', e: out, t: BOOL } : out;
      }
      case 'like': {
        const arg = this.coerce(this.bind(e.arg), T.text, 'implicit', e.arg.pos, true);
        const pat = this.coerce(this.bind(e.pattern), T.text, 'implicit', e.pattern.pos, true);
        const args = [arg, pat];
        if (e.escape) args.push(this.coerce(this.bind(e.escape), T.text, 'implicit', e.escape.pos, true));
        const call: BExpr = this.fold({ k: 'call', fn: e.ci ? 'ilike' : 'like', args, t: BOOL });
        return e.not ? { k: 'not', e: call, t: BOOL } : call;
      }
      case 'inList': {
        const arg = this.bind(e.arg);
        const list = e.list.map((x) => this.bind(x));
        let ct: SqlType;
        try {
          ct = this.commonType([arg, ...list], 'IN', e.pos);
        } catch (err) {
          if (!(err instanceof SqlError) || err.code !== SqlState.datatypeMismatch) throw err;
          // As PostgreSQL does when the list has no common type: one = (or <>) per element,
          // ORed (ANDed), each resolved on its own (42883 where no operator exists).
          const cmps = list.map((x, i) => this.compare(e.not ? '<>' : '=', arg, x, e.list[i].pos));
          return cmps.reduce((a, b) => ({ k: e.not ? 'and' : 'or', args: [a, b], t: BOOL }) as BExpr);
        }
        return { k: 'in', e: this.coerce(arg, ct, 'implicit', e.arg.pos), list: list.map((x, i) => this.coerce(x, ct, 'implicit', e.list[i].pos)), ct, neg: e.not, t: BOOL };
      }
      case 'inQuery': return this.subqueryIn(e.arg, e.query, e.not, e.pos);
      case 'exists': {
        const q = this.host.planSubquery(e.query, this.scope);
        return this.addAsync({ kind: 'exists', plan: q.plan, correlated: true, type: BOOL }, q);
      }
      case 'subquery': {
        const q = this.host.planSubquery(e.query, this.scope);
        if (q.columns.length !== 1) throw this.err(SqlState.syntaxError, 'subquery must return only one column', e.pos);
        return this.addAsync({ kind: 'scalar', plan: q.plan, correlated: true, type: q.columns[0].type }, q);
      }
      case 'arrayQuery': {
        const q = this.host.planSubquery(e.query, this.scope);
        if (q.columns.length !== 1) throw this.err(SqlState.syntaxError, 'subquery must return only one column', e.pos);
        const et = q.columns[0].type.oid === Oid.unknown ? T.text : q.columns[0].type;
        return this.addAsync({ kind: 'array', plan: q.plan, correlated: true, type: arrayOf(et) }, q);
      }
      case 'quantified': return this.quantified(e);
      case 'func': return this.func(e);
      case 'cast': return this.cast(this.bind(e.arg), e.type, e.pos, e.arg.pos);
      case 'case': return this.caseExpr(e);
      case 'array': {
        const elems = e.elements.map((x) => this.bind(x));
        if (elems.length === 0) return { k: 'array', elems: [], t: T.textArray };
        const et = this.commonType(elems, 'ARRAY', e.pos);
        if (isArray(et)) throw this.err(SqlState.featureNotSupported, 'multidimensional arrays are not supported', e.pos);
        return this.fold({ k: 'array', elems: elems.map((x, i) => this.coerce(x, et, 'implicit', e.elements[i].pos)), t: arrayOf(et) });
      }
      case 'subscript': {
        const arr = this.settle(this.bind(e.arg));
        if (!isArray(arr.t)) throw this.err(SqlState.datatypeMismatch, `cannot subscript type ${typeName(arr.t)} because it is not an array`, e.pos);
        const idx = this.coerce(this.bind(e.index), T.int4, 'implicit', e.index.pos);
        const zeroBased = arr.t.oid === Oid.int2vector || arr.t.oid === Oid.oidvector;
        return { k: 'call', fn: zeroBased ? 'subscript0' : 'subscript', args: [arr, idx], t: elemType(arr.t) };
      }
      case 'row': throw this.err(SqlState.featureNotSupported, 'row constructors are not supported', e.pos);
      case 'collate': return this.bind(e.arg);
      case 'default': throw this.err(SqlState.syntaxError, 'DEFAULT is not allowed in this context', e.pos);
      default: {
        const never: never = e;
        throw new Error(`bug: unknown expression ${JSON.stringify(never)}`);
      }
    }
  }

  private literal(e: Expr & { kind: 'literal' }): BExpr {
    const v = e.value;
    switch (v.type) {
      case 'null': return { k: 'const', v: null, t: T.unknown };
      case 'boolean': return { k: 'const', v: v.value, t: T.bool };
      case 'string': return { k: 'const', v: v.text, t: T.unknown };
      case 'integer': {
        const n = Number(v.text);
        if (Number.isSafeInteger(n) && n >= -2147483648 && n <= 2147483647) return { k: 'const', v: n + 0, t: T.int4 }; // -0 is 0
        const b = BigInt(v.text);
        if (b >= -(2n ** 63n) && b < 2n ** 63n) return { k: 'const', v: b, t: T.int8 };
        return { k: 'const', v: formatDec(parseDec(v.text)), t: T.numeric };
      }
      case 'numeric': return { k: 'const', v: formatDec(parseDec(v.text)), t: T.numeric };
    }
  }

  // ---- coercion ----

  /** Unknown expressions (literals, untyped NULL and parameters) become text when nothing else decides. */
  settle(e: BExpr): BExpr {
    return e.t.oid === Oid.unknown ? this.coerce(e, T.text, 'implicit') : e;
  }

  boolArg(e: BExpr, what: string, pos: number): BExpr {
    if (e.t.oid === Oid.bool) return e;
    if (e.t.oid === Oid.unknown) return this.coerce(e, T.bool, 'implicit', pos);
    throw this.err(SqlState.datatypeMismatch, `argument of ${what} must be type boolean, not type ${typeName(e.t)}`, pos);
  }

  /**
   * Converts `e` to type `to`: unknown literals through the type's input function (at
   * bind time), untyped parameters by fixing their type, everything else by a cast
   * allowed in `mode`. Throws 42804 (or 42846 for explicit casts) when impossible.
   */
  coerce(e: BExpr, to: SqlType, mode: CastMode, pos?: number, lenientText = false): BExpr {
    if (e.t.oid === to.oid && (to.mod < 0 || e.t.mod === to.mod)) return e;
    if (e.k === 'param' && e.t.oid === Oid.unknown) {
      const base = { oid: to.oid, mod: -1 };
      if (this.host.params.types[e.i] === undefined) this.host.params.types[e.i] = base;
      const p: BExpr = { k: 'param', i: e.i, t: this.host.params.types[e.i]! };
      return p.t.oid === to.oid && to.mod < 0 ? p : this.coerce(p, to, mode, pos);
    }
    if (e.k === 'const' && e.t.oid === Oid.unknown) {
      if (e.v === null) return { k: 'const', v: null, t: to };
    }
    const effectiveMode: CastMode = e.t.oid === Oid.unknown || (lenientText && isTextLike(e.t.oid) && isTextLike(to.oid)) ? 'explicit' : mode;
    const conv = castConverter(e.t, to, effectiveMode);
    if (!conv) {
      if (lenientText && isTextLike(to.oid) && (category(e.t) !== 'A')) {
        throw this.err(SqlState.undefinedFunction, `operator does not exist: ${typeName(e.t)} ~~ text`, pos, { hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' });
      }
      if (mode === 'explicit') throw this.err(SqlState.cannotCoerce, `cannot cast type ${typeName(e.t)} to ${typeName(to)}`, pos);
      throw this.err(SqlState.datatypeMismatch, `argument of type ${typeName(e.t)} cannot be converted to ${typeName(to)}`, pos);
    }
    return this.fold({ k: 'cast', e, t: to, mode: effectiveMode }, pos);
  }

  /** Evaluates a node whose inputs are all constants (as PostgreSQL's planner folds them). */
  fold(e: BExpr, pos?: number): BExpr {
    // A strict function or operator with a constant NULL input is NULL (PostgreSQL's eval_const_expressions).
    if (e.k === 'call' && (FUNCTIONS.get(e.fn)?.strict ?? true) && !e.fn.startsWith('agg$') && !e.fn.startsWith('win$') && e.args.some((a) => a.k === 'const' && a.v === null)) {
      return { k: 'const', v: null, t: e.t };
    }
    if (e.k === 'cmp' && [e.l, e.r].some((a) => a.k === 'const' && a.v === null)) return { k: 'const', v: null, t: e.t };
    const inputs: BExpr[] = e.k === 'cast' ? [e.e] : e.k === 'call' ? e.args : e.k === 'array' ? e.elems : [];
    if (inputs.length === 0 && e.k !== 'array') return e;
    if (!inputs.every((x) => x.k === 'const')) return e;
    if (e.k === 'call' && (FUNCTIONS.get(e.fn)?.session ?? true)) return e;
    if (e.k === 'cast' && (e.t.oid === Oid.regclass || e.t.oid === Oid.regnamespace || e.e.t.oid === Oid.regclass || e.e.t.oid === Oid.regnamespace)) return e;
    try {
      return { k: 'const', v: compile(e)([], this.host.foldCtx), t: e.t };
    } catch (err) {
      if (err instanceof SqlError) throw err.at(pos === undefined ? undefined : pos + 1);
      throw err;
    }
  }

  /**
   * PostgreSQL's UNION/CASE type resolution (simplified): the common type of a list. As
   * in select_common_type, the first typed element is the candidate and a later one
   * replaces it only when the candidate converts to it implicitly and not back.
   */
  commonType(list: BExpr[], context: string, pos: number): SqlType {
    const typed = list.filter((x) => x.t.oid !== Oid.unknown);
    if (typed.length === 0) return T.text;
    let best = typed[0].t;
    for (const x of typed.slice(1)) {
      const t = x.t;
      if (t.oid === best.oid) {
        if (t.mod !== best.mod) best = { oid: best.oid, mod: -1 };
        continue;
      }
      const rb = numericRank(best.oid), rt = numericRank(t.oid);
      if (rb !== undefined && rt !== undefined) {
        best = rb >= rt ? { oid: best.oid, mod: -1 } : { oid: t.oid, mod: -1 };
        if ((best.oid === Oid.float4) && (rb !== rt)) best = rb === 5 && rt === 5 ? T.float4 : T.float8;
        continue;
      }
      if (isTextLike(best.oid) && isTextLike(t.oid)) {
        // Within the string category every pair converts implicitly both ways, so
        // PostgreSQL keeps the first type (varchar, bpchar, name) unless it is "char".
        best = best.oid === Oid.char ? T.text : { oid: best.oid, mod: -1 };
        continue;
      }
      if (isOidLike(best.oid) && (isOidLike(t.oid) || isIntegerType(t.oid))) continue;
      if (isOidLike(t.oid) && isIntegerType(best.oid)) {
        best = t;
        continue;
      }
      const dt = [Oid.date, Oid.timestamp, Oid.timestamptz];
      if (dt.includes(best.oid as never) && dt.includes(t.oid as never)) {
        best = dt.indexOf(best.oid as never) >= dt.indexOf(t.oid as never) ? best : t;
        continue;
      }
      if (castConverter(best, t, 'implicit')) {
        best = t;
        continue;
      }
      if (castConverter(t, best, 'implicit')) continue;
      throw this.err(SqlState.datatypeMismatch, `${context} types ${typeName(best)} and ${typeName(t)} cannot be matched`, pos);
    }
    return best;
  }

  // ---- operators ----

  /** The type both sides of a comparison are converted to (throws 42883 when there is none). */
  comparisonType(l: SqlType, r: SqlType, op: string, pos: number): SqlType {
    if (l.oid === Oid.unknown && r.oid === Oid.unknown) return T.text;
    if (l.oid === Oid.unknown) return { oid: r.oid, mod: -1 };
    if (r.oid === Oid.unknown) return { oid: l.oid, mod: -1 };
    if (l.oid === r.oid) return { oid: l.oid, mod: -1 };
    const rl = numericRank(l.oid), rr = numericRank(r.oid);
    if (rl !== undefined && rr !== undefined) {
      const hi = rl >= rr ? l : r;
      if (hi.oid === Oid.float4) return T.float8;
      return { oid: hi.oid, mod: -1 };
    }
    if (isTextLike(l.oid) && isTextLike(r.oid)) return T.text;
    if (isOidLike(l.oid) && (isOidLike(r.oid) || isIntegerType(r.oid))) return T.oid;
    if (isOidLike(r.oid) && isIntegerType(l.oid)) return T.oid;
    const dt = [Oid.date, Oid.timestamp, Oid.timestamptz] as number[];
    if (dt.includes(l.oid) && dt.includes(r.oid)) return dt.indexOf(l.oid) >= dt.indexOf(r.oid) ? { oid: l.oid, mod: -1 } : { oid: r.oid, mod: -1 };
    if ((l.oid === Oid.json || l.oid === Oid.jsonb) && (r.oid === Oid.json || r.oid === Oid.jsonb)) return T.jsonb;
    if (isArray(l) && isArray(r)) {
      const et = this.comparisonType(elemType(l), elemType(r), op, pos);
      return arrayOf(et);
    }
    if ((l.oid === Oid.char && isTextLike(r.oid)) || (r.oid === Oid.char && isTextLike(l.oid))) return T.text;
    throw this.err(SqlState.undefinedFunction, `operator does not exist: ${typeName(l)} ${op} ${typeName(r)}`, pos, { hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' });
  }

  comparable(l: BExpr, r: BExpr, op: string, pos: number): [BExpr, BExpr, SqlType] {
    const ct = this.comparisonType(l.t, r.t, op, pos);
    if (ct.oid === Oid.json) throw this.err(SqlState.undefinedFunction, `operator does not exist: json ${op} json`, pos);
    return [this.coerce(l, ct, 'implicit', pos), this.coerce(r, ct, 'implicit', pos), ct];
  }

  compare(op: CmpOp, l: BExpr, r: BExpr, pos: number): BExpr {
    const [a, b, ct] = this.comparable(l, r, op, pos);
    return this.fold({ k: 'cmp', op, l: a, r: b, ct, t: BOOL });
  }

  unary(op: string, arg: BExpr, pos: number): BExpr {
    if (op === '-') {
      let a = arg;
      if (a.t.oid === Oid.unknown) a = this.coerce(a, a.k === 'const' && typeof a.v === 'string' && /^\s*-?\d+\s*$/.test(a.v) ? T.int4 : T.numeric, 'implicit', pos);
      const name = typeId(a.t);
      if (!FUNCTIONS.has(`neg:${name}`)) throw this.err(SqlState.undefinedFunction, `operator does not exist: - ${typeName(a.t)}`, pos);
      return this.fold({ k: 'call', fn: `neg:${name}`, args: [a], t: { oid: a.t.oid, mod: -1 } });
    }
    if (op === '@') return this.func({ kind: 'func', name: ['abs'], args: [], star: false, distinct: false, pos }, [arg]);
    throw this.err(SqlState.undefinedFunction, `operator does not exist: ${op} ${typeName(arg.t)}`, pos);
  }

  operator(op: string, l: BExpr, r: BExpr, pos: number): BExpr {
    switch (op) {
      case '=': case '<>': case '<': case '<=': case '>': case '>=':
        return this.compare(op, l, r, pos);
      case '+': case '-': case '*': case '/': case '%': case '^':
        return this.arith(op, l, r, pos);
      case '||': return this.concat(l, r, pos);
      case '~': case '~*': case '!~': case '!~*': {
        const a = this.coerce(l, T.text, 'implicit', pos, true), b = this.coerce(r, T.text, 'implicit', pos, true);
        return this.fold({ k: 'call', fn: op, args: [a, b], t: BOOL });
      }
      case '~~': case '~~*': case '!~~': case '!~~*': {
        const a = this.coerce(l, T.text, 'implicit', pos, true), b = this.coerce(r, T.text, 'implicit', pos, true);
        const call: BExpr = { k: 'call', fn: op.includes('*') ? 'ilike' : 'like', args: [a, b], t: BOOL };
        return op.startsWith('!') ? { k: 'not', e: call, t: BOOL } : call;
      }
      case '->': case '->>': {
        const doc = l.t.oid === Oid.unknown ? this.coerce(l, T.jsonb, 'implicit', pos) : l;
        if (doc.t.oid !== Oid.json && doc.t.oid !== Oid.jsonb) break;
        const key = r.t.oid === Oid.unknown ? this.coerce(r, T.text, 'implicit', pos) : r.t.oid === Oid.int8 || r.t.oid === Oid.int2 ? this.coerce(r, T.int4, 'assignment', pos) : r;
        if (key.t.oid !== Oid.text && key.t.oid !== Oid.int4) break;
        return { k: 'call', fn: op, args: [doc, key], t: op === '->' ? { oid: doc.t.oid, mod: -1 } : T.text };
      }
      case '@>': case '<@': case '&&': case '?': {
        if (l.t.oid === Oid.jsonb || r.t.oid === Oid.jsonb) {
          if (op === '?') return { k: 'call', fn: '?:jsonb', args: [this.coerce(l, T.jsonb, 'implicit', pos), this.coerce(r, T.text, 'implicit', pos)], t: BOOL };
          if (op === '@>') return { k: 'call', fn: '@>:jsonb', args: [this.coerce(l, T.jsonb, 'implicit', pos), this.coerce(r, T.jsonb, 'implicit', pos)], t: BOOL };
          if (op === '<@') return { k: 'call', fn: '@>:jsonb', args: [this.coerce(r, T.jsonb, 'implicit', pos), this.coerce(l, T.jsonb, 'implicit', pos)], t: BOOL };
        }
        const at = isArray(l.t) ? l.t : isArray(r.t) ? r.t : undefined;
        if (at && op !== '?') return { k: 'call', fn: `${op}:array`, args: [this.coerce(l, at, 'implicit', pos), this.coerce(r, at, 'implicit', pos)], t: BOOL };
        break;
      }
    }
    throw this.err(SqlState.undefinedFunction, `operator does not exist: ${typeName(l.t)} ${op} ${typeName(r.t)}`, pos, { hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' });
  }

  private arith(op: string, l: BExpr, r: BExpr, pos: number): BExpr {
    // jsonb - text (remove a key) and jsonb - int (remove an element)
    if (op === '-' && (l.t.oid === Oid.jsonb || (l.t.oid === Oid.unknown && (isTextLike(r.t.oid) && r.t.oid !== Oid.unknown)))) {
      const key = r.t.oid === Oid.int4 || r.t.oid === Oid.int2 || r.t.oid === Oid.int8 ? this.coerce(r, T.int4, 'assignment', pos) : this.coerce(r, T.text, 'implicit', pos);
      return this.fold({ k: 'call', fn: '-:jsonb', args: [this.coerce(l, T.jsonb, 'implicit', pos), key], t: T.jsonb }, pos);
    }
    const lc = category(l.t), rc = category(r.t);
    const isDt = (c: string): boolean => c === 'D' || c === 'T';
    if (isDt(lc) || isDt(rc)) return this.dateArith(op, l, r, pos);
    let a = l, b = r;
    if (a.t.oid === Oid.unknown && b.t.oid === Oid.unknown) {
      throw this.err(SqlState.ambiguousFunction, `operator is not unique: unknown ${op} unknown`, pos, { hint: 'Could not choose a best candidate operator. You might need to add explicit type casts.' });
    }
    const noOperator = (): SqlError => this.err(SqlState.undefinedFunction, `operator does not exist: ${typeName(a.t)} ${op} ${typeName(b.t)}`, pos, { hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' });
    if (a.t.oid === Oid.unknown) {
      if (numericRank(b.t.oid) === undefined) throw noOperator();
      a = this.coerce(a, unknownPeer(b.t), 'implicit', pos);
    }
    if (b.t.oid === Oid.unknown) {
      if (numericRank(a.t.oid) === undefined) throw noOperator();
      b = this.coerce(b, unknownPeer(a.t), 'implicit', pos);
    }
    const ra = numericRank(a.t.oid), rb = numericRank(b.t.oid);
    if (ra === undefined || rb === undefined) {
      throw this.err(SqlState.undefinedFunction, `operator does not exist: ${typeName(a.t)} ${op} ${typeName(b.t)}`, pos, { hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' });
    }
    let t: SqlType;
    if (op === '^') t = a.t.oid === Oid.numeric || b.t.oid === Oid.numeric ? (ra > 4 || rb > 4 ? T.float8 : T.numeric) : T.float8;
    else if (ra >= 5 || rb >= 5) t = a.t.oid === Oid.float4 && b.t.oid === Oid.float4 ? T.float4 : T.float8;
    else t = ra >= rb ? { oid: a.t.oid, mod: -1 } : { oid: b.t.oid, mod: -1 };
    if (op === '%' && (t.oid === Oid.float8 || t.oid === Oid.float4)) throw this.err(SqlState.undefinedFunction, `operator does not exist: ${typeName(a.t)} % ${typeName(b.t)}`, pos);
    a = this.coerce(a, t, 'implicit', pos);
    b = this.coerce(b, t, 'implicit', pos);
    return this.fold({ k: 'call', fn: `${op}:${typeId(t)}`, args: [a, b], t }, pos);
  }

  private dateArith(op: string, l: BExpr, r: BExpr, pos: number): BExpr {
    let a = l, b = r;
    const oidOf = (x: BExpr): number => x.t.oid;
    const isTs = (o: number): boolean => o === Oid.timestamp || o === Oid.timestamptz;
    const fail = (): SqlError => this.err(SqlState.undefinedFunction, `operator does not exist: ${typeName(a.t)} ${op} ${typeName(b.t)}`, pos, { hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' });
    if (a.t.oid === Oid.unknown) a = this.coerce(a, isTs(oidOf(b)) && op === '-' ? b.t : oidOf(b) === Oid.interval ? T.interval : oidOf(b) === Oid.date && op === '-' ? T.date : T.interval, 'implicit', pos);
    if (b.t.oid === Oid.unknown) b = this.coerce(b, oidOf(a) === Oid.date ? T.int4 : T.interval, 'implicit', pos);
    const A = oidOf(a), B = oidOf(b);
    const call = (fn: string, args: BExpr[], t: SqlType): BExpr => this.fold({ k: 'call', fn, args, t }, pos);
    // date ± integer takes int4 (int2 converts implicitly); PostgreSQL has no date ± bigint.
    if (A === Oid.date && (B === Oid.int4 || B === Oid.int2) && (op === '+' || op === '-')) return call(`${op}:date_int`, [a, this.coerce(b, T.int4, 'implicit', pos)], T.date);
    if ((A === Oid.int4 || A === Oid.int2) && B === Oid.date && op === '+') return call('+:date_int', [b, this.coerce(a, T.int4, 'implicit', pos)], T.date);
    if (A === Oid.date && B === Oid.date && op === '-') return call('-:date', [a, b], T.int4);
    if (A === Oid.date && B === Oid.interval && (op === '+' || op === '-')) return call(`${op}:date_interval`, [a, b], T.timestamp);
    if (A === Oid.interval && B === Oid.date && op === '+') return call('+:date_interval', [b, a], T.timestamp);
    if (isTs(A) && B === Oid.interval && (op === '+' || op === '-')) return call(`${op}:ts_interval`, [a, b], a.t);
    if (A === Oid.interval && isTs(B) && op === '+') return call('+:ts_interval', [b, a], b.t);
    if (isTs(A) && (isTs(B) || B === Oid.date) && op === '-') {
      const t = A === Oid.timestamptz || B === Oid.timestamptz ? T.timestamptz : T.timestamp;
      return call('-:ts', [this.coerce(a, t, 'implicit', pos), this.coerce(b, t, 'implicit', pos)], T.interval);
    }
    if (A === Oid.date && isTs(B) && op === '-') return call('-:ts', [this.coerce(a, b.t, 'implicit', pos), b], T.interval);
    if (A === Oid.interval && B === Oid.interval && (op === '+' || op === '-')) return call(`${op}:interval`, [a, b], T.interval);
    if (A === Oid.interval && numericRank(B) !== undefined && (op === '*' || op === '/')) return call(`${op}:interval`, [a, this.coerce(b, T.float8, 'implicit', pos)], T.interval);
    if (numericRank(A) !== undefined && B === Oid.interval && op === '*') return call('*:interval', [b, this.coerce(a, T.float8, 'implicit', pos)], T.interval);
    throw fail();
  }

  private concat(l: BExpr, r: BExpr, pos: number): BExpr {
    if (isArray(l.t) || isArray(r.t)) {
      if (isArray(l.t) && isArray(r.t)) return { k: 'call', fn: '||:array', args: [l, this.coerce(r, l.t, 'implicit', pos)], t: l.t };
      if (isArray(l.t)) {
        if (r.t.oid === Oid.unknown && r.k === 'const' && typeof r.v === 'string' && r.v.startsWith('{')) return { k: 'call', fn: '||:array', args: [l, this.coerce(r, l.t, 'implicit', pos)], t: l.t };
        return { k: 'call', fn: '||:array_elem', args: [l, this.coerce(r, elemType(l.t), 'implicit', pos)], t: l.t };
      }
      if (l.t.oid === Oid.unknown && l.k === 'const' && typeof l.v === 'string' && l.v.startsWith('{')) return { k: 'call', fn: '||:array', args: [this.coerce(l, r.t, 'implicit', pos), r], t: r.t };
      return { k: 'call', fn: '||:elem_array', args: [this.coerce(l, elemType(r.t), 'implicit', pos), r], t: r.t };
    }
    if (l.t.oid === Oid.jsonb && (r.t.oid === Oid.jsonb || r.t.oid === Oid.unknown)) return { k: 'call', fn: '||:jsonb', args: [l, this.coerce(r, T.jsonb, 'implicit', pos)], t: T.jsonb };
    const toText = (x: BExpr): BExpr => {
      if (x.t.oid === Oid.unknown || isTextLike(x.t.oid)) return this.coerce(x, T.text, 'explicit', pos);
      return this.coerce(x, T.text, 'explicit', pos);
    };
    if (!isTextLike(l.t.oid) && !isTextLike(r.t.oid)) {
      throw this.err(SqlState.undefinedFunction, `operator does not exist: ${typeName(l.t)} || ${typeName(r.t)}`, pos, { hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' });
    }
    return this.fold({ k: 'call', fn: '||:text', args: [toText(l), toText(r)], t: T.text }, pos);
  }

  // ---- CASE, casts ----

  private caseExpr(e: Expr & { kind: 'case' }): BExpr {
    const operand = e.operand ? this.bind(e.operand) : undefined;
    const conds = e.whens.map((w) => {
      if (operand) return this.compare('=', operand, this.bind(w.when), w.when.pos);
      const c = this.bind(w.when);
      if (c.t.oid !== Oid.bool && c.t.oid !== Oid.unknown) throw this.err(SqlState.datatypeMismatch, `argument of CASE/WHEN must be type boolean, not type ${typeName(c.t)}`, w.when.pos);
      return this.coerce(c, T.bool, 'implicit', w.when.pos);
    });
    const results = e.whens.map((w) => this.bind(w.then));
    const elseE = e.else ? this.bind(e.else) : undefined;
    // PostgreSQL resolves the ELSE result's type first (transformCaseExpr), so it wins ties.
    const all = elseE ? [elseE, ...results] : results;
    const t = this.commonType(all, 'CASE', e.pos);
    return {
      k: 'case',
      whens: conds.map((c, i) => [c, this.coerce(results[i], t, 'implicit', e.whens[i].then.pos)] as [BExpr, BExpr]),
      else: elseE ? this.coerce(elseE, t, 'implicit', e.else!.pos) : null,
      t,
    };
  }

  cast(arg: BExpr, tn: TypeName, pos: number, argPos: number): BExpr {
    const { type, serial } = resolveTypeName(tn);
    if (serial) throw this.err(SqlState.undefinedObject, `type "${tn.names.join('.')}" does not exist`, tn.pos);
    if (arg.k === 'const' && arg.t.oid === Oid.unknown) {
      try {
        return this.coerce(arg, type, 'explicit', argPos);
      } catch (e) {
        if (e instanceof SqlError) throw e.at(argPos + 1);
        throw e;
      }
    }
    return this.coerce(arg, type, 'explicit', pos);
  }

  // ---- subqueries ----

  addAsync(spec: AsyncSpecInput, q?: PlannedQuery): BExpr {
    const id = this.host.asyncs.length;
    const full = { ...spec, id } as AsyncSpec;
    if (q && 'correlated' in full) (full as { correlated: boolean }).correlated = this.host.isCorrelated(q);
    this.host.asyncs.push(full);
    return { k: 'async', id, t: spec.type };
  }

  private subqueryIn(argAst: Expr, query: SelectStmt, not: boolean, pos: number): BExpr {
    const arg = this.bind(argAst);
    const q = this.host.planSubquery(query, this.scope);
    if (q.columns.length !== 1) throw this.err(SqlState.syntaxError, 'subquery has too many columns', pos);
    const ct = this.comparisonType(arg.t, q.columns[0].type, '=', pos);
    const lhs = this.coerce(arg, ct, 'implicit', pos);
    const plan = q.columns[0].type.oid === ct.oid ? q.plan : castProjection(q, ct);
    return this.addAsync({ kind: 'in', plan, correlated: true, lhs, cmpType: ct, neg: not, type: BOOL }, q);
  }

  private quantified(e: Expr & { kind: 'quantified' }): BExpr {
    const left = this.bind(e.left);
    const op = e.op as CmpOp;
    if ('query' in e.right) {
      const q = this.host.planSubquery(e.right.query, this.scope);
      if (q.columns.length !== 1) throw this.err(SqlState.syntaxError, 'subquery has too many columns', e.pos);
      const ct = this.comparisonType(left.t, q.columns[0].type, op, e.pos);
      const lhs = this.coerce(left, ct, 'implicit', e.pos);
      const plan = q.columns[0].type.oid === ct.oid ? q.plan : castProjection(q, ct);
      if (op === '=' && !e.quantifier.startsWith('all')) return this.addAsync({ kind: 'in', plan, correlated: true, lhs, cmpType: ct, neg: false, type: BOOL }, q);
      return this.addAsync({ kind: 'quant', plan, correlated: true, lhs, op, all: e.quantifier === 'all', cmpType: ct, type: BOOL }, q);
    }
    let arr = this.bind(e.right);
    if (arr.t.oid === Oid.unknown) {
      const lt = left.t.oid === Oid.unknown ? T.text : left.t;
      arr = this.coerce(arr, arrayOf(lt), 'implicit', e.right.pos);
    }
    if (!isArray(arr.t)) throw this.err(SqlState.datatypeMismatch, `op ANY/ALL (array) requires array on right side`, e.pos);
    const ct = this.comparisonType(left.t, elemType(arr.t), op, e.pos);
    return {
      k: 'quant', op, all: e.quantifier === 'all',
      l: this.coerce(left, ct, 'implicit', e.pos),
      arr: this.coerce(arr, arrayOf(ct), 'implicit', e.pos),
      ct, t: BOOL,
    };
  }

  // ---- functions ----

  func(e: Expr & { kind: 'func' }, preBound?: BExpr[]): BExpr {
    const name = funcName(e.name);
    if (e.name.length > 2 || (e.name.length === 2 && e.name[0] !== 'pg_catalog' && e.name[0] !== 'public')) {
      throw this.err(SqlState.undefinedFunction, `function ${e.name.join('.')} does not exist`, e.pos);
    }
    if (e.over) return this.windowCall(name, e, e.over);
    if (isWindowOnlyName(name)) throw this.err(SqlState.wrongObjectType, `window function ${name} requires an OVER clause`, e.pos);
    if (isAggregateName(name) && !preBound) return this.aggregate(name, e);
    if (e.star) throw this.err(SqlState.syntaxError, `${name}(*) specified, but ${name} is not an aggregate function`, e.pos);
    if (e.distinct) throw this.err(SqlState.syntaxError, `DISTINCT specified, but ${name} is not an aggregate function`, e.pos);
    if (e.orderBy) throw this.err(SqlState.syntaxError, `ORDER BY specified, but ${name} is not an aggregate function`, e.pos);
    if (e.filter) throw this.err(SqlState.syntaxError, `FILTER specified, but ${name} is not an aggregate function`, e.pos);
    if (isSrfName(name)) throw this.err(SqlState.featureNotSupported, `set-returning function ${name}() is only supported in FROM or as a whole select-list item`, e.pos);
    const args = preBound ?? e.args.map((a) => this.bind(a));
    switch (name) {
      case 'coalesce': {
        if (args.length === 0) throw this.err(SqlState.syntaxError, 'syntax error at or near ")"', e.pos);
        const t = this.commonType(args, 'COALESCE', e.pos);
        return { k: 'coalesce', args: args.map((a, i) => this.coerce(a, t, 'implicit', e.args[i]?.pos)), t };
      }
      case 'nullif': {
        if (args.length !== 2) throw this.err(SqlState.undefinedFunction, 'function nullif requires two arguments', e.pos);
        const t = args[0].t.oid === Oid.unknown ? nullifType(this.commonType(args, 'NULLIF', e.pos), T.unknown, () => T.text) : nullifType(args[0].t, args[1].t, () => this.comparisonType(args[0].t, args[1].t, '=', e.pos));
        const a = this.coerce(args[0], t, 'implicit', e.pos);
        return { k: 'case', whens: [[this.compare('=', a, args[1], e.pos), { k: 'const', v: null, t }]], else: a, t };
      }
      case 'greatest': case 'least': {
        const t = this.commonType(args, name.toUpperCase(), e.pos);
        return { k: 'call', fn: name, args: args.map((a, i) => this.coerce(a, t, 'implicit', e.args[i]?.pos)), t };
      }
      case 'nextval': {
        if (args.length !== 1) break;
        return this.addAsync({ kind: 'nextval', arg: this.coerce(args[0], T.regclass, 'implicit', e.pos), type: T.int8 });
      }
      case 'pg_sleep': {
        if (args.length !== 1) break;
        return this.addAsync({ kind: 'sleep', arg: this.coerce(args[0], T.float8, 'implicit', e.pos), type: T.void });
      }
      case 'currval': case 'setval': case 'lastval': {
        const target = name === 'setval' ? [T.regclass, T.int8, T.bool] : [T.regclass];
        const bound = args.map((a, i) => this.coerce(a, target[i] ?? T.bool, 'implicit', e.pos));
        return this.addAsync({ kind: 'seqfn', fn: name, args: bound, type: T.int8 });
      }
      case 'extract': case 'date_part': case 'date_trunc':
        if (args.length === 2 && args[1].t.oid === Oid.unknown) args[1] = this.coerce(args[1], T.timestamptz, 'implicit', e.pos);
        break;
    }
    // type names used as functions: int4(x), text(x), numeric(x), date(x)
    if (args.length === 1 && !SIGNATURES.has(name)) {
      try {
        const { type } = resolveTypeName({ names: [name], mods: [], arrayDims: 0, pos: e.pos });
        return this.coerce(args[0], type, 'explicit', e.pos);
      } catch (err) {
        if (!(err instanceof SqlError) || err.code !== SqlState.undefinedObject) throw err;
      }
    }
    const sigs = SIGNATURES.get(name);
    if (!sigs) {
      throw this.err(SqlState.undefinedFunction, `function ${name}(${args.map((a) => formatType(a.t.oid, -1)).join(', ')}) does not exist`, e.pos, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
    }
    const chosen = this.resolveOverload(name, sigs, args, e.pos);
    return this.fold(chosen, e.pos);
  }

  /**
   * PostgreSQL's function resolution (typeconv-func.html): candidates the arguments can
   * reach by implicit casts; then most exact matches; then most preferred types where a
   * conversion is needed; then, for unknown literals, the string category.
   */
  private resolveOverload(name: string, sigs: Signature[], args: BExpr[], pos: number): BExpr {
    const candidates: { sig: Signature; m: Match }[] = [];
    for (const s of sigs) {
      const formal: ArgType[] = [...s.args];
      if (s.variadic !== undefined) while (formal.length < args.length) formal.push(s.variadic);
      if (formal.length !== args.length) continue;
      const m = matchArgs(formal, args);
      if (m) candidates.push({ sig: s, m });
    }
    if (candidates.length === 0) {
      throw this.err(SqlState.undefinedFunction, `function ${name}(${args.map((a) => formatType(a.t.oid, -1)).join(', ')}) does not exist`, pos, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
    }
    const keepMax = (list: typeof candidates, f: (m: Match) => number): typeof candidates => {
      const best = Math.max(...list.map((c) => f(c.m)));
      return list.filter((c) => f(c.m) === best);
    };
    let left = keepMax(candidates, (m) => m.exact);
    left = keepMax(left, (m) => m.preferred);
    // Unknown arguments: the string category if some candidate takes it there; otherwise,
    // when all candidates agree on the category, the ones taking its preferred type.
    args.forEach((a, i) => {
      if (a.t.oid !== Oid.unknown || left.length < 2) return;
      const cats = new Set(left.map((c) => category(c.m.targets[i])));
      if (cats.has('S')) left = left.filter((c) => category(c.m.targets[i]) === 'S');
      else if (cats.size === 1) {
        const pref = left.filter((c) => PREFERRED.has(c.m.targets[i].oid));
        if (pref.length) left = pref;
      }
    });
    const best = left[0];
    const coerced = args.map((a, i) => this.coerce(a, best.m.targets[i], 'implicit', pos));
    const ret = best.sig.ret;
    let t: SqlType;
    if (ret === 'arg0') t = { oid: coerced[0].t.oid, mod: -1 };
    else if (ret === 'elem') t = elemType(coerced[0].t);
    else if (ret === 'array') t = arrayOf(coerced[0].t);
    else if (ret === 'common') t = coerced[0].t;
    else t = ret;
    return { k: 'call', fn: best.sig.id, args: coerced, t };
  }

  private windowCall(name: string, e: Expr & { kind: 'func' }, spec: WindowSpec): BExpr {
    const collector = this.opts.win;
    if (!collector) throw this.err(SqlState.windowingError, `window functions are not allowed in ${this.opts.noAggWhere ?? 'this context'}`, e.pos);
    if (e.distinct || e.orderBy || e.filter) throw this.err(SqlState.featureNotSupported, 'DISTINCT, ORDER BY or FILTER in a window function call is not supported', e.pos);
    let frame: WindowCall['frame'] = spec.orderBy.length ? 'range' : 'all';
    if (spec.frame) {
      const f = spec.frame;
      if (/^(RANGE|ROWS) BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING$/.test(f)) frame = 'all';
      else if (/^RANGE( BETWEEN)? UNBOUNDED PRECEDING( AND CURRENT ROW)?$/.test(f)) frame = spec.orderBy.length ? 'range' : 'all';
      else if (/^ROWS( BETWEEN)? UNBOUNDED PRECEDING( AND CURRENT ROW)?$/.test(f)) frame = 'rows';
      else throw this.err(SqlState.featureNotSupported, `window frame "${f}" is not supported`, spec.pos);
    }
    // Arguments, PARTITION BY and ORDER BY see the same row as the select list (aggregates allowed in grouped queries).
    const inner = new ExprBinder(this.host, this.scope, { agg: this.opts.agg, noAggWhere: this.opts.noAggWhere });
    const post = (x: BExpr): BExpr => (this.opts.agg ? toPostAgg(x, this.opts.agg, e.pos, this.scope) : x);
    const args = e.star ? [] : e.args.map((a) => post(inner.settle(inner.bind(a))));
    const partition = spec.partitionBy.map((p) => post(inner.settle(inner.bind(p))));
    const order = spec.orderBy.map((o) => ({ e: post(inner.settle(inner.bind(o.expr))), desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc }));
    let type: SqlType;
    let agg: AggSpec | undefined;
    const argc = (min: number, max: number): void => {
      if (args.length < min || args.length > max) throw this.err(SqlState.undefinedFunction, `function ${name} with ${args.length} arguments does not exist`, e.pos);
    };
    switch (name) {
      case 'row_number': case 'rank': case 'dense_rank': argc(0, 0); type = T.int8; break;
      case 'percent_rank': case 'cume_dist': argc(0, 0); type = T.float8; break;
      case 'ntile': argc(1, 1); args[0] = inner.coerce(args[0], T.int4, 'implicit', e.pos); type = T.int4; break;
      case 'lag': case 'lead':
        argc(1, 3);
        type = args[0].t;
        if (args[1]) args[1] = inner.coerce(args[1], T.int4, 'implicit', e.pos);
        if (args[2]) args[2] = inner.coerce(args[2], type, 'implicit', e.pos);
        break;
      case 'first_value': case 'last_value': argc(1, 1); type = args[0].t; break;
      case 'nth_value': argc(2, 2); type = args[0].t; args[1] = inner.coerce(args[1], T.int4, 'implicit', e.pos); break;
      default: {
        if (!isAggregateName(name)) throw this.err(SqlState.undefinedFunction, `function ${name} is not a window function`, e.pos);
        const star = e.star || (name === 'count' && args.length === 0);
        type = aggregateType(name, args.map((a) => a.t), star);
        const argTypes = aggregateArgTypes(name, args.map((a) => a.t));
        args.forEach((a, i) => { args[i] = inner.coerce(a, argTypes[i], 'implicit', e.pos); });
        agg = { name, argTypes, ret: type, star, distinct: false };
      }
    }
    const i = collector.calls.push({ name, args, partition, partitionTypes: partition.map((p) => p.t), order, agg, frame, type }) - 1;
    return { k: 'call', fn: `${WIN_MARK}${i}`, args: [], t: type };
  }

  private aggregate(name: string, e: Expr & { kind: 'func' }): BExpr {
    const collector = this.opts.agg;
    if (!collector) {
      throw this.err(SqlState.groupingError, `aggregate functions are not allowed in ${this.opts.noAggWhere ?? 'this context'}`, e.pos);
    }
    // Arguments are bound without aggregates (nested aggregates are an error).
    const inner = new ExprBinder(this.host, this.scope, { noAggWhere: 'aggregate function calls cannot contain aggregate function calls' });
    const star = e.star || (name === 'count' && e.args.length === 0);
    let args = star ? [] : e.args.map((a) => inner.bind(a));
    args = args.map((a) => (a.t.oid === Oid.unknown ? inner.settle(a) : a));
    const ret = aggregateType(name, args.map((a) => a.t), star);
    const argTypes = aggregateArgTypes(name, args.map((a) => a.t));
    args = args.map((a, i) => inner.coerce(a, argTypes[i], 'implicit', e.pos));
    const filter = e.filter ? inner.boolArg(inner.bind(e.filter), 'FILTER', e.filter.pos) : null;
    const orderBy: SortKey[] = (e.orderBy ?? []).map((o) => ({ e: inner.settle(inner.bind(o.expr)), desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc }));
    const spec: AggSpec = { name, argTypes, ret, star, distinct: e.distinct };
    const i = collector.add({ spec, args, filter, orderBy });
    return { k: 'call', fn: `${AGG_MARK}${i}`, args: [], t: ret };
  }
}

type SqlState0 = (typeof SqlState)[keyof typeof SqlState];
type AsyncSpecInput = AsyncSpec extends infer S ? (S extends unknown ? Omit<S, 'id'> : never) : never;

/** The type an unknown operand takes next to a typed one in arithmetic. */
function unknownPeer(t: SqlType): SqlType {
  if (t.oid === Oid.unknown) return T.numeric;
  return { oid: t.oid, mod: -1 };
}

/** Function-id suffix for a type. */
export function typeId(t: SqlType): string {
  switch (t.oid) {
    case Oid.int2: return 'int2';
    case Oid.int4: return 'int4';
    case Oid.int8: return 'int8';
    case Oid.float4: return 'float4';
    case Oid.float8: return 'float8';
    case Oid.numeric: return 'numeric';
    case Oid.interval: return 'interval';
    default: return formatType(t.oid);
  }
}

interface Match {
  targets: SqlType[];
  /** Arguments whose type is exactly the parameter's. */
  exact: number;
  /** Converted arguments whose target is the preferred type of its category (float8, text, ...). */
  preferred: number;
  /** Unknown literals given a string-category parameter. */
  unknownAsText: number;
}

const PREFERRED = new Set<number>([Oid.float8, Oid.text, Oid.timestamptz, Oid.bool, Oid.interval, Oid.oid]);

/** Whether the arguments can reach the parameter types, and how well; undefined when impossible. */
function matchArgs(formal: ArgType[], args: BExpr[]): Match | undefined {
  const m: Match = { targets: [], exact: 0, preferred: 0, unknownAsText: 0 };
  let poly: SqlType | undefined;
  for (let i = 0; i < formal.length; i++) {
    const f = formal[i], a = args[i].t;
    if (f === 'anyarray' && isArray(a)) poly = poly ?? elemType(a);
    if (f === 'anyelement' && a.oid !== Oid.unknown && !poly) poly = { oid: a.oid, mod: -1 };
  }
  for (let i = 0; i < formal.length; i++) {
    const f = formal[i], a = args[i].t;
    if (f === 'any') {
      m.targets.push(a.oid === Oid.unknown ? T.text : a);
      m.exact++;
      continue;
    }
    if (f === 'anyarray') {
      if (a.oid === Oid.unknown) {
        if (!poly) return undefined;
        m.targets.push(arrayOf(poly));
        continue;
      }
      if (!isArray(a)) return undefined;
      m.targets.push(a);
      m.exact++;
      continue;
    }
    if (f === 'anyelement' || f === 'anycompatible') {
      const t = poly ?? T.text;
      if (a.oid === t.oid) m.exact++;
      else if (a.oid !== Oid.unknown && !castConverter(a, t, 'implicit')) return undefined;
      m.targets.push(t);
      continue;
    }
    const ft: SqlType = { oid: f, mod: -1 };
    m.targets.push(ft);
    if (a.oid === f) {
      m.exact++;
      continue;
    }
    if (a.oid === Oid.unknown) {
      if (category(ft) === 'S') m.unknownAsText++;
      continue;
    }
    if (!(isTextLike(a.oid) && isTextLike(f)) && !castConverter(a, ft, 'implicit')) return undefined;
    if (PREFERRED.has(f)) m.preferred++;
  }
  return m;
}

/** Wraps a subquery's plan so its single column has type `t`. */
function castProjection(q: PlannedQuery, t: SqlType): PlannedQuery['plan'] {
  const from = q.columns[0].type;
  return { node: 'project', input: q.plan, exprs: [{ k: 'cast', e: { k: 'col', i: 0, t: from }, t, mode: 'implicit' }], width: 1 };
}

export { mapExpr };
export type { SqlValue };

/**
 * NULLIF(a, b) returns a converted to the left input type of the `=` operator PostgreSQL
 * picks for (a, b): a's own type where a cross-type operator exists (integers, floats,
 * date/timestamp, name = text), text for varchar (it has no `=` of its own), else the
 * common comparison type (int = numeric compares as numeric, numeric = float8 as float8).
 */
function nullifType(l: SqlType, r: SqlType, comparison: () => SqlType): SqlType {
  const dt = (o: number): boolean => o === Oid.date || o === Oid.timestamp || o === Oid.timestamptz;
  const float = (o: number): boolean => o === Oid.float4 || o === Oid.float8;
  if (r.oid === Oid.unknown) return l.oid === Oid.varchar ? T.text : l;
  if (isIntegerType(l.oid) && isIntegerType(r.oid)) return l;
  if (float(l.oid) && float(r.oid)) return l;
  if (dt(l.oid) && dt(r.oid)) return l;
  if (isTextLike(l.oid) && isTextLike(r.oid)) {
    if (l.oid === Oid.name) return l;
    if (l.oid === Oid.bpchar && r.oid === Oid.bpchar) return l;
    return T.text;
  }
  return comparison();
}
