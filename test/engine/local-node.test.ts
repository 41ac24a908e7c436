// The engine end to end in one process (engine/local-node.ts): shards, memtables,
// commit log, SSTables, compaction and the routing Engine, with 1 and 3 shards and a
// small memtable budget so flushes and compactions happen (DESIGN.md §1). Time is an
// injected clock; results are compared with a plain in-memory model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerBuiltinProcs } from '../../engine/builtin-procs.js';
import type { TableDef } from '../../engine/catalog.js';
import type { Engine } from '../../engine/engine.js';
import { timestampAt } from '../../engine/hlc.js';
import { PREFIX_END } from '../../engine/keys.js';
import { openLocalNode, type LocalNode } from '../../engine/local-node.js';
import { ProcRegistry } from '../../engine/procs.js';
import type { Cell, LiveRow, Mutation, RowEntry, TableSchema, Value } from '../../engine/types.js';
import { rng } from '../helpers/rng.js';

const T0 = Date.UTC(2024, 0, 1);
const SMALL_BUDGET = 16 * 1024;

// ---- harness ----

const tempDirs: string[] = [];
const openNodes: LocalNode[] = [];

afterEach(async () => {
  for (const node of openNodes.splice(0)) await node.close({ flush: false });
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-local-node-'));
  tempDirs.push(dir);
  return dir;
}

interface ManualClock { ms: number; nowMs(): number }
const manualClock = (ms = T0): ManualClock => ({ ms, nowMs() { return this.ms; } });

interface Env {
  dir: string;
  shards: number;
  clock: ManualClock;
  budget: number;
  node: LocalNode;
  engine: Engine;
}

async function open(dir: string, shards: number, clock: ManualClock, budget = SMALL_BUDGET): Promise<Env> {
  const node = await openLocalNode({ dir, shards, clock, memtableBudgetBytes: budget, procs: registerBuiltinProcs(new ProcRegistry()) });
  openNodes.push(node);
  return { dir, shards, clock, budget, node, engine: node.engine };
}

async function closeNode(env: Env, flush: boolean): Promise<void> {
  await env.node.close({ flush });
  openNodes.splice(openNodes.indexOf(env.node), 1);
}

async function reopen(env: Env, flush = true): Promise<Env> {
  await closeNode(env, flush);
  return open(env.dir, env.shards, env.clock, env.budget);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Flushes every shard, then compacts each table on each shard into one SSTable. */
async function flushAndCompact(env: Env): Promise<void> {
  for (const s of env.node.shards) {
    await s.flush();
    await s.compactAll();
  }
}

// ---- schema and mutation builders ----

const EVENTS: TableDef = {
  name: 'events',
  columns: [
    { name: 'tenant', type: 'text' },
    { name: 'day', type: 'int4' },
    { name: 'seq', type: 'int8' },
    { name: 'body', type: 'text' },
    { name: 'n', type: 'int8' },
    { name: 'tag', type: 'text' },
  ],
  partitionKey: ['tenant', 'day'],
  clusteringKey: ['seq'],
  clusteringOrder: ['desc'],
  options: {},
};

const COUNTERS: TableDef = {
  name: 'counters',
  columns: [{ name: 'id', type: 'text' }, { name: 'n', type: 'int8' }],
  partitionKey: ['id'],
  clusteringKey: [],
  options: {},
};

async function createTable(engine: Engine, def: TableDef): Promise<TableSchema> {
  await engine.ddl({ kind: 'create', table: def });
  return engine.table(def.name);
}

interface WriteOpts { marker?: boolean; exp?: number }

function upsert(engine: Engine, t: TableSchema, pk: Value[], ck: Value[], values: Record<string, Value>, o: WriteOpts = {}): Mutation {
  const codec = engine.catalog.codec(t.id);
  const ts = engine.now();
  const w = engine.writerId;
  const version = (v: Value): Cell => (o.exp === undefined ? { ts, w, v } : { ts, w, v, exp: o.exp });
  const row: RowEntry = {};
  if (o.marker !== false) row.marker = version(true);
  if (Object.keys(values).length > 0) row.cells = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, version(v)]));
  return { table: t.id, pkey: codec.pkey(pk), ckey: codec.ckey(ck), row };
}

