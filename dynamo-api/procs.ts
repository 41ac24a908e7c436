// The Dynamo layer's procedures, registered by name in every shard process
// (`registerDynamoProcs`): requests carry only the name and plain-data arguments.
//
//   dynamo.filter     scan filter: TTL and FilterExpression evaluated in the shard
//   dynamo.write      PutItem / UpdateItem / DeleteItem: condition, update, index entries
//   dynamo.txPrepare  TransactWriteItems phase 1: check and compute, take the item's lock
//   dynamo.txCommit   phase 2: apply the prepared mutations, release the lock
//   dynamo.txRelease  give a lock back (cancelled transaction, finished TransactGetItems)
//   dynamo.txRead     TransactGetItems: read under a shared lock
//   dynamo.token      ClientRequestToken bookkeeping (idempotency)
//
// Transaction locks live in the memory of the shard process that owns the item; they are
// never written to disk. A lock has a deadline, so a front end that dies between prepare and
// commit blocks the item for at most LOCK_TTL_MS. What makes a commit all-or-nothing across a
// crash is the transaction log (transactions.ts), not the locks.
import type { FilterProc, ProcRegistry, RmwContext, RmwProc } from '../engine/procs.js';
import type { ColumnType, LiveRow, Mutation, Value } from '../engine/types.js';
import { DynamoError } from './errors.js';
import type { Condition } from './expressions/ast.js';
import { evaluateCondition } from './expressions/evaluate.js';
import { intentFor, type IntentKey } from './intents.js';
import { isExpired, rowToItem, tableView, type DynamoMeta, type View } from './meta.js';
import type { Item } from './values.js';
import { computeWrite, type WriteOp, type WriteOutcome } from './write.js';

/** How long a transaction may hold an item between prepare and commit. */
export const LOCK_TTL_MS = 10_000;
/** Locks one shard process holds at most; beyond it transactions fail as conflicts. */
export const LOCKS_MAX = 100_000;

// ---- Filter ----

/** What a shard needs to turn a row into an item and test it, without the catalog. */
export interface FilterArgs {
  readonly columnTypes: Readonly<Record<string, ColumnType>>;
  readonly tagged: boolean;
  readonly ttl?: { readonly attribute: string };
  readonly nowSec: number;
  readonly condition?: Condition;
  /** Keep only expired items (the TTL sweeper). */
  readonly expiredOnly?: boolean;
}

export function filterArgs(view: View, nowSec: number, condition: Condition | undefined): FilterArgs {
  const ttl = view.meta?.ttl?.enabled ? { attribute: view.meta.ttl.attribute } : undefined;
  return { columnTypes: view.columnTypes, tagged: view.tagged, ttl, nowSec, condition };
}

function ttlMeta(args: FilterArgs): DynamoMeta | undefined {
  return args.ttl === undefined ? undefined : ({ ttl: { attribute: args.ttl.attribute, enabled: true } } as DynamoMeta);
}

const dynamoFilter: FilterProc = (row: LiveRow, raw: unknown) => {
  const args = raw as FilterArgs;
  const item = rowToItem(row.values, { columnTypes: args.columnTypes, tagged: args.tagged } as View);
  const expired = isExpired(ttlMeta(args), item, args.nowSec);
  if (args.expiredOnly) return expired;
  if (expired) return false;
  return args.condition === undefined || evaluateCondition(args.condition, item);
};

// ---- Locks ----

interface Lock {
  /** Writer transaction, or undefined while only readers hold it. */
  writer?: string;
  readers: Set<string>;
  untilMs: number;
}

const locks = new Map<string, Lock>();

function lockKey(ctx: RmwContext): string {
  return `${ctx.table}:${ctx.pkey}${ctx.ckey}`;
}

function liveLock(key: string, nowMs: number): Lock | undefined {
  const l = locks.get(key);
  if (l === undefined) return undefined;
  if (l.untilMs <= nowMs) {
    locks.delete(key);
    return undefined;
  }
  return l;
}

/** Whether `txId` (undefined: a plain write) may write the item now. */
function writeBlocked(key: string, nowMs: number, txId?: string): boolean {
  const l = liveLock(key, nowMs);
  if (l === undefined) return false;
  if (l.writer !== undefined && l.writer !== txId) return true;
  for (const r of l.readers) if (r !== txId) return true;
  return false;
}

