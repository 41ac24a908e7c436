// ALTER TABLE ADD PRIMARY KEY across a power cut (issue #3). The shadow table is
// bulk-loaded without the commit log (Shard.load) and made durable by one flush of every
// shard before the catalog rename, so kill -9 of the whole node must leave either the old
// table (no primary key) or the new one (with it), each holding every row, never a mix:
// - killed while the shadow is being loaded;
// - killed right after the ALTER returned (its rows were never in the commit log, so
//   only the flush before the rename keeps them).

import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

const ROWS = 20_000;
/** Polls of the data directory for the shadow table before giving up. */
const POLLS_MAX = 3_000;

async function connect(port: number): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await c.connect();
  return c;
}

async function load(port: number): Promise<void> {
  const c = await connect(port);
  await c.query('CREATE TABLE acc (id int NOT NULL, grp int, filler text)');
  await c.query(`INSERT INTO acc SELECT g, g % 7, repeat('x', 40) || g FROM generate_series(1, ${ROWS}) g`);
  await c.end();
}

/** Table ids with a directory on shard 0 (a shadow gets one as soon as it is created). */
function tableDirs(dataDir: string): Set<string> {
  return new Set(fs.readdirSync(path.join(dataDir, 'shard-0', 'tables')));
}

async function hasPrimaryKey(c: pg.Client, table = 'acc'): Promise<boolean> {
  const r = await c.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = '${table}_pkey'`);
  return r.rows[0].n === 1;
}

/** Every row is there exactly once, readable by a full scan and (with the key) by point reads. */
async function checkRows(c: pg.Client, keyed: boolean, table = 'acc'): Promise<void> {
  const all = await c.query(`SELECT count(*)::int AS n, sum(id)::text AS s, count(DISTINCT id)::int AS d FROM ${table}`);
  expect(all.rows[0]).toEqual({ n: ROWS, s: String((ROWS * (ROWS + 1)) / 2), d: ROWS });
  for (const id of [1, 2, 777, ROWS / 2, ROWS - 1, ROWS]) {
    const r = await c.query(`SELECT id, grp, filler FROM ${table} WHERE id = $1`, [id]);
    expect(r.rows).toEqual([{ id, grp: id % 7, filler: 'x'.repeat(40) + id }]);
  }
  if (keyed) {
    await expect(c.query(`INSERT INTO ${table} VALUES (5, 0, 'dup')`)).rejects.toMatchObject({ code: '23505' });
  } else {
    await c.query(`INSERT INTO ${table} VALUES (5, 0, 'dup')`);
    await c.query(`DELETE FROM ${table} WHERE filler = 'dup'`);
  }
}

describe('ALTER TABLE ADD PRIMARY KEY survives kill -9', () => {
  const dirs: string[] = [];
  let node: TesseraProcess | undefined;
  afterAll(async () => {
    await node?.kill9();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('killed while the shadow table is loaded: the old table or the new one, with every row', async () => {
    const dataDir = tempDir('tessera-pk-crash-');
    dirs.push(dataDir);
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    await load(node.pgPort);
    const before = tableDirs(dataDir);
    const c = await connect(node.pgPort);
    c.on('error', () => undefined);
    const alter = c.query('ALTER TABLE acc ADD PRIMARY KEY (id)').then(() => 'done', () => 'failed');
    // kill once the shadow exists (an event, not a time): the load is under way or finished
    let polls = 0;
    while ([...tableDirs(dataDir)].every((d) => before.has(d))) {
      if (++polls > POLLS_MAX) throw new Error('the shadow table never appeared');
      await new Promise((r) => setTimeout(r, 5));
    }
    await node.kill9();
    await alter;

    node = await TesseraProcess.start({ dataDir, shards: 2 });
    const after = await connect(node.pgPort);
    try {
      await checkRows(after, await hasPrimaryKey(after));
      // Whichever table survived, the ALTER can be run (again) to completion.
      if (!(await hasPrimaryKey(after))) await after.query('ALTER TABLE acc ADD PRIMARY KEY (id)');
      await checkRows(after, true);
    } finally {
      await after.end();
    }
    await node.kill9();
    node = undefined;
  });

  it('killed right after ADD PRIMARY KEY returned: the new table, with every row', async () => {
    const dataDir = tempDir('tessera-pk-crash-');
    dirs.push(dataDir);
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    await load(node.pgPort);
    const c = await connect(node.pgPort);
    c.on('error', () => undefined);
    // Without an index the shadow's rows go to sorted runs of SSTables; with one (accx)
    // they and their entries go through memtables: both must be durable when ALTER returns.
    await c.query('CREATE TABLE accx (id int NOT NULL, grp int, filler text)');
    await c.query('INSERT INTO accx SELECT * FROM acc');
    await c.query('CREATE INDEX accx_grp ON accx (grp)');
    await c.query('ALTER TABLE acc ADD PRIMARY KEY (id)');
    await c.query('ALTER TABLE accx ADD PRIMARY KEY (id)');
    await node.kill9();

    node = await TesseraProcess.start({ dataDir, shards: 2 });
    const after = await connect(node.pgPort);
    try {
      expect(await hasPrimaryKey(after)).toBe(true);
      await checkRows(after, true);
      const inGroup3 = Array.from({ length: ROWS }, (_, i) => i + 1).filter((id) => id % 7 === 3).length;
      expect(await hasPrimaryKey(after, 'accx')).toBe(true);
      await checkRows(after, true, 'accx');
      expect((await after.query('SELECT count(*)::int AS n FROM accx WHERE grp = 3')).rows).toEqual([{ n: inGroup3 }]);
      expect((await after.query('SELECT count(*)::int AS n FROM accx WHERE grp + 0 = 3')).rows).toEqual([{ n: inGroup3 }]);
      // Each shard re-keys its slice in its own process: a failing slice's SQLSTATE still
      // reaches the client, and the table is left as it was.
      await after.query('CREATE TABLE dup (id int, v text)');
      await after.query("INSERT INTO dup SELECT g % 500, 'v' FROM generate_series(1, 2000) g");
      await expect(after.query('ALTER TABLE dup ADD PRIMARY KEY (id)')).rejects.toMatchObject({ code: '23505' });
      await after.query('INSERT INTO dup VALUES (NULL, NULL)');
      await after.query('DELETE FROM dup WHERE id = 0 OR id > 3');
      await expect(after.query('ALTER TABLE dup ADD PRIMARY KEY (id)')).rejects.toMatchObject({ code: '23502' });
      expect((await after.query('SELECT count(*)::int AS n FROM dup')).rows).toEqual([{ n: 13 }]);
    } finally {
      await after.end();
    }
  });
});
