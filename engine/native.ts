// The engine's own minimal row API by column values: put, get, delete, scan, increment.
// Engine clients (tests, `bench/engine`) reach it over a shard's RPC socket; the SQL
// and Dynamo layers compile onto the Engine directly instead.

import type { Engine } from './engine.js';
import type { LiveRow, Mutation, TableSchema, Value } from './types.js';

export interface NativeKey { table: string; key: Record<string, Value> }
export interface NativePut extends NativeKey { values: Record<string, Value>; ttlSeconds?: number }
export interface NativeScan { table: string; from?: string; limit?: number; filter?: { proc: string; args: unknown } }

function keysOf(engine: Engine, req: NativeKey): { schema: TableSchema; pkey: string; ckey: string } {
  const schema = engine.table(req.table);
  const codec = engine.catalog.codec(schema.id);
  const pkey = codec.pkey(schema.partitionKey.map((c) => req.key[c]));
  const ckey = codec.ckey(schema.clusteringKey.map((c) => req.key[c]));
  return { schema, pkey, ckey };
}

export function putMutation(engine: Engine, req: NativePut): Mutation {
  const { schema, pkey, ckey } = keysOf(engine, req);
  const ts = engine.now();
  const w = engine.writerId;
  const exp = req.ttlSeconds ? Date.now() + req.ttlSeconds * 1000 : undefined;
  const cells: Record<string, { ts: number; w: number; v: Value; exp?: number }> = {};
  for (const [name, v] of Object.entries(req.values)) {
    if (schema.partitionKey.includes(name) || schema.clusteringKey.includes(name)) continue;
    cells[name] = exp ? { ts, w, v, exp } : { ts, w, v };
  }
  return { table: schema.id, pkey, ckey, row: { marker: exp ? { ts, w, v: true, exp } : { ts, w, v: true }, cells } };
}

/** Handles a `native.*` RPC op; returns undefined for ops it does not know. */
export async function handleNativeOp(engine: Engine, op: string, args: unknown): Promise<{ result: unknown } | undefined> {
  switch (op) {
    case 'native.put': {
      const list = Array.isArray(args) ? (args as NativePut[]) : [args as NativePut];
      await engine.apply(list.map((r) => putMutation(engine, r)));
      return { result: null };
    }
    case 'native.get': {
      const { schema, pkey, ckey } = keysOf(engine, args as NativeKey);
      const row = await engine.get(schema.id, pkey, ckey);
      return { result: row ? row.values : null };
    }
    case 'native.delete': {
      const { schema, pkey, ckey } = keysOf(engine, args as NativeKey);
      const ts = engine.now();
      await engine.apply([{ table: schema.id, pkey, ckey, row: { del: { ts, w: engine.writerId } } }]);
      return { result: null };
    }
    case 'native.increment': {
      const a = args as NativeKey & { column: string; by: number };
      const { schema, pkey, ckey } = keysOf(engine, a);
      const result = await engine.rmw({ table: schema.id, pkey, ckey, proc: 'engine.increment', args: { column: a.column, by: a.by } });
      return { result };
    }
    case 'native.scan': {
      const a = args as NativeScan;
      const schema = engine.table(a.table);
      const page = await engine.scanPage({ table: schema.id, from: a.from, limit: a.limit, filter: a.filter });
      return { result: { rows: page.rows.map((r: LiveRow) => r.values), next: page.next ?? null } };
    }
    case 'native.createTable':
      return { result: await engine.ddl({ kind: 'create', table: args as Omit<TableSchema, 'id'>, ifNotExists: true }) };
    default:
      return undefined;
  }
}