function sweepLocks(nowMs: number): void {
  if (locks.size < LOCKS_MAX) return;
  for (const [k, l] of locks) if (l.untilMs <= nowMs) locks.delete(k);
}

/** Locks held in this process (tests and metrics). */
export function heldLocks(): number {
  return locks.size;
}

// ---- Read-modify-write steps ----

export interface WriteArgs {
  readonly op: WriteOp;
  readonly nowSec: number;
  /** Writer id of the front end running the request: recorded in index intents (intents.ts). */
  readonly frontEnd?: number;
}

export type WriteResult =
  | (Omit<Extract<WriteOutcome, { ok: true }>, 'local'> & { readonly intent?: IntentKey })
  | Extract<WriteOutcome, { ok: false }>;

function conflict(): WriteResult {
  return { ok: false, code: 'TransactionConflict', message: 'Transaction is ongoing for the item' };
}

/**
 * The write's outcome. A DynamoError must not escape a step: across a process boundary it
 * would lose its type (engine/rpc.ts keeps only SchemaError's), so it becomes an outcome.
 */
function outcome(row: LiveRow | undefined, args: WriteArgs, ctx: RmwContext): WriteOutcome {
  try {
    return computeWrite(row?.values, args.op, { table: ctx.table, pkey: ctx.pkey, ckey: ctx.ckey, ts: ctx.ts, w: ctx.w, catalog: ctx.catalog, nowSec: args.nowSec });
  } catch (e) {
    if (e instanceof DynamoError) return { ok: false, code: 'ValidationError', message: e.message };
    throw e;
  }
}

const dynamoWrite: RmwProc = (row, raw, ctx) => {
  const args = raw as WriteArgs;
  if (writeBlocked(lockKey(ctx), ctx.nowMs)) return { mutations: [], result: conflict() };
  const out = outcome(row, args, ctx);
  if (!out.ok) return { mutations: [], result: out };
  const { local, ...rest } = out;
  // GSI entries go to other shards after this step: the intent, in this step's commit-log
  // record, lets recovery apply them if the front end never does (intents.ts).
  const intent = intentFor(ctx.catalog, { pkey: ctx.pkey, ts: ctx.ts, w: ctx.w, nowMs: ctx.nowMs, frontEnd: args.frontEnd }, out.remote);
  if (intent === undefined) return { mutations: local, result: rest };
  return { mutations: [...local, intent.mutation], result: { ...rest, intent: intent.key } satisfies WriteResult };
};

export interface PrepareArgs extends WriteArgs {
  readonly txId: string;
}

export type PrepareResult =
  | { readonly ok: true; readonly local: Mutation[]; readonly remote: Mutation[]; readonly sizeBytes: number }
  | Extract<WriteOutcome, { ok: false }>;

const txPrepare: RmwProc = (row, raw, ctx) => {
  const args = raw as PrepareArgs;
  const key = lockKey(ctx);
  sweepLocks(ctx.nowMs);
  if (writeBlocked(key, ctx.nowMs, args.txId) || locks.size >= LOCKS_MAX) return { mutations: [], result: conflict() };
  const out = outcome(row, args, ctx);
  if (!out.ok) return { mutations: [], result: out };
  const held = liveLock(key, ctx.nowMs);
  locks.set(key, { writer: args.txId, readers: held?.readers ?? new Set(), untilMs: ctx.nowMs + LOCK_TTL_MS });
  const result: PrepareResult = { ok: true, local: out.local, remote: out.remote, sizeBytes: out.sizeBytes };
  return { mutations: [], result };
};

export interface CommitArgs {
  readonly txId: string;
  readonly mutations: Mutation[];
  /** GSI mutations of a transaction without a log record (one item): logged as an intent. */
  readonly remote?: Mutation[];
  readonly frontEnd?: number;
}

/**
 * Applies what prepare computed. The lock (if still ours) goes; the mutations apply regardless.
 * Returns the intent written for `remote`, if any.
 */
const txCommit: RmwProc = (_row, raw, ctx) => {
  const args = raw as CommitArgs;
  const key = lockKey(ctx);
  const l = locks.get(key);
  if (l !== undefined && l.writer === args.txId) {
    if (l.readers.size === 0) locks.delete(key);
    else l.writer = undefined;
  }
  const intent = args.remote && intentFor(ctx.catalog, { pkey: ctx.pkey, ts: ctx.ts, w: ctx.w, nowMs: ctx.nowMs, frontEnd: args.frontEnd }, args.remote);
  if (intent === undefined) return { mutations: args.mutations, result: null };
  return { mutations: [...args.mutations, intent.mutation], result: intent.key };
};

