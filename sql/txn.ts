// Transactions in eventual mode (DESIGN.md §2 "Transactions"):
//   - between BEGIN and COMMIT a session's writes are buffered here, keyed by row;
//     the session reads its own writes by overlaying them on engine reads;
//   - COMMIT applies every buffered row with one timestamp (engine.apply, atomic per
//     shard), then the `x = x + d` deltas through a read-modify-write on each row's
//     owning shard, so concurrent transactions on one node never lose an increment;
//   - TRUNCATE inside a transaction writes the table's new contents into a private
//     shadow table and swaps it in at COMMIT (ROLLBACK drops it);
//   - uniqueness is checked when a statement runs against committed data plus this
//     transaction's writes, not again at COMMIT: a concurrent insert of the same key
//     in between resolves by last-write-wins.
//   - a COMMIT that touches several shards writes the batch to the batch log first
//     (batchlog.ts), so after a crash it is replayed whole.

import { purgeIndexEntries } from './indexes.js';
import type { Engine } from '../engine/engine.js';
import type { Cell, Mutation, Value } from '../engine/types.js';
import { SqlError, SqlState } from './errors.js';
import type { PendingRow, TxnOverlay } from './executor.js';
import { BatchLog, deltaStep, throwDeltaError, type DeltaRequest } from './batchlog.js';
import type { SqlTable } from './schema.js';
import type { SqlValue } from './values.js';

/** Rows a transaction may buffer before COMMIT. */
export const TXN_PENDING_ROWS_MAX = 200_000;
/** Transactions below this many rows place new hidden row ids on the shard of their first write. */
const HOMED_ROWS_MAX = 1000;

export interface Shadow {
  /** The table as SQL names it. */
  name: string;
  shadowName: string;
  shadowId: number;
  table: SqlTable;
}

interface Savepoint {
  name: string;
  pending: Map<number, { table: SqlTable; rows: Map<string, PendingRow> }>;
  shadows: Map<string, Shadow>;
  rowCount: number;
}

function clonePending(p: PendingRow): PendingRow {
  return { ...p, values: new Map(p.values), deltas: new Map([...p.deltas].map(([k, v]) => [k, [...v]])) };
}

export class Transaction implements TxnOverlay {
  private pending = new Map<number, { table: SqlTable; rows: Map<string, PendingRow> }>();
  private readonly savepoints: Savepoint[] = [];
  /** Tables truncated in this transaction, by SQL name. */
  readonly shadows = new Map<string, Shadow>();
  private rowCount = 0;
  /** Partition key of the first row this transaction wrote. */
  private firstPkey: string | undefined;

  constructor(readonly startMicros: number) {}

  pendingFor(tableId: number): Map<string, PendingRow> | undefined {
    const p = this.pending.get(tableId);
    return p && p.rows.size ? p.rows : undefined;
  }

  get(tableId: number, key: string): PendingRow | undefined {
    return this.pending.get(tableId)?.rows.get(key);
  }

  /** The pending entry of a row, created empty when absent. */
  row(table: SqlTable, tableId: number, pkey: string, ckey: string): PendingRow {
    let t = this.pending.get(tableId);
    if (!t) this.pending.set(tableId, (t = { table, rows: new Map() }));
    const key = pkey + ckey;
    let p = t.rows.get(key);
    if (!p) {
      if (this.rowCount >= TXN_PENDING_ROWS_MAX) {
        throw new SqlError(SqlState.programLimitExceeded, `transaction too large: more than ${TXN_PENDING_ROWS_MAX} changed rows`, { hint: 'Commit in smaller transactions.' });
      }
      this.rowCount++;
      this.firstPkey ??= pkey;
      p = { pkey, ckey, deleted: false, inserted: false, values: new Map(), deltas: new Map() };
      t.rows.set(key, p);
    }
    return p;
  }

  /** Drops a pending entry (a row inserted and deleted again in this transaction). */
  forget(tableId: number, key: string): void {
    if (this.pending.get(tableId)?.rows.delete(key)) this.rowCount--;
  }

  /** Forgets a table's buffered rows (it was truncated in this transaction). */
  discard(tableId: number): void {
    const t = this.pending.get(tableId);
    if (t) this.rowCount -= t.rows.size;
    this.pending.delete(tableId);
  }

  /**
   * Where a new hidden row id should live: the partition key of this transaction's first
   * write while it is small (so a small transaction commits on one shard, without the
   * batch log); undefined once it is large, so bulk inserts spread over the shards.
   */
  get homePkey(): string | undefined {
    return this.rowCount < HOMED_ROWS_MAX ? this.firstPkey : undefined;
  }

  get empty(): boolean {
    return this.rowCount === 0 && this.shadows.size === 0;
  }

  /** SAVEPOINT: remembers the buffered state (a copy: savepoints cost O(changed rows)). */
  savepoint(name: string): void {
    const pending = new Map([...this.pending].map(([id, t]) => [id, { table: t.table, rows: new Map([...t.rows].map(([k, r]) => [k, clonePending(r)])) }]));
    this.savepoints.push({ name, pending, shadows: new Map(this.shadows), rowCount: this.rowCount });
  }

