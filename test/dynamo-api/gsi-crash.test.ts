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
import { execFileSync } from 'node:child_process';
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

async function createJobs(endpoint: string): Promise<void> {
  const c = makeClient(endpoint);
  await c.send(new CreateTableCommand({
    TableName: 'jobs',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'state', AttributeType: 'S' }, { AttributeName: 'at', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: [
      { IndexName: 'byState', KeySchema: [{ AttributeName: 'state', KeyType: 'HASH' }, { AttributeName: 'at', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
    ],
  }));
  c.destroy();
}

const states = ['new', 'run', 'done', 'fail'];

/** One random write that moves an item between GSI keys (or out of the index, or away). */
async function randomWrite(client: DynamoDBClient, int: (n: number) => number, w: number): Promise<void> {
  const id = { S: `j${int(150)}` };
  const state = { S: states[int(states.length)] };
  const at = { N: String(int(1000)) };
  const kind = int(10);
  if (kind < 4) await client.send(new PutItemCommand({ TableName: 'jobs', Item: { id, state, at, w: { N: String(w) } } }));
  else if (kind < 8) await client.send(new UpdateItemCommand({ TableName: 'jobs', Key: { id }, UpdateExpression: 'SET #s = :s, #a = :a ADD n :one', ExpressionAttributeNames: { '#s': 'state', '#a': 'at' }, ExpressionAttributeValues: { ':s': state, ':a': at, ':one': { N: '1' } } }));
  else if (kind < 9) await client.send(new UpdateItemCommand({ TableName: 'jobs', Key: { id }, UpdateExpression: 'REMOVE #s', ExpressionAttributeNames: { '#s': 'state' } }));
  else await client.send(new DeleteItemCommand({ TableName: 'jobs', Key: { id } }));
}

/** The GSI's items and the table's items that belong in it, canonically ordered. */
async function indexAndTable(endpoint: string): Promise<{ index: string[]; table: string[] }> {
  const d = makeClient(endpoint);
  const index = await scanAll(d, { TableName: 'jobs', IndexName: 'byState' });
  const table = await scanAll(d, { TableName: 'jobs', FilterExpression: 'attribute_exists(#s) AND attribute_exists(#a)', ExpressionAttributeNames: { '#s': 'state', '#a': 'at' } });
  d.destroy();
  expect(table.length).toBeGreaterThan(50);
  return { index: canonical(index), table: canonical(table) };
}

describe('GSIs after kill -9', () => {
  let node: TesseraProcess | undefined;
  afterAll(async () => { await node?.kill9(); });

  it('a GSI equals the filtered table after a crash mid-load', async () => {
    ensureBuilt();
    const dataDir = tempDir();
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    await createJobs(node.dynamoEndpoint);
    let acked = 0;
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      const client = makeClient(node!.dynamoEndpoint);
      const next = rng(1000 + w);
      const int = (n: number) => Math.floor(next() * n);
      while (!stop) {
        try {
          await randomWrite(client, int, w);
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
    const { index, table } = await indexAndTable(node.dynamoEndpoint);
    expect(index).toEqual(table);
  }, 180_000);

  it('a GSI equals the filtered table after one shard process (a front end) is killed mid-load', async () => {
    ensureBuilt();
    await node?.kill9();
    node = await TesseraProcess.start({ dataDir: tempDir(), shards: 2 });
    await createJobs(node.dynamoEndpoint);
    let acked = 0;
    let stop = false;
    // Writers keep going through the kill: a failed request is retried on a new connection.
    const writers = Array.from({ length: 16 }, async (_, w) => {
      let client = makeClient(node!.dynamoEndpoint);
      const next = rng(2000 + w);
      const int = (n: number) => Math.floor(next() * n);
      while (!stop) {
        try {
          await randomWrite(client, int, w);
          acked++;
        } catch {
          client.destroy();
          client = makeClient(node!.dynamoEndpoint);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      client.destroy();
    });
    // Three rounds: kill one shard process (a front end and a shard) mid-load, alternating.
    for (let round = 0; round < 3; round++) {
      const before = acked;
      while (acked < before + 400) await new Promise((res) => setTimeout(res, 10));
      // The shard processes are the supervisor's children.
      const children = execFileSync('ps', ['--ppid', String(node.child.pid), '-o', 'pid='], { encoding: 'utf8' }).split('\n').map((x) => Number(x.trim())).filter((x) => x > 0).sort((a, b) => a - b);
      expect(children).toHaveLength(2);
      process.kill(children[round % 2], 'SIGKILL');
      // The supervisor notices (not ready), restarts it, and it finishes its front end's
      // intents before it is ready again.
      for (let i = 0; i < 100 && (await node.admin('/ready')).status === 200; i++) await new Promise((res) => setTimeout(res, 50));
      await node.waitReady();
    }
    stop = true;
    await Promise.all(writers);
    const { index, table } = await indexAndTable(node.dynamoEndpoint);
    expect(index).toEqual(table);
  }, 180_000);
});
