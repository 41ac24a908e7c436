// The node's supervisor process (node:cluster primary): checks flags and the data
// directory, takes its lock, serves admin HTTP, forks one process per shard, owns the
// catalog (serialising DDL and pushing each version to every shard) and restarts a
// shard that dies. SIGTERM/SIGINT stop every shard cleanly (flush), then exit 0.

import cluster, { type Worker } from 'node:cluster';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { applyDdl, SchemaError, type CatalogState } from '../engine/catalog.js';
import { loadCatalog, saveCatalog } from '../engine/catalog-file.js';
import { startAdmin } from './admin.js';
import { UsageError, type NodeConfig } from './config.js';
import { lockDataDir, prepareDataDir, readDataDirInfo, writeDataDirInfo } from './datadir.js';
import { checkPortFree } from './ports.js';
import { isTesseraMessage, type ShardBoot, type ToShard, type ToSupervisor } from './ipc.js';

const SHUTDOWN_TIMEOUT_MS = 60_000;
const RESTART_DELAY_MS = 1000;
const HEAP_SHARE = 0.6;

function directoryBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += directoryBytes(p);
    else if (e.isFile()) n += fs.statSync(p, { throwIfNoEntry: false })?.size ?? 0;
  }
  return n;
}

export async function runSupervisor(config: NodeConfig): Promise<void> {
  const log = pino({ base: { role: 'supervisor' } });
  prepareDataDir(config.dataDir);
  const info = readDataDirInfo(config.dataDir);
  const shards = config.shards ?? info?.shards ?? os.availableParallelism();
  if (info && info.shards !== shards) {
    throw new UsageError(`data directory ${config.dataDir} was created with ${info.shards} shards; start with --shards ${info.shards} (resharding is not supported yet)`);
  }
  const unlock = lockDataDir(config.dataDir);
  let state: CatalogState;
  try {
    state = loadCatalog(config.dataDir);
  } catch (e) {
    unlock();
    throw new UsageError((e as Error).message);
  }

  const workers = new Map<number, Worker>();
  const ready = new Set<number>();
  let startupDone = false;
  let clockFloor = 0;
  let stopping = false;

  let admin: Awaited<ReturnType<typeof startAdmin>>;
  try {
    admin = await startAdmin({
      host: config.listen,
      port: config.adminPort,
      ready: () => ({ ready: ready.size === shards, shards: { total: shards, ready: ready.size } }),
      status: () => ({
        nodeId: config.nodeId,
        address: config.listen,
        dataDir: config.dataDir,
        shards: Array.from({ length: shards }, (_, index) => ({ index, up: ready.has(index) })),
        loadBytes: directoryBytes(config.dataDir),
      }),
    });
  } catch (e) {
    unlock();
    throw e;
  }
  try {
    await checkPortFree(config.listen, config.pgPort, 'PostgreSQL', '--pg-port');
    await checkPortFree(config.listen, config.dynamoPort, 'DynamoDB', '--dynamo-port');
  } catch (e) {
    await admin.close();
    unlock();
    throw e;
  }
  if (!info) writeDataDirInfo(config.dataDir, { shards, nodeId: config.nodeId });

  // The heap limit makes V8 collect garbage before a shard outgrows its budget; the rest
  // of the budget covers code, buffers and the block cache outside the JS heap.
  const heapMb = Math.floor((config.shardMemoryBytes * HEAP_SHARE) / 2 ** 20);
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./shard-worker.js', import.meta.url)),
    args: [],
    execArgv: [...process.execArgv, `--max-old-space-size=${heapMb}`],
    silent: false,
  });

  const send = (w: Worker, msg: ToShard) => {
    if (w.isConnected()) w.send(msg);
  };

  // DDL runs one at a time: apply, persist, push to every live shard, wait for acks, then
  // make it visible to every process's SQL and Dynamo layers before answering the requester.
  let ddlQueue: Promise<void> = Promise.resolve();
  const acks = new Map<number, () => void>();
  function handleDdl(from: Worker, id: number, ddl: Parameters<typeof applyDdl>[1]): void {
    ddlQueue = ddlQueue.then(async () => {
      try {
        const next = applyDdl(state, ddl);
        if (next !== state) {
          saveCatalog(config.dataDir, next);
          state = next;
          const live = [...workers.entries()].filter(([, w]) => w.isConnected());
          await Promise.all(live.map(([i, w]) => new Promise<void>((resolve) => {
            // Resolved by the shard's ack or its exit; either way the other listener goes, so
            // a long-lived worker does not collect one exit listener per DDL.
            const done = () => {
              w.off('exit', done);
              acks.delete(i);
              resolve();
            };
            acks.set(i, done);
            w.once('exit', done);
            send(w, { t: 'catalog', state: next });
          })));
          for (const [, w] of live) send(w, { t: 'catalog-visible', state: next });
        }
        send(from, { t: 'ddl-result', id, state });
      } catch (e) {
        const error = e instanceof SchemaError ? { name: 'SchemaError', code: e.code, message: e.message } : { name: 'Error', message: (e as Error).message };
        send(from, { t: 'ddl-result', id, error });
      }
    });
  }

  const fatal = (message: string) => {
    process.stderr.write(`tessera: error: ${message}\n`);
    void stop(1);
  };

  function fork(index: number): void {
    const boot: ShardBoot = { config, shards, index };
    const w = cluster.fork({ TESSERA_SHARD_BOOT: JSON.stringify(boot) });
    workers.set(index, w);
    w.on('message', (m: unknown) => {
      if (!isTesseraMessage(m)) return;
      const msg = m as ToSupervisor;
      switch (msg.t) {
        case 'ready':
          ready.add(index);
          // Every shard stamps the writes it coordinates with its own clock, so each clock
          // must start above the data every shard recovered (else an overwrite could lose).
          clockFloor = Math.max(clockFloor, msg.clock);
          for (const other of workers.values()) send(other, { t: 'clock', ts: clockFloor });
          log.info({ shard: index, replay: msg.report.replay, removedTempFiles: msg.report.removedTempFiles, sstables: msg.report.sstables }, 'shard ready');
          if (msg.report.replay.cut) log.warn({ shard: index, cut: msg.report.replay.cut }, 'cut a torn commit-log tail');
          for (const f of msg.report.removedTempFiles) log.warn({ shard: index, file: f }, 'removed an incomplete SSTable temp file');
          if (!startupDone && ready.size === shards) {
            startupDone = true;
            log.info({ shards, data: config.dataDir, admin: `http://${config.listen}:${config.adminPort}` }, 'tessera ready');
          }
          break;
        case 'fatal':
          if (!startupDone) fatal(`shard ${index}: ${msg.message}`);
          else log.error({ shard: index, error: msg.message }, 'shard failed');
          break;
        case 'ddl':
          handleDdl(w, msg.id, msg.ddl);
          break;
        case 'catalog-ack':
          acks.get(index)?.();
          break;
      }
    });
    w.on('exit', (code, signal) => {
      ready.delete(index);
      if (workers.get(index) === w) workers.delete(index);
      if (stopping) return;
      if (!startupDone) {
        fatal(`shard ${index} exited during start-up (code ${code}, signal ${signal})`);
        return;
      }
      log.error({ shard: index, code, signal }, 'shard exited; restarting it');
      setTimeout(() => { if (!stopping) fork(index); }, RESTART_DELAY_MS);
    });
  }

  async function stop(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info('stopping: flushing every shard');
    const exits = [...workers.values()].map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      w.once('exit', () => resolve());
      send(w, { t: 'shutdown' });
    }));
    const timer = setTimeout(() => { for (const w of workers.values()) w.process.kill('SIGKILL'); }, SHUTDOWN_TIMEOUT_MS);
    await Promise.all(exits);
    clearTimeout(timer);
    await admin.close();
    unlock();
    log.info('stopped');
    process.exit(code);
  }

  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  for (let i = 0; i < shards; i++) fork(i);
}
