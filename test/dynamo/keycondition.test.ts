// KeyConditionExpression: the restricted form a Query needs, DynamoDB's messages for what it
// refuses, and binding to a key schema.
import { describe, expect, it } from 'vitest';
import { evaluateCondition } from '../../dynamo-api/expressions/evaluate.js';
import {
  bindKeyCondition,
  keyConditionToCondition,
  parseKeyCondition,
  type KeySchema,
} from '../../dynamo-api/expressions/keycondition.js';
import type { KeyCondition } from '../../dynamo-api/expressions/ast.js';
import { av, attrs, errorOf, item } from './helpers.js';

const VALUES = { ':a': 1, ':b': 2, ':s': 'x', ':t': 'S', ':e': '' };
const parse = (text: string, values: Record<string, unknown> = VALUES): KeyCondition =>
  parseKeyCondition(text, attrs({ '#h': 'h' }, values));

describe('parseKeyCondition', () => {
  it.each<[string, KeyCondition['terms']]>([
    ['h = :s', [{ kind: 'eq', name: 'h', value: av('x') }]],
    [':s = h', [{ kind: 'eq', name: 'h', value: av('x') }]],
    ['#h = :s AND r < :a', [{ kind: 'eq', name: 'h', value: av('x') }, { kind: 'lt', name: 'r', value: av(1) }]],
    ['h = :s and :a > r', [{ kind: 'eq', name: 'h', value: av('x') }, { kind: 'lt', name: 'r', value: av(1) }]],
    ['h = :s and r <= :a', [{ kind: 'eq', name: 'h', value: av('x') }, { kind: 'le', name: 'r', value: av(1) }]],
    ['h = :s and :a <= r', [{ kind: 'eq', name: 'h', value: av('x') }, { kind: 'ge', name: 'r', value: av(1) }]],
    ['r > :a AND h = :s', [{ kind: 'gt', name: 'r', value: av(1) }, { kind: 'eq', name: 'h', value: av('x') }]],
    ['h = :s AND r BETWEEN :a AND :b', [{ kind: 'eq', name: 'h', value: av('x') }, { kind: 'between', name: 'r', low: av(1), high: av(2) }]],
    ['h = :s AND begins_with(r, :s)', [{ kind: 'eq', name: 'h', value: av('x') }, { kind: 'begins_with', name: 'r', prefix: av('x') }]],
    ['(h = :s) AND (r >= :a)', [{ kind: 'eq', name: 'h', value: av('x') }, { kind: 'ge', name: 'r', value: av(1) }]],
  ])('%s', (text, terms) => {
    expect(parse(text)).toEqual({ kind: 'key_condition', terms });
  });

  it.each([
    ['', 'Invalid KeyConditionExpression: The expression can not be empty;'],
    ['things are not gonna be ok', 'Invalid KeyConditionExpression: Syntax error; token: "are", near: "things are not"'],
    ['a > 4', 'Invalid KeyConditionExpression: Syntax error; token: "4", near: "> 4"'],
    ['attribute_type(a, b)', 'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {SS,M,DECIMAL,DOUBLESET,HDS,N,B,DICT,INTSET,BOOL,HD,BS,INT,DECIMALSET,NULL,FLOAT,FS,S,L,NS,DOUBLE}'],
    ['attribute_type(a, :t)', 'Invalid operator used in KeyConditionExpression: attribute_type'],
    ['a > b and size(b) > c or a > c', 'Invalid operator used in KeyConditionExpression: OR'],
    ['a in (b, size(c), d)', 'Invalid operator used in KeyConditionExpression: IN'],
    ['attribute_exists(a)', 'Invalid operator used in KeyConditionExpression: attribute_exists'],
    ['attribute_not_exists(a)', 'Invalid operator used in KeyConditionExpression: attribute_not_exists'],
    ['contains(a.d, b)', 'Invalid operator used in KeyConditionExpression: contains'],
    ['not a > b', 'Invalid operator used in KeyConditionExpression: NOT'],
    ['a <> b', 'Invalid operator used in KeyConditionExpression: <>'],
    [':a between size(b) and size(a) and b > :b', 'Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand'],
    ['begins_with(:s, b) and a > :b', 'Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand'],
    ['size(b) > a AND a.b > b AND b > c', 'KeyConditionExpressions cannot contain nested operations'],
    ['a > size(b.d)', 'KeyConditionExpressions cannot contain nested operations'],
    ['a between size(b) and size(a)', 'KeyConditionExpressions cannot contain nested operations'],
    ['b > a.b', 'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition'],
    ['b between c[1] and d', 'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition'],
    ['a between b and size(a)', 'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition'],
    ['begins_with(a, b)', 'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition'],
    ['b.d > a AND c.d > e.f', 'KeyConditionExpressions cannot have conditions on nested attributes'],
    ['a.d > c', 'KeyConditionExpressions cannot have conditions on nested attributes'],
    ['b[0] > a', 'KeyConditionExpressions cannot have conditions on nested attributes'],
    [':b > :a AND a < :b', 'Invalid condition in KeyConditionExpression: No key attribute specified'],
    [':a > b AND :a < :b', 'Invalid condition in KeyConditionExpression: No key attribute specified'],
    ['b > :a AND b < :a and c = :a and d = :a', 'KeyConditionExpressions must only contain one condition per key'],
    ['(a > :a and b > :a) and (b > :a and c > :a)', 'KeyConditionExpressions must only contain one condition per key'],
    [':a = a and b = :a and :a = c', 'Conditions can be of length 1 or 2 only'],
    ['a between :b and :a', 'Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}'],
    ['a between :a and :s', 'Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}'],
  ])('%j -> %s', (text, message) => {
    expect(errorOf(() => parse(text))).toBe(`ValidationException: ${message}`);
  });
});

