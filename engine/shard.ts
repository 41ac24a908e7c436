// A shard: the single-threaded owner of one token slice of every table (DESIGN.md §1).
// It owns a commit log, and per table a memtable and SSTables. Writes are appended to
// the commit log and applied to the memtable in the same synchronous step (so a
// read-modify-write is atomic), and acknowledged once the log record is fsynced.

import fs from 'node:fs';
import path from 'node:path';
import { BlockCache } from './block-cache.js';
import { Catalog, SchemaError, type CatalogState } from './catalog.js';
import { fsyncDir } from './catalog-file.js';
import { openCommitLog, type CommitLog, type ReplayReport } from './commitlog.js';
import { compactEntry, pickSizeTiered } from './compaction.js';
import { Hlc, timestampAt, type Clock } from './hlc.js';
import { PREFIX_END, shardOf } from './keys.js';
import { bucketPkey, shardBucket, type IndexScanRequest } from './local-index.js';
import { Memtable } from './memtable.js';
import { noMetrics, type ShardMetrics } from './metrics.js';
import type { DeriveProc, ProcRegistry, RmwProc } from './procs.js';
import { liveValues, maxTimestamp, mergeRows } from './rows.js';
import { mergeSorted } from './sources.js';
import { SSTableReader, SSTableWriter } from './sstable.js';
import { TableStore } from './table.js';
import type { LiveRow, Mutation, RowEntry, Timestamp } from './types.js';

export interface ShardOptions {
  index: number;
  shards: number;
  nodeId: number;
  /** This shard's directory, e.g. <data>/shard-0. */
  dir: string;
  catalog: CatalogState;
  clock: Clock;
  procs: ProcRegistry;
  metrics?: ShardMetrics;
  /** Flush memtables when they hold more than this (estimated heap bytes). */
  memtableBudgetBytes?: number;
  blockCacheBytes?: number;
  /** Target encoded size of an SSTable block (sstable.ts default when absent). */
  sstableBlockBytes?: number;
  commitLogSegmentBytes?: number;
  log?: (msg: string) => void;
}

export interface ScanRequest {
  table: number;
  /** Inclusive start key ('' = table start). */
  from?: string;
  /** End key (undefined = table end); exclusive unless toInclusive. */
  to?: string;
  toInclusive?: boolean;
  /** Live rows to return at most. */
  limit?: number;
  /** Entries to examine at most before returning a page (keeps a selective filter from stalling the shard). */
  maxScanned?: number;
  /** Live rows to evaluate at most (before the filter): DynamoDB's Limit under a filter. */
  evaluatedMax?: number;
  /** Descending key order; `next` is then the exclusive `to` of the following page. */
  reverse?: boolean;
  filter?: { proc: string; args: unknown };
}

export interface ScanPage {
  rows: LiveRow[];
  /**
   * Resume key for the next page; absent when the range is exhausted. Ascending: the next
   * page's inclusive `from`; descending: its exclusive `to`.
   */
  next?: string;
  /** Live rows evaluated for this page (before the filter). */
  evaluated?: number;
}

export interface RmwRequest {
  table: number;
  pkey: string;
  ckey: string;
  proc: string;
  args: unknown;
}

export interface OpenReport {
  replay: ReplayReport;
  removedTempFiles: string[];
  sstables: number;
}

const DEFAULT_MEMTABLE_BUDGET = 64 * 1024 * 1024;
const DEFAULT_BLOCK_CACHE = 32 * 1024 * 1024;
const PAGE_ROWS = 1000;
/** Bulk-loaded rows of one table sorted into one SSTable (Shard.load). */
const BULK_RUN_ROWS = 50_000;
const PAGE_SCANNED = 10_000;
const GC_GRACE_SECONDS = 10 * 24 * 3600;
/** Rows written to an SSTable between yields to the event loop during flush/compaction. */
const YIELD_EVERY_ROWS = 2000;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Bytes of SSTable read into the block cache per event-loop turn while warming it. */
const WARM_STEP_BYTES = 256 * 1024;

