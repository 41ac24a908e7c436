// One shard process (DESIGN.md §1 "Sharding"): owns its token slice, serves the RPC
// socket other shards and engine clients call, and (later) runs the front ends.

import cluster from 'node:cluster';
import path from 'node:path';
import { registerBuiltinProcs } from '../engine/builtin-procs.js';
import { Catalog, SchemaError, type CatalogState, type Ddl, type SchemaErrorCode } from '../engine/catalog.js';
import { loadCatalog } from '../engine/catalog-file.js';
import { Engine } from '../engine/engine.js';
import { systemClock } from '../engine/hlc.js';
import { localEndpoint } from '../engine/local-node.js';
import { handleNativeOp } from '../engine/native.js';
import { createDynamoServer, type DynamoServer } from '../dynamo-api/server.js';
import { createSqlEngine } from '../sql/session.js';
import { PgServer } from '../wire/pg/server.js';
import { pgPasswordEncryptor, sqlBackend, sqlUserStore } from '../wire/pg/sql-backend.js';
import { registerDynamoProcs } from '../dynamo-api/procs.js';
import { pino } from 'pino';
import { ProcRegistry } from '../engine/procs.js';
import { remoteShard } from '../engine/remote-shard.js';
import { errorToWire, RpcClient, RpcServer } from '../engine/rpc.js';
import { Shard, type RmwRequest, type ScanRequest } from '../engine/shard.js';
import type { IndexScanRequest } from '../engine/local-index.js';
import type { Mutation } from '../engine/types.js';
import { shardSocket } from './datadir.js';
import { isTesseraMessage, type ShardBoot, type ToShard, type ToSupervisor } from './ipc.js';
import { promPgWireMetrics, promShardMetrics } from './shard-metrics.js';

/**
 * Share of --shard-memory-mb for the SSTable block cache (64 MiB at the default 512),
 * counted as what its blocks cost in memory (engine/block-cache.ts blockBytes). A quarter
 * took the 5M-row memory test's shards to 547-578 MiB once the cache was full on top of
 * full memtables (test/node/memory.test.ts).
 */
const BLOCK_CACHE_SHARE = 1 / 8;

