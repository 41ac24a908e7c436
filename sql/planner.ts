// Query planning: binds a SELECT (binder.ts) and builds its physical plan (plan.ts).
//   - WHERE and inner-join ON conjuncts are pushed to the FROM leaf they reference;
//   - a table leaf picks its access path from its conjuncts: point read, a list of
//     point reads (IN, small integer ranges), a clustering-key range inside one
//     partition, or a shard-parallel scan with the shippable conjuncts pushed down
//     (DESIGN.md §2 "Point lookups and partition-range reads go straight to the owning
//     shard; other predicates scan shards in parallel with the filter pushed down");
//   - every conjunct is also re-checked in the session, so a narrower access path can
//     only ever save work, never change an answer;
//   - equi-joins build a hash table of the right side, or look the right row up by its
//     key when the join binds the right table's whole primary key.

import type { Cte, Expr, FromItem, OrderItem, QueryBody, SelectCore, SelectStmt, Target } from './ast.js';
import { AggCollector, ExprBinder, funcName, isSrfName, Params, Scope, toPostAgg, WindowCollector, windowIndex, type BinderHost, type RelColumn } from './binder.js';
import { isAggregateName } from './aggregates.js';
import { SqlError, SqlState, undefinedTable, unsupported } from './errors.js';
import {
  andAll, asyncIds, BOOL, columnsUsed, conjuncts, hasAsync, isShippable, mapExpr, sameExpr, shiftColumns, walk, type BExpr,
} from './expr.js';
import type { EvalCtx } from './functions.js';
import type { Access, AsyncSpec, Bound, OutputColumn, Plan, PlannedQuery, SortKey } from './plan.js';
import { virtualTable, type VirtualTable } from './pgcatalog.js';
import { relationName, type SqlTable } from './schema.js';
import { arrayOf, elemType, isArray, isIntegerType, isTextLike, Oid, T, type SqlType } from './types.js';

export interface PlannerEnv {
  /** A SQL table by name (public schema), or undefined. */
  table(name: string): SqlTable | undefined;
  /** Constant-folding context (clock, catalog lookups). */
  foldCtx: EvalCtx;
}

interface CteDef {
  id: number;
  plan: Plan;
  columns: OutputColumn[];
  /** The work table of a recursive CTE being planned: read directly, never cached. */
  worktable?: boolean;
}

interface Leaf {
  plan: Plan;
  offset: number;
  width: number;
  /** A base table leaf: its access path is chosen from the pushed conjuncts. */
  table?: SqlTable;
  virtual?: VirtualTable;
  /** Leaf-local conjuncts pushed down. */
  pushed: BExpr[];
  lateral: boolean;
}

interface Step {
  kind: 'first' | 'inner' | 'cross' | 'left' | 'right' | 'full';
  leaves: number[];
  on: BExpr[];
}


export class Planner implements BinderHost {
  readonly params: Params;
  readonly asyncs: AsyncSpec[] = [];
  readonly foldCtx: EvalCtx;
  private readonly cteFrames: Map<string, CteDef>[] = [];
  private nextCteId = 0;

  constructor(readonly env: PlannerEnv, paramTypes: number[], paramCount: number) {
    this.params = new Params(paramTypes, paramCount);
    this.foldCtx = env.foldCtx;
  }

  // ---- BinderHost ----

  planSubquery(stmt: SelectStmt, scope: Scope): PlannedQuery {
    return this.planSelect(stmt, scope);
  }

  isCorrelated(q: PlannedQuery): boolean {
    return this.outerDepth(q.plan, 1) > 0;
  }

  /** Whether any expression in `plan` reaches `depth` or more queries out. */
  private outerDepth(plan: Plan, depth: number): number {
    let found = 0;
    const seen = new Set<number>();
    const visitExpr = (e: BExpr, d: number): void => {
      walk(e, (x) => {
        if (x.k === 'outer' && x.level >= d) found = 1;
        if (x.k === 'async' && !seen.has(x.id)) {
          seen.add(x.id);
          const spec = this.asyncs[x.id];
          if (spec && 'plan' in spec) visitPlan(spec.plan, d + 1);
          if (spec && 'lhs' in spec) visitExpr(spec.lhs, d);
          if (spec && 'arg' in spec) visitExpr(spec.arg, d);
        }
      });
    };
    const visitPlan = (p: Plan, d: number): void => {
      forEachExpr(p, (e, extra) => visitExpr(e, d + extra));
      forEachChild(p, (c, extra) => visitPlan(c, d + extra));
      if (p.node === 'async') for (const s of p.specs) {
        if ('plan' in s) visitPlan(s.plan, d + 1);
        if ('lhs' in s) visitExpr(s.lhs, d);
      }
    };
    visitPlan(plan, depth);
    return found;
  }

  // ---- SELECT ----

  planSelect(stmt: SelectStmt, parent?: Scope): PlannedQuery {
    if (stmt.with) this.pushCtes(stmt.with.ctes, stmt.with.recursive, parent);
    try {
      let q: PlannedQuery;
      if (stmt.body.kind === 'core') q = this.planCore(stmt.body, stmt, parent);
      else {
        q = this.planBody(stmt.body, parent);
        q = this.orderAndLimit(q, stmt, parent);
      }
      if (stmt.locking && stmt.body.kind !== 'core') throw unsupported('FOR UPDATE on this query');
      return q;
    } finally {
      if (stmt.with) this.cteFrames.pop();
    }
  }

  private pushCtes(ctes: Cte[], recursive: boolean, parent?: Scope): void {
    const frame = new Map<string, CteDef>();
    this.cteFrames.push(frame);
    for (const cte of ctes) {
      if (recursive && referencesName(cte.query, cte.name)) {
        frame.set(cte.name, this.planRecursiveCte(cte, frame, parent));
        continue;
      }
      const q = this.planSelect(cte.query, parent);
      let columns = q.columns;
      if (cte.columns) {
        if (cte.columns.length > columns.length) throw new SqlError(SqlState.invalidColumnReference, `WITH query "${cte.name}" has ${columns.length} columns available but ${cte.columns.length} columns specified`, { position: cte.pos + 1 });
        columns = columns.map((c, i) => (i < cte.columns!.length ? { ...c, name: cte.columns![i] } : c));
      }
      frame.set(cte.name, { id: this.nextCteId++, plan: q.plan, columns });
    }
  }

  /** WITH RECURSIVE name AS (non-recursive term UNION [ALL] recursive term). */
  private planRecursiveCte(cte: Cte, frame: Map<string, CteDef>, parent?: Scope): CteDef {
    const body = cte.query.body;
    const bad = (): SqlError => new SqlError(SqlState.invalidRecursion, `recursive query "${cte.name}" does not have the form non-recursive-term UNION [ALL] recursive-term`, { position: cte.pos + 1 });
    if (body.kind !== 'setop' || body.op !== 'union') throw bad();
    if (cte.query.orderBy.length || cte.query.limit || cte.query.offset || cte.query.with) throw unsupported('ORDER BY, LIMIT or WITH inside a recursive query', cte.pos + 1);
    const init = this.planBody(body.left, parent);
    let columns = init.columns;
    if (cte.columns) {
      if (cte.columns.length !== columns.length) throw new SqlError(SqlState.invalidColumnReference, `WITH query "${cte.name}" has ${columns.length} columns available but ${cte.columns.length} columns specified`, { position: cte.pos + 1 });
      columns = columns.map((c, i) => ({ ...c, name: cte.columns![i], tableOid: 0, attnum: 0 }));
    }
    const types = columns.map((c) => (c.type.oid === Oid.unknown ? T.text : c.type));
    const wtId = this.nextCteId++;
    frame.set(cte.name, { id: wtId, plan: { node: 'worktable', id: wtId, width: columns.length }, columns: columns.map((c, i) => ({ ...c, type: types[i] })), worktable: true });
    const step = this.planBody(body.right, parent);
    if (step.columns.length !== columns.length) throw new SqlError(SqlState.syntaxError, 'each UNION query must have the same number of columns', { position: body.pos + 1 });
    const binder = new ExprBinder(this, new Scope(parent));
    const fix = (q: PlannedQuery): Plan => {
      if (q.columns.every((c, i) => c.type.oid === types[i].oid)) return q.plan;
      const exprs = q.columns.map((c, i) => binder.coerce({ k: 'col', i, t: c.type }, types[i], 'assignment', body.pos));
      return { node: 'project', input: q.plan, exprs, width: exprs.length };
    };
    const plan: Plan = { node: 'recursive', id: wtId, init: fix(init), step: fix(step), all: body.all, types, width: types.length };
    return { id: this.nextCteId++, plan, columns: columns.map((c, i) => ({ ...c, type: types[i] })) };
  }

