// Issue #3, password authentication: roles made with CREATE / ALTER ROLE ... PASSWORD are
// stored in the engine (tessera$roles), so every shard process checks the same passwords;
// `tessera start --pg-auth scram-sha-256 | md5` requires them. psql (PGPASSWORD) and
// node-postgres log in with the right password and get 28P01 with a wrong one. Which
// process served a connection is visible in its BackendKeyData process id (bits 20-30),
// and the test checks that logins were served by both.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

const dataDir = tempDir();
let node: TesseraProcess;

function psql(user: string, password: string | undefined, sql: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('psql', ['-X', '-w', '-h', '127.0.0.1', '-p', String(node.pgPort), '-U', user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], {
    encoding: 'utf8', timeout: 30_000, env: { ...process.env, PGPASSWORD: password ?? '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function psqlOk(user: string, password: string | undefined, sql: string): string {
  const r = psql(user, password, sql);
  expect(r.stderr, `psql as ${user}: ${sql}`).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

/** Connects with node-postgres; resolves to [current_user, owning shard] or rejects with the server's error. */
async function pgLogin(user: string, password: string): Promise<[string, number]> {
  const c = new pg.Client({ host: '127.0.0.1', port: node.pgPort, user, password, database: 'postgres' });
  await c.connect();
  try {
    const r = await c.query('select current_user as u, pg_backend_pid() as pid');
    return [r.rows[0].u as string, (r.rows[0].pid as number) >>> 20];
  } finally {
    await c.end();
  }
}

async function restart(pgAuth: string): Promise<void> {
  await node.stop();
  node = await TesseraProcess.start({ dataDir, shards: 2, extraArgs: ['--pg-auth', pgAuth] });
}

describe('password authentication against roles, on tessera start --shards 2', () => {
  beforeAll(async () => {
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    // Under trust (the default) anyone connects; set the roles up.
    psqlOk('postgres', undefined, "create role alice login password 'alice-pw'");
    psqlOk('postgres', undefined, "alter role postgres password 'postgres-pw'");
    psqlOk('postgres', undefined, "set password_encryption = 'md5'; create user carol password 'carol-pw'");
    psqlOk('postgres', undefined, "create role nologin_role password 'x'");
  });
  afterAll(async () => { await node?.kill9(); });

  it('stores PostgreSQL rolpassword forms and lists the roles in \\du and pg_roles', () => {
    expect(psqlOk('postgres', undefined, 'select rolname, substr(rolpassword, 1, 14) from pg_authid order by 1')).toBe(
      'alice|SCRAM-SHA-256$\ncarol|md5' + md5Prefix('carol-pw', 'carol') + '\nnologin_role|SCRAM-SHA-256$\npostgres|SCRAM-SHA-256$');
    const du = psql('postgres', undefined, '\\du');
    expect(du.stderr).toBe('');
    expect(du.stdout).toMatch(/^nologin_role\|Cannot login\|/m);
    expect(du.stdout).toMatch(/^postgres\|Superuser, Create role, Create DB, Replication, Bypass RLS\|/m);
    expect(psqlOk('postgres', undefined, 'select rolname, rolcanlogin from pg_roles order by 1')).toBe('alice|t\ncarol|t\nnologin_role|f\npostgres|t');
    expect(psql('postgres', undefined, 'create role alice').stderr).toMatch(/ERROR: {2}role "alice" already exists/);
    expect(psql('postgres', undefined, 'drop role nobody').stderr).toMatch(/ERROR: {2}role "nobody" does not exist/);
    expect(psql('postgres', undefined, "alter role alice valid until 'infinity'").stderr).toMatch(/ERROR: {2}role option VALID UNTIL is not supported/);
  });

  it('SCRAM-SHA-256: right passwords log in on every process, wrong ones get 28P01', async () => {
    await restart('scram-sha-256');
    expect(psqlOk('alice', 'alice-pw', 'select current_user')).toBe('alice');
    const wrong = psql('alice', 'nope', 'select 1');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/FATAL: {2}password authentication failed for user "alice"/);
    expect(psql('postgres', undefined, 'select 1').stderr).toMatch(/password authentication failed|no password supplied/);
    await expect(pgLogin('alice', 'wrong')).rejects.toMatchObject({ code: '28P01' });
    await expect(pgLogin('ghost', 'x')).rejects.toMatchObject({ code: '28P01' });
    // An MD5-stored password cannot answer a SCRAM exchange (as in PostgreSQL).
    await expect(pgLogin('carol', 'carol-pw')).rejects.toMatchObject({ code: '28P01' });

    const owners = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const [user, owner] = await pgLogin(i % 2 ? 'alice' : 'postgres', i % 2 ? 'alice-pw' : 'postgres-pw');
      expect(user).toBe(i % 2 ? 'alice' : 'postgres');
      owners.add(owner);
    }
    expect([...owners].sort()).toEqual([0, 1]);
  });

  it('a role created or changed through one process logs in through every process', async () => {
    const admin = new pg.Client({ host: '127.0.0.1', port: node.pgPort, user: 'postgres', password: 'postgres-pw', database: 'postgres' });
    await admin.connect();
    try {
      await admin.query("create user dave password 'dave-1'");
      for (let round = 2; round <= 4; round++) {
        await admin.query(`alter user dave password 'dave-${round}'`);
        const owners = new Set<number>();
        for (let i = 0; i < 4; i++) {
          const [user, owner] = await pgLogin('dave', `dave-${round}`);
          expect(user).toBe('dave');
          owners.add(owner);
        }
        expect(owners.size).toBe(2);
        await expect(pgLogin('dave', `dave-${round - 1}`)).rejects.toMatchObject({ code: '28P01' });
      }
      await admin.query('drop user dave');
      await expect(pgLogin('dave', 'dave-4')).rejects.toMatchObject({ code: '28P01' });
    } finally {
      await admin.end();
    }
  });

  it('MD5: MD5-stored passwords use the MD5 exchange, SCRAM-stored ones SCRAM; NOLOGIN roles get 28000', async () => {
    await restart('md5');
    expect(psqlOk('carol', 'carol-pw', 'select current_user')).toBe('carol');
    expect(psqlOk('alice', 'alice-pw', 'select current_user')).toBe('alice');
    expect(psql('carol', 'wrong', 'select 1').stderr).toMatch(/FATAL: {2}password authentication failed for user "carol"/);
    expect(await pgLogin('carol', 'carol-pw')).toEqual(['carol', expect.any(Number)]);
    await expect(pgLogin('carol', 'wrong')).rejects.toMatchObject({ code: '28P01' });
    await expect(pgLogin('nologin_role', 'x')).rejects.toMatchObject({ code: '28000', message: 'role "nologin_role" is not permitted to log in' });
  });
});

/** The first 11 characters after 'md5' of PostgreSQL's MD5 rolpassword: md5(password || user). */
function md5Prefix(password: string, user: string): string {
  return createHash('md5').update(password + user).digest('hex').slice(0, 11);
}
