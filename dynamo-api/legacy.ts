// The legacy (pre-expression) request parameters, converted into the same ASTs the
// expressions parse into, with DynamoDB's validation messages:
//   Expected + ConditionalOperator          -> Condition       (like ConditionExpression)
//   QueryFilter / ScanFilter + ConditionalOperator -> Condition (like FilterExpression)
//   KeyConditions                           -> KeyCondition    (like KeyConditionExpression)
//   AttributeUpdates                        -> UpdateExpression (legacy: true)
//   AttributesToGet                         -> Projection
// and the rule that one request may not mix the two styles.
import { invalidParameter, serialization, validation } from './errors.js';
import type {
  Condition,
  KeyCondition,
  KeyTerm,
  Operand,
  Projection,
  UpdateAction,
  UpdateExpression,
} from './expressions/ast.js';
import { compareValues, isSetType, parseAttributeValue, typeOf, type AttributeType, type AttributeValue } from './values.js';

// ---- Mixing the two styles ----

/** Operations whose requests carry expression and/or legacy parameters. */
export type ExpressionOperation = 'GetItem' | 'PutItem' | 'DeleteItem' | 'UpdateItem' | 'Query' | 'Scan' | 'ConditionCheck';

const LEGACY_PARAMETERS = ['AttributesToGet', 'AttributeUpdates', 'Expected', 'QueryFilter', 'ScanFilter', 'ConditionalOperator', 'KeyConditions'] as const;
const EXPRESSION_PARAMETERS = ['UpdateExpression', 'ProjectionExpression', 'ConditionExpression', 'FilterExpression', 'KeyConditionExpression'] as const;

/** The expressions that can use ExpressionAttributeValues, per operation, in DynamoDB's message order. */
const VALUE_EXPRESSIONS: Readonly<Record<ExpressionOperation, readonly string[]>> = {
  GetItem: [],
  PutItem: ['ConditionExpression'],
  DeleteItem: ['ConditionExpression'],
  ConditionCheck: ['ConditionExpression'],
  UpdateItem: ['UpdateExpression', 'ConditionExpression'],
  Query: ['KeyConditionExpression', 'FilterExpression'],
  Scan: ['FilterExpression'],
};

function present(request: Readonly<Record<string, unknown>>, key: string): boolean {
  return request[key] !== undefined && request[key] !== null;
}

/**
 * Rejects a request that mixes legacy and expression parameters, or sends placeholders with
 * no expression to use them, as DynamoDB does (before anything is parsed).
 */
export function checkParameterStyle(op: ExpressionOperation, request: Readonly<Record<string, unknown>>): void {
  const legacy = LEGACY_PARAMETERS.filter((k) => present(request, k));
  const expressions = EXPRESSION_PARAMETERS.filter((k) => present(request, k));
  if (legacy.length > 0 && expressions.length > 0) {
    throw validation(
      'Can not use both expression and non-expression parameters in the same request: ' +
        `Non-expression parameters: {${legacy.join(', ')}} Expression parameters: {${expressions.join(', ')}}`,
    );
  }
  if (present(request, 'ExpressionAttributeNames') && expressions.length === 0) {
    throw validation('ExpressionAttributeNames can only be specified when using expressions');
  }
  const valueUsers = VALUE_EXPRESSIONS[op];
  if (present(request, 'ExpressionAttributeValues') && !valueUsers.some((k) => present(request, k))) {
    const which = valueUsers.length === 0 ? '' : `: ${valueUsers.join(' and ')} ${valueUsers.length === 1 ? 'is' : 'are'} null`;
    throw validation(`ExpressionAttributeValues can only be specified when using expressions${which}`);
  }
}

// ---- Conditions ----

export type ComparisonOperator =
  | 'EQ' | 'NE' | 'LE' | 'LT' | 'GE' | 'GT' | 'NOT_NULL' | 'NULL'
  | 'CONTAINS' | 'NOT_CONTAINS' | 'BEGINS_WITH' | 'IN' | 'BETWEEN';

/** In the order DynamoDB prints the enum. */
const COMPARISON_OPERATORS: readonly ComparisonOperator[] = [
  'IN', 'NULL', 'BETWEEN', 'LT', 'NOT_CONTAINS', 'EQ', 'GT', 'NOT_NULL', 'NE', 'LE', 'BEGINS_WITH', 'GE', 'CONTAINS',
];