export class Shard {
  readonly catalog: Catalog;
  readonly hlc: Hlc;
  /** (nodeId << 10) | shard: the tie-breaker on every cell this shard stamps. */
  readonly writerId: number;
  private readonly tables = new Map<number, TableStore>();
  private readonly cache: BlockCache;
  private readonly metrics: ShardMetrics;
  private readonly memtableBudget: number;
  private log!: CommitLog;
  private nextGeneration = 1;
  private flushing: Promise<void> | undefined;
  private compacting: Promise<void> | undefined;
  private closed = false;
  /** Distinguishes this opening of the shard from earlier ones (bulk loads do not survive a restart). */
  readonly incarnation: number;
  /** Bulk-loaded rows per table waiting to be sorted into an SSTable (load). */
  private readonly staged = new Map<number, { store: TableStore; entries: [string, RowEntry][] }>();
  /** The last bulk-load run queued (its failure swallowed: it is reported to its own waiter). */
  private runs: Promise<void> = Promise.resolve();
  /** Mutations loaded into memtables (derived rows), and how many of them a flush made durable. */
  private memtableLoads = 0;
  private memtableLoadsDurable = 0;

  private constructor(private readonly opts: ShardOptions) {
    this.catalog = new Catalog(opts.catalog);
    this.hlc = new Hlc(opts.clock);
    this.writerId = (opts.nodeId << 10) | opts.index;
    this.cache = new BlockCache(opts.blockCacheBytes ?? DEFAULT_BLOCK_CACHE);
    this.metrics = opts.metrics ?? noMetrics;
    this.memtableBudget = opts.memtableBudgetBytes ?? DEFAULT_MEMTABLE_BUDGET;
    this.incarnation = opts.clock.nowMs();
  }

  static async open(opts: ShardOptions): Promise<{ shard: Shard; report: OpenReport }> {
    const shard = new Shard(opts);
    fs.mkdirSync(path.join(opts.dir, 'tables'), { recursive: true });
    const removedTempFiles = shard.loadTables();
    const { log, report } = await openCommitLog(
      {
        dir: path.join(opts.dir, 'commitlog'),
        segmentSizeBytes: opts.commitLogSegmentBytes,
        onSync: (ms, records) => shard.metrics.fsynced(ms, records),
      },
      (payload) => shard.replayRecord(payload as Mutation[]),
    );
    shard.log = log;
    shard.updateGauges();
    // Newest files first: they hold the rows most likely read next.
    for (const t of shard.tables.values()) shard.warm(t.sstables);
    // Files left by a bulk load or an abandoned compaction may be ready to merge.
    void shard.maybeCompact();
    return { shard, report: { replay: report, removedTempFiles, sstables: shard.sstableCount() } };
  }

  private tableDir(id: number): string {
    return path.join(this.opts.dir, 'tables', String(id));
  }

  /** Opens every table's SSTables; removes temp files of interrupted flushes and dropped tables' data. */
  private loadTables(): string[] {
    const removed: string[] = [];
    const tablesDir = path.join(this.opts.dir, 'tables');
    for (const name of fs.readdirSync(tablesDir)) {
      if (!this.catalog.tableById(Number(name))) fs.rmSync(path.join(tablesDir, name), { recursive: true, force: true });
    }
    for (const schema of this.catalog.tables()) {
      const store = this.ensureTable(schema.id);
      for (const file of fs.readdirSync(store.dir).sort()) {
        const full = path.join(store.dir, file);
        if (file.endsWith('.tmp')) {
          fs.rmSync(full);
          removed.push(full);
          continue;
        }
        const m = /^(\d+)\.sst$/.exec(file);
        if (!m) continue;
        const generation = Number(m[1]);
        this.nextGeneration = Math.max(this.nextGeneration, generation + 1);
        const reader = SSTableReader.open(full, { id: generation, cache: this.cache });
        // Flushed data left the commit log: its timestamps are only known from here.
        this.hlc.observe(reader.meta.maxTs);
        store.sstables.unshift(reader);
      }
    }
    return removed;
  }