function deleteRow(engine: Engine, t: TableSchema, pk: Value[], ck: Value[]): Mutation {
  const codec = engine.catalog.codec(t.id);
  return { table: t.id, pkey: codec.pkey(pk), ckey: codec.ckey(ck), row: { del: { ts: engine.now(), w: engine.writerId } } };
}

function deletePartition(engine: Engine, t: TableSchema, pk: Value[]): Mutation {
  const codec = engine.catalog.codec(t.id);
  return { table: t.id, pkey: codec.pkey(pk), ckey: '', row: { pdel: { ts: engine.now(), w: engine.writerId } } };
}

// ---- the model: what every read must return ----

interface ModelCell { v: Value; exp?: number }
interface ModelRow { pkey: string; keyValues: Record<string, Value>; marker?: { exp?: number }; cells: Map<string, ModelCell> }

/** Rows by full key. Writes are applied in timestamp order, so last write wins. */
class Model {
  readonly rows = new Map<string, ModelRow>();

  apply(engine: Engine, t: TableSchema, m: Mutation): void {
    const key = m.pkey + m.ckey;
    if (m.row.pdel) {
      for (const [k, r] of this.rows) if (r.pkey === m.pkey) this.rows.delete(k);
    }
    if (m.row.del) this.rows.delete(key);
    if (!m.row.marker && !m.row.cells) return;
    let row = this.rows.get(key);
    if (!row) {
      const keyValues: Record<string, Value> = {};
      engine.catalog.codec(t.id).decode(key, keyValues);
      row = { pkey: m.pkey, keyValues, cells: new Map() };
      this.rows.set(key, row);
    }
    if (m.row.marker) row.marker = m.row.marker.exp === undefined ? {} : { exp: m.row.marker.exp };
    for (const [name, c] of Object.entries(m.row.cells ?? {})) row.cells.set(name, c.exp === undefined ? { v: c.v } : { v: c.v, exp: c.exp });
  }

  /** Live rows in key order, as [key, values]. */
  live(nowMs: number): [string, Record<string, Value>][] {
    const out: [string, Record<string, Value>][] = [];
    for (const key of [...this.rows.keys()].sort()) {
      const r = this.rows.get(key)!;
      const alive = (exp?: number): boolean => exp === undefined || exp > nowMs;
      let exists = r.marker !== undefined && alive(r.marker.exp);
      const values: Record<string, Value> = {};
      for (const [name, c] of r.cells) {
        if (c.v !== null && alive(c.exp)) {
          values[name] = c.v;
          exists = true;
        }
      }
      if (exists) out.push([key, { ...values, ...r.keyValues }]);
    }
    return out;
  }
}

const asPairs = (rows: LiveRow[]): [string, Record<string, Value>][] => rows.map((r) => [r.pkey + r.ckey, r.values]);

/** Writes mutations (in timestamp order) to the engine and the model. */
async function write(env: Env, model: Model, t: TableSchema, muts: Mutation[]): Promise<void> {
  for (const m of muts) model.apply(env.engine, t, m);
  await env.engine.apply(muts);
}

async function expectScanMatches(env: Env, t: TableSchema, model: Model): Promise<void> {
  const rows = await collect(env.engine.scan({ table: t.id }));
  const keys = rows.map((r) => r.pkey + r.ckey);
  expect(keys).toEqual([...keys].sort());
  expect(asPairs(rows)).toEqual(model.live(env.clock.ms));
}

// ---- a fixed data set ----

const TENANTS = ['acme', 'globex', 'initech', 'umbrella'];
const DAYS = [1, 2];
const SEQS = 25;

function eventValues(tenant: string, day: number, seq: number): Record<string, Value> {
  return { body: `${tenant}/${day}/${seq} ${'x'.repeat(seq * 7)}`, n: seq % 5, tag: seq % 2 === 1 ? 'odd' : 'even' };
}

async function loadEvents(env: Env, model: Model, t: TableSchema): Promise<void> {
  for (const tenant of TENANTS) {
    for (const day of DAYS) {
      const muts: Mutation[] = [];
      for (let seq = 1; seq <= SEQS; seq++) muts.push(upsert(env.engine, t, [tenant, day], [seq], eventValues(tenant, day, seq)));
      await write(env, model, t, muts);
    }
  }
}

