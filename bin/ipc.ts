// Control messages between the supervisor and its shard processes (Node cluster IPC).
// Data never travels here: shards exchange data over msgpackr RPC sockets (engine/rpc.ts).

import type { CatalogState, Ddl } from '../engine/catalog.js';
import type { OpenReport } from '../engine/shard.js';
import type { NodeConfig } from './config.js';

export interface ShardBoot {
  config: NodeConfig;
  shards: number;
  index: number;
}

export type ToSupervisor =
  /** `clock`: the shard's HLC after replay, so the supervisor can raise every shard's clock above all recovered data. */
  | { t: 'ready'; shard: number; report: OpenReport; clock: number }
  | { t: 'fatal'; shard: number; message: string }
  | { t: 'ddl'; id: number; ddl: Ddl }
  | { t: 'catalog-ack'; shard: number; version: number };

export type ToShard =
  | { t: 'ddl-result'; id: number; state?: CatalogState; error?: { name: string; code?: string; message: string } }
  /** Install a new catalog in the shard (its own tables); acknowledged with catalog-ack. */
  | { t: 'catalog'; state: CatalogState }
  /**
   * Every shard has acknowledged `state`: the process's SQL and Dynamo layers may use it.
   * Showing them a new table any earlier would let them write to a shard that has not
   * installed it yet.
   */
  | { t: 'catalog-visible'; state: CatalogState }
  | { t: 'clock'; ts: number }
  | { t: 'shutdown' };

export function isTesseraMessage(m: unknown): m is { t: string } {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}
