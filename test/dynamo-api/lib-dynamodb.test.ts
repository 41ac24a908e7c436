// Issue #4: @aws-sdk/lib-dynamodb's DocumentClient works unchanged against the server (on an
// in-process node, 1 and 3 shards): native JavaScript values in and out of put/get/update/
// query/scan/delete, a conditional write failing with ConditionalCheckFailedException, and
// transactions (committed and cancelled).
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  NumberValue,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, makeClient, startDynamo, type TestDynamo } from './helpers.js';

describe.each([1, 3])('DocumentClient on %i shard(s)', (shards) => {
  let d: TestDynamo;
  let doc: DynamoDBDocumentClient;
  beforeAll(async () => {
    d = await startDynamo({ shards });
    doc = DynamoDBDocumentClient.from(d.client, { marshallOptions: { removeUndefinedValues: true } });
    await d.client.send(new CreateTableCommand({
      TableName: 'orders',
      AttributeDefinitions: [{ AttributeName: 'customer', AttributeType: 'S' }, { AttributeName: 'seq', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'seq', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    await d.client.send(new CreateTableCommand({
      TableName: 'accounts',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
  });
  afterAll(async () => d.close());

  it('put and get round-trip native values: strings, numbers, booleans, null, maps, lists, sets, binary', async () => {
    const item = {
      customer: 'ada',
      seq: 1,
      title: 'héllo 🌍',
      amount: 12.5,
      delta: -3,
      paid: true,
      shipped: false,
      note: null,
      address: { city: 'London', lines: ['1 Main St', 'Flat 2'], geo: { lat: 51.5, lon: -0.12 } },
      parts: [{ sku: 'a', qty: 2 }, 'gift', 7, [true, null]],
      tags: new Set(['new', 'vip']),
      scores: new Set([1, 2.5]),
      blob: new Uint8Array([0, 1, 255]),
      empty: '',
      skipped: undefined,
    };
    await doc.send(new PutCommand({ TableName: 'orders', Item: item }));
    const got = (await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'ada', seq: 1 }, ConsistentRead: true }))).Item;
    const { skipped: _skipped, ...stored } = item;
    expect(got).toEqual(stored);
    expect(got?.tags).toBeInstanceOf(Set);
    expect(got?.blob).toBeInstanceOf(Uint8Array);

    const projected = await doc.send(new GetCommand({
      TableName: 'orders', Key: { customer: 'ada', seq: 1 },
      ProjectionExpression: '#a.city, parts[0].qty', ExpressionAttributeNames: { '#a': 'address' },
    }));
    expect(projected.Item).toEqual({ address: { city: 'London' }, parts: [{ qty: 2 }] });

    const missing = await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'ada', seq: 99 } }));
    expect(missing.Item).toBeUndefined();
  });

  it('keeps 38-digit numbers exact through NumberValue', async () => {
    const big = '12345678901234567890123456789012345678';
    await doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'big', seq: 1, n: NumberValue.from(big) } }));
    // A DocumentClient shares its translation options with the client it wraps: use another.
    const base = makeClient(d.endpoint);
    const wrapping = DynamoDBDocumentClient.from(base, { unmarshallOptions: { wrapNumbers: true } });
    const got = (await wrapping.send(new GetCommand({ TableName: 'orders', Key: { customer: 'big', seq: 1 } }))).Item;
    base.destroy();
    expect(String(got?.n)).toBe(big);
    // Without wrapNumbers an integer beyond 2^53 comes back as a BigInt, and goes in as one.
    const plain = (await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'big', seq: 1 } }))).Item;
    expect(plain?.n).toBe(BigInt(big));
    await doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'big', seq: 2, n: -BigInt(big) } }));
    expect((await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'big', seq: 2 } }))).Item?.n).toBe(-BigInt(big));
  });

  it('update with SET, ADD, REMOVE, list_append and if_not_exists returns native values', async () => {
    await doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'bob', seq: 1, amount: 10, tags: new Set(['a']), steps: ['x'], tmp: 'gone' } }));
    const r = await doc.send(new UpdateCommand({
      TableName: 'orders', Key: { customer: 'bob', seq: 1 },
      UpdateExpression: 'SET amount = amount + :inc, steps = list_append(steps, :more), created = if_not_exists(created, :now), meta = :meta ADD tags :tags, visits :one REMOVE tmp',
      ExpressionAttributeValues: { ':inc': 2.5, ':more': ['y', 'z'], ':now': 1700000000, ':meta': { by: 'test', flags: [true] }, ':tags': new Set(['b']), ':one': 1 },
      ReturnValues: 'ALL_NEW',
    }));
    expect(r.Attributes).toEqual({
      customer: 'bob', seq: 1, amount: 12.5, steps: ['x', 'y', 'z'], created: 1700000000,
      meta: { by: 'test', flags: [true] }, tags: new Set(['a', 'b']), visits: 1,
    });
    const old = await doc.send(new UpdateCommand({
      TableName: 'orders', Key: { customer: 'bob', seq: 1 },
      UpdateExpression: 'SET #m.#by = :who', ExpressionAttributeNames: { '#m': 'meta', '#by': 'by' }, ExpressionAttributeValues: { ':who': 'someone' },
      ReturnValues: 'UPDATED_OLD',
    }));
    expect(old.Attributes).toEqual({ meta: { by: 'test' } });
  });

  it('query and scan: key conditions, order, filters, pagination', async () => {
    for (let seq = 1; seq <= 12; seq++) {
      await doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'carol', seq, status: seq % 3 === 0 ? 'open' : 'closed', amount: seq * 10 } }));
    }
    const q = await doc.send(new QueryCommand({
      TableName: 'orders', KeyConditionExpression: 'customer = :c AND seq BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':c': 'carol', ':lo': 3, ':hi': 6 }, ScanIndexForward: false,
    }));
    expect(q.Items?.map((i) => i.seq)).toEqual([6, 5, 4, 3]);
    expect(q.Items?.[0]).toEqual({ customer: 'carol', seq: 6, status: 'open', amount: 60 });

    const filtered = await doc.send(new QueryCommand({
      TableName: 'orders', KeyConditionExpression: 'customer = :c', FilterExpression: '#s = :open',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':c': 'carol', ':open': 'open' },
    }));
    expect(filtered.Items?.map((i) => i.seq)).toEqual([3, 6, 9, 12]);
    expect(filtered.ScannedCount).toBe(12);

    const pages: number[][] = [];
    for await (const page of paginateQuery({ client: doc, pageSize: 5 }, {
      TableName: 'orders', KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': 'carol' },
    })) {
      pages.push((page.Items ?? []).map((i) => i.seq as number));
    }
    expect(pages.filter((p) => p.length > 0)).toEqual([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12]]);

    const s = await doc.send(new ScanCommand({
      TableName: 'orders', FilterExpression: 'customer = :c AND amount >= :min', ExpressionAttributeValues: { ':c': 'carol', ':min': 100 },
    }));
    expect(s.Items?.map((i) => i.amount).sort((a, b) => a - b)).toEqual([100, 110, 120]);
  });

  it('delete returns the old item as native values', async () => {
    await doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'dan', seq: 1, tags: new Set([1, 2]) } }));
    const r = await doc.send(new DeleteCommand({ TableName: 'orders', Key: { customer: 'dan', seq: 1 }, ReturnValues: 'ALL_OLD' }));
    expect(r.Attributes).toEqual({ customer: 'dan', seq: 1, tags: new Set([1, 2]) });
    expect((await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'dan', seq: 1 } }))).Item).toBeUndefined();
  });

  it('a conditional write that fails is ConditionalCheckFailedException and changes nothing', async () => {
    await doc.send(new PutCommand({ TableName: 'accounts', Item: { id: 'eve', balance: 5 }, ConditionExpression: 'attribute_not_exists(id)' }));
    let f = await failure(doc.send(new PutCommand({ TableName: 'accounts', Item: { id: 'eve', balance: 0 }, ConditionExpression: 'attribute_not_exists(id)' })));
    expect(f.name).toBe('ConditionalCheckFailedException');
    expect(f.message).toBe('The conditional request failed');
    f = await failure(doc.send(new UpdateCommand({
      TableName: 'accounts', Key: { id: 'eve' }, UpdateExpression: 'SET balance = balance - :x',
      ConditionExpression: 'balance >= :x', ExpressionAttributeValues: { ':x': 10 },
    })));
    expect(f.name).toBe('ConditionalCheckFailedException');
    expect((await doc.send(new GetCommand({ TableName: 'accounts', Key: { id: 'eve' } }))).Item).toEqual({ id: 'eve', balance: 5 });
  });

  it('TransactWrite commits all of Put, Update, Delete and ConditionCheck; TransactGet reads them', async () => {
    await doc.send(new PutCommand({ TableName: 'accounts', Item: { id: 'alice', balance: 100 } }));
    await doc.send(new PutCommand({ TableName: 'accounts', Item: { id: 'bob', balance: 0 } }));
    await doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'alice', seq: 1, status: 'pending' } }));
    await doc.send(new TransactWriteCommand({
      TransactItems: [
        { Update: { TableName: 'accounts', Key: { id: 'alice' }, UpdateExpression: 'SET balance = balance - :x', ConditionExpression: 'balance >= :x', ExpressionAttributeValues: { ':x': 30 } } },
        { Update: { TableName: 'accounts', Key: { id: 'bob' }, UpdateExpression: 'SET balance = balance + :x', ExpressionAttributeValues: { ':x': 30 } } },
        { Put: { TableName: 'orders', Item: { customer: 'alice', seq: 2, status: 'paid', lines: [{ sku: 'k', qty: 1 }] } } },
        { Delete: { TableName: 'orders', Key: { customer: 'alice', seq: 1 } } },
        { ConditionCheck: { TableName: 'accounts', Key: { id: 'eve' }, ConditionExpression: 'attribute_exists(id)' } },
      ],
    }));
    const r = await doc.send(new TransactGetCommand({
      TransactItems: [
        { Get: { TableName: 'accounts', Key: { id: 'alice' } } },
        { Get: { TableName: 'accounts', Key: { id: 'bob' } } },
        { Get: { TableName: 'orders', Key: { customer: 'alice', seq: 2 } } },
        { Get: { TableName: 'orders', Key: { customer: 'alice', seq: 1 } } },
      ],
    }));
    expect(r.Responses?.map((x) => x.Item)).toEqual([
      { id: 'alice', balance: 70 },
      { id: 'bob', balance: 30 },
      { customer: 'alice', seq: 2, status: 'paid', lines: [{ sku: 'k', qty: 1 }] },
      undefined,
    ]);
  });

  it('a TransactWrite with a failing condition is cancelled as a whole, with reasons', async () => {
    const f = await failure(doc.send(new TransactWriteCommand({
      TransactItems: [
        { Update: { TableName: 'accounts', Key: { id: 'alice' }, UpdateExpression: 'SET balance = balance - :x', ConditionExpression: 'balance >= :x', ExpressionAttributeValues: { ':x': 1000 } } },
        { Update: { TableName: 'accounts', Key: { id: 'bob' }, UpdateExpression: 'SET balance = balance + :x', ExpressionAttributeValues: { ':x': 1000 } } },
      ],
    })));
    expect(f.name).toBe('TransactionCanceledException');
    expect((f.error.CancellationReasons as { Code: string }[]).map((x) => x.Code)).toEqual(['ConditionalCheckFailed', 'None']);
    const bob = await doc.send(new GetCommand({ TableName: 'accounts', Key: { id: 'bob' } }));
    expect(bob.Item).toEqual({ id: 'bob', balance: 30 });
  });
});