  private findCte(name: string): CteDef | undefined {
    for (let i = this.cteFrames.length - 1; i >= 0; i--) {
      const c = this.cteFrames[i].get(name);
      if (c) return c;
    }
    return undefined;
  }

  /** VALUES, set operations and parenthesized queries (ORDER BY applied by the caller). */
  private planBody(body: QueryBody, parent?: Scope): PlannedQuery {
    switch (body.kind) {
      case 'core': return this.planCore(body, undefined, parent);
      case 'nested': return this.planSelect(body.query, parent);
      case 'values': return this.planValues(body.rows, parent, body.pos);
      case 'setop': {
        const l = this.planBody(body.left, parent);
        const r = this.planBody(body.right, parent);
        if (l.columns.length !== r.columns.length) {
          throw new SqlError(SqlState.syntaxError, `each ${body.op.toUpperCase()} query must have the same number of columns`, { position: body.pos + 1 });
        }
        const binder = new ExprBinder(this, new Scope(parent));
        const types = l.columns.map((c, i) => {
          const lt = c.type, rt = r.columns[i].type;
          return binder.commonType([{ k: 'const', v: null, t: lt }, { k: 'const', v: null, t: rt }], body.op.toUpperCase(), body.pos);
        });
        const fix = (q: PlannedQuery): Plan => {
          if (q.columns.every((c, i) => c.type.oid === types[i].oid)) return q.plan;
          const exprs = q.columns.map((c, i) => binder.coerce({ k: 'col', i, t: c.type }, types[i], 'implicit', body.pos));
          return { node: 'project', input: q.plan, exprs, width: exprs.length };
        };
        const columns = l.columns.map((c, i) => ({ name: c.name, type: types[i], tableOid: 0, attnum: 0 }));
        return { plan: { node: 'setop', op: body.op, all: body.all, left: fix(l), right: fix(r), types, width: types.length }, columns, asyncs: this.asyncs };
      }
    }
  }

  private planValues(rows: Expr[][], parent: Scope | undefined, pos: number): PlannedQuery {
    const width = rows[0].length;
    for (const r of rows) {
      if (r.length !== width) throw new SqlError(SqlState.syntaxError, 'VALUES lists must all be the same length', { position: (r[0]?.pos ?? pos) + 1 });
    }
    const binder = new ExprBinder(this, new Scope(parent), { noAggWhere: 'VALUES' });
    const bound = rows.map((r) => r.map((e) => {
      if (e.kind === 'default') throw new SqlError(SqlState.syntaxError, 'DEFAULT is not allowed in this context', { position: e.pos + 1 });
      return binder.bind(e);
    }));
    const types = Array.from({ length: width }, (_, c) => binder.commonType(bound.map((r) => r[c]), 'VALUES', pos));
    const coerced = bound.map((r, ri) => r.map((e, c) => binder.coerce(e, types[c], 'implicit', rows[ri][c].pos)));
    const columns = types.map((t, i) => ({ name: `column${i + 1}`, type: t, tableOid: 0, attnum: 0 }));
    return { plan: { node: 'values', rows: coerced, width }, columns, asyncs: this.asyncs };
  }

  /** ORDER BY / LIMIT over the output columns of a non-core body. */
  private orderAndLimit(q: PlannedQuery, stmt: SelectStmt, parent?: Scope): PlannedQuery {
    let plan = q.plan;
    if (stmt.orderBy.length) {
      const scope = new Scope(parent);
      scope.addRel('*SELECT*', q.columns.map((c) => ({ name: c.name, type: c.type, hidden: false, tableOid: 0, attnum: 0 })), 0);
      const binder = new ExprBinder(this, scope);
      const keys: SortKey[] = stmt.orderBy.map((o) => {
        const ord = ordinal(o.expr, q.columns.length);
        const e = ord !== undefined ? { k: 'col' as const, i: ord, t: q.columns[ord].type } : binder.settle(binder.bind(o.expr));
        if (hasAsync(e)) throw unsupported('subqueries in ORDER BY of a set operation');
        return { e, desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc };
      });
      plan = { node: 'sort', input: plan, keys, limit: null, offset: null, width: plan.width };
    }
    plan = this.applyLimit(plan, stmt, parent);
    return { ...q, plan };
  }

  private applyLimit(plan: Plan, stmt: SelectStmt, parent?: Scope): Plan {
    if (!stmt.limit && !stmt.offset) return plan;
    const binder = new ExprBinder(this, new Scope(parent), { noAggWhere: 'LIMIT' });
    const lim = stmt.limit ? binder.coerce(binder.bind(stmt.limit), T.int8, 'implicit', stmt.limit.pos) : null;
    const off = stmt.offset ? binder.coerce(binder.bind(stmt.offset), T.int8, 'implicit', stmt.offset.pos) : null;
    if ((lim && hasAsync(lim)) || (off && hasAsync(off))) throw unsupported('subqueries in LIMIT/OFFSET');
    if (plan.node === 'sort' && plan.limit === null) plan = indexOrder({ ...plan, limit: lim, offset: off });
    return { node: 'limit', input: plan, limit: lim, offset: off, width: plan.width };
  }

  // ---- the core SELECT ----

