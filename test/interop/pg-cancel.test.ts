// Issue #3, "Long queries can be cancelled (CancelRequest) and idle-in-transaction sessions
// that disconnect roll back", against a real `tessera start --shards 2`.
//
// Every shard process serves the pg port, so the CancelRequest (a new connection) often
// lands on another process than the session it names. BackendKeyData's process id carries
// the owning shard (wire/pg/server.ts), and the receiving process forwards the request
// over the shard RPC socket. The test cancels until both routes have been taken, which the
// tessera_pg_cancel_requests_total{route} counters on /metrics show.

import { spawn } from 'node:child_process';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

let node: TesseraProcess;
const CANCEL_REQUEST_CODE = 80877102;

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: node.pgPort, user: 'postgres', database: 'postgres' });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

function keyOf(c: pg.Client): { processId: number; secretKey: number } {
  const k = c as unknown as { processID: number; secretKey: number };
  return { processId: k.processID, secretKey: k.secretKey };
}

/** What libpq's PQcancel does: a 16-byte CancelRequest on a new connection, which the server closes. */
function sendCancel(processId: number, secretKey: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(node.pgPort, '127.0.0.1', () => {
      const b = Buffer.alloc(16);
      b.writeInt32BE(16, 0);
      b.writeInt32BE(CANCEL_REQUEST_CODE, 4);
      b.writeInt32BE(processId, 8);
      b.writeInt32BE(secretKey, 12);
      s.write(b);
    });
    s.on('error', reject);
    s.on('close', () => resolve());
    s.resume();
  });
}

/** Sum of tessera_pg_cancel_requests_total by route over all shards. */
async function cancelRoutes(): Promise<Record<string, number>> {
  const text = await (await node.admin('/metrics')).text();
  const out: Record<string, number> = { local: 0, forwarded: 0 };
  for (const m of text.matchAll(/^tessera_pg_cancel_requests_total\{([^}]*)\} (\d+)/gm)) {
    const route = /route="(\w+)"/.exec(m[1]!)?.[1] ?? '?';
    out[route] = (out[route] ?? 0) + Number(m[2]);
  }
  return out;
}

/** Runs `sql` on `c`, cancels it once it is running, and returns the error it ended with. */
async function cancelWhileRunning(c: pg.Client, sql: string, key = keyOf(c)): Promise<{ code?: string; message: string }> {
  const running = c.query(sql).then(() => ({ message: 'finished without being cancelled' }), (e: { code?: string; message: string }) => e);
  await new Promise((r) => setTimeout(r, 150)); // let the statement start
  await sendCancel(key.processId, key.secretKey);
  return running;
}

describe('CancelRequest and disconnects on tessera start --shards 2', () => {
  beforeAll(async () => { node = await TesseraProcess.start({ dataDir: tempDir(), shards: 2 }); });
  afterAll(async () => { await node?.kill9(); });

  it('hands out process ids that name the owning shard process, as pg_backend_pid() reports', async () => {
    const clients = await Promise.all([connect(), connect(), connect(), connect()]);
    try {
      const owners = new Set<number>();
      for (const c of clients) {
        const { processId } = keyOf(c);
        expect((await c.query('select pg_backend_pid() as pid')).rows[0].pid).toBe(processId);
        owners.add(processId >>> 20);
      }
      for (const o of owners) expect(o).toBeLessThan(2);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('cancels pg_sleep, a streaming result and a long aggregate with 57014, from either process', async () => {
    // Three sessions (an odd number, so the kernel's alternation between the two
    // processes does not keep pairing each session with the same cancel route).
    const clients = await Promise.all([connect(), connect(), connect()]);
    const queries = ['select pg_sleep(30)', 'select * from generate_series(1, 200000000)', 'select count(*) from generate_series(1, 500000000)'];
    try {
      for (let round = 0; round < 12; round++) {
        for (const [i, c] of clients.entries()) {
          const sql = queries[(round + i) % queries.length]!;
          const err = await cancelWhileRunning(c, sql);
          expect(err, sql).toMatchObject({ code: '57014', message: 'canceling statement due to user request' });
          // The session is still usable after the cancel.
          expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
        }
        const routes = await cancelRoutes();
        if (round >= 1 && routes.local! > 0 && routes.forwarded! > 0) break;
      }
      const routes = await cancelRoutes();
      expect(routes.local, 'cancels handled by the owning process').toBeGreaterThan(0);
      expect(routes.forwarded, 'cancels forwarded to the owning process').toBeGreaterThan(0);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('ignores a CancelRequest with the wrong secret key', async () => {
    const c = await connect();
    try {
      const { processId, secretKey } = keyOf(c);
      const sleeping = c.query('select pg_sleep(1.5) as slept');
      await new Promise((r) => setTimeout(r, 150));
      await sendCancel(processId, secretKey ^ 1);
      expect((await sleeping).rows).toEqual([{ slept: '' }]);
    } finally {
      await c.end();
    }
  });

  it('psql cancels a running statement on Ctrl-C', async () => {
    const child = spawn('psql', ['-X', '-h', '127.0.0.1', '-p', String(node.pgPort), '-U', 'postgres', '-d', 'postgres', '-c', 'select pg_sleep(30)'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until the session is running the statement (visible as the sleep not having ended).
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/Cancel request sent/);
    expect(stderr).toMatch(/ERROR: {2}canceling statement due to user request/);
  });

  it('rolls back an open transaction whose client disconnects', async () => {
    const setup = await connect();
    try {
      await setup.query('create table idle_tx (id int primary key, v int)');
      await setup.query('insert into idle_tx values (1, 10), (2, 20)');
      const dropped = await connect();
      await dropped.query('begin');
      await dropped.query('insert into idle_tx select g, g * 10 from generate_series(3, 40) g');
      await dropped.query('update idle_tx set v = v + 1000 where id = 1');
      await dropped.query('delete from idle_tx where id = 2');
      // The client vanishes while idle in the transaction: no COMMIT, no Terminate.
      (dropped as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      // Nothing it did becomes visible, now or once its session is gone.
      for (let i = 0; i < 5; i++) {
        expect((await setup.query('select id, v from idle_tx order by id')).rows).toEqual([{ id: 1, v: 10 }, { id: 2, v: 20 }]);
        await new Promise((r) => setTimeout(r, 100));
      }
      // The keys it inserted are free (its buffered writes were dropped, not applied).
      await setup.query('insert into idle_tx values (3, 30)');
      expect((await setup.query('select count(*)::int as n, sum(v)::int as s from idle_tx')).rows).toEqual([{ n: 3, s: 60 }]);
    } finally {
      await setup.end();
    }
  });
});
