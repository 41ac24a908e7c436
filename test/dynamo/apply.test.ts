// applyUpdate: SET/REMOVE/ADD/DELETE on nested documents, lists and sets, with DynamoDB's
// run-time errors; and the ReturnValues selections (Developer Guide, "Update expressions").
import { describe, expect, it } from 'vitest';
import { applyUpdate, checkUpdateSparesKeys, selectReturnValues } from '../../dynamo-api/expressions/apply.js';
import { parseUpdate } from '../../dynamo-api/expressions/update.js';
import type { Item } from '../../dynamo-api/values.js';
import { attrs, bytes, errorOf, item } from './helpers.js';

const VALUES: Record<string, unknown> = {
  ':1': 1, ':2': 2, ':4': 4, ':7': 7, ':10': 10, ':s': 'x', ':hello': 'hello', ':l': ['a'], ':l2': ['b', 'c'], ':e': [],
  ':ss': { SS: ['pig'] }, ':ss2': { SS: ['coati', 'beaver', 'badger'] }, ':ssdog': { SS: ['dog'] },
  ':sscm': { SS: ['cat', 'mouse'] }, ':ns': { NS: ['1'] }, ':bs': { BS: [bytes('x')] },
  ':big': 9e125, ':m': { x: 1 }, ':v1': 'a1', ':v2': 'a2', ':v3': 'a3', ':v4': 'a4',
};

function update(text: string, on: Item | undefined, names?: Record<string, string>) {
  return applyUpdate(parseUpdate(text, attrs(names, VALUES)), on);
}

function after(text: string, on: Record<string, unknown> | undefined, names?: Record<string, string>): Item {
  return update(text, on === undefined ? undefined : item(on), names).item;
}