  private planCore(core: SelectCore, stmt: SelectStmt | undefined, parent?: Scope): PlannedQuery {
    const scope = new Scope(parent);
    let plan: Plan;
    if (core.from.length === 0) {
      plan = { node: 'result', width: 0 };
      if (core.where) {
        const w = new ExprBinder(this, scope, { noAggWhere: 'WHERE' });
        const pred = w.boolArg(w.bind(core.where), 'WHERE', core.where.pos);
        plan = this.filter(plan, [pred]);
      }
    } else {
      plan = this.planFrom(core.from, core.where, scope);
    }

    const orderBy = stmt?.orderBy ?? [];
    const grouped = core.groupBy.length > 0 || !!core.having || hasAggregates(core.targets.map((t) => t.expr)) || (core.having !== undefined) || hasAggregates(orderBy.map((o) => o.expr));
    let collector: AggCollector | undefined;
    if (grouped) {
      const plainBinder = new ExprBinder(this, scope, { noAggWhere: 'GROUP BY' });
      const groups = core.groupBy.map((g) => {
        const ord = ordinal(g, core.targets.length, 'GROUP BY');
        let ast = g;
        if (ord !== undefined) ast = core.targets[ord].expr;
        else if (g.kind === 'column' && g.parts.length === 1 && !scopeHasColumn(scope, g.parts[0])) {
          const t = core.targets.find((x) => x.alias === g.parts[0]);
          if (t) ast = t.expr;
        }
        if (ast.kind === 'star') throw new SqlError(SqlState.syntaxError, 'GROUP BY * is not supported', { position: g.pos + 1 });
        return plainBinder.settle(plainBinder.bind(ast));
      });
      collector = new AggCollector(groups);
    }

    // select list
    const win = new WindowCollector();
    const outBinder = new ExprBinder(this, scope, collector ? { agg: collector, win } : { noAggWhere: 'this context', win });
    const exprs: BExpr[] = [];
    const columns: OutputColumn[] = [];
    let srf: { index: number; fn: string; args: BExpr[] } | undefined;
    for (const target of core.targets) {
      if (target.expr.kind === 'star') {
        for (const c of this.expandStar(scope, target.expr.table, target.pos)) {
          exprs.push(c.expr);
          columns.push(c.out);
        }
        continue;
      }
      if (target.expr.kind === 'func' && isSrfName(funcName(target.expr.name)) && !target.expr.over) {
        if (srf) throw unsupported('more than one set-returning function in a select list', target.pos + 1);
        if (collector) throw unsupported('set-returning functions in a grouped query', target.pos + 1);
        const s = this.bindSrf(target.expr, new ExprBinder(this, scope));
        srf = { index: exprs.length, fn: s.fn, args: s.args };
        exprs.push({ k: 'const', v: null, t: s.columns[0].type });
        columns.push({ name: target.alias ?? s.name, type: s.columns[0].type, tableOid: 0, attnum: 0 });
        continue;
      }
      let e = outBinder.settle(outBinder.bind(target.expr));
      if (collector) e = toPostAgg(e, collector, target.pos, scope);
      exprs.push(e);
      columns.push(this.outputColumn(target, e, scope));
    }

    let havingPred: BExpr | undefined;
    if (collector && core.having) {
      const hb = new ExprBinder(this, scope, { agg: collector });
      havingPred = toPostAgg(hb.boolArg(hb.bind(core.having), 'HAVING', core.having.pos), collector, core.having.pos, scope);
    }

    // ORDER BY: output columns by ordinal or name, else extra hidden expressions
    const visible = exprs.length;
    const sortKeys: SortKey[] = [];
    for (const o of orderBy) {
      const idx = this.orderTarget(o, core.targets, columns, visible, scope);
      if (idx !== undefined) {
        sortKeys.push({ e: { k: 'col', i: idx, t: exprs[idx].t }, desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc });
        continue;
      }
      let e = outBinder.settle(outBinder.bind(o.expr));
      if (collector) e = toPostAgg(e, collector, o.expr.pos, scope);
      const same = exprs.findIndex((x) => sameExpr(x, e));
      if (same >= 0) {
        sortKeys.push({ e: { k: 'col', i: same, t: e.t }, desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc });
        continue;
      }
      if (core.distinct === true) throw new SqlError(SqlState.invalidColumnReference, 'for SELECT DISTINCT, ORDER BY expressions must appear in select list', { position: o.expr.pos + 1 });
      exprs.push(e);
      sortKeys.push({ e: { k: 'col', i: exprs.length - 1, t: e.t }, desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc });
    }
    // DISTINCT ON keys
    let distinctKeys: BExpr[] | undefined;
    if (Array.isArray(core.distinct)) {
      distinctKeys = core.distinct.map((d) => {
        const idx = this.orderTarget({ expr: d, desc: false }, core.targets, columns, visible, scope);
        if (idx !== undefined) return { k: 'col', i: idx, t: exprs[idx].t } as BExpr;
        let e = outBinder.settle(outBinder.bind(d));
        if (collector) e = toPostAgg(e, collector, d.pos, scope);
        const same = exprs.findIndex((x) => sameExpr(x, e));
        if (same >= 0) return { k: 'col', i: same, t: e.t } as BExpr;
        exprs.push(e);
        return { k: 'col', i: exprs.length - 1, t: e.t } as BExpr;
      });
    }

    if (collector) {
      const aggInputs = [...collector.groups, ...collector.calls.flatMap((c) => [...c.args, ...(c.filter ? [c.filter] : []), ...c.orderBy.map((o) => o.e)])];
      const { plan: input, map } = this.withAsync(plan, aggInputs);
      const groups = collector.groups.map(map);
      const aggs = collector.calls.map((c) => ({ ...c, args: c.args.map(map), filter: c.filter ? map(c.filter) : null, orderBy: c.orderBy.map((o) => ({ ...o, e: map(o.e) })) }));
      plan = { node: 'aggregate', input, groups, groupTypes: groups.map((g) => g.t), aggs, width: groups.length + aggs.length };
      if (havingPred) plan = this.filter(plan, [havingPred]);
    }

    if (win.calls.length) {
      const base = plan.width;
      for (const c of win.calls) {
        if ([...c.args, ...c.partition, ...c.order.map((o) => o.e)].some(hasAsync)) throw unsupported('subqueries in window function calls');
      }
      plan = { node: 'window', input: plan, calls: win.calls, width: base + win.calls.length };
      const toCol = (e: BExpr): BExpr => mapExpr(e, (x) => {
        const w = windowIndex(x);
        return w === undefined ? x : { k: 'col', i: base + w, t: x.t };
      });
      exprs.splice(0, exprs.length, ...exprs.map(toCol));
    }

    const projected = this.withAsync(plan, exprs);
    plan = { node: 'project', input: projected.plan, exprs: exprs.map(projected.map), srf, width: exprs.length };

    if (distinctKeys) {
      const keys: SortKey[] = [...distinctKeys.map((e) => ({ e, desc: false, nullsFirst: false })), ...sortKeys];
      // DISTINCT ON keeps the first row of each group in ORDER BY order
      const lead = sortKeys.slice(0, distinctKeys.length);
      const ordered = lead.length === distinctKeys.length && lead.every((k, i) => sameExpr(k.e, distinctKeys![i]));
      plan = { node: 'sort', input: plan, keys: ordered ? sortKeys : keys, limit: null, offset: null, width: plan.width };
      plan = { node: 'distinct', input: plan, keys: distinctKeys, keyTypes: distinctKeys.map((k) => k.t), width: plan.width };
    } else {
      if (core.distinct === true) {
        const keys = exprs.slice(0, visible).map((e, i) => ({ k: 'col', i, t: e.t }) as BExpr);
        plan = { node: 'distinct', input: plan, keys, keyTypes: keys.map((k) => k.t), width: plan.width };
      }
      if (sortKeys.length) plan = { node: 'sort', input: plan, keys: sortKeys, limit: null, offset: null, width: plan.width };
    }
    if (stmt) plan = this.applyLimit(plan, stmt, parent);
    if (exprs.length > visible) {
      plan = { node: 'project', input: plan, exprs: exprs.slice(0, visible).map((e, i) => ({ k: 'col', i, t: e.t }) as BExpr), width: visible };
    }
    return { plan, columns, asyncs: this.asyncs };
  }

  /** Index of the output column an ORDER BY item names (ordinal or output name), or undefined. */
  private orderTarget(o: OrderItem, targets: Target[], columns: OutputColumn[], visible: number, scope: Scope): number | undefined {
    const ord = ordinal(o.expr, visible);
    if (ord !== undefined) return ord;
    if (o.expr.kind === 'column' && o.expr.parts.length === 1) {
      const name = o.expr.parts[0];
      const byAlias = targets.findIndex((t) => t.alias === name);
      if (byAlias >= 0 && !targets.some((t) => t.expr.kind === 'star')) return byAlias;
      const hits = columns.slice(0, visible).map((c, i) => (c.name === name ? i : -1)).filter((i) => i >= 0);
      if (hits.length === 1 && !scopeHasColumn(scope, name)) return hits[0];
    }
    return undefined;
  }

  private outputColumn(target: Target, e: BExpr, scope: Scope): OutputColumn {
    const name = target.alias ?? figureColname(target.expr);
    let tableOid = 0, attnum = 0;
    if (e.k === 'col' && target.expr.kind === 'column') {
      for (const rel of scope.rels) {
        if (e.i >= rel.offset && e.i < rel.offset + rel.columns.length) {
          const c = rel.columns[e.i - rel.offset];
          tableOid = c.tableOid;
          attnum = c.attnum;
        }
      }
    }
    return { name, type: e.t, tableOid, attnum };
  }

