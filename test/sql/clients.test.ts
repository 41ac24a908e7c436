// Every statement real clients send (../shared/reference/pg-client-sql/*.sql) parses
// and runs: pgbench init and runs, sysbench, psql's meta-commands (\l \dt \d \d+ \dn
// \du \di \dv \df) and what node-pg and psycopg2 send; pgbench's partition probe
// returns the one row pgbench needs (pg-clients.md §5).

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSql } from '../../sql/parser.js';
import type { Session } from '../../sql/index.js';
import { openSqlNode, type SqlNode } from './helpers.js';

const REF = '/work/shared/reference/pg-client-sql';
const refDir = fs.existsSync(REF) ? REF : new URL('../../../shared/reference/pg-client-sql', import.meta.url).pathname;

/** Statements of a reference file in order (comments dropped), de-duplicated unless asked not to. */
function statements(file: string, dedup = true): string[] {
  const text = fs.readFileSync(`${refDir}/${file}`, 'utf8');
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('--')) {
      if (cur.length) out.push(cur.join('\n'));
      cur = [];
      continue;
    }
    if (line.trim() === '') {
      if (cur.length && cur.join('\n').trim().endsWith(';')) {
        out.push(cur.join('\n'));
        cur = [];
      }
      continue;
    }
    cur.push(line);
  }
  if (cur.length) out.push(cur.join('\n'));
  const list = out.map((s) => s.trim()).filter(Boolean);
  return dedup ? [...new Set(list)] : list;
}

/** The capture cuts sysbench's 500 KB multi-row INSERT short. */
const truncated = (s: string): boolean => s.startsWith("INSERT INTO sbtest1(k, c, pad) VALUES(504, '31825603612");

async function run(s: Session, sql: string, params: unknown[] = []): Promise<unknown[][]> {
  if (params.length) return (await s.execute(sql, params)).rows;
  let rows: unknown[][] = [];
  for await (const p of s.simpleQuery(sql)) rows = (await p.fetch(0)).rows;
  return rows;
}

