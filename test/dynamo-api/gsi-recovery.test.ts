// Issue #4 / docs/dynamo.md "GSIs": a write whose GSI entries never reach the index (the front
// end died after the item's step) is repaired from its intent, written in the item's own
// commit-log record (dynamo-api/intents.ts). The front end's death is reproduced exactly: the
// item's step runs on its shard through the engine, and its GSI mutations are never applied.
import { CreateTableCommand, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_LOG_TABLE } from '../../dynamo-api/intents.js';
import { encodeKey, tableView, type View } from '../../dynamo-api/meta.js';
import { PROC, type WriteResult } from '../../dynamo-api/procs.js';
import { parseItem } from '../../dynamo-api/values.js';
import type { WriteOp } from '../../dynamo-api/write.js';
import { startDynamo, type TestDynamo } from './helpers.js';

describe('GSI intents', () => {
  let t: TestDynamo;
  let nowMs = Date.now();
  beforeEach(async () => {
    nowMs = Date.now();
    t = await startDynamo({ shards: 3, background: true, clock: { nowMs: () => nowMs } });
    await t.client.send(new CreateTableCommand({
      TableName: 'tasks',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'owner', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [{ IndexName: 'byOwner', KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
    }));
    // A normal write first (creates the intent table, as any front end does before a step).
    await t.client.send(new PutItemCommand({ TableName: 'tasks', Item: { id: { S: 'seed' }, owner: { S: 'ann' } } }));
  });
  afterEach(async () => t.close());

  /** The item's step on its shard, as runWrite starts it - and nothing after it. */
  async function stepOnly(op: WriteOp, key: Record<string, unknown>): Promise<WriteResult> {
    const view = tableView(t.node.engine.catalog.require('tasks')) as View;
    const { pkey, ckey } = encodeKey(view, parseItem(key), t.node.engine.catalog);
    return await t.node.engine.rmw({ table: view.schema.id, pkey, ckey, proc: PROC.write, args: { op, nowSec: Math.floor(nowMs / 1000) } }) as WriteResult;
  }

  async function owners(owner: string): Promise<string[]> {
    const r = await t.client.send(new QueryCommand({ TableName: 'tasks', IndexName: 'byOwner', KeyConditionExpression: '#o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': { S: owner } } }));
    return (r.Items ?? []).map((i) => i.id.S!).sort();
  }

  async function intents(): Promise<number> {
    const table = t.node.engine.catalog.require(INDEX_LOG_TABLE).id;
    let n = 0;
    let from: string | undefined = '';
    while (from !== undefined) {
      const page = await t.node.engine.scanPage({ table, from });
      n += page.rows.length;
      from = page.next;
    }
    return n;
  }

  it('a put and a move whose GSI entries were lost are repaired by recovery', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `t${i}`);
    for (const id of ids) {
      const r = await stepOnly({ kind: 'put', item: parseItem({ id: { S: id }, owner: { S: 'bob' } }), returnValues: 'NONE' }, { id: { S: id } });
      expect(r.ok).toBe(true);
    }
    // The seed moves from ann to bob; its old entry must go too.
    await stepOnly({ kind: 'put', item: parseItem({ id: { S: 'seed' }, owner: { S: 'bob' } }), returnValues: 'NONE' }, { id: { S: 'seed' } });
    // The table has them, the index does not: the state a crash leaves without intents.
    expect((await t.client.send(new ScanCommand({ TableName: 'tasks', Select: 'COUNT' }))).Count).toBe(13);
    expect(await owners('bob')).toEqual([]);
    expect(await owners('ann')).toEqual(['seed']);
    expect(await intents()).toBe(13);

    expect(await t.server.recover()).toEqual({ intents: 13, transactions: 0, backfills: 0 });
    expect(await owners('bob')).toEqual([...ids, 'seed'].sort());
    expect(await owners('ann')).toEqual([]);
    expect(await intents()).toBe(0);
  });

  it('replaying an old intent after a newer write changes nothing newer', async () => {
    await stepOnly({ kind: 'put', item: parseItem({ id: { S: 'x' }, owner: { S: 'old' } }), returnValues: 'NONE' }, { id: { S: 'x' } });
    // A complete newer write through the API: item and index say "new".
    await t.client.send(new PutItemCommand({ TableName: 'tasks', Item: { id: { S: 'x' }, owner: { S: 'new' } } }));
    expect(await owners('new')).toEqual(['x']);
    await t.server.recover();
    expect(await owners('new')).toEqual(['x']);
    expect(await owners('old')).toEqual([]);
  });

  it('the background re-applies intents a minute old (a GSI write that failed without a crash)', async () => {
    await stepOnly({ kind: 'put', item: parseItem({ id: { S: 'late' }, owner: { S: 'dee' } }), returnValues: 'NONE' }, { id: { S: 'late' } });
    await t.server.background!.runOnce();
    expect(await owners('dee')).toEqual([]); // too young: its front end may still be applying it
    nowMs += 61_000;
    await t.server.background!.runOnce();
    expect(await owners('dee')).toEqual(['late']);
    expect(await intents()).toBe(0);
  });

  it('an intent whose index was deleted meanwhile is dropped, and recovery goes on', async () => {
    await stepOnly({ kind: 'put', item: parseItem({ id: { S: 'gone' }, owner: { S: 'eve' } }), returnValues: 'NONE' }, { id: { S: 'gone' } });
    await t.client.send(new UpdateTableCommand({ TableName: 'tasks', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'byOwner' } }] }));
    expect(await t.server.recover()).toEqual({ intents: 1, transactions: 0, backfills: 0 });
    expect(await intents()).toBe(0);
    expect((await t.client.send(new GetItemCommand({ TableName: 'tasks', Key: { id: { S: 'gone' } } }))).Item?.owner).toEqual({ S: 'eve' });
  });

  it('a completed write leaves no intent behind', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.client.send(new PutItemCommand({ TableName: 'tasks', Item: { id: { S: `c${i}` }, owner: { S: 'cy' } } }))));
    expect(await owners('cy')).toHaveLength(20);
    // Deletions are not awaited by the front end; they land within a few turns.
    for (let i = 0; i < 100 && await intents() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await intents()).toBe(0);
  });
});
