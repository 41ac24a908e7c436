// Issue #3 end to end: the real clients against a real `tessera start`: psql (DDL, DML,
// meta-commands), node-postgres (extended protocol), pgbench (init and TPC-B with
// consistent balances), and a COMMIT that survives kill -9.

import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

let node: TesseraProcess;
const dataDir = tempDir();

function psql(...commands: string[]): string {
  const args = ['-X', '-h', '127.0.0.1', '-p', String(node.pgPort), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-At'];
  for (const c of commands) args.push('-c', c);
  return execFileSync('psql', args, { encoding: 'utf8', timeout: 60_000 });
}

function pgbench(...args: string[]): string {
  return execFileSync('pgbench', ['-h', '127.0.0.1', '-p', String(node.pgPort), '-U', 'postgres', ...args, 'postgres'], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('SQL over the Postgres wire protocol, on tessera start --shards 2', () => {
  beforeAll(async () => { node = await TesseraProcess.start({ dataDir, shards: 2 }); });
  afterAll(async () => { await node?.kill9(); });

  it('psql runs DDL, DML, queries and meta-commands', () => {
    psql('create table kv (k int primary key, v text, n int)', "insert into kv values (1, 'a', 10), (2, 'b', 20), (3, null, 30)");
    expect(psql('select k, v, n from kv order by k')).toBe('1|a|10\n2|b|20\n3||30\n');
    expect(psql('update kv set n = n + 1 where k = 2', 'select sum(n) from kv')).toBe('UPDATE 1\n61\n');
    expect(psql('\\dt')).toMatch(/public\|kv\|table\|/);
    expect(psql('\\d kv')).toMatch(/k\|integer\|\|not null\|/);
  });

  it('node-postgres: extended protocol with parameters, errors with SQLSTATE', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: node.pgPort, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      await client.query('create table people (id int primary key, name text, born date)');
      await client.query('insert into people values ($1, $2, $3)', [1, 'ada', '1815-12-10']);
      const r = await client.query({ name: 'by-id', text: 'select name, born from people where id = $1', values: [1] });
      expect(r.rows[0].name).toBe('ada');
      await expect(client.query('select * from nope')).rejects.toMatchObject({ code: '42P01' });
      await expect(client.query('insert into people values (1, $1, null)', ['dup'])).rejects.toMatchObject({ code: '23505' });
      await expect(client.query('selec 1')).rejects.toMatchObject({ code: '42601' });
    } finally {
      await client.end();
    }
  });

  it('pgbench initialises and runs TPC-B with consistent balances', () => {
    pgbench('-i', '-s', '1', '-q');
    const out = pgbench('-n', '-c', '4', '-j', '2', '-t', '50');
    expect(out).toMatch(/number of failed transactions: 0 /);
    const sums = psql('select sum(abalance) from pgbench_accounts', 'select sum(tbalance) from pgbench_tellers', 'select sum(bbalance) from pgbench_branches', 'select sum(delta) from pgbench_history').trim().split('\n');
    expect(new Set(sums).size).toBe(1);
  });

  it('a COMMIT acknowledged to the client survives kill -9', async () => {
    psql('create table durable (id int primary key, note text)', 'begin', "insert into durable values (1, 'committed')", 'commit');
    await node.kill9();
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    expect(psql('select note from durable where id = 1')).toBe('committed\n');
  });
});
