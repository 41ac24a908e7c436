// The session API wire/pg calls (see README.md): prepare, bind/fetch (portals),
// execute, simpleQuery, transaction status, session variables, cursors and COPY.
// One Session per client connection; calls on one session must not overlap.

import type { Engine } from '../engine/engine.js';
import { KeyError } from '../engine/keys.js';
import { SchemaError } from '../engine/catalog.js';
import { systemClock, type Clock } from '../engine/hlc.js';
import type { ProcRegistry } from '../engine/procs.js';
import type { ParsedStatement, Statement } from './ast.js';
import { BatchLog } from './batchlog.js';
import { copyIn, copyOutLines, type CopyInSink } from './copy.js';
import { alterTable, createIndex, createTable, drop, rekeySlice, REKEY_SLICE_TASK, schemaError, truncate, type DdlContext, type Notice, type RekeySliceArgs } from './ddl.js';
import { planDelete, planInsert, planUpdate, runDelete, runInsert, runUpdate, type DmlContext, type DmlPlan } from './dml.js';
import { SqlError, SqlState } from './errors.js';
import { explainPlan } from './explain.js';
import type { Row } from './expr.js';
import { isPointPlan, run, runPoint, type ExecEnv } from './executor.js';
import type { EvalCtx, SessionInfo } from './functions.js';
import { parseSql } from './parser.js';
import type { OutputColumn, PlannedQuery } from './plan.js';
import { Roles, type PasswordEncryptor } from './roles.js';
import { catalogEnvOf, indexDefinition, constraintDefinition, NAMESPACE, relationByOid, relationOidByName } from './pgcatalog-tables.js';
import { virtualTable, type CatalogEnv } from './pgcatalog.js';
import { Planner } from './planner.js';
import { registerSqlProcs } from './procs.js';
import { isHiddenTable, SqlTable, SqlTableCache } from './schema.js';
import { Sequences } from './sequences.js';
import { Transaction } from './txn.js';
import { formatType, Oid, T, typeSize, type SqlType } from './types.js';
import { coerceParam, type CastCatalog, type SqlValue } from './values.js';
import { SessionVars } from './vars.js';

export type { SqlValue } from './values.js';
export type { Notice } from './ddl.js';

/** A result column as RowDescription carries it. */
export interface Field {
  name: string;
  /** pg_class oid of the source table, 0 when the column is computed. */
  tableOid: number;
  /** attnum of the source column, 0 when computed. */
  columnNumber: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
}

export type TxStatus = 'I' | 'T' | 'E';

export interface PortalBatch {
  rows: SqlValue[][];
  /** False when more rows remain (the wire layer sends PortalSuspended). */
  done: boolean;
  /** Command tag once done ('SELECT 5', 'INSERT 0 1', ...). */
  tag?: string;
  /** Lines of COPY TO STDOUT (text format, each ending in \n). */
  copyData?: string[];
}

/** A bound statement ready to run, possibly in several fetches. */
export interface Portal {
  /** Result columns; null when the statement returns no rows (NoData). */
  readonly fields: Field[] | null;
  /** First word(s) of the command tag: SELECT, INSERT, CREATE TABLE, ... ('' for an empty query). */
  readonly command: string;
  /** True for an empty query string (EmptyQueryResponse). */
  readonly empty: boolean;
  /** COPY ... FROM STDIN: the sink to feed CopyData into (after CopyInResponse). */
  readonly copyIn?: CopyInSink;
  /** COPY ... TO STDOUT: number of columns for CopyOutResponse; fetch() returns copyData. */
  readonly copyOutColumns?: number;
  /**
   * Runs the statement up to its first row without fetching: for COPY, after start()
   * copyIn / copyOutColumns are set. fetch() calls it when needed.
   */
  start(): Promise<void>;
  /** Runs the statement (first call) and returns up to maxRows rows (0 = all). */
  fetch(maxRows?: number): Promise<PortalBatch>;
  /** Notices raised so far (DROP ... IF EXISTS on a missing table, ...). */
  readonly notices: Notice[];
  /** ParameterStatus changes made by the statement (SET TimeZone, ...). */
  readonly parameterChanges: { name: string; value: string }[];
  close(): void;
}

/** A parsed and planned statement (extended protocol Parse). */
export interface PreparedStatement {
  readonly text: string;
  /** Parameter type OIDs, inferred where the client sent 0. */
  readonly paramTypes: number[];
  readonly fields: Field[] | null;
  readonly command: string;
  readonly empty: boolean;
}

export interface ExecuteResult {
  command: string;
  tag: string;
  rowCount: number;
  fields: Field[] | null;
  rows: SqlValue[][];
  notices: Notice[];
  parameterChanges: { name: string; value: string }[];
}

export interface SessionOptions {
  user?: string;
  database?: string;
  /** StartupMessage parameters (application_name, client_encoding, DateStyle, ...). */
  parameters?: Record<string, string>;
  /** What pg_backend_pid() returns: the wire connection's BackendKeyData process id; default a per-engine counter. */
  backendPid?: number;
}

export interface SqlEngineOptions {
  clock?: Clock;
  random?: () => number;
  /** Hashes role passwords (CREATE/ALTER ROLE ... PASSWORD); without it those fail with 0A000. */
  passwords?: PasswordEncryptor;
}

/** Statements planned once per text (and parameter types) while the catalog version is unchanged. */
const PLAN_CACHE_ENTRIES_MAX = 512;
/** Batches a statement's scans produce between two turns of the event loop (cancel checks happen on every batch). */
const BATCHES_PER_YIELD = 16;
/** Longest single wait of pg_sleep (setTimeout's limit is 2^31-1 ms); longer sleeps end early. */
const SLEEP_MS_MAX = 2_147_483_647;

