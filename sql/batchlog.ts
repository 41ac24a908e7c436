// The batch log that makes a multi-shard COMMIT atomic (DESIGN.md §2, as Cassandra's
// logged batches): the whole batch (row mutations with their commit timestamp, and the
// deltas) is written durably to tessera$batchlog first, then applied to each shard,
// then the log entry is removed. After a crash, replay() applies every entry left
// behind again. Mutations carry fixed timestamps, so applying them twice is a no-op;
// each delta read-modify-write records the batch id in the row it changed (the last 64
// ids, procs.ts APPLIED_BATCHES), so a replayed delta is applied at most once.

import { decode, encode } from '../engine/codec.js';
import type { Engine } from '../engine/engine.js';
import type { RmwRequest } from '../engine/shard.js';
import type { Mutation } from '../engine/types.js';
import { SqlError } from './errors.js';
import { PROC, type DeltaArgs, type RmwResult } from './procs.js';

export const BATCHLOG_TABLE = 'tessera$batchlog';

/** A buffered row's deltas as the read-modify-write step that applies them on its shard (once per batch id, when given). */
export function deltaStep(d: DeltaRequest, batch?: string): RmwRequest {
  return { table: d.table, pkey: d.pkey, ckey: d.ckey, proc: PROC.delta, args: batch === undefined ? d.args : { ...d.args, batch } };
}

/** Throws the first failure among delta steps' results. */
export function throwDeltaError(results: unknown[]): void {
  for (const r of results as RmwResult[]) if ('err' in r) throw SqlError.fromData(r.err);
}

export interface DeltaRequest {
  table: number;
  pkey: string;
  ckey: string;
  args: DeltaArgs;
}

interface Entry {
  mutations: Mutation[];
  deltas: DeltaRequest[];
}

export class BatchLog {
  private creating: Promise<unknown> | undefined;

  constructor(private readonly engine: Engine) {}

  private async ensureTable(): Promise<number> {
    let t = this.engine.catalog.table(BATCHLOG_TABLE);
    if (!t) {
      this.creating ??= this.engine.ddl({
        kind: 'create', ifNotExists: true,
        table: {
          name: BATCHLOG_TABLE,
          columns: [{ name: 'id', type: 'text' }, { name: 'writer', type: 'int8' }, { name: 'batch', type: 'bytea' }],
          partitionKey: ['id'], clusteringKey: [], options: {},
        },
      });
      await this.creating;
      t = this.engine.catalog.table(BATCHLOG_TABLE)!;
    }
    return t.id;
  }

  private key(tableId: number, id: string): { table: number; pkey: string; ckey: string } {
    return { table: tableId, pkey: this.engine.catalog.codec(tableId).pkey([id]), ckey: '' };
  }

  /** Writes a batch durably; returns its id. */
  async write(mutations: Mutation[], deltas: DeltaRequest[]): Promise<string> {
    const tableId = await this.ensureTable();
    const ts = this.engine.now();
    const w = this.engine.writerId;
    const id = `${w}:${ts}`;
    const batch = encode({ mutations, deltas } satisfies Entry);
    await this.engine.apply([{ ...this.key(tableId, id), row: { marker: { ts, w, v: true }, cells: { writer: { ts, w, v: BigInt(w) }, batch: { ts, w, v: batch } } } }]);
    return id;
  }

  async remove(id: string): Promise<void> {
    const tableId = await this.ensureTable();
    await this.engine.apply([{ ...this.key(tableId, id), row: { del: { ts: this.engine.now(), w: this.engine.writerId } } }]);
  }

  /**
   * Applies a batch: each shard's part (its rows, and its deltas, each at most once per
   * batch id) as one atomic step on that shard (Engine.commit), all shards in parallel;
   * a row's buffered values and its deltas are always different columns. A delta that
   * fails cancels its shard's part; the other shards' parts apply.
   */
  async apply(id: string, mutations: Mutation[], deltas: DeltaRequest[]): Promise<void> {
    const settled = await this.engine.commitPerShard(mutations, deltas.map((d) => deltaStep(d, id)));
    // A shard that could not be reached outranks a failed delta: the entry must stay for the replay.
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    for (const s of settled) throwDeltaError((s as PromiseFulfilledResult<unknown[]>).value);
  }

  /**
   * Re-applies every batch this writer left in the log (after a crash), or every batch
   * when `allWriters`. Returns how many were replayed.
   */
  async replay(opts: { allWriters?: boolean } = {}): Promise<number> {
    if (!this.engine.catalog.table(BATCHLOG_TABLE)) return 0;
    const tableId = await this.ensureTable();
    const found: { id: string; entry: Entry }[] = [];
    let from: string | undefined = '';
    while (from !== undefined) {
      const page = await this.engine.scanPage({ table: tableId, from });
      for (const r of page.rows) {
        const writer = Number(r.values.writer);
        if (!opts.allWriters && writer !== this.engine.writerId) continue;
        found.push({ id: r.values.id as string, entry: decode<Entry>(r.values.batch as Uint8Array) });
      }
      from = page.next;
    }
    for (const { id, entry } of found) {
      try {
        await this.apply(id, entry.mutations, entry.deltas);
      } catch (e) {
        // A delta its COMMIT could not apply either (the client got this error): the rest
        // of the batch is applied; failing start-up over it would help nobody.
        if (!(e instanceof SqlError)) throw e;
      }
      await this.remove(id);
    }
    return found.length;
  }
}