  private expandStar(scope: Scope, table: string[] | undefined, pos: number): { expr: BExpr; out: OutputColumn }[] {
    const out: { expr: BExpr; out: OutputColumn }[] = [];
    const rels = table ? scope.rels.filter((r) => r.alias === table[table.length - 1]) : scope.rels;
    if (table && rels.length === 0) throw new SqlError(SqlState.undefinedTable, `missing FROM-clause entry for table "${table[table.length - 1]}"`, { position: pos + 1 });
    if (!table && rels.length === 0) throw new SqlError(SqlState.syntaxError, 'SELECT * with no tables specified is not valid', { position: pos + 1 });
    for (const rel of rels) {
      rel.columns.forEach((c, i) => {
        if (c.hidden) return;
        out.push({ expr: { k: 'col', i: rel.offset + i, t: c.type }, out: { name: c.name, type: c.type, tableOid: c.tableOid, attnum: c.attnum } });
      });
    }
    return out;
  }

  /** Inserts an async node below expressions that use subqueries; returns the rewrite for those expressions. */
  withAsync(plan: Plan, exprs: BExpr[]): { plan: Plan; map: (e: BExpr) => BExpr } {
    const ids = new Set<number>();
    for (const e of exprs) asyncIds(e, ids);
    if (ids.size === 0) return { plan, map: (e) => e };
    const specs = [...ids].sort((a, b) => a - b).map((id) => this.asyncs[id]);
    const base = plan.width;
    const pos = new Map(specs.map((s, k) => [s.id, base + k]));
    const node: Plan = { node: 'async', input: plan, specs, width: base + specs.length };
    const map = (e: BExpr): BExpr => mapExpr(e, (x) => (x.k === 'async' && pos.has(x.id) ? { k: 'col', i: pos.get(x.id)!, t: x.t } : x));
    return { plan: node, map };
  }

  private filter(plan: Plan, preds: BExpr[]): Plan {
    const pred = andAll(preds);
    if (!pred) return plan;
    const { plan: input, map } = this.withAsync(plan, [pred]);
    const node: Plan = { node: 'filter', input, pred: map(pred), width: input.width };
    if (input.width === plan.width) return node;
    // drop the async columns again
    return { node: 'project', input: node, exprs: Array.from({ length: plan.width }, (_, i) => ({ k: 'col', i, t: T.unknown }) as BExpr), width: plan.width };
  }

  // ---- FROM ----

  /** Plans the FROM list with WHERE distributed over it; `scope` receives the relations. */
  planFrom(items: FromItem[], where: Expr | undefined, scope: Scope): Plan {
    const leaves: Leaf[] = [];
    const steps: Step[] = [];
    const nullable = new Set<number>();
    for (const item of items) this.flatten(item, scope, steps.length === 0 ? 'first' : 'cross', steps, leaves, nullable);

    const pool: BExpr[] = [];
    const post: BExpr[] = [];
    const stepConds: BExpr[][] = steps.map(() => []);
    if (where) {
      const wb = new ExprBinder(this, scope, { noAggWhere: 'WHERE' });
      pool.push(...conjuncts(wb.boolArg(wb.bind(where), 'WHERE', where.pos)));
    }
    steps.forEach((s, k) => {
      if (s.kind === 'inner' || s.kind === 'cross') pool.push(...s.on);
      else if (s.kind === 'left') {
        for (const c of s.on) {
          const ls = this.leavesOf(c, leaves);
          if (ls.size === 1 && s.leaves.includes([...ls][0]) && s.leaves.length === 1 && !hasAsync(c)) leaves[s.leaves[0]].pushed.push(shiftColumns(c, -leaves[s.leaves[0]].offset));
          else stepConds[k].push(c);
        }
      } else stepConds[k].push(...s.on);
    });
    const stepOfLeaf = (leaf: number): number => steps.findIndex((s) => s.leaves.includes(leaf));
    for (const c of pool) {
      const ls = this.leavesOf(c, leaves);
      if (hasAsync(c) || ls.size === 0 || [...ls].some((l) => nullable.has(l))) {
        post.push(c);
        continue;
      }
      if (ls.size === 1) {
        const l = [...ls][0];
        leaves[l].pushed.push(shiftColumns(c, -leaves[l].offset));
        continue;
      }
      const k = Math.max(...[...ls].map(stepOfLeaf));
      if (steps[k].kind === 'inner' || steps[k].kind === 'cross' || steps[k].kind === 'first') stepConds[k].push(c);
      else post.push(c);
    }

    // build the left-deep join tree
    let acc: Plan | undefined;
    steps.forEach((s, k) => {
      const right = this.stepPlan(s, leaves);
      if (!acc) {
        acc = right.plan;
        if (stepConds[k].length) acc = this.filter(acc, stepConds[k]);
        return;
      }
      acc = this.join(acc, right, s.kind === 'cross' || s.kind === 'first' ? 'inner' : s.kind, stepConds[k]);
    });
    return this.filter(acc!, post);
  }

  /** The set of leaves a scope-level expression references. */
  private leavesOf(e: BExpr, leaves: Leaf[]): Set<number> {
    const out = new Set<number>();
    for (const i of columnsUsed(e)) {
      const l = leaves.findIndex((x) => i >= x.offset && i < x.offset + x.width);
      if (l >= 0) out.add(l);
    }
    return out;
  }

  private flatten(item: FromItem, scope: Scope, kind: Step['kind'], steps: Step[], leaves: Leaf[], nullable: Set<number>): void {
    if (item.kind === 'join') {
      this.flatten(item.left, scope, kind, steps, leaves, nullable);
      const before = leaves.length;
      const leftRels = scope.rels.length;
      if (item.right.kind === 'join') {
        // right-nested join: plan as one composite leaf
        const sub: Step[] = [];
        const subLeaves: Leaf[] = [];
        const subNull = new Set<number>();
        const offset = scope.width;
        this.flatten(item.right, scope, 'first', sub, subLeaves, subNull);
        let acc: Plan | undefined;
        for (const s of sub) {
          const r = this.stepPlan(s, subLeaves.map((l) => ({ ...l, offset: l.offset - offset })));
          acc = acc ? this.join(acc, r, s.kind === 'first' || s.kind === 'cross' ? 'inner' : s.kind, s.on.map((c) => shiftColumns(c, -offset))) : r.plan;
        }
        leaves.push({ plan: acc!, offset, width: scope.width - offset, pushed: [], lateral: false });
      } else {
        leaves.push(this.planLeaf(item.right, scope));
      }
      const leafIdx = leaves.length - 1;
      const on: BExpr[] = [];
      const binder = new ExprBinder(this, scope, { noAggWhere: 'JOIN conditions' });
      if (item.on) on.push(...conjuncts(binder.boolArg(binder.bind(item.on), 'JOIN/ON', item.on.pos)));
      const usingCols = item.using ?? (item.natural ? naturalColumns(scope, leftRels) : []);
      for (const name of usingCols) {
        const left = scope.rels.slice(0, leftRels).flatMap((r) => r.columns.map((c, i) => ({ r, c, i }))).filter((x) => x.c.name === name && !x.c.merged);
        const right = scope.rels.slice(leftRels).flatMap((r) => r.columns.map((c, i) => ({ r, c, i }))).filter((x) => x.c.name === name);
        if (left.length !== 1 || right.length !== 1) {
          throw new SqlError(SqlState.undefinedColumn, `column "${name}" specified in USING clause does not exist in ${left.length ? 'right' : 'left'} table`, { position: item.pos + 1 });
        }
        on.push(binder.compare('=', { k: 'col', i: left[0].r.offset + left[0].i, t: left[0].c.type }, { k: 'col', i: right[0].r.offset + right[0].i, t: right[0].c.type }, item.pos));
        right[0].c.merged = true;
        right[0].c.hidden = true;
      }
      if (item.type === 'left') nullable.add(leafIdx);
      if (item.type === 'right') for (let l = 0; l < before; l++) nullable.add(l);
      if (item.type === 'full') for (let l = 0; l <= leafIdx; l++) nullable.add(l);
      steps.push({ kind: item.type, leaves: [leafIdx], on });
      return;
    }
    leaves.push(this.planLeaf(item, scope));
    steps.push({ kind, leaves: [leaves.length - 1], on: [] });
  }