function send(msg: ToSupervisor): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const boot = JSON.parse(process.env.TESSERA_SHARD_BOOT ?? '') as ShardBoot;
  const { config, index, shards } = boot;
  const procs = registerDynamoProcs(registerBuiltinProcs(new ProcRegistry()));
  let shard: Shard | undefined;
  const metrics = promShardMetrics(index, () => ({ memtableBytes: shard?.memtableBytes() ?? 0 }));
  const opened = await Shard.open({
    index,
    shards,
    nodeId: config.nodeId,
    dir: path.join(config.dataDir, `shard-${index}`),
    catalog: loadCatalog(config.dataDir),
    clock: systemClock,
    procs,
    metrics,
    memtableBudgetBytes: config.memtableBudgetBytes,
    // Cached blocks live outside the V8 heap (rows stay encoded), in the budget's non-heap share.
    blockCacheBytes: Math.floor(config.shardMemoryBytes * BLOCK_CACHE_SHARE),
  });
  shard = opened.shard;
  const local = shard;

  let dynamo: DynamoServer | undefined;
  let pg: PgServer | undefined;
  const log = pino({ base: { role: 'shard', shard: index } });
  const pendingDdl = new Map<number, { resolve: (s: CatalogState) => void; reject: (e: Error) => void }>();
  let nextDdl = 1;
  const endpoints = Array.from({ length: shards }, (_, i) => (i === index ? localEndpoint(local) : remoteShard(shardSocket(config.dataDir, i))));
  const engine = new Engine({
    shards: endpoints,
    catalog: new Catalog(local.catalog.state),
    coordinator: {
      ddl: (ddl: Ddl) => new Promise<CatalogState>((resolve, reject) => {
        const id = nextDdl++;
        pendingDdl.set(id, { resolve, reject });
        send({ t: 'ddl', id, ddl });
      }),
    },
    hlc: local.hlc,
    writerId: local.writerId,
  });

  process.on('message', (m: unknown) => {
    if (!isTesseraMessage(m)) return; // prom-client's aggregator messages
    const msg = m as ToShard;
    switch (msg.t) {
      case 'catalog':
        local.setCatalog(msg.state);
        send({ t: 'catalog-ack', shard: index, version: msg.state.version });
        break;
      case 'catalog-visible':
        if (msg.state.version > engine.catalog.version) engine.catalog.set(msg.state);
        break;
      case 'ddl-result': {
        const p = pendingDdl.get(msg.id);
        pendingDdl.delete(msg.id);
        if (!p) break;
        if (msg.state) p.resolve(msg.state);
        else if (msg.error?.name === 'SchemaError') p.reject(new SchemaError(msg.error.code as SchemaErrorCode, msg.error.message));
        else p.reject(new Error(msg.error?.message ?? 'DDL failed'));
        break;
      }
      case 'clock':
        local.hlc.observe(msg.ts);
        break;
      case 'shutdown':
        void shutdown(0);
        break;
    }
  });

  const server = new RpcServer(async (op, args) => {
    switch (op) {
      case 'shard.apply': return local.apply(args as Mutation[]);
      case 'shard.applyGroups': return (await local.applyGroups(args as Mutation[][])).map((e) => (e ? errorToWire(e) : null));
      case 'shard.get': {
        // The caller knows the key: only the values and timestamp travel back (remote-shard.ts).
        const [t, p, c] = args as [number, string, string];
        const row = local.get(t, p, c);
        return row ? [row.values, row.maxTs] : null;
      }
      case 'shard.scan': return local.scan(args as ScanRequest);
      case 'shard.rmw': return local.rmw(args as RmwRequest);
      case 'shard.commit': {
        const [mutations, steps] = args as [Mutation[], RmwRequest[]];
        return local.commit(mutations, steps);
      }
      case 'shard.indexScan': return local.indexScan(args as IndexScanRequest);
      case 'shard.flush': return local.flush();
      case 'shard.load': return local.load(args as Mutation[]);
      case 'shard.flushDurable': return local.flushDurable();
      case 'shard.task': {
        const [name, taskArgs] = args as [string, unknown];
        return local.runTask(name, taskArgs);
      }
      case 'shard.compact': return local.compactAll();
      case 'pg.cancel': {
        const [processId, secretKey] = args as [number, number];
        pg?.cancelLocal(processId, secretKey);
        return null;
      }
      case 'shard.stats': return { index, memtableBytes: local.memtableBytes(), sstables: local.sstableCount(), rss: process.memoryUsage.rss() };
      default: {
        const handled = await handleNativeOp(engine, op, args);
        if (!handled) throw new Error(`unknown operation "${op}"`);
        return handled.result;
      }
    }
  });
  // SQL procedures must be registered before another shard can call this one.
  const sql = createSqlEngine(engine, procs, { passwords: pgPasswordEncryptor });
  await server.listen(shardSocket(config.dataDir, index));
  // Finish COMMITs this shard's sessions had logged but not applied when the node died.
  const replayed = await sql.recover();
  if (replayed > 0) log.warn({ replayed }, 'replayed interrupted SQL commits from the batch log');

  // Front ends: every shard process listens on the shared client ports (node:cluster).
  // A CancelRequest lands on any shard process; the process id names the one that owns
  // the session (PgServer `owner`), and the request is forwarded there over the RPC socket.
  const pgMetrics = promPgWireMetrics();
  const cancelPeers = new Map<number, Promise<RpcClient>>();
  const forwardCancel = (owner: number, processId: number, secretKey: number): void => {
    if (owner >= shards || owner === index) return;
    let peer = cancelPeers.get(owner);
    if (peer === undefined) {
      peer = RpcClient.connect(shardSocket(config.dataDir, owner));
      cancelPeers.set(owner, peer);
    }
    peer.then(async (c) => {
      if (c.closed) throw new Error('peer connection closed');
      await c.call('pg.cancel', [processId, secretKey]);
    }).catch((e: Error) => {
      cancelPeers.delete(owner); // reconnect next time (the peer may have restarted)
      log.warn({ owner, err: e.message }, 'could not forward a CancelRequest');
    });
  };
  pg = new PgServer({
    backend: sqlBackend(sql),
    // Roles live in an engine table, so every shard process checks the same passwords.
    auth: config.pgAuth === 'trust' ? { method: 'trust' } : { method: config.pgAuth, users: sqlUserStore(sql) },
    log: { error: (obj, msg) => log.error(obj, msg) },
    owner: index,
    forwardCancel,
    onCancelRequest: (route) => pgMetrics.cancelRequest(route),
  });
  await pg.listen(config.pgPort, config.listen);
  dynamo = createDynamoServer({ engine, credentials: config.dynamoCredentials, background: { shards: [index] }, logger: pino({ base: { role: 'dynamo', shard: index } }) });
  // GSI entries and transactions a crash cut short, finished before this shard reports ready.
  const finished = await dynamo.recover();
  if (finished.intents + finished.transactions + finished.backfills > 0) log.warn(finished, 'finished interrupted DynamoDB index writes and transactions; resumed GSI backfills');
  await dynamo.listen(config.dynamoPort, config.listen);

  let stopping = false;
  async function shutdown(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    await dynamo?.close().catch(() => undefined);
    await pg?.close().catch(() => undefined);
    await server.close();
    for (const peer of cancelPeers.values()) void peer.then((c) => c.close(), () => undefined);
    await local.close({ flush: true });
    process.exit(code);
  }
  // The supervisor coordinates shutdown; a terminal's Ctrl-C reaches the whole group.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.on('disconnect', () => void shutdown(0)); // supervisor gone

  send({ t: 'ready', shard: index, report: opened.report, clock: local.now() });
}

if (cluster.isWorker) {
  main().catch((e: Error) => {
    const index = (JSON.parse(process.env.TESSERA_SHARD_BOOT ?? '{}') as Partial<ShardBoot>).index ?? -1;
    send({ t: 'fatal', shard: index, message: e.message });
    setTimeout(() => process.exit(1), 50);
  });
}