const INDEXABLE: ReadonlySet<ComparisonOperator> = new Set(['EQ', 'LE', 'LT', 'GE', 'GT', 'BEGINS_WITH', 'BETWEEN']);

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function enumError(value: unknown, at: string, allowed: readonly string[]): Error {
  return validation(
    `1 validation error detected: Value '${String(value)}' at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
  );
}

function expectMap(json: unknown): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw serialization('Unexpected field type');
  return json as Record<string, unknown>;
}

function expectList(json: unknown): readonly unknown[] {
  if (!Array.isArray(json)) throw serialization('Unexpected field type');
  return json;
}

/** One validated legacy condition on one top-level attribute. */
interface LegacyCondition {
  readonly name: string;
  readonly op: ComparisonOperator;
  readonly values: readonly AttributeValue[];
}

function argumentCountOk(op: ComparisonOperator, n: number): boolean {
  switch (op) {
    case 'NULL':
    case 'NOT_NULL':
      return n === 0;
    case 'BETWEEN':
      return n === 2;
    case 'IN':
      return n >= 1;
    default:
      return n === 1;
  }
}

function typeAllowed(op: ComparisonOperator, t: AttributeType): boolean {
  switch (op) {
    case 'LT':
    case 'LE':
    case 'GT':
    case 'GE':
    case 'BETWEEN':
    case 'IN':
      return t === 'S' || t === 'N' || t === 'B';
    case 'BEGINS_WITH':
      return t === 'S' || t === 'B';
    case 'CONTAINS':
    case 'NOT_CONTAINS':
      return !isSetType(t) && t !== 'M' && t !== 'L';
    default:
      return true;
  }
}

/** Checks an operator with its values (count, types, BETWEEN order). */
function checkOperands(op: ComparisonOperator, values: readonly AttributeValue[]): void {
  if (!argumentCountOk(op, values.length)) {
    throw invalidParameter(`Invalid number of argument(s) for the ${op} ComparisonOperator`);
  }
  for (const v of values) {
    const t = typeOf(v);
    if (!typeAllowed(op, t)) throw invalidParameter(`ComparisonOperator ${op} is not valid for ${t} AttributeValue type`);
  }
  if ((op === 'IN' || op === 'BETWEEN') && new Set(values.map(typeOf)).size > 1) {
    throw invalidParameter('AttributeValues inside AttributeValueList must be of same type');
  }
  if (op === 'BETWEEN' && (compareValues(values[0], values[1]) ?? 0) > 0) {
    throw validation('The BETWEEN condition was provided a range where the lower bound is greater than the upper bound');
  }
}

function parseOperator(raw: unknown, at: string): ComparisonOperator {
  if (typeof raw !== 'string' || !(COMPARISON_OPERATORS as readonly string[]).includes(raw)) {
    throw enumError(raw, at, COMPARISON_OPERATORS);
  }
  return raw as ComparisonOperator;
}

function parseValueList(raw: unknown): AttributeValue[] {
  return expectList(raw).map((v) => parseAttributeValue(v));
}

/** A QueryFilter / ScanFilter / KeyConditions entry: ComparisonOperator is required. */
function parseFilterEntry(param: string, name: string, json: unknown): LegacyCondition {
  const entry = expectMap(json);
  const at = `${lowerFirst(param)}.${name}.member.comparisonOperator`;
  if (entry.ComparisonOperator === undefined || entry.ComparisonOperator === null) {
    throw validation(`1 validation error detected: Value null at '${at}' failed to satisfy constraint: Member must not be null`);
  }
  const op = parseOperator(entry.ComparisonOperator, at);
  const values = entry.AttributeValueList === undefined || entry.AttributeValueList === null ? [] : parseValueList(entry.AttributeValueList);
  checkOperands(op, values);
  return { name, op, values };
}

/** An Expected entry: ComparisonOperator with values, or Value/Exists. */
function parseExpectedEntry(name: string, json: unknown): LegacyCondition {
  const entry = expectMap(json);
  const has = (k: string): boolean => entry[k] !== undefined && entry[k] !== null;
  const value = has('Value') ? parseAttributeValue(entry.Value) : undefined;
  const list = has('AttributeValueList') ? parseValueList(entry.AttributeValueList) : undefined;
  if (has('ComparisonOperator')) {
    const op = parseOperator(entry.ComparisonOperator, `expected.${name}.member.comparisonOperator`);
    if (has('Exists')) throw invalidParameter(`Exists and ComparisonOperator cannot be used together for Attribute: ${name}`);
    if (value !== undefined && list !== undefined) {
      throw invalidParameter(`Value and AttributeValueList cannot be used together for Attribute: ${name}`);
    }
    const values = list ?? (value !== undefined ? [value] : undefined);
    if (values === undefined && op !== 'NULL' && op !== 'NOT_NULL') {
      throw invalidParameter(`Value or AttributeValueList must be used with ComparisonOperator: ${op} for Attribute: ${name}`);
    }
    checkOperands(op, values ?? []);
    return { name, op, values: values ?? [] };
  }
  if (value !== undefined && list !== undefined) {
    throw invalidParameter(`Value and AttributeValueList cannot be used together for Attribute: ${name}`);
  }
  if (list !== undefined) throw invalidParameter(`AttributeValueList can only be used with a ComparisonOperator for Attribute: ${name}`);
  const exists = has('Exists') ? entry.Exists : undefined;
  if (exists !== undefined && typeof exists !== 'boolean') throw serialization('Unexpected field type');
  if (exists === false) {
    if (value !== undefined) throw invalidParameter(`Value cannot be used when Exists is false for Attribute: ${name}`);
    return { name, op: 'NULL', values: [] };
  }
  if (value === undefined) {
    throw invalidParameter(`Value must be provided when Exists is ${exists === true ? 'true' : 'null'} for Attribute: ${name}`);
  }
  return { name, op: 'EQ', values: [value] };
}

function toCondition(c: LegacyCondition): Condition {
  const path: Operand = { kind: 'path', path: [c.name] };
  const val = (i: number): Operand => ({ kind: 'value', value: c.values[i] });
  switch (c.op) {
    case 'EQ': return { kind: 'compare', op: '=', left: path, right: val(0) };
    case 'NE': return { kind: 'compare', op: '<>', left: path, right: val(0) };
    case 'LT': return { kind: 'compare', op: '<', left: path, right: val(0) };
    case 'LE': return { kind: 'compare', op: '<=', left: path, right: val(0) };
    case 'GT': return { kind: 'compare', op: '>', left: path, right: val(0) };
    case 'GE': return { kind: 'compare', op: '>=', left: path, right: val(0) };
    case 'NULL': return { kind: 'attribute_not_exists', path: [c.name] };
    case 'NOT_NULL': return { kind: 'attribute_exists', path: [c.name] };
    case 'BEGINS_WITH': return { kind: 'begins_with', operand: path, prefix: val(0) };
    case 'CONTAINS': return { kind: 'contains', operand: path, needle: val(0) };
    // Unlike NOT contains(), NOT_CONTAINS is false for a missing attribute.
    case 'NOT_CONTAINS':
      return {
        kind: 'and',
        left: { kind: 'attribute_exists', path: [c.name] },
        right: { kind: 'not', operand: { kind: 'contains', operand: path, needle: val(0) } },
      };
    case 'IN': return { kind: 'in', operand: path, list: c.values.map((_, i) => val(i)) };
    case 'BETWEEN': return { kind: 'between', operand: path, low: val(0), high: val(1) };
  }
}

function combine(conditions: readonly Condition[], conditionalOperator: unknown): Condition | undefined {
  let op: 'and' | 'or' = 'and';
  if (conditionalOperator !== undefined && conditionalOperator !== null) {
    if (conditionalOperator !== 'AND' && conditionalOperator !== 'OR') throw enumError(conditionalOperator, 'conditionalOperator', ['OR', 'AND']);
    op = conditionalOperator === 'OR' ? 'or' : 'and';
  }
  if (conditions.length === 0) return undefined;
  return conditions.reduce((left, right) => ({ kind: op, left, right }));
}

/** `Expected` (+ ConditionalOperator) as a Condition; undefined for an empty map. */
export function expectedToCondition(expected: unknown, conditionalOperator?: unknown): Condition | undefined {
  const map = expectMap(expected);
  const conditions = Object.keys(map).map((name) => toCondition(parseExpectedEntry(name, map[name])));
  return combine(conditions, conditionalOperator);
}

/** `QueryFilter` / `ScanFilter` (+ ConditionalOperator) as a Condition; undefined for an empty map. */
export function filterToCondition(
  param: 'QueryFilter' | 'ScanFilter',
  filter: unknown,
  conditionalOperator?: unknown,
): Condition | undefined {
  const map = expectMap(filter);
  const conditions = Object.keys(map).map((name) => toCondition(parseFilterEntry(param, name, map[name])));
  return combine(conditions, conditionalOperator);
}

/**
 * `KeyConditions` as a KeyCondition. With `hashKey`, a missing hash key is reported before an
 * operator that cannot use an index, as DynamoDB does.
 */
export function keyConditionsToKeyCondition(keyConditions: unknown, hashKey?: string): KeyCondition {
  const map = expectMap(keyConditions);
  const parsed = Object.keys(map).map((name) => parseFilterEntry('KeyConditions', name, map[name]));
  if (parsed.length < 1 || parsed.length > 2) throw validation('Conditions can be of length 1 or 2 only');
  if (hashKey !== undefined && !parsed.some((c) => c.name === hashKey)) {
    throw validation(`Query condition missed key schema element: ${hashKey}`);
  }
  for (const c of parsed) {
    if (!INDEXABLE.has(c.op)) throw validation('Attempted conditional constraint is not an indexable operation');
  }
  const terms = parsed.map((c): KeyTerm => {
    switch (c.op) {
      case 'BETWEEN': return { kind: 'between', name: c.name, low: c.values[0], high: c.values[1] };
      case 'BEGINS_WITH': return { kind: 'begins_with', name: c.name, prefix: c.values[0] };
      case 'EQ': return { kind: 'eq', name: c.name, value: c.values[0] };
      case 'LT': return { kind: 'lt', name: c.name, value: c.values[0] };
      case 'LE': return { kind: 'le', name: c.name, value: c.values[0] };
      case 'GT': return { kind: 'gt', name: c.name, value: c.values[0] };
      case 'GE': return { kind: 'ge', name: c.name, value: c.values[0] };
      default: throw new Error(`assertion failed: ${c.op} passed the indexable check`);
    }
  });
  return { kind: 'key_condition', terms };
}

// ---- Updates ----

const UPDATE_ACTIONS = ['ADD', 'PUT', 'DELETE'] as const;

/** `AttributeUpdates` as an UpdateExpression (legacy semantics: ADD appends to lists). */
export function attributeUpdatesToUpdate(attributeUpdates: unknown): UpdateExpression {
  const map = expectMap(attributeUpdates);
  const actions: UpdateAction[] = [];
  for (const name of Object.keys(map)) {
    const entry = expectMap(map[name]);
    const rawAction = entry.Action ?? 'PUT';
    if (typeof rawAction !== 'string' || !(UPDATE_ACTIONS as readonly string[]).includes(rawAction)) {
      throw enumError(rawAction, `attributeUpdates.${name}.member.action`, UPDATE_ACTIONS);
    }
    const value = entry.Value === undefined || entry.Value === null ? undefined : parseAttributeValue(entry.Value);
    const path = [name];
    if (value === undefined) {
      if (rawAction !== 'DELETE') throw invalidParameter('Only DELETE action is allowed when no attribute value is specified');
      actions.push({ kind: 'remove', path });
      continue;
    }
    const t = typeOf(value);
    switch (rawAction) {
      case 'PUT':
        actions.push({ kind: 'set', path, value: { kind: 'value', value } });
        break;
      case 'DELETE':
        if (!isSetType(t)) throw invalidParameter(`DELETE action with value is not supported for the type ${t}`);
        actions.push({ kind: 'delete', path, value });
        break;
      case 'ADD':
        if (!(t === 'N' || t === 'L' || isSetType(t))) throw invalidParameter(`ADD action is not supported for the type ${t}`);
        actions.push({ kind: 'add', path, value });
        break;
    }
  }
  return { kind: 'update', actions, legacy: true };
}

// ---- Projection ----

/** `AttributesToGet` as a Projection of top-level names. */
export function attributesToGetToProjection(attributesToGet: unknown): Projection {
  const list = expectList(attributesToGet);
  if (list.length === 0) {
    throw validation(
      "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  const names = list.map((n) => {
    if (typeof n !== 'string') throw serialization('Unexpected field type');
    return n;
  });
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw invalidParameter(`Duplicate value in attribute name: ${n}`);
    seen.add(n);
  }
  return { kind: 'projection', paths: names.map((n) => [n]) };
}
