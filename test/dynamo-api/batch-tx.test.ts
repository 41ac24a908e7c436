// Issue #4: BatchGetItem / BatchWriteItem (limits, UnprocessedKeys/Items) and
// TransactWriteItems / TransactGetItems (all-or-nothing across shards, cancellation reasons,
// ClientRequestToken idempotency, conflicts with running transactions), and the atomicity
// of read-modify-write: 50 concurrent `ADD counter :one` end at 50.
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROC } from '../../dynamo-api/procs.js';
import { encodeKey, tableView } from '../../dynamo-api/meta.js';
import { failure, startDynamo, type TestDynamo } from './helpers.js';

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: string | number): AttributeValue => ({ N: String(n) });

describe.each([1, 3])('batches and transactions on %i shard(s)', (shards) => {
  let d: TestDynamo;
  let c: DynamoDBClient;
  beforeAll(async () => {
    d = await startDynamo({ shards });
    c = d.client;
    for (const name of ['accounts', 'audit']) {
      await c.send(new CreateTableCommand({
        TableName: name, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'owner', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [{ IndexName: 'byOwner', KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
      }));
    }
  });
  afterAll(async () => d.close());

  const get = async (table: string, id: string) => (await c.send(new GetItemCommand({ TableName: table, Key: { id: S(id) } }))).Item;

  it('BatchWriteItem puts and deletes across tables; BatchGetItem reads them back with projections', async () => {
    const puts = Array.from({ length: 20 }, (_, i) => ({ PutRequest: { Item: { id: S(`b${i}`), v: N(i), owner: S('o') } } }));
    const r = await c.send(new BatchWriteItemCommand({ RequestItems: { accounts: puts, audit: [{ PutRequest: { Item: { id: S('a1'), v: N(1) } } }] } }));
    expect(r.UnprocessedItems).toEqual({});
    await c.send(new BatchWriteItemCommand({ RequestItems: { accounts: [{ DeleteRequest: { Key: { id: S('b0') } } }, { DeleteRequest: { Key: { id: S('nope') } } }] } }));
    const g = await c.send(new BatchGetItemCommand({
      RequestItems: {
        accounts: { Keys: Array.from({ length: 20 }, (_, i) => ({ id: S(`b${i}`) })), ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'v' } },
        audit: { Keys: [{ id: S('a1') }, { id: S('missing') }], ConsistentRead: true },
      },
    }));
    expect(g.Responses?.accounts.map((i) => Number(i.v.N)).sort((a, b) => a - b)).toEqual([...Array(19).keys()].map((i) => i + 1));
    expect(g.Responses?.audit).toEqual([{ id: S('a1'), v: N(1) }]);
    expect(g.UnprocessedKeys).toEqual({});
  });

  it('batch limits and duplicates are ValidationExceptions', async () => {
    const many = Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { id: S(`x${i}`) } } }));
    let f = await failure(c.send(new BatchWriteItemCommand({ RequestItems: { accounts: many } })));
    expect(f.message).toBe('Too many items requested for the BatchWriteItem call');
    f = await failure(c.send(new BatchGetItemCommand({ RequestItems: { accounts: { Keys: Array.from({ length: 101 }, (_, i) => ({ id: S(`k${i}`) })) } } })));
    expect(f.name).toBe('ValidationException');
    f = await failure(c.send(new BatchGetItemCommand({ RequestItems: { accounts: { Keys: [{ id: S('k') }, { id: S('k') }] } } })));
    expect(f.message).toBe('One or more parameter values were invalid: Provided list of item keys contains duplicates');
    f = await failure(c.send(new BatchWriteItemCommand({ RequestItems: { accounts: [{ PutRequest: { Item: { id: S('k') } } }, { DeleteRequest: { Key: { id: S('k') } } }] } })));
    expect(f.message).toBe('One or more parameter values were invalid: Provided list of item keys contains duplicates');
    f = await failure(c.send(new BatchWriteItemCommand({ RequestItems: { nosuch: [{ PutRequest: { Item: { id: S('k') } } }] } })));
    expect(f.name).toBe('ResourceNotFoundException');
  });

  it('TransactWriteItems applies Put, Update, Delete and ConditionCheck together', async () => {
    await c.send(new PutItemCommand({ TableName: 'accounts', Item: { id: S('alice'), balance: N(100), owner: S('a') } }));
    await c.send(new PutItemCommand({ TableName: 'accounts', Item: { id: S('bob'), balance: N(50), owner: S('b') } }));
    await c.send(new PutItemCommand({ TableName: 'audit', Item: { id: S('old') } }));
    await c.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Update: { TableName: 'accounts', Key: { id: S('alice') }, UpdateExpression: 'SET balance = balance - :x', ConditionExpression: 'balance >= :x', ExpressionAttributeValues: { ':x': N(30) } } },
        { Update: { TableName: 'accounts', Key: { id: S('bob') }, UpdateExpression: 'SET balance = balance + :x', ExpressionAttributeValues: { ':x': N(30) } } },
        { Put: { TableName: 'audit', Item: { id: S('t1'), owner: S('a') }, ConditionExpression: 'attribute_not_exists(id)' } },
        { Delete: { TableName: 'audit', Key: { id: S('old') } } },
        { ConditionCheck: { TableName: 'accounts', Key: { id: S('b0x') }, ConditionExpression: 'attribute_not_exists(id)' } },
      ],
    }));
    expect((await get('accounts', 'alice'))?.balance).toEqual(N(70));
    expect((await get('accounts', 'bob'))?.balance).toEqual(N(80));
    expect(await get('audit', 't1')).toEqual({ id: S('t1'), owner: S('a') });
    expect(await get('audit', 'old')).toBeUndefined();
  });

  it('a failing condition cancels everything, with a reason per item', async () => {
    const f = await failure(c.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Update: { TableName: 'accounts', Key: { id: S('alice') }, UpdateExpression: 'SET balance = balance - :x', ConditionExpression: 'balance >= :x', ExpressionAttributeValues: { ':x': N(1000) }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
        { Update: { TableName: 'accounts', Key: { id: S('bob') }, UpdateExpression: 'SET balance = balance + :x', ExpressionAttributeValues: { ':x': N(1000) } } },
        { Put: { TableName: 'audit', Item: { id: S('t2') } } },
        { Update: { TableName: 'accounts', Key: { id: S('carol') }, UpdateExpression: 'SET s = s + :one', ExpressionAttributeValues: { ':one': N(1) } } },
      ],
    })));
    expect(f.name).toBe('TransactionCanceledException');
    expect(f.message).toBe('Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None, ValidationError]');
    const reasons = f.error.CancellationReasons as { Code: string; Item?: unknown; Message?: string }[];
    expect(reasons.map((r) => r.Code)).toEqual(['ConditionalCheckFailed', 'None', 'None', 'ValidationError']);
    expect(reasons[0].Item).toEqual({ id: S('alice'), balance: N(70), owner: S('a') });
    expect(reasons[3].Message).toBe('The provided expression refers to an attribute that does not exist in the item');
    expect((await get('accounts', 'bob'))?.balance).toEqual(N(80));
    expect(await get('audit', 't2')).toBeUndefined();
    // Locks were released: the items are writable at once.
    await c.send(new UpdateItemCommand({ TableName: 'accounts', Key: { id: S('bob') }, UpdateExpression: 'SET touched = :t', ExpressionAttributeValues: { ':t': { BOOL: true } } }));
  });

  it('static problems are ValidationExceptions, not cancellations', async () => {
    let f = await failure(c.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: 'accounts', Item: { id: S('same') } } },
        { Delete: { TableName: 'accounts', Key: { id: S('same') } } },
      ],
    })));
    expect(f.message).toBe('Transaction request cannot include multiple operations on one item');
    f = await failure(c.send(new TransactWriteItemsCommand({ TransactItems: Array.from({ length: 101 }, (_, i) => ({ Put: { TableName: 'accounts', Item: { id: S(`m${i}`) } } })) })));
    expect(f.message).toMatch(/Member must have length less than or equal to 100/);
    f = await failure(c.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'accounts', Item: { id: S('x') }, ConditionExpression: 'a = :undefined' } }] })));
    expect(f.message).toBe('Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :undefined');
  });

  it('ClientRequestToken: a repeat succeeds without running again; other parameters are a mismatch', async () => {
    const items: TransactWriteItem[] = [{ Update: { TableName: 'accounts', Key: { id: S('tok') }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': N(1) } } }];
    await c.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: 'token-1' }));
    await c.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: 'token-1' }));
    expect((await get('accounts', 'tok'))?.n).toEqual(N(1));
    const f = await failure(c.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'accounts', Item: { id: S('tok2') } } }], ClientRequestToken: 'token-1' })));
    expect(f.name).toBe('IdempotentParameterMismatchException');
    await c.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: 'token-2' }));
    expect((await get('accounts', 'tok'))?.n).toEqual(N(2));
  });

  it('an item locked by a running transaction: writes and transactions conflict', async () => {
    // Take the lock as phase 1 of a transaction would, and never commit it.
    const view = tableView(d.node.engine.catalog.require('accounts'))!;
    const { pkey, ckey } = encodeKey(view, { id: S('locked') }, d.node.engine.catalog);
    const prepared = await d.node.engine.rmw({ table: view.schema.id, pkey, ckey, proc: PROC.txPrepare, args: { txId: 'tx-test', nowSec: 0, op: { kind: 'put', item: { id: S('locked') }, returnValues: 'NONE' } } }) as { ok: boolean };
    expect(prepared.ok).toBe(true);
    const f = await failure(c.send(new PutItemCommand({ TableName: 'accounts', Item: { id: S('locked') } })));
    expect(f.name).toBe('TransactionConflictException');
    const t = await failure(c.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'accounts', Item: { id: S('locked') } } }, { Put: { TableName: 'accounts', Item: { id: S('free') } } }] })));
    expect((t.error.CancellationReasons as { Code: string }[]).map((r) => r.Code)).toEqual(['TransactionConflict', 'None']);
    const g = await failure(c.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 'accounts', Key: { id: S('locked') } } }] })));
    expect(g.name).toBe('TransactionCanceledException');
    const b = await c.send(new BatchWriteItemCommand({ RequestItems: { accounts: [{ PutRequest: { Item: { id: S('locked') } } }, { PutRequest: { Item: { id: S('free2') } } }] } }));
    expect(b.UnprocessedItems).toEqual({ accounts: [{ PutRequest: { Item: { id: S('locked') } } }] });
    await d.node.engine.rmw({ table: view.schema.id, pkey, ckey, proc: PROC.txRelease, args: { txId: 'tx-test' } });
    await c.send(new PutItemCommand({ TableName: 'accounts', Item: { id: S('locked') } }));
  });

  it('TransactGetItems reads several items with projections', async () => {
    const r = await c.send(new TransactGetItemsCommand({
      TransactItems: [
        { Get: { TableName: 'accounts', Key: { id: S('alice') }, ProjectionExpression: 'balance' } },
        { Get: { TableName: 'accounts', Key: { id: S('nobody') } } },
        { Get: { TableName: 'audit', Key: { id: S('t1') } } },
      ],
    }));
    expect(r.Responses).toEqual([{ Item: { balance: N(70) } }, {}, { Item: { id: S('t1'), owner: S('a') } }]);
  });

  it('transfers between accounts in concurrent transactions conserve the total', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `acct${i}`);
    for (const id of ids) await c.send(new PutItemCommand({ TableName: 'accounts', Item: { id: S(id), balance: N(100) } }));
    let committed = 0;
    await Promise.all(Array.from({ length: 40 }, async (_, k) => {
      const from = ids[k % ids.length];
      const to = ids[(k * 5 + 1) % ids.length];
      if (from === to) return;
      try {
        await c.send(new TransactWriteItemsCommand({
          TransactItems: [
            { Update: { TableName: 'accounts', Key: { id: S(from) }, UpdateExpression: 'SET balance = balance - :x', ConditionExpression: 'balance >= :x', ExpressionAttributeValues: { ':x': N(7) } } },
            { Update: { TableName: 'accounts', Key: { id: S(to) }, UpdateExpression: 'SET balance = balance + :x', ExpressionAttributeValues: { ':x': N(7) } } },
          ],
        }));
        committed++;
      } catch (e) {
        expect((e as Error).name).toBe('TransactionCanceledException');
      }
    }));
    let total = 0;
    for (const id of ids) total += Number((await get('accounts', id))?.balance.N);
    expect(total).toBe(600);
    expect(committed).toBeGreaterThan(0);
  });

  it('50 concurrent ADD counter :one end at 50 (atomic per item)', async () => {
    await Promise.all(Array.from({ length: 50 }, () => c.send(new UpdateItemCommand({
      TableName: 'accounts', Key: { id: S('counter') }, UpdateExpression: 'ADD #c :one', ExpressionAttributeNames: { '#c': 'counter' }, ExpressionAttributeValues: { ':one': N(1) },
    }))));
    expect((await get('accounts', 'counter'))?.counter).toEqual(N(50));
  });

  it('concurrent writers of different attributes both win; conditional puts admit exactly one', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.send(new UpdateItemCommand({
      TableName: 'accounts', Key: { id: S('wide') }, UpdateExpression: 'SET #a = :v', ExpressionAttributeNames: { '#a': `attr${i}` }, ExpressionAttributeValues: { ':v': N(i) },
    }))));
    const item = await get('accounts', 'wide');
    expect(Object.keys(item!).length).toBe(21);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => c.send(new PutItemCommand({
      TableName: 'accounts', Item: { id: S('once'), by: N(i) }, ConditionExpression: 'attribute_not_exists(id)',
    }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});
