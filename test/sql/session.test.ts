// The session API as wire/pg uses it (sql/README.md): prepare with parameter type
// inference, bind with text or typed parameters, portals with row limits, simple
// queries with several statements, transaction status, COPY, cursors, SET/SHOW,
// errors with SQLSTATE and position, and atomic increments under concurrency.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oid, SqlError, type Session } from '../../sql/index.js';
import { openSqlNode, type SqlNode } from './helpers.js';

async function all(s: Session, text: string): Promise<{ tags: string[]; rows: unknown[][][] }> {
  const tags: string[] = [];
  const rows: unknown[][][] = [];
  for await (const p of s.simpleQuery(text)) {
    const b = await p.fetch(0);
    tags.push(b.tag ?? '');
    rows.push(b.rows);
  }
  return { tags, rows };
}

async function sqlError(p: Promise<unknown>): Promise<SqlError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error('expected an SqlError');
}

for (const shards of [1, 3]) {
  describe(`session API, ${shards} shard(s)`, () => {
    let n: SqlNode;
    let s: Session;
    beforeAll(async () => {
      n = await openSqlNode(shards);
      s = n.sql.session({ user: 'tester', database: 'db' });
    });
    afterAll(async () => {
      await s.close();
      await n.close();
    });

    it('infers parameter types as pgbench -M extended needs them', async () => {
      await all(s, 'create table pgbench_accounts(aid int not null, bid int, abalance int, filler char(84)); alter table pgbench_accounts add primary key (aid)');
      await s.execute("insert into pgbench_accounts select g, 1, 0, '' from generate_series(1, 10) g");
      const upd = s.prepare('UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;', []);
      expect(upd.paramTypes).toEqual([Oid.int4, Oid.int4]);
      expect(upd.fields).toBeNull();
      const r = await s.execute(upd, ['-4763', '7']);
      expect(r.tag).toBe('UPDATE 1');
      const sel = s.prepare('SELECT abalance FROM pgbench_accounts WHERE aid = $1');
      expect(sel.paramTypes).toEqual([Oid.int4]);
      expect(sel.fields).toEqual([{ name: 'abalance', tableOid: expect.any(Number), columnNumber: 3, typeOid: Oid.int4, typeSize: 4, typeModifier: -1 }]);
      expect((await s.execute(sel, [7])).rows).toEqual([[-4763]]);
      const hist = s.prepare('create table pgbench_history(tid int,bid int,aid int,delta int,mtime timestamp,filler char(22))');
      await s.execute(hist);
      const ins = s.prepare('INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);');
      expect(ins.paramTypes).toEqual([Oid.int4, Oid.int4, Oid.int4, Oid.int4]);
      expect((await s.execute(ins, ['42', '3', '487564', '4778'])).tag).toBe('INSERT 0 1');
    });

    it('takes explicit int8/varchar parameter types as sysbench sends them', async () => {
      await all(s, "CREATE TABLE sbtest1(id SERIAL, k INTEGER DEFAULT '0' NOT NULL, c CHAR(120) DEFAULT '' NOT NULL, pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id))");
      await s.execute("INSERT INTO sbtest1(k, c, pad) SELECT g, 'c' || g, 'p' FROM generate_series(1, 200) g");
      const point = s.prepare('SELECT c FROM sbtest1 WHERE id=$1;', [Oid.int8]);
      expect(point.paramTypes).toEqual([Oid.int8]);
      expect(point.fields?.map((f) => [f.typeOid, f.typeModifier])).toEqual([[Oid.bpchar, 124]]);
      const row = (await s.execute(point, ['17'])).rows[0][0] as string;
      expect(row.trimEnd()).toBe('c17');
      expect(row.length).toBe(120);
      const sum = s.prepare('SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN $1 AND $2;', [Oid.int8, Oid.int8]);
      expect(sum.fields?.[0].typeOid).toBe(Oid.int8);
      expect((await s.execute(sum, [10n, 19n])).rows).toEqual([[145n]]);
      const setc = s.prepare('UPDATE sbtest1 SET c=$1 WHERE id=$2;', [Oid.varchar, Oid.int8]);
      expect((await s.execute(setc, ['new-value', '5'])).tag).toBe('UPDATE 1');
      const ins = s.prepare('INSERT INTO sbtest1 (id, k, c, pad) VALUES ($1, $2, $3, $4);', [Oid.int8, Oid.int8, Oid.varchar, Oid.varchar]);
      await s.execute(s.prepare('DELETE FROM sbtest1 WHERE id=$1;', [Oid.int8]), ['5']);
      expect((await s.execute(ins, ['5', '502', 'x', 'y'])).tag).toBe('INSERT 0 1');
      const dup = await sqlError(s.execute(ins, ['5', '502', 'x', 'y']));
      expect(dup.code).toBe('23505');
      expect(dup.detail).toBe('Key (id)=(5) already exists.');
      const distinct = s.prepare('SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN $1 AND $2 ORDER BY c', [Oid.int8, Oid.int8]);
      expect((await s.execute(distinct, ['1', '3'])).rows.map((r) => (r[0] as string).trim())).toEqual(['c1', 'c2', 'c3']);
    });

    it('returns values in the agreed representation (node-pg test script)', async () => {
      await all(s, 'CREATE TABLE node_t (id serial PRIMARY KEY, name text NOT NULL, amount numeric(10,2), created timestamptz DEFAULT now(), data jsonb, flag boolean, big bigint)');
      const ins = s.prepare('INSERT INTO node_t (name, amount, data, flag, big) VALUES ($1, $2, $3, $4, $5) RETURNING id, created');
      expect(ins.paramTypes).toEqual([Oid.text, Oid.numeric, Oid.jsonb, Oid.bool, Oid.int8]);
      const r = await s.execute(ins, ['alice', '12.5', '{"k":[1,2]}', 'true', '9007199254740993']);
      expect(r.rows[0][0]).toBe(1);
      expect(typeof r.rows[0][1]).toBe('number');
      const sel = await s.execute('SELECT id, name, amount, created, data, flag, big FROM node_t WHERE id = $1', ['1']);
      expect(sel.rows[0].slice(0, 3)).toEqual([1, 'alice', '12.50']);
      expect(sel.rows[0].slice(4)).toEqual(['{"k": [1, 2]}', true, 9007199254740993n]);
      expect(sel.fields?.map((f) => f.typeOid)).toEqual([Oid.int4, Oid.text, Oid.numeric, Oid.timestamptz, Oid.jsonb, Oid.bool, Oid.int8]);
      const expr = await s.execute('SELECT $1::int + $2::int AS s, now() AS t, NULL::text AS n', ['2', '3']);
      expect(expr.rows[0][0]).toBe(5);
      expect(expr.rows[0][2]).toBeNull();
      expect(expr.fields?.map((f) => [f.name, f.typeOid])).toEqual([['s', Oid.int4], ['t', Oid.timestamptz], ['n', Oid.text]]);
      const user = await s.execute('SELECT current_user, $1::text AS echo', ['hi']);
      expect(user.rows).toEqual([['tester', 'hi']]);
      expect(user.fields?.[0].typeOid).toBe(Oid.name);
      await s.execute('BEGIN');
      await s.execute('INSERT INTO node_t (name, amount) VALUES ($1, $2)', ['bob', '3.25']);
      expect((await s.execute('UPDATE node_t SET amount = amount + $1 WHERE name = $2', ['1', 'bob'])).tag).toBe('UPDATE 1');
      await s.execute('COMMIT');
      expect((await s.execute("SELECT amount FROM node_t WHERE name = 'bob'")).rows).toEqual([['4.25']]);
      expect((await s.execute('SELECT count(*) AS n FROM node_t')).rows).toEqual([[2n]]);
    });

    it('runs psycopg2 statements: literals, bytea, dates, ANY(ARRAY[...]), named cursors', async () => {
      await all(s, 'BEGIN; DROP TABLE IF EXISTS py_t; CREATE TABLE py_t (id serial PRIMARY KEY, name text NOT NULL, amount numeric(10,2), created timestamptz DEFAULT now(), day date, flag boolean, data jsonb, raw bytea); COMMIT');
      const r = await s.execute("INSERT INTO py_t (name, amount, day, flag, data, raw) VALUES ('o''hara', 12.50, '2024-02-29'::date, true, '{\"k\": [1, 2]}', '\\x0001ff'::bytea) RETURNING id");
      expect(r.rows).toEqual([[1]]);
      const row = (await s.execute('SELECT id, name, amount, created, day, flag, data, raw FROM py_t WHERE id = 1')).rows[0];
      expect(row[1]).toBe("o'hara");
      expect(row[2]).toBe('12.50');
      expect(row[4]).toBe(Date.UTC(2024, 1, 29) / 86400000);
      expect(Buffer.from(row[7] as Uint8Array)).toEqual(Buffer.from([0, 1, 255]));
      await s.execute("INSERT INTO py_t (name, amount) VALUES ('bob', 1)");
      await s.execute("UPDATE py_t SET amount = amount + 1 WHERE name = 'bob'");
      expect((await s.execute("SELECT count(*) FROM py_t WHERE name = ANY(ARRAY['bob','carol'])")).rows).toEqual([[1n]]);
      await s.execute('BEGIN');
      expect((await sqlError(s.execute('INSERT INTO py_t (name) VALUES (NULL)'))).code).toBe('23502');
      expect(s.txStatus).toBe('E');
      await s.execute('ROLLBACK');
      await s.execute('BEGIN');
      await s.execute('DECLARE "srv_cur" CURSOR WITHOUT HOLD FOR SELECT id, name FROM py_t ORDER BY id');
      const f1 = await s.execute('FETCH FORWARD 1 FROM "srv_cur"');
      expect(f1.tag).toBe('FETCH 1');
      expect(f1.rows).toEqual([[1, "o'hara"]]);
      expect(f1.fields?.map((f) => f.name)).toEqual(['id', 'name']);
      expect((await s.execute('FETCH FORWARD 2 FROM "srv_cur"')).rows).toEqual([[2, 'bob']]);
      expect((await s.execute('FETCH FORWARD 2 FROM "srv_cur"')).tag).toBe('FETCH 0');
      expect((await s.execute('CLOSE "srv_cur"')).tag).toBe('CLOSE CURSOR');
      await s.execute('COMMIT');
      expect((await sqlError(s.execute('DECLARE c CURSOR FOR SELECT 1'))).code).toBe('25P01');
    });

    it('reports transaction status I, T and E', async () => {
      expect(s.txStatus).toBe('I');
      await s.execute('BEGIN');
      expect(s.txStatus).toBe('T');
      await sqlError(s.execute('SELECT * FROM nowhere'));
      expect(s.txStatus).toBe('E');
      expect((await sqlError(s.execute('SELECT 1'))).code).toBe('25P02');
      expect((await s.execute('COMMIT')).tag).toBe('ROLLBACK');
      expect(s.txStatus).toBe('I');
      await sqlError(s.execute('SELECT * FROM nowhere'));
      expect(s.txStatus).toBe('I');
      await s.execute('BEGIN');
      s.abort(new Error('protocol error'));
      expect(s.txStatus).toBe('E');
      await s.execute('ROLLBACK');
      expect(s.txStatus).toBe('I');
    });

    it('streams big results through portals with a row limit', async () => {
      const p = s.bind(s.prepare('SELECT g, g * 2 FROM generate_series(1, 2500) g'), []);
      let total = 0;
      let batch = await p.fetch(1000);
      while (!batch.done) {
        expect(batch.rows.length).toBe(1000);
        total += batch.rows.length;
        batch = await p.fetch(1000);
      }
      total += batch.rows.length;
      expect(total).toBe(2500);
      expect(batch.tag).toBe('SELECT 2500');
      const exact = s.bind(s.prepare('SELECT 1 UNION ALL SELECT 2'), []);
      const b1 = await exact.fetch(2);
      expect(b1.done).toBe(true);
      expect(b1.tag).toBe('SELECT 2');
    });

    it('answers a simple query with several statements, one portal each', async () => {
      const portals = [];
      for await (const p of s.simpleQuery('SELECT 1 AS a; SELECT 2 AS b;')) {
        portals.push({ fields: p.fields?.map((f) => f.name), batch: await p.fetch(0) });
      }
      expect(portals.map((p) => [p.fields, p.batch.rows, p.batch.tag])).toEqual([[['a'], [[1]], 'SELECT 1'], [['b'], [[2]], 'SELECT 1']]);
      const empty = [];
      for await (const p of s.simpleQuery(' ; -- nothing')) empty.push(p.empty);
      expect(empty).toEqual([true]);
      expect(s.prepare('').empty).toBe(true);
      expect((await sqlError(Promise.resolve().then(() => s.prepare('SELECT 1; SELECT 2'))))?.code).toBe('42601');
    });

    it('reports syntax and binding errors with SQLSTATE and position', async () => {
      const e1 = await sqlError(s.execute('SELECT * FRM pgbench_accounts'));
      expect([e1.code, e1.message, e1.position]).toEqual(['42601', 'syntax error at or near "FRM"', 10]);
      const e2 = await sqlError(s.execute('SELECT nosuch FROM pgbench_accounts'));
      expect([e2.code, e2.position]).toEqual(['42703', 8]);
      const e3 = await sqlError(s.execute('SELECT 1 FROM nosuch'));
      expect([e3.code, e3.position]).toEqual(['42P01', 15]);
      expect((await sqlError(s.execute("SELECT 'abc'::int"))).code).toBe('22P02');
      expect((await sqlError(s.execute('SELECT 2147483647 + 1'))).code).toBe('22003');
      expect((await sqlError(s.execute("SELECT 1 WHERE 1"))).code).toBe('42804');
      expect((await sqlError(s.execute('SELECT 1 + true'))).code).toBe('42883');
      expect((await sqlError(s.execute('LISTEN x'))).code).toBe('0A000');
      expect((await sqlError(s.execute('SELECT 1', [1]))).code).toBe('08P01');
    });

    it('keeps 100 concurrent increments of one row (autocommit and transactions)', async () => {
      await s.execute('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)');
      await s.execute('INSERT INTO counter VALUES (1, 0)');
      const sessions = Array.from({ length: 100 }, () => n.sql.session());
      await Promise.all(sessions.map((x) => x.execute('UPDATE counter SET n = n + 1 WHERE id = 1')));
      expect((await s.execute('SELECT n FROM counter WHERE id = 1')).rows).toEqual([[100]]);
      await Promise.all(sessions.map(async (x) => {
        await x.execute('BEGIN');
        await x.execute('UPDATE counter SET n = n + $1 WHERE id = $2', ['1', '1']);
        await x.execute('COMMIT');
      }));
      expect((await s.execute('SELECT n FROM counter WHERE id = 1')).rows).toEqual([[200]]);
      await Promise.all(sessions.map((x) => x.close()));
    });

    it('loads COPY FROM STDIN as pgbench -i sends it (FREEZE after TRUNCATE in the transaction)', async () => {
      await all(s, 'create table acc2(aid int not null, bid int, abalance int, filler char(84))');
      await s.execute('begin');
      await s.execute('truncate table acc2');
      let copyPortal;
      for await (const p of s.simpleQuery('copy acc2 from stdin with (freeze on)')) {
        copyPortal = p;
        await p.start();
        const sink = p.copyIn!;
        expect(sink.columns).toBe(4);
        const rows = Array.from({ length: 3000 }, (_, i) => `${i + 1}\t${Math.floor(i / 1000) + 1}\t0\t\n`);
        // split CopyData at odd boundaries
        const blob = Buffer.from(rows.join('') + '\\.\n');
        for (let i = 0; i < blob.length; i += 777) await sink.write(blob.subarray(i, i + 777));
        await sink.end();
        expect((await p.fetch(0)).tag).toBe('COPY 3000');
      }
      expect(copyPortal).toBeDefined();
      await s.execute('commit');
      const r = await s.execute("select count(*), sum(aid), count(*) filter (where filler = '') from acc2");
      expect(r.rows).toEqual([[3000n, 4501500n, 3000n]]);
      expect((await sqlError((async () => {
        for await (const p of s.simpleQuery('copy acc2 from stdin with (freeze on)')) await p.start();
      })())).code).toBe('55000');
      // errors carry the line
      for await (const p of s.simpleQuery('copy acc2 (aid, bid) from stdin')) {
        await p.start();
        const e = await sqlError(p.copyIn!.write('1\tx\n'));
        expect(e.code).toBe('22P02');
        expect(e.detail).toBe('COPY acc2, line 1');
        break;
      }
      // COPY TO STDOUT
      const lines: string[] = [];
      for await (const p of s.simpleQuery("copy (select aid, filler, null::text from acc2 where aid <= 2 order by aid) to stdout")) {
        await p.start();
        expect(p.copyOutColumns).toBe(3);
        const b = await p.fetch(0);
        lines.push(...(b.copyData ?? []));
        expect(b.tag).toBe('COPY 2');
      }
      expect(lines).toEqual([`1\t${' '.repeat(84)}\t\\N\n`, `2\t${' '.repeat(84)}\t\\N\n`]);
    });

    it('sets and shows session variables, reporting ParameterStatus changes', async () => {
      expect((await s.execute('SHOW server_version')).rows[0][0]).toMatch(/^15\./);
      const set = await s.execute("SET application_name = 'app1'");
      expect(set.parameterChanges).toEqual([{ name: 'application_name', value: 'app1' }]);
      expect((await s.execute('SHOW application_name')).rows).toEqual([['app1']]);
      expect((await s.execute("SET datestyle TO 'ISO'")).tag).toBe('SET');
      expect((await s.execute("SELECT current_setting('application_name')")).rows).toEqual([['app1']]);
      expect((await sqlError(s.execute("SET TimeZone = 'America/New_York'"))).code).toBe('0A000');
      expect((await sqlError(s.execute('SHOW nonsense'))).code).toBe('42704');
      await s.execute('RESET application_name');
      expect((await s.execute('SHOW application_name')).rows).toEqual([['']]);
      expect(s.parameterStatus().server_version).toMatch(/^15\.20/);
      expect(s.parameterStatus().client_encoding).toBe('UTF8');
    });

    it('replans a prepared statement after the table changes', async () => {
      await s.execute('CREATE TABLE rp (a int PRIMARY KEY, b text)');
      await s.execute("INSERT INTO rp VALUES (1, 'x')");
      const p = s.prepare('SELECT * FROM rp WHERE a = $1');
      expect((await s.execute(p, [1])).rows).toEqual([[1, 'x']]);
      await s.execute("ALTER TABLE rp ADD COLUMN c int DEFAULT 5");
      expect((await s.execute(p, [1])).rows).toEqual([[1, 'x', 5]]);
    });
  });
}