interface Compiled {
  parsed: ParsedStatement;
  /** The text names a roles view (computed once per cached plan). */
  readsRoles?: boolean;
  stmt: Statement;
  command: string;
  paramTypes: SqlType[];
  givenTypes: number[];
  columns: OutputColumn[] | null;
  catalogVersion: number;
  query?: PlannedQuery;
  dml?: DmlPlan;
  /** Async specs of the statement (subqueries), by id. */
  asyncs: import('./plan.js').AsyncSpec[];
}

class PreparedImpl implements PreparedStatement {
  constructor(readonly text: string, public compiled: Compiled | null) {}
  get paramTypes(): number[] {
    return this.compiled?.paramTypes.map((t) => t.oid) ?? [];
  }
  get fields(): Field[] | null {
    return this.compiled?.columns ? toFields(this.compiled.columns) : null;
  }
  get command(): string {
    return this.compiled?.command ?? '';
  }
  get empty(): boolean {
    return this.compiled === null;
  }
}

function toFields(cols: OutputColumn[]): Field[] {
  return cols.map((c) => {
    const t = c.type.oid === Oid.unknown ? T.text : c.type;
    return { name: c.name, tableOid: c.tableOid, columnNumber: c.attnum, typeOid: t.oid, typeSize: typeSize(t.oid), typeModifier: t.mod };
  });
}

function commandOf(stmt: Statement): string {
  switch (stmt.kind) {
    case 'select': return 'SELECT';
    case 'insert': return 'INSERT';
    case 'update': return 'UPDATE';
    case 'delete': return 'DELETE';
    case 'createTable': return 'CREATE TABLE';
    case 'createIndex': return 'CREATE INDEX';
    case 'drop': return `DROP ${stmt.object.toUpperCase()}`;
    case 'truncate': return 'TRUNCATE TABLE';
    case 'alterTable': return 'ALTER TABLE';
    case 'begin': return 'BEGIN';
    case 'commit': return 'COMMIT';
    case 'rollback': return 'ROLLBACK';
    case 'savepoint': return stmt.op === 'savepoint' ? 'SAVEPOINT' : stmt.op === 'release' ? 'RELEASE' : 'ROLLBACK';
    case 'set': case 'setTransaction': return 'SET';
    case 'show': return 'SHOW';
    case 'reset': return 'RESET';
    case 'vacuum': return stmt.analyzeOnly ? 'ANALYZE' : 'VACUUM';
    case 'explain': return 'EXPLAIN';
    case 'declare': return 'DECLARE CURSOR';
    case 'fetch': return stmt.move ? 'MOVE' : 'FETCH';
    case 'close': return 'CLOSE CURSOR';
    case 'copy': return 'COPY';
    case 'discard': return 'DISCARD ALL';
    case 'listen': return 'LISTEN';
    case 'role': return stmt.op === 'create' ? 'CREATE ROLE' : 'ALTER ROLE';
    case 'dropRole': return 'DROP ROLE';
    case 'unsupported': return stmt.feature;
  }
}

/** The SQL layer of one process: shared by all its sessions. */
export class SqlEngine {
  readonly sequences: Sequences;
  readonly roles: Roles;
  readonly clock: Clock;
  readonly random: () => number;
  private readonly tables = new SqlTableCache();
  private readonly planCache = new Map<string, Compiled>();
  private rowIdEpoch: number;
  private rowIdCounter = 0;
  private nextBackendPid = 1;

  constructor(readonly engine: Engine, opts: SqlEngineOptions = {}) {
    this.sequences = new Sequences(engine);
    this.roles = new Roles(engine, opts.passwords);
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.rowIdEpoch = engine.now();
  }

  /**
   * Re-applies transactions a crash interrupted during COMMIT (the batch log). Call once
   * at process start, before serving; returns how many batches were replayed.
   */
  recover(opts: { allWriters?: boolean } = {}): Promise<number> {
    return new BatchLog(this.engine).replay(opts);
  }

  /** A new session (one per client connection). */
  session(opts: SessionOptions = {}): Session {
    return new Session(this, opts, opts.backendPid ?? this.nextBackendPid++);
  }

  /** Visible SQL tables. */
  sqlTables(): SqlTable[] {
    return this.engine.catalog.tables().filter((s) => !isHiddenTable(s)).map((s) => this.tables.get(s));
  }

  sqlTable(name: string): SqlTable | undefined {
    const s = this.engine.catalog.table(name);
    return s && !isHiddenTable(s) ? this.tables.get(s) : undefined;
  }

  sqlTableById(id: number): SqlTable | undefined {
    const s = this.engine.catalog.tableById(id);
    return s ? this.tables.get(s) : undefined;
  }

  /** A row id for tables without a primary key: unique per process start, writer and row. */
  rowId(): string {
    const a = Math.floor(this.rowIdEpoch).toString(16).padStart(13, '0').slice(-13);
    const b = (this.engine.writerId >>> 0).toString(16).padStart(5, '0').slice(-5);
    const c = (this.rowIdCounter++).toString(16).padStart(14, '0');
    const hex = a + b + c;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }

  cachedPlan(key: string): Compiled | undefined {
    const c = this.planCache.get(key);
    if (!c) return undefined;
    if (c.catalogVersion !== this.engine.catalog.version) {
      this.planCache.delete(key);
      return undefined;
    }
    // LRU: move to the end
    this.planCache.delete(key);
    this.planCache.set(key, c);
    return c;
  }

