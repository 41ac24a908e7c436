// bench/sstable-reads: point reads from SSTables larger than the block cache, by block size.
//   node dist/bench/sstable-reads.js [--rows 500000] [--seconds 5] [--cache-mb 32]
// Rows shaped like pgbench_accounts (four columns, ~100 bytes). Prints reads per CPU second
// (so other load on the machine does not skew it) for each block size, so the choice of
// SSTABLE_BLOCK_SIZE_BYTES_DEFAULT rests on a measurement.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { registerBuiltinProcs } from '../engine/builtin-procs.js';
import { openLocalNode } from '../engine/local-node.js';
import { putMutation } from '../engine/native.js';
import { ProcRegistry } from '../engine/procs.js';

const { values: args } = parseArgs({ options: {
  rows: { type: 'string', default: '500000' }, seconds: { type: 'string', default: '5' }, 'cache-mb': { type: 'string', default: '32' },
  blocks: { type: 'string', default: '1024,2048,4096,8192' },
} });
const ROWS = Number(args.rows);
const SECONDS = Number(args.seconds);

async function measure(blockBytes: number): Promise<{ reads: number; fileMb: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-sst-'));
  const node = await openLocalNode({ dir, shards: 1, procs: registerBuiltinProcs(new ProcRegistry()), memtableBudgetBytes: 1 << 30,
    blockCacheBytes: Number(args['cache-mb']) * 2 ** 20, sstableBlockBytes: blockBytes });
  const { engine, shards: [shard] } = node;
  await engine.ddl({ kind: 'create', table: { name: 'a', columns: [{ name: 'aid', type: 'int4' }, { name: 'bid', type: 'int4' }, { name: 'abalance', type: 'int4' }, { name: 'filler', type: 'text' }], partitionKey: ['aid'], clusteringKey: [], options: {} } });
  const table = engine.table('a');
  const codec = engine.catalog.codec(table.id);
  const filler = ' '.repeat(84);
  for (let k = 0; k < ROWS; k += 1000) {
    const batch = [];
    for (let j = k; j < Math.min(k + 1000, ROWS); j++) batch.push(putMutation(engine, { table: 'a', key: { aid: j }, values: { bid: j % 10, abalance: 0, filler } }));
    await shard.apply(batch);
  }
  await shard.flush();
  await shard.compactAll();
  let seed = 42;
  const pkeys = Array.from({ length: 1 << 16 }, () => codec.pkey([(seed = (seed * 48271) % 2147483647) % ROWS]));
  let n = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - start < SECONDS * 1000) {
    for (let i = 0; i < 1000; i++) if (!shard.get(table.id, pkeys[(n + i) & 0xffff], '')) throw new Error('missing row');
    n += 1000;
  }
  const used = process.cpuUsage(cpu);
  // Per CPU second, not per wall second: other work on this machine does not skew it.
  const reads = (n * 1e6) / (used.user + used.system);
  const fileMb = fs.readdirSync(path.join(dir, 'shard-0', 'tables', String(table.id))).reduce((s, f) => s + fs.statSync(path.join(dir, 'shard-0', 'tables', String(table.id), f)).size, 0) / 2 ** 20;
  await node.close({ flush: false });
  fs.rmSync(dir, { recursive: true, force: true });
  return { reads, fileMb };
}

console.log(`bench/sstable-reads: ${ROWS} rows, block cache ${args['cache-mb']} MiB, ${SECONDS}s each`);
for (const b of args.blocks!.split(',').map(Number)) {
  const r = await measure(b);
  console.log(`block ${String(b).padStart(5)} B: ${Math.round(r.reads).toLocaleString('en-US').padStart(9)} reads per CPU s   SSTable ${r.fileMb.toFixed(1)} MiB`);
}