  /** Plans one FROM item and registers its relation in `scope`. */
  private planLeaf(item: FromItem, scope: Scope): Leaf {
    const offset = scope.width;
    const leafIndex = scope.rels.length;
    switch (item.kind) {
      case 'table': {
        const { schema, name } = relationName(item.name, item.pos);
        const alias = item.alias?.name ?? name;
        const cte = schema === undefined ? this.findCte(name) : undefined;
        if (cte) {
          const cols = renameColumns(cte.columns.map((c) => ({ name: c.name, type: c.type, hidden: false, tableOid: 0, attnum: 0 })), item.alias?.columns, alias, item.pos);
          scope.addRel(alias, cols, leafIndex);
          const plan: Plan = cte.worktable ? cte.plan : { node: 'cte', id: cte.id, plan: cte.plan, width: cols.length };
          return { plan, offset, width: cols.length, pushed: [], lateral: false };
        }
        const resolved = this.resolveTable(schema, name, item.pos);
        if ('rows' in resolved) {
          const cols = renameColumns(resolved.columns.map((c) => ({ name: c.name, type: c.type, hidden: false, tableOid: 0, attnum: 0 })), item.alias?.columns, alias, item.pos);
          scope.addRel(alias, cols, leafIndex, item.alias ? undefined : resolved.schema);
          return { plan: { node: 'virtual', table: resolved, filter: null, width: cols.length }, offset, width: cols.length, virtual: resolved, pushed: [], lateral: false };
        }
        const t = resolved;
        const cols = renameColumns(t.columns.map((c) => ({ name: c.name, type: c.type, hidden: c.hidden, tableOid: t.oid, attnum: c.attnum })), item.alias?.columns, alias, item.pos);
        scope.addRel(alias, cols, leafIndex, item.alias ? undefined : 'public');
        return { plan: { node: 'scan', table: t, access: { kind: 'full' }, pushed: null, filter: null, width: cols.length }, offset, width: cols.length, table: t, pushed: [], lateral: false };
      }
      case 'subquery': {
        if (!item.alias) throw new SqlError(SqlState.syntaxError, 'subquery in FROM must have an alias', { position: item.pos + 1 });
        const q = this.planSelect(item.query, item.lateral ? scope : scope.parent);
        const lateral = item.lateral && this.isCorrelated(q);
        const cols = renameColumns(q.columns.map((c) => ({ name: c.name, type: c.type, hidden: false, tableOid: 0, attnum: 0 })), item.alias.columns, item.alias.name, item.pos);
        scope.addRel(item.alias.name, cols, leafIndex);
        return { plan: q.plan, offset, width: cols.length, pushed: [], lateral };
      }
      case 'function': {
        const fname = funcName(item.func.name);
        const inner = new Scope(scope);
        const binder = new ExprBinder(this, inner, { noAggWhere: 'functions in FROM' });
        let plan: Plan;
        let cols: RelColumn[];
        let defaultName = fname;
        if (isSrfName(fname)) {
          const s = this.bindSrf(item.func, binder);
          plan = { node: 'srf', fn: s.fn, args: s.args, ordinality: item.ordinality, width: s.columns.length + (item.ordinality ? 1 : 0) };
          cols = s.columns.map((c) => ({ name: c.name, type: c.type, hidden: false, tableOid: 0, attnum: 0 }));
          defaultName = s.name;
        } else {
          const e = binder.settle(binder.bind(item.func));
          if (hasAsync(e)) throw unsupported('subqueries in functions in FROM', item.pos + 1);
          plan = { node: 'values', rows: [[e]], width: 1 };
          cols = [{ name: fname, type: e.t, hidden: false, tableOid: 0, attnum: 0 }];
          if (item.ordinality) {
            plan = { node: 'values', rows: [[e, { k: 'const', v: 1n, t: T.int8 }]], width: 2 };
          }
        }
        if (item.ordinality) cols.push({ name: 'ordinality', type: T.int8, hidden: false, tableOid: 0, attnum: 0 });
        const alias = item.alias?.name ?? defaultName;
        // A scalar-returning function aliased without a column list names its column after the alias.
        if (item.alias && !item.alias.columns && cols.length === 1 + (item.ordinality ? 1 : 0)) cols[0] = { ...cols[0], name: item.alias.name };
        cols = renameColumns(cols, item.alias?.columns, alias, item.pos);
        scope.addRel(alias, cols, leafIndex);
        // The arguments were bound one scope deeper (to see preceding FROM items as the
        // left row of a lateral join); without such references they run once per query.
        let lateral = false;
        forEachExpr(plan, (e) => walk(e, (x) => {
          if (x.k === 'outer' && x.level === 1) lateral = true;
        }));
        if (!lateral) plan = mapPlanExprs(plan, (e) => shiftOuter(e, -1));
        return { plan, offset, width: cols.length, pushed: [], lateral };
      }
      case 'join':
        throw new Error('bug: joins are flattened before planLeaf');
    }
  }

  resolveTable(schema: string | undefined, name: string, pos: number): SqlTable | VirtualTable {
    if (schema === 'pg_catalog' || schema === 'information_schema') {
      const v = virtualTable(schema, name);
      if (!v) throw undefinedTable(`${schema}.${name}`, pos + 1);
      return v;
    }
    if (schema !== undefined && schema !== 'public') throw undefinedTable(`${schema}.${name}`, pos + 1);
    const t = this.env.table(name);
    if (t) return t;
    if (schema === undefined) {
      const v = virtualTable('pg_catalog', name);
      if (v) return v;
    }
    throw undefinedTable(schema ? `${schema}.${name}` : name, pos + 1);
  }

