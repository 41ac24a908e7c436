// What every operation handler shares: the engine, the injected clock, the identity the
// API shows (region, account), and the helpers that turn a request's table, key and
// expression parameters into checked values.
import { SchemaError } from '../engine/catalog.js';
import type { Engine } from '../engine/engine.js';
import type { Clock } from '../engine/hlc.js';
import { RemoteError } from '../engine/rpc.js';
import { DynamoError, resourceNotFound, serialization, validation } from './errors.js';
import type { Condition, Projection } from './expressions/ast.js';
import { parseCondition } from './expressions/condition.js';
import { ExpressionAttributes } from './expressions/placeholders.js';
import { parseProjection } from './expressions/projection.js';
import { attributesToGetToProjection, expectedToCondition } from './legacy.js';
import { indexView, tableView, type View } from './meta.js';
import type { Params } from './params.js';
import { checkKeyAttribute, itemToWire, parseItem, type Item } from './values.js';

export interface DynamoContext {
  readonly engine: Engine;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  /** Background work started by requests (GSI backfills); awaited by stop(). */
  readonly background: Set<Promise<unknown>>;
  readonly log: (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;
}

export function nowSec(ctx: DynamoContext): number {
  return Math.floor(ctx.clock.nowMs() / 1000);
}

export function tableArn(ctx: DynamoContext, table: string): string {
  return `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${table}`;
}

/** The table, or ResourceNotFoundException (`message` as the operation words it). */
export function requireTable(ctx: DynamoContext, name: string, message?: string): View {
  const schema = ctx.engine.catalog.table(name);
  const view = schema && tableView(schema);
  if (view === undefined) throw resourceNotFound(message);
  return view;
}

/** Writes need a Dynamo table; SQL tables are read-only here. */
export function requireDynamoTable(view: View): View {
  if (view.meta === undefined) {
    throw validation(`One or more parameter values were invalid: Table ${view.tableName} is a SQL table; write to it through SQL`);
  }
  return view;
}

/** The view of `indexName` on the table, or DynamoDB's error. */
export function requireIndex(ctx: DynamoContext, table: View, indexName: string): View {
  const index = table.meta?.indexes.find((i) => i.name === indexName);
  const view = index && indexView(table.base, index, ctx.engine.catalog);
  if (view === undefined) {
    throw validation(`The table does not have the specified index: ${indexName}`);
  }
  return view;
}

/** Parses a Key member: exactly the table's key attributes, of the declared types. */
export function parseKey(view: View, json: unknown): Item {
  const key = parseItem(json);
  const names = Object.keys(key);
  const expected = view.tableRange ? 2 : 1;
  if (names.length !== expected) throw validation('The provided key element does not match the schema');
  checkKeyAttribute(view.tableHash.name, key[view.tableHash.name], view.tableHash.type, 'hash');
  if (view.tableRange) checkKeyAttribute(view.tableRange.name, key[view.tableRange.name], view.tableRange.type, 'range');
  return key;
}

/** The request's placeholder maps, validated. */
export function expressionAttributes(p: Params): ExpressionAttributes {
  return ExpressionAttributes.fromWire(p.raw('ExpressionAttributeNames'), p.raw('ExpressionAttributeValues'));
}

function text(p: Params, name: string): string | undefined {
  if (!p.has(name)) return undefined;
  const v = p.raw(name);
  if (typeof v !== 'string') throw serialization(`${typeof v === 'number' ? 'NUMBER_VALUE' : 'VALUE'} cannot be converted to String`);
  return v;
}

/** ConditionExpression, else the legacy Expected (+ ConditionalOperator). */
export function writeCondition(p: Params, attrs: ExpressionAttributes): Condition | undefined {
  const expr = text(p, 'ConditionExpression');
  if (expr !== undefined) return parseCondition(expr, attrs, 'ConditionExpression');
  if (p.has('Expected')) return expectedToCondition(p.raw('Expected'), p.raw('ConditionalOperator'));
  return undefined;
}

/** ProjectionExpression, else the legacy AttributesToGet. */
export function projectionOf(p: Params, attrs: ExpressionAttributes): Projection | undefined {
  const expr = text(p, 'ProjectionExpression');
  if (expr !== undefined) return parseProjection(expr, attrs);
  if (p.has('AttributesToGet')) return attributesToGetToProjection(p.raw('AttributesToGet'));
  return undefined;
}

export function stringParam(p: Params, name: string): string | undefined {
  return text(p, name);
}

/** Consumed capacity as DynamoDB reports it when asked (ReturnConsumedCapacity). */
export function consumedCapacity(
  mode: string | undefined,
  table: string,
  units: number,
  kind: 'read' | 'write',
): Record<string, unknown> | undefined {
  if (mode === undefined || mode === 'NONE') return undefined;
  const out: Record<string, unknown> = { TableName: table, CapacityUnits: units };
  out[kind === 'read' ? 'ReadCapacityUnits' : 'WriteCapacityUnits'] = units;
  if (mode === 'INDEXES') out.Table = { CapacityUnits: units };
  return out;
}

export function writeUnits(sizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / 1024));
}

export function readUnits(sizeBytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(sizeBytes / 4096));
  return consistent ? units : units / 2;
}

/**
 * Engine errors a request can meet, as DynamoDB errors: a table dropped under a request is
 * ResourceNotFoundException; anything else is not the client's fault and stays as it is.
 */
export function translateEngineError(e: unknown): unknown {
  if (e instanceof DynamoError) return e;
  if (e instanceof SchemaError && e.code === 'no_such_table') return resourceNotFound();
  if (e instanceof RemoteError && e.remoteName === 'SchemaError') return resourceNotFound();
  // Steps return their DynamoErrors as outcomes; one that escaped anyway was a client's mistake.
  if (e instanceof RemoteError && e.remoteName === 'DynamoError') return validation(e.message);
  return e;
}

/** A wire item map from internal values (undefined stays undefined). */
export function wireItem(item: Item | undefined): Record<string, unknown> | undefined {
  return item === undefined ? undefined : itemToWire(item);
}
