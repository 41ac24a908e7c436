// The engine's derive hook and shard-local index reads (engine/procs.ts DeriveProc,
// engine/local-index.ts, Shard.indexScan), independent of SQL: a toy derive procedure
// indexes a table's `v` column. Derived rows are written on the base row's shard, in the
// same commit-log record (they survive a restart without flush, with nothing re-derived
// on replay), follow updates and deletes, and index reads drop entries the check
// rejects. (Read-modify-writes go through the same apply step: test/sql/indexes.test.ts.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerBuiltinProcs } from '../../engine/builtin-procs.js';
import { encodeTuple, PREFIX_END } from '../../engine/keys.js';
import { bucketPkey, shardBucket } from '../../engine/local-index.js';
import { openLocalNode, type LocalNode } from '../../engine/local-node.js';
import { ProcRegistry, type RowChange } from '../../engine/procs.js';
import type { Mutation } from '../../engine/types.js';

const dirs: string[] = [];
const nodes: LocalNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close({ flush: false });
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

let derivations = 0;

function procs(): ProcRegistry {
  const p = registerBuiltinProcs(new ProcRegistry());
  p.registerDerive({
    applies: (t) => t.name === 'base',
    derive: (c: RowChange): Mutation[] => {
      derivations++;
      const idx = c.catalog.table('idx')!.id;
      const pkey = bucketPkey(shardBucket(c.shard, c.shards));
      const key = (v: unknown) => encodeTuple([String(v)], ['text']) + encodeTuple([c.pkey], ['text']);
      const out: Mutation[] = [];
      const before = c.before?.values.v, after = c.after?.values.v;
      if (before === after) return out;
      if (before !== undefined && before !== null) out.push({ table: idx, pkey, ckey: key(before), row: { del: { ts: c.ts, w: c.w } } });
      if (after !== undefined && after !== null) out.push({ table: idx, pkey, ckey: key(after), row: { marker: { ts: c.ts, w: c.w, v: true }, cells: { p: { ts: c.ts, w: c.w, v: c.pkey }, c: { ts: c.ts, w: c.w, v: c.ckey } } } });
      return out;
    },
  });
  p.registerIndexCheck('test.check', (entry, base) => entry.values.v === base.values.v);
  return p;
}

async function open(dir: string, shards: number): Promise<LocalNode> {
  const n = await openLocalNode({ dir, shards, procs: procs() });
  nodes.push(n);
  return n;
}

async function setup(n: LocalNode): Promise<{ base: number; idx: number }> {
  await n.engine.ddl({ kind: 'create', table: { name: 'base', columns: [{ name: 'k', type: 'int8' }, { name: 'v', type: 'text' }], partitionKey: ['k'], clusteringKey: [], options: {} } });
  await n.engine.ddl({ kind: 'create', table: { name: 'idx', columns: [{ name: 'b', type: 'int8' }, { name: 'v', type: 'text' }, { name: 'bk', type: 'text' }, { name: 'p', type: 'text' }, { name: 'c', type: 'text' }], partitionKey: ['b'], clusteringKey: ['v', 'bk'], options: {} } });
  return { base: n.engine.catalog.table('base')!.id, idx: n.engine.catalog.table('idx')!.id };
}

/** Keys of base rows whose v equals `v`, read through the index on every shard. */
async function lookup(n: LocalNode, ids: { base: number; idx: number }, v: string): Promise<number[]> {
  const prefix = encodeTuple([v], ['text']);
  const out: number[] = [];
  for (let s = 0; s < n.engine.shardCount; s++) {
    const page = await n.engine.indexScanPage(s, { index: ids.idx, base: ids.base, from: prefix, to: prefix + PREFIX_END, check: { proc: 'test.check', args: null } });
    for (const r of page.rows) out.push(Number(r.values.k));
  }
  return out.sort((a, b) => a - b);
}

function put(n: LocalNode, table: number, k: number, v: string | null): Mutation {
  const codec = n.engine.catalog.codec(table);
  const ts = n.engine.now(), w = n.engine.writerId;
  return { table, pkey: codec.pkey([BigInt(k)]), ckey: '', row: { marker: { ts, w, v: true }, cells: { v: { ts, w, v } } } };
}

for (const shards of [1, 3]) {
  describe(`derive hook, ${shards} shard(s)`, () => {
    it('writes derived rows with their base rows, follows changes and survives a restart without re-deriving', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-derive-'));
      dirs.push(dir);
      let n = await open(dir, shards);
      const ids = await setup(n);
      await n.engine.apply(Array.from({ length: 30 }, (_, k) => put(n, ids.base, k, k % 2 ? 'odd' : 'even')));
      expect(await lookup(n, ids, 'odd')).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29]);
      // an update moves the entry; a delete removes it
      await n.engine.apply([put(n, ids.base, 1, 'even'), put(n, ids.base, 2, 'odd')]);
      const codec = n.engine.catalog.codec(ids.base);
      await n.engine.apply([{ table: ids.base, pkey: codec.pkey([3n]), ckey: '', row: { del: { ts: n.engine.now(), w: n.engine.writerId } } }]);
      expect(await lookup(n, ids, 'odd')).toEqual([2, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29]);
      // every entry is on its base row's shard
      for (const [s, shard] of n.shards.entries()) {
        const page = shard.scan({ table: ids.idx });
        for (const e of page.rows) expect(n.engine.shardOf(e.values.p as string)).toBe(s);
      }
      // restart without flush: entries come back from the commit log, nothing is re-derived
      await n.close({ flush: false });
      nodes.splice(nodes.indexOf(n), 1);
      derivations = 0;
      n = await open(dir, shards);
      expect(derivations).toBe(0);
      expect(await lookup(n, ids, 'odd')).toEqual([2, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29]);
      expect(await lookup(n, ids, 'even')).toEqual([0, 1, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28]);
    });

    it('drops entries the check rejects (a stale entry never yields its row)', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-derive-'));
      dirs.push(dir);
      const n = await open(dir, shards);
      const ids = await setup(n);
      await n.engine.apply([put(n, ids.base, 7, 'a')]);
      // plant a stale entry 'b' -> row 7 (as a racing backfill could), on the row's shard
      const codec = n.engine.catalog.codec(ids.base);
      const pk = codec.pkey([7n]);
      const s = n.engine.shardOf(pk);
      const ts = n.engine.now(), w = n.engine.writerId;
      await n.engine.apply([{ table: ids.idx, pkey: bucketPkey(shardBucket(s, shards)), ckey: encodeTuple(['b'], ['text']) + encodeTuple([pk], ['text']), row: { marker: { ts, w, v: true }, cells: { p: { ts, w, v: pk }, c: { ts, w, v: '' } } } }]);
      expect(await lookup(n, ids, 'b')).toEqual([]);
      expect(await lookup(n, ids, 'a')).toEqual([7]);
    });
  });
}

describe('shard buckets', () => {
  it('give every shard a partition it owns', () => {
    for (const shards of [1, 2, 3, 8, 64]) {
      for (let s = 0; s < shards; s++) {
        const pkey = bucketPkey(shardBucket(s, shards));
        expect(Math.floor((((pkey.charCodeAt(0) << 24) | (pkey.charCodeAt(1) << 16) | (pkey.charCodeAt(2) << 8) | pkey.charCodeAt(3)) >>> 0) * shards / 2 ** 32)).toBe(s);
      }
    }
  });
});