  /** Binds a set-returning function call: its implementation id, arguments and columns. */
  bindSrf(func: Expr & { kind: 'func' }, binder: ExprBinder): { fn: string; args: BExpr[]; columns: { name: string; type: SqlType }[]; name: string } {
    const name = funcName(func.name);
    const args = func.args.map((a) => binder.bind(a));
    const pos = func.pos;
    switch (name) {
      case 'generate_series': {
        if (args.length < 2 || args.length > 3) throw new SqlError(SqlState.undefinedFunction, 'function generate_series requires 2 or 3 arguments', { position: pos + 1 });
        const t = binder.commonType(args.slice(0, 2), 'generate_series', pos);
        if (t.oid === Oid.timestamp || t.oid === Oid.timestamptz || t.oid === Oid.date) {
          if (args.length !== 3) throw new SqlError(SqlState.undefinedFunction, 'generate_series over timestamps needs a step interval', { position: pos + 1 });
          const tt = t.oid === Oid.date ? T.timestamp : t;
          return { fn: 'generate_series:ts', args: [binder.coerce(args[0], tt, 'implicit', pos), binder.coerce(args[1], tt, 'implicit', pos), binder.coerce(args[2], T.interval, 'implicit', pos)], columns: [{ name, type: tt }], name };
        }
        const nt = t.oid === Oid.int2 ? T.int4 : t.oid === Oid.unknown ? T.int4 : t;
        if (![Oid.int4, Oid.int8, Oid.numeric].includes(nt.oid as never)) {
          throw new SqlError(SqlState.undefinedFunction, `function generate_series(${args.map((a) => a.t.oid).join(', ')}) does not exist`, { position: pos + 1 });
        }
        const coerced = args.map((a) => binder.coerce(a, nt, 'implicit', pos));
        return { fn: `generate_series:${nt.oid === Oid.int4 ? 'int4' : nt.oid === Oid.int8 ? 'int8' : 'numeric'}`, args: coerced, columns: [{ name, type: nt }], name };
      }
      case 'unnest': {
        if (args.length !== 1) throw unsupported('unnest with several arguments', pos + 1);
        let a = args[0];
        if (a.t.oid === Oid.unknown) a = binder.coerce(a, T.textArray, 'implicit', pos);
        if (!isArray(a.t)) throw new SqlError(SqlState.undefinedFunction, 'function unnest requires an array argument', { position: pos + 1 });
        return { fn: 'unnest', args: [a], columns: [{ name, type: elemType(a.t) }], name };
      }
      case 'generate_subscripts': {
        if (args.length !== 2 || !isArray(args[0].t)) throw new SqlError(SqlState.undefinedFunction, 'function generate_subscripts requires an array and a dimension', { position: pos + 1 });
        return { fn: 'generate_subscripts', args: [args[0], binder.coerce(args[1], T.int4, 'implicit', pos)], columns: [{ name, type: T.int4 }], name };
      }
      case 'pg_partition_ancestors':
        return { fn: 'pg_partition_ancestors', args: [binder.coerce(args[0], T.regclass, 'implicit', pos)], columns: [{ name: 'relid', type: T.regclass }], name };
      case 'json_array_elements': case 'jsonb_array_elements': {
        const jt = name === 'json_array_elements' ? T.json : T.jsonb;
        return { fn: 'json_array_elements', args: [binder.coerce(args[0], jt, 'implicit', pos)], columns: [{ name: 'value', type: jt }], name };
      }
      case 'regexp_matches':
        return { fn: 'regexp_matches', args: args.map((a) => binder.coerce(a, T.text, 'implicit', pos)), columns: [{ name, type: arrayOf(T.text) }], name };
      default:
        throw unsupported(`set-returning function ${name}()`, pos + 1);
    }
  }

  /** The plan of one step's right side with its pushed conjuncts applied. */
  private stepPlan(s: Step, leaves: Leaf[]): { plan: Plan; leaf: Leaf } {
    const leaf = leaves[s.leaves[0]];
    return { plan: this.leafPlan(leaf), leaf };
  }

  private leafPlan(leaf: Leaf): Plan {
    if (leaf.table && leaf.plan.node === 'scan') {
      return this.scanPlan(leaf.table, leaf.pushed);
    }
    if (leaf.virtual && leaf.plan.node === 'virtual') {
      const syncPart = leaf.pushed.filter((c) => !hasAsync(c));
      const asyncPart = leaf.pushed.filter((c) => hasAsync(c));
      const plan: Plan = { ...leaf.plan, filter: andAll(syncPart) };
      return this.filter(plan, asyncPart);
    }
    return this.filter(leaf.plan, leaf.pushed);
  }

  /** A table scan with the best access path for these (table-relative) conjuncts. */
  scanPlan(table: SqlTable, conds: BExpr[]): Plan {
    const sync = conds.filter((c) => !hasAsync(c));
    const asyncConds = conds.filter((c) => hasAsync(c));
    const access = chooseAccess(table, sync);
    const shippable = sync.filter(isShippable);
    const plan: Plan = { node: 'scan', table, access, pushed: andAll(shippable), filter: andAll(sync), width: table.columns.length };
    return this.filter(plan, asyncConds);
  }

  private join(left: Plan, right: { plan: Plan; leaf: Leaf }, kind: 'inner' | 'left' | 'right' | 'full', conds: BExpr[]): Plan {
    const leaf = right.leaf;
    const width = left.width + right.plan.width;
    if (leaf.lateral) {
      if (kind === 'right' || kind === 'full') throw unsupported('RIGHT or FULL JOIN with a LATERAL item');
      return this.joinNode(left, right.plan, kind, [], [], [], conds, true, width);
    }
    // equi-join keys: one side only left leaves, the other only this leaf
    const leftKeys: BExpr[] = [], rightKeys: BExpr[] = [], keyTypes: SqlType[] = [];
    const rest: BExpr[] = [];
    for (const c of conds) {
      if (c.k === 'cmp' && c.op === '=' && !hasAsync(c)) {
        const l = columnsUsed(c.l), r = columnsUsed(c.r);
        const inLeaf = (s: Set<number>): boolean => s.size > 0 && [...s].every((i) => i >= leaf.offset && i < leaf.offset + leaf.width);
        const inLeft = (s: Set<number>): boolean => [...s].every((i) => i < leaf.offset);
        if (inLeft(l) && inLeaf(r)) {
          leftKeys.push(c.l);
          rightKeys.push(shiftColumns(c.r, -leaf.offset));
          keyTypes.push(c.ct);
          continue;
        }
        if (inLeft(r) && inLeaf(l)) {
          leftKeys.push(c.r);
          rightKeys.push(shiftColumns(c.l, -leaf.offset));
          keyTypes.push(c.ct);
          continue;
        }
      }
      rest.push(c);
    }
    // Lookup join: the keys bind the right table's whole key -> point reads per left row.
    if (leaf.table && (kind === 'inner' || kind === 'left') && leftKeys.length > 0) {
      const t = leaf.table;
      const keyCols = t.keyColumns;
      const byCol = new Map<number, BExpr>();
      rightKeys.forEach((rk, i) => {
        const col = keyColumnOf(rk, t);
        if (col !== undefined && keyCols.includes(col) && !byCol.has(col)) byCol.set(col, leftKeys[i]);
      });
      if (keyCols.every((c) => byCol.has(c))) {
        const outerKey = keyCols.map((c) => toOuter(byCol.get(c)!));
        const sync = leaf.pushed.filter((c) => !hasAsync(c)).map((c) => shiftOuter(c, 1));
        const scan: Plan = { node: 'scan', table: t, access: { kind: 'point', key: outerKey }, pushed: null, filter: andAll(sync), width: t.columns.length };
        const recheck = conds;
        return this.joinNode(left, scan, kind, [], [], [], recheck, true, width);
      }
    }
    return this.joinNode(left, right.plan, kind, leftKeys, rightKeys, keyTypes, rest, false, width);
  }

  private joinNode(left: Plan, right: Plan, kind: 'inner' | 'left' | 'right' | 'full', leftKeys: BExpr[], rightKeys: BExpr[], keyTypes: SqlType[], conds: BExpr[], lateral: boolean, width: number): Plan {
    if (conds.some(hasAsync)) {
      if (kind !== 'inner') throw unsupported('subqueries in outer join conditions');
      const join: Plan = { node: 'join', kind, left, right, leftKeys, rightKeys, keyTypes, cond: null, lateral, width };
      return this.filter(join, conds);
    }
    return { node: 'join', kind, left, right, leftKeys, rightKeys, keyTypes, cond: andAll(conds), lateral, width };
  }
}

// ---- access paths ----

/** The key column a (leaf-relative) expression reads, looking through integer widening and text casts. */
function keyColumnOf(e: BExpr, t: SqlTable): number | undefined {
  const i = columnOf(e);
  return i !== undefined && t.isKeyColumn(i) ? i : undefined;
}

/** The column a (leaf-relative) expression reads, looking through casts that keep its order and equality. */
function columnOf(e: BExpr): number | undefined {
  let x = e;
  while (x.k === 'cast') {
    const from = x.e.t.oid, to = x.t.oid;
    const ok = (isIntegerType(from) && isIntegerType(to)) || (isTextLike(from) && isTextLike(to) && from !== Oid.bpchar) || from === to
      || ((from === Oid.timestamp || from === Oid.timestamptz) && (to === Oid.timestamp || to === Oid.timestamptz));
    if (!ok) return undefined;
    x = x.e;
  }
  return x.k === 'col' ? x.i : undefined;
}

