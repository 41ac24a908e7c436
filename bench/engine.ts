// bench/engine: the engine's throughput, printed as ratios against what bounds it.
//   node dist/bench/engine.js [--seconds 5] [--rows 200000]
// 1. raw fdatasync rate of the disk (1 KiB write + fdatasync, one at a time)
// 2. durable writes, 1 KiB rows, 64 concurrent writers over the shard RPC sockets,
//    real `tessera start` with 1 and 2 shards; ratio to (1); an RPC echo server with the
//    same client is the ceiling the client can show on this machine
// 3. point reads per shard from the memtable and from SSTables, in-process (one shard)
// 4. scan rows/s, in-process

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { shardSocket } from '../bin/datadir.js';
import { registerBuiltinProcs } from '../engine/builtin-procs.js';
import { openLocalNode } from '../engine/local-node.js';
import { putMutation } from '../engine/native.js';
import { ProcRegistry } from '../engine/procs.js';
import { RpcClient, RpcServer } from '../engine/rpc.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rows: { type: 'string', default: '200000' } } });
const SECONDS = Number(args.seconds);
const ROWS = Number(args.rows);
const WRITERS = 64;
const VALUE_1K = 'x'.repeat(1000);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));
const rate = (n: number, ms: number) => (n * 1000) / ms;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

function fdatasyncRate(): number {
  const file = path.join(tmp('tessera-bench-fsync-'), 'f');
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.alloc(1024, 1);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < SECONDS * 1000) {
    fs.writeSync(fd, buf);
    fs.fdatasyncSync(fd);
    n++;
  }
  const ms = performance.now() - start;
  fs.closeSync(fd);
  return rate(n, ms);
}

async function waitReady(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).status === 200) return;
    } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('tessera did not become ready');
}

/** Runs `op` from WRITERS concurrent loops for SECONDS; returns ops/s. */
async function closedLoop(op: (i: number, n: number) => Promise<unknown>): Promise<number> {
  let n = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, async (_, i) => {
    while (performance.now() < deadline) await op(i, n++);
  }));
  return rate(n, performance.now() - start);
}

async function durableWrites(shards: number): Promise<number> {
  const dataDir = tmp('tessera-bench-');
  const adminPort = 19180 + shards;
  const child = spawn(process.execPath, [path.join(root, 'dist/bin/tessera.js'), 'start', '--data', dataDir, '--shards', String(shards), '--admin-port', String(adminPort)], { stdio: 'ignore' });
  try {
    await waitReady(adminPort);
    const clients = await Promise.all(Array.from({ length: shards }, (_, i) => RpcClient.connect(shardSocket(dataDir, i))));
    await clients[0].call('native.createTable', { name: 'b', columns: [{ name: 'k', type: 'int8' }, { name: 'v', type: 'text' }], partitionKey: ['k'], clusteringKey: [], options: {} });
    return await closedLoop((i, n) => clients[i % shards].call('native.put', { table: 'b', key: { k: n }, values: { v: VALUE_1K } }));
  } finally {
    child.kill('SIGKILL');
  }
}

async function rpcEchoCeiling(): Promise<number> {
  const address = `\0tessera-bench-echo-${process.pid}`;
  const server = new RpcServer((_op, a) => a === null ? null : null);
  await server.listen(address);
  const client = await RpcClient.connect(address);
  const r = await closedLoop((_i, n) => client.call('echo', { table: 'b', key: { k: n }, values: { v: VALUE_1K } }));
  client.close();
  await server.close();
  return r;
}

async function inProcessReads(): Promise<{ memtable: number; sstable: number; scan: number; sstables: number }> {
  const node = await openLocalNode({ dir: tmp('tessera-bench-local-'), shards: 1, procs: registerBuiltinProcs(new ProcRegistry()), memtableBudgetBytes: 1 << 30 });
  const { engine, shards: [shard] } = node;
  await engine.ddl({ kind: 'create', table: { name: 'r', columns: [{ name: 'k', type: 'int8' }, { name: 'v', type: 'text' }], partitionKey: ['k'], clusteringKey: [], options: {} } });
  const table = engine.table('r');
  const codec = engine.catalog.codec(table.id);
  for (let k = 0; k < ROWS; k += 1000) {
    const batch = [];
    for (let j = k; j < Math.min(k + 1000, ROWS); j++) batch.push(putMutation(engine, { table: 'r', key: { k: j }, values: { v: VALUE_1K.slice(0, 200) } }));
    await shard.apply(batch);
  }
  // Uniformly random keys (a fixed pseudo-random sequence, not a cycle an LRU cache would thrash on).
  let seed = 42;
  const pkeys = Array.from({ length: 1 << 16 }, () => codec.pkey([(seed = (seed * 48271) % 2147483647) % ROWS]));
  const reads = () => {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < SECONDS * 1000) {
      for (let i = 0; i < 1000; i++) if (!shard.get(table.id, pkeys[(n + i) & 0xffff], '')) throw new Error('missing row');
      n += 1000;
    }
    return rate(n, performance.now() - start);
  };
  const memtable = reads();
  await shard.flush();
  await shard.compactAll();
  const sstable = reads();
  let rows = 0;
  const start = performance.now();
  let from: string | undefined = '';
  while (from !== undefined) {
    const page = shard.scan({ table: table.id, from, limit: 1000 });
    rows += page.rows.length;
    from = page.next;
  }
  const scan = rate(rows, performance.now() - start);
  const sstables = shard.sstableCount();
  await node.close({ flush: false });
  return { memtable, sstable, scan, sstables };
}

async function main(): Promise<void> {
  console.log(`bench/engine: ${SECONDS}s per measurement, ${WRITERS} concurrent writers, ${os.cpus().length} cores, node ${process.version}`);
  const fsync = fdatasyncRate();
  console.log(`raw fdatasync (1 KiB write + fdatasync):      ${fmt(fsync)} /s`);
  const echo = await rpcEchoCeiling();
  console.log(`RPC echo ceiling (same client, 1 KiB body):   ${fmt(echo)} calls/s`);
  for (const shards of [1, 2]) {
    const w = await durableWrites(shards);
    console.log(`durable writes, ${shards} shard(s), 1 KiB rows:      ${fmt(w)} /s   = ${(w / fsync).toFixed(1)}x raw fdatasync, ${(w / echo).toFixed(2)}x RPC ceiling`);
  }
  const r = await inProcessReads();
  console.log(`point reads, one shard, memtable (${ROWS} rows): ${fmt(r.memtable)} /s`);
  console.log(`point reads, one shard, ${r.sstables} SSTable(s):      ${fmt(r.sstable)} /s`);
  console.log(`scan, one shard:                              ${fmt(r.scan)} rows/s`);
}

await main();
