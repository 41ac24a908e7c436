// Secondary indexes (issue #3) under random write histories: after any sequence of
// INSERT (multi-row, ON CONFLICT), UPDATE (of indexed columns, deltas, through the index),
// DELETE, COPY, TRUNCATE and transactions (COMMIT, ROLLBACK), every index-based query
// returns exactly what the same query returns by a full scan, and the index holds exactly
// one entry per row and index (nothing left behind by updates, deletes, rollbacks).
// ORDER BY … LIMIT answered in index order returns the same ordered values as a sort.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../sql/index.js';
import { INDEX_TABLE } from '../../sql/indexes.js';
import { openSqlNode, type SqlNode } from './helpers.js';

async function rows(s: Session, sql: string): Promise<unknown[][]> {
  let out: unknown[][] = [];
  for await (const p of s.simpleQuery(sql)) out = (await p.fetch(0)).rows;
  return out;
}

async function copyIn(s: Session, sql: string, data: string): Promise<void> {
  for await (const p of s.simpleQuery(sql)) {
    await p.start();
    await p.copyIn!.write(Buffer.from(data + '\\.\n'));
    await p.copyIn!.end();
    await p.fetch(0);
  }
}

const sorted = (r: unknown[][]): string[] => r.map((x) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? String(v) : v))).sort();

const A = fc.option(fc.integer({ min: -3, max: 3 }), { nil: null });
const B = fc.option(fc.constantFrom('x', 'y', 'zz', ''), { nil: null });
const C = fc.option(fc.constantFrom('-1.5', '0', '2', '2.50', '10'), { nil: null });
const ID = fc.integer({ min: 1, max: 25 });
const lit = (v: unknown): string => (v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v));

const write = fc.oneof(
  fc.array(fc.tuple(ID, A, B, C), { minLength: 1, maxLength: 4 }).map((rs) => {
    const uniq = [...new Map(rs.map((r) => [r[0], r])).values()];
    return `INSERT INTO t VALUES ${uniq.map(([i, a, b, c]) => `(${i}, ${lit(a)}, ${lit(b)}, ${lit(c)})`).join(', ')} ON CONFLICT (id) DO NOTHING`;
  }),
  fc.tuple(ID, A, B).map(([i, a, b]) => `INSERT INTO t VALUES (${i}, ${lit(a)}, ${lit(b)}, NULL) ON CONFLICT (id) DO UPDATE SET a = excluded.a, b = excluded.b`),
  fc.tuple(ID, A).map(([i, a]) => `UPDATE t SET a = ${lit(a)} WHERE id = ${i}`),
  fc.tuple(ID, fc.integer({ min: -2, max: 2 })).map(([i, d]) => `UPDATE t SET a = a + ${d} WHERE id = ${i}`),
  fc.tuple(A, B).map(([a, b]) => `UPDATE t SET b = ${lit(b)} WHERE a = ${lit(a)}`),
  fc.tuple(A, C).map(([a, c]) => `UPDATE t SET c = ${lit(c)}, a = a - 1 WHERE a >= ${lit(a)}`),
  ID.map((i) => `DELETE FROM t WHERE id = ${i}`),
  A.map((a) => `DELETE FROM t WHERE a = ${lit(a)}`),
  fc.constant('TRUNCATE t'),
  fc.array(fc.tuple(fc.integer({ min: 26, max: 40 }), A, B), { minLength: 1, maxLength: 3 }).map((rs) => {
    const uniq = [...new Map(rs.map((r) => [r[0], r])).values()];
    return { copy: uniq.map(([i, a, b]) => `${i}\t${a ?? '\\N'}\t${b ?? '\\N'}\t\\N\n`).join('') };
  }),
);

type Op = string | { copy: string } | { txn: (string | { copy: string })[]; commit: boolean };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: write },
  {
    weight: 1,
    arbitrary: fc.record({ txn: fc.array(write.filter((w) => typeof w === 'string'), { maxLength: 4 }), commit: fc.boolean() }),
  },
);

