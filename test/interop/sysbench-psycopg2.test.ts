// Issue #3: sysbench (oltp_point_select, oltp_read_only, oltp_read_write: prepare, run
// with 8 threads, cleanup, zero errors) and psycopg2 against a real `tessera start`.
// CI installs Debian's sysbench and python3-psycopg2 (.ci/run).

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

let node: TesseraProcess;

function sysbench(test: string, command: string, extra: string[] = []): string {
  const args = [test, '--db-driver=pgsql', '--pgsql-host=127.0.0.1', `--pgsql-port=${node.pgPort}`, '--pgsql-user=postgres', '--pgsql-db=postgres',
    '--tables=2', '--table-size=500', ...extra, command];
  try {
    return execFileSync('sysbench', args, { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // sysbench reports the failing statement and its SQLSTATE on stdout/stderr: show them.
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`sysbench ${test} ${command} failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

describe('sysbench and psycopg2 on tessera start --shards 2', () => {
  beforeAll(async () => { node = await TesseraProcess.start({ dataDir: tempDir(), shards: 2 }); });
  afterAll(async () => { await node?.kill9(); });

  it('sysbench OLTP workloads prepare, run and clean up with zero errors', () => {
    sysbench('oltp_read_write', 'prepare');
    for (const test of ['oltp_point_select', 'oltp_read_only', 'oltp_read_write']) {
      const out = sysbench(test, 'run', ['--threads=8', '--time=3']);
      const transactions = Number(/transactions:\s+(\d+)/.exec(out)?.[1]);
      expect(transactions, `${test} transactions`).toBeGreaterThan(0);
      expect(out, test).toMatch(/ignored errors:\s+0 /);
      expect(out, test).not.toMatch(/FATAL/);
    }
    sysbench('oltp_read_write', 'cleanup');
  });

  it('psycopg2 round-trips every supported type and reports SQLSTATEs', () => {
    const script = `
import psycopg2, datetime, decimal, json, sys
c = psycopg2.connect(host='127.0.0.1', port=int(sys.argv[1]), user='postgres', dbname='postgres')
cur = c.cursor()
cur.execute("create table py_t (id int primary key, name varchar(10), amount numeric(10,2), at timestamptz, ts timestamp, u uuid, j jsonb, b bytea, f float8, r float4, ok bool, d date, big int8, small int2, ch char(3))")
row = (1, 'x', decimal.Decimal('12.34'), datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone.utc),
       datetime.datetime(2024, 1, 2, 3, 4, 5), '00000000-0000-0000-0000-000000000005', json.dumps({'a': [1, 2]}),
       b'\\x00\\x01\\xff', 1.5, 0.25, True, datetime.date(2024, 5, 6), 9007199254740993, -7, 'ab')
cur.execute("insert into py_t values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", row)
cur.execute("insert into py_t (id) values (2)")
c.commit()
cur.execute("select * from py_t order by id")
got = cur.fetchall()
assert got[0][:6] == row[:6], got[0]
assert got[0][6] == {'a': [1, 2]}, got[0][6]
assert bytes(got[0][7]) == b'\\x00\\x01\\xff'
assert got[0][8:14] == row[8:14], got[0]
assert got[0][14] == 'ab ', repr(got[0][14])
assert got[1] == (2,) + (None,) * 14, got[1]
try:
    cur.execute("select * from missing")
    raise SystemExit('no error')
except psycopg2.Error as e:
    assert e.pgcode == '42P01', e.pgcode
c.rollback()
cur.execute("drop table py_t")
c.commit()
print('ok')
`;
    const out = execFileSync('/usr/bin/python3', ['-c', script, String(node.pgPort)], { encoding: 'utf8', timeout: 60_000 });
    expect(out.trim()).toBe('ok');
  });
});