describe('SET', () => {
  it.each<[string, Record<string, unknown> | undefined, Record<string, unknown>]>([
    ['SET a = :1', undefined, { a: 1 }],
    ['SET b = :hello', { a: 'hi' }, { a: 'hi', b: 'hello' }],
    ['SET a = :hello', { a: 'hi', b: 1 }, { a: 'hello', b: 1 }],
    ['SET b = a', { a: 'hello' }, { a: 'hello', b: 'hello' }],
    ['SET a = a', { a: 'hello' }, { a: 'hello' }],
    ['SET a = a + :1', { a: 2 }, { a: 3 }],
    ['SET a = :1 - a', { a: 2 }, { a: -1 }],
    ['SET b = :1 + :2', undefined, { b: 3 }],
    ['SET a = if_not_exists(a, :1)', undefined, { a: 1 }],
    ['SET a = if_not_exists(a, :1)', { a: 2 }, { a: 2 }],
    ['SET b = if_not_exists(c, :4)', { a: 2 }, { a: 2, b: 4 }],
    ['SET b = if_not_exists(b, :1) + :2', undefined, { b: 3 }],
    ['SET a = list_append(a, :l)', { a: ['x'] }, { a: ['x', 'a'] }],
    ['SET a = list_append(:l, a)', { a: ['x'] }, { a: ['a', 'x'] }],
    ['SET a = list_append(if_not_exists(a, :e), :l)', undefined, { a: ['a'] }],
    ['SET c = list_append(a, b)', { a: [1], b: [] }, { a: [1], b: [], c: [1] }],
    ['SET a.c = :7', { a: { b: 3, c: 4 } }, { a: { b: 3, c: 7 } }],
    ['SET a.d = :7', { a: { b: 3 } }, { a: { b: 3, d: 7 } }],
    ['SET a.c = :7', { a: { b: 3, c: { one: 1 } } }, { a: { b: 3, c: 7 } }],
    ['SET a[1] = :hello', { a: ['one', 'two', 'three'] }, { a: ['one', 'hello', 'three'] }],
    ['SET a.c[1].x.y[1] = :7', { a: { b: 3, c: ['hi', { x: { y: [3, 5, 7] } }] } }, { a: { b: 3, c: ['hi', { x: { y: [3, 7, 7] } }] } }],
    ['SET a.z = a.c[1].x.y[1]', { a: { c: ['hi', { x: { y: [3, 5] } }] } }, { a: { c: ['hi', { x: { y: [3, 5] } }], z: 5 } }],
    ['SET #a = :1', undefined, { 'a.b': 1 }],
    ['SET x = :m', { x: 1 }, { x: { x: 1 } }],
    ['SET d = :e, e = :s', undefined, { d: [], e: 'x' }],
    // Reads happen before writes.
    ['SET a = b, b = a', { a: 1, b: 2 }, { a: 2, b: 1 }],
    ['REMOVE a SET b = a', { a: 'hello' }, { b: 'hello' }],
  ])('%s on %j', (text, before, expected) => {
    expect(after(text, before, { '#a': 'a.b' })).toEqual(item(expected));
  });

  it('appends past the end of a list, in index order', () => {
    const on = { a: ['one', 'two', 'three'] };
    expect(after('SET a[7] = :hello', on)).toEqual(item({ a: ['one', 'two', 'three', 'hello'] }));
    expect(after('SET a[84] = :v1, a[37] = :v2, a[17] = :v3, a[50] = :v4', on)).toEqual(
      item({ a: ['one', 'two', 'three', 'a3', 'a2', 'a4', 'a1'] }),
    );
  });

  it('computes numbers exactly', () => {
    expect(update('SET b = :1 + b', { b: { N: '10000000000000000000000' } }).item).toEqual({ b: { N: '10000000000000000000001' } });
    expect(after('SET b = b - :1', { b: 0.1 })).toEqual({ b: { N: '-0.9' } });
  });

  it.each<[string, Record<string, unknown> | undefined, string]>([
    ['SET c = z', { a: 1 }, 'The provided expression refers to an attribute that does not exist in the item'],
    ['SET c = z', undefined, 'The provided expression refers to an attribute that does not exist in the item'],
    ['SET x = :1, y = x', { a: 1 }, 'The provided expression refers to an attribute that does not exist in the item'],
    ['SET e = list_append(b, c)', { a: 1 }, 'The provided expression refers to an attribute that does not exist in the item'],
    ['SET e = z + :1', { a: 1 }, 'The provided expression refers to an attribute that does not exist in the item'],
    ['SET e = a + :1', { a: 'x' }, 'An operand in the update expression has an incorrect data type'],
    ['SET e = list_append(a, :l)', { a: 'x' }, 'An operand in the update expression has an incorrect data type'],
    ['SET e = list_append(d, if_not_exists(f, :e))', { d: { NS: ['1'] } }, 'An operand in the update expression has an incorrect data type'],
    ['SET e = a + :1', { a: [1] }, 'An operand in the update expression has an incorrect data type'],
    // A type error anywhere comes before a missing attribute.
    ['SET e = z, f = a + :1', { a: 'x' }, 'An operand in the update expression has an incorrect data type'],
    ['SET a.c = :7', { a: 'hello' }, 'The document path provided in the update expression is invalid for update'],
    ['SET b.c = :7', { b: ['hi'] }, 'The document path provided in the update expression is invalid for update'],
    ['SET c.c = :7', { a: 1 }, 'The document path provided in the update expression is invalid for update'],
    ['SET c.c = :7', undefined, 'The document path provided in the update expression is invalid for update'],
    ['SET a[0] = :7', { a: 'hello' }, 'The document path provided in the update expression is invalid for update'],
    ['SET b[0] = :7', { a: 1 }, 'The document path provided in the update expression is invalid for update'],
    ['SET a[5].x = :7', { a: [1] }, 'The document path provided in the update expression is invalid for update'],
    ['SET a.b.c = :7', { a: { x: 1 } }, 'The document path provided in the update expression is invalid for update'],
    ['SET b = :big + :big', undefined, 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
  ])('%s on %j fails', (text, before, message) => {
    expect(errorOf(() => after(text, before))).toBe(`ValidationException: ${message}`);
  });
});

describe('REMOVE', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['REMOVE a', { a: 'hello', b: 'hi' }, { b: 'hi' }],
    ['REMOVE a.c[1].x.y[1], a.c[1].q', { a: { b: 3, c: ['hi', { x: { y: [3, 5, 7] }, q: 2 }] } }, { a: { b: 3, c: ['hi', { x: { y: [3, 7] } }] } }],
    ['REMOVE a[17]', { a: [4, 5, 6] }, { a: [4, 5, 6] }],
    ['REMOVE a.y, b[7], c', { a: { x: 3 }, b: ['hi'] }, { a: { x: 3 }, b: ['hi'] }],
    ['REMOVE a.b', { a: { b: 1 } }, { a: {} }],
    ['REMOVE a[0]', { a: [1] }, { a: [] }],
    ['REMOVE a[0], a[2]', { a: [1, 2, 3, 4] }, { a: [2, 4] }],
    // Positions are those before the update, whatever the order of the actions.
    ['REMOVE a[1] SET a[3] = :7', { a: [2, 3, 4, 5, 6, 7] }, { a: [2, 4, 7, 6, 7] }],
    ['SET a[3] = :7 REMOVE a[1]', { a: [2, 3, 4, 5, 6, 7] }, { a: [2, 4, 7, 6, 7] }],
  ])('%s on %j', (text, before, expected) => {
    expect(after(text, before)).toEqual(item(expected));
  });

  it('ignores nested paths when the item does not exist', () => {
    expect(after('REMOVE x.y', undefined)).toEqual({});
    expect(after('REMOVE x[0]', undefined)).toEqual({});
  });

  it.each<[string, Record<string, unknown>]>([
    ['REMOVE a.c', { a: 'hello' }],
    ['REMOVE b.c', { b: ['hi'] }],
    ['REMOVE c.c', { a: 1 }],
    ['REMOVE a[0]', { a: 'hello' }],
    ['REMOVE b[0]', { a: 1 }],
  ])('%s on %j fails', (text, before) => {
    expect(errorOf(() => after(text, before))).toBe('ValidationException: The document path provided in the update expression is invalid for update');
  });
});

