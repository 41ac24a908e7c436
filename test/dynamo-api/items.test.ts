// Issue #4, data plane: PutItem, GetItem, UpdateItem, DeleteItem through the real AWS SDK
// against the server on an in-process node (1 and 3 shards): every attribute type, every
// UpdateExpression action, condition functions, ReturnValues, the legacy parameters.
import {
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startDynamo, type TestDynamo } from './helpers.js';

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: string | number): AttributeValue => ({ N: String(n) });

describe.each([1, 3])('items on %i shard(s)', (shards) => {
  let d: TestDynamo;
  let c: DynamoDBClient;
  beforeAll(async () => {
    d = await startDynamo({ shards });
    c = d.client;
    await c.send(new CreateTableCommand({
      TableName: 'items',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    await c.send(new CreateTableCommand({
      TableName: 'hashonly',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'B' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    }));
  });
  afterAll(async () => d.close());

  const key = (pk: string, sk: number | string) => ({ pk: S(pk), sk: N(sk) });
  const get = async (pk: string, sk: number | string) => (await c.send(new GetItemCommand({ TableName: 'items', Key: key(pk, sk), ConsistentRead: true }))).Item;

  it('round-trips every attribute type, with numbers in canonical form', async () => {
    const item: Record<string, AttributeValue> = {
      ...key('types', 1),
      s: S('héllo 🌍'),
      n: N('-12.5000'),
      big: N('12345678901234567890123456789012345678'),
      tiny: N('1E-130'),
      huge: N('9.9999999999999999999999999999999999999E+125'),
      b: { B: new Uint8Array([0, 1, 255]) },
      t: { BOOL: true },
      f: { BOOL: false },
      nul: { NULL: true },
      m: { M: { a: S('x'), nested: { M: { deep: { L: [N(1), S('two')] } } } } },
      l: { L: [S('a'), N(2), { BOOL: false }, { NULL: true }, { M: {} }, { L: [] }] },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '2.50'] },
      bs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
      empty: S(''),
    };
    await c.send(new PutItemCommand({ TableName: 'items', Item: item }));
    const got = await get('types', 1);
    expect(got).toEqual({
      ...item,
      n: N('-12.5'),
      tiny: N('0.' + '0'.repeat(129) + '1'),
      huge: N('99999999999999999999999999999999999999' + '0'.repeat(88)),
      ns: { NS: ['1', '2.5'] },
    });
  });

  it('GetItem of a missing item has no Item; ProjectionExpression with nested paths and names', async () => {
    expect(await get('nobody', 0)).toBeUndefined();
    await c.send(new PutItemCommand({ TableName: 'items', Item: { ...key('proj', 1), a: S('A'), m: { M: { x: N(1), y: N(2) } }, l: { L: [S('l0'), S('l1'), S('l2')] }, 'odd name': S('o') } }));
    const r = await c.send(new GetItemCommand({
      TableName: 'items', Key: key('proj', 1),
      ProjectionExpression: 'a, m.y, l[2], #o, nothere',
      ExpressionAttributeNames: { '#o': 'odd name' },
    }));
    expect(r.Item).toEqual({ a: S('A'), m: { M: { y: N(2) } }, l: { L: [S('l2')] }, 'odd name': S('o') });
    const legacy = await c.send(new GetItemCommand({ TableName: 'items', Key: key('proj', 1), AttributesToGet: ['a', 'pk'] }));
    expect(legacy.Item).toEqual({ a: S('A'), pk: S('proj') });
  });

  it('PutItem replaces the whole item and returns ALL_OLD; ReturnConsumedCapacity', async () => {
    await c.send(new PutItemCommand({ TableName: 'items', Item: { ...key('put', 1), a: S('1'), b: S('2') } }));
    const r = await c.send(new PutItemCommand({ TableName: 'items', Item: { ...key('put', 1), c: S('3') }, ReturnValues: 'ALL_OLD', ReturnConsumedCapacity: 'TOTAL' }));
    expect(r.Attributes).toEqual({ ...key('put', 1), a: S('1'), b: S('2') });
    expect(r.ConsumedCapacity).toMatchObject({ TableName: 'items', CapacityUnits: 1 });
    expect(await get('put', 1)).toEqual({ ...key('put', 1), c: S('3') });
    const none = await c.send(new PutItemCommand({ TableName: 'items', Item: { ...key('put', 2) }, ReturnValues: 'ALL_OLD' }));
    expect(none.Attributes).toBeUndefined();
  });

  it('conditional PutItem: attribute_not_exists, comparisons, failure with the old item', async () => {
    const put = (cond: string, values?: Record<string, AttributeValue>, extra: object = {}) => c.send(new PutItemCommand({
      TableName: 'items', Item: { ...key('cond', 1), v: N(1) }, ConditionExpression: cond, ExpressionAttributeValues: values, ...extra,
    }));
    await put('attribute_not_exists(pk)');
    const f = await failure(put('attribute_not_exists(pk)'));
    expect(f.name).toBe('ConditionalCheckFailedException');
    expect(f.message).toBe('The conditional request failed');
    const withItem = await failure(put('v > :x', { ':x': N(5) }, { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
    expect(withItem.error.Item).toEqual({ ...key('cond', 1), v: N(1) });
    await put('v BETWEEN :a AND :b AND NOT (v IN (:c, :d)) OR size(pk) > :a', { ':a': N(0), ':b': N(3), ':c': N(7), ':d': N(8) });
  });

  it('condition functions: attribute_type, begins_with, contains, size on every kind', async () => {
    await c.send(new PutItemCommand({ TableName: 'items', Item: { ...key('fn', 1), s: S('hello world'), ss: { SS: ['x', 'y'] }, l: { L: [N(1), S('two')] }, m: { M: { k: S('v') } }, b: { B: new Uint8Array([1, 2, 3]) } } }));
    const ok = async (expr: string, values?: Record<string, AttributeValue>, names?: Record<string, string>) => {
      await c.send(new UpdateItemCommand({ TableName: 'items', Key: key('fn', 1), UpdateExpression: 'SET touched = :t', ConditionExpression: expr, ExpressionAttributeValues: { ':t': { BOOL: true }, ...values }, ExpressionAttributeNames: names }));
    };
    const bad = async (expr: string, values?: Record<string, AttributeValue>) => {
      expect((await failure(ok(expr, values))).name).toBe('ConditionalCheckFailedException');
    };
    await ok('attribute_type(s, :S) AND attribute_type(ss, :SS) AND attribute_type(m, :M)', { ':S': S('S'), ':SS': S('SS'), ':M': S('M') });
    await bad('attribute_type(s, :N)', { ':N': S('N') });
    await ok('begins_with(s, :p) AND contains(s, :w) AND contains(ss, :x) AND contains(l, :two)', { ':p': S('hell'), ':w': S('o w'), ':x': S('x'), ':two': S('two') });
    await bad('begins_with(s, :p)', { ':p': S('world') });
    await ok('size(s) = :11 AND size(ss) = :2 AND size(l) = :2 AND size(m) = :1 AND size(b) = :3', { ':11': N(11), ':2': N(2), ':1': N(1), ':3': N(3) });
    await ok('#m.#k = :v AND l[1] = :two AND l[0] < :five', { ':v': S('v'), ':two': S('two'), ':five': N(5) }, { '#m': 'm', '#k': 'k' });
    await ok('attribute_exists(m.k) AND attribute_not_exists(m.nope) AND s <> :z', { ':z': S('z') });
  });

  it('UpdateItem: SET arithmetic, if_not_exists, list_append, nested paths, REMOVE, ADD, DELETE', async () => {
    await c.send(new PutItemCommand({ TableName: 'items', Item: {
      ...key('upd', 1), n: N(10), l: { L: [S('a'), S('b'), S('c')] }, m: { M: { inr: { M: { x: N(1) } } } }, ss: { SS: ['a', 'b', 'c'] }, ns: { NS: ['1', '2'] }, gone: S('x'),
    } }));
    const r = await c.send(new UpdateItemCommand({
      TableName: 'items', Key: key('upd', 1),
      UpdateExpression: 'SET n = n + :five, fresh = if_not_exists(fresh, :zero), n2 = if_not_exists(n, :zero) - :one, l = list_append(:pre, l), m.inr.y = :two, m.inr.x = m.inr.x + :one REMOVE gone ADD ns :ns3, cnt :one DELETE ss :ssa',
      ExpressionAttributeValues: { ':five': N(5), ':zero': N(0), ':one': N(1), ':pre': { L: [S('z')] }, ':two': N(2), ':ns3': { NS: ['3'] }, ':ssa': { SS: ['a', 'q'] } },
      ReturnValues: 'ALL_NEW',
    }));
    expect(r.Attributes).toEqual({
      ...key('upd', 1), n: N(15), fresh: N(0), n2: N(9), l: { L: [S('z'), S('a'), S('b'), S('c')] },
      m: { M: { inr: { M: { x: N(2), y: N(2) } } } }, ss: { SS: ['b', 'c'] }, ns: { NS: ['1', '2', '3'] }, cnt: N(1),
    });
    const r2 = await c.send(new UpdateItemCommand({
      TableName: 'items', Key: key('upd', 1), UpdateExpression: 'REMOVE l[0], l[2] SET l[5] = :e DELETE ss :all',
      ExpressionAttributeValues: { ':e': S('e'), ':all': { SS: ['b', 'c'] } }, ReturnValues: 'UPDATED_NEW',
    }));
    expect(r2.Attributes).toEqual({ l: { L: [S('e')] } }); // the element written, at its new position
    const after = await get('upd', 1);
    expect(after?.l).toEqual({ L: [S('a'), S('c'), S('e')] });
    expect(after?.ss).toBeUndefined();
  });

  it('UpdateItem ReturnValues NONE / UPDATED_OLD / ALL_OLD / UPDATED_NEW, and creating a new item', async () => {
    const upd = (rv: 'NONE' | 'UPDATED_OLD' | 'ALL_OLD' | 'UPDATED_NEW' | 'ALL_NEW') => c.send(new UpdateItemCommand({
      TableName: 'items', Key: key('rv', 1), UpdateExpression: 'SET a = :a ADD c :one', ExpressionAttributeValues: { ':a': S(rv), ':one': N(1) }, ReturnValues: rv,
    }));
    expect((await upd('UPDATED_OLD')).Attributes).toBeUndefined(); // created
    expect((await upd('NONE')).Attributes).toBeUndefined();
    expect((await upd('UPDATED_OLD')).Attributes).toEqual({ a: S('NONE'), c: N(2) });
    expect((await upd('ALL_OLD')).Attributes).toEqual({ ...key('rv', 1), a: S('UPDATED_OLD'), c: N(3) });
    expect((await upd('UPDATED_NEW')).Attributes).toEqual({ a: S('UPDATED_NEW'), c: N(5) });
    // An UpdateItem without an UpdateExpression creates just the key.
    await c.send(new UpdateItemCommand({ TableName: 'items', Key: key('rv', 2) }));
    expect(await get('rv', 2)).toEqual(key('rv', 2));
  });

  it('UpdateItem run-time errors: wrong operand type, missing attribute, keys untouchable, item too large', async () => {
    await c.send(new PutItemCommand({ TableName: 'items', Item: { ...key('err', 1), s: S('str'), big: S('x'.repeat(300_000)) } }));
    const upd = (expr: string, values?: Record<string, AttributeValue>) => c.send(new UpdateItemCommand({ TableName: 'items', Key: key('err', 1), UpdateExpression: expr, ExpressionAttributeValues: values }));
    let f = await failure(upd('SET s = s + :one', { ':one': N(1) }));
    expect(f.name).toBe('ValidationException');
    expect(f.message).toBe('An operand in the update expression has an incorrect data type');
    f = await failure(upd('SET x = nothere + :one', { ':one': N(1) }));
    expect(f.message).toBe('The provided expression refers to an attribute that does not exist in the item');
    f = await failure(upd('SET pk = :v', { ':v': S('k') }));
    expect(f.message).toBe('One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key');
    f = await failure(upd('SET big2 = :v', { ':v': S('y'.repeat(200_000)) }));
    expect(f.message).toBe('Item size to update has exceeded the maximum allowed size');
    f = await failure(upd('ADD s :one', { ':one': N(1) }));
    expect(f.message).toBe('An operand in the update expression has an incorrect data type');
  });

  it('DeleteItem with condition and ALL_OLD; deleting a missing item is fine', async () => {
    await c.send(new PutItemCommand({ TableName: 'items', Item: { ...key('del', 1), v: N(1) } }));
    expect((await failure(c.send(new DeleteItemCommand({ TableName: 'items', Key: key('del', 1), ConditionExpression: 'v = :two', ExpressionAttributeValues: { ':two': N(2) } })))).name)
      .toBe('ConditionalCheckFailedException');
    const r = await c.send(new DeleteItemCommand({ TableName: 'items', Key: key('del', 1), ReturnValues: 'ALL_OLD' }));
    expect(r.Attributes).toEqual({ ...key('del', 1), v: N(1) });
    expect(await get('del', 1)).toBeUndefined();
    expect((await c.send(new DeleteItemCommand({ TableName: 'items', Key: key('del', 1), ReturnValues: 'ALL_OLD' }))).Attributes).toBeUndefined();
    // A re-put after a delete has none of the old attributes.
    await c.send(new PutItemCommand({ TableName: 'items', Item: { ...key('del', 1) } }));
    expect(await get('del', 1)).toEqual(key('del', 1));
  });

  it('legacy parameters: Expected, AttributeUpdates, AttributesToGet', async () => {
    await c.send(new PutItemCommand({ TableName: 'items', Item: { ...key('legacy', 1), v: N(1), l: { L: [S('a')] } }, Expected: { v: { Exists: false } } }));
    expect((await failure(c.send(new PutItemCommand({ TableName: 'items', Item: { ...key('legacy', 1) }, Expected: { v: { Exists: false } } })))).name)
      .toBe('ConditionalCheckFailedException');
    await c.send(new UpdateItemCommand({
      TableName: 'items', Key: key('legacy', 1),
      AttributeUpdates: { v: { Action: 'ADD', Value: N(2) }, l: { Action: 'ADD', Value: { L: [S('b')] } }, w: { Action: 'PUT', Value: S('w') } },
      Expected: { v: { ComparisonOperator: 'EQ', AttributeValueList: [N(1)] } },
    }));
    expect(await get('legacy', 1)).toEqual({ ...key('legacy', 1), v: N(3), l: { L: [S('a'), S('b')] }, w: S('w') });
    await c.send(new UpdateItemCommand({ TableName: 'items', Key: key('legacy', 1), AttributeUpdates: { w: { Action: 'DELETE' } } }));
    expect((await get('legacy', 1))?.w).toBeUndefined();
    const f = await failure(c.send(new UpdateItemCommand({ TableName: 'items', Key: key('legacy', 1), AttributeUpdates: { w: { Action: 'PUT', Value: S('x') } }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': S('a') } })));
    expect(f.message).toMatch(/^Can not use both expression and non-expression parameters in the same request/);
  });

  it('binary hash keys, hash-only tables, keys with every byte', async () => {
    const id = new Uint8Array([0, 0, 255, 1, 0]);
    await c.send(new PutItemCommand({ TableName: 'hashonly', Item: { id: { B: id }, v: S('bin') } }));
    const r = await c.send(new GetItemCommand({ TableName: 'hashonly', Key: { id: { B: id } } }));
    expect(r.Item).toEqual({ id: { B: id }, v: S('bin') });
    expect((await c.send(new GetItemCommand({ TableName: 'hashonly', Key: { id: { B: new Uint8Array([0, 0, 255, 1]) } } }))).Item).toBeUndefined();
  });

  it('numeric range keys compare numerically: 1.0 and 1 are the same key', async () => {
    await c.send(new PutItemCommand({ TableName: 'items', Item: { pk: S('num'), sk: N('1.0'), v: S('first') } }));
    await c.send(new PutItemCommand({ TableName: 'items', Item: { pk: S('num'), sk: N('1'), v: S('second') } }));
    expect(await get('num', '1.00')).toEqual({ pk: S('num'), sk: N('1'), v: S('second') });
  });
});
