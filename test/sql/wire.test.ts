// The SQL layer behind wire/pg's server, driven by node-postgres as an application
// would: simple and extended protocol, named statements, type OIDs that decide the
// JavaScript values, errors with SQLSTATE, COPY, and transaction status.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgServer } from '../../wire/pg/index.js';
import { openSqlNode, type SqlNode } from './helpers.js';
import { sqlBackend } from '../../wire/pg/sql-backend.js';

describe('SQL over the PostgreSQL wire protocol (node-pg)', () => {
  let n: SqlNode;
  let server: PgServer;
  let port = 0;
  const clients: pg.Client[] = [];

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await c.connect();
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    n = await openSqlNode(3);
    server = new PgServer({ backend: sqlBackend(n.sql) });
    const addr = await server.listen(0, '127.0.0.1');
    port = typeof addr === 'number' ? addr : (addr as { port: number }).port;
  });

  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await server.close();
    await n.close();
  });

  it('runs the node-pg test script with the right JavaScript values', async () => {
    const c = await connect();
    expect((await c.query('SHOW server_version')).rows[0].server_version).toMatch(/^15\./);
    await c.query('DROP TABLE IF EXISTS node_t');
    await c.query('CREATE TABLE node_t (id serial PRIMARY KEY, name text NOT NULL, amount numeric(10,2), created timestamptz DEFAULT now(), data jsonb, flag boolean, big bigint)');
    const ins = await c.query('INSERT INTO node_t (name, amount, data, flag, big) VALUES ($1, $2, $3, $4, $5) RETURNING id, created', ['alice', 12.5, { k: [1, 2] }, true, '9007199254740993']);
    expect(ins.rows[0].id).toBe(1);
    expect(ins.rows[0].created).toBeInstanceOf(Date);
    const sel = await c.query('SELECT id, name, amount, created, data, flag, big FROM node_t WHERE id = $1', [1]);
    expect(sel.rows[0]).toMatchObject({ id: 1, name: 'alice', amount: '12.50', data: { k: [1, 2] }, flag: true, big: '9007199254740993' });
    await c.query('BEGIN');
    await c.query('INSERT INTO node_t (name, amount) VALUES ($1, $2)', ['bob', '3.25']);
    expect((await c.query('UPDATE node_t SET amount = amount + $1 WHERE name = $2', [1, 'bob'])).rowCount).toBe(1);
    await c.query('COMMIT');
    await expect(c.query('INSERT INTO node_t (name) VALUES (NULL)')).rejects.toMatchObject({ code: '23502' });
    const named = { name: 'by_name', text: 'SELECT id, amount FROM node_t WHERE name = $1' };
    for (const who of ['alice', 'bob', 'alice']) expect((await c.query({ ...named, values: [who] })).rowCount).toBe(1);
    expect((await c.query('SELECT count(*) AS n FROM node_t')).rows[0].n).toBe('2');
    const multi = (await c.query('SELECT 1 AS a; SELECT 2 AS b;')) as unknown as pg.QueryResult[];
    expect(multi.map((r) => r.rows[0])).toEqual([{ a: 1 }, { b: 2 }]);
    const expr = await c.query('SELECT $1::int + $2::int AS s, now() AS t, NULL::text AS n', [2, 3]);
    expect(expr.rows[0].s).toBe(5);
    expect((await c.query('SELECT current_user, $1::text AS echo', ['hi'])).rows[0]).toEqual({ current_user: 'postgres', echo: 'hi' });
  });

  it('reports SQLSTATEs with positions and keeps the connection usable', async () => {
    const c = await connect();
    await expect(c.query('SELEC 1')).rejects.toMatchObject({ code: '42601', position: '1' });
    await expect(c.query('SELECT * FROM missing')).rejects.toMatchObject({ code: '42P01' });
    await expect(c.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    await c.query('BEGIN');
    await expect(c.query('SELECT nope')).rejects.toMatchObject({ code: '42703' });
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await c.query('ROLLBACK');
    expect((await c.query('SELECT 41 + 1 AS x')).rows).toEqual([{ x: 42 }]);
  });

  it('streams a large result and counts it in the tag', async () => {
    const c = await connect();
    const r = await c.query('SELECT g, md5(g::text) FROM generate_series(1, 20000) g');
    expect(r.rowCount).toBe(20000);
    expect(r.rows[19999].g).toBe(20000);
  });

  it('serves concurrent increments from many connections without losing one', async () => {
    const c = await connect();
    await c.query('CREATE TABLE ctr (id int PRIMARY KEY, n bigint)');
    await c.query('INSERT INTO ctr VALUES (1, 0)');
    const conns = await Promise.all(Array.from({ length: 10 }, () => connect()));
    await Promise.all(conns.map(async (x) => {
      for (let i = 0; i < 10; i++) {
        await x.query('BEGIN');
        await x.query('UPDATE ctr SET n = n + $1 WHERE id = $2', [1, 1]);
        await x.query('COMMIT');
      }
    }));
    expect((await c.query('SELECT n FROM ctr WHERE id = 1')).rows[0].n).toBe('100');
  });
});