describe('ADD and DELETE', () => {
  it.each<[string, Item | undefined, Item]>([
    ['ADD a :4', { a: { N: '3' } }, { a: { N: '7' } }],
    ['ADD b :7', undefined, { b: { N: '7' } }],
    ['ADD a.b :1', { a: { M: { b: { N: '1' } } } }, { a: { M: { b: { N: '2' } } } }],
    ['ADD a :ss', { a: { SS: ['dog', 'cat'] } }, { a: { SS: ['dog', 'cat', 'pig'] } }],
    ['ADD a :ss2', { a: { SS: ['beaver', 'lynx', 'coati'] } }, { a: { SS: ['beaver', 'lynx', 'coati', 'badger'] } }],
    ['ADD b :ssdog', undefined, { b: { SS: ['dog'] } }],
    ['ADD n :ns', { n: { NS: ['1.0', '2'] } }, { n: { NS: ['1.0', '2'] } }],
    ['DELETE a :sscm', { a: { SS: ['dog', 'cat', 'mouse'] }, b: { S: 'hi' } }, { a: { SS: ['dog'] }, b: { S: 'hi' } }],
    ['DELETE a :ss', { a: { SS: ['dog'] } }, { a: { SS: ['dog'] } }],
    ['DELETE a :ssdog', { a: { SS: ['dog'] }, b: { S: 'hi' } }, { b: { S: 'hi' } }],
    ['DELETE a :ssdog', { b: { S: 'hi' } }, { b: { S: 'hi' } }],
    ['DELETE a :bs', { a: { BS: [bytes('x'), bytes('y')] } }, { a: { BS: [bytes('y')] } }],
  ])('%s on %j', (text, before, expected) => {
    expect(update(text, before).item).toEqual(expected);
  });

  it.each<[string, Item]>([
    ['ADD b :1', item({ b: 'hi' })],
    ['ADD a :ss', { a: { NS: ['1'] } }],
    ['ADD d :1', { d: { NS: ['1'] } }],
    ['DELETE d :ss', { d: { NS: ['1'] } }],
    ['DELETE b :ns', { b: { M: { a: { SS: ['1'] } } } }],
    ['DELETE c :ns', item({ c: 1 })],
    ['ADD b :ns', { b: { M: {} } }],
  ])('%s on %j fails', (text, on) => {
    expect(errorOf(() => update(text, on))).toBe('ValidationException: An operand in the update expression has an incorrect data type');
  });

  it.each<[string, Item]>([
    ['DELETE b.a :ns', item({ a: 1 })],
    ['ADD y.a :1', item({ a: 1 })],
    ['ADD c[1] :1', item({ c: { x: 1 } })],
  ])('%s on %j fails with a path error', (text, on) => {
    expect(errorOf(() => update(text, on))).toBe('ValidationException: The document path provided in the update expression is invalid for update');
  });

  it('overflows like arithmetic', () => {
    expect(errorOf(() => update('ADD a :big', { a: { N: '9' + '0'.repeat(125) } }))).toBe(
      'ValidationException: Number overflow. Attempting to store a number with magnitude larger than supported range',
    );
  });
});

