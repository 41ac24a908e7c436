// Issue #4: Query and Scan through the AWS SDK on 1 and 3 shards: every key condition, both
// directions, Limit, pagination with LastEvaluatedKey, Select COUNT, filters (expression and
// legacy), GSIs and LSIs with their projections, parallel scan segments, 1 MB pages.
import {
  CreateTableCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  DeleteItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startDynamo, type TestDynamo } from './helpers.js';

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: string | number): AttributeValue => ({ N: String(n) });

async function queryAll(c: DynamoDBClient, input: QueryCommandInput): Promise<{ items: Record<string, AttributeValue>[]; pages: number }> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  let pages = 0;
  do {
    const r = await c.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(r.Items ?? []));
    start = r.LastEvaluatedKey;
    pages++;
  } while (start !== undefined && pages < 1000);
  return { items, pages };
}

async function scanAll(c: DynamoDBClient, input: ScanCommandInput): Promise<{ items: Record<string, AttributeValue>[]; pages: number }> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  let pages = 0;
  do {
    const r = await c.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(r.Items ?? []));
    start = r.LastEvaluatedKey;
    pages++;
  } while (start !== undefined && pages < 1000);
  return { items, pages };
}

describe.each([1, 3])('query and scan on %i shard(s)', (shards) => {
  let d: TestDynamo;
  let c: DynamoDBClient;
  beforeAll(async () => {
    d = await startDynamo({ shards });
    c = d.client;
    await c.send(new CreateTableCommand({
      TableName: 'events',
      AttributeDefinitions: [
        { AttributeName: 'user', AttributeType: 'S' },
        { AttributeName: 'ts', AttributeType: 'N' },
        { AttributeName: 'kind', AttributeType: 'S' },
        { AttributeName: 'score', AttributeType: 'N' },
        { AttributeName: 'tag', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'user', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        { IndexName: 'byKind', KeySchema: [{ AttributeName: 'kind', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
        { IndexName: 'byTag', KeySchema: [{ AttributeName: 'tag', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
      ],
      LocalSecondaryIndexes: [
        { IndexName: 'byScore', KeySchema: [{ AttributeName: 'user', KeyType: 'HASH' }, { AttributeName: 'score', KeyType: 'RANGE' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['note'] } },
      ],
    }));
    await c.send(new CreateTableCommand({
      TableName: 'words',
      AttributeDefinitions: [{ AttributeName: 'p', AttributeType: 'S' }, { AttributeName: 'w', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'p', KeyType: 'HASH' }, { AttributeName: 'w', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    const writes: Promise<unknown>[] = [];
    for (let u = 0; u < 5; u++) {
      for (let t = 0; t < 30; t++) {
        const item: Record<string, AttributeValue> = { user: S(`u${u}`), ts: N(t), kind: S(t % 3 === 0 ? 'click' : 'view'), score: N((t * 7) % 30), note: S(`n${t}`), body: S(`b${u}-${t}`) };
        if (t % 10 === 0) item.tag = S(`tag${u}`);
        writes.push(c.send(new PutItemCommand({ TableName: 'events', Item: item })));
      }
    }
    for (const w of ['apple', 'apricot', 'banana', 'band', 'bandana', 'cherry', 'a', 'b', 'ü-umlaut', 'ü']) {
      writes.push(c.send(new PutItemCommand({ TableName: 'words', Item: { p: S('x'), w: S(w) } })));
    }
    await Promise.all(writes);
  });
  afterAll(async () => d.close());

  const tsOf = (items: Record<string, AttributeValue>[] | undefined) => (items ?? []).map((i) => Number(i.ts.N));

  it('key conditions on a numeric range key: =, <, <=, >, >=, BETWEEN', async () => {
    const q = async (cond: string, values: Record<string, AttributeValue>) =>
      tsOf((await c.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: `#u = :u AND ${cond}`, ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': S('u1'), ...values } }))).Items);
    expect(await q('ts = :t', { ':t': N(5) })).toEqual([5]);
    expect(await q('ts < :t', { ':t': N(3) })).toEqual([0, 1, 2]);
    expect(await q('ts <= :t', { ':t': N(3) })).toEqual([0, 1, 2, 3]);
    expect(await q('ts > :t', { ':t': N(26) })).toEqual([27, 28, 29]);
    expect(await q('ts >= :t', { ':t': N(27) })).toEqual([27, 28, 29]);
    expect(await q('ts BETWEEN :a AND :b', { ':a': N(10), ':b': N(13) })).toEqual([10, 11, 12, 13]);
    expect(await q('ts > :t', { ':t': N('-1.5') })).toHaveLength(30);
    const all = await c.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: '#u = :u', ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': S('u1') } }));
    expect(tsOf(all.Items)).toEqual([...Array(30).keys()]);
    expect(all.Count).toBe(30);
    expect(all.ScannedCount).toBe(30);
    expect(all.LastEvaluatedKey).toBeUndefined();
  });

  it('begins_with and ranges on a string range key, in UTF-8 byte order', async () => {
    const q = async (cond: string, values: Record<string, AttributeValue>, forward = true) =>
      ((await c.send(new QueryCommand({ TableName: 'words', KeyConditionExpression: `p = :p AND ${cond}`, ExpressionAttributeValues: { ':p': S('x'), ...values }, ScanIndexForward: forward }))).Items ?? []).map((i) => i.w.S);
    expect(await q('begins_with(w, :b)', { ':b': S('ban') })).toEqual(['banana', 'band', 'bandana']);
    expect(await q('begins_with(w, :b)', { ':b': S('ü') })).toEqual(['ü', 'ü-umlaut']);
    expect(await q('begins_with(w, :b)', { ':b': S('ap') }, false)).toEqual(['apricot', 'apple']);
    expect(await q('w BETWEEN :a AND :b', { ':a': S('b'), ':b': S('band') })).toEqual(['b', 'banana', 'band']);
    expect(await q('w > :a', { ':a': S('cherry') })).toEqual(['ü', 'ü-umlaut']);
  });

  it('ScanIndexForward=false, Limit and LastEvaluatedKey pagination in both directions', async () => {
    const base = { TableName: 'events', KeyConditionExpression: '#u = :u AND ts >= :t', ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': S('u2'), ':t': N(5) } };
    const r = await c.send(new QueryCommand({ ...base, ScanIndexForward: false, Limit: 4 }));
    expect(tsOf(r.Items)).toEqual([29, 28, 27, 26]);
    expect(r.LastEvaluatedKey).toEqual({ user: S('u2'), ts: N(26) });
    const back = await queryAll(c, { ...base, ScanIndexForward: false, Limit: 7 });
    expect(tsOf(back.items)).toEqual([...Array(25).keys()].map((i) => 29 - i));
    expect(back.pages).toBe(4); // 7+7+7+4: the short last page has no LastEvaluatedKey
    const fwd = await queryAll(c, { ...base, Limit: 5 });
    expect(tsOf(fwd.items)).toEqual([...Array(25).keys()].map((i) => i + 5));
  });

  it('FilterExpression: Count after the filter, ScannedCount before it, Limit counts evaluated items', async () => {
    const base = {
      TableName: 'events', KeyConditionExpression: '#u = :u', FilterExpression: 'kind = :k AND contains(body, :b)',
      ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': S('u3'), ':k': S('click'), ':b': S('b3') },
    };
    const r = await c.send(new QueryCommand(base));
    expect(tsOf(r.Items)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    expect(r.ScannedCount).toBe(30);
    const limited = await c.send(new QueryCommand({ ...base, Limit: 7 }));
    expect(tsOf(limited.Items)).toEqual([0, 3, 6]);
    expect(limited.ScannedCount).toBe(7);
    expect(limited.LastEvaluatedKey).toEqual({ user: S('u3'), ts: N(6) });
    const paged = await queryAll(c, { ...base, Limit: 4 });
    expect(tsOf(paged.items)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    const legacy = await c.send(new QueryCommand({
      TableName: 'events',
      KeyConditions: { user: { ComparisonOperator: 'EQ', AttributeValueList: [S('u3')] }, ts: { ComparisonOperator: 'LT', AttributeValueList: [N(10)] } },
      QueryFilter: { kind: { ComparisonOperator: 'EQ', AttributeValueList: [S('view')] } },
    }));
    expect(tsOf(legacy.Items)).toEqual([1, 2, 4, 5, 7, 8]);
    const f = await failure(c.send(new QueryCommand({ ...base, FilterExpression: 'ts > :k', ExpressionAttributeValues: { ':u': S('u3'), ':k': N(1) } })));
    expect(f.message).toBe('Filter Expression can only contain non-primary key attributes: Primary key attribute: ts');
  });

  it('Select COUNT, SPECIFIC_ATTRIBUTES by projection', async () => {
    const r = await c.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: '#u = :u', ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': S('u4') }, Select: 'COUNT' }));
    expect(r.Items).toBeUndefined();
    expect(r.Count).toBe(30);
    const p = await c.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: '#u = :u AND ts = :t', ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': S('u4'), ':t': N(1) }, ProjectionExpression: 'note, ts' }));
    expect(p.Items).toEqual([{ note: S('n1'), ts: N(1) }]);
    const f = await failure(c.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: '#u = :u', ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': S('u4') }, Select: 'ALL_ATTRIBUTES', ProjectionExpression: 'note' })));
    expect(f.name).toBe('ValidationException');
  });

  it('a GSI (ALL): query across users by kind, descending, paginated; kept up to date on update and delete', async () => {
    const q = { TableName: 'events', IndexName: 'byKind', KeyConditionExpression: 'kind = :k AND ts BETWEEN :a AND :b', ExpressionAttributeValues: { ':k': S('click'), ':a': N(3), ':b': N(6) } };
    const all = await queryAll(c, { ...q, ScanIndexForward: false, Limit: 3 });
    expect(all.items.map((i) => `${i.user.S}/${i.ts.N}`)).toEqual(['u4/6', 'u3/6', 'u2/6', 'u1/6', 'u0/6', 'u4/3', 'u3/3', 'u2/3', 'u1/3', 'u0/3']);
    expect(all.items[0].body).toEqual(S('b4-6'));
    const first = await c.send(new QueryCommand({ ...q, Limit: 2 }));
    expect(first.LastEvaluatedKey).toEqual({ kind: S('click'), ts: N(3), user: S('u1') });
    // Moving an item out of and into the index.
    await c.send(new UpdateItemCommand({ TableName: 'events', Key: { user: S('u0'), ts: N(3) }, UpdateExpression: 'SET kind = :v', ExpressionAttributeValues: { ':v': S('view') } }));
    await c.send(new UpdateItemCommand({ TableName: 'events', Key: { user: S('u0'), ts: N(4) }, UpdateExpression: 'SET kind = :v', ExpressionAttributeValues: { ':v': S('click') } }));
    await c.send(new DeleteItemCommand({ TableName: 'events', Key: { user: S('u1'), ts: N(6) } }));
    const after = await queryAll(c, q);
    expect(after.items.map((i) => `${i.user.S}/${i.ts.N}`)).toEqual(['u1/3', 'u2/3', 'u3/3', 'u4/3', 'u0/4', 'u0/6', 'u2/6', 'u3/6', 'u4/6']);
    const f = await failure(c.send(new QueryCommand({ ...q, ConsistentRead: true })));
    expect(f.message).toBe('Consistent reads are not supported on global secondary indexes');
  });

  it('a sparse KEYS_ONLY GSI holds only items with the key, and only the keys', async () => {
    const r = await c.send(new QueryCommand({ TableName: 'events', IndexName: 'byTag', KeyConditionExpression: 'tag = :t', ExpressionAttributeValues: { ':t': S('tag2') } }));
    expect(r.Items?.map((i) => i.ts.N).sort()).toEqual(['0', '10', '20']);
    expect(r.Items?.[0]).toEqual({ tag: S('tag2'), user: S('u2'), ts: r.Items?.[0].ts });
    const f = await failure(c.send(new QueryCommand({ TableName: 'events', IndexName: 'byTag', KeyConditionExpression: 'tag = :t', ExpressionAttributeValues: { ':t': S('tag2') }, Select: 'ALL_ATTRIBUTES' })));
    expect(f.message).toBe('One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index byTag because its projection type is not ALL');
    const scan = await scanAll(c, { TableName: 'events', IndexName: 'byTag' });
    expect(scan.items).toHaveLength(15);
  });

  it('an LSI (INCLUDE): ordered by score within a user; ALL_ATTRIBUTES fetches from the table', async () => {
    const q = { TableName: 'events', IndexName: 'byScore', KeyConditionExpression: '#u = :u AND score < :s', ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': S('u2'), ':s': N(4) } };
    const r = await c.send(new QueryCommand(q));
    expect(r.Items?.map((i) => Number(i.score.N))).toEqual([0, 1, 2, 3]);
    expect(Object.keys(r.Items![0]).sort()).toEqual(['note', 'score', 'ts', 'user']);
    const full = await c.send(new QueryCommand({ ...q, Select: 'ALL_ATTRIBUTES' }));
    expect(full.Items?.[0].body).toEqual(S(`b2-${full.Items?.[0].ts.N}`));
    const proj = await c.send(new QueryCommand({ ...q, ProjectionExpression: 'body, score' }));
    expect(proj.Items?.every((i) => i.body !== undefined)).toBe(true);
    const rev = await c.send(new QueryCommand({ ...q, ScanIndexForward: false, Limit: 2 }));
    expect(rev.Items?.map((i) => Number(i.score.N))).toEqual([3, 2]);
  });

  it('Scan: everything once, with filters, Limit pages, legacy ScanFilter, COUNT', async () => {
    const all = await scanAll(c, { TableName: 'events', Limit: 13 });
    expect(new Set(all.items.map((i) => `${i.user.S}/${i.ts.N}`)).size).toBe(all.items.length);
    expect(all.items.length).toBe(149); // one deleted above
    const filtered = await scanAll(c, { TableName: 'events', FilterExpression: 'score >= :s', ExpressionAttributeValues: { ':s': N(28) } });
    expect(filtered.items.every((i) => Number(i.score.N) >= 28)).toBe(true);
    expect(filtered.items.length).toBe(10);
    const legacy = await scanAll(c, { TableName: 'events', ScanFilter: { score: { ComparisonOperator: 'GE', AttributeValueList: [N(28)] } } });
    expect(legacy.items.length).toBe(10);
    const count = await c.send(new ScanCommand({ TableName: 'events', Select: 'COUNT', FilterExpression: 'kind = :k', ExpressionAttributeValues: { ':k': S('click') } }));
    expect(count.Count).toBe(49); // 50, one moved out, one moved in, one deleted
    expect(count.ScannedCount).toBe(149);
  });

  it('parallel Scan: segments partition the table', async () => {
    for (const total of [1, 2, 7]) {
      const seen: string[] = [];
      for (let s = 0; s < total; s++) {
        const r = await scanAll(c, { TableName: 'events', Segment: s, TotalSegments: total, Limit: 20 });
        seen.push(...r.items.map((i) => `${i.user.S}/${i.ts.N}`));
      }
      expect(seen.length).toBe(149);
      expect(new Set(seen).size).toBe(149);
    }
    const f = await failure(c.send(new ScanCommand({ TableName: 'events', Segment: 2, TotalSegments: 2 })));
    expect(f.message).toBe('The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is not less than TotalSegments: 2');
    const g = await failure(c.send(new ScanCommand({ TableName: 'events', Segment: 0 })));
    expect(g.message).toBe('The TotalSegments parameter is required but was not present in the request when Segment parameter is present');
  });

  it('pages stop at 1 MB of items', async () => {
    await c.send(new CreateTableCommand({
      TableName: 'big', AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'N' }], KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    const blob = 'x'.repeat(100_000);
    await Promise.all(Array.from({ length: 25 }, (_, k) => c.send(new PutItemCommand({ TableName: 'big', Item: { k: N(k), blob: S(blob) } }))));
    const first = await c.send(new ScanCommand({ TableName: 'big' }));
    expect(first.Items!.length).toBeGreaterThanOrEqual(10);
    expect(first.Items!.length).toBeLessThanOrEqual(11);
    expect(first.LastEvaluatedKey).toBeDefined();
    const all = await scanAll(c, { TableName: 'big' });
    expect(all.items.length).toBe(25);
    expect(all.pages).toBe(3);
  });

  it('query errors: missing hash key, wrong key type, unknown index', async () => {
    let f = await failure(c.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: 'ts = :t', ExpressionAttributeValues: { ':t': N(1) } })));
    expect(f.message).toBe('Query condition missed key schema element: user');
    f = await failure(c.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: '#u = :u', ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': N(1) } })));
    expect(f.message).toBe('One or more parameter values were invalid: Condition parameter type does not match schema type');
    f = await failure(c.send(new QueryCommand({ TableName: 'events', IndexName: 'nope', KeyConditionExpression: '#u = :u', ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': S('u') } })));
    expect(f.message).toBe('The table does not have the specified index: nope');
    f = await failure(c.send(new QueryCommand({ TableName: 'events' })));
    expect(f.message).toBe('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
  });
});
