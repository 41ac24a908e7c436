// Issue #2 acceptance 2: acknowledged writes survive kill -9 of the whole node, also
// when the commit log ends in a corrupt record and an SSTable temp file is truncated.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RpcClient } from '../../engine/rpc.js';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

const CLIENTS = 8;

interface LoadResult { issued: Map<number, string>; acked: Set<number> }

/** Writers that each put their own keys one at a time until `stop` is set. */
async function load(clients: RpcClient[], stopAfterAcks: number, onEnough: () => Promise<void>): Promise<LoadResult> {
  const issued = new Map<number, string>();
  const acked = new Set<number>();
  let stopped = false;
  const writer = async (id: number) => {
    for (let i = 0; !stopped; i++) {
      const k = id * 1_000_000 + i;
      const v = `value-${k}-${'x'.repeat(k % 50)}`;
      issued.set(k, v);
      try {
        await clients[id % clients.length].call('native.put', { table: 't', key: { k }, values: { v } });
        acked.add(k);
      } catch {
        return; // the node died under us
      }
    }
  };
  const writers = Array.from({ length: CLIENTS }, (_, id) => writer(id));
  while (acked.size < stopAfterAcks) await new Promise((r) => setTimeout(r, 20));
  await onEnough();
  stopped = true;
  await Promise.all(writers);
  return { issued, acked };
}

async function scanAll(c: RpcClient): Promise<Map<number, string>> {
  const rows = new Map<number, string>();
  let from: string | undefined;
  do {
    const page = await c.call<{ rows: { k: number; v: string }[]; next: string | null }>('native.scan', { table: 't', from, limit: 5000 });
    for (const r of page.rows) rows.set(r.k, r.v);
    from = page.next ?? undefined;
  } while (from !== undefined);
  return rows;
}

function verify(found: Map<number, string>, { issued, acked }: LoadResult): void {
  for (const k of acked) expect(found.get(k), `acknowledged key ${k}`).toBe(issued.get(k));
  for (const [k, v] of found) expect(issued.get(k), `key ${k} was never written`).toBe(v);
}

function newestSegment(shardDir: string): string {
  const dir = path.join(shardDir, 'commitlog');
  const segs = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  // The newest non-empty segment (a fresh one may hold only its header).
  for (let i = segs.length - 1; i >= 0; i--) {
    const file = path.join(dir, segs[i]);
    if (fs.statSync(file).size > 8) return file;
  }
  throw new Error(`no commit-log data in ${dir}`);
}

describe('crash safety (kill -9)', () => {
  const procs: TesseraProcess[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill9();
  });

  async function startLoaded(dataDir: string, opts: { flushFirst?: boolean } = {}): Promise<{ node: TesseraProcess; result: LoadResult }> {
    const node = await TesseraProcess.start({ dataDir, shards: 2, extraArgs: ['--memtable-mb', '1'] });
    procs.push(node);
    const clients = [await node.connect(0), await node.connect(1)];
    await clients[0].call('native.createTable', {
      name: 't', columns: [{ name: 'k', type: 'int8' }, { name: 'v', type: 'text' }], partitionKey: ['k'], clusteringKey: [], options: {},
    });
    const result = await load(clients, 3000, async () => {
      // Put part of the data in SSTables, then keep writing into the memtable and log.
      if (opts.flushFirst) await Promise.all(clients.map((c) => c.call('shard.flush', null)));
      await new Promise((r) => setTimeout(r, 200));
      await node.kill9();
    });
    return { node, result };
  }

  async function restartAndVerify(dataDir: string, result: LoadResult): Promise<TesseraProcess> {
    const node = await TesseraProcess.start({ dataDir, shards: 2 });
    procs.push(node);
    const found = await scanAll(await node.connect(1));
    verify(found, result);
    expect(found.size).toBeGreaterThanOrEqual(result.acked.size);
    return node;
  }

  it('keeps every acknowledged write and invents none', async () => {
    const dataDir = tempDir();
    const { result } = await startLoaded(dataDir);
    expect(result.acked.size).toBeGreaterThanOrEqual(3000);
    await restartAndVerify(dataDir, result);
  });

  it('cuts a corrupt last commit-log record, reports it, and loses nothing acknowledged', async () => {
    const dataDir = tempDir();
    const { result } = await startLoaded(dataDir);
    // A torn write: the tail of the log is a record whose bytes did not all reach disk.
    const seg = newestSegment(path.join(dataDir, 'shard-0'));
    const garbage = Buffer.alloc(64, 0xab);
    garbage.writeUInt32BE(56, 0); // plausible length, wrong CRC
    fs.appendFileSync(seg, garbage);
    const node = await restartAndVerify(dataDir, result);
    expect(node.log).toMatch(/cut a torn commit-log tail/);
    expect(node.log).toContain(path.basename(seg));
  });

  it('removes a truncated SSTable temp file, reports it, and loses nothing acknowledged', async () => {
    const dataDir = tempDir();
    const { result } = await startLoaded(dataDir, { flushFirst: true });
    const tableDir = path.join(dataDir, 'shard-1', 'tables', '1');
    const sst = fs.readdirSync(tableDir).find((f) => f.endsWith('.sst'));
    expect(sst, 'the load flushed at least one SSTable').toBeDefined();
    const bytes = fs.readFileSync(path.join(tableDir, sst!));
    const tmp = path.join(tableDir, '9999999999.sst.tmp');
    fs.writeFileSync(tmp, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const node = await restartAndVerify(dataDir, result);
    expect(node.log).toMatch(/removed an incomplete SSTable temp file/);
    expect(fs.existsSync(tmp)).toBe(false);
  });
});