  cachePlan(key: string, c: Compiled): void {
    if (this.planCache.size >= PLAN_CACHE_ENTRIES_MAX) this.planCache.delete(this.planCache.keys().next().value!);
    this.planCache.set(key, c);
  }
}

/**
 * The SQL layer over an engine. Registers the SQL procedures in `procs` when given
 * (in a multi-process node every shard process must call registerSqlProcs itself).
 */
export function createSqlEngine(engine: Engine, procs?: ProcRegistry, opts: SqlEngineOptions = {}): SqlEngine {
  if (procs) {
    registerSqlProcs(procs);
    procs.registerTask(REKEY_SLICE_TASK, (args) => rekeySlice(engine, args as RekeySliceArgs));
  }
  return new SqlEngine(engine, opts);
}

interface Cursor {
  next(): Promise<Row[] | null>;
  tag(): string;
  copyIn?: CopyInSink;
  copyOutColumns?: number;
}

/** Statements that read these catalog views see the roles as stored, not a stale snapshot. */
const ROLE_VIEWS = /pg_roles|pg_user|pg_authid|pg_shadow/i;
const REG_TYPES = new Set<number>([Oid.regclass, Oid.regnamespace, Oid.regtype, Oid.regproc]);
const TXN_CONTROL = new Set<Statement['kind']>(['begin', 'commit', 'rollback', 'savepoint', 'setTransaction', 'declare', 'fetch', 'close', 'copy', 'vacuum', 'discard']);

export class Session {
  readonly vars: SessionVars;
  readonly user: string;
  readonly database: string;
  private state: 'idle' | 'block' | 'failed' = 'idle';
  private txn: Transaction | undefined;
  private readonly cursors = new Map<string, { portal: PortalImpl; hold: boolean }>();
  private readonly seqLast = new Map<number, bigint>();
  private lastSeqValue: bigint | undefined;
  private cancelled = false;
  /** Waits (pg_sleep) that a cancel must end at once. */
  private readonly cancelWaiters = new Set<() => void>();

  constructor(readonly sql: SqlEngine, opts: SessionOptions, readonly backendPid: number) {
    this.user = opts.user ?? 'postgres';
    this.database = opts.database ?? this.user;
    const params = { ...(opts.parameters ?? {}) };
    this.vars = new SessionVars();
    for (const [k, v] of Object.entries(params)) {
      try {
        if (['user', 'database', 'options', 'replication'].includes(k)) continue;
        this.vars.set(k, v);
      } catch {
        // unknown or invalid startup parameters are ignored, as PostgreSQL reports them later
      }
    }
  }

  /** ReadyForQuery status: idle, in a transaction block, or in a failed one. */
  get txStatus(): TxStatus {
    return this.state === 'idle' ? 'I' : this.state === 'block' ? 'T' : 'E';
  }

  /** ParameterStatus values to send after authentication. */
  parameterStatus(): Record<string, string> {
    const r = this.vars.reported();
    r.session_authorization = this.user;
    return r;
  }

  /** Requests cancellation of the running statement (CancelRequest); it fails with 57014. */
  cancel(): void {
    this.cancelled = true;
    for (const wake of [...this.cancelWaiters]) wake();
  }

  private batchesSinceYield = 0;

  /** Between batches of a scan: give the event loop a turn now and then (cancel requests, other sessions). */
  private interrupt(): Promise<void> | void {
    if (this.cancelled) throw new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
    if (++this.batchesSinceYield < BATCHES_PER_YIELD) return;
    this.batchesSinceYield = 0;
    return new Promise<void>((resolve, reject) => setImmediate(() => {
      if (this.cancelled) reject(new SqlError(SqlState.queryCanceled, 'canceling statement due to user request'));
      else resolve();
    }));
  }

  /** pg_sleep: a timer that a cancel (or the client going away) cuts short with 57014. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const canceled = (): void => {
        clearTimeout(timer);
        this.cancelWaiters.delete(canceled);
        reject(new SqlError(SqlState.queryCanceled, 'canceling statement due to user request'));
      };
      if (this.cancelled) return canceled();
      const timer = setTimeout(() => {
        this.cancelWaiters.delete(canceled);
        resolve();
      }, Math.min(ms, SLEEP_MS_MAX));
      this.cancelWaiters.add(canceled);
    });
  }

  // ---- parse / plan ----

  /** Parses and plans one statement (Parse). Throws SqlError. */
  prepare(text: string, paramTypes: number[] = []): PreparedStatement {
    return this.guard(() => {
      const parsed = parseSql(text);
      if (parsed.length === 0) return new PreparedImpl(text, null);
      if (parsed.length > 1) throw new SqlError(SqlState.syntaxError, 'cannot insert multiple commands into a prepared statement');
      return new PreparedImpl(text, this.compile(parsed[0], paramTypes));
    });
  }

