// Legacy parameters (Developer Guide, "Legacy conditional parameters") converted to the same
// ASTs as expressions, with DynamoDB's messages, and the rule against mixing the styles.
import { describe, expect, it } from 'vitest';
import { applyUpdate } from '../../dynamo-api/expressions/apply.js';
import { evaluateCondition } from '../../dynamo-api/expressions/evaluate.js';
import { project } from '../../dynamo-api/expressions/projection.js';
import {
  attributesToGetToProjection,
  attributeUpdatesToUpdate,
  checkParameterStyle,
  expectedToCondition,
  filterToCondition,
  keyConditionsToKeyCondition,
} from '../../dynamo-api/legacy.js';
import type { Item } from '../../dynamo-api/values.js';
import { av, errorOf, item } from './helpers.js';

describe('checkParameterStyle', () => {
  it.each<[Parameters<typeof checkParameterStyle>[0], Record<string, unknown>, string]>([
    ['UpdateItem', { Expected: {}, AttributeUpdates: {}, ExpressionAttributeNames: {}, ExpressionAttributeValues: {}, ConditionExpression: '', UpdateExpression: '' },
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates, Expected} Expression parameters: {UpdateExpression, ConditionExpression}'],
    ['DeleteItem', { Expected: {}, ConditionExpression: '' },
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}'],
    ['Scan', { AttributesToGet: ['a'], ScanFilter: {}, ConditionalOperator: 'OR', FilterExpression: '', ProjectionExpression: '' },
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet, ScanFilter, ConditionalOperator} Expression parameters: {ProjectionExpression, FilterExpression}'],
    ['GetItem', { AttributesToGet: ['a'], ProjectionExpression: '' },
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}'],
    ['UpdateItem', { Expected: {}, ExpressionAttributeNames: {}, ExpressionAttributeValues: {} }, 'ExpressionAttributeNames can only be specified when using expressions'],
    ['UpdateItem', { Expected: {}, ExpressionAttributeValues: {} }, 'ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null'],
    ['DeleteItem', { ExpressionAttributeValues: {} }, 'ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null'],
    ['Scan', { ProjectionExpression: 'a', ExpressionAttributeValues: {} }, 'ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null'],
  ])('%s %j', (op, request, message) => {
    expect(errorOf(() => checkParameterStyle(op, request))).toBe(`ValidationException: ${message}`);
  });

  it('accepts either style alone', () => {
    expect(() => checkParameterStyle('Query', { KeyConditions: {}, QueryFilter: {}, AttributesToGet: ['a'] })).not.toThrow();
    expect(() => checkParameterStyle('Query', { KeyConditionExpression: 'a = :a', ExpressionAttributeValues: {}, ExpressionAttributeNames: {} })).not.toThrow();
    expect(() => checkParameterStyle('GetItem', { ProjectionExpression: '#a', ExpressionAttributeNames: {} })).not.toThrow();
  });
});

const ITEM: Item = { ...item({ a: 'hello', n: 3, l: [2, 4, 7], bin: new Uint8Array(Buffer.from('hi there')) }), s: { NS: ['2', '4', '7'] } };

function expected(json: unknown, op?: unknown, on: Item | undefined = ITEM): boolean {
  const c = expectedToCondition(json, op);
  return c === undefined ? true : evaluateCondition(c, on);
}