describe.skipIf(!fs.existsSync(refDir))('reference client SQL', () => {
  it('parses every captured statement', () => {
    for (const f of fs.readdirSync(refDir)) {
      for (const s of statements(f)) {
        if (truncated(s)) continue;
        expect(() => parseSql(s), `${f}: ${s.slice(0, 80)}`).not.toThrow();
      }
    }
  });

  for (const shards of [1, 3]) {
    describe(`${shards} shard(s)`, () => {
      let n: SqlNode;
      let s: Session;
      beforeAll(async () => {
        n = await openSqlNode(shards);
        s = n.sql.session({ user: 'postgres', database: 'pgbench' });
      });
      afterAll(async () => {
        await s.close();
        await n.close();
      });

      it('runs pgbench -i (both variants) and pgbench runs', async () => {
        for (const sql of statements('pgbench-init.sql', false)) {
          if (sql.startsWith('copy ')) {
            // COPY data comes through the wire layer (session.test.ts); load the same rows here
            await run(s, "insert into pgbench_accounts(aid,bid,abalance,filler) select aid, (aid - 1) / 1000 + 1, 0, '' from generate_series(1, 3000) as aid");
            continue;
          }
          await run(s, sql.replace('generate_series(1, 1000000)', 'generate_series(1, 3000)').replace('(aid - 1) / 100000', '(aid - 1) / 1000'));
        }
        expect(await run(s, 'select count(*) from pgbench_accounts')).toEqual([[3000n]]);
        for (const sql of statements('pgbench-run.sql')) {
          const fixed = sql.replace(/aid = \d+/, 'aid = 17').replace(/tid = \d+/, 'tid = 7').replace(/bid = \d+/, 'bid = 2');
          if (fixed.includes('$')) {
            const params = fixed.startsWith('UPDATE') ? ['5', '7'] : fixed.startsWith('SELECT') ? ['17'] : ['1', '2', '3', '4'];
            await run(s, fixed, params);
          } else await run(s, fixed);
        }
        const probe = statements('pgbench-run.sql').find((x) => x.includes('pg_partitioned_table'))!;
        expect(await run(s, probe)).toEqual([[2, null, 0n]]);
      });

      it('runs sysbench prepare, run and cleanup (prepared with explicit types)', async () => {
        for (const sql of statements('sysbench.sql', false)) {
          if (truncated(sql)) {
            const values = Array.from({ length: 300 }, (_, i) => `(${i % 7}, '${'7'.repeat(119)}', '${'3'.repeat(59)}')`).join(',');
            await run(s, `INSERT INTO sbtest1(k, c, pad) VALUES${values}`);
            continue;
          }
          if (!sql.includes('$')) {
            await run(s, sql);
            continue;
          }
          const n8 = 20;
          const p = s.prepare(sql, (sql.match(/\$\d/g) ?? []).map((_, i) => (sql.startsWith('UPDATE sbtest1 SET c') && i === 0) || (sql.startsWith('INSERT') && i >= 2) ? 1043 : n8));
          const params = sql.startsWith('INSERT') ? ['5', '5', 'c', 'p'] : sql.startsWith('UPDATE sbtest1 SET c') ? ['x', '5'] : sql.includes('BETWEEN') ? ['1', '100'] : ['5'];
          await s.execute(p, params);
        }
        expect(await run(s, "select count(*) from pg_catalog.pg_class where relname = 'sbtest1'")).toEqual([[0n]]);
      });

      it("runs psql's meta-command queries against real tables", async () => {
        await run(s, "create table demo_parent (id serial primary key, code text default 'x', check (length(code) < 10)); create index demo_idx on demo_parent (code)");
        const oid = (name: string) => n.sql.sqlTable(name)!.oid;
        for (const sql of statements('psql-meta.sql')) {
          const q = sql.replace(/'16440'/g, `'${oid('pgbench_accounts')}'`).replace(/'16434'/g, `'${oid('pgbench_history')}'`)
            .replace(/'16558'|'16547'|'16571'/g, `'${oid('demo_parent')}'`);
          await expect(run(s, q), q.slice(0, 100)).resolves.toBeDefined();
        }
        // \dt lists the tables
        const dt = statements('psql-meta.sql').find((x) => x.includes("c.relkind IN ('r','p','')"))!;
        const tables = (await run(s, dt)).map((r) => r[1]);
        expect(tables).toEqual(expect.arrayContaining(['demo_parent', 'pgbench_accounts', 'pgbench_branches', 'pgbench_history', 'pgbench_tellers']));
        // \d pgbench_accounts: columns, primary key index
        const cols = statements('psql-meta.sql').find((x) => x.includes('pg_catalog.format_type(a.atttypid') && !x.includes('attstorage'))!;
        expect(await run(s, cols.replace(/'16440'/g, `'${oid('pgbench_accounts')}'`))).toEqual([
          ['aid', 'integer', null, true, null, '', ''],
          ['bid', 'integer', null, false, null, '', ''],
          ['abalance', 'integer', null, false, null, '', ''],
          ['filler', 'character(84)', null, false, null, '', ''],
        ]);
        expect(await run(s, cols.replace(/'16440'/g, `'${oid('demo_parent')}'`))).toEqual([
          ['id', 'integer', "nextval('demo_parent_id_seq'::regclass)", true, null, '', ''],
          ['code', 'text', "'x'::text", false, null, '', ''], // PostgreSQL keeps the literal's coercion
        ]);
        const idx = statements('psql-meta.sql').find((x) => x.includes('pg_get_indexdef'))!;
        expect((await run(s, idx.replace(/'16440'/g, `'${oid('pgbench_accounts')}'`)))[0].slice(0, 7)).toEqual([
          'pgbench_accounts_pkey', true, true, false, true, 'CREATE UNIQUE INDEX pgbench_accounts_pkey ON public.pgbench_accounts USING btree (aid)', 'PRIMARY KEY (aid)',
        ]);
      });

      it('runs what node-pg and psycopg2 send', async () => {
        for (const sql of [...statements('node-pg.sql'), ...statements('psycopg2.sql')]) {
          if (sql.startsWith('INSERT INTO node_t (name) VALUES (NULL)') || sql.startsWith('INSERT INTO py_t (name) VALUES (NULL)')) {
            await expect(run(s, sql)).rejects.toMatchObject({ code: '23502' });
            continue;
          }
          if (sql.startsWith('DECLARE') || sql.startsWith('FETCH') || sql.startsWith('CLOSE')) continue; // needs a transaction (session.test.ts)
          if (sql.includes('$')) {
            const count = new Set(sql.match(/\$\d+/g)).size;
            const params = sql.startsWith('INSERT INTO node_t (name, amount, data') ? ['alice', '12.5', '{"k":[1,2]}', 'true', '9007199254740993']
              : sql.startsWith('INSERT INTO node_t (name, amount)') ? ['bob', '3.25']
                : sql.startsWith('UPDATE') ? ['1', 'bob'] : sql.startsWith('SELECT $1::int') ? ['2', '3'] : Array.from({ length: count }, () => '1');
            await run(s, sql, params);
            continue;
          }
          await run(s, sql);
          if (sql.startsWith('ROLLBACK') || sql.startsWith('COMMIT')) expect(s.txStatus).toBe('I');
        }
        await run(s, 'ROLLBACK');
      });
    });
  }
});