  private compile(parsed: ParsedStatement, given: number[]): Compiled {
    const cacheable = ['select', 'insert', 'update', 'delete'].includes(parsed.stmt.kind);
    const key = `${given.join(',')}\u0000${parsed.text}`;
    if (cacheable) {
      const hit = this.sql.cachedPlan(key);
      if (hit) return hit;
    }
    const version = this.sql.engine.catalog.version;
    const planner = this.newPlanner(given, parsed.paramCount);
    const stmt = parsed.stmt;
    let columns: OutputColumn[] | null = null;
    let query: PlannedQuery | undefined;
    let dml: DmlPlan | undefined;
    const planTarget = (s: Statement): void => {
      switch (s.kind) {
        case 'select': query = planner.planSelect(s); columns = query.columns; break;
        case 'insert': dml = planInsert(planner, s); columns = dml.returning?.columns ?? null; break;
        case 'update': dml = planUpdate(planner, s); columns = dml.returning?.columns ?? null; break;
        case 'delete': dml = planDelete(planner, s); columns = dml.returning?.columns ?? null; break;
        default: break;
      }
    };
    switch (stmt.kind) {
      case 'select': case 'insert': case 'update': case 'delete':
        planTarget(stmt);
        break;
      case 'explain':
        if (!['select', 'insert', 'update', 'delete'].includes(stmt.statement.kind)) throw new SqlError(SqlState.featureNotSupported, `EXPLAIN ${commandOf(stmt.statement)} is not supported`);
        planTarget(stmt.statement);
        columns = [{ name: 'QUERY PLAN', type: T.text, tableOid: 0, attnum: 0 }];
        break;
      case 'declare':
        query = planner.planSelect(stmt.query);
        break;
      case 'copy':
        if (stmt.direction === 'to') {
          if (stmt.query) query = planner.planSelect(stmt.query);
        }
        break;
      case 'show':
        columns = stmt.name === 'all'
          ? [{ name: 'name', type: T.text, tableOid: 0, attnum: 0 }, { name: 'setting', type: T.text, tableOid: 0, attnum: 0 }, { name: 'description', type: T.text, tableOid: 0, attnum: 0 }]
          : [{ name: stmt.name, type: T.text, tableOid: 0, attnum: 0 }];
        if (stmt.name !== 'all' && this.vars.get(stmt.name) === undefined) throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${stmt.name}"`);
        break;
      case 'fetch': {
        const c = this.cursors.get(stmt.name);
        columns = c ? c.portal.columns : null;
        if (stmt.move) columns = null;
        break;
      }
      case 'unsupported':
        throw new SqlError(SqlState.featureNotSupported, `${stmt.feature} is not supported`, { position: stmt.pos + 1 });
      default:
        break;
    }
    const compiled: Compiled = {
      parsed, stmt, command: commandOf(stmt), paramTypes: planner.params.final(), givenTypes: given,
      columns, catalogVersion: version, query, dml, asyncs: planner.asyncs,
    };
    if (cacheable) this.sql.cachePlan(key, compiled);
    return compiled;
  }

  private newPlanner(given: number[], paramCount: number): Planner {
    return new Planner({ table: (name) => this.sql.sqlTable(name), foldCtx: this.evalCtx([]) }, given, paramCount);
  }

  // ---- run ----

  /** Binds parameters to a prepared statement (Bind). Text-format parameters may be passed as strings. */
  bind(prepared: PreparedStatement, params: unknown[] = []): Portal {
    return this.guard(() => {
      const p = prepared as PreparedImpl;
      if (!p.compiled) return new PortalImpl(this, null, []);
      let c = p.compiled;
      if (c.catalogVersion !== this.sql.engine.catalog.version && c.stmt.kind !== 'fetch') {
        c = this.compile(c.parsed, c.givenTypes);
        p.compiled = c;
      }
      if (params.length !== c.paramTypes.length) {
        throw new SqlError(SqlState.invalidParameterCount, `bind message supplies ${params.length} parameters, but prepared statement requires ${c.paramTypes.length}`);
      }
      const values = params.map((v, i) => coerceParam(v, c.paramTypes[i], this.castCatalog()));
      return new PortalImpl(this, c, values);
    });
  }

  /** Prepares (when given text), binds and runs a statement to completion. */
  async execute(statement: PreparedStatement | string, params: unknown[] = []): Promise<ExecuteResult> {
    const prepared = typeof statement === 'string' ? this.prepare(statement, []) : statement;
    const portal = this.bind(prepared, params);
    const batch = await portal.fetch(0);
    return {
      command: portal.command, tag: batch.tag ?? '', rowCount: rowCountOf(batch.tag), fields: portal.fields,
      rows: batch.rows, notices: portal.notices, parameterChanges: portal.parameterChanges,
    };
  }

  /**
   * Runs a simple-protocol query string: yields one portal per statement (empty query:
   * one portal with empty = true). Fetch each to completion before asking for the
   * next; an error stops the iteration (the session status says whether a
   * transaction is now failed).
   */
  async *simpleQuery(text: string): AsyncGenerator<Portal> {
    const parsed = this.guard(() => parseSql(text));
    if (parsed.length === 0) {
      yield new PortalImpl(this, null, []);
      return;
    }
    // As in PostgreSQL, several statements outside a transaction block run as one implicit transaction.
    const implicit = parsed.length > 1 && this.state === 'idle' && parsed.every((p) => !TXN_CONTROL.has(p.stmt.kind));
    if (implicit) this.beginTransaction();
    let ok = false;
    try {
      for (const p of parsed) {
        const c = this.guard(() => this.compile(p, []));
        const portal = new PortalImpl(this, c, []);
        yield portal;
        await portal.drain();
      }
      ok = true;
    } finally {
      if (implicit) {
        const txn = this.txn;
        this.endTransaction();
        if (txn) {
          if (ok) {
            try {
              await txn.commit(this.sql.engine);
            } catch (e) {
              await txn.rollback(this.sql.engine).catch(() => undefined);
              // eslint-disable-next-line no-unsafe-finally
              throw toSqlError(e);
            }
          } else await txn.rollback(this.sql.engine).catch(() => undefined);
        }
      }
    }
  }

  /** The protocol layer reported an error itself: a transaction block is now failed. */
  abort(_error?: Error): void {
    if (this.state === 'block') this.state = 'failed';
  }

  /** End of an extended-protocol batch: statements outside a block have committed already. */
  sync(): void {}

