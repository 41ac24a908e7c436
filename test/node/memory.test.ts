// Issue #2 acceptance 3: loading 5 million 200-byte rows keeps every shard's RSS under
// its budget, reads stay correct, and compaction bounds read amplification.
// TESSERA_MEMORY_ROWS overrides the row count for quick local runs.

import { afterAll, describe, expect, it } from 'vitest';
import type { RpcClient } from '../../engine/rpc.js';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

const ROWS = Number(process.env.TESSERA_MEMORY_ROWS ?? 5_000_000);
const RSS_BUDGET_BYTES = 512 * 1024 * 1024;
const BATCH = 2000;
const CONCURRENCY = 4;

const valueOf = (k: number) => `${k}:`.padEnd(200, String.fromCharCode(97 + (k % 26)));

describe(`bounded memory with ${ROWS} rows of 200 bytes`, () => {
  let node: TesseraProcess;
  afterAll(async () => { await node?.kill9(); });

  it('stays under the RSS budget, reads correctly, and keeps read amplification bounded', async () => {
    node = await TesseraProcess.start({ dataDir: tempDir(), shards: 2 });
    const clients: RpcClient[] = [await node.connect(0), await node.connect(1)];
    await clients[0].call('native.createTable', {
      name: 'big', columns: [{ name: 'k', type: 'int8' }, { name: 'v', type: 'text' }], partitionKey: ['k'], clusteringKey: [], options: {},
    });
    let maxRss = [0, 0];
    const sampleRss = async () => {
      for (const s of [0, 1]) {
        const st = await clients[s].call<{ rss: number }>('shard.stats', null);
        maxRss[s] = Math.max(maxRss[s], st.rss);
      }
    };
    let nextKey = 0;
    const writer = async (id: number) => {
      for (;;) {
        const start = nextKey;
        if (start >= ROWS) return;
        nextKey += BATCH;
        const rows = [];
        for (let k = start; k < Math.min(start + BATCH, ROWS); k++) rows.push({ table: 'big', key: { k }, values: { v: valueOf(k) } });
        await clients[id % 2].call('native.put', rows);
        if ((start / BATCH) % 10 === 0) await sampleRss();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => writer(i)));
    await sampleRss();
    for (const s of [0, 1]) expect(maxRss[s], `shard ${s} RSS`).toBeLessThan(RSS_BUDGET_BYTES);

    // Point reads, spread over the key space, from both shards (half of them forwarded).
    for (let i = 0; i < 2000; i++) {
      const k = Math.floor((i * 7919 * 104729) % ROWS);
      expect(await clients[i % 2].call('native.get', { table: 'big', key: { k } })).toEqual({ k, v: valueOf(k) });
    }
    expect(await clients[0].call('native.get', { table: 'big', key: { k: ROWS + 1 } })).toBeNull();

    const metrics = await (await node.admin('/metrics')).text();
    for (const s of [0, 1]) {
      const sum = Number(new RegExp(`^tessera_sstables_per_read_sum\\{shard="${s}"\\} (\\S+)`, 'm').exec(metrics)?.[1]);
      const count = Number(new RegExp(`^tessera_sstables_per_read_count\\{shard="${s}"\\} (\\S+)`, 'm').exec(metrics)?.[1]);
      const sstables = Number(new RegExp(`^tessera_sstables\\{shard="${s}"\\} (\\S+)`, 'm').exec(metrics)?.[1]);
      expect(count).toBeGreaterThan(0);
      console.log(`shard ${s}: ${sstables} SSTables, ${(sum / count).toFixed(2)} SSTables per read`);
      // Size-tiered compaction keeps O(log n) files, each read consults few of them (bloom filters).
      expect(sstables, `shard ${s} SSTables`).toBeLessThanOrEqual(16);
      expect(sum / count, `shard ${s} SSTables per read`).toBeLessThanOrEqual(4);
    }
    await sampleRss();
    console.log(`max RSS per shard (MiB): ${maxRss.map((b) => (b / 2 ** 20).toFixed(0)).join(', ')}`);
    for (const s of [0, 1]) expect(maxRss[s], `shard ${s} RSS after reads`).toBeLessThan(RSS_BUDGET_BYTES);
  }, 1_200_000);
});
