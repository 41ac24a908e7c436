// Issue #4, DescribeTable "with the fields SDKs and tools read: ... ItemCount": an estimate
// maintained by each shard's background task (dynamo-api/stats.ts), like DynamoDB's six-hourly
// figure but fresher. In process (one background pass on demand) and against a real node
// (polled with a bound: the background runs on its own schedule).
import { BatchWriteItemCommand, CreateTableCommand, DeleteItemCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATS_SWEEP_GAP_MS_MIN } from '../../dynamo-api/stats.js';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';
import { ensureBuilt, makeClient, startDynamo, type TestDynamo } from './helpers.js';

async function createTasks(c: DynamoDBClient): Promise<void> {
  await c.send(new CreateTableCommand({
    TableName: 'tasks',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'owner', AttributeType: 'S' }, { AttributeName: 'n', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'id', KeyType: 'RANGE' }], BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: [{ IndexName: 'byOwner', KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
    LocalSecondaryIndexes: [{ IndexName: 'byN', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'n', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
  }));
}

/** n items of 'tasks' in 4 partitions: every third has an owner (the GSI is sparse), all have n. */
async function putTasks(c: DynamoDBClient, n: number): Promise<void> {
  for (let i = 0; i < n; i += 25) {
    const batch = Array.from({ length: Math.min(25, n - i) }, (_, k) => {
      const j = i + k;
      const item: Record<string, { S: string } | { N: string }> = { pk: { S: `p${j % 4}` }, id: { S: `t${j}` }, n: { N: String(j) }, body: { S: 'x'.repeat(100) } };
      if (j % 3 === 0) item.owner = { S: `o${j % 5}` };
      return { PutRequest: { Item: item } };
    });
    await c.send(new BatchWriteItemCommand({ RequestItems: { tasks: batch } }));
  }
}

function counts(d: Awaited<ReturnType<DynamoDBClient['send']>> & { Table?: Record<string, unknown> }): Record<string, number> {
  const t = d.Table as { ItemCount: number; TableSizeBytes: number; GlobalSecondaryIndexes: { ItemCount: number; IndexSizeBytes: number }[]; LocalSecondaryIndexes: { ItemCount: number; IndexSizeBytes: number }[] };
  return {
    items: t.ItemCount, bytes: t.TableSizeBytes,
    gsiItems: t.GlobalSecondaryIndexes[0].ItemCount, gsiBytes: t.GlobalSecondaryIndexes[0].IndexSizeBytes,
    lsiItems: t.LocalSecondaryIndexes[0].ItemCount, lsiBytes: t.LocalSecondaryIndexes[0].IndexSizeBytes,
  };
}

describe('DescribeTable ItemCount and sizes (in process)', () => {
  let t: TestDynamo;
  let nowMs = Date.now();
  beforeEach(async () => {
    nowMs = Date.now();
    t = await startDynamo({ shards: 3, background: true, clock: { nowMs: () => nowMs } });
  });
  afterEach(async () => t.close());

  it('0 before the first count, then the items, their bytes and the index entries', async () => {
    await createTasks(t.client);
    await putTasks(t.client, 90);
    expect(counts(await t.client.send(new DescribeTableCommand({ TableName: 'tasks' })))).toEqual({ items: 0, bytes: 0, gsiItems: 0, gsiBytes: 0, lsiItems: 0, lsiBytes: 0 });
    await t.server.background!.runOnce();
    const c = counts(await t.client.send(new DescribeTableCommand({ TableName: 'tasks' })));
    // Item size: attribute name bytes + value bytes; numbers as DynamoDB sizes them.
    expect(c.items).toBe(90);
    expect(c.gsiItems).toBe(30);
    expect(c.lsiItems).toBe(90);
    expect(c.bytes).toBeGreaterThan(90 * 100);
    expect(c.lsiBytes).toBe(c.bytes);
    // KEYS_ONLY: pk, id and owner only.
    expect(c.gsiBytes).toBeLessThan(30 * 25);
    expect(c.gsiBytes).toBeGreaterThan(30 * 5);
  });

  it('follows deletions on the next count', async () => {
    await createTasks(t.client);
    await putTasks(t.client, 30);
    await t.server.background!.runOnce();
    for (let i = 0; i < 10; i++) await t.client.send(new DeleteItemCommand({ TableName: 'tasks', Key: { pk: { S: `p${i % 4}` }, id: { S: `t${i}` } } }));
    // The next sweep of a table starts no sooner than STATS_SWEEP_GAP_MS_MIN after the last.
    await t.server.background!.runOnce();
    expect(counts(await t.client.send(new DescribeTableCommand({ TableName: 'tasks' }))).items).toBe(30);
    nowMs += STATS_SWEEP_GAP_MS_MIN;
    await t.server.background!.runOnce();
    const c = counts(await t.client.send(new DescribeTableCommand({ TableName: 'tasks' })));
    expect(c.items).toBe(20);
    expect(c.gsiItems).toBe(6); // t12, t15, ..., t27
  });
});

describe('DescribeTable ItemCount on a real node', () => {
  let node: TesseraProcess | undefined;
  afterAll(async () => { await node?.kill9(); });

  it('eventually reports the items put', async () => {
    ensureBuilt();
    node = await TesseraProcess.start({ dataDir: tempDir(), shards: 2 });
    const c = makeClient(node.dynamoEndpoint);
    await createTasks(c);
    await putTasks(c, 200);
    let last: Record<string, number> = {};
    for (let i = 0; i < 120; i++) {
      last = counts(await c.send(new DescribeTableCommand({ TableName: 'tasks' })));
      if (last.items === 200 && last.gsiItems === 67) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    c.destroy();
    expect(last).toMatchObject({ items: 200, gsiItems: 67, lsiItems: 200 });
    expect(last.bytes).toBeGreaterThan(200 * 100);
  }, 120_000);
});