describe('Expected', () => {
  it.each<[Record<string, unknown>, boolean]>([
    [{ a: { Value: { S: 'hello' } } }, true],
    [{ a: { Value: { S: 'x' } } }, false],
    [{ q: { Value: { S: 'x' } } }, false],
    [{ a: { Exists: true, Value: { S: 'hello' } } }, true],
    [{ a: { Exists: false } }, false],
    [{ q: { Exists: false } }, true],
    [{ a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'hello' }] } }, true],
    [{ a: { ComparisonOperator: 'EQ', Value: { S: 'hello' } } }, true],
    [{ a: { ComparisonOperator: 'NE', AttributeValueList: [{ S: 'x' }] } }, true],
    [{ q: { ComparisonOperator: 'NE', AttributeValueList: [{ S: 'x' }] } }, true],
    [{ n: { ComparisonOperator: 'LT', AttributeValueList: [{ N: '4' }] } }, true],
    [{ n: { ComparisonOperator: 'LE', AttributeValueList: [{ N: '3' }] } }, true],
    [{ n: { ComparisonOperator: 'GT', AttributeValueList: [{ N: '3' }] } }, false],
    [{ n: { ComparisonOperator: 'GE', AttributeValueList: [{ N: '3' }] } }, true],
    [{ n: { ComparisonOperator: 'GT', AttributeValueList: [{ S: '3' }] } }, false],
    [{ a: { ComparisonOperator: 'NOT_NULL' } }, true],
    [{ a: { ComparisonOperator: 'NULL' } }, false],
    [{ q: { ComparisonOperator: 'NULL' } }, true],
    [{ a: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ S: 'ell' }] } }, true],
    [{ s: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ N: '4' }] } }, true],
    [{ l: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ N: '4' }] } }, true],
    [{ a: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [{ S: 'dog' }] } }, true],
    [{ s: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [{ N: '4' }] } }, false],
    // Unlike NOT contains(), NOT_CONTAINS fails on a missing attribute.
    [{ q: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [{ N: '1' }] } }, false],
    [{ a: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'hell' }] } }, true],
    [{ bin: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ B: Buffer.from('hi').toString('base64') }] } }, true],
    [{ n: { ComparisonOperator: 'IN', AttributeValueList: [{ N: '2' }, { N: '3' }] } }, true],
    [{ s: { ComparisonOperator: 'IN', AttributeValueList: [{ N: '2' }] } }, false],
    [{ n: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '3' }, { N: '4' }] } }, true],
    [{ q: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '0' }, { N: '100' }] } }, false],
    [{}, true],
  ])('%j is %s', (json, result) => {
    expect(expected(json)).toBe(result);
  });

  it('combines with ConditionalOperator', () => {
    const both = { a: { Value: { S: 'hello' } }, n: { Value: { N: '4' } } };
    expect(expected(both)).toBe(false);
    expect(expected(both, 'AND')).toBe(false);
    expect(expected(both, 'OR')).toBe(true);
    expect(expectedToCondition({ a: { Exists: false }, b: { Exists: false } })).toEqual({
      kind: 'and',
      left: { kind: 'attribute_not_exists', path: ['a'] },
      right: { kind: 'attribute_not_exists', path: ['b'] },
    });
  });

  const invalid = (d: string) => `ValidationException: One or more parameter values were invalid: ${d}`;
  it.each<[Record<string, unknown>, string]>([
    [{ a: { ComparisonOperator: 'LT' } }, invalid('Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a')],
    [{ a: { Exists: true, ComparisonOperator: 'LT' } }, invalid('Exists and ComparisonOperator cannot be used together for Attribute: a')],
    [{ a: { AttributeValueList: [] } }, invalid('AttributeValueList can only be used with a ComparisonOperator for Attribute: a')],
    [{ a: { Exists: true, AttributeValueList: [] } }, invalid('AttributeValueList can only be used with a ComparisonOperator for Attribute: a')],
    [{ a: { Value: { S: 'a' }, AttributeValueList: [] } }, invalid('Value and AttributeValueList cannot be used together for Attribute: a')],
    [{ a: { Value: { S: 'a' }, ComparisonOperator: 'BETWEEN' } }, invalid('Invalid number of argument(s) for the BETWEEN ComparisonOperator')],
    [{ a: { Value: { S: 'a' }, ComparisonOperator: 'NULL' } }, invalid('Invalid number of argument(s) for the NULL ComparisonOperator')],
    [{ a: { ComparisonOperator: 'IN', AttributeValueList: [{ S: 'b' }, { N: '1' }] } }, invalid('AttributeValues inside AttributeValueList must be of same type')],
    [{ a: { ComparisonOperator: 'IN', AttributeValueList: [] } }, invalid('Invalid number of argument(s) for the IN ComparisonOperator')],
    [{ a: { ComparisonOperator: 'IN', AttributeValueList: [{ L: [] }] } }, invalid('ComparisonOperator IN is not valid for L AttributeValue type')],
    [{ a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ S: 'b' }, { S: 'a' }] } }, 'ValidationException: The BETWEEN condition was provided a range where the lower bound is greater than the upper bound'],
    [{ a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '4' }, { S: 'dog' }] } }, invalid('AttributeValues inside AttributeValueList must be of same type')],
    [{ a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ NS: ['1'] }, { NS: ['2'] }] } }, invalid('ComparisonOperator BETWEEN is not valid for NS AttributeValue type')],
    [{ a: { ComparisonOperator: 'LT', AttributeValueList: [{ BOOL: true }] } }, invalid('ComparisonOperator LT is not valid for BOOL AttributeValue type')],
    [{ a: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ SS: ['a'] }] } }, invalid('ComparisonOperator CONTAINS is not valid for SS AttributeValue type')],
    [{ a: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [{ N: '2' }, { N: '3' }] } }, invalid('Invalid number of argument(s) for the NOT_CONTAINS ComparisonOperator')],
    [{ a: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ N: '1' }] } }, invalid('ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type')],
    [{ a: {} }, invalid('Value must be provided when Exists is null for Attribute: a')],
    [{ a: { Exists: true } }, invalid('Value must be provided when Exists is true for Attribute: a')],
    [{ a: { Exists: false, Value: { S: 'a' } } }, invalid('Value cannot be used when Exists is false for Attribute: a')],
    [{ a: { Value: { SS: [] } } }, invalid('An string set  may not be empty')],
    [{ a: { ComparisonOperator: 'LIKE', AttributeValueList: [] } }, "ValidationException: 1 validation error detected: Value 'LIKE' at 'expected.a.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"],
  ])('%j', (json, message) => {
    expect(errorOf(() => expectedToCondition(json))).toBe(message);
  });

  it('validates ConditionalOperator', () => {
    expect(errorOf(() => expectedToCondition({ a: { Exists: false } }, 'XOR'))).toBe(
      "ValidationException: 1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]",
    );
  });
});

