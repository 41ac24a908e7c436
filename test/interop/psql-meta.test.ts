// Issue #3, psql: \l, \dt, \d t, \d+ t, \dn, \du, \conninfo and \timing against a real
// `tessera start --shards 2` run without errors (nothing on stderr) and show what a
// PostgreSQL user expects: columns, types, nullability, defaults, primary key, indexes and
// check constraints, in psql 15's layout (the expected lines are what psql prints against
// PostgreSQL 15 for the same table, except where noted).

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

let node: TesseraProcess;

/** Runs psql with each argument as one -c command; stderr must stay empty. */
function psql(...commands: string[]): string {
  const args = ['-X', '-h', '127.0.0.1', '-p', String(node.pgPort), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1'];
  for (const c of commands) args.push('-c', c);
  const r = spawnSync('psql', args, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PGTZ: 'UTC', COLUMNS: '200' } });
  expect(r.stderr, commands.join(' ')).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

/** The lines of `out` with trailing blanks (and psql's closing empty lines) removed, for comparing with aligned tables. */
function lines(out: string): string[] {
  return out.trimEnd().split('\n').map((l) => l.trimEnd());
}

describe('psql meta-commands on tessera start --shards 2', () => {
  beforeAll(async () => {
    node = await TesseraProcess.start({ dataDir: tempDir(), shards: 2 });
    psql(
      "create table items (id serial primary key, name text not null default 'unnamed', price numeric(10,2), qty int default 0 check (qty >= 0), created timestamptz not null default now(), code char(3))",
      'create index items_name_idx on items (name)',
      'create table plain (a int8, b bool)',
    );
  });
  afterAll(async () => { await node?.kill9(); });

  it('\\l lists the databases', () => {
    const out = lines(psql('\\l'));
    expect(out[0]).toMatch(/List of databases/);
    expect(out[1]).toMatch(/^\s+Name\s+\|\s+Owner\s+\|\s+Encoding\s+\|\s+Collate\s+\|\s+Ctype\s+\|/);
    expect(out).toContainEqual(expect.stringMatching(/^ postgres\s+\| postgres \| UTF8 /));
    expect(out).toContainEqual(expect.stringMatching(/^ template1\s+\| postgres \| UTF8 /));
  });

  it('\\dt lists the tables', () => {
    expect(lines(psql('\\dt'))).toEqual([
      '         List of relations',
      ' Schema | Name  | Type  |  Owner',
      '--------+-------+-------+----------',
      ' public | items | table | postgres',
      ' public | plain | table | postgres',
      '(2 rows)',
    ]);
  });

  it('\\d t shows columns, types, nullability, defaults, the primary key, indexes and checks', () => {
    expect(lines(psql('\\d items'))).toEqual([
      '                                     Table "public.items"',
      ' Column  |           Type           | Collation | Nullable |              Default',
      '---------+--------------------------+-----------+----------+-----------------------------------',
      ' id      | integer                  |           | not null | nextval(\'items_id_seq\'::regclass)',
      " name    | text                     |           | not null | 'unnamed'::text",
      ' price   | numeric(10,2)            |           |          |',
      ' qty     | integer                  |           |          | 0',
      ' created | timestamp with time zone |           | not null | now()',
      ' code    | character(3)             |           |          |',
      'Indexes:',
      '    "items_pkey" PRIMARY KEY, btree (id)',
      '    "items_name_idx" btree (name)',
      'Check constraints:',
      '    "items_qty_check" CHECK (qty >= 0)',
    ]);
    // A table without a primary key (Tessera's hidden row id does not show).
    const plain = lines(psql('\\d plain'));
    expect(plain).toContain(' a      | bigint  |           |          |');
    expect(plain).toContain(' b      | boolean |           |          |');
    expect(plain.join('\n')).not.toMatch(/tessera_rowid|Indexes/);
  });

  it('\\d+ t adds storage, compression, statistics and description columns', () => {
    const out = lines(psql('\\d+ items'));
    expect(out[1]).toMatch(/^ Column\s+\|\s+Type\s+\|\s+Collation\s+\|\s+Nullable\s+\|\s+Default\s+\|\s+Storage\s+\|\s+Compression\s+\|\s+Stats target\s+\|\s+Description$/);
    expect(out).toContainEqual(expect.stringMatching(/^ id\s+\| integer\s+\|\s+\| not null \| nextval\('items_id_seq'::regclass\) \| plain\s+\|/));
    expect(out).toContainEqual(expect.stringMatching(/^ name\s+\| text\s+\|\s+\| not null \| 'unnamed'::text\s+\| extended \|/));
    expect(out).toContain('    "items_pkey" PRIMARY KEY, btree (id)');
    expect(out).toContain('Access method: heap');
  });

  it('\\dn, \\du, \\conninfo and \\timing', () => {
    expect(lines(psql('\\dn'))).toEqual(['  List of schemas', '  Name  |  Owner', '--------+----------', ' public | postgres', '(1 row)']);
    const du = lines(psql('\\du'));
    expect(du[1]).toMatch(/^ Role name \|\s+Attributes\s+\| Member of$/);
    expect(du).toContainEqual(expect.stringMatching(/^ postgres\s+\| Superuser, Create role, Create DB, Replication, Bypass RLS \| \{\}$/));
    expect(psql('\\conninfo')).toBe(`You are connected to database "postgres" as user "postgres" on host "127.0.0.1" at port "${node.pgPort}".\n`);
    const timed = psql('\\timing on', 'select 42 as answer');
    expect(timed).toMatch(/^Timing is on\.\n answer \n--------\n     42\n\(1 row\)\n\nTime: \d+\.\d{3} ms\n$/);
  });
});
