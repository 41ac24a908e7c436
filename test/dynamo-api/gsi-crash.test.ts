// Issue #4 / docs/dynamo.md "GSIs": kill -9 of a real `tessera start` in the middle of a load
// that moves items between GSI keys; after the restart, the GSI holds exactly the items a
// filtered Scan of the table finds - no entry lost, none stale (dynamo-api/intents.ts).
import {
  CreateTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type ScanCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';
import { rng } from '../helpers/rng.js';
import { ensureBuilt, makeClient } from './helpers.js';

type Item = Record<string, AttributeValue>;

async function scanAll(c: DynamoDBClient, input: ScanCommandInput): Promise<Item[]> {
  const out: Item[] = [];
  let start: Item | undefined;
  do {
    const r = await c.send(new ScanCommand({ ...input, ExclusiveStartKey: start, ConsistentRead: input.IndexName === undefined }));
    out.push(...(r.Items ?? []));
    start = r.LastEvaluatedKey;
  } while (start !== undefined);
  return out;
}

const canonical = (items: Item[]): string[] => items.map((i) => JSON.stringify(Object.keys(i).sort().map((k) => [k, i[k]]))).sort();

describe('GSIs after kill -9', () => {
  let node: TesseraProcess | undefined;
  afterAll(async () => { await node?.kill9(); });

  it('a GSI equals the filtered table after a crash mid-load', async () => {
    ensureBuilt();
    const dataDir = tempDir();
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    const c = makeClient(node.dynamoEndpoint);
    await c.send(new CreateTableCommand({
      TableName: 'jobs',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'state', AttributeType: 'S' }, { AttributeName: 'at', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        { IndexName: 'byState', KeySchema: [{ AttributeName: 'state', KeyType: 'HASH' }, { AttributeName: 'at', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
      ],
    }));
    c.destroy();

    const states = ['new', 'run', 'done', 'fail'];
    let acked = 0;
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      const client = makeClient(node!.dynamoEndpoint);
      const next = rng(1000 + w);
      const r = { int: (n: number) => Math.floor(next() * n) };
      while (!stop) {
        const id = { S: `j${r.int(150)}` };
        const state = { S: states[r.int(states.length)] };
        const at = { N: String(r.int(1000)) };
        const kind = r.int(10);
        try {
          if (kind < 4) await client.send(new PutItemCommand({ TableName: 'jobs', Item: { id, state, at, w: { N: String(w) } } }));
          else if (kind < 8) await client.send(new UpdateItemCommand({ TableName: 'jobs', Key: { id }, UpdateExpression: 'SET #s = :s, #a = :a ADD n :one', ExpressionAttributeNames: { '#s': 'state', '#a': 'at' }, ExpressionAttributeValues: { ':s': state, ':a': at, ':one': { N: '1' } } }));
          else if (kind < 9) await client.send(new UpdateItemCommand({ TableName: 'jobs', Key: { id }, UpdateExpression: 'REMOVE #s', ExpressionAttributeNames: { '#s': 'state' } }));
          else await client.send(new DeleteItemCommand({ TableName: 'jobs', Key: { id } }));
          acked++;
        } catch {
          break; // the node died under us
        }
      }
      client.destroy();
    });
    while (acked < 1500) await new Promise((res) => setTimeout(res, 10));
    await node.kill9();
    stop = true;
    await Promise.all(writers);

    node = await TesseraProcess.start({ dataDir, shards: 2, dynamoPort: node.dynamoPort });
    const d = makeClient(node.dynamoEndpoint);
    const index = await scanAll(d, { TableName: 'jobs', IndexName: 'byState' });
    const table = await scanAll(d, { TableName: 'jobs', FilterExpression: 'attribute_exists(#s) AND attribute_exists(#a)', ExpressionAttributeNames: { '#s': 'state', '#a': 'at' }});
    d.destroy();
    expect(table.length).toBeGreaterThan(50);
    expect(canonical(index)).toEqual(canonical(table));
  }, 180_000);
});
