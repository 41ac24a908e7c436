// Engine support the Dynamo layer added: descending scans (Query ScanIndexForward=false)
// and the live-row budget (Limit under a FilterExpression). Checked against the
// ascending scan over memtables, SSTables and tombstones, on 1 and 3 shards.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalNode, type LocalNode } from '../../engine/local-node.js';
import { ProcRegistry } from '../../engine/procs.js';
import type { ScanRequest } from '../../engine/shard.js';

let node: LocalNode | undefined;
afterEach(async () => {
  await node?.close({ flush: false });
  node = undefined;
});

async function pages(n: LocalNode, req: ScanRequest): Promise<{ keys: string[]; evaluated: number }> {
  const keys: string[] = [];
  let evaluated = 0;
  let cur: ScanRequest = req;
  for (let i = 0; i < 10_000; i++) {
    const page = await n.engine.scanPage(cur);
    evaluated += page.evaluated ?? 0;
    for (const r of page.rows) keys.push(`${String(r.values.p)}/${String(r.values.c)}`);
    if (page.next === undefined) return { keys, evaluated };
    cur = req.reverse ? { ...req, to: page.next, toInclusive: false } : { ...req, from: page.next };
  }
  throw new Error('too many pages');
}

describe.each([1, 3])('engine scans on %i shard(s)', (shards) => {
  it('descending pages are the ascending scan reversed, across memtables, SSTables and tombstones', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-rev-'));
    const procs = new ProcRegistry().registerFilter('test.even', (row) => Number(row.values.c) % 2 === 0);
    node = await openLocalNode({ dir, shards, procs });
    const e = node.engine;
    await e.ddl({ kind: 'create', table: { name: 't', columns: [{ name: 'p', type: 'int8' }, { name: 'c', type: 'int8' }, { name: 'v', type: 'text' }], partitionKey: ['p'], clusteringKey: ['c'], options: {} } });
    const t = e.table('t');
    const codec = e.catalog.codec(t.id);
    const put = async (p: number, c: number) => {
      const ts = e.now();
      await e.apply([{ table: t.id, pkey: codec.pkey([p]), ckey: codec.ckey([c]), row: { marker: { ts, w: 1, v: true }, cells: { v: { ts, w: 1, v: `${p}/${c}` } } } }]);
    };
    for (let p = 0; p < 12; p++) for (let c = 0; c < 9; c++) await put(p, c);
    for (const s of node.shards) await s.flush();
    for (let p = 0; p < 12; p += 2) await put(p, 100 + p);
    // A row tombstone in an SSTable's range and a partition tombstone.
    await e.apply([{ table: t.id, pkey: codec.pkey([3]), ckey: codec.ckey([4]), row: { del: { ts: e.now(), w: 1 } } }]);
    await e.apply([{ table: t.id, pkey: codec.pkey([5]), ckey: '', row: { pdel: { ts: e.now(), w: 1 } } }]);
    await put(5, 50);

    for (const limit of [1, 4, 1000]) {
      const fwd = await pages(node, { table: t.id, limit });
      const rev = await pages(node, { table: t.id, limit, reverse: true });
      expect(rev.keys).toEqual([...fwd.keys].reverse());
      expect(fwd.keys).toContain('5/50');
      expect(fwd.keys).not.toContain('5/1');
      expect(fwd.keys).not.toContain('3/4');
    }
    // One partition, a clustering range, both directions, inclusive and exclusive ends.
    const pk = codec.pkey([7]);
    const range = { table: t.id, from: pk + codec.ckey([2]), to: pk + codec.ckey([6]) };
    expect((await pages(node, { ...range, limit: 2, reverse: true })).keys).toEqual(['7/5', '7/4', '7/3', '7/2']);
    expect((await pages(node, { ...range, toInclusive: true, limit: 2, reverse: true })).keys).toEqual(['7/6', '7/5', '7/4', '7/3', '7/2']);
    // The live-row budget counts rows before the filter.
    const page = await e.scanPage({ table: t.id, from: pk, to: pk + '\u0100', evaluatedMax: 5, filter: { proc: 'test.even', args: null } });
    expect(page.evaluated).toBe(5);
    expect(page.rows.map((r) => r.values.c)).toEqual([0, 2, 4]);
    const back = await e.scanPage({ table: t.id, from: pk, to: pk + '\u0100', evaluatedMax: 3, reverse: true, filter: { proc: 'test.even', args: null } });
    expect(back.rows.map((r) => r.values.c)).toEqual([8, 6]);
    expect(back.evaluated).toBe(3);
  });
});