  private find(name: string): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--) if (this.savepoints[i].name === name) return i;
    throw new SqlError(SqlState.invalidSavepointSpecification, `savepoint "${name}" does not exist`);
  }

  /** RELEASE SAVEPOINT: forgets it and every later one, keeping the changes. */
  release(name: string): void {
    this.savepoints.length = this.find(name);
  }

  /** ROLLBACK TO SAVEPOINT: back to the state it remembered; later savepoints are gone, it stays. Returns shadows to drop. */
  rollbackTo(name: string): Shadow[] {
    const i = this.find(name);
    const sp = this.savepoints[i];
    this.savepoints.length = i + 1;
    const dropped = [...this.shadows.values()].filter((s) => sp.shadows.get(s.name)?.shadowName !== s.shadowName);
    this.pending = new Map([...sp.pending].map(([id, t]) => [id, { table: t.table, rows: new Map([...t.rows].map(([k, r]) => [k, clonePending(r)])) }]));
    this.shadows.clear();
    for (const [k, v] of sp.shadows) this.shadows.set(k, v);
    this.rowCount = sp.rowCount;
    return dropped;
  }

  /** Applies the transaction. Shadows are swapped in first, then rows with one timestamp, then deltas. */
  async commit(engine: Engine): Promise<void> {
    for (const s of this.shadows.values()) {
      await engine.ddl({ kind: 'rename', name: s.shadowName, to: s.name, replace: true });
      await purgeIndexEntries(engine, s.table.id);
    }
    const { mutations, deltas } = this.writes(engine, engine.now());
    await applyWrites(engine, mutations, deltas);
  }

  /**
   * The buffered rows as mutations stamped `ts`, and the deltas. Kept apart from the async
   * commit(): V8 re-optimises a small synchronous function cheaply when the shapes it
   * sees change, where the whole async commit took 100+ ms to recompile each time.
   */
  private writes(engine: Engine, ts: number): { mutations: Mutation[]; deltas: DeltaRequest[] } {
    const w = engine.writerId;
    const mutations: Mutation[] = [];
    const deltas: DeltaRequest[] = [];
    for (const [tableId, { table, rows }] of this.pending) {
      if (!engine.catalog.tableById(tableId)) continue; // dropped meanwhile
      const keys = new Set(table.keyColumns);
      const cellsFor = (p: PendingRow, all: boolean): Record<string, Cell> => {
        const cells: Record<string, Cell> = {};
        table.columns.forEach((c, i) => {
          if (keys.has(i)) return;
          if (all || p.values.has(i)) {
            const v = p.values.get(i) ?? null;
            if (all && p.inserted && !p.deleted && v === null) return;
            cells[c.name] = { ts, w, v: v as Value };
          }
        });
        return cells;
      };
      for (const p of rows.values()) {
        let row: Mutation['row'] | undefined;
        if (p.deleted && !p.inserted) row = { del: { ts, w } };
        else if (p.inserted) row = { marker: { ts, w, v: true }, cells: cellsFor(p, true) };
        else if (p.values.size) row = { cells: cellsFor(p, false) };
        if (row) mutations.push({ table: tableId, pkey: p.pkey, ckey: p.ckey, row });
        if (p.deltas.size) {
          const list: [number, string, SqlValue][] = [];
          for (const [i, ds] of p.deltas) for (const d of ds) list.push([i, d.fn, d.value]);
          deltas.push({
            table: tableId, pkey: p.pkey, ckey: p.ckey,
            args: { table: table.name, cols: table.columns.map((c) => [c.name, c.type.oid, c.type.mod]), keys: table.keyColumns, deltas: list },
          });
        }
      }
    }
    return { mutations, deltas };
  }

  /** Drops the shadows of a rolled-back transaction. */
  async rollback(engine: Engine): Promise<void> {
    const all = new Map<string, Shadow>();
    for (const s of this.shadows.values()) all.set(s.shadowName, s);
    for (const sp of this.savepoints) for (const s of sp.shadows.values()) all.set(s.shadowName, s);
    for (const s of all.values()) {
      await engine.ddl({ kind: 'drop', name: s.shadowName, ifExists: true }).catch(() => undefined);
      await purgeIndexEntries(engine, s.shadowId).catch(() => undefined);
    }
  }
}

/**
 * Applies a COMMIT's writes: on one shard as one atomic step there; across shards
 * through the batch log, so a crash cannot apply only part of them.
 */
async function applyWrites(engine: Engine, mutations: Mutation[], deltas: DeltaRequest[]): Promise<void> {
  const shards = new Set([...mutations.map((m) => engine.shardOf(m.pkey)), ...deltas.map((d) => engine.shardOf(d.pkey))]);
  if (shards.size > 1) {
    // several shards: log the batch durably first so a crash cannot apply only part of it
    const log = new BatchLog(engine);
    const id = await log.write(mutations, deltas);
    try {
      await log.apply(id, mutations, deltas);
    } catch (e) {
      // A delta that fails (overflow) fails the COMMIT, but the other shards' parts have
      // applied: the entry goes, a replay would only fail the same way. Anything else (a
      // shard unreachable) leaves it for the replay at start-up.
      if (e instanceof SqlError) void log.remove(id).catch(() => undefined);
      throw e;
    }
    // Not awaited: a lost removal only means a harmless (idempotent) replay.
    void log.remove(id).catch(() => undefined);
    return;
  }
  if (deltas.length === 0) {
    if (mutations.length) await engine.apply(mutations);
    return;
  }
  // One shard: rows and deltas in one commit-log record there, all or nothing. A row's
  // buffered values and its deltas are different columns, so the order does not matter.
  throwDeltaError(await engine.commit(mutations, deltas.map((d) => deltaStep(d))));
}