describe.each([1, 3])('a local node with %i shard(s)', (shardCount) => {
  it('get, and scans with ranges, limits and filters, see what was written', async () => {
    const env = await open(tempDir(), shardCount, manualClock());
    const t = await createTable(env.engine, EVENTS);
    const model = new Model();
    await loadEvents(env, model, t);
    const codec = env.engine.catalog.codec(t.id);

    const got = await env.engine.get(t.id, codec.pkey(['acme', 2]), codec.ckey([7]));
    expect(got?.values).toEqual({ tenant: 'acme', day: 2, seq: 7, ...eventValues('acme', 2, 7) });
    expect(await env.engine.get(t.id, codec.pkey(['acme', 3]), codec.ckey([7]))).toBeUndefined();
    expect(await env.engine.get(t.id, codec.pkey(['acme', 2]), codec.ckey([SEQS + 1]))).toBeUndefined();

    await expectScanMatches(env, t, model);
    // Data crossed the memtable budget: some of it now comes from SSTables.
    await Promise.all(env.node.shards.map((s) => s.flush()));
    expect(env.node.shards.reduce((n, s) => n + s.sstableCount(), 0)).toBeGreaterThan(0);
    await expectScanMatches(env, t, model);

    // One partition, clustering column descending.
    const pkey = codec.pkey(['globex', 1]);
    const partition = await collect(env.engine.scan({ table: t.id, from: pkey, to: pkey + PREFIX_END }));
    expect(partition.map((r) => r.values.seq)).toEqual(Array.from({ length: SEQS }, (_, i) => SEQS - i));
    // A clustering range: 10 >= seq >= 5 is [ckey(10), ckey(5)] in key order.
    const slice = await collect(env.engine.scan({ table: t.id, from: pkey + codec.ckey([10]), to: pkey + codec.ckey([5]), toInclusive: true }));
    expect(slice.map((r) => r.values.seq)).toEqual([10, 9, 8, 7, 6, 5]);
    const sliceOpen = await collect(env.engine.scan({ table: t.id, from: pkey + codec.ckey([10]), to: pkey + codec.ckey([5]) }));
    expect(sliceOpen.map((r) => r.values.seq)).toEqual([10, 9, 8, 7, 6]);

    // Pages of at most `limit` rows, resumed by `next`, add up to the whole table.
    const paged: LiveRow[] = [];
    let from: string | undefined = '';
    let pages = 0;
    while (from !== undefined) {
      const page = await env.engine.scanPage({ table: t.id, from, limit: 7 });
      expect(page.rows.length).toBeLessThanOrEqual(7);
      paged.push(...page.rows);
      from = page.next;
      expect(++pages).toBeLessThan(1000);
    }
    expect(asPairs(paged)).toEqual(model.live(env.clock.ms));
    expect(asPairs(await collect(env.engine.scan({ table: t.id, limit: 3 })))).toEqual(model.live(env.clock.ms));

    // A pushed-down filter, also when each page may only examine a few entries.
    const odd = model.live(env.clock.ms).filter(([, v]) => v.tag === 'odd');
    const filter = { proc: 'engine.eq', args: { column: 'tag', value: 'odd' } };
    expect(asPairs(await collect(env.engine.scan({ table: t.id, filter })))).toEqual(odd);
    expect(asPairs(await collect(env.engine.scan({ table: t.id, filter, maxScanned: 5, limit: 2 })))).toEqual(odd);
    const acme1 = codec.pkey(['acme', 1]);
    expect(asPairs(await collect(env.engine.scan({ table: t.id, from: acme1, to: acme1 + PREFIX_END, filter: { proc: 'engine.eq', args: { column: 'n', value: 3 } } }))))
      .toEqual(model.live(env.clock.ms).filter(([k, v]) => k.startsWith(acme1) && v.n === 3));
  });

  it('row and partition deletions shadow older data and only older data', async () => {
    const env = await open(tempDir(), shardCount, manualClock());
    const t = await createTable(env.engine, EVENTS);
    const model = new Model();
    await loadEvents(env, model, t);
    const codec = env.engine.catalog.codec(t.id);
    const e = env.engine;

    await write(env, model, t, [deleteRow(e, t, ['acme', 1], [3])]);
    expect(await e.get(t.id, codec.pkey(['acme', 1]), codec.ckey([3]))).toBeUndefined();
    expect(await e.get(t.id, codec.pkey(['acme', 1]), codec.ckey([4]))).toBeDefined();

    await write(env, model, t, [deletePartition(e, t, ['globex', 2])]);
    const g2 = codec.pkey(['globex', 2]);
    expect(await collect(e.scan({ table: t.id, from: g2, to: g2 + PREFIX_END }))).toEqual([]);
    expect(await e.get(t.id, g2, codec.ckey([1]))).toBeUndefined();
    await expectScanMatches(env, t, model);

    // Writes after the deletions are visible again.
    await write(env, model, t, [upsert(e, t, ['globex', 2], [5], { body: 'again' }), upsert(e, t, ['acme', 1], [3], { n: 33 })]);
    expect((await collect(e.scan({ table: t.id, from: g2, to: g2 + PREFIX_END }))).map((r) => r.values)).toEqual([{ tenant: 'globex', day: 2, seq: 5, body: 'again' }]);
    // A scan starting inside the deleted partition still applies its tombstone.
    const inside = await collect(e.scan({ table: t.id, from: g2 + codec.ckey([20]), to: g2 + PREFIX_END }));
    expect(inside.map((r) => r.values.seq)).toEqual([5]);

    // The row marker: a row of NULLs exists; without a marker, nulling every cell removes it.
    await write(env, model, t, [upsert(e, t, ['initech', 1], [100], { body: null, n: null })]);
    expect((await e.get(t.id, codec.pkey(['initech', 1]), codec.ckey([100])))?.values).toEqual({ tenant: 'initech', day: 1, seq: 100 });
    await write(env, model, t, [upsert(e, t, ['initech', 1], [101], { body: 'b' }, { marker: false })]);
    expect((await e.get(t.id, codec.pkey(['initech', 1]), codec.ckey([101])))?.values.body).toBe('b');
    await write(env, model, t, [upsert(e, t, ['initech', 1], [101], { body: null }, { marker: false })]);
    expect(await e.get(t.id, codec.pkey(['initech', 1]), codec.ckey([101]))).toBeUndefined();

    await expectScanMatches(env, t, model);
    await flushAndCompact(env);
    await expectScanMatches(env, t, model);
    const reopened = await reopen(env);
    await expectScanMatches(reopened, t, model);
  });

  it('TTL: cells and rows expire at their expiry on the injected clock, also through compaction', async () => {
    const clock = manualClock();
    const env = await open(tempDir(), shardCount, clock);
    const t = await createTable(env.engine, EVENTS);
    const model = new Model();
    const e = env.engine;
    const codec = e.catalog.codec(t.id);
    await loadEvents(env, model, t);
    await write(env, model, t, [
      upsert(e, t, ['acme', 9], [1], { body: 'short-lived row' }, { exp: clock.ms + 1000 }),
      upsert(e, t, ['acme', 9], [2], { body: 'long-lived row' }, { exp: clock.ms + 5000 }),
      upsert(e, t, ['acme', 9], [3], { body: 'permanent row' }),
      upsert(e, t, ['acme', 9], [3], { tag: 'short-lived cell' }, { exp: clock.ms + 1000, marker: false }),
    ]);
    const get = async (seq: number): Promise<Record<string, Value> | undefined> => (await e.get(t.id, codec.pkey(['acme', 9]), codec.ckey([seq])))?.values;
    expect(await get(1)).toBeDefined();
    expect((await get(3))?.tag).toBe('short-lived cell');

    clock.ms += 999;
    expect(await get(1)).toBeDefined();
    await expectScanMatches(env, t, model);
    clock.ms += 1; // exp is the first millisecond a cell is gone
    expect(await get(1)).toBeUndefined();
    expect(await get(2)).toBeDefined();
    expect(await get(3)).toEqual({ tenant: 'acme', day: 9, seq: 3, body: 'permanent row' });
    await expectScanMatches(env, t, model);

    await flushAndCompact(env);
    await expectScanMatches(env, t, model);
    clock.ms += 10_000;
    expect(await get(2)).toBeUndefined();
    await flushAndCompact(env);
    await expectScanMatches(env, t, model);
    const reopened = await reopen(env);
    await expectScanMatches(reopened, t, model);
  });

  it("'engine.increment' read-modify-write: 200 concurrent increments end at 200", async () => {
    const env = await open(tempDir(), shardCount, manualClock());
    const t = await createTable(env.engine, COUNTERS);
    const codec = env.engine.catalog.codec(t.id);
    const ids = ['hot', 'a', 'b', 'c', 'd', 'e'];
    const inc = (id: string): Promise<unknown> =>
      env.engine.rmw({ table: t.id, pkey: codec.pkey([id]), ckey: '', proc: 'engine.increment', args: { column: 'n', by: 1 } });
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      calls.push(inc('hot'));
      calls.push(inc(ids[1 + (i % 5)]));
    }
    const results = await Promise.all(calls);
    const hot = results.filter((_, i) => i % 2 === 0) as number[];
    expect([...hot].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const read = async (id: string): Promise<Value | undefined> => (await env.engine.get(t.id, codec.pkey([id]), ''))?.values.n;
    expect(await read('hot')).toBe(200);
    for (const id of ids.slice(1)) expect(await read(id)).toBe(40);
    const reopened = await reopen(env, false);
    expect((await reopened.engine.get(t.id, codec.pkey(['hot']), ''))?.values).toEqual({ id: 'hot', n: 200 });
  });

  it('close() then reopen brings everything back from SSTables', async () => {
    const env = await open(tempDir(), shardCount, manualClock());
    const t = await createTable(env.engine, EVENTS);
    const model = new Model();
    await loadEvents(env, model, t);
    const reopened = await reopen(env, true);
    expect(reopened.node.reports.reduce((n, r) => n + r.sstables, 0)).toBeGreaterThan(0);
    await expectScanMatches(reopened, t, model);
    const codec = reopened.engine.catalog.codec(t.id);
    expect((await reopened.engine.get(t.id, codec.pkey(['umbrella', 2]), codec.ckey([25])))?.values.body).toBe(eventValues('umbrella', 2, 25).body);
  });

  it('close({ flush: false }) then reopen replays the commit log', async () => {
    const clock = manualClock();
    const env = await open(tempDir(), shardCount, clock, 1 << 30); // nothing flushes
    const t = await createTable(env.engine, EVENTS);
    const model = new Model();
    await loadEvents(env, model, t);
    await write(env, model, t, [deleteRow(env.engine, t, ['acme', 1], [1]), deletePartition(env.engine, t, ['initech', 2])]);
    const reopened = await reopen(env, false);
    expect(reopened.node.reports.reduce((n, r) => n + r.sstables, 0)).toBe(0);
    expect(reopened.node.reports.reduce((n, r) => n + r.replay.records, 0)).toBeGreaterThan(0);
    await expectScanMatches(reopened, t, model);
    // And again, with more writes on top of the replayed ones.
    await write(reopened, model, t, [upsert(reopened.engine, t, ['initech', 2], [1], { body: 'after restart' })]);
    const again = await reopen(reopened, false);
    await expectScanMatches(again, t, model);
  });

  /** A tenant whose day-1 partition lives on `shard`. */
  function tenantOnShard(env: Env, t: TableSchema, shard: number): string {
    const codec = env.engine.catalog.codec(t.id);
    for (let i = 0; ; i++) if (env.engine.shardOf(codec.pkey([`tenant-${i}`, 1])) === shard) return `tenant-${i}`;
  }

  it('a later write wins over a routed write stamped ahead of the local clock, on any shard', async () => {
    const clock = manualClock();
    const env = await open(tempDir(), shardCount, clock);
    const t = await createTable(env.engine, EVENTS);
    const codec = env.engine.catalog.codec(t.id);
    const model = new Model();
    const tenant = tenantOnShard(env, t, shardCount - 1);
    // A write from a replica whose clock runs a minute ahead, then a local overwrite.
    const ahead = timestampAt(clock.ms + 60_000);
    const remote: Mutation = {
      table: t.id, pkey: codec.pkey([tenant, 1]), ckey: codec.ckey([1]),
      row: { marker: { ts: ahead, w: 99 << 10, v: true }, cells: { body: { ts: ahead, w: 99 << 10, v: 'remote' } } },
    };
    await write(env, model, t, [remote]);
    await write(env, model, t, [upsert(env.engine, t, [tenant, 1], [1], { body: 'local, later' })]);
    expect((await env.engine.get(t.id, codec.pkey([tenant, 1]), codec.ckey([1])))?.values.body).toBe('local, later');
    await expectScanMatches(env, t, model);
  });

  it('writes after a restart win over data written before it, even if the clock stood still', async () => {
    const clock = manualClock(); // never moves: only the logical counter orders writes
    for (const flush of [true, false]) {
      const env = await open(tempDir(), shardCount, clock);
      const t = await createTable(env.engine, EVENTS);
      const model = new Model();
      await loadEvents(env, model, t);
      // The newest timestamps of all end up on the last shard.
      const tenant = tenantOnShard(env, t, shardCount - 1);
      for (let i = 0; i < 50; i++) await write(env, model, t, [upsert(env.engine, t, [tenant, 1], [i % 5], { n: i })]);
      const reopened = await reopen(env, flush);
      const e = reopened.engine;
      await write(reopened, model, t, [upsert(e, t, [tenant, 1], [4], { body: 'after restart' }), deleteRow(e, t, [tenant, 1], [3])]);
      await write(reopened, model, t, TENANTS.map((x) => upsert(e, t, [x, 1], [1], { body: 'after restart' })));
      await expectScanMatches(reopened, t, model);
      const codec = e.catalog.codec(t.id);
      expect((await e.get(t.id, codec.pkey([tenant, 1]), codec.ckey([4])))?.values).toEqual({ tenant, day: 1, seq: 4, n: 49, body: 'after restart' });
      await closeNode(reopened, false);
    }
  });

  it('compactAll() after many flushes leaves one SSTable per table per shard and the same data', async () => {
    const env = await open(tempDir(), shardCount, manualClock(), 4 * 1024);
    const t = await createTable(env.engine, EVENTS);
    const c = await createTable(env.engine, COUNTERS);
    const model = new Model();
    const counters = new Model();
    for (let round = 0; round < 4; round++) {
      await loadEvents(env, model, t);
      await write(env, model, t, [deletePartition(env.engine, t, [TENANTS[round], 1 + (round % 2)])]);
      await write(env, counters, c, Array.from({ length: 20 }, (_, i) => upsert(env.engine, c, [`k${i}`], [], { n: round })));
    }
    const sstables = (shard: number, table: number): number[] => fs
      .readdirSync(path.join(env.dir, `shard-${shard}`, 'tables', String(table)))
      .filter((f) => f.endsWith('.sst'))
      .map((f) => Number(f.slice(0, -4)));
    for (let i = 0; i < shardCount; i++) {
      // Generations count flushes and compactions: many happened on every shard.
      expect(Math.max(...sstables(i, t.id), ...sstables(i, c.id))).toBeGreaterThan(4);
    }
    await flushAndCompact(env);
    for (let i = 0; i < shardCount; i++) {
      expect(sstables(i, t.id)).toHaveLength(1);
      expect(sstables(i, c.id)).toHaveLength(1);
      expect(env.node.shards[i].sstableCount()).toBe(2);
    }
    await expectScanMatches(env, t, model);
    await expectScanMatches(env, c, counters);
    const reopened = await reopen(env);
    await expectScanMatches(reopened, t, model);
    await expectScanMatches(reopened, c, counters);
  });

  it('close() abandons a running compaction: its inputs stay, no temp file, same data after reopen', async () => {
    // A stopping node must not wait minutes for a large compaction (SIGTERM right after a
    // bulk load); the compaction is redone later from the same inputs.
    const env = await open(tempDir(), 1, manualClock(), 1 << 30);
    const c = await createTable(env.engine, COUNTERS);
    const model = new Model();
    const shard = env.node.shards[0];
    for (let round = 0; round < 4; round++) {
      await write(env, model, c, Array.from({ length: 3000 }, (_, i) => upsert(env.engine, c, [`k${round}-${i}`], [], { n: i })));
      await shard.flush();
    }
    const files = (): string[] => fs.readdirSync(path.join(env.dir, 'shard-0', 'tables', String(c.id))).sort();
    // The fourth flush started a background compaction of the four files (12,000 rows: it
    // yields to the loop on the way); compactAll() would queue behind it.
    const before = files().filter((f) => f.endsWith('.sst'));
    expect(before).toHaveLength(4);
    const compaction = shard.compactAll();
    await closeNode(env, true);
    await compaction;
    expect(files()).toEqual(before);
    const reopened = await open(env.dir, 1, env.clock, env.budget);
    await expectScanMatches(reopened, c, model);
  });

  it('compaction keeps a purgeable tombstone while unflushed data older than it exists', async () => {
    // gc grace 0: a tombstone may go once nothing it shadows can be elsewhere. Here the
    // memtable holds a row (replicated as one merged entry) whose marker is older than the
    // row's deletion in an SSTable but whose other cell is newer.
    const clock = manualClock();
    const env = await open(tempDir(), shardCount, clock, 1 << 30);
    const t = await createTable(env.engine, { ...COUNTERS, name: 'graceless', columns: [...COUNTERS.columns, { name: 'x', type: 'text' }], options: { gc_grace_seconds: 0 } });
    const e = env.engine;
    const codec = e.catalog.codec(t.id);
    const pkey = codec.pkey(['k']);
    const shard = env.node.shards[e.shardOf(pkey)];
    const w = e.writerId;
    const [tsMarker, tsDelete, tsCell] = [e.now(), e.now(), e.now()];
    await e.apply([{ table: t.id, pkey, ckey: '', row: { del: { ts: tsDelete, w } } }]);
    await shard.flush();
    await e.apply([{ table: t.id, pkey: codec.pkey(['other']), ckey: '', row: { marker: { ts: e.now(), w, v: true } } }]);
    await shard.flush();
    await e.apply([{ table: t.id, pkey, ckey: '', row: { marker: { ts: tsMarker, w, v: true }, cells: { x: { ts: tsCell, w, v: null } } } }]);
    expect(await e.get(t.id, pkey, '')).toBeUndefined();
    clock.ms += 10_000;
    await shard.compactAll();
    expect(await e.get(t.id, pkey, '')).toBeUndefined();
    const reopened = await reopen(env);
    expect(await reopened.engine.get(t.id, pkey, '')).toBeUndefined();
  });

  it('drop table then re-create it with the same name: the new table is empty', async () => {
    const env = await open(tempDir(), shardCount, manualClock());
    const old = await createTable(env.engine, EVENTS);
    await loadEvents(env, new Model(), old);
    await Promise.all(env.node.shards.map((s) => s.flush()));
    const stale = upsert(env.engine, old, ['acme', 1], [1], { body: 'written after the drop' });
    await env.engine.ddl({ kind: 'drop', name: 'events' });
    expect(() => env.engine.table('events')).toThrow(/does not exist/);
    for (const s of env.node.shards) expect(s.catalog.tableById(old.id)).toBeUndefined();
    await expect(env.engine.apply([stale])).rejects.toThrow(/does not exist/);

    const fresh = await createTable(env.engine, EVENTS);
    expect(fresh.id).not.toBe(old.id);
    const model = new Model();
    await expectScanMatches(env, fresh, model);
    const codec = env.engine.catalog.codec(fresh.id);
    expect(await env.engine.get(fresh.id, codec.pkey(['acme', 1]), codec.ckey([1]))).toBeUndefined();
    await write(env, model, fresh, [upsert(env.engine, fresh, ['acme', 1], [1], { body: 'new' })]);
    await expectScanMatches(env, fresh, model);

    const reopened = await reopen(env, false); // the commit log still holds the old table's writes
    await expectScanMatches(reopened, fresh, model);
    for (let i = 0; i < shardCount; i++) expect(fs.existsSync(path.join(env.dir, `shard-${i}`, 'tables', String(old.id)))).toBe(false);
  });

  it('randomized operations match an in-memory model (fixed seed)', async () => {
    const rand = rng(0x7e55e4a + shardCount);
    const int = (n: number): number => Math.floor(rand() * n);
    const clock = manualClock();
    let env = await open(tempDir(), shardCount, clock, 8 * 1024);
    const t = await createTable(env.engine, EVENTS);
    const model = new Model();
    const tenants = ['a', 'b', 'c', 'd', 'e'];
    let pending: Promise<void>[] = [];
    const drain = async (): Promise<void> => {
      await Promise.all(pending);
      pending = [];
    };

    for (let op = 0; op < 1500; op++) {
      clock.ms += int(3); // sometimes stands still
      const e = env.engine;
      const pk = [tenants[int(tenants.length)], int(2)];
      const ck = [int(30)];
      const r = int(100);
      let m: Mutation;
      if (r < 45) {
        const values: Record<string, Value> = {};
        if (int(3) > 0) values.body = int(5) === 0 ? null : `v${op}`;
        if (int(2) > 0) values.n = int(4) === 0 ? null : op;
        m = upsert(e, t, pk, ck, values, int(8) === 0 ? { exp: clock.ms + int(200) } : {});
      } else if (r < 65) {
        m = upsert(e, t, pk, ck, int(2) ? { tag: `t${op}` } : { body: null }, { marker: false, ...(int(6) === 0 ? { exp: clock.ms + int(200) } : {}) });
      } else if (r < 80) {
        m = deleteRow(e, t, pk, ck);
      } else if (r < 83) {
        m = deletePartition(e, t, pk);
      } else if (r < 90) {
        // Read your own writes: everything before this read is durable and visible.
        await drain();
        const codec = e.catalog.codec(t.id);
        const key = codec.pkey(pk) + codec.ckey(ck);
        const expected = model.live(clock.ms).find(([k]) => k === key)?.[1];
        expect((await e.get(t.id, codec.pkey(pk), codec.ckey(ck)))?.values).toEqual(expected);
        const pkey = codec.pkey(pk);
        const part = await collect(e.scan({ table: t.id, from: pkey, to: pkey + PREFIX_END, limit: 1 + int(5) }));
        expect(asPairs(part)).toEqual(model.live(clock.ms).filter(([k]) => k.startsWith(pkey)));
        continue;
      } else if (r < 93) {
        await drain();
        await expectScanMatches(env, t, model);
        continue;
      } else if (r < 96) {
        await drain();
        const s = env.node.shards[int(shardCount)];
        if (int(2)) await s.flush();
        else await s.compactAll();
        continue;
      } else if (r < 97) {
        await drain();
        env = await reopen(env, int(2) === 0);
        await expectScanMatches(env, t, model);
        continue;
      } else {
        clock.ms += int(300); // let some TTLs run out
        continue;
      }
      model.apply(e, t, m);
      pending.push(e.apply([m]));
      if (pending.length >= 16) await drain();
    }
    await drain();
    await expectScanMatches(env, t, model);
    await flushAndCompact(env);
    await expectScanMatches(env, t, model);
    env = await reopen(env);
    await expectScanMatches(env, t, model);
  });
});