  /** The connection is gone: roll back an open transaction, drop cursors. */
  async close(): Promise<void> {
    const txn = this.txn;
    this.endTransaction();
    this.cursors.clear();
    if (txn) await txn.rollback(this.sql.engine).catch(() => undefined);
  }

  private beginTransaction(): void {
    this.state = 'block';
    this.txn = new Transaction(this.sql.clock.nowMs() * 1000);
  }

  /** Runs `fn`, converting errors to SqlError and failing an open transaction block. */
  guard<R>(fn: () => R): R {
    try {
      return fn();
    } catch (e) {
      throw this.failed(e);
    }
  }

  failed(e: unknown): SqlError {
    const err = toSqlError(e);
    if (this.state === 'block') this.state = 'failed';
    return err;
  }

  /** Opens a cursor over a compiled statement: runs DDL/DML eagerly, SELECTs lazily. */
  async open(c: Compiled, params: SqlValue[], portal: PortalImpl): Promise<Cursor> {
    const stmt = c.stmt;
    if (this.state === 'failed' && !(stmt.kind === 'rollback' || stmt.kind === 'commit' || (stmt.kind === 'savepoint' && stmt.op === 'rollbackTo'))) {
      throw new SqlError(SqlState.inFailedSqlTransaction, 'current transaction is aborted, commands ignored until end of transaction block');
    }
    this.cancelled = false;
    this.batchesSinceYield = 0;
    const ctx = this.evalCtx(params);
    const env = this.execEnv(c);
    // pg_roles and friends are synchronous views: read the roles (from any shard) first.
    if (c.readsRoles ??= ROLE_VIEWS.test(c.parsed.text)) await this.sql.roles.list();
    switch (stmt.kind) {
      case 'select': return this.selectCursor(c.query!, env, ctx);
      case 'insert': case 'update': case 'delete': return this.runDml(c, env, ctx);
      default: return this.openOther(c, env, ctx, portal);
    }
  }

  private async runDml(c: Compiled, env: ExecEnv, ctx: EvalCtx): Promise<Cursor> {
    const dc: DmlContext = { env, ctx, txn: this.state === 'block' ? this.txn : undefined, rowId: () => this.sql.rowId() };
    const r = c.dml!.kind === 'insert' ? await runInsert(c.dml as never, dc) : c.dml!.kind === 'update' ? await runUpdate(c.dml as never, dc) : await runDelete(c.dml as never, dc);
    const tag = c.stmt.kind === 'insert' ? `INSERT 0 ${r.count}` : `${c.command} ${r.count}`;
    return rowsCursor(c.columns ? this.outputRows(r.rows, c.columns) : [], tag);
  }