const txRelease: RmwProc = (_row, raw, ctx) => {
  const { txId } = raw as { txId: string };
  const key = lockKey(ctx);
  const l = locks.get(key);
  if (l !== undefined) {
    if (l.writer === txId) l.writer = undefined;
    l.readers.delete(txId);
    if (l.writer === undefined && l.readers.size === 0) locks.delete(key);
  }
  return { mutations: [], result: null };
};

export interface ReadArgs {
  readonly txId: string;
  readonly nowSec: number;
}

export type ReadResult = { readonly ok: true; readonly item?: Item } | { readonly ok: false };

const txRead: RmwProc = (row, raw, ctx) => {
  const args = raw as ReadArgs;
  const key = lockKey(ctx);
  sweepLocks(ctx.nowMs);
  const held = liveLock(key, ctx.nowMs);
  if ((held?.writer !== undefined && held.writer !== args.txId) || locks.size >= LOCKS_MAX) {
    return { mutations: [], result: { ok: false } satisfies ReadResult };
  }
  if (held) held.readers.add(args.txId);
  else locks.set(key, { readers: new Set([args.txId]), untilMs: ctx.nowMs + LOCK_TTL_MS });
  const base = ctx.catalog.tableById(ctx.table);
  const view = base && tableView(base);
  const item = row && view ? rowToItem(row.values, view) : undefined;
  const live = view && !isExpired(view.meta, item, args.nowSec) ? item : undefined;
  return { mutations: [], result: (live === undefined ? { ok: true } : { ok: true, item: live }) satisfies ReadResult };
};

export interface TokenArgs {
  readonly mode: 'begin' | 'done' | 'abort';
  readonly hash: string;
  readonly nowMs: number;
  readonly ttlMs: number;
}

export type TokenState = 'new' | 'running' | 'done' | 'mismatch';

/** ClientRequestToken records: one row per token with the request's hash and its state. */
const token: RmwProc = (row, raw, ctx) => {
  const args = raw as TokenArgs;
  const exp = args.nowMs + args.ttlMs;
  const write = (state: string): Mutation => ({
    table: ctx.table, pkey: ctx.pkey, ckey: ctx.ckey,
    row: { marker: { ts: ctx.ts, w: ctx.w, v: true, exp }, cells: { hash: { ts: ctx.ts, w: ctx.w, v: args.hash, exp }, state: { ts: ctx.ts, w: ctx.w, v: state, exp } } },
  });
  const current = row?.values as { hash?: Value; state?: Value } | undefined;
  switch (args.mode) {
    case 'begin': {
      if (current?.hash !== undefined) {
        const state: TokenState = current.hash !== args.hash ? 'mismatch' : current.state === 'done' ? 'done' : 'running';
        return { mutations: [], result: state };
      }
      return { mutations: [write('running')], result: 'new' satisfies TokenState };
    }
    case 'done':
      return { mutations: [write('done')], result: 'done' satisfies TokenState };
    case 'abort':
      return { mutations: row ? [{ table: ctx.table, pkey: ctx.pkey, ckey: ctx.ckey, row: { del: { ts: ctx.ts, w: ctx.w } } }] : [], result: null };
  }
};

export const PROC = {
  filter: 'dynamo.filter',
  write: 'dynamo.write',
  txPrepare: 'dynamo.txPrepare',
  txCommit: 'dynamo.txCommit',
  txRelease: 'dynamo.txRelease',
  txRead: 'dynamo.txRead',
  token: 'dynamo.token',
} as const;

/** Registers the Dynamo layer's procedures; must run in every shard process. */
export function registerDynamoProcs(procs: ProcRegistry): ProcRegistry {
  return procs
    .registerFilter(PROC.filter, dynamoFilter)
    .registerRmw(PROC.write, dynamoWrite)
    .registerRmw(PROC.txPrepare, txPrepare)
    .registerRmw(PROC.txCommit, txCommit)
    .registerRmw(PROC.txRelease, txRelease)
    .registerRmw(PROC.txRead, txRead)
    .registerRmw(PROC.token, token);
}
