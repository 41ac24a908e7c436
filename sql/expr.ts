// Bound expressions: typed, name-resolved, plain data. A WHERE clause pushed down to a
// shard travels as this tree inside a procedure's arguments (msgpackr), so nodes hold
// only data; code is looked up by name (function ids) where the tree is compiled.
// compile() turns a tree into a closure over a row: the hot path of every executor.

import { SqlError, SqlState } from './errors.js';
import { FUNCTIONS, type EvalCtx } from './functions.js';
import { castConverter, castError, comparator, type CastMode, type Comparator, type SqlValue } from './values.js';
import { formatType, Oid, type SqlType } from './types.js';

export type Row = SqlValue[];

export type CmpOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type BExpr =
  | { k: 'const'; v: SqlValue; t: SqlType }
  /** 0-based parameter slot. */
  | { k: 'param'; i: number; t: SqlType }
  /** Column i of the current row. */
  | { k: 'col'; i: number; t: SqlType }
  /** Column i of the row `level` queries out (1 = the directly enclosing query). */
  | { k: 'outer'; level: number; i: number; t: SqlType }
  | { k: 'call'; fn: string; args: BExpr[]; t: SqlType }
  | { k: 'cast'; e: BExpr; t: SqlType; mode: CastMode }
  | { k: 'cmp'; op: CmpOp; l: BExpr; r: BExpr; ct: SqlType; t: SqlType }
  | { k: 'and'; args: BExpr[]; t: SqlType }
  | { k: 'or'; args: BExpr[]; t: SqlType }
  | { k: 'not'; e: BExpr; t: SqlType }
  | { k: 'isnull'; e: BExpr; neg: boolean; t: SqlType }
  /** IS [NOT] TRUE / FALSE / UNKNOWN */
  | { k: 'istruth'; e: BExpr; value: boolean | null; neg: boolean; t: SqlType }
  | { k: 'distinct'; l: BExpr; r: BExpr; ct: SqlType; neg: boolean; t: SqlType }
  | { k: 'case'; whens: [BExpr, BExpr][]; else: BExpr | null; t: SqlType }
  | { k: 'coalesce'; args: BExpr[]; t: SqlType }
  | { k: 'in'; e: BExpr; list: BExpr[]; ct: SqlType; neg: boolean; t: SqlType }
  /** left op ANY/ALL (array) */
  | { k: 'quant'; op: CmpOp; all: boolean; l: BExpr; arr: BExpr; ct: SqlType; t: SqlType }
  | { k: 'array'; elems: BExpr[]; t: SqlType }
  /** Value computed asynchronously per row before the synchronous part runs (subqueries, nextval). */
  | { k: 'async'; id: number; t: SqlType };

export const BOOL: SqlType = { oid: Oid.bool, mod: -1 };

export type Compiled = (row: Row, ctx: EvalCtx) => SqlValue;

function truthy(v: SqlValue): boolean {
  return v === true;
}

export function compare(op: CmpOp, c: number): boolean {
  switch (op) {
    case '=': return c === 0;
    case '<>': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
  }
}

