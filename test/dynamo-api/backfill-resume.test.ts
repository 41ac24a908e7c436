// Issue #4, "UpdateTable (add/delete GSI with backfill)": a backfill cut short by kill -9 is
// resumed by the restarted node, the index becomes ACTIVE and holds exactly the items a filtered
// Scan of the table finds (dynamo-api/control.ts `resumeBackfills`).
import { BatchWriteItemCommand, CreateTableCommand, DescribeTableCommand, ScanCommand, UpdateTableCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';
import { ensureBuilt, makeClient } from './helpers.js';

type Item = Record<string, AttributeValue>;
const canonical = (items: Item[]): string[] => items.map((i) => JSON.stringify(Object.keys(i).sort().map((k) => [k, i[k]]))).sort();

describe('GSI backfill after kill -9', () => {
  let node: TesseraProcess | undefined;
  afterAll(async () => { await node?.kill9(); });

  it('resumes and finishes', async () => {
    ensureBuilt();
    const dataDir = tempDir();
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    let c = makeClient(node.dynamoEndpoint);
    await c.send(new CreateTableCommand({
      TableName: 'people', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    const n = 4000;
    const batches = [];
    for (let i = 0; i < n; i += 25) {
      batches.push(Array.from({ length: 25 }, (_, k) => ({ PutRequest: { Item: { id: { S: `p${i + k}` }, city: { S: `c${(i + k) % 7}` }, pad: { S: 'x'.repeat(200) } } } })));
    }
    for (let i = 0; i < batches.length; i += 8) {
      await Promise.all(batches.slice(i, i + 8).map((b) => c.send(new BatchWriteItemCommand({ RequestItems: { people: b } }))));
    }
    await c.send(new UpdateTableCommand({
      TableName: 'people', AttributeDefinitions: [{ AttributeName: 'city', AttributeType: 'S' }],
      GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'byCity', KeySchema: [{ AttributeName: 'city', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } } }],
    }));
    // Power cut while the backfill of 4000 items is under way.
    await node.kill9();
    c.destroy();

    node = await TesseraProcess.start({ dataDir, shards: 2, dynamoPort: node.dynamoPort });
    expect(node.log).toMatch(/resuming an interrupted GSI backfill/);
    c = makeClient(node.dynamoEndpoint);
    let status = '';
    for (let i = 0; i < 120 && status !== 'ACTIVE'; i++) {
      const d = await c.send(new DescribeTableCommand({ TableName: 'people' }));
      status = d.Table?.GlobalSecondaryIndexes?.[0]?.IndexStatus ?? '';
      if (status !== 'ACTIVE') await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe('ACTIVE');
    const scan = async (indexName?: string): Promise<Item[]> => {
      const out: Item[] = [];
      let start: Item | undefined;
      do {
        const r = await c.send(new ScanCommand({ TableName: 'people', IndexName: indexName, ExclusiveStartKey: start, ProjectionExpression: 'id, city' }));
        out.push(...(r.Items ?? []));
        start = r.LastEvaluatedKey;
      } while (start !== undefined);
      return out;
    };
    const index = await scan('byCity');
    const table = await scan();
    c.destroy();
    expect(index).toHaveLength(n);
    expect(canonical(index)).toEqual(canonical(table));
  }, 180_000);
});
