// Evaluating a Condition against an item. As in DynamoDB, a missing attribute or a type
// mismatch never raises: comparisons with them are simply false (and `<>` true), because
// the expression was already checked for everything that is an error.
import { compareNumbers } from '../numbers.js';
import {
  bytesEqual,
  compareValues,
  typeOf,
  utf8Length,
  valuesEqual,
  type AttributeValue,
  type Item,
} from '../values.js';
import type { Condition, Operand } from './ast.js';
import { getPath } from './paths.js';

/** The value of an operand for `item`, or undefined when it has none. */
export function operandValue(o: Operand, item: Item | undefined): AttributeValue | undefined {
  switch (o.kind) {
    case 'value':
      return o.value;
    case 'path':
      return getPath(item, o.path);
    case 'size': {
      const v = operandValue(o.operand, item);
      if (v === undefined) return undefined;
      const n = sizeOf(v);
      return n === undefined ? undefined : { N: String(n) };
    }
  }
}

/** size(): bytes of a string or binary, members of a set, list or map; none for the rest. */
export function sizeOf(v: AttributeValue): number | undefined {
  if ('S' in v) return utf8Length(v.S);
  if ('B' in v) return v.B.length;
  if ('SS' in v) return v.SS.length;
  if ('NS' in v) return v.NS.length;
  if ('BS' in v) return v.BS.length;
  if ('L' in v) return v.L.length;
  if ('M' in v) return Object.keys(v.M).length;
  return undefined;
}

function bytesInclude(hay: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function beginsWith(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a && 'S' in b) return a.S.startsWith(b.S);
  if ('B' in a && 'B' in b) return a.B.length >= b.B.length && bytesEqual(a.B.subarray(0, b.B.length), b.B);
  return false;
}

function contains(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a) return 'S' in b && a.S.includes(b.S);
  if ('B' in a) return 'B' in b && bytesInclude(a.B, b.B);
  if ('SS' in a) return 'S' in b && a.SS.includes(b.S);
  if ('NS' in a) return 'N' in b && a.NS.some((m) => compareNumbers(m, b.N) === 0);
  if ('BS' in a) return 'B' in b && a.BS.some((m) => bytesEqual(m, b.B));
  if ('L' in a) return a.L.some((e) => valuesEqual(e, b));
  return false;
}

/**
 * Whether `condition` holds for `item` (undefined: the item does not exist, so every path is
 * missing).
 */
export function evaluateCondition(condition: Condition, item: Item | undefined): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case 'or':
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case 'not':
      return !evaluateCondition(condition.operand, item);
    case 'compare': {
      const a = operandValue(condition.left, item);
      const b = operandValue(condition.right, item);
      if (condition.op === '=') return a !== undefined && b !== undefined && valuesEqual(a, b);
      if (condition.op === '<>') return a === undefined || b === undefined || !valuesEqual(a, b);
      if (a === undefined || b === undefined) return false;
      const c = compareValues(a, b);
      if (c === undefined) return false;
      switch (condition.op) {
        case '<': return c < 0;
        case '<=': return c <= 0;
        case '>': return c > 0;
        case '>=': return c >= 0;
      }
      return false;
    }
    case 'between': {
      const v = operandValue(condition.operand, item);
      const low = operandValue(condition.low, item);
      const high = operandValue(condition.high, item);
      if (v === undefined || low === undefined || high === undefined) return false;
      const lo = compareValues(low, v);
      const hi = compareValues(v, high);
      return lo !== undefined && hi !== undefined && lo <= 0 && hi <= 0;
    }
    case 'in': {
      const v = operandValue(condition.operand, item);
      if (v === undefined) return false;
      return condition.list.some((o) => {
        const w = operandValue(o, item);
        return w !== undefined && valuesEqual(v, w);
      });
    }
    case 'attribute_exists':
      return getPath(item, condition.path) !== undefined;
    case 'attribute_not_exists':
      return getPath(item, condition.path) === undefined;
    case 'attribute_type': {
      const v = operandValue(condition.operand, item);
      return v !== undefined && typeOf(v) === condition.type;
    }
    case 'begins_with': {
      const a = operandValue(condition.operand, item);
      const b = operandValue(condition.prefix, item);
      return a !== undefined && b !== undefined && beginsWith(a, b);
    }
    case 'contains': {
      const a = operandValue(condition.operand, item);
      const b = operandValue(condition.needle, item);
      return a !== undefined && b !== undefined && contains(a, b);
    }
  }
}
