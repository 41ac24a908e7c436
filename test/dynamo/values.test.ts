// AttributeValue validation with DynamoDB's messages, order, equality and item size
// (Developer Guide, "Naming rules and data types", "Item sizes").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkKeyAttribute,
  compareStrings,
  compareValues,
  itemSizeBytes,
  ITEM_SIZE_BYTES_MAX,
  itemToWire,
  parseAttributeValue,
  parseItem,
  toWire,
  valueSizeBytes,
  valuesEqual,
} from '../../dynamo-api/values.js';
import { av, bytes, errorOf } from './helpers.js';

describe('parseAttributeValue', () => {
  it('converts the wire form and canonicalises numbers', () => {
    expect(parseAttributeValue({ N: '+01.50' })).toEqual({ N: '1.5' });
    expect(parseAttributeValue({ B: 'AQI=' })).toEqual({ B: new Uint8Array([1, 2]) });
    expect(parseAttributeValue({ NS: ['1', '2.0'] })).toEqual({ NS: ['1', '2'] });
    expect(parseAttributeValue({ M: { a: { L: [{ S: '' }, { NULL: true }, { BOOL: false }] } } })).toEqual({
      M: { a: { L: [{ S: '' }, { NULL: true }, { BOOL: false }] } },
    });
  });

  it('allows empty strings, binaries, lists and maps', () => {
    expect(parseAttributeValue({ S: '' })).toEqual({ S: '' });
    expect(parseAttributeValue({ B: '' })).toEqual({ B: new Uint8Array() });
    expect(parseAttributeValue({ L: [] })).toEqual({ L: [] });
    expect(parseAttributeValue({ M: {} })).toEqual({ M: {} });
  });

  const empty = 'ValidationException: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
  it.each([
    [{}, empty],
    [{ a: '' }, empty],
    [{ M: { a: {} } }, empty],
    [{ L: [{}] }, empty],
    [{ S: null }, empty],
    [{ S: 'a', N: '1' }, 'ValidationException: Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes'],
    // A bad number is found before the second datatype.
    [{ S: 'a', N: 'b' }, 'ValidationException: The parameter cannot be converted to a numeric value: b'],
    [{ S: '', N: '' }, 'ValidationException: The parameter cannot be converted to a numeric value'],
    [{ NULL: false }, 'ValidationException: One or more parameter values were invalid: Null attribute value types must have the value of true'],
    [{ SS: [] }, 'ValidationException: One or more parameter values were invalid: An string set  may not be empty'],
    [{ NS: [] }, 'ValidationException: One or more parameter values were invalid: An number set  may not be empty'],
    [{ BS: [] }, 'ValidationException: One or more parameter values were invalid: Binary sets should not be empty'],
    [{ SS: ['a', 'a'] }, 'ValidationException: One or more parameter values were invalid: Input collection [a, a] contains duplicates.'],
    [{ BS: ['Yg==', 'Yg=='] }, 'ValidationException: One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates.'],
    [{ NS: ['1', '1'] }, 'ValidationException: Input collection contains duplicates'],
    [{ NS: ['1', '1.0'] }, 'ValidationException: Input collection contains duplicates'],
    [{ NS: ['1', 'b'] }, 'ValidationException: The parameter cannot be converted to a numeric value: b'],
    [{ N: '1e126' }, 'ValidationException: Number overflow. Attempting to store a number with magnitude larger than supported range'],
    [{ S: 5 }, 'SerializationException: NUMBER_VALUE cannot be converted to String'],
    [{ S: true }, 'SerializationException: TRUE_VALUE cannot be converted to String'],
    [{ N: 123 }, 'SerializationException: NUMBER_VALUE cannot be converted to String'],
    [{ S: {} }, 'SerializationException: Start of structure or map found where not expected'],
    [{ BOOL: 'yes' }, 'SerializationException: STRING_VALUE cannot be converted to Boolean'],
    [{ L: {} }, 'SerializationException: Unexpected field type'],
    [{ B: 'abc' }, 'SerializationException: Base64 encoded length is expected a multiple of 4 bytes but found: 3'],
    ['x', 'SerializationException: Unexpected field type'],
  ])('%j -> %s', (json, message) => {
    expect(errorOf(() => parseAttributeValue(json))).toBe(message);
  });

  it('wraps messages for ExpressionAttributeValues', () => {
    expect(errorOf(() => parseAttributeValue({ SS: [] }, { placeholder: ':b' }))).toBe(
      'ValidationException: ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :b',
    );
    expect(errorOf(() => parseAttributeValue({ N: 'x' }, { placeholder: ':b' }))).toBe(
      'ValidationException: ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a numeric value: x for key :b',
    );
  });

  it('limits nesting to 32 levels', () => {
    let v: unknown = { S: 'leaf' };
    for (let i = 0; i < 31; i++) v = { M: { n: v } };
    expect(() => parseAttributeValue(v)).not.toThrow();
    expect(errorOf(() => parseAttributeValue({ L: [v] }))).toMatch(/^ValidationException: Nesting Levels have exceeded/);
  });

  it('round-trips through the wire form', () => {
    const wire = { a: { B: 'AQI=' }, b: { BS: ['AQ==', 'Ag=='] }, c: { M: { d: { L: [{ N: '1' }, { SS: ['x'] }] } } } };
    expect(itemToWire(parseItem(wire))).toEqual(wire);
  });
});

