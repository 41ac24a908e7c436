// Sequences (serial columns, nextval): one row per sequence in the engine table
// tessera$sequences (name -> value int8), advanced by an atomic read-modify-write on
// the owning shard. Each process takes values in blocks of CACHE_VALUES, like
// PostgreSQL's CACHE > 1: values are unique, and increasing within a process, but
// concurrent processes interleave. A sequence row is keyed by the sequence name and the
// generation of its table (the engine id it was created with), so a re-created table
// never sees values another process cached for its predecessor.

import type { Engine } from '../engine/engine.js';
import { SqlError, SqlState } from './errors.js';
import { PROC } from './procs.js';
import { SEQUENCES_TABLE } from './schema.js';

/** Values a process reserves per round trip to the sequence's shard. */
export const CACHE_VALUES = 32;

export class Sequences {
  private readonly cache = new Map<string, { next: bigint; last: bigint }>();
  private creating: Promise<unknown> | undefined;

  constructor(private readonly engine: Engine) {}

  /** Creates the sequences table once per node. */
  async ensureTable(): Promise<void> {
    if (this.engine.catalog.table(SEQUENCES_TABLE)) return;
    this.creating ??= this.engine.ddl({
      kind: 'create',
      ifNotExists: true,
      table: { name: SEQUENCES_TABLE, columns: [{ name: 'name', type: 'text' }, { name: 'value', type: 'int8' }], partitionKey: ['name'], clusteringKey: [], options: { sql: { v: 1, oid: 0, pk: ['name'], indexes: [], sequences: [], checks: [], reloptions: [], dropped: [], system: true } } },
    });
    await this.creating;
  }

  private address(key: string): { table: number; pkey: string; ckey: string } {
    const t = this.engine.catalog.table(SEQUENCES_TABLE);
    if (!t) throw new SqlError(SqlState.objectNotInPrerequisiteState, 'the sequences table does not exist');
    return { table: t.id, pkey: this.engine.catalog.codec(t.id).pkey([key]), ckey: '' };
  }

  async nextval(key: string): Promise<bigint> {
    const c = this.cache.get(key);
    if (c && c.next <= c.last) return c.next++;
    await this.ensureTable();
    const r = (await this.engine.rmw({ ...this.address(key), proc: PROC.nextval, args: { count: CACHE_VALUES } })) as { first: bigint; last: bigint };
    this.cache.set(key, { next: r.first + 1n, last: r.last });
    return r.first;
  }

  /** setval(): the next nextval returns value + 1. */
  async set(key: string, value: bigint): Promise<void> {
    await this.ensureTable();
    const t = this.engine.catalog.table(SEQUENCES_TABLE)!;
    const ts = this.engine.now();
    await this.engine.apply([{ ...this.address(key), table: t.id, row: { marker: { ts, w: this.engine.writerId, v: true }, cells: { value: { ts, w: this.engine.writerId, v: value } } } }]);
    this.cache.delete(key);
  }

  /** Removes a sequence's row (DROP TABLE). */
  async drop(key: string): Promise<void> {
    this.cache.delete(key);
    if (!this.engine.catalog.table(SEQUENCES_TABLE)) return;
    const ts = this.engine.now();
    await this.engine.apply([{ ...this.address(key), row: { del: { ts, w: this.engine.writerId } } }]);
  }
}