/** Compiles a bound expression into a closure. */
export function compile(e: BExpr): Compiled {
  switch (e.k) {
    case 'const': {
      const v = e.v;
      return () => v;
    }
    case 'param': {
      const i = e.i;
      return (_r, ctx) => ctx.params[i] ?? null;
    }
    case 'col': {
      const i = e.i;
      return (r) => r[i];
    }
    case 'outer': {
      const lvl = e.level - 1, i = e.i;
      return (_r, ctx) => ctx.outer[lvl][i];
    }
    case 'async': {
      const id = e.id;
      return (_r, ctx) => ctx.async[id];
    }
    case 'call': {
      const def = FUNCTIONS.get(e.fn);
      if (!def) throw new Error(`bug: unknown function implementation ${e.fn}`);
      const args = e.args.map(compile);
      const impl = def.impl;
      const strict = def.strict !== false;
      const rt = e.t;
      const argTypes = e.args.map((a) => a.t);
      if (args.length === 1) {
        const a0 = args[0];
        return strict
          ? (r, ctx) => {
            const v = a0(r, ctx);
            return v === null ? null : impl([v], ctx, rt, argTypes);
          }
          : (r, ctx) => impl([a0(r, ctx)], ctx, rt, argTypes);
      }
      if (args.length === 2) {
        const [a0, a1] = args;
        return strict
          ? (r, ctx) => {
            const x = a0(r, ctx);
            if (x === null) return null;
            const y = a1(r, ctx);
            return y === null ? null : impl([x, y], ctx, rt, argTypes);
          }
          : (r, ctx) => impl([a0(r, ctx), a1(r, ctx)], ctx, rt, argTypes);
      }
      return (r, ctx) => {
        const vals = args.map((a) => a(r, ctx));
        if (strict && vals.some((v) => v === null)) return null;
        return impl(vals, ctx, rt, argTypes);
      };
    }
    case 'cast': {
      const inner = compile(e.e);
      const conv = castConverter(e.e.t, e.t, e.mode);
      if (!conv) throw castError(e.e.t, e.t);
      return (r, ctx) => {
        const v = inner(r, ctx);
        return v === null ? null : conv(v, ctx.catalog);
      };
    }
    case 'cmp': {
      const l = compile(e.l), rr = compile(e.r);
      const cmp = fastComparator(e.ct);
      const op = e.op;
      return (r, ctx) => {
        const a = l(r, ctx);
        if (a === null) return null;
        const b = rr(r, ctx);
        if (b === null) return null;
        return compare(op, cmp(a, b));
      };
    }
    case 'and': {
      const args = e.args.map(compile);
      return (r, ctx) => {
        let sawNull = false;
        for (const a of args) {
          const v = a(r, ctx);
          if (v === false) return false;
          if (v === null) sawNull = true;
        }
        return sawNull ? null : true;
      };
    }
    case 'or': {
      const args = e.args.map(compile);
      return (r, ctx) => {
        let sawNull = false;
        for (const a of args) {
          const v = a(r, ctx);
          if (v === true) return true;
          if (v === null) sawNull = true;
        }
        return sawNull ? null : false;
      };
    }
    case 'not': {
      const a = compile(e.e);
      return (r, ctx) => {
        const v = a(r, ctx);
        return v === null ? null : !v;
      };
    }
    case 'isnull': {
      const a = compile(e.e);
      const neg = e.neg;
      return (r, ctx) => (a(r, ctx) === null) !== neg;
    }
    case 'istruth': {
      const a = compile(e.e);
      const { value, neg } = e;
      return (r, ctx) => (a(r, ctx) === value) !== neg;
    }
    case 'distinct': {
      const l = compile(e.l), rr = compile(e.r);
      const cmp = fastComparator(e.ct);
      const neg = e.neg;
      return (r, ctx) => {
        const a = l(r, ctx), b = rr(r, ctx);
        let distinct: boolean;
        if (a === null || b === null) distinct = (a === null) !== (b === null);
        else distinct = cmp(a, b) !== 0;
        return distinct !== neg;
      };
    }
    case 'case': {
      const whens = e.whens.map(([w, t]) => [compile(w), compile(t)] as const);
      const els = e.else ? compile(e.else) : () => null;
      return (r, ctx) => {
        for (const [w, t] of whens) if (truthy(w(r, ctx))) return t(r, ctx);
        return els(r, ctx);
      };
    }
    case 'coalesce': {
      const args = e.args.map(compile);
      return (r, ctx) => {
        for (const a of args) {
          const v = a(r, ctx);
          if (v !== null) return v;
        }
        return null;
      };
    }
    case 'in': {
      const a = compile(e.e);
      const list = e.list.map(compile);
      const cmp = fastComparator(e.ct);
      const neg = e.neg;
      return (r, ctx) => {
        const v = a(r, ctx);
        if (v === null) return null;
        let sawNull = false;
        for (const x of list) {
          const w = x(r, ctx);
          if (w === null) sawNull = true;
          else if (cmp(v, w) === 0) return !neg;
        }
        return sawNull ? null : neg;
      };
    }
    case 'quant': {
      const l = compile(e.l), arr = compile(e.arr);
      const cmp = fastComparator(e.ct);
      const { op, all } = e;
      return (r, ctx) => {
        const v = l(r, ctx);
        const a = arr(r, ctx) as SqlValue[] | null;
        if (a === null) return null;
        if (a.length === 0) return all;
        if (v === null) return null;
        let sawNull = false;
        for (const w of a) {
          if (w === null) {
            sawNull = true;
            continue;
          }
          const ok = compare(op, cmp(v, w));
          if (all && !ok) return false;
          if (!all && ok) return true;
        }
        return sawNull ? null : all;
      };
    }
    case 'array': {
      const elems = e.elems.map(compile);
      return (r, ctx) => elems.map((x) => x(r, ctx));
    }
    default: {
      const never: never = e;
      throw new Error(`bug: unknown expression ${JSON.stringify(never)}`);
    }
  }
}