  private ensureTable(id: number): TableStore {
    let store = this.tables.get(id);
    if (!store) {
      const schema = this.catalog.tableById(id)!;
      store = new TableStore(schema, this.catalog.codec(id), this.tableDir(id));
      fs.mkdirSync(store.dir, { recursive: true });
      this.tables.set(id, store);
    }
    return store;
  }

  private replayRecord(mutations: Mutation[]): void {
    for (const m of mutations) {
      if (!this.catalog.tableById(m.table)) continue; // table dropped since
      this.hlc.observe(maxTimestamp(m.row));
      this.ensureTable(m.table).apply(m.pkey + m.ckey, m.row);
    }
  }

  /** Installs a new catalog version: creates, alters and drops tables. */
  setCatalog(state: CatalogState): void {
    if (state.version <= this.catalog.version) return;
    this.catalog.set(state);
    for (const [id, store] of this.tables) {
      const schema = this.catalog.tableById(id);
      if (!schema) {
        this.tables.delete(id);
        this.staged.delete(id);
        for (const s of store.sstables) s.close();
        fs.rmSync(store.dir, { recursive: true, force: true });
      } else {
        store.schema = schema;
        store.codec = this.catalog.codec(id);
      }
    }
    for (const t of this.catalog.tables()) this.ensureTable(t.id);
  }

  private table(id: number): TableStore {
    const store = this.tables.get(id);
    if (!store) throw new SchemaError('no_such_table', `table id ${id} does not exist on shard ${this.opts.index}`);
    return store;
  }

  owns(pkey: string): boolean {
    return shardOf(pkey, this.opts.shards) === this.opts.index;
  }

  /** Waits while memtables are over twice their budget (a flush is behind): backpressure. */
  private async admit(): Promise<void> {
    while (this.memtableBytes() > 2 * this.memtableBudget && this.flushing) await this.flushing;
  }

  /** Runs a registered task (ProcRegistry.registerTask) in this shard's process. */
  runTask(name: string, args: unknown): Promise<unknown> {
    return this.opts.procs.task(name)(args);
  }

  /** Logs and applies in one synchronous step; the promise resolves when durable. */
  private validate(mutations: Mutation[]): void {
    if (this.closed) throw new Error(`shard ${this.opts.index} is closed`);
    for (const m of mutations) {
      this.table(m.table);
      if (!this.owns(m.pkey)) throw new Error(`bug: shard ${this.opts.index} got a mutation for shard ${shardOf(m.pkey, this.opts.shards)}`);
    }
  }

  private applyNow(mutations: Mutation[]): Promise<void> {
    this.validate(mutations);
    let logged = mutations;
    for (const m of mutations) {
      this.hlc.observe(maxTimestamp(m.row));
      const store = this.tables.get(m.table)!;
      const derives = this.opts.procs.derivesFor(store.schema);
      if (derives.length === 0) {
        store.apply(m.pkey + m.ckey, m.row);
        continue;
      }
      const derived = this.applyDeriving(store, m, derives);
      if (derived.length > 0) {
        if (logged === mutations) logged = [...mutations];
        logged.push(...derived);
      }
    }
    // Derived rows go into the same record as their base rows: one crash-atomic unit.
    const durable = this.log.append(logged);
    this.metrics.writes(logged.length);
    if (this.memtableBytes() > this.memtableBudget) void this.flush();
    return durable;
  }

