// A new table becomes usable in a shard process's SQL layer only once every shard has
// installed it. Before the fix, the process that received the new catalog first let its
// sessions write to the table at once, and a write for a key owned by a shard in the other
// process failed with "table id N does not exist on shard 1" (seen in sysbench
// oltp_read_write, where the first COMMITs create tessera$batchlog concurrently).

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processIdOwner } from '../../wire/pg/index.js';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

let node: TesseraProcess;
const clients: pg.Client[] = [];

describe('a created table is visible to SQL only once every shard has it', () => {
  beforeAll(async () => {
    node = await TesseraProcess.start({ dataDir: tempDir(), shards: 2 });
    // Connections are spread over the shard processes; keep going until each has enough.
    const count = (o: number) => clients.filter((c) => processIdOwner((c as unknown as { processID: number }).processID) === o).length;
    while (count(0) < 5 || count(1) < 2) {
      const c = new pg.Client({ host: '127.0.0.1', port: node.pgPort, user: 'postgres', database: 'postgres' });
      await c.connect();
      clients.push(c);
      if (clients.length > 60) throw new Error('connections never reached both shard processes');
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await node?.kill9();
  });

  it('writes racing CREATE TABLE get either "does not exist" or success, on every shard', async () => {
    const owner = (c: pg.Client) => processIdOwner((c as unknown as { processID: number }).processID);
    const inOwner0 = clients.filter((c) => owner(c) === 0);
    const inOwner1 = clients.filter((c) => owner(c) === 1);
    // The supervisor hands each new catalog to shard 0's process first. Process 1 is kept
    // blocked in long sorts while process 0 streams writes to shard 1 over the RPC socket,
    // so when process 1 wakes up, that socket is read before the catalog message.
    await inOwner0[0].query('create table vis_bg (id int primary key, n int)');
    let stop = false;
    const blocker = (async () => {
      while (!stop) await inOwner1[0].query('select g from generate_series(1, 300000) g order by g * 7 % 1000003 desc limit 1');
    })();
    let bgId = 0;
    const streamer = (async () => {
      while (!stop) await inOwner0[1].query('insert into vis_bg values ($1, 0)', [bgId++]);
    })();

    const unexpected: string[] = [];
    let nextId = 0;
    for (let round = 0; round < 10; round++) {
      const table = `vis_${round}`;
      let created = false;
      // The other clients of process 0 insert ever new keys (half of them owned by shard
      // 1) until one succeeds after the CREATE has returned.
      const spinners = inOwner0.slice(2).map(async (c) => {
        for (;;) {
          const wasCreated = created;
          try {
            await c.query(`insert into ${table} values ($1)`, [nextId++]);
            if (wasCreated) return;
          } catch (e) {
            const err = e as { code?: string; message: string };
            if (err.code !== '42P01' || err.message !== `relation "${table}" does not exist`) {
              unexpected.push(`${table}: ${err.code} ${err.message}`);
              return;
            }
          }
        }
      });
      await new Promise((r) => setTimeout(r, 5));
      await inOwner1[1].query(`create table ${table} (id int primary key)`);
      created = true;
      await Promise.all(spinners);
    }
    stop = true;
    await Promise.all([blocker, streamer]);
    expect(unexpected).toEqual([]);
  });
});