function isKeyValueExpr(e: BExpr): boolean {
  return !columnsUsed(e).size && !hasAsync(e);
}

interface Constraint {
  eq?: BExpr;
  /** IS NULL (only secondary indexes use it: key columns are never NULL). */
  isNull?: boolean;
  list?: BExpr[];
  lo?: Bound;
  hi?: Bound;
}

const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' };

export function chooseAccess(table: SqlTable, conds: BExpr[]): Access {
  const cons = new Map<number, Constraint>();
  const get = (i: number): Constraint => {
    let c = cons.get(i);
    if (!c) cons.set(i, (c = {}));
    return c;
  };
  for (const c of conds) {
    if (c.k === 'cmp' && c.op !== '<>') {
      let col = columnOf(c.l), val = c.r, op: string = c.op;
      if (col === undefined || !isKeyValueExpr(val)) {
        col = columnOf(c.r);
        val = c.l;
        op = FLIP[c.op];
        if (col === undefined || !isKeyValueExpr(val)) continue;
      }
      const k = get(col);
      if (op === '=') k.eq ??= val;
      else if (op === '>' || op === '>=') k.lo ??= { e: val, inclusive: op === '>=' };
      else k.hi ??= { e: val, inclusive: op === '<=' };
    } else if (c.k === 'isnull' && !c.neg) {
      const col = columnOf(c.e);
      if (col !== undefined) get(col).isNull = true;
    } else if (c.k === 'in' && !c.neg) {
      const col = columnOf(c.e);
      if (col !== undefined && c.list.every(isKeyValueExpr)) get(col).list ??= c.list;
    }
  }
  const pk = table.partitionKey, ck = table.clusteringKey;
  if (pk.every((i) => cons.get(i)?.eq)) {
    const pkey = pk.map((i) => cons.get(i)!.eq!);
    let p = 0;
    while (p < ck.length && cons.get(ck[p])?.eq) p++;
    if (p === ck.length) return { kind: 'point', key: [...pkey, ...ck.map((i) => cons.get(i)!.eq!)] };
    const prefix = ck.slice(0, p).map((i) => cons.get(i)!.eq!);
    const next = cons.get(ck[p]);
    if (next?.list && p === ck.length - 1) return { kind: 'points', prefix: [...pkey, ...prefix], values: next.list, column: ck[p] };
    return { kind: 'partition', pkey, ckPrefix: prefix, lo: next?.lo, hi: next?.hi };
  }
  if (pk.length === 1 && ck.length === 0) {
    const c = cons.get(pk[0]);
    if (c?.list) return { kind: 'points', prefix: [], values: c.list, column: pk[0] };
    if (c?.lo && c?.hi && isIntegerType(table.columns[pk[0]].type.oid)) return { kind: 'intRange', lo: c.lo, hi: c.hi, column: pk[0] };
  }
  return chooseIndex(table, cons) ?? { kind: 'full' };
}

/** Types whose SQL ordering is the index key's byte order (text compares UTF-16 units, keys UTF-8 bytes: equality only). */
function rangeOrdered(oid: number): boolean {
  return isIntegerType(oid) || oid === Oid.float4 || oid === Oid.float8 || oid === Oid.numeric || oid === Oid.date
    || oid === Oid.timestamp || oid === Oid.timestamptz || oid === Oid.bool || oid === Oid.uuid || oid === Oid.bytea;
}

/**
 * The maintained index that binds the most leading columns: equalities, then a value
 * list or a range on the next column. An index whose first column is unconstrained is
 * no use (it would read every entry).
 */
function chooseIndex(table: SqlTable, cons: Map<number, Constraint>): Access | undefined {
  let best: (Access & { kind: 'index' }) | undefined;
  let bestScore = 0;
  for (const ix of table.meta.indexes) {
    if (ix.id === undefined) continue;
    const columns = ix.columns.map((n) => table.column(n)!.index);
    if (columns.some((i) => table.columns[i].type.oid === Oid.bpchar)) continue;
    const eq: (BExpr | 'null')[] = [];
    for (let c = cons.get(columns[0]); c?.eq || c?.isNull; c = cons.get(columns[eq.length])) {
      eq.push(c.eq ?? 'null');
      if (eq.length === columns.length) break;
    }
    const next = eq.length < columns.length ? cons.get(columns[eq.length]) : undefined;
    const list = next?.list;
    const ranged = next && !list && (next.lo || next.hi) && rangeOrdered(table.columns[columns[eq.length]].type.oid);
    // equalities count double: they narrow more than a range
    const score = eq.length * 2 + (list || ranged ? 1 : 0);
    if (score <= bestScore) continue;
    bestScore = score;
    best = { kind: 'index', name: ix.name, id: ix.id, columns, eq, ...(list ? { list } : {}), ...(ranged && next.lo ? { lo: next.lo } : {}), ...(ranged && next.hi ? { hi: next.hi } : {}) };
  }
  return best;
}

/**
 * ORDER BY … LIMIT over one table scan whose sort keys are index columns (after the
 * index's equality columns, all ascending with NULLS LAST or all descending with NULLS
 * FIRST): the scan reads each shard's entries in index order and stops after LIMIT +
 * OFFSET rows per shard; the sort then merges at most shards × (LIMIT + OFFSET) rows.
 * Only when every conjunct is shippable (the shards see the whole WHERE), so no row a
 * shard returns is dropped later.
 */
function indexOrder(sort: Plan & { node: 'sort' }): Plan {
  const proj = sort.input;
  if (proj.node !== 'project' || proj.srf || !sort.limit) return sort;
  const scan = proj.input;
  if (scan.node !== 'scan' || (scan.filter && !(scan.pushed && sameExpr(scan.filter, scan.pushed)))) return sort;
  const a = scan.access;
  if (a.kind !== 'index' && a.kind !== 'full') return sort;
  const desc = sort.keys[0].desc;
  const cols: number[] = [];
  for (const k of sort.keys) {
    if (k.desc !== desc || k.nullsFirst !== desc) return sort;
    const e = k.e.k === 'col' ? proj.exprs[k.e.i] : undefined;
    if (e?.k !== 'col') return sort;
    cols.push(e.i);
  }
  const fits = (ix: { columns: number[] }, eq: number): boolean =>
    cols.length <= ix.columns.length - eq && cols.every((c, k) => ix.columns[eq + k] === c && rangeOrdered(scan.table.columns[c].type.oid));
  const topK = { limit: sort.limit, offset: sort.offset };
  let access: Access | undefined;
  if (a.kind === 'index' && !a.list && fits(a, a.eq.length)) access = { ...a, topK, reverse: desc };
  if (a.kind === 'full') {
    for (const ix of scan.table.meta.indexes) {
      if (ix.id === undefined) continue;
      const columns = ix.columns.map((n) => scan.table.column(n)!.index);
      if (fits({ columns }, 0)) {
        access = { kind: 'index', name: ix.name, id: ix.id, columns, eq: [], topK, reverse: desc };
        break;
      }
    }
  }
  if (!access) return sort;
  return { ...sort, input: { ...proj, input: { ...scan, access } } };
}

/** Converts a scope-level expression into a reference to the enclosing row (lookup joins). */
function toOuter(e: BExpr): BExpr {
  return mapExpr(shiftOuter(e, 1), (x) => (x.k === 'col' ? { k: 'outer', level: 1, i: x.i, t: x.t } : x));
}

function shiftOuter(e: BExpr, by: number): BExpr {
  return mapExpr(e, (x) => (x.k === 'outer' ? { ...x, level: x.level + by } : x));
}

// ---- helpers ----

/** An integer constant in ORDER BY / GROUP BY names a select-list position; other constants are errors. */
function ordinal(e: Expr, count: number, clause = 'ORDER BY'): number | undefined {
  if (e.kind !== 'literal') return undefined;
  if (e.value.type !== 'integer') throw new SqlError(SqlState.syntaxError, `non-integer constant in ${clause}`, { position: e.pos + 1 });
  const n = Number(e.value.text);
  if (n < 1 || n > count) throw new SqlError(SqlState.invalidColumnReference, `${clause} position ${n} is not in select list`, { position: e.pos + 1 });
  return n - 1;
}

