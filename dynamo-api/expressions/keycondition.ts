// KeyConditionExpression: parsed with the condition grammar and checks, then held to the
// restricted form a Query needs - hash key equality AND at most one range condition
// (=, <, <=, >, >=, BETWEEN, begins_with) - and finally matched against a key schema.
import { invalidParameter, validation, type DynamoError } from '../errors.js';
import { typeOf, type AttributeType, type AttributeValue } from '../values.js';
import type { Comparator, Condition, KeyCondition, KeyTerm, Operand, Path } from './ast.js';
import { checkCondition, parseConditionSyntax } from './condition.js';
import type { ExpressionAttributes } from './placeholders.js';

const LABEL = 'KeyConditionExpression';

function invalidOperator(op: string): DynamoError {
  return validation(`Invalid operator used in ${LABEL}: ${op}`);
}

/** The conjuncts, or the first operator a key condition may not use (source order). */
function conjuncts(c: Condition, out: Condition[]): void {
  switch (c.kind) {
    case 'and':
      conjuncts(c.left, out);
      conjuncts(c.right, out);
      return;
    case 'or':
      throw invalidOperator('OR');
    case 'not':
      throw invalidOperator('NOT');
    case 'in':
      throw invalidOperator('IN');
    case 'compare':
      if (c.op === '<>') throw invalidOperator('<>');
      out.push(c);
      return;
    case 'between':
    case 'begins_with':
      out.push(c);
      return;
    case 'attribute_exists':
    case 'attribute_not_exists':
    case 'attribute_type':
    case 'contains':
      throw invalidOperator(c.kind);
  }
}

