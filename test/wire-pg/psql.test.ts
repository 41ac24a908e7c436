// psql 15 (libpq) as a child process against the protocol layer: -c with several statements,
// scripts with ON_ERROR_STOP, error display with position, \copy both ways, cancel on SIGINT.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { psql, startServer, type TestServer } from './harness.js';

let t: TestServer;
let dir: string;

beforeAll(async () => {
  t = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'tessera-psql-'));
});

afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('psql', () => {
  it('shows every result of a multi-statement -c', async () => {
    const r = await psql(t.port, ['-A', '-c', 'select 1 as a; series 2; insert 3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a\n1\n(1 row)\nn\n1\n2\n(2 rows)\nINSERT 0 3\n');
  });

  it('prints errors with the position marker PostgreSQL gives', async () => {
    const r = await psql(t.port, ['-c', 'select 1;  frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ERROR:  syntax error at or near "frobnicate"\nLINE 1: select 1;  frobnicate\n                   ^\n');
  });

  it('runs a script statement by statement and stops at the first error with ON_ERROR_STOP', async () => {
    const file = join(dir, 'script.sql');
    writeFileSync(file, 'select 1 as one;\nbegin;\nselect 2 as two;\nerror 23502 null value in column "x";\nselect 3;\n');
    const r = await psql(t.port, ['-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', file]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('1\nBEGIN\n2\n');
    expect(r.stderr).toContain('ERROR:  null value in column "x"');
    expect(r.stderr).toContain('DETAIL:  raised on request');
  });

  it('shows the failed-transaction state and recovers after ROLLBACK', async () => {
    const file = join(dir, 'tx.sql');
    writeFileSync(file, 'begin;\nerror 40001 could not serialize access;\nselect 1;\nrollback;\nselect 5;\n');
    const r = await psql(t.port, ['-A', '-t', '-f', file]);
    expect(r.stdout).toBe('BEGIN\nROLLBACK\n5\n');
    expect(r.stderr).toContain('current transaction is aborted, commands ignored until end of transaction block');
  });

  it('prints notices', async () => {
    const r = await psql(t.port, ['-c', 'notice relation "t" does not exist, skipping']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('NOTICE:  relation "t" does not exist, skipping\n');
  });

  it('loads a file with \\copy FROM and writes it back with \\copy TO', async () => {
    const input = join(dir, 'in.tsv');
    const lines = ['1\talice\t\\N', '2\tbob\twith\\ttab', '3\tcarol\tlast'];
    writeFileSync(input, lines.join('\n') + '\n');
    const load = await psql(t.port, ['-c', `\\copy people from '${input}'`]);
    expect(load).toMatchObject({ code: 0, stdout: 'COPY 3\n' });
    expect(t.backend.tables.get('people')).toEqual([['1', 'alice', null], ['2', 'bob', 'with\ttab'], ['3', 'carol', 'last']]);

    const output = join(dir, 'out.tsv');
    const dump = await psql(t.port, ['-c', `\\copy people to '${output}'`]);
    expect(dump).toMatchObject({ code: 0, stdout: 'COPY 3\n' });
    expect(readFileSync(output, 'utf8')).toBe(lines.join('\n') + '\n');
  });

  it('takes COPY data inline from a script, ended by \\.', async () => {
    const file = join(dir, 'inline.sql');
    writeFileSync(file, 'copy inline from stdin;\nx\t1\ny\t2\n\\.\nselect 9;\n');
    const r = await psql(t.port, ['-A', '-t', '-f', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('COPY 2\n9\n');
    expect(t.backend.tables.get('inline')).toEqual([['x', '1'], ['y', '2']]);
  });

  it('cancels a running query on SIGINT (psql sends CancelRequest)', async () => {
    const started = new Promise<void>((resolve) => (t.backend.events.onLongRunning = () => resolve()));
    const child = spawn('/usr/bin/psql', ['-X', '-h', '127.0.0.1', '-p', String(t.port), '-U', 'u', '-d', 'd', '-c', 'sleep'], {
      env: { PATH: process.env.PATH ?? '/usr/bin', PGPASSFILE: '/nonexistent/.pgpass' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await started;
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toContain('ERROR:  canceling statement due to user request');
  });
});
