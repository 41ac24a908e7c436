// Issue #3: postgres.js (npm `postgres`) against a real `tessera start`: its default
// extended protocol with named prepared statements and `prepare: false` (unnamed
// statements), results and parameters of every type the issue lists, errors with
// SQLSTATE, and transactions through sql.begin. Expected text forms are what
// PostgreSQL 15 prints for the same values (psql against 15.18; see also the
// goldens in test/wire-pg/types.test.ts).

import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

let node: TesseraProcess;

/** One select of every type, with the JS value postgres.js makes of PostgreSQL 15's text and that text. */
const VALUES: { expr: string; js: unknown; text: string | null }[] = [
  { expr: '(-32768)::int2', js: -32768, text: '-32768' },
  { expr: '2147483647::int4', js: 2147483647, text: '2147483647' },
  { expr: '(-9223372036854775808)::int8', js: '-9223372036854775808', text: '-9223372036854775808' },
  { expr: '1.1::float4', js: 1.1, text: '1.1' },
  { expr: '0.1::float8 + 0.2::float8', js: 0.30000000000000004, text: '0.30000000000000004' },
  { expr: '123.4500::numeric(10,4)', js: '123.4500', text: '123.4500' },
  { expr: "'héllo\ttab'::text", js: 'héllo\ttab', text: 'héllo\ttab' },
  { expr: "'ab'::varchar(5)", js: 'ab', text: 'ab' },
  // bpchar to text drops the padding, as in PostgreSQL.
  { expr: "'ab'::char(4)", js: 'ab  ', text: 'ab' },
  { expr: 'true', js: true, text: 'true' },
  { expr: "'\\x00ff10'::bytea", js: Buffer.from([0, 255, 16]), text: '\\x00ff10' },
  { expr: "'2024-02-29'::date", js: new Date('2024-02-29T00:00:00Z'), text: '2024-02-29' },
  { expr: "'2024-01-02 03:04:05.123'::timestamp", js: new Date('2024-01-02T03:04:05.123Z'), text: '2024-01-02 03:04:05.123' },
  { expr: "'2024-01-02 03:04:05.5+02'::timestamptz", js: new Date('2024-01-02T01:04:05.500Z'), text: '2024-01-02 01:04:05.5+00' },
  { expr: "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid", js: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', text: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
  { expr: `'{"b":  [1, 2], "a": null}'::json`, js: { b: [1, 2], a: null }, text: '{"b":  [1, 2], "a": null}' },
  { expr: `'{"b":  [1, 2], "a": null}'::jsonb`, js: { a: null, b: [1, 2] }, text: '{"a": null, "b": [1, 2]}' },
  { expr: 'null::int4', js: null, text: null },
];

/** Type OIDs PostgreSQL 15 reports for those columns. */
const OIDS = [21, 23, 20, 700, 701, 1700, 25, 1043, 1042, 16, 17, 1082, 1114, 1184, 2950, 114, 3802, 23];

describe('postgres.js on tessera start --shards 2', () => {
  beforeAll(async () => { node = await TesseraProcess.start({ dataDir: tempDir(), shards: 2 }); });
  afterAll(async () => { await node?.kill9(); });

  const connect = (prepare: boolean) => postgres({
    host: '127.0.0.1', port: node.pgPort, user: 'postgres', database: 'postgres', prepare, max: 2, onnotice: () => undefined,
  });

  for (const prepare of [true, false]) {
    describe(prepare ? 'prepared statements (default)' : 'prepare: false', () => {
      it('returns every type as PostgreSQL 15 does, with its type OID and text form', async () => {
        const sql = connect(prepare);
        try {
          const list = VALUES.map((v, i) => `${v.expr} as c${i}`).join(', ');
          const texts = VALUES.map((v, i) => `(${v.expr})::text as c${i}`).join(', ');
          const r = await sql.unsafe(`select ${list}`);
          expect(r.columns.map((c) => c.type)).toEqual(OIDS);
          expect(Object.values(r[0]!)).toEqual(VALUES.map((v) => v.js));
          const t = await sql.unsafe(`select ${texts}`);
          expect(Object.values(t[0]!)).toEqual(VALUES.map((v) => v.text));
        } finally {
          await sql.end();
        }
      });

      it('round-trips parameters of every type through a table', async () => {
        const sql = connect(prepare);
        const table = `pj_types_${prepare ? 'p' : 'u'}`;
        try {
          await sql.unsafe(`create table ${table} (id int8 primary key, a int2, b int4, c float4, d float8, e numeric(12,3), f text,
            g varchar(8), h char(3), i bool, j bytea, k date, l timestamp, m timestamptz, n uuid, o json, p jsonb)`);
          const row = {
            id: '9007199254740993', a: -7, b: 123456, c: 3.5, d: -1e-300, e: '12.345', f: "it's \\ ok", g: 'café', h: 'x', i: false,
            j: Buffer.from([0, 1, 2, 254, 255]), k: new Date('1999-12-31T00:00:00Z'), l: new Date('2000-01-01T00:00:00.250Z'),
            m: new Date('2023-06-15T12:34:56.789Z'), n: '123e4567-e89b-12d3-a456-426614174000', o: { x: [1, 'two'] }, p: { z: { y: true } },
          };
          await sql`insert into ${sql(table)} ${sql(row)}`;
          await sql`insert into ${sql(table)} (id, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)
            values (${'1'}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null}, ${null})`;
          const back = await sql`select * from ${sql(table)} where id = ${'9007199254740993'}`;
          expect(back[0]).toEqual({ ...row, h: 'x  ' });
          const nulls = await sql`select * from ${sql(table)} where id = ${1}`;
          expect(Object.values(nulls[0]!).filter((v) => v !== null)).toEqual(['1']);
          // The text PostgreSQL 15 prints for what was stored.
          const text = await sql`select e::text, d::text, j::text, l::text, m::text, p::text from ${sql(table)} where id = ${'9007199254740993'}`;
          expect(text[0]).toEqual({ e: '12.345', d: '-1e-300', j: '\\x000102feff', l: '2000-01-01 00:00:00.25', m: '2023-06-15 12:34:56.789+00', p: '{"z": {"y": true}}' });
          // The same statement many times: postgres.js reuses its named statement.
          for (let i = 0; i < 5; i++) {
            const r = await sql`select b + ${i}::int4 as v from ${sql(table)} where id = ${'9007199254740993'}`;
            expect(r[0]!.v).toBe(123456 + i);
          }
        } finally {
          await sql.end();
        }
      });

      it('reports errors with their SQLSTATE and keeps the connection usable', async () => {
        const sql = connect(prepare);
        try {
          await expect(sql`select * from no_such_table`).rejects.toMatchObject({ code: '42P01' });
          await expect(sql`selec 1`).rejects.toMatchObject({ code: '42601', position: '1' });
          await expect(sql`select ${'abc'}::int4`).rejects.toMatchObject({ code: '22P02' });
          await expect(sql`select 1 / ${0}::int4`).rejects.toMatchObject({ code: '22012' });
          await expect(sql`select nope from pg_class`).rejects.toMatchObject({ code: '42703' });
          expect((await sql`select 41 + ${1}::int4 as v`)[0]!.v).toBe(42);
        } finally {
          await sql.end();
        }
      });

      it('commits sql.begin transactions and rolls back the failed ones', async () => {
        const sql = connect(prepare);
        const table = `pj_tx_${prepare ? 'p' : 'u'}`;
        try {
          await sql.unsafe(`create table ${table} (id int primary key, v text)`);
          const result = await sql.begin(async (tx) => {
            await tx`insert into ${sql(table)} values (1, 'a')`;
            await tx`insert into ${sql(table)} values (2, 'b')`;
            return tx`select count(*)::int4 as n from ${sql(table)}`;
          });
          expect(result[0]!.n).toBe(2);
          await expect(sql.begin(async (tx) => {
            await tx`insert into ${sql(table)} values (3, 'c')`;
            await tx`insert into ${sql(table)} values (1, 'duplicate')`;
          })).rejects.toMatchObject({ code: '23505' });
          await expect(sql.begin(async (tx) => {
            await tx`update ${sql(table)} set v = 'changed'`;
            throw new Error('application error');
          })).rejects.toThrow('application error');
          // Savepoints: the inner failure is rolled back, the outer work commits.
          await sql.begin(async (tx) => {
            await tx`insert into ${sql(table)} values (4, 'd')`;
            await tx.savepoint(async (sp) => {
              await sp`insert into ${sql(table)} values (5, 'e')`;
              throw new Error('undo 5');
            }).catch(() => undefined);
          });
          const rows = await sql`select id, v from ${sql(table)} order by id`;
          expect(rows.map((r) => [r.id, r.v])).toEqual([[1, 'a'], [2, 'b'], [4, 'd']]);
        } finally {
          await sql.end();
        }
      });
    });
  }
});
