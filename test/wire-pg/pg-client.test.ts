// node-postgres (pg 8.23) against the protocol layer: simple and extended queries, prepared
// statements, binary results, errors, portal suspension via `rows`, notices, cancel.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PgType } from '../../wire/pg/index.js';
import { RawClient, serialize, startServer, type TestServer } from './harness.js';

let t: TestServer;

beforeAll(async () => {
  t = await startServer();
});

afterAll(async () => {
  await t.close();
});

async function withClient<T>(fn: (c: pg.Client) => Promise<T>, config: pg.ClientConfig = {}): Promise<T> {
  const c = new pg.Client({ host: '127.0.0.1', port: t.port, user: 'u', database: 'd', ...config });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('node-postgres, simple protocol', () => {
  it('answers SELECT 1 with an int4 column', async () => {
    await withClient(async (c) => {
      const r = await c.query('SELECT 1');
      expect(r.rows).toEqual([{ '?column?': 1 }]);
      expect(r.fields[0].dataTypeID).toBe(PgType.int4);
      expect(r.command).toBe('SELECT');
      expect(r.rowCount).toBe(1);
    });
  });

  it('runs several statements in one Query, one result each', async () => {
    await withClient(async (c) => {
      const r = (await c.query('select 1 as a; series 3; insert 5')) as unknown as pg.QueryResult[];
      expect(r.map((x) => x.command)).toEqual(['SELECT', 'SELECT', 'INSERT']);
      expect(r[0].rows).toEqual([{ a: 1 }]);
      expect(r[1].rows.map((x) => x.n)).toEqual([1, 2, 3]);
      expect(r[2].rowCount).toBe(5);
    });
  });

  it('reports errors with SQLSTATE, position, detail and hint, and keeps the connection', async () => {
    await withClient(async (c) => {
      const err = await c.query('select 1; error 23505 duplicate key').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const e = err as pg.DatabaseError;
      expect(e.code).toBe('23505');
      expect(e.message).toBe('duplicate key');
      expect(e.position).toBe('11');
      expect(e.detail).toBe('raised on request');
      expect(e.hint).toBe('ask for less');
      expect(e.severity).toBe('ERROR');
      expect((await c.query('select 2 as b')).rows).toEqual([{ b: 2 }]);
    });
  });

  it('reports a backend bug as XX000 and keeps serving', async () => {
    await withClient(async (c) => {
      const e = (await c.query('bug').catch((x: unknown) => x)) as pg.DatabaseError;
      expect(e.code).toBe('XX000');
      expect(e.message).toBe('internal error: toy bug');
      expect((await c.query('select 3')).rows).toEqual([{ '?column?': 3 }]);
    });
    expect(t.internalErrors.length).toBeGreaterThan(0);
    t.internalErrors.length = 0;
  });

  it('tracks the transaction status: T in a block, E after an error until ROLLBACK', async () => {
    await withClient(async (c) => {
      await c.query('begin');
      await expect(c.query('error 40001 conflict')).rejects.toMatchObject({ code: '40001' });
      await expect(c.query('select 1')).rejects.toMatchObject({ code: '25P02' });
      const r = await c.query('rollback');
      expect(r.command).toBe('ROLLBACK');
      expect((await c.query('select 1')).rowCount).toBe(1);
    });
  });

  it('delivers notices and ParameterStatus changes', async () => {
    await withClient(async (c) => {
      const notices: string[] = [];
      c.on('notice', (n) => notices.push(`${n.severity} ${n.code} ${n.message}`));
      await c.query('notice table "x" does not exist, skipping');
      expect(notices).toEqual(['NOTICE 00000 table "x" does not exist, skipping']);
      await c.query("set application_name = 'app1'");
      expect((await c.query('show application_name')).rows).toEqual([{ application_name: 'app1' }]);
    });
  });

  it('answers an empty query', async () => {
    await withClient(async (c) => {
      const r = await c.query('');
      expect(r.rows).toEqual([]);
      const r2 = await c.query(';');
      expect(r2.rows).toEqual([]);
    });
  });

  it('refuses a database the backend does not know with FATAL 3D000', async () => {
    const err = await withClient(async () => undefined, { database: 'nosuchdb' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '3D000', severity: 'FATAL', message: 'database "nosuchdb" does not exist' });
  });
});

describe('node-postgres, extended protocol', () => {
  it('binds text parameters of inferred types and returns them with their OIDs', async () => {
    await withClient(async (c) => {
      const r = await c.query('echo int4, int8, text, bool, numeric, jsonb, timestamptz', [
        '42', '9007199254740993', 'hé', true, '12.50', '{"b":1,"a":[1,2]}', '2024-01-02T03:04:05.5Z',
      ]);
      expect(r.fields.map((f) => f.dataTypeID)).toEqual([23, 20, 25, 16, 1700, 3802, 1184]);
      const row = r.rows[0];
      expect(row.$1).toBe(42);
      expect(row.$2).toBe('9007199254740993');
      expect(row.$3).toBe('hé');
      expect(row.$4).toBe(true);
      expect(row.$5).toBe('12.50');
      expect(row.$6).toEqual({ a: [1, 2], b: 1 });
      expect((row.$7 as Date).toISOString()).toBe('2024-01-02T03:04:05.500Z');
    });
  });

  it('passes NULL parameters through', async () => {
    await withClient(async (c) => {
      const r = await c.query('echo int4, text', [null, null]);
      expect(r.rows).toEqual([{ $1: null, $2: null }]);
    });
  });

  it('reuses a named prepared statement: Parse once, then Bind/Execute', async () => {
    await withClient(async (c) => {
      for (const v of ['1', '2', '3']) {
        const r = await c.query({ name: 'by_id', text: 'echo int4', values: [v] });
        expect(r.rows).toEqual([{ $1: Number(v) }]);
      }
    });
  });

  it('returns binary results when asked (binary: true)', async () => {
    // pg 8 asks for binary but reads every DataRow field as a UTF-8 string first, so only
    // values whose binary form is valid UTF-8 survive the trip; raw-frame tests check the rest.
    await withClient(async (c) => {
      const r = await c.query({ text: 'echo int4, int8, float8, bool, text', values: ['7', '5', '2', 'f', 'x'], binary: true });
      expect(r.fields.every((f) => f.format === 'binary')).toBe(true);
      const row = r.rows[0];
      expect(row.$1).toBe(7);
      expect(row.$2).toBe('5');
      expect(row.$3).toBe(2);
      expect(row.$4).toBe(false);
      expect(row.$5).toBe('x');
    });
  });

  it('reports a bad parameter as 22P02 with PostgreSQL wording, then recovers at Sync', async () => {
    await withClient(async (c) => {
      const e = (await c.query('echo int4', ['abc']).catch((x: unknown) => x)) as pg.DatabaseError;
      expect(e.code).toBe('22P02');
      expect(e.message).toBe('invalid input syntax for type integer: "abc"');
      expect(e.where).toBe("unnamed portal parameter $1 = 'abc'");
      expect((await c.query('echo int4', ['12'])).rows).toEqual([{ $1: 12 }]);
    });
  });

  it('reports a Parse error with its position', async () => {
    await withClient(async (c) => {
      const e = (await c.query('  frobnicate $1', ['x']).catch((x: unknown) => x)) as pg.DatabaseError;
      expect(e.code).toBe('42601');
      expect(e.position).toBe('3');
      expect((await c.query('echo text', ['ok'])).rows).toEqual([{ $1: 'ok' }]);
    });
  });

  it('fetches a portal in pieces with the rows option (Execute max-rows, PortalSuspended)', async () => {
    await withClient(async (c) => {
      const r = await c.query({ text: 'series 10', rows: 3 } as pg.QueryConfig);
      expect(r.rows.map((x) => x.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  });
});

/** Runs `sql` (a toy statement that runs until canceled), cancels it the way pg does, returns the error. */
async function runAndCancel(c: pg.Client, sql: string): Promise<unknown> {
  const started = new Promise<void>((resolve) => (t.backend.events.onLongRunning = () => resolve()));
  const running = c.query(sql).catch((e: unknown) => e);
  await started;
  // pg's own cancel: a new connection that sends CancelRequest with c's BackendKeyData.
  const canceller = new pg.Client({ host: '127.0.0.1', port: t.port, user: 'u', database: 'd' }) as unknown as
    { cancel(client: pg.Client, query: unknown): void };
  canceller.cancel(c, (c as unknown as { activeQuery: unknown }).activeQuery);
  return running;
}

describe('node-postgres, cancel', () => {
  it('cancels a running statement through CancelRequest', async () => {
    await withClient(async (c) => {
      const e = (await runAndCancel(c, 'sleep')) as pg.DatabaseError;
      expect(e.code).toBe('57014');
      expect(e.message).toBe('canceling statement due to user request');
      expect((await c.query('select 1')).rowCount).toBe(1);
    });
  });

  it('cancels an endless row stream in the protocol layer', async () => {
    await withClient(async (c) => {
      expect(await runAndCancel(c, 'infinite')).toMatchObject({ code: '57014' });
      expect((await c.query('select 1')).rowCount).toBe(1);
    });
  });
});

describe('CancelRequest forwarded between servers sharing a port (one per shard process)', () => {
  it('routes by the owner in the process id and checks the key at the owner', async () => {
    const servers: TestServer[] = [];
    const routes: string[] = [];
    const forwarded: [number, number, number][] = [];
    for (const owner of [0, 1]) {
      servers.push(await startServer({
        owner,
        forwardCancel: (to, processId, secretKey) => {
          forwarded.push([to, processId, secretKey]);
          servers[to]!.server.cancelLocal(processId, secretKey);
        },
        onCancelRequest: (route) => routes.push(route),
      }));
    }
    try {
      const c = new pg.Client({ host: '127.0.0.1', port: servers[1]!.port, user: 'u', database: 'd' });
      await c.connect();
      const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
      expect(processID >>> 20).toBe(1);
      const started = new Promise<void>((resolve) => (servers[1]!.backend.events.onLongRunning = () => resolve()));
      const running = c.query('sleep').catch((e: unknown) => e);
      await started;
      // The CancelRequest reaches owner 0's listener, which forwards it to owner 1.
      const raw = await RawClient.connect(servers[0]!.port);
      raw.send(serialize.cancel(processID, secretKey));
      expect(await running).toMatchObject({ code: '57014' });
      expect(forwarded).toEqual([[1, processID, secretKey]]);
      expect(routes).toEqual(['forwarded']);
      await c.end();
    } finally {
      for (const s of servers) await s.close();
    }
  });
});

describe('session lifecycle', () => {
  it('closes the session when a client disconnects mid-transaction (it must roll back)', async () => {
    const before = t.backend.events.closed.length;
    const c = new pg.Client({ host: '127.0.0.1', port: t.port, user: 'dropper', database: 'd' });
    c.on('error', () => undefined); // the client notices its own socket going away
    await c.connect();
    await c.query('begin');
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    for (let i = 0; i < 1000 && t.backend.events.closed.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.backend.events.closed.slice(before)).toContainEqual({ user: 'dropper', txStatus: 'T' });
  });
});
