// Issue #4 "Bad input": thousands of random and mutated requests (broken JSON, wrong types,
// huge and deeply nested values, unknown operations, garbage gzip) against a live server.
// Every answer must be a 200 or a DynamoDB 400 error, never a 500 and never a hang, and the
// server keeps answering correctly afterwards. Seeded, so a failure replays exactly.
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../dynamo-api/server.js';
import { post, startDynamo, type TestDynamo } from './helpers.js';

const REQUESTS = 3000;
const CONCURRENCY = 16;
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);

/** xorshift32: deterministic, so a failing request can be replayed from the seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

const T = 'fuzz';
const key = { pk: { S: 'a' }, sk: { N: '1' } };
const SEEDS: [string, Record<string, unknown>][] = [
  ['PutItem', { TableName: T, Item: { ...key, m: { M: { l: { L: [{ N: '1' }, { SS: ['a'] }] } } }, b: { B: 'AAEC' } }, ConditionExpression: 'attribute_not_exists(pk) OR #n < :v', ExpressionAttributeNames: { '#n': 'n' }, ExpressionAttributeValues: { ':v': { N: '5' } }, ReturnValues: 'ALL_OLD' }],
  ['GetItem', { TableName: T, Key: key, ProjectionExpression: 'm.l[0], #b', ExpressionAttributeNames: { '#b': 'b' }, ConsistentRead: true }],
  ['UpdateItem', { TableName: T, Key: key, UpdateExpression: 'SET n = if_not_exists(n, :z) + :one, l = list_append(if_not_exists(l, :e), :l) REMOVE x ADD s :s DELETE t :s', ExpressionAttributeValues: { ':z': { N: '0' }, ':one': { N: '1' }, ':e': { L: [] }, ':l': { L: [{ S: 'x' }] }, ':s': { SS: ['q'] } }, ReturnValues: 'UPDATED_NEW' }],
  ['DeleteItem', { TableName: T, Key: { pk: { S: 'b' }, sk: { N: '2' } }, ConditionExpression: 'size(pk) > :z', ExpressionAttributeValues: { ':z': { N: '0' } }, ReturnValues: 'ALL_OLD' }],
  ['Query', { TableName: T, KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b', FilterExpression: 'contains(m.l, :one)', ExpressionAttributeValues: { ':p': { S: 'a' }, ':a': { N: '0' }, ':b': { N: '9' }, ':one': { N: '1' } }, ScanIndexForward: false, Limit: 3, ExclusiveStartKey: key }],
  ['Query', { TableName: T, IndexName: 'gsi', KeyConditions: { g: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] } }, QueryFilter: { n: { ComparisonOperator: 'GT', AttributeValueList: [{ N: '1' }] } } }],
  ['Scan', { TableName: T, FilterExpression: 'attribute_type(n, :t) AND n IN (:a, :b)', ExpressionAttributeValues: { ':t': { S: 'N' }, ':a': { N: '1' }, ':b': { N: '2' } }, Segment: 1, TotalSegments: 3, Limit: 10, Select: 'COUNT' }],
  ['BatchGetItem', { RequestItems: { [T]: { Keys: [key, { pk: { S: 'c' }, sk: { N: '3' } }], AttributesToGet: ['pk'] } } }],
  ['BatchWriteItem', { RequestItems: { [T]: [{ PutRequest: { Item: { pk: { S: 'd' }, sk: { N: '4' } } } }, { DeleteRequest: { Key: key } }] } }],
  ['TransactWriteItems', { TransactItems: [{ Put: { TableName: T, Item: { pk: { S: 'e' }, sk: { N: '5' } } } }, { Update: { TableName: T, Key: { pk: { S: 'f' }, sk: { N: '6' } }, UpdateExpression: 'ADD c :one', ExpressionAttributeValues: { ':one': { N: '1' } } } }, { ConditionCheck: { TableName: T, Key: key, ConditionExpression: 'attribute_exists(pk)' } }], ClientRequestToken: 'tok' }],
  ['TransactGetItems', { TransactItems: [{ Get: { TableName: T, Key: key } }] }],
  ['CreateTable', { TableName: 'fuzz2', AttributeDefinitions: [{ AttributeName: 'h', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'h', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST', GlobalSecondaryIndexes: [{ IndexName: 'idx', KeySchema: [{ AttributeName: 'h', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }] }],
  ['UpdateTable', { TableName: 'fuzz2', BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } }],
  ['DescribeTable', { TableName: T }],
  ['ListTables', { Limit: 2, ExclusiveStartTableName: 'a' }],
  ['UpdateTimeToLive', { TableName: T, TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' } }],
  ['TagResource', { ResourceArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${T}`, Tags: [{ Key: 'k', Value: 'v' }] }],
];

function randomJson(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (k) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return [0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, 3][Math.floor(r() * 7)];
    case 3: return ['', 'S', 'N', ':v', '#n', 'a = :v', '(', 'SET', '\u0000', '💥', 'x'.repeat(5000), 'AAEC', '1e126', 'NaN'][Math.floor(r() * 14)];
    case 4: return { S: 'x' };
    case 5: return { N: ['1', 'abc', '1e200', ''][Math.floor(r() * 4)] };
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1));
    case 7: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 4); i > 0; i--) o[['S', 'N', 'M', 'L', 'SS', 'B', 'NULL', 'BOOL', 'x', '__proto__', 'constructor'][Math.floor(r() * 11)]] = randomJson(r, depth + 1);
      return o;
    }
    default: {
      // Deep nesting, beyond DynamoDB's 32 levels.
      let v: unknown = { S: 'deep' };
      for (let i = 0; i < 40 + Math.floor(r() * 60); i++) v = r() < 0.5 ? { M: { a: v } } : { L: [v] };
      return v;
    }
  }
}

/** Replaces, deletes or adds one member somewhere in the tree. */
function mutate(r: () => number, v: unknown, depth = 0): unknown {
  if (typeof v !== 'object' || v === null || r() < 0.25 || depth > 6) return randomJson(r, depth);
  if (Array.isArray(v)) {
    const copy = v.slice();
    if (copy.length === 0 || r() < 0.2) copy.push(randomJson(r, depth));
    else copy[Math.floor(r() * copy.length)] = mutate(r, copy[Math.floor(r() * copy.length)], depth + 1);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const choice = r();
  if (keys.length > 0 && choice < 0.3) delete copy[keys[Math.floor(r() * keys.length)]];
  else if (keys.length > 0 && choice < 0.85) {
    const k = keys[Math.floor(r() * keys.length)];
    copy[k] = mutate(r, copy[k], depth + 1);
  } else copy[['TableName', 'Key', 'Item', 'Limit', 'Select', 'ReturnValues', 'ExpressionAttributeValues', 'ExpressionAttributeNames'][Math.floor(r() * 8)]] = randomJson(r, depth);
  return copy;
}

interface FuzzRequest { op: string; body: string | Buffer; headers: Record<string, string> }

function makeRequest(r: () => number): FuzzRequest {
  const [op, seed] = SEEDS[Math.floor(r() * SEEDS.length)];
  let value: unknown = seed;
  for (let i = 1 + Math.floor(r() * 3); i > 0; i--) value = mutate(r, value);
  let body: string | Buffer = JSON.stringify(value);
  const headers: Record<string, string> = {};
  const x = r();
  if (x < 0.08) body = body.slice(0, Math.floor(r() * body.length)); // truncated JSON
  else if (x < 0.12) body = Buffer.from(body).map((b) => (r() < 0.02 ? Math.floor(r() * 256) : b)) as Buffer; // flipped bytes
  else if (x < 0.15) {
    body = zlib.gzipSync(body);
    headers['content-encoding'] = 'gzip';
  } else if (x < 0.17) {
    headers['content-encoding'] = 'gzip'; // not gzip at all
  } else if (x < 0.19) body = JSON.stringify({ TableName: T, Item: { ...key, huge: { S: 'y'.repeat(500_000 + Math.floor(r() * 500_000)) } } });
  const opName = r() < 0.05 ? ['Nope', '', 'constructor', 'putitem', 'DescribeEndpoints'][Math.floor(r() * 5)] : op;
  return { op: opName, body, headers };
}

describe('fuzzing the server', () => {
  let d: TestDynamo;
  beforeAll(async () => {
    d = await startDynamo({ shards: 2 });
    const r = await post(d.endpoint, 'CreateTable', {
      TableName: T,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }, { AttributeName: 'g', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [{ IndexName: 'gsi', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
    });
    expect(r.status).toBe(200);
  });
  afterAll(async () => d.close());

  it(`${REQUESTS} random and mutated requests: only 200s and 400s, and the server still answers`, async () => {
    const r = rng(SEED);
    const requests = Array.from({ length: REQUESTS }, () => makeRequest(r));
    const statuses = new Map<number, number>();
    const types = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const q = requests[i];
        const res = await post(d.endpoint, q.op, q.body, q.headers);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status !== 200 && res.status !== 400) {
          throw new Error(`request ${i} (${q.op}) got ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}\nbody: ${String(q.body).slice(0, 500)}`);
        }
        if (res.status === 400) {
          expect(typeof res.body.__type, `request ${i}`).toBe('string');
          types.add(String(res.body.__type).split('#')[1]);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect([...statuses.keys()].sort()).toEqual([200, 400]);
    expect(types).toContain('ValidationException');
    expect(types).toContain('SerializationException');
    expect(types).toContain('UnknownOperationException');
    expect(types).not.toContain('InternalServerError');

    // Still serving, and correctly.
    const put = await post(d.endpoint, 'PutItem', { TableName: T, Item: { pk: { S: 'after' }, sk: { N: '1' }, v: { S: 'ok' } } });
    expect(put.status).toBe(200);
    const get = await post(d.endpoint, 'GetItem', { TableName: T, Key: { pk: { S: 'after' }, sk: { N: '1' } } });
    expect(get.body).toEqual({ Item: { pk: { S: 'after' }, sk: { N: '1' }, v: { S: 'ok' } } });
  });

  it('knows every operation it claims', () => {
    expect(Object.keys(OPERATIONS).length).toBe(20);
  });
});