describe('order', () => {
  it('orders strings by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 ...), though its UTF-16 unit is larger.
    expect(compareStrings('\uff5e', '\u{1f600}')).toBe(-1);
    expect('\uff5e' < '\u{1f600}').toBe(false);
    expect(compareStrings('a', 'ab')).toBe(-1);
    expect(compareStrings('b', 'ab')).toBe(1);
  });

  it('agrees with a UTF-8 byte comparison (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const ref = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        expect(compareStrings(a, b)).toBe(ref);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders binaries as unsigned bytes and numbers numerically', () => {
    expect(compareValues({ B: new Uint8Array([0x7f]) }, { B: new Uint8Array([0x80]) })).toBe(-1);
    expect(compareValues({ B: new Uint8Array([1]) }, { B: new Uint8Array([1, 0]) })).toBe(-1);
    expect(compareValues(av(10), av(9))).toBe(1);
    expect(compareValues(av('10'), av('9'))).toBe(-1);
  });

  it('does not order different or unordered types', () => {
    expect(compareValues(av(1), av('1'))).toBeUndefined();
    expect(compareValues(av(true), av(false))).toBeUndefined();
    expect(compareValues(av([1]), av([1]))).toBeUndefined();
  });
});

describe('valuesEqual', () => {
  it.each([
    [av(1), { N: '1.0' }, true],
    [av('1'), av(1), false],
    [{ SS: ['a', 'b'] }, { SS: ['b', 'a'] }, true],
    [{ SS: ['a', 'b'] }, { SS: ['a'] }, false],
    [{ NS: ['1', '2'] }, { NS: ['2', '1.0'] }, true],
    [{ BS: [bytes('x'), bytes('y')] }, { BS: [bytes('y'), bytes('x')] }, true],
    [av([1, 2]), av([2, 1]), false],
    [av({ a: 1, b: [true, null] }), av({ b: [true, null], a: 1 }), true],
    [av({ a: 1 }), av({ a: 1, b: 2 }), false],
    [av(null), av(null), true],
    [av(bytes('ab')), av(bytes('ab')), true],
  ])('%j = %j is %s', (a, b, eq) => {
    expect(valuesEqual(a as never, b as never)).toBe(eq);
  });
});

describe('size', () => {
  it('counts names and values as DynamoDB does', () => {
    expect(valueSizeBytes(av('héllo'))).toBe(6);
    expect(valueSizeBytes(av(bytes('abc')))).toBe(3);
    expect(valueSizeBytes(av(true))).toBe(1);
    expect(valueSizeBytes(av(null))).toBe(1);
    expect(valueSizeBytes(av([]))).toBe(3);
    expect(valueSizeBytes(av({}))).toBe(3);
    expect(valueSizeBytes(av(['a', 'bc']))).toBe(3 + (1 + 1) + (2 + 1));
    expect(valueSizeBytes(av({ ab: 'c' }))).toBe(3 + 2 + 1 + 1);
    expect(valueSizeBytes({ SS: ['a', 'bb'] })).toBe(3);
    expect(valueSizeBytes({ NS: ['1', '12.3'] })).toBe(2 + 3);
    expect(itemSizeBytes({ name: av('x'), n: av(123) })).toBe(4 + 1 + 1 + 3);
  });

  it('knows the 400 KB limit', () => {
    expect(ITEM_SIZE_BYTES_MAX).toBe(409600);
    const big = { a: av('x'.repeat(ITEM_SIZE_BYTES_MAX - 1)) };
    expect(itemSizeBytes(big)).toBe(ITEM_SIZE_BYTES_MAX);
  });

  it('toWire leaves scalars alone', () => {
    expect(toWire(av('s'))).toEqual({ S: 's' });
    expect(toWire(av(1))).toEqual({ N: '1' });
  });
});

describe('checkKeyAttribute', () => {
  it.each<[string, Parameters<typeof checkKeyAttribute>, string]>([
    ['missing', ['a', undefined, 'S', 'hash'], 'ValidationException: The provided key element does not match the schema'],
    ['wrong type', ['a', av(1), 'S', 'hash'], 'ValidationException: The provided key element does not match the schema'],
    ['a set', ['a', { SS: ['x'] }, 'S', 'hash'], 'ValidationException: The provided key element does not match the schema'],
    ['empty string', ['a', av(''), 'S', 'hash'], 'ValidationException: One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: a'],
    ['empty binary', ['b', av(new Uint8Array()), 'B', 'range'], 'ValidationException: One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: b'],
    ['long hash', ['a', av('x'.repeat(2049)), 'S', 'hash'], 'ValidationException: One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes'],
    ['long range', ['a', av(new Uint8Array(1025)), 'B', 'range'], 'ValidationException: One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes'],
  ])('%s', (_, args, message) => {
    expect(errorOf(() => checkKeyAttribute(...args))).toBe(message);
  });

  it('accepts keys at the limits', () => {
    expect(() => checkKeyAttribute('a', av('x'.repeat(2048)), 'S', 'hash')).not.toThrow();
    expect(() => checkKeyAttribute('a', av(new Uint8Array(1024)), 'B', 'range')).not.toThrow();
    expect(() => checkKeyAttribute('a', av(0), 'N', 'range')).not.toThrow();
  });
});
