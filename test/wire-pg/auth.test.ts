// Authentication with real clients (docs: "Message Flow, Start-up"; "SASL Authentication"):
// trust, cleartext, MD5 and SCRAM-SHA-256 with psql (libpq 15, PGPASSWORD) and node-postgres;
// a bad password is FATAL 28P01 for both. Plus the pieces: MD5/SCRAM secrets against values
// PostgreSQL itself stores.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  MemoryUserStore, formatScramVerifier, md5Response, md5Secret, parseScramVerifier, scramSecret, type PgAuthMethod,
} from '../../wire/pg/index.js';
import { RawClient, cstrings, errorFields, psql, serialize, startServer, testUsers, type TestServer } from './harness.js';

const methods: PgAuthMethod[] = ['password', 'md5', 'scram-sha-256'];
const servers = new Map<PgAuthMethod, TestServer>();

beforeAll(async () => {
  servers.set('trust', await startServer());
  for (const method of methods) servers.set(method, await startServer({ auth: { method, users: testUsers() } }));
});

afterAll(async () => {
  for (const s of servers.values()) await s.close();
});

function port(method: PgAuthMethod): number {
  return servers.get(method)!.port;
}

async function pgConnect(method: PgAuthMethod, user: string, password: string): Promise<string> {
  const c = new pg.Client({ host: '127.0.0.1', port: port(method), user, password, database: 'd' });
  await c.connect();
  try {
    const r = await c.query('select 1 as ok');
    return String(r.rows[0].ok);
  } finally {
    await c.end();
  }
}

describe('psql (libpq 15)', () => {
  it('connects with trust: SSLRequest answered N, then the query runs', async () => {
    const r = await psql(port('trust'), ['-A', '-t', '-c', 'select 1'], { PGSSLMODE: 'prefer' });
    expect(r).toMatchObject({ code: 0, stdout: '1\n' });
  });

  it('fails with sslmode=require since the server refuses TLS', async () => {
    const r = await psql(port('trust'), ['-c', 'select 1'], { PGSSLMODE: 'require' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('server does not support SSL');
  });

  for (const method of methods) {
    it(`authenticates with ${method} (PGPASSWORD)`, async () => {
      const r = await psql(port(method), ['-w', '-A', '-t', '-c', 'select 7'], { PGPASSWORD: 'secret' }, 'alice');
      expect(r).toMatchObject({ code: 0, stdout: '7\n' });
    });

    it(`rejects a bad password with ${method}: FATAL 28P01`, async () => {
      const r = await psql(port(method), ['-w', '-c', 'select 1'], { PGPASSWORD: 'wrong' }, 'alice');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('FATAL:  password authentication failed for user "alice"');
    });

    it(`rejects an unknown user the same way with ${method}`, async () => {
      const r = await psql(port(method), ['-w', '-c', 'select 1'], { PGPASSWORD: 'secret' }, 'mallory');
      expect(r.stderr).toContain('FATAL:  password authentication failed for user "mallory"');
    });
  }

  it('reads server_version from ParameterStatus as a 15.x server', async () => {
    const r = await psql(port('scram-sha-256'), ['-w', '-c', '\\echo :SERVER_VERSION_NAME :SERVER_VERSION_NUM'], { PGPASSWORD: 'hunter2' }, 'bob');
    expect(r).toMatchObject({ code: 0, stdout: '15.20 (Tessera) 150020\n' });
  });
});

describe('node-postgres', () => {
  it('connects with trust', async () => {
    expect(await pgConnect('trust', 'anyone', '')).toBe('1');
  });

  for (const method of ['md5', 'scram-sha-256', 'password'] as const) {
    it(`authenticates with ${method}`, async () => {
      expect(await pgConnect(method, 'bob', 'hunter2')).toBe('1');
    });

    it(`rejects a bad password with ${method}: 28P01`, async () => {
      const err = await pgConnect(method, 'bob', 'nope').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: '28P01', severity: 'FATAL', message: 'password authentication failed for user "bob"' });
    });
  }

  it('uses SCRAM under md5 for a user that has only a SCRAM secret (as PostgreSQL)', async () => {
    const users = new MemoryUserStore(() => Buffer.alloc(16, 7)).setUser('carol', { scram: scramSecret('pw', Buffer.alloc(16, 1)) });
    const s = await startServer({ auth: { method: 'md5', users } });
    try {
      const c = new pg.Client({ host: '127.0.0.1', port: s.port, user: 'carol', password: 'pw', database: 'd' });
      await c.connect();
      await c.end();
    } finally {
      await s.close();
    }
  });
});

