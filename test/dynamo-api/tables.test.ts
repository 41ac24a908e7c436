// Issue #4, control plane: CreateTable, DescribeTable, ListTables (paginated), UpdateTable
// (GSI added with backfill, deleted, throughput), DeleteTable, TTL settings, tags,
// DescribeEndpoints, through the AWS SDK (its waiter included).
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeEndpointsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  QueryCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle } from '../../dynamo-api/control.js';
import { failure, startDynamo, type TestDynamo } from './helpers.js';

describe('control plane', () => {
  let d: TestDynamo;
  let c: DynamoDBClient;
  beforeAll(async () => {
    d = await startDynamo({ shards: 3 });
    c = d.client;
  });
  afterAll(async () => d.close());

  const simple = (name: string) => new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });

  it('CreateTable answers ACTIVE with the full description; DescribeTable agrees; the SDK waiter passes', async () => {
    const r = await c.send(new CreateTableCommand({
      TableName: 'orders',
      AttributeDefinitions: [
        { AttributeName: 'customer', AttributeType: 'S' }, { AttributeName: 'order', AttributeType: 'N' },
        { AttributeName: 'status', AttributeType: 'S' }, { AttributeName: 'total', AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'order', KeyType: 'RANGE' }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 7 },
      GlobalSecondaryIndexes: [{
        IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] }, ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
      }],
      LocalSecondaryIndexes: [{
        IndexName: 'byTotal', KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'total', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' },
      }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      Tags: [{ Key: 'team', Value: 'core' }],
    }));
    const t = r.TableDescription!;
    expect(t).toMatchObject({
      TableName: 'orders', TableStatus: 'ACTIVE',
      KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'order', KeyType: 'RANGE' }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 7 },
      TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders',
      ItemCount: 0,
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      GlobalSecondaryIndexes: [{ IndexName: 'byStatus', IndexStatus: 'ACTIVE', Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] } }],
      LocalSecondaryIndexes: [{ IndexName: 'byTotal', Projection: { ProjectionType: 'KEYS_ONLY' } }],
    });
    expect(t.CreationDateTime).toBeInstanceOf(Date);
    expect(t.TableId).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.LatestStreamArn).toMatch(/^arn:aws:dynamodb:us-east-1:000000000000:table\/orders\/stream\//);
    const desc = await c.send(new DescribeTableCommand({ TableName: 'orders' }));
    expect(desc.Table).toEqual(t);
    const w = await waitUntilTableExists({ client: c, maxWaitTime: 30 }, { TableName: 'orders' });
    expect(w.state).toBe('SUCCESS');
  });

  it('CreateTable refuses a second table of the same name and bad definitions, with DynamoDB messages', async () => {
    await c.send(simple('dup'));
    let f = await failure(c.send(simple('dup')));
    expect(f.name).toBe('ResourceInUseException');
    expect(f.message).toBe('Table already exists: dup');
    f = await failure(c.send(new CreateTableCommand({ TableName: 'bad1', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'RANGE' }], BillingMode: 'PAY_PER_REQUEST' })));
    expect(f.message).toBe('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
    f = await failure(c.send(new CreateTableCommand({ TableName: 'bad2', AttributeDefinitions: [{ AttributeName: 'x', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' })));
    expect(f.message).toBe('One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [x]');
    f = await failure(c.send(new CreateTableCommand({ TableName: 'bad3', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'y', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' })));
    expect(f.message).toBe('One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions');
    f = await failure(c.send(new CreateTableCommand({ TableName: 'bad4', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] })));
    expect(f.message).toBe('One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED');
    f = await failure(c.send(new CreateTableCommand({ TableName: 'x', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'Q' as 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' })));
    expect(f.message).toBe("2 validation errors detected: Value 'x' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value 'Q' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [S, N, B]");
    f = await failure(c.send(new CreateTableCommand({
      TableName: 'bad5', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'r', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
      LocalSecondaryIndexes: [{ IndexName: 'lsi', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }, { AttributeName: 'r', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
    })));
    expect(f.message).toBe('One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex');
  });

  it('ListTables pages with Limit and ExclusiveStartTableName', async () => {
    for (const n of ['list-a', 'list-b', 'list-c', 'list-d']) await c.send(simple(n));
    const names: string[] = [];
    let start: string | undefined;
    let pages = 0;
    do {
      const r = await c.send(new ListTablesCommand({ Limit: 2, ExclusiveStartTableName: start }));
      names.push(...r.TableNames!);
      start = r.LastEvaluatedTableName;
      pages++;
    } while (start !== undefined);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c', 'list-d', 'orders', 'dup']));
    expect(names.some((n) => n.includes(':'))).toBe(false); // index tables stay hidden
    expect(pages).toBe(Math.ceil(names.length / 2));
    const f = await failure(c.send(new ListTablesCommand({ Limit: 101 })));
    expect(f.message).toBe("1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100");
  });

  it('UpdateTable adds a GSI over existing items (backfill), then deletes it', async () => {
    await c.send(new CreateTableCommand({
      TableName: 'people', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    await Promise.all(Array.from({ length: 300 }, (_, i) => c.send(new PutItemCommand({ TableName: 'people', Item: { id: { N: String(i) }, city: { S: `c${i % 4}` }, age: { N: String(i % 90) } } }))));
    const r = await c.send(new UpdateTableCommand({
      TableName: 'people',
      AttributeDefinitions: [{ AttributeName: 'city', AttributeType: 'S' }, { AttributeName: 'age', AttributeType: 'N' }],
      GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'byCity', KeySchema: [{ AttributeName: 'city', KeyType: 'HASH' }, { AttributeName: 'age', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } } }],
    }));
    expect(r.TableDescription?.GlobalSecondaryIndexes?.[0].IndexName).toBe('byCity');
    // Writes during the backfill are indexed too.
    await c.send(new PutItemCommand({ TableName: 'people', Item: { id: { N: '1000' }, city: { S: 'c1' }, age: { N: '5' } } }));
    await settle(d.server.context);
    const desc = await c.send(new DescribeTableCommand({ TableName: 'people' }));
    expect(desc.Table?.GlobalSecondaryIndexes?.[0].IndexStatus).toBe('ACTIVE');
    expect(desc.Table?.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual(['age', 'city', 'id']);
    const q = await c.send(new QueryCommand({ TableName: 'people', IndexName: 'byCity', KeyConditionExpression: 'city = :c AND age < :a', ExpressionAttributeValues: { ':c': { S: 'c1' }, ':a': { N: '10' } } }));
    const expected = [...Array(300).keys()].filter((i) => i % 4 === 1 && i % 90 < 10).concat([1000]);
    expect(q.Items?.map((i) => Number(i.id.N)).sort((a, b) => a - b)).toEqual(expected);
    const del = await c.send(new UpdateTableCommand({ TableName: 'people', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'byCity' } }] }));
    expect(del.TableDescription?.GlobalSecondaryIndexes).toBeUndefined();
    expect(del.TableDescription?.AttributeDefinitions?.map((a) => a.AttributeName)).toEqual(['id']);
    const f = await failure(c.send(new QueryCommand({ TableName: 'people', IndexName: 'byCity', KeyConditionExpression: 'city = :c', ExpressionAttributeValues: { ':c': { S: 'c1' } } })));
    expect(f.message).toBe('The table does not have the specified index: byCity');
    const g = await failure(c.send(new UpdateTableCommand({ TableName: 'people' })));
    expect(g.name).toBe('ValidationException');
    const h = await failure(c.send(new UpdateTableCommand({ TableName: 'nope', BillingMode: 'PAY_PER_REQUEST' })));
    expect(h.name).toBe('ResourceNotFoundException');
  });

  it('UpdateTable changes billing and throughput', async () => {
    await c.send(simple('billing'));
    const r = await c.send(new UpdateTableCommand({ TableName: 'billing', BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 } }));
    expect(r.TableDescription?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3, WriteCapacityUnits: 4 });
    expect(r.TableDescription?.BillingModeSummary?.BillingMode).toBe('PROVISIONED');
  });

  it('DeleteTable answers DELETING, then the table is gone; missing tables are ResourceNotFound', async () => {
    await c.send(simple('doomed'));
    await c.send(new PutItemCommand({ TableName: 'doomed', Item: { id: { S: 'a' } } }));
    const r = await c.send(new DeleteTableCommand({ TableName: 'doomed' }));
    expect(r.TableDescription?.TableStatus).toBe('DELETING');
    let f = await failure(c.send(new DescribeTableCommand({ TableName: 'doomed' })));
    expect(f.name).toBe('ResourceNotFoundException');
    expect(f.message).toBe('Requested resource not found: Table: doomed not found');
    f = await failure(c.send(new DeleteTableCommand({ TableName: 'doomed' })));
    expect(f.name).toBe('ResourceNotFoundException');
    // A re-created table starts empty.
    await c.send(simple('doomed'));
    const q = await c.send(new QueryCommand({ TableName: 'doomed', KeyConditionExpression: 'id = :a', ExpressionAttributeValues: { ':a': { S: 'a' } } }));
    expect(q.Count).toBe(0);
    // Deletion protection.
    await c.send(new UpdateTableCommand({ TableName: 'doomed', DeletionProtectionEnabled: true }));
    f = await failure(c.send(new DeleteTableCommand({ TableName: 'doomed' })));
    expect(f.message).toMatch(/protected against deletion/);
  });

  it('UpdateTimeToLive / DescribeTimeToLive', async () => {
    await c.send(simple('ttl'));
    expect((await c.send(new DescribeTimeToLiveCommand({ TableName: 'ttl' }))).TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
    const r = await c.send(new UpdateTimeToLiveCommand({ TableName: 'ttl', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } }));
    expect(r.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: 'expires' });
    expect((await c.send(new DescribeTimeToLiveCommand({ TableName: 'ttl' }))).TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' });
    const f = await failure(c.send(new UpdateTimeToLiveCommand({ TableName: 'ttl', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } })));
    expect(f.message).toBe('TimeToLive is already enabled');
    await c.send(new UpdateTimeToLiveCommand({ TableName: 'ttl', TimeToLiveSpecification: { Enabled: false, AttributeName: 'expires' } }));
    expect((await failure(c.send(new DescribeTimeToLiveCommand({ TableName: 'nope' })))).name).toBe('ResourceNotFoundException');
  });

  it('TagResource / UntagResource / ListTagsOfResource', async () => {
    await c.send(simple('tagged'));
    const arn = (await c.send(new DescribeTableCommand({ TableName: 'tagged' }))).Table!.TableArn!;
    await c.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await c.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'a', Value: '3' }] }));
    expect((await c.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: 'b', Value: '2' }, { Key: 'a', Value: '3' }]);
    await c.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['b'] }));
    expect((await c.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: 'a', Value: '3' }]);
    let f = await failure(c.send(new ListTagsOfResourceCommand({ ResourceArn: 'not-an-arn' })));
    expect(f.name).toBe('ValidationException');
    f = await failure(c.send(new ListTagsOfResourceCommand({ ResourceArn: arn.replace('tagged', 'missing') })));
    expect(f.name).toBe('ResourceNotFoundException');
  });

  it('DescribeEndpoints names this server', async () => {
    const r = await c.send(new DescribeEndpointsCommand({}));
    expect(r.Endpoints).toEqual([{ Address: `127.0.0.1:${d.port}`, CachePeriodInMinutes: 1440 }]);
  });
});