  /**
   * Every statement but SELECT and DML. Kept out of open(), the per-statement hot path:
   * V8 recompiles a large async function for 100+ ms whenever it deoptimises.
   */
  private async openOther(c: Compiled, env: ExecEnv, ctx: EvalCtx, portal: PortalImpl): Promise<Cursor> {
    const params = ctx.params;
    const stmt = c.stmt;
    switch (stmt.kind) {
      case 'begin':
        if (this.state !== 'idle') portal.notices.push({ severity: 'WARNING', code: SqlState.activeSqlTransaction, message: 'there is already a transaction in progress' });
        else this.beginTransaction();
        return rowsCursor([], 'BEGIN');
      case 'commit': {
        if (this.state === 'idle') {
          portal.notices.push({ severity: 'WARNING', code: SqlState.noActiveSqlTransaction, message: 'there is no transaction in progress' });
          return rowsCursor([], 'COMMIT');
        }
        const wasFailed = this.state === 'failed';
        const txn = this.txn!;
        this.endTransaction();
        if (wasFailed) {
          await txn.rollback(this.sql.engine);
          return rowsCursor([], 'ROLLBACK');
        }
        try {
          await txn.commit(this.sql.engine);
        } catch (e) {
          await txn.rollback(this.sql.engine).catch(() => undefined);
          throw e;
        }
        return rowsCursor([], 'COMMIT');
      }
      case 'rollback': {
        if (this.state === 'idle') portal.notices.push({ severity: 'WARNING', code: SqlState.noActiveSqlTransaction, message: 'there is no transaction in progress' });
        else {
          const txn = this.txn!;
          this.endTransaction();
          await txn.rollback(this.sql.engine);
        }
        return rowsCursor([], 'ROLLBACK');
      }
      case 'savepoint': {
        if (this.state === 'idle') throw new SqlError(SqlState.noActiveSqlTransaction, `${stmt.op === 'savepoint' ? 'SAVEPOINT' : stmt.op === 'release' ? 'RELEASE SAVEPOINT' : 'ROLLBACK TO SAVEPOINT'} can only be used in transaction blocks`);
        const txn = this.txn!;
        if (stmt.op === 'savepoint') txn.savepoint(stmt.name);
        else if (stmt.op === 'release') txn.release(stmt.name);
        else {
          for (const s of txn.rollbackTo(stmt.name)) await this.sql.engine.ddl({ kind: 'drop', name: s.shadowName, ifExists: true }).catch(() => undefined);
          this.state = 'block';
        }
        return rowsCursor([], c.command);
      }
      case 'setTransaction':
        if (this.state === 'idle') portal.notices.push({ severity: 'WARNING', code: SqlState.noActiveSqlTransaction, message: 'SET TRANSACTION can only be used in transaction blocks' });
        return rowsCursor([], 'SET');
      case 'set': {
        const value = stmt.value === 'default' ? undefined : stmt.value.join(', ');
        const change = this.vars.set(stmt.name, value);
        if (change) portal.parameterChanges.push(change);
        return rowsCursor([], 'SET');
      }
      case 'reset': {
        const names = stmt.name === 'all' ? this.vars.all().map(([n]) => n) : [stmt.name];
        for (const n of names) {
          try {
            const change = this.vars.set(n, undefined);
            if (change) portal.parameterChanges.push(change);
          } catch (e) {
            if (stmt.name !== 'all') throw e;
          }
        }
        return rowsCursor([], 'RESET');
      }
      case 'show': {
        if (stmt.name === 'all') return rowsCursor(this.vars.all(), 'SHOW');
        const v = this.vars.get(stmt.name);
        if (v === undefined) throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${stmt.name}"`);
        return rowsCursor([[v]], 'SHOW');
      }
      case 'vacuum': {
        if (!stmt.analyzeOnly && this.state !== 'idle') throw new SqlError(SqlState.activeSqlTransaction, 'VACUUM cannot run inside a transaction block');
        for (const n of stmt.tables) {
          const name = n[n.length - 1];
          if (!this.sql.sqlTable(name) && !virtualTable('pg_catalog', name)) throw new SqlError(SqlState.undefinedTable, `relation "${name}" does not exist`);
        }
        return rowsCursor([], stmt.analyzeOnly ? 'ANALYZE' : 'VACUUM');
      }
      case 'explain': {
        const lines = explainPlan(c.query?.plan ?? dmlPlanOf(c.dml!), c.dml);
        return rowsCursor(lines.map((l) => [l]), 'EXPLAIN');
      }
      case 'declare': {
        if (this.cursors.has(stmt.name)) throw new SqlError(SqlState.duplicateCursor, `cursor "${stmt.name}" already exists`);
        if (!stmt.hold && this.state === 'idle') throw new SqlError(SqlState.noActiveSqlTransaction, 'DECLARE CURSOR can only be used in transaction blocks');
        if (stmt.binary) throw new SqlError(SqlState.featureNotSupported, 'binary cursors are not supported');
        const inner: Compiled = { ...c, stmt: stmt.query, command: 'SELECT', columns: c.query!.columns };
        this.cursors.set(stmt.name, { portal: new PortalImpl(this, inner, params), hold: stmt.hold });
        return rowsCursor([], 'DECLARE CURSOR');
      }
      case 'fetch': {
        const cur = this.cursors.get(stmt.name);
        if (!cur) throw new SqlError(SqlState.invalidCursorName, `cursor "${stmt.name}" does not exist`);
        const batch = await cur.portal.fetch(stmt.count === 'all' ? 0 : stmt.count === 0 ? 0 : stmt.count);
        if (stmt.count === 0) return rowsCursor([], `${stmt.move ? 'MOVE' : 'FETCH'} 0`);
        return rowsCursor(stmt.move ? [] : batch.rows, `${stmt.move ? 'MOVE' : 'FETCH'} ${batch.rows.length}`);
      }
      case 'close':
        if (stmt.name === null) this.cursors.clear();
        else if (!this.cursors.delete(stmt.name)) throw new SqlError(SqlState.invalidCursorName, `cursor "${stmt.name}" does not exist`);
        return rowsCursor([], 'CLOSE CURSOR');
      case 'discard':
        if (this.state !== 'idle') throw new SqlError(SqlState.activeSqlTransaction, 'DISCARD ALL cannot run inside a transaction block');
        this.cursors.clear();
        this.seqLast.clear();
        return rowsCursor([], 'DISCARD ALL');
      case 'copy': {
        if (stmt.direction === 'from') {
          const sink = await copyIn(stmt, this.copyContext(env, ctx));
          return { next: async () => null, tag: () => `COPY ${sink.rowCount}`, copyIn: sink };
        }
        const { columns, header, lines } = copyOutLines(stmt, c.query, this.copyContext(env, ctx));
        let count = 0;
        let pendingHeader = header;
        const it = lines[Symbol.asyncIterator]();
        return {
          copyOutColumns: columns,
          next: async () => {
            if (pendingHeader !== undefined) {
              const h = pendingHeader;
              pendingHeader = undefined;
              return [[h]];
            }
            const r = await it.next();
            if (r.done) return null;
            count += r.value.length;
            return r.value.map((l) => [l]);
          },
          tag: () => `COPY ${count}`,
        };
      }
      case 'createTable': case 'createIndex': case 'drop': case 'truncate': case 'alterTable': {
        const dc = this.ddlContext(env, ctx, portal);
        if (stmt.kind === 'createTable') await createTable(stmt, dc);
        else if (stmt.kind === 'createIndex') await createIndex(stmt, dc);
        else if (stmt.kind === 'drop') await drop(stmt, dc);
        else if (stmt.kind === 'truncate') await truncate(stmt, dc);
        else await alterTable(stmt, dc);
        return rowsCursor([], c.command);
      }
      case 'role': {
        const method = this.vars.get('password_encryption') === 'md5' ? 'md5' : 'scram-sha-256';
        if (stmt.op === 'create') await this.sql.roles.create(stmt.name, stmt.options, { login: stmt.user }, method);
        else await this.sql.roles.alter(stmt.name, stmt.options, method);
        return rowsCursor([], c.command);
      }
      case 'dropRole':
        for (const name of stmt.names) {
          const dropped = await this.sql.roles.drop(name);
          if (dropped) continue;
          if (!stmt.ifExists) throw new SqlError(SqlState.undefinedObject, `role "${name}" does not exist`);
          portal.notices.push({ severity: 'NOTICE', code: SqlState.successfulCompletion, message: `role "${name}" does not exist, skipping` });
        }
        return rowsCursor([], c.command);
      case 'listen': case 'unsupported':
        throw new SqlError(SqlState.featureNotSupported, `${c.command} is not supported`);
      case 'select': case 'insert': case 'update': case 'delete':
        throw new Error(`bug: ${stmt.kind} reached openOther`);
    }
  }

