// Shard.commit (Engine.commit): a transaction's mutations and read-modify-write steps on
// one shard apply as one atomic unit, or not at all when a step aborts; after a restart
// without a flush the unit comes back whole from its one commit-log record.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerBuiltinProcs } from '../../engine/builtin-procs.js';
import type { Engine } from '../../engine/engine.js';
import { openLocalNode, type LocalNode } from '../../engine/local-node.js';
import { ProcRegistry } from '../../engine/procs.js';

const dirs: string[] = [];
const nodes: LocalNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close({ flush: false });
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** 'test.add': adds `by` to column n; aborts (writing nothing) when the sum would pass `max`. */
function procs(): ProcRegistry {
  return registerBuiltinProcs(new ProcRegistry()).registerRmw('test.add', (row, args, ctx) => {
    const { by, max } = args as { by: number; max: number };
    const next = Number(row?.values.n ?? 0) + by;
    if (next > max) return { mutations: [], result: 'too big', abort: true };
    return { mutations: [{ table: ctx.table, pkey: ctx.pkey, ckey: ctx.ckey, row: { cells: { n: { ts: ctx.ts, w: ctx.w, v: BigInt(next) } } } }], result: next };
  });
}

async function open(dir: string): Promise<LocalNode> {
  const node = await openLocalNode({ dir, shards: 3, procs: procs() });
  nodes.push(node);
  return node;
}

async function setup(): Promise<{ dir: string; node: LocalNode; engine: Engine; table: number; keys: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-commit-'));
  dirs.push(dir);
  const node = await open(dir);
  const engine = node.engine;
  await engine.ddl({ kind: 'create', table: { name: 'c', columns: [{ name: 'id', type: 'text' }, { name: 'n', type: 'int8' }], partitionKey: ['id'], clusteringKey: [], options: {} } });
  const table = engine.catalog.table('c')!.id;
  const codec = engine.catalog.codec(table);
  // four keys owned by one shard
  const keys: string[] = [];
  for (let i = 0; keys.length < 4; i++) {
    const k = codec.pkey([`k${i}`]);
    if (engine.shardOf(k) === 1) keys.push(k);
  }
  const ts = engine.now();
  await engine.apply(keys.map((pkey) => ({ table, pkey, ckey: '', row: { marker: { ts, w: engine.writerId, v: true }, cells: { n: { ts, w: engine.writerId, v: 10n } } } })));
  return { dir, node, engine, table, keys };
}

const n = async (engine: Engine, table: number, pkey: string): Promise<unknown> => (await engine.get(table, pkey, ''))?.values.n;

describe('Engine.commit', () => {
  it('applies mutations and steps together, and they survive a restart from the commit log', async () => {
    const { dir, node, engine, table, keys } = await setup();
    const ts = engine.now();
    const results = await engine.commit(
      [{ table, pkey: keys[0], ckey: '', row: { cells: { n: { ts, w: engine.writerId, v: 99n } } } }],
      [{ table, pkey: keys[1], ckey: '', proc: 'test.add', args: { by: 5, max: 100 } }, { table, pkey: keys[2], ckey: '', proc: 'test.add', args: { by: 7, max: 100 } }],
    );
    expect(results).toEqual([15, 17]);
    await node.close({ flush: false });
    nodes.splice(nodes.indexOf(node), 1);
    const again = await open(dir);
    expect([await n(again.engine, table, keys[0]), await n(again.engine, table, keys[1]), await n(again.engine, table, keys[2])]).toEqual([99n, 15n, 17n]);
  });

  it('applies nothing when one step aborts', async () => {
    const { engine, table, keys } = await setup();
    const ts = engine.now();
    const results = await engine.commit(
      [{ table, pkey: keys[0], ckey: '', row: { cells: { n: { ts, w: engine.writerId, v: 99n } } } }],
      [{ table, pkey: keys[1], ckey: '', proc: 'test.add', args: { by: 5, max: 100 } }, { table, pkey: keys[2], ckey: '', proc: 'test.add', args: { by: 500, max: 100 } }],
    );
    expect(results).toEqual([15, 'too big']);
    for (const k of keys.slice(0, 3)) expect(await n(engine, table, k)).toBe(10n);
  });

  it('refuses a unit that spans shards', async () => {
    const { engine, table, keys } = await setup();
    const codec = engine.catalog.codec(table);
    let other = '';
    for (let i = 0; !other; i++) if (engine.shardOf(codec.pkey([`o${i}`])) !== 1) other = codec.pkey([`o${i}`]);
    expect(() => engine.commit([], [keys[0], other].map((pkey) => ({ table, pkey, ckey: '', proc: 'test.add', args: { by: 1, max: 100 } })))).toThrow(/spans shards/);
  });
});