function scopeHasColumn(scope: Scope, name: string): boolean {
  return scope.rels.some((r) => r.columns.some((c) => c.name === name));
}

function renameColumns(cols: RelColumn[], names: string[] | undefined, alias: string, pos: number): RelColumn[] {
  if (!names) return cols;
  if (names.length > cols.length) throw new SqlError(SqlState.invalidColumnReference, `table "${alias}" has ${cols.length} columns available but ${names.length} columns specified`, { position: pos + 1 });
  return cols.map((c, i) => (i < names.length ? { ...c, name: names[i] } : c));
}

function naturalColumns(scope: Scope, leftRels: number): string[] {
  const left = new Set(scope.rels.slice(0, leftRels).flatMap((r) => r.columns.filter((c) => !c.hidden).map((c) => c.name)));
  return scope.rels.slice(leftRels).flatMap((r) => r.columns.filter((c) => !c.hidden && left.has(c.name)).map((c) => c.name));
}

/** PostgreSQL's FigureColname: the output name of an unaliased select-list item. */
export function figureColname(e: Expr): string {
  switch (e.kind) {
    case 'column': return e.parts[e.parts.length - 1];
    case 'func': return funcName(e.name);
    case 'cast': {
      const inner = figureColname(e.arg);
      if (inner !== '?column?') return inner;
      const n = e.type.names[e.type.names.length - 1];
      return ({ 'double precision': 'float8', int: 'int4', integer: 'int4', bigint: 'int8', smallint: 'int2', boolean: 'bool', real: 'float4', decimal: 'numeric', varchar: 'varchar', timestamptz: 'timestamptz', character: 'bpchar', char: 'bpchar' } as Record<string, string>)[n] ?? n;
    }
    case 'case': return 'case';
    case 'exists': return 'exists';
    case 'array': case 'arrayQuery': return 'array';
    case 'subquery': {
      const b = e.query.body;
      if (b.kind === 'core' && b.targets.length === 1) return b.targets[0].alias ?? figureColname(b.targets[0].expr);
      return '?column?';
    }
    case 'row': return 'row';
    case 'collate': return figureColname(e.arg);
    default: return '?column?';
  }
}

function hasAggregates(exprs: Expr[]): boolean {
  let found = false;
  const visit = (e: Expr | undefined): void => {
    if (!e || found) return;
    switch (e.kind) {
      case 'func':
        if (isAggregateName(funcName(e.name)) && !e.over) found = true;
        e.args.forEach(visit);
        break;
      case 'unary': case 'not': case 'isNull': case 'isBool': case 'collate': visit(e.arg); break;
      case 'cast': visit(e.arg); break;
      case 'binary': case 'isDistinct': visit(e.left); visit(e.right); break;
      case 'between': visit(e.arg); visit(e.low); visit(e.high); break;
      case 'like': visit(e.arg); visit(e.pattern); break;
      case 'inList': visit(e.arg); e.list.forEach(visit); break;
      case 'inQuery': visit(e.arg); break;
      case 'quantified': visit(e.left); if (!('query' in e.right)) visit(e.right); break;
      case 'case': visit(e.operand); e.whens.forEach((w) => { visit(w.when); visit(w.then); }); visit(e.else); break;
      case 'array': e.elements.forEach(visit); break;
      case 'subscript': visit(e.arg); visit(e.index); break;
      case 'row': e.fields.forEach(visit); break;
      default: break;
    }
  };
  exprs.forEach(visit);
  return found;
}

function referencesName(stmt: SelectStmt, name: string): boolean {
  return JSON.stringify(stmt).includes(`"name":["${name}"]`);
}

/** Calls fn on every expression a node evaluates; `extra` is 1 for expressions evaluated with the left row as outer (lateral). */
export function forEachExpr(p: Plan, fn: (e: BExpr, extra: number) => void): void {
  switch (p.node) {
    case 'scan': {
      if (p.filter) fn(p.filter, 0);
      const a = p.access;
      if (a.kind === 'point') a.key.forEach((e) => fn(e, 0));
      if (a.kind === 'points') [...a.prefix, ...a.values].forEach((e) => fn(e, 0));
      if (a.kind === 'partition') [...a.pkey, ...a.ckPrefix, ...(a.lo ? [a.lo.e] : []), ...(a.hi ? [a.hi.e] : [])].forEach((e) => fn(e, 0));
      if (a.kind === 'intRange') [...(a.lo ? [a.lo.e] : []), ...(a.hi ? [a.hi.e] : [])].forEach((e) => fn(e, 0));
      if (a.kind === 'index') [...a.eq.filter((e): e is BExpr => e !== 'null'), ...(a.list ?? []), ...(a.lo ? [a.lo.e] : []), ...(a.hi ? [a.hi.e] : []), ...(a.topK ? [a.topK.limit] : []), ...(a.topK?.offset ? [a.topK.offset] : [])].forEach((e) => fn(e, 0));
      break;
    }
    case 'virtual': if (p.filter) fn(p.filter, 0); break;
    case 'values': p.rows.forEach((r) => r.forEach((e) => fn(e, 0))); break;
    case 'srf': p.args.forEach((e) => fn(e, 0)); break;
    case 'filter': fn(p.pred, 0); break;
    case 'project': p.exprs.forEach((e) => fn(e, 0)); if (p.srf) p.srf.args.forEach((e) => fn(e, 0)); break;
    case 'join': p.leftKeys.forEach((e) => fn(e, 0)); p.rightKeys.forEach((e) => fn(e, 0)); if (p.cond) fn(p.cond, 0); break;
    case 'aggregate': p.groups.forEach((e) => fn(e, 0)); p.aggs.forEach((a) => { a.args.forEach((e) => fn(e, 0)); if (a.filter) fn(a.filter, 0); a.orderBy.forEach((o) => fn(o.e, 0)); }); break;
    case 'window': p.calls.forEach((c) => [...c.args, ...c.partition, ...c.order.map((o) => o.e)].forEach((e) => fn(e, 0))); break;
    case 'sort': p.keys.forEach((k) => fn(k.e, 0)); if (p.limit) fn(p.limit, 0); if (p.offset) fn(p.offset, 0); break;
    case 'distinct': p.keys.forEach((e) => fn(e, 0)); break;
    case 'limit': if (p.limit) fn(p.limit, 0); if (p.offset) fn(p.offset, 0); break;
    case 'async': p.specs.forEach((s) => { if ('lhs' in s) fn(s.lhs, 0); if ('arg' in s) fn(s.arg, 0); if (s.kind === 'seqfn') s.args.forEach((e) => fn(e, 0)); }); break;
    default: break;
  }
}

/** A leaf plan (srf or values) with every expression rewritten. */
function mapPlanExprs(p: Plan, f: (e: BExpr) => BExpr): Plan {
  if (p.node === 'srf') return { ...p, args: p.args.map(f) };
  if (p.node === 'values') return { ...p, rows: p.rows.map((r) => r.map(f)) };
  return p;
}

export function forEachChild(p: Plan, fn: (c: Plan, extra: number) => void): void {
  switch (p.node) {
    case 'filter': case 'project': case 'aggregate': case 'sort': case 'distinct': case 'limit': case 'async': case 'window': fn(p.input, 0); break;
    case 'join': fn(p.left, 0); fn(p.right, p.lateral ? 1 : 0); break;
    case 'setop': fn(p.left, 0); fn(p.right, 0); break;
    case 'cte': fn(p.plan, 0); break;
    case 'recursive': fn(p.init, 0); fn(p.step, 0); break;
    default: break;
  }
}

export { BOOL };
