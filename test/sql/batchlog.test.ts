// DESIGN.md §2: a BEGIN..COMMIT block that touches several shards is written to the
// batch log before it is applied, so a crash in the middle of COMMIT is repaired by
// replaying the log at start-up: all of the batch applies, and deltas apply once.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchLog } from '../../sql/batchlog.js';
import { openSqlNode } from './helpers.js';

describe('batch log', () => {
  it('replays a COMMIT interrupted after the log write, exactly once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-batchlog-'));
    let n = await openSqlNode(3, dir, true);
    const s = n.sql.session();
    await s.execute('CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL, note text)');
    await s.execute("INSERT INTO acc SELECT g, 100, 'start' FROM generate_series(1, 30) g");
    const t = n.node.engine.catalog.table('acc')!;
    const codec = n.node.engine.catalog.codec(t.id);
    const shards = new Set(Array.from({ length: 30 }, (_, i) => n.node.engine.shardOf(codec.pkey([i + 1]))));
    expect(shards.size).toBe(3);
    // What COMMIT writes for: UPDATE acc SET note = 'moved' (every row); UPDATE acc SET bal = bal + 5 WHERE id = 7
    const ts = n.node.engine.now();
    const w = n.node.engine.writerId;
    const mutations = Array.from({ length: 30 }, (_, i) => ({ table: t.id, pkey: codec.pkey([i + 1]), ckey: '', row: { cells: { note: { ts, w, v: 'moved' } } } }));
    const deltas = [{ table: t.id, pkey: codec.pkey([7]), ckey: '', args: { table: 'acc', cols: [['id', 23, -1], ['bal', 23, -1], ['note', 25, -1]] as [string, number, number][], keys: [0], deltas: [[1, '+:int4', 5]] as [number, string, number][] } }];
    await new BatchLog(n.node.engine).write(mutations, deltas); // ... and the process dies here
    await n.close();

    n = await openSqlNode(3, dir, true);
    expect(await n.sql.recover()).toBe(1);
    expect(await n.sql.recover()).toBe(0);
    const s2 = n.sql.session();
    expect((await s2.execute("SELECT count(*) FROM acc WHERE note = 'moved'")).rows).toEqual([[30n]]);
    expect((await s2.execute('SELECT bal FROM acc WHERE id = 7')).rows).toEqual([[105]]);
    // a batch applied twice (crash after applying, before removing the entry) changes nothing more
    const log = new BatchLog(n.node.engine);
    const id = await log.write([], deltas);
    await log.apply(id, [], deltas);
    expect(await n.sql.recover()).toBe(1);
    expect((await s2.execute('SELECT bal FROM acc WHERE id = 7')).rows).toEqual([[110]]);
    await n.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is used by multi-shard commits and leaves no entries behind', async () => {
    const n = await openSqlNode(3);
    const s = n.sql.session();
    await s.execute('CREATE TABLE b (id int PRIMARY KEY, v int)');
    await s.execute('INSERT INTO b SELECT g, 0 FROM generate_series(1, 20) g');
    await s.execute('BEGIN');
    await s.execute('UPDATE b SET v = v + 1');
    await s.execute('INSERT INTO b VALUES (100, 1)');
    await s.execute('COMMIT');
    expect((await s.execute('SELECT sum(v), count(*) FROM b')).rows).toEqual([[21n, 21n]]);
    const log = n.node.engine.catalog.table('tessera$batchlog');
    expect(log).toBeDefined();
    const left = [];
    for await (const r of n.node.engine.scan({ table: log!.id })) left.push(r);
    expect(left).toEqual([]);
    await n.close();
  });

  it("places a small transaction's hidden row ids on its first write's shard and commits it there, without the batch log", async () => {
    const n = await openSqlNode(3);
    const s = n.sql.session();
    await s.execute('CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL)');
    await s.execute('CREATE TABLE hist (id int, delta int)'); // no primary key: hidden row ids
    await s.execute('INSERT INTO acc SELECT g, 0 FROM generate_series(1, 30) g');
    const engine = n.node.engine;
    const acc = engine.catalog.table('acc')!;
    for (let id = 1; id <= 30; id++) {
      await s.execute('BEGIN');
      await s.execute('UPDATE acc SET bal = bal + $1 WHERE id = $2', [id, id]);
      await s.execute('INSERT INTO hist VALUES ($1, $2), ($1, $2)', [id, id]);
      await s.execute('COMMIT');
    }
    // every history row lives on the shard of the account its transaction updated
    const hist = engine.catalog.table('hist')!;
    const accCodec = engine.catalog.codec(acc.id);
    let rows = 0;
    for await (const r of engine.scan({ table: hist.id })) {
      rows++;
      expect(engine.shardOf(r.pkey)).toBe(engine.shardOf(accCodec.pkey([Number(r.values.id)])));
    }
    expect(rows).toBe(60);
    expect(engine.catalog.table('tessera$batchlog')).toBeUndefined();
    expect((await s.execute('SELECT sum(bal) FROM acc')).rows).toEqual([[465n]]);
    expect((await s.execute('SELECT sum(delta) FROM hist')).rows).toEqual([[930n]]);
    // a large transaction's rows still spread over every shard
    await s.execute('BEGIN');
    await s.execute('UPDATE acc SET bal = bal + 1 WHERE id = 1');
    await s.execute('INSERT INTO hist SELECT g, 0 FROM generate_series(1, 3000) g');
    await s.execute('COMMIT');
    const shards = new Set<number>();
    for await (const r of engine.scan({ table: hist.id })) shards.add(engine.shardOf(r.pkey));
    expect(shards.size).toBe(3);
    await n.close();
  });

  it('applies a one-shard COMMIT all or nothing: a failing delta leaves the other rows unwritten', async () => {
    const n = await openSqlNode(3);
    const s = n.sql.session();
    await s.execute('CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL)');
    await s.execute('CREATE TABLE hist (id int, note text)');
    await s.execute('INSERT INTO acc VALUES (1, 2147483646)');
    await s.execute('BEGIN');
    await s.execute('UPDATE acc SET bal = bal + 1 WHERE id = 1');
    await s.execute("INSERT INTO hist VALUES (1, 'lost')");
    // another session's increment commits first, so this delta overflows when COMMIT applies it
    await n.sql.session().execute('UPDATE acc SET bal = bal + 1 WHERE id = 1');
    await expect(s.execute('COMMIT')).rejects.toMatchObject({ code: '22003' });
    expect((await s.execute('SELECT bal FROM acc')).rows).toEqual([[2147483647]]);
    expect((await s.execute('SELECT count(*) FROM hist')).rows).toEqual([[0n]]);
    await n.close();
  });

  it('a multi-shard COMMIT whose delta fails reports it once: no entry is left, a replay of one does not stop start-up', async () => {
    const n = await openSqlNode(3);
    const s = n.sql.session();
    await s.execute('CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL)');
    await s.execute('INSERT INTO acc SELECT g, 0 FROM generate_series(1, 30) g');
    await s.execute('UPDATE acc SET bal = 2147483646 WHERE id = 1');
    const t = n.node.engine.catalog.table('acc')!;
    const codec = n.node.engine.catalog.codec(t.id);
    const other = Array.from({ length: 30 }, (_, i) => i + 1).find((id) => n.node.engine.shardOf(codec.pkey([id])) !== n.node.engine.shardOf(codec.pkey([1])))!;
    await s.execute('BEGIN');
    await s.execute('UPDATE acc SET bal = bal + 1 WHERE id = 1');
    await s.execute('UPDATE acc SET bal = 7 WHERE id = $1', [other]);
    await n.sql.session().execute('UPDATE acc SET bal = bal + 1 WHERE id = 1');
    await expect(s.execute('COMMIT')).rejects.toMatchObject({ code: '22003' });
    const log = n.node.engine.catalog.table('tessera$batchlog')!;
    const left = async (): Promise<number> => {
      let k = 0;
      for await (const _ of n.node.engine.scan({ table: log.id })) k++;
      return k;
    };
    await new Promise((r) => setTimeout(r, 50)); // the removal is not awaited by COMMIT
    expect(await left()).toBe(0);
    // the same batch left behind by a crash: replayed, the failing delta skipped, the entry removed
    const deltas = [{ table: t.id, pkey: codec.pkey([1]), ckey: '', args: { table: 'acc', cols: [['id', 23, -1], ['bal', 23, -1]] as [string, number, number][], keys: [0], deltas: [[1, '+:int4', 1]] as [number, string, number][] } }];
    await new BatchLog(n.node.engine).write([], deltas);
    expect(await n.sql.recover()).toBe(1);
    expect(await left()).toBe(0);
    expect((await s.execute('SELECT bal FROM acc WHERE id = 1')).rows).toEqual([[2147483647]]);
    await n.close();
  });
});