describe('raw exchanges', () => {
  it('sends AuthenticationSASL listing only SCRAM-SHA-256 (no -PLUS without TLS)', async () => {
    const c = await RawClient.connect(port('scram-sha-256'));
    c.send(serialize.startup({ user: 'alice', database: 'd' }));
    const m = await c.next();
    expect(m?.type).toBe('R');
    expect(m!.body.readInt32BE(0)).toBe(10);
    expect(m!.body.subarray(4).toString('latin1')).toBe('SCRAM-SHA-256\0\0');
    c.destroy();
  });

  it('refuses channel binding (p=) as a protocol violation', async () => {
    const c = await RawClient.connect(port('scram-sha-256'));
    c.send(serialize.startup({ user: 'alice', database: 'd' }));
    await c.next();
    c.send(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'p=tls-server-end-point,,n=,r=abc'));
    const [e] = await c.closed();
    expect(errorFields(e)).toMatchObject({ S: 'FATAL', C: '08P01', M: 'malformed SCRAM message' });
  });

  it('answers any message but a password during authentication with FATAL 08P01', async () => {
    const c = await RawClient.connect(port('md5'));
    c.send(serialize.startup({ user: 'alice', database: 'd' }));
    await c.next(); // AuthenticationMD5Password
    c.send(serialize.query('select 1'));
    const [e] = await c.closed();
    expect(errorFields(e)).toMatchObject({ S: 'FATAL', C: '08P01', M: 'expected password response, got message type 81' });
  });

  it('a client speaking MD5 by hand gets AuthenticationOk and the 13 ParameterStatus values', async () => {
    const c = await RawClient.connect(port('md5'));
    c.send(serialize.startup({ user: 'alice', database: 'd', application_name: 'raw' }));
    const challenge = (await c.next())!;
    expect(challenge.body.readInt32BE(0)).toBe(5);
    c.send(serialize.password(md5Response(md5Secret('alice', 'secret'), challenge.body.subarray(4, 8))));
    const msgs = await c.until('Z');
    expect(msgs[0].body.readInt32BE(0)).toBe(0);
    const params = msgs.filter((m) => m.type === 'S').map((m) => cstrings(m.body).join('='));
    expect(params).toEqual([
      'application_name=raw', 'client_encoding=UTF8', 'DateStyle=ISO, MDY', 'default_transaction_read_only=off',
      'in_hot_standby=off', 'integer_datetimes=on', 'IntervalStyle=postgres', 'is_superuser=off', 'server_encoding=UTF8',
      'server_version=15.20 (Tessera)', 'session_authorization=alice', 'standard_conforming_strings=on', 'TimeZone=Etc/UTC',
    ]);
    expect(msgs.map((m) => m.type).slice(-2)).toEqual(['K', 'Z']);
    c.destroy();
  });
});

describe('secrets', () => {
  // Values PostgreSQL 15.18 stored for these roles (pg_authid.rolpassword).
  it('md5Secret matches PostgreSQL: md5 || md5(password || user)', () => {
    expect(md5Secret('md5user', 'md5pass')).toBe('md57541d4e65fae11bd07f18dc6fe2b02bc');
  });

  it('scramSecret reproduces PostgreSQL verifiers from their salt, SASLprep included', () => {
    const stored: [string, string][] = [
      ['scrampass', 'SCRAM-SHA-256$4096:1jgBeZSqqXtI2Xg4gWkOFA==$Yc5NIEJruYcopmGFN1C7TMtk6wzaBXaU+Xeh+o6b3UU=:UngGRMX43f+UOdK9W8xtvOdjt+1dZ6QSPaUeFUPYpIM='],
      ['pässwörd ﬁ', 'SCRAM-SHA-256$4096:01plYnx9AEFIRqdpOlD55g==$gqBfSnqofoldaxxXamZhBrDeXYKgj5aF8uL33/rSdLE=:tPs+LksSuohVKgVZgu7pHKH2jE3xrt0VwqBC2vS9ot4='],
    ];
    for (const [password, verifier] of stored) {
      const parsed = parseScramVerifier(verifier);
      expect(parsed).toBeDefined();
      expect(formatScramVerifier(scramSecret(password, parsed!.salt, parsed!.iterations))).toBe(verifier);
    }
  });
});