const FLIP: Readonly<Record<Comparator, Comparator>> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const TERM_KIND: Readonly<Record<string, 'eq' | 'lt' | 'le' | 'gt' | 'ge'>> = { '=': 'eq', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

/**
 * One conjunct to a KeyTerm. Operands are scanned left to right as DynamoDB does: a nested first
 * path, a second path, or a size() each stop it with their own message.
 */
function toTerm(c: Condition): KeyTerm {
  let operands: readonly Operand[];
  if (c.kind === 'compare') operands = [c.left, c.right];
  else if (c.kind === 'between') operands = [c.operand, c.low, c.high];
  else if (c.kind === 'begins_with') operands = [c.operand, c.prefix];
  else throw new Error(`assertion failed: ${c.kind} in a key condition`);

  if (c.kind !== 'compare' && operands[0].kind !== 'path') {
    const op = c.kind === 'between' ? 'BETWEEN' : 'begins_with';
    throw validation(`Invalid condition in ${LABEL}: ${op} operator must have the key attribute as its first operand`);
  }
  let path: Path | undefined;
  for (const o of operands) {
    if (o.kind === 'size') throw validation('KeyConditionExpressions cannot contain nested operations');
    if (o.kind !== 'path') continue;
    if (path !== undefined) throw validation(`Invalid condition in ${LABEL}: Multiple attribute names used in one condition`);
    if (o.path.length > 1) throw validation('KeyConditionExpressions cannot have conditions on nested attributes');
    path = o.path;
  }
  if (path === undefined) throw validation(`Invalid condition in ${LABEL}: No key attribute specified`);
  const name = path[0] as string;
  const values = operands.filter((o): o is Operand & { kind: 'value' } => o.kind === 'value').map((o) => o.value);

  if (c.kind === 'between') return { kind: 'between', name, low: values[0], high: values[1] };
  if (c.kind === 'begins_with') return { kind: 'begins_with', name, prefix: values[0] };
  const op = c.left.kind === 'path' ? c.op : FLIP[c.op];
  return { kind: TERM_KIND[op], name, value: values[0] };
}

/** Checks the restricted form on an already-checked condition. */
export function keyConditionFromCondition(c: Condition): KeyCondition {
  const parts: Condition[] = [];
  conjuncts(c, parts);
  const terms = parts.map(toTerm);
  const seen = new Set<string>();
  for (const t of terms) {
    if (seen.has(t.name)) throw validation('KeyConditionExpressions must only contain one condition per key');
    seen.add(t.name);
  }
  if (terms.length > 2) throw validation('Conditions can be of length 1 or 2 only');
  return { kind: 'key_condition', terms };
}

/** Parses a KeyConditionExpression (placeholders through `attrs`) into its terms. */
export function parseKeyCondition(text: string, attrs: ExpressionAttributes): KeyCondition {
  const raw = parseConditionSyntax(LABEL, text);
  return keyConditionFromCondition(checkCondition(LABEL, raw, attrs));
}

// ---- Matching a key schema ----

export interface KeyAttribute {
  readonly name: string;
  /** Declared type (S, N or B); when given, condition values must have it. */
  readonly type?: 'S' | 'N' | 'B';
}

export interface KeySchema {
  readonly hash: KeyAttribute;
  readonly range?: KeyAttribute;
}

/** A key condition matched to a table's or index's key schema. */
export interface BoundKeyCondition {
  readonly hashName: string;
  readonly hashValue: AttributeValue;
  /** The range key term, if any. */
  readonly range?: KeyTerm;
}

function termValues(t: KeyTerm): AttributeValue[] {
  switch (t.kind) {
    case 'between':
      return [t.low, t.high];
    case 'begins_with':
      return [t.prefix];
    default:
      return [t.value];
  }
}

function checkTermValues(t: KeyTerm, type: AttributeType | undefined): void {
  for (const v of termValues(t)) {
    if (type !== undefined && typeOf(v) !== type) {
      throw invalidParameter('Condition parameter type does not match schema type');
    }
    if (('S' in v && v.S === '') || ('B' in v && v.B.length === 0)) {
      const what = 'S' in v ? 'string' : 'binary';
      throw validation(
        `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${what} value. Key: ${t.name}`,
      );
    }
  }
}

/** Matches the terms to `schema` with DynamoDB's errors for conditions it cannot serve. */
export function bindKeyCondition(kc: KeyCondition, schema: KeySchema): BoundKeyCondition {
  const hash = kc.terms.find((t) => t.name === schema.hash.name);
  if (hash === undefined) throw validation(`Query condition missed key schema element: ${schema.hash.name}`);
  const others = kc.terms.filter((t) => t !== hash);
  let range: KeyTerm | undefined;
  if (others.length > 0) {
    if (schema.range === undefined) throw validation('Query key condition not supported');
    if (others[0].name !== schema.range.name) throw validation(`Query condition missed key schema element: ${schema.range.name}`);
    range = others[0];
  }
  if (hash.kind !== 'eq') throw validation('Query key condition not supported');
  checkTermValues(hash, schema.hash.type);
  if (range !== undefined) checkTermValues(range, schema.range?.type);
  return { hashName: schema.hash.name, hashValue: hash.value, range };
}

/** The same restriction as a Condition, to evaluate against items. */
export function keyConditionToCondition(kc: KeyCondition): Condition {
  const parts = kc.terms.map((t): Condition => {
    const path: Operand = { kind: 'path', path: [t.name] };
    switch (t.kind) {
      case 'between':
        return { kind: 'between', operand: path, low: { kind: 'value', value: t.low }, high: { kind: 'value', value: t.high } };
      case 'begins_with':
        return { kind: 'begins_with', operand: path, prefix: { kind: 'value', value: t.prefix } };
      default: {
        const op: Comparator = t.kind === 'eq' ? '=' : t.kind === 'lt' ? '<' : t.kind === 'le' ? '<=' : t.kind === 'gt' ? '>' : '>=';
        return { kind: 'compare', op, left: path, right: { kind: 'value', value: t.value } };
      }
    }
  });
  return parts.reduce((left, right) => ({ kind: 'and', left, right }));
}