  /**
   * Applies one mutation of a table with derived rows (secondary index entries) and the
   * derived mutations its change calls for; returns those, for the commit-log record.
   * Reads the affected rows before and after, in the same synchronous step.
   */
  private applyDeriving(store: TableStore, m: Mutation, derives: DeriveProc[]): Mutation[] {
    const keys: [string, string][] = [];
    if (m.ckey === '' && m.row.pdel && store.hasClustering) {
      // A partition tombstone changes every row of the partition.
      for (const e of store.scan(m.pkey, m.pkey + PREFIX_END)) if (e.key.length > m.pkey.length) keys.push([m.pkey, e.key.slice(m.pkey.length)]);
    }
    if (m.ckey !== '' || !store.hasClustering) keys.push([m.pkey, m.ckey]);
    const before = keys.map(([p, c]) => this.liveAt(store, p, c));
    store.apply(m.pkey + m.ckey, m.row);
    const out: Mutation[] = [];
    keys.forEach(([pkey, ckey], i) => {
      const after = this.liveAt(store, pkey, ckey);
      if (before[i] === undefined && after === undefined) return;
      for (const d of derives) {
        const ts = this.hlc.now();
        const derived = d.derive({ table: store.schema, pkey, ckey, before: before[i], after, ts, w: this.writerId, shard: this.opts.index, shards: this.opts.shards, catalog: this.catalog });
        for (const dm of derived) {
          const target = this.table(dm.table);
          if (!this.owns(dm.pkey)) throw new Error(`bug: derived mutation for shard ${shardOf(dm.pkey, this.opts.shards)} on shard ${this.opts.index}`);
          target.apply(dm.pkey + dm.ckey, dm.row);
          out.push(dm);
        }
      }
    });
    return out;
  }

  private liveAt(store: TableStore, pkey: string, ckey: string): LiveRow | undefined {
    const r = store.read(pkey, ckey);
    return r.row && this.toLive(store, pkey, ckey, r.row, r.partitionDel);
  }

  /** This shard's bucket partition key in shard-local index tables (engine/local-index.ts). */
  get bucketPkey(): string {
    return bucketPkey(shardBucket(this.opts.index, this.opts.shards));
  }

  /**
   * One page of an index read: entries of the index table in this shard's bucket
   * partition, each resolved to its base row on this shard and kept if the check
   * procedure accepts it (a stale entry never yields a row). `next` resumes the entries.
   */
  indexScan(req: IndexScanRequest): ScanPage {
    const pkey = this.bucketPkey;
    const page = this.scan({ table: req.index, from: pkey + req.from, to: pkey + req.to, reverse: req.reverse, limit: req.limit });
    const check = this.opts.procs.indexCheck(req.check.proc);
    const rows: LiveRow[] = [];
    for (const entry of page.rows) {
      const p = entry.values.p, c = entry.values.c;
      if (typeof p !== 'string' || typeof c !== 'string') continue;
      const base = this.get(req.base, p, c);
      if (base && check(entry, base, req.check.args)) rows.push(base);
    }
    return page.next === undefined ? { rows } : { rows, next: page.next.slice(pkey.length) };
  }

  /** Applies mutations atomically on this shard (one commit-log record); resolves when durable. */
  async apply(mutations: Mutation[]): Promise<void> {
    if (mutations.length === 0) return;
    await this.admit();
    await this.applyNow(mutations);
  }

  /**
   * Bulk load, WITHOUT the commit log, for a table no reader or writer can see yet (a
   * shadow table being filled by ADD PRIMARY KEY). Rows of a table without derived rows
   * skip the memtable too: they are staged, and every BULK_RUN_ROWS of them are sorted
   * into an SSTable of their own (duplicate keys merged; runs merge like any SSTables).
   * Rows are readable and durable only after a later flushDurable(); a crash before that
   * loses them, which is safe only because the table is discarded unless the load
   * completed. Returns this shard's incarnation, so the loader can tell that a restart in
   * between lost rows.
   */
  async load(mutations: Mutation[]): Promise<number> {
    if (mutations.length === 0) return this.incarnation;
    await this.admit();
    this.validate(mutations);
    const full: number[] = [];
    for (const m of mutations) {
      this.hlc.observe(maxTimestamp(m.row));
      const store = this.tables.get(m.table)!;
      const derives = this.opts.procs.derivesFor(store.schema);
      if (derives.length > 0) {
        this.applyDeriving(store, m, derives);
        this.memtableLoads++;
        continue;
      }
      let staged = this.staged.get(m.table);
      if (!staged) this.staged.set(m.table, (staged = { store, entries: [] }));
      staged.entries.push([m.pkey + m.ckey, m.row]);
      if (staged.entries.length === BULK_RUN_ROWS) full.push(m.table);
    }
    this.metrics.writes(mutations.length);
    if (this.memtableBytes() > this.memtableBudget) void this.flush();
    // Waiting for the runs this call filled bounds the rows staged per table.
    for (const id of full) await this.writeRun(id);
    return this.incarnation;
  }

