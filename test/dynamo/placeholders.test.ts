// ExpressionAttributeNames / ExpressionAttributeValues: their own validation, and the
// request-wide "unused" check across all expressions of one request.
import { describe, expect, it } from 'vitest';
import { parseCondition } from '../../dynamo-api/expressions/condition.js';
import { ExpressionAttributes } from '../../dynamo-api/expressions/placeholders.js';
import { parseProjection } from '../../dynamo-api/expressions/projection.js';
import { parseUpdate } from '../../dynamo-api/expressions/update.js';
import { errorOf } from './helpers.js';

describe('ExpressionAttributes.fromWire', () => {
  it.each([
    [{}, undefined, 'ValidationException: ExpressionAttributeNames must not be empty'],
    [{ a: 'a' }, undefined, 'ValidationException: ExpressionAttributeNames contains invalid key: Syntax error; key: "a"'],
    [{ '#a-b': 'a' }, undefined, 'ValidationException: ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"'],
    [{ '#a': '' }, undefined, 'ValidationException: ExpressionAttributeNames contains invalid value: Empty attribute name for key #a'],
    [{ '#a': 1 }, undefined, 'SerializationException: NUMBER_VALUE cannot be converted to String'],
    [undefined, {}, 'ValidationException: ExpressionAttributeValues must not be empty'],
    [undefined, { ':b': { a: '' }, b: { S: 'a' } }, 'ValidationException: ExpressionAttributeValues contains invalid key: Syntax error; key: "b"'],
    [undefined, { ':b': {} }, 'ValidationException: ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes for key :b'],
    [undefined, { ':b': { NULL: false } }, 'ValidationException: ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: Null attribute value types must have the value of true for key :b'],
    [undefined, { ':b': { NS: ['1', '1'] } }, 'ValidationException: ExpressionAttributeValues contains invalid value: Input collection contains duplicates for key :b'],
    [undefined, { ':b': { S: 'a', N: '1' } }, 'ValidationException: ExpressionAttributeValues contains invalid value: Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes for key :b'],
    [{}, {}, 'ValidationException: ExpressionAttributeNames must not be empty'],
  ])('%j %j', (names, values, message) => {
    expect(errorOf(() => ExpressionAttributes.fromWire(names, values))).toBe(message);
  });

  it('accepts word-character keys of any form', () => {
    const a = ExpressionAttributes.fromWire({ '#123': 'x', '#_': 'y' }, { ':123a': { N: '1' }, ':_': { S: '' } });
    expect(a.resolveName('#123')).toBe('x');
    expect(a.resolveValue(':_')).toEqual({ S: '' });
  });
});

describe('checkAllUsed', () => {
  it('counts use across all expressions of a request', () => {
    const a = ExpressionAttributes.fromWire(
      { '#a': 'a', '#b': 'b' },
      { ':a': { S: 'a' }, ':b': { S: 'b' } },
    );
    parseUpdate('SET #a = :a', a);
    parseCondition('#b = :b', a);
    expect(() => a.checkAllUsed()).not.toThrow();
  });

  it('reports unused names before unused values', () => {
    const a = ExpressionAttributes.fromWire({ '#a': 'a', '#b': 'b' }, { ':a': { S: 'a' }, ':b': { S: 'a' } });
    parseUpdate('remove a set b = list_append(b, if_not_exists(a, :a))', a);
    parseCondition('a = :b', a);
    expect(errorOf(() => a.checkAllUsed())).toBe(
      'ValidationException: Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}',
    );
  });

  it('reports unused values', () => {
    const a = ExpressionAttributes.fromWire(undefined, { ':a': { S: 'a' }, ':b': { S: 'a' }, ':c': { S: 'a' } });
    parseUpdate('remove a', a);
    parseCondition('a = :b', a);
    expect(errorOf(() => a.checkAllUsed())).toBe(
      'ValidationException: Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}',
    );
  });

  it('counts names used in projections and on both sides of SET', () => {
    const a = ExpressionAttributes.fromWire({ '#one': 'c', '#two': 'a', '#p': 'p' }, undefined);
    parseUpdate('SET #one = #two', a);
    parseProjection('#p', a);
    expect(() => a.checkAllUsed()).not.toThrow();
  });
});
