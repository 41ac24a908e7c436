// A whole node in one process: N shards, direct calls instead of IPC. Used by tests,
// the simulator and benchmarks of the engine alone; `tessera start` runs the same
// shards as separate processes (bin/).

import fs from 'node:fs';
import path from 'node:path';
import { applyDdl, Catalog, type Ddl } from './catalog.js';
import { loadCatalog, saveCatalog } from './catalog-file.js';
import { Engine, type SchemaCoordinator, type ShardEndpoint } from './engine.js';
import { systemClock, type Clock } from './hlc.js';
import { ProcRegistry } from './procs.js';
import { Shard, type OpenReport } from './shard.js';

export interface LocalNodeOptions {
  dir: string;
  shards: number;
  nodeId?: number;
  clock?: Clock;
  procs?: ProcRegistry;
  memtableBudgetBytes?: number;
  blockCacheBytes?: number;
  sstableBlockBytes?: number;
}

export interface LocalNode {
  engine: Engine;
  shards: Shard[];
  reports: OpenReport[];
  close(opts?: { flush: boolean }): Promise<void>;
}

/** Wraps a shard in the async endpoint interface. */
export function localEndpoint(shard: Shard): ShardEndpoint {
  return {
    apply: (m) => shard.apply(m),
    get: async (t, p, c) => shard.get(t, p, c),
    scan: async (req) => shard.scan(req),
    rmw: (req) => shard.rmw(req),
    commit: (m, steps) => shard.commit(m, steps),
    indexScan: async (req) => shard.indexScan(req),
    load: (m) => shard.load(m),
    flush: () => shard.flushDurable(),
    task: (name, args) => shard.runTask(name, args),
  };
}

export async function openLocalNode(opts: LocalNodeOptions): Promise<LocalNode> {
  fs.mkdirSync(opts.dir, { recursive: true });
  let state = loadCatalog(opts.dir);
  const procs = opts.procs ?? new ProcRegistry();
  const shards: Shard[] = [];
  const reports: OpenReport[] = [];
  for (let i = 0; i < opts.shards; i++) {
    const { shard, report } = await Shard.open({
      index: i,
      shards: opts.shards,
      nodeId: opts.nodeId ?? 1,
      dir: path.join(opts.dir, `shard-${i}`),
      catalog: state,
      clock: opts.clock ?? systemClock,
      procs,
      memtableBudgetBytes: opts.memtableBudgetBytes,
      blockCacheBytes: opts.blockCacheBytes,
      sstableBlockBytes: opts.sstableBlockBytes,
    });
    shards.push(shard);
    reports.push(report);
  }
  // The engine stamps writes for every shard with shard 0's clock; each shard's clock
  // has only seen its own recovered data. Start shard 0's above all of them.
  for (const s of shards.slice(1)) shards[0].hlc.observe(s.now());
  let queue: Promise<unknown> = Promise.resolve();
  const coordinator: SchemaCoordinator = {
    ddl(ddl: Ddl) {
      const run = queue.then(() => {
        const next = applyDdl(state, ddl);
        if (next !== state) {
          saveCatalog(opts.dir, next);
          state = next;
          for (const s of shards) s.setCatalog(next);
        }
        return state;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
  const engine = new Engine({
    shards: shards.map(localEndpoint),
    catalog: new Catalog(state),
    coordinator,
    hlc: shards[0].hlc,
    writerId: shards[0].writerId,
  });
  return {
    engine,
    shards,
    reports,
    close: async (o) => {
      await Promise.all(shards.map((s) => s.close(o)));
    },
  };
}