  /** Sorts a table's staged bulk-load rows into a new SSTable (after the runs queued before). */
  private writeRun(tableId: number): Promise<void> {
    const staged = this.staged.get(tableId);
    this.staged.delete(tableId);
    if (!staged || staged.entries.length === 0) return this.runs;
    const { store, entries } = staged;
    const run = this.runs.then(async () => {
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      let n = 0;
      for (let i = 0; i < entries.length; i++) {
        const row = mergeRows({}, entries[i][1]);
        if (n > 0 && entries[n - 1][0] === entries[i][0]) entries[n - 1][1] = mergeRows(entries[n - 1][1], row);
        else entries[n++] = [entries[i][0], row];
      }
      entries.length = n;
      await this.writeSSTable(store, entries[Symbol.iterator](), n, (key, row) => row, undefined, false);
    });
    // Runs are written one at a time; a failed one fails only the call waiting for it.
    this.runs = run.catch(() => undefined);
    return run;
  }

  /**
   * Makes everything loaded before the call durable in fsynced SSTables: staged rows are
   * written as runs and, if loads went into memtables (derived rows), memtables are
   * flushed (a flush already running may have frozen its memtables before those rows,
   * so it is waited for and followed by a new one). Logged writes need no flush: the
   * commit log has them. Returns this shard's incarnation.
   */
  async flushDurable(): Promise<number> {
    await Promise.all([...this.staged.keys()].map((id) => this.writeRun(id)));
    await this.runs;
    if (this.memtableLoadsDurable < this.memtableLoads) {
      while (this.flushing) await this.flushing;
      const covered = this.memtableLoads;
      await this.flush();
      this.memtableLoadsDurable = Math.max(this.memtableLoadsDurable, covered);
    }
    // A bulk load leaves one SSTable per run: merge them, or every read checks them all.
    void this.maybeCompact();
    return this.incarnation;
  }

  /**
   * Applies independent groups (each atomic, e.g. one client request each) in one
   * commit-log record and one fsync; a group that fails validation fails alone.
   */
  async applyGroups(groups: Mutation[][]): Promise<(Error | null)[]> {
    await this.admit();
    const errors = groups.map((g) => {
      try {
        this.validate(g);
        return null;
      } catch (e) {
        return e as Error;
      }
    });
    const valid = groups.filter((_, i) => errors[i] === null).flat();
    if (valid.length > 0) await this.applyNow(valid);
    return errors;
  }

  get(tableId: number, pkey: string, ckey: string): LiveRow | undefined {
    const store = this.table(tableId);
    const r = store.read(pkey, ckey);
    this.metrics.reads(1, r.sstablesRead);
    return r.row && this.toLive(store, pkey, ckey, r.row, r.partitionDel);
  }

  private toLive(store: TableStore, pkey: string, ckey: string, row: RowEntry, pdel: Parameters<typeof liveValues>[1]): LiveRow | undefined {
    const values = liveValues(row, pdel, this.opts.clock.nowMs());
    if (!values) return undefined;
    store.codec.decode(pkey + ckey, values);
    return { pkey, ckey, values, maxTs: maxTimestamp(row) };
  }