  private endTransaction(): void {
    this.state = 'idle';
    this.txn = undefined;
    for (const [name, c] of this.cursors) if (!c.hold) this.cursors.delete(name);
  }

  private selectCursor(q: PlannedQuery, env: ExecEnv, ctx: EvalCtx): Cursor {
    const reg = q.columns.some((c) => REG_TYPES.has(c.type.oid));
    if (!reg && isPointPlan(q.plan)) {
      let rows: Row[] | null = null;
      return {
        next: async () => {
          if (rows) return null;
          if (this.cancelled) throw new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
          rows = await runPoint(q.plan, env, ctx);
          return rows.length ? rows : null;
        },
        tag: () => `SELECT ${rows?.length ?? 0}`,
      };
    }
    const gen = run(q.plan, env, ctx);
    let count = 0;
    return {
      next: async () => {
        if (this.cancelled) throw new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
        const r = await gen.next();
        if (r.done) return null;
        count += r.value.length;
        return reg ? this.outputRows(r.value, q.columns) : r.value;
      },
      tag: () => `SELECT ${count}`,
    };
  }

  /** reg* values print as names. */
  private outputRows(rows: Row[], cols: OutputColumn[]): Row[] {
    const regs = cols.map((c, i) => (REG_TYPES.has(c.type.oid) ? i : -1)).filter((i) => i >= 0);
    if (regs.length === 0) return rows;
    const cat = this.castCatalog();
    return rows.map((r) => {
      const out = [...r];
      for (const i of regs) {
        const v = out[i];
        if (v === null) continue;
        const oid = cols[i].type.oid;
        out[i] = oid === Oid.regclass ? cat.relationName(v as number) ?? String(v) : oid === Oid.regnamespace ? cat.namespaceName(v as number) ?? String(v) : oid === Oid.regtype ? formatType(v as number) : String(v);
      }
      return out;
    });
  }

  // ---- contexts ----

  evalCtx(params: SqlValue[]): EvalCtx {
    const nowMicros = this.txn ? this.txn.startMicros : this.sql.clock.nowMs() * 1000;
    return { params, outer: [], async: [], nowMicros, catalog: this.castCatalog(), session: this.sessionInfo(), random: this.sql.random };
  }

  private castCatalogCache: CastCatalog | undefined;
  castCatalog(): CastCatalog {
    this.castCatalogCache ??= {
      relationOid: (name) => relationOidByName(this.catalogEnv(), name),
      relationName: (oid) => relationByOid(this.catalogEnv(), oid),
      namespaceOid: (name) => NAMESPACE[name as keyof typeof NAMESPACE],
      namespaceName: (oid) => Object.entries(NAMESPACE).find(([, o]) => o === oid)?.[0],
    };
    return this.castCatalogCache;
  }

  private sessionInfoCache: SessionInfo | undefined;
  private sessionInfo(): SessionInfo {
    if (!this.sessionInfoCache) {
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      const self = this;
      this.sessionInfoCache = {
        user: this.user,
        database: this.database,
        get searchPath() {
          return self.vars.searchPath().map((x) => (x === '$user' ? self.user : x));
        },
        get applicationName() {
          return self.vars.get('application_name') ?? '';
        },
        backendPid: this.backendPid,
        indexDef: (oid) => indexDefinition(this.catalogEnv(), oid),
        constraintDef: (oid, pretty) => constraintDefinition(this.catalogEnv(), oid, pretty),
        userName: (oid) => (oid === 10 ? this.user : null),
        tableVisible: () => true,
        setting: (name) => this.vars.get(name) ?? null,
      };
    }
    return this.sessionInfoCache;
  }

  catalogEnv(): CatalogEnv {
    return catalogEnvOf(this.sql.sqlTables(), this.user, this.database, this.vars.all().map(([n, v]) => [n, v]), this.sql.roles.cached());
  }

  private execEnv(c: Compiled): ExecEnv {
    const txn = this.state === 'block' ? this.txn : undefined;
    return {
      engine: this.sql.engine,
      asyncs: c.asyncs,
      txn,
      tableId: (t) => txn?.shadows.get(t.name)?.shadowId ?? this.sql.engine.catalog.table(t.name)?.id ?? t.id,
      catalogEnv: () => this.catalogEnv(),
      nextval: async (oid) => {
        const seq = this.sequenceByOid(oid);
        const v = await this.sql.sequences.nextval(seq.key);
        this.seqLast.set(oid, v);
        this.lastSeqValue = v;
        return v;
      },
      seqfn: async (fn, args) => {
        if (fn === 'lastval') {
          if (this.lastSeqValue === undefined) throw new SqlError(SqlState.objectNotInPrerequisiteState, 'lastval is not yet defined in this session');
          return this.lastSeqValue;
        }
        const oid = args[0] as number;
        const seq = this.sequenceByOid(oid);
        if (fn === 'currval') {
          const v = this.seqLast.get(oid);
          if (v === undefined) throw new SqlError(SqlState.objectNotInPrerequisiteState, `currval of sequence "${seq.name}" is not yet defined in this session`);
          return v;
        }
        const value = BigInt(args[1] as bigint);
        const isCalled = args[2] === undefined || args[2] === null ? true : args[2] as boolean;
        await this.sql.sequences.set(seq.key, isCalled ? value : value - 1n);
        if (isCalled) {
          this.seqLast.set(oid, value);
          this.lastSeqValue = value;
        }
        return value;
      },
      sleep: (ms) => this.sleep(ms),
      interrupt: () => this.interrupt(),
      cache: new Map(),
    };
  }

