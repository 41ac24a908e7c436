// EXPLAIN: the plan tree as indented text lines, naming the access path each table
// scan takes (point read, partition range, secondary index, or parallel shard scan with
// a pushed filter).

import type { DmlPlan } from './dml.js';
import type { BExpr } from './expr.js';
import type { Access, Plan } from './plan.js';
import type { SqlTable } from './schema.js';

function accessText(a: Access, table: string): string {
  switch (a.kind) {
    case 'point': return `Point Read on ${table}`;
    case 'points': return `Point Reads on ${table} (${a.values.length} keys)`;
    case 'intRange': return `Key Range on ${table} (point reads when the range is small)`;
    case 'partition': return `Partition Range Scan on ${table}${a.lo || a.hi ? ' (clustering key bounds)' : ''}`;
    case 'index': return `Index Scan${a.reverse ? ' Backward' : ''} using ${a.name} on ${table}`;
    case 'full': return `Parallel Shard Scan on ${table}`;
  }
}

/** PostgreSQL's `Index Cond:` text, with column names. */
function indexCond(a: Access & { kind: 'index' }, t: SqlTable): string {
  const name = (k: number): string => t.columns[a.columns[k]].name;
  const parts = a.eq.map((e, k) => (e === 'null' ? `${name(k)} IS NULL` : `${name(k)} = ${exprText(e)}`));
  const n = a.eq.length;
  if (a.list) parts.push(`${name(n)} = ANY ('{${a.list.map(exprText).join(',')}}')`);
  if (a.lo) parts.push(`${name(n)} ${a.lo.inclusive ? '>=' : '>'} ${exprText(a.lo.e)}`);
  if (a.hi) parts.push(`${name(n)} ${a.hi.inclusive ? '<=' : '<'} ${exprText(a.hi.e)}`);
  return parts.map((p) => `(${p})`).join(' AND ');
}

function exprText(e: BExpr): string {
  switch (e.k) {
    case 'const': return e.v === null ? 'NULL' : typeof e.v === 'string' ? `'${e.v}'` : e.v instanceof Uint8Array ? `'\\x${Buffer.from(e.v).toString('hex')}'` : String(e.v);
    case 'param': return `$${e.i + 1}`;
    case 'col': return `#${e.i}`;
    case 'outer': return `outer${e.level}.#${e.i}`;
    case 'cmp': return `${exprText(e.l)} ${e.op} ${exprText(e.r)}`;
    case 'and': return e.args.map(exprText).join(' AND ');
    case 'or': return `(${e.args.map(exprText).join(' OR ')})`;
    case 'not': return `NOT ${exprText(e.e)}`;
    case 'cast': return exprText(e.e);
    case 'call': return `${e.fn.split(/[:(]/)[0]}(${e.args.map(exprText).join(', ')})`;
    case 'isnull': return `${exprText(e.e)} IS ${e.neg ? 'NOT ' : ''}NULL`;
    default: return e.k;
  }
}

function walk(p: Plan, depth: number, out: string[]): void {
  const pad = depth === 0 ? '' : ' '.repeat(depth * 2 - 2) + '->  ';
  const line = (s: string): void => {
    out.push(pad + s);
  };
  const detail = (s: string): void => {
    out.push(' '.repeat(depth * 2 + (depth === 0 ? 2 : 4)) + s);
  };
  switch (p.node) {
    case 'scan':
      line(accessText(p.access, p.table.name));
      if (p.access.kind === 'index') {
        const a = p.access;
        if (a.eq.length || a.list || a.lo || a.hi) detail(`Index Cond: ${indexCond(a, p.table)}`);
        if (a.topK) detail(`Index Order: ${a.columns.slice(a.eq.length).map((c) => p.table.columns[c].name + (a.reverse ? ' DESC' : '')).join(', ')} (LIMIT rows per shard)`);
      }
      if (p.pushed && p.access.kind !== 'point' && p.access.kind !== 'points') detail(`Filter pushed to shards: ${exprText(p.pushed)}`);
      else if (p.filter) detail(`Filter: ${exprText(p.filter)}`);
      return;
    case 'virtual': line(`Catalog Scan on ${p.table.schema}.${p.table.name}`); if (p.filter) detail(`Filter: ${exprText(p.filter)}`); return;
    case 'result': line('Result'); return;
    case 'values': line(`Values Scan (${p.rows.length} rows)`); return;
    case 'srf': line(`Function Scan on ${p.fn.split(':')[0]}`); return;
    case 'filter': line('Filter'); detail(exprText(p.pred)); walk(p.input, depth + 1, out); return;
    case 'project':
      // projections compute columns; only a set-returning one changes the row count
      if (!p.srf) return walk(p.input, depth, out);
      line('ProjectSet');
      walk(p.input, depth + 1, out);
      return;
    case 'join': {
      const kind = p.kind === 'inner' ? '' : ` ${p.kind[0].toUpperCase()}${p.kind.slice(1)}`;
      line(p.lateral ? `Nested Loop${kind} (per left row)` : p.leftKeys.length ? `Hash${kind} Join` : `Nested Loop${kind}`);
      if (p.cond) detail(`Join Filter: ${exprText(p.cond)}`);
      walk(p.left, depth + 1, out);
      walk(p.right, depth + 1, out);
      return;
    }
    case 'aggregate': line(p.groups.length ? 'HashAggregate' : 'Aggregate'); walk(p.input, depth + 1, out); return;
    case 'window': line('WindowAgg'); walk(p.input, depth + 1, out); return;
    case 'sort': line(p.limit ? 'Sort (top-N)' : 'Sort'); walk(p.input, depth + 1, out); return;
    case 'distinct': line('Unique'); walk(p.input, depth + 1, out); return;
    case 'limit': line('Limit'); walk(p.input, depth + 1, out); return;
    case 'setop': line(`${p.op[0].toUpperCase()}${p.op.slice(1)}${p.all ? ' All' : ''}`); walk(p.left, depth + 1, out); walk(p.right, depth + 1, out); return;
    case 'cte': line(`CTE Scan (${p.id})`); walk(p.plan, depth + 1, out); return;
    case 'recursive': line('Recursive Union'); walk(p.init, depth + 1, out); walk(p.step, depth + 1, out); return;
    case 'worktable': line('WorkTable Scan'); return;
    case 'async': line(`SubPlan x${p.specs.length}`); walk(p.input, depth + 1, out); return;
  }
}

export function explainPlan(plan: Plan, dml?: DmlPlan): string[] {
  const out: string[] = [];
  if (dml) {
    const verb = dml.kind[0].toUpperCase() + dml.kind.slice(1);
    out.push(`${verb} on ${dml.table.name}${dml.kind !== 'insert' ? ' (read-modify-write per row on its shard)' : ''}`);
    walk(plan, 1, out);
    return out;
  }
  walk(plan, 0, out);
  return out;
}