  scan(req: ScanRequest): ScanPage {
    const store = this.table(req.table);
    const limit = req.limit ?? PAGE_ROWS;
    const maxScanned = req.maxScanned ?? PAGE_SCANNED;
    const filter = req.filter ? this.opts.procs.filter(req.filter.proc) : undefined;
    const nowMs = this.opts.clock.nowMs();
    const evaluatedMax = req.evaluatedMax ?? Infinity;
    const rows: LiveRow[] = [];
    let scanned = 0;
    let evaluated = 0;
    let next: string | undefined;
    const entries = req.reverse ? store.scanReverse(req.from ?? '', req.to, req.toInclusive) : store.scan(req.from ?? '', req.to, req.toInclusive);
    for (const e of entries) {
      scanned++;
      const values = liveValues(e.row, e.partitionDel, nowMs);
      if (values) {
        evaluated++;
        store.codec.decode(e.key, values);
        const row: LiveRow = { pkey: e.key.slice(0, e.pkeyLength), ckey: e.key.slice(e.pkeyLength), values, maxTs: maxTimestamp(e.row) };
        if (!filter || filter(row, req.filter!.args)) rows.push(row);
      }
      if (rows.length >= limit || scanned >= maxScanned || evaluated >= evaluatedMax) {
        next = req.reverse ? e.key : e.key + '\x00';
        break;
      }
    }
    this.metrics.scanned(scanned);
    return next === undefined ? { rows, evaluated } : { rows, next, evaluated };
  }

  /**
   * A transaction's part on this shard as one atomic, durable unit (one commit-log
   * record, one fsync): every read-modify-write step reads its row and computes its
   * writes, then those writes and `mutations` are applied together, all in one
   * synchronous step. The steps must address distinct rows, and no step may touch what
   * `mutations` writes (both read the rows as they were before the unit). A step whose
   * procedure returns `abort` cancels the unit: nothing is applied, and the results
   * (that step's among them) are returned for the caller to report.
   */
  async commit(mutations: Mutation[], steps: RmwRequest[]): Promise<unknown[]> {
    await this.admit();
    this.validate(mutations);
    const nowMs = this.opts.clock.nowMs();
    const results: unknown[] = [];
    const writes: Mutation[] = [...mutations];
    let aborted = false;
    for (const req of steps) {
      if (!this.owns(req.pkey)) throw new Error(`bug: shard ${this.opts.index} got a step for shard ${shardOf(req.pkey, this.opts.shards)}`);
      const out = this.runStep(req, nowMs);
      results.push(out.result);
      if (out.abort) aborted = true;
      else writes.push(...out.mutations);
    }
    if (!aborted && writes.length > 0) await this.applyNow(writes);
    return results;
  }

  /** Reads a step's row and runs its procedure; applies nothing. */
  private runStep(req: RmwRequest, nowMs: number): ReturnType<RmwProc> {
    const proc = this.opts.procs.rmw(req.proc);
    const store = this.table(req.table);
    const r = store.read(req.pkey, req.ckey);
    const current = r.row && this.toLive(store, req.pkey, req.ckey, r.row, r.partitionDel);
    if (r.row) this.hlc.observe(maxTimestamp(r.row));
    if (r.partitionDel) this.hlc.observe(r.partitionDel.ts);
    return proc(current, req.args, { table: req.table, pkey: req.pkey, ckey: req.ckey, ts: this.hlc.now(), w: this.writerId, nowMs, catalog: this.catalog });
  }

  /** Row-level atomic read-modify-write: read, compute and log happen in one synchronous step. */
  async rmw(req: RmwRequest): Promise<unknown> {
    await this.admit();
    const out = this.runStep(req, this.opts.clock.nowMs());
    if (out.mutations.length > 0) await this.applyNow(out.mutations);
    return out.result;
  }

  now(): Timestamp {
    return this.hlc.now();
  }

  memtableBytes(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.memtableBytes;
    return n;
  }

  sstableCount(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.sstables.length;
    return n;
  }