  private sequenceByOid(oid: number): { name: string; key: string } {
    for (const t of this.sql.sqlTables()) {
      const k = t.meta.sequences.findIndex((_s, i) => t.sequenceOid(i) === oid);
      if (k >= 0) return t.meta.sequences[k];
    }
    throw new SqlError(SqlState.wrongObjectType, `relation with OID ${oid} is not a sequence`);
  }

  private ddlContext(env: ExecEnv, ctx: EvalCtx, portal: PortalImpl): DdlContext {
    return {
      engine: this.sql.engine,
      sequences: this.sql.sequences,
      txn: this.state === 'block' ? this.txn : undefined,
      notices: portal.notices,
      planner: () => this.newPlanner([], 0),
      table: (name) => this.sql.sqlTable(name),
      env,
      ctx,
    };
  }

  private copyContext(env: ExecEnv, ctx: EvalCtx): import('./copy.js').CopyContext {
    return {
      env, ctx,
      txn: this.state === 'block' ? this.txn : undefined,
      table: (name) => this.sql.sqlTable(name),
      planner: () => this.newPlanner([], 0),
      rowId: () => this.sql.rowId(),
      failed: (e) => this.failed(e),
    };
  }
}

function dmlPlanOf(d: DmlPlan): import('./plan.js').Plan {
  return d.kind === 'insert' ? d.source : d.scan;
}

function rowsCursor(rows: SqlValue[][], tag: string): Cursor {
  let sent = false;
  return {
    next: async () => {
      if (sent || rows.length === 0) return null;
      sent = true;
      return rows;
    },
    tag: () => tag,
  };
}

function rowCountOf(tag: string | undefined): number {
  const m = /(\d+)$/.exec(tag ?? '');
  return m ? Number(m[1]) : 0;
}

class PortalImpl implements Portal {
  readonly notices: Notice[] = [];
  readonly parameterChanges: { name: string; value: string }[] = [];
  private cursor: Cursor | undefined;
  private buffer: Row[] = [];
  private finished = false;
  private tagText: string | undefined;

  constructor(private readonly session: Session, private readonly compiled: Compiled | null, private readonly params: SqlValue[]) {}

  get columns(): OutputColumn[] | null {
    return this.compiled?.columns ?? null;
  }

  get fields(): Field[] | null {
    return this.compiled?.columns ? toFields(this.compiled.columns) : null;
  }

  get command(): string {
    return this.compiled?.command ?? '';
  }

  get empty(): boolean {
    return this.compiled === null;
  }

  get copyIn(): CopyInSink | undefined {
    return this.cursor?.copyIn;
  }

  get copyOutColumns(): number | undefined {
    return this.cursor?.copyOutColumns;
  }

  /** Opens the cursor without fetching (COPY: the wire layer needs copyIn before any rows). */
  async start(): Promise<void> {
    if (this.cursor || !this.compiled) return;
    try {
      this.cursor = await this.session.open(this.compiled, this.params, this);
    } catch (e) {
      this.finished = true;
      throw this.session.failed(e);
    }
  }

  async fetch(maxRows = 0): Promise<PortalBatch> {
    if (!this.compiled) return { rows: [], done: true, tag: '' };
    if (this.finished) return { rows: [], done: true, tag: this.tagText };
    await this.start();
    const cursor = this.cursor!;
    const limit = maxRows > 0 ? maxRows : Infinity;
    const out: Row[] = [];
    const copy = cursor.copyOutColumns !== undefined;
    try {
      while (out.length < limit) {
        if (this.buffer.length) {
          const take = this.buffer.splice(0, limit - out.length);
          out.push(...take);
          continue;
        }
        const batch = await cursor.next();
        if (!batch) {
          this.finished = true;
          this.tagText = cursor.tag();
          break;
        }
        this.buffer = batch;
      }
    } catch (e) {
      this.finished = true;
      throw this.session.failed(e);
    }
    if (!this.finished && this.buffer.length === 0 && limit !== Infinity) {
      // peek: done exactly at the limit?
      try {
        const batch = await cursor.next();
        if (!batch) {
          this.finished = true;
          this.tagText = cursor.tag();
        } else this.buffer = batch;
      } catch (e) {
        this.finished = true;
        throw this.session.failed(e);
      }
    }
    if (copy) return { rows: [], copyData: out.map((r) => r[0] as string), done: this.finished, tag: this.tagText };
    return { rows: out, done: this.finished, tag: this.tagText };
  }

  /** Runs the rest of the statement, discarding rows (simple query moving on). */
  async drain(): Promise<void> {
    if (!this.compiled || this.finished) return;
    if (this.cursor?.copyIn && !this.cursor.copyIn.finished) {
      throw new SqlError(SqlState.protocolViolation, 'COPY FROM STDIN was not completed');
    }
    while (!(await this.fetch(1000)).done);
  }

  close(): void {
    this.finished = true;
    this.buffer = [];
  }
}

export function toSqlError(e: unknown): SqlError {
  if (e instanceof SqlError) return e;
  if (e instanceof SchemaError) return schemaError(e) as SqlError;
  if (e instanceof KeyError) {
    if (/cannot be null/.test(e.message)) return new SqlError(SqlState.notNullViolation, e.message);
    return new SqlError(SqlState.invalidTextRepresentation, e.message);
  }
  if (e instanceof Error && e.name === 'RemoteError' && (e as { remoteName?: string }).remoteName === 'SqlError') {
    return new SqlError(SqlState.internalError, e.message);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new SqlError(SqlState.internalError, message);
}

export { SqlError };
