// DESIGN.md §3 "SQL tables [visible] to Dynamo, where their types allow": an engine table as
// the SQL layer defines it (typed columns, no Dynamo metadata) is readable through
// DescribeTable, GetItem, Query and Scan, and read-only. The mapping is in docs/dynamo.md.
import {
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startDynamo, type TestDynamo } from './helpers.js';

describe('SQL tables through the Dynamo API', () => {
  let d: TestDynamo;
  let c: DynamoDBClient;
  beforeAll(async () => {
    d = await startDynamo({ shards: 3 });
    c = d.client;
    const e = d.node.engine;
    await e.ddl({
      kind: 'create',
      table: {
        name: 'scores',
        columns: [
          { name: 'player', type: 'int8' }, { name: 'game', type: 'text' }, { name: 'points', type: 'numeric' },
          { name: 'won', type: 'bool' }, { name: 'avatar', type: 'bytea' }, { name: 'meta', type: 'jsonb' }, { name: 'ratio', type: 'float8' },
        ],
        partitionKey: ['player'], clusteringKey: ['game'], options: {},
      },
    });
    await e.ddl({ kind: 'create', table: { name: 'json_keyed', columns: [{ name: 'doc', type: 'jsonb' }, { name: 'k', type: 'int4' }], partitionKey: ['k'], clusteringKey: [], options: {} } });
    await e.ddl({ kind: 'create', table: { name: 'two_part', columns: [{ name: 'a', type: 'text' }, { name: 'b', type: 'text' }], partitionKey: ['a', 'b'], clusteringKey: [], options: {} } });
    const t = e.table('scores');
    const codec = e.catalog.codec(t.id);
    const ts = e.now();
    const w = e.writerId;
    const cell = (v: unknown) => ({ ts, w, v: v as never });
    await e.apply(['chess', 'go', 'poker'].map((game, i) => ({
      table: t.id, pkey: codec.pkey([7]), ckey: codec.ckey([game]),
      row: { marker: cell(true), cells: { points: cell(String(10 * i + 0.5)), won: cell(i % 2 === 0), avatar: cell(new Uint8Array([i])), meta: cell({ level: i }), ratio: cell(i / 4) } },
    })));
  });
  afterAll(async () => d.close());

  it('is listed and described with its key schema', async () => {
    const tables = (await c.send(new ListTablesCommand({}))).TableNames;
    expect(tables).toEqual(['json_keyed', 'scores']); // two_part has a composite partition key
    const t = (await c.send(new DescribeTableCommand({ TableName: 'scores' }))).Table!;
    expect(t.KeySchema).toEqual([{ AttributeName: 'player', KeyType: 'HASH' }, { AttributeName: 'game', KeyType: 'RANGE' }]);
    expect(t.AttributeDefinitions).toEqual([{ AttributeName: 'player', AttributeType: 'N' }, { AttributeName: 'game', AttributeType: 'S' }]);
  });

  it('reads rows as items: numbers as N, text as S, bool as BOOL, bytea as B, json as S', async () => {
    const r = await c.send(new GetItemCommand({ TableName: 'scores', Key: { player: { N: '7' }, game: { S: 'go' } } }));
    expect(r.Item).toEqual({
      player: { N: '7' }, game: { S: 'go' }, points: { N: '10.5' }, won: { BOOL: false },
      avatar: { B: new Uint8Array([1]) }, meta: { S: '{"level":1}' }, ratio: { N: '0.25' },
    });
    const q = await c.send(new QueryCommand({ TableName: 'scores', KeyConditionExpression: 'player = :p AND game > :g', FilterExpression: 'won = :t', ExpressionAttributeValues: { ':p': { N: '7' }, ':g': { S: 'chess' }, ':t': { BOOL: true } } }));
    expect(q.Items?.map((i) => i.game.S)).toEqual(['poker']);
    const s = await c.send(new ScanCommand({ TableName: 'scores', FilterExpression: 'points > :p', ExpressionAttributeValues: { ':p': { N: '5' } } }));
    expect(s.Items?.map((i) => i.game.S).sort()).toEqual(['go', 'poker']);
  });

  it('is read-only here', async () => {
    const f = await failure(c.send(new PutItemCommand({ TableName: 'scores', Item: { player: { N: '1' }, game: { S: 'x' } } })));
    expect(f.name).toBe('ValidationException');
    expect(f.message).toMatch(/is a SQL table; write to it through SQL/);
    const g = await failure(c.send(new GetItemCommand({ TableName: 'scores', Key: { player: { N: '1.5' }, game: { S: 'x' } } })));
    expect(g.message).toBe('The provided key element does not match the schema');
  });
});