describe('QueryFilter / ScanFilter', () => {
  it('converts like Expected with a required ComparisonOperator', () => {
    const c = filterToCondition('ScanFilter', { n: { ComparisonOperator: 'GT', AttributeValueList: [{ N: '1' }] }, a: { ComparisonOperator: 'NOT_NULL' } }, 'OR');
    expect(c).toEqual({
      kind: 'or',
      left: { kind: 'compare', op: '>', left: { kind: 'path', path: ['n'] }, right: { kind: 'value', value: av(1) } },
      right: { kind: 'attribute_exists', path: ['a'] },
    });
    expect(errorOf(() => filterToCondition('QueryFilter', { a: {} }))).toBe(
      "ValidationException: 1 validation error detected: Value null at 'queryFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null",
    );
    expect(errorOf(() => filterToCondition('QueryFilter', { a: { ComparisonOperator: 'GE', AttributeValueList: [{ M: {} }] } }))).toBe(
      'ValidationException: One or more parameter values were invalid: ComparisonOperator GE is not valid for M AttributeValue type',
    );
  });
});

describe('KeyConditions', () => {
  it('converts to key terms', () => {
    expect(
      keyConditionsToKeyCondition({
        h: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] },
        r: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '1' }, { N: '2' }] },
      }),
    ).toEqual({
      kind: 'key_condition',
      terms: [
        { kind: 'eq', name: 'h', value: av('x') },
        { kind: 'between', name: 'r', low: av(1), high: av(2) },
      ],
    });
    expect(keyConditionsToKeyCondition({ r: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'p' }] } }).terms).toEqual([
      { kind: 'begins_with', name: 'r', prefix: av('p') },
    ]);
  });

  it.each<[Record<string, unknown>, string | undefined, string]>([
    [{}, undefined, 'Conditions can be of length 1 or 2 only'],
    [{ a: { ComparisonOperator: 'NULL' }, b: { ComparisonOperator: 'NULL' }, c: { ComparisonOperator: 'NULL' } }, undefined, 'Conditions can be of length 1 or 2 only'],
    [{ a: { ComparisonOperator: 'EQ' }, b: { ComparisonOperator: 'NULL' }, c: { ComparisonOperator: 'NULL' } }, undefined, 'One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator'],
    [{ a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'a' }, { S: 'a' }] } }, undefined, 'One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator'],
    [{ z: { ComparisonOperator: 'NULL' } }, 'a', 'Query condition missed key schema element: a'],
    [{ a: { ComparisonOperator: 'NE', AttributeValueList: [{ S: 'a' }] } }, 'a', 'Attempted conditional constraint is not an indexable operation'],
    [{ a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'b' }, { N: '1' }] } }, undefined, 'One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator'],
    [{ a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ S: 'b' }, { S: 'a' }] } }, undefined, 'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound'],
  ])('%j', (json, hash, message) => {
    expect(errorOf(() => keyConditionsToKeyCondition(json, hash))).toBe(`ValidationException: ${message}`);
  });
});

