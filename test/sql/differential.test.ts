// Differential test against a real PostgreSQL 15 (not run in CI yet): thousands of
// random expressions, WHERE clauses and GROUP BYs over a small table must give the same
// rows (as PostgreSQL prints them) or the same SQLSTATE in both. Run with
//   TESSERA_PG_HOST=/tmp/pg TESSERA_PG_PORT=5433 npx vitest run test/sql/differential.test.ts
// (SEED and N choose the queries).

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { outputValue } from '../../sql/index.js';
import { openSqlNode } from './helpers.js';

const raw = { getTypeParser: () => (v: string) => v };
let seed = Number(process.env.SEED ?? 12345);
const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const pick = <T,>(a: T[]): T => a[rnd(a.length)];

function genExpr(depth: number): string {
  const leaves = ['i', 'j', 'n', 'f', 's', 'd', '1', '0', '-3', '2.5', '0.1', "'ab'", 'NULL', '7::int8', '1e3', "'x'::text", 'b', '3::int2'];
  if (depth <= 0 || rnd(3) === 0) return pick(leaves);
  const k = rnd(12);
  const a = () => genExpr(depth - 1);
  switch (k) {
    case 0: case 1: case 2: return `(${a()} ${pick(['+', '-', '*', '/', '%'])} ${a()})`;
    case 3: return `(${a()} ${pick(['=', '<>', '<', '>=', 'IS DISTINCT FROM'])} ${a()})`;
    case 4: return `${pick(['abs', 'round', 'coalesce', 'length', 'upper', 'ceil', 'floor', 'sign', 'lower', 'md5', 'trim', 'reverse', 'initcap'])}(${a()})`;
    case 5: return `coalesce(${a()}, ${a()})`;
    case 6: return `(${a()})::${pick(['int', 'int8', 'numeric', 'float8', 'text', 'numeric(6,2)', 'bool'])}`;
    case 7: return `CASE WHEN ${a()} > ${a()} THEN ${a()} ELSE ${a()} END`;
    case 8: return `(${a()} || ${a()})`;
    case 9: return pick([`greatest(${a()}, ${a()})`, `least(${a()}, ${a()})`, `nullif(${a()}, ${a()})`, `(${a()} IN (${a()}, ${a()}))`, `(${a()} LIKE ${pick(["'h%'", "'%z'", "'_'", 's'])})`, `(${a()} BETWEEN ${a()} AND ${a()})`, `substr(${a()}, ${a()}, 2)`, `(d + ${pick(['1', 'i', '-2'])})`, `(d - ${pick(["date '2000-01-01'", 'd'])})`, `(${a()} IS NULL)`, `round(${a()}, 1)`, `mod(${a()}, 3)`, `(${a()} ^ 2)`]);
    case 10: return `(${a()} ${pick(['AND', 'OR'])} ${a()})`;
    default: return `(NOT ${a()})`;
  }
}

const host = process.env.TESSERA_PG_HOST;

describe.skipIf(!host)('differential against PostgreSQL 15', () => {
it('gives PostgreSQL\'s answers for random expressions', async () => {
  const c = new pg.Client({ host, port: Number(process.env.TESSERA_PG_PORT ?? 5432), user: process.env.TESSERA_PG_USER ?? 'postgres', database: 'postgres', types: raw as never });
  await c.connect();
  const n = await openSqlNode(3);
  const s = n.sql.session();
  const setup = ["DROP TABLE IF EXISTS dt", "CREATE TABLE dt (id int PRIMARY KEY, i int, j int8, n numeric(8,3), f float8, s text, d date, b bool)",
    "INSERT INTO dt VALUES (1, 5, 10, 1.5, 0.25, 'hello', '2024-01-02', true), (2, -3, 0, -2.125, 1e10, '', '1999-12-31', false), (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL), (4, 0, -7, 0, -0.5, 'Zz', '2000-02-29', true)"];
  for (const q of setup) { await c.query(q); await s.execute(q); }
  let same = 0, diff = 0;
  for (let k = 0; k < Number(process.env.N ?? 3000); k++) {
    const e = genExpr(3);
    const q = k % 3 === 0 ? `SELECT ${e} FROM dt ORDER BY id` : k % 3 === 1 ? `SELECT id FROM dt WHERE ${e} ORDER BY id`
      : `SELECT count(*), ${pick(['sum', 'max', 'min', 'avg', 'count'])}(${pick(['i', 'j', 'n', 'f', 'id'])}) FROM dt GROUP BY ${e} ORDER BY 1, 2`;
    let pr: string, tr: string;
    try { const r = await c.query({ text: q, rowMode: 'array' }); pr = JSON.stringify(r.rows.map((x: unknown[]) => x.join('|'))); } catch (err) { pr = 'ERR ' + (err as { code: string }).code; }
    try { const r = await s.execute(q); tr = JSON.stringify(r.rows.map((x) => x.map((v, i) => (v === null ? '' : outputValue(v as never, { oid: r.fields![i].typeOid, mod: -1 }))).join('|'))); } catch (err) { tr = 'ERR ' + (err as { code: string }).code; }
    if (pr === tr) same++;
    else {
      diff++;
      if (diff <= 20) console.log(`DIFF ${q}\n  pg: ${pr}\n  ts: ${tr}`);
    }
  }
  await c.end();
  await n.close();
  expect({ same, diff }).toEqual({ same: same + diff, diff: 0 });
}, 300000);
});