describe('scans across shards', () => {
  it('return rows in key order, and their union is exactly what was written', async () => {
    const env = await open(tempDir(), 3, manualClock());
    const t = await createTable(env.engine, COUNTERS);
    const model = new Model();
    for (let i = 0; i < 600; i += 50) {
      await write(env, model, t, Array.from({ length: 50 }, (_, j) => upsert(env.engine, t, [`id-${i + j}`], [], { n: i + j })));
    }
    const rows = await collect(env.engine.scan({ table: t.id }));
    expect(rows).toHaveLength(600);
    const perShard = [0, 0, 0];
    for (const r of rows) perShard[env.engine.shardOf(r.pkey)]++;
    for (const n of perShard) expect(n).toBeGreaterThan(0);
    const shardsInOrder = rows.map((r) => env.engine.shardOf(r.pkey));
    expect(shardsInOrder).toEqual([...shardsInOrder].sort((a, b) => a - b));
    await expectScanMatches(env, t, model);
    // A range that starts in one shard and ends in another.
    const keys = model.live(env.clock.ms).map(([k]) => k);
    const [lo, hi] = [keys[100], keys[500]];
    expect(asPairs(await collect(env.engine.scan({ table: t.id, from: lo, to: hi, limit: 13 }))))
      .toEqual(model.live(env.clock.ms).filter(([k]) => k >= lo && k < hi));
  });
});