/** [query through an index, the same query that cannot use one]. */
const queries = (a: number, b: string, c: string): [string, string][] => [
  [`SELECT id FROM t WHERE a = ${a}`, `SELECT id FROM t WHERE a + 0 = ${a}`],
  [`SELECT id FROM t WHERE a IN (${a}, ${a + 1}, NULL)`, `SELECT id FROM t WHERE a + 0 IN (${a}, ${a + 1}, NULL)`],
  [`SELECT id FROM t WHERE a BETWEEN ${a} AND ${a + 2}`, `SELECT id FROM t WHERE a + 0 BETWEEN ${a} AND ${a + 2}`],
  [`SELECT id FROM t WHERE a > ${a}`, `SELECT id FROM t WHERE a + 0 > ${a}`],
  [`SELECT id FROM t WHERE a <= ${a}`, `SELECT id FROM t WHERE a + 0 <= ${a}`],
  [`SELECT id, a FROM t WHERE b = '${b}' AND a < ${a}`, `SELECT id, a FROM t WHERE b || '' = '${b}' AND a + 0 < ${a}`],
  [`SELECT id FROM t WHERE b IN ('${b}', 'y')`, `SELECT id FROM t WHERE b || '' IN ('${b}', 'y')`],
  [`SELECT id FROM t WHERE c >= ${c}`, `SELECT id FROM t WHERE c + 0 >= ${c}`],
  [`SELECT id FROM t WHERE c < ${c}`, `SELECT id FROM t WHERE c + 0 < ${c}`],
  [`SELECT id FROM t WHERE a IS NULL`, `SELECT id FROM t WHERE a + 0 IS NULL`],
  [`SELECT id FROM t WHERE b IS NULL AND a >= ${a}`, `SELECT id FROM t WHERE b || '' IS NULL AND a + 0 >= ${a}`],
  // ORDER BY … LIMIT read in index order (only the ordered values are determined: ties)
  [`SELECT a FROM t ORDER BY a DESC LIMIT 4`, `SELECT a FROM t ORDER BY a + 0 DESC LIMIT 4`],
  [`SELECT a FROM t ORDER BY a LIMIT 3 OFFSET 2`, `SELECT a FROM t ORDER BY a + 0 LIMIT 3 OFFSET 2`],
  [`SELECT a FROM t WHERE b = '${b}' ORDER BY a LIMIT 2`, `SELECT a FROM t WHERE b || '' = '${b}' ORDER BY a + 0 LIMIT 2`],
  [`SELECT c FROM t WHERE c > ${c} ORDER BY c DESC LIMIT 2`, `SELECT c FROM t WHERE c + 0 > ${c} ORDER BY c + 0 DESC LIMIT 2`],
];

async function entryCount(n: SqlNode): Promise<number> {
  const idx = n.node.engine.catalog.table(INDEX_TABLE)!;
  let count = 0;
  for await (const _ of n.node.engine.scan({ table: idx.id })) count++;
  return count;
}

