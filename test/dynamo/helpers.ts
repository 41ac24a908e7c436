// Shorthands for tests: plain JS -> internal AttributeValues, and error capture.
import { DynamoError } from '../../dynamo-api/errors.js';
import { ExpressionAttributes } from '../../dynamo-api/expressions/placeholders.js';
import { normalizeNumber } from '../../dynamo-api/numbers.js';
import type { AttributeValue, Item } from '../../dynamo-api/values.js';

/** string -> S, number/bigint -> N (canonical), boolean -> BOOL, null -> NULL, Uint8Array -> B, array -> L, object -> M. */
export function av(x: unknown): AttributeValue {
  if (typeof x === 'string') return { S: x };
  if (typeof x === 'number' || typeof x === 'bigint') return { N: normalizeNumber(String(x)) };
  if (typeof x === 'boolean') return { BOOL: x };
  if (x === null) return { NULL: true };
  if (x instanceof Uint8Array) return { B: x };
  if (Array.isArray(x)) return { L: x.map(av) };
  if (typeof x === 'object') {
    const o = x as Record<string, unknown>;
    const keys = Object.keys(o);
    // Already an AttributeValue set literal.
    if (keys.length === 1 && (keys[0] === 'SS' || keys[0] === 'NS' || keys[0] === 'BS')) return o as AttributeValue;
    return { M: item(o) };
  }
  throw new Error(`no AttributeValue for ${String(x)}`);
}

export function item(o: Record<string, unknown>): Item {
  const out: Record<string, AttributeValue> = {};
  for (const k of Object.keys(o)) out[k] = av(o[k]);
  return out;
}

export function bytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}

/** Placeholders from plain values (converted with av). */
export function attrs(names?: Record<string, string>, values?: Record<string, unknown>): ExpressionAttributes {
  const v: Record<string, AttributeValue> = {};
  for (const k of Object.keys(values ?? {})) v[k] = av(values![k]);
  return new ExpressionAttributes(names, values === undefined ? undefined : v);
}

/** Runs fn and returns the DynamoError it throws ("type: message"), or 'ok'. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof DynamoError) return `${e.type}: ${e.message}`;
    throw e;
  }
}

/** Just the message of the ValidationException fn throws. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof DynamoError) return e.message;
    throw e;
  }
}