describe('AttributeUpdates', () => {
  function run(updates: Record<string, unknown>, on: Item | undefined): Item {
    return applyUpdate(attributeUpdatesToUpdate(updates), on).item;
  }

  it.each<[Record<string, unknown>, Item | undefined, Item]>([
    [{ a: { Value: { S: 'x' } } }, undefined, { a: { S: 'x' } }],
    [{ a: { Action: 'PUT', Value: { N: '1' } } }, { a: { S: 'x' } }, { a: { N: '1' } }],
    [{ a: { Action: 'DELETE' } }, { a: { S: 'x' }, b: { S: 'y' } }, { b: { S: 'y' } }],
    [{ a: { Action: 'DELETE' } }, undefined, {}],
    [{ a: { Action: 'DELETE', Value: { SS: ['x'] } } }, { a: { SS: ['x', 'y'] } }, { a: { SS: ['y'] } }],
    [{ a: { Action: 'DELETE', Value: { SS: ['x'] } } }, { a: { SS: ['x'] } }, {}],
    [{ n: { Action: 'ADD', Value: { N: '2' } } }, { n: { N: '3' } }, { n: { N: '5' } }],
    [{ n: { Action: 'ADD', Value: { N: '2' } } }, undefined, { n: { N: '2' } }],
    [{ s: { Action: 'ADD', Value: { NS: ['2'] } } }, { s: { NS: ['1'] } }, { s: { NS: ['1', '2'] } }],
    // Legacy ADD appends to a list, which an UpdateExpression cannot do.
    [{ l: { Action: 'ADD', Value: { L: [{ N: '3' }] } } }, { l: { L: [{ N: '1' }] } }, { l: { L: [{ N: '1' }, { N: '3' }] } }],
    [{ l: { Action: 'ADD', Value: { L: [{ N: '3' }] } } }, undefined, { l: { L: [{ N: '3' }] } }],
    [{}, undefined, {}],
  ])('%j on %j', (updates, on, result) => {
    expect(run(updates, on)).toEqual(result);
  });

  const invalid = (d: string) => `ValidationException: One or more parameter values were invalid: ${d}`;
  it.each<[Record<string, unknown>, string]>([
    [{ a: { x: 'whatever' } }, invalid('Only DELETE action is allowed when no attribute value is specified')],
    [{ a: { Action: 'ADD' } }, invalid('Only DELETE action is allowed when no attribute value is specified')],
    ...(['S', 'N', 'BOOL', 'NULL', 'M', 'L'] as const).map((t): [Record<string, unknown>, string] => [
      { a: { Action: 'DELETE', Value: { [t]: t === 'S' || t === 'N' ? '1' : t === 'BOOL' || t === 'NULL' ? true : t === 'M' ? {} : [] } } },
      invalid(`DELETE action with value is not supported for the type ${t}`),
    ]),
    ...(['S', 'B', 'BOOL', 'NULL', 'M'] as const).map((t): [Record<string, unknown>, string] => [
      { a: { Action: 'ADD', Value: { [t]: t === 'S' ? '1' : t === 'B' ? 'Yg==' : t === 'M' ? {} : true } } },
      invalid(`ADD action is not supported for the type ${t}`),
    ]),
    [{ a: { Action: 'MERGE', Value: { S: 'x' } } }, "ValidationException: 1 validation error detected: Value 'MERGE' at 'attributeUpdates.a.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"],
  ])('%j', (updates, message) => {
    expect(errorOf(() => attributeUpdatesToUpdate(updates))).toBe(message);
  });

  it.each<[Record<string, unknown>, Item]>([
    [{ b: { Action: 'DELETE', Value: { NS: ['1'] } } }, { b: { SS: ['1'] } }],
    [{ b: { Action: 'DELETE', Value: { BS: ['YQ=='] } } }, { b: { SS: ['1'] } }],
    [{ c: { Action: 'DELETE', Value: { NS: ['1'] } } }, { c: { N: '1' } }],
    [{ b: { Action: 'ADD', Value: { NS: ['1'] } } }, { b: { SS: ['1'] } }],
    [{ d: { Action: 'ADD', Value: { N: '1' } } }, { d: { NS: ['1'] } }],
    [{ l: { Action: 'ADD', Value: { L: [] } } }, { l: { S: 'x' } }],
  ])('type mismatch %j on %j', (updates, on) => {
    expect(errorOf(() => run(updates, on))).toBe('ValidationException: Type mismatch for attribute to update');
  });
});

describe('AttributesToGet', () => {
  it('projects top-level names, dots included', () => {
    const p = attributesToGetToProjection(['a', 'b.c']);
    expect(p).toEqual({ kind: 'projection', paths: [['a'], ['b.c']] });
    expect(project(p.paths, item({ a: 1, 'b.c': 2, b: { c: 3 } }))).toEqual(item({ a: 1, 'b.c': 2 }));
  });

  it('refuses duplicates and empty lists', () => {
    expect(errorOf(() => attributesToGetToProjection(['a', 'a']))).toBe(
      'ValidationException: One or more parameter values were invalid: Duplicate value in attribute name: a',
    );
    expect(errorOf(() => attributesToGetToProjection([]))).toBe(
      "ValidationException: 1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });
});