describe('bindKeyCondition', () => {
  const schema: KeySchema = { hash: { name: 'h', type: 'S' }, range: { name: 'r', type: 'N' } };

  it('splits hash and range', () => {
    expect(bindKeyCondition(parse('r < :a AND h = :s'), schema)).toEqual({
      hashName: 'h',
      hashValue: av('x'),
      range: { kind: 'lt', name: 'r', value: av(1) },
    });
    expect(bindKeyCondition(parse('h = :s'), schema)).toEqual({ hashName: 'h', hashValue: av('x'), range: undefined });
  });

  it.each([
    ['z = :a', { hash: { name: 'h' } }, 'Query condition missed key schema element: h'],
    ['z between :a and :b', schema, 'Query condition missed key schema element: h'],
    ['h = :s AND z = :a', schema, 'Query condition missed key schema element: r'],
    ['h = :s AND z = :a', { hash: { name: 'h' } }, 'Query key condition not supported'],
    ['h < :s', schema, 'Query key condition not supported'],
    ['begins_with(h, :s)', schema, 'Query key condition not supported'],
    ['h = :a', schema, 'One or more parameter values were invalid: Condition parameter type does not match schema type'],
    ['h = :s AND r = :s', schema, 'One or more parameter values were invalid: Condition parameter type does not match schema type'],
    ['h = :e', schema, 'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: h'],
  ])('%s with %j', (text, s, message) => {
    expect(errorOf(() => bindKeyCondition(parse(text), s as KeySchema))).toBe(`ValidationException: ${message}`);
  });

  it('evaluates as a condition', () => {
    const c = keyConditionToCondition(parse('h = :s AND r BETWEEN :a AND :b'));
    expect(evaluateCondition(c, item({ h: 'x', r: 1.5 }))).toBe(true);
    expect(evaluateCondition(c, item({ h: 'x', r: 3 }))).toBe(false);
    expect(evaluateCondition(c, item({ h: 'y', r: 1 }))).toBe(false);
  });
});