describe('results', () => {
  it('never modifies its input', () => {
    const before = item({ a: { b: [1, 2] }, c: 1 });
    const copy = JSON.parse(JSON.stringify(before));
    update('SET a.b[0] = :7, d = :1 REMOVE c ADD a.e :1', before);
    expect(JSON.parse(JSON.stringify(before))).toEqual(copy);
  });

  it('reports changed paths in old and new coordinates', () => {
    const r = update('REMOVE a[0] SET a[2] = :7, a[9] = :1, b = :1', item({ a: [1, 2, 3], c: 1 }));
    expect(r.item).toEqual(item({ a: [2, 7, 1], b: 1, c: 1 }));
    expect(r.changedPaths).toEqual([['a', 0], ['a', 2], ['a', 9], ['b']]);
    expect(r.newPaths).toEqual([['a', 1], ['a', 2], ['b']]);
  });

  const old = item({ p: 'k', a: 1, m: { x: 1, y: 2 }, r: 'gone' });
  const result = update('SET a = a + :1, m.x = :7, n = :s REMOVE r', old);
  it.each<[Parameters<typeof selectReturnValues>[0], Record<string, unknown> | undefined]>([
    ['NONE', undefined],
    ['ALL_OLD', { p: 'k', a: 1, m: { x: 1, y: 2 }, r: 'gone' }],
    ['UPDATED_OLD', { a: 1, m: { x: 1 }, r: 'gone' }],
    ['ALL_NEW', { p: 'k', a: 2, m: { x: 7, y: 2 }, n: 'x' }],
    ['UPDATED_NEW', { a: 2, m: { x: 7 }, n: 'x' }],
  ])('ReturnValues %s', (mode, expected) => {
    expect(selectReturnValues(mode, old, result)).toEqual(expected === undefined ? undefined : item(expected));
  });

  it('returns nothing for ALL_OLD or UPDATED_OLD of a new item', () => {
    const r = update('SET a = :1', undefined);
    expect(selectReturnValues('ALL_OLD', undefined, r)).toBeUndefined();
    expect(selectReturnValues('UPDATED_OLD', undefined, r)).toBeUndefined();
    expect(selectReturnValues('UPDATED_NEW', undefined, r)).toEqual(item({ a: 1 }));
  });

  it('refuses updates of key attributes', () => {
    const u = parseUpdate('SET b = :1 ADD p :1', attrs(undefined, { ':1': 1 }));
    expect(errorOf(() => checkUpdateSparesKeys(u, ['p', 'c']))).toBe(
      'ValidationException: One or more parameter values were invalid: Cannot update attribute p. This attribute is part of the key',
    );
  });
});