  private updateGauges(): void {
    let sstableBytes = 0;
    for (const t of this.tables.values()) for (const s of t.sstables) sstableBytes += s.meta.bytes;
    this.metrics.gauges({ memtableBytes: this.memtableBytes(), sstables: this.sstableCount(), sstableBytes });
  }

  /** Writes every memtable to an SSTable, then releases the commit-log segments they covered. */
  flush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => {
      this.flushing = undefined;
      void this.maybeCompact();
    });
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    const started = Date.now();
    const segment = this.log.rollover();
    const frozen: [TableStore, Memtable][] = [];
    for (const t of this.tables.values()) {
      if (t.active.rows === 0) continue;
      frozen.push([t, t.active]);
      t.frozen.unshift(t.active);
      t.active = new Memtable();
    }
    let bytes = 0;
    for (const [t, mem] of frozen) {
      const reader = await this.writeSSTable(t, mem.iterate(), mem.rows, (key, row) => row);
      if (reader) bytes += reader.meta.bytes;
      t.frozen = t.frozen.filter((m) => m !== mem);
    }
    await this.log.releaseBefore(segment);
    this.metrics.flushed(bytes, Date.now() - started);
    this.updateGauges();
  }

  /** Streams entries into a new SSTable of `t`; installs it unless the table was dropped meanwhile. */
  private async writeSSTable(
    t: TableStore,
    entries: Iterator<[string, import('./types.js').RowEntry]>,
    expected: number,
    transform: (key: string, row: import('./types.js').RowEntry, pkeyLength: number) => import('./types.js').RowEntry | undefined,
    abandon: () => boolean = () => false,
    warm = true,
  ): Promise<SSTableReader | undefined> {
    const generation = this.nextGeneration++;
    const file = path.join(t.dir, `${String(generation).padStart(10, '0')}.sst`);
    const dropped = (): boolean => this.tables.get(t.schema.id) !== t;
    let writer: SSTableWriter | undefined;
    try {
      writer = await SSTableWriter.create(file, { expectedPartitions: Math.max(1, expected), blockSizeBytes: this.opts.sstableBlockBytes });
      let n = 0;
      for (let r = entries.next(); !r.done; r = entries.next()) {
        const [key, row] = r.value;
        const pkeyLength = t.codec.pkeyLength(key);
        const out = transform(key, row, pkeyLength);
        if (out) writer.add(key, key.slice(0, pkeyLength), out);
        if (writer.needsDrain) await writer.drain();
        else if (++n % YIELD_EVERY_ROWS === 0) await yieldToLoop();
        if (abandon()) break;
      }
      if (dropped() || abandon()) {
        await writer.abort();
        return undefined;
      }
      await writer.finish();
      fsyncDir(t.dir);
      const reader = SSTableReader.open(file, { id: generation, cache: this.cache });
      t.sstables.unshift(reader);
      // Fresh flush and compaction output (still in the OS page cache) fills the block
      // cache's free room, as RocksDB's prepopulate_block_cache does, so reads after a
      // bulk load or compaction do not each pay a pread and a checksum. Bulk-load runs are
      // about to be compacted: not worth it.
      if (warm) this.warm([reader]);
      return reader;
    } catch (e) {
      // The table was dropped while this file was being written (setCatalog removed its
      // directory): the data is gone with it, nothing to install.
      if (dropped()) {
        await writer?.abort().catch(() => undefined);
        return undefined;
      }
      throw e;
    }
  }

  /** SSTables waiting to be read into the block cache's free room, in the background. */
  private readonly warming: SSTableReader[] = [];
  private warmScheduled = false;

  private warm(readers: SSTableReader[]): void {
    this.warming.push(...readers);
    if (!this.warmScheduled && this.warming.length > 0) {
      this.warmScheduled = true;
      setImmediate(() => this.warmStep());
    }
  }

  /** One step of warming; a reader that is done, closed or finds the cache full leaves the queue. */
  private warmStep(): void {
    this.warmScheduled = false;
    while (this.warming.length > 0 && !this.closed) {
      let more = false;
      try {
        more = this.warming[0].warm(WARM_STEP_BYTES);
      } catch {
        // a bad block: left for the read that needs it to report, with its position
      }
      if (more) {
        this.warmScheduled = true;
        setImmediate(() => this.warmStep());
        return;
      }
      this.warming.shift();
    }
    this.warming.length = 0;
  }

  private maybeCompact(): Promise<void> | undefined {
    if (this.compacting || this.closed) return this.compacting;
    for (const t of this.tables.values()) {
      const pick = pickSizeTiered(t.sstables.map((s) => s.meta.bytes));
      if (!pick) continue;
      const inputs = pick.map((i) => t.sstables[i]);
      this.compacting = this.compact(t, inputs).finally(() => {
        this.compacting = undefined;
        void this.maybeCompact();
      });
      return this.compacting;
    }
    return undefined;
  }

  /** Compacts every table's SSTables into one each (tests, `tessera compact`). */
  async compactAll(): Promise<void> {
    await this.flushing;
    // Hold the compaction slot, so no background compaction rewrites (and deletes) the
    // same SSTables meanwhile. A finishing one may start the next: wait for all of them.
    while (this.compacting) await this.compacting;
    if (this.closed) return;
    const all = async (): Promise<void> => {
      for (const t of this.tables.values()) {
        if (this.closed) return;
        if (t.sstables.length > 1) await this.compact(t, [...t.sstables]);
      }
    };
    this.compacting = all().finally(() => {
      this.compacting = undefined;
      void this.maybeCompact();
    });
    await this.compacting;
  }

  private async compact(t: TableStore, inputs: SSTableReader[]): Promise<void> {
    const started = Date.now();
    const nowMs = this.opts.clock.nowMs();
    const graceSeconds = typeof t.schema.options.gc_grace_seconds === 'number' ? t.schema.options.gc_grace_seconds : GC_GRACE_SECONDS;
    let purgeBefore = timestampAt(nowMs - graceSeconds * 1000);
    for (const s of t.sstables) if (!inputs.includes(s)) purgeBefore = Math.min(purgeBefore, s.meta.minTs);
    for (const m of [t.active, ...t.frozen]) purgeBefore = Math.min(purgeBefore, m.minTs);
    // Reads past the block cache: a compaction would evict the blocks readers need.
    const merged = mergeSorted(inputs.map((s) => s.iterate(undefined, undefined, false, false)));
    let currentPkey = '';
    let currentDel: import('./types.js').Deletion | undefined;
    const reader = await this.writeSSTable(t, merged, inputs.reduce((n, s) => n + s.meta.rows, 0), (key, row, pkeyLength) => {
      const pkey = key.slice(0, pkeyLength);
      if (pkey !== currentPkey) {
        currentPkey = pkey;
        currentDel = undefined;
      }
      if (key === pkey && row.pdel) currentDel = row.pdel;
      return compactEntry(row, key === pkey ? undefined : currentDel, nowMs, purgeBefore);
    }, () => this.closed); // a stopping shard drops a compaction (its inputs stay) instead of waiting for it
    if (!reader) return;
    t.sstables = t.sstables.filter((s) => !inputs.includes(s));
    for (const s of inputs) {
      s.close();
      fs.rmSync(s.path, { force: true });
    }
    this.metrics.compacted(inputs.length, reader.meta.bytes, Date.now() - started);
    this.updateGauges();
  }

  /** Stops accepting writes, flushes memtables, waits for background work, closes files. */
  async close(opts: { flush: boolean } = { flush: true }): Promise<void> {
    if (this.closed) return;
    if (opts.flush && this.memtableBytes() > 0) await this.flush();
    this.closed = true;
    await this.flushing;
    await this.compacting;
    await this.log.close();
    for (const t of this.tables.values()) for (const s of t.sstables) s.close();
  }
}
