// Issue #4 against a real `tessera start` (supervisor + shard processes sharing the Dynamo
// port through node:cluster): the AWS SDK unchanged but for its endpoint, read-modify-write
// atomic across front-end processes, and every acknowledged write surviving kill -9.
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, TesseraProcess, freePort } from '../helpers/tessera.js';
import { ensureBuilt, makeClient } from './helpers.js';
import net from 'node:net';

describe('tessera start serves DynamoDB', () => {
  let node: TesseraProcess;
  let c: DynamoDBClient;
  const dataDir = tempDir();

  beforeAll(async () => {
    ensureBuilt();
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    c = makeClient(node.dynamoEndpoint);
  }, 120_000);
  afterAll(async () => {
    c.destroy();
    await node.kill9();
  });

  it('tables, items, indexes and transactions over the shared port', async () => {
    await c.send(new CreateTableCommand({
      TableName: 'orders',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'status', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [{ IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
    }));
    await Promise.all(Array.from({ length: 100 }, (_, i) => c.send(new PutItemCommand({ TableName: 'orders', Item: { id: { S: `o${i}` }, status: { S: i % 2 ? 'open' : 'done' }, n: { N: String(i) } } }))));
    const open = await c.send(new QueryCommand({ TableName: 'orders', IndexName: 'byStatus', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'open' } } }));
    expect(open.Count).toBe(50);
    const scan = await c.send(new ScanCommand({ TableName: 'orders', Select: 'COUNT' }));
    expect(scan.Count).toBe(100);
    await c.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Update: { TableName: 'orders', Key: { id: { S: 'o1' } }, UpdateExpression: 'SET #s = :d', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':d': { S: 'done' } } } },
        { Put: { TableName: 'orders', Item: { id: { S: 'log1' }, status: { S: 'audit' } } } },
      ],
    }));
    expect((await c.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: 'o1' } } }))).Item?.status).toEqual({ S: 'done' });
  });

  it('50 concurrent ADDs from many connections end at 50', async () => {
    // Separate clients: separate connections, spread over the shard processes by the cluster.
    const clients = Array.from({ length: 10 }, () => makeClient(node.dynamoEndpoint));
    await Promise.all(Array.from({ length: 50 }, (_, i) => clients[i % clients.length].send(new UpdateItemCommand({
      TableName: 'orders', Key: { id: { S: 'counter' } }, UpdateExpression: 'ADD hits :one', ExpressionAttributeValues: { ':one': { N: '1' } },
    }))));
    for (const x of clients) x.destroy();
    expect((await c.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: 'counter' } } }))).Item?.hits).toEqual({ N: '50' });
  });

  it('acknowledged writes survive kill -9', async () => {
    const acked = new Map<string, string>();
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      const client = makeClient(node.dynamoEndpoint);
      for (let i = 0; !stop; i++) {
        const id = `w${w}-${i}`;
        const v = `value-${id}-${'x'.repeat(i % 40)}`;
        try {
          await client.send(new PutItemCommand({ TableName: 'orders', Item: { id: { S: id }, status: { S: 'crash' }, v: { S: v } } }));
          acked.set(id, v);
        } catch {
          break; // the node died under us
        }
      }
      client.destroy();
    });
    while (acked.size < 300) await new Promise((r) => setTimeout(r, 20));
    await node.kill9();
    stop = true;
    await Promise.all(writers);

    c.destroy();
    node = await TesseraProcess.start({ dataDir, shards: 2, dynamoPort: node.dynamoPort });
    c = makeClient(node.dynamoEndpoint);
    for (const [id, v] of acked) {
      const r = await c.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: id } } }));
      expect(r.Item?.v, id).toEqual({ S: v });
    }
    expect((await c.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: 'counter' } } }))).Item?.hits).toEqual({ N: '50' });
    const crash = await c.send(new QueryCommand({ TableName: 'orders', IndexName: 'byStatus', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'crash' } }, Select: 'COUNT' }));
    expect(crash.Count).toBeGreaterThanOrEqual(acked.size);
  });
});

describe('tessera start --dynamo-port', () => {
  it('a taken port is one line naming --dynamo-port, and nothing is written', async () => {
    ensureBuilt();
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)));
    const dataDir = tempDir();
    const r = runCli(['start', '--data', dataDir, '--admin-port', String(await freePort()), '--dynamo-port', String(port)]);
    blocker.close();
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`DynamoDB port ${port} is already in use.*--dynamo-port`));
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
