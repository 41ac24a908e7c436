// Issue #4 TTL: an item whose TTL attribute is in the past vanishes from every read at once
// (GetItem, Query, Scan, indexes, conditions, transactions) and the background pass deletes
// it, index entries included. Time is an injected clock: no sleeping, no timing assertions.
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKey, tableView } from '../../dynamo-api/meta.js';
import { startDynamo, type TestDynamo } from './helpers.js';

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: string | number): AttributeValue => ({ N: String(n) });

describe('TTL', () => {
  let d: TestDynamo;
  let c: DynamoDBClient;
  let nowMs = Date.UTC(2030, 0, 1);
  const clock = { nowMs: () => nowMs };
  const nowSec = () => Math.floor(nowMs / 1000);

  beforeAll(async () => {
    d = await startDynamo({ shards: 3, clock, background: true });
    c = d.client;
    await c.send(new CreateTableCommand({
      TableName: 'sessions',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'user', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [{ IndexName: 'byUser', KeySchema: [{ AttributeName: 'user', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
    }));
    await c.send(new UpdateTimeToLiveCommand({ TableName: 'sessions', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } }));
  });
  afterAll(async () => d.close());

  const get = async (id: string) => (await c.send(new GetItemCommand({ TableName: 'sessions', Key: { id: S(id) } }))).Item;
  const byUser = async (user: string) => (await c.send(new QueryCommand({ TableName: 'sessions', IndexName: 'byUser', KeyConditionExpression: '#u = :u', ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': S(user) } }))).Items ?? [];

  it('expired items vanish from reads at once and are deleted in the background', async () => {
    for (let i = 0; i < 10; i++) {
      await c.send(new PutItemCommand({ TableName: 'sessions', Item: { id: S(`s${i}`), user: S('ann'), expires: N(nowSec() + (i < 5 ? 60 : 3600)) } }));
    }
    await c.send(new PutItemCommand({ TableName: 'sessions', Item: { id: S('forever'), user: S('ann') } }));
    await c.send(new PutItemCommand({ TableName: 'sessions', Item: { id: S('text-ttl'), user: S('ann'), expires: S('yesterday') } }));
    expect(await get('s0')).toBeDefined();
    expect(await byUser('ann')).toHaveLength(12);

    nowMs += 120_000; // s0..s4 are now past their TTL
    expect(await get('s0')).toBeUndefined();
    expect(await get('s5')).toBeDefined();
    const scan = await c.send(new ScanCommand({ TableName: 'sessions' }));
    expect(scan.Items?.map((i) => i.id.S).sort()).toEqual(['forever', 's5', 's6', 's7', 's8', 's9', 'text-ttl']);
    expect(await byUser('ann')).toHaveLength(7);
    const tx = await c.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 'sessions', Key: { id: S('s1') } } }] }));
    expect(tx.Responses).toEqual([{}]);
    // A conditional put sees the expired item as absent.
    await c.send(new PutItemCommand({ TableName: 'sessions', Item: { id: S('s1'), user: S('bob') }, ConditionExpression: 'attribute_not_exists(id)' }));
    expect(await get('s1')).toEqual({ id: S('s1'), user: S('bob') });
    // Updating an expired item starts from nothing.
    const u = await c.send(new UpdateItemCommand({ TableName: 'sessions', Key: { id: S('s2') }, UpdateExpression: 'SET fresh = :t', ExpressionAttributeValues: { ':t': { BOOL: true } }, ReturnValues: 'ALL_NEW' }));
    expect(u.Attributes).toEqual({ id: S('s2'), fresh: { BOOL: true } });

    await d.server.background!.runOnce();
    const engine = d.node.engine;
    const view = tableView(engine.catalog.require('sessions'))!;
    for (const id of ['s0', 's3', 's4']) {
      const { pkey, ckey } = encodeKey(view, { id: S(id) }, engine.catalog);
      expect(await engine.get(view.schema.id, pkey, ckey)).toBeUndefined();
    }
    expect(await get('s5')).toBeDefined();
    expect(await get('s1')).toBeDefined();
    expect((await byUser('bob')).map((i) => i.id.S)).toEqual(['s1']);
    // The index entries of deleted items are gone, not just hidden.
    const indexTable = engine.catalog.require('sessions:byUser');
    let indexRows = 0;
    for await (const _row of engine.scan({ table: indexTable.id })) indexRows++;
    expect(indexRows).toBe(8); // s5..s9, forever, text-ttl (ann) and s1 (bob)
  });

  it('renewing the TTL keeps the item', async () => {
    await c.send(new PutItemCommand({ TableName: 'sessions', Item: { id: S('renew'), expires: N(nowSec() + 10) } }));
    await c.send(new UpdateItemCommand({ TableName: 'sessions', Key: { id: S('renew') }, UpdateExpression: 'SET expires = :e', ExpressionAttributeValues: { ':e': N(nowSec() + 1000) } }));
    nowMs += 60_000;
    await d.server.background!.runOnce();
    expect(await get('renew')).toBeDefined();
  });
});