for (const shards of [1, 3]) {
  describe(`secondary indexes under random writes, ${shards} shard(s)`, () => {
    let n: SqlNode;
    let s: Session;
    beforeAll(async () => {
      n = await openSqlNode(shards);
      s = n.sql.session({ user: 'postgres', database: 'test' });
    });
    afterAll(async () => {
      await s.close();
      await n.close();
    });

    it('index queries equal full scans; one entry per row and index', async () => {
      const run = async (o: string | { copy: string }): Promise<void> => {
        if (typeof o === 'string') await rows(s, o);
        else {
          // a COPY of an existing id fails with 23505, as in PostgreSQL; the rows stay as they were
          await copyIn(s, 'COPY t FROM STDIN', o.copy).catch((e: { code?: string }) => {
            if (e.code !== '23505') throw e;
          });
        }
      };
      await fc.assert(
        fc.asyncProperty(
          fc.array(op, { maxLength: 20 }), fc.integer({ min: -3, max: 3 }), fc.constantFrom('x', 'y', 'zz', ''), fc.constantFrom('-1.5', '0', '2.5', '10'),
          async (ops, a, b, c) => {
            await rows(s, 'DROP TABLE IF EXISTS t');
            await rows(s, 'CREATE TABLE t (id int PRIMARY KEY, a int, b text, c numeric)');
            // one index before the writes (maintained), two after some of them (backfilled)
            await rows(s, 'CREATE INDEX t_a ON t (a)');
            const half = Math.floor(ops.length / 2);
            for (const [k, o] of ops.entries()) {
              if (k === half) {
                await rows(s, 'CREATE INDEX t_ba ON t (b, a)');
                await rows(s, 'CREATE INDEX t_c ON t (c)');
              }
              if (typeof o === 'object' && 'txn' in o) {
                await rows(s, 'BEGIN');
                for (const w of o.txn) await run(w);
                await rows(s, o.commit ? 'COMMIT' : 'ROLLBACK');
              } else {
                await run(o);
              }
            }
            if (ops.length <= half) {
              await rows(s, 'CREATE INDEX t_ba ON t (b, a)');
              await rows(s, 'CREATE INDEX t_c ON t (c)');
            }
            for (const [viaIndex, viaScan] of queries(a, b, c)) {
              const plan = (await rows(s, `EXPLAIN ${viaIndex}`)).map((r) => r[0]).join('\n');
              expect(plan).toMatch(/Index Scan (Backward )?using t_/);
              expect(sorted(await rows(s, viaIndex)), viaIndex).toEqual(sorted(await rows(s, viaScan)));
            }
            const [[count]] = await rows(s, 'SELECT count(*) FROM t');
            expect(await entryCount(n)).toBe(3 * Number(count));
          },
        ),
        { numRuns: 60 },
      );
    }, 240_000);

    it('DDL leaves no orphaned entries: ADD PRIMARY KEY, TRUNCATE (in a transaction, twice), DROP COLUMN/INDEX/TABLE', async () => {
      const entries = async (): Promise<number> => entryCount(n);
      await rows(s, 'DROP TABLE IF EXISTS t');
      const base = await entries();
      await rows(s, 'CREATE TABLE u (x int, y int, z text)');
      await rows(s, "INSERT INTO u SELECT g, g % 4, 'z' || g FROM generate_series(1, 40) g");
      await rows(s, 'CREATE INDEX u_y ON u (y)');
      await rows(s, 'CREATE INDEX u_z ON u (z)');
      expect(await entries()).toBe(base + 80);
      await rows(s, 'ALTER TABLE u ADD PRIMARY KEY (x)');
      expect(await entries()).toBe(base + 80);
      expect(sorted(await rows(s, 'SELECT x FROM u WHERE y = 1'))).toEqual(sorted(await rows(s, 'SELECT x FROM u WHERE y + 0 = 1')));
      await rows(s, 'BEGIN');
      await rows(s, 'TRUNCATE u');
      await rows(s, 'INSERT INTO u VALUES (1, 1, NULL)');
      await rows(s, 'TRUNCATE u');
      await rows(s, 'INSERT INTO u VALUES (2, 1, NULL), (3, 2, NULL)');
      await rows(s, 'COMMIT');
      expect(await entries()).toBe(base + 4);
      expect(await rows(s, 'SELECT x FROM u WHERE y = 1')).toEqual([[2]]);
      await rows(s, 'ALTER TABLE u DROP COLUMN z');
      expect(await entries()).toBe(base + 2);
      await rows(s, 'DROP INDEX u_y');
      expect(await entries()).toBe(base);
      await rows(s, 'CREATE INDEX u_y2 ON u (y)');
      expect(await entries()).toBe(base + 2);
      await rows(s, 'DROP TABLE u');
      expect(await entries()).toBe(base);
    });
  });
}