/** Comparator with fast paths for the common scalar types. */
export function fastComparator(t: SqlType): Comparator {
  switch (t.oid) {
    case Oid.int2: case Oid.int4: case Oid.int8: case Oid.date: case Oid.timestamp: case Oid.timestamptz:
    case Oid.oid: case Oid.text: case Oid.varchar: case Oid.name: case Oid.uuid: case Oid.char:
    case Oid.regclass: case Oid.regtype: case Oid.regnamespace:
      return (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
    default:
      return comparator(t);
  }
}

/** Compiles a predicate: true only when the expression is TRUE (not NULL). */
export function compilePredicate(e: BExpr): (row: Row, ctx: EvalCtx) => boolean {
  const f = compile(e);
  return (r, ctx) => f(r, ctx) === true;
}

// ---- tree utilities ----

/** Calls fn on every node (pre-order). */
export function walk(e: BExpr, fn: (x: BExpr) => void): void {
  fn(e);
  switch (e.k) {
    case 'call': case 'and': case 'or': case 'coalesce': for (const a of e.args) walk(a, fn); break;
    case 'cast': case 'not': case 'isnull': case 'istruth': walk(e.e, fn); break;
    case 'cmp': case 'distinct': walk(e.l, fn); walk(e.r, fn); break;
    case 'case':
      for (const [w, t] of e.whens) {
        walk(w, fn);
        walk(t, fn);
      }
      if (e.else) walk(e.else, fn);
      break;
    case 'in': walk(e.e, fn); for (const a of e.list) walk(a, fn); break;
    case 'quant': walk(e.l, fn); walk(e.arr, fn); break;
    case 'array': for (const a of e.elems) walk(a, fn); break;
    default: break;
  }
}

/** Rebuilds a tree bottom-up; fn may replace any node. */
export function mapExpr(e: BExpr, fn: (x: BExpr) => BExpr): BExpr {
  let out: BExpr;
  switch (e.k) {
    case 'call': out = { ...e, args: e.args.map((a) => mapExpr(a, fn)) }; break;
    case 'and': case 'or': out = { ...e, args: e.args.map((a) => mapExpr(a, fn)) }; break;
    case 'coalesce': out = { ...e, args: e.args.map((a) => mapExpr(a, fn)) }; break;
    case 'cast': out = { ...e, e: mapExpr(e.e, fn) }; break;
    case 'not': out = { ...e, e: mapExpr(e.e, fn) }; break;
    case 'isnull': out = { ...e, e: mapExpr(e.e, fn) }; break;
    case 'istruth': out = { ...e, e: mapExpr(e.e, fn) }; break;
    case 'cmp': out = { ...e, l: mapExpr(e.l, fn), r: mapExpr(e.r, fn) }; break;
    case 'distinct': out = { ...e, l: mapExpr(e.l, fn), r: mapExpr(e.r, fn) }; break;
    case 'case': out = { ...e, whens: e.whens.map(([w, t]) => [mapExpr(w, fn), mapExpr(t, fn)] as [BExpr, BExpr]), else: e.else ? mapExpr(e.else, fn) : null }; break;
    case 'in': out = { ...e, e: mapExpr(e.e, fn), list: e.list.map((a) => mapExpr(a, fn)) }; break;
    case 'quant': out = { ...e, l: mapExpr(e.l, fn), arr: mapExpr(e.arr, fn) }; break;
    case 'array': out = { ...e, elems: e.elems.map((a) => mapExpr(a, fn)) }; break;
    default: out = e;
  }
  return fn(out);
}

export function usesColumns(e: BExpr): boolean {
  let found = false;
  walk(e, (x) => {
    if (x.k === 'col') found = true;
  });
  return found;
}

export function columnsUsed(e: BExpr, into = new Set<number>()): Set<number> {
  walk(e, (x) => {
    if (x.k === 'col') into.add(x.i);
  });
  return into;
}

export function hasAsync(e: BExpr): boolean {
  let found = false;
  walk(e, (x) => {
    if (x.k === 'async') found = true;
  });
  return found;
}

export function asyncIds(e: BExpr, into: Set<number> = new Set()): Set<number> {
  walk(e, (x) => {
    if (x.k === 'async') into.add(x.id);
  });
  return into;
}

export function hasOuter(e: BExpr): boolean {
  let found = false;
  walk(e, (x) => {
    if (x.k === 'outer') found = true;
  });
  return found;
}

/** True when the expression can run inside a shard: no async nodes, no session-only functions over columns. */
export function isShippable(e: BExpr): boolean {
  let ok = true;
  walk(e, (x) => {
    if (x.k === 'async' || x.k === 'outer') ok = false;
    if (x.k === 'call') {
      const def = FUNCTIONS.get(x.fn);
      if (!def || def.session) ok = false;
    }
    if (x.k === 'cast' && (x.t.oid === Oid.regclass || x.t.oid === Oid.regnamespace || x.e.t.oid === Oid.regclass || x.e.t.oid === Oid.regnamespace)) ok = false;
  });
  return ok;
}

/** Splits a predicate into its AND-ed conjuncts. */
export function conjuncts(e: BExpr | null | undefined): BExpr[] {
  if (!e) return [];
  if (e.k === 'and') return e.args.flatMap(conjuncts);
  return [e];
}

export function andAll(list: BExpr[]): BExpr | null {
  if (list.length === 0) return null;
  if (list.length === 1) return list[0];
  return { k: 'and', args: list, t: BOOL };
}

/** Shifts column references (used when a row layout is concatenated). */
export function shiftColumns(e: BExpr, by: number): BExpr {
  if (by === 0) return e;
  return mapExpr(e, (x) => (x.k === 'col' ? { ...x, i: x.i + by } : x));
}

/** Remaps column references through `map` (old index -> new index). */
export function remapColumns(e: BExpr, map: (i: number) => number): BExpr {
  return mapExpr(e, (x) => (x.k === 'col' ? { ...x, i: map(x.i) } : x));
}

/** Structural equality (GROUP BY matching). */
export function sameExpr(a: BExpr, b: BExpr): boolean {
  return JSON.stringify(a, bigintSafe) === JSON.stringify(b, bigintSafe);
}

function bigintSafe(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `b:${Buffer.from(v).toString('hex')}`;
  return v;
}

/** Replaces params, outer references and session functions with constants so a shard can evaluate the tree. */
export function specialize(e: BExpr, ctx: EvalCtx): BExpr {
  return mapExpr(e, (x) => {
    if (x.k === 'param') return { k: 'const', v: ctx.params[x.i] ?? null, t: x.t };
    if (x.k === 'outer') return { k: 'const', v: ctx.outer[x.level - 1][x.i], t: x.t };
    if (x.k === 'async') return { k: 'const', v: ctx.async[x.id], t: x.t };
    if (x.k === 'call') {
      const def = FUNCTIONS.get(x.fn);
      if (def?.session && !def.volatile && x.args.every((a) => a.k === 'const')) return { k: 'const', v: compile(x)([], ctx), t: x.t };
    }
    return x;
  });
}

export function constValue(e: BExpr): SqlValue | undefined {
  return e.k === 'const' ? e.v : undefined;
}

export function assertBool(e: BExpr, what: string, pos?: number): void {
  if (e.t.oid !== Oid.bool && e.t.oid !== Oid.unknown) {
    throw new SqlError(SqlState.datatypeMismatch, `argument of ${what} must be type boolean, not type ${typeNameOf(e.t)}`, { position: pos === undefined ? undefined : pos + 1 });
  }
}

function typeNameOf(t: SqlType): string {
  return formatType(t.oid, t.mod);
}
